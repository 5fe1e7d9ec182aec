//! Seed 003's REST API: `/api/message`, `/api/group…`, `/api/request…`, `/notification`, and
//! the friend/block extension `/api/friend…`, `/api/block…`. Success is 200 with the seed's
//! body; failure is 400/401/403/404 with `{"error": "..."}`.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;

use chinwag_wire::module::*;

use crate::app::AppState;
use crate::backend::ops;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::params::{Params, TOKEN_KEYS};
use crate::render;
use crate::rules::ChatRef;
use crate::store::messages::InboxFilter;

/// The 003 REST routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/message", get(offline_messages))
        .route("/api/group", post(create_group).get(list_groups))
        .route(
            "/api/group/{group_id}",
            put(rename_group).get(group_info).delete(leave_group),
        )
        .route("/api/request", post(invite).get(list_requests))
        .route(
            "/api/request/{request_id}",
            put(accept_request).delete(decline_request),
        )
        .route("/notification", post(notification))
        .route("/api/friend", post(ask_friend).get(list_friends))
        .route("/api/friend/requests", get(friend_requests))
        .route(
            "/api/friend/{user_id}",
            axum::routing::delete(remove_friend),
        )
        .route("/api/block", post(block).get(list_blocks))
        .route("/api/block/{user_id}", axum::routing::delete(unblock))
}

/// An error response in 003's format.
pub fn error_response(e: &ApiError) -> Response {
    let body = Json(ErrorBody {
        error: e.message.clone(),
    });
    render::http_error(e, None, body)
}

fn reply<T: Serialize>(result: ApiResult<Option<T>>) -> Response {
    match result {
        Ok(Some(body)) => Json(body).into_response(),
        Ok(None) => StatusCode::OK.into_response(),
        Err(e) => error_response(&e),
    }
}

/// Parses an id from a path segment.
fn path_id(raw: &str, what: &str) -> ApiResult<i64> {
    raw.trim()
        .parse()
        .map_err(|_| ApiError::invalid(format!("{what} must be an integer id, got \"{raw}\"")))
}

/// Reads parameters and the caller.
async fn caller(app: &AppState, req: Request) -> ApiResult<(i64, Params)> {
    let p = Params::read(req).await?;
    let me = p.user(app).await?;
    Ok((me, p))
}

async fn offline_messages(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, p) = caller(&app, req).await?;
            let q: MessageQuery = p.decode()?;
            let filter = match q.filter.unwrap_or_default() {
                MessageFilter::All => InboxFilter::All,
                MessageFilter::Unicast => InboxFilter::Direct,
                MessageFilter::Multicast => InboxFilter::Group,
            };
            let drop = q.drop.unwrap_or(true);
            let mut rows = app
                .link
                .call(
                    Some(me),
                    ops::Offline {
                        filter,
                        remove: drop,
                    },
                )
                .await?;
            if q.sort.unwrap_or_default() == SortOrder::Desc {
                rows.reverse();
            }
            let mut batches: Vec<OfflineBatch> = Vec::new();
            for m in &rows {
                let frame = render::module_frame(m, Some(me));
                match batches.iter_mut().find(|b| b.id == m.sender_id) {
                    Some(b) => b.messages.push(frame),
                    None => batches.push(OfflineBatch {
                        id: m.sender_id,
                        messages: vec![frame],
                    }),
                }
            }
            Ok(Some(batches))
        }
        .await,
    )
}

async fn create_group(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, p) = caller(&app, req).await?;
            let body: GroupNameRequest = p.decode()?;
            let id = app
                .link
                .call(Some(me), ops::CreateGroup { name: body.name })
                .await?;
            Ok(Some(id.to_string()))
        }
        .await,
    )
}

async fn list_groups(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, p) = caller(&app, req).await?;
            let q: GroupListQuery = p.decode()?;
            let detailed = q.detailed.unwrap_or(true);
            let groups = app.link.call(Some(me), ops::Groups {}).await?;
            let body = if detailed {
                serde_json::to_value(groups)?
            } else {
                Value::from(groups.iter().map(|g| g.id.to_string()).collect::<Vec<_>>())
            };
            Ok(Some(body))
        }
        .await,
    )
}

async fn group_info(
    State(app): State<AppState>,
    Path(group): Path<String>,
    req: Request,
) -> Response {
    reply(
        async {
            let group = path_id(&group, "groupId")?;
            let (me, _) = caller(&app, req).await?;
            let info = app.link.call(Some(me), ops::Group { id: group }).await?;
            Ok(Some(info))
        }
        .await,
    )
}

async fn rename_group(
    State(app): State<AppState>,
    Path(group): Path<String>,
    req: Request,
) -> Response {
    reply::<()>(
        async {
            let group = path_id(&group, "groupId")?;
            let (me, p) = caller(&app, req).await?;
            let body: GroupNameRequest = p.decode()?;
            let rename = ops::Rename {
                chat: ChatRef::Group(group),
                name: body.name,
            };
            app.link.call(Some(me), rename).await?;
            Ok(None)
        }
        .await,
    )
}

/// `DELETE /api/group/{groupId}`: leave (the manager leaving dissolves the group), or with
/// `userId` remove that member.
async fn leave_group(
    State(app): State<AppState>,
    Path(group): Path<String>,
    req: Request,
) -> Response {
    reply::<()>(
        async {
            let group = path_id(&group, "groupId")?;
            let (me, p) = caller(&app, req).await?;
            let q: GroupLeaveQuery = p.decode()?;
            let r = ChatRef::Group(group);
            match q.user_id.filter(|u| *u != me) {
                Some(target) => {
                    let remove = ops::RemoveMembers {
                        chat: r,
                        users: vec![target],
                    };
                    app.link.call(Some(me), remove).await?
                }
                None => app.link.call(Some(me), ops::Leave { chat: r }).await?,
            };
            Ok(None)
        }
        .await,
    )
}

async fn invite(State(app): State<AppState>, req: Request) -> Response {
    reply::<()>(
        async {
            let (me, p) = caller(&app, req).await?;
            let body: InviteRequest = p.decode()?;
            let invite = ops::Invite {
                chat: ChatRef::Group(body.group_id),
                user: body.user_id,
            };
            app.link.call(Some(me), invite).await?;
            Ok(None)
        }
        .await,
    )
}

async fn list_requests(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, _) = caller(&app, req).await?;
            Ok(Some(app.link.call(Some(me), ops::Invitations {}).await?))
        }
        .await,
    )
}

async fn accept_request(
    State(app): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    reply::<()>(
        async {
            let id = path_id(&id, "requestId")?;
            let (me, _) = caller(&app, req).await?;
            app.link
                .call(Some(me), ops::Accept { invitation: id })
                .await?;
            Ok(None)
        }
        .await,
    )
}

async fn decline_request(
    State(app): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    reply::<()>(
        async {
            let id = path_id(&id, "requestId")?;
            let (me, _) = caller(&app, req).await?;
            app.link
                .call(Some(me), ops::Decline { invitation: id })
                .await?;
            Ok(None)
        }
        .await,
    )
}

/// `POST /notification`: the backend pushes a notification; every failure is 403, as the seed
/// writes ("403：请求有误").
async fn notification(State(app): State<AppState>, req: Request) -> Response {
    let result = async {
        // The backend checks the key; one missing is refused here.
        let key = req
            .headers()
            .get("x-notify-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| ApiError::forbidden("missing X-Notify-Key"))?;
        // The pushed frame is the request body: parameters that came only in the query string
        // are not part of it.
        let query_keys: Vec<String> = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| k != "notificationType" && k != "content")
            .collect();
        let p = Params::read(req).await?;
        let target: NotificationParams = p.decode()?;
        let mut map = p.map.clone();
        let fixed = ["from", "type", "to"]
            .iter()
            .chain(TOKEN_KEYS)
            .map(|k| k.to_string());
        for key in fixed.chain(query_keys) {
            map.remove(&key);
        }
        let body: Notification = serde_json::from_value(Value::Object(map))
            .map_err(|e| ApiError::invalid(format!("invalid notification body: {e}")))?;
        // Offline users miss it: the seed drops notifications to them.
        let send = ops::SendNotification { key, target, body };
        app.link.call(None, send).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => {
            let e = if matches!(e.kind, ErrorKind::Internal | ErrorKind::Unavailable) {
                e
            } else {
                ApiError::forbidden(e.message)
            };
            error_response(&e)
        }
    }
}

async fn ask_friend(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, p) = caller(&app, req).await?;
            let body: UserRef = p.decode()?;
            let other = body.user_id;
            let friends = app
                .link
                .call(Some(me), ops::AskFriend { user: other })
                .await?;
            Ok(Some(FriendStatus { id: other, friends }))
        }
        .await,
    )
}

fn id_strings(ids: Vec<i64>) -> Vec<String> {
    ids.into_iter().map(|i| i.to_string()).collect()
}

async fn list_friends(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, _) = caller(&app, req).await?;
            Ok(Some(id_strings(
                app.link.call(Some(me), ops::Friends {}).await?,
            )))
        }
        .await,
    )
}

async fn friend_requests(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, _) = caller(&app, req).await?;
            Ok(Some(id_strings(
                app.link.call(Some(me), ops::FriendRequests {}).await?,
            )))
        }
        .await,
    )
}

async fn remove_friend(
    State(app): State<AppState>,
    Path(other): Path<String>,
    req: Request,
) -> Response {
    reply::<()>(
        async {
            let other = path_id(&other, "userId")?;
            let (me, _) = caller(&app, req).await?;
            app.link
                .call(Some(me), ops::RemoveFriend { user: other })
                .await?;
            Ok(None)
        }
        .await,
    )
}

async fn block(State(app): State<AppState>, req: Request) -> Response {
    reply::<()>(
        async {
            let (me, p) = caller(&app, req).await?;
            let body: UserRef = p.decode()?;
            app.link
                .call(Some(me), ops::Block { user: body.user_id })
                .await?;
            Ok(None)
        }
        .await,
    )
}

async fn list_blocks(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, _) = caller(&app, req).await?;
            Ok(Some(id_strings(
                app.link.call(Some(me), ops::Blocked {}).await?,
            )))
        }
        .await,
    )
}

async fn unblock(State(app): State<AppState>, Path(other): Path<String>, req: Request) -> Response {
    reply::<()>(
        async {
            let other = path_id(&other, "userId")?;
            let (me, _) = caller(&app, req).await?;
            app.link
                .call(Some(me), ops::Unblock { user: other })
                .await?;
            Ok(None)
        }
        .await,
    )
}
