//! The connection task: open the extension socket, catch up through `/api/sync`, write the
//! outbox, then pump frames both ways with heartbeats — and on any failure, back off and do it
//! all again, until the client stops or the server kicks the session.

use std::sync::Arc;
use std::time::Duration;

use futures::channel::mpsc::UnboundedReceiver;
use futures::channel::oneshot;
use futures::{SinkExt, StreamExt, future, stream};

use chinwag_wire::ext::{EXT_PARAM, EXT_VALUE, SyncData, SyncQuery};

use super::{Command, Inner};
use crate::error::{Error, Result};
use crate::event::{ConnectionState, Event};
use crate::model::{Message, Notification, SentMessage};
use crate::proto::events::from_event_frame;
use crate::proto::frames::{self, Incoming};
use crate::proto::rest::{Endpoint, Framing};
use crate::runtime::{WsConnection, random_u64};

/// How a connection ended.
enum Ended {
    /// The client asked to stop.
    Stopped,
    /// The server ended the session for good.
    Kicked(String),
    /// The connection failed or broke; try again.
    Lost(Error),
}

/// Runs until the client stops or is kicked. `settled` is told when the first attempt to
/// connect has succeeded or failed (login waits for it); it is dropped at the latest on exit.
pub(crate) async fn run(
    inner: Arc<Inner>,
    mut commands: UnboundedReceiver<Command>,
    settled: oneshot::Sender<()>,
) {
    let mut settled = Some(settled);
    let mut attempt: u32 = 0;
    inner.set_connection(ConnectionState::Connecting);
    while let Some(token) = inner.token() {
        let opened = open(&inner, &token).await;
        if opened.is_ok() {
            attempt = 0;
            inner.set_connection(ConnectionState::Connected);
        }
        if let Some(tx) = settled.take() {
            let _ = tx.send(());
        }
        let ended = match opened {
            Ok(connection) => pump(&inner, connection, &mut commands).await,
            Err(Error::Auth(reason)) => Ended::Kicked(reason),
            Err(e) => Ended::Lost(e),
        };
        match ended {
            Ended::Stopped => break,
            Ended::Kicked(reason) => {
                inner.emit(Event::Kicked { reason });
                {
                    let mut state = inner.state();
                    state.commands = None;
                    state.session = None;
                }
                inner.fail_outbox(Error::Auth("the session was ended by the server".into()));
                break;
            }
            Ended::Lost(error) => {
                inner.state().last_error = Some(error);
                attempt = attempt.saturating_add(1);
                let delay = inner.config.backoff.delay(attempt, random_u64());
                inner.set_connection(ConnectionState::Reconnecting {
                    attempt,
                    retry_in_ms: delay.as_millis() as u64,
                });
                if !wait(&inner, delay, &mut commands).await {
                    break;
                }
            }
        }
    }
    inner.set_connection(ConnectionState::Disconnected);
}

/// Waits out a backoff delay; false if the client stopped meanwhile.
async fn wait(
    inner: &Inner,
    delay: std::time::Duration,
    commands: &mut UnboundedReceiver<Command>,
) -> bool {
    let mut sleep = inner.rt.sleep(delay);
    loop {
        match future::select(sleep, commands.next()).await {
            future::Either::Left(_) => return true,
            future::Either::Right((Some(Command::Stop) | None, _)) => return false,
            future::Either::Right((Some(_), rest)) => sleep = rest,
        }
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

/// Opens the socket and catches up on what was missed.
///
/// A client without a cursor first learns where the server starts it ("now", or its last
/// acknowledgement) before any socket exists, and takes that as its cursor. Every message
/// after it then either comes live or from the catch-up after the socket opens — also after
/// a socket that lost frames in flight, which a cursor-less client could not ask for again.
async fn open(inner: &Arc<Inner>, token: &str) -> Result<WsConnection> {
    if inner.state().cursor.last().is_none() {
        let start = catch_up(inner, token).await?;
        inner.state().cursor.advance_to(start);
    }
    let connecting = inner.rt.connect(socket_url(&inner.config.server, token));
    let connection = match inner
        .with_timeout(connecting, inner.config.connect_timeout, "connecting")
        .await
    {
        Ok(connection) => connection,
        Err(e @ Error::Auth(_)) => return Err(e),
        Err(e) => {
            // A platform that hides the upgrade's status (browsers): ask over HTTP whether
            // the token is still good.
            let probe = Endpoint::new("GET", "/api/friend", Framing::Rest);
            if let Err(auth @ Error::Auth(_)) =
                inner.call_as::<serde_json::Value>(probe, Some(token)).await
            {
                return Err(auth);
            }
            return Err(e);
        }
    };
    catch_up(inner, token).await?;
    Ok(connection)
}

/// Fetches, page by page, the messages that arrived after the cursor, and hands them over;
/// returns the server's cursor after the last page.
async fn catch_up(inner: &Arc<Inner>, token: &str) -> Result<i64> {
    let me = inner.me()?;
    loop {
        let query = SyncQuery {
            after: inner.state().cursor.last(),
            limit: Some(inner.config.sync_page),
        };
        let endpoint = Endpoint::new("GET", "/api/sync", Framing::Rest).query(&query)?;
        let (page, _): (SyncData, _) = inner.call_as(endpoint, Some(token)).await?;
        for frame in page.messages {
            if let Some(message) = Message::from_frame(frame, me) {
                inner.deliver(message);
            }
        }
        if !page.more {
            return Ok(page.cursor);
        }
    }
}

/// What the pump reacts to.
enum Input {
    Frame(std::result::Result<String, crate::runtime::TransportError>),
    Closed,
    Command(Command),
    Tick,
}

/// How long the client gathers received messages before telling the server (one `RECEIVED`
/// frame, one database write on the server, for everything that arrived meanwhile). A crash
/// in this window only means those messages are offered again by the next catch-up.
pub(crate) const RECEIVED_DELAY: Duration = Duration::from_millis(200);

/// Moves frames until the connection ends.
async fn pump(
    inner: &Arc<Inner>,
    connection: WsConnection,
    commands: &mut UnboundedReceiver<Command>,
) -> Ended {
    let WsConnection { mut sink, stream } = connection;
    let me = match inner.me() {
        Ok(me) => me,
        Err(_) => return Ended::Stopped,
    };
    let mut sent_received: Option<i64> = None;
    let mut received_pending = false;
    inner.state().outbox.rewind();
    if let Err(e) = flush(inner, &mut sink, Some(&mut sent_received)).await {
        return Ended::Lost(e);
    }
    let rt = inner.rt.clone();
    let interval = inner.config.heartbeat_interval;
    let ticks = Box::pin(stream::unfold(rt, move |rt| async move {
        rt.sleep(interval).await;
        Some((Input::Tick, rt))
    }));
    let frames = stream
        .map(Input::Frame)
        .chain(stream::once(future::ready(Input::Closed)));
    let mut inputs = stream::select(
        frames,
        stream::select(commands.by_ref().map(Input::Command), ticks),
    );
    let mut awaiting_pong = false;
    while let Some(input) = inputs.next().await {
        match input {
            Input::Frame(Ok(text)) => {
                awaiting_pong = false;
                if let Some(ended) = on_frame(inner, me, &text) {
                    return ended;
                }
            }
            Input::Frame(Err(e)) => return Ended::Lost(e.into()),
            Input::Closed => {
                return Ended::Lost(Error::Network("the server closed the connection".into()));
            }
            Input::Command(Command::Stop) => {
                let _ = flush(inner, &mut sink, Some(&mut sent_received)).await;
                let _ = sink.close().await;
                return Ended::Stopped;
            }
            Input::Command(Command::Flush) => {
                if let Err(e) = flush(inner, &mut sink, None).await {
                    return Ended::Lost(e);
                }
            }
            Input::Command(Command::Received) => {
                if !received_pending {
                    received_pending = true;
                    let (later, sleep) = (inner.clone(), inner.rt.sleep(RECEIVED_DELAY));
                    inner.rt.spawn(Box::pin(async move {
                        sleep.await;
                        later.command(Command::ReceivedDue);
                    }));
                }
            }
            Input::Command(Command::ReceivedDue) => {
                received_pending = false;
                if let Err(e) = flush(inner, &mut sink, Some(&mut sent_received)).await {
                    return Ended::Lost(e);
                }
            }
            Input::Tick => {
                if awaiting_pong {
                    return Ended::Lost(Error::Network(
                        "no heartbeat answer: the connection is dead".into(),
                    ));
                }
                awaiting_pong = true;
                if let Err(e) = sink.send(frames::ping()).await {
                    return Ended::Lost(e.into());
                }
            }
        }
    }
    Ended::Stopped
}

/// Writes the outbox entries not yet written on this connection and, given `sent_received`
/// (the last id told on this connection), tells the server how far the app has received.
async fn flush(
    inner: &Inner,
    sink: &mut crate::runtime::WsSink,
    sent_received: Option<&mut Option<i64>>,
) -> Result<()> {
    let (unwritten, app_has) = {
        let mut state = inner.state();
        state.flush_queued = false;
        (state.outbox.take_unwritten(), state.app_has)
    };
    for frame in unwritten {
        sink.feed(frame).await?;
    }
    if let (Some(has), Some(sent_received)) = (app_has, sent_received) {
        if sent_received.is_none_or(|sent| has > sent) {
            sink.feed(frames::received(has)).await?;
            *sent_received = Some(has);
        }
    }
    sink.flush().await?;
    Ok(())
}

/// Handles one frame; `Some` if the connection must end.
fn on_frame(inner: &Inner, me: i64, text: &str) -> Option<Ended> {
    let incoming = match frames::parse(text) {
        Ok(incoming) => incoming,
        // A frame the SDK cannot read is skipped; the connection stays useful.
        Err(_) => return None,
    };
    match incoming {
        Incoming::Message(frame) => {
            if let Some(message) = Message::from_frame(frame, me) {
                inner.deliver(message);
            }
        }
        Incoming::Ack(ack) => {
            let waiter = inner.state().outbox.complete(&ack.gid);
            if let Some(waiter) = waiter {
                let _ = waiter.send(Ok(SentMessage {
                    gid: ack.gid,
                    id: ack.id,
                    timestamp_ms: ack.timestamp,
                }));
            }
        }
        Incoming::Error(error) => {
            if let Some(gid) = error.gid {
                let waiter = inner.state().outbox.complete(&gid);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(Err(Error::from_status(error.code, error.message)));
                }
            }
        }
        Incoming::Notification(frame) => {
            let raw = serde_json::to_string(&frame.body).unwrap_or_default();
            inner.emit(Event::Notification(Notification {
                kind: frame.body.notification_type,
                content: frame.body.content.to_string(),
                raw,
            }));
        }
        Incoming::Event(frame) => {
            if let Some(event) = from_event_frame(frame) {
                inner.emit(event);
            }
        }
        Incoming::Kicked(kicked) => return Some(Ended::Kicked(kicked.reason)),
        Incoming::Pong | Incoming::Unknown => {}
    }
    None
}
