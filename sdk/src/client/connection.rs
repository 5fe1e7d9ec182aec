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
use crate::event::{ConnectionState, Event};
use crate::proto::rest::{Endpoint, Framing};
use crate::proto::session::{Action, Ended};
use crate::runtime::{BoxFuture, TransportError, WsConnection, WsSink, WsStream, now};

/// What the driver waits on.
#[derive(Default)]
struct Link {
    sink: Option<WsSink>,
    stream: Option<WsStream>,
    connecting: Option<BoxFuture<'static, Result<WsConnection>>>,
    syncing: Option<BoxFuture<'static, Result<SyncData>>>,
    timer: Option<(Duration, BoxFuture<'static, ()>)>,
}

/// One input for the machine.
enum Input {
    Frame(Option<std::result::Result<String, TransportError>>),
    Connected(Result<WsConnection>),
    Synced(Result<SyncData>),
    /// The app woke the driver (`false`: the client is gone).
    Wake(bool),
    Timer,
}

/// Runs until the session ends. `settled` is told when the first attempt to connect has
/// succeeded or failed (login waits for it); it is dropped at the latest on exit.
pub(crate) async fn run(
    inner: Arc<Inner>,
    mut wake: UnboundedReceiver<()>,
    settled: oneshot::Sender<()>,
) {
    let mut settled = Some(settled);
    let mut link = Link::default();
    loop {
        let out = inner.outputs();
        if let Some(Ended::Kicked(_)) = out.ended {
            // Forgotten before the app hears of it, so nothing it does next uses the session.
            inner.kicked();
        }
        if out.events.iter().any(settles) {
            if let Some(tx) = settled.take() {
                let _ = tx.send(());
            }
        }
        inner.publish(out.events, out.completions);
        if let Err(e) = link.write(out.transmits).await {
            link.drop_socket();
            inner.with_machine(|m, now| m.handle_closed(now, e.into()));
            continue;
        }
        for action in out.actions {
            match action {
                Action::Connect => {
                    link.drop_socket();
                    link.connecting = Some(Box::pin(connect(inner.clone())));
                }
                Action::Sync(query) => link.syncing = Some(Box::pin(sync(inner.clone(), query))),
                Action::Disconnect => link = Link::default(),
            }
        }
        if out.ended.is_some() {
            return;
        }
        link.set_timer(&inner, out.timeout);
        let input = link.next(&mut wake).await;
        let now = now();
        match input {
            Input::Frame(Some(Ok(text))) => inner.with_machine(|m, _| m.handle_frame(now, &text)),
            Input::Frame(Some(Err(e))) => {
                link.drop_socket();
                inner.with_machine(|m, _| m.handle_closed(now, e.into()));
            }
            Input::Frame(None) => {
                link.drop_socket();
                let closed = Error::Network("the server closed the connection".into());
                inner.with_machine(|m, _| m.handle_closed(now, closed));
            }
            Input::Connected(Ok(connection)) => {
                link.sink = Some(connection.sink);
                link.stream = Some(connection.stream);
                inner.with_machine(|m, _| m.handle_connected(now));
            }
            Input::Connected(Err(e)) => inner.with_machine(|m, _| m.handle_connect_failed(now, e)),
            Input::Synced(page) => inner.with_machine(|m, _| m.handle_sync(now, page)),
            Input::Timer => {
                link.timer = None;
                inner.with_machine(|m, _| m.handle_timeout(now));
            }
            Input::Wake(true) => {}
            Input::Wake(false) => return,
        }
    }
}

/// Whether an event ends the first attempt to connect.
fn settles(event: &Event) -> bool {
    matches!(
        event,
        Event::Connection(
            ConnectionState::Connected
                | ConnectionState::Reconnecting { .. }
                | ConnectionState::Disconnected
        )
    )
}

impl Link {
    /// Writes `frames` (one flush); dropped if no socket is open.
    async fn write(&mut self, frames: Vec<String>) -> std::result::Result<(), TransportError> {
        let Some(sink) = &mut self.sink else {
            return Ok(());
        };
        if frames.is_empty() {
            return Ok(());
        }
        for frame in frames {
            sink.feed(frame).await?;
        }
        sink.flush().await
    }

    fn drop_socket(&mut self) {
        self.sink = None;
        self.stream = None;
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
    /// socket cannot starve sends or heartbeats.
    async fn next(&mut self, wake: &mut UnboundedReceiver<()>) -> Input {
        future::poll_fn(|cx| {
            if let Poll::Ready(woken) = wake.poll_next_unpin(cx) {
                return Poll::Ready(Input::Wake(woken.is_some()));
            }
            if let Some((_, timer)) = &mut self.timer {
                if timer.poll_unpin(cx).is_ready() {
                    return Poll::Ready(Input::Timer);
                }
            }
            if let Some(Poll::Ready(r)) = self.connecting.as_mut().map(|c| c.poll_unpin(cx)) {
                self.connecting = None;
                return Poll::Ready(Input::Connected(r));
            }
            if let Some(Poll::Ready(r)) = self.syncing.as_mut().map(|s| s.poll_unpin(cx)) {
                self.syncing = None;
                return Poll::Ready(Input::Synced(r));
            }
            if let Some(Poll::Ready(frame)) = self.stream.as_mut().map(|s| s.poll_next_unpin(cx)) {
                return Poll::Ready(Input::Frame(frame));
            }
            Poll::Pending
        })
        .await
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
