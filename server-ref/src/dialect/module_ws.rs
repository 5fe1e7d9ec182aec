//! Seed 003's socket: `{type: unicast|multicast, receiverId|groupId, content}` in, message
//! frames and notifications out. Direct messages reach only a friend who has not blocked the
//! sender; group messages skip members who blocked the sender; in both cases the sender is
//! not told (the seed's rule). A frame the server cannot accept gets an error frame
//! `{type: "ERROR", code, message}` and the socket stays open.
//!
//! With the SDK extension (`ext=chinwag`, see `chinwag_wire::ext`) the socket also answers
//! each accepted message frame with `ACK` (errors carry the frame's `gid`), answers `PING` with
//! `PONG`, and takes `RECEIVED`.

use serde_json::Value;

use chinwag_wire::ext::{AckFrame, AckType, PING_TYPE, PONG_TYPE, RECEIVED_TYPE, ReceivedFrame};
use chinwag_wire::module::{ClientFrame, ErrorFrame, MessageKind};

use crate::app::AppState;
use crate::backend::messages::{DirectPolicy, Draft, Target};
use crate::backend::ops;
use crate::error::ApiError;
use crate::hub::{Dialect, Outbound, Outlet, Session};
use crate::render::{self, JSON_CONTENT};

/// One authenticated 003 socket.
pub struct ModuleConn {
    session: Session,
}

impl ModuleConn {
    /// Registers the socket of `user` (opened with the token hashed as `token_hash`; with the
    /// SDK extension if `ext`) and marks them online, announcing it to extension sockets if
    /// they were offline.
    pub async fn open(
        app: &AppState,
        user: i64,
        token_hash: String,
        ext: bool,
        out: Outlet,
    ) -> ModuleConn {
        let dialect = if ext { Dialect::Sdk } else { Dialect::Module };
        let (session, _) = app.hub.register(user, dialect, Some(token_hash), out);
        // Presence is best effort: a backend that cannot record it does not refuse the socket.
        let _ = app.link.call(Some(user), ops::SocketOpened {}).await;
        ModuleConn { session }
    }

    fn ext(&self) -> bool {
        self.session.dialect == Dialect::Sdk
    }

    /// Sends an error frame.
    pub fn error(&self, code: u16, message: String) {
        error_frame(&self.session, code, message, None);
    }

    /// Handles one text frame.
    pub async fn on_text(&mut self, app: &AppState, text: &str) {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return self.error(400, format!("malformed JSON: {e}")),
        };
        if self.ext() {
            let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
            if kind.eq_ignore_ascii_case(PING_TYPE) {
                // Answered through the database writer's queue, after every message frame
                // sent before it: a PONG means those are stored and acknowledged.
                let session = self.session.clone();
                let pong = render::text(&chinwag_wire::ext::Beat {
                    kind: PONG_TYPE.into(),
                });
                match app
                    .link
                    .call(Some(self.session.user), ops::Barrier {})
                    .await
                {
                    Ok(()) => {
                        session.send(Outbound::Frame(pong));
                    }
                    Err(e) => self.error(e.status(), e.message),
                }
                return;
            }
            if kind.eq_ignore_ascii_case(RECEIVED_TYPE) {
                if let Err(e) = self.received(app, value).await {
                    self.error(e.status(), e.message);
                }
                return;
            }
        }
        let gid = value.get("gid").and_then(|g| match g {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        if let Err(e) = self.message(app, value).await {
            error_frame(&self.session, e.status(), e.message, gid);
        }
    }

    /// `RECEIVED`: empties the inbox up to `upTo` and moves the sync cursor.
    async fn received(&self, app: &AppState, value: Value) -> Result<(), ApiError> {
        let frame: ReceivedFrame = serde_json::from_value(value)
            .map_err(|e| ApiError::invalid(format!("invalid RECEIVED frame: {e}")))?;
        let user = self.session.user;
        app.link
            .call(Some(user), ops::Received { up_to: frame.up_to })
            .await
    }

    async fn message(&mut self, app: &AppState, value: Value) -> Result<(), ApiError> {
        let frame: ClientFrame = serde_json::from_value(value)
            .map_err(|e| ApiError::invalid(format!("invalid frame: {e}")))?;
        // Extension sockets may name the content type of string content (`image`, `file`,
        // ...); plain 003 sockets store every string as `text`, as before.
        let named_type = frame.content_type.filter(|t| self.ext() && !t.is_empty());
        if named_type.as_ref().is_some_and(|t| t.len() > 64) {
            return Err(ApiError::invalid("contentType must be at most 64 bytes"));
        }
        let (content, content_type) = match frame.content {
            Value::String(s) => (s, named_type),
            Value::Null => return Err(ApiError::invalid("missing field `content`")),
            other => (other.to_string(), Some(JSON_CONTENT.to_string())),
        };
        // On an extension socket the server names a gid-less message up front, so the ACK
        // can name it even when the message is dropped.
        let gid = match frame.gid {
            None if self.ext() => Some(format!("srv-{}", crate::auth::new_token())),
            gid => gid,
        };
        let draft = Draft {
            gid: gid.clone(),
            content,
            content_type,
            ..Default::default()
        };
        let (target, policy) = match frame.kind {
            MessageKind::Unicast => {
                let to = frame
                    .receiver_id
                    .ok_or_else(|| ApiError::invalid("unicast needs `receiverId`"))?;
                (Target::User(to), DirectPolicy::FriendsOnly)
            }
            MessageKind::Multicast => {
                let group = frame
                    .group_id
                    .ok_or_else(|| ApiError::invalid("multicast needs `groupId`"))?;
                (Target::ChatId(group), DirectPolicy::NotBlocked)
            }
        };
        // Queued for the database writer, not awaited: the socket reads its next frame while
        // this one is stored, and the ACKs (or errors from storing) go out in frame order.
        let session = self.session.clone();
        let post = ops::Post {
            target,
            draft,
            policy,
        };
        app.link
            .submit(self.session.user, post, move |out| match out {
                Ok(posted) if session.dialect == Dialect::Sdk => {
                    let stored = posted.message();
                    session.send(Outbound::Frame(render::text(&AckFrame {
                        kind: AckType::Ack,
                        gid: stored.map(|m| m.gid.clone()).or(gid).unwrap_or_default(),
                        id: stored.map(|m| m.id),
                        timestamp: stored.map(|m| m.date),
                    })));
                }
                Ok(_) => {}
                Err(e) => error_frame(&session, e.status(), e.message, gid),
            })
            .await;
        Ok(())
    }

    /// Unregisters the socket; the user goes offline if it was their last session, which
    /// extension sockets are told.
    pub async fn close(&mut self, app: &AppState) {
        let user = self.session.user;
        if app.hub.unregister(user, self.session.id) {
            let _ = app.link.call(Some(user), ops::SocketClosed {}).await;
        }
    }
}

/// Sends an error frame on `session`, answering the frame with `gid` (extension sockets only
/// show it).
fn error_frame(session: &Session, code: u16, message: String, gid: Option<String>) {
    let mut frame = ErrorFrame::new(code, message);
    if session.dialect == Dialect::Sdk {
        frame.gid = gid;
    }
    session.send(Outbound::Frame(render::text(&frame)));
}
