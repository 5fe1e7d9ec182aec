//! The session state machine: every rule of the SDK's link to the server — connect, catch up,
//! hold live messages until the catch-up is done, resend the outbox, match acknowledgements,
//! heartbeat, back off, tell the server what the app received, end when kicked or stopped —
//! with no I/O and no clock, the way `quinn-proto` is built.
//!
//! The driver (`client/connection.rs`) feeds it inputs (`handle_*`, [`SessionMachine::send`],
//! [`SessionMachine::app_received`], [`SessionMachine::stop`]), the timed ones with the time,
//! and polls its outputs: frames to write ([`SessionMachine::poll_transmit`]), what to do on
//! the network ([`SessionMachine::poll_action`]), the next deadline
//! ([`SessionMachine::poll_timeout`]), events for the app ([`SessionMachine::poll_events`])
//! and finished sends ([`SessionMachine::poll_completion`]). Time is a [`Duration`] since any
//! epoch the driver picks; tests pick a simulated one.
//!
//! ```text
//!  start ──► Starting ──(last sync page)──► Connecting ──(connected)──► CatchingUp
//!  (no cursor)  │                             ▲   │                        │ (last page)
//!               │          (a cursor) ────────┘   │ (failed)               ▼
//!               └──────(failed)───► Waiting ◄─────┴──────(lost, no PONG)── Open
//!                                   (backoff) ──(deadline)──► Starting / Connecting
//!  Kicked (any phase), an auth failure, or stop ──► Idle: the outbox fails, nothing more
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use chinwag_wire::ext::{SyncData, SyncQuery};

use crate::error::Error;
use crate::event::{ConnectionState, Event};
use crate::model::{Message, Notification, SentMessage, UserId};
use crate::proto::Gid;
use crate::proto::backoff::Backoff;
use crate::proto::events::from_event_frame;
use crate::proto::frames::{self, Incoming};
use crate::proto::inbound::Cursor;
use crate::proto::outbox::{Outbox, Withdrawn};

#[cfg(test)]
mod props;
#[cfg(test)]
pub(crate) mod tests;

/// How long the session gathers received messages before telling the server (one `RECEIVED`
/// frame, one database write on the server, for everything that arrived meanwhile). A crash
/// in this window only means those messages are offered again by the next catch-up.
pub const RECEIVED_DELAY: Duration = Duration::from_millis(200);

/// Most message frames written and not yet answered on one link. The server queues a bounded
/// number of frames per socket and closes one that falls that far behind; without a window, a
/// burst of sends (or the resend of a long outbox after a reconnect) made the server queue an
/// acknowledgement for each while the driver was still writing, and closed the socket, over
/// and over. Half the server's queue (1,024), so its other pushes still fit.
pub const SEND_WINDOW: usize = 512;

/// Timing and paging of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How often a heartbeat goes out; a link silent for one more interval after it is dead.
    pub heartbeat_interval: Duration,
    /// Reconnect delays.
    pub backoff: Backoff,
    /// Messages per catch-up page.
    pub sync_page: u32,
    /// See [`RECEIVED_DELAY`].
    pub received_delay: Duration,
    /// See [`SEND_WINDOW`].
    pub send_window: usize,
}

/// What the driver does on the network, besides writing frames.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open the extension socket; answer with [`SessionMachine::handle_connected`] or
    /// [`SessionMachine::handle_connect_failed`].
    Connect,
    /// Fetch one catch-up page (`GET /api/sync`); answer with [`SessionMachine::handle_sync`].
    Sync(SyncQuery),
    /// Write the frames already polled, close the socket, and drop any request in flight:
    /// their answers no longer matter.
    Disconnect,
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not started, or ended.
    Idle,
    /// No cursor yet: learning where the server starts, before any socket exists, so that
    /// every later message comes either live or from a catch-up.
    Starting,
    /// The socket is being opened.
    Connecting,
    /// The socket is open and the catch-up pages are being fetched; live messages wait.
    CatchingUp,
    /// Caught up: messages flow both ways.
    Open,
    /// Backing off until the deadline.
    Waiting(Duration),
}

/// Why the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The app stopped it (close, logout, a new login).
    Stopped,
    /// The server ended it for good (the token was revoked).
    Kicked(String),
}

/// The session state machine; `W` is whatever a sender waits on (a completion channel).
#[derive(Debug)]
pub struct SessionMachine<W> {
    settings: Settings,
    me: UserId,
    phase: Phase,
    ended: Option<Ended>,
    /// The highest message id handed to the app (live or caught up).
    cursor: Cursor,
    /// The highest message id the app has pulled from its event stream.
    app_has: Option<i64>,
    /// The last `RECEIVED` written on the current socket.
    told: Option<i64>,
    /// When to tell the server what the app received.
    received_at: Option<Duration>,
    outbox: Outbox<W>,
    /// Failed attempts since the last success.
    attempt: u32,
    /// Live messages that arrived during the catch-up, handed over after it.
    held: Vec<Message>,
    heartbeat_at: Option<Duration>,
    awaiting_pong: bool,
    /// Jitter for the backoff (splitmix64; seeded by the driver).
    rng: u64,
    connection: ConnectionState,
    last_error: Option<Error>,
    transmits: VecDeque<String>,
    actions: VecDeque<Action>,
    events: Vec<Event>,
    completions: VecDeque<Completion<W>>,
}

/// A finished send, as [`SessionMachine::poll_completion`] hands it over.
#[derive(Debug)]
pub struct Completion<W> {
    /// The send's gid (the outbox's own, handed over: the waiter need not keep a copy).
    pub gid: Gid,
    /// Whoever waits for it.
    pub waiter: W,
    /// Stored (or dropped by a delivery rule), or why not.
    pub outcome: Result<SentMessage, Error>,
}

impl<W> SessionMachine<W> {
    /// An idle session; `seed` seeds the backoff jitter.
    pub fn new(settings: Settings, seed: u64) -> Self {
        SessionMachine {
            settings,
            me: 0,
            phase: Phase::Idle,
            ended: None,
            cursor: Cursor::default(),
            app_has: None,
            told: None,
            received_at: None,
            outbox: Outbox::default(),
            attempt: 0,
            held: Vec::new(),
            heartbeat_at: None,
            awaiting_pong: false,
            rng: seed,
            connection: ConnectionState::Disconnected,
            last_error: None,
            transmits: VecDeque::new(),
            actions: VecDeque::new(),
            events: Vec::new(),
            completions: VecDeque::new(),
        }
    }

    /// Continue after message `cursor` (`None`: let the server choose where to start).
    pub fn resume_from(&mut self, cursor: Option<i64>) {
        self.cursor = Cursor::new(cursor);
        self.app_has = cursor;
    }

    /// Starts (or restarts) the session of user `me`.
    pub fn start(&mut self, me: UserId) {
        if self.phase != Phase::Idle {
            self.actions.push_back(Action::Disconnect);
        }
        self.me = me;
        self.ended = None;
        self.attempt = 0;
        self.set_connection(ConnectionState::Connecting);
        self.connect();
    }

    /// Queues a message frame with `gid`; it goes out when the link is open and fewer than
    /// [`Settings::send_window`] sends wait for an answer, again after every reconnect until
    /// the server answers, and `waiter` is completed once.
    ///
    /// True if it can go out now (the link is open and the window has room): the driver has
    /// a frame to write. False if it waits for an answer or a link, whose arrival is an input
    /// of its own — so a burst of sends beyond the window wakes the driver for nothing.
    #[must_use = "true: the driver has the frame to write"]
    pub fn send(&mut self, gid: Gid, frame: String, waiter: W) -> bool {
        self.outbox.push(gid, frame, waiter);
        self.phase == Phase::Open && self.outbox.len() <= self.settings.send_window
    }

    /// Takes back the send with `gid` if it has not been written on the current link: its
    /// waiter completes with `InvalidInput` ("discarded") and it is never sent. `Ok(false)`:
    /// no such send waits; `Err`: it is already on its way (the server may store it).
    pub fn discard(&mut self, gid: &str) -> Result<bool, Error> {
        match self.outbox.withdraw(gid) {
            Withdrawn::Taken((gid, waiter)) => {
                let discarded = Error::InvalidInput(format!("send {gid} was discarded"));
                self.complete(gid, waiter, Err(discarded));
                Ok(true)
            }
            Withdrawn::Absent => Ok(false),
            Withdrawn::Written => Err(Error::InvalidInput(format!(
                "send {gid} is already written to the server, which may store it; wait for its answer"
            ))),
        }
    }

    /// The app pulled message `id` from its events; true if that is news. The server is told
    /// [`Settings::received_delay`] later, once for everything pulled meanwhile.
    pub fn app_received(&mut self, id: i64, now: Duration) -> bool {
        if self.app_has.is_some_and(|has| id <= has) {
            return false;
        }
        self.app_has = Some(id);
        if self.received_at.is_none() {
            self.received_at = Some(now + self.settings.received_delay);
        }
        true
    }

    /// Ends the session: the last `RECEIVED` goes out if the link is open, every send still
    /// waiting fails with `error`, and nothing more happens until [`SessionMachine::start`].
    pub fn stop(&mut self, error: Error) {
        if self.phase == Phase::Open {
            self.write_outbox();
            self.tell_received();
        }
        if self.phase != Phase::Idle {
            self.actions.push_back(Action::Disconnect);
        }
        self.finish(Ended::Stopped, error);
    }

    /// The socket opened.
    pub fn handle_connected(&mut self, _now: Duration) {
        if self.phase == Phase::Connecting {
            self.phase = Phase::CatchingUp;
            self.request_sync();
        }
    }

    /// The socket could not be opened; [`Error::Auth`] means the token is no longer good.
    pub fn handle_connect_failed(&mut self, now: Duration, error: Error) {
        if self.phase == Phase::Connecting {
            self.failed(now, error);
        }
    }

    /// A catch-up page arrived (or its request failed).
    pub fn handle_sync(&mut self, now: Duration, page: Result<SyncData, Error>) {
        if !matches!(self.phase, Phase::Starting | Phase::CatchingUp) {
            return;
        }
        let page = match page {
            Ok(page) => page,
            Err(e) => return self.failed(now, e),
        };
        let before = self.cursor.last();
        for frame in page.messages {
            if let Some(message) = Message::from_frame(frame, self.me) {
                self.deliver(message);
            }
        }
        if page.more {
            if self.cursor.last() == before {
                // A page that says "more" but moves nothing would be asked for forever.
                let e =
                    Error::Server("a catch-up page said more follow but held nothing new".into());
                return self.lost(now, e);
            }
            return self.request_sync();
        }
        match self.phase {
            Phase::Starting => {
                self.cursor.advance_to(page.cursor);
                self.phase = Phase::Connecting;
                self.actions.push_back(Action::Connect);
            }
            _ => self.opened(now),
        }
    }

    /// A text frame arrived on the socket: [`SessionMachine::handle_incoming`] of
    /// [`frames::parse`]`(text)`.
    pub fn handle_frame(&mut self, now: Duration, text: &str) {
        self.handle_incoming(now, frames::parse(text));
    }

    /// A frame arrived on the socket, read by [`frames::parse`] (which a driver runs outside
    /// its lock: reading is most of a frame's cost, and the app's sends wait on that lock).
    pub fn handle_incoming(&mut self, _now: Duration, incoming: frames::Parsed) {
        if !matches!(self.phase, Phase::CatchingUp | Phase::Open) {
            return;
        }
        self.awaiting_pong = false;
        // A frame the SDK cannot read is skipped; the link stays useful.
        let Ok(incoming) = incoming else {
            return;
        };
        match incoming {
            Incoming::Message(frame) => {
                let updated = frame.updated;
                if let Some(message) = Message::from_frame(frame, self.me) {
                    // An update of a message handed over already; one not seen yet is new.
                    if updated && self.cursor.last().is_some_and(|last| message.id <= last) {
                        self.events.push(Event::MessageUpdated(message));
                        return;
                    }
                    if self.phase == Phase::CatchingUp {
                        self.held.push(message);
                    } else {
                        self.deliver(message);
                    }
                }
            }
            Incoming::Ack(ack) => {
                if let Some((gid, waiter)) = self.outbox.complete(&ack.gid) {
                    let sent = SentMessage {
                        gid: ack.gid,
                        id: ack.id,
                        timestamp_ms: ack.timestamp,
                    };
                    self.complete(gid, waiter, Ok(sent));
                }
            }
            // A server failure (5xx: "please retry") stored nothing: the send stays in the
            // outbox and goes out again on the next link, like one that was never answered.
            Incoming::Error(error) if error.code >= 500 => {}
            Incoming::Error(error) => {
                if let Some((gid, waiter)) = error.gid.and_then(|gid| self.outbox.complete(&gid)) {
                    let refused = Error::from_status(error.code, error.message);
                    self.complete(gid, waiter, Err(refused));
                }
            }
            Incoming::Notification(frame) => {
                let raw = serde_json::to_string(&frame.body).unwrap_or_default();
                self.events.push(Event::Notification(Notification {
                    kind: frame.body.notification_type,
                    content: frame.body.content.to_string(),
                    raw,
                }));
            }
            Incoming::Event(frame) => self.events.extend(from_event_frame(frame)),
            Incoming::Kicked(kicked) => self.kick(kicked.reason),
            Incoming::Pong | Incoming::Unknown => {}
        }
    }

    /// The socket closed or failed.
    pub fn handle_closed(&mut self, now: Duration, error: Error) {
        if matches!(self.phase, Phase::CatchingUp | Phase::Open) {
            self.lost(now, error);
        }
    }

    /// The deadline from [`SessionMachine::poll_timeout`] passed (early calls do nothing).
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Phase::Waiting(until) = self.phase {
            if now >= until {
                self.connect();
            }
        }
        if self.received_at.is_some_and(|at| now >= at) {
            self.received_at = None;
            // Not open: the next link tells it as soon as it opens.
            if self.phase == Phase::Open {
                self.tell_received();
            }
        }
        if self.phase == Phase::Open && self.heartbeat_at.is_some_and(|at| now >= at) {
            if self.awaiting_pong {
                let dead = Error::Network("no heartbeat answer: the connection is dead".into());
                return self.lost(now, dead);
            }
            self.awaiting_pong = true;
            self.transmits.push_back(frames::ping());
            self.heartbeat_at = Some(now + self.settings.heartbeat_interval);
        }
    }

    /// The next frame to write.
    pub fn poll_transmit(&mut self) -> Option<String> {
        if self.transmits.is_empty() && self.phase == Phase::Open {
            self.write_outbox();
        }
        self.transmits.pop_front()
    }

    /// The next thing to do on the network.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`SessionMachine::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let waiting = match self.phase {
            Phase::Waiting(until) => Some(until),
            _ => None,
        };
        let open = self.phase == Phase::Open;
        [
            waiting,
            self.heartbeat_at.filter(|_| open),
            self.received_at.filter(|_| open),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The events for the app since the last call, in order (taken at once: an event is
    /// moved only into the app's hands, not once per step on the way).
    pub fn poll_events(&mut self) -> Vec<Event> {
        // Room for as many next time: a burst's events are not moved again as the list grows.
        let room = Vec::with_capacity(self.events.len());
        std::mem::replace(&mut self.events, room)
    }

    /// The next finished send: its gid, waiter and outcome.
    pub fn poll_completion(&mut self) -> Option<Completion<W>> {
        self.completions.pop_front()
    }

    /// How the session ended, once it has.
    pub fn ended(&self) -> Option<&Ended> {
        self.ended.as_ref()
    }

    /// The connection state last reported.
    pub fn connection_state(&self) -> ConnectionState {
        self.connection
    }

    /// Why the last attempt failed or the last link broke.
    pub fn last_error(&self) -> Option<&Error> {
        self.last_error.as_ref()
    }

    /// Gids of sends waiting for the server, oldest first.
    pub fn pending(&self) -> Vec<String> {
        self.outbox.pending()
    }

    /// The highest message id handed to the app.
    pub fn cursor(&self) -> Option<i64> {
        self.cursor.last()
    }

    fn connect(&mut self) {
        self.held.clear();
        self.heartbeat_at = None;
        self.awaiting_pong = false;
        if self.cursor.last().is_none() {
            self.phase = Phase::Starting;
            self.request_sync();
        } else {
            self.phase = Phase::Connecting;
            self.actions.push_back(Action::Connect);
        }
    }

    fn request_sync(&mut self) {
        self.actions.push_back(Action::Sync(SyncQuery {
            after: self.cursor.last(),
            limit: Some(self.settings.sync_page),
        }));
    }

    /// Caught up: hand over what was held, resend the outbox, start the heartbeat.
    fn opened(&mut self, now: Duration) {
        self.phase = Phase::Open;
        self.attempt = 0;
        for message in std::mem::take(&mut self.held) {
            self.deliver(message);
        }
        self.outbox.rewind();
        self.told = None;
        self.heartbeat_at = Some(now + self.settings.heartbeat_interval);
        self.awaiting_pong = false;
        self.set_connection(ConnectionState::Connected);
        self.write_outbox();
        self.tell_received();
    }

    /// An attempt failed: an auth failure ends the session, anything else backs off.
    fn failed(&mut self, now: Duration, error: Error) {
        match error {
            Error::Auth(reason) => self.kick(reason),
            other => self.lost(now, other),
        }
    }

    /// The link broke or could not be made: drop it and wait before the next attempt.
    fn lost(&mut self, now: Duration, error: Error) {
        self.actions.push_back(Action::Disconnect);
        self.transmits.clear();
        self.held.clear();
        self.heartbeat_at = None;
        self.awaiting_pong = false;
        self.last_error = Some(error);
        self.attempt = self.attempt.saturating_add(1);
        let random = self.random();
        let delay = self.settings.backoff.delay(self.attempt, random);
        self.phase = Phase::Waiting(now + delay);
        self.set_connection(ConnectionState::Reconnecting {
            attempt: self.attempt,
            retry_in_ms: delay.as_millis() as u64,
        });
    }

    /// The server ended the session for good.
    fn kick(&mut self, reason: String) {
        self.actions.push_back(Action::Disconnect);
        self.events.push(Event::Kicked {
            reason: reason.clone(),
        });
        let error = Error::Auth("the session was ended by the server".into());
        self.finish(Ended::Kicked(reason), error);
    }

    fn finish(&mut self, how: Ended, error: Error) {
        self.phase = Phase::Idle;
        self.ended = Some(how);
        self.held.clear();
        self.heartbeat_at = None;
        self.received_at = None;
        self.awaiting_pong = false;
        for (gid, waiter) in self.outbox.drain() {
            self.complete(gid, waiter, Err(error.clone()));
        }
        self.set_connection(ConnectionState::Disconnected);
    }

    fn complete(&mut self, gid: Gid, waiter: W, outcome: Result<SentMessage, Error>) {
        self.completions.push_back(Completion {
            gid,
            waiter,
            outcome,
        });
    }

    fn deliver(&mut self, message: Message) {
        if self.cursor.accept(message.id) {
            self.events.push(Event::Message(message));
        }
    }

    fn write_outbox(&mut self) {
        let window = self.settings.send_window;
        self.transmits.extend(self.outbox.take_unwritten(window));
    }

    fn tell_received(&mut self) {
        if let Some(has) = self.app_has {
            if self.told.is_none_or(|told| has > told) {
                self.transmits.push_back(frames::received(has));
                self.told = Some(has);
            }
        }
    }

    fn set_connection(&mut self, state: ConnectionState) {
        if self.connection != state {
            self.connection = state;
            self.events.push(Event::Connection(state));
        }
    }

    /// splitmix64.
    fn random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
