//! What a client keeps of each conversation: the latest messages (a bounded number of stored
//! ones, plus every send of yours not stored yet — the local echo), the unread count, and the
//! newest message id received. No I/O: each change is also noted for the store, when the
//! client has one.
//!
//! Order in a conversation: stored messages by server id, then the sends not stored yet in the
//! order they were made. Messages arrive in order per conversation (the session machine's
//! rule), so a message at or below the newest id received was seen before — by this run, or
//! by the one before a restart — and is not counted unread again.

use std::collections::HashMap;

use crate::error::Error;
use crate::model::{Delivery, LocalMessage, Message, MessageId, SentMessage, Target, UserId};
use crate::store::{Changes, Conversation};

/// Stored messages kept per conversation when the app does not say otherwise.
pub const DEFAULT_LIMIT: usize = 100;

/// The conversations a client keeps.
#[derive(Debug)]
pub struct MessageCache {
    /// Stored messages kept per conversation (sends not stored yet are always kept).
    limit: usize,
    chats: HashMap<Target, Kept>,
    /// The conversation of each of your sends not stored yet, by gid.
    unsent: HashMap<String, Target>,
}

/// One conversation.
#[derive(Debug, Default)]
struct Kept {
    messages: Vec<LocalMessage>,
    unread: u32,
    latest_id: MessageId,
}

impl Kept {
    /// The conversation's counts, as the store keeps them.
    fn counts(&self, chat: Target) -> Conversation {
        Conversation {
            chat,
            unread: self.unread,
            latest_id: self.latest_id,
        }
    }

    /// Puts the messages in order and drops the oldest stored ones beyond `limit`, noting
    /// them for the store.
    fn settle_order(&mut self, limit: usize, store: Option<&mut Changes>) {
        self.messages
            .sort_by_key(|m| (m.id.is_none(), m.id.unwrap_or_default()));
        let stored = self
            .messages
            .iter()
            .filter(|m| m.delivery == Delivery::Sent)
            .count();
        let mut excess = stored.saturating_sub(limit);
        if excess == 0 {
            return;
        }
        let mut dropped = Vec::new();
        self.messages.retain(|m| {
            let drop = excess > 0 && m.delivery == Delivery::Sent;
            if drop {
                excess -= 1;
                dropped.push((m.sender, m.gid.clone()));
            }
            !drop
        });
        if let Some(store) = store {
            store.dropped.extend(dropped);
        }
    }

    fn find(&mut self, sender: UserId, gid: &str) -> Option<&mut LocalMessage> {
        self.messages
            .iter_mut()
            .find(|m| m.sender == sender && m.gid == gid)
    }
}

impl MessageCache {
    /// A cache keeping `limit` stored messages per conversation.
    pub fn new(limit: usize) -> MessageCache {
        MessageCache {
            limit,
            chats: HashMap::new(),
            unsent: HashMap::new(),
        }
    }

    /// Takes what a store kept (messages in order per conversation).
    pub fn restore(&mut self, messages: Vec<LocalMessage>, conversations: Vec<Conversation>) {
        for c in conversations {
            let kept = self.chats.entry(c.chat).or_default();
            kept.unread = c.unread;
            kept.latest_id = c.latest_id;
        }
        for m in messages {
            if m.delivery != Delivery::Sent {
                self.unsent.insert(m.gid.clone(), m.chat);
            }
            self.chats.entry(m.chat).or_default().messages.push(m);
        }
        for kept in self.chats.values_mut() {
            kept.settle_order(self.limit, None);
        }
    }

    /// Forgets everything (the session's user is gone).
    pub fn clear(&mut self) {
        self.chats.clear();
        self.unsent.clear();
    }

    /// A message received (by user `me`): kept, and counted unread if someone else sent it
    /// and it is newer than what was received before. Your own send coming back (from
    /// catch-up) replaces its echo.
    pub fn receive(&mut self, m: &Message, me: UserId, mut store: Option<&mut Changes>) {
        let kept = self.chats.entry(m.chat).or_default();
        let new = m.id > kept.latest_id;
        if new {
            kept.latest_id = m.id;
            if m.sender != me {
                kept.unread = kept.unread.saturating_add(1);
            }
        }
        let message = match kept.find(m.sender, &m.gid) {
            Some(known) => {
                self.unsent.remove(&m.gid);
                *known = LocalMessage::received(m);
                Some(known.clone())
            }
            None if new => {
                let message = LocalMessage::received(m);
                kept.messages.push(message.clone());
                Some(message)
            }
            // Seen before and no longer kept.
            None => None,
        };
        kept.settle_order(self.limit, store.as_deref_mut());
        if let Some(store) = store {
            store.messages.extend(message);
            if new {
                store.conversations.push(kept.counts(m.chat));
            }
        }
    }

    /// Your send, shown at once as pending (a failed one sent again takes its place).
    pub fn echo(&mut self, m: LocalMessage, store: Option<&mut Changes>) {
        self.unsent.insert(m.gid.clone(), m.chat);
        if let Some(store) = store {
            store.messages.push(m.clone());
        }
        let kept = self.chats.entry(m.chat).or_default();
        match kept.find(m.sender, &m.gid) {
            Some(known) => *known = m,
            None => kept.messages.push(m),
        }
    }

    /// Your send `gid` (by `me`) finished: sent, with the server's id and time, or failed with
    /// the error. A send the client's closing ended stays pending (it goes out again from the
    /// next client on the store).
    pub fn settle(
        &mut self,
        gid: &str,
        me: UserId,
        outcome: &Result<SentMessage, Error>,
        store: Option<&mut Changes>,
    ) {
        if matches!(outcome, Err(Error::Closed)) {
            return;
        }
        let Some(&chat) = self.unsent.get(gid) else {
            return;
        };
        if outcome.is_ok() {
            self.unsent.remove(gid);
        }
        let Some(kept) = self.chats.get_mut(&chat) else {
            return;
        };
        let Some(m) = kept.find(me, gid) else {
            return;
        };
        match outcome {
            Ok(sent) => {
                m.id = sent.id;
                m.timestamp_ms = sent.timestamp_ms.unwrap_or(m.timestamp_ms);
                m.delivery = Delivery::Sent;
            }
            Err(e) => {
                m.delivery = Delivery::Failed {
                    error: e.to_string(),
                }
            }
        }
        let m = m.clone();
        let mut store = store;
        kept.settle_order(self.limit, store.as_deref_mut());
        if let Some(store) = store {
            store.messages.push(m);
        }
    }

    /// Takes your send `gid` (by `me`) out of its conversation if it is not stored (pending or
    /// failed); true if it was there.
    pub fn remove(&mut self, gid: &str, me: UserId, store: Option<&mut Changes>) -> bool {
        let Some(chat) = self.unsent.remove(gid) else {
            return false;
        };
        if let Some(kept) = self.chats.get_mut(&chat) {
            kept.messages.retain(|m| !(m.sender == me && m.gid == gid));
        }
        if let Some(store) = store {
            store.dropped.push((me, gid.to_string()));
        }
        true
    }

    /// Your send `gid` if it is not stored (pending or failed).
    pub fn unsent(&self, gid: &str, me: UserId) -> Option<&LocalMessage> {
        let chat = self.unsent.get(gid)?;
        self.chats
            .get(chat)?
            .messages
            .iter()
            .find(|m| m.sender == me && m.gid == gid)
    }

    /// Every send of yours not stored (pending or failed), oldest first.
    pub fn all_unsent(&self) -> Vec<LocalMessage> {
        let mut unsent: Vec<LocalMessage> = self
            .chats
            .values()
            .flat_map(|k| k.messages.iter())
            .filter(|m| m.delivery != Delivery::Sent)
            .cloned()
            .collect();
        unsent.sort_by_key(|m| m.timestamp_ms);
        unsent
    }

    /// The messages kept of `chat`, in order.
    pub fn recent(&self, chat: Target) -> Vec<LocalMessage> {
        self.chats
            .get(&chat)
            .map(|k| k.messages.clone())
            .unwrap_or_default()
    }

    /// Messages from others in `chat` since it was last marked read.
    pub fn unread(&self, chat: Target) -> u32 {
        self.chats.get(&chat).map_or(0, |k| k.unread)
    }

    /// Marks `chat` read.
    pub fn mark_read(&mut self, chat: Target, store: Option<&mut Changes>) {
        if let Some(kept) = self.chats.get_mut(&chat) {
            if kept.unread != 0 {
                kept.unread = 0;
                if let Some(store) = store {
                    store.conversations.push(kept.counts(chat));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Content;

    const ME: UserId = 1;
    const PEER: Target = Target::User(2);

    fn received(id: MessageId, sender: UserId, gid: &str) -> Message {
        Message {
            id,
            gid: gid.into(),
            chat_gid: "1&2".into(),
            chat: PEER,
            sender,
            content: Content::Text(format!("m{id}")),
            timestamp_ms: id * 10,
        }
    }

    fn echo(gid: &str) -> LocalMessage {
        LocalMessage {
            id: None,
            gid: gid.into(),
            chat: PEER,
            sender: ME,
            content: Content::Text(gid.into()),
            timestamp_ms: 5,
            delivery: Delivery::Pending,
        }
    }

    fn gids(cache: &MessageCache) -> Vec<String> {
        cache.recent(PEER).into_iter().map(|m| m.gid).collect()
    }

    #[test]
    fn a_send_shows_at_once_then_turns_sent_in_id_order_or_failed() {
        let mut cache = MessageCache::new(10);
        let mut store = Changes::default();
        cache.echo(echo("a"), Some(&mut store));
        cache.echo(echo("b"), Some(&mut store));
        cache.receive(&received(7, 2, "p"), ME, Some(&mut store));
        assert_eq!(gids(&cache), ["p", "a", "b"], "pending sends come last");
        let sent = SentMessage {
            gid: "b".into(),
            id: Some(8),
            timestamp_ms: Some(80),
        };
        cache.settle("b", ME, &Ok(sent), Some(&mut store));
        let refused = Err(Error::Server("not a member".into()));
        cache.settle("a", ME, &refused, Some(&mut store));
        let recent = cache.recent(PEER);
        assert_eq!(gids(&cache), ["p", "b", "a"]);
        assert_eq!((recent[1].id, recent[1].timestamp_ms), (Some(8), 80));
        assert_eq!(recent[1].delivery, Delivery::Sent);
        assert!(matches!(recent[2].delivery, Delivery::Failed { .. }));
        assert_eq!(cache.all_unsent()[0].gid, "a");
        cache.echo(echo("a"), None);
        assert_eq!(
            gids(&cache),
            ["p", "b", "a"],
            "sent again: in its own place"
        );
        assert_eq!(cache.recent(PEER)[2].delivery, Delivery::Pending);
        assert!(cache.remove("a", ME, Some(&mut store)));
        assert_eq!(gids(&cache), ["p", "b"]);
        assert!(
            !cache.remove("b", ME, None),
            "a stored message is not discarded"
        );
        assert_eq!(store.dropped, [(ME, "a".to_string())]);
        let written: Vec<_> = store.messages.iter().map(|m| m.gid.as_str()).collect();
        assert_eq!(written, ["a", "b", "p", "b", "a"], "every change noted");
    }

    #[test]
    fn a_send_ended_by_closing_stays_pending() {
        let mut cache = MessageCache::new(10);
        cache.echo(echo("a"), None);
        cache.settle("a", ME, &Err(Error::Closed), None);
        assert_eq!(cache.recent(PEER)[0].delivery, Delivery::Pending);
        assert!(cache.unsent("a", ME).is_some());
    }

    #[test]
    fn unread_counts_others_messages_once_even_when_received_again() {
        let mut cache = MessageCache::new(10);
        cache.receive(&received(3, 2, "x"), ME, None);
        cache.receive(&received(4, ME, "mine"), ME, None);
        cache.receive(&received(5, 2, "y"), ME, None);
        assert_eq!(cache.unread(PEER), 2, "yours do not count");
        // A catch-up after a crash hands over what was kept already.
        cache.receive(&received(5, 2, "y"), ME, None);
        assert_eq!(cache.unread(PEER), 2);
        assert_eq!(gids(&cache), ["x", "mine", "y"]);
        let mut store = Changes::default();
        cache.mark_read(PEER, Some(&mut store));
        assert_eq!(cache.unread(PEER), 0);
        assert_eq!(store.conversations[0].unread, 0);
        assert_eq!(store.conversations[0].latest_id, 5);
    }

    #[test]
    fn your_send_coming_back_from_catch_up_replaces_its_echo() {
        let mut cache = MessageCache::new(10);
        cache.echo(echo("a"), None);
        cache.receive(&received(9, ME, "a"), ME, None);
        let recent = cache.recent(PEER);
        assert_eq!(recent.len(), 1);
        assert_eq!(
            (recent[0].id, &recent[0].delivery),
            (Some(9), &Delivery::Sent)
        );
        assert!(cache.all_unsent().is_empty());
    }

    #[test]
    fn only_the_latest_stored_messages_are_kept_and_unsent_ones_always() {
        let mut cache = MessageCache::new(2);
        let mut store = Changes::default();
        cache.echo(echo("a"), Some(&mut store));
        for id in 1..=4 {
            cache.receive(&received(id, 2, &format!("r{id}")), ME, Some(&mut store));
        }
        assert_eq!(gids(&cache), ["r3", "r4", "a"]);
        assert_eq!(store.dropped, [(2, "r1".into()), (2, "r2".into())]);
        assert_eq!(
            cache.unread(PEER),
            4,
            "dropped from the cache, still unread"
        );
    }

    #[test]
    fn a_restored_cache_continues_where_the_store_left_it() {
        let mut first = MessageCache::new(10);
        let mut store = Changes::default();
        first.receive(&received(3, 2, "x"), ME, Some(&mut store));
        first.echo(echo("a"), Some(&mut store));
        let mut saved = crate::store::Saved::default();
        store.apply_to(&mut saved);
        let mut second = MessageCache::new(10);
        second.restore(saved.messages, saved.conversations);
        assert_eq!(gids(&second), ["x", "a"]);
        assert_eq!(second.unread(PEER), 1);
        second.receive(&received(3, 2, "x"), ME, None);
        assert_eq!(
            second.unread(PEER),
            1,
            "not counted again after the restart"
        );
        assert!(second.unsent("a", ME).is_some());
    }
}
