//! Wrong-password logins: the server's resident memory after bursts of 1,000 concurrent `POST /login`
//! with a real name and a wrong password, beside its idle memory in the same process. The
//! server runs with the login throttle off, so what holds the memory flat is the bounded
//! password-hashing pool alone (2 hashing, 256 waiting, the rest refused as busy:
//! 002 code 429).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::join_all;

use crate::server::ServerProcess;
use crate::stats::{Better, Measure};
use crate::world::World;
use crate::{Fallible, progress};

/// Bursts of logins, one after another, against the same server.
const ROUNDS: usize = 3;

/// Rows: RSS after the first and the last of [`ROUNDS`] bursts of `n` concurrent
/// wrong-password logins, and the peak, each against the idle RSS.
pub async fn logins(n: usize) -> Fallible<Vec<Measure>> {
    let (world, ()) = World::seed(1, |_, _| Ok(())).await?;
    let name = world.accounts[0].name.clone();
    let server = Arc::new(ServerProcess::start_with(Some(&world.db), &["--no-throttle"]).await?);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = server.rss_bytes()?;

    // The peak, sampled every 20 ms while the logins run.
    let peak = Arc::new(AtomicU64::new(idle));
    let sampler = {
        let (server, peak) = (server.clone(), peak.clone());
        tokio::spawn(async move {
            while let Ok(rss) = server.rss_bytes() {
                peak.fetch_max(rss, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let url = format!("http://{}/login", server.addr);
    let body = serde_json::json!({"name": name, "password": "wrong-password"});
    // RSS after each burst: the first shows what a burst costs, the last that bursts do
    // not add up.
    let mut after = Vec::new();
    for round in 1..=ROUNDS {
        progress(&format!(
            "{n} concurrent wrong-password logins, burst {round}"
        ));
        let answers = join_all((0..n).map(|_| {
            let req = http.post(&url).json(&body);
            // 002's `/login` answers 200 with a code: 2 wrong password, 429 busy.
            async move {
                let answer: serde_json::Value = req.send().await?.json().await?;
                Ok::<_, reqwest::Error>(answer["code"].as_i64().unwrap_or(-1))
            }
        }))
        .await;
        after.push(server.rss_bytes()?);
        let count = |code: i64| {
            answers
                .iter()
                .filter(|a| matches!(a, Ok(c) if *c == code))
                .count()
        };
        progress(&format!(
            "answers: {} wrong password (code 2), {} busy (code 429), {} other",
            count(2),
            count(429),
            n - count(2) - count(429)
        ));
    }
    sampler.abort();
    let _ = sampler.await;
    Arc::try_unwrap(server)
        .map_err(|_| "the sampler still holds the server")?
        .stop()
        .await;
    let mb = |b: u64| b as f64 / 1e6;
    Ok(vec![
        Measure::new(
            format!("server RSS after {n} concurrent wrong-password logins (baseline: idle)"),
            "MB",
            mb(after[0]),
            mb(idle),
            Better::Lower,
            "flat",
        ),
        Measure::new(
            format!("server RSS after {ROUNDS} such bursts (baseline: idle)"),
            "MB",
            mb(after[ROUNDS - 1]),
            mb(idle),
            Better::Lower,
            "flat",
        ),
        Measure::new(
            "server peak RSS during the bursts (baseline: idle)",
            "MB",
            mb(peak.load(Ordering::Relaxed)),
            mb(idle),
            Better::Lower,
            "flat",
        ),
    ])
}
