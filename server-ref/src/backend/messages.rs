//! Messages the backend hands over outside the live path: the offline inbox (003 `GET
//! /api/message`). Posting and delivering messages still live in [`crate::service`].

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
