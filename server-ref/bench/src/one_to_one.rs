//! One sender, one receiver: latency at a fixed offered rate, and sustained throughput.
//! Chinwag: SDK client → server → SDK client. Baseline: raw socket → server → raw socket,
//! the same frames through the same server process.

use std::time::Duration;

use chinwag::Target;
use tokio::task::JoinHandle;

use crate::raw::{self, To};
use crate::stats::{Better, Measure, percentile};
use crate::traffic::{Sender, Tally, raw_receiver, sdk_receiver};
use crate::world::{Account, World, befriend, sdk_client, sdk_client_on};
use crate::{Fallible, progress};

/// Which client does the sending and receiving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The chinwag SDK.
    Sdk,
    /// A raw socket.
    Raw,
}

/// A connected sender/receiver pair.
struct Pair {
    sender: Sender,
    receiver: JoinHandle<()>,
    receiving_client: Option<chinwag::Client>,
    /// Holds the sender's store file, if it has one.
    _store: Option<tempfile::TempDir>,
}

impl Pair {
    /// `stored`: the SDK sender keeps its outbox in a SQLite store. The sender connects to
    /// the first of `addrs`, the receiver to the last (another gateway, when split).
    async fn open(
        kind: Kind,
        stored: bool,
        addrs: &[String],
        from: &Account,
        to: &Account,
        tally: std::sync::Arc<Tally>,
    ) -> Fallible<Pair> {
        let (addr, to_addr) = match addrs {
            [first, .., last] => (first.as_str(), last.as_str()),
            [only] => (only.as_str(), only.as_str()),
            [] => return Err("no server address".into()),
        };
        Ok(match kind {
            Kind::Sdk => {
                let receiving = sdk_client(to_addr, to).await?;
                let receiver = sdk_receiver(&receiving, tally);
                let dir = stored.then(tempfile::tempdir).transpose()?;
                let store = dir.as_ref().map(|d| d.path().join("sender.db"));
                let sending = sdk_client_on(addr, from, store.as_deref()).await?;
                Pair {
                    sender: Sender::sdk(sending, Target::User(to.id)),
                    receiver,
                    receiving_client: Some(receiving),
                    _store: dir,
                }
            }
            Kind::Raw => {
                let (_, stream) = raw::connect(to_addr, to, false).await?;
                let receiver = raw_receiver(stream, Some(tally), || {});
                let (sink, stream) = raw::connect(addr, from, false).await?;
                Pair {
                    sender: Sender::raw(sink, stream, To::User(to.id)),
                    receiver,
                    receiving_client: None,
                    _store: None,
                }
            }
        })
    }

    async fn close(self) {
        self.sender.close().await;
        if let Some(c) = self.receiving_client {
            c.close().await;
        }
        self.receiver.abort();
    }
}

/// Two friend pairs: accounts 0→1 for the SDK, 2→3 for the baseline.
pub async fn world() -> Fallible<World> {
    let (world, ()) = World::seed(4, |conn, a| {
        befriend(conn, a[0].id, a[1].id)?;
        befriend(conn, a[2].id, a[3].id)
    })
    .await?;
    Ok(world)
}

fn accounts(world: &World, kind: Kind) -> (&Account, &Account) {
    match kind {
        Kind::Sdk => (&world.accounts[0], &world.accounts[1]),
        Kind::Raw => (&world.accounts[2], &world.accounts[3]),
    }
}

/// What one latency run measured.
pub struct Latency {
    /// p50, p99 and p99.9 latency, µs.
    pub percentiles: [f64; 3],
    /// How this process (both clients) spent its time per message while the messages went
    /// out at the rate and until the last arrived.
    pub usage: Usage,
}

/// Latency percentiles (µs) of `rate` messages per second for `secs` seconds, and the
/// clients' CPU per message at that rate.
pub async fn latency_run(
    kind: Kind,
    stored: bool,
    world: &World,
    addrs: &[String],
    rate: u64,
    secs: u64,
) -> Fallible<Latency> {
    let warmup = 200u64;
    let n = rate * secs;
    let tally = Tally::new((warmup + n) as usize, 1);
    let (from, to) = accounts(world, kind);
    let mut pair = Pair::open(kind, stored, addrs, from, to, tally.clone()).await?;
    pair.sender.burst(0..warmup).await?;
    if !tally.wait_complete(warmup, Duration::from_secs(20)).await {
        return Err("warm-up messages did not arrive".into());
    }
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let before = Usage::now()?;
    let start = tokio::time::Instant::now();
    let mut sent_ns = Vec::with_capacity(n as usize);
    for i in 0..n {
        let due = start + period * i as u32;
        if due > tokio::time::Instant::now() {
            tokio::time::sleep_until(due).await;
        }
        sent_ns.push(tally.now_ns());
        pair.sender.send(warmup + i).await?;
    }
    let all = tally
        .wait_complete(warmup + n, Duration::from_secs(30))
        .await;
    let usage = Usage::per_message_since(before, n)?;
    let mut latencies: Vec<f64> = (0..n)
        .filter_map(|i| {
            tally
                .done_at(warmup + i)
                .map(|at| at.saturating_sub(sent_ns[i as usize]) as f64 / 1000.0)
        })
        .collect();
    pair.close().await;
    if !all {
        return Err(format!("{kind:?}: only {} of {n} messages arrived", latencies.len()).into());
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    Ok(Latency {
        percentiles: [
            percentile(&latencies, 50.0),
            percentile(&latencies, 99.0),
            percentile(&latencies, 99.9),
        ],
        usage,
    })
}

/// Rows: p50/p99/p99.9 latency at `rate` msg/s, SDK against raw.
pub async fn latency(rate: u64, secs: u64) -> Fallible<Vec<Measure>> {
    let world = world().await?;
    let server = world.serve().await?;
    progress(&format!("latency at {rate} msg/s: SDK"));
    let sdk = latency_run(Kind::Sdk, false, &world, &server.addrs, rate, secs).await?;
    progress(&format!("latency at {rate} msg/s: raw"));
    let raw = latency_run(Kind::Raw, false, &world, &server.addrs, rate, secs).await?;
    progress(&format!(
        "latency at {rate} msg/s: SDK, the sender on a SQLite store"
    ));
    let stored = latency_run(Kind::Sdk, true, &world, &server.addrs, rate, secs).await?;
    server.stop().await;
    for (who, run) in [("SDK", &sdk), ("raw", &raw), ("SDK on a store", &stored)] {
        progress(&format!("latency at {rate} msg/s: {who}: {}", run.usage));
    }
    let label = if rate >= 1000 {
        format!("{}k", rate / 1000)
    } else {
        rate.to_string()
    };
    let aims = ["SDK ≤ 1.2 × raw", "", ""];
    let percentiles = ["p50", "p99", "p99.9"];
    let mut rows: Vec<Measure> = percentiles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Measure::new(
                format!("latency {p} at {label} msg/s"),
                "µs",
                sdk.percentiles[i],
                raw.percentiles[i],
                Better::Lower,
                aims[i],
            )
        })
        .collect();
    rows.extend(percentiles.iter().take(2).enumerate().map(|(i, p)| {
        Measure::new(
            format!(
                "latency {p} at {label} msg/s, SDK sender on a SQLite store (baseline: in memory)"
            ),
            "µs",
            stored.percentiles[i],
            sdk.percentiles[i],
            Better::Lower,
            "",
        )
    }));
    rows.push(Measure::new(
        format!("client CPU per message at {label} msg/s, sender + receiver"),
        "µs",
        sdk.usage.cpu_us,
        raw.usage.cpu_us,
        Better::Lower,
        "SDK ≤ 1.3 × raw",
    ));
    Ok(rows)
}

/// What one throughput run measured.
pub struct Throughput {
    /// Messages per second from first send to last receipt.
    pub rate: f64,
    /// How this process — both clients, the server runs in its own — spent its time per
    /// message, from the first send until every message arrived and was acknowledged.
    pub usage: Usage,
}

/// What this process (all threads) used: CPU time, split into user and system, page faults,
/// context switches. Per message in [`Throughput::usage`] and [`Latency::usage`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    /// CPU time, user + system, µs: from `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)` (ns), the
    /// figure the rows show.
    pub cpu_us: f64,
    /// User CPU time, µs (`getrusage`, as the two below).
    pub user_us: f64,
    /// System CPU time, µs.
    pub sys_us: f64,
    /// Minor page faults (fresh memory touched).
    pub faults: f64,
    /// Context switches, voluntary (waits) and involuntary.
    pub switches: f64,
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} µs CPU per message (user {:.2}, system {:.2}), {:.2} page faults and \
             {:.3} context switches per message",
            self.cpu_us, self.user_us, self.sys_us, self.faults, self.switches
        )
    }
}

impl Usage {
    /// The process's usage so far.
    fn now() -> Fallible<Usage> {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `t` is a valid timespec for the call to write.
        if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        // SAFETY: an all-zero rusage is valid, and `getrusage` writes only into it.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `u` is a valid rusage for the call to write.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
        Ok(Usage {
            cpu_us: t.tv_sec as f64 * 1e6 + t.tv_nsec as f64 / 1e3,
            user_us: us(u.ru_utime),
            sys_us: us(u.ru_stime),
            faults: u.ru_minflt as f64,
            switches: (u.ru_nvcsw + u.ru_nivcsw) as f64,
        })
    }

    /// What was used since `before`, per message of `n`.
    fn per_message_since(before: Usage, n: u64) -> Fallible<Usage> {
        let now = Usage::now()?;
        let n = n as f64;
        Ok(Usage {
            cpu_us: (now.cpu_us - before.cpu_us) / n,
            user_us: (now.user_us - before.user_us) / n,
            sys_us: (now.sys_us - before.sys_us) / n,
            faults: (now.faults - before.faults) / n,
            switches: (now.switches - before.switches) / n,
        })
    }
}

/// `n` messages sent at once.
/// `stored`: the SDK sender keeps its outbox in a SQLite store.
pub async fn throughput_run(
    kind: Kind,
    stored: bool,
    world: &World,
    addrs: &[String],
    n: u64,
) -> Fallible<Throughput> {
    let tally = Tally::new(n as usize, 1);
    let (from, to) = accounts(world, kind);
    let mut pair = Pair::open(kind, stored, addrs, from, to, tally.clone()).await?;
    let before = Usage::now()?;
    let start = tally.now_ns();
    pair.sender.burst(0..n).await?;
    let all = tally.wait_complete(n, Duration::from_secs(120)).await;
    let last = (0..n)
        .filter_map(|i| tally.done_at(i))
        .max()
        .unwrap_or(start);
    let acked = pair.sender.acknowledged(Duration::from_secs(30)).await;
    let usage = Usage::per_message_since(before, n)?;
    pair.close().await;
    if !all {
        return Err(format!(
            "{kind:?}: only {} of {n} messages arrived",
            tally.complete()
        )
        .into());
    }
    if kind == Kind::Sdk && acked != n {
        return Err(format!("SDK: only {acked} of {n} sends acknowledged").into());
    }
    Ok(Throughput {
        rate: n as f64 / ((last - start) as f64 / 1e9),
        usage,
    })
}

/// One burst of `n` messages through one pair (`chinwag-bench burst`): what
/// `scripts/instructions.sh` runs under callgrind, once per client and size, to count the
/// instructions a message costs each client.
/// Also answers what it cost the server: its mean commit size (messages per transaction:
/// the fewer a sender keeps in flight, the smaller the server's group commits) and its CPU
/// time per message, µs (logins included: the same for both clients).
pub async fn burst(kind: Kind, n: u64) -> Fallible<(Throughput, f64, f64)> {
    let world = world().await?;
    let mut server = world.serve().await?;
    let before = server.stats().await?;
    let cpu_before = server.cpu_ns()?;
    let run = throughput_run(kind, false, &world, &server.addrs, n).await;
    let cpu = server.cpu_ns()?.saturating_sub(cpu_before);
    let after = server.stats().await?;
    server.stop().await;
    let per_commit =
        (after.messages - before.messages) as f64 / (after.commits - before.commits).max(1) as f64;
    Ok((run?, per_commit, cpu as f64 / 1000.0 / n as f64))
}

/// Row: one-to-one throughput, SDK against raw.
pub async fn throughput(n: u64) -> Fallible<Vec<Measure>> {
    let world = world().await?;
    let server = world.serve().await?;
    progress(&format!("throughput, {n} messages: SDK"));
    let sdk = throughput_run(Kind::Sdk, false, &world, &server.addrs, n).await?;
    progress(&format!("throughput, {n} messages: raw"));
    let raw = throughput_run(Kind::Raw, false, &world, &server.addrs, n).await?;
    progress(&format!("throughput, {n} messages: SDK on a SQLite store"));
    let stored = throughput_run(Kind::Sdk, true, &world, &server.addrs, n).await?;
    server.stop().await;
    Ok(vec![
        Measure::new(
            "one-to-one throughput",
            "msg/s",
            sdk.rate,
            raw.rate,
            Better::Higher,
            "≥ 50k msg/s; SDK ≥ 0.9 × raw",
        ),
        Measure::new(
            "client CPU per message, sender + receiver",
            "µs",
            sdk.usage.cpu_us,
            raw.usage.cpu_us,
            Better::Lower,
            "SDK ≤ 1.3 × raw",
        ),
        Measure::new(
            "one-to-one throughput, SDK sender on a SQLite store (baseline: in memory)",
            "msg/s",
            stored.rate,
            sdk.rate,
            Better::Higher,
            "",
        ),
        Measure::new(
            "client CPU per message, SDK sender on a SQLite store (baseline: in memory)",
            "µs",
            stored.usage.cpu_us,
            sdk.usage.cpu_us,
            Better::Lower,
            "",
        ),
    ])
}
