//! Live socket sessions by user, and delivery of pre-rendered frames to them.
//!
//! Each socket has a bounded queue drained by its writer task. When a session's queue is full
//! (a client that stopped reading) the frame is not queued and the caller treats it as
//! undelivered: a message then waits in the recipient's offline inbox, so memory stays bounded.
//! An SDK extension socket whose queue overflows is closed instead (see [`Session::send`]), so
//! that its client reconnects and syncs rather than silently missing a frame.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::ws::Utf8Bytes;

use tokio::sync::{Notify, mpsc};

/// Frames queued per session before it counts as stuck and is closed.
pub const SESSION_QUEUE: usize = 1024;

/// Which dialect a socket speaks, which decides how frames are rendered for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Seed 003: `/ws?access_token=`.
    Module,
    /// Seed 003 with the SDK extension: `/ws?access_token=&ext=chinwag` (see
    /// `chinwag_wire::ext`). Message frames carry `contentType` and `cgid`, xuanxuan pushes
    /// arrive as `EVENT` frames, and a full queue closes the socket.
    Sdk,
    /// Seeds 000/001: xuanxuan frames.
    Xuanxuan(Flavor),
}

/// Which xuanxuan seed a session logged in with (000 with array params, 001 with an object);
/// it decides the spelling of the kickoff frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Seed 000.
    V000,
    /// Seed 001.
    V001,
}

/// What a session's writer task is asked to do.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// Send a text frame.
    Frame(Utf8Bytes),
    /// Send a final text frame, then close the socket.
    CloseWith(Utf8Bytes),
    /// Close the socket with this RFC 6455 status code and reason.
    CloseCode(u16, Utf8Bytes),
}

impl Dialect {
    /// Whether the dialect is xuanxuan (000/001), as opposed to 003 with or without the
    /// extension.
    pub fn is_xuanxuan(self) -> bool {
        matches!(self, Dialect::Xuanxuan(_))
    }
}

/// The sending end of a socket's queue: frames to write, and a signal that closes the socket
/// at once (even when the queue is full).
#[derive(Debug, Clone)]
pub struct Outlet {
    tx: mpsc::Sender<Outbound>,
    kill: Arc<Notify>,
    /// Set when a wait for room in the full queue timed out: until the queue takes a frame
    /// again, nothing more waits for it (see [`Session::send_waiting`]).
    stalled: Arc<std::sync::atomic::AtomicBool>,
}

impl Outlet {
    /// Queues a frame; false if the socket is gone or its queue is full.
    pub fn send(&self, out: Outbound) -> bool {
        self.tx.try_send(out).is_ok()
    }

    /// Asks the socket's writer to stop and the socket to close, without waiting for the queue.
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}

/// The receiving end of a socket's queue, owned by its writer task.
#[derive(Debug)]
pub struct Drain {
    /// Frames to write, in order.
    pub rx: mpsc::Receiver<Outbound>,
    /// Notified when the socket must close at once.
    pub kill: Arc<Notify>,
}

/// A handle on one live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Unique id of the session.
    pub id: u64,
    /// The session's user.
    pub user: i64,
    /// Its dialect.
    pub dialect: Dialect,
    /// SHA-256 hash of the token the socket was opened with (003 sockets), so revoking that
    /// token can close it.
    pub token_hash: Option<String>,
    out: Outlet,
}

impl Session {
    /// Queues a frame; false if the session is gone or its queue is full. An extension
    /// ([`Dialect::Sdk`]) session that cannot take the frame is closed, so its client
    /// reconnects and syncs instead of silently missing it.
    pub fn send(&self, out: Outbound) -> bool {
        let ok = self.out.send(out);
        if !ok && self.dialect == Dialect::Sdk {
            self.out.kill();
        }
        ok
    }

    /// Closes the session's socket at once.
    pub fn kill(&self) {
        self.out.kill();
    }

    /// Queues a frame, waiting up to `wait` for room in a full queue; false if the session is
    /// gone or stayed full (an extension session is then closed, as by [`Session::send`]).
    /// A client that stopped reading makes its sender wait once: after a wait that timed
    /// out the session is stalled, and until it has read half its queue, frames for it fail
    /// at once, so it cannot hold up the frames of everyone else for long.
    pub async fn send_waiting(&self, out: Outbound, wait: std::time::Duration) -> bool {
        let roomy = self.out.tx.capacity() >= SESSION_QUEUE / 2;
        let out = match self.out.tx.try_send(out) {
            Ok(()) => {
                if roomy {
                    self.out.stalled.store(false, Ordering::Relaxed);
                }
                return true;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return false,
            Err(mpsc::error::TrySendError::Full(out)) => out,
        };
        let ok = !self.out.stalled.load(Ordering::Relaxed)
            && self.out.tx.send_timeout(out, wait).await.is_ok();
        if !ok {
            self.out.stalled.store(true, Ordering::Relaxed);
            if self.dialect == Dialect::Sdk {
                self.out.kill();
            }
        }
        ok
    }
}

/// Told, under the hub's lock, how many sessions a user holds after each change.
pub type Observer = Box<dyn Fn(i64, u32) + Send + Sync>;

/// Every live session.
#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<i64, Vec<Session>>>,
    next_id: AtomicU64,
    push_seq: AtomicU64,
    observer: OnceLock<Observer>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Session>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session queue (the socket's writer task owns the [`Drain`]).
    pub fn queue() -> (Outlet, Drain) {
        let (tx, rx) = mpsc::channel(SESSION_QUEUE);
        let kill = Arc::new(Notify::new());
        (
            Outlet {
                tx,
                kill: kill.clone(),
                stalled: Arc::default(),
            },
            Drain { rx, kill },
        )
    }

    /// Registers a session writing to `out`, opened with the token whose hash is
    /// `token_hash` (if any). A xuanxuan session replaces the user's earlier xuanxuan
    /// sessions, which are returned (to kick).
    pub fn register(
        &self,
        user: i64,
        dialect: Dialect,
        token_hash: Option<String>,
        out: Outlet,
    ) -> (Session, Vec<Session>) {
        let session = Session {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            user,
            dialect,
            token_hash,
            out,
        };
        let mut map = self.lock();
        let list = map.entry(user).or_default();
        let mut replaced = Vec::new();
        if dialect.is_xuanxuan() {
            list.retain(|s| {
                let old = s.dialect.is_xuanxuan();
                if old {
                    replaced.push(s.clone());
                }
                !old
            });
        }
        list.push(session.clone());
        self.changed(user, list.len());
        (session, replaced)
    }

    /// Removes a session; returns true if the user has no session left.
    pub fn unregister(&self, user: i64, id: u64) -> bool {
        let mut map = self.lock();
        let Some(list) = map.get_mut(&user) else {
            return true;
        };
        list.retain(|s| s.id != id);
        let left = list.len();
        self.changed(user, left);
        if left == 0 {
            map.remove(&user);
        }
        left == 0
    }

    /// Has `observer` told of every change in a user's number of sessions (a gateway
    /// reporting them to its backend); the first observer stays.
    pub fn observe(&self, observer: Observer) {
        let _ = self.observer.set(observer);
    }

    fn changed(&self, user: i64, sessions: usize) {
        if let Some(observer) = self.observer.get() {
            observer(user, sessions as u32);
        }
    }

    /// Every user with a session, and how many they hold.
    pub fn online_counts(&self) -> Vec<(i64, u32)> {
        self.lock()
            .iter()
            .map(|(user, list)| (*user, list.len() as u32))
            .collect()
    }

    /// Whether the session is still registered (not replaced by a newer login).
    pub fn is_registered(&self, user: i64, id: u64) -> bool {
        self.lock()
            .get(&user)
            .is_some_and(|l| l.iter().any(|s| s.id == id))
    }

    /// Whether the user has any live session.
    pub fn is_online(&self, user: i64) -> bool {
        self.lock().contains_key(&user)
    }

    /// The user's live sessions.
    pub fn sessions_of(&self, user: i64) -> Vec<Session> {
        self.lock().get(&user).cloned().unwrap_or_default()
    }

    /// Every live session.
    pub fn every_session(&self) -> Vec<Session> {
        self.lock().values().flatten().cloned().collect()
    }

    /// The live sessions opened with the token whose hash is `token_hash`.
    pub fn sessions_with_token(&self, token_hash: &str) -> Vec<Session> {
        self.lock()
            .values()
            .flatten()
            .filter(|s| s.token_hash.as_deref() == Some(token_hash))
            .cloned()
            .collect()
    }

    /// Number of live sessions.
    pub fn session_count(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    /// A new push id for xuanxuan pushes.
    pub fn next_push_id(&self) -> u64 {
        self.push_seq.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xuanxuan_login_replaces_only_xuanxuan_sessions() {
        let hub = Hub::default();
        let (tx, _rx) = Hub::queue();
        let (m, k0) = hub.register(1, Dialect::Module, None, tx.clone());
        let (x1, k1) = hub.register(1, Dialect::Xuanxuan(Flavor::V001), None, tx.clone());
        let (_x2, k2) = hub.register(1, Dialect::Xuanxuan(Flavor::V000), None, tx);
        assert!(k0.is_empty() && k1.is_empty());
        assert_eq!(k2.iter().map(|s| s.id).collect::<Vec<_>>(), vec![x1.id]);
        assert!(!hub.is_registered(1, x1.id));
        assert!(hub.is_registered(1, m.id));
        assert_eq!(hub.sessions_of(1).len(), 2);
        assert!(!hub.unregister(1, m.id));
        assert!(hub.is_online(1));
    }

    #[test]
    fn full_queue_reports_failure() {
        let hub = Hub::default();
        let (tx, _rx) = Hub::queue();
        let (s, _) = hub.register(2, Dialect::Module, None, tx);
        let frame = Utf8Bytes::from_static("x");
        for _ in 0..SESSION_QUEUE {
            assert!(s.send(Outbound::Frame(frame.clone())));
        }
        assert!(!s.send(Outbound::Frame(frame)));
    }

    #[tokio::test]
    async fn full_queue_kills_only_extension_sessions() {
        let hub = Hub::default();
        let (plain_out, plain) = Hub::queue();
        let (ext_out, ext) = Hub::queue();
        let (p, _) = hub.register(3, Dialect::Module, None, plain_out);
        let (e, _) = hub.register(3, Dialect::Sdk, Some("h".into()), ext_out);
        let frame = Utf8Bytes::from_static("x");
        for _ in 0..=SESSION_QUEUE {
            p.send(Outbound::Frame(frame.clone()));
            e.send(Outbound::Frame(frame.clone()));
        }
        let killed = |d: &Drain| {
            let kill = d.kill.clone();
            async move {
                tokio::time::timeout(std::time::Duration::from_millis(50), kill.notified())
                    .await
                    .is_ok()
            }
        };
        assert!(killed(&ext).await);
        assert!(!killed(&plain).await);
        assert_eq!(hub.sessions_with_token("h").len(), 1);
        assert_eq!(hub.every_session().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_session_that_stops_reading_makes_senders_wait_once_per_stall() {
        let hub = Hub::default();
        let (out, mut drain) = Hub::queue();
        let (s, _) = hub.register(4, Dialect::Module, None, out);
        let frame = || Outbound::Frame(Utf8Bytes::from_static("x"));
        let wait = std::time::Duration::from_millis(50);
        for _ in 0..SESSION_QUEUE {
            assert!(s.send_waiting(frame(), wait).await);
        }
        let start = tokio::time::Instant::now();
        assert!(
            !s.send_waiting(frame(), wait).await,
            "full: waited, then missed"
        );
        assert_eq!(start.elapsed(), wait);
        assert!(
            !s.send_waiting(frame(), wait).await,
            "stalled: missed at once"
        );
        assert_eq!(start.elapsed(), wait);
        // Reading a few frames does not end the stall; reading half the queue does.
        for _ in 0..SESSION_QUEUE / 2 {
            drain.rx.recv().await.unwrap();
        }
        assert!(s.send_waiting(frame(), wait).await);
        assert!(s.send_waiting(frame(), wait).await);
        while s.send(frame()) {}
        let again = tokio::time::Instant::now();
        assert!(!s.send_waiting(frame(), wait).await);
        assert_eq!(again.elapsed(), wait, "a new stall waits once more");
    }
}
