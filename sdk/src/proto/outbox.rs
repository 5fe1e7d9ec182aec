//! The outbox: messages the app sent that the server has not acknowledged yet, in send order.
//! Each is written once per connection; after a reconnect every entry is written again with the
//! same gid, and the server's de-duplication makes the resend harmless.

use std::collections::VecDeque;

/// One unacknowledged message; `W` is whatever the caller waits on (a completion channel).
#[derive(Debug)]
struct Entry<W> {
    gid: String,
    frame: String,
    written: bool,
    waiter: W,
}

/// Unacknowledged messages in send order.
#[derive(Debug)]
pub struct Outbox<W> {
    entries: VecDeque<Entry<W>>,
}

impl<W> Default for Outbox<W> {
    fn default() -> Self {
        Outbox {
            entries: VecDeque::new(),
        }
    }
}

impl<W> Outbox<W> {
    /// Queues `frame` (a message frame with `gid`).
    pub fn push(&mut self, gid: String, frame: String, waiter: W) {
        self.entries.push_back(Entry {
            gid,
            frame,
            written: false,
            waiter,
        });
    }

    /// Frames not yet written on the current connection, in order; they count as written now.
    pub fn take_unwritten(&mut self) -> Vec<String> {
        self.entries
            .iter_mut()
            .filter(|e| !e.written)
            .map(|e| {
                e.written = true;
                e.frame.clone()
            })
            .collect()
    }

    /// A new connection: every entry must be written again.
    pub fn rewind(&mut self) {
        for e in &mut self.entries {
            e.written = false;
        }
    }

    /// Removes the entry with `gid`, returning its waiter (acknowledged or refused).
    pub fn complete(&mut self, gid: &str) -> Option<W> {
        let at = self.entries.iter().position(|e| e.gid == gid)?;
        self.entries.remove(at).map(|e| e.waiter)
    }

    /// Removes every entry (the client is closing), returning their waiters.
    pub fn drain(&mut self) -> Vec<W> {
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
        o.rewind();
        assert_eq!(o.take_unwritten(), vec!["A", "C"]);
        assert_eq!(o.pending(), vec!["a", "c"]);
        assert_eq!(o.drain(), vec![1, 3]);
        assert!(o.is_empty());
    }
}
