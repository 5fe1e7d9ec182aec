//! The types the SDK's methods and events return.
//!
//! Where a wire type already says exactly what an app needs it is re-exported as it is (one
//! definition, shared with the server); the types defined here unify what several dialects
//! show differently (a message from a socket, from sync, or from history).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use chinwag_wire::module::{MessageFrame, MessageKind};

pub use chinwag_wire::module::{GroupInfo as Group, GroupRequest};
pub use chinwag_wire::room::UserInfo;
pub use chinwag_wire::xuanxuan::{Chat, FileInfo, UploadedFile, User, UserPatch};

/// A user's id.
#[cfg_attr(feature = "typescript", tsify::declare)]
pub type UserId = i64;
/// A chat's id; for a group chat this is also its group id.
#[cfg_attr(feature = "typescript", tsify::declare)]
pub type ChatId = i64;
/// A message's server id: increasing in the order the server stored messages.
#[cfg_attr(feature = "typescript", tsify::declare)]
pub type MessageId = i64;

/// A logged-in session: save it (it is `Serialize`) to restore the client later without the
/// password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[cfg_attr(feature = "typescript", serde(rename_all = "camelCase"))]
pub struct Session {
    /// The bearer token.
    pub token: String,
    /// The user's id.
    pub user_id: UserId,
    /// The account name.
    pub name: String,
    /// The id of the last message the app received; a restored client continues after it.
    /// `None`: the server's record of what this user last acknowledged.
    #[serde(default)]
    pub cursor: Option<MessageId>,
}

/// Where a message goes: a user (their one-to-one chat with you) or a group chat.
///
/// As JSON: `{"user": 2}` or `{"group": 5}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The one-to-one chat with this user.
    User(UserId),
    /// The group chat with this id.
    Group(ChatId),
}

impl Target {
    /// The target for a chat as the chats family lists it: a one-to-one chat's other member,
    /// or the group itself.
    pub fn of_chat(chat: &Chat, me: UserId) -> Target {
        match chinwag_wire::parse_one2one_gid(&chat.gid) {
            Some((a, b)) if chat.kind == "one2one" => Target::User(if a == me { b } else { a }),
            _ => Target::Group(chat.id),
        }
    }
}

/// Content type of plain text.
pub const TEXT: &str = "text";
/// Content type of structured (JSON) content.
pub const JSON: &str = "json";

/// A message's content.
///
/// As JSON it is always flat: `{"content_type": "text", "body": "hi"}` (the body of `json`
/// content is the JSON document's text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "parts::Content", from = "parts::Content")]
pub enum Content {
    /// Plain text.
    Text(String),
    /// A JSON document (its text), delivered as structured content to every client.
    Json(String),
    /// Another content type (`image`, `file`, `emoticon`, or the app's own), with its body.
    Other {
        /// The content type.
        content_type: String,
        /// The body, as the app encoded it.
        body: String,
    },
}

/// The JSON form of [`Content`].
/// `Content` as it crosses the wire and the bindings: two fields. (In a module of its own so
/// that its TypeScript declaration, derived from it, is named `Content`.)
mod parts {
    use serde::{Deserialize, Serialize};

    /// A message's content type and body.
    #[derive(Serialize, Deserialize)]
    #[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
    #[cfg_attr(feature = "typescript", serde(rename_all = "camelCase"))]
    pub struct Content {
        /// `text`, `json`, or another type the application defines.
        pub content_type: String,
        /// The body, as text.
        pub body: String,
    }
}
use parts::Content as ContentParts;

impl From<Content> for ContentParts {
    fn from(c: Content) -> ContentParts {
        ContentParts {
            content_type: c.content_type().to_string(),
            body: match c {
                Content::Text(s) | Content::Json(s) | Content::Other { body: s, .. } => s,
            },
        }
    }
}

impl From<ContentParts> for Content {
    fn from(p: ContentParts) -> Content {
        Content::from_parts(&p.content_type, p.body)
    }
}

impl Content {
    /// The content type.
    pub fn content_type(&self) -> &str {
        match self {
            Content::Text(_) => TEXT,
            Content::Json(_) => JSON,
            Content::Other { content_type, .. } => content_type,
        }
    }

    /// The body as text (JSON text for [`Content::Json`]).
    pub fn body(&self) -> &str {
        match self {
            Content::Text(s) | Content::Json(s) | Content::Other { body: s, .. } => s,
        }
    }

    /// Content from a stored content type and body.
    pub fn from_parts(content_type: &str, body: String) -> Content {
        match content_type {
            "" | TEXT => Content::Text(body),
            JSON => Content::Json(body),
            other => Content::Other {
                content_type: other.to_string(),
                body,
            },
        }
    }

    /// Content from a 003 frame's `content` value and optional `contentType`.
    pub(crate) fn from_value(value: Value, content_type: Option<&str>) -> Content {
        match (value, content_type) {
            (Value::String(s), ct) => Content::from_parts(ct.unwrap_or(TEXT), s),
            (other, _) => Content::Json(other.to_string()),
        }
    }
}

/// A message in a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[cfg_attr(feature = "typescript", serde(rename_all = "camelCase"))]
pub struct Message {
    /// The server's id.
    pub id: MessageId,
    /// The client gid it was sent with (or the server's, `srv-…`).
    pub gid: String,
    /// The chat's gid (`"<a>&<b>"` for one-to-one chats).
    pub chat_gid: String,
    /// The conversation, seen from this client: the other user, or the group.
    pub chat: Target,
    /// Who sent it.
    pub sender: UserId,
    /// What it says.
    pub content: Content,
    /// When the server stored it, unix milliseconds.
    pub timestamp_ms: i64,
}

impl Message {
    /// A message from a 003 frame (socket or sync), as seen by user `me`. `None` if the frame
    /// lacks the server id the SDK extension always sends.
    pub(crate) fn from_frame(frame: MessageFrame, me: UserId) -> Option<Message> {
        let id = frame.id?;
        let chat = match frame.kind {
            MessageKind::Unicast => {
                let receiver = frame.receiver_id.unwrap_or(me);
                Target::User(if frame.sender_id == me {
                    receiver
                } else {
                    frame.sender_id
                })
            }
            MessageKind::Multicast => Target::Group(frame.group_id?),
        };
        let chat_gid = frame.cgid.unwrap_or_else(|| match chat {
            Target::User(peer) => chinwag_wire::one2one_gid(me, peer),
            Target::Group(id) => id.to_string(),
        });
        Some(Message {
            id,
            gid: frame.gid.unwrap_or_default(),
            chat_gid,
            chat,
            sender: frame.sender_id,
            content: Content::from_value(frame.content, frame.content_type.as_deref()),
            timestamp_ms: frame.timestamp,
        })
    }

    /// A message from xuanxuan history of `chat`, as seen by user `me`.
    pub(crate) fn from_history(
        m: chinwag_wire::xuanxuan::Message,
        chat: &Chat,
        me: UserId,
    ) -> Message {
        Message {
            id: m.id.unwrap_or_default(),
            gid: m.gid,
            chat_gid: m.cgid,
            chat: Target::of_chat(chat, me),
            sender: m.user.unwrap_or_default(),
            content: Content::from_parts(&m.content_type, m.content),
            timestamp_ms: m.date.unwrap_or_default().saturating_mul(1000),
        }
    }
}

/// The server's acknowledgement of a sent message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[cfg_attr(feature = "typescript", serde(rename_all = "camelCase"))]
pub struct SentMessage {
    /// The gid it was sent with.
    pub gid: String,
    /// The stored message's id; `None` when a delivery rule dropped it (a direct message to
    /// someone who is not your friend, or who blocked you).
    pub id: Option<MessageId>,
    /// When it was stored, unix milliseconds.
    pub timestamp_ms: Option<i64>,
}

/// A notification pushed by the application's backend (`POST /notification`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Notification {
    /// The kind, agreed between backend and app.
    pub kind: String,
    /// The content, as JSON text.
    pub content: String,
    /// The whole notification body, as JSON text (fields beyond kind and content included).
    pub raw: String,
}

/// One page of a chat's history: page 1 holds the newest messages, each page oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[cfg_attr(feature = "typescript", serde(rename_all = "camelCase"))]
pub struct HistoryPage {
    /// The messages.
    pub messages: Vec<Message>,
    /// This page's number (1-based).
    pub page: u32,
    /// Messages per page.
    pub per_page: u32,
    /// Messages in the chat.
    pub total: u32,
    /// Whether older pages exist.
    pub more: bool,
}

/// Offline messages from one sender (`messages().offline()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct OfflineMessages {
    /// The sender.
    pub sender: UserId,
    /// Their messages, oldest first unless asked otherwise.
    pub messages: Vec<Message>,
}

/// Where a message of the local cache stands.
///
/// As JSON: `{"state": "pending"}`, `{"state": "sent"}`, `{"state": "failed", "error": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Delivery {
    /// Your send, waiting for the server's acknowledgement (offline, or on its way).
    Pending,
    /// Stored by the server (a received message, or your send once acknowledged).
    Sent,
    /// Your send, refused; `messages().retry` sends it again, `messages().discard` drops it.
    Failed {
        /// Why.
        error: String,
    },
}

/// A message as the client keeps it (`messages().recent`): received, or sent by you —
/// shown at once, while pending (local echo), then sent or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[cfg_attr(feature = "typescript", serde(rename_all = "camelCase"))]
pub struct LocalMessage {
    /// The server's id; `None` until the server stored it.
    pub id: Option<MessageId>,
    /// The gid it was sent with.
    pub gid: String,
    /// The conversation, seen from this client.
    pub chat: Target,
    /// Who sent it.
    pub sender: UserId,
    /// What it says.
    pub content: Content,
    /// When the server stored it (unix milliseconds); for a send not stored yet, when it was
    /// sent.
    pub timestamp_ms: i64,
    /// Where it stands.
    pub delivery: Delivery,
}

impl LocalMessage {
    /// A received message, as kept.
    pub(crate) fn received(m: &Message) -> LocalMessage {
        LocalMessage {
            id: Some(m.id),
            gid: m.gid.clone(),
            chat: m.chat,
            sender: m.sender,
            content: m.content.clone(),
            timestamp_ms: m.timestamp_ms,
            delivery: Delivery::Sent,
        }
    }
}
