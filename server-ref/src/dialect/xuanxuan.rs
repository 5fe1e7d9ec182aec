//! Seeds 001 and 000, the xuanxuan socket dialect: the first frame is `login` (params as
//! 001's object or 000's array), then every chat method of the seeds, matched
//! case-insensitively, answered `{module, method, result, message, sid, data, rid}`, with the
//! pushes the seeds list going to the other online members.

use std::net::IpAddr;

use serde::Serialize;
use serde_json::Value;

use chinwag_wire::xuanxuan::*;

use crate::app::AppState;
use crate::backend::Push;
use crate::backend::messages::{DirectPolicy, Draft, Posted, Target};
use crate::backend::ops;
use crate::backend::router::decode;
pub use crate::backend::router::{Answer, normalize_module};
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::gateway;
use crate::hub::{Dialect, Flavor, Outbound, Outlet, Session};
use crate::render;
use crate::store::messages::InboxFilter;
use crate::store::users;

struct LoggedIn {
    session: Session,
    sid: String,
    flavor: Flavor,
    /// The login's announcement to the others, sent after the login's own pushes.
    announce: Vec<Push>,
}

/// One xuanxuan socket.
pub struct XuanxuanConn {
    tx: Outlet,
    login: Option<LoggedIn>,
    addr: Option<IpAddr>,
}

impl XuanxuanConn {
    /// A socket from `addr` (the client's IP, for login throttling) that has not logged in
    /// yet.
    pub fn new(tx: Outlet, addr: Option<IpAddr>) -> XuanxuanConn {
        XuanxuanConn {
            tx,
            login: None,
            addr,
        }
    }

    fn send<T: Serialize>(&self, frame: &T) {
        self.tx.send(Outbound::Frame(render::text(frame)));
    }

    /// Answers a frame that could not be read at all.
    pub fn error(&self, message: String) {
        self.refuse(None, message);
    }

    /// Refuses a frame without handling it (too large, say); the answer names the frame's
    /// `module`, `method` and `rid` whenever they can be read from it, so the client can match
    /// it to its request.
    pub fn refuse(&self, frame: Option<&[u8]>, message: String) {
        /// The fields a refusal echoes; the rest of the frame is skipped, not built.
        #[derive(Default, serde::Deserialize)]
        struct Head {
            module: Option<String>,
            method: Option<String>,
            rid: Option<Value>,
        }
        let request: Head = frame
            .and_then(|f| serde_json::from_slice(f).ok())
            .unwrap_or_default();
        self.send(&Response {
            module: request.module.unwrap_or_else(|| "chat".into()),
            method: request.method.unwrap_or_else(|| "error".into()),
            result: Outcome::Fail,
            message: Some(message),
            sid: self.login.as_ref().map(|l| l.sid.clone()),
            data: Value::Null,
            pager: None,
            rid: request.rid,
        });
    }

    /// Handles one text frame.
    pub async fn on_text(&mut self, app: &AppState, text: &str) {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return self.error(format!("malformed JSON: {e}")),
        };
        let req: Request = match serde_json::from_value(value) {
            Ok(r) => r,
            Err(e) => {
                return self.error(format!(
                    "invalid request: {e}; expected {{module, method, params}}"
                ));
            }
        };
        let method = req.method.to_ascii_lowercase();
        let module = if req.module.trim().is_empty() {
            "chat".to_string()
        } else {
            req.module.trim().to_ascii_lowercase()
        };
        let result = if method == "login" && module == "chat" {
            self.login(app, &req).await
        } else if self.login.is_none() {
            Err(ApiError::unauthorized(
                "login required: send {module: \"chat\", method: \"login\"} first",
            ))
        } else {
            self.dispatch(app, &method, &req).await
        };
        let sid = self.login.as_ref().map(|l| l.sid.clone());
        let (result, message, data, pager) = match result {
            Ok(mut a) => {
                render::plain_members(&mut a.data);
                (Outcome::Success, None, a.data, a.pager)
            }
            Err(e) => {
                let outcome = if e.kind == ErrorKind::Unauthorized {
                    Outcome::Denied
                } else {
                    Outcome::Fail
                };
                (outcome, Some(e.message), Value::Null, None)
            }
        };
        self.send(&Response {
            module: req.module.clone(),
            method: req.method.clone(),
            result,
            message,
            sid,
            data,
            pager,
            rid: req.rid.clone(),
        });
        if result == Outcome::Success && method == "login" {
            self.after_login(app).await;
        }
    }

    fn me(&self) -> i64 {
        self.login
            .as_ref()
            .map(|l| l.session.user)
            .unwrap_or_default()
    }

    async fn login(&mut self, app: &AppState, req: &Request) -> ApiResult<Answer> {
        let flavor = if req.params.is_array() {
            Flavor::V000
        } else {
            Flavor::V001
        };
        let p: LoginParams = decode("login", &req.params)?;
        let status = p
            .status
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "online".into());
        if !users::STATUSES.contains(&status.as_str()) {
            return Err(ApiError::invalid(format!(
                "status must be one of online, away, busy; got \"{status}\""
            )));
        }
        let login = ops::Login {
            name: p.account,
            password: p.password,
            addr: self.addr,
            // The real client sends the MD5 hex of the password (000: "已加密").
            md5: true,
        };
        let (user, sid) = app.link.call(None, login).await?;
        self.end_session(app, false).await;
        let (session, replaced) = app.hub.register(
            user.id,
            Dialect::Xuanxuan(flavor),
            Some(crate::auth::token_hash(&sid)),
            self.tx.clone(),
        );
        // The replaced sessions' sids stop working before they are told (their sockets would
        // revoke them too, but only once their tasks see the close).
        let hashes = replaced
            .iter()
            .filter_map(|o| o.token_hash.clone())
            .collect();
        let revoke = ops::Revoke {
            hashes,
            reason: KICKOFF_MESSAGE.into(),
        };
        app.link.call(None, revoke).await?;
        // They left the hub when this session replaced them: closed here, with the kickoff.
        for old in &replaced {
            gateway::close_session(old, KICKOFF_MESSAGE);
        }
        let logged_in = ops::LoggedIn {
            status,
            keep: crate::auth::token_hash(&sid),
        };
        let reply = app.link.call(Some(user.id), logged_in).await?;
        app.tickets.session_opened(session.id, user.id, sid.clone());
        self.login = Some(LoggedIn {
            session,
            sid,
            flavor,
            announce: reply.pushes,
        });
        Answer::of(reply.value.to_wire())
    }

    /// The pushes that follow a login: the user list, the chat list, offline messages, and
    /// the login announced to the others.
    async fn after_login(&mut self, app: &AppState) {
        let Some(login) = &mut self.login else { return };
        let (me, flavor) = (login.session.user, login.flavor);
        let announce = std::mem::take(&mut login.announce);
        let (list_method, chats_method) = match flavor {
            Flavor::V000 => ("userGetlist", "getList"),
            Flavor::V001 => ("userGetList", "getlist"),
        };
        if let Ok(all) = app.link.call(Some(me), ops::AllUsers {}).await {
            let data = Value::Array(
                all.iter()
                    .map(|u| serde_json::to_value(u.to_wire()).unwrap_or_default())
                    .collect(),
            );
            self.send(&render::push(
                app.hub.next_push_id(),
                "chat",
                list_method,
                data,
            ));
        }
        if let Ok(mut list) = chat_list(app, me).await {
            render::plain_members(&mut list);
            self.send(&render::push(
                app.hub.next_push_id(),
                "chat",
                chats_method,
                list,
            ));
        }
        self.push_offline(app).await;
        if !announce.is_empty() {
            let _ = app
                .link
                .call(Some(me), ops::Announce { pushes: announce })
                .await;
        }
    }

    /// Pushes queued offline messages and removes from the inbox those that were queued on
    /// the socket.
    async fn push_offline(&self, app: &AppState) {
        let me = self.me();
        let offline = ops::Offline {
            filter: InboxFilter::All,
            remove: false,
        };
        let Ok(rows) = app.link.call(Some(me), offline).await else {
            return;
        };
        for chunk in rows.chunks(100) {
            let data = Value::Array(
                chunk
                    .iter()
                    .map(|m| serde_json::to_value(m.to_wire()).unwrap_or_default())
                    .collect(),
            );
            let frame = render::push(app.hub.next_push_id(), "chat", "message", data);
            if !self.tx.send(Outbound::Frame(render::text(&frame))) {
                return;
            }
            let ids: Vec<i64> = chunk.iter().map(|m| m.id).collect();
            let _ = app.link.call(Some(me), ops::RemoveFromInbox { ids }).await;
        }
    }

    /// Ends the logged-in session (logout, re-login or socket closed). With `announce`, a
    /// user whose last session this was is announced offline to extension sockets.
    async fn end_session(&mut self, app: &AppState, announce: bool) -> Option<i64> {
        let login = self.login.take()?;
        let user = login.session.user;
        app.tickets.session_ended(login.session.id);
        let last = app.hub.unregister(user, login.session.id);
        let ended = ops::Ended {
            sid: login.sid,
            offline: last && !announce,
        };
        let _ = app.link.call(Some(user), ended).await;
        if last && announce {
            let _ = app.link.call(Some(user), ops::SocketClosed {}).await;
        }
        Some(user)
    }

    /// The socket closed: the user goes offline without a xuanxuan push (001: a dropped
    /// connection is not announced); extension sockets get a presence `EVENT`.
    pub async fn close(&mut self, app: &AppState) {
        self.end_session(app, true).await;
    }

    /// The methods that need the socket (`logout`, `getOfflineMessages`); every other one
    /// goes to [`dispatch`].
    async fn dispatch(&mut self, app: &AppState, method: &str, req: &Request) -> ApiResult<Answer> {
        let me = self.me();
        let module = normalize_module(&req.module);
        match (module.as_str(), method) {
            ("chat", "logout") => {
                let user = app.link.call(Some(me), ops::LoggingOut {}).await?;
                self.end_session(app, false).await;
                Answer::of(user.to_wire())
            }
            ("chat", "getofflinemessages") => {
                self.push_offline(app).await;
                Answer::of(Vec::<Message>::new())
            }
            _ => dispatch(app, me, &req.module, &req.method, &req.params).await,
        }
    }
}

/// Runs one xuanxuan method as user `me`, without a socket: every chat and attach method but
/// `login`, `logout` and `getOfflineMessages`, which need one (the socket handles those).
/// `module` and `method` are matched case-insensitively (an empty module is `chat`). The
/// backend answers (see [`crate::backend::router::handle`]); `message` goes through the live message path.
/// The pushes the method causes go out as on the socket. `POST /api/call` uses this too.
pub async fn dispatch(
    app: &AppState,
    me: i64,
    module: &str,
    method: &str,
    params: &Value,
) -> ApiResult<Answer> {
    if normalize_module(module) == "chat" && method.eq_ignore_ascii_case("message") {
        return message(app, me, params).await;
    }
    app.link.chat(me, module, method, params).await
}

async fn message(app: &AppState, me: i64, params: &Value) -> ApiResult<Answer> {
    let list: Vec<Message> = match params {
        Value::Array(_) => serde_json::from_value(params.clone())?,
        Value::Object(o) if o.get("messages").is_some_and(Value::is_array) => {
            serde_json::from_value(o["messages"].clone())?
        }
        Value::Object(_) => vec![serde_json::from_value(params.clone())?],
        _ => return Err(ApiError::invalid("params must be a list of messages")),
    };
    if list.is_empty() {
        return Err(ApiError::invalid("params must hold at least one message"));
    }
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        if m.cgid.is_empty() {
            return Err(ApiError::invalid(
                "each message needs `cgid`, the chat's gid",
            ));
        }
        if m.user.is_some_and(|u| u != me) {
            return Err(ApiError::forbidden(
                "you may only send messages as yourself",
            ));
        }
        let draft = Draft {
            gid: Some(m.gid.clone()).filter(|g| !g.is_empty()),
            kind: Some(m.kind.clone()),
            content_type: Some(m.content_type.clone()),
            content: m.content.clone(),
        };
        let post = ops::Post {
            target: Target::ChatGid(m.cgid.clone()),
            draft,
            policy: DirectPolicy::NotBlocked,
        };
        let posted = app.link.call(Some(me), post).await?;
        out.push(match posted {
            // Under the gid the client used (either order names a one-to-one chat).
            Posted::New(row) | Posted::Duplicate(row) | Posted::Updated(row) => Message {
                cgid: m.cgid.clone(),
                ..row.to_wire()
            },
            Posted::Dropped => Message {
                user: Some(me),
                ..m
            },
        });
    }
    Answer::of(out)
}

/// The caller's chats with their own flags and members.
async fn chat_list(app: &AppState, me: i64) -> ApiResult<Value> {
    Ok(app
        .link
        .chat(me, "chat", "getList", &Value::Null)
        .await?
        .data)
}
