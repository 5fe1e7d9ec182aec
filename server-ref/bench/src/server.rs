//! The server under test, in a process of its own (so its memory can be read alone): this
//! binary started again as `chinwag-bench serve`, which prints `addr HOST:PORT`, then answers
//! each `stats` line on stdin with a JSON line of [`DbStats`], and exits when stdin closes.
//!
//! `serve --no-throttle` turns the failed-login throttle off. Seed 000's split, scaled out,
//! runs as a nats-server and three such children: `serve --db PATH --backend-only --nats URL`
//! (the backend) and twice `serve --gateway --nats URL` (gateways, each printing its address
//! once its backend answers). `serve --bare` runs the baseline instead: a bare async-tungstenite server that accepts
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
    /// A backend and two gateways, three processes linked over a nats-server on loopback;
    /// clients spread over the gateways.
    Split,
}

/// A running server process (with the gateway processes in front of it, and their
/// nats-server, when split).
pub struct ServerProcess {
    /// `host:port` clients connect to (the first gateway, when split).
    pub addr: String,
    /// Every `host:port` clients may connect to: the gateways when split, else `addr`.
    pub addrs: Vec<String>,
    child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::Lines<BufReader<ChildStdout>>,
    gateways: Vec<ServerProcess>,
    nats: Option<Child>,
}

/// Gateways in the split topology.
pub const GATEWAYS: usize = 2;

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

    /// A nats-server, a backend on the database at `db`, and [`GATEWAYS`] gateway processes
    /// in front of it.
    pub async fn start_split(db: &Path) -> Fallible<ServerProcess> {
        let (nats, url) = start_nats(db.parent().ok_or("no directory")?).await?;
        let nats_flag = format!("--nats={url}");
        let mut backend = Self::start_with(Some(db), &["--backend-only", &nats_flag]).await?;
        backend.nats = Some(nats);
        for _ in 0..GATEWAYS {
            let args = ["serve", "--gateway", &nats_flag].map(std::ffi::OsStr::new);
            backend.gateways.push(Self::spawn(&args).await?);
        }
        backend.addrs = backend.gateways.iter().map(|g| g.addr.clone()).collect();
        backend.addr = backend.addrs[0].clone();
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
            addrs: vec![addr.clone()],
            addr,
            child,
            stdin,
            stdout,
            gateways: Vec::new(),
            nats: None,
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

    /// CPU time (user + system) used so far by the server's processes — the gateways and the
    /// nats-server too, when split — in ns (from `/proc/PID/stat`, in clock ticks).
    pub fn cpu_ns(&self) -> Fallible<u64> {
        let mut pids = vec![self.child.id().ok_or("the server process exited")?];
        pids.extend(self.nats.as_ref().and_then(|n| n.id()));
        let mut ns = 0;
        for pid in pids {
            ns += process_cpu_ns(pid)?;
        }
        for gateway in &self.gateways {
            ns += gateway.cpu_ns()?;
        }
        Ok(ns)
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

    /// Stops the process (the gateways first, and the nats-server last, when split).
    pub async fn stop(mut self) {
        for gateway in std::mem::take(&mut self.gateways) {
            Box::pin(gateway.stop()).await;
        }
        drop(self.stdin);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.child.wait()).await;
        let _ = self.child.kill().await;
        if let Some(mut nats) = self.nats.take() {
            let _ = nats.kill().await;
        }
    }
}

/// User + system CPU time of process `pid` (all its threads), ns.
fn process_cpu_ns(pid: u32) -> Fallible<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command (which may hold spaces) in its parentheses.
    let rest = stat.rsplit_once(')').ok_or("unreadable stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..13)
        .ok_or("short stat")?
        .iter()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .sum();
    // SAFETY: sysconf has no preconditions.
    let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(ticks * 1_000_000_000 / per_sec)
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
        let gateway = args.iter().any(|a| a == "--gateway");
        let nats = args
            .iter()
            .find_map(|a| a.strip_prefix("--nats="))
            .unwrap_or_default()
            .to_string();
        let server = match db {
            _ if gateway => {
                let gateway = start(chinwag_server::Config {
                    role: chinwag_server::Role::Gateway {
                        nats,
                        gateway_key: GATEWAY_KEY.into(),
                        name: None,
                    },
                    ..config(&String::new())
                })
                .await?;
                wait_healthy(gateway.addr()).await?;
                Some(gateway)
            }
            Some(db) if backend_only => Some(
                start(chinwag_server::Config {
                    role: chinwag_server::Role::Backend {
                        nats,
                        gateway_key: GATEWAY_KEY.into(),
                    },
                    ..config(db)
                })
                .await?,
            ),
            Some(db) => Some(start(config(db)).await?),
            None => None,
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

/// Starts a nats-server on an ephemeral loopback port with the gateway key as its token (its
/// log under `dir`); answers it and its URL. The binary is `$CHINWAG_NATS_SERVER`, else
/// `nats-server` on the `PATH`, else Debian's `/usr/sbin/nats-server`.
async fn start_nats(dir: &Path) -> Fallible<(Child, String)> {
    let binary = std::env::var("CHINWAG_NATS_SERVER").unwrap_or_else(|_| {
        let on_path = std::process::Command::new("nats-server")
            .arg("--version")
            .output()
            .is_ok();
        if on_path {
            "nats-server"
        } else {
            "/usr/sbin/nats-server"
        }
        .to_string()
    });
    let log = dir.join("nats.log");
    let child = Command::new(&binary)
        .args(["-a", "127.0.0.1", "-p", "-1", "--auth", GATEWAY_KEY, "-l"])
        .arg(&log)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {binary}: {e}"))?;
    for _ in 0..500 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let port = text
            .lines()
            .find(|l| l.contains("Listening for client connections on"))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|p| p.trim().parse::<u16>().ok());
        if let Some(port) = port {
            return Ok((child, format!("nats://127.0.0.1:{port}")));
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Err(format!("nats-server did not start; see {}", log.display()).into())
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
