//! Seed 003's socket: `{type: unicast|multicast, receiverId|groupId, content}` in, message
//! frames and notifications out. Direct messages reach only a friend who has not blocked the
//! sender; group messages skip members who blocked the sender; in both cases the sender is
//! not told (the seed's rule). A frame the server cannot accept gets an error frame
//! `{type: "ERROR", code, message}` and the socket stays open.

use serde_json::Value;
use tokio::sync::mpsc;

use chinwag_wire::module::{ClientFrame, ErrorFrame, MessageKind};

use crate::app::AppState;
use crate::error::ApiError;
use crate::hub::{Dialect, Outbound, Session};
use crate::render::{self, JSON_CONTENT};
use crate::service::{self, DirectPolicy, Draft, Target};
use crate::store::users;

/// One authenticated 003 socket.
pub struct ModuleConn {
    session: Session,
    tx: mpsc::Sender<Outbound>,
}

impl ModuleConn {
    /// Registers the socket of `user` and marks them online.
    pub async fn open(app: &AppState, user: i64, tx: mpsc::Sender<Outbound>) -> ModuleConn {
        let (session, _) = app.hub.register(user, Dialect::Module, tx.clone());
        let _ = app
            .db
            .call(move |conn| {
                if users::get(conn, user)?.status == "offline" {
                    users::set_status(conn, user, "online")?;
                }
                Ok(())
            })
            .await;
        ModuleConn { session, tx }
    }

    /// Sends an error frame.
    pub fn error(&self, code: u16, message: String) {
        let _ = self
            .tx
            .try_send(Outbound::Frame(render::text(&ErrorFrame::new(
                code, message,
            ))));
    }

    /// Handles one text frame.
    pub async fn on_text(&mut self, app: &AppState, text: &str) {
        if let Err(e) = self.handle(app, text).await {
            self.error(e.status(), e.message);
        }
    }

    async fn handle(&mut self, app: &AppState, text: &str) -> Result<(), ApiError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ApiError::invalid(format!("malformed JSON: {e}")))?;
        let frame: ClientFrame = serde_json::from_value(value)
            .map_err(|e| ApiError::invalid(format!("invalid frame: {e}")))?;
        let (content, content_type) = match frame.content {
            Value::String(s) => (s, None),
            Value::Null => return Err(ApiError::invalid("missing field `content`")),
            other => (other.to_string(), Some(JSON_CONTENT.to_string())),
        };
        let draft = Draft {
            gid: frame.gid,
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
        service::post_message(app, self.session.user, target, draft, policy).await?;
        Ok(())
    }

    /// Unregisters the socket; the user goes offline if it was their last session.
    pub async fn close(&mut self, app: &AppState) {
        let user = self.session.user;
        if app.hub.unregister(user, self.session.id) {
            let _ = app
                .db
                .call(move |conn| users::set_status(conn, user, "offline"))
                .await;
        }
    }
}
