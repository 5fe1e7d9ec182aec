//! The backend (seed 000's `rzs` role): the domain. Each operation checks the rule table
//! ([`crate::rules`]) and changes the model in one transaction, and answers with its result
//! and the pushes it causes, as values — each with the users who receive it (000's
//! `users[]`). The backend knows nothing of sockets or dialects: the gateway side
//! ([`crate::service::deliver_pushes`]) renders each push once per dialect and queues it on the
//! listed users' sessions.
//!
//! The split is under way (issue 17): chat creation and administration, friends and blocks,
//! and profile changes live here so far; messages, sessions and notifications still go
//! through [`crate::service`] and the dialect handlers.

pub mod chat;
pub mod files;
pub mod messages;
pub mod notify;
pub mod rooms;
pub mod router;
pub mod sessions;
pub mod social;
pub mod users;

use rusqlite::Connection;
use serde_json::Value;

use crate::error::ApiResult;
use crate::store::chats;

/// Who receives a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// These users' sessions.
    Users(Vec<i64>),
    /// Every online user's sessions (000's empty `users[]`), but those of `except`.
    Everyone {
        /// The user not told (the one who made the change), if any.
        except: Option<i64>,
    },
}

/// A push the backend asks the gateway to deliver: a xuanxuan `chat` module method with its
/// data (000's `{module, method, users[], data}`; the gateway strips `users`).
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// Who receives it.
    pub audience: Audience,
    /// The method (`changeName`, `joinChat`, `addMember`, …).
    pub method: &'static str,
    /// The data (a chat or a user as 001 shows it).
    pub data: Value,
}

/// An operation's answer with the pushes it causes.
#[derive(Debug, Clone)]
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
        method,
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
