//! The client: one per logged-in user. Its methods are grouped by family (`client.auth()`,
//! `client.messages()`, …); its events come through [`Client::events`].

mod auth;
mod chats;
mod connection;
mod files;
mod friends;
mod groups;
mod messages;
mod options;
mod persist;
mod requests;
mod socket;
mod tasks;
mod users;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use futures::future::{Either, select};
use futures::{FutureExt, Stream};
use serde::Serialize;
use serde::de::DeserializeOwned;

use chinwag_wire::ext::CallRequest;
use chinwag_wire::xuanxuan::Pager;

pub use auth::Auth;
pub use chats::Chats;
pub use files::Files;
pub use friends::Friends;
pub use groups::Groups;
pub use messages::{Messages, Receipt};
pub use options::ClientOptions;
pub use requests::Requests;
pub use users::Users;

use crate::error::{Error, Result};
use crate::event::{ConnectionState, Event};
use crate::model::{Chat, SentMessage, Session, Target, User, UserId};
use crate::proto::backoff::Backoff;
use crate::proto::cache::{self, MessageCache};
use crate::proto::rest::{self, Endpoint, Framing};
use crate::proto::session::{Action, Ended, RECEIVED_DELAY, SEND_WINDOW, SessionMachine, Settings};
use crate::runtime::{HttpResponse, Runtime, WsSink, now, random_bytes, random_u64, unix_ms};
use crate::store::{Changes, Store};
use tasks::Tasks;

/// How a client behaves; built with [`ClientBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The server's base URL, e.g. `http://127.0.0.1:8080` (`https://` uses rustls; the socket
    /// follows as `ws://` / `wss://`).
    pub server: String,
    /// Longest wait for an HTTP answer.
    pub request_timeout: Duration,
    /// Longest wait for the socket to open.
    pub connect_timeout: Duration,
    /// How often a heartbeat goes out; a connection that stays silent for one more interval
    /// after it counts as dead.
    pub heartbeat_interval: Duration,
    /// Reconnect delays.
    pub backoff: Backoff,
    /// Messages fetched per page when catching up after a (re)connect.
    pub sync_page: u32,
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    config: Config,
    runtime: Option<Arc<dyn Runtime>>,
    store: Option<StoreChoice>,
    message_cache: usize,
}

/// Where a client built by a [`ClientBuilder`] keeps what must outlive it.
enum StoreChoice {
    Given(Arc<dyn Store>),
    #[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
    Path(std::path::PathBuf),
}

impl ClientBuilder {
    /// A builder for the server at `server` (its base URL).
    pub fn new(server: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            config: Config {
                server: server.into().trim_end_matches('/').to_string(),
                request_timeout: Duration::from_secs(30),
                connect_timeout: Duration::from_secs(10),
                heartbeat_interval: Duration::from_secs(15),
                backoff: Backoff {
                    base: Duration::from_millis(250),
                    cap: Duration::from_secs(30),
                },
                sync_page: 200,
            },
            runtime: None,
            store: None,
            message_cache: cache::DEFAULT_LIMIT,
        }
    }

    /// The server's base URL, as the client will use it.
    pub fn server(&self) -> &str {
        &self.config.server
    }

    /// Runs on `runtime` instead of the default adapter.
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> ClientBuilder {
        self.runtime = Some(runtime);
        self
    }

    /// Keeps the session, the unacknowledged sends, the chat list, the latest messages of each
    /// conversation with unread counts, and the users seen in `store`: a client built on a
    /// store that holds a session resumes it at once (no login), shows what it kept offline,
    /// and the sends it holds go out again with their gids, so the server stores each once.
    /// Without a store, nothing outlives the client.
    pub fn store(mut self, store: Arc<dyn Store>) -> ClientBuilder {
        self.store = Some(StoreChoice::Given(store));
        self
    }

    /// Keeps what [`ClientBuilder::store`] says in the SQLite file at `path` (created
    /// if missing); see [`ClientBuilder::store`]. [`ClientBuilder::build`] fails with
    /// [`Error::Store`] if another client holds the file, or if it is damaged, not a store,
    /// from a newer SDK or of another server: the file is left as it was.
    #[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
    pub fn store_path(mut self, path: impl Into<std::path::PathBuf>) -> ClientBuilder {
        self.store = Some(StoreChoice::Path(path.into()));
        self
    }

    /// Keeps the latest `messages` stored messages of each conversation (default 100) for
    /// [`Messages::recent`] — in the store too, if the client has one. Your sends not stored
    /// yet are kept whatever the number.
    pub fn message_cache(mut self, messages: usize) -> ClientBuilder {
        self.message_cache = messages;
        self
    }

    /// Sets the HTTP request timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.request_timeout = timeout;
        self
    }

    /// Sets the socket connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.connect_timeout = timeout;
        self
    }

    /// Sets the heartbeat interval.
    pub fn heartbeat_interval(mut self, interval: Duration) -> ClientBuilder {
        self.config.heartbeat_interval = interval;
        self
    }

    /// Sets the reconnect backoff: the first delay's ceiling and the largest ceiling.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> ClientBuilder {
        self.config.backoff = Backoff { base, cap };
        self
    }

    /// Sets how many messages each catch-up page fetches (1–1000).
    pub fn sync_page(mut self, messages: u32) -> ClientBuilder {
        self.config.sync_page = messages.clamp(1, 1000);
        self
    }

    /// The client. Fails if no runtime was given and no default adapter applies (e.g. the
    /// `tokio` feature outside a tokio runtime), or if the store cannot be read at once (an
    /// IndexedDB store: use [`ClientBuilder::build_async`]).
    pub fn build(self) -> Result<Client> {
        let (parts, store) = self.prepare()?;
        let saved = match &store {
            Some(store) => Some(persist::load_now(&**store)?),
            None => None,
        };
        Ok(parts.finish(store, saved))
    }

    /// The client, once what its store holds is read (for stores that answer asynchronously,
    /// such as IndexedDB); otherwise as [`ClientBuilder::build`].
    pub async fn build_async(self) -> Result<Client> {
        let (parts, store) = self.prepare()?;
        let saved = match &store {
            Some(store) => Some(store.load().await?),
            None => None,
        };
        Ok(parts.finish(store, saved))
    }

    /// Checks the settings and opens the store.
    fn prepare(self) -> Result<(Parts, Option<Arc<dyn Store>>)> {
        let runtime = match self.runtime {
            Some(rt) => rt,
            None => default_runtime()?,
        };
        if !self.config.server.starts_with("http://") && !self.config.server.starts_with("https://")
        {
            return Err(Error::InvalidInput(format!(
                "server URL must start with http:// or https://, got \"{}\"",
                self.config.server
            )));
        }
        let store: Option<Arc<dyn Store>> = match self.store {
            None => None,
            Some(StoreChoice::Given(store)) => Some(store),
            #[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
            Some(StoreChoice::Path(path)) => Some(Arc::new(crate::store::SqliteStore::open(
                path,
                &self.config.server,
            )?)),
        };
        let parts = Parts {
            config: self.config,
            runtime,
            message_cache: self.message_cache,
        };
        Ok((parts, store))
    }
}

/// A builder's checked settings.
struct Parts {
    config: Config,
    runtime: Arc<dyn Runtime>,
    message_cache: usize,
}

impl Parts {
    /// The client on `store`, which held `saved`: it resumes a saved session at once.
    fn finish(self, store: Option<Arc<dyn Store>>, saved: Option<crate::store::Saved>) -> Client {
        let settings = Settings {
            heartbeat_interval: self.config.heartbeat_interval,
            backoff: self.config.backoff,
            sync_page: self.config.sync_page,
            received_delay: RECEIVED_DELAY,
            send_window: SEND_WINDOW,
        };
        let mut state = State {
            session: None,
            machine: SessionMachine::new(settings, random_u64()),
            subscribers: Vec::new(),
            backlog: Vec::new(),
            wake: None,
            wake_pending: false,
            socket: Default::default(),
            closed: false,
            store,
            store_work: Default::default(),
            session_changed: false,
            session_version: 0,
            store_error: None,
            chats: Vec::new(),
            cache: MessageCache::new(self.message_cache),
            users: BTreeMap::new(),
        };
        let resume = saved.is_some_and(|saved| state.resume(saved));
        let inner = Arc::new(Inner {
            config: self.config,
            rt: self.runtime,
            state: Mutex::new(state),
            tasks: Tasks::default(),
            store_written: Mutex::new(0),
        });
        if resume {
            // Nobody waits for the first attempt: the app hears of it through its events.
            let (settled, _) = oneshot::channel();
            inner.start(settled);
        }
        Client {
            _owner: Arc::new(Owner(inner.clone())),
            inner,
        }
    }
}

#[allow(unreachable_code)]
fn default_runtime() -> Result<Arc<dyn Runtime>> {
    #[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
    {
        return match tokio::runtime::Handle::try_current() {
            Ok(handle) => Ok(Arc::new(crate::runtime::TokioRuntime::with_handle(handle))),
            Err(_) => Err(Error::InvalidInput(
                "no tokio runtime here: build the client inside one, or pass .runtime(...)".into(),
            )),
        };
    }
    #[cfg(all(feature = "smol", not(target_arch = "wasm32")))]
    {
        return Ok(Arc::new(crate::runtime::SmolRuntime::new()));
    }
    #[cfg(all(feature = "browser", target_arch = "wasm32"))]
    {
        return Ok(Arc::new(crate::runtime::BrowserRuntime::new()));
    }
    Err(Error::InvalidInput(
        "no runtime adapter enabled: pass .runtime(...) or enable a runtime feature".into(),
    ))
}

/// A Chinwag client. Cheap to clone; every clone is the same client. Dropping the last clone
/// (or calling [`Client::close`]) ends its background tasks.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    _owner: Arc<Owner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.inner.config.server)
            .field("user", &self.user_id())
            .finish_non_exhaustive()
    }
}

/// Ends the background tasks when the last user-held clone goes away (tasks hold only the
/// inner state, not this).
struct Owner(Arc<Inner>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.shut_down(None);
        self.0.tasks.abort_all();
    }
}

/// Who waits for a send, as the machine holds it and hands it back with the gid: the
/// sender's channel, and where the send's echo is in its conversation (none for a send the
/// store kept without one).
#[derive(Debug)]
pub(crate) struct Waiter {
    tx: oneshot::Sender<Result<SentMessage>>,
    echo: Option<cache::Place>,
}

pub(crate) struct State {
    session: Option<Session>,
    /// Every rule of the link to the server (see `proto::session`).
    machine: SessionMachine<Waiter>,
    /// Each event stream's channel; a turn's events go as one batch.
    subscribers: Vec<mpsc::UnboundedSender<Vec<Event>>>,
    /// Events from before anyone subscribed.
    backlog: Vec<Event>,
    /// Wakes the connection driver: the machine has new inputs from the app.
    wake: Option<mpsc::UnboundedSender<()>>,
    /// A wake-up is on its way (one is enough however many sends come before it runs).
    wake_pending: bool,
    /// The socket's write half between driver turns (see `socket.rs`).
    socket: socket::Parked,
    closed: bool,
    /// Where the client keeps what must outlive it (see `persist.rs`); given up by `close`.
    store: Option<Arc<dyn Store>>,
    /// Store writes for the driver's next turn.
    store_work: Changes,
    /// The session (or its cursor) changed since the last store write.
    session_changed: bool,
    /// Counts the session's changes: a store write of an older one than the store holds is
    /// skipped (see [`Inner::persist`]).
    session_version: u64,
    /// The last store write that failed.
    store_error: Option<Error>,
    /// The chat list as last fetched (or loaded from the store).
    chats: Vec<Chat>,
    /// The latest messages of each conversation, your unsent sends, unread counts.
    cache: MessageCache,
    /// The users seen.
    users: BTreeMap<UserId, User>,
}

impl State {
    /// Hands a batch of events to every subscriber (or the backlog if there is none yet): a
    /// clone to each but the last, the batch itself to the last.
    fn emit(&mut self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        self.subscribers.retain(|s| !s.is_closed());
        match self.subscribers.split_last() {
            None => self.backlog.extend(events),
            Some((last, others)) => {
                for s in others {
                    let _ = s.unbounded_send(events.clone());
                }
                let _ = last.unbounded_send(events);
            }
        }
    }

    /// Hands the machine's events to the app and its finished sends to their senders; true
    /// if an event ended an attempt to connect (`Connected`, `Reconnecting`, `Disconnected`).
    fn publish(&mut self) -> bool {
        let events = self.machine.poll_events();
        self.keep(&events);
        let settled = events.iter().any(|event| {
            matches!(
                event,
                Event::Connection(
                    ConnectionState::Connected
                        | ConnectionState::Reconnecting { .. }
                        | ConnectionState::Disconnected
                )
            )
        });
        self.emit(events);
        self.finish_sends();
        settled
    }

    /// Keeps what `events` tell of the user's conversations and of the users seen.
    fn keep(&mut self, events: &[Event]) {
        let me = self.session.as_ref().map_or(0, |s| s.user_id);
        for event in events {
            let seen = match event {
                Event::Message(m) | Event::MessageUpdated(m) => {
                    let (cache, store) = self.cache();
                    cache.receive(m, me, store);
                    continue;
                }
                Event::UserChanged(user) => user.clone(),
                Event::Presence { user, status } => match self.users.get(user) {
                    Some(user) => User {
                        status: status.clone(),
                        ..user.clone()
                    },
                    None => continue,
                },
                _ => continue,
            };
            let changes = self.keep_users([seen]);
            self.store_work.users.extend(changes.users);
        }
    }

    /// Hands the machine's finished sends to their senders (and their gids to the store).
    fn finish_sends(&mut self) {
        while let Some(done) = self.machine.poll_completion() {
            self.store_finished(&done.gid, done.waiter.echo, &done.outcome);
            let _ = done.waiter.tx.send(done.outcome);
        }
    }

    /// Writes the machine's frames from the caller's thread if the driver is not writing;
    /// false if the driver must be woken to (see `socket.rs`).
    fn write_now(&mut self) -> bool {
        self.socket.write_now(&mut self.machine)
    }

    /// Wakes the driver unless a wake-up is already on its way.
    fn wake(&mut self) {
        if !self.wake_pending {
            if let Some(tx) = &self.wake {
                self.wake_pending = tx.unbounded_send(()).is_ok();
            }
        }
    }
}

/// What a driver turn leaves for the driver to do outside the lock.
pub(crate) struct Outputs {
    /// Network actions.
    actions: Vec<Action>,
    /// The next deadline.
    timeout: Option<Duration>,
    /// The session has ended: the driver writes the last frames and stops.
    ended: bool,
    /// An event of this turn ended an attempt to connect (see `connection::run`).
    settled: bool,
    /// Store writes to make before the frames are written.
    store: Option<(Changes, u64)>,
    /// The socket's write half, back from between turns.
    sink: Option<WsSink>,
    /// Frames written from the app's thread wait to be flushed.
    flush: bool,
}

pub(crate) struct Inner {
    config: Config,
    rt: Arc<dyn Runtime>,
    state: Mutex<State>,
    tasks: Tasks,
    /// The version of the session last written to the store; held while a store that
    /// writes at once writes, so that its writes land in version order.
    store_written: Mutex<u64>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Client")
    }
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn token(&self) -> Option<String> {
        self.state().session.as_ref().map(|s| s.token.clone())
    }

    fn me(&self) -> Result<UserId> {
        self.state()
            .session
            .as_ref()
            .map(|s| s.user_id)
            .ok_or_else(|| Error::Auth("not logged in".into()))
    }

    /// One turn of the driver, under one lock: feeds the machine (`input`, at the current
    /// time), hands its events to the app and its finished sends to their senders, and
    /// returns what is left for the driver to do (the frames to write are added to
    /// `transmits`). A kicked session is forgotten before the app hears of it, so nothing it
    /// does next uses the session.
    fn turn(
        &self,
        transmits: &mut Vec<String>,
        input: impl FnOnce(&mut SessionMachine<Waiter>, Duration),
    ) -> Outputs {
        let mut state = self.state();
        state.wake_pending = false;
        let now = now();
        let parked = state.socket.reclaim();
        input(&mut state.machine, now);
        if let Some(failed) = parked.failed {
            state.machine.handle_closed(now, failed.into());
        }
        let ended = state.machine.ended().cloned();
        if let Some(Ended::Kicked(_)) = ended {
            state.wake = None;
            state.forget_session();
        }
        let settled = state.publish();
        let m = &mut state.machine;
        transmits.extend(std::iter::from_fn(|| m.poll_transmit()));
        Outputs {
            actions: std::iter::from_fn(|| m.poll_action()).collect(),
            timeout: m.poll_timeout(),
            ended: ended.is_some(),
            settled,
            store: state.take_store_work(),
            sink: parked.sink,
            flush: parked.unflushed,
        }
    }

    /// Leaves the driver's write half (or none) for the app's thread until the next turn.
    fn park_socket(&self, sink: Option<WsSink>) {
        self.state().socket.park(sink);
    }

    /// The app pulled message `id` from an event stream. The driver is woken only when that
    /// arms the `RECEIVED` timer. With a store that writes at once, the cursor is saved here,
    /// before the app has the message: after a crash, nothing is handed over twice.
    fn app_received(&self, id: i64) {
        let mut state = self.state();
        let deadline = state.machine.poll_timeout();
        if !state.machine.app_received(id, now()) {
            return;
        }
        if let Some(session) = &mut state.session {
            session.cursor = Some(id);
        }
        state.store_session();
        if state.machine.poll_timeout() != deadline {
            state.wake();
        }
        if state.store.as_ref().is_some_and(|s| s.writes_at_once()) {
            state.session_changed = false;
            let version = state.session_version;
            let changes = Changes {
                session: Some(state.session.clone()),
                ..Changes::default()
            };
            drop(state);
            // Such a store has written when `persist` first yields: it completes here.
            let _ = self.persist(changes, version).now_or_never();
        }
    }

    /// Makes the store writes gathered so far, outside a driver turn.
    async fn flush_store(&self) {
        let work = self.state().take_store_work();
        if let Some((changes, version)) = work {
            self.persist(changes, version).await;
        }
    }

    /// Makes store writes (as one transaction); `version` is that of the session in them, if
    /// any (see [`State::take_store_work`]). A failure is kept for [`Client::store_error`]
    /// (the sends stay in memory and still go out; only their surviving a restart is lost).
    async fn persist(&self, changes: Changes, version: u64) {
        let store = self.state().store.clone();
        if let (Some(store), false) = (store, changes.is_empty()) {
            if let Err(e) = self.write_in_order(&*store, changes, version).await {
                self.state().store_error = Some(e.into());
            }
        }
    }

    /// Starts `changes` on `store`, dropping a session older than the one written last (a
    /// cursor saved as the app pulled a message is not undone by a driver turn's older
    /// copy). A store that writes at once has written when this returns.
    fn write_in_order<'s>(
        &self,
        store: &'s dyn Store,
        mut changes: Changes,
        version: u64,
    ) -> crate::runtime::BoxFuture<'s, std::result::Result<(), crate::store::StoreError>> {
        let mut written = self.store_written.lock().unwrap_or_else(|p| p.into_inner());
        if changes.session.is_some() {
            if version < *written {
                changes.session = None;
            } else {
                *written = version;
            }
        }
        store.apply(changes)
    }

    /// Starts the session machine and its driver for the current session (stopping any
    /// earlier driver); `settled` is told once the first attempt to connect succeeded or
    /// failed.
    fn start(self: &Arc<Self>, settled: oneshot::Sender<()>) {
        self.tasks.abort_all();
        let (tx, rx) = mpsc::unbounded();
        {
            let mut state = self.state();
            let me = state.session.as_ref().map_or(0, |s| s.user_id);
            state.wake = Some(tx);
            state.wake_pending = false;
            state.socket = Default::default();
            state.machine.start(me);
        }
        let inner = self.clone();
        self.tasks
            .spawn(&*self.rt, Box::pin(connection::run(inner, rx, settled)));
    }

    /// Ends the session locally: waiting sends fail with `error` (`None`: [`Error::Closed`])
    /// and the driver writes the last frames, drops the socket and ends.
    fn shut_down(&self, error: Option<Error>) {
        let mut state = self.state();
        state.machine.stop(error.unwrap_or(Error::Closed));
        state.publish();
        state.wake();
    }

    /// Runs `future` with the request timeout.
    async fn with_timeout<T>(
        &self,
        future: crate::runtime::BoxFuture<
            'static,
            std::result::Result<T, crate::runtime::TransportError>,
        >,
        timeout: Duration,
        what: &str,
    ) -> Result<T> {
        match select(future, self.rt.sleep(timeout)).await {
            Either::Left((result, _)) => result.map_err(Error::from),
            Either::Right(_) => Err(Error::Network(format!(
                "{what} timed out after {} ms",
                timeout.as_millis()
            ))),
        }
    }

    /// Performs `endpoint` with `token` within the request timeout; any status is an answer.
    async fn fetch(&self, endpoint: &Endpoint, token: Option<&str>) -> Result<HttpResponse> {
        let request = endpoint.request(&self.config.server, token);
        let what = format!("{} {}", endpoint.method, endpoint.path);
        self.with_timeout(self.rt.http(request), self.config.request_timeout, &what)
            .await
    }

    /// Performs `endpoint` with `token`, decoding the answer.
    async fn call_as<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        token: Option<&str>,
    ) -> Result<(T, Option<Pager>)> {
        let response = self.fetch(&endpoint, token).await?;
        rest::decode(endpoint.framing, &response)
    }

    /// The logged-in user's token.
    fn require_token(&self) -> Result<String> {
        self.token()
            .ok_or_else(|| Error::Auth("not logged in".into()))
    }

    /// Performs `endpoint` as the logged-in user.
    async fn call<T: DeserializeOwned>(&self, endpoint: Endpoint) -> Result<T> {
        let token = self.require_token()?;
        Ok(self.call_as(endpoint, Some(&token)).await?.0)
    }

    /// Calls xuanxuan chat `method` through `POST /api/call`.
    async fn xuanxuan<T: DeserializeOwned, P: Serialize>(
        &self,
        method: &str,
        params: P,
    ) -> Result<(T, Option<Pager>)> {
        self.xuanxuan_in("chat", method, params).await
    }

    /// Calls xuanxuan `module`/`method` through `POST /api/call`.
    async fn xuanxuan_in<T: DeserializeOwned, P: Serialize>(
        &self,
        module: &str,
        method: &str,
        params: P,
    ) -> Result<(T, Option<Pager>)> {
        let token = self.require_token()?;
        let body = CallRequest {
            module: module.into(),
            method: method.into(),
            params: serde_json::to_value(params)
                .map_err(|e| Error::InvalidInput(format!("cannot encode params: {e}")))?,
        };
        let endpoint = Endpoint::new("POST", "/api/call", Framing::Call).json(&body)?;
        self.call_as(endpoint, Some(&token)).await
    }
}

/// A new client gid: `c-` and 32 hex digits, the time in unix milliseconds (48 bits) and then
/// 80 random bits. Time first, so that a sender's gids sort in the order they were made: the
/// server's unique (sender, gid) index then grows at its end, where random gids made each
/// message of a commit dirty a page of its own (docs/BENCHMARKS.md, fourth round).
pub(crate) fn new_gid() -> String {
    let mut bytes = [0u8; 16];
    // Big-endian: the 6 low bytes of the time, then the random ones.
    bytes[..6].copy_from_slice(&unix_ms().max(0).to_be_bytes()[2..]);
    random_bytes(&mut bytes[6..]);
    // `format!("{:032x}")` of the same u128 cost 600 more instructions per send.
    let mut digits = [0u8; 32];
    let _ = hex::encode_to_slice(bytes, &mut digits);
    let mut gid = String::with_capacity(34);
    gid.push_str("c-");
    gid.push_str(std::str::from_utf8(&digits).unwrap_or_default());
    gid
}

impl Client {
    /// A builder for a client of the server at `server` (its base URL).
    pub fn builder(server: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(server)
    }

    /// Register, log in, log out, restore.
    pub fn auth(&self) -> Auth<'_> {
        Auth { inner: &self.inner }
    }

    /// Users: look-up, list, profile, status, settings.
    pub fn users(&self) -> Users<'_> {
        Users { inner: &self.inner }
    }

    /// Chats: list, create, join, leave, rename, star, hide, public, members, admins,
    /// committers, history.
    pub fn chats(&self) -> Chats<'_> {
        Chats { inner: &self.inner }
    }

    /// Messages: send (reliably), offline fetch.
    pub fn messages(&self) -> Messages<'_> {
        Messages { inner: &self.inner }
    }

    /// Groups: create, rename, info, list, leave or dissolve, remove a member.
    pub fn groups(&self) -> Groups<'_> {
        Groups { inner: &self.inner }
    }

    /// Group invitations: invite, list, accept, decline.
    pub fn requests(&self) -> Requests<'_> {
        Requests { inner: &self.inner }
    }

    /// Friends and blocks.
    pub fn friends(&self) -> Friends<'_> {
        Friends { inner: &self.inner }
    }

    /// Files: upload, download, list.
    pub fn files(&self) -> Files<'_> {
        Files { inner: &self.inner }
    }

    /// A new stream of every event from now on (the first stream also gets the events that
    /// happened before anyone subscribed). A message counts as received by the app — and is
    /// acknowledged to the server — when a stream yields it.
    pub fn events(&self) -> EventStream {
        let (tx, rx) = mpsc::unbounded();
        {
            // Under the lock, so the backlog comes before anything a driver turn emits next.
            let mut state = self.inner.state();
            let backlog = std::mem::take(&mut state.backlog);
            if !backlog.is_empty() {
                let _ = tx.unbounded_send(backlog);
            }
            state.subscribers.push(tx);
        }
        EventStream {
            rx,
            batch: Vec::new().into_iter(),
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// The current session (save it to restore later), if logged in.
    pub fn session(&self) -> Option<Session> {
        self.inner.state().session.clone()
    }

    /// The logged-in user's id.
    pub fn user_id(&self) -> Option<UserId> {
        self.inner.me().ok()
    }

    /// Where a message for `chat` (as the chats family returns it) goes: its other member,
    /// or the group. Fails with [`Error::Auth`] when not logged in.
    pub fn target_of(&self, chat: &Chat) -> Result<Target> {
        Ok(Target::of_chat(chat, self.inner.me()?))
    }

    /// The connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.inner.state().machine.connection_state()
    }

    /// Why the last connection attempt failed or the last connection broke, if one did.
    pub fn last_connection_error(&self) -> Option<Error> {
        self.inner.state().machine.last_error().cloned()
    }

    /// Gids of sent messages the server has not acknowledged yet, oldest first.
    pub fn pending_sends(&self) -> Vec<String> {
        self.inner.state().machine.pending()
    }

    /// Number of background tasks running (0 once [`Client::close`] returns).
    pub fn background_tasks(&self) -> usize {
        self.inner.tasks.live()
    }

    /// Closes the client: the connection ends, sends still waiting fail with
    /// [`Error::Closed`], and every background task has ended when this returns. The session
    /// stays valid on the server (use `auth().logout()` to end it).
    pub async fn close(&self) {
        self.inner.state().closed = true;
        self.inner.shut_down(None);
        // The driver writes the last frames and ends; one that cannot is cut short.
        self.inner.tasks.wait_idle(&*self.inner.rt).await;
        self.inner.tasks.abort_all();
        self.inner.tasks.wait_idle(&*self.inner.rt).await;
        // Event streams end after the final state.
        self.inner.state().subscribers.clear();
        // What the last turns left for the store (the cursor, finished sends); then the
        // store is given up, so another client may open it.
        self.inner.flush_store().await;
        self.inner.state().store = None;
    }

    /// Why the last write to the client's store failed, if one did.
    pub fn store_error(&self) -> Option<Error> {
        self.inner.state().store_error.clone()
    }
}

/// The client's events; see [`Client::events`].
pub struct EventStream {
    rx: mpsc::UnboundedReceiver<Vec<Event>>,
    /// What is left of the batch being read.
    batch: std::vec::IntoIter<Event>,
    inner: Weak<Inner>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventStream")
    }
}

impl Stream for EventStream {
    type Item = Event;

    fn poll_next(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let event = loop {
            if let Some(event) = self.batch.next() {
                break event;
            }
            match std::pin::Pin::new(&mut self.rx).poll_next(cx) {
                Poll::Ready(Some(batch)) => self.batch = batch.into_iter(),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        };
        if let Event::Message(m) = &event {
            if let Some(inner) = self.inner.upgrade() {
                inner.app_received(m.id);
            }
        }
        Poll::Ready(Some(event))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn gids_are_the_time_then_80_random_bits_in_hex() {
        let before = super::unix_ms() as u128;
        let gids: Vec<String> = (0..64).map(|_| super::new_gid()).collect();
        let after = super::unix_ms() as u128;
        let mut randoms = std::collections::HashSet::new();
        for gid in &gids {
            let digits = gid.strip_prefix("c-").expect("the client prefix");
            assert_eq!(digits.len(), 32, "{gid}");
            assert!(
                digits
                    .bytes()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
            let value = u128::from_str_radix(digits, 16).unwrap();
            let ms = value >> 80;
            assert!((before..=after).contains(&ms), "{gid}: made at {ms}");
            assert!(
                randoms.insert(value & ((1 << 80) - 1)),
                "{gid}: random part repeated"
            );
        }
        // Made one after another, they sort in the order they were made (to the millisecond).
        for pair in gids.windows(2) {
            assert!(pair[0][..14] <= pair[1][..14], "{pair:?}");
        }
    }
}
