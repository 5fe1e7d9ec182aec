//! The outbox: messages the app sent that the server has not acknowledged yet, in send order.
//! Each is written once per connection; after a reconnect every entry is written again with the
//! same gid, and the server's de-duplication makes the resend harmless.

use std::collections::VecDeque;

/// One unacknowledged message; `W` is whatever the caller waits on (a completion channel).
#[derive(Debug)]
struct Entry<W> {
    gid: String,
    frame: String,
    waiter: W,
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
    pub fn push(&mut self, gid: String, frame: String, waiter: W) {
        self.entries.push_back(Entry { gid, frame, waiter });
    }

    /// Frames not yet written on the current connection, in order; they count as written now.
    pub fn take_unwritten(&mut self) -> Vec<String> {
        let unwritten = self
            .entries
            .range(self.written..)
            .map(|e| e.frame.clone())
            .collect();
        self.written = self.entries.len();
        unwritten
    }

    /// A new connection: every entry must be written again.
    pub fn rewind(&mut self) {
        self.written = 0;
    }

    /// Removes the entry with `gid`, returning its waiter (acknowledged or refused). The
    /// server answers in send order, so the entry is almost always the first.
    pub fn complete(&mut self, gid: &str) -> Option<W> {
        let at = self.entries.iter().position(|e| e.gid == gid)?;
        if at < self.written {
            self.written -= 1;
        }
        self.entries.remove(at).map(|e| e.waiter)
    }

    /// Removes every entry (the client is closing), returning their waiters.
    pub fn drain(&mut self) -> Vec<W> {
        self.written = 0;
        self.entries.drain(..).map(|e| e.waiter).collect()
    }

    /// The gids waiting, in order.
    pub fn pending(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.gid.clone()).collect()
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

    #[test]
    fn frames_are_written_once_per_connection_and_completed_by_gid() {
        let mut o = Outbox::default();
        o.push("a".into(), "A".into(), 1);
        o.push("b".into(), "B".into(), 2);
        assert_eq!(o.take_unwritten(), vec!["A", "B"]);
        assert!(o.take_unwritten().is_empty());
        o.push("c".into(), "C".into(), 3);
        assert_eq!(o.take_unwritten(), vec!["C"]);
        assert_eq!(o.complete("b"), Some(2));
        assert_eq!(o.complete("b"), None);
        o.push("d".into(), "D".into(), 4);
        assert_eq!(o.complete("a"), Some(1), "a written entry completes");
        assert_eq!(
            o.take_unwritten(),
            vec!["D"],
            "the unwritten one is still there"
        );
        o.push("a".into(), "A".into(), 1);
        o.rewind();
        assert_eq!(o.take_unwritten(), vec!["C", "D", "A"]);
        assert_eq!(o.complete("d"), Some(4));
        assert_eq!(o.complete("a"), Some(1));
        assert_eq!(o.pending(), vec!["c"]);
        assert_eq!(o.drain(), vec![3]);
        assert!(o.is_empty());
    }
}
