//! Live socket sessions by user, and delivery of pre-rendered frames to them.
//!
//! Each socket has a bounded queue drained by its writer task. When a session's queue is full
//! (a client that stopped reading) the frame is not queued and the caller treats it as
//! undelivered: a message then waits in the recipient's offline inbox, so memory stays bounded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::ws::Utf8Bytes;

use tokio::sync::mpsc;

/// Frames queued per session before it counts as stuck and is closed.
pub const SESSION_QUEUE: usize = 1024;

/// Which dialect a socket speaks, which decides how frames are rendered for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Seed 003: `/ws?access_token=`.
    Module,
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
    tx: mpsc::Sender<Outbound>,
}

impl Session {
    /// Queues a frame; false if the session is gone or its queue is full.
    pub fn send(&self, out: Outbound) -> bool {
        self.tx.try_send(out).is_ok()
    }
}

/// Every live session.
#[derive(Default)]
pub struct Hub {
    sessions: Mutex<HashMap<i64, Vec<Session>>>,
    next_id: AtomicU64,
    push_seq: AtomicU64,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Session>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session queue (the socket's writer task drains the receiver).
    pub fn queue() -> (mpsc::Sender<Outbound>, mpsc::Receiver<Outbound>) {
        mpsc::channel(SESSION_QUEUE)
    }

    /// Registers a session writing to `tx`. A xuanxuan session replaces the user's earlier
    /// xuanxuan sessions, which are returned (to kick).
    pub fn register(
        &self,
        user: i64,
        dialect: Dialect,
        tx: mpsc::Sender<Outbound>,
    ) -> (Session, Vec<Session>) {
        let session = Session {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            user,
            dialect,
            tx,
        };
        let mut map = self.lock();
        let list = map.entry(user).or_default();
        let mut replaced = Vec::new();
        if matches!(dialect, Dialect::Xuanxuan(_)) {
            list.retain(|s| {
                let old = matches!(s.dialect, Dialect::Xuanxuan(_));
                if old {
                    replaced.push(s.clone());
                }
                !old
            });
        }
        list.push(session.clone());
        (session, replaced)
    }

    /// Removes a session; returns true if the user has no session left.
    pub fn unregister(&self, user: i64, id: u64) -> bool {
        let mut map = self.lock();
        let Some(list) = map.get_mut(&user) else {
            return true;
        };
        list.retain(|s| s.id != id);
        if list.is_empty() {
            map.remove(&user);
            true
        } else {
            false
        }
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

    /// Every live session of the given dialect kind (`xuanxuan` true: xuanxuan sessions).
    pub fn all_sessions(&self, xuanxuan: bool) -> Vec<Session> {
        self.lock()
            .values()
            .flatten()
            .filter(|s| matches!(s.dialect, Dialect::Xuanxuan(_)) == xuanxuan)
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
        let (m, k0) = hub.register(1, Dialect::Module, tx.clone());
        let (x1, k1) = hub.register(1, Dialect::Xuanxuan(Flavor::V001), tx.clone());
        let (_x2, k2) = hub.register(1, Dialect::Xuanxuan(Flavor::V000), tx);
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
        let (s, _) = hub.register(2, Dialect::Module, tx);
        let frame = Utf8Bytes::from_static("x");
        for _ in 0..SESSION_QUEUE {
            assert!(s.send(Outbound::Frame(frame.clone())));
        }
        assert!(!s.send(Outbound::Frame(frame)));
    }
}
