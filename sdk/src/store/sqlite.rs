//! The SQLite store (native targets): one file, WAL, a schema version, held by one client at a
//! time.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use super::{PendingSend, Saved, Store, StoreError};
use crate::model::{Chat, Session};
use crate::runtime::BoxFuture;

/// Marks a database as a Chinwag store (`PRAGMA application_id`, "CWAG").
const APPLICATION_ID: i64 = 0x4357_4147;

/// The schema this SDK writes; `PRAGMA user_version` holds the store's.
const SCHEMA: i64 = 2;

/// The schema, by version: entry `i` takes a store from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE session (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
     CREATE TABLE outbox (seq INTEGER PRIMARY KEY,
                          gid TEXT NOT NULL UNIQUE, frame TEXT NOT NULL);",
    "CREATE TABLE chats (position INTEGER PRIMARY KEY, json TEXT NOT NULL);",
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

impl Store for SqliteStore {
    fn load(&self) -> BoxFuture<'_, Result<Saved, StoreError>> {
        let loaded = self.with(|db| {
            let session: Option<String> = db
                .query_row("SELECT json FROM session WHERE id = 1", [], |r| r.get(0))
                .optional()?;
            let mut stmt = db.prepare("SELECT gid, frame FROM outbox ORDER BY seq")?;
            let outbox = stmt
                .query_map([], |r| {
                    Ok(PendingSend {
                        gid: r.get(0)?,
                        frame: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = db.prepare("SELECT json FROM chats ORDER BY position")?;
            let chats = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((session, outbox, chats))
        });
        let saved = loaded.and_then(|(session, outbox, chats)| {
            let session = session
                .map(|json| serde_json::from_str::<Session>(&json))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("the saved session: {e}")))?;
            let chats = chats
                .iter()
                .map(|json| serde_json::from_str::<Chat>(json))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::Corrupt(format!("a saved chat: {e}")))?;
            Ok(Saved {
                session,
                outbox,
                chats,
            })
        });
        Box::pin(std::future::ready(saved))
    }

    fn save_session(&self, session: Option<Session>) -> BoxFuture<'_, Result<(), StoreError>> {
        let json = session.map(|s| serde_json::to_string(&s).unwrap_or_default());
        let saved = self.with(|db| {
            match json {
                Some(json) => db.execute(
                    "INSERT INTO session (id, json) VALUES (1, ?1)
                     ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                    params![json],
                )?,
                None => db.execute("DELETE FROM session", [])?,
            };
            Ok(())
        });
        Box::pin(std::future::ready(saved))
    }

    fn update_outbox(
        &self,
        added: Vec<PendingSend>,
        removed: Vec<String>,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        let updated = self.with(|db| {
            let tx = db.transaction()?;
            {
                let mut add =
                    tx.prepare_cached("INSERT OR IGNORE INTO outbox (gid, frame) VALUES (?1, ?2)")?;
                for send in &added {
                    add.execute(params![send.gid, send.frame])?;
                }
                let mut remove = tx.prepare_cached("DELETE FROM outbox WHERE gid = ?1")?;
                for gid in &removed {
                    remove.execute(params![gid])?;
                }
            }
            tx.commit()
        });
        Box::pin(std::future::ready(updated))
    }

    fn save_chats(&self, chats: Vec<Chat>) -> BoxFuture<'_, Result<(), StoreError>> {
        let saved = self.with(|db| {
            let tx = db.transaction()?;
            tx.execute("DELETE FROM chats", [])?;
            {
                let mut add =
                    tx.prepare_cached("INSERT INTO chats (position, json) VALUES (?1, ?2)")?;
                for (position, chat) in chats.iter().enumerate() {
                    let json = serde_json::to_string(chat).unwrap_or_default();
                    add.execute(params![position as i64, json])?;
                }
            }
            tx.commit()
        });
        Box::pin(std::future::ready(saved))
    }
}
