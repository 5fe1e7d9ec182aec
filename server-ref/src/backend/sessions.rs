//! A xuanxuan session's life as the backend sees it (000/001 `login`, `logout`, the end of a
//! socket): the user's status, the token, and what the others are told. Which sockets exist,
//! and which one a new login replaces, is the gateway's ([`crate::hub`]).

use serde_json::Value;

use super::{Audience, Push, Reply};
use crate::db::Db;
use crate::error::ApiResult;
use crate::store::users::{self, UserRow};

/// `me` is logged in with `status`: the user as they are now, and the `login` push that
/// announces them to everyone else online (the gateway sends it after the login's own
/// pushes: user list, chat list, offline messages).
pub async fn logged_in(db: &Db, me: i64, status: String) -> ApiResult<Reply<UserRow>> {
    let user = db
        .call(move |conn| {
            users::set_status(conn, me, &status)?;
            users::get(conn, me)
        })
        .await?;
    let push = announce(&user, "login");
    Ok(Reply::with(user, push))
}

/// `me` logs out: the user as the others will see them (offline), and the `logout` push to
/// everyone else online. The session itself ends with [`ended`].
pub async fn logging_out(db: &Db, me: i64) -> ApiResult<Reply<UserRow>> {
    let mut user = db.call(move |conn| users::get(conn, me)).await?;
    user.status = "offline".into();
    let push = announce(&user, "logout");
    Ok(Reply::with(user, push))
}

/// A session ended: its token `sid` stops working, and with `offline` (it was the user's last
/// session) the user's status becomes offline.
pub async fn ended(db: &Db, user: i64, sid: String, offline: bool) -> ApiResult<()> {
    db.tx(move |conn| {
        users::revoke_token(conn, &sid)?;
        if offline {
            users::set_status(conn, user, "offline")?;
        }
        Ok(())
    })
    .await
}

/// `user` announced under `method` to everyone online but them.
fn announce(user: &UserRow, method: &'static str) -> Push {
    Push {
        audience: Audience::Everyone {
            except: Some(user.id),
        },
        method,
        data: serde_json::to_value(user.to_wire()).unwrap_or(Value::Null),
    }
}
