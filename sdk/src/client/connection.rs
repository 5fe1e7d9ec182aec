//! The connection driver: moves frames, timers and requests between the network and the
//! session state machine ([`crate::proto::session`]), and decides nothing itself. Each turn
//! takes the machine's outputs (events and finished sends to the app, frames to write, the
//! socket to open or drop, a catch-up page to fetch, the next deadline), then waits for the
//! first input (a frame, the socket opening, a page, the app's wake-up, the deadline) and
//! feeds it back. It ends when the machine does.

use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures::channel::mpsc::UnboundedReceiver;
use futures::channel::oneshot;
use futures::{FutureExt, SinkExt, StreamExt, future};

use chinwag_wire::ext::{EXT_PARAM, EXT_VALUE, SyncData, SyncQuery};

use super::Inner;
use crate::error::{Error, Result};
use crate::proto::frames;
use crate::proto::rest::{Endpoint, Framing};
use crate::proto::session::{Action, SessionMachine};
use crate::runtime::{BoxFuture, TransportError, WsConnection, WsSink, WsStream, now};

/// What the driver waits on.
#[derive(Default)]
struct Link {
    sink: Option<WsSink>,
    stream: Option<WsStream>,
    /// How the stream ended, read while gathering a batch and reported next.
    stream_end: Option<Option<TransportError>>,
    connecting: Option<BoxFuture<'static, Result<WsConnection>>>,
    syncing: Option<BoxFuture<'static, Result<SyncData>>>,
    timer: Option<(Duration, BoxFuture<'static, ()>)>,
    /// Frames read and parsed, waiting to be fed (kept between turns so its room is reused).
    /// They are parsed as they are read, outside the client's lock, which the app's sends
    /// wait on.
    read: Vec<frames::Parsed>,
    /// Frames to write (likewise).
    to_write: Vec<String>,
}

/// What arrived, to be fed to the machine on the next turn.
enum Input {
    Nothing,
    /// Frames read from the socket and parsed, in order, in [`Link::read`].
    Frames,
    /// The socket closed or failed.
    Closed(Error),
    Connected,
    ConnectFailed(Error),
    Synced(Result<SyncData>),
    Timer,
    /// The app woke the driver (`false`: the client is gone).
    Woken(bool),
}

/// Most frames fed to the machine in one turn (one lock, one flush of what they cause).
const BATCH: usize = 256;

/// Runs until the session ends. `settled` is told when the first attempt to connect has
/// succeeded or failed (login waits for it); it is dropped at the latest on exit.
pub(crate) async fn run(
    inner: Arc<Inner>,
    mut wake: UnboundedReceiver<()>,
    settled: oneshot::Sender<()>,
) {
    let mut settled = Some(settled);
    let mut link = Link::default();
    let mut input = Input::Nothing;
    loop {
        let read = &mut link.read;
        let out = inner.turn(&mut link.to_write, |m, now| {
            feed(m, now, std::mem::replace(&mut input, Input::Nothing), read)
        });
        if let Some(sink) = out.sink {
            link.sink = Some(sink);
        }
        if out.settled {
            if let Some(tx) = settled.take() {
                let _ = tx.send(());
            }
        }
        // Sends enter the store before their frames go out.
        if let Some((changes, version)) = out.store {
            inner.persist(changes, version).await;
        }
        // A failed write is fed back as the socket closing, after this turn's actions.
        let written = link.write(out.flush).await;
        for action in out.actions {
            match action {
                Action::Connect => {
                    link.drop_socket();
                    link.connecting = Some(Box::pin(connect(inner.clone())));
                }
                Action::Sync(query) => link.syncing = Some(Box::pin(sync(inner.clone(), query))),
                Action::Disconnect => link.reset(),
            }
        }
        if out.ended {
            return;
        }
        if let Err(e) = written {
            link.drop_socket();
            input = Input::Closed(e.into());
            continue;
        }
        link.set_timer(&inner, out.timeout);
        // Between turns the app's thread may write (`socket.rs`).
        inner.park_socket(link.sink.take());
        input = link.next(&mut wake).await;
        match input {
            Input::Woken(false) => return inner.park_socket(None),
            Input::Closed(_) => {
                link.drop_socket();
                inner.park_socket(None);
            }
            _ => {}
        }
    }
}

/// Feeds one input to the machine (the frames read are taken from `read`).
fn feed(
    m: &mut SessionMachine<super::Waiter>,
    now: Duration,
    input: Input,
    read: &mut Vec<frames::Parsed>,
) {
    match input {
        Input::Frames => {
            for frame in read.drain(..) {
                m.handle_incoming(now, frame);
            }
        }
        Input::Closed(e) => m.handle_closed(now, e),
        Input::Connected => m.handle_connected(now),
        Input::ConnectFailed(e) => m.handle_connect_failed(now, e),
        Input::Synced(page) => m.handle_sync(now, page),
        Input::Timer => m.handle_timeout(now),
        Input::Nothing | Input::Woken(_) => {}
    }
}

impl Link {
    /// Writes the frames of this turn and flushes them with any the app's thread left
    /// `unflushed`; dropped if no socket is open.
    async fn write(&mut self, unflushed: bool) -> std::result::Result<(), TransportError> {
        let frames = self.to_write.drain(..);
        let Some(sink) = &mut self.sink else {
            return Ok(());
        };
        if frames.len() == 0 && !unflushed {
            return Ok(());
        }
        for frame in frames {
            sink.feed(frame).await?;
        }
        sink.flush().await
    }

    /// Drops the socket and everything in flight (the buffers, empty by now, keep their
    /// room).
    fn reset(&mut self) {
        self.drop_socket();
        self.connecting = None;
        self.syncing = None;
        self.timer = None;
    }

    fn drop_socket(&mut self) {
        self.sink = None;
        self.stream = None;
        self.stream_end = None;
    }

    /// Sleeps until `deadline` (the current timer stays if the deadline did not move).
    fn set_timer(&mut self, inner: &Inner, deadline: Option<Duration>) {
        match deadline {
            None => self.timer = None,
            Some(at) if self.timer.as_ref().is_some_and(|(t, _)| *t == at) => {}
            Some(at) => self.timer = Some((at, inner.rt.sleep(at.saturating_sub(now())))),
        }
    }

    /// The first input to arrive. The app's wake-up and the timer come first, so a busy
    /// socket cannot starve sends or heartbeats; frames come in batches of what is ready.
    async fn next(&mut self, wake: &mut UnboundedReceiver<()>) -> Input {
        future::poll_fn(|cx| {
            if let Poll::Ready(woken) = wake.poll_next_unpin(cx) {
                return Poll::Ready(Input::Woken(woken.is_some()));
            }
            if let Some((_, timer)) = &mut self.timer {
                if timer.poll_unpin(cx).is_ready() {
                    self.timer = None;
                    return Poll::Ready(Input::Timer);
                }
            }
            if let Some(Poll::Ready(r)) = self.connecting.as_mut().map(|c| c.poll_unpin(cx)) {
                self.connecting = None;
                return Poll::Ready(match r {
                    Ok(connection) => {
                        self.sink = Some(connection.sink);
                        self.stream = Some(connection.stream);
                        Input::Connected
                    }
                    Err(e) => Input::ConnectFailed(e),
                });
            }
            if let Some(Poll::Ready(r)) = self.syncing.as_mut().map(|s| s.poll_unpin(cx)) {
                self.syncing = None;
                return Poll::Ready(Input::Synced(r));
            }
            if let Some(end) = self.stream_end.take() {
                return Poll::Ready(Input::Closed(closed(end)));
            }
            let Some(stream) = &mut self.stream else {
                return Poll::Pending;
            };
            let read = &mut self.read;
            while read.len() < BATCH {
                match stream.poll_next_unpin(cx) {
                    Poll::Ready(Some(Ok(text))) => read.push(frames::parse(&text)),
                    Poll::Ready(end) => {
                        let end = end.and_then(|r| r.err());
                        if read.is_empty() {
                            return Poll::Ready(Input::Closed(closed(end)));
                        }
                        self.stream_end = Some(end);
                        break;
                    }
                    Poll::Pending => break,
                }
            }
            if read.is_empty() {
                Poll::Pending
            } else {
                Poll::Ready(Input::Frames)
            }
        })
        .await
    }
}

/// Why the socket ended: its error, or the server closing it.
fn closed(error: Option<TransportError>) -> Error {
    match error {
        Some(e) => e.into(),
        None => Error::Network("the server closed the connection".into()),
    }
}

/// The socket URL for `token`.
fn socket_url(server: &str, token: &str) -> String {
    let base = if let Some(rest) = server.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        format!("ws://{}", server.trim_start_matches("http://"))
    };
    format!("{base}/ws?access_token={token}&{EXT_PARAM}={EXT_VALUE}")
}

/// Opens the extension socket within the connect timeout. [`Error::Auth`] when the token is
/// no longer good: seen in the upgrade's status, or, on platforms that hide it (browsers),
/// asked over HTTP after a failure.
async fn connect(inner: Arc<Inner>) -> Result<WsConnection> {
    let token = inner.require_token()?;
    let connecting = inner.rt.connect(socket_url(&inner.config.server, &token));
    match inner
        .with_timeout(connecting, inner.config.connect_timeout, "connecting")
        .await
    {
        Ok(connection) => Ok(connection),
        Err(e @ Error::Auth(_)) => Err(e),
        Err(e) => {
            let probe = Endpoint::new("GET", "/api/friend", Framing::Rest);
            match inner
                .call_as::<serde_json::Value>(probe, Some(&token))
                .await
            {
                Err(auth @ Error::Auth(_)) => Err(auth),
                _ => Err(e),
            }
        }
    }
}

/// Fetches one catch-up page.
async fn sync(inner: Arc<Inner>, query: SyncQuery) -> Result<SyncData> {
    let token = inner.require_token()?;
    let endpoint = Endpoint::new("GET", "/api/sync", Framing::Rest).query(&query)?;
    Ok(inner.call_as(endpoint, Some(&token)).await?.0)
}
