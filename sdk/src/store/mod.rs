//! The client's local store: what must outlive the process — the session, the sends the
//! server has not acknowledged, the chat list, the latest messages of each conversation with
//! their unread counts, and the users seen — behind one trait, with an in-memory implementation (nothing
//! outlives the process) and SQLite on native targets (`SqliteStore`, feature `sqlite`).
//!
//! Writes come in batches: the changes of a whole driver turn go in one [`Store::apply`]
//! call (one transaction), the way the server's group commit does.
//! The methods return futures so that a store that can only write asynchronously (IndexedDB in
//! browsers) fits the same trait; the SQLite store does its small local writes inline.

use std::sync::Mutex;

use crate::model::{Chat, LocalMessage, MessageId, Session, Target, User, UserId};
use crate::runtime::{BoxFuture, MaybeSendSync};

#[cfg(any(test, feature = "store-conformance"))]
pub mod conformance;
#[cfg(all(feature = "indexeddb", target_arch = "wasm32"))]
mod indexeddb;
#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
mod sqlite;
#[cfg(test)]
mod tests;

#[cfg(all(feature = "indexeddb", target_arch = "wasm32"))]
pub use indexeddb::IndexedDbStore;
#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
pub use sqlite::SqliteStore;

/// A send the server has not acknowledged: its gid and the frame that carries it, written
/// again as it is after a restart (the server de-duplicates by gid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSend {
    /// The client gid.
    pub gid: String,
    /// The message frame.
    pub frame: String,
}

/// The unread count of a conversation, and the newest message id received in it (a message
/// received again after a restart, at or below it, is not counted twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Conversation {
    /// The conversation.
    pub chat: Target,
    /// Messages from others since the app last marked it read.
    pub unread: u32,
    /// The newest message id received in it (0: none).
    pub latest_id: MessageId,
}

/// Everything a store holds, as loaded when a client starts on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Saved {
    /// The last session saved, if any.
    pub session: Option<Session>,
    /// Unacknowledged sends, oldest first.
    pub outbox: Vec<PendingSend>,
    /// The chat list as last fetched, in the server's order.
    pub chats: Vec<Chat>,
    /// The messages kept, each conversation's in the order it was written to the store
    /// (stored ones by id, then the ones not stored yet).
    pub messages: Vec<LocalMessage>,
    /// Unread counts.
    pub conversations: Vec<Conversation>,
    /// The users seen.
    pub users: Vec<User>,
}

/// One driver turn's changes, written as one transaction: after a crash either all of it
/// happened or none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// Forget what was kept of the user first — chats, messages, unread counts, users (the
    /// session ended, or another user logged in).
    pub reset: bool,
    /// The session to save (`Some(None)`: forget it).
    pub session: Option<Option<Session>>,
    /// New sends, in order (a gid already held is not added again).
    pub sent: Vec<PendingSend>,
    /// Gids of sends that are finished.
    pub finished: Vec<String>,
    /// The chat list, replacing the one held.
    pub chats: Option<Vec<Chat>>,
    /// Messages to keep, replacing any held with the same sender and gid.
    pub messages: Vec<LocalMessage>,
    /// Messages to drop (sender, gid): fallen out of the cache, or discarded.
    pub dropped: Vec<(UserId, String)>,
    /// Unread counts, replacing the ones held for the same conversations.
    pub conversations: Vec<Conversation>,
    /// Users, replacing the ones held with the same ids.
    pub users: Vec<User>,
}

impl Changes {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        !self.reset
            && self.session.is_none()
            && self.sent.is_empty()
            && self.finished.is_empty()
            && self.chats.is_none()
            && self.messages.is_empty()
            && self.dropped.is_empty()
            && self.conversations.is_empty()
            && self.users.is_empty()
    }
}

/// Why a store could not be used. Each case leaves the file as it was: the app may choose to
/// start fresh (delete it) or to stop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Another client holds the store (two clients on one store would corrupt it).
    #[error("the store is in use by another client")]
    InUse,
    /// The file is not a database, or is damaged.
    #[error("the store is damaged or not a database: {0}")]
    Corrupt(String),
    /// The file is a database of something else.
    #[error("the file is not a Chinwag store")]
    Foreign,
    /// The store was written by a newer SDK (schema `found`; this SDK knows up to `known`).
    #[error("the store has schema version {found}; this SDK reads up to {known}")]
    Newer {
        /// The store's schema version.
        found: i64,
        /// The newest this SDK reads.
        known: i64,
    },
    /// The store belongs to another server.
    #[error("the store belongs to server {0}")]
    OtherServer(String),
    /// Reading or writing failed.
    #[error("store I/O failed: {0}")]
    Io(String),
}

/// Where a client keeps what must outlive the process.
pub trait Store: MaybeSendSync {
    /// Everything held.
    fn load(&self) -> BoxFuture<'_, Result<Saved, StoreError>>;
    /// Makes `changes`, as one transaction.
    fn apply(&self, changes: Changes) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Whether [`Store::apply`] has written before it returns its future (memory, SQLite).
    /// The client then saves its cursor on the app's thread as it hands each message over,
    /// so that a crash never hands one over twice; otherwise (IndexedDB) in the next driver
    /// turn.
    fn writes_at_once(&self) -> bool {
        false
    }
}

/// A store in memory: what a client holds when no store is configured. Nothing outlives the
/// process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    saved: Mutex<Saved>,
}

impl Store for MemoryStore {
    fn load(&self) -> BoxFuture<'_, Result<Saved, StoreError>> {
        let saved = self.saved.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Box::pin(std::future::ready(Ok(saved)))
    }

    fn apply(&self, changes: Changes) -> BoxFuture<'_, Result<(), StoreError>> {
        changes.apply_to(&mut self.saved.lock().unwrap_or_else(|p| p.into_inner()));
        Box::pin(std::future::ready(Ok(())))
    }

    fn writes_at_once(&self) -> bool {
        true
    }
}

impl Changes {
    /// Makes the changes to `saved` in memory.
    pub(crate) fn apply_to(self, s: &mut Saved) {
        if self.reset {
            s.chats.clear();
            s.messages.clear();
            s.conversations.clear();
            s.users.clear();
        }
        if let Some(session) = self.session {
            s.session = session;
        }
        for send in self.sent {
            if !s.outbox.iter().any(|p| p.gid == send.gid) {
                s.outbox.push(send);
            }
        }
        s.outbox.retain(|p| !self.finished.contains(&p.gid));
        if let Some(chats) = self.chats {
            s.chats = chats;
        }
        for m in self.messages {
            match s
                .messages
                .iter_mut()
                .find(|k| k.sender == m.sender && k.gid == m.gid)
            {
                Some(kept) => *kept = m,
                None => s.messages.push(m),
            }
        }
        s.messages.retain(|k| {
            !self
                .dropped
                .iter()
                .any(|(u, g)| *u == k.sender && *g == k.gid)
        });
        // The order a load gives: stored ones by id, then the rest as written.
        s.messages.sort_by_key(|m| (m.id.is_none(), m.id));
        for c in self.conversations {
            s.conversations.retain(|k| k.chat != c.chat);
            s.conversations.push(c);
        }
        for u in self.users {
            s.users.retain(|k| k.id != u.id);
            s.users.push(u);
        }
    }
}
