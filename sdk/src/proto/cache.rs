//! What a client keeps of each conversation: the latest messages (a bounded number of stored
//! ones, plus every send of yours not stored yet — the local echo), the unread count, and the
//! newest message id received. No I/O: each change is also noted for the store, when the
//! client has one.
//!
//! Order in a conversation: stored messages by server id, then your local ones (no server id
//! yet) in the order they were sent. A send's echo is found again by its [`Place`], which the
//! send carries to its answer; there is no index by gid to keep up per send — the few lookups
//! by gid (your message back from catch-up, an app's retry or discard) search the local ones,
//! oldest first, where the one sought almost always is. Messages arrive in order per
//! conversation (the session machine's rule), so a message at or below the newest id received
//! was seen before — by this run, or by the one before a restart — and is not counted unread
//! again.

use std::collections::VecDeque;

/// The cache's maps: foldhash natively (SipHash was 6 % of a message's client instructions,
/// `scripts/instructions.sh`), the standard hasher in browsers (a smaller package).
#[cfg(not(target_arch = "wasm32"))]
type HashMap<K, V> = foldhash::HashMap<K, V>;
#[cfg(target_arch = "wasm32")]
type HashMap<K, V> = std::collections::HashMap<K, V>;

use crate::error::Error;
use crate::model::{Delivery, LocalMessage, Message, MessageId, SentMessage, Target, UserId};
use crate::store::{Changes, Conversation};

/// Stored messages kept per conversation when the app does not say otherwise.
pub const DEFAULT_LIMIT: usize = 100;

/// The conversations a client keeps. A change by place or id costs O(log n) in the messages
/// of its conversation, O(1) at either end — where sends are added and answered, and where
/// the oldest stored one is dropped — so a burst of 100,000 sends while offline stays cheap.
/// A lookup by gid searches the unsent messages (O(n), found at once when oldest).
#[derive(Debug)]
pub struct MessageCache {
    /// Stored messages kept per conversation (your local ones are always kept).
    limit: usize,
    chats: HashMap<Target, Kept>,
    /// The last local message's place.
    next: u64,
}

/// Where one of your local messages is: its conversation, and its place there (places grow
/// with every send and are never reused, so a place names one message for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    chat: Target,
    at: u64,
}

/// One conversation.
#[derive(Debug, Default)]
struct Kept {
    /// Messages the server stored, by id (at most the limit).
    stored: VecDeque<LocalMessage>,
    /// Your messages without a server id — pending, failed, or sent but dropped by a
    /// delivery rule — in the order they were sent.
    local: Local,
    unread: u32,
    latest_id: MessageId,
}

/// Your messages not stored yet, by place (the order they were sent). Sends are added at the
/// back and mostly settle from the front, in the order the server answers, so both are O(1);
/// a message in the middle (one settled out of order, a failed one sent again) is found by
/// binary search. A B-tree shifted its nodes' 150-byte values on every such change.
#[derive(Debug, Default)]
struct Local(VecDeque<(u64, LocalMessage)>);

impl Local {
    fn find(&self, place: u64) -> Result<usize, usize> {
        match self.0.front() {
            Some((first, _)) if *first == place => Ok(0),
            _ => self.0.binary_search_by_key(&place, |(p, _)| *p),
        }
    }

    /// Puts `m` at `place` (replacing what was there).
    fn insert(&mut self, place: u64, m: LocalMessage) {
        if self.0.back().is_none_or(|(last, _)| *last < place) {
            return self.0.push_back((place, m));
        }
        match self.find(place) {
            Ok(at) => self.0[at].1 = m,
            Err(at) => self.0.insert(at, (place, m)),
        }
    }

    fn remove(&mut self, place: u64) -> Option<LocalMessage> {
        self.take_at(self.find(place).ok()?)
    }

    /// Takes out the one at index `at` of the queue.
    fn take_at(&mut self, at: usize) -> Option<LocalMessage> {
        self.0.remove(at).map(|(_, m)| m)
    }

    /// Where the one with `gid` is in the queue, searched oldest first: what is sought is
    /// mostly an early send (its answer lost with a link, a failed one sent again).
    fn index_of(&self, gid: &str) -> Option<usize> {
        self.0.iter().position(|(_, m)| m.gid == gid)
    }

    fn iter(&self) -> impl Iterator<Item = (u64, &LocalMessage)> {
        self.0.iter().map(|(place, m)| (*place, m))
    }

    fn values(&self) -> impl Iterator<Item = &LocalMessage> {
        self.0.iter().map(|(_, m)| m)
    }
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

    /// Keeps stored message `m` in id order (replacing the one with its id), then drops the
    /// oldest beyond `limit`, noting them for the store.
    fn keep(&mut self, m: LocalMessage, limit: usize, mut store: Option<&mut Changes>) {
        let id = m.id;
        // Messages mostly come in id order: the newest goes at the back, with no search.
        if self.stored.back().is_none_or(|last| last.id < id) {
            self.stored.push_back(m);
        } else {
            match self.stored.binary_search_by_key(&id, |k| k.id) {
                Ok(at) => self.stored[at] = m,
                Err(at) => self.stored.insert(at, m),
            }
        }
        while self.stored.len() > limit {
            if let (Some(old), Some(store)) = (self.stored.pop_front(), store.as_deref_mut()) {
                store.dropped.push((old.sender, old.gid));
            }
        }
    }
}

impl MessageCache {
    /// A cache keeping `limit` stored messages per conversation.
    pub fn new(limit: usize) -> MessageCache {
        MessageCache {
            limit,
            chats: HashMap::default(),
            next: 0,
        }
    }

    /// Takes what a store kept (messages in order per conversation); returns where each of
    /// your local messages went, by gid, for the sends to carry.
    pub fn restore(
        &mut self,
        messages: Vec<LocalMessage>,
        conversations: Vec<Conversation>,
    ) -> HashMap<String, Place> {
        let mut places = HashMap::default();
        for c in conversations {
            let kept = self.chats.entry(c.chat).or_default();
            kept.unread = c.unread;
            kept.latest_id = c.latest_id;
        }
        for m in messages {
            if m.id.is_some() {
                let limit = self.limit;
                self.chats.entry(m.chat).or_default().keep(m, limit, None);
            } else {
                let gid = m.gid.clone();
                places.insert(gid, self.put_local(m, None));
            }
        }
        places
    }

    /// Forgets everything (the session's user is gone).
    pub fn clear(&mut self) {
        self.chats.clear();
    }

    /// Puts your local message `m` at `place` (its own, if it is there already), or else
    /// after the others of its conversation; returns where it is.
    fn put_local(&mut self, m: LocalMessage, place: Option<Place>) -> Place {
        let place = match place {
            Some(place) if place.chat == m.chat => place,
            _ => {
                self.next += 1;
                Place {
                    chat: m.chat,
                    at: self.next,
                }
            }
        };
        self.chats
            .entry(place.chat)
            .or_default()
            .local
            .insert(place.at, m);
        place
    }

    /// Your local message `gid`, if there is one: its conversation and its index there (a
    /// search: for the app's rare calls, not per message).
    fn find_local(&self, gid: &str) -> Option<(Target, usize)> {
        self.chats
            .iter()
            .find_map(|(chat, kept)| Some((*chat, kept.local.index_of(gid)?)))
    }

    /// Takes your local message at `place` out, if it is there.
    fn take_local(&mut self, place: Place) -> Option<LocalMessage> {
        self.chats.get_mut(&place.chat)?.local.remove(place.at)
    }

    /// A message received (by user `me`): kept, and counted unread if someone else sent it
    /// and it is newer than what was received before. Your own send coming back (from
    /// catch-up) replaces its echo.
    pub fn receive(&mut self, m: &Message, me: UserId, mut store: Option<&mut Changes>) {
        let limit = self.limit;
        let kept = self.chats.entry(m.chat).or_default();
        if m.sender == me {
            if let Some(at) = kept.local.index_of(&m.gid) {
                kept.local.take_at(at);
            }
        }
        let new = m.id > kept.latest_id;
        if new {
            kept.latest_id = m.id;
            if m.sender != me {
                kept.unread = kept.unread.saturating_add(1);
            }
        }
        let known = kept
            .stored
            .binary_search_by_key(&Some(m.id), |k| k.id)
            .is_ok();
        if (new && limit > 0) || known {
            let message = LocalMessage::received(m);
            if let Some(store) = store.as_deref_mut() {
                store.messages.push(message.clone());
            }
            kept.keep(message, limit, store.as_deref_mut());
        }
        if let (true, Some(store)) = (new, store) {
            store.conversations.push(kept.counts(m.chat));
        }
    }

    /// Messages of a history page: kept (in id order, up to the limit) like received ones,
    /// but not counted unread.
    pub fn fill(&mut self, messages: &[Message], mut store: Option<&mut Changes>) {
        let limit = self.limit;
        for m in messages.iter().filter(|m| m.id > 0) {
            let kept = self.chats.entry(m.chat).or_default();
            let message = LocalMessage::received(m);
            if let Some(store) = store.as_deref_mut() {
                store.messages.push(message.clone());
            }
            kept.keep(message, limit, store.as_deref_mut());
        }
    }

    /// Your send `m`, shown at once as pending: after the others of its conversation, or,
    /// a failed one sent again, at its `again` place. Returns where it is, for its answer.
    pub fn echo(
        &mut self,
        m: LocalMessage,
        again: Option<Place>,
        store: Option<&mut Changes>,
    ) -> Place {
        if let Some(store) = store {
            store.messages.push(m.clone());
        }
        self.put_local(m, again)
    }

    /// Your send at `place` finished: sent, with the server's id and time, or failed with the
    /// error. A send the client's closing ended stays pending (it goes out again from the
    /// next client on the store). Nothing if its echo is gone (taken by catch-up, or the
    /// session's user forgotten).
    pub fn settle(
        &mut self,
        place: Place,
        outcome: &Result<SentMessage, Error>,
        store: Option<&mut Changes>,
    ) {
        if matches!(outcome, Err(Error::Closed)) {
            return;
        }
        let Some(mut m) = self.take_local(place) else {
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
        let mut store = store;
        if let Some(store) = store.as_deref_mut() {
            store.messages.push(m.clone());
        }
        if m.id.is_some() {
            let limit = self.limit;
            self.chats.entry(m.chat).or_default().keep(m, limit, store);
        } else {
            // Failed, or sent but dropped by a delivery rule: it stays local, in its place.
            self.put_local(m, Some(place));
        }
    }

    /// Takes your send `gid` out of its conversation if it is not stored (pending or failed);
    /// true if it was there.
    pub fn remove(&mut self, gid: &str, store: Option<&mut Changes>) -> bool {
        let removed = self
            .find_local(gid)
            .and_then(|(chat, at)| self.chats.get_mut(&chat)?.local.take_at(at));
        let Some(removed) = removed else {
            return false;
        };
        if let Some(store) = store {
            store.dropped.push((removed.sender, removed.gid));
        }
        true
    }

    /// Your send `gid` if it is not stored (pending or failed), and where it is.
    pub fn unsent(&self, gid: &str) -> Option<(Place, &LocalMessage)> {
        let (chat, at) = self.find_local(gid)?;
        let (place, m) = self.chats.get(&chat)?.local.0.get(at)?;
        Some((Place { chat, at: *place }, m))
    }

    /// Every send of yours not stored (pending or failed), oldest first.
    pub fn all_unsent(&self) -> Vec<LocalMessage> {
        let mut unsent: Vec<(u64, &LocalMessage)> = self
            .chats
            .values()
            .flat_map(|k| k.local.iter())
            .filter(|(_, m)| m.delivery != Delivery::Sent)
            .collect();
        unsent.sort_unstable_by_key(|(place, _)| *place);
        unsent.into_iter().map(|(_, m)| m.clone()).collect()
    }

    /// The messages kept of `chat`, in order.
    pub fn recent(&self, chat: Target) -> Vec<LocalMessage> {
        self.chats
            .get(&chat)
            .map(|k| k.stored.iter().chain(k.local.values()).cloned().collect())
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
        let a = cache.echo(echo("a"), None, Some(&mut store));
        let b = cache.echo(echo("b"), None, Some(&mut store));
        cache.receive(&received(7, 2, "p"), ME, Some(&mut store));
        assert_eq!(gids(&cache), ["p", "a", "b"], "pending sends come last");
        let sent = SentMessage {
            gid: "b".into(),
            id: Some(8),
            timestamp_ms: Some(80),
        };
        cache.settle(b, &Ok(sent), Some(&mut store));
        let refused = Err(Error::Server("not a member".into()));
        cache.settle(a, &refused, Some(&mut store));
        let recent = cache.recent(PEER);
        assert_eq!(gids(&cache), ["p", "b", "a"]);
        assert_eq!((recent[1].id, recent[1].timestamp_ms), (Some(8), 80));
        assert_eq!(recent[1].delivery, Delivery::Sent);
        assert!(matches!(recent[2].delivery, Delivery::Failed { .. }));
        assert_eq!(cache.all_unsent()[0].gid, "a");
        let (again, _) = cache.unsent("a").unwrap();
        assert_eq!(again, a, "found where it was");
        cache.echo(echo("a"), Some(again), None);
        assert_eq!(
            gids(&cache),
            ["p", "b", "a"],
            "sent again: in its own place"
        );
        assert_eq!(cache.recent(PEER)[2].delivery, Delivery::Pending);
        assert!(cache.remove("a", Some(&mut store)));
        assert_eq!(gids(&cache), ["p", "b"]);
        assert!(
            !cache.remove("b", None),
            "a stored message is not discarded"
        );
        assert_eq!(store.dropped, [(ME, "a".to_string())]);
        let written: Vec<_> = store.messages.iter().map(|m| m.gid.as_str()).collect();
        assert_eq!(written, ["a", "b", "p", "b", "a"], "every change noted");
    }

    #[test]
    fn unsent_messages_keep_their_order_whatever_order_they_settle_in() {
        let mut cache = MessageCache::new(10);
        let places: Vec<Place> = ["a", "b", "c", "d", "e"]
            .into_iter()
            .map(|gid| cache.echo(echo(gid), None, None))
            .collect();
        let [a, b, c, d, e] = places[..] else {
            unreachable!()
        };
        let failed = Err(Error::Server("refused".into()));
        cache.settle(c, &failed, None);
        cache.settle(e, &failed, None);
        let sent = |id| {
            Ok(SentMessage {
                gid: String::new(),
                id: Some(id),
                timestamp_ms: None,
            })
        };
        cache.settle(d, &sent(3), None);
        cache.settle(a, &sent(4), None);
        assert_eq!(gids(&cache), ["d", "a", "b", "c", "e"]);
        cache.settle(a, &sent(4), None);
        assert_eq!(
            gids(&cache),
            ["d", "a", "b", "c", "e"],
            "a place settles once"
        );
        cache.echo(echo("c"), Some(c), None);
        cache.echo(echo("f"), None, None);
        let unsent: Vec<_> = cache.all_unsent().into_iter().map(|m| m.gid).collect();
        assert_eq!(unsent, ["b", "c", "e", "f"], "a send again keeps its place");
        assert_eq!(
            cache.unsent("c").map(|(_, m)| &m.delivery),
            Some(&Delivery::Pending)
        );
        assert!(cache.remove("e", None));
        assert!(cache.unsent("e").is_none());
        cache.settle(b, &sent(5), None);
        assert_eq!(gids(&cache), ["d", "a", "b", "c", "f"]);
    }

    #[test]
    fn a_history_page_fills_the_conversation_without_counting_unread() {
        let mut cache = MessageCache::new(3);
        cache.receive(&received(5, 2, "live"), ME, None);
        let gid = |id: i64| {
            if id == 5 {
                "live".into()
            } else {
                format!("h{id}")
            }
        };
        let page: Vec<Message> = (2..=6).map(|id| received(id, 2, &gid(id))).collect();
        let mut store = Changes::default();
        cache.fill(&page, Some(&mut store));
        assert_eq!(
            gids(&cache),
            ["h4", "live", "h6"],
            "the latest three by id, once each"
        );
        assert_eq!(cache.unread(PEER), 1, "history is not unread");
        assert_eq!(store.messages.len(), 5);
        assert_eq!(store.dropped, [(2, "h2".into()), (2, "h3".into())]);
    }

    #[test]
    fn a_send_ended_by_closing_stays_pending() {
        let mut cache = MessageCache::new(10);
        let a = cache.echo(echo("a"), None, None);
        cache.settle(a, &Err(Error::Closed), None);
        assert_eq!(cache.recent(PEER)[0].delivery, Delivery::Pending);
        assert!(cache.unsent("a").is_some());
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
        cache.echo(echo("b"), None, None);
        let a = cache.echo(echo("a"), None, None);
        cache.receive(&received(9, ME, "a"), ME, None);
        let recent = cache.recent(PEER);
        assert_eq!(gids(&cache), ["a", "b"]);
        assert_eq!(
            (recent[0].id, &recent[0].delivery),
            (Some(9), &Delivery::Sent)
        );
        let sent = SentMessage {
            gid: "a".into(),
            id: Some(9),
            timestamp_ms: Some(90),
        };
        cache.settle(a, &Ok(sent), None);
        assert_eq!(gids(&cache), ["a", "b"], "its answer changes nothing more");
        let unsent: Vec<_> = cache.all_unsent().into_iter().map(|m| m.gid).collect();
        assert_eq!(unsent, ["b"]);
    }

    #[test]
    fn only_the_latest_stored_messages_are_kept_and_unsent_ones_always() {
        let mut cache = MessageCache::new(2);
        let mut store = Changes::default();
        cache.echo(echo("a"), None, Some(&mut store));
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
        first.echo(echo("a"), None, Some(&mut store));
        let mut saved = crate::store::Saved::default();
        store.apply_to(&mut saved);
        let mut second = MessageCache::new(10);
        let places = second.restore(saved.messages, saved.conversations);
        assert_eq!(gids(&second), ["x", "a"]);
        assert_eq!(second.unread(PEER), 1);
        second.receive(&received(3, 2, "x"), ME, None);
        assert_eq!(
            second.unread(PEER),
            1,
            "not counted again after the restart"
        );
        let (place, _) = second.unsent("a").unwrap();
        assert_eq!(places.get("a"), Some(&place), "restore tells where it went");
        let refused = Err(Error::Server("refused".into()));
        second.settle(place, &refused, None);
        assert!(matches!(
            second.recent(PEER)[1].delivery,
            Delivery::Failed { .. }
        ));
    }

    /// Random interleavings of your sends and their fates — answered, refused, ended by the
    /// client closing, back from a catch-up before their answer (which then comes too),
    /// sent again, discarded — in two conversations, against a model: every conversation
    /// shows its stored messages by id, then its unsent ones in the order they were first
    /// sent, each once; `unsent` and `all_unsent` agree with it.
    mod props {
        use proptest::prelude::*;

        use super::*;

        const CHATS: [Target; 2] = [PEER, Target::Group(9)];

        #[derive(Debug, Clone)]
        enum Op {
            Send(usize),
            Answered(usize),
            Refused(usize),
            Closed(usize),
            BackFromCatchUp(usize),
            Retry(usize),
            Discard(usize),
        }

        #[derive(Debug, Clone, PartialEq)]
        enum Fate {
            Pending,
            Failed,
            /// Stored with this id; `true` if its echo was taken by a catch-up, its answer
            /// still to come.
            Stored(MessageId, bool),
            Gone,
        }

        struct Send {
            gid: String,
            chat: Target,
            place: Place,
            fate: Fate,
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                3 => (0..2usize).prop_map(Op::Send),
                3 => any::<usize>().prop_map(Op::Answered),
                1 => any::<usize>().prop_map(Op::Refused),
                1 => any::<usize>().prop_map(Op::Closed),
                1 => any::<usize>().prop_map(Op::BackFromCatchUp),
                1 => any::<usize>().prop_map(Op::Retry),
                1 => any::<usize>().prop_map(Op::Discard),
            ]
        }

        fn echo_in(chat: Target, gid: &str) -> LocalMessage {
            LocalMessage { chat, ..echo(gid) }
        }

        fn check(cache: &MessageCache, sends: &[Send]) {
            for chat in CHATS {
                let mut stored: Vec<(MessageId, &str)> = sends
                    .iter()
                    .filter(|s| s.chat == chat)
                    .filter_map(|s| match s.fate {
                        Fate::Stored(id, _) => Some((id, s.gid.as_str())),
                        _ => None,
                    })
                    .collect();
                stored.sort_unstable();
                let unsent = sends
                    .iter()
                    .filter(|s| s.chat == chat)
                    .filter(|s| matches!(s.fate, Fate::Pending | Fate::Failed));
                let want: Vec<&str> = stored
                    .into_iter()
                    .map(|(_, gid)| gid)
                    .chain(unsent.map(|s| s.gid.as_str()))
                    .collect();
                let shown = cache.recent(chat);
                let got: Vec<&str> = shown.iter().map(|m| m.gid.as_str()).collect();
                assert_eq!(got, want, "{chat:?}");
            }
            let want: Vec<&str> = sends
                .iter()
                .filter(|s| matches!(s.fate, Fate::Pending | Fate::Failed))
                .map(|s| s.gid.as_str())
                .collect();
            let all = cache.all_unsent();
            assert_eq!(all.iter().map(|m| m.gid.as_str()).collect::<Vec<_>>(), want);
            for s in sends {
                let delivery = cache.unsent(&s.gid).map(|(_, m)| m.delivery.clone());
                match s.fate {
                    Fate::Pending => assert_eq!(delivery, Some(Delivery::Pending)),
                    Fate::Failed => assert!(matches!(delivery, Some(Delivery::Failed { .. }))),
                    _ => assert_eq!(delivery, None),
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

            #[test]
            fn every_send_shows_once_in_its_place_whatever_befalls_it(
                ops in proptest::collection::vec(op(), 0..80),
            ) {
                let mut cache = MessageCache::new(1000);
                let mut sends: Vec<Send> = Vec::new();
                let mut next_id: MessageId = 1;
                for op in ops {
                    let n = sends.len().max(1);
                    match op {
                        Op::Send(chat) => {
                            let gid = format!("g{}", sends.len());
                            let chat = CHATS[chat];
                            let place = cache.echo(echo_in(chat, &gid), None, None);
                            sends.push(Send { gid, chat, place, fate: Fate::Pending });
                        }
                        Op::Answered(i) | Op::Refused(i) | Op::Closed(i) => {
                            let Some(s) = sends.get_mut(i % n) else { continue };
                            // Only a send still in the outbox is answered: pending, or
                            // taken by a catch-up before its answer.
                            let back = matches!(s.fate, Fate::Stored(_, true));
                            if s.fate != Fate::Pending && !back {
                                continue;
                            }
                            let outcome = match op {
                                Op::Answered(_) => Ok(SentMessage {
                                    gid: s.gid.clone(),
                                    id: Some(next_id),
                                    timestamp_ms: Some(1),
                                }),
                                Op::Refused(_) => Err(Error::Server("refused".into())),
                                _ => Err(Error::Closed),
                            };
                            cache.settle(s.place, &outcome, None);
                            s.fate = match (&s.fate, op) {
                                // Its echo is gone: the answer changes nothing.
                                (Fate::Stored(id, true), _) => Fate::Stored(*id, false),
                                (_, Op::Answered(_)) => {
                                    next_id += 1;
                                    Fate::Stored(next_id - 1, false)
                                }
                                (_, Op::Refused(_)) => Fate::Failed,
                                (fate, _) => fate.clone(),
                            };
                        }
                        Op::BackFromCatchUp(i) => {
                            let Some(s) = sends.get_mut(i % n) else { continue };
                            if s.fate != Fate::Pending {
                                continue;
                            }
                            let mut m = received(next_id, ME, &s.gid);
                            m.chat = s.chat;
                            cache.receive(&m, ME, None);
                            s.fate = Fate::Stored(next_id, true);
                            next_id += 1;
                        }
                        Op::Retry(i) => {
                            let Some(s) = sends.get_mut(i % n) else { continue };
                            if s.fate != Fate::Failed {
                                continue;
                            }
                            let (place, m) = cache.unsent(&s.gid).expect("failed, so shown");
                            prop_assert_eq!(place, s.place);
                            let again = LocalMessage { delivery: Delivery::Pending, ..m.clone() };
                            cache.echo(again, Some(place), None);
                            s.fate = Fate::Pending;
                        }
                        Op::Discard(i) => {
                            let Some(s) = sends.get_mut(i % n) else { continue };
                            let unsent = matches!(s.fate, Fate::Pending | Fate::Failed);
                            prop_assert_eq!(cache.remove(&s.gid, None), unsent);
                            if unsent {
                                s.fate = Fate::Gone;
                            }
                        }
                    }
                    check(&cache, &sends);
                }
            }
        }
    }
}
