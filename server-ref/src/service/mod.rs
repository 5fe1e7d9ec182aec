//! Operations shared by every dialect: posting a message and fanning it out to each
//! recipient in their dialect, the xuanxuan pushes that follow model changes (relayed to SDK
//! extension sockets as `EVENT` frames), presence, and closing the sockets of a revoked token.

use std::cell::OnceCell;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::Utf8Bytes;
use rusqlite::Connection;
use serde_json::Value;

use chinwag_wire::ext::{KICKED_TYPE, KickedFrame};
use chinwag_wire::module::ErrorFrame;
use chinwag_wire::xuanxuan::Kickoff;

use crate::app::App;
use crate::backend::{Audience, Push, Reply};
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::hub::{Dialect, Flavor, Outbound, Session};
use crate::render;
use crate::rules::{self, ChatRef, Op};
use crate::store::chats::{self, ChatRow};
use crate::store::messages::{self, MessageRow, NewMessage};
use crate::store::{social, users};

/// Where a message goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A user: the one-to-one chat with them (created on first use).
    User(i64),
    /// A chat by id (003's `groupId`).
    ChatId(i64),
    /// A chat by gid (xuanxuan's `cgid`); a one-to-one gid including the caller is created.
    ChatGid(String),
}

/// Who may receive a direct message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectPolicy {
    /// 003 unicast: only a friend who has not blocked the sender.
    FriendsOnly,
    /// 001/002: anyone who has not blocked the sender.
    NotBlocked,
}

/// A message as a client submitted it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Client gid for de-duplication; the server makes one if absent.
    pub gid: Option<String>,
    /// `normal` (default) or `broadcast`.
    pub kind: Option<String>,
    /// `text` (default), or another content type.
    pub content_type: Option<String>,
    /// The content.
    pub content: String,
}

/// The outcome of posting.
#[derive(Debug, Clone)]
pub enum Posted {
    /// Stored and delivered (or queued).
    New(MessageRow),
    /// The gid was seen before: the stored message, not delivered again.
    Duplicate(MessageRow),
    /// Silently not delivered (blocked, or not friends under 003's rule); not stored.
    Dropped,
}

impl Posted {
    /// The stored message, if any.
    pub fn message(&self) -> Option<&MessageRow> {
        match self {
            Posted::New(m) | Posted::Duplicate(m) => Some(m),
            Posted::Dropped => None,
        }
    }
}

/// Checks credentials and issues a token; shared by 002 `/login` and xuanxuan `login`.
/// `addr` is the client's IP address, for throttling. A name with too many recent failures
/// (or an address with too many) is refused before any check; an unknown name costs the same
/// password check as a wrong password, and both answer alike.
pub async fn login(
    app: &Arc<App>,
    name: String,
    password: String,
    addr: Option<IpAddr>,
) -> ApiResult<(users::UserRow, String)> {
    app.throttle.check(&name, addr, Instant::now())?;
    let lookup = name.clone();
    let found = app
        .db
        .call(move |conn| users::credentials(conn, &lookup))
        .await?;
    let (id, hash) = match found {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    let ok = app.passwords.verify(password, hash).await?;
    let Some(id) = id.filter(|_| ok) else {
        app.throttle.failed(&name, addr, Instant::now());
        return Err(ApiError::unauthorized("wrong name or password"));
    };
    app.throttle.succeeded(&name);
    app.db
        .call(move |conn| {
            let token = users::issue_token(conn, id)?;
            Ok((users::get(conn, id)?, token))
        })
        .await
}

/// Largest content accepted, in bytes.
pub const MAX_CONTENT_BYTES: usize = 64 * 1024;

/// Stores a message from `sender` and delivers it: pushed to recipients online, queued in
/// the offline inbox of the others. Resolves after the commit that stored it.
pub async fn post_message(
    app: &Arc<App>,
    sender: i64,
    target: Target,
    draft: Draft,
    policy: DirectPolicy,
) -> ApiResult<Posted> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    submit_message(app, sender, target, draft, policy, move |out| {
        let _ = tx.send(out);
    })
    .await;
    rx.await
        .map_err(|_| ApiError::internal("the database writer has stopped"))?
}

/// Queues a message from `sender` for the database writer (group commit, see
/// [`crate::db::Db::submit`]) and returns once it is queued; `done` gets the outcome after the
/// commit that stored it and the pushes. Messages submitted in order are stored, pushed and
/// reported in that order, so a socket can go on reading while its messages are written.
pub async fn submit_message(
    app: &Arc<App>,
    sender: i64,
    target: Target,
    draft: Draft,
    policy: DirectPolicy,
    done: impl FnOnce(ApiResult<Posted>) + Send + 'static,
) {
    if draft.content.len() > MAX_CONTENT_BYTES {
        return done(Err(ApiError::invalid(format!(
            "content must be at most {MAX_CONTENT_BYTES} bytes"
        ))));
    }
    if draft.content.is_empty() {
        return done(Err(ApiError::invalid("content must not be empty")));
    }
    let app2 = app.clone();
    let app3 = app.clone();
    let submitted = app
        .db
        .submit(
            move |conn| store_message(&app2, conn, sender, &target, &draft, policy),
            // Pushed while the connection is still held, right after the commit: pushes are
            // queued in commit order, which is id order, on every socket.
            move |conn, out| {
                let out = out.map(|(posted, online)| {
                    if let Posted::New(row) = &posted {
                        deliver(&app3, conn, row, &online);
                        app3.db.count_messages(1);
                    }
                    posted
                });
                done(out)
            },
        )
        .await;
    if let Err(e) = submitted {
        tracing::error!(%e, "message not submitted");
    }
}

/// Stores one message inside the writer's transaction; returns what happened and the
/// recipients online to push it to.
fn store_message(
    app: &App,
    conn: &Connection,
    sender: i64,
    target: &Target,
    draft: &Draft,
    policy: DirectPolicy,
) -> ApiResult<(Posted, Vec<i64>)> {
    if let Some(gid) = &draft.gid {
        if gid.len() > 128 {
            return Err(ApiError::invalid("gid must be at most 128 bytes"));
        }
        if let Some(existing) = messages::by_sender_gid(conn, sender, gid)? {
            return Ok((Posted::Duplicate(existing), Vec::new()));
        }
    }
    let Some(chat) = resolve_chat(conn, sender, target, policy)? else {
        return Ok((Posted::Dropped, Vec::new()));
    };
    let blockers = social::blockers_of(conn, sender)?;
    let recipients = chats::member_ids(conn, chat.id)?
        .into_iter()
        .filter(|m| *m != sender && !blockers.contains(m));
    let now = now_ms();
    let row = messages::insert(
        conn,
        &NewMessage {
            gid: draft
                .gid
                .clone()
                .unwrap_or_else(|| format!("srv-{}", crate::auth::new_token())),
            chat_id: chat.id,
            sender_id: sender,
            date: now,
            kind: draft
                .kind
                .clone()
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "normal".into()),
            content_type: draft
                .content_type
                .clone()
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "text".into()),
            content: draft.content.clone(),
        },
    )?;
    chats::touch(conn, chat.id, now)?;
    let (online, offline): (Vec<i64>, Vec<i64>) = recipients.partition(|u| app.hub.is_online(*u));
    messages::inbox_add(conn, &offline, row.id)?;
    Ok((Posted::New(row), online))
}

/// Finds (or for one-to-one, creates) the chat a message goes to, checking the sender may
/// post there; `None` means the message is silently dropped.
fn resolve_chat(
    conn: &Connection,
    sender: i64,
    target: &Target,
    policy: DirectPolicy,
) -> ApiResult<Option<ChatRow>> {
    // A direct message: the recipient's rules are checked before the chat is created, so a
    // dropped message leaves nothing behind.
    let direct_to = match target {
        Target::User(to) if *to == sender => {
            return Err(ApiError::invalid(
                "cannot send a direct message to yourself",
            ));
        }
        Target::User(to) => Some(*to),
        Target::ChatGid(gid) => chinwag_wire::parse_one2one_gid(gid)
            .filter(|&(a, b)| (a == sender || b == sender) && a != b)
            .map(|(a, b)| if a == sender { b } else { a }),
        Target::ChatId(_) => None,
    };
    if let Some(other) = direct_to {
        if !users::exists(conn, other)? {
            return Err(ApiError::not_found(format!("no user with id {other}")));
        }
        if social::has_blocked(conn, other, sender)? {
            return Ok(None);
        }
        if policy == DirectPolicy::FriendsOnly && !social::are_friends(conn, sender, other)? {
            return Ok(None);
        }
        return chats::ensure_one2one(conn, sender, other).map(Some);
    }
    let r = match target {
        Target::ChatId(id) => ChatRef::Group(*id),
        Target::ChatGid(gid) => ChatRef::Gid(gid.clone()),
        Target::User(_) => unreachable!("direct targets are handled above"),
    };
    rules::chat_for(conn, &r, sender, Op::Post).map(|(chat, _)| Some(chat))
}

/// Pushes a stored message to the online recipients in their dialects; any recipient it
/// could not reach gets it in the offline inbox. Runs with the database connection held
/// (see [`crate::db::Db::submit`]), so it only queues frames and never waits on a socket.
pub fn deliver(app: &App, conn: &Connection, row: &MessageRow, recipients: &[i64]) {
    // Each dialect's text is rendered once, and only if a recipient speaks that dialect.
    let receiver = render::one2one_receiver(row);
    let module_text = OnceCell::new();
    let sdk_text = OnceCell::new();
    let xx_text = OnceCell::new();
    let mut missed = Vec::new();
    for &user in recipients {
        let mut reached = false;
        for session in app.hub.sessions_of(user) {
            let text = match session.dialect {
                Dialect::Module => {
                    module_text.get_or_init(|| render::text(&render::module_frame(row, receiver)))
                }
                Dialect::Sdk => {
                    sdk_text.get_or_init(|| render::text(&render::sdk_frame(row, receiver)))
                }
                Dialect::Xuanxuan(_) => xx_text.get_or_init(|| {
                    let data = serde_json::to_value(row.to_wire()).unwrap_or_default();
                    render::text(&render::push(
                        app.hub.next_push_id(),
                        "chat",
                        "message",
                        Value::Array(vec![data]),
                    ))
                }),
            }
            .clone();
            reached |= session.send(Outbound::Frame(text));
        }
        if !reached {
            missed.push(user);
        }
    }
    if !missed.is_empty() {
        if let Err(e) = messages::inbox_add(conn, &missed, row.id) {
            tracing::warn!(%e, "could not queue undelivered message");
        }
    }
}

/// The live sessions of `users` (every live session if `None`), each once, minus those of
/// `except`.
fn targets(app: &App, users: Option<&[i64]>, except: Option<i64>) -> Vec<Session> {
    let mut sessions = match users {
        Some(users) => {
            let mut users = users.to_vec();
            users.sort_unstable();
            users.dedup();
            users.iter().flat_map(|u| app.hub.sessions_of(*u)).collect()
        }
        None => app.hub.every_session(),
    };
    sessions.retain(|s| Some(s.user) != except);
    sessions
}

/// Pushes a xuanxuan frame to the xuanxuan sessions of `users` (all online users if `None`),
/// skipping `except`; the extension sessions of the same users get it as an `EVENT` frame
/// with the same method and data.
pub fn push_xuanxuan(
    app: &App,
    users: Option<&[i64]>,
    except: Option<i64>,
    method: &str,
    data: Value,
) {
    let event = render::text(&render::event(method, data.clone()));
    let text = render::text(&render::push(app.hub.next_push_id(), "chat", method, data));
    for session in targets(app, users, except) {
        match session.dialect {
            Dialect::Xuanxuan(_) => session.send(Outbound::Frame(text.clone())),
            Dialect::Sdk => session.send(Outbound::Frame(event.clone())),
            Dialect::Module => false,
        };
    }
}

/// Queues a rendered frame on the sessions of one dialect family (`xuanxuan` true: 000/001,
/// false: 003 with or without the extension) belonging to `users` (every online user if
/// `None`), skipping `except`. Users without such a session miss it.
pub fn push_frame(
    app: &App,
    users: Option<&[i64]>,
    except: Option<i64>,
    xuanxuan: bool,
    text: Utf8Bytes,
) {
    for session in targets(app, users, except) {
        if session.dialect.is_xuanxuan() == xuanxuan {
            session.send(Outbound::Frame(text.clone()));
        }
    }
}

/// Announces a presence change that no xuanxuan push announces (a 003 socket bringing its
/// user online, a user's last socket closing) to the extension sessions of every other
/// user: an `EVENT` `userChangeStatus` with the user as xuanxuan shows it. Xuanxuan
/// sessions are not told (001 announces only logins and logouts).
pub fn push_presence(app: &App, user: &users::UserRow) {
    let data = serde_json::to_value(user.to_wire()).unwrap_or_default();
    let event = render::text(&render::event("userChangeStatus", data));
    for session in targets(app, None, Some(user.id)) {
        if session.dialect == Dialect::Sdk {
            session.send(Outbound::Frame(event.clone()));
        }
    }
}

/// Closes a session for good with the final frame its dialect understands: `KICKED` on an
/// extension socket, an `ERROR` 401 frame on a plain 003 socket, the kickoff frame (in the
/// spelling of the seed it logged in with) on a xuanxuan socket. A session whose queue is full
/// is closed at once without it.
pub fn close_session(session: &Session, reason: &str) {
    let frame = match session.dialect {
        Dialect::Sdk => render::text(&KickedFrame {
            kind: KICKED_TYPE.into(),
            reason: reason.into(),
        }),
        Dialect::Module => render::text(&ErrorFrame::new(401, reason)),
        Dialect::Xuanxuan(flavor) => {
            let (module, method) = match flavor {
                Flavor::V000 => ("chat", "kickoff"),
                Flavor::V001 => ("null", "null"),
            };
            render::text(&Kickoff {
                module: module.into(),
                method: method.into(),
                message: reason.into(),
            })
        }
    };
    if !session.send(Outbound::CloseWith(frame)) {
        session.kill();
    }
}

/// Revokes the tokens (or xuanxuan sids) whose stored hashes are `hashes`, then closes every
/// socket opened with one of them, in every dialect ([`close_session`]): a revocation reaches
/// open sockets at once, not when they next authenticate.
pub async fn revoke(app: &Arc<App>, hashes: Vec<String>, reason: &str) -> ApiResult<()> {
    let revoked = hashes.clone();
    app.db
        .call(move |conn| {
            for hash in &revoked {
                users::revoke_token_hash(conn, hash)?;
            }
            Ok(())
        })
        .await?;
    for hash in &hashes {
        for session in app.hub.sessions_with_token(hash) {
            close_session(&session, reason);
        }
    }
    Ok(())
}

/// Marks a user online when a 003 socket opens, if they were offline; returns the user when
/// their status changed (to announce it).
pub async fn socket_opened(app: &Arc<App>, user: i64) -> Option<users::UserRow> {
    app.db
        .call(move |conn| {
            if users::get(conn, user)?.status != "offline" {
                return Ok(None);
            }
            users::set_status(conn, user, "online")?;
            users::get(conn, user).map(Some)
        })
        .await
        .ok()
        .flatten()
}

/// Marks a user offline after their last socket closed, and announces it to extension
/// sessions. A user who opened a new socket meanwhile stays online (the check runs under the
/// database lock, as does [`socket_opened`]'s, so the two cannot interleave).
pub async fn last_socket_closed(app: &Arc<App>, user: i64) {
    let app2 = app.clone();
    let changed = app
        .db
        .call(move |conn| {
            if app2.hub.is_online(user) {
                return Ok(None);
            }
            if users::get(conn, user)?.status == "offline" {
                return Ok(None);
            }
            users::set_status(conn, user, "offline")?;
            users::get(conn, user).map(Some)
        })
        .await;
    if let Ok(Some(row)) = changed {
        push_presence(app, &row);
    }
}

/// Delivers the backend's pushes (see [`crate::backend`]): each rendered once per dialect
/// family and queued on the sessions of the users it lists (xuanxuan frames to xuanxuan
/// sessions, `EVENT`s to the SDK extension's).
pub fn deliver_pushes(app: &App, pushes: &[Push]) {
    for push in pushes {
        let data = push.data.clone();
        match &push.audience {
            Audience::Users(users) => push_xuanxuan(app, Some(users), None, push.method, data),
            Audience::Everyone { except } => push_xuanxuan(app, None, *except, push.method, data),
        }
    }
}

/// The value of a backend reply, its pushes delivered.
pub fn delivered<T>(app: &App, reply: Reply<T>) -> T {
    deliver_pushes(app, &reply.pushes);
    reply.value
}
