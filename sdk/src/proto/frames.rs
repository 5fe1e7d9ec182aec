//! Socket frames: what the SDK writes on its extension socket and how it reads what arrives.

use serde_json::Value;

use chinwag_wire::ext::{
    ACK_TYPE, AckFrame, Beat, EVENT_TYPE, EventFrame, KICKED_TYPE, KickedFrame, PING_TYPE,
    PONG_TYPE, RECEIVED_TYPE, ReceivedFrame,
};
use chinwag_wire::module::{
    ClientFrame, ERROR_TYPE, ErrorFrame, MessageFrame, MessageKind, NOTIFICATION_TYPE,
    NotificationFrame,
};

use crate::model::{Content, Target};

/// A frame received on the extension socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A message (`unicast` / `multicast`).
    Message(MessageFrame),
    /// A send was stored (or dropped by a delivery rule).
    Ack(AckFrame),
    /// A frame was refused.
    Error(ErrorFrame),
    /// The heartbeat answer.
    Pong,
    /// A backend notification.
    Notification(NotificationFrame),
    /// A relayed xuanxuan push.
    Event(EventFrame),
    /// The server is ending the session for good.
    Kicked(KickedFrame),
    /// A frame of a kind this SDK does not know (ignored, for forward compatibility).
    Unknown,
}

/// Just the `type` of a frame, read without building the rest.
#[derive(serde::Deserialize)]
struct Kind<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
}

/// A frame's `type`: read off the front when the frame starts with it, as every frame the
/// server writes does (the rest is checked by the parse that follows), or else by reading
/// the frame.
fn kind_of(text: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    let front = text
        .strip_prefix(r#"{"type":""#)
        .and_then(|rest| rest.split_once('"'))
        .map(|(kind, _)| kind)
        .filter(|kind| !kind.contains('\\'));
    if let Some(kind) = front {
        return Ok(kind.into());
    }
    let kind: Kind<'_> = serde_json::from_str(text).map_err(|e| format!("malformed frame: {e}"))?;
    Ok(kind.kind.unwrap_or_default())
}

/// A frame as read: what it is, or why it could not be read.
pub type Parsed = Result<Incoming, String>;

/// Reads one frame. A frame that is not JSON or not the shape its `type` promises is an error.
pub fn parse(text: &str) -> Parsed {
    let kind = kind_of(text)?;
    let decoded = match &*kind {
        "unicast" | "multicast" => serde_json::from_str(text).map(Incoming::Message),
        ACK_TYPE => serde_json::from_str(text).map(Incoming::Ack),
        ERROR_TYPE => serde_json::from_str(text).map(Incoming::Error),
        PONG_TYPE => Ok(Incoming::Pong),
        NOTIFICATION_TYPE => serde_json::from_str(text).map(Incoming::Notification),
        EVENT_TYPE => serde_json::from_str(text).map(Incoming::Event),
        KICKED_TYPE => serde_json::from_str(text).map(Incoming::Kicked),
        _ => Ok(Incoming::Unknown),
    };
    decoded.map_err(|e| format!("invalid {kind} frame: {e}"))
}

fn encode<T: serde::Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).unwrap_or_default()
}

/// A message frame, with the content and gid it was made from handed back: a send keeps
/// both (its echo, its outbox entry), and lending them to the frame saves copying them.
#[derive(Debug)]
pub struct MessageOut {
    /// The frame's text.
    pub frame: String,
    /// The content, as given.
    pub content: Content,
    /// The gid, as given.
    pub gid: String,
}

/// The frame sending `content` to `target` with client gid `gid`. JSON content is sent as a
/// JSON value (it must parse); other content as a string with its content type.
pub fn message(target: Target, content: Content, gid: String) -> Result<MessageOut, String> {
    // What the content was, to give it back as it came.
    enum Lent {
        Text,
        Json(String),
        Other,
    }
    let (value, content_type, lent) = match content {
        Content::Text(text) => (Value::String(text), None, Lent::Text),
        Content::Json(text) => (
            serde_json::from_str(&text).map_err(|e| format!("JSON content does not parse: {e}"))?,
            None,
            Lent::Json(text),
        ),
        Content::Other { content_type, body } => {
            (Value::String(body), Some(content_type), Lent::Other)
        }
    };
    let (kind, receiver_id, group_id) = match target {
        Target::User(id) => (MessageKind::Unicast, Some(id), None),
        Target::Group(id) => (MessageKind::Multicast, None, Some(id)),
    };
    // Room for the body and the fields around it, so the frame is written without regrowing.
    let room = match &value {
        Value::String(s) => s.len(),
        _ => 0,
    } + gid.len()
        + 96;
    let frame = ClientFrame {
        kind,
        receiver_id,
        group_id,
        content: value,
        gid: Some(gid),
        content_type,
    };
    let mut out = Vec::with_capacity(room);
    serde_json::to_writer(&mut out, &frame).map_err(|e| e.to_string())?;
    let text = String::from_utf8(out).map_err(|e| e.to_string())?;
    let body = match frame.content {
        Value::String(body) => body,
        _ => String::new(),
    };
    let content = match lent {
        Lent::Text => Content::Text(body),
        Lent::Json(text) => Content::Json(text),
        Lent::Other => Content::Other {
            content_type: frame.content_type.unwrap_or_default(),
            body,
        },
    };
    Ok(MessageOut {
        frame: text,
        content,
        gid: frame.gid.unwrap_or_default(),
    })
}

/// The heartbeat frame.
pub fn ping() -> String {
    encode(&Beat {
        kind: PING_TYPE.into(),
    })
}

/// "The app has every message up to `up_to`."
pub fn received(up_to: i64) -> String {
    encode(&ReceivedFrame {
        kind: RECEIVED_TYPE.into(),
        up_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn message_frames_carry_gid_and_content_type() {
        let out = message(Target::User(2), Content::Text("hi".into()), "g1".into()).unwrap();
        assert_eq!(
            (out.content, out.gid.as_str()),
            (Content::Text("hi".into()), "g1")
        );
        let v: Value = serde_json::from_str(&out.frame).unwrap();
        assert_eq!(
            v,
            value(r#"{"type": "unicast", "receiverId": "2", "content": "hi", "gid": "g1"}"#)
        );
        let other = Content::Other {
            content_type: "image".into(),
            body: "u.png".into(),
        };
        let out = message(Target::Group(9), other.clone(), "g2".into()).unwrap();
        assert_eq!(out.content, other, "handed back as it came");
        let v: Value = serde_json::from_str(&out.frame).unwrap();
        assert_eq!(v["groupId"], "9");
        assert_eq!(v["contentType"], "image");
        let json = Content::Json("{\"a\":1}".into());
        let out = message(Target::Group(9), json.clone(), "g3".into()).unwrap();
        assert_eq!(out.content, json);
        let v: Value = serde_json::from_str(&out.frame).unwrap();
        assert_eq!(v["content"], value(r#"{"a": 1}"#));
        assert!(message(Target::Group(9), Content::Json("{".into()), "g4".into()).is_err());
    }

    #[test]
    fn incoming_frames_are_told_apart() {
        assert!(matches!(
            parse(r#"{"type":"ACK","gid":"g","id":"4","timestamp":1}"#),
            Ok(Incoming::Ack(AckFrame { id: Some(4), .. }))
        ));
        assert_eq!(parse(r#"{"type":"PONG"}"#), Ok(Incoming::Pong));
        assert_eq!(parse(r#"{"type":"FUTURE"}"#), Ok(Incoming::Unknown));
        assert!(matches!(
            parse(
                r#"{"type":"unicast","senderId":"1","receiverId":"2","content":"x","timestamp":5,"id":"3"}"#
            ),
            Ok(Incoming::Message(_))
        ));
        assert!(parse("nope").is_err());
        assert!(parse(r#"{"type":"ACK"}"#).is_err());
        assert!(
            parse(r#"{"type":"ACK","gid":"g","id":"4""#).is_err(),
            "cut short"
        );
        // `type` elsewhere than first, or escaped, is read by parsing the frame.
        assert!(matches!(
            parse(r#"{"gid":"g","id":"4","timestamp":1,"type":"ACK"}"#),
            Ok(Incoming::Ack(_))
        ));
        assert_eq!(parse(r#"{"type":"PO\u004eG"}"#), Ok(Incoming::Pong));
        assert_eq!(parse(r#"{ "type" : "PONG" }"#), Ok(Incoming::Pong));
        assert_eq!(ping(), r#"{"type":"PING"}"#);
        assert_eq!(received(7), r#"{"type":"RECEIVED","upTo":"7"}"#);
    }
}
