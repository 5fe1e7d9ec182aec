//! `GET /ws`: with a token (`access_token`, `token` or `Authorization: Bearer`) the socket
//! speaks seed 003's frames, with the SDK extension when `ext=chinwag` is given too; without
//! one it speaks the xuanxuan dialect (000/001), whose first frame is `login`.
//!
//! Each socket has a reader (this task) and a writer task draining the session queue, so
//! fan-out never waits on a slow socket.

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use chinwag_wire::MAX_FRAME_BYTES;
use chinwag_wire::ext::{EXT_PARAM, EXT_VALUE};

use super::module_rest::error_response;
use super::module_ws::ModuleConn;
use super::xuanxuan::XuanxuanConn;
use super::xxd::{self, Cipher};
use crate::app::AppState;
use crate::auth::token_hash;
use crate::hub::{Drain, Hub, Outbound, Outlet};
use crate::params::{authenticate, bearer, client_addr};

/// Frames larger than this close the connection (the WebSocket layer refuses them); frames
/// between [`MAX_FRAME_BYTES`] and this get an error frame and the socket stays open.
pub const HARD_FRAME_LIMIT: usize = 16 * MAX_FRAME_BYTES;

/// Size of each socket's read buffer, in bytes. tungstenite's default (128 KiB) made an idle
/// connection cost about 140 KB; larger frames still arrive whole, in more reads.
pub const READ_BUFFER_BYTES: usize = 2 * 1024;
/// Size of each socket's write buffer, in bytes: queued frames are written together until it
/// holds this much (tungstenite's default is 128 KiB).
pub const WRITE_BUFFER_BYTES: usize = 4 * 1024;

/// What a dialect does with the frames of one socket.
pub enum Conn {
    /// Seed 003.
    Module(ModuleConn),
    /// Seeds 000/001.
    Xuanxuan(XuanxuanConn),
}

/// The `/ws` handler.
pub async fn upgrade(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    extensions: Extensions,
    ws: WebSocketUpgrade,
) -> Response {
    let addr = client_addr(&extensions);
    // Any token parameter (even an empty one) asks for the 003 dialect.
    let asked = query.contains_key("access_token") || query.contains_key("token");
    let ext = query.get(EXT_PARAM).is_some_and(|v| v == EXT_VALUE);
    let token = query
        .get("access_token")
        .or_else(|| query.get("token"))
        .cloned()
        .filter(|t| !t.is_empty())
        .or_else(|| bearer(&headers));
    let opened = match token {
        None if asked => {
            return error_response(&crate::error::ApiError::unauthorized(
                "empty access_token: log in through POST /login to get one",
            ));
        }
        None if ext => {
            return error_response(&crate::error::ApiError::unauthorized(
                "ext=chinwag needs a token: pass access_token (from POST /login)",
            ));
        }
        Some(token) => match authenticate(&app, Some(token.clone())).await {
            Ok(user) => Some(Opened {
                user,
                token_hash: token_hash(&token),
                ext,
            }),
            Err(e) => return error_response(&e),
        },
        None => None,
    };
    // A 003 socket is registered before the upgrade is answered: once the client sees the
    // 101, every message stored from then on is pushed to it, so the catch-up it starts right
    // after the handshake (`GET /api/sync`) and the live frames meet without a gap.
    let (tx, drain) = Hub::queue();
    let registered = match opened {
        Some(o) => Some(Registered {
            conn: Some(ModuleConn::open(&app, o.user, o.token_hash, o.ext, tx.clone()).await),
            app: app.clone(),
        }),
        None => None,
    };
    ws.max_message_size(HARD_FRAME_LIMIT)
        .max_frame_size(HARD_FRAME_LIMIT)
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .on_upgrade(move |socket| run(app, socket, tx, drain, registered, addr))
        .into_response()
}

/// A 003 socket registered before its upgrade; closed again if the upgrade never happens.
struct Registered {
    app: AppState,
    conn: Option<ModuleConn>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            let app = self.app.clone();
            tokio::spawn(async move { conn.close(&app).await });
        }
    }
}

/// A 003 socket authenticated before the upgrade.
struct Opened {
    user: i64,
    token_hash: String,
    ext: bool,
}

async fn run(
    app: AppState,
    socket: WebSocket,
    tx: Outlet,
    drain: Drain,
    registered: Option<Registered>,
    addr: Option<IpAddr>,
) {
    let _running = app.sockets.enter();
    let (mut sink, mut stream) = socket.split();
    let Drain { mut rx, kill } = drain;
    // Set when the socket turns out to speak xxd's encrypted transport: every frame out is
    // then encrypted too.
    let cipher: Arc<OnceLock<Cipher>> = Arc::default();
    let sealing = cipher.clone();
    let seal = move |text: Utf8Bytes| match sealing.get() {
        Some(c) => Message::Binary(c.encrypt(text.as_bytes()).into()),
        None => Message::Text(text),
    };
    let mut writer = tokio::spawn(async move {
        // A kill (an extension socket that fell behind) stops the writer at once, even in the
        // middle of a send to a client that does not read; the socket is then dropped.
        let work = async {
            while let Some(first) = rx.recv().await {
                // Every frame already queued goes out before one flush (fewer writes under
                // load, the same single write when idle).
                let mut next = Some(first);
                while let Some(out) = next.take() {
                    let (text, last) = match out {
                        Outbound::Frame(t) => (t, false),
                        Outbound::CloseWith(t) => (t, true),
                        Outbound::CloseCode(code, reason) => {
                            let frame = CloseFrame { code, reason };
                            let _ = sink.send(Message::Close(Some(frame))).await;
                            return;
                        }
                    };
                    if sink.feed(seal(text)).await.is_err() {
                        return;
                    }
                    if last {
                        let _ = sink.send(Message::Close(None)).await;
                        return;
                    }
                    next = rx.try_recv().ok();
                }
                if sink.flush().await.is_err() {
                    return;
                }
            }
        };
        tokio::select! {
            _ = work => {}
            _ = kill.notified() => {}
        }
    });
    let mut conn = match registered.and_then(|mut r| r.conn.take()) {
        Some(module) => Conn::Module(module),
        None => Conn::Xuanxuan(XuanxuanConn::new(tx.clone(), addr)),
    };
    let mut shutdown = app.shutdown.clone();
    let mut closing = false;
    let mut first = true;
    let mut xxd_token = None;
    loop {
        // Shutdown first: once the server stops, no frame more is handled.
        let msg = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            _ = &mut writer => break,
            msg = stream.next() => msg,
        };
        let msg = match msg {
            Some(Ok(msg)) => msg,
            Some(Err(e)) => {
                // A frame the WebSocket layer refused ends the socket; the client is told why
                // with the RFC 6455 code where there is one.
                if let Some((code, reason)) = close_code(e) {
                    closing = tx.send(Outbound::CloseCode(code, reason.into()));
                }
                break;
            }
            None => break,
        };
        // Text frames are UTF-8 already (the WebSocket layer checks); binary frames are
        // accepted when they hold UTF-8 JSON, or, on a socket of xxd's transport, its cipher.
        let (bytes, binary) = match msg {
            Message::Text(text) => (text.into(), false),
            Message::Binary(bytes) => (bytes, true),
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if bytes.len() > MAX_FRAME_BYTES {
            conn.too_large(&bytes);
            continue;
        }
        let opening = std::mem::replace(&mut first, false);
        let bytes = if let Some(c) = cipher.get() {
            match c.decrypt(&bytes).filter(|_| binary) {
                Some(plain) => plain.into(),
                None => {
                    conn.undecryptable();
                    continue;
                }
            }
        } else if binary && opening && !conn.is_module() && !xxd::is_plain_json(&bytes) {
            // xxd's transport: the first frame is a login sealed with a /serverInfo token.
            match app.tickets.redeem(&bytes) {
                Some((token, c, text)) => {
                    let _ = cipher.set(c);
                    xxd_token = Some(token);
                    text.into()
                }
                None => {
                    let reason = "cannot decrypt the first frame: POST /serverInfo for a token";
                    closing = tx.send(Outbound::CloseCode(1008, reason.into()));
                    break;
                }
            }
        } else {
            bytes
        };
        // The handlers' futures are boxed: inline, the largest of them (a xuanxuan method)
        // would make every idle socket's task that large for its whole life.
        match std::str::from_utf8(&bytes) {
            Ok(text) => match &mut conn {
                Conn::Module(c) => Box::pin(c.on_text(&app, text)).await,
                Conn::Xuanxuan(c) => Box::pin(c.on_text(&app, text)).await,
            },
            Err(_) => conn.invalid_utf8(),
        }
    }
    match &mut conn {
        Conn::Module(c) => Box::pin(c.close(&app)).await,
        Conn::Xuanxuan(c) => Box::pin(c.close(&app)).await,
    }
    if let Some(token) = xxd_token {
        app.tickets.closed(&token);
    }
    drop(tx);
    if closing {
        // Let the writer send the close frame (bounded: a client that does not read).
        let _ = tokio::time::timeout(CLOSE_GRACE, &mut writer).await;
    }
    writer.abort();
}

/// How long a socket closed with a status code waits for its close frame to go out.
pub const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// The RFC 6455 close code and reason for a frame the WebSocket layer refused: 1009 for a
/// frame over [`HARD_FRAME_LIMIT`], 1007 for a text frame that is not UTF-8.
fn close_code(e: axum::Error) -> Option<(u16, &'static str)> {
    match *e.into_inner().downcast::<tungstenite::Error>().ok()? {
        tungstenite::Error::Capacity(_) => Some((1009, "frame too large")),
        tungstenite::Error::Utf8(_) => Some((1007, "text frame is not valid UTF-8")),
        _ => None,
    }
}

impl Conn {
    fn is_module(&self) -> bool {
        matches!(self, Conn::Module(_))
    }

    /// A frame an encrypted socket cannot read (not binary, or not under its key).
    fn undecryptable(&self) {
        let msg = "this socket speaks xxd's encrypted transport: every frame is binary, \
                   AES-256-CBC under its token"
            .to_string();
        match self {
            Conn::Module(c) => c.error(400, msg),
            Conn::Xuanxuan(c) => c.error(msg),
        }
    }

    fn too_large(&self, frame: &[u8]) {
        let len = frame.len();
        let msg = format!("frame of {len} bytes exceeds the limit of {MAX_FRAME_BYTES} bytes");
        match self {
            Conn::Module(c) => c.error(413, msg),
            Conn::Xuanxuan(c) => c.refuse(Some(frame), msg),
        }
    }

    fn invalid_utf8(&self) {
        let msg = "frame is not valid UTF-8 JSON".to_string();
        match self {
            Conn::Module(c) => c.error(400, msg),
            Conn::Xuanxuan(c) => c.error(msg),
        }
    }
}
