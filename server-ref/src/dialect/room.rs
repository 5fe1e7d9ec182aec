//! Seed 002, the chat-room REST API: every endpoint answers HTTP 200 with the
//! `{code, msg, data}` envelope; `code` 0 is success.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{TimeZone, Utc};
use serde::Serialize;

use chinwag_wire::room::*;

use crate::app::AppState;
use crate::auth;
use crate::backend::messages::{DirectPolicy, Draft, Target};
use crate::backend::ops;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::params::Params;

/// The 002 routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/register", post(register))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/user/info", post(user_info))
        .route("/channel/list_users", post(list_users))
        .route("/send", post(send))
        .route("/receive", post(receive))
        .route("/channel/send", post(channel_send))
        .route("/channel/receive", post(channel_receive))
}

/// Renders a result as the envelope.
fn reply<T: Serialize>(result: ApiResult<Option<T>>) -> Response {
    match result {
        Ok(Some(data)) => Json(Envelope::ok(data)).into_response(),
        Ok(None) => Json(Envelope::ok_empty()).into_response(),
        Err(e) => {
            let body = Json(Envelope::fail(code_of(&e), e.message.clone()));
            crate::render::http_error(&e, Some(StatusCode::OK), body)
        }
    }
}

/// The 002 code of an error.
pub fn code_of(e: &ApiError) -> ErrorCode {
    match e.kind {
        ErrorKind::Invalid | ErrorKind::TooLarge => ErrorCode::InvalidInput,
        ErrorKind::Unauthorized => ErrorCode::Unauthorized,
        ErrorKind::Forbidden => ErrorCode::Forbidden,
        ErrorKind::NotFound => ErrorCode::NotFound,
        ErrorKind::Conflict => ErrorCode::Conflict,
        ErrorKind::TooManyRequests => ErrorCode::TooManyRequests,
        ErrorKind::Internal | ErrorKind::Unavailable => ErrorCode::Server,
    }
}

/// Formats unix milliseconds as 002's `2020.03.05:12:12:00` (UTC).
pub fn datetime(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format(DATETIME_FORMAT).to_string())
        .unwrap_or_default()
}

async fn register(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let p: RegisterRequest = Params::read(req).await?.decode()?;
            if p.password != p.password_repete {
                return Err(ApiError::invalid("password and password_repete differ"));
            }
            let register = ops::Register {
                name: p.name,
                password: p.password,
            };
            let user = app.link.call(None, register).await?;
            Ok(Some(RegisterData {
                id: user.id,
                name: user.account,
            }))
        }
        .await,
    )
}

async fn login(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let params = Params::read(req).await?;
            let p: LoginRequest = params.decode()?;
            let login = ops::Login {
                name: p.name,
                password: p.password,
                addr: params.addr,
                md5: false,
            };
            let (user, token) = app.link.call(None, login).await?;
            Ok(Some(LoginData {
                token,
                id: user.id,
                name: user.account,
            }))
        }
        .await,
    )
}

/// The reason every socket opened with a token is given when `POST /logout` revokes it.
pub const KICKED_LOGOUT: &str = "logged out: the token was revoked (POST /logout)";

async fn logout(State(app): State<AppState>, req: Request) -> Response {
    reply::<()>(
        async {
            let p = Params::read(req).await?;
            p.user(&app).await?;
            let token = p.token.unwrap_or_default();
            let revoke = ops::Revoke {
                hashes: vec![auth::token_hash(&token)],
                reason: KICKED_LOGOUT.into(),
            };
            app.link.call(None, revoke).await?;
            Ok(None)
        }
        .await,
    )
}

/// Reads the parameters and the caller, and the required `name`.
async fn named(app: &AppState, req: Request) -> ApiResult<(i64, String, Params)> {
    let p = Params::read(req).await?;
    let me = p.user(app).await?;
    let name: NameRequest = p.decode()?;
    let name = name
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("missing field `name`"))?;
    Ok((me, name, p))
}

async fn user_info(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (_, name, _) = named(&app, req).await?;
            let u = app.link.call(None, ops::UserNamed { name }).await?;
            Ok(Some(UserInfo {
                name: u.account,
                id: u.id,
                realname: u.realname,
                status: u.status,
            }))
        }
        .await,
    )
}

async fn list_users(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, name, _) = named(&app, req).await?;
            let users = app
                .link
                .call(Some(me), ops::ChannelMembers { name })
                .await?;
            let users = users
                .into_iter()
                .map(|u| ChannelUser {
                    name: u.account,
                    id: u.id,
                })
                .collect();
            Ok(Some(ChannelUsers { users }))
        }
        .await,
    )
}

async fn send(State(app): State<AppState>, req: Request) -> Response {
    reply::<()>(
        async {
            let p = Params::read(req).await?;
            let me = p.user(&app).await?;
            let body: SendRequest = p.decode()?;
            let to_name = body.name.clone();
            let to = app
                .link
                .call(None, ops::UserNamed { name: to_name })
                .await?
                .id;
            let draft = Draft {
                gid: body.gid,
                content: body.msg,
                ..Default::default()
            };
            let post = ops::Post {
                target: Target::User(to),
                draft,
                policy: DirectPolicy::NotBlocked,
            };
            app.link.call(Some(me), post).await?;
            Ok(None)
        }
        .await,
    )
}

async fn receive(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let p = Params::read(req).await?;
            let me = p.user(&app).await?;
            let filter: NameRequest = p.decode()?;
            let mut data = ReceiveData::default();
            let taken = ops::TakeDirect { name: filter.name };
            for (name, m) in app.link.call(Some(me), taken).await? {
                data.messages.entry(name).or_default().push(m.content);
            }
            Ok(Some(data))
        }
        .await,
    )
}

async fn channel_send(State(app): State<AppState>, req: Request) -> Response {
    reply::<()>(
        async {
            let p = Params::read(req).await?;
            let me = p.user(&app).await?;
            let body: ChannelSendRequest = p.decode()?;
            let name = body.name.clone();
            if name.trim().is_empty() {
                return Err(ApiError::invalid("missing field `name`"));
            }
            let chat = app.link.call(Some(me), ops::JoinToSend { name }).await?;
            let draft = Draft {
                gid: body.gid,
                content: body.message,
                ..Default::default()
            };
            let post = ops::Post {
                target: Target::ChatId(chat.id),
                draft,
                policy: DirectPolicy::NotBlocked,
            };
            app.link.call(Some(me), post).await?;
            Ok(None)
        }
        .await,
    )
}

async fn channel_receive(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, name, _) = named(&app, req).await?;
            let rows = app
                .link
                .call(Some(me), ops::ReceiveChannel { name })
                .await?;
            let messages = rows
                .into_iter()
                .map(|(name, m)| ChannelMessage {
                    name,
                    datetime: datetime(m.date),
                    msg: m.content,
                })
                .collect();
            Ok(Some(ChannelReceiveData { messages }))
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn datetime_is_seed_format_utc() {
        assert_eq!(super::datetime(1_583_410_320_000), "2020.03.05:12:12:00");
    }
}
