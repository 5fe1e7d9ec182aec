//! The events a client emits: one typed stream for everything that happens without the app
//! asking.

use serde::{Deserialize, Serialize};

use crate::model::{Chat, Message, Notification, User, UserId};

/// The state of the client's connection to the server.
///
/// As JSON: `{"state": "connected"}`, `{"state": "reconnecting", "attempt": 2, "retry_in_ms": 480}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "typescript", serde(rename_all_fields = "camelCase"))]
pub enum ConnectionState {
    /// The first connection attempt is under way.
    Connecting,
    /// Connected, caught up with what was missed, and sending the outbox.
    Connected,
    /// The connection was lost (or could not be made); retrying after a backoff.
    Reconnecting {
        /// The number of the coming attempt (1-based).
        attempt: u32,
        /// The wait before it, in milliseconds.
        retry_in_ms: u64,
    },
    /// Not connected and not trying: logged out, closed, or kicked.
    Disconnected,
}

/// What changed about a chat (as JSON: `"created"`, `"renamed"`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ChatChange {
    /// It was created with you in it.
    Created,
    /// It was renamed.
    Renamed,
    /// It was made public or private.
    Visibility,
    /// Its administrators changed.
    Admins,
    /// Who may post changed.
    Committers,
}

/// Something that happened.
///
/// As JSON (the form the C, Kotlin/Swift and JavaScript bindings hand over):
/// `{"type": "<variant in snake_case>", "data": …}`, e.g.
/// `{"type": "presence", "data": {"user": 2, "status": "online"}}` or
/// `{"type": "connection", "data": {"state": "connected"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "typescript", serde(rename_all_fields = "camelCase"))]
pub enum Event {
    /// A message from someone else, each exactly once, in order per chat.
    Message(Message),
    /// A message handed over before has new content (a file message whose upload finished:
    /// its sender re-sent it under the same gid); same `id`, the content as it is now.
    MessageUpdated(Message),
    /// A notification from the application's backend.
    Notification(Notification),
    /// A chat you are in changed; `chat` is its state after the change.
    ChatChanged {
        /// What changed.
        change: ChatChange,
        /// The chat now.
        chat: Chat,
    },
    /// Someone joined or left a chat you are in (or you left it); `chat` lists the members now.
    MembersChanged {
        /// The chat now.
        chat: Chat,
    },
    /// A user's status changed (`online`, `away`, `busy`, `offline`).
    Presence {
        /// The user.
        user: UserId,
        /// The new status.
        status: String,
    },
    /// A user changed their profile.
    UserChanged(User),
    /// The server ended this session (the token was revoked); the client will not reconnect.
    Kicked {
        /// The server's reason.
        reason: String,
    },
    /// The connection state changed.
    Connection(ConnectionState),
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::model::{Content, Message, Target};

    #[test]
    fn events_have_the_documented_json_form() {
        let message = Event::Message(Message {
            id: 41,
            gid: "c-17".into(),
            chat_gid: "1&2".into(),
            chat: Target::User(1),
            sender: 1,
            content: Content::Text("hi".into()),
            timestamp_ms: 5,
        });
        let Event::Message(m) = &message else {
            unreachable!()
        };
        let updated = Event::MessageUpdated(m.clone());
        let cases = [
            (
                message,
                r#"{"type": "message", "data": {"id": 41, "gid": "c-17", "chat_gid": "1&2",
                    "chat": {"user": 1}, "sender": 1,
                    "content": {"content_type": "text", "body": "hi"}, "timestamp_ms": 5}}"#,
            ),
            (
                updated,
                r#"{"type": "message_updated", "data": {"id": 41, "gid": "c-17",
                    "chat_gid": "1&2", "chat": {"user": 1}, "sender": 1,
                    "content": {"content_type": "text", "body": "hi"}, "timestamp_ms": 5}}"#,
            ),
            (
                Event::Presence {
                    user: 2,
                    status: "away".into(),
                },
                r#"{"type": "presence", "data": {"user": 2, "status": "away"}}"#,
            ),
            (
                Event::Connection(ConnectionState::Reconnecting {
                    attempt: 2,
                    retry_in_ms: 480,
                }),
                r#"{"type": "connection",
                    "data": {"state": "reconnecting", "attempt": 2, "retry_in_ms": 480}}"#,
            ),
            (
                Event::Connection(ConnectionState::Connected),
                r#"{"type": "connection", "data": {"state": "connected"}}"#,
            ),
        ];
        for (event, expected) in cases {
            let value = serde_json::to_value(&event).unwrap();
            assert_eq!(value, serde_json::from_str::<Value>(expected).unwrap());
            assert_eq!(serde_json::from_value::<Event>(value).unwrap(), event);
        }
    }

    #[test]
    fn content_json_is_flat_and_round_trips() {
        let other = Content::Other {
            content_type: "image".into(),
            body: "{\"id\":3}".into(),
        };
        for content in [Content::Json("{\"a\":1}".into()), other] {
            let value = serde_json::to_value(&content).unwrap();
            assert_eq!(value["content_type"], content.content_type());
            assert_eq!(value["body"], content.body());
            assert_eq!(serde_json::from_value::<Content>(value).unwrap(), content);
        }
    }
}
