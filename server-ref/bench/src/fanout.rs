//! Group fan-out: one sender, a group whose other members are all connected. Chinwag: every
//! member an SDK client; baseline: every member a raw socket (same server, same frames).

use std::time::Duration;

use chinwag::Target;

use crate::raw::{self, To};
use crate::stats::{Better, Measure, percentile};
use crate::traffic::{Sender, Tally, bounded, raw_receiver, sdk_receiver};
use crate::world::{World, group, sdk_client};
use crate::{Fallible, progress};

use super::one_to_one::Kind;
use crate::server::Topology;

/// Results of one variant: deliveries per second, and p99 time (ms) until the last member
/// has a message.
pub struct Outcome {
    /// Deliveries per second in the burst.
    pub deliveries_per_sec: f64,
    /// p99 of the time until the last member has a message sent alone, ms.
    pub p99_last_ms: f64,
}

pub async fn run(
    kind: Kind,
    topology: Topology,
    members: usize,
    sequential: u64,
    burst: u64,
) -> Fallible<Outcome> {
    let (world, group_id) = World::seed(members + 1, |conn, a| {
        let ids: Vec<i64> = a.iter().map(|x| x.id).collect();
        group(conn, "fanout", &ids)
    })
    .await?;
    let server = world.serve_in(topology).await?;
    let addr = server.addr.clone();
    // Members spread over the gateways, when split.
    let addrs = server.addrs.clone();
    let member_addr = |i: usize| addrs[i % addrs.len()].clone();
    let total = sequential + burst;
    let tally = Tally::new(total as usize, members as u32);
    let (sender_account, member_accounts) = world.accounts.split_first().ok_or("no accounts")?;
    progress(&format!(
        "fan-out to {members} members ({kind:?}): connecting"
    ));
    let mut clients = Vec::new();
    let mut readers = Vec::new();
    let mut sender = match kind {
        Kind::Sdk => {
            let connecting = member_accounts.iter().enumerate().map(|(i, a)| {
                let addr = member_addr(i);
                async move { sdk_client(&addr, a).await }
            });
            clients = bounded(64, connecting).await?;
            readers = clients
                .iter()
                .map(|c| sdk_receiver(c, tally.clone()))
                .collect();
            Sender::sdk(
                sdk_client(&addr, sender_account).await?,
                Target::Group(group_id),
            )
        }
        Kind::Raw => {
            let connecting = member_accounts.iter().enumerate().map(|(i, a)| {
                let addr = member_addr(i);
                async move { raw::connect(&addr, a, true).await }
            });
            let sockets = bounded(64, connecting).await?;
            for (_, stream) in sockets {
                readers.push(raw_receiver(stream, Some(tally.clone()), || {}));
            }
            let (sink, stream) = raw::connect(&addr, sender_account, false).await?;
            Sender::raw(sink, stream, To::Group(group_id))
        }
    };
    // Presence events of the members coming online settle first.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    progress(&format!(
        "fan-out to {members} members ({kind:?}): {sequential} one by one, then {burst} at once"
    ));
    let mut last_ms = Vec::new();
    for seq in 0..sequential {
        let sent = tally.now_ns();
        sender.send(seq).await?;
        if !tally.wait_complete(seq + 1, Duration::from_secs(30)).await {
            return Err(format!("{kind:?}: message {seq} did not reach every member").into());
        }
        last_ms.push(
            tally
                .done_at(seq)
                .map_or(f64::NAN, |at| (at - sent) as f64 / 1e6),
        );
    }
    let start = tally.now_ns();
    sender.burst(sequential..total).await?;
    if !tally.wait_complete(total, Duration::from_secs(120)).await {
        return Err(format!(
            "{kind:?}: only {} of {total} messages reached every member",
            tally.complete()
        )
        .into());
    }
    let end = (sequential..total)
        .filter_map(|s| tally.done_at(s))
        .max()
        .unwrap_or(start);
    sender.close().await;
    for c in clients {
        c.close().await;
    }
    readers.iter().for_each(|r| r.abort());
    server.stop().await;
    last_ms.sort_by(|a, b| a.total_cmp(b));
    Ok(Outcome {
        deliveries_per_sec: (burst * members as u64) as f64 / ((end - start) as f64 / 1e9),
        p99_last_ms: percentile(&last_ms, 99.0),
    })
}

/// Rows: fan-out deliveries per second and p99 time to the last member, SDK members against
/// raw members.
pub async fn fanout(members: usize, sequential: u64, burst: u64) -> Fallible<Vec<Measure>> {
    let sdk = run(Kind::Sdk, Topology::One, members, sequential, burst).await?;
    let raw = run(Kind::Raw, Topology::One, members, sequential, burst).await?;
    Ok(vec![
        Measure::new(
            format!("fan-out deliveries, {members} members"),
            "msg/s",
            sdk.deliveries_per_sec,
            raw.deliveries_per_sec,
            Better::Higher,
            "≥ 500k/s",
        ),
        Measure::new(
            format!("fan-out p99 until the last of {members} has it"),
            "ms",
            sdk.p99_last_ms,
            raw.p99_last_ms,
            Better::Lower,
            "",
        ),
    ])
}
