//! The outbox: messages the app sent that the server has not acknowledged yet, in send order.
//! Each is written once per connection; after a reconnect every entry is written again with the
//! same gid, and the server's de-duplication makes the resend harmless.

use std::collections::VecDeque;

use super::Gid;

/// One unacknowledged message; `W` is whatever the caller waits on (a completion channel).
#[derive(Debug)]
struct Entry<W> {
    gid: Gid,
    frame: String,
    waiter: W,
}

/// What [`Outbox::withdraw`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Withdrawn<W> {
    /// The entry is out; its gid and waiter.
    Taken((Gid, W)),
    /// No entry has that gid.
    Absent,
    /// The entry was written on the current connection: it is on its way, and stays.
    Written,
}

/// Unacknowledged messages in send order. Entries are written in order, so the written ones
/// are a prefix: `written` counts it, which keeps writing and acknowledging O(1) per message
/// however many wait.
#[derive(Debug)]
pub struct Outbox<W> {
    entries: VecDeque<Entry<W>>,
    written: usize,
}

impl<W> Default for Outbox<W> {
    fn default() -> Self {
        Outbox {
            entries: VecDeque::new(),
            written: 0,
        }
    }
}

impl<W> Outbox<W> {
    /// Queues `frame` (a message frame with `gid`).
    pub fn push(&mut self, gid: Gid, frame: String, waiter: W) {
        self.entries.push_back(Entry { gid, frame, waiter });
    }

    /// Frames not yet written on the current connection, in order, as many as keep at most
    /// `window` written and unanswered; they count as written now.
    pub fn take_unwritten(&mut self, window: usize) -> impl Iterator<Item = String> + '_ {
        let end = self.entries.len().min(self.written.max(window));
        let from = self.written.min(end);
        self.written = end;
        self.entries.range(from..end).map(|e| e.frame.clone())
    }

    /// A new connection: every entry must be written again.
    pub fn rewind(&mut self) {
        self.written = 0;
    }

    /// Removes the entry with `gid`, returning its gid and waiter (acknowledged or refused).
    /// The server answers in send order, so the entry is almost always the first.
    pub fn complete(&mut self, gid: &str) -> Option<(Gid, W)> {
        let at = self.entries.iter().position(|e| *e.gid == *gid)?;
        if at < self.written {
            self.written -= 1;
        }
        self.entries.remove(at).map(|e| (e.gid, e.waiter))
    }

    /// Removes the entry with `gid` if it has not been written on the current connection.
    pub fn withdraw(&mut self, gid: &str) -> Withdrawn<W> {
        let Some(at) = self.entries.iter().position(|e| *e.gid == *gid) else {
            return Withdrawn::Absent;
        };
        if at < self.written {
            return Withdrawn::Written;
        }
        match self.entries.remove(at) {
            Some(e) => Withdrawn::Taken((e.gid, e.waiter)),
            None => Withdrawn::Absent,
        }
    }

    /// Removes every entry (the client is closing), returning their gids and waiters.
    pub fn drain(&mut self) -> Vec<(Gid, W)> {
        self.written = 0;
        self.entries.drain(..).map(|e| (e.gid, e.waiter)).collect()
    }

    /// The gids waiting, in order.
    pub fn pending(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.gid.to_string()).collect()
    }

    /// Number of entries waiting.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(o: &mut Outbox<i32>) -> Vec<String> {
        o.take_unwritten(usize::MAX).collect()
    }

    #[test]
    fn frames_are_written_once_per_connection_and_completed_by_gid() {
        let mut o = Outbox::default();
        o.push("a".into(), "A".into(), 1);
        o.push("b".into(), "B".into(), 2);
        assert_eq!(take(&mut o), vec!["A", "B"]);
        assert!(take(&mut o).is_empty());
        o.push("c".into(), "C".into(), 3);
        assert_eq!(take(&mut o), vec!["C"]);
        assert_eq!(o.complete("b"), Some(("b".into(), 2)));
        assert_eq!(o.complete("b"), None);
        o.push("d".into(), "D".into(), 4);
        assert_eq!(
            o.complete("a"),
            Some(("a".into(), 1)),
            "a written entry completes"
        );
        assert_eq!(take(&mut o), vec!["D"], "the unwritten one is still there");
        o.push("a".into(), "A".into(), 1);
        o.rewind();
        assert_eq!(take(&mut o), vec!["C", "D", "A"]);
        assert_eq!(o.complete("d"), Some(("d".into(), 4)));
        assert_eq!(o.complete("a"), Some(("a".into(), 1)));
        assert_eq!(o.pending(), vec!["c"]);
        assert_eq!(o.drain(), vec![("c".into(), 3)]);
        assert!(o.is_empty());
    }

    #[test]
    fn at_most_a_window_is_written_and_unanswered() {
        let mut o = Outbox::default();
        for (i, gid) in ["a", "b", "c", "d"].into_iter().enumerate() {
            o.push(gid.into(), gid.to_uppercase(), i);
        }
        let take = |o: &mut Outbox<usize>| o.take_unwritten(2).collect::<Vec<_>>();
        assert_eq!(take(&mut o), vec!["A", "B"]);
        assert!(take(&mut o).is_empty(), "two wait for an answer");
        assert_eq!(o.complete("a"), Some(("a".into(), 0)));
        assert_eq!(take(&mut o), vec!["C"], "one answer lets one more out");
        o.rewind();
        assert_eq!(
            take(&mut o),
            vec!["B", "C"],
            "a new link starts again from the oldest"
        );
        assert_eq!(o.complete("b"), Some(("b".into(), 1)));
        assert_eq!(o.complete("c"), Some(("c".into(), 2)));
        assert_eq!(take(&mut o), vec!["D"]);
    }

    #[test]
    fn only_an_unwritten_entry_is_withdrawn() {
        let mut o = Outbox::default();
        for (i, gid) in ["a", "b", "c"].into_iter().enumerate() {
            o.push(gid.into(), gid.to_uppercase(), i);
        }
        assert_eq!(o.take_unwritten(1).collect::<Vec<_>>(), vec!["A"]);
        assert_eq!(o.withdraw("a"), Withdrawn::Written, "on its way");
        assert_eq!(o.withdraw("c"), Withdrawn::Taken(("c".into(), 2)));
        assert_eq!(o.withdraw("c"), Withdrawn::Absent, "gone");
        assert_eq!(o.pending(), vec!["a", "b"]);
        o.rewind();
        assert_eq!(
            o.withdraw("a"),
            Withdrawn::Taken(("a".into(), 0)),
            "a new link has written nothing yet"
        );
    }
}
