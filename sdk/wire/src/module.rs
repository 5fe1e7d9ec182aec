//! Seed 003, the chat module: WebSocket frames on `/ws?access_token=`, REST group management
//! under `/api/group` and `/api/request`, offline messages at `/api/message`, backend pushes at
//! `/notification`, and Chinwag's friend/block extension under `/api/friend` and `/api/block`.
//!
//! Ids are strings on the wire (`"12"`); numbers are accepted on input.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient;

/// `type` of a message frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// A direct (one-to-one) message.
    Unicast,
    /// A group message.
    Multicast,
}

/// A frame the client sends: `{type, receiverId | groupId, content}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientFrame {
    /// Direct or group.
    #[serde(rename = "type")]
    pub kind: MessageKind,
    /// The recipient, for `unicast`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub receiver_id: Option<i64>,
    /// The group, for `multicast`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub group_id: Option<i64>,
    /// The content: a string, or any JSON value (stored as JSON, content type `json`).
    pub content: Value,
    /// Optional client gid the server de-duplicates on (Chinwag extension).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub gid: Option<String>,
    /// Content type of string content, e.g. `image` or `file` (SDK extension, see
    /// [`crate::ext`]); absent: `text` for a string, `json` for other JSON.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub content_type: Option<String>,
}

/// A message frame the server pushes: `{type, senderId, receiverId | groupId, content, timestamp}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageFrame {
    /// Direct or group.
    #[serde(rename = "type")]
    pub kind: MessageKind,
    /// The sender.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub sender_id: i64,
    /// The recipient (direct messages only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub receiver_id: Option<i64>,
    /// The group (group messages only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub group_id: Option<i64>,
    /// The content as sent.
    pub content: Value,
    /// When the message reached the server, unix milliseconds.
    pub timestamp: i64,
    /// The message's server id (Chinwag extension; ignore if unknown).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub id: Option<i64>,
    /// The client gid the message was sent with (Chinwag extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// The stored content type, `text`, `json` or another (SDK extension, see [`crate::ext`]:
    /// only on extension sockets and `/api/sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The chat's gid (SDK extension, as `content_type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgid: Option<String>,
    /// This frame replaces the content of message `id`, sent before (SDK extension: a file
    /// message completed under its gid).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub updated: bool,
}

/// The value of `type` on a pushed notification.
pub const NOTIFICATION_TYPE: &str = "NOTIFICATION";

/// The value of `type` on an error frame answering a bad client frame.
pub const ERROR_TYPE: &str = "ERROR";

/// The frame answering a client frame the server could not accept (Chinwag extension: the
/// seed defines none). The socket stays open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorFrame {
    /// Always [`ERROR_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// An HTTP-like status: 400 bad frame, 403 not allowed, 413 too large.
    pub code: u16,
    /// What was wrong.
    pub message: String,
    /// The `gid` of the client frame this answers, when it had one, so a client can tell
    /// which of its sends failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
}

impl ErrorFrame {
    /// An error frame with `code` and `message`.
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        ErrorFrame {
            kind: ERROR_TYPE.into(),
            code,
            message: message.into(),
            gid: None,
        }
    }
}

/// The JSON body of every 4xx answer of the 003 REST API (the seed gives status codes only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What was wrong.
    pub error: String,
}

/// `sort` of `GET /api/message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Oldest first (default).
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// `type` of `GET /api/message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageFilter {
    /// Direct and group messages (default).
    #[default]
    All,
    /// Direct messages only.
    Unicast,
    /// Group messages only.
    Multicast,
}

/// Parameters of `GET /api/message`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessageQuery {
    /// Order by time; default ascending.
    #[serde(default)]
    pub sort: Option<SortOrder>,
    /// Delete the returned messages from the server; default true.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub drop: Option<bool>,
    /// Which messages; default all.
    #[serde(default, rename = "type")]
    pub filter: Option<MessageFilter>,
}

/// One entry of `GET /api/message`: the messages one sender sent the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfflineBatch {
    /// The sender.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub id: i64,
    /// The messages, in the frame format of the socket.
    pub messages: Vec<MessageFrame>,
}

/// A request with a `name`: `POST /api/group` (create) and `PUT /api/group/{groupId}` (rename).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupNameRequest {
    /// The group name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
}

/// Parameters of `GET /api/group`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroupListQuery {
    /// Full objects (default true) or ids only.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub detailed: Option<bool>,
}

/// Parameters of `DELETE /api/group/{groupId}`: with `userId` the manager removes that member,
/// without it the caller leaves (the manager leaving dissolves the group).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupLeaveQuery {
    /// The member to remove.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub user_id: Option<i64>,
}

/// A group as `GET /api/group/{groupId}` and `GET /api/group` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct GroupInfo {
    /// The group's id.
    #[cfg_attr(feature = "typescript", tsify(type = "string"))]
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub id: i64,
    /// The group's name.
    pub name: String,
    /// The owner.
    #[cfg_attr(feature = "typescript", tsify(type = "string"))]
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub manager_id: i64,
    /// Every member's id.
    #[cfg_attr(feature = "typescript", tsify(type = "string[]"))]
    #[serde(
        deserialize_with = "lenient::id_list",
        serialize_with = "lenient::ids_as_strings"
    )]
    pub users_id: Vec<i64>,
}

/// `POST /api/request`: invite `userId` into `groupId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    /// The group.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub group_id: i64,
    /// The user invited.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub user_id: i64,
}

/// One invitation as `GET /api/request` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct GroupRequest {
    /// The invitation's id.
    #[cfg_attr(feature = "typescript", tsify(type = "string"))]
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub id: i64,
    /// The group's name.
    pub group_name: String,
    /// The group.
    #[cfg_attr(feature = "typescript", tsify(type = "string"))]
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub group_id: i64,
    /// The user invited (the caller).
    #[cfg_attr(feature = "typescript", tsify(type = "string"))]
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub user_id: i64,
    /// The member who invited.
    #[cfg_attr(feature = "typescript", tsify(type = "string"))]
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub invited_by: i64,
}

/// `type` of `POST /notification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationTarget {
    /// One user, `to` (default).
    #[default]
    Unicast,
    /// Every member of group `to`.
    Multicast,
    /// Every friend of `from`.
    Broadcast,
}

/// Parameters of `POST /notification` (query string or body).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NotificationParams {
    /// The user it comes from: users who blocked them do not receive it. Required for broadcast.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub from: Option<i64>,
    /// Who receives it; default unicast.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub target: Option<NotificationTarget>,
    /// The user (unicast) or group (multicast).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_id",
        serialize_with = "lenient::opt_id_as_string"
    )]
    pub to: Option<i64>,
}

/// The body of `POST /notification`, and — with `type: "NOTIFICATION"` added — the frame pushed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The kind of notification, agreed between backend and app.
    #[serde(deserialize_with = "lenient::string")]
    pub notification_type: String,
    /// The content (any JSON value).
    pub content: Value,
    /// Any further body fields, pushed as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A pushed notification: the request body plus `type: "NOTIFICATION"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationFrame {
    /// Always [`NOTIFICATION_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The notification.
    #[serde(flatten)]
    pub body: Notification,
}

/// Body of `POST /api/friend` and `POST /api/block` (extension): the other user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    /// The other user.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub user_id: i64,
}

/// Answer of `POST /api/friend` (extension): whether the two are now friends (both asked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FriendStatus {
    /// The other user.
    #[serde(
        deserialize_with = "lenient::id",
        serialize_with = "lenient::id_as_string"
    )]
    pub id: i64,
    /// True once both have asked.
    pub friends: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn client_frames_from_the_seed() {
        let f: ClientFrame =
            serde_json::from_value(json!({"type": "unicast", "receiverId": "2", "content": "hi"}))
                .unwrap();
        assert_eq!(f.kind, MessageKind::Unicast);
        assert_eq!(f.receiver_id, Some(2));
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            json!({"type": "unicast", "receiverId": "2", "content": "hi"})
        );
        let g: ClientFrame =
            serde_json::from_value(json!({"type": "multicast", "groupId": 7, "content": "yo"}))
                .unwrap();
        assert_eq!(g.group_id, Some(7));
        assert!(
            serde_json::from_value::<ClientFrame>(json!({"type": "broadcast", "content": "x"}))
                .is_err()
        );
    }

    #[test]
    fn message_frames_have_string_ids_and_omit_the_other_target() {
        let f = MessageFrame {
            kind: MessageKind::Multicast,
            sender_id: 1,
            receiver_id: None,
            group_id: Some(9),
            content: json!("hello"),
            timestamp: 1_600_000_000_000,
            id: None,
            gid: None,
            content_type: None,
            cgid: None,
            updated: false,
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v,
            json!({"type": "multicast", "senderId": "1", "groupId": "9", "content": "hello", "timestamp": 1_600_000_000_000i64})
        );
        assert_eq!(serde_json::from_value::<MessageFrame>(v).unwrap(), f);
    }

    #[test]
    fn group_and_request_shapes() {
        let g: GroupInfo = serde_json::from_value(
            json!({"id": "3", "name": "team", "managerId": "1", "usersId": ["1", "2"]}),
        )
        .unwrap();
        assert_eq!(g.users_id, vec![1, 2]);
        assert_eq!(
            serde_json::to_value(&g).unwrap()["usersId"],
            json!(["1", "2"])
        );
        let r: GroupRequest = serde_json::from_value(
            json!({"id": "4", "groupName": "team", "groupId": "3", "userId": "2", "invitedBy": "1"}),
        )
        .unwrap();
        assert_eq!(r.invited_by, 1);
        let q: MessageQuery =
            serde_json::from_value(json!({"sort": "desc", "drop": "false", "type": "unicast"}))
                .unwrap();
        assert_eq!(
            (q.sort, q.drop, q.filter),
            (
                Some(SortOrder::Desc),
                Some(false),
                Some(MessageFilter::Unicast)
            )
        );
    }

    #[test]
    fn notification_frame_is_body_plus_type() {
        let body: Notification = serde_json::from_value(
            json!({"notificationType": "friendRequest", "content": {"from": "1"}, "extra": 5}),
        )
        .unwrap();
        let frame = NotificationFrame {
            kind: NOTIFICATION_TYPE.into(),
            body,
        };
        assert_eq!(
            serde_json::to_value(&frame).unwrap(),
            json!({"type": "NOTIFICATION", "notificationType": "friendRequest", "content": {"from": "1"}, "extra": 5})
        );
    }
}
