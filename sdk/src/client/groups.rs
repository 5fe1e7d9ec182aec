//! Groups, as 003 manages them (`/api/group`, `/api/group/{groupId}`).

use std::sync::Arc;

use chinwag_wire::module::{GroupLeaveQuery, GroupNameRequest};

use super::Inner;
use crate::error::{Error, Result};
use crate::model::{ChatId, Group, UserId};
use crate::proto::rest::{Endpoint, Framing};

/// Create, rename, inspect, list, leave or dissolve groups, remove members.
#[derive(Debug)]
pub struct Groups<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Groups<'_> {
    /// Creates a group named `name` that you manage; returns its id.
    pub async fn create(&self, name: &str) -> Result<ChatId> {
        let endpoint = Endpoint::new("POST", "/api/group", Framing::Rest)
            .json(&GroupNameRequest { name: name.into() })?;
        let id: String = self.inner.call(endpoint).await?;
        id.parse()
            .map_err(|_| Error::Server(format!("group id \"{id}\" is not a number")))
    }

    /// The groups you are in.
    pub async fn list(&self) -> Result<Vec<Group>> {
        self.inner
            .call(Endpoint::new("GET", "/api/group", Framing::Rest))
            .await
    }

    /// Group `id`: name, manager, members.
    pub async fn info(&self, id: ChatId) -> Result<Group> {
        self.inner
            .call(Endpoint::new(
                "GET",
                format!("/api/group/{id}"),
                Framing::Rest,
            ))
            .await
    }

    /// Renames group `id` (its owner or an administrator; the same server rule as
    /// [`Chats::rename`](super::Chats::rename), which names the chat by gid).
    pub async fn rename(&self, id: ChatId, name: &str) -> Result<()> {
        let endpoint = Endpoint::new("PUT", format!("/api/group/{id}"), Framing::Rest)
            .json(&GroupNameRequest { name: name.into() })?;
        self.inner.call(endpoint).await
    }

    /// Leaves group `id`; if you own it (its manager), it is dissolved.
    pub async fn leave(&self, id: ChatId) -> Result<()> {
        self.inner
            .call(Endpoint::new(
                "DELETE",
                format!("/api/group/{id}"),
                Framing::Rest,
            ))
            .await
    }

    /// Removes `user` from group `id` (its owner or an administrator; only the owner removes an
    /// administrator, and nobody removes the owner).
    pub async fn remove_member(&self, id: ChatId, user: UserId) -> Result<()> {
        let endpoint = Endpoint::new("DELETE", format!("/api/group/{id}"), Framing::Rest).query(
            &GroupLeaveQuery {
                user_id: Some(user),
            },
        )?;
        self.inner.call(endpoint).await
    }
}
