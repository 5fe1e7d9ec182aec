//! The SQLite database: one connection in WAL mode, schema migrations, and [`Db::call`] to run
//! model code on a blocking thread.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::error::ApiError;

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: the model.
    r#"
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account       TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    realname      TEXT NOT NULL DEFAULT '',
    avatar        TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL DEFAULT '',
    dept          INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'offline',
    admin         TEXT NOT NULL DEFAULT 'no',
    gender        TEXT NOT NULL DEFAULT 'u',
    email         TEXT NOT NULL DEFAULT '',
    mobile        TEXT NOT NULL DEFAULT '',
    site          TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    settings      TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE TABLE chats (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    gid          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL,
    admins       TEXT NOT NULL DEFAULT '[]',
    committers   TEXT NOT NULL DEFAULT '[]',
    subject      INTEGER NOT NULL DEFAULT 0,
    public       INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_date INTEGER NOT NULL,
    edited_by    INTEGER,
    edited_date  INTEGER NOT NULL DEFAULT 0,
    last_active  INTEGER NOT NULL,
    channel_name TEXT UNIQUE,
    dissolved    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE members (
    chat_id   INTEGER NOT NULL REFERENCES chats(id),
    user_id   INTEGER NOT NULL REFERENCES users(id),
    star      INTEGER NOT NULL DEFAULT 0,
    hide      INTEGER NOT NULL DEFAULT 0,
    mute      INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL,
    quit_at   INTEGER,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user ON members(user_id);
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    gid          TEXT NOT NULL UNIQUE,
    chat_id      INTEGER NOT NULL REFERENCES chats(id),
    sender_id    INTEGER NOT NULL REFERENCES users(id),
    date         INTEGER NOT NULL,
    type         TEXT NOT NULL DEFAULT 'normal',
    content_type TEXT NOT NULL DEFAULT 'text',
    content      TEXT NOT NULL
);
CREATE INDEX messages_chat ON messages(chat_id, id);
CREATE TABLE inbox (
    user_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;
CREATE TABLE channel_cursors (
    user_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, chat_id)
) WITHOUT ROWID;
CREATE TABLE friend_asks (
    user_id    INTEGER NOT NULL,
    friend_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, friend_id)
) WITHOUT ROWID;
CREATE TABLE blocks (
    user_id    INTEGER NOT NULL,
    blocked_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
) WITHOUT ROWID;
CREATE TABLE invitations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL REFERENCES chats(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    invited_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (chat_id, user_id)
);
CREATE TABLE files (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id  INTEGER NOT NULL REFERENCES chats(id),
    title    TEXT NOT NULL,
    size     INTEGER NOT NULL,
    added_by INTEGER NOT NULL REFERENCES users(id),
    date     INTEGER NOT NULL
);
CREATE INDEX files_chat ON files(chat_id);
"#,
    // 2: the SDK extension's per-user sync cursor (moved by the socket's RECEIVED frame).
    r#"
CREATE TABLE sync_cursors (
    user_id INTEGER PRIMARY KEY,
    last_id INTEGER NOT NULL
);
"#,
];

/// The database handle, cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database at `path` — `:memory:` for an in-memory one —
    /// in WAL mode, and applies pending migrations.
    pub fn open(path: &str) -> Result<Db, rusqlite::Error> {
        let conn = if path == ":memory:" {
            Connection::open_in_memory()?
        } else {
            Connection::open(Path::new(path))?
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL + synchronous=NORMAL: a committed transaction survives a crash of the process
        // (kill -9); only an OS crash can lose the last commits.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` inside one transaction, committed if `f` succeeds.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        self.tx_then(f, |_, out| out).await
    }

    /// Runs `f` inside one transaction and, once it is committed, `then` with its result,
    /// still holding the connection: work done in `then` is ordered exactly as the commits
    /// are (message pushes use this, so every socket sees messages in id order). `then`
    /// does not run if `f` fails or the commit does.
    pub async fn tx_then<T, U, F, G>(&self, f: F, then: G) -> Result<U, ApiError>
    where
        T: Send + 'static,
        U: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, ApiError> + Send + 'static,
        G: FnOnce(&Connection, T) -> U + Send + 'static,
    {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(then(conn, out))
        })
        .await
    }
}

fn migrate(conn: &Connection) -> Result<(), rusqlite::Error> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
        tracing::info!(version = i + 1, "applied schema migration");
    }
    Ok(())
}

/// The current time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let path = path.to_str().unwrap();
        drop(Db::open(path).unwrap());
        let db = Db::open(path).unwrap();
        let conn = db.conn.lock().unwrap();
        let v: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
