//! The backend's side of the link (`chinwag-server backend`): the requests every gateway
//! sends over NATS, and [`Gateways`], the backend's [`Gateway`] when the sessions live in
//! gateway processes — which gateway holds which users, and what each has not yet
//! acknowledged. Also `POST /backend` (one 000 envelope, guarded by the gateway key) and
//! `/health` on the backend's HTTP address.
//!
//! Requests are taken in arrival order (NATS keeps one sender's order). `message.post` and
//! `message.barrier` are queued for the database writer in that order and answered after their
//! commit, so a gateway's messages keep its order; every other request runs on its own task.
//! Each gateway's answers and events leave on its subject in commit order, numbered.
//!
//! Nothing acknowledged is lost when a gateway or NATS fails: a stored message's delivery to
//! a gateway is kept until the gateway acknowledges the event (`gateway.alive` carries the
//! last one it handled). A gateway silent for [`bus::SILENCE`], or one that starts again
//! (`serverStart`: it lost its sessions, or missed events and closed them), is forgotten:
//! its unacknowledged deliveries go to their recipients' offline inboxes, and its users who
//! are online nowhere else go offline.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use chinwag_wire::backend::{BackendRequest, BackendResponse};

use super::bus;
use super::frames::*;
use crate::backend::messages::{self, Posted};
use crate::backend::ops::{self, Operation, Post};
use crate::backend::{Backend, Gateway, Push, router, sessions};
use crate::dialect::module_rest::error_response;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::params::bearer;
use crate::store::messages::MessageRow;

/// Events queued for NATS before more are dropped (the gateways notice the gap and resync).
pub const OUT_QUEUE: usize = 65_536;
/// Deliveries a gateway may leave unacknowledged; one that falls further behind is forgotten
/// (its deliveries go to the offline inboxes, and it resyncs when it notices).
pub const UNACKED_LIMIT: usize = 65_536;
/// Largest request a gateway sends: an upload's bytes in base64, with room for the envelope.
/// The NATS server's `max_payload` must allow it for uploads that large.
pub const LINK_FRAME_LIMIT: usize = chinwag_wire::MAX_UPLOAD_BYTES * 4 / 3 + 64 * 1024;

/// The gateways this backend has heard from.
pub struct Gateways {
    peers: Mutex<HashMap<String, Peer>>,
    /// This run of the backend; event numbers count within it.
    epoch: String,
    out: mpsc::Sender<Outgoing>,
}

/// One gateway as the backend knows it.
struct Peer {
    /// The number of the last event sent to it.
    seq: u64,
    /// Sessions per user it holds, as it reported them.
    online: HashMap<i64, u32>,
    /// When it was last heard from.
    seen: Instant,
    /// Stored messages handed to it and not yet acknowledged, oldest first.
    unacked: VecDeque<Unacked>,
}

/// A delivery a gateway has not acknowledged.
struct Unacked {
    seq: u64,
    message: i64,
    users: Vec<i64>,
}

/// An event on its way to NATS.
pub struct Outgoing {
    subject: String,
    seq: u64,
    payload: Bytes,
}

/// What a forgotten gateway leaves behind.
struct Forgotten {
    users: Vec<i64>,
    unacked: VecDeque<Unacked>,
}

impl Peer {
    fn new() -> Peer {
        Peer {
            seq: 0,
            online: HashMap::new(),
            seen: Instant::now(),
            unacked: VecDeque::new(),
        }
    }

    fn holds_any(&self, users: &[i64]) -> bool {
        users.iter().any(|u| self.online.contains_key(u))
    }
}

impl Gateways {
    /// No gateways yet; events leave through the returned queue (which [`serve`] publishes).
    pub fn new(epoch: String) -> (Arc<Gateways>, mpsc::Receiver<Outgoing>) {
        let (out, rx) = mpsc::channel(OUT_QUEUE);
        let gateways = Gateways {
            peers: Mutex::new(HashMap::new()),
            epoch,
            out,
        };
        (Arc::new(gateways), rx)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Peer>> {
        self.peers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Numbers `payload` as the next event of gateway `name` and queues it.
    fn send(&self, name: &str, peer: &mut Peer, payload: Bytes) -> u64 {
        peer.seq += 1;
        let outgoing = Outgoing {
            subject: gateway_subject(name),
            seq: peer.seq,
            payload,
        };
        if self.out.try_send(outgoing).is_err() {
            tracing::warn!(gateway = name, "NATS queue full; event dropped");
        }
        peer.seq
    }

    /// Sends `event` to every gateway `to` picks.
    fn send_where(&self, event: &LinkEvent, to: impl Fn(&Peer) -> bool) {
        let payload = bus::payload(event);
        for (name, peer) in self.lock().iter_mut().filter(|(_, p)| to(p)) {
            self.send(name, peer, payload.clone());
        }
    }

    /// Gateway `name` was heard from now; a gateway not known yet is asked for its sessions.
    fn heard(&self, name: &str) {
        let mut peers = self.lock();
        if let Some(peer) = peers.get_mut(name) {
            peer.seen = Instant::now();
            return;
        }
        tracing::info!(gateway = name, "gateway joined");
        let mut peer = Peer::new();
        self.send(name, &mut peer, bus::payload(&LinkEvent::Report));
        peers.insert(name.to_string(), peer);
    }

    /// Sends gateway `name` the answer to its request `rid`.
    fn answer(&self, name: &str, rid: u64, out: ApiResult<Value>) {
        let payload = bus::payload(&LinkEvent::answer(rid, out));
        let mut peers = self.lock();
        let peer = peers.entry(name.to_string()).or_insert_with(Peer::new);
        self.send(name, peer, payload);
    }

    /// Gateway `name` handled every event up to `alive.acked`.
    fn alive(&self, name: &str, alive: GatewayAlive) {
        self.heard(name);
        if alive.epoch != self.epoch {
            return;
        }
        if let Some(peer) = self.lock().get_mut(name) {
            while peer.unacked.front().is_some_and(|u| u.seq <= alive.acked) {
                peer.unacked.pop_front();
            }
        }
    }

    /// Records a change of gateway `name`'s sessions; `all`: the report lists every user it
    /// holds, and the answer is those of them who were online on no gateway before (empty for
    /// a single change).
    fn set_online(&self, name: &str, reports: &[Online], all: bool) -> Vec<i64> {
        let mut peers = self.lock();
        let was_online = |peers: &HashMap<String, Peer>, user| {
            peers.values().any(|p| p.online.contains_key(&user))
        };
        let came: Vec<i64> = reports
            .iter()
            .filter(|r| all && r.sessions > 0 && !was_online(&peers, r.user))
            .map(|r| r.user)
            .collect();
        let peer = peers.entry(name.to_string()).or_insert_with(Peer::new);
        peer.seen = Instant::now();
        if all {
            peer.online.clear();
        }
        for r in reports {
            if r.sessions == 0 {
                peer.online.remove(&r.user);
            } else {
                peer.online.insert(r.user, r.sessions);
            }
        }
        came
    }

    /// Forgets gateway `name` (it is silent, or started again): its sessions and what it did
    /// not acknowledge. With `keep`, it stays known (with no sessions, numbering on).
    fn forget(&self, name: &str, keep: bool) -> Option<Forgotten> {
        let mut peers = self.lock();
        let peer = peers.get_mut(name)?;
        let gone = Forgotten {
            users: peer.online.drain().map(|(u, _)| u).collect(),
            unacked: std::mem::take(&mut peer.unacked),
        };
        if !keep {
            peers.remove(name);
        }
        Some(gone)
    }

    /// Gateways not heard from for [`bus::SILENCE`].
    fn silent(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|(_, p)| p.seen.elapsed() > bus::SILENCE)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// How many gateways are known.
    pub fn count(&self) -> usize {
        self.lock().len()
    }
}

impl Gateway for Gateways {
    fn is_online(&self, user: i64) -> bool {
        self.lock().values().any(|p| p.online.contains_key(&user))
    }

    /// A push for some users goes to the gateways holding any of them; one for everyone
    /// to every gateway.
    fn deliver(&self, pushes: &[Push]) {
        for push in pushes {
            let event = LinkEvent::Push { push: push.clone() };
            match &push.audience {
                crate::backend::Audience::Users(users) => {
                    self.send_where(&event, |p| p.holds_any(users))
                }
                _ => self.send_where(&event, |_| true),
            }
        }
    }

    /// Each gateway gets the message with the recipients it holds, kept until it acknowledges
    /// it; recipients no gateway holds missed it.
    fn deliver_message(&self, row: &MessageRow, recipients: &[i64], updated: bool) -> Vec<i64> {
        let mut peers = self.lock();
        for (name, peer) in peers.iter_mut() {
            let users: Vec<i64> = recipients
                .iter()
                .copied()
                .filter(|u| peer.online.contains_key(u))
                .collect();
            if users.is_empty() {
                continue;
            }
            let event = LinkEvent::Message {
                row: row.clone(),
                users: users.clone(),
                updated,
            };
            let seq = self.send(name, peer, bus::payload(&event));
            if peer.unacked.len() >= UNACKED_LIMIT {
                tracing::warn!(gateway = %name, "gateway too far behind; its deliveries go to the inboxes");
                peer.seen = Instant::now() - bus::SILENCE * 2;
            }
            peer.unacked.push_back(Unacked {
                seq,
                message: row.id,
                users,
            });
        }
        recipients
            .iter()
            .copied()
            .filter(|u| !peers.values().any(|p| p.online.contains_key(u)))
            .collect()
    }

    fn replace_xuanxuan(&self, user: i64, keep: &str) {
        let event = LinkEvent::Replace {
            user,
            keep: keep.into(),
        };
        self.send_where(&event, |p| p.online.contains_key(&user));
    }

    fn notify(&self, users: &[i64], body: &chinwag_wire::module::Notification) {
        let event = LinkEvent::Notify {
            users: users.to_vec(),
            body: body.clone(),
        };
        self.send_where(&event, |p| p.holds_any(users));
    }

    fn close_sessions(&self, hashes: &[String], reason: &str) {
        let event = LinkEvent::Close {
            hashes: hashes.to_vec(),
            reason: reason.into(),
        };
        self.send_where(&event, |_| true);
    }
}

/// What the backend's side of the link needs.
pub struct LinkServer {
    /// The backend.
    pub backend: Arc<Backend>,
    /// The gateways, the backend's [`Gateway`].
    pub gateways: Arc<Gateways>,
    /// The key a caller of `POST /backend` must present (`Authorization: Bearer <key>`).
    pub key: String,
}

/// The backend process's HTTP routes: single envelopes, and `/health`.
pub fn routes(server: Arc<LinkServer>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
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

/// A new backend run's name: events are numbered within it.
pub fn new_epoch() -> String {
    crate::auth::new_token()[..16].to_string()
}

/// Serves the gateways over NATS until `shutdown`: takes requests, publishes events in order,
/// says the backend is alive and forgets silent gateways.
pub async fn serve(
    server: Arc<LinkServer>,
    client: async_nats::Client,
    mut outgoing: mpsc::Receiver<Outgoing>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), crate::BoxError> {
    let mut requests = client.subscribe(BACKEND_SUBJECT).await?;
    let epoch = server.gateways.epoch.clone();
    let publisher = client.clone();
    let publishing = tokio::spawn(async move {
        while let Some(o) = outgoing.recv().await {
            let headers = bus::event_headers(&epoch, o.seq);
            if let Err(e) = publisher
                .publish_with_headers(o.subject, headers, o.payload)
                .await
            {
                tracing::warn!(%e, "event not published");
            }
        }
    });
    let beating = tokio::spawn(heartbeat(server.clone(), client.clone()));
    let taking = async {
        while let Some(msg) = requests.next().await {
            match serde_json::from_slice::<LinkRequest>(&msg.payload) {
                Ok(req) => take(&server, req).await,
                Err(e) => tracing::warn!(%e, "malformed link request"),
            }
        }
    };
    tokio::select! {
        _ = taking => {}
        _ = shutdown.wait_for(|s| *s) => {}
    }
    publishing.abort();
    beating.abort();
    Ok(())
}

/// Says the backend is alive, and forgets gateways that stopped saying so.
async fn heartbeat(server: Arc<LinkServer>, client: async_nats::Client) {
    let alive = bus::payload(&BackendAlive {
        epoch: server.gateways.epoch.clone(),
    });
    let mut tick = tokio::time::interval(bus::HEARTBEAT);
    loop {
        tick.tick().await;
        if let Err(e) = client.publish(BACKEND_ALIVE, alive.clone()).await {
            tracing::debug!(%e, "heartbeat not published");
        }
        for name in server.gateways.silent() {
            tracing::warn!(gateway = %name, "gateway silent; forgotten");
            forget(&server, &name, false).await;
        }
    }
}

/// Forgets gateway `name` (see [`Gateways::forget`]): what it did not acknowledge goes to the
/// offline inboxes, and its users online nowhere else go offline.
async fn forget(server: &Arc<LinkServer>, name: &str, keep: bool) {
    let Some(gone) = server.gateways.forget(name, keep) else {
        return;
    };
    if !gone.unacked.is_empty() {
        let queued = server
            .backend
            .db
            .call(move |conn| {
                for u in &gone.unacked {
                    crate::store::messages::inbox_add(conn, &u.users, u.message)?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = queued {
            tracing::error!(%e, "unacknowledged deliveries not queued");
        }
    }
    for user in gone.users {
        sessions::last_socket_closed(&server.backend, user).await;
    }
}

/// Takes a gateway's own report: its sessions (`online`, `report`) or that it is alive.
fn take_report(server: &Arc<LinkServer>, name: &str, method: &str, params: Value) {
    let came = match method {
        ONLINE_METHOD => serde_json::from_value::<Online>(params)
            .map(|one| server.gateways.set_online(name, &[one], false)),
        REPORT_METHOD => serde_json::from_value::<Vec<Online>>(params)
            .map(|all| server.gateways.set_online(name, &all, true)),
        ALIVE_METHOD => serde_json::from_value::<GatewayAlive>(params).map(|alive| {
            server.gateways.alive(name, alive);
            Vec::new()
        }),
        _ => return tracing::warn!(gateway = name, method, "unknown gateway method"),
    };
    match came {
        // Users a full report shows online on no gateway before (after a backend restart, the
        // gateways' reports bring back who is online; a single change is the dialect's to
        // announce, as in one process).
        Ok(came) if !came.is_empty() => {
            let backend = server.backend.clone();
            tokio::spawn(async move {
                for user in came {
                    sessions::socket_opened(&backend, user).await;
                }
            });
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(gateway = name, %e, "malformed gateway report"),
    }
}

/// Takes one request of a gateway, answering on its subject.
async fn take(server: &Arc<LinkServer>, req: LinkRequest) {
    let LinkRequest {
        gateway: name,
        rid,
        envelope,
    } = req;
    let BackendRequest {
        user_id: me,
        module,
        method,
        params,
        ..
    } = envelope;
    if module == GATEWAY_MODULE {
        return take_report(server, &name, &method, params);
    }
    server.gateways.heard(&name);
    let gateways = server.gateways.clone();
    let to = name.clone();
    let done = move |out: ApiResult<Value>| {
        if let Some(rid) = rid {
            gateways.answer(&to, rid, out);
        }
    };
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
    // A gateway (re)starting: it holds no sessions; only its own are reset. It ends before
    // anything after it.
    if module == ops::ServerStart::MODULE && method == ops::ServerStart::METHOD {
        forget(server, &name, true).await;
        return done(Ok(Value::Null));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Audience;

    fn row(id: i64) -> MessageRow {
        MessageRow {
            id,
            gid: format!("m-{id}"),
            chat_id: 1,
            cgid: "g".into(),
            chat_kind: "group".into(),
            sender_id: 9,
            date: 0,
            kind: "normal".into(),
            content_type: "text".into(),
            content: "hi".into(),
        }
    }

    fn online(user: i64, sessions: u32) -> Online {
        Online { user, sessions }
    }

    /// Every event queued so far: (subject, seq, the event).
    fn drain(rx: &mut mpsc::Receiver<Outgoing>) -> Vec<(String, u64, LinkEvent)> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(|o| {
                (
                    o.subject,
                    o.seq,
                    serde_json::from_slice(&o.payload).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn each_gateway_gets_its_own_recipients_numbered_and_kept_until_acknowledged() {
        let (gw, mut rx) = Gateways::new("e1".into());
        assert_eq!(
            gw.set_online("g1", &[online(1, 1), online(2, 2)], true),
            [1, 2]
        );
        assert_eq!(
            gw.set_online("g2", &[online(3, 1), online(2, 1)], true),
            [3]
        );
        assert!(gw.is_online(2) && !gw.is_online(4));
        // 4 is online nowhere: missed (the inbox); 2 is on both gateways.
        assert_eq!(gw.deliver_message(&row(10), &[1, 2, 3, 4], false), [4]);
        let mut sent = drain(&mut rx);
        sent.sort_by(|a, b| a.0.cmp(&b.0));
        let users: Vec<(String, u64, Vec<i64>)> = sent
            .into_iter()
            .map(|(subject, seq, e)| match e {
                LinkEvent::Message { users, .. } => (subject, seq, users),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            users,
            [
                ("chinwag.gateway.g1".into(), 1, vec![1, 2]),
                ("chinwag.gateway.g2".into(), 1, vec![2, 3]),
            ]
        );
        // A push for user 3 goes to g2 only, numbered on; one for everyone to both.
        let push = |audience| Push {
            audience,
            method: "changeName".into(),
            data: Value::Null,
        };
        gw.deliver(&[push(Audience::Users(vec![3]))]);
        gw.deliver(&[push(Audience::Everyone { except: None })]);
        let seqs: Vec<(String, u64)> = drain(&mut rx).into_iter().map(|(s, q, _)| (s, q)).collect();
        assert_eq!(seqs.iter().filter(|(s, _)| s.ends_with("g2")).count(), 2);
        assert!(seqs.contains(&("chinwag.gateway.g2".into(), 3)));
        assert!(seqs.contains(&("chinwag.gateway.g1".into(), 2)));
        // g1 acknowledges its delivery (in this backend's run only); g2 does not, and is
        // forgotten: its delivery comes back for the inboxes, its users with it.
        gw.alive(
            "g1",
            GatewayAlive {
                epoch: "old".into(),
                acked: 9,
            },
        );
        assert_eq!(gw.forget("g1", true).unwrap().unacked.len(), 1);
        gw.deliver_message(&row(11), &[1], false);
        assert!(gw.forget("g1", true).unwrap().users.is_empty());
        gw.set_online("g1", &[online(1, 1)], false);
        gw.deliver_message(&row(12), &[1], false);
        let seq = drain(&mut rx).last().unwrap().1;
        gw.alive(
            "g1",
            GatewayAlive {
                epoch: "e1".into(),
                acked: seq,
            },
        );
        assert!(gw.forget("g1", true).unwrap().unacked.is_empty());
        let gone = gw.forget("g2", false).unwrap();
        let mut users = gone.users;
        users.sort_unstable();
        assert_eq!(users, [2, 3]);
        let kept: Vec<(i64, Vec<i64>)> = gone
            .unacked
            .iter()
            .map(|u| (u.message, u.users.clone()))
            .collect();
        assert_eq!(kept, [(10, vec![2, 3])]);
        assert!(!gw.is_online(3) && gw.count() == 1);
    }
}
