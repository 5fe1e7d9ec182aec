//! Seed 000's split, scaled out, against one process, in the same run: raw clients' one-to-one
//! latency and throughput with the sender on one gateway and the receiver on the other, and a
//! fan-out to raw members spread over both gateways, through a backend and two gateways
//! linked over a nats-server on loopback (the Chinwag column) and through one server (the
//! baseline column). The ratio is what the link costs: a serialisation and two NATS hops per
//! request and per event; the server CPU row adds up every server process (nats-server too).

use crate::fanout;
use crate::one_to_one::{self, Kind};
use crate::server::Topology;
use crate::stats::{Better, Measure};
use crate::{Fallible, progress};

/// Rows: latency p50/p99 at `rate` msg/s for `secs`, throughput of `n` messages, and fan-out
/// to `members` (`sequential` one by one, then `burst` at once), split against one process.
pub async fn split(
    rate: u64,
    secs: u64,
    n: u64,
    members: usize,
    sequential: u64,
    burst: u64,
) -> Fallible<Vec<Measure>> {
    let world = one_to_one::world().await?;
    let mut latency = Vec::new();
    let mut throughput = Vec::new();
    let mut server_cpu = Vec::new();
    for topology in [Topology::Split, Topology::One] {
        let server = world.serve_in(topology).await?;
        progress(&format!(
            "{topology:?}: latency at {rate} msg/s, raw clients"
        ));
        latency.push(
            one_to_one::latency_run(Kind::Raw, false, &world, &server.addrs, rate, secs).await?,
        );
        progress(&format!(
            "{topology:?}: throughput, {n} messages, raw clients"
        ));
        let cpu_before = server.cpu_ns()?;
        throughput
            .push(one_to_one::throughput_run(Kind::Raw, false, &world, &server.addrs, n).await?);
        server_cpu.push((server.cpu_ns()? - cpu_before) as f64 / 1000.0 / n as f64);
        server.stop().await;
    }
    let split_fanout = fanout::run(Kind::Raw, Topology::Split, members, sequential, burst).await?;
    let one_fanout = fanout::run(Kind::Raw, Topology::One, members, sequential, burst).await?;
    let label = format!("{}k", rate as f64 / 1000.0);
    let aim = "split ≤ 1.5 × one process";
    let mut rows: Vec<Measure> = ["p50", "p99"]
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Measure::new(
                format!(
                    "split, 2 gateways: latency {p} at {label} msg/s across gateways, raw clients (baseline: one process)"
                ),
                "µs",
                latency[0].percentiles[i],
                latency[1].percentiles[i],
                Better::Lower,
                aim,
            )
        })
        .collect();
    rows.push(Measure::new(
        "split, 2 gateways: one-to-one throughput across gateways, raw clients (baseline: one process)",
        "msg/s",
        throughput[0].rate,
        throughput[1].rate,
        Better::Higher,
        "split ≥ 0.5 × one process",
    ));
    rows.push(Measure::new(
        "split, 2 gateways: server CPU per message, every process (baseline: one process)",
        "µs",
        server_cpu[0],
        server_cpu[1],
        Better::Lower,
        "",
    ));
    rows.push(Measure::new(
        format!(
            "split, 2 gateways: fan-out deliveries, {members} raw members over both (baseline: one process)"
        ),
        "msg/s",
        split_fanout.deliveries_per_sec,
        one_fanout.deliveries_per_sec,
        Better::Higher,
        "split ≥ 0.5 × one process",
    ));
    rows.push(Measure::new(
        format!(
            "split, 2 gateways: fan-out p99 until the last of {members} has it (baseline: one process)"
        ),
        "ms",
        split_fanout.p99_last_ms,
        one_fanout.p99_last_ms,
        Better::Lower,
        aim,
    ));
    Ok(rows)
}
