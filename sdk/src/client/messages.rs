//! Sending messages reliably through the outbox, the conversations the client keeps (local
//! echo, recent messages, unread counts), and the 003 offline fetch.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::channel::oneshot;

use chinwag_wire::module::{MessageQuery, OfflineBatch, SortOrder};

use super::{Inner, Waiter, new_gid};
use crate::error::{Error, Result};
use crate::model::{
    Content, Delivery, LocalMessage, Message, OfflineMessages, SentMessage, Target,
};
use crate::proto::cache::Place;
use crate::proto::rest::{Endpoint, Framing};
use crate::proto::{Gid, frames};
use crate::runtime::unix_ms;

/// Sending, and fetching offline messages.
#[derive(Debug)]
pub struct Messages<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Messages<'_> {
    /// Sends `content` to `target` and waits until the server has stored it.
    ///
    /// The message goes into the outbox with a fresh client gid. If the client is offline it
    /// waits there and goes out on reconnect; if the connection breaks before the server's
    /// acknowledgement it is sent again with the same gid, which the server de-duplicates —
    /// so the recipient gets it exactly once. Fails with the server's error if it refuses the
    /// message, or [`Error::Closed`] if the client closes first.
    pub async fn send(&self, target: Target, content: Content) -> Result<SentMessage> {
        self.enqueue(target, content)?.await
    }

    /// Sends text to `target`; see [`Messages::send`].
    pub async fn send_text(&self, target: Target, text: &str) -> Result<SentMessage> {
        self.send(target, Content::Text(text.to_string())).await
    }

    /// Puts a message in the outbox without waiting: the [`Receipt`] knows the message's gid
    /// at once and, awaited, completes like [`Messages::send`].
    pub fn enqueue(&self, target: Target, content: Content) -> Result<Receipt> {
        if content.body().is_empty() {
            return Err(Error::InvalidInput("a message must not be empty".into()));
        }
        self.put(new_gid(), target, content, None)
    }

    /// Puts the message `gid` in the outbox and shows it in its conversation as pending (a
    /// failed one sent `again` in its place).
    fn put(
        &self,
        gid: String,
        target: Target,
        content: Content,
        again: Option<Place>,
    ) -> Result<Receipt> {
        let frames::MessageOut {
            frame,
            content,
            gid,
        } = frames::message(target, content, gid).map_err(Error::InvalidInput)?;
        // The echo keeps the gid as made; the outbox and the receipt share one copy.
        let shared = Gid::from(gid.as_str());
        let (tx, rx) = oneshot::channel();
        let mut state = self.inner.state();
        if state.closed {
            return Err(Error::Closed);
        }
        let me = match &state.session {
            Some(session) if state.machine.ended().is_none() => session.user_id,
            _ => return Err(Error::Auth("not logged in".into())),
        };
        let echo = LocalMessage {
            id: None,
            gid,
            chat: target,
            sender: me,
            content,
            timestamp_ms: unix_ms(),
            delivery: Delivery::Pending,
        };
        let echo = Some(state.store_send(&frame, echo, again));
        // A send that can go out now is written from this thread if the driver is not
        // writing, or else by its next turn; with a store the driver first writes the send
        // into the store. A send waiting for an answer or a link needs no turn of its own.
        let waiter = Waiter { tx, echo };
        let now = state.machine.send(shared.clone(), frame, waiter);
        if state.store.is_some() || (now && !state.write_now()) {
            state.wake();
        }
        Ok(Receipt { gid: shared, rx })
    }

    /// Sends again your failed message `gid` (see [`Messages::unsent`]), with the same gid:
    /// it turns pending, and the [`Receipt`] completes like [`Messages::send`].
    /// [`Error::NotFound`] if no failed message has that gid; [`Error::InvalidInput`] if it
    /// is still pending.
    pub fn retry(&self, gid: &str) -> Result<Receipt> {
        let failed = self
            .inner
            .state()
            .cache
            .unsent(gid)
            .map(|(at, m)| (at, m.clone()));
        match failed {
            None => Err(Error::NotFound(format!("no failed message with gid {gid}"))),
            Some((_, m)) if m.delivery == Delivery::Pending => Err(Error::InvalidInput(format!(
                "message {gid} is still pending"
            ))),
            Some((at, m)) => self.put(m.gid, m.chat, m.content, Some(at)),
        }
    }

    /// The latest messages of the conversation with `chat`, oldest first, at once and offline
    /// too (after a restart on a store, what the last run kept): the messages received, and
    /// yours — sent, and the ones not stored yet as pending or failed (local echo). Up to the
    /// builder's `message_cache` stored messages are kept per conversation.
    pub fn recent(&self, chat: Target) -> Vec<LocalMessage> {
        self.inner.state().cache.recent(chat)
    }

    /// Your messages the server has not stored, pending or failed, oldest first — after a
    /// restart too. Failed ones wait for [`Messages::retry`] or [`Messages::discard`].
    pub fn unsent(&self) -> Vec<LocalMessage> {
        self.inner.state().cache.all_unsent()
    }

    /// Messages from others in the conversation with `chat` since [`Messages::mark_read`].
    pub fn unread(&self, chat: Target) -> u32 {
        self.inner.state().cache.unread(chat)
    }

    /// Marks the conversation with `chat` read: its unread count becomes 0.
    pub fn mark_read(&self, chat: Target) {
        let mut state = self.inner.state();
        let (cache, store) = state.cache();
        cache.mark_read(chat, store);
        // The driver's next turn writes it to the store.
        state.wake();
    }

    /// Drops your message `gid` if the server has not stored it: a failed one, or a waiting
    /// send not written to the server yet — e.g. one left from before a restart, while
    /// offline: it is never sent, its receipt fails with [`Error::InvalidInput`]. Either way
    /// it leaves its conversation and the store. `Ok(false)`: no such message.
    /// [`Error::InvalidInput`] if it is already on its way (the server may store it): wait for
    /// its answer instead.
    pub fn discard(&self, gid: &str) -> Result<bool> {
        let mut state = self.inner.state();
        if state.machine.discard(gid)? {
            state.finish_sends();
        }
        let (cache, store) = state.cache();
        let discarded = cache.remove(gid, store);
        // The driver's next turn takes it out of the store.
        state.wake();
        Ok(discarded)
    }

    /// Messages that waited on the server while you had no connection (003 `GET
    /// /api/message`), grouped by sender. `remove` deletes them from the server.
    ///
    /// A connected client does not need this: it catches up by itself and emits each missed
    /// message as an event.
    pub async fn offline(&self, remove: bool, newest_first: bool) -> Result<Vec<OfflineMessages>> {
        let me = self.inner.me()?;
        let query = MessageQuery {
            sort: Some(if newest_first {
                SortOrder::Desc
            } else {
                SortOrder::Asc
            }),
            drop: Some(remove),
            filter: None,
        };
        let endpoint = Endpoint::new("GET", "/api/message", Framing::Rest).query(&query)?;
        let batches: Vec<OfflineBatch> = self.inner.call(endpoint).await?;
        Ok(batches
            .into_iter()
            .map(|b| OfflineMessages {
                sender: b.id,
                messages: b
                    .messages
                    .into_iter()
                    .filter_map(|f| Message::from_frame(f, me))
                    .collect(),
            })
            .collect())
    }
}

/// A message in the outbox ([`Messages::enqueue`]): its gid now, the server's acknowledgement
/// when awaited. Dropping it does not cancel the send.
#[derive(Debug)]
pub struct Receipt {
    gid: Gid,
    rx: oneshot::Receiver<Result<SentMessage>>,
}

impl Receipt {
    /// The gid the message is sent with.
    pub fn gid(&self) -> &str {
        &self.gid
    }
}

impl Future for Receipt {
    type Output = Result<SentMessage>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<SentMessage>> {
        Pin::new(&mut self.rx)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(Error::Closed)))
    }
}
