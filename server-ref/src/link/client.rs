//! The gateway's side of the link (`chinwag-server gateway`): requests to the backend over
//! NATS with many in flight, and the backend's events on this gateway's own subject, handed
//! to the [`Hub`].
//!
//! A gateway is named (`--name`, by default its listening address); the backend answers and
//! sends events on that name's subject, numbered. On start the gateway sends `serverStart`
//! (the backend resets only what it knew of this name) and its sessions; it reports each
//! change, and every [`bus::HEARTBEAT`] says it is alive with the last event it handled.
//!
//! **Resync.** A gateway that was cut off from NATS, or finds a gap in the numbers (NATS
//! dropped events), cannot know what its sessions missed: it closes every socket without a
//! final frame (each client reconnects and catches up, from its sync cursor or its offline
//! queue, as after any reconnect) and sends `serverStart` again, after which the backend puts
//! whatever this gateway had not acknowledged into the offline inboxes.
//!
//! While the backend is silent (no heartbeat for [`bus::SILENCE`]) or NATS is down, every
//! request fails at once with [`ErrorKind::Unavailable`], which each dialect renders as its
//! own error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use chinwag_wire::backend::{BackendRequest, SERVER_START};

use super::bus::{self, Connection};
use super::frames::*;
use crate::backend::Gateway;
use crate::backend::ops::{Operation, Undelivered};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::gateway;
use crate::hub::Hub;

/// How long a request waits for its answer before it fails as unavailable.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a message waits for room in a recipient's full session queue (once per stall,
/// see [`crate::hub::Session::send_waiting`]).
const DELIVERY_WAIT: Duration = Duration::from_secs(1);

type Done = Box<dyn FnOnce(ApiResult<Value>) + Send>;

/// A request on its way to NATS.
struct Outgoing {
    rid: Option<u64>,
    payload: Bytes,
}

/// A gateway's link to its backend.
pub struct Remote {
    name: String,
    hub: Arc<Hub>,
    /// Requests and reports for the publisher, in order. Unbounded: reports must not be
    /// lost, and requests are only queued while the backend is reachable.
    out: mpsc::UnboundedSender<Outgoing>,
    pending: Mutex<HashMap<u64, Done>>,
    next_rid: AtomicU64,
    /// NATS is connected and the backend was heard from within [`bus::SILENCE`].
    up: watch::Sender<bool>,
    /// The backend run of the events handled, and the number of the last one.
    handled: Mutex<(String, u64)>,
    /// When the backend was last heard from.
    backend_seen: Mutex<Option<Instant>>,
}

/// The error of every request while the backend cannot be reached.
pub fn unavailable() -> ApiError {
    ApiError::new(
        ErrorKind::Unavailable,
        "the chat backend is unreachable; try again shortly",
    )
}

impl Remote {
    /// Connects to the NATS server at `nats` with `key` as gateway `name` (see
    /// [`gateway_name`]); delivers the backend's events to `hub` and reports its sessions.
    /// Stops when `shutdown` turns true.
    pub async fn start(
        nats: &str,
        key: &str,
        name: String,
        hub: Arc<Hub>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<Arc<Remote>, crate::BoxError> {
        let (client, connection) = bus::connect(nats, key, &format!("gateway {name}")).await?;
        let events = client.subscribe(gateway_subject(&name)).await?;
        let alive = client.subscribe(BACKEND_ALIVE).await?;
        let (out, rx) = mpsc::unbounded_channel();
        let remote = Arc::new(Remote {
            name,
            hub: hub.clone(),
            out,
            pending: Mutex::new(HashMap::new()),
            next_rid: AtomicU64::new(0),
            up: watch::Sender::new(false),
            handled: Mutex::new((String::new(), 0)),
            backend_seen: Mutex::new(None),
        });
        let weak: Weak<Remote> = Arc::downgrade(&remote);
        hub.observe(Box::new(move |user, sessions| {
            if let Some(remote) = weak.upgrade() {
                remote.report(ONLINE_METHOD, Online { user, sessions });
            }
        }));
        // First on the link: this gateway starts with no sessions.
        remote.start_over();
        let tasks = [
            tokio::spawn(remote.clone().publish(client.clone(), rx)),
            tokio::spawn(remote.clone().take_events(events)),
            tokio::spawn(remote.clone().take_alive(alive)),
            tokio::spawn(remote.clone().beat(connection)),
        ];
        let stopping = remote.clone();
        tokio::spawn(async move {
            let _ = shutdown.wait_for(|s| *s).await;
            for task in tasks {
                task.abort();
            }
            stopping.lost();
        });
        Ok(remote)
    }

    /// Whether the backend can be reached now.
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
        let rid = self.send(me, module, method, params, done);
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

    /// Sends a request in order (queued for the publisher at once); `done` gets its answer (or
    /// [`unavailable`]) from the event reader, so answers are reported in the order the
    /// backend sent them. Returns the request's `rid`.
    pub fn send(
        &self,
        me: Option<i64>,
        module: &str,
        method: &str,
        params: Value,
        done: Done,
    ) -> u64 {
        let rid = self.next_rid.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.is_up() {
            done(Err(unavailable()));
            return rid;
        }
        let payload = self.frame(Some(rid), me, module, method, params);
        self.pending_lock().insert(rid, done);
        let sent = self.out.send(Outgoing {
            rid: Some(rid),
            payload,
        });
        if sent.is_err() {
            self.fail(rid, unavailable());
        }
        rid
    }

    /// Sends a request whose answer nobody waits for.
    fn notify(&self, module: &str, method: &str, params: Value) {
        let payload = self.frame(None, None, module, method, params);
        // Fails only once the gateway stops.
        let _ = self.out.send(Outgoing { rid: None, payload });
    }

    /// Reports sessions to the backend (`online`: one user's count; `report`: all).
    fn report(&self, method: &str, params: impl serde::Serialize) {
        let params = serde_json::to_value(params).unwrap_or_default();
        self.notify(GATEWAY_MODULE, method, params);
    }

    fn pending_lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Done>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, rid: u64, e: ApiError) {
        if let Some(done) = self.pending_lock().remove(&rid) {
            done(Err(e));
        }
    }

    /// Publishes the requests in order.
    async fn publish(
        self: Arc<Self>,
        client: async_nats::Client,
        mut rx: mpsc::UnboundedReceiver<Outgoing>,
    ) {
        while let Some(o) = rx.recv().await {
            if let Err(e) = client.publish(BACKEND_SUBJECT, o.payload).await {
                tracing::warn!(%e, "request not published");
                if let Some(rid) = o.rid {
                    self.fail(rid, too_large_or_unavailable(&e));
                }
            }
        }
    }

    /// Takes the backend's events, in order, checking their numbers.
    async fn take_events(self: Arc<Self>, mut events: async_nats::Subscriber) {
        while let Some(msg) = events.next().await {
            let Some((epoch, seq)) = bus::event_number(msg.headers.as_ref()) else {
                tracing::warn!("unnumbered link event");
                continue;
            };
            let taken = {
                let mut handled = self.handled.lock().unwrap_or_else(|p| p.into_inner());
                follows(&mut handled, epoch, seq)
            };
            let Some(gap) = taken else {
                continue; // seen already
            };
            if gap {
                tracing::warn!(seq, "events lost on the link; resyncing");
                self.resync();
            }
            self.on_event(&msg.payload).await;
        }
    }

    /// Notes each heartbeat of the backend.
    async fn take_alive(self: Arc<Self>, mut alive: async_nats::Subscriber) {
        while alive.next().await.is_some() {
            *self.backend_seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
            if !self.is_up() {
                self.up.send_replace(true);
                tracing::info!("backend reachable");
            }
        }
    }

    /// Says this gateway is alive, and watches NATS and the backend: requests fail while
    /// either is gone, and a reconnection to NATS means events may have been missed.
    async fn beat(self: Arc<Self>, mut connection: watch::Receiver<Connection>) {
        let mut tick = tokio::time::interval(bus::HEARTBEAT);
        let mut connects = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                changed = connection.changed() => if changed.is_err() { return },
            }
            let now = *connection.borrow_and_update();
            if now.connects > connects {
                if connects > 0 {
                    tracing::warn!("NATS connection restored; resyncing");
                    self.resync();
                }
                connects = now.connects;
            }
            let heard = self
                .backend_seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some_and(|at| at.elapsed() < bus::SILENCE);
            if !(now.up && heard) && self.is_up() {
                tracing::warn!(nats = now.up, "backend unreachable");
                self.lost();
            }
            self.say_alive();
        }
    }

    /// Tells the backend this gateway is alive, with the last event it handled.
    fn say_alive(&self) {
        let (epoch, acked) = self
            .handled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.report(ALIVE_METHOD, GatewayAlive { epoch, acked });
    }

    /// Closes every socket without a final frame (each client reconnects and catches up) and
    /// starts over with the backend.
    fn resync(&self) {
        for session in self.hub.every_session() {
            session.kill();
        }
        self.say_alive();
        self.start_over();
    }

    /// `serverStart` (the backend forgets what it knew of this gateway), then the sessions
    /// held now.
    fn start_over(&self) {
        let payload = self.frame(None, None, "chat", SERVER_START, Value::Null);
        let _ = self.out.send(Outgoing { rid: None, payload });
        self.report_all();
    }

    /// Reports every user with sessions here.
    fn report_all(&self) {
        let all: Vec<Online> = self
            .hub
            .online_counts()
            .into_iter()
            .map(|(user, sessions)| Online { user, sessions })
            .collect();
        self.report(REPORT_METHOD, all);
    }

    /// The backend cannot be reached: nothing can be sent, and every request waiting fails.
    fn lost(&self) {
        self.up.send_replace(false);
        let waiting: Vec<Done> = self.pending_lock().drain().map(|(_, d)| d).collect();
        for done in waiting {
            done(Err(unavailable()));
        }
    }

    /// One event from the backend.
    async fn on_event(&self, payload: &[u8]) {
        let event: LinkEvent = match serde_json::from_slice(payload) {
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
            LinkEvent::Report => self.report_all(),
            LinkEvent::Close { hashes, reason } => self.hub.close_sessions(&hashes, &reason),
            LinkEvent::Replace { user, keep } => self.hub.replace_xuanxuan(user, &keep),
            LinkEvent::Notify { users, body } => self.hub.notify(&users, &body),
        }
    }

    /// A request frame from this gateway.
    fn frame(
        &self,
        rid: Option<u64>,
        me: Option<i64>,
        module: &str,
        method: &str,
        params: Value,
    ) -> Bytes {
        let req = LinkRequest {
            gateway: self.name.clone(),
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
        bus::payload(&req)
    }
}

/// Takes event `seq` of backend run `epoch` after `handled` (the last one taken): `None` if
/// it was taken already, else whether events were lost before it (a gap within the run; a
/// new run starts its own count).
fn follows(handled: &mut (String, u64), epoch: String, seq: u64) -> Option<bool> {
    if handled.0 == epoch && seq <= handled.1 {
        return None;
    }
    let gap = handled.0 == epoch && seq != handled.1 + 1;
    *handled = (epoch, seq);
    Some(gap)
}

/// The error of a request NATS would not take: too large for the NATS server's
/// `max_payload`, or the connection is gone.
fn too_large_or_unavailable(e: &async_nats::PublishError) -> ApiError {
    match e.kind() {
        async_nats::client::PublishErrorKind::MaxPayloadExceeded => ApiError::new(
            ErrorKind::TooLarge,
            format!(
                "too large for the link between gateway and backend ({e}); the NATS server's max_payload limits it"
            ),
        ),
        _ => unavailable(),
    }
}

#[cfg(test)]
mod tests {
    use super::follows;

    #[test]
    fn events_follow_one_another_within_a_run_and_a_gap_is_noticed() {
        let mut handled = (String::new(), 0);
        let mut take = |epoch: &str, seq| follows(&mut handled, epoch.into(), seq);
        // The first event of a run is taken whatever its number (the gateway joined late).
        assert_eq!(take("e1", 7), Some(false));
        assert_eq!(take("e1", 8), Some(false));
        // A repeat is skipped; a jump is a gap.
        assert_eq!(take("e1", 8), None);
        assert_eq!(take("e1", 5), None);
        assert_eq!(take("e1", 10), Some(true));
        assert_eq!(take("e1", 11), Some(false));
        // A new backend run counts from its own start.
        assert_eq!(take("e2", 1), Some(false));
        assert_eq!(take("e2", 2), Some(false));
    }
}
