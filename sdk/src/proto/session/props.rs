//! Property tests: random interleavings of sends, peer messages, server reads, duplicate
//! acknowledgements, lost links, failed connects, slow catch-up pages and the clock, against a
//! scripted server that stores and de-duplicates as the real one does. Invariants: every send
//! is completed exactly once; at most the window of sends is written and unanswered on a link;
//! the app gets each message at most once, in id order; once the link heals, nothing the
//! server stored is missing and every send is acknowledged.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chinwag_wire::ext::{SyncData, SyncQuery};
use proptest::prelude::*;

use super::tests::{ack, message};
use super::*;

#[derive(Debug, Clone)]
enum Op {
    /// The app sends a message.
    Send,
    /// Another user posts a message to this one.
    PeerPosts,
    /// The server reads the next frame the client wrote.
    ServerReads,
    /// The server acknowledges an old send again.
    DuplicateAck(usize),
    /// The next frame the server wrote reaches the client.
    ClientReads,
    /// The pending connect succeeds.
    ConnectOk,
    /// The pending connect fails.
    ConnectFails,
    /// The pending catch-up page is answered.
    SyncAnswers,
    /// The link breaks (frames in flight are lost both ways).
    Drop,
    /// Time passes (ms).
    Tick(u16),
    /// The app pulls its events (and so acknowledges them).
    Pull,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Send),
        3 => Just(Op::PeerPosts),
        4 => Just(Op::ServerReads),
        1 => (0usize..8).prop_map(Op::DuplicateAck),
        5 => Just(Op::ClientReads),
        2 => Just(Op::ConnectOk),
        1 => Just(Op::ConnectFails),
        2 => Just(Op::SyncAnswers),
        1 => Just(Op::Drop),
        2 => (0u16..20_000).prop_map(Op::Tick),
        2 => Just(Op::Pull),
    ]
}

/// Sends written and unanswered per link, at most.
const WINDOW: usize = 4;

/// The scripted server, one socket, and what the app saw.
struct World {
    m: SessionMachine<u32>,
    now: Duration,
    next_id: i64,
    /// Ids of the peer's messages, stored in order.
    peer: Vec<i64>,
    /// The client's sends, by gid, and the gids in store order.
    stored: HashMap<String, i64>,
    stored_order: Vec<String>,
    connecting: bool,
    sync: Option<SyncQuery>,
    /// `Some` while a socket is open: frames each way not yet read.
    link: Option<(VecDeque<String>, VecDeque<String>)>,
    /// Gids written on the current link and not completed yet (never more than the window).
    unanswered: std::collections::HashSet<String>,
    sends: u32,
    completed: HashMap<u32, Result<SentMessage, Error>>,
    delivered: Vec<i64>,
    pulled: usize,
}

impl World {
    fn new(seed: u64) -> World {
        let settings = Settings {
            heartbeat_interval: Duration::from_secs(15),
            backoff: Backoff {
                base: Duration::from_millis(250),
                cap: Duration::from_secs(5),
            },
            sync_page: 3,
            received_delay: RECEIVED_DELAY,
            send_window: WINDOW,
        };
        let mut m = SessionMachine::new(settings, seed);
        m.start(1);
        let mut w = World {
            m,
            now: Duration::ZERO,
            next_id: 1,
            peer: Vec::new(),
            stored: HashMap::new(),
            stored_order: Vec::new(),
            connecting: false,
            sync: None,
            link: None,
            unanswered: Default::default(),
            sends: 0,
            completed: HashMap::new(),
            delivered: Vec::new(),
            pulled: 0,
        };
        w.drain();
        w
    }

    /// A new world after `ops`.
    fn played(seed: u64, ops: Vec<Op>) -> World {
        let mut w = World::new(seed);
        for op in ops {
            w.apply(op);
        }
        w
    }

    /// Takes every output of the machine, checking the invariants on the way.
    fn drain(&mut self) {
        loop {
            let mut moved = false;
            while let Some(action) = self.m.poll_action() {
                moved = true;
                match action {
                    Action::Connect => self.connecting = true,
                    Action::Sync(q) => self.sync = Some(q),
                    Action::Disconnect => {
                        self.link = None;
                        self.unanswered.clear();
                        self.connecting = false;
                        self.sync = None;
                    }
                }
            }
            // Finished sends first: an answer read before this drain is what let the
            // machine write the next send, so it must be counted before that write.
            while let Some(done) = self.m.poll_completion() {
                moved = true;
                let (waiter, outcome) = (done.waiter, done.outcome);
                if let Ok(sent) = &outcome {
                    self.unanswered.remove(&sent.gid);
                    assert_eq!(
                        self.stored.get(&sent.gid).copied(),
                        sent.id,
                        "acknowledged as the server stored it"
                    );
                }
                let again = self.completed.insert(waiter, outcome);
                assert!(again.is_none(), "send {waiter} completed twice");
            }
            while let Some(frame) = self.m.poll_transmit() {
                moved = true;
                self.write(frame);
            }
            for event in self.m.poll_events() {
                moved = true;
                if let Event::Message(m) = event {
                    assert!(
                        self.delivered.last().is_none_or(|&last| m.id > last),
                        "message {} after {:?}: twice or out of order",
                        m.id,
                        self.delivered.last()
                    );
                    self.delivered.push(m.id);
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// Puts a frame the machine wrote on the link, if there is one.
    fn write(&mut self, frame: String) {
        if let Some((to_server, _)) = &mut self.link {
            if let Some(gid) = frame.strip_prefix("SEND ") {
                self.unanswered.insert(gid.to_string());
                assert!(
                    self.unanswered.len() <= WINDOW,
                    "more than the window written and unanswered"
                );
            }
            to_server.push_back(frame);
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Send => {
                self.sends += 1;
                let gid = format!("s{}", self.sends);
                let now = self
                    .m
                    .send(gid.as_str().into(), format!("SEND {gid}"), self.sends);
                // The client wakes its driver only when `send` says the frame can go out:
                // then the machine writes it, and otherwise a turn would write nothing.
                let written = self.m.poll_transmit();
                assert_eq!(
                    written.as_deref(),
                    now.then(|| format!("SEND {gid}")).as_deref(),
                    "what send promised"
                );
                if let Some(frame) = written {
                    self.write(frame);
                }
            }
            Op::PeerPosts => {
                let id = self.next_id;
                self.next_id += 1;
                self.peer.push(id);
                if let Some((_, to_client)) = &mut self.link {
                    to_client.push_back(message(id));
                }
            }
            Op::ServerReads => {
                let Some((to_server, to_client)) = &mut self.link else {
                    return;
                };
                let Some(frame) = to_server.pop_front() else {
                    return;
                };
                if let Some(gid) = frame.strip_prefix("SEND ") {
                    let id = match self.stored.get(gid) {
                        Some(&id) => id,
                        None => {
                            let id = self.next_id;
                            self.next_id += 1;
                            self.stored.insert(gid.to_string(), id);
                            self.stored_order.push(gid.to_string());
                            id
                        }
                    };
                    to_client.push_back(ack(gid, id));
                } else if frame.contains("PING") {
                    to_client.push_back(r#"{"type":"PONG"}"#.into());
                }
            }
            Op::DuplicateAck(i) => {
                if let (Some((_, to_client)), Some(gid)) = (
                    &mut self.link,
                    self.stored_order.get(i % self.stored_order.len().max(1)),
                ) {
                    to_client.push_back(ack(gid, self.stored[gid]));
                }
            }
            Op::ClientReads => {
                let frame = self.link.as_mut().and_then(|(_, c)| c.pop_front());
                if let Some(frame) = frame {
                    self.m.handle_frame(self.now, &frame);
                }
            }
            Op::ConnectOk if self.connecting => {
                self.connecting = false;
                self.link = Some((VecDeque::new(), VecDeque::new()));
                self.unanswered.clear();
                self.m.handle_connected(self.now);
            }
            Op::ConnectFails if self.connecting => {
                self.connecting = false;
                self.m
                    .handle_connect_failed(self.now, Error::Network("refused".into()));
            }
            Op::SyncAnswers => {
                if let Some(q) = self.sync.take() {
                    let page = self.page(&q);
                    self.m.handle_sync(self.now, Ok(page));
                }
            }
            Op::Drop => {
                if self.link.take().is_some() {
                    self.m
                        .handle_closed(self.now, Error::Network("reset".into()));
                }
            }
            Op::Tick(ms) => {
                self.now += Duration::from_millis(ms as u64);
                if self.m.poll_timeout().is_some_and(|t| t <= self.now) {
                    self.m.handle_timeout(self.now);
                }
            }
            Op::Pull => {
                for &id in &self.delivered[self.pulled..] {
                    self.m.app_received(id, self.now);
                }
                self.pulled = self.delivered.len();
            }
            Op::ConnectOk | Op::ConnectFails => {}
        }
        self.drain();
    }

    /// The server's answer to a catch-up query: the peer's messages after `after` (from the
    /// beginning when absent: this user is new).
    fn page(&self, q: &SyncQuery) -> SyncData {
        let after = q.after.unwrap_or(0);
        let limit = q.limit.unwrap_or(200) as usize;
        let newer: Vec<i64> = self.peer.iter().copied().filter(|&id| id > after).collect();
        let ids = &newer[..newer.len().min(limit)];
        super::tests::page(
            ids,
            ids.last().copied().unwrap_or(after),
            newer.len() > limit,
        )
    }

    /// Lets the link heal: every timer fires, connects succeed, pages are answered and every
    /// frame is read, until nothing moves.
    fn heal(&mut self) {
        for _ in 0..10_000 {
            if let Some(t) = self
                .m
                .poll_timeout()
                .filter(|_| self.m.phase != Phase::Open)
            {
                self.now = self.now.max(t);
                self.m.handle_timeout(self.now);
                self.drain();
            }
            let before = (self.m.phase, self.delivered.len(), self.completed.len());
            let busy = self.connecting
                || self.sync.is_some()
                || self
                    .link
                    .as_ref()
                    .is_some_and(|(s, c)| !s.is_empty() || !c.is_empty());
            for op in [
                Op::ConnectOk,
                Op::SyncAnswers,
                Op::ServerReads,
                Op::ClientReads,
            ] {
                self.apply(op);
            }
            let after = (self.m.phase, self.delivered.len(), self.completed.len());
            if !busy && before == after && self.m.phase == Phase::Open {
                return;
            }
        }
        panic!("the link did not heal");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_send_completes_once_and_every_message_arrives_once_in_order(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 0..120),
    ) {
        let mut w = World::played(seed, ops);
        w.heal();
        // Nothing the server stored for this user is missing.
        prop_assert_eq!(&w.delivered, &w.peer);
        // Every send reached the server once and was acknowledged with its id.
        prop_assert_eq!(w.completed.len() as u32, w.sends);
        prop_assert!(w.completed.values().all(|r| r.is_ok()));
        prop_assert_eq!(w.stored.len() as u32, w.sends);
        // Stopping now completes nothing twice.
        w.m.stop(Error::Closed);
        w.drain();
        prop_assert!(w.m.pending().is_empty());
    }

    #[test]
    fn stopping_at_any_point_completes_every_send_exactly_once(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 0..80),
    ) {
        let mut w = World::played(seed, ops);
        w.m.stop(Error::Closed);
        w.drain();
        prop_assert_eq!(w.completed.len() as u32, w.sends);
        for (waiter, outcome) in &w.completed {
            if let Err(e) = outcome {
                prop_assert_eq!(e, &Error::Closed, "send {} failed otherwise", waiter);
            }
        }
    }
}
