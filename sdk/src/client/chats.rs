//! Chats, as xuanxuan keeps them (001 `getList`, `create`, `joinchat`, `changeName`, `star`,
//! `hide`, `changePublic`, `getPublicList`, `members`, `addmember`, `setAdmin`,
//! `setCommitters`, `history`), called through `/api/call`.

use std::sync::Arc;

use serde_json::{Value, json};

use chinwag_wire::xuanxuan::ChatMembers;

use super::{Inner, new_gid};
use crate::error::{Error, Result};
use crate::model::{Chat, HistoryPage, Message, User, UserId};

/// Chat list, creation, membership, flags, administration and history.
#[derive(Debug)]
pub struct Chats<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Chats<'_> {
    async fn call<T: serde::de::DeserializeOwned>(&self, method: &str, params: Value) -> Result<T> {
        Ok(self.inner.xuanxuan(method, params).await?.0)
    }

    /// The chats you are in, with your star/hide/mute flags and the members.
    pub async fn list(&self) -> Result<Vec<Chat>> {
        self.call("getList", json!({})).await
    }

    /// The one-to-one chat with `user` (created if it does not exist yet).
    pub async fn open_direct(&self, user: UserId) -> Result<Chat> {
        let me = self.inner.me()?;
        let gid = chinwag_wire::one2one_gid(me, user);
        self.call(
            "create",
            json!({"gid": gid, "name": "", "type": "one2one", "members": [me, user]}),
        )
        .await
    }

    /// A new group chat named `name` with you and `members`; `public` lets anyone find and
    /// join it.
    pub async fn create_group(&self, name: &str, members: &[UserId], public: bool) -> Result<Chat> {
        let me = self.inner.me()?;
        let mut all = vec![me];
        all.extend(members.iter().copied().filter(|m| *m != me));
        self.call(
            "create",
            json!({"gid": new_gid(), "name": name, "type": "group", "members": all, "public": public}),
        )
        .await
    }

    /// Joins the public chat `gid`.
    pub async fn join(&self, gid: &str) -> Result<()> {
        self.call::<Value>("joinchat", json!({"gid": gid, "join": true}))
            .await?;
        Ok(())
    }

    /// Leaves the chat `gid`.
    pub async fn leave(&self, gid: &str) -> Result<()> {
        self.call::<Value>("joinchat", json!({"gid": gid, "join": false}))
            .await?;
        Ok(())
    }

    /// Renames the chat `gid` (its owner or an administrator; not a one-to-one chat).
    pub async fn rename(&self, gid: &str, name: &str) -> Result<()> {
        self.call::<Value>("changeName", json!({"gid": gid, "name": name}))
            .await?;
        Ok(())
    }

    /// Stars or un-stars the chat `gid` (for you only).
    pub async fn star(&self, gid: &str, star: bool) -> Result<()> {
        self.call::<Value>("star", json!({"gid": gid, "star": star}))
            .await?;
        Ok(())
    }

    /// Hides or shows the chat `gid` in your list.
    pub async fn hide(&self, gid: &str, hide: bool) -> Result<()> {
        self.call::<Value>("hide", json!({"gid": gid, "hide": hide}))
            .await?;
        Ok(())
    }

    /// Mutes or un-mutes the chat `gid` (for you only).
    pub async fn mute(&self, gid: &str, mute: bool) -> Result<()> {
        self.call::<Value>("mute", json!({"gid": gid, "mute": mute}))
            .await?;
        Ok(())
    }

    /// Makes the chat `gid` public or private (administrators only).
    pub async fn set_public(&self, gid: &str, public: bool) -> Result<()> {
        self.call::<Value>("changePublic", json!({"gid": gid, "public": public}))
            .await?;
        Ok(())
    }

    /// Every public chat.
    pub async fn public_list(&self) -> Result<Vec<Chat>> {
        self.call("getPublicList", json!({})).await
    }

    /// The members of chat `gid`.
    pub async fn members(&self, gid: &str) -> Result<Vec<User>> {
        let lists: Vec<ChatMembers> = self.call("members", json!({"gid": gid})).await?;
        lists
            .into_iter()
            .next()
            .map(|l| l.members)
            .ok_or_else(|| Error::Server("members answered no list".into()))
    }

    /// Adds `members` to chat `gid`; returns the chat after the change. An administrator adds
    /// them at once; a plain member's call invites them instead (they join by accepting, see
    /// [`Requests`](super::Requests)), and the chat comes back unchanged.
    pub async fn add_members(&self, gid: &str, members: &[UserId]) -> Result<Chat> {
        self.call(
            "addmember",
            json!({"gid": gid, "members": members, "join": true}),
        )
        .await
    }

    /// Removes `members` from chat `gid` (administrators); returns the chat after the change.
    pub async fn remove_members(&self, gid: &str, members: &[UserId]) -> Result<Chat> {
        self.call(
            "addmember",
            json!({"gid": gid, "members": members, "join": false}),
        )
        .await
    }

    /// Makes `users` administrators of chat `gid` (`admin` false: no longer administrators);
    /// the owner only, and not on a one-to-one chat.
    pub async fn set_admins(&self, gid: &str, users: &[UserId], admin: bool) -> Result<Chat> {
        self.call(
            "setAdmin",
            json!({"gid": gid, "admins": users, "isAdmin": admin}),
        )
        .await
    }

    /// Restricts posting in chat `gid` to `users` (empty: everyone may post); administrators
    /// only, and not on a one-to-one chat.
    pub async fn set_committers(&self, gid: &str, users: &[UserId]) -> Result<Chat> {
        self.call("setCommitters", json!({"gid": gid, "committers": users}))
            .await
    }

    /// Page `page` (1 = newest) of `chat`'s history, `per_page` messages a page.
    pub async fn history(&self, chat: &Chat, page: u32, per_page: u32) -> Result<HistoryPage> {
        if page == 0 || per_page == 0 {
            return Err(Error::InvalidInput("page and per_page start at 1".into()));
        }
        let me = self.inner.me()?;
        let (messages, pager): (Vec<chinwag_wire::xuanxuan::Message>, _) = self
            .inner
            .xuanxuan(
                "history",
                json!({"gid": chat.gid, "recPerPage": per_page, "pageID": page}),
            )
            .await?;
        let pager = pager.unwrap_or_default();
        Ok(HistoryPage {
            messages: messages
                .into_iter()
                .map(|m| Message::from_history(m, chat, me))
                .collect(),
            page: pager.page_id.unwrap_or(page),
            per_page: pager.rec_per_page.unwrap_or(per_page),
            total: pager.rec_total.unwrap_or_default(),
            more: pager.continued.unwrap_or(false),
        })
    }
}
