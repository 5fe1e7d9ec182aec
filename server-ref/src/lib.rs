//! The Chinwag reference server: one data model in SQLite, served in the four dialects of the
//! seed documents (see `docs/PROTOCOL.md`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let server = chinwag_server::Server::start(chinwag_server::Config {
//!     listen: "127.0.0.1:0".parse()?,
//!     db: ":memory:".into(),
//!     files: std::env::temp_dir().join("chinwag-files"),
//!     notify_key: Some("secret".into()),
//!     ..Default::default()
//! })
//! .await?;
//! println!("listening on {}", server.addr());
//! server.stop().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod backend;
pub mod cors;
pub mod db;
pub mod dialect;
pub mod error;
pub mod gateway;
pub mod hub;
pub mod link;
pub mod params;
pub mod render;
pub mod rules;
pub mod store;
pub mod throttle;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::serve::ListenerExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::db::Db;

/// How the server is started; the CLI flags map onto it one to one.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`--listen`, default `127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// SQLite database path or `:memory:` (`--db`, default `chinwag.db`).
    pub db: String,
    /// Directory for uploaded files (`--files`, default `./chinwag-files`).
    pub files: PathBuf,
    /// The key `POST /notification` requires (`--notify-key`); `None` generates and logs one.
    pub notify_key: Option<String>,
    /// Web origins whose pages may call the HTTP APIs (`--cors-origin`, repeatable), e.g.
    /// `https://chat.example.com`; `*` allows any origin. Empty (the default): no CORS
    /// headers, so browsers allow only same-origin pages.
    pub cors_origins: Vec<String>,
    /// How much password hashing runs and waits at once (`--hash-concurrency`,
    /// `--hash-queue`).
    pub hash_limits: auth::HashLimits,
    /// Failed-login limits per account and per address (`--login-failures-per-account`,
    /// `--login-failures-per-address`, `--login-failure-window-secs`).
    pub login_throttle: throttle::ThrottleLimits,
    /// Backend, gateway, or both in one process (the default).
    pub role: Role,
}

/// Which part of seed 000's split a server plays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Role {
    /// Gateway and backend in one process, wired in memory (`chinwag-server`).
    #[default]
    Both,
    /// The backend only (`chinwag-server backend`): the database, files and rules, serving
    /// the gateways over the NATS server at `nats`, and `POST /backend` for callers that
    /// present `gateway_key`; no client endpoints. `db`, `files`, `notify_key` and the
    /// password and login limits apply.
    Backend {
        /// The NATS server's URL (`nats://host:port`).
        nats: String,
        /// The NATS server's token, which `POST /backend` requires too.
        gateway_key: String,
    },
    /// A gateway only (`chinwag-server gateway`): every client endpoint of every dialect,
    /// the sessions, and a link to the backend over the NATS server at `nats`. `listen` and
    /// `cors_origins` apply. Any number of gateways may serve one backend.
    Gateway {
        /// The NATS server's URL (`nats://host:port`).
        nats: String,
        /// The NATS server's token.
        gateway_key: String,
        /// This gateway's name among the gateways (`None`: its listening address); a gateway
        /// started again under the same name replaces its predecessor at once.
        name: Option<String>,
    },
}

impl Role {
    /// `both`, `backend` or `gateway`.
    pub fn name(&self) -> &'static str {
        match self {
            Role::Both => "both",
            Role::Backend { .. } => "backend",
            Role::Gateway { .. } => "gateway",
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: "chinwag.db".into(),
            files: PathBuf::from("./chinwag-files"),
            notify_key: None,
            cors_origins: Vec::new(),
            hash_limits: Default::default(),
            login_throttle: Default::default(),
            role: Role::Both,
        }
    }
}

/// Any error starting a server.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A running server.
pub struct Server {
    addr: SocketAddr,
    notify_key: Option<String>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
    app: Option<Arc<App>>,
    backend: Option<Arc<backend::Backend>>,
}

/// Opens the database and the files directory, and makes the backend delivering to
/// `gateway`.
async fn open_backend(
    config: &Config,
    gateway: Arc<dyn backend::Gateway>,
) -> Result<Arc<backend::Backend>, BoxError> {
    tokio::fs::create_dir_all(&config.files).await?;
    let db_path = config.db.clone();
    let db = tokio::task::spawn_blocking(move || Db::open(&db_path)).await??;
    let notify_key = config.notify_key.clone().unwrap_or_else(|| {
        let key = auth::new_token();
        tracing::warn!(notify_key = %key, "no --notify-key given; generated one for this run");
        key
    });
    tracing::info!(db = %config.db, files = %config.files.display(), "backend open");
    Ok(Arc::new(backend::Backend {
        db,
        files_dir: config.files.clone(),
        passwords: auth::Passwords::new(config.hash_limits),
        throttle: throttle::LoginThrottle::new(config.login_throttle),
        notify_key,
        gateway,
    }))
}

impl Server {
    /// Starts the server in its [`Role`]: opens the database (unless a gateway), binds the
    /// address and starts serving.
    pub async fn start(config: Config) -> Result<Server, BoxError> {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let hub = Arc::new(hub::Hub::default());
        // The gateway's state, if this server is one (with the dialects' routes), and the
        // backend, if this server is one.
        let gateway = |link: link::Link| -> Result<(Arc<App>, Router), BoxError> {
            let app = Arc::new(App {
                link,
                hub: hub.clone(),
                tickets: Default::default(),
                shutdown: shutdown_rx.clone(),
                sockets: Default::default(),
            });
            let routes = router(app.clone());
            let routes = match cors::layer(&config.cors_origins)? {
                Some(cors) => routes.layer(cors),
                None => routes,
            };
            Ok((app, routes))
        };
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let (app, backend, routes) = match &config.role {
            Role::Gateway {
                nats,
                gateway_key,
                name,
            } => {
                let name = link::frames::gateway_name(name.as_deref().unwrap_or(&addr.to_string()));
                let remote = link::client::Remote::start(
                    nats,
                    gateway_key,
                    name,
                    hub.clone(),
                    shutdown_rx.clone(),
                )
                .await?;
                let (app, routes) = gateway(link::Link::Remote(remote))?;
                (Some(app), None, routes)
            }
            Role::Backend { nats, gateway_key } => {
                let (gateways, outgoing) = link::server::Gateways::new(link::server::new_epoch());
                let backend = open_backend(&config, gateways.clone()).await?;
                // Nobody is online until a gateway says so.
                backend::sessions::server_start(&backend).await?;
                let (client, _) = link::bus::connect(nats, gateway_key, "backend").await?;
                let server = Arc::new(link::server::LinkServer {
                    backend: backend.clone(),
                    gateways,
                    key: gateway_key.clone(),
                });
                tokio::spawn(link::server::serve(
                    server.clone(),
                    client,
                    outgoing,
                    shutdown_rx.clone(),
                ));
                (None, Some(backend), link::server::routes(server))
            }
            Role::Both => {
                let backend = open_backend(&config, hub.clone()).await?;
                let link = link::Link::Local(backend.clone());
                // Seed 000: a starting gateway tells the backend, which sets everyone offline.
                link.call(None, backend::ops::ServerStart {}).await?;
                let (app, routes) = gateway(link)?;
                (Some(app), Some(backend), routes)
            }
        };
        // Pushes are small frames that must leave at once: no Nagle delay waiting for the
        // client's (delayed) TCP acknowledgement of the previous one.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(%e, "could not set TCP_NODELAY");
            }
        });
        let mut stop = shutdown_rx;
        let task = tokio::spawn(async move {
            let service = routes.into_make_service_with_connect_info::<SocketAddr>();
            let served = axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(%e, "server stopped with an error");
            }
        });
        tracing::info!(%addr, role = config.role.name(), "chinwag-server listening");
        Ok(Server {
            addr,
            notify_key: backend.as_ref().map(|b| b.notify_key.clone()),
            shutdown,
            task,
            app,
            backend,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The notification key in force (`None` on a gateway: its backend holds it).
    pub fn notify_key(&self) -> Option<&str> {
        self.notify_key.as_deref()
    }

    /// Number of live socket sessions (0 on a backend: the gateways hold them).
    pub fn session_count(&self) -> usize {
        self.app.as_ref().map_or(0, |a| a.hub.session_count())
    }

    /// Transactions committed and messages stored so far (zero on a gateway).
    pub fn db_stats(&self) -> db::DbStats {
        self.backend
            .as_ref()
            .map(|b| b.db.stats())
            .unwrap_or_default()
    }

    /// What the password pool has done (its bound, the most run at once, runs, refusals;
    /// zero on a gateway).
    pub fn hash_stats(&self) -> auth::HashStats {
        self.backend
            .as_ref()
            .map(|b| b.passwords.stats())
            .unwrap_or_default()
    }

    /// Stops accepting, closes every socket, and waits until the server has stopped.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
        // Upgraded sockets outlive the HTTP server's graceful shutdown: wait for their tasks,
        // so nothing is read or stored once this returns (bounded: a socket whose close
        // frame cannot be written waits at most its close grace).
        if let Some(app) = &self.app {
            let closed = app.sockets.wait_closed();
            let _ = tokio::time::timeout(dialect::ws::CLOSE_GRACE * 2, closed).await;
        }
    }

    /// Waits until the server stops (it stops only through [`Server::stop`] or an error).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }

    /// A handle that stops the server from elsewhere (e.g. a signal handler).
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// `GET /health`: `ok`, or 503 while a gateway cannot reach its backend.
async fn health(
    axum::extract::State(app): axum::extract::State<app::AppState>,
) -> (axum::http::StatusCode, &'static str) {
    if app.link.is_up() {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the chat backend is unreachable",
        )
    }
}

/// Every route of every dialect.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ws", get(dialect::ws::upgrade))
        .route(
            "/serverInfo",
            axum::routing::post(dialect::xxd::server_info),
        )
        .merge(dialect::room::routes())
        .merge(dialect::module_rest::routes())
        .merge(dialect::sdk_ext::routes())
        .layer(DefaultBodyLimit::max(chinwag_wire::MAX_FRAME_BYTES))
        .merge(dialect::files::routes())
        .method_not_allowed_fallback(|| async {
            (
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                axum::Json(serde_json::json!({"error": "method not allowed on this endpoint"})),
            )
        })
        .fallback(|| async {
            (
                axum::http::StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({"error": "no such endpoint"})),
            )
        })
        .with_state(app)
}
