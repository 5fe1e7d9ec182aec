//! The backend's side of the link (`chinwag-server backend`): the routes gateways call,
//! guarded by the gateway key, and [`Gateways`], the backend's [`Gateway`] when the sessions
//! live in other processes.
//!
//! Requests on a link are taken in arrival order. `message.post` and `message.barrier` are
//! queued for the database writer in that order and answered after their commit, so a
//! gateway's messages keep its order; every other request runs on its own task. A message's
//! push and its answer leave in commit order on every link.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

use chinwag_wire::backend::{BackendRequest, BackendResponse};

use super::frames::*;
use crate::backend::messages::{self, Posted};
use crate::backend::ops::{self, Operation, Post};
use crate::backend::{Backend, Gateway, Push, router};
use crate::dialect::module_rest::error_response;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::params::bearer;
use crate::render;
use crate::store::messages::MessageRow;

/// Events queued per gateway link before the link counts as stuck and is dropped (the
/// gateway reconnects).
pub const LINK_QUEUE: usize = 65_536;
/// Largest frame on a link: an upload's bytes in base64, with room for the envelope.
pub const LINK_FRAME_LIMIT: usize = chinwag_wire::MAX_UPLOAD_BYTES * 4 / 3 + 64 * 1024;

/// The gateways connected to this backend.
#[derive(Default)]
pub struct Gateways {
    links: Mutex<HashMap<u64, Peer>>,
    next: std::sync::atomic::AtomicU64,
}

struct Peer {
    tx: mpsc::Sender<Utf8Bytes>,
    /// Closes the link (its gateway reconnects and reports its sessions again).
    drop: Arc<tokio::sync::Notify>,
    /// Sessions per user on this gateway, as it reported them.
    online: HashMap<i64, u32>,
}

impl Gateways {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Peer>> {
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `event` on every link; a link that cannot take it is dropped. False if no
    /// link took it.
    fn send_all(&self, event: &LinkEvent) -> bool {
        let text = render::text(event);
        let mut links = self.lock();
        links.retain(|id, peer| match peer.tx.try_send(text.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(link = id, "gateway link stuck; closed");
                peer.drop.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
        !links.is_empty()
    }

    fn connect(&self, tx: mpsc::Sender<Utf8Bytes>, drop: Arc<tokio::sync::Notify>) -> u64 {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let peer = Peer {
            tx,
            drop,
            online: HashMap::new(),
        };
        self.lock().insert(id, peer);
        id
    }

    fn disconnect(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn set_online(&self, id: u64, online: Online) {
        if let Some(peer) = self.lock().get_mut(&id) {
            if online.sessions == 0 {
                peer.online.remove(&online.user);
            } else {
                peer.online.insert(online.user, online.sessions);
            }
        }
    }

    /// How many gateways are connected.
    pub fn count(&self) -> usize {
        self.lock().len()
    }
}

impl Gateway for Gateways {
    fn is_online(&self, user: i64) -> bool {
        self.lock().values().any(|p| p.online.contains_key(&user))
    }

    fn deliver(&self, pushes: &[Push]) {
        for push in pushes {
            self.send_all(&LinkEvent::Push { push: push.clone() });
        }
    }

    /// Handed to every gateway; those a gateway cannot reach come back as
    /// `message.undelivered`. With no gateway connected, every recipient missed it.
    fn deliver_message(&self, row: &MessageRow, recipients: &[i64], updated: bool) -> Vec<i64> {
        let event = LinkEvent::Message {
            row: row.clone(),
            users: recipients.to_vec(),
            updated,
        };
        if self.send_all(&event) {
            Vec::new()
        } else {
            recipients.to_vec()
        }
    }

    fn replace_xuanxuan(&self, user: i64, keep: &str) {
        self.send_all(&LinkEvent::Replace {
            user,
            keep: keep.into(),
        });
    }

    fn notify(&self, users: &[i64], body: &chinwag_wire::module::Notification) {
        self.send_all(&LinkEvent::Notify {
            users: users.to_vec(),
            body: body.clone(),
        });
    }

    fn close_sessions(&self, hashes: &[String], reason: &str) {
        self.send_all(&LinkEvent::Close {
            hashes: hashes.to_vec(),
            reason: reason.into(),
        });
    }
}

/// What the link's routes need.
pub struct LinkServer {
    /// The backend.
    pub backend: Arc<Backend>,
    /// The gateways, the backend's [`Gateway`].
    pub gateways: Arc<Gateways>,
    /// The key a gateway must present (`Authorization: Bearer <key>`).
    pub key: String,
}

/// The backend process's routes: the link, single envelopes, and `/health`.
pub fn routes(server: Arc<LinkServer>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(LINK_PATH, get(link))
        .route(CALL_PATH, post(call))
        .with_state(server)
}

/// A clear 401 for a caller without the gateway key; `None` for a gateway.
fn refused(server: &LinkServer, headers: &HeaderMap) -> Option<Response> {
    let presented = bearer(headers).unwrap_or_default();
    if crate::auth::keys_match(&presented, &server.key) {
        return None;
    }
    Some(error_response(&ApiError::unauthorized(
        "this backend serves gateways only: send Authorization: Bearer <gateway key>",
    )))
}

/// `GET /backend/link`: a gateway's link.
async fn link(State(server): State<Arc<LinkServer>>, req: Request) -> Response {
    if let Some(refusal) = refused(&server, req.headers()) {
        return refusal;
    }
    let (mut parts, _) = req.into_parts();
    let ws = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(ws) => ws,
        Err(e) => return e.into_response(),
    };
    ws.max_message_size(LINK_FRAME_LIMIT)
        .max_frame_size(LINK_FRAME_LIMIT)
        .on_upgrade(move |socket| serve_link(server, socket))
}

async fn serve_link(server: Arc<LinkServer>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(LINK_QUEUE);
    let dropped = Arc::new(tokio::sync::Notify::new());
    let id = server.gateways.connect(tx.clone(), dropped.clone());
    tracing::info!(link = id, "gateway connected");
    let writer = tokio::spawn(async move {
        loop {
            tokio::select! {
                next = rx.recv() => {
                    let Some(text) = next else { break };
                    if sink.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                }
                _ = dropped.notified() => break,
            }
        }
        let _ = sink.send(Message::Close(None)).await;
    });
    while let Some(Ok(frame)) = stream.next().await {
        let text = match frame {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        match serde_json::from_str::<LinkRequest>(&text) {
            Ok(req) => take(&server, id, &tx, req).await,
            Err(e) => tracing::warn!(link = id, %e, "malformed link request"),
        }
    }
    server.gateways.disconnect(id);
    writer.abort();
    tracing::info!(link = id, "gateway disconnected");
}

/// Takes one request of link `id`, answering on `tx`.
async fn take(server: &Arc<LinkServer>, id: u64, tx: &mpsc::Sender<Utf8Bytes>, req: LinkRequest) {
    let LinkRequest { rid, envelope } = req;
    let BackendRequest {
        user_id: me,
        module,
        method,
        params,
        ..
    } = envelope;
    if module == GATEWAY_MODULE && method == ONLINE_METHOD {
        match serde_json::from_value::<Online>(params) {
            Ok(online) => server.gateways.set_online(id, online),
            Err(e) => tracing::warn!(link = id, %e, "malformed online report"),
        }
        return;
    }
    let answer = move |tx: mpsc::Sender<Utf8Bytes>| {
        move |out: ApiResult<Value>| {
            if let Some(rid) = rid {
                let _ = tx.try_send(render::text(&LinkEvent::answer(rid, out)));
            }
        }
    };
    let done = answer(tx.clone());
    // In order: queued for the writer now, answered after the commit.
    if module == Post::MODULE && method == Post::METHOD {
        return submit(&server.backend, me, params, done).await;
    }
    if module == ops::Barrier::MODULE && method == ops::Barrier::METHOD {
        let queued = messages::after_submitted(&server.backend, move || done(Ok(Value::Null)));
        if let Err(e) = queued.await {
            tracing::warn!(%e, "barrier not queued");
        }
        return;
    }
    // serverStart comes first on a gateway's first link: it ends before anything after it.
    if module == ops::ServerStart::MODULE && method == ops::ServerStart::METHOD {
        return done(run(&server.backend, me, &module, &method, params).await);
    }
    let backend = server.backend.clone();
    tokio::spawn(async move { done(run(&backend, me, &module, &method, params).await) });
}

/// A `message.post` queued for the writer; `done` gets its outcome after the commit.
async fn submit(
    backend: &Arc<Backend>,
    me: Option<i64>,
    params: Value,
    done: impl FnOnce(ApiResult<Value>) + Send + 'static,
) {
    let (post, me) = match ops::decode::<Post>(params).and_then(|p| Ok((p, ops::caller(me)?))) {
        Ok(ready) => ready,
        Err(e) => return done(Err(e)),
    };
    let report = move |out: ApiResult<Posted>| {
        done(out.and_then(|p| serde_json::to_value(p).map_err(ApiError::internal)))
    };
    messages::submit(backend, me, post.target, post.draft, post.policy, report).await
}

/// Runs a listed operation, or a 000/001 method (pushes delivered), answering JSON.
pub async fn run(
    backend: &Arc<Backend>,
    me: Option<i64>,
    module: &str,
    method: &str,
    params: Value,
) -> ApiResult<Value> {
    if let Some(out) = ops::serve(backend, me, module, method, params.clone()).await {
        return out;
    }
    let me = ops::caller(me)?;
    let reply = router::handle(&backend.db, me, module, method, &params).await?;
    serde_json::to_value(backend.delivered(reply)).map_err(ApiError::internal)
}

/// `POST /backend`: one 000 envelope, answered with 000's response (`users` empty: the
/// answer is the caller's).
async fn call(State(server): State<Arc<LinkServer>>, req: Request) -> Response {
    if let Some(refusal) = refused(&server, req.headers()) {
        return refusal;
    }
    let body = match axum::body::to_bytes(req.into_body(), LINK_FRAME_LIMIT).await {
        Ok(b) => b,
        Err(e) => return error_response(&ApiError::new(ErrorKind::TooLarge, format!("body: {e}"))),
    };
    let env: BackendRequest = match serde_json::from_slice(&body) {
        Ok(env) => env,
        Err(e) => return error_response(&ApiError::invalid(format!("not a 000 envelope: {e}"))),
    };
    // One request alone: `message.post` runs as any operation (it waits for its commit).
    let params = env.params.clone();
    let out = run(
        &server.backend,
        env.user_id,
        &env.module,
        &env.method,
        params,
    )
    .await;
    let Answered {
        result,
        message,
        data,
        ..
    } = Answered::from(out);
    Json(BackendResponse {
        module: env.module,
        method: env.method,
        users: Vec::new(),
        params: Value::Null,
        result,
        message,
        data,
    })
    .into_response()
}
