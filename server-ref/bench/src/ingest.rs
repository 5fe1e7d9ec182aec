//! Durable ingest: many sockets send into their own group chats with a window of messages in
//! flight; a message counts once the server acknowledged it, which it does after the commit
//! that stored it. Baseline: the same rows written straight into SQLite by the server's own
//! store code, one transaction per message, no network.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chinwag_server::store::{chats, messages};
use futures::SinkExt;
use tokio::sync::Semaphore;

use crate::raw::{self, To};
use crate::stats::{Better, Measure};
use crate::traffic::{raw_receiver, text};
use crate::world::{World, group};
use crate::{Fallible, progress};

/// Messages per second acknowledged by the server, and messages per commit, with `senders`
/// sockets keeping `window` messages each in flight for `secs` seconds.
async fn server_rate(senders: usize, window: usize, secs: f64) -> Fallible<(f64, f64)> {
    // Each sender posts into a group chat of its own.
    let (world, chats) = World::seed(senders, |conn, a| {
        a.iter()
            .map(|x| group(conn, &format!("solo-{}", x.id), &[x.id]))
            .collect::<Result<Vec<i64>, _>>()
    })
    .await?;
    let mut server = world.serve().await?;
    let acks = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for (account, &chat) in world.accounts.iter().zip(&chats) {
        let (mut sink, stream) = raw::connect(&server.addr, account, false).await?;
        let permits = Arc::new(Semaphore::new(window));
        let (p, a) = (permits.clone(), acks.clone());
        tasks.push(raw_receiver(stream, None, move || {
            a.fetch_add(1, Ordering::Relaxed);
            p.add_permits(1);
        }));
        tasks.push(tokio::spawn(async move {
            for seq in 0u64.. {
                let Ok(permit) = permits.acquire().await else {
                    break;
                };
                permit.forget();
                let frame =
                    raw::message_frame(To::Group(chat), &text(seq), &format!("in-{chat}-{seq}"));
                if sink.send(frame).await.is_err() {
                    break;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (acks0, stats0, t0) = (
        acks.load(Ordering::Relaxed),
        server.stats().await?,
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let (acks1, stats1, t1) = (
        acks.load(Ordering::Relaxed),
        server.stats().await?,
        Instant::now(),
    );
    tasks.iter().for_each(|t| t.abort());
    server.stop().await;
    let rate = (acks1 - acks0) as f64 / (t1 - t0).as_secs_f64();
    let per_commit = (stats1.messages - stats0.messages) as f64
        / (stats1.commits - stats0.commits).max(1) as f64;
    Ok((rate, per_commit))
}

/// Rows per second SQLite takes with one transaction per message (the server's store code,
/// WAL, synchronous=NORMAL), for `secs` seconds.
async fn sqlite_rate(secs: f64) -> Fallible<f64> {
    let (world, chat) = World::seed(1, |conn, a| group(conn, "solo", &[a[0].id])).await?;
    let sender = world.accounts[0].id;
    let path = world.db.clone();
    tokio::task::spawn_blocking(move || -> Fallible<f64> {
        let mut conn = rusqlite::Connection::open(&path)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed().as_secs_f64() < secs {
            let tx = conn.transaction()?;
            let new = messages::NewMessage {
                gid: format!("sq-{n}"),
                chat_id: chat,
                sender_id: sender,
                date: chinwag_server::db::now_ms(),
                kind: "normal".into(),
                content_type: "text".into(),
                content: text(n),
            };
            messages::insert(&tx, &new)?;
            chats::touch(&tx, chat, new.date)?;
            tx.commit()?;
            n += 1;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    })
    .await?
}

/// Rows: durable ingest against SQLite alone, and messages per commit.
pub async fn ingest(senders: usize, window: usize, secs: f64) -> Fallible<Vec<Measure>> {
    progress(&format!(
        "durable ingest: {senders} sockets × {window} in flight"
    ));
    let (rate, per_commit) = server_rate(senders, window, secs).await?;
    progress("durable ingest: SQLite alone, one commit per message");
    let base = sqlite_rate(secs).await?;
    Ok(vec![
        Measure::new(
            format!("durable ingest, {senders} senders"),
            "msg/s",
            rate,
            base,
            Better::Higher,
            "≥ 20k msg/s",
        ),
        Measure::new(
            "messages per commit during ingest",
            "msg",
            per_commit,
            1.0,
            Better::Higher,
            "",
        ),
    ])
}
