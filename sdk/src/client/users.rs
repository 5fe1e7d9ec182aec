//! Users: look-up (002 `/user/info`), the directory, profile, status and settings (xuanxuan
//! `userGetList`, `userChange`, `userChangeStatus`, `settings` through `/api/call`).

use std::sync::Arc;

use serde_json::Value;

use chinwag_wire::room::NameRequest;
use chinwag_wire::xuanxuan::{NoParams, SettingsParams, UserChangeStatusParams};

use super::Inner;
use crate::error::{Error, Result};
use crate::model::{User, UserInfo, UserPatch};
use crate::proto::rest::{Endpoint, Framing};

/// Look-up, directory, profile, status, settings.
#[derive(Debug)]
pub struct Users<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Users<'_> {
    /// The user with account `name`.
    pub async fn info(&self, name: &str) -> Result<UserInfo> {
        let endpoint =
            Endpoint::new("POST", "/user/info", Framing::Envelope).json(&NameRequest {
                name: Some(name.into()),
            })?;
        self.inner.call(endpoint).await
    }

    /// Every user. They are kept (in the client's store too, if it has one) for
    /// [`Users::cached`].
    pub async fn list(&self) -> Result<Vec<User>> {
        let users: Vec<User> = self.inner.xuanxuan("userGetList", NoParams {}).await?.0;
        self.keep(users.clone()).await;
        Ok(users)
    }

    /// The users seen — listed, or met in a profile change — as last seen, by id; at once and
    /// offline too (after a restart on a store, the ones the last run saw). Statuses follow
    /// the presence events.
    pub fn cached(&self) -> Vec<User> {
        self.inner.state().users.values().cloned().collect()
    }

    /// Keeps `users`, here and in the store.
    async fn keep(&self, users: Vec<User>) {
        let changes = self.inner.state().keep_users(users);
        self.inner.persist(changes, 0).await;
    }

    /// The user with id `id`.
    pub async fn get(&self, id: i64) -> Result<User> {
        self.list()
            .await?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| Error::NotFound(format!("no user with id {id}")))
    }

    /// Changes your profile (the fields that are `Some`); returns it after the change.
    pub async fn update_profile(&self, patch: UserPatch) -> Result<User> {
        let user: User = self.inner.xuanxuan("userChange", patch).await?.0;
        self.keep(vec![user.clone()]).await;
        Ok(user)
    }

    /// Sets your status: `online`, `away`, `busy` or `offline`.
    pub async fn set_status(&self, status: &str) -> Result<()> {
        self.inner
            .xuanxuan::<Value, _>(
                "userChangeStatus",
                UserChangeStatusParams {
                    status: status.into(),
                },
            )
            .await?;
        Ok(())
    }

    /// Your client settings, as JSON text (`{}` if never set).
    pub async fn settings(&self) -> Result<String> {
        let (value, _): (Value, _) = self
            .inner
            .xuanxuan("settings", SettingsParams::default())
            .await?;
        Ok(match value {
            Value::Null => "{}".into(),
            Value::String(s) if s.is_empty() => "{}".into(),
            other => other.to_string(),
        })
    }

    /// Replaces your client settings with the JSON document `settings`.
    pub async fn set_settings(&self, settings: &str) -> Result<()> {
        let value: Value = serde_json::from_str(settings)
            .map_err(|e| Error::InvalidInput(format!("settings must be JSON: {e}")))?;
        self.inner
            .xuanxuan::<Value, _>(
                "settings",
                SettingsParams {
                    account: None,
                    settings: value,
                },
            )
            .await?;
        Ok(())
    }
}
