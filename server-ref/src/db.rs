//! The SQLite database: one connection in WAL mode, schema migrations, [`Db::call`] to run
//! model code on a blocking thread, and [`Db::submit`]: writes that share one transaction
//! with whatever else is waiting (group commit), run by a writer thread.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
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
    // 3: who blocked a sender, in one look-up per message.
    r#"
CREATE INDEX blocks_blocked ON blocks(blocked_id);
"#,
    // 4: a message gid is unique among its sender's messages only (another user reusing it
    // is a different message, not a conflict that reveals the first).
    r#"
CREATE TABLE messages_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    gid          TEXT NOT NULL,
    chat_id      INTEGER NOT NULL REFERENCES chats(id),
    sender_id    INTEGER NOT NULL REFERENCES users(id),
    date         INTEGER NOT NULL,
    type         TEXT NOT NULL DEFAULT 'normal',
    content_type TEXT NOT NULL DEFAULT 'text',
    content      TEXT NOT NULL,
    UNIQUE (sender_id, gid)
);
INSERT INTO messages_new (id, gid, chat_id, sender_id, date, type, content_type, content)
    SELECT id, gid, chat_id, sender_id, date, type, content_type, content FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_chat ON messages(chat_id, id);
"#,
];

/// Most jobs one group commit takes.
pub const MAX_BATCH: usize = 512;
/// Jobs that may wait for the writer before [`Db::submit`] waits too (back-pressure).
pub const WRITER_QUEUE: usize = 4096;

/// The database handle, cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    counters: Arc<Counters>,
    writer: tokio::sync::mpsc::Sender<Box<dyn Job>>,
}

/// A write submitted to the group-commit writer.
trait Job: Send {
    /// Runs the write inside the batch's transaction; false if it failed (its savepoint is
    /// then rolled back, the rest of the batch goes on).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Reports the outcome, after the batch's commit (`committed`) and in submission order.
    fn finish(self: Box<Self>, conn: &Connection, committed: Result<(), ApiError>);
}

/// A [`Job`] from the closures given to [`Db::submit`].
struct Write<T, F, G> {
    write: Option<F>,
    out: Option<Result<T, ApiError>>,
    then: G,
}

impl<T, F, G> Job for Write<T, F, G>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, ApiError> + Send,
    G: FnOnce(&Connection, Result<T, ApiError>) + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(write) = self.write.take() else {
            return false;
        };
        let out = write(conn);
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, conn: &Connection, committed: Result<(), ApiError>) {
        let Write { out, then, .. } = *self;
        let out = committed
            .and_then(|()| out.unwrap_or_else(|| Err(ApiError::internal("the write did not run"))));
        then(conn, out)
    }
}

/// Running totals of the database's write work (for benchmarks and operators).
#[derive(Debug, Default)]
struct Counters {
    commits: AtomicU64,
    messages: AtomicU64,
}

/// A snapshot of [`Db::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DbStats {
    /// Write transactions committed.
    pub commits: u64,
    /// Messages stored.
    pub messages: u64,
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
        let conn = Arc::new(Mutex::new(conn));
        let counters = Arc::<Counters>::default();
        let (writer, jobs) = tokio::sync::mpsc::channel(WRITER_QUEUE);
        let (c, n) = (conn.clone(), counters.clone());
        std::thread::Builder::new()
            .name("chinwag-db-writer".into())
            .spawn(move || write_batches(&c, &n, jobs))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Db {
            conn,
            counters,
            writer,
        })
    }

    /// How many transactions were committed and messages stored since the database was opened.
    pub fn stats(&self) -> DbStats {
        DbStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            messages: self.counters.messages.load(Ordering::Relaxed),
        }
    }

    /// Counts `n` stored messages in [`Db::stats`].
    pub fn count_messages(&self, n: u64) {
        self.counters.messages.fetch_add(n, Ordering::Relaxed);
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
        let counters = self.counters.clone();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            counters.commits.fetch_add(1, Ordering::Relaxed);
            Ok(out)
        })
        .await
    }

    /// Queues the write `f` for the writer thread and returns once it is queued (waiting only
    /// while [`WRITER_QUEUE`] writes are already queued). The writer runs every write waiting
    /// (up to [`MAX_BATCH`]) in one transaction, each in a savepoint of its own so that a
    /// failing write leaves the others alone, commits once (group commit), and then calls each
    /// `then` with its write's outcome, in submission order, still holding the connection:
    /// work done in `then` is ordered exactly as the writes are (message pushes use this, so
    /// every socket sees messages in id order). `then` gets an error if the commit failed.
    ///
    /// Fails only if the writer has stopped; `then` is then never called.
    pub async fn submit<T, F, G>(&self, f: F, then: G) -> Result<(), ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
        G: FnOnce(&Connection, Result<T, ApiError>) + Send + 'static,
    {
        let job = Box::new(Write {
            write: Some(f),
            out: None,
            then,
        });
        self.writer
            .send(job)
            .await
            .map_err(|_| ApiError::internal("the database writer has stopped"))
    }
}

/// The writer thread: takes every job waiting (up to [`MAX_BATCH`]), runs them in one
/// transaction, commits, reports; until every [`Db`] is dropped.
fn write_batches(
    conn: &Mutex<Connection>,
    counters: &Counters,
    mut jobs: tokio::sync::mpsc::Receiver<Box<dyn Job>>,
) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let committed = run_batch(&mut guard, &mut batch).map_err(ApiError::from);
        if committed.is_ok() {
            counters.commits.fetch_add(1, Ordering::Relaxed);
        }
        for job in batch {
            let conn: &Connection = &guard;
            let finished = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                job.finish(conn, committed.clone())
            }));
            if finished.is_err() {
                tracing::error!("a database write's completion panicked");
            }
        }
    }
}

fn run_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    let mut tx = conn.transaction()?;
    for job in batch.iter_mut() {
        let savepoint = tx.savepoint()?;
        // A panicking write counts as failed; the writer thread lives on.
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(&savepoint)))
            .unwrap_or(false);
        if ok {
            savepoint.commit()?;
        }
        // A failed write's savepoint rolls back when dropped.
    }
    tx.commit()
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

    // The lock is held across `submit(..).await` on purpose: submit only queues, so the
    // writes pile up behind the busy connection.
    #[allow(clippy::await_holding_lock)]
    #[tokio::test]
    async fn writes_waiting_share_a_commit_and_fail_alone() {
        let db = Db::open(":memory:").unwrap();
        db.call(|c| Ok(c.execute_batch("CREATE TABLE t (v INTEGER)")?))
            .await
            .unwrap();
        let before = db.stats().commits;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // While the connection is busy, six writes queue up; the third fails.
        let busy = db.conn.lock().unwrap();
        for v in 0..6i64 {
            let tx = tx.clone();
            db.submit(
                move |c| {
                    c.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
                    if v == 2 {
                        return Err(ApiError::invalid("no twos"));
                    }
                    Ok(v)
                },
                move |_, out| {
                    let _ = tx.send((v, out.is_ok()));
                },
            )
            .await
            .unwrap();
        }
        drop(busy);
        let mut reported = Vec::new();
        for _ in 0..6 {
            reported.push(rx.recv().await.unwrap());
        }
        let expected: Vec<(i64, bool)> = (0..6).map(|v| (v, v != 2)).collect();
        assert_eq!(reported, expected, "reported in submission order");
        let stored: Vec<i64> = db
            .call(|c| {
                let mut s = c.prepare("SELECT v FROM t ORDER BY v")?;
                let rows = s.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
            .unwrap();
        assert_eq!(
            stored,
            vec![0, 1, 3, 4, 5],
            "only the failed write rolled back"
        );
        let commits = db.stats().commits - before;
        assert!(commits <= 2, "six queued writes took {commits} commits");
    }

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

    #[test]
    fn migration_4_keeps_messages_and_scopes_gids_to_their_sender() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..3] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(
                "PRAGMA user_version = 3;
                 INSERT INTO users (account, password_hash, created_at) VALUES ('a', 'h', 0), ('b', 'h', 0);
                 INSERT INTO chats (gid, type, created_by, created_date, last_active) VALUES ('g', 'group', 1, 0, 0);
                 INSERT INTO messages (gid, chat_id, sender_id, date, content) VALUES ('m-1', 1, 1, 5, 'kept');",
            )
            .unwrap();
        }
        let db = Db::open(path.to_str().unwrap()).unwrap();
        let conn = db.conn.lock().unwrap();
        let kept: String = conn
            .query_row("SELECT content FROM messages WHERE gid = 'm-1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, "kept");
        conn.execute(
            "INSERT INTO messages (gid, chat_id, sender_id, date, content) VALUES ('m-1', 1, 2, 6, 'b')",
            [],
        )
        .expect("another sender may use the same gid");
        let id: i64 = conn.last_insert_rowid();
        assert_eq!(id, 2, "ids go on after the copied rows");
        assert!(
            conn.execute(
                "INSERT INTO messages (gid, chat_id, sender_id, date, content) VALUES ('m-1', 1, 2, 7, 'c')",
                [],
            )
            .is_err(),
            "one sender's gids stay unique"
        );
    }
}
