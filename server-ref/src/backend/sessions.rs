//! Sessions as the backend sees them: logging in (credentials, throttle, token), a xuanxuan
//! session's life (000/001 `login`, `logout`, the end of a socket), a 003 socket's presence,
//! and revocation. The user's status, the token, and what the others are told are decided
//! here; which sockets exist, and which one a new login replaces, is the gateway's
//! ([`crate::hub`]).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::{Audience, Backend, Push, Reply};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::store::users::{self, UserRow};

/// Registers an account `name` with `password` (hashed on the password pool).
pub async fn register(backend: &Backend, name: String, password: String) -> ApiResult<UserRow> {
    users::validate_account(&name)?;
    if password.is_empty() {
        return Err(ApiError::invalid("password must not be empty"));
    }
    let hash = backend.passwords.hash(password).await?;
    backend
        .db
        .call(move |conn| users::create(conn, &name, &hash))
        .await
}

/// Checks credentials and issues a token; shared by 002 `/login` and xuanxuan `login`.
/// See [`verify`].
pub async fn login(
    backend: &Backend,
    name: String,
    password: String,
    addr: Option<IpAddr>,
    md5_ok: bool,
) -> ApiResult<(UserRow, String)> {
    let id = verify(backend, name, password, addr, md5_ok).await?;
    backend
        .db
        .call(move |conn| {
            let token = users::issue_token(conn, id)?;
            Ok((users::get(conn, id)?, token))
        })
        .await
}

/// Checks credentials; answers the user's id. `addr` is the client's IP address, for
/// throttling. A name with too many recent failures (or an address with too many) is refused
/// before any check; an unknown name costs the same password check as a wrong password, and
/// both answer alike. With `md5_ok` the password may be its MD5 hex (xuanxuan).
pub async fn verify(
    backend: &Backend,
    name: String,
    password: String,
    addr: Option<IpAddr>,
    md5_ok: bool,
) -> ApiResult<i64> {
    backend.throttle.check(&name, addr, Instant::now())?;
    let lookup = name.clone();
    let found = backend
        .db
        .call(move |conn| users::credentials(conn, &lookup))
        .await?;
    let (id, hash) = match found {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    // A hash stored before the MD5 form (the password itself) is replaced once the password
    // is known, so the account can then log in with either form.
    let older = hash
        .as_deref()
        .is_some_and(|h| !h.starts_with(crate::auth::MD5_SCHEME));
    let ok = backend
        .passwords
        .verify(password.clone(), hash, md5_ok)
        .await?;
    let Some(id) = id.filter(|_| ok) else {
        backend.throttle.failed(&name, addr, Instant::now());
        return Err(ApiError::unauthorized("wrong name or password"));
    };
    backend.throttle.succeeded(&name);
    if older {
        let upgraded = backend.passwords.hash(password).await?;
        backend
            .db
            .call(move |conn| users::set_password_hash(conn, id, &upgraded))
            .await?;
    }
    Ok(id)
}

/// The user `token` belongs to; 401 if it is unknown or revoked.
pub async fn authenticate(backend: &Backend, token: String) -> ApiResult<i64> {
    backend
        .db
        .call(move |conn| users::token_user(conn, &token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid or revoked token; log in again"))
}

/// Seed 000's `serverStart`: the gateway (re)started, so nobody is online.
pub async fn server_start(backend: &Backend) -> ApiResult<()> {
    backend.db.call(|conn| users::reset_statuses(conn)).await
}

/// Revokes the tokens (or xuanxuan sids) whose stored hashes are `hashes`, then has the
/// gateway close every socket opened with one of them, in every dialect: a revocation reaches
/// open sockets at once, not when they next authenticate.
pub async fn revoke(backend: &Backend, hashes: Vec<String>, reason: &str) -> ApiResult<()> {
    let revoked = hashes.clone();
    backend
        .db
        .call(move |conn| {
            for hash in &revoked {
                users::revoke_token_hash(conn, hash)?;
            }
            Ok(())
        })
        .await?;
    backend.gateway.close_sessions(&hashes, reason);
    Ok(())
}

/// A 003 socket of `user` opened: they become online if they were offline, which extension
/// sessions are told (an `EVENT` `userChangeStatus`; 001 announces only logins).
pub async fn socket_opened(backend: &Arc<Backend>, user: i64) {
    set_presence(backend, user, true).await
}

/// The last socket of `user` closed: they become offline, which extension sessions are
/// told. A user who opened a new socket meanwhile stays online (the check runs under the
/// database lock, as does [`socket_opened`]'s, so the two cannot interleave).
pub async fn last_socket_closed(backend: &Arc<Backend>, user: i64) {
    set_presence(backend, user, false).await
}

/// Moves `user` between offline and online (a status of online, away or busy is kept), and
/// tells extension sessions when it changed.
async fn set_presence(backend: &Arc<Backend>, user: i64, online: bool) {
    let b = backend.clone();
    let changed = backend
        .db
        .call(move |conn| {
            let was_offline = users::get(conn, user)?.status == "offline";
            if was_offline != online || (!online && b.gateway.is_online(user)) {
                return Ok(None);
            }
            users::set_status(conn, user, if online { "online" } else { "offline" })?;
            users::get(conn, user).map(Some)
        })
        .await;
    if let Ok(Some(row)) = changed {
        backend.gateway.deliver(&[presence(&row)]);
    }
}

/// `user`'s presence as extension sessions are told it.
fn presence(user: &UserRow) -> Push {
    Push {
        audience: Audience::Extensions { except: user.id },
        method: "userChangeStatus".into(),
        data: serde_json::to_value(user.to_wire()).unwrap_or(Value::Null),
    }
}

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
        method: method.into(),
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
            (&logout.pushes[0].audience, &*logout.pushes[0].method),
            (&everyone_but_me, "logout")
        );

        ended(&db, me, sid.clone(), true).await.unwrap();
        let (user, token) = db
            .call(move |conn| Ok((users::get(conn, me)?, users::token_user(conn, &sid)?)))
            .await
            .unwrap();
        assert_eq!((user.status.as_str(), token), ("offline", None));
    }

    #[tokio::test]
    async fn an_older_hash_of_the_password_is_replaced_at_its_first_login() {
        let b = crate::backend::tests::backend();
        let older = crate::auth::hash_password("pw", &mut Default::default()).unwrap();
        async fn stored(b: &Backend) -> ApiResult<String> {
            b.db.call(|conn| Ok(users::credentials(conn, "eve")?.unwrap().1))
                .await
        }
        b.db.call(move |conn| users::create(conn, "eve", &older))
            .await
            .unwrap();
        // The MD5 form cannot be checked against a hash of the password itself …
        let md5 = crate::auth::md5_hex("pw");
        assert!(
            login(&b, "eve".into(), md5.clone(), None, true)
                .await
                .is_err()
        );
        assert!(
            !stored(&b)
                .await
                .unwrap()
                .starts_with(crate::auth::MD5_SCHEME)
        );
        // … until the password itself logs in once, which stores the new form.
        login(&b, "eve".into(), "pw".into(), None, false)
            .await
            .unwrap();
        assert!(
            stored(&b)
                .await
                .unwrap()
                .starts_with(crate::auth::MD5_SCHEME)
        );
        login(&b, "eve".into(), md5, None, true).await.unwrap();
        login(&b, "eve".into(), "pw".into(), None, false)
            .await
            .unwrap();
    }
}
