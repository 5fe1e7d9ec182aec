//! Accounts and sessions (002's `/register`, `/login`, `/logout`).

use std::sync::Arc;

use futures::channel::oneshot;

use chinwag_wire::room::{LoginData, LoginRequest, RegisterData, RegisterRequest};

use super::Inner;
use crate::error::{Error, Result};
use crate::model::{Session, UserId};
use crate::proto::rest::{Endpoint, Framing};

/// Register, log in, log out, restore a saved session.
#[derive(Debug)]
pub struct Auth<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Auth<'_> {
    /// Creates an account; returns the new user's id. Does not log in.
    pub async fn register(&self, name: &str, password: &str) -> Result<UserId> {
        let body = RegisterRequest {
            name: name.into(),
            password: password.into(),
            password_repete: password.into(),
        };
        let endpoint = Endpoint::new("POST", "/register", Framing::Envelope).json(&body)?;
        let (data, _): (RegisterData, _) = self.inner.call_as(endpoint, None).await?;
        Ok(data.id)
    }

    /// Logs in and connects: from here on messages arrive as events and sends go out. Returns
    /// once the first attempt to connect has settled, so no live event (a chat created, a
    /// presence change) is missed between login and the socket; if that attempt failed the
    /// session is still returned and the client keeps reconnecting (see
    /// [`ConnectionState`](crate::ConnectionState)).
    pub async fn login(&self, name: &str, password: &str) -> Result<Session> {
        let body = LoginRequest {
            name: name.into(),
            password: password.into(),
        };
        let endpoint = Endpoint::new("POST", "/login", Framing::Envelope).json(&body)?;
        let (data, _): (LoginData, _) = self.inner.call_as(endpoint, None).await?;
        let session = Session {
            token: data.token,
            user_id: data.id,
            name: if data.name.is_empty() {
                name.to_string()
            } else {
                data.name
            },
            cursor: None,
        };
        self.begin(session.clone()).await?;
        Ok(session)
    }

    /// Resumes a saved session without the password: checks the token with the server, then
    /// connects and continues after `session.cursor`. [`Error::Auth`] if the token was revoked.
    pub async fn restore(&self, session: Session) -> Result<()> {
        let probe = Endpoint::new("GET", "/api/friend", Framing::Rest);
        self.inner
            .call_as::<Vec<String>>(probe, Some(&session.token))
            .await?;
        self.begin(session).await
    }

    /// Logs out: the server revokes the token, the connection ends, waiting sends fail.
    pub async fn logout(&self) -> Result<()> {
        let token = self.inner.require_token()?;
        let endpoint = Endpoint::new("POST", "/logout", Framing::Envelope);
        let result = self
            .inner
            .call_as::<serde_json::Value>(endpoint, Some(&token))
            .await;
        self.inner.shut_down(Some(Error::Auth("logged out".into())));
        self.inner.state().forget_session();
        self.inner.flush_store().await;
        result.map(|_| ())
    }

    /// Makes `session` current and connects; returns once the first attempt to connect has
    /// settled, so live events flow from then on (if it failed, the client keeps retrying).
    async fn begin(&self, session: Session) -> Result<()> {
        {
            let mut state = self.inner.state();
            if state.closed {
                return Err(Error::Closed);
            }
            let same_user = state.session.as_ref().map(|s| s.user_id) == Some(session.user_id);
            if !same_user && state.session.is_some() {
                // The sends waiting are the other user's: they must not go out as this one.
                state
                    .machine
                    .stop(Error::Auth("another user logged in on this client".into()));
                state.publish();
                state.forget_chats();
            }
            if !same_user || session.cursor.is_some() {
                state.machine.resume_from(session.cursor);
            }
            state.session = Some(session);
            state.store_session();
        }
        let (settled, first_attempt) = oneshot::channel();
        self.inner.start(settled);
        let _ = first_attempt.await;
        Ok(())
    }
}
