//! Group invitations, as 003 handles them (`/api/request`, `/api/request/{requestId}`).

use std::sync::Arc;

use chinwag_wire::module::InviteRequest;

use super::Inner;
use crate::error::Result;
use crate::model::{ChatId, GroupRequest, UserId};
use crate::proto::rest::{Endpoint, Framing};

/// Invite, list, accept, decline.
#[derive(Debug)]
pub struct Requests<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Requests<'_> {
    /// Invites `user` into `group` (you must be a member).
    pub async fn invite(&self, group: ChatId, user: UserId) -> Result<()> {
        let body = InviteRequest {
            group_id: group,
            user_id: user,
        };
        let endpoint = Endpoint::new("POST", "/api/request", Framing::Rest).json(&body)?;
        self.inner.call(endpoint).await
    }

    /// Invitations waiting for you.
    pub async fn list(&self) -> Result<Vec<GroupRequest>> {
        self.inner
            .call(Endpoint::new("GET", "/api/request", Framing::Rest))
            .await
    }

    /// Accepts invitation `id`: you join its group.
    pub async fn accept(&self, id: i64) -> Result<()> {
        self.inner
            .call(Endpoint::new(
                "PUT",
                format!("/api/request/{id}"),
                Framing::Rest,
            ))
            .await
    }

    /// Declines invitation `id`.
    pub async fn decline(&self, id: i64) -> Result<()> {
        self.inner
            .call(Endpoint::new(
                "DELETE",
                format!("/api/request/{id}"),
                Framing::Rest,
            ))
            .await
    }
}
