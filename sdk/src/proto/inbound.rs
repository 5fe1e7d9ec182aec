//! The inbound cursor: each message reaches the app once, whether it came live on the socket
//! or from `/api/sync` after a reconnect. The server delivers each socket's messages in id
//! order and sync pages are in id order, so one high-water mark is enough.

/// The highest message id handed to the app so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    last: Option<i64>,
}

impl Cursor {
    /// A cursor resuming after `last` (`None`: let the server choose where to start).
    pub fn new(last: Option<i64>) -> Cursor {
        Cursor { last }
    }

    /// The highest id handed over, if any.
    pub fn last(&self) -> Option<i64> {
        self.last
    }

    /// Whether message `id` is new; if so the cursor moves past it.
    pub fn accept(&mut self, id: i64) -> bool {
        if self.last.is_some_and(|last| id <= last) {
            return false;
        }
        self.last = Some(id);
        true
    }

    /// Moves to `id` without handing anything over (the server's sync starting point).
    pub fn advance_to(&mut self, id: i64) {
        if self.last.is_none_or(|last| id > last) {
            self.last = Some(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_accepted_once_and_older_ids_are_dropped() {
        let mut c = Cursor::new(None);
        assert!(c.accept(5));
        assert!(!c.accept(5));
        assert!(!c.accept(3));
        assert!(c.accept(9));
        c.advance_to(7);
        assert_eq!(c.last(), Some(9));
        c.advance_to(12);
        assert!(!c.accept(12));
        assert!(c.accept(13));
    }
}
