//! Seed 002, the chat-room REST API: every endpoint answers HTTP 200 with the
//! `{code, msg, data}` envelope; `code` 0 is success.

use std::collections::BTreeMap;

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
use crate::backend::chat as chat_ops;
use crate::backend::{self, Reply};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::params::Params;
use crate::rules::{self, ChatRef, Op};
use crate::service::{self, DirectPolicy, Draft, Target};
use crate::store::chats::{self, GROUP, NewChat};
use crate::store::messages::{self, InboxFilter};
use crate::store::users;

/// Messages returned by the first `/channel/receive` of a user on a channel: the newest ones.
pub const FIRST_RECEIVE_BACKLOG: u32 = 100;
/// Most messages one `/channel/receive` returns; the rest come with the next call.
pub const RECEIVE_LIMIT: u32 = 1000;

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
        ErrorKind::Internal => ErrorCode::Server,
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
            users::validate_account(&p.name)?;
            if p.password.is_empty() {
                return Err(ApiError::invalid("password must not be empty"));
            }
            if p.password != p.password_repete {
                return Err(ApiError::invalid("password and password_repete differ"));
            }
            let hash = app.passwords.hash(p.password.clone()).await?;
            let user = app
                .db
                .call(move |conn| users::create(conn, &p.name, &hash))
                .await?;
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
            let (user, token) = service::login(&app, p.name, p.password, params.addr).await?;
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
            service::revoke(&app, vec![auth::token_hash(&token)], KICKED_LOGOUT).await?;
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
            let u = app
                .db
                .call(move |conn| users::get_by_account(conn, &name))
                .await?;
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
                .db
                .call(move |conn| {
                    let chat = chats::channel(conn, &name)?.ok_or_else(|| no_channel(&name))?;
                    chat_ops::readable(conn, &ChatRef::Group(chat.id), me)
                        .map_err(|_| no_channel(&name))?;
                    chats::member_ids(conn, chat.id)?
                        .into_iter()
                        .map(|id| {
                            users::get(conn, id).map(|u| ChannelUser {
                                name: u.account,
                                id: u.id,
                            })
                        })
                        .collect::<ApiResult<Vec<_>>>()
                })
                .await?;
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
                .db
                .call(move |conn| users::get_by_account(conn, &to_name))
                .await?
                .id;
            let draft = Draft {
                gid: body.gid,
                content: body.msg,
                ..Default::default()
            };
            service::post_message(&app, me, Target::User(to), draft, DirectPolicy::NotBlocked)
                .await?;
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
            let data = app
                .db
                .tx(move |conn| {
                    let me_row = users::get(conn, me)?;
                    // `name` is the caller's own name in the seed ("用户 name"): another
                    // user's name is refused, and nothing is taken from the inbox.
                    if let Some(n) = filter
                        .name
                        .filter(|n| !n.is_empty() && *n != me_row.account)
                    {
                        return Err(ApiError::forbidden(format!(
                            "name must be your own name (\"{}\"), not \"{n}\": /receive \
                             returns the caller's own messages",
                            me_row.account
                        )));
                    }
                    let mut names: BTreeMap<i64, String> = BTreeMap::new();
                    let mut out = ReceiveData::default();
                    let mut taken = Vec::new();
                    for m in messages::inbox(conn, me, InboxFilter::Direct)? {
                        let name = account_of(conn, &mut names, m.sender_id)?;
                        out.messages
                            .entry(name)
                            .or_default()
                            .push(m.content.clone());
                        taken.push(m.id);
                    }
                    messages::inbox_remove(conn, me, &taken)?;
                    Ok(out)
                })
                .await?;
            Ok(Some(data))
        }
        .await,
    )
}

/// A user's account name, looked up once per answer.
fn account_of(
    conn: &rusqlite::Connection,
    cache: &mut BTreeMap<i64, String>,
    id: i64,
) -> ApiResult<String> {
    if let Some(name) = cache.get(&id) {
        return Ok(name.clone());
    }
    let name = users::get(conn, id)?.account;
    cache.insert(id, name.clone());
    Ok(name)
}

/// The channel named `name`, created if needed, with the caller joined.
fn join_channel(conn: &rusqlite::Connection, me: i64, name: &str) -> ApiResult<chats::ChatRow> {
    let chat = match chats::channel(conn, name)? {
        Some(chat) => chat,
        None => {
            if name.chars().count() > 128 || name.chars().any(char::is_control) {
                return Err(ApiError::invalid(
                    "channel name must be at most 128 characters, without control characters",
                ));
            }
            let gid = format!("channel:{name}");
            let new = NewChat {
                gid: &gid,
                name,
                kind: GROUP,
                public: true,
                channel_name: Some(name),
                ..Default::default()
            };
            chats::create(conn, &new, me, &[])?
        }
    };
    if !chats::is_member(conn, chat.id, me)? {
        // The rule table decides, as for any join: a channel made private is joined only
        // with an invitation, and otherwise answers as if it did not exist.
        rules::chat_for(conn, &ChatRef::Group(chat.id), me, Op::Join)
            .map_err(|_| no_channel(name))?;
        chats::add_members(conn, chat.id, &[me])?;
    }
    Ok(chat)
}

/// The answer for a channel that does not exist or that the caller may not see.
fn no_channel(name: &str) -> ApiError {
    ApiError::not_found(format!("no channel named \"{name}\" that you may join"))
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
            let chat = app
                .db
                .tx(move |conn| {
                    let was = chats::channel(conn, &name)?
                        .map(|c| chats::is_member(conn, c.id, me))
                        .transpose()?;
                    let chat = join_channel(conn, me, &name)?;
                    let push = match was {
                        Some(true) => None,
                        _ => backend::chat_push(conn, chat.id, "joinChat", &[])?,
                    };
                    Ok(Reply {
                        value: chat,
                        pushes: push.into_iter().collect(),
                    })
                })
                .await?;
            let chat = service::delivered(&app, chat);
            let draft = Draft {
                gid: body.gid,
                content: body.message,
                ..Default::default()
            };
            service::post_message(
                &app,
                me,
                Target::ChatId(chat.id),
                draft,
                DirectPolicy::NotBlocked,
            )
            .await?;
            Ok(None)
        }
        .await,
    )
}

async fn channel_receive(State(app): State<AppState>, req: Request) -> Response {
    reply(
        async {
            let (me, name, _) = named(&app, req).await?;
            let data = app
                .db
                .tx(move |conn| {
                    let chat = join_channel(conn, me, &name)?;
                    let rows = match messages::cursor(conn, me, chat.id)? {
                        Some(last) => messages::after(conn, chat.id, last, RECEIVE_LIMIT)?,
                        None => messages::history(conn, chat.id, FIRST_RECEIVE_BACKLOG, 0)?,
                    };
                    let mut out = ChannelReceiveData::default();
                    let mut names: BTreeMap<i64, String> = BTreeMap::new();
                    for m in &rows {
                        out.messages.push(ChannelMessage {
                            name: account_of(conn, &mut names, m.sender_id)?,
                            datetime: datetime(m.date),
                            msg: m.content.clone(),
                        });
                    }
                    let last = rows.last().map(|m| m.id).unwrap_or(0);
                    messages::set_cursor(conn, me, chat.id, last)?;
                    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
                    messages::inbox_remove(conn, me, &ids)?;
                    Ok(out)
                })
                .await?;
            Ok(Some(data))
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
