//! The client's use of its store ([`crate::store`]): what a driver turn hands over to be
//! written, and what a client built on a store starts with.
//!
//! A send enters the store in the driver turn after `enqueue`, before its frame is written
//! (so nothing the server may have stored is missing from the store), and leaves it in the
//! turn that reads the server's answer. Sends failed because the client closed stay: they go
//! out again, with the same gids, from the next client on the store. Sends failed because the
//! session ended (logout, kick, another user's login) leave with it.

use futures::FutureExt;
use futures::channel::oneshot;

use super::{State, Waiter};
use crate::error::{Error, Result};
use crate::model::{Chat, Session};
use crate::store::{PendingSend, Saved, Store};

/// Store writes gathered under the client's lock, made by the driver outside it.
#[derive(Debug, Default)]
pub(crate) struct StoreWork {
    /// New sends, in order.
    pub added: Vec<PendingSend>,
    /// Gids of sends that are finished.
    pub removed: Vec<String>,
    /// The session to save (`Some(None)`: forget it); taken from the client's state when
    /// the work is handed over.
    pub session: Option<Option<Session>>,
    /// The session changed since the last hand-over (marked per change, copied once).
    session_changed: bool,
    /// The chat list to save (`Some(empty)`: forget it).
    pub chats: Option<Vec<Chat>>,
}

impl StoreWork {
    /// Saving the chat list `chats`, nothing else.
    pub fn chats(chats: Vec<Chat>) -> StoreWork {
        StoreWork {
            chats: Some(chats),
            ..StoreWork::default()
        }
    }

    /// Makes the writes: the outbox change first, as one transaction, then the session.
    pub async fn apply(self, store: &dyn Store) -> Result<()> {
        if !self.added.is_empty() || !self.removed.is_empty() {
            store.update_outbox(self.added, self.removed).await?;
        }
        if let Some(session) = self.session {
            store.save_session(session).await?;
        }
        if let Some(chats) = self.chats {
            store.save_chats(chats).await?;
        }
        Ok(())
    }
}

impl State {
    /// What this turn leaves to write, if the client has a store and anything changed.
    pub(super) fn take_store_work(&mut self) -> Option<StoreWork> {
        let mut work = std::mem::take(&mut self.store_work);
        if work.session_changed {
            work.session = Some(self.session.clone());
        }
        let nothing = work.added.is_empty()
            && work.removed.is_empty()
            && work.session.is_none()
            && work.chats.is_none();
        (self.store.is_some() && !nothing).then_some(work)
    }

    /// Notes a new send for the store.
    pub(super) fn store_send(&mut self, gid: &str, frame: &str) {
        if self.store.is_some() {
            self.store_work.added.push(PendingSend {
                gid: gid.to_string(),
                frame: frame.to_string(),
            });
        }
    }

    /// Notes a finished send for the store, unless the client closing failed it (then it
    /// waits in the store for the next client).
    pub(super) fn store_finished(&mut self, gid: &str, outcome: &Result<impl Sized>) {
        if self.store.is_some() && !matches!(outcome, Err(Error::Closed)) {
            self.store_work.removed.push(gid.to_string());
        }
    }

    /// The session is over (logout, kick): it goes, with what was kept of its chats, here
    /// and in the store.
    pub(super) fn forget_session(&mut self) {
        self.session = None;
        self.store_session();
        self.forget_chats();
    }

    /// The session's user is gone (logout, kick, another user's login): what the client
    /// kept of that user's chats goes, here and in the store.
    pub(super) fn forget_chats(&mut self) {
        self.chats.clear();
        if self.store.is_some() {
            self.store_work.chats = Some(Vec::new());
        }
    }

    /// Notes that the session (or its cursor) changed: it is saved as it is when the work is
    /// handed over (one copy however many messages moved the cursor meanwhile).
    pub(super) fn store_session(&mut self) {
        self.store_work.session_changed = self.store.is_some();
    }

    /// Takes what `saved` holds: its session, and the sends it left unacknowledged, which go
    /// out again with their gids once the driver starts. Nobody waits on their completions;
    /// [`super::Client::pending_sends`] lists them. True if there is a session to resume.
    pub(super) fn resume(&mut self, saved: Saved) -> bool {
        let Some(session) = saved.session else {
            // Sends without a session cannot be sent as anyone: they are dropped, and the
            // chats of nobody with them.
            for send in saved.outbox {
                self.store_work.removed.push(send.gid);
            }
            if !saved.chats.is_empty() {
                self.store_work.chats = Some(Vec::new());
            }
            return false;
        };
        self.machine.resume_from(session.cursor);
        self.session = Some(session);
        self.chats = saved.chats;
        for send in saved.outbox {
            let (tx, _) = oneshot::channel();
            let waiter = Waiter {
                gid: send.gid.clone(),
                tx,
            };
            self.machine.send(send.gid, send.frame, waiter);
        }
        true
    }
}

/// What `store` holds, read at once: the stores a client opens while it is built (memory,
/// SQLite) answer without waiting.
pub(super) fn load_now(store: &dyn Store) -> Result<Saved> {
    match store.load().now_or_never() {
        Some(saved) => Ok(saved?),
        None => Err(Error::Store(
            "this store cannot be read while the client is built".into(),
        )),
    }
}
