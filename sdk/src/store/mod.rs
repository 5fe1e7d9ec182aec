//! The client's local store: what must outlive the process — the session and the sends the
//! server has not acknowledged — behind one trait, with an in-memory implementation (nothing
//! outlives the process) and SQLite on native targets (`SqliteStore`, feature `sqlite`).
//!
//! Writes come in batches: the outbox changes of a whole driver turn go in one
//! [`Store::update_outbox`] call (one transaction), the way the server's group commit does.
//! The methods return futures so that a store that can only write asynchronously (IndexedDB in
//! browsers) fits the same trait; the SQLite store does its small local writes inline.

use std::sync::Mutex;

use crate::model::{Chat, Session};
use crate::runtime::{BoxFuture, MaybeSendSync};

#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
mod sqlite;
#[cfg(test)]
mod tests;

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

/// Everything a store holds, as loaded when a client starts on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Saved {
    /// The last session saved, if any.
    pub session: Option<Session>,
    /// Unacknowledged sends, oldest first.
    pub outbox: Vec<PendingSend>,
    /// The chat list as last fetched, in the server's order.
    pub chats: Vec<Chat>,
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
    /// Replaces the session (`None`: logged out).
    fn save_session(&self, session: Option<Session>) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Appends `added` to the outbox (in order) and removes the sends with gids `removed`, as
    /// one change: after a crash either all of it happened or none.
    fn update_outbox(
        &self,
        added: Vec<PendingSend>,
        removed: Vec<String>,
    ) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Replaces the chat list.
    fn save_chats(&self, chats: Vec<Chat>) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// A store in memory: what a client holds when no store is configured. Nothing outlives the
/// process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    saved: Mutex<Saved>,
}

impl MemoryStore {
    fn with<T>(&self, f: impl FnOnce(&mut Saved) -> T) -> T {
        f(&mut self.saved.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Store for MemoryStore {
    fn load(&self) -> BoxFuture<'_, Result<Saved, StoreError>> {
        let saved = self.with(|s| s.clone());
        Box::pin(std::future::ready(Ok(saved)))
    }

    fn save_session(&self, session: Option<Session>) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|s| s.session = session);
        Box::pin(std::future::ready(Ok(())))
    }

    fn update_outbox(
        &self,
        added: Vec<PendingSend>,
        removed: Vec<String>,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|s| {
            for send in added {
                if !s.outbox.iter().any(|p| p.gid == send.gid) {
                    s.outbox.push(send);
                }
            }
            s.outbox.retain(|p| !removed.contains(&p.gid));
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn save_chats(&self, chats: Vec<Chat>) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|s| s.chats = chats);
        Box::pin(std::future::ready(Ok(())))
    }
}
