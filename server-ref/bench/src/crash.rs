//! The client crash test: a sender on a SQLite store, in a child process, killed with SIGKILL at
//! random moments (while it sends, while its frames are written, while it catches up),
//! started again on the same store, N times; then the server's history is checked against
//! what the sender was told: every send whose `send` returned is stored (lost), none twice
//! (duplicated), and in the order they were sent (out of order). The child reaches the server
//! through a relay that is cut in one run of three: those runs send offline and are killed
//! with their sends only in the store, which a later run must deliver.
//!
//! `chinwag-bench crash [--cycles N]` prints one line: `client crash: N cycles, S sends, lost
//! L, duplicated D, out of order O; F runs offline queued Q1, delivered by later runs Q2; never
//! sent U of Q queued`. S sends were acknowledged to the sender; the offline runs' sends
//! exist only in the store when the run is killed, so Q2 = Q1 shows the store at work; U of
//! all Q sends `enqueue` returned for never reached the server: killed between `enqueue` and
//! the driver turn that stores the send (the app was never told it was kept).
//! The child is this binary again, as `chinwag-bench crash-sender`. Message `R S` is send `S`
//! of run `R`: unique without any counter that would itself have to survive the kill.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::Duration;

use chinwag::{Client, Content, Target};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::world::{World, befriend, sdk_client};
use crate::{Fallible, progress};

/// Sends a child keeps in flight.
const IN_FLIGHT: usize = 8;

/// Runs the test; returns the line it prints.
pub async fn crash(cycles: u32) -> Fallible<String> {
    let (world, ()) = World::seed(2, |conn, a| befriend(conn, a[0].id, a[1].id)).await?;
    let server = world.serve().await?;
    let relay = Relay::start(server.addr.clone()).await?;
    let url = format!("http://{}", relay.addr);
    let dir = tempfile::tempdir()?;
    let store = dir.path().join("sender.db");
    let sender = &world.accounts[0];
    let receiver = &world.accounts[1];
    let session = serde_json::to_string(&sender.session())?;
    let mut acked: HashSet<(u32, u64)> = HashSet::new();
    let mut queued: HashSet<(u32, u64)> = HashSet::new();
    let mut offline: HashSet<u32> = HashSet::new();
    let mut seed = chinwag::runtime::random_u64();
    for run in 0..=cycles {
        // The last run is not killed: it resumes and waits until nothing is pending.
        let last = run == cycles;
        let mut child = Command::new(std::env::current_exe()?)
            .arg("crash-sender")
            .args([&url, store.to_str().ok_or("store path")?, &session])
            .args([run.to_string(), receiver.id.to_string()])
            .arg(if last { "drain" } else { "send" })
            .stdout(Stdio::piped())
            .stdin(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let life = Duration::from_millis(20 + (seed >> 33) % 400);
        // The first run logs in and the last drains: both need the server.
        let online = run == 0 || last || (seed >> 20) % 3 != 0;
        relay.up.send_replace(online);
        if !online {
            offline.insert(run);
        }
        let deadline = tokio::time::sleep(if last { Duration::from_secs(60) } else { life });
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                line = lines.next_line() => match line? {
                    Some(line) => note(&line, &mut acked, &mut queued),
                    None => break,
                },
                _ = &mut deadline => {
                    if last {
                        return Err("the last run did not drain within 60 s".into());
                    }
                    child.start_kill()?;
                    // What it printed before the kill still counts.
                    while let Some(line) = lines.next_line().await? {
                        note(&line, &mut acked, &mut queued);
                    }
                    break;
                }
            }
        }
        child.wait().await?;
        if run % 10 == 9 {
            progress(&format!("crash: {} of {cycles} cycles", run + 1));
        }
    }

    // What the server stored, oldest first.
    let reader = sdk_client(&server.addr, receiver).await?;
    let chat = reader.chats().open_direct(sender.id).await?;
    let mut stored = Vec::new();
    for page in 1.. {
        let history = reader.chats().history(&chat, page, 500).await?;
        stored.extend(history.messages);
        if !history.more {
            break;
        }
    }
    reader.close().await;
    server.stop().await;
    stored.sort_by_key(|m| m.id);
    let sent: Vec<(u32, u64)> = stored
        .iter()
        .filter_map(|m| parse(m.content.body()))
        .collect();
    let mut times: HashMap<(u32, u64), u32> = HashMap::new();
    for key in &sent {
        *times.entry(*key).or_default() += 1;
    }
    let lost = acked.iter().filter(|k| !times.contains_key(k)).count();
    let duplicated = times.values().filter(|&&n| n > 1).count();
    let out_of_order = sent.windows(2).filter(|w| w[1] < w[0]).count();
    let never_sent = queued.iter().filter(|k| !times.contains_key(k)).count();
    let queued_offline: Vec<_> = queued.iter().filter(|k| offline.contains(&k.0)).collect();
    let delivered_later = queued_offline
        .iter()
        .filter(|k| times.contains_key(k))
        .count();
    Ok(format!(
        "client crash: {cycles} cycles, {} sends, lost {lost}, duplicated {duplicated}, \
         out of order {out_of_order}; {} runs offline queued {}, delivered by later runs \
         {delivered_later}; never sent {never_sent} of {} queued",
        acked.len(),
        offline.len(),
        queued_offline.len(),
        queued.len()
    ))
}

/// Records a line of the child's: `queued R S` or `ack R S`.
fn note(line: &str, acked: &mut HashSet<(u32, u64)>, queued: &mut HashSet<(u32, u64)>) {
    if let Some(key) = line.strip_prefix("ack ").and_then(parse) {
        acked.insert(key);
    } else if let Some(key) = line.strip_prefix("queued ").and_then(parse) {
        queued.insert(key);
    }
}

/// A TCP relay to the server that can be cut: while down it closes every connection it holds
/// and every new one.
struct Relay {
    addr: String,
    up: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    async fn start(upstream: String) -> Fallible<Relay> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?.to_string();
        let (up, _) = tokio::sync::watch::channel(true);
        let watch = up.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut up = watch.subscribe();
                if !*up.borrow() {
                    continue;
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = up.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Ok(Relay { addr, up })
    }
}

/// `"R S"` → (R, S).
fn parse(text: &str) -> Option<(u32, u64)> {
    let (r, s) = text.split_once(' ')?;
    Some((r.parse().ok()?, s.parse().ok()?))
}

/// The child: `crash-sender URL STORE SESSION RUN TO send|drain`. It prints `ack R S` once the
/// server acknowledged send `S` of run `R`; `send` sends until it is killed, `drain` sends
/// nothing new and exits once nothing is pending.
pub fn sender(args: &[String]) -> Fallible {
    let [url, store, session, run, to, mode] = args else {
        return Err("crash-sender URL STORE SESSION RUN TO send|drain".into());
    };
    let run: u32 = run.parse()?;
    let to = Target::User(to.parse()?);
    let drain = mode == "drain";
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = Client::builder(url.as_str())
            .store_path(store)
            .backoff(Duration::from_millis(20), Duration::from_millis(200))
            .build()?;
        if client.session().is_none() {
            client
                .auth()
                .restore(serde_json::from_str(session)?)
                .await?;
        }
        let mut out = tokio::io::stdout();
        if drain {
            for _ in 0..6000 {
                if client.pending_sends().is_empty() {
                    client.close().await;
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            return Err("sends still pending after 60 s".into());
        }
        let mut flying = FuturesUnordered::new();
        for seq in 0u64.. {
            let receipt = client
                .messages()
                .enqueue(to, Content::Text(format!("{run} {seq}")))?;
            out.write_all(format!("queued {run} {seq}\n").as_bytes())
                .await?;
            out.flush().await?;
            flying.push(async move { (seq, receipt.await) });
            while flying.len() >= IN_FLIGHT {
                if let Some((seq, outcome)) = flying.next().await {
                    if outcome.is_ok() {
                        out.write_all(format!("ack {run} {seq}\n").as_bytes())
                            .await?;
                        out.flush().await?;
                    }
                }
            }
        }
        Ok(())
    })
}
