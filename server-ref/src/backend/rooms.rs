//! Seed 002's rooms: users by account name, direct messages taken from the inbox, and
//! channels — named public groups, created by the first user who uses the name and joined
//! by sending or receiving in them, each user with a cursor of what they received.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::{Reply, chat_push};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::rules::{self, ChatRef, Op};
use crate::store::chats::{self, ChatRow, GROUP, NewChat};
use crate::store::messages::{self, InboxFilter, MessageRow};
use crate::store::users::{self, UserRow};

/// Messages returned by the first `/channel/receive` of a user on a channel: the newest ones.
pub const FIRST_RECEIVE_BACKLOG: u32 = 100;
/// Most messages one `/channel/receive` returns; the rest come with the next call.
pub const RECEIVE_LIMIT: u32 = 1000;

/// The user with account `name`.
pub async fn user_named(db: &Db, name: String) -> ApiResult<UserRow> {
    db.call(move |conn| users::get_by_account(conn, &name))
        .await
}

/// The members of channel `name`, if the caller may see it.
pub async fn channel_members(db: &Db, me: i64, name: String) -> ApiResult<Vec<UserRow>> {
    db.call(move |conn| {
        let chat = chats::channel(conn, &name)?.ok_or_else(|| no_channel(&name))?;
        super::chat::readable(conn, &ChatRef::Group(chat.id), me).map_err(|_| no_channel(&name))?;
        chats::member_users(conn, chat.id)
    })
    .await
}

/// Takes the direct messages waiting in the caller's inbox, each with its sender's account
/// name, oldest first. `name` (002's "用户 name") must be the caller's own, if given.
pub async fn take_direct(
    db: &Db,
    me: i64,
    name: Option<String>,
) -> ApiResult<Vec<(String, MessageRow)>> {
    db.tx(move |conn| {
        let me_row = users::get(conn, me)?;
        if let Some(n) = name.filter(|n| !n.is_empty() && *n != me_row.account) {
            return Err(ApiError::forbidden(format!(
                "name must be your own name (\"{}\"), not \"{n}\": /receive returns the \
                 caller's own messages",
                me_row.account
            )));
        }
        let rows = messages::inbox(conn, me, InboxFilter::Direct)?;
        let taken: Vec<i64> = rows.iter().map(|m| m.id).collect();
        messages::inbox_remove(conn, me, &taken)?;
        named(conn, rows)
    })
    .await
}

/// Channel `name` for the caller to send in: created if new, joined if not yet (pushing
/// `joinChat` then).
pub async fn join_to_send(db: &Db, me: i64, name: String) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
        let was = chats::channel(conn, &name)?
            .map(|c| chats::is_member(conn, c.id, me))
            .transpose()?;
        let chat = join_channel(conn, me, &name)?;
        let push = match was {
            Some(true) => None,
            _ => chat_push(conn, chat.id, "joinChat", &[])?,
        };
        Ok(Reply {
            value: chat,
            pushes: push.into_iter().collect(),
        })
    })
    .await
}

/// The messages of channel `name` the caller has not received yet (joining it if needed):
/// after their cursor, or the newest [`FIRST_RECEIVE_BACKLOG`] the first time; each with
/// its sender's account name. The cursor moves past them.
pub async fn receive_channel(
    db: &Db,
    me: i64,
    name: String,
) -> ApiResult<Vec<(String, MessageRow)>> {
    db.tx(move |conn| {
        let chat = join_channel(conn, me, &name)?;
        let rows = match messages::cursor(conn, me, chat.id)? {
            Some(last) => messages::after(conn, chat.id, last, RECEIVE_LIMIT)?,
            None => messages::history(conn, chat.id, FIRST_RECEIVE_BACKLOG, 0)?,
        };
        let last = rows.last().map(|m| m.id).unwrap_or(0);
        messages::set_cursor(conn, me, chat.id, last)?;
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        messages::inbox_remove(conn, me, &ids)?;
        named(conn, rows)
    })
    .await
}

/// `rows`, each with its sender's account name (looked up once per sender).
fn named(conn: &Connection, rows: Vec<MessageRow>) -> ApiResult<Vec<(String, MessageRow)>> {
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    rows.into_iter()
        .map(|m| {
            let name = match names.get(&m.sender_id) {
                Some(name) => name.clone(),
                None => {
                    let name = users::get(conn, m.sender_id)?.account;
                    names.insert(m.sender_id, name.clone());
                    name
                }
            };
            Ok((name, m))
        })
        .collect()
}

/// The channel named `name`, created if needed, with the caller joined.
fn join_channel(conn: &Connection, me: i64, name: &str) -> ApiResult<ChatRow> {
    let chat = match chats::channel(conn, name)? {
        Some(chat) => chat,
        None => {
            if name.chars().count() > 128 || name.chars().any(char::is_control) {
                return Err(ApiError::invalid(
                    "channel name must be at most 128 characters, without control characters",
                ));
            }
            let gid = format!("channel:{name}");
            let new = NewChat {
                gid: &gid,
                name,
                kind: GROUP,
                public: true,
                channel_name: Some(name),
                ..Default::default()
            };
            chats::create(conn, &new, me, &[])?
        }
    };
    if !chats::is_member(conn, chat.id, me)? {
        // The rule table decides, as for any join: a channel made private is joined only
        // with an invitation, and otherwise answers as if it did not exist.
        rules::chat_for(conn, &ChatRef::Group(chat.id), me, Op::Join)
            .map_err(|_| no_channel(name))?;
        chats::add_members(conn, chat.id, &[me])?;
    }
    Ok(chat)
}

/// The answer for a channel that does not exist or that the caller may not see.
fn no_channel(name: &str) -> ApiError {
    ApiError::not_found(format!("no channel named \"{name}\" that you may join"))
}
