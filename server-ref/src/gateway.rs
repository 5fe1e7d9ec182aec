//! The gateway side of delivery (seed 000's `xxd` role): the backend's pushes and messages
//! rendered once per dialect and queued on the sessions of the users they name, and sessions
//! closed with the final frame their dialect understands. [`Hub`] is the one-process
//! [`Gateway`].

use std::sync::OnceLock;

use axum::extract::ws::Utf8Bytes;
use serde_json::Value;

use chinwag_wire::ext::{KICKED_TYPE, KickedFrame};
use chinwag_wire::module::{
    ErrorFrame, MessageFrame, NOTIFICATION_TYPE, Notification, NotificationFrame,
};
use chinwag_wire::xuanxuan::KICKOFF_MESSAGE;
use chinwag_wire::xuanxuan::Kickoff;

use crate::backend::{Audience, Gateway, Push};
use crate::hub::{Dialect, Flavor, Hub, Outbound, Session};
use crate::render;
use crate::store::messages::MessageRow;

impl Gateway for Hub {
    fn is_online(&self, user: i64) -> bool {
        Hub::is_online(self, user)
    }

    /// Each push is rendered once per dialect family: a xuanxuan frame for xuanxuan sessions,
    /// an `EVENT` with the same method and data for extension sessions.
    fn deliver(&self, pushes: &[Push]) {
        for push in pushes {
            let (users, except, xuanxuan) = match &push.audience {
                Audience::Users(users) => (Some(users.as_slice()), None, true),
                Audience::Everyone { except } => (None, *except, true),
                Audience::Extensions { except } => (None, Some(*except), false),
            };
            let event = render::text(&render::event(&push.method, push.data.clone()));
            let text = xuanxuan.then(|| {
                let mut data = push.data.clone();
                render::plain_members(&mut data);
                render::text(&render::push(
                    self.next_push_id(),
                    "chat",
                    &push.method,
                    data,
                ))
            });
            for session in targets(self, users, except) {
                match (session.dialect, &text) {
                    (Dialect::Xuanxuan(_), Some(text)) => {
                        session.send(Outbound::Frame(text.clone()))
                    }
                    (Dialect::Sdk, _) => session.send(Outbound::Frame(event.clone())),
                    _ => false,
                };
            }
        }
    }

    fn deliver_message(&self, row: &MessageRow, recipients: &[i64], updated: bool) -> Vec<i64> {
        let frames = MessageFrames::new(self, row, updated);
        let mut missed = Vec::new();
        for &user in recipients {
            let mut reached = false;
            for session in self.sessions_of(user) {
                reached |= session.send(Outbound::Frame(frames.text(session.dialect)));
            }
            if !reached {
                missed.push(user);
            }
        }
        missed
    }

    fn replace_xuanxuan(&self, user: i64, keep: &str) {
        for session in self.sessions_of(user) {
            if session.dialect.is_xuanxuan() && session.token_hash.as_deref() != Some(keep) {
                close_session(&session, KICKOFF_MESSAGE);
            }
        }
    }

    fn notify(&self, users: &[i64], body: &Notification) {
        let frame = render::text(&NotificationFrame {
            kind: NOTIFICATION_TYPE.into(),
            body: body.clone(),
        });
        push_frame(self, users, frame);
    }

    fn close_sessions(&self, hashes: &[String], reason: &str) {
        for hash in hashes {
            for session in self.sessions_with_token(hash) {
                close_session(&session, reason);
            }
        }
    }
}

/// A stored message's frame in each dialect, rendered on first use and shared by every
/// session of that dialect. An update is marked as one on extension sockets.
struct MessageFrames<'a> {
    hub: &'a Hub,
    row: &'a MessageRow,
    updated: bool,
    receiver: Option<i64>,
    module: OnceLock<Utf8Bytes>,
    sdk: OnceLock<Utf8Bytes>,
    xuanxuan: OnceLock<Utf8Bytes>,
}

impl<'a> MessageFrames<'a> {
    fn new(hub: &'a Hub, row: &'a MessageRow, updated: bool) -> Self {
        MessageFrames {
            hub,
            row,
            updated,
            receiver: render::one2one_receiver(row),
            module: OnceLock::new(),
            sdk: OnceLock::new(),
            xuanxuan: OnceLock::new(),
        }
    }

    /// The frame for a session speaking `dialect`.
    fn text(&self, dialect: Dialect) -> Utf8Bytes {
        let (row, receiver) = (self.row, self.receiver);
        match dialect {
            Dialect::Module => self
                .module
                .get_or_init(|| render::text(&render::module_frame(row, receiver))),
            Dialect::Sdk => self.sdk.get_or_init(|| {
                let frame = render::sdk_frame(row, receiver);
                render::text(&MessageFrame {
                    updated: self.updated,
                    ..frame
                })
            }),
            Dialect::Xuanxuan(_) => self.xuanxuan.get_or_init(|| {
                let data = serde_json::to_value(row.to_wire()).unwrap_or_default();
                render::text(&render::push(
                    self.hub.next_push_id(),
                    "chat",
                    "message",
                    Value::Array(vec![data]),
                ))
            }),
        }
        .clone()
    }
}

/// [`Gateway::deliver_message`] for a gateway whose backend is in another process: a session
/// whose queue is full gets up to `wait` to make room (the link's reader waits, and the link
/// holds what follows), since the messages of a whole commit arrive here at once.
pub async fn deliver_message_waiting(
    hub: &Hub,
    row: &MessageRow,
    recipients: &[i64],
    updated: bool,
    wait: std::time::Duration,
) -> Vec<i64> {
    let frames = MessageFrames::new(hub, row, updated);
    let mut missed = Vec::new();
    for &user in recipients {
        let mut reached = false;
        for session in hub.sessions_of(user) {
            let text = frames.text(session.dialect);
            reached |= session.send_waiting(Outbound::Frame(text), wait).await;
        }
        if !reached {
            missed.push(user);
        }
    }
    missed
}

/// The live sessions of `users` (every live session if `None`), each once, minus those of
/// `except`.
fn targets(hub: &Hub, users: Option<&[i64]>, except: Option<i64>) -> Vec<Session> {
    let mut sessions = match users {
        Some(users) => {
            let mut users = users.to_vec();
            users.sort_unstable();
            users.dedup();
            users.iter().flat_map(|u| hub.sessions_of(*u)).collect()
        }
        None => hub.every_session(),
    };
    sessions.retain(|s| Some(s.user) != except);
    sessions
}

/// Queues a rendered frame on the 003 sessions (with or without the extension) of `users`.
/// Users without such a session miss it.
fn push_frame(hub: &Hub, users: &[i64], text: Utf8Bytes) {
    for session in targets(hub, Some(users), None) {
        if !session.dialect.is_xuanxuan() {
            session.send(Outbound::Frame(text.clone()));
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
