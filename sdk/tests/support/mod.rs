//! The end-to-end harness: the reference server in-process on its own thread and tokio runtime
//! (on an ephemeral loopback port, a temporary SQLite file), and each scenario run once under
//! the SDK's tokio adapter and once under its smol adapter.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chinwag::runtime::{Runtime, SmolRuntime, TokioRuntime};
use chinwag::{Client, ConnectionState, Event, EventStream, Session};
use futures::StreamExt;
use futures::future::{Either, select};

pub const NOTIFY_KEY: &str = "test-notify-key";
pub const PASSWORD: &str = "pass-word-1";

/// The reference server on a thread of its own.
pub struct ServerThread {
    runtime: tokio::runtime::Runtime,
    server: Mutex<Option<chinwag_server::Server>>,
    dir: tempfile::TempDir,
    addr: Mutex<SocketAddr>,
}

impl ServerThread {
    pub fn start() -> Arc<ServerThread> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let this = ServerThread {
            runtime,
            server: Mutex::new(None),
            dir: tempfile::tempdir().unwrap(),
            addr: Mutex::new("127.0.0.1:0".parse().unwrap()),
        };
        this.boot();
        Arc::new(this)
    }

    /// Runs `work` on the server's runtime from a thread of its own, so it may be called from
    /// inside the client's runtime too.
    fn block_on<R: Send>(&self, work: impl Future<Output = R> + Send) -> R {
        std::thread::scope(|s| s.spawn(|| self.runtime.block_on(work)).join().unwrap())
    }

    fn boot(&self) {
        let config = chinwag_server::Config {
            listen: *self.addr.lock().unwrap(),
            db: self
                .dir
                .path()
                .join("chinwag.db")
                .to_str()
                .unwrap()
                .to_string(),
            files: self.dir.path().join("files"),
            notify_key: Some(NOTIFY_KEY.into()),
            ..Default::default()
        };
        let server = self
            .block_on(chinwag_server::Server::start(config))
            .unwrap();
        *self.addr.lock().unwrap() = server.addr();
        *self.server.lock().unwrap() = Some(server);
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr.lock().unwrap())
    }

    /// Stops the server (every connection drops).
    pub fn stop(&self) {
        if let Some(server) = self.server.lock().unwrap().take() {
            self.block_on(server.stop());
        }
    }

    /// Starts it again on the same port, database and files.
    pub fn start_again(&self) {
        self.boot();
    }

    /// Pushes a notification as the application's backend would.
    pub fn notify(&self, query: &str, body: serde_json::Value) -> u16 {
        let url = format!("{}/notification?{query}", self.url());
        self.block_on(async move {
            reqwest::Client::new()
                .post(url)
                .header("X-Notify-Key", NOTIFY_KEY)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a scenario gets: the server and the runtime adapter under test.
#[derive(Clone)]
pub struct Env {
    pub server: Arc<ServerThread>,
    pub rt: Arc<dyn Runtime>,
}

impl Env {
    /// A client of the server, not logged in, with quick heartbeats and backoff.
    pub fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    /// A client keeping its session and outbox in the SQLite file `store`.
    pub fn client_on(&self, store: &std::path::Path) -> chinwag::Result<Client> {
        self.builder().store_path(store).build()
    }

    /// A client keeping its session and outbox in `store`.
    pub fn client_with(&self, store: Arc<dyn chinwag::store::Store>) -> Client {
        self.builder().store(store).build().unwrap()
    }

    /// `user`'s app started again on a new SQLite store: their client closed, their session
    /// restored on a client keeping a store.
    pub async fn move_to_store(&self, user: User) -> OnStore {
        let session = user.client.session().unwrap();
        user.client.close().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.db");
        let app = self.client_on(&path).unwrap();
        app.auth().restore(session.clone()).await.unwrap();
        OnStore {
            _dir: dir,
            path,
            app,
            session,
        }
    }

    fn builder(&self) -> chinwag::ClientBuilder {
        Client::builder(self.server.url())
            .runtime(self.rt.clone())
            .heartbeat_interval(Duration::from_millis(500))
            .backoff(Duration::from_millis(50), Duration::from_millis(400))
    }

    /// Registers `name` and logs in a new client; returns it with its event stream.
    pub async fn user(&self, name: &str) -> (Client, EventStream, Session) {
        let client = self.client();
        let events = client.events();
        client.auth().register(name, PASSWORD).await.unwrap();
        let session = client.auth().login(name, PASSWORD).await.unwrap();
        (client, events, session)
    }

    /// Registers and logs in two users who are not friends.
    pub async fn pair(&self, a: &str, b: &str) -> (User, User) {
        let mut users = Vec::new();
        for name in [a, b] {
            let (client, events, session) = self.user(name).await;
            users.push(User {
                client,
                events,
                id: session.user_id,
            });
        }
        let second = users.pop().unwrap();
        (users.pop().unwrap(), second)
    }

    /// Registers and logs in two users who are friends.
    pub async fn friends(&self, a: &str, b: &str) -> (User, User) {
        let (ua, ub) = self.pair(a, b).await;
        assert!(!ua.client.friends().ask(ub.id).await.unwrap());
        assert!(ub.client.friends().ask(ua.id).await.unwrap());
        (ua, ub)
    }

    /// Waits up to 20 s for an event matching `pick`, skipping others.
    pub async fn next<T>(
        &self,
        events: &mut EventStream,
        mut pick: impl FnMut(Event) -> Option<T>,
    ) -> T {
        let deadline = self.rt.sleep(Duration::from_secs(20));
        let wanted = async {
            while let Some(event) = events.next().await {
                if std::env::var("CHINWAG_TEST_DEBUG").is_ok() {
                    eprintln!("event: {event:?}");
                }
                if let Some(found) = pick(event) {
                    return Some(found);
                }
            }
            None
        };
        match select(Box::pin(wanted), deadline).await {
            Either::Left((Some(found), _)) => found,
            Either::Left((None, _)) => panic!("the event stream ended"),
            Either::Right(_) => panic!("no matching event within 20 s"),
        }
    }

    /// Waits for a message event.
    pub async fn message(&self, events: &mut EventStream) -> chinwag::Message {
        self.next(events, |e| match e {
            Event::Message(m) => Some(m),
            _ => None,
        })
        .await
    }

    /// Waits until the connection reaches `state`.
    pub async fn state(&self, events: &mut EventStream, state: ConnectionState) {
        self.next(events, |e| (e == Event::Connection(state)).then_some(()))
            .await
    }

    /// Sleeps on the runtime under test.
    pub async fn sleep(&self, ms: u64) {
        self.rt.sleep(Duration::from_millis(ms)).await
    }
}

/// A logged-in user of a scenario.
pub struct User {
    pub client: Client,
    pub events: EventStream,
    pub id: i64,
}

/// A user's app on a store (see [`Env::move_to_store`]).
pub struct OnStore {
    _dir: tempfile::TempDir,
    /// The store file.
    pub path: std::path::PathBuf,
    /// The app's client, logged in.
    pub app: Client,
    /// The session it restored.
    pub session: chinwag::Session,
}

/// Runs `scenario` with the SDK on tokio.
pub fn on_tokio<F, Fut>(scenario: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let server = ServerThread::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let rt: Arc<dyn Runtime> = Arc::new(TokioRuntime::with_handle(runtime.handle().clone()));
    // The last handle on the server is dropped here, outside the client's runtime.
    runtime.block_on(scenario(Env {
        server: server.clone(),
        rt,
    }));
    drop(runtime);
    drop(server);
}

/// Runs `scenario` with the SDK on smol.
pub fn on_smol<F, Fut>(scenario: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let server = ServerThread::start();
    let rt: Arc<dyn Runtime> = Arc::new(SmolRuntime::new());
    smol::block_on(scenario(Env { server, rt }));
}

/// Declares `tokio` and `smol` tests running the scenario `$name`.
#[macro_export]
macro_rules! on_both_runtimes {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn tokio() {
                    $crate::support::on_tokio(super::$name);
                }

                #[test]
                fn smol() {
                    $crate::support::on_smol(super::$name);
                }
            }
        )*
    };
}
