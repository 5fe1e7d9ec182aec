//! Numbered messages through the server: a [`Sender`] (SDK client or raw socket) writes
//! message `seq`, receivers (SDK clients or raw sockets) record when each arrives in a
//! [`Tally`]. The text of message `seq` is `"<seq> <filler>"`, about 100 bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chinwag::{Client, Content, Event, Receipt, Target};
use futures::stream::FuturesUnordered;
use futures::{SinkExt, StreamExt};
use tokio::task::JoinHandle;

use crate::Fallible;
use crate::raw::{self, Frame, RawSink, RawStream, To};

const FILLER: &str =
    "the quick brown fox jumps over the lazy dog while the chat server keeps count";

/// The text of message `seq`.
pub fn text(seq: u64) -> String {
    format!("{seq} {FILLER}")
}

/// The sequence number in a message text.
pub fn seq_of(text: &str) -> Option<u64> {
    text.split(' ').next()?.parse().ok()
}

/// When each numbered message reached how many receivers.
pub struct Tally {
    receivers: u32,
    base: Instant,
    count: Vec<AtomicU32>,
    last_ns: Vec<AtomicU64>,
    complete: AtomicU64,
}

impl Tally {
    /// Room for messages `0..messages`, each expected by `receivers` receivers.
    pub fn new(messages: usize, receivers: u32) -> Arc<Tally> {
        Arc::new(Tally {
            receivers,
            base: Instant::now(),
            count: (0..messages).map(|_| AtomicU32::new(0)).collect(),
            last_ns: (0..messages).map(|_| AtomicU64::new(0)).collect(),
            complete: AtomicU64::new(0),
        })
    }

    /// Nanoseconds since the tally was made.
    pub fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    /// A receiver got message `seq` now.
    pub fn record(&self, seq: u64) {
        let Some(count) = self.count.get(seq as usize) else {
            return;
        };
        self.last_ns[seq as usize].fetch_max(self.now_ns(), Ordering::Relaxed);
        if count.fetch_add(1, Ordering::AcqRel) + 1 == self.receivers {
            self.complete.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// When the last receiver got message `seq` (ns since the tally was made), if all have.
    pub fn done_at(&self, seq: u64) -> Option<u64> {
        let i = seq as usize;
        (self.count[i].load(Ordering::Acquire) >= self.receivers)
            .then(|| self.last_ns[i].load(Ordering::Relaxed))
    }

    /// Waits until `n` messages reached every receiver; false after `timeout`. It looks once
    /// a millisecond: when each message arrived is recorded as it arrives, and the looking
    /// must not add much to the CPU time of the process that the throughput rows measure.
    pub async fn wait_complete(&self, n: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.complete.load(Ordering::Acquire) < n {
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        true
    }

    /// How many messages reached every receiver.
    pub fn complete(&self) -> u64 {
        self.complete.load(Ordering::Acquire)
    }
}

/// Records every numbered message `client` receives into `tally`.
pub fn sdk_receiver(client: &Client, tally: Arc<Tally>) -> JoinHandle<()> {
    let mut events = client.events();
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let Event::Message(m) = event {
                if let Some(seq) = seq_of(m.content.body()) {
                    tally.record(seq);
                }
            }
        }
    })
}

/// Runs `jobs`, at most `limit` at a time; their results in the order they finish, or the
/// first error.
pub async fn bounded<T, Fut>(limit: usize, jobs: impl IntoIterator<Item = Fut>) -> Fallible<Vec<T>>
where
    Fut: std::future::Future<Output = Fallible<T>>,
{
    let mut done = Vec::new();
    let mut running = FuturesUnordered::new();
    for job in jobs {
        if running.len() >= limit {
            if let Some(r) = running.next().await {
                done.push(r?);
            }
        }
        running.push(job);
    }
    while let Some(r) = running.next().await {
        done.push(r?);
    }
    Ok(done)
}

/// Records every numbered message arriving on `stream` into `tally` (if any) and calls
/// `on_ack` for each acknowledgement.
pub fn raw_receiver(
    mut stream: RawStream,
    tally: Option<Arc<Tally>>,
    on_ack: impl Fn() + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            match raw::read(&msg) {
                Frame::Message(text) => {
                    if let (Some(tally), Some(seq)) = (&tally, seq_of(&text)) {
                        tally.record(seq);
                    }
                }
                Frame::Ack => on_ack(),
                Frame::Other => {}
            }
        }
    })
}

/// Writes numbered messages: through the SDK (its outbox, acknowledged sends) or raw.
pub enum Sender {
    /// An SDK client.
    Sdk {
        /// The client.
        client: Client,
        /// Where to.
        to: Target,
        /// One per message sent, completed by the server's acknowledgement.
        receipts: Vec<Receipt>,
    },
    /// A raw socket.
    Raw {
        /// Its write half.
        sink: RawSink,
        /// Where to.
        to: To,
        /// Acknowledgements read so far.
        acks: Arc<AtomicU64>,
        /// Reads the socket (acknowledgements, anything else).
        reader: JoinHandle<()>,
        /// Makes gids unique across runs.
        nonce: u64,
    },
}

impl Sender {
    /// A raw sender on a connected socket.
    pub fn raw(sink: RawSink, stream: RawStream, to: To) -> Sender {
        let acks = Arc::new(AtomicU64::new(0));
        let counted = acks.clone();
        let reader = raw_receiver(stream, None, move || {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        Sender::Raw {
            sink,
            to,
            acks,
            reader,
            nonce,
        }
    }

    /// An SDK sender.
    pub fn sdk(client: Client, to: Target) -> Sender {
        Sender::Sdk {
            client,
            to,
            receipts: Vec::new(),
        }
    }

    /// Writes message `seq` (without waiting for its acknowledgement).
    pub async fn send(&mut self, seq: u64) -> Fallible {
        self.feed(seq).await?;
        if let Sender::Raw { sink, .. } = self {
            sink.flush().await?;
        }
        Ok(())
    }

    /// Writes messages `seqs` as fast as the client allows.
    pub async fn burst(&mut self, seqs: std::ops::Range<u64>) -> Fallible {
        for seq in seqs {
            self.feed(seq).await?;
        }
        if let Sender::Raw { sink, .. } = self {
            sink.flush().await?;
        }
        Ok(())
    }

    async fn feed(&mut self, seq: u64) -> Fallible {
        match self {
            Sender::Sdk {
                client,
                to,
                receipts,
            } => {
                receipts.push(client.messages().enqueue(*to, Content::Text(text(seq)))?);
            }
            Sender::Raw {
                sink, to, nonce, ..
            } => {
                sink.feed(raw::message_frame(
                    *to,
                    &text(seq),
                    &format!("raw-{nonce}-{seq}"),
                ))
                .await?;
            }
        }
        Ok(())
    }

    /// Waits (up to `timeout`) for the acknowledgements of everything sent; returns how
    /// many arrived.
    pub async fn acknowledged(&mut self, timeout: Duration) -> u64 {
        match self {
            Sender::Sdk { receipts, .. } => {
                // One by one, as an app waits for its sends: `join_all` over 20,000
                // receipts cost more bookkeeping per message (about 1,450 instructions,
                // counted as the client's) than waiting for each.
                let all = async {
                    let mut ok = 0;
                    for receipt in receipts.drain(..) {
                        ok += u64::from(receipt.await.is_ok());
                    }
                    ok
                };
                tokio::time::timeout(timeout, all).await.unwrap_or(0)
            }
            Sender::Raw { acks, .. } => acks.load(Ordering::Relaxed),
        }
    }

    /// Closes the client or socket.
    pub async fn close(self) {
        match self {
            Sender::Sdk { client, .. } => client.close().await,
            Sender::Raw {
                mut sink, reader, ..
            } => {
                let _ = sink.close().await;
                reader.abort();
            }
        }
    }
}
