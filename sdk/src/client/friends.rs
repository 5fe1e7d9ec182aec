//! Friends and blocks (the 003-style extension `/api/friend`, `/api/block`). Direct messages
//! reach only friends who have not blocked the sender.

use std::sync::Arc;

use chinwag_wire::module::{FriendStatus, UserRef};

use super::Inner;
use crate::error::{Error, Result};
use crate::model::UserId;
use crate::proto::rest::{Endpoint, Framing};

/// Ask, list, remove, block, unblock.
#[derive(Debug)]
pub struct Friends<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

fn ids(list: Vec<String>) -> Result<Vec<UserId>> {
    list.into_iter()
        .map(|s| {
            s.parse()
                .map_err(|_| Error::Server(format!("user id \"{s}\" is not a number")))
        })
        .collect()
}

impl Friends<'_> {
    /// Asks `user` to be friends; true once both have asked (you are friends now).
    pub async fn ask(&self, user: UserId) -> Result<bool> {
        let endpoint =
            Endpoint::new("POST", "/api/friend", Framing::Rest).json(&UserRef { user_id: user })?;
        let status: FriendStatus = self.inner.call(endpoint).await?;
        Ok(status.friends)
    }

    /// Your friends.
    pub async fn list(&self) -> Result<Vec<UserId>> {
        ids(self
            .inner
            .call(Endpoint::new("GET", "/api/friend", Framing::Rest))
            .await?)
    }

    /// Users who asked you and whom you have not asked back.
    pub async fn requests(&self) -> Result<Vec<UserId>> {
        ids(self
            .inner
            .call(Endpoint::new("GET", "/api/friend/requests", Framing::Rest))
            .await?)
    }

    /// Ends the friendship with `user` (or withdraws your request).
    pub async fn remove(&self, user: UserId) -> Result<()> {
        self.inner
            .call(Endpoint::new(
                "DELETE",
                format!("/api/friend/{user}"),
                Framing::Rest,
            ))
            .await
    }

    /// Blocks `user`: their messages no longer reach you.
    pub async fn block(&self, user: UserId) -> Result<()> {
        let endpoint =
            Endpoint::new("POST", "/api/block", Framing::Rest).json(&UserRef { user_id: user })?;
        self.inner.call(endpoint).await
    }

    /// Unblocks `user`.
    pub async fn unblock(&self, user: UserId) -> Result<()> {
        self.inner
            .call(Endpoint::new(
                "DELETE",
                format!("/api/block/{user}"),
                Framing::Rest,
            ))
            .await
    }

    /// The users you blocked.
    pub async fn blocked(&self) -> Result<Vec<UserId>> {
        ids(self
            .inner
            .call(Endpoint::new("GET", "/api/block", Framing::Rest))
            .await?)
    }
}
