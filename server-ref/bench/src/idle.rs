//! Idle authenticated connections: the server process's resident memory per held extension
//! socket, against a bare async-tungstenite server (same buffer sizes) holding as many plain
//! WebSocket connections.

use std::time::Duration;

use crate::raw;
use crate::server::ServerProcess;
use crate::stats::{Better, Measure};
use crate::traffic::bounded;
use crate::world::{Account, World};
use crate::{Fallible, progress};

/// One held socket; a connect that fails (a reset under a burst of handshakes was seen once
/// in many runs) is retried up to 4 times, and each retry is reported.
async fn open(addr: &str, account: &Account) -> Fallible<(raw::RawSink, raw::RawStream)> {
    let mut attempt = 1;
    loop {
        match raw::connect(addr, account, true).await {
            Err(e) if attempt < 5 => {
                progress(&format!("connect failed ({e}); retrying"));
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            done => return done,
        }
    }
}

/// Bytes of resident memory per connection after `n` connections to `server`.
async fn per_connection(server: &ServerProcess, account: &Account, n: usize) -> Fallible<f64> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss_bytes()?;
    let held = bounded(256, (0..n).map(|_| open(&server.addr, account))).await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let after = server.rss_bytes()?;
    drop(held);
    Ok(after.saturating_sub(before) as f64 / n as f64)
}

/// Rows: bytes per idle connection at each of `counts`.
pub async fn idle(counts: &[usize]) -> Fallible<Vec<Measure>> {
    // One user holds every socket, so no presence events flow between them.
    let (world, ()) = World::seed(1, |_, _| Ok(())).await?;
    let account = &world.accounts[0];
    let mut rows = Vec::new();
    for &n in counts {
        progress(&format!("{n} idle connections: chinwag-server"));
        let server = world.serve().await?;
        let ours = per_connection(&server, account, n).await?;
        server.stop().await;
        progress(&format!("{n} idle connections: bare server"));
        let bare = ServerProcess::start(None).await?;
        let base = per_connection(&bare, account, n).await?;
        bare.stop().await;
        rows.push(Measure::new(
            format!("server memory per idle connection, {}k held", n / 1000),
            "KB",
            ours / 1000.0,
            base / 1000.0,
            Better::Lower,
            "≤ 10 KB",
        ));
    }
    Ok(rows)
}
