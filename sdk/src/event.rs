//! The events a client emits: one typed stream for everything that happens without the app
//! asking.

use serde::{Deserialize, Serialize};

use crate::model::{Chat, Message, Notification, User, UserId};

/// The state of the client's connection to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// What changed about a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A message from someone else, each exactly once, in order per chat.
    Message(Message),
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
