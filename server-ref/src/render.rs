//! Rendering of stored rows into each dialect's frames.

use axum::extract::ws::Utf8Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use chinwag_wire::ext::{EVENT_TYPE, EventFrame};
use chinwag_wire::module::{MessageFrame, MessageKind};
use chinwag_wire::xuanxuan::Push;

use crate::error::{ApiError, ErrorKind};
use crate::store::messages::MessageRow;

/// Content type of structured (non-string) content from a 003 frame.
pub const JSON_CONTENT: &str = "json";

/// The content as a JSON value: structured content parsed back, anything else a string.
pub fn content_value(m: &MessageRow) -> Value {
    if m.content_type == JSON_CONTENT {
        serde_json::from_str(&m.content).unwrap_or_else(|_| Value::String(m.content.clone()))
    } else {
        Value::String(m.content.clone())
    }
}

/// The 003 frame of a message; `receiver` is the other side of a one-to-one chat.
pub fn module_frame(m: &MessageRow, receiver: Option<i64>) -> MessageFrame {
    let direct = m.chat_kind == crate::store::chats::ONE2ONE;
    MessageFrame {
        kind: if direct {
            MessageKind::Unicast
        } else {
            MessageKind::Multicast
        },
        sender_id: m.sender_id,
        receiver_id: if direct { receiver } else { None },
        group_id: if direct { None } else { Some(m.chat_id) },
        content: content_value(m),
        timestamp: m.date,
        id: Some(m.id),
        gid: Some(m.gid.clone()),
        content_type: None,
        cgid: None,
        updated: false,
    }
}

/// The 003 frame of a message with the SDK extension's fields (`contentType`, `cgid`), as
/// extension sockets and `GET /api/sync` render it.
pub fn sdk_frame(m: &MessageRow, receiver: Option<i64>) -> MessageFrame {
    MessageFrame {
        content_type: Some(m.content_type.clone()),
        cgid: Some(m.cgid.clone()),
        ..module_frame(m, receiver)
    }
}

/// A xuanxuan push as an extension socket receives it.
pub fn event(method: &str, data: Value) -> EventFrame {
    EventFrame {
        kind: EVENT_TYPE.into(),
        method: method.into(),
        data,
    }
}

/// The receiver of a one-to-one message, from its chat gid.
pub fn one2one_receiver(m: &MessageRow) -> Option<i64> {
    let (a, b) = chinwag_wire::parse_one2one_gid(&m.cgid)?;
    Some(if a == m.sender_id { b } else { a })
}

/// Serializes a frame once into text that every recipient's socket shares without copying.
pub fn text<T: serde::Serialize>(frame: &T) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).unwrap_or_else(|_| "{}".into()))
}

/// Chat members as xuanxuan sockets show them: plain ids (`[1, 2]`, seed 001's convention of
/// id arrays, which the real client reads), where the model writes 000's `[{id}]`. Applies
/// to a chat, or to each chat of a list; other data is left as it is.
pub fn plain_members(data: &mut Value) {
    match data {
        Value::Array(items) => items.iter_mut().for_each(plain_members),
        Value::Object(chat) if chat.contains_key("gid") => {
            if let Some(Value::Array(members)) = chat.get_mut("members") {
                for m in members.iter_mut() {
                    if let Some(id) = m
                        .as_object()
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.get("id"))
                    {
                        *m = id.clone();
                    }
                }
            }
        }
        _ => {}
    }
}

/// A xuanxuan push frame.
pub fn push(id: u64, module: &str, method: &str, data: Value) -> Push {
    Push {
        id,
        module: module.into(),
        method: method.into(),
        data,
    }
}

/// An HTTP error answer: `body` with the error's status (002 passes 200: its envelope
/// carries the code). A request whose body was too large also gets `Connection: close`: its
/// unread rest would otherwise be taken for the next request on a pooled connection.
pub fn http_error(e: &ApiError, status: Option<StatusCode>, body: impl IntoResponse) -> Response {
    let status = status.unwrap_or_else(|| {
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    });
    let mut resp = (status, body).into_response();
    if e.kind == ErrorKind::TooLarge {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}
