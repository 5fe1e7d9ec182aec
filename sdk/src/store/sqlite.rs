//! The SQLite store (native targets): one file, WAL, a schema version, held by one client at a
//! time.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use super::{Changes, Conversation, PendingSend, Saved, Store, StoreError};
use crate::runtime::BoxFuture;

/// Marks a database as a Chinwag store (`PRAGMA application_id`, "CWAG").
const APPLICATION_ID: i64 = 0x4357_4147;

/// The schema this SDK writes; `PRAGMA user_version` holds the store's.
const SCHEMA: i64 = 3;

/// The schema, by version: entry `i` takes a store from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE session (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
     CREATE TABLE outbox (seq INTEGER PRIMARY KEY,
                          gid TEXT NOT NULL UNIQUE, frame TEXT NOT NULL);",
    "CREATE TABLE chats (position INTEGER PRIMARY KEY, json TEXT NOT NULL);",
    "CREATE TABLE messages (seq INTEGER PRIMARY KEY, sender INTEGER NOT NULL, gid TEXT NOT NULL,
                            chat TEXT NOT NULL, id INTEGER, json TEXT NOT NULL,
                            UNIQUE (sender, gid));
     CREATE INDEX messages_by_chat ON messages (chat, id);
     CREATE TABLE conversations (chat TEXT PRIMARY KEY, unread INTEGER NOT NULL,
                                 latest_id INTEGER NOT NULL);
     CREATE TABLE users (id INTEGER PRIMARY KEY, json TEXT NOT NULL);",
];

/// A store in one SQLite file. Opening it takes an exclusive lock that lasts until it is
/// dropped: a second client on the same file gets [`StoreError::InUse`].
#[derive(Debug)]
pub struct SqliteStore {
    db: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` for the server at `server`.
    pub fn open(path: impl AsRef<Path>, server: &str) -> Result<SqliteStore, StoreError> {
        let db = Connection::open(path).map_err(classify)?;
        // No waiting on a lock: a store held by another client is an error at once.
        db.busy_timeout(std::time::Duration::ZERO)
            .map_err(classify)?;
        db.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = NORMAL; BEGIN EXCLUSIVE; COMMIT;",
        )
        .map_err(classify)?;
        migrate(&db)?;
        let stored: Option<String> = db
            .query_row("SELECT value FROM meta WHERE key = 'server'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(classify)?;
        match stored {
            Some(s) if s != server => return Err(StoreError::OtherServer(s)),
            Some(_) => {}
            None => {
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('server', ?1)",
                    params![server],
                )
                .map_err(classify)?;
            }
        }
        Ok(SqliteStore { db: Mutex::new(db) })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        f(&mut self.db.lock().unwrap_or_else(|p| p.into_inner())).map_err(classify)
    }
}

/// Brings the schema up to [`SCHEMA`], refusing a file that is not a store or is newer.
fn migrate(db: &Connection) -> Result<(), StoreError> {
    let id: i64 = db
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(classify)?;
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(classify)?;
    let tables: i64 = db
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(classify)?;
    if id != APPLICATION_ID && (id != 0 || tables > 0) {
        return Err(StoreError::Foreign);
    }
    if version > SCHEMA {
        return Err(StoreError::Newer {
            found: version,
            known: SCHEMA,
        });
    }
    for (from, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let sql = format!(
            "BEGIN; {step} PRAGMA application_id = {APPLICATION_ID}; \
             PRAGMA user_version = {}; COMMIT;",
            from + 1
        );
        db.execute_batch(&sql).map_err(classify)?;
    }
    Ok(())
}

/// The store error for an SQLite failure.
fn classify(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::InUse,
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt(e.to_string())
        }
        _ => StoreError::Io(e.to_string()),
    }
}

/// Rows of `sql` (no parameters), each read by `row`.
fn rows<T>(
    db: &Connection,
    sql: &str,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    db.prepare(sql)?.query_map([], row)?.collect()
}

/// `json` read back as a `T`; a row that does not parse means a damaged store.
fn parse<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// `value` as stored JSON (the SDK's own types always encode).
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

impl Store for SqliteStore {
    fn load(&self) -> BoxFuture<'_, Result<Saved, StoreError>> {
        let loaded = self.with(|db| {
            let session: Option<String> = db
                .query_row("SELECT json FROM session WHERE id = 1", [], |r| r.get(0))
                .optional()?;
            let outbox = rows(db, "SELECT gid, frame FROM outbox ORDER BY seq", |r| {
                Ok(PendingSend {
                    gid: r.get(0)?,
                    frame: r.get(1)?,
                })
            })?;
            let text = |r: &rusqlite::Row<'_>| r.get::<_, String>(0);
            let chats = rows(db, "SELECT json FROM chats ORDER BY position", text)?;
            let messages = rows(
                db,
                "SELECT json FROM messages ORDER BY chat, id IS NULL, id, seq",
                text,
            )?;
            let conversations = rows(
                db,
                "SELECT chat, unread, latest_id FROM conversations",
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get(2)?)),
            )?;
            let users = rows(db, "SELECT json FROM users ORDER BY id", text)?;
            Ok((session, outbox, chats, messages, conversations, users))
        });
        let saved = loaded.and_then(|(session, outbox, chats, messages, conversations, users)| {
            Ok(Saved {
                session: session
                    .map(|s| parse(&s, "the saved session"))
                    .transpose()?,
                outbox,
                chats: chats
                    .iter()
                    .map(|c| parse(c, "a saved chat"))
                    .collect::<Result<_, _>>()?,
                messages: messages
                    .iter()
                    .map(|m| parse(m, "a saved message"))
                    .collect::<Result<_, _>>()?,
                conversations: conversations
                    .into_iter()
                    .map(|(chat, unread, latest_id)| {
                        Ok(Conversation {
                            chat: parse(&chat, "a saved conversation")?,
                            unread,
                            latest_id,
                        })
                    })
                    .collect::<Result<_, StoreError>>()?,
                users: users
                    .iter()
                    .map(|u| parse(u, "a saved user"))
                    .collect::<Result<_, _>>()?,
            })
        });
        Box::pin(std::future::ready(saved))
    }

    fn apply(&self, changes: Changes) -> BoxFuture<'_, Result<(), StoreError>> {
        let applied = self.with(|db| {
            let tx = db.transaction()?;
            if changes.reset {
                tx.execute_batch(
                    "DELETE FROM chats; DELETE FROM messages; DELETE FROM conversations; \
                     DELETE FROM users;",
                )?;
            }
            match &changes.session {
                Some(Some(session)) => {
                    tx.execute(
                        "INSERT INTO session (id, json) VALUES (1, ?1)
                         ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                        params![json(session)],
                    )?;
                }
                Some(None) => {
                    tx.execute("DELETE FROM session", [])?;
                }
                None => {}
            }
            let mut add =
                tx.prepare_cached("INSERT OR IGNORE INTO outbox (gid, frame) VALUES (?1, ?2)")?;
            for send in &changes.sent {
                add.execute(params![send.gid, send.frame])?;
            }
            let mut remove = tx.prepare_cached("DELETE FROM outbox WHERE gid = ?1")?;
            for gid in &changes.finished {
                remove.execute(params![gid])?;
            }
            if let Some(chats) = &changes.chats {
                tx.execute("DELETE FROM chats", [])?;
                let mut add =
                    tx.prepare_cached("INSERT INTO chats (position, json) VALUES (?1, ?2)")?;
                for (position, chat) in chats.iter().enumerate() {
                    add.execute(params![position as i64, json(chat)])?;
                }
            }
            let mut keep = tx.prepare_cached(
                "INSERT INTO messages (sender, gid, chat, id, json) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (sender, gid) DO UPDATE
                 SET chat = excluded.chat, id = excluded.id, json = excluded.json",
            )?;
            for m in &changes.messages {
                keep.execute(params![m.sender, m.gid, json(&m.chat), m.id, json(m)])?;
            }
            let mut forget =
                tx.prepare_cached("DELETE FROM messages WHERE sender = ?1 AND gid = ?2")?;
            for (sender, gid) in &changes.dropped {
                forget.execute(params![sender, gid])?;
            }
            let mut count = tx.prepare_cached(
                "INSERT INTO conversations (chat, unread, latest_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (chat) DO UPDATE
                 SET unread = excluded.unread, latest_id = excluded.latest_id",
            )?;
            for c in &changes.conversations {
                count.execute(params![json(&c.chat), c.unread, c.latest_id])?;
            }
            let mut user = tx.prepare_cached(
                "INSERT INTO users (id, json) VALUES (?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET json = excluded.json",
            )?;
            for u in &changes.users {
                user.execute(params![u.id, json(u)])?;
            }
            // The statements borrow the transaction.
            std::mem::drop((add, remove, keep, forget, count, user));
            tx.commit()
        });
        Box::pin(std::future::ready(applied))
    }

    fn writes_at_once(&self) -> bool {
        true
    }
}
