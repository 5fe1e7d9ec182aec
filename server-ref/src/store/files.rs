//! Files shared in chats (the bytes live in the `--files` directory, named by id).

use rusqlite::{Connection, params};

use chinwag_wire::xuanxuan::FileInfo;

use super::{many, one};
use crate::error::{ApiError, ApiResult};

/// A stored file's record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileRow {
    /// Id.
    pub id: i64,
    /// Chat.
    pub chat_id: i64,
    /// Chat gid.
    pub cgid: String,
    /// File name.
    pub title: String,
    /// Bytes.
    pub size: i64,
    /// Uploader.
    pub added_by: i64,
    /// Upload time, ms.
    pub date: i64,
}

impl FileRow {
    /// The xuanxuan view.
    pub fn to_wire(&self) -> FileInfo {
        FileInfo {
            id: self.id,
            title: self.title.clone(),
            size: self.size,
            added_by: self.added_by,
            date: self.date / 1000,
            gid: self.cgid.clone(),
        }
    }
}

const FILE_SELECT: &str = "SELECT f.id, f.chat_id, c.gid, f.title, f.size, f.added_by, f.date \
     FROM files f JOIN chats c ON c.id = f.chat_id";

fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: r.get(0)?,
        chat_id: r.get(1)?,
        cgid: r.get(2)?,
        title: r.get(3)?,
        size: r.get(4)?,
        added_by: r.get(5)?,
        date: r.get(6)?,
    })
}

/// Records a file.
pub fn insert(
    conn: &Connection,
    chat_id: i64,
    title: &str,
    size: i64,
    by: i64,
    date: i64,
) -> ApiResult<FileRow> {
    conn.execute(
        "INSERT INTO files (chat_id, title, size, added_by, date) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![chat_id, title, size, by, date],
    )?;
    by_id(conn, conn.last_insert_rowid())?.ok_or_else(|| ApiError::internal("file vanished"))
}

/// A file by id.
pub fn by_id(conn: &Connection, id: i64) -> ApiResult<Option<FileRow>> {
    one(
        conn,
        &format!("{FILE_SELECT} WHERE f.id = ?1"),
        [id],
        file_row,
    )
}

/// Files of a chat, oldest first.
pub fn of_chat(conn: &Connection, chat_id: i64) -> ApiResult<Vec<FileRow>> {
    many(
        conn,
        &format!("{FILE_SELECT} WHERE f.chat_id = ?1 ORDER BY f.id"),
        [chat_id],
        file_row,
    )
}

/// Removes a file record (when storing its bytes failed).
pub fn delete(conn: &Connection, id: i64) -> ApiResult<()> {
    conn.execute("DELETE FROM files WHERE id = ?1", [id])?;
    Ok(())
}
