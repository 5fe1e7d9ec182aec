//! The server under test, in a process of its own (so its memory can be read alone): this
//! binary started again as `chinwag-bench serve`, which prints `addr HOST:PORT`, then answers
//! each `stats` line on stdin with a JSON line of [`DbStats`], and exits when stdin closes.
//!
//! `serve --no-throttle` turns the failed-login throttle off. Seed 000's split runs as two
//! such children: `serve --db PATH --backend-only` (the backend) and `serve --gateway-for
//! HOST:PORT` (a gateway linked to it over loopback, which prints its own address once the
//! link is up). `serve --bare` runs the baseline instead: a bare async-tungstenite server that accepts
//! WebSocket connections and holds them, with the same buffer settings as chinwag-server.

use std::path::Path;
use std::process::Stdio;

use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use chinwag_server::db::DbStats;
use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::Fallible;

/// How the server under test is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// Gateway and backend in one server (the default).
    One,
    /// A backend and a gateway, two processes linked over loopback.
    Split,
}

/// A running server process (with the gateway process in front of it, when split).
pub struct ServerProcess {
    /// `host:port` clients connect to.
    pub addr: String,
    child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
    gateway: Option<Box<ServerProcess>>,
}

/// The key the bench's gateway and backend share.
const GATEWAY_KEY: &str = "bench-gateway-key";

impl ServerProcess {
    /// Starts chinwag-server on the database at `db` (`None`: the bare baseline server).
    pub async fn start(db: Option<&Path>) -> Fallible<ServerProcess> {
        Self::start_with(db, &[]).await
    }

    /// [`ServerProcess::start`] with more `serve` flags (`--no-throttle`: failed logins are
    /// not throttled).
    pub async fn start_with(db: Option<&Path>, flags: &[&str]) -> Fallible<ServerProcess> {
        let mut args: Vec<&std::ffi::OsStr> = vec!["serve".as_ref()];
        args.extend(flags.iter().map(std::ffi::OsStr::new));
        match db {
            Some(db) => args.extend(["--db".as_ref(), db.as_os_str()]),
            None => args.push("--bare".as_ref()),
        };
        Self::spawn(&args).await
    }

    /// A backend on the database at `db`, and a gateway process in front of it.
    pub async fn start_split(db: &Path) -> Fallible<ServerProcess> {
        let mut backend = Self::start_with(Some(db), &["--backend-only"]).await?;
        let front = format!("--gateway-for={}", backend.addr);
        let gateway = Self::spawn(&["serve".as_ref(), front.as_ref()]).await?;
        backend.addr = gateway.addr.clone();
        backend.gateway = Some(Box::new(gateway));
        Ok(backend)
    }

    async fn spawn(args: &[&std::ffi::OsStr]) -> Fallible<ServerProcess> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args(args);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let first = stdout
            .next_line()
            .await?
            .ok_or("the server process exited")?;
        let addr = first
            .strip_prefix("addr ")
            .ok_or("unexpected first line")?
            .to_string();
        Ok(ServerProcess {
            addr,
            child,
            stdin,
            stdout,
            gateway: None,
        })
    }

    /// The process's resident memory, in bytes.
    pub fn rss_bytes(&self) -> Fallible<u64> {
        let pid = self.child.id().ok_or("the server process exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .ok_or("no VmRSS")?;
        Ok(kib * 1024)
    }

    /// The server's commit and message counters.
    pub async fn stats(&mut self) -> Fallible<DbStats> {
        self.stdin.write_all(b"stats\n").await?;
        self.stdin.flush().await?;
        let line = self
            .stdout
            .next_line()
            .await?
            .ok_or("the server process exited")?;
        Ok(serde_json::from_str(&line)?)
    }

    /// Stops the process (the gateway first, when split).
    pub async fn stop(mut self) {
        if let Some(gateway) = self.gateway.take() {
            Box::pin(gateway.stop()).await;
        }
        drop(self.stdin);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

/// `chinwag-bench serve …`: runs in the child process.
pub fn serve(args: &[String]) -> Fallible {
    // The server's own log, on stderr, when asked for (`RUST_LOG=warn chinwag-bench …`).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let db = args
            .iter()
            .position(|a| a == "--db")
            .and_then(|i| args.get(i + 1));
        let files = tempfile::tempdir()?;
        let config = |db: &String| chinwag_server::Config {
            listen: "127.0.0.1:0".parse().expect("an address"),
            db: db.clone(),
            files: files.path().to_path_buf(),
            notify_key: Some("bench".into()),
            login_throttle: if args.iter().any(|a| a == "--no-throttle") {
                chinwag_server::throttle::ThrottleLimits::OFF
            } else {
                Default::default()
            },
            ..Default::default()
        };
        let start = |config| async {
            chinwag_server::Server::start(config)
                .await
                .map_err(|e| e.to_string())
        };
        let backend_only = args.iter().any(|a| a == "--backend-only");
        let gateway_for = args.iter().find_map(|a| a.strip_prefix("--gateway-for="));
        let server = match (db, gateway_for) {
            (_, Some(backend)) => {
                let gateway = start(chinwag_server::Config {
                    role: chinwag_server::Role::Gateway {
                        backend: format!("http://{backend}"),
                        gateway_key: GATEWAY_KEY.into(),
                    },
                    ..config(&String::new())
                })
                .await?;
                wait_healthy(gateway.addr()).await?;
                Some(gateway)
            }
            (Some(db), None) if backend_only => Some(
                start(chinwag_server::Config {
                    role: chinwag_server::Role::Backend {
                        gateway_key: GATEWAY_KEY.into(),
                    },
                    ..config(db)
                })
                .await?,
            ),
            (Some(db), None) => Some(start(config(db)).await?),
            (None, None) => None,
        };
        let addr = match &server {
            Some(s) => s.addr(),
            None => bare().await?,
        };
        let mut out = tokio::io::stdout();
        out.write_all(format!("addr {addr}\n").as_bytes()).await?;
        out.flush().await?;
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        while let Some(line) = lines.next_line().await? {
            if line == "stats" {
                let stats = server.as_ref().map(|s| s.db_stats()).unwrap_or_default();
                out.write_all(format!("{}\n", serde_json::to_string(&stats)?).as_bytes())
                    .await?;
                out.flush().await?;
            }
        }
        if let Some(server) = server {
            server.stop().await;
        }
        Ok(())
    })
}

/// Waits until the gateway at `addr` has its backend link up.
async fn wait_healthy(addr: std::net::SocketAddr) -> Fallible {
    let client = reqwest::Client::new();
    for _ in 0..500 {
        let health = client.get(format!("http://{addr}/health")).send().await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Err("the gateway's link to its backend did not come up".into())
}

/// The baseline server: accepts WebSocket connections and holds them, reading until they close.
async fn bare() -> Fallible<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                use chinwag_server::dialect::ws::{READ_BUFFER_BYTES, WRITE_BUFFER_BYTES};
                let config = WebSocketConfig::default()
                    .read_buffer_size(READ_BUFFER_BYTES)
                    .write_buffer_size(WRITE_BUFFER_BYTES);
                if let Ok(mut ws) =
                    async_tungstenite::tokio::accept_async_with_config(stream, Some(config)).await
                {
                    while let Some(Ok(_)) = ws.next().await {}
                }
            });
        }
    });
    Ok(addr)
}
