//! Friends and blocks (003's friend extension, also behind the SDK's `friends()`), and the
//! list of group invitations: each change checks the other user in the same transaction.
//! Nobody is pushed anything: the other user learns of a request by listing.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::store::{social, users};

/// The other user of a friend/block request; 404 if they do not exist, 400 if it is the caller.
fn other_user(conn: &rusqlite::Connection, me: i64, other: i64) -> ApiResult<i64> {
    if other == me {
        return Err(ApiError::invalid("that is your own id"));
    }
    if !users::exists(conn, other)? {
        return Err(ApiError::not_found(format!("no user with id {other}")));
    }
    Ok(other)
}

/// Asks `other` to be friends (or accepts their request); true once both asked.
pub async fn ask_friend(db: &Db, me: i64, other: i64) -> ApiResult<bool> {
    db.tx(move |conn| social::ask_friend(conn, me, other_user(conn, me, other)?))
        .await
}

/// Ends a friendship (or withdraws a request); false if there was none.
pub async fn remove_friend(db: &Db, me: i64, other: i64) -> ApiResult<bool> {
    db.tx(move |conn| social::remove_friend(conn, me, other_user(conn, me, other)?))
        .await
}

/// Blocks `other`: their direct messages to the caller are dropped.
pub async fn block(db: &Db, me: i64, other: i64) -> ApiResult<()> {
    db.tx(move |conn| social::block(conn, me, other_user(conn, me, other)?))
        .await
}

/// Unblocks `other`; false if they were not blocked.
pub async fn unblock(db: &Db, me: i64, other: i64) -> ApiResult<bool> {
    db.tx(move |conn| social::unblock(conn, me, other_user(conn, me, other)?))
        .await
}

/// The invitations waiting for the caller (003 `GET /api/request`).
pub async fn invitations(db: &Db, me: i64) -> ApiResult<Vec<chinwag_wire::module::GroupRequest>> {
    let list = db
        .call(move |conn| social::invitations_of(conn, me))
        .await?;
    Ok(list
        .into_iter()
        .map(|i| chinwag_wire::module::GroupRequest {
            id: i.id,
            group_name: i.chat_name,
            group_id: i.chat_id,
            user_id: i.user_id,
            invited_by: i.invited_by,
        })
        .collect())
}

/// The caller's friends.
pub async fn friends(db: &Db, me: i64) -> ApiResult<Vec<i64>> {
    db.call(move |conn| social::friends(conn, me)).await
}

/// Users who asked the caller to be friends.
pub async fn friend_requests(db: &Db, me: i64) -> ApiResult<Vec<i64>> {
    db.call(move |conn| social::friend_requests(conn, me)).await
}

/// Users the caller blocked.
pub async fn blocked(db: &Db, me: i64) -> ApiResult<Vec<i64>> {
    db.call(move |conn| social::blocked(conn, me)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn friends_need_both_asks_and_a_real_other_user() {
        let db = Db::open(":memory:").unwrap();
        db.tx(|conn| {
            users::create(conn, "a", "hash")?;
            users::create(conn, "b", "hash")?;
            Ok(())
        })
        .await
        .unwrap();
        assert!(!ask_friend(&db, 1, 2).await.unwrap(), "a request waits");
        assert_eq!(friend_requests(&db, 2).await.unwrap(), [1]);
        assert!(
            ask_friend(&db, 2, 1).await.unwrap(),
            "the second ask makes friends"
        );
        assert_eq!(friends(&db, 1).await.unwrap(), [2]);
        let own = ask_friend(&db, 1, 1).await.unwrap_err();
        assert_eq!(own.kind, crate::error::ErrorKind::Invalid);
        let nobody = block(&db, 1, 9).await.unwrap_err();
        assert_eq!(nobody.kind, crate::error::ErrorKind::NotFound);
        block(&db, 1, 2).await.unwrap();
        assert_eq!(blocked(&db, 1).await.unwrap(), [2]);
        assert!(unblock(&db, 1, 2).await.unwrap());
        assert!(remove_friend(&db, 2, 1).await.unwrap());
        assert!(friends(&db, 1).await.unwrap().is_empty());
    }
}
