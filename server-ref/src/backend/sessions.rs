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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_session_is_announced_to_the_others_and_its_end_revokes_its_token() {
        let db = Db::open(":memory:").unwrap();
        let (me, sid) = db
            .tx(|conn| {
                let me = users::create(conn, "ann", "hash")?.id;
                Ok((me, users::issue_token(conn, me)?))
            })
            .await
            .unwrap();
        let everyone_but_me = Audience::Everyone { except: Some(me) };

        let login = logged_in(&db, me, "busy".into()).await.unwrap();
        assert_eq!(login.value.status, "busy");
        assert_eq!(login.pushes[0].audience, everyone_but_me);
        assert_eq!(login.pushes[0].method, "login");
        assert_eq!(login.pushes[0].data["status"], "busy");

        let logout = logging_out(&db, me).await.unwrap();
        assert_eq!(logout.value.status, "offline", "as the others will see it");
        assert_eq!(
            (&logout.pushes[0].audience, logout.pushes[0].method),
            (&everyone_but_me, "logout")
        );

        ended(&db, me, sid.clone(), true).await.unwrap();
        let (user, token) = db
            .call(move |conn| Ok((users::get(conn, me)?, users::token_user(conn, &sid)?)))
            .await
            .unwrap();
        assert_eq!((user.status.as_str(), token), ("offline", None));
    }
}
