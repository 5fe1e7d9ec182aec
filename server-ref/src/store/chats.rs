//! Chats (one-to-one, group, public channel) and their members.

use rusqlite::{Connection, params};

use chinwag_wire::xuanxuan::{Chat, MemberRef};

use super::{ids_from_json, ids_to_json, many, one};
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};

/// Chat type of a one-to-one chat.
pub const ONE2ONE: &str = "one2one";
/// Chat type of a group chat (003 groups and 002 channels are groups too).
pub const GROUP: &str = "group";

/// A stored chat.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChatRow {
    /// Server id (003's `groupId`).
    pub id: i64,
    /// Global id.
    pub gid: String,
    /// Name.
    pub name: String,
    /// `one2one`, `group`, or a client-chosen type.
    pub kind: String,
    /// Administrators (besides the creator).
    pub admins: Vec<i64>,
    /// Who may post (empty: everyone).
    pub committers: Vec<i64>,
    /// Subject id.
    pub subject: i64,
    /// Public.
    pub public: bool,
    /// Creator (003's `managerId`).
    pub created_by: i64,
    /// Creator's account.
    pub created_by_account: String,
    /// Creation time, ms.
    pub created_date: i64,
    /// Last editor's account.
    pub edited_by_account: String,
    /// Last edit, ms (0 if never).
    pub edited_date: i64,
    /// Last message, ms.
    pub last_active: i64,
    /// The 002 channel name, if it is one.
    pub channel_name: Option<String>,
}

impl ChatRow {
    /// True for a one-to-one chat.
    pub fn is_one2one(&self) -> bool {
        self.kind == ONE2ONE
    }

    /// True if `user` may administer the chat (creator or listed admin).
    pub fn is_admin(&self, user: i64) -> bool {
        self.created_by == user || self.admins.contains(&user)
    }

    /// The xuanxuan view; `view` adds the caller's star/hide/mute, `members` the member list.
    pub fn to_wire(&self, view: Option<&MemberRow>, members: Option<&[i64]>) -> Chat {
        let mut admins = vec![self.created_by];
        admins.extend(
            self.admins
                .iter()
                .copied()
                .filter(|a| *a != self.created_by),
        );
        Chat {
            id: self.id,
            gid: self.gid.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            admins: if self.is_one2one() {
                Vec::new()
            } else {
                admins
            },
            committers: self.committers.clone(),
            subject: self.subject,
            public: self.public,
            created_by: self.created_by_account.clone(),
            created_date: self.created_date / 1000,
            edited_by: self.edited_by_account.clone(),
            edited_date: self.edited_date / 1000,
            last_active_time: self.last_active / 1000,
            star: view.map(|m| m.star),
            hide: view.map(|m| m.hide),
            mute: view.map(|m| m.mute),
            members: members.map(|ids| ids.iter().map(|&id| MemberRef { id }).collect()),
        }
    }
}

/// A user's own flags on a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberRow {
    /// Starred.
    pub star: bool,
    /// Hidden.
    pub hide: bool,
    /// Muted.
    pub mute: bool,
}

/// The start of a query for chat rows, as a macro (see `message_select!` in `messages.rs`);
/// `chat_select!(", m.star")` selects more columns after the chat's.
macro_rules! chat_select {
    () => {
        chat_select!("")
    };
    ($more:literal) => {
        concat!(
            "SELECT c.id, c.gid, c.name, c.type, c.admins, c.committers, c.subject, \
             c.public, c.created_by, COALESCE(u.account, ''), c.created_date, \
             COALESCE(e.account, ''), c.edited_date, c.last_active, c.channel_name",
            $more,
            " FROM chats c LEFT JOIN users u ON u.id = c.created_by \
             LEFT JOIN users e ON e.id = c.edited_by"
        )
    };
}

fn chat_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChatRow> {
    Ok(ChatRow {
        id: r.get(0)?,
        gid: r.get(1)?,
        name: r.get(2)?,
        kind: r.get(3)?,
        admins: ids_from_json(&r.get::<_, String>(4)?),
        committers: ids_from_json(&r.get::<_, String>(5)?),
        subject: r.get(6)?,
        public: r.get(7)?,
        created_by: r.get(8)?,
        created_by_account: r.get(9)?,
        created_date: r.get(10)?,
        edited_by_account: r.get(11)?,
        edited_date: r.get(12)?,
        last_active: r.get(13)?,
        channel_name: r.get(14)?,
    })
}

/// A live chat by gid.
pub fn by_gid(conn: &Connection, gid: &str) -> ApiResult<Option<ChatRow>> {
    one(
        conn,
        concat!(chat_select!(), " WHERE c.gid = ?1 AND c.dissolved = 0"),
        [canonical_gid(gid)],
        chat_row,
    )
}

/// The stored form of a gid: a one-to-one gid with its ids in numeric order (`"3&10"`, which
/// clients sorting the ids as text write `"10&3"`), any other gid as it is.
pub fn canonical_gid(gid: &str) -> String {
    match chinwag_wire::parse_one2one_gid(gid) {
        Some((a, b)) => chinwag_wire::one2one_gid(a, b),
        None => gid.to_string(),
    }
}

/// A live chat by id.
pub fn by_id(conn: &Connection, id: i64) -> ApiResult<Option<ChatRow>> {
    one(
        conn,
        concat!(chat_select!(), " WHERE c.id = ?1 AND c.dissolved = 0"),
        [id],
        chat_row,
    )
}

/// The 002 channel of this name.
pub fn channel(conn: &Connection, name: &str) -> ApiResult<Option<ChatRow>> {
    one(
        conn,
        concat!(
            chat_select!(),
            " WHERE c.channel_name = ?1 AND c.dissolved = 0"
        ),
        [name],
        chat_row,
    )
}

/// Every live public chat.
pub fn public_chats(conn: &Connection) -> ApiResult<Vec<ChatRow>> {
    many(
        conn,
        concat!(
            chat_select!(),
            " WHERE c.public = 1 AND c.dissolved = 0 ORDER BY c.id"
        ),
        [],
        chat_row,
    )
}

/// The live chats `user` is a member of, with the user's flags.
pub fn of_user(conn: &Connection, user: i64) -> ApiResult<Vec<(ChatRow, MemberRow)>> {
    let sql = concat!(
        chat_select!(", m.star, m.hide, m.mute"),
        " JOIN members m ON m.chat_id = c.id \
         WHERE m.user_id = ?1 AND m.quit_at IS NULL AND c.dissolved = 0 ORDER BY c.id"
    );
    many(conn, sql, [user], |r| {
        let flags = MemberRow {
            star: r.get(15)?,
            hide: r.get(16)?,
            mute: r.get(17)?,
        };
        Ok((chat_row(r)?, flags))
    })
}

/// Ids of the current members, by id.
pub fn member_ids(conn: &Connection, chat_id: i64) -> ApiResult<Vec<i64>> {
    many(
        conn,
        "SELECT user_id FROM members WHERE chat_id = ?1 AND quit_at IS NULL ORDER BY user_id",
        [chat_id],
        |r| r.get(0),
    )
}

/// The current members of a chat, as users, by id.
pub fn member_users(conn: &Connection, chat_id: i64) -> ApiResult<Vec<super::users::UserRow>> {
    member_ids(conn, chat_id)?
        .into_iter()
        .map(|id| super::users::get(conn, id))
        .collect()
}

/// The user's flags if they are a current member.
pub fn membership(conn: &Connection, chat_id: i64, user: i64) -> ApiResult<Option<MemberRow>> {
    one(
        conn,
        "SELECT star, hide, mute FROM members WHERE chat_id = ?1 AND user_id = ?2 AND quit_at IS NULL",
        [chat_id, user],
        |r| {
            Ok(MemberRow {
                star: r.get(0)?,
                hide: r.get(1)?,
                mute: r.get(2)?,
            })
        },
    )
}

/// Whether `user` is a current member.
pub fn is_member(conn: &Connection, chat_id: i64, user: i64) -> ApiResult<bool> {
    Ok(membership(conn, chat_id, user)?.is_some())
}

/// What a new chat is made of.
#[derive(Debug, Clone, Default)]
pub struct NewChat<'a> {
    /// Global id.
    pub gid: &'a str,
    /// Name.
    pub name: &'a str,
    /// Type.
    pub kind: &'a str,
    /// Subject.
    pub subject: i64,
    /// Public.
    pub public: bool,
    /// 002 channel name.
    pub channel_name: Option<&'a str>,
}

/// Creates a chat with `creator` and `members` as members.
pub fn create(
    conn: &Connection,
    new: &NewChat<'_>,
    creator: i64,
    members: &[i64],
) -> ApiResult<ChatRow> {
    if new.gid.is_empty() || new.gid.len() > 128 {
        return Err(ApiError::invalid("gid must be 1–128 bytes"));
    }
    if one(
        conn,
        "SELECT 1 FROM chats WHERE gid = ?1",
        [new.gid],
        |_| Ok(()),
    )?
    .is_some()
    {
        return Err(ApiError::conflict(format!(
            "the gid \"{}\" is already used by another chat",
            new.gid
        )));
    }
    if new.name.chars().count() > 128 {
        return Err(ApiError::invalid("name must be at most 128 characters"));
    }
    let now = now_ms();
    conn.execute(
        "INSERT INTO chats (gid, name, type, subject, public, created_by, created_date, last_active, channel_name) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        params![new.gid, new.name, new.kind, new.subject, new.public, creator, now, new.channel_name],
    )?;
    let id = conn.last_insert_rowid();
    add_members(conn, id, &[creator])?;
    add_members(conn, id, members)?;
    by_id(conn, id)?.ok_or_else(|| ApiError::internal("chat vanished"))
}

/// The one-to-one chat of `creator` and `other`, created by `creator` (its `createdBy`: the
/// one who sent its first message or asked for it) if it does not exist yet.
pub fn ensure_one2one(conn: &Connection, creator: i64, other: i64) -> ApiResult<ChatRow> {
    let gid = chinwag_wire::one2one_gid(creator, other);
    if let Some(chat) = by_gid(conn, &gid)? {
        return Ok(chat);
    }
    let new = NewChat {
        gid: &gid,
        kind: ONE2ONE,
        ..Default::default()
    };
    create(conn, &new, creator, &[other])
}

/// Adds (or re-adds) members; unknown user ids are an `Invalid` error.
pub fn add_members(conn: &Connection, chat_id: i64, users: &[i64]) -> ApiResult<()> {
    let now = now_ms();
    for &user in users {
        if !super::users::exists(conn, user)? {
            return Err(ApiError::invalid(format!("no user with id {user}")));
        }
        conn.execute(
            "INSERT INTO members (chat_id, user_id, joined_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (chat_id, user_id) DO UPDATE SET quit_at = NULL, joined_at = \
             CASE WHEN quit_at IS NULL THEN joined_at ELSE excluded.joined_at END",
            params![chat_id, user, now],
        )?;
    }
    Ok(())
}

/// Marks a member as having quit.
pub fn remove_member(conn: &Connection, chat_id: i64, user: i64) -> ApiResult<()> {
    conn.execute(
        "UPDATE members SET quit_at = ?3 WHERE chat_id = ?1 AND user_id = ?2 AND quit_at IS NULL",
        params![chat_id, user, now_ms()],
    )?;
    Ok(())
}

/// Dissolves a chat: everyone quits and it disappears from every list.
pub fn dissolve(conn: &Connection, chat_id: i64) -> ApiResult<()> {
    conn.execute(
        "UPDATE members SET quit_at = ?2 WHERE chat_id = ?1 AND quit_at IS NULL",
        params![chat_id, now_ms()],
    )?;
    // The gid and channel name are freed for reuse.
    conn.execute(
        "UPDATE chats SET dissolved = 1, channel_name = NULL, gid = gid || '#dissolved-' || id \
         WHERE id = ?1",
        [chat_id],
    )?;
    conn.execute("DELETE FROM invitations WHERE chat_id = ?1", [chat_id])?;
    Ok(())
}

/// A per-user flag on a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Starred.
    Star,
    /// Hidden.
    Hide,
    /// Muted.
    Mute,
}

/// Sets a per-user flag.
pub fn set_flag(conn: &Connection, chat_id: i64, user: i64, flag: Flag, on: bool) -> ApiResult<()> {
    let column = match flag {
        Flag::Star => "star",
        Flag::Hide => "hide",
        Flag::Mute => "mute",
    };
    conn.execute(
        &format!("UPDATE members SET {column} = ?3 WHERE chat_id = ?1 AND user_id = ?2"),
        params![chat_id, user, on],
    )?;
    Ok(())
}

/// A chat-wide change, recorded with its editor.
#[derive(Debug, Clone)]
pub enum Edit<'a> {
    /// New name.
    Name(&'a str),
    /// Public or not.
    Public(bool),
    /// New administrator list.
    Admins(&'a [i64]),
    /// New committer list.
    Committers(&'a [i64]),
}

/// Applies a chat-wide change and returns the updated chat.
pub fn edit(conn: &Connection, chat_id: i64, editor: i64, change: Edit<'_>) -> ApiResult<ChatRow> {
    let (column, value): (&str, rusqlite::types::Value) = match change {
        Edit::Name(name) => {
            if name.trim().is_empty() || name.chars().count() > 128 {
                return Err(ApiError::invalid("name must be 1–128 characters"));
            }
            ("name", name.to_string().into())
        }
        Edit::Public(public) => ("public", i64::from(public).into()),
        Edit::Admins(ids) => ("admins", ids_to_json(ids).into()),
        Edit::Committers(ids) => ("committers", ids_to_json(ids).into()),
    };
    conn.execute(
        &format!("UPDATE chats SET {column} = ?2, edited_by = ?3, edited_date = ?4 WHERE id = ?1"),
        params![chat_id, value, editor, now_ms()],
    )?;
    by_id(conn, chat_id)?.ok_or_else(|| ApiError::internal("chat vanished"))
}

/// Records that a message was posted at `when` (ms).
pub fn touch(conn: &Connection, chat_id: i64, when: i64) -> ApiResult<()> {
    conn.prepare_cached("UPDATE chats SET last_active = MAX(last_active, ?2) WHERE id = ?1")?
        .execute(params![chat_id, when])?;
    Ok(())
}
