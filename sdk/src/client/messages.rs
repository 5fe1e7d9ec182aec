//! Sending messages reliably through the outbox, and the 003 offline fetch.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::channel::oneshot;

use chinwag_wire::module::{MessageQuery, OfflineBatch, SortOrder};

use super::{Inner, new_gid};
use crate::error::{Error, Result};
use crate::model::{Content, Message, OfflineMessages, SentMessage, Target};
use crate::proto::frames;
use crate::proto::rest::{Endpoint, Framing};

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
        let gid = new_gid();
        let frame = frames::message(target, content, &gid).map_err(Error::InvalidInput)?;
        let (tx, rx) = oneshot::channel();
        let mut state = self.inner.state();
        if state.closed {
            return Err(Error::Closed);
        }
        if state.session.is_none() || state.machine.ended().is_some() {
            return Err(Error::Auth("not logged in".into()));
        }
        state.store_send(&gid, &frame);
        let waiter = super::Waiter {
            gid: gid.clone(),
            tx,
        };
        state.machine.send(gid.clone(), frame, waiter);
        state.wake();
        Ok(Receipt { gid, rx })
    }

    /// Takes back the waiting send `gid` (see [`crate::Client::pending_sends`]) if it has not
    /// been written to the server yet — e.g. one left from before a restart, while offline:
    /// it is never sent, its receipt fails with [`Error::InvalidInput`], and it leaves the
    /// store. `Ok(false)`: no send with that gid waits. [`Error::InvalidInput`] if it is
    /// already on its way (the server may store it): wait for its answer instead.
    pub fn discard(&self, gid: &str) -> Result<bool> {
        let mut state = self.inner.state();
        let discarded = state.machine.discard(gid)?;
        if discarded {
            state.finish_sends();
            // The driver's next turn takes it out of the store.
            state.wake();
        }
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
    gid: String,
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
