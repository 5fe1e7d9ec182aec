//! Users, tokens, presence and per-user settings.

use rusqlite::{Connection, params};

use chinwag_wire::xuanxuan::{User, UserPatch};

use super::{many, one};
use crate::auth;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};

/// A stored user (without the password hash).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Account name.
    pub account: String,
    /// Display name.
    pub realname: String,
    /// Avatar URL.
    pub avatar: String,
    /// Role.
    pub role: String,
    /// Department id.
    pub dept: i64,
    /// Presence.
    pub status: String,
    /// `super` or `no`.
    pub admin: String,
    /// `u`, `f`, `m`.
    pub gender: String,
    /// E-mail.
    pub email: String,
    /// Mobile.
    pub mobile: String,
    /// Web site.
    pub site: String,
    /// Phone.
    pub phone: String,
}

const USER_COLUMNS: &str =
    "id, account, realname, avatar, role, dept, status, admin, gender, email, mobile, site, phone";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        account: r.get(1)?,
        realname: r.get(2)?,
        avatar: r.get(3)?,
        role: r.get(4)?,
        dept: r.get(5)?,
        status: r.get(6)?,
        admin: r.get(7)?,
        gender: r.get(8)?,
        email: r.get(9)?,
        mobile: r.get(10)?,
        site: r.get(11)?,
        phone: r.get(12)?,
    })
}

impl UserRow {
    /// The xuanxuan view of the user.
    pub fn to_wire(&self) -> User {
        User {
            id: self.id,
            account: self.account.clone(),
            realname: self.realname.clone(),
            avatar: self.avatar.clone(),
            role: self.role.clone(),
            dept: self.dept,
            status: self.status.clone(),
            admin: self.admin.clone(),
            gender: self.gender.clone(),
            email: self.email.clone(),
            mobile: self.mobile.clone(),
            site: self.site.clone(),
            phone: self.phone.clone(),
        }
    }
}

/// Presence values a client may set.
pub const STATUSES: &[&str] = &["online", "away", "busy"];

/// Checks an account name: 1–64 characters, no control characters, not all blank. Names are
/// free text in any script (`Tom & Jerry` included), stored and returned verbatim; the
/// one-to-one gid is built from ids, so no character is reserved.
pub fn validate_account(name: &str) -> ApiResult<()> {
    let chars = name.chars().count();
    if name.trim().is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
    }
    if chars > 64 {
        return Err(ApiError::invalid("name must be at most 64 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name must not contain control characters",
        ));
    }
    Ok(())
}

/// Creates a user with an already-hashed password; `Conflict` if the name is taken.
pub fn create(conn: &Connection, account: &str, password_hash: &str) -> ApiResult<UserRow> {
    validate_account(account)?;
    if by_account(conn, account)?.is_some() {
        return Err(ApiError::conflict(format!(
            "the name \"{account}\" is already taken"
        )));
    }
    conn.execute(
        "INSERT INTO users (account, password_hash, realname, created_at) VALUES (?1, ?2, ?1, ?3)",
        params![account, password_hash, now_ms()],
    )?;
    by_id(conn, conn.last_insert_rowid())?.ok_or_else(|| ApiError::internal("user vanished"))
}

/// A user by id.
pub fn by_id(conn: &Connection, id: i64) -> ApiResult<Option<UserRow>> {
    one(
        conn,
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
        [id],
        user_row,
    )
}

/// A user by id, or `NotFound`.
pub fn get(conn: &Connection, id: i64) -> ApiResult<UserRow> {
    by_id(conn, id)?.ok_or_else(|| ApiError::not_found(format!("no user with id {id}")))
}

/// A user by account name.
pub fn by_account(conn: &Connection, account: &str) -> ApiResult<Option<UserRow>> {
    one(
        conn,
        &format!("SELECT {USER_COLUMNS} FROM users WHERE account = ?1"),
        [account],
        user_row,
    )
}

/// A user by account name, or `NotFound`.
pub fn get_by_account(conn: &Connection, account: &str) -> ApiResult<UserRow> {
    by_account(conn, account)?
        .ok_or_else(|| ApiError::not_found(format!("no user named \"{account}\"")))
}

/// The id and password hash of an account, for login.
pub fn credentials(conn: &Connection, account: &str) -> ApiResult<Option<(i64, String)>> {
    one(
        conn,
        "SELECT id, password_hash FROM users WHERE account = ?1",
        [account],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Replaces a user's stored password hash.
pub fn set_password_hash(conn: &Connection, id: i64, hash: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )?;
    Ok(())
}

/// Every user, by id.
pub fn all(conn: &Connection) -> ApiResult<Vec<UserRow>> {
    many(
        conn,
        &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
        [],
        user_row,
    )
}

/// Whether a user with this id exists.
pub fn exists(conn: &Connection, id: i64) -> ApiResult<bool> {
    Ok(one(conn, "SELECT 1 FROM users WHERE id = ?1", [id], |_| Ok(()))?.is_some())
}

/// Stores a new token for `user_id` (hashed) and returns the token.
pub fn issue_token(conn: &Connection, user_id: i64) -> ApiResult<String> {
    let token = auth::new_token();
    conn.execute(
        "INSERT INTO tokens (hash, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![auth::token_hash(&token), user_id, now_ms()],
    )?;
    Ok(token)
}

/// The user a token belongs to.
pub fn token_user(conn: &Connection, token: &str) -> ApiResult<Option<i64>> {
    one(
        conn,
        "SELECT user_id FROM tokens WHERE hash = ?1",
        [auth::token_hash(token)],
        |r| r.get(0),
    )
}

/// Revokes a token; true if it existed.
pub fn revoke_token(conn: &Connection, token: &str) -> ApiResult<bool> {
    revoke_token_hash(conn, &auth::token_hash(token))
}

/// Revokes the token whose stored hash is `hash`; true if it existed.
pub fn revoke_token_hash(conn: &Connection, hash: &str) -> ApiResult<bool> {
    Ok(conn.execute("DELETE FROM tokens WHERE hash = ?1", [hash])? > 0)
}

/// Sets a user's presence.
pub fn set_status(conn: &Connection, id: i64, status: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET status = ?2 WHERE id = ?1",
        params![id, status],
    )?;
    Ok(())
}

/// Sets every user offline (server start: 000's `serverStart`).
pub fn reset_statuses(conn: &Connection) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET status = 'offline' WHERE status != 'offline'",
        [],
    )?;
    Ok(())
}

/// Applies a profile patch (`userChange`, `userChangeName`).
pub fn apply_patch(conn: &Connection, id: i64, patch: &UserPatch) -> ApiResult<UserRow> {
    if let Some(status) = &patch.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::invalid(format!(
                "status must be one of online, away, busy; got \"{status}\""
            )));
        }
    }
    let fields: [(&str, &Option<String>); 8] = [
        ("realname", &patch.realname),
        ("avatar", &patch.avatar),
        ("status", &patch.status),
        ("gender", &patch.gender),
        ("email", &patch.email),
        ("mobile", &patch.mobile),
        ("site", &patch.site),
        ("phone", &patch.phone),
    ];
    for (column, value) in fields {
        if let Some(value) = value {
            if value.chars().count() > 1024 {
                return Err(ApiError::invalid(format!(
                    "{column} must be at most 1024 characters"
                )));
            }
            conn.execute(
                &format!("UPDATE users SET {column} = ?2 WHERE id = ?1"),
                params![id, value],
            )?;
        }
    }
    get(conn, id)
}

/// The user's stored client settings (JSON text, empty if never set).
pub fn settings(conn: &Connection, id: i64) -> ApiResult<String> {
    Ok(one(
        conn,
        "SELECT settings FROM users WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?
    .unwrap_or_default())
}

/// Stores the user's client settings.
pub fn set_settings(conn: &Connection, id: i64, settings: &str) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET settings = ?2 WHERE id = ?1",
        params![id, settings],
    )?;
    Ok(())
}
