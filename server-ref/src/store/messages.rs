//! Messages, the offline inbox, and 002 channel read cursors.

use rusqlite::{Connection, params};

use chinwag_wire::xuanxuan::Message;

use super::{many, one};
use crate::error::{ApiError, ApiResult};

/// A stored message.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MessageRow {
    /// Server id.
    pub id: i64,
    /// Global id (the client's, or one the server made).
    pub gid: String,
    /// The chat.
    pub chat_id: i64,
    /// The chat's gid.
    pub cgid: String,
    /// The chat's type.
    pub chat_kind: String,
    /// Sender.
    pub sender_id: i64,
    /// When the server received it, ms.
    pub date: i64,
    /// `normal` or `broadcast`.
    pub kind: String,
    /// `text`, `emoticon`, `image`, `file`, `json`, ...
    pub content_type: String,
    /// Content.
    pub content: String,
}

impl MessageRow {
    /// The xuanxuan view (unix seconds).
    pub fn to_wire(&self) -> Message {
        Message {
            id: Some(self.id),
            gid: self.gid.clone(),
            cgid: self.cgid.clone(),
            user: Some(self.sender_id),
            date: Some(self.date / 1000),
            kind: self.kind.clone(),
            content_type: self.content_type.clone(),
            content: self.content.clone(),
        }
    }
}

/// The start of a query for message rows, as a macro: a query with a fixed tail is one
/// `concat!`ed string made at compile time, not a `format!` per call (which was 2 % of the
/// server's CPU time per message in a burst).
macro_rules! message_select {
    () => {
        "SELECT m.id, m.gid, m.chat_id, c.gid, c.type, m.sender_id, m.date, \
         m.type, m.content_type, m.content FROM messages m JOIN chats c ON c.id = m.chat_id"
    };
}

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        gid: r.get(1)?,
        chat_id: r.get(2)?,
        cgid: r.get(3)?,
        chat_kind: r.get(4)?,
        sender_id: r.get(5)?,
        date: r.get(6)?,
        kind: r.get(7)?,
        content_type: r.get(8)?,
        content: r.get(9)?,
    })
}

/// The message `sender` sent with this gid (a gid names a message among its sender's only).
pub fn by_sender_gid(conn: &Connection, sender: i64, gid: &str) -> ApiResult<Option<MessageRow>> {
    one(
        conn,
        concat!(message_select!(), " WHERE m.sender_id = ?1 AND m.gid = ?2"),
        params![sender, gid],
        message_row,
    )
}

/// Replaces a message's content; returns the message as it is now.
pub fn set_content(conn: &Connection, id: i64, content: &str) -> ApiResult<MessageRow> {
    conn.execute(
        "UPDATE messages SET content = ?2 WHERE id = ?1",
        params![id, content],
    )?;
    by_id(conn, id)
}

/// A stored message by id.
fn by_id(conn: &Connection, id: i64) -> ApiResult<MessageRow> {
    one(
        conn,
        concat!(message_select!(), " WHERE m.id = ?1"),
        [id],
        message_row,
    )?
    .ok_or_else(|| ApiError::internal("message vanished"))
}

/// What a new message is made of.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Global id.
    pub gid: String,
    /// Chat.
    pub chat_id: i64,
    /// Sender.
    pub sender_id: i64,
    /// Time, ms.
    pub date: i64,
    /// `normal` or `broadcast`.
    pub kind: String,
    /// Content type.
    pub content_type: String,
    /// Content.
    pub content: String,
}

/// Stores a message.
pub fn insert(conn: &Connection, m: &NewMessage) -> ApiResult<MessageRow> {
    conn.prepare_cached(
        "INSERT INTO messages (gid, chat_id, sender_id, date, type, content_type, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        m.gid,
        m.chat_id,
        m.sender_id,
        m.date,
        m.kind,
        m.content_type,
        m.content
    ])?;
    let id = conn.last_insert_rowid();
    by_id(conn, id)
}

/// Number of messages in a chat.
pub fn count(conn: &Connection, chat_id: i64) -> ApiResult<i64> {
    Ok(one(
        conn,
        "SELECT COUNT(*) FROM messages WHERE chat_id = ?1",
        [chat_id],
        |r| r.get(0),
    )?
    .unwrap_or(0))
}

/// A page of a chat's history: skips the newest `skip`, takes the `limit` before them, and
/// returns them oldest first.
pub fn history(
    conn: &Connection,
    chat_id: i64,
    limit: u32,
    skip: u32,
) -> ApiResult<Vec<MessageRow>> {
    let mut rows = many(
        conn,
        concat!(
            message_select!(),
            " WHERE m.chat_id = ?1 ORDER BY m.id DESC LIMIT ?2 OFFSET ?3"
        ),
        params![chat_id, limit, skip],
        message_row,
    )?;
    rows.reverse();
    Ok(rows)
}

/// Messages of a chat with id above `after`, oldest first, at most `limit`.
pub fn after(
    conn: &Connection,
    chat_id: i64,
    after: i64,
    limit: u32,
) -> ApiResult<Vec<MessageRow>> {
    many(
        conn,
        concat!(
            message_select!(),
            " WHERE m.chat_id = ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3"
        ),
        params![chat_id, after, limit],
        message_row,
    )
}

/// Queues a message in users' offline inboxes.
pub fn inbox_add(conn: &Connection, users: &[i64], message_id: i64) -> ApiResult<()> {
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO inbox (user_id, message_id) VALUES (?1, ?2)")?;
    for &user in users {
        stmt.execute([user, message_id])?;
    }
    Ok(())
}

/// Which inbox messages to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InboxFilter {
    /// Every message.
    All,
    /// Messages of one-to-one chats.
    Direct,
    /// Messages of group chats.
    Group,
}

/// The user's queued offline messages, oldest first (at most 10,000).
pub fn inbox(conn: &Connection, user: i64, filter: InboxFilter) -> ApiResult<Vec<MessageRow>> {
    let cond = match filter {
        InboxFilter::All => "",
        InboxFilter::Direct => "AND c.type = 'one2one'",
        InboxFilter::Group => "AND c.type != 'one2one'",
    };
    many(
        conn,
        &format!(
            concat!(
                message_select!(),
                " JOIN inbox i ON i.message_id = m.id WHERE i.user_id = ?1 {cond} \
                 ORDER BY m.id LIMIT 10000"
            ),
            cond = cond
        ),
        [user],
        message_row,
    )
}

/// Removes messages from the user's inbox (they reached the user).
pub fn inbox_remove(conn: &Connection, user: i64, message_ids: &[i64]) -> ApiResult<()> {
    let mut stmt =
        conn.prepare_cached("DELETE FROM inbox WHERE user_id = ?1 AND message_id = ?2")?;
    for &id in message_ids {
        stmt.execute([user, id])?;
    }
    Ok(())
}

/// The id of the last channel message the user read through 002, if any.
pub fn cursor(conn: &Connection, user: i64, chat_id: i64) -> ApiResult<Option<i64>> {
    one(
        conn,
        "SELECT last_id FROM channel_cursors WHERE user_id = ?1 AND chat_id = ?2",
        [user, chat_id],
        |r| r.get(0),
    )
}

/// Moves the user's 002 read cursor on a channel.
pub fn set_cursor(conn: &Connection, user: i64, chat_id: i64, last_id: i64) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO channel_cursors (user_id, chat_id, last_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id, chat_id) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
        params![user, chat_id, last_id],
    )?;
    Ok(())
}

/// The SDK extension's `RECEIVED`: the user has every message up to `up_to`. Removes those
/// from the user's offline inbox and moves the user's sync cursor to `up_to` (it never moves
/// back, nor beyond the newest stored message: a client cannot skip messages not yet sent).
pub fn mark_received(conn: &Connection, user: i64, up_to: i64) -> ApiResult<()> {
    let newest: i64 = one(conn, "SELECT MAX(id) FROM messages", [], |r| r.get(0))?
        .flatten()
        .unwrap_or(0);
    let up_to = up_to.min(newest);
    conn.execute(
        "DELETE FROM inbox WHERE user_id = ?1 AND message_id <= ?2",
        params![user, up_to],
    )?;
    conn.execute(
        "INSERT INTO sync_cursors (user_id, last_id) VALUES (?1, ?2) \
         ON CONFLICT (user_id) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
        params![user, up_to],
    )?;
    Ok(())
}

/// The user's sync cursor, if they ever sent `RECEIVED`.
pub fn sync_cursor(conn: &Connection, user: i64) -> ApiResult<Option<i64>> {
    one(
        conn,
        "SELECT last_id FROM sync_cursors WHERE user_id = ?1",
        [user],
        |r| r.get(0),
    )
}

/// Where `GET /api/sync` starts without `after`: the user's sync cursor; else just before
/// the oldest message in their offline inbox; else the newest message overall (0 if there is
/// none), so a fresh client starts at "now".
pub fn sync_start(conn: &Connection, user: i64) -> ApiResult<i64> {
    if let Some(cursor) = sync_cursor(conn, user)? {
        return Ok(cursor);
    }
    let oldest: Option<i64> = one(
        conn,
        "SELECT MIN(message_id) FROM inbox WHERE user_id = ?1",
        [user],
        |r| r.get(0),
    )?
    .flatten();
    if let Some(oldest) = oldest {
        return Ok(oldest - 1);
    }
    let newest: Option<i64> =
        one(conn, "SELECT MAX(id) FROM messages", [], |r| r.get(0))?.flatten();
    Ok(newest.unwrap_or(0))
}

/// The messages `GET /api/sync` returns: in chats the user is a current member of (not
/// dissolved), with an id above `after`, not sent by the user nor by someone the user
/// blocked, oldest first, at most `limit`.
pub fn sync_page(
    conn: &Connection,
    user: i64,
    after: i64,
    limit: u32,
) -> ApiResult<Vec<MessageRow>> {
    many(
        conn,
        concat!(
            message_select!(),
            " JOIN members mb ON mb.chat_id = m.chat_id AND mb.user_id = ?1 \
             AND mb.quit_at IS NULL \
             WHERE c.dissolved = 0 AND m.id > ?2 AND m.sender_id != ?1 \
             AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.user_id = ?1 \
             AND b.blocked_id = m.sender_id) \
             ORDER BY m.id LIMIT ?3"
        ),
        params![user, after, limit],
        message_row,
    )
}
