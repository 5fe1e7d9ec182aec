//! Messages the backend hands over outside the live path: the offline inbox (003 `GET
//! /api/message`) and the SDK extension's sync pages (`GET /api/sync`). Posting and
//! delivering messages still live in [`crate::service`].

use crate::db::Db;
use crate::error::ApiResult;
use crate::store::messages::{self, InboxFilter, MessageRow};

/// The messages waiting in the caller's offline inbox (filtered), oldest first; `remove`
/// takes them out in the same transaction.
pub async fn offline(
    db: &Db,
    me: i64,
    filter: InboxFilter,
    remove: bool,
) -> ApiResult<Vec<MessageRow>> {
    db.tx(move |conn| {
        let rows = messages::inbox(conn, me, filter)?;
        if remove {
            let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
            messages::inbox_remove(conn, me, &ids)?;
        }
        Ok(rows)
    })
    .await
}

/// A sync page for the caller: up to `limit` messages after `after` (default: the caller's
/// acknowledged cursor), with the start used and whether more follow.
pub async fn sync_page(
    db: &Db,
    me: i64,
    after: Option<i64>,
    limit: u32,
) -> ApiResult<(i64, Vec<MessageRow>, bool)> {
    db.call(move |conn| {
        let start = match after {
            Some(after) => after,
            None => messages::sync_start(conn, me)?,
        };
        // One more than asked tells whether more follow.
        let mut rows = messages::sync_page(conn, me, start, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Ok((start, rows, more))
    })
    .await
}

/// Takes the messages `ids` out of the caller's offline inbox (they were handed over).
pub async fn remove_from_inbox(db: &Db, me: i64, ids: Vec<i64>) -> ApiResult<()> {
    db.call(move |conn| messages::inbox_remove(conn, me, &ids))
        .await
}
