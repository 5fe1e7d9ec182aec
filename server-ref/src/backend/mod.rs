//! The backend (seed 000's `rzs` role): the domain. Each operation checks the rule table
//! ([`crate::rules`]) and changes the model in one transaction, and answers with its result
//! and the pushes it causes, as values — each with the users who receive it (000's
//! `users[]`). The backend knows nothing of sockets or dialects: the gateway side
//! ([`crate::gateway`]) renders each push once per dialect and queues it on the
//! listed users' sessions.
//!
//! [`Backend`] holds what the domain needs (the database, the files, the password pool, the
//! login throttle, the notification key) and the [`Gateway`] it delivers to; the operations
//! are grouped by subject in the submodules.

pub mod chat;
pub mod files;
pub mod messages;
pub mod notify;
pub mod ops;
pub mod rooms;
pub mod router;
pub mod sessions;
pub mod social;
pub mod users;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::Value;

use crate::auth::Passwords;
use crate::db::Db;
use crate::error::ApiResult;
use crate::store::chats;
use crate::store::messages::MessageRow;
use crate::throttle::LoginThrottle;

/// The domain's state: everything an operation may touch besides its arguments.
pub struct Backend {
    /// The database (and its group-commit writer).
    pub db: Db,
    /// Where uploaded files are stored.
    pub files_dir: PathBuf,
    /// The bounded pool every password hash and verification runs on.
    pub passwords: Passwords,
    /// Failed-login counters.
    pub throttle: LoginThrottle,
    /// The key `POST /notification` requires.
    pub notify_key: String,
    /// The gateway holding the sessions pushes go to.
    pub gateway: Arc<dyn Gateway>,
}

impl Backend {
    /// The value of a reply, its pushes delivered through the gateway.
    pub fn delivered<T>(&self, reply: Reply<T>) -> T {
        self.gateway.deliver(&reply.pushes);
        reply.value
    }
}

/// What the backend asks of the gateway that holds the sessions (seed 000's `xxd`): who is
/// online, and delivery. Pushes are handed over in commit order and must not block: the
/// gateway queues them.
pub trait Gateway: Send + Sync + 'static {
    /// Whether `user` has a live session.
    fn is_online(&self, user: i64) -> bool;
    /// Delivers pushes, in order, to the sessions their audiences name.
    fn deliver(&self, pushes: &[Push]);
    /// Delivers a stored message to the sessions of `recipients` (`updated`: its content
    /// replaced that of the message with its id, delivered before); returns those it could not
    /// reach at once (they get it in their offline inbox).
    fn deliver_message(&self, row: &MessageRow, recipients: &[i64], updated: bool) -> Vec<i64>;
    /// Closes, with `reason`, every session opened with a token whose hash is in `hashes`.
    fn close_sessions(&self, hashes: &[String], reason: &str);
    /// Closes, with the kickoff, the xuanxuan sessions of `user` but the one opened with the
    /// sid whose hash is `keep` (a new login replaced them, on whichever gateway they are).
    fn replace_xuanxuan(&self, user: i64, keep: &str);
    /// Pushes a notification of the application's backend to the 003 sessions of `users`
    /// (003 `POST /notification`; users offline miss it, as the seed says).
    fn notify(&self, users: &[i64], body: &chinwag_wire::module::Notification);
}

/// Who receives a push.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Audience {
    /// These users' sessions.
    Users(Vec<i64>),
    /// Every online user's sessions (000's empty `users[]`), but those of `except`.
    Everyone {
        /// The user not told (the one who made the change), if any.
        except: Option<i64>,
    },
    /// Every SDK extension session but those of `except`: presence changes that no 001 push
    /// announces (a 003 socket bringing its user online, a user's last socket closing).
    Extensions {
        /// The user whose presence changed.
        except: i64,
    },
}

/// A push the backend asks the gateway to deliver: a xuanxuan `chat` module method with its
/// data (000's `{module, method, users[], data}`; the gateway strips `users`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Push {
    /// Who receives it.
    pub audience: Audience,
    /// The method (`changeName`, `joinChat`, `addMember`, …).
    pub method: Cow<'static, str>,
    /// The data (a chat or a user as 001 shows it).
    pub data: Value,
}

/// An operation's answer with the pushes it causes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Reply<T> {
    /// The result for the caller.
    pub value: T,
    /// What the gateway delivers, in order.
    pub pushes: Vec<Push>,
}

impl<T> Reply<T> {
    /// `value` with no pushes.
    pub fn quiet(value: T) -> Reply<T> {
        Reply {
            value,
            pushes: Vec::new(),
        }
    }

    /// `value` with one push.
    pub fn with(value: T, push: Push) -> Reply<T> {
        Reply {
            value,
            pushes: vec![push],
        }
    }
}

/// The push of chat `chat_id` as it is now in `conn`'s transaction, under `method`, to its
/// members and `also` (users who just left it). `None` if the chat is gone.
pub fn chat_push(
    conn: &Connection,
    chat_id: i64,
    method: &'static str,
    also: &[i64],
) -> ApiResult<Option<Push>> {
    let Some((data, mut members)) = chat_data(conn, chat_id)? else {
        return Ok(None);
    };
    members.extend_from_slice(also);
    Ok(Some(Push {
        audience: Audience::Users(members),
        method: method.into(),
        data,
    }))
}

/// Chat `chat_id` as 001 shows it (with its members), and its members; `None` if it is gone.
pub fn chat_data(conn: &Connection, chat_id: i64) -> ApiResult<Option<(Value, Vec<i64>)>> {
    let Some(chat) = chats::by_id(conn, chat_id)? else {
        return Ok(None);
    };
    let members = chats::member_ids(conn, chat_id)?;
    let data = serde_json::to_value(chat.to_wire(None, Some(&members))).unwrap_or_default();
    Ok(Some((data, members)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A backend on an in-memory database, delivering to a hub without sessions.
    pub fn backend() -> Arc<Backend> {
        Arc::new(Backend {
            db: Db::open(":memory:").unwrap(),
            files_dir: std::env::temp_dir().join("chinwag-backend-test"),
            passwords: crate::auth::Passwords::new(Default::default()),
            throttle: crate::throttle::LoginThrottle::new(Default::default()),
            notify_key: "key".into(),
            gateway: Arc::new(crate::hub::Hub::default()),
        })
    }
}
