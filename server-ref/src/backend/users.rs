//! Users: the directory, a user's own settings, profile and status (000/001's `userGetlist`,
//! `settings`, `userChange`, `userChangeName`, `userChangeStatus`; a change is announced to
//! every other online user).

use chinwag_wire::xuanxuan::{SettingsParams, UserPatch};
use serde_json::Value;

use super::{Audience, Push, Reply};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::store::users::{self, UserRow};

/// The most a user's client settings may weigh, as JSON text.
const SETTINGS_MAX: usize = 64 * 1024;

/// Every user (001 `userGetlist`).
pub async fn all(db: &Db) -> ApiResult<Vec<UserRow>> {
    db.call(|conn| users::all(conn)).await
}

/// The caller's client settings (001 `settings`): written when `p.settings` holds a value
/// (at most 64 KiB as JSON), read otherwise. `p.account`, if given, must be the caller's.
pub async fn settings(db: &Db, me: i64, p: SettingsParams) -> ApiResult<Value> {
    db.call(move |conn| {
        let user = users::get(conn, me)?;
        if p.account
            .as_deref()
            .is_some_and(|a| !a.is_empty() && a != user.account)
        {
            return Err(ApiError::forbidden(
                "you may only read or write your own settings",
            ));
        }
        let write = match &p.settings {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            other => Some(other.clone()),
        };
        match write {
            Some(v) => {
                let text = v.to_string();
                if text.len() > SETTINGS_MAX {
                    return Err(ApiError::invalid("settings must be at most 64 KiB"));
                }
                users::set_settings(conn, me, &text)?;
                Ok(v)
            }
            None => {
                let text = users::settings(conn, me)?;
                Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
            }
        }
    })
    .await
}

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
        method: method.into(),
        data: serde_json::to_value(user.to_wire()).unwrap_or_default(),
    };
    Ok(Reply::with(user, push))
}
