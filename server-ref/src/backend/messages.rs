//! Messages: posting one (stored through the group-commit writer, then handed to the
//! gateway in commit order, queued in the offline inbox of recipients it could not reach),
//! the offline inbox (003 `GET /api/message`, 001 `getOfflineMessages`) and the SDK
//! extension's sync pages (`GET /api/sync`).

use std::sync::Arc;

use rusqlite::Connection;

use super::Backend;
use crate::db::{Db, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::rules::{self, ChatRef, Op};
use crate::store::chats::{self, ChatRow};
use crate::store::messages::{self, InboxFilter, MessageRow, NewMessage};
use crate::store::{social, users};

/// Where a message goes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// A user: the one-to-one chat with them (created on first use).
    User(i64),
    /// A chat by id (003's `groupId`).
    ChatId(i64),
    /// A chat by gid (xuanxuan's `cgid`); a one-to-one gid including the caller is created.
    ChatGid(String),
}

/// Who may receive a direct message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DirectPolicy {
    /// 003 unicast: only a friend who has not blocked the sender.
    FriendsOnly,
    /// 001/002: anyone who has not blocked the sender.
    NotBlocked,
}

/// A message as a client submitted it.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    /// Client gid for de-duplication; the server makes one if absent.
    pub gid: Option<String>,
    /// `normal` (default) or `broadcast`.
    pub kind: Option<String>,
    /// `text` (default), or another content type.
    pub content_type: Option<String>,
    /// The content.
    pub content: String,
}

/// The outcome of posting.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Posted {
    /// Stored and delivered (or queued).
    New(MessageRow),
    /// The gid was seen before: the stored message, not delivered again.
    Duplicate(MessageRow),
    /// The gid of one of the sender's file or image messages, with new content (the xuanxuan
    /// client re-sends its file message with the upload's progress, then the file): the
    /// content was replaced and the message delivered again.
    Updated(MessageRow),
    /// Silently not delivered (blocked, or not friends under 003's rule); not stored.
    Dropped,
}

impl Posted {
    /// The stored message, if any.
    pub fn message(&self) -> Option<&MessageRow> {
        match self {
            Posted::New(m) | Posted::Duplicate(m) | Posted::Updated(m) => Some(m),
            Posted::Dropped => None,
        }
    }
}

/// The messages waiting in the caller's offline inbox (filtered), oldest first; `remove`
/// takes them out in the same transaction.
pub async fn offline(
    db: &Db,
    me: i64,
    filter: InboxFilter,
    remove: bool,
) -> ApiResult<Vec<MessageRow>> {
    db.tx(move |conn| {
        let rows = messages::inbox(conn, me, filter)?;
        if remove {
            let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
            messages::inbox_remove(conn, me, &ids)?;
        }
        Ok(rows)
    })
    .await
}

/// A sync page for the caller: up to `limit` messages after `after` (default: the caller's
/// acknowledged cursor), with the start used and whether more follow.
pub async fn sync_page(
    db: &Db,
    me: i64,
    after: Option<i64>,
    limit: u32,
) -> ApiResult<(i64, Vec<MessageRow>, bool)> {
    db.call(move |conn| {
        let start = match after {
            Some(after) => after,
            None => messages::sync_start(conn, me)?,
        };
        // One more than asked tells whether more follow.
        let mut rows = messages::sync_page(conn, me, start, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Ok((start, rows, more))
    })
    .await
}

/// Takes the messages `ids` out of the caller's offline inbox (they were handed over).
pub async fn remove_from_inbox(db: &Db, me: i64, ids: Vec<i64>) -> ApiResult<()> {
    db.call(move |conn| messages::inbox_remove(conn, me, &ids))
        .await
}

/// A gateway could not deliver message `id` to `users`: it waits in their offline inbox.
pub async fn undelivered(db: &Db, id: i64, users: Vec<i64>) -> ApiResult<()> {
    db.call(move |conn| messages::inbox_add(conn, &users, id))
        .await
}

/// `me` has received every message up to `up_to` (the extension's `RECEIVED`): they leave the
/// offline inbox and the sync cursor moves.
pub async fn received(backend: &Backend, me: i64, up_to: i64) -> ApiResult<()> {
    backend
        .db
        .call(move |conn| messages::mark_received(conn, me, up_to))
        .await
}

/// Runs `then` once every message submitted before this call is stored and delivered (the
/// extension's `PONG` says so).
pub async fn after_submitted(
    backend: &Backend,
    then: impl FnOnce() + Send + 'static,
) -> ApiResult<()> {
    backend.db.submit(|_| Ok(()), move |_, _| then()).await
}

/// Largest content accepted, in bytes.
pub const MAX_CONTENT_BYTES: usize = 64 * 1024;

/// Stores a message from `sender` and delivers it: pushed to recipients online, queued in
/// the offline inbox of the others. Resolves after the commit that stored it.
pub async fn post(
    backend: &Arc<Backend>,
    sender: i64,
    target: Target,
    draft: Draft,
    policy: DirectPolicy,
) -> ApiResult<Posted> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    submit(backend, sender, target, draft, policy, move |out| {
        let _ = tx.send(out);
    })
    .await;
    rx.await
        .map_err(|_| ApiError::internal("the database writer has stopped"))?
}

/// Queues a message from `sender` for the database writer (group commit, see
/// [`Db::submit`]) and returns once it is queued; `done` gets the outcome after the
/// commit that stored it and the pushes. Messages submitted in order are stored, pushed and
/// reported in that order, so a socket can go on reading while its messages are written.
pub async fn submit(
    backend: &Arc<Backend>,
    sender: i64,
    target: Target,
    draft: Draft,
    policy: DirectPolicy,
    done: impl FnOnce(ApiResult<Posted>) + Send + 'static,
) {
    if draft.content.len() > MAX_CONTENT_BYTES {
        return done(Err(ApiError::invalid(format!(
            "content must be at most {MAX_CONTENT_BYTES} bytes"
        ))));
    }
    if draft.content.is_empty() {
        return done(Err(ApiError::invalid("content must not be empty")));
    }
    let b2 = backend.clone();
    let b3 = backend.clone();
    let submitted = backend
        .db
        .submit(
            move |conn| store_message(&b2, conn, sender, &target, &draft, policy),
            // Pushed while the connection is still held, right after the commit: pushes are
            // queued in commit order, which is id order, on every socket.
            move |conn, out| {
                let out = out.map(|(posted, online)| {
                    if let Posted::New(row) | Posted::Updated(row) = &posted {
                        let updated = matches!(posted, Posted::Updated(_));
                        deliver(&b3, conn, row, &online, updated);
                    }
                    if let Posted::New(_) = &posted {
                        b3.db.count_messages(1);
                    }
                    posted
                });
                done(out)
            },
        )
        .await;
    if let Err(e) = submitted {
        tracing::error!(%e, "message not submitted");
    }
}

/// Stores one message inside the writer's transaction; returns what happened and the
/// recipients online to push it to.
fn store_message(
    backend: &Backend,
    conn: &Connection,
    sender: i64,
    target: &Target,
    draft: &Draft,
    policy: DirectPolicy,
) -> ApiResult<(Posted, Vec<i64>)> {
    if let Some(gid) = &draft.gid {
        if gid.len() > 128 {
            return Err(ApiError::invalid("gid must be at most 128 bytes"));
        }
        if let Some(existing) = messages::by_sender_gid(conn, sender, gid)? {
            if !updates_file(&existing, draft) {
                return Ok((Posted::Duplicate(existing), Vec::new()));
            }
            let row = messages::set_content(conn, existing.id, &draft.content)?;
            let (online, offline) = recipients(backend, conn, existing.chat_id, sender)?;
            messages::inbox_add(conn, &offline, row.id)?;
            return Ok((Posted::Updated(row), online));
        }
    }
    let Some(chat) = resolve_chat(conn, sender, target, policy)? else {
        return Ok((Posted::Dropped, Vec::new()));
    };
    let now = now_ms();
    let row = messages::insert(
        conn,
        &NewMessage {
            gid: draft
                .gid
                .clone()
                .unwrap_or_else(|| format!("srv-{}", crate::auth::new_token())),
            chat_id: chat.id,
            sender_id: sender,
            date: now,
            kind: draft
                .kind
                .clone()
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "normal".into()),
            content_type: draft
                .content_type
                .clone()
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "text".into()),
            content: draft.content.clone(),
        },
    )?;
    chats::touch(conn, chat.id, now)?;
    let (online, offline) = recipients(backend, conn, chat.id, sender)?;
    messages::inbox_add(conn, &offline, row.id)?;
    Ok((Posted::New(row), online))
}

/// Whether `draft`, re-sent with the gid of `existing`, replaces its content: only a file or
/// image message's, and only with different content (seed 000's backend does so; the
/// xuanxuan client re-sends a file message with its upload's progress, then the file).
fn updates_file(existing: &MessageRow, draft: &Draft) -> bool {
    matches!(existing.content_type.as_str(), "file" | "image")
        && draft
            .content_type
            .as_deref()
            .is_none_or(|t| t.is_empty() || t == existing.content_type)
        && !draft.content.is_empty()
        && draft.content != existing.content
}

/// The recipients of a message of `sender` in chat `chat_id` (its members but the sender
/// and those who blocked them), split into those the gateway has online and the others.
fn recipients(
    backend: &Backend,
    conn: &Connection,
    chat_id: i64,
    sender: i64,
) -> ApiResult<(Vec<i64>, Vec<i64>)> {
    let blockers = social::blockers_of(conn, sender)?;
    Ok(chats::member_ids(conn, chat_id)?
        .into_iter()
        .filter(|m| *m != sender && !blockers.contains(m))
        .partition(|u| backend.gateway.is_online(*u)))
}

/// Finds (or for one-to-one, creates) the chat a message goes to, checking the sender may
/// post there; `None` means the message is silently dropped.
fn resolve_chat(
    conn: &Connection,
    sender: i64,
    target: &Target,
    policy: DirectPolicy,
) -> ApiResult<Option<ChatRow>> {
    // A direct message: the recipient's rules are checked before the chat is created, so a
    // dropped message leaves nothing behind.
    let direct_to = match target {
        Target::User(to) if *to == sender => {
            return Err(ApiError::invalid(
                "cannot send a direct message to yourself",
            ));
        }
        Target::User(to) => Some(*to),
        Target::ChatGid(gid) => chinwag_wire::parse_one2one_gid(gid)
            .filter(|&(a, b)| (a == sender || b == sender) && a != b)
            .map(|(a, b)| if a == sender { b } else { a }),
        Target::ChatId(_) => None,
    };
    if let Some(other) = direct_to {
        if !users::exists(conn, other)? {
            return Err(ApiError::not_found(format!("no user with id {other}")));
        }
        if social::has_blocked(conn, other, sender)? {
            return Ok(None);
        }
        if policy == DirectPolicy::FriendsOnly && !social::are_friends(conn, sender, other)? {
            return Ok(None);
        }
        return chats::ensure_one2one(conn, sender, other).map(Some);
    }
    let r = match target {
        Target::ChatId(id) => ChatRef::Group(*id),
        Target::ChatGid(gid) => ChatRef::Gid(gid.clone()),
        Target::User(_) => unreachable!("direct targets are handled above"),
    };
    rules::chat_for(conn, &r, sender, Op::Post).map(|(chat, _)| Some(chat))
}

/// Hands a stored message to the gateway; recipients it could not reach get it in their
/// offline inbox. Runs with the writer's connection held, right after the commit.
fn deliver(
    backend: &Backend,
    conn: &Connection,
    row: &MessageRow,
    recipients: &[i64],
    updated: bool,
) {
    let missed = backend.gateway.deliver_message(row, recipients, updated);
    if !missed.is_empty() {
        if let Err(e) = messages::inbox_add(conn, &missed, row.id) {
            tracing::warn!(%e, "could not queue undelivered message");
        }
    }
}
