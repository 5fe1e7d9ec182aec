//! The SDK extension: what the `chinwag` SDK speaks on top of seed 003, opted into per socket
//! so that a client written from a seed alone never sees any of it.
//!
//! - **Socket** `GET /ws?access_token=T&ext=chinwag` ([`EXT_PARAM`] = [`EXT_VALUE`]): a 003
//!   socket that also
//!   - answers every message frame with an [`AckFrame`] (or an error frame carrying the
//!     frame's `gid`), so a client knows when a send is stored and may leave its outbox;
//!   - answers [`PING_TYPE`] with [`PONG_TYPE`], a heartbeat that browsers can send too;
//!   - takes [`ReceivedFrame`]: "the app has every message up to this id", which empties the
//!     offline inbox up to there and moves the user's server-side sync cursor;
//!   - receives message frames with `contentType` and `cgid` filled in, every xuanxuan push as
//!     an [`EventFrame`], and a [`KickedFrame`] before the server closes it for good.
//! - **HTTP** `GET /api/sync` ([`SyncQuery`] → [`SyncData`]): the messages of the caller's chats
//!   after a message id, in id order: what a client missed while it was away.
//! - **HTTP** `POST /api/call` ([`CallRequest`] → xuanxuan `Response`): any xuanxuan chat method
//!   (all but `login`/`logout`) for a token holder, answered as the socket would.
//! - **HTTP** upload: `POST /files?gid=G&name=N` with the file as the raw body (not
//!   multipart) is accepted too.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lenient;
use crate::module::MessageFrame;

/// Query parameter that opts a 003 socket into the extension.
pub const EXT_PARAM: &str = "ext";
/// Its value.
pub const EXT_VALUE: &str = "chinwag";

/// `type` of a heartbeat the client sends.
pub const PING_TYPE: &str = "PING";
/// `type` of the server's answer to [`PING_TYPE`].
pub const PONG_TYPE: &str = "PONG";
/// `type` of [`AckFrame`].
pub const ACK_TYPE: &str = "ACK";
/// `type` of [`ReceivedFrame`].
pub const RECEIVED_TYPE: &str = "RECEIVED";
/// `type` of [`EventFrame`].
pub const EVENT_TYPE: &str = "EVENT";
/// `type` of [`KickedFrame`].
pub const KICKED_TYPE: &str = "KICKED";

/// A frame with only a `type`: `{"type": "PING"}` and `{"type": "PONG"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beat {
    /// [`PING_TYPE`] or [`PONG_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
}

/// The server's answer to a message frame it accepted:
/// `{"type": "ACK", "gid": "c-1", "id": "41", "timestamp": 1700000000123}`.
///
/// `id` and `timestamp` are absent when the message was accepted but not stored because a
/// delivery rule dropped it (003: not friends, or blocked). A resend of a stored gid is
/// acknowledged again with the stored id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AckFrame {
    /// Always [`ACK_TYPE`].
    #[serde(rename = "type")]
    pub kind: AckType,
    /// The gid of the frame acknowledged (the server's own when the frame had none).
    pub gid: String,
    /// The stored message's id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub id: Option<i64>,
    /// When it was stored, unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
}

/// The `type` of an [`AckFrame`], [`ACK_TYPE`]: a unit rather than a string, so the frame
/// that answers every send is read without allocating for its constant `type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckType {
    /// `"ACK"`.
    #[default]
    #[serde(rename = "ACK")]
    Ack,
}

/// Client → server: the app has every message with an id up to `upTo`:
/// `{"type": "RECEIVED", "upTo": "57"}`. Not answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedFrame {
    /// Always [`RECEIVED_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The highest message id the app has.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub up_to: i64,
}

/// A xuanxuan push (`create`, `changeName`, `addmember`, `userChangeStatus`, …) relayed to an
/// extension socket: `{"type": "EVENT", "method": "changeName", "data": {...chat}}`. `data` is
/// exactly the xuanxuan push's `data` (001 shapes: integer ids, unix seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventFrame {
    /// Always [`EVENT_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The xuanxuan push method, as the server names it in 001.
    pub method: String,
    /// The push's data.
    pub data: Value,
}

/// The last frame before the server closes an extension socket for good (its token was
/// revoked by a logout): `{"type": "KICKED", "reason": "..."}`. The client should not
/// reconnect with the same token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KickedFrame {
    /// Always [`KICKED_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Why.
    pub reason: String,
}

/// Query of `GET /api/sync`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncQuery {
    /// Return messages with a larger id. Absent: the user's server-side cursor (moved by
    /// [`ReceivedFrame`]); for a user who never sent one, just before their oldest offline
    /// message, or the newest message if they have none.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id"
    )]
    pub after: Option<i64>,
    /// At most this many (default [`SYNC_DEFAULT_LIMIT`], at most [`SYNC_MAX_LIMIT`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_count"
    )]
    pub limit: Option<u32>,
}

/// Messages `GET /api/sync` returns without `limit`.
pub const SYNC_DEFAULT_LIMIT: u32 = 200;
/// Largest `limit` of `GET /api/sync`.
pub const SYNC_MAX_LIMIT: u32 = 1000;

/// Answer of `GET /api/sync`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncData {
    /// Messages from others in the caller's current chats, oldest first, in the 003 frame shape
    /// with the extension fields (`id`, `gid`, `contentType`, `cgid`).
    pub messages: Vec<MessageFrame>,
    /// Where the next page starts: the last returned id, or the starting point if none.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub cursor: i64,
    /// Whether more messages follow `cursor`.
    pub more: bool,
}

/// Body of `POST /api/call`: one xuanxuan method, as on the socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    /// The module; `chat` when empty or absent.
    #[serde(default)]
    pub module: String,
    /// The method, matched case-insensitively.
    pub method: String,
    /// Its parameters (001 object or 000 array).
    #[serde(default)]
    pub params: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ack_and_received_shapes() {
        let ack = AckFrame {
            kind: AckType::Ack,
            gid: "c-1".into(),
            id: Some(41),
            timestamp: Some(5),
        };
        assert_eq!(
            serde_json::to_value(&ack).unwrap(),
            json!({"type": "ACK", "gid": "c-1", "id": "41", "timestamp": 5})
        );
        let read: AckFrame =
            serde_json::from_str(r#"{"type":"ACK","gid":"c-1","id":"41","timestamp":5}"#).unwrap();
        assert_eq!(read, ack);
        assert!(
            serde_json::from_str::<AckFrame>(r#"{"type":"ACKED","gid":"c-1"}"#).is_err(),
            "another type is not an ACK"
        );
        let r: ReceivedFrame =
            serde_json::from_value(json!({"type": "RECEIVED", "upTo": 57})).unwrap();
        assert_eq!(r.up_to, 57);
        let q: SyncQuery = serde_json::from_value(json!({"after": "9"})).unwrap();
        assert_eq!(q.after, Some(9));
    }
}
