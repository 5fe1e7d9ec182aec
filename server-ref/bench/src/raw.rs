//! The baseline client: a bare async-tungstenite socket speaking the same frames as the SDK
//! (`/ws?access_token=…&ext=chinwag`, 003 message frames with a gid), with nothing else — no
//! outbox, no acknowledgement tracking, no RECEIVED frames, no events.

use async_tungstenite::WebSocketStream;
use async_tungstenite::tokio::{ConnectStream, connect_async_with_config};
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use chinwag_wire::module::{ClientFrame, MessageKind};
use futures::stream::{SplitSink, SplitStream};
use serde::Deserialize;
use std::borrow::Cow;

use crate::Fallible;
use crate::world::Account;

/// The write half of a raw socket.
pub type RawSink = SplitSink<WebSocketStream<ConnectStream>, Message>;
/// The read half of a raw socket.
pub type RawStream = SplitStream<WebSocketStream<ConnectStream>>;

/// Opens an extension socket as `account`; `small` uses 4 KiB buffers (for holding many).
pub async fn connect(addr: &str, account: &Account, small: bool) -> Fallible<(RawSink, RawStream)> {
    let url = format!("ws://{addr}/ws?access_token={}&ext=chinwag", account.token);
    let config = small.then(|| {
        WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0)
    });
    let (ws, _) = connect_async_with_config(url, config).await?;
    // futures' split (async-tungstenite has an inherent one with other types).
    Ok(futures::StreamExt::split(ws))
}

/// Where a frame goes.
#[derive(Debug, Clone, Copy)]
pub enum To {
    /// A user.
    User(i64),
    /// A group chat.
    Group(i64),
}

/// The message frame the SDK would write for `text` to `to` with client gid `gid`.
pub fn message_frame(to: To, text: &str, gid: &str) -> Message {
    let (kind, receiver_id, group_id) = match to {
        To::User(u) => (MessageKind::Unicast, Some(u), None),
        To::Group(g) => (MessageKind::Multicast, None, Some(g)),
    };
    let frame = ClientFrame {
        kind,
        receiver_id,
        group_id,
        content: serde_json::Value::String(text.to_string()),
        gid: Some(gid.to_string()),
        content_type: None,
    };
    Message::text(serde_json::to_string(&frame).unwrap_or_default())
}

/// What the baseline reads of an incoming frame.
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    content: Option<Cow<'a, str>>,
}

/// An incoming frame, as far as the benchmarks care.
pub enum Frame {
    /// A message with this text.
    Message(String),
    /// An acknowledgement of a send.
    Ack,
    /// Anything else.
    Other,
}

/// Reads one socket message.
pub fn read(msg: &Message) -> Frame {
    let Message::Text(text) = msg else {
        return Frame::Other;
    };
    match serde_json::from_str::<Incoming>(text.as_str()) {
        Ok(f) if f.kind == "unicast" || f.kind == "multicast" => {
            Frame::Message(f.content.map(Cow::into_owned).unwrap_or_default())
        }
        Ok(f) if f.kind == "ACK" => Frame::Ack,
        _ => Frame::Other,
    }
}
