//! The HTTP side of the SDK extension (`chinwag_wire::ext`): `GET /api/sync`, the messages a
//! client missed, and `POST /api/call`, any xuanxuan chat method over HTTP. Both take the
//! token as every `/api/…` endpoint does and fail in 003's style: HTTP status and
//! `{"error": "..."}`.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use chinwag_wire::ext::{CallRequest, SYNC_DEFAULT_LIMIT, SYNC_MAX_LIMIT, SyncData, SyncQuery};
use chinwag_wire::xuanxuan::{Outcome, Response as XxResponse};

use super::module_rest::error_response;
use super::xuanxuan::{self, normalize_module};
use crate::app::AppState;
use crate::backend::ops;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::render;

/// The extension's HTTP routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/sync", get(sync))
        .route("/api/call", post(call))
}

fn reply<T: serde::Serialize>(result: ApiResult<T>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(e) => error_response(&e),
    }
}

/// The page size `GET /api/sync` uses for a requested `limit`: absent → the default, above
/// the maximum → the maximum, `0` → refused.
pub fn sync_limit(limit: Option<u32>) -> ApiResult<u32> {
    match limit {
        None => Ok(SYNC_DEFAULT_LIMIT),
        Some(0) => Err(ApiError::invalid(format!(
            "limit must be between 1 and {SYNC_MAX_LIMIT}"
        ))),
        Some(n) => Ok(n.min(SYNC_MAX_LIMIT)),
    }
}

/// `GET /api/sync?after=&limit=`.
async fn sync(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let p = Params::read(req).await?;
            let me = p.user(&app).await?;
            let q: SyncQuery = p.decode()?;
            let limit = sync_limit(q.limit)?;
            let page = ops::SyncPage {
                after: q.after,
                limit,
            };
            let (start, rows, more) = app.link.call(Some(me), page).await?;
            let cursor = rows.last().map_or(start, |m| m.id);
            let messages = rows
                .iter()
                .map(|m| {
                    let receiver = render::one2one_receiver(m).map(|_| me);
                    render::sdk_frame(m, receiver)
                })
                .collect();
            Ok(SyncData {
                messages,
                cursor,
                more,
            })
        }
        .await,
    )
}

/// `POST /api/call {module, method, params}`: one xuanxuan method as the token's user.
async fn call(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let p = Params::read(req).await?;
            let me = p.user(&app).await?;
            let c: CallRequest = p.decode()?;
            let module = normalize_module(&c.module);
            let method = c.method.trim().to_ascii_lowercase();
            if method.is_empty() {
                return Err(ApiError::invalid("missing field `method`"));
            }
            if module == "chat" && matches!(method.as_str(), "login" | "logout") {
                return Err(ApiError::invalid(format!(
                    "{} is not available here: use POST /login / POST /logout",
                    c.method
                )));
            }
            if module == "chat" && method == "getofflinemessages" {
                return Err(ApiError::invalid(
                    "getOfflineMessages pushes to a xuanxuan socket: use GET /api/sync",
                ));
            }
            let answer = xuanxuan::dispatch(&app, me, &module, &c.method, &c.params).await?;
            Ok(XxResponse {
                module,
                method: c.method,
                result: Outcome::Success,
                message: None,
                sid: None,
                data: answer.data,
                pager: answer.pager,
                rid: None,
            })
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_limits() {
        assert_eq!(sync_limit(None), Ok(SYNC_DEFAULT_LIMIT));
        assert_eq!(sync_limit(Some(5)), Ok(5));
        assert_eq!(sync_limit(Some(5000)), Ok(SYNC_MAX_LIMIT));
        assert!(sync_limit(Some(0)).is_err());
    }
}
