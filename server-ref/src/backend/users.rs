//! A user's own profile and status (000/001's `userChange`, `userChangeName`,
//! `userChangeStatus`): changed, then announced to every other online user.

use chinwag_wire::xuanxuan::UserPatch;

use super::{Audience, Push, Reply};
use crate::db::Db;
use crate::error::ApiResult;
use crate::store::users::{self, UserRow};

/// Applies `patch` to `me`'s profile and pushes the user as it is now under `method`
/// (`userChange`, `userChangeName`, `userChangeStatus`) to everyone else online.
pub async fn patch(
    db: &Db,
    me: i64,
    patch: UserPatch,
    method: &'static str,
) -> ApiResult<Reply<UserRow>> {
    let user = db
        .call(move |conn| users::apply_patch(conn, me, &patch))
        .await?;
    let push = Push {
        audience: Audience::Everyone { except: Some(me) },
        method,
        data: serde_json::to_value(user.to_wire()).unwrap_or_default(),
    };
    Ok(Reply::with(user, push))
}
