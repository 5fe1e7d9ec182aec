//! The client's use of its store ([`crate::store`]): what a driver turn hands over to be
//! written, and what a client built on a store starts with.
//!
//! A send enters the store in the driver turn after `enqueue`, before its frame is written
//! (so nothing the server may have stored is missing from the store), and leaves it in the
//! turn that reads the server's answer. Sends failed because the client closed stay: they go
//! out again, with the same gids, from the next client on the store. Sends failed because the
//! session ended (logout, kick, another user's login) leave with it.
//!
//! The same turns note what the client keeps of the user's conversations (the message cache:
//! received messages, your sends as pending, sent or failed, unread counts), the chat list and
//! the users seen; all of a turn's changes go to the store as one transaction.

use futures::FutureExt;
use futures::channel::oneshot;

use super::{State, Waiter};
use crate::error::{Error, Result};
use crate::model::{Chat, LocalMessage, Message, User};
use crate::proto::cache::{MessageCache, Place};
use crate::store::{Changes, PendingSend, Saved, Store};

impl State {
    /// What this turn leaves to write, if the client has a store and anything changed, with
    /// the version of the session in it (see [`super::Inner::persist`]).
    pub(super) fn take_store_work(&mut self) -> Option<(Changes, u64)> {
        let mut work = std::mem::take(&mut self.store_work);
        if std::mem::take(&mut self.session_changed) {
            work.session = Some(self.session.clone());
        }
        (self.store.is_some() && !work.is_empty()).then_some((work, self.session_version))
    }

    /// The message cache, and where its changes are noted for the store (if there is one).
    pub(super) fn cache(&mut self) -> (&mut MessageCache, Option<&mut Changes>) {
        let store = self.store.is_some().then_some(&mut self.store_work);
        (&mut self.cache, store)
    }

    /// Notes a new send for the store, and shows it in its conversation as pending (a failed
    /// one sent `again` in its place); returns where its echo is.
    pub(super) fn store_send(
        &mut self,
        frame: &str,
        echo: LocalMessage,
        again: Option<Place>,
    ) -> Place {
        if self.store.is_some() {
            self.store_work.sent.push(PendingSend {
                gid: echo.gid.clone(),
                frame: frame.to_string(),
            });
        }
        let (cache, store) = self.cache();
        cache.echo(echo, again, store)
    }

    /// Notes a finished send for the store and, if it has an echo, in its conversation,
    /// unless the client closing failed it (then it waits in the store for the next client).
    pub(super) fn store_finished(
        &mut self,
        gid: &str,
        echo: Option<Place>,
        outcome: &Result<crate::SentMessage>,
    ) {
        if self.store.is_some() && !matches!(outcome, Err(Error::Closed)) {
            self.store_work.finished.push(gid.to_string());
        }
        if let Some(place) = echo {
            let (cache, store) = self.cache();
            cache.settle(place, outcome, store);
        }
    }

    /// Keeps `users` (as seen in an answer or an event); returns the store's part (empty
    /// without a store).
    pub(super) fn keep_users(&mut self, users: impl IntoIterator<Item = User>) -> Changes {
        let mut changes = Changes::default();
        for user in users {
            if self.store.is_some() {
                changes.users.push(user.clone());
            }
            self.users.insert(user.id, user);
        }
        changes
    }

    /// Keeps the chat list `chats`; returns the store's part (empty without a store).
    pub(super) fn keep_chats(&mut self, chats: Vec<Chat>) -> Changes {
        let changes = Changes {
            chats: self.store.is_some().then(|| chats.clone()),
            ..Changes::default()
        };
        self.chats = chats;
        changes
    }

    /// Keeps a fetched history page in its conversation; returns the store's part (empty
    /// without a store).
    pub(super) fn keep_history(&mut self, messages: &[Message]) -> Changes {
        let mut changes = Changes::default();
        let store = self.store.is_some().then_some(&mut changes);
        self.cache.fill(messages, store);
        changes
    }

    /// The session is over (logout, kick): it goes, with what was kept of its chats, here
    /// and in the store.
    pub(super) fn forget_session(&mut self) {
        self.session = None;
        self.store_session();
        self.forget_chats();
    }

    /// The session's user is gone (logout, kick, another user's login): what the client
    /// kept of that user — chats, messages, unread counts, users — goes, here and in the
    /// store.
    pub(super) fn forget_chats(&mut self) {
        self.chats.clear();
        self.cache.clear();
        self.users.clear();
        if self.store.is_some() {
            let work = &mut self.store_work;
            work.reset = true;
            work.chats = None;
            work.messages.clear();
            work.dropped.clear();
            work.conversations.clear();
            work.users.clear();
        }
    }

    /// Notes that the session (or its cursor) changed: it is saved as it is when the work is
    /// handed over (one copy however many messages moved the cursor meanwhile).
    pub(super) fn store_session(&mut self) {
        self.session_changed = self.store.is_some();
        self.session_version += 1;
    }

    /// Takes what `saved` holds: its session, and the sends it left unacknowledged, which go
    /// out again with their gids once the driver starts. Nobody waits on their completions;
    /// [`super::Client::pending_sends`] lists them. True if there is a session to resume.
    pub(super) fn resume(&mut self, saved: Saved) -> bool {
        let Some(session) = saved.session else {
            // Sends without a session cannot be sent as anyone: they are dropped, and the
            // chats of nobody with them.
            for send in saved.outbox {
                self.store_work.finished.push(send.gid);
            }
            self.store_work.reset = true;
            return false;
        };
        self.machine.resume_from(session.cursor);
        self.session = Some(session);
        self.chats = saved.chats;
        let echoes = self.cache.restore(saved.messages, saved.conversations);
        self.users = saved.users.into_iter().map(|u| (u.id, u)).collect();
        for send in saved.outbox {
            let (tx, _) = oneshot::channel();
            let echo = echoes.get(&send.gid).copied();
            // Written once the driver starts and the link opens.
            let _ = self
                .machine
                .send(send.gid.into(), send.frame, Waiter { tx, echo });
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
