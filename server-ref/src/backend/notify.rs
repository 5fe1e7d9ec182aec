//! Notifications from the application's backend (003 `POST /notification`): who receives
//! one — a user, a group's members, or a user's friends — minus those who blocked its sender.
//! The 003 socket frame is the request's own body, rendered by the dialect; offline users
//! miss it (the seed drops notifications to them).

use chinwag_wire::module::{NotificationParams, NotificationTarget};

use super::Backend;
use crate::error::{ApiError, ApiResult};
use crate::store::{chats, social, users};

/// The users notification `t` goes to; `key` must be the backend's notification key (403
/// otherwise, as every failure of the seed's endpoint).
pub async fn recipients(
    backend: &Backend,
    key: &str,
    t: NotificationParams,
) -> ApiResult<Vec<i64>> {
    if !crate::auth::keys_match(key, &backend.notify_key) {
        return Err(ApiError::forbidden("missing or wrong X-Notify-Key"));
    }
    backend
        .db
        .call(move |conn| {
            let mut users_to = match t.target.unwrap_or_default() {
                NotificationTarget::Unicast => {
                    let to =
                        t.to.ok_or_else(|| ApiError::invalid("unicast needs `to`, a user id"))?;
                    if !users::exists(conn, to)? {
                        return Err(ApiError::invalid(format!("no user with id {to}")));
                    }
                    vec![to]
                }
                NotificationTarget::Multicast => {
                    let to =
                        t.to.ok_or_else(|| ApiError::invalid("multicast needs `to`, a group id"))?;
                    let chat = chats::by_id(conn, to)?
                        .ok_or_else(|| ApiError::invalid(format!("no group with id {to}")))?;
                    chats::member_ids(conn, chat.id)?
                }
                NotificationTarget::Broadcast => {
                    let from = t
                        .from
                        .ok_or_else(|| ApiError::invalid("broadcast needs `from`, a user id"))?;
                    social::friends(conn, from)?
                }
            };
            if let Some(from) = t.from {
                let mut kept = Vec::with_capacity(users_to.len());
                for u in users_to {
                    if !social::has_blocked(conn, u, from)? {
                        kept.push(u);
                    }
                }
                users_to = kept;
            }
            Ok(users_to)
        })
        .await
}
