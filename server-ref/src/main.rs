//! `chinwag-server`: the reference server's command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// The Chinwag reference server: every seed API over one SQLite model. Without a subcommand,
/// gateway and backend run in one process.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Option<RoleCmd>,
    /// Address to listen on.
    #[arg(long, global = true, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// SQLite database file, or `:memory:`.
    #[arg(long, global = true, default_value = "chinwag.db")]
    db: String,
    /// Directory for uploaded files.
    #[arg(long, global = true, default_value = "./chinwag-files")]
    files: PathBuf,
    /// Key that `POST /notification` requires in `X-Notify-Key` (default: random, logged).
    #[arg(long, global = true)]
    notify_key: Option<String>,
    /// Once listening, write the bound address (`host:port`) to this file; with
    /// `--listen 127.0.0.1:0` this is how a script learns the ephemeral port.
    #[arg(long, global = true)]
    addr_file: Option<PathBuf>,
    /// A web origin whose pages may call the HTTP APIs (CORS), e.g. `https://chat.example.com`;
    /// repeat for more, `*` for any. None: same-origin pages only.
    #[arg(long = "cors-origin", value_name = "ORIGIN", global = true)]
    cors_origins: Vec<String>,
    /// Password hashes computed at once (each holds about 19 MiB while it runs).
    #[arg(long, global = true, default_value_t = 2)]
    hash_concurrency: usize,
    /// Logins and registrations that may wait for a password check; more are refused as busy.
    #[arg(long, global = true, default_value_t = 256)]
    hash_queue: usize,
    /// Failed logins allowed per account name within the window (0: no limit).
    #[arg(long, global = true, default_value_t = 10)]
    login_failures_per_account: u32,
    /// Failed logins allowed per client IP address within the window (0: no limit).
    #[arg(long, global = true, default_value_t = 100)]
    login_failures_per_address: u32,
    /// How long failed logins count, in seconds, from the first one.
    #[arg(long, global = true, default_value_t = 900)]
    login_failure_window_secs: u64,
}

/// Seed 000's split, one part per process.
#[derive(Debug, Subcommand)]
enum RoleCmd {
    /// The backend only: database, files and rules, serving the gateways over NATS
    /// (`--listen` for `/health` and `POST /backend`, `--db`, `--files`, `--notify-key` and the
    /// login limits apply).
    Backend {
        /// The NATS server, e.g. `nats://127.0.0.1:4222`.
        #[arg(long)]
        nats: String,
        /// The NATS server's token (also required by `POST /backend`).
        #[arg(long)]
        gateway_key: String,
    },
    /// A gateway only: every client endpoint and the sessions, linked to the backend over
    /// NATS (`--listen` and `--cors-origin` apply). Run as many as you like.
    Gateway {
        /// The NATS server, e.g. `nats://127.0.0.1:4222`.
        #[arg(long)]
        nats: String,
        /// The NATS server's token.
        #[arg(long)]
        gateway_key: String,
        /// This gateway's name among the gateways (default: its listening address). A
        /// gateway started again under its old name replaces its predecessor at once.
        #[arg(long)]
        name: Option<String>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let config = chinwag_server::Config {
        listen: cli.listen,
        db: cli.db,
        files: cli.files,
        notify_key: cli.notify_key,
        cors_origins: cli.cors_origins,
        hash_limits: chinwag_server::auth::HashLimits {
            concurrent: cli.hash_concurrency,
            queue: cli.hash_queue,
        },
        login_throttle: chinwag_server::throttle::ThrottleLimits {
            per_account: cli.login_failures_per_account,
            per_address: cli.login_failures_per_address,
            window: std::time::Duration::from_secs(cli.login_failure_window_secs),
        },
        role: match cli.role {
            None => chinwag_server::Role::Both,
            Some(RoleCmd::Backend { nats, gateway_key }) => {
                chinwag_server::Role::Backend { nats, gateway_key }
            }
            Some(RoleCmd::Gateway {
                nats,
                gateway_key,
                name,
            }) => chinwag_server::Role::Gateway {
                nats,
                gateway_key,
                name,
            },
        },
    };
    let mut server = match chinwag_server::Server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("chinwag-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(path) = &cli.addr_file {
        if let Err(e) = std::fs::write(path, server.addr().to_string()) {
            eprintln!("chinwag-server: cannot write {}: {e}", path.display());
            return std::process::ExitCode::FAILURE;
        }
    }
    let stopper = server.stopper();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stopper.send(true);
    });
    server.wait().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
