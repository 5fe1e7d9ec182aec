//! The server under test, in a process of its own (so its memory can be read alone): this
//! binary started again as `chinwag-bench serve`, which prints `addr HOST:PORT`, then answers
//! each `stats` line on stdin with a JSON line of [`DbStats`], and exits when stdin closes.
//!
//! `serve --no-throttle` turns the failed-login throttle off. `serve --split` runs seed 000's
//! split in the child: a backend and a gateway, two servers linked over a loopback
//! WebSocket, the gateway's address printed. `serve --bare` runs the baseline instead: a bare async-tungstenite server that accepts
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
    /// A backend and a gateway linked over loopback (in one child process, so the link's
    /// serialisation and hop are measured, not a second process's scheduling).
    Split,
}

/// A running server process.
pub struct ServerProcess {
    /// `host:port` it listens on.
    pub addr: String,
    child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl ServerProcess {
    /// Starts chinwag-server on the database at `db` (`None`: the bare baseline server).
    pub async fn start(db: Option<&Path>) -> Fallible<ServerProcess> {
        Self::start_with(db, &[]).await
    }

    /// [`ServerProcess::start`] with more `serve` flags (`--no-throttle`: failed logins are
    /// not throttled).
    pub async fn start_with(db: Option<&Path>, flags: &[&str]) -> Fallible<ServerProcess> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("serve").args(flags);
        match db {
            Some(db) => cmd.arg("--db").arg(db),
            None => cmd.arg("--bare"),
        };
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

    /// Stops the process.
    pub async fn stop(mut self) {
        drop(self.stdin);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

/// `chinwag-bench serve …`: runs in the child process.
pub fn serve(args: &[String]) -> Fallible {
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
        let split = args.iter().any(|a| a == "--split");
        // The server whose counters `stats` reads, and the gateway in front of it, if any.
        let (server, gateway) = match db {
            Some(db) if split => {
                let key = "bench-gateway-key".to_string();
                let backend = start(chinwag_server::Config {
                    role: chinwag_server::Role::Backend {
                        gateway_key: key.clone(),
                    },
                    ..config(db)
                })
                .await?;
                let gateway = start(chinwag_server::Config {
                    role: chinwag_server::Role::Gateway {
                        backend: format!("http://{}", backend.addr()),
                        gateway_key: key,
                    },
                    ..config(db)
                })
                .await?;
                wait_healthy(gateway.addr()).await?;
                (Some(backend), Some(gateway))
            }
            Some(db) => (Some(start(config(db)).await?), None),
            None => (None, None),
        };
        let addr = match (&gateway, &server) {
            (Some(g), _) | (None, Some(g)) => g.addr(),
            (None, None) => bare().await?,
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
        if let Some(gateway) = gateway {
            gateway.stop().await;
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
