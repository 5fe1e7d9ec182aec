//! Chats, as xuanxuan keeps them (001 `getList`, `create`, `joinchat`, `changeName`, `star`,
//! `hide`, `changePublic`, `getPublicList`, `members`, `addmember`, `setAdmin`,
//! `setCommitters`, `history`), called through `/api/call`.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use chinwag_wire::xuanxuan::{
    AddMemberParams, ChangeNameParams, ChatFlagParams, ChatMembers, CreateParams, HistoryParams,
    NoParams, SetAdminParams, SetCommittersParams,
};

use super::{Inner, new_gid};
use crate::error::{Error, Result};
use crate::model::{Chat, HistoryPage, Message, User, UserId};

/// Chat list, creation, membership, flags, administration and history.
#[derive(Debug)]
pub struct Chats<'a> {
    pub(super) inner: &'a Arc<Inner>,
}

impl Chats<'_> {
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: impl Serialize,
    ) -> Result<T> {
        Ok(self.inner.xuanxuan(method, params).await?.0)
    }

    /// Calls a method whose answer the SDK does not need.
    async fn act(&self, method: &str, params: impl Serialize) -> Result<()> {
        self.call::<Value>(method, params).await.map(|_| ())
    }

    /// The chats you are in, with your star/hide/mute flags and the members. The list is
    /// kept (in the client's store too, if it has one) for [`Chats::cached`].
    pub async fn list(&self) -> Result<Vec<Chat>> {
        let chats: Vec<Chat> = self.call("getList", NoParams {}).await?;
        // Straight to the store: the driver's pending work (sends to store before they are
        // written) is not this call's to flush.
        let changes = self.inner.state().keep_chats(chats.clone());
        self.inner.persist(changes, 0).await;
        Ok(chats)
    }

    /// The chat list as last fetched by [`Chats::list`], at once and offline too: after a
    /// restart on a store, the list the last run fetched. Empty if none was fetched.
    pub fn cached(&self) -> Vec<Chat> {
        self.inner.state().chats.clone()
    }

    /// The one-to-one chat with `user` (created if it does not exist yet).
    pub async fn open_direct(&self, user: UserId) -> Result<Chat> {
        let me = self.inner.me()?;
        let gid = chinwag_wire::one2one_gid(me, user);
        let params = CreateParams {
            gid: Some(gid),
            name: Some(String::new()),
            kind: Some("one2one".into()),
            members: vec![me, user],
            ..CreateParams::default()
        };
        self.call("create", params).await
    }

    /// A new group chat named `name` with you and `members`; `public` lets anyone find and
    /// join it.
    pub async fn create_group(&self, name: &str, members: &[UserId], public: bool) -> Result<Chat> {
        let me = self.inner.me()?;
        let mut all = vec![me];
        all.extend(members.iter().copied().filter(|m| *m != me));
        let params = CreateParams {
            gid: Some(new_gid()),
            name: Some(name.into()),
            kind: Some("group".into()),
            members: all,
            public: Some(public),
            ..CreateParams::default()
        };
        self.call("create", params).await
    }

    /// Joins the public chat `gid`.
    pub async fn join(&self, gid: &str) -> Result<()> {
        self.act("joinchat", flag(gid, Some(true))).await
    }

    /// Leaves the chat `gid`.
    pub async fn leave(&self, gid: &str) -> Result<()> {
        self.act("joinchat", flag(gid, Some(false))).await
    }

    /// Renames the chat `gid` (its owner or an administrator; not a one-to-one chat).
    pub async fn rename(&self, gid: &str, name: &str) -> Result<()> {
        let params = ChangeNameParams {
            gid: gid.into(),
            name: name.into(),
        };
        self.act("changeName", params).await
    }

    /// Stars or un-stars the chat `gid` (for you only).
    pub async fn star(&self, gid: &str, star: bool) -> Result<()> {
        self.act("star", flag(gid, Some(star))).await
    }

    /// Hides or shows the chat `gid` in your list.
    pub async fn hide(&self, gid: &str, hide: bool) -> Result<()> {
        self.act("hide", flag(gid, Some(hide))).await
    }

    /// Mutes or un-mutes the chat `gid` (for you only).
    pub async fn mute(&self, gid: &str, mute: bool) -> Result<()> {
        self.act("mute", flag(gid, Some(mute))).await
    }

    /// Makes the chat `gid` public or private (administrators only).
    pub async fn set_public(&self, gid: &str, public: bool) -> Result<()> {
        self.act("changePublic", flag(gid, Some(public))).await
    }

    /// Every public chat.
    pub async fn public_list(&self) -> Result<Vec<Chat>> {
        self.call("getPublicList", NoParams {}).await
    }

    /// The members of chat `gid`.
    pub async fn members(&self, gid: &str) -> Result<Vec<User>> {
        let lists: Vec<ChatMembers> = self.call("members", flag(gid, None)).await?;
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
        self.call("addmember", membership(gid, members, true)).await
    }

    /// Removes `members` from chat `gid` (administrators); returns the chat after the change.
    pub async fn remove_members(&self, gid: &str, members: &[UserId]) -> Result<Chat> {
        self.call("addmember", membership(gid, members, false))
            .await
    }

    /// Makes `users` administrators of chat `gid` (`admin` false: no longer administrators);
    /// the owner only, and not on a one-to-one chat.
    pub async fn set_admins(&self, gid: &str, users: &[UserId], admin: bool) -> Result<Chat> {
        let params = SetAdminParams {
            gid: gid.into(),
            admins: users.to_vec(),
            is_admin: Some(admin),
        };
        self.call("setAdmin", params).await
    }

    /// Restricts posting in chat `gid` to `users` (empty: everyone may post); administrators
    /// only, and not on a one-to-one chat.
    pub async fn set_committers(&self, gid: &str, users: &[UserId]) -> Result<Chat> {
        let params = SetCommittersParams {
            gid: gid.into(),
            committers: users.to_vec(),
        };
        self.call("setCommitters", params).await
    }

    /// Page `page` (1 = newest) of `chat`'s history, `per_page` messages a page. The
    /// messages also go into the conversation the client keeps ([`super::Messages::recent`],
    /// up to its `message_cache` latest; in the store too): a fresh install shows a chat's
    /// recent history offline once it was fetched. They do not count as unread.
    pub async fn history(&self, chat: &Chat, page: u32, per_page: u32) -> Result<HistoryPage> {
        if page == 0 || per_page == 0 {
            return Err(Error::InvalidInput("page and per_page start at 1".into()));
        }
        let me = self.inner.me()?;
        let (messages, pager): (Vec<chinwag_wire::xuanxuan::Message>, _) = self
            .inner
            .xuanxuan(
                "history",
                HistoryParams {
                    gid: chat.gid.clone(),
                    rec_per_page: Some(per_page),
                    page_id: Some(page),
                    ..HistoryParams::default()
                },
            )
            .await?;
        let pager = pager.unwrap_or_default();
        let messages: Vec<Message> = messages
            .into_iter()
            .map(|m| Message::from_history(m, chat, me))
            .collect();
        let changes = self.inner.state().keep_history(&messages);
        // Straight to the store, as the chat list.
        self.inner.persist(changes, 0).await;
        Ok(HistoryPage {
            messages,
            page: pager.page_id.unwrap_or(page),
            per_page: pager.rec_per_page.unwrap_or(per_page),
            total: pager.rec_total.unwrap_or_default(),
            more: pager.continued.unwrap_or(false),
        })
    }
}

/// Params naming chat `gid` with the method's flag (`join`, `star`, …).
fn flag(gid: &str, flag: Option<bool>) -> ChatFlagParams {
    ChatFlagParams {
        gid: gid.into(),
        flag,
    }
}

/// `addmember` params: add (`join`) or remove `members`.
fn membership(gid: &str, members: &[UserId], join: bool) -> AddMemberParams {
    AddMemberParams {
        gid: gid.into(),
        members: members.to_vec(),
        join: Some(join),
    }
}
