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
        }
    }
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    notify_key: String,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
    app: Arc<App>,
}

impl Server {
    /// Opens the database, binds the address and starts serving.
    pub async fn start(config: Config) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
        tokio::fs::create_dir_all(&config.files).await?;
        let db_path = config.db.clone();
        let db = tokio::task::spawn_blocking(move || Db::open(&db_path)).await??;
        db.call(|conn| store::users::reset_statuses(conn)).await?;
        let notify_key = config.notify_key.clone().unwrap_or_else(|| {
            let key = auth::new_token();
            tracing::warn!(notify_key = %key, "no --notify-key given; generated one for this run");
            key
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let hub = Arc::new(hub::Hub::default());
        let backend = Arc::new(backend::Backend {
            db,
            files_dir: config.files.clone(),
            passwords: auth::Passwords::new(config.hash_limits),
            throttle: throttle::LoginThrottle::new(config.login_throttle),
            notify_key: notify_key.clone(),
            gateway: hub.clone(),
        });
        let app = Arc::new(App {
            backend,
            hub,
            shutdown: shutdown_rx.clone(),
            sockets: Default::default(),
        });
        let cors = cors::layer(&config.cors_origins)?;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        // Pushes are small frames that must leave at once: no Nagle delay waiting for the
        // client's (delayed) TCP acknowledgement of the previous one.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(%e, "could not set TCP_NODELAY");
            }
        });
        let router = match cors {
            Some(cors) => router(app.clone()).layer(cors),
            None => router(app.clone()),
        };
        let mut stop = shutdown_rx;
        let task = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            let served = axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(%e, "server stopped with an error");
            }
        });
        tracing::info!(%addr, db = %config.db, files = %config.files.display(), "chinwag-server listening");
        Ok(Server {
            addr,
            notify_key,
            shutdown,
            task,
            app,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The notification key in force.
    pub fn notify_key(&self) -> &str {
        &self.notify_key
    }

    /// Number of live socket sessions.
    pub fn session_count(&self) -> usize {
        self.app.hub.session_count()
    }

    /// Transactions committed and messages stored so far.
    pub fn db_stats(&self) -> db::DbStats {
        self.app.backend.db.stats()
    }

    /// What the password pool has done (its bound, the most run at once, runs, refusals).
    pub fn hash_stats(&self) -> auth::HashStats {
        self.app.backend.passwords.stats()
    }

    /// Stops accepting, closes every socket, and waits until the server has stopped.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
        // Upgraded sockets outlive the HTTP server's graceful shutdown: wait for their tasks,
        // so nothing is read or stored once this returns (bounded: a socket whose close
        // frame cannot be written waits at most its close grace).
        let closed = self.app.sockets.wait_closed();
        let _ = tokio::time::timeout(dialect::ws::CLOSE_GRACE * 2, closed).await;
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

/// Every route of every dialect.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/ws", get(dialect::ws::upgrade))
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
