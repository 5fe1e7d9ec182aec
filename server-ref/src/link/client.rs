//! The gateway's side of the link (`chinwag-server gateway`): one WebSocket to the backend,
//! kept open (reconnecting with backoff), carrying every request with many in flight, and
//! bringing back answers and the backend's events, which it hands to the [`Hub`].
//!
//! On its first connection the gateway sends `serverStart`; on every connection it reports
//! the sessions it holds (`gateway.online`), and it reports each change after that. While the
//! backend is unreachable every request fails at once with [`ErrorKind::Unavailable`], which
//! each dialect renders as its own error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use chinwag_wire::backend::{BackendRequest, SERVER_START};

use super::frames::*;
use super::server::LINK_FRAME_LIMIT;
use crate::backend::Gateway;
use crate::backend::ops::{Operation, Undelivered};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::gateway;
use crate::hub::Hub;
use crate::render;

/// How long a request waits for its answer before it fails as unavailable.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests queued for the link's writer.
const OUT_QUEUE: usize = 4096;
/// How long a message waits for room in a recipient's full session queue (once per stall,
/// see [`crate::hub::Session::send_waiting`]).
const DELIVERY_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

type Done = Box<dyn FnOnce(ApiResult<Value>) + Send>;

/// A gateway's link to its backend.
pub struct Remote {
    url: String,
    key: String,
    hub: Arc<Hub>,
    /// The open link's queue, and which link it is (a count of connections).
    out: Mutex<Option<(u64, mpsc::Sender<String>)>>,
    links: AtomicU64,
    pending: Mutex<HashMap<u64, Done>>,
    next_rid: AtomicU64,
    started: AtomicBool,
    up: watch::Sender<bool>,
}

/// The error of every request while the backend cannot be reached.
pub fn unavailable() -> ApiError {
    ApiError::new(
        ErrorKind::Unavailable,
        "the chat backend is unreachable; try again shortly",
    )
}

/// Refuses a backend URL the link cannot use: it speaks plain `ws://` (run it on a private
/// network, or put TLS in front of both parts).
pub fn check_backend_url(backend: &str) -> Result<(), String> {
    match backend.split_once("://") {
        None | Some(("http", _)) | Some(("ws", _)) => Ok(()),
        Some((scheme, _)) => Err(format!(
            "--backend {backend}: the backend link speaks http:// (plain WebSocket) only, not {scheme}://"
        )),
    }
}

impl Remote {
    /// Starts linking to the backend at `backend` (`http://host:port`; see
    /// [`check_backend_url`]) with `key`; delivers
    /// the backend's events to `hub` and reports its sessions. Stops when `shutdown` turns
    /// true.
    pub fn start(
        backend: &str,
        key: String,
        hub: Arc<Hub>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Arc<Remote> {
        let base = backend.trim_end_matches('/');
        let host = base.split_once("://").map_or(base, |(_, rest)| rest);
        let url = format!("ws://{host}{LINK_PATH}");
        let remote = Arc::new(Remote {
            url,
            key,
            hub: hub.clone(),
            out: Mutex::new(None),
            links: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            next_rid: AtomicU64::new(0),
            started: AtomicBool::new(false),
            up: watch::Sender::new(false),
        });
        let weak: Weak<Remote> = Arc::downgrade(&remote);
        hub.observe(Box::new(move |user, sessions| {
            if let Some(remote) = weak.upgrade() {
                remote.report(user, sessions);
            }
        }));
        let runner = remote.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = runner.run() => {}
                _ = shutdown.wait_for(|s| *s) => {}
            }
            runner.lost();
        });
        remote
    }

    /// Whether the link is up now.
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Sends a request and waits for its answer.
    pub async fn request(
        &self,
        me: Option<i64>,
        module: &str,
        method: &str,
        params: Value,
    ) -> ApiResult<Value> {
        let (tx, rx) = oneshot::channel();
        let done = Box::new(move |out| {
            let _ = tx.send(out);
        });
        let rid = self.send(me, module, method, params, done).await;
        match tokio::time::timeout(ANSWER_TIMEOUT, rx).await {
            Ok(Ok(out)) => out,
            Ok(Err(_)) => Err(unavailable()),
            Err(_) => {
                // Never answered: forget it, so a link that stays up does not pile them up.
                self.pending_lock().remove(&rid);
                Err(unavailable())
            }
        }
    }

    /// Sends a request in order; `done` gets its answer (or [`unavailable`]) from the link's
    /// reader, so answers are reported in the order the backend sent them. Returns the
    /// request's `rid`.
    pub async fn send(
        &self,
        me: Option<i64>,
        module: &str,
        method: &str,
        params: Value,
        done: Done,
    ) -> u64 {
        let rid = self.next_rid.fetch_add(1, Ordering::Relaxed) + 1;
        let text = frame(Some(rid), me, module, method, params);
        let Some((link, out)) = self.sender() else {
            done(Err(unavailable()));
            return rid;
        };
        self.pending_lock().insert(rid, done);
        // Failed if that link broke meanwhile (its waiting requests were failed before this
        // one was listed).
        let sent = out.send(text).await.is_ok() && self.sender().is_some_and(|(l, _)| l == link);
        if !sent {
            if let Some(done) = self.pending_lock().remove(&rid) {
                done(Err(unavailable()));
            }
        }
        rid
    }

    /// Sends a request whose answer nobody waits for.
    fn notify(&self, module: &str, method: &str, params: Value) {
        if let Some((_, out)) = self.sender() {
            let _ = out.try_send(frame(None, None, module, method, params));
        }
    }

    /// Reports that `user` now holds `sessions` sessions here.
    fn report(&self, user: i64, sessions: u32) {
        let online = Online { user, sessions };
        let params = serde_json::to_value(online).unwrap_or_default();
        self.notify(GATEWAY_MODULE, ONLINE_METHOD, params);
    }

    fn sender(&self) -> Option<(u64, mpsc::Sender<String>)> {
        self.out.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn pending_lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Done>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connects, serves the link until it breaks, and again, for ever.
    async fn run(self: &Arc<Self>) {
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.connect().await {
                Ok(()) => backoff = Duration::from_millis(50),
                Err(e) => tracing::debug!(%e, url = %self.url, "backend link not connected"),
            }
            self.lost();
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// The link broke (or never was): nothing can be sent, and every request waiting fails.
    fn lost(&self) {
        *self.out.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.up.send_replace(false);
        let waiting: Vec<Done> = self.pending_lock().drain().map(|(_, d)| d).collect();
        for done in waiting {
            done(Err(unavailable()));
        }
    }

    async fn connect(self: &Arc<Self>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut request = self.url.as_str().into_client_request()?;
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {}", self.key).parse()?);
        let config = WebSocketConfig::default()
            .max_message_size(Some(LINK_FRAME_LIMIT))
            .max_frame_size(Some(LINK_FRAME_LIMIT));
        let (socket, _) =
            tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::channel::<String>(OUT_QUEUE);
        let writer = tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
            }
        });
        // What the backend must know before anything else, queued first on the new link
        // (the backend takes both in order): that this gateway started (once), and the
        // sessions it holds (after a backend restart, they are still here).
        if !self.started.swap(true, Ordering::Relaxed) {
            let rid = self.next_rid.fetch_add(1, Ordering::Relaxed) + 1;
            let done: Done = Box::new(|out| {
                if let Err(e) = out {
                    tracing::warn!(%e, "serverStart failed");
                }
            });
            self.pending_lock().insert(rid, done);
            let _ = tx.try_send(frame(Some(rid), None, "chat", SERVER_START, Value::Null));
        }
        let link = self.links.fetch_add(1, Ordering::Relaxed) + 1;
        *self.out.lock().unwrap_or_else(|p| p.into_inner()) = Some((link, tx));
        for (user, sessions) in self.hub.online_counts() {
            self.report(user, sessions);
        }
        self.up.send_replace(true);
        tracing::info!(url = %self.url, "backend link up");
        while let Some(Ok(frame)) = stream.next().await {
            match frame {
                Message::Text(text) => self.on_event(text.as_str()).await,
                Message::Close(_) => break,
                _ => {}
            }
        }
        writer.abort();
        tracing::warn!(url = %self.url, "backend link lost");
        Ok(())
    }

    /// One event from the backend.
    async fn on_event(&self, text: &str) {
        let event: LinkEvent = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(e) => return tracing::warn!(%e, "malformed link event"),
        };
        match event {
            LinkEvent::Answer {
                rid,
                code,
                message,
                data,
                ..
            } => {
                if let Some(done) = self.pending_lock().remove(&rid) {
                    done(outcome(code, message, data));
                }
            }
            LinkEvent::Push { push } => self.hub.deliver(&[push]),
            LinkEvent::Message {
                row,
                users,
                updated,
            } => {
                let missed = gateway::deliver_message_waiting(
                    &self.hub,
                    &row,
                    &users,
                    updated,
                    DELIVERY_WAIT,
                )
                .await;
                if !missed.is_empty() {
                    let report = Undelivered {
                        id: row.id,
                        users: missed,
                    };
                    let params = serde_json::to_value(report).unwrap_or_default();
                    self.notify(Undelivered::MODULE, Undelivered::METHOD, params);
                }
            }
            LinkEvent::Close { hashes, reason } => self.hub.close_sessions(&hashes, &reason),
            LinkEvent::Replace { user, keep } => self.hub.replace_xuanxuan(user, &keep),
            LinkEvent::Notify { users, body } => self.hub.notify(&users, &body),
        }
    }
}

/// A request frame.
fn frame(rid: Option<u64>, me: Option<i64>, module: &str, method: &str, params: Value) -> String {
    let req = LinkRequest {
        rid,
        envelope: BackendRequest {
            user_id: me,
            module: module.into(),
            method: method.into(),
            test: false,
            params,
            data: Value::Null,
        },
    };
    render::text(&req).to_string()
}

#[cfg(test)]
mod tests {
    use super::check_backend_url;

    #[test]
    fn the_link_takes_plain_urls_only() {
        assert!(check_backend_url("http://127.0.0.1:8081").is_ok());
        assert!(check_backend_url("127.0.0.1:8081").is_ok());
        let refused = check_backend_url("https://chat.example.com").unwrap_err();
        assert!(refused.contains("https://"), "{refused}");
    }
}
