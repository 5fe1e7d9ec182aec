//! Files shared in chats (001's upload and download, the SDK's `files()`): the Files rule
//! decides, the backend records each file and keeps its bytes in its files directory.

use std::path::Path;

use crate::db::{Db, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::rules::{self, ChatRef, Op};
use crate::store::files::{self, FileRow};

/// Records `bytes` as file `name` of chat `gid` (if the caller may add files to it) and
/// writes them under `dir`; a failed write takes the record back.
pub async fn store(
    db: &Db,
    dir: &Path,
    me: i64,
    gid: String,
    name: String,
    bytes: Vec<u8>,
) -> ApiResult<FileRow> {
    let size = bytes.len() as i64;
    let now = now_ms();
    let row = db
        .tx(move |conn| {
            let (chat, _) = rules::chat_for(conn, &ChatRef::Gid(gid), me, Op::Files)?;
            files::insert(conn, chat.id, &name, size, me, now)
        })
        .await?;
    let path = dir.join(row.id.to_string());
    if let Err(e) = tokio::fs::write(&path, &bytes).await {
        let id = row.id;
        let _ = db.call(move |conn| files::delete(conn, id)).await;
        return Err(ApiError::internal(format!(
            "writing {}: {e}",
            path.display()
        )));
    }
    Ok(row)
}

/// File `id` and its bytes, if the caller may read its chat. A file that does not exist and
/// one in a chat the caller may not read answer alike, so file ids cannot be counted.
pub async fn fetch(db: &Db, dir: &Path, me: i64, id: i64) -> ApiResult<(FileRow, Vec<u8>)> {
    let row = db
        .call(move |conn| {
            let hidden = || ApiError::forbidden(format!("no file {id} that you may download"));
            let row = files::by_id(conn, id)?.ok_or_else(hidden)?;
            rules::chat_for(conn, &ChatRef::Id(row.chat_id), me, Op::Files)
                .map_err(|_| hidden())?;
            Ok(row)
        })
        .await?;
    let bytes = tokio::fs::read(dir.join(row.id.to_string()))
        .await
        .map_err(|e| ApiError::internal(format!("reading file {}: {e}", row.id)))?;
    Ok((row, bytes))
}
