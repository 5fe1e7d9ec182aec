//! The NATS connection both parts of a split server hold (async-nats, the official client):
//! connected in the background and reconnected for ever, authenticated with the gateway key
//! as the NATS server's token, and watched, so that each part knows when it was cut off.

use std::time::Duration;

use async_nats::{Client, ConnectOptions, Event};
use tokio::sync::watch;

use crate::BoxError;

/// How often each part says it is alive.
pub const HEARTBEAT: Duration = Duration::from_millis(300);
/// How long without a word from the other part before it counts as gone: a gateway stops
/// waiting for a silent backend, a backend forgets a silent gateway.
pub const SILENCE: Duration = Duration::from_millis(1500);
/// The longest wait between two attempts to reach the NATS server.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// Messages a subscription holds before NATS drops more (a gap the receiver notices).
const SUBSCRIPTION_CAPACITY: usize = 1 << 16;

/// The state of the connection to the NATS server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Connection {
    /// Connected now.
    pub up: bool,
    /// How many times it has connected so far (a change means it was cut off in between).
    pub connects: u64,
}

/// A client of the NATS server at `url` named `name`, presenting `key` as its token, with
/// the state of its connection.
pub async fn connect(
    url: &str,
    key: &str,
    name: &str,
) -> Result<(Client, watch::Receiver<Connection>), BoxError> {
    let (tx, rx) = watch::channel(Connection::default());
    let client = ConnectOptions::new()
        .name(name)
        .token(key.to_string())
        .retry_on_initial_connect()
        .max_reconnects(None)
        .subscription_capacity(SUBSCRIPTION_CAPACITY)
        .reconnect_delay_callback(|attempts| {
            Duration::from_millis(50 * (attempts as u64 + 1)).min(MAX_RECONNECT_DELAY)
        })
        .event_callback(move |event| {
            let tx = tx.clone();
            async move {
                match event {
                    Event::Connected => tx.send_modify(|c| {
                        c.up = true;
                        c.connects += 1;
                    }),
                    Event::Disconnected => tx.send_modify(|c| c.up = false),
                    Event::SlowConsumer(sid) => {
                        tracing::warn!(sid, "NATS dropped messages for a slow subscription")
                    }
                    other => tracing::debug!(%other, "NATS"),
                }
            }
        })
        .connect(url)
        .await?;
    Ok((client, rx))
}

/// `value` as a NATS payload (its JSON).
pub fn payload<T: serde::Serialize>(value: &T) -> axum::body::Bytes {
    axum::body::Bytes::from(serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()))
}

/// The header map of an event: its number and the backend's run.
pub fn event_headers(epoch: &str, seq: u64) -> async_nats::HeaderMap {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(super::frames::EPOCH_HEADER, epoch);
    headers.insert(super::frames::SEQ_HEADER, seq.to_string().as_str());
    headers
}

/// The run and number of an event, if it has both.
pub fn event_number(headers: Option<&async_nats::HeaderMap>) -> Option<(String, u64)> {
    let headers = headers?;
    let epoch = headers
        .get(super::frames::EPOCH_HEADER)?
        .as_str()
        .to_string();
    let seq = headers
        .get(super::frames::SEQ_HEADER)?
        .as_str()
        .parse()
        .ok()?;
    Some((epoch, seq))
}
