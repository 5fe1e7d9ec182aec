//! Friendships, blocks and group invitations.

use rusqlite::{Connection, params};

use super::{many, one};
use crate::db::now_ms;
use crate::error::ApiResult;

/// Records that `user` asks to be friends with `other`; returns true if they now are friends.
pub fn ask_friend(conn: &Connection, user: i64, other: i64) -> ApiResult<bool> {
    conn.execute(
        "INSERT OR IGNORE INTO friend_asks (user_id, friend_id, created_at) VALUES (?1, ?2, ?3)",
        params![user, other, now_ms()],
    )?;
    are_friends(conn, user, other)
}

/// The users who blocked `user`.
pub fn blockers_of(conn: &Connection, user: i64) -> ApiResult<std::collections::HashSet<i64>> {
    Ok(many(
        conn,
        "SELECT user_id FROM blocks WHERE blocked_id = ?1",
        [user],
        |r| r.get(0),
    )?
    .into_iter()
    .collect())
}

/// Whether both have asked.
pub fn are_friends(conn: &Connection, a: i64, b: i64) -> ApiResult<bool> {
    Ok(one(
        conn,
        "SELECT 1 FROM friend_asks x JOIN friend_asks y ON y.user_id = x.friend_id AND y.friend_id = x.user_id \
         WHERE x.user_id = ?1 AND x.friend_id = ?2",
        [a, b],
        |_| Ok(()),
    )?
    .is_some())
}

/// The user's friends (both asked), by id.
pub fn friends(conn: &Connection, user: i64) -> ApiResult<Vec<i64>> {
    many(
        conn,
        "SELECT x.friend_id FROM friend_asks x JOIN friend_asks y \
         ON y.user_id = x.friend_id AND y.friend_id = x.user_id WHERE x.user_id = ?1 ORDER BY x.friend_id",
        [user],
        |r| r.get(0),
    )
}

/// Users who asked `user` and whom `user` has not asked back.
pub fn friend_requests(conn: &Connection, user: i64) -> ApiResult<Vec<i64>> {
    many(
        conn,
        "SELECT x.user_id FROM friend_asks x WHERE x.friend_id = ?1 AND NOT EXISTS \
         (SELECT 1 FROM friend_asks y WHERE y.user_id = ?1 AND y.friend_id = x.user_id) ORDER BY x.user_id",
        [user],
        |r| r.get(0),
    )
}

/// Ends a friendship or withdraws/declines a request, in both directions.
pub fn remove_friend(conn: &Connection, user: i64, other: i64) -> ApiResult<bool> {
    let n = conn.execute(
        "DELETE FROM friend_asks WHERE (user_id = ?1 AND friend_id = ?2) OR (user_id = ?2 AND friend_id = ?1)",
        [user, other],
    )?;
    Ok(n > 0)
}

/// `user` blocks `other`.
pub fn block(conn: &Connection, user: i64, other: i64) -> ApiResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO blocks (user_id, blocked_id, created_at) VALUES (?1, ?2, ?3)",
        params![user, other, now_ms()],
    )?;
    Ok(())
}

/// `user` unblocks `other`; true if there was a block.
pub fn unblock(conn: &Connection, user: i64, other: i64) -> ApiResult<bool> {
    Ok(conn.execute(
        "DELETE FROM blocks WHERE user_id = ?1 AND blocked_id = ?2",
        [user, other],
    )? > 0)
}

/// Whether `user` blocked `other`.
pub fn has_blocked(conn: &Connection, user: i64, other: i64) -> ApiResult<bool> {
    Ok(one(
        conn,
        "SELECT 1 FROM blocks WHERE user_id = ?1 AND blocked_id = ?2",
        [user, other],
        |_| Ok(()),
    )?
    .is_some())
}

/// The users `user` blocked, by id.
pub fn blocked(conn: &Connection, user: i64) -> ApiResult<Vec<i64>> {
    many(
        conn,
        "SELECT blocked_id FROM blocks WHERE user_id = ?1 ORDER BY blocked_id",
        [user],
        |r| r.get(0),
    )
}

/// A pending group invitation.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    /// Id.
    pub id: i64,
    /// Group chat id.
    pub chat_id: i64,
    /// Group name.
    pub chat_name: String,
    /// Invited user.
    pub user_id: i64,
    /// Inviting member.
    pub invited_by: i64,
}

const INVITATION_SELECT: &str = "SELECT i.id, i.chat_id, c.name, i.user_id, i.invited_by \
     FROM invitations i JOIN chats c ON c.id = i.chat_id WHERE c.dissolved = 0";

fn invitation(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        id: r.get(0)?,
        chat_id: r.get(1)?,
        chat_name: r.get(2)?,
        user_id: r.get(3)?,
        invited_by: r.get(4)?,
    })
}

/// Invites `user` into `chat_id` (idempotent while pending); returns the invitation's id.
pub fn invite(conn: &Connection, chat_id: i64, user: i64, by: i64) -> ApiResult<i64> {
    conn.execute(
        "INSERT OR IGNORE INTO invitations (chat_id, user_id, invited_by, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![chat_id, user, by, now_ms()],
    )?;
    Ok(one(
        conn,
        "SELECT id FROM invitations WHERE chat_id = ?1 AND user_id = ?2",
        [chat_id, user],
        |r| r.get(0),
    )?
    .unwrap_or_default())
}

/// Pending invitations of `user`.
pub fn invitations_of(conn: &Connection, user: i64) -> ApiResult<Vec<Invitation>> {
    many(
        conn,
        &format!("{INVITATION_SELECT} AND i.user_id = ?1 ORDER BY i.id"),
        [user],
        invitation,
    )
}

/// An invitation by id (of a live group).
pub fn invitation_by_id(conn: &Connection, id: i64) -> ApiResult<Option<Invitation>> {
    one(
        conn,
        &format!("{INVITATION_SELECT} AND i.id = ?1"),
        [id],
        invitation,
    )
}

/// Deletes an invitation.
pub fn delete_invitation(conn: &Connection, id: i64) -> ApiResult<()> {
    conn.execute("DELETE FROM invitations WHERE id = ?1", [id])?;
    Ok(())
}

/// The pending invitation of `user` into `chat_id`, if any.
pub fn invitation_for(conn: &Connection, chat_id: i64, user: i64) -> ApiResult<Option<Invitation>> {
    one(
        conn,
        &format!("{INVITATION_SELECT} AND i.chat_id = ?1 AND i.user_id = ?2"),
        [chat_id, user],
        invitation,
    )
}

/// Deletes the invitations of `users` into `chat_id` (they joined or were added).
pub fn delete_invitations_for(conn: &Connection, chat_id: i64, users: &[i64]) -> ApiResult<()> {
    for user in users {
        conn.execute(
            "DELETE FROM invitations WHERE chat_id = ?1 AND user_id = ?2",
            [chat_id, *user],
        )?;
    }
    Ok(())
}
