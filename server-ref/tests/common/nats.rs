//! A real `nats-server` for the split topology: started on an ephemeral loopback port with
//! the gateway key as its token, stopped (SIGKILL) when dropped. The binary is
//! `$CHINWAG_NATS_SERVER`, else `nats-server` on the `PATH`, else `/usr/sbin/nats-server`
//! (Debian's package; scripts/test-all.sh installs it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::GATEWAY_KEY;

/// A running nats-server.
pub struct Nats {
    child: Option<Child>,
    dir: PathBuf,
    /// Whether it takes messages as large as the largest upload (else NATS's 1 MB default).
    large: bool,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("CHINWAG_NATS_SERVER") {
        return path.into();
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| "/usr/sbin/nats-server".into())
}

impl Nats {
    /// Starts one on an ephemeral port, its files under `dir`, taking messages as large as
    /// the largest upload (uploads travel to the backend in one message).
    pub async fn start(dir: &Path) -> Nats {
        Self::start_on(dir, None, true).await
    }

    /// Starts one with NATS's default limit on a message (1 MB).
    pub async fn start_with_default_limits(dir: &Path) -> Nats {
        Self::start_on(dir, None, false).await
    }

    /// Starts one on `port` (`None`: ephemeral), retrying while the port is not free yet.
    async fn start_on(dir: &Path, port: Option<u16>, large: bool) -> Nats {
        let dir = dir.join("nats");
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("nats.conf");
        let limit = if large { "max_payload: 67108864\n" } else { "" };
        std::fs::write(&conf, limit).unwrap();
        for _ in 0..100 {
            let log = dir.join("nats.log");
            let _ = std::fs::remove_file(&log);
            let port_arg = port.map_or("-1".to_string(), |p| p.to_string());
            let mut child = Command::new(binary())
                .args(["-c"])
                .arg(&conf)
                .args(["-a", "127.0.0.1", "-p", &port_arg, "--auth", GATEWAY_KEY])
                .args(["-l"])
                .arg(&log)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()));
            for _ in 0..250 {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                if let Some(port) = listening_port(&text) {
                    return Nats {
                        child: Some(child),
                        dir,
                        large,
                        port,
                    };
                }
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = child.kill();
            let _ = child.wait();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not start; see {}", dir.display());
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills it and starts it again on the same port.
    pub async fn restart(&mut self) {
        self.kill();
        let parent = self.dir.parent().unwrap().to_path_buf();
        *self = Nats::start_on(&parent, Some(self.port), self.large).await;
    }
}

/// The client port in nats-server's log line "Listening for client connections on H:P".
fn listening_port(log: &str) -> Option<u16> {
    let line = log
        .lines()
        .find(|l| l.contains("Listening for client connections on"))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}
