//! `ChinwagClient` for JavaScript: one Promise-returning method per SDK operation.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use futures::future::AbortHandle;
use js_sys::{Function, Object, Promise, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use chinwag::store::IndexedDbStore;
use chinwag::{Chat, Client, ClientOptions, Content, Session, Target, UserPatch};

use crate::convert::{from_js, promise, rejected, sdk_error, to_id, to_js};
use crate::events::{EventStream, listen};

/// A chat client: one per logged-in user. Every network method returns a Promise that
/// rejects with a `ChinwagError`.
#[wasm_bindgen]
pub struct ChinwagClient {
    client: Client,
    listener: RefCell<Option<AbortHandle>>,
}

/// Reads `value` as `T`, or returns a rejected Promise from the method.
macro_rules! arg {
    ($value:expr, $what:literal) => {
        match from_js($value, $what) {
            Ok(v) => v,
            Err(e) => return rejected(e),
        }
    };
}

/// Reads an id, or returns a rejected Promise from the method.
macro_rules! id_arg {
    ($value:expr, $what:literal) => {
        match to_id($value, $what) {
            Ok(v) => v,
            Err(e) => return rejected(e),
        }
    };
}

impl ChinwagClient {
    fn wrap(client: Client) -> ChinwagClient {
        ChinwagClient {
            client,
            listener: RefCell::new(None),
        }
    }

    /// Runs `call` on a handle to the SDK client; a Promise of its result.
    fn call<T, F>(&self, call: impl FnOnce(Client) -> F) -> Promise
    where
        T: Serialize,
        F: Future<Output = chinwag::Result<T>> + 'static,
    {
        promise(call(self.client.clone()))
    }
}

#[wasm_bindgen]
impl ChinwagClient {
    /// A client for the server at `serverUrl` (`http://host:port` or `https://…`). Nothing is
    /// sent until you log in. Throws a `ChinwagError` (`invalid_input`) for a bad URL or
    /// options.
    /// A client with a store (`store_name`) is made by `ChinwagClient.open`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = "serverUrl")] server_url: String,
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: Option<Object>,
    ) -> Result<ChinwagClient, JsValue> {
        let options: ClientOptions = match options {
            Some(o) => from_js(o.into(), "options")?,
            None => ClientOptions::default(),
        };
        let builder = options
            .apply(Client::builder(server_url))
            .map_err(sdk_error)?;
        let client = builder.build().map_err(sdk_error)?;
        Ok(ChinwagClient::wrap(client))
    }

    /// A client for the server at `serverUrl`, as the constructor makes it — and, with
    /// `store_name`, keeping its session, unacknowledged sends and conversations in the
    /// IndexedDB database of that name: a client opened on it again (after a reload) resumes
    /// the session with no login, shows what it kept at once (offline too), and sends the
    /// waiting messages once. Rejects with `store` if another client (of any tab) holds the
    /// database, or it is another server's, not a Chinwag store, or from a newer SDK.
    #[wasm_bindgen(unchecked_return_type = "Promise<ChinwagClient>")]
    pub fn open(
        #[wasm_bindgen(js_name = "serverUrl")] server_url: String,
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: Option<Object>,
    ) -> Promise {
        let mut options: ClientOptions = match options {
            Some(o) => arg!(o.into(), "options"),
            None => ClientOptions::default(),
        };
        let name = options.store_name.take();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut builder = options
                .apply(Client::builder(server_url))
                .map_err(sdk_error)?;
            if let Some(name) = name {
                let server = builder.server().to_string();
                let store = IndexedDbStore::open(&name, &server)
                    .await
                    .map_err(|e| sdk_error(e.into()))?;
                // The builder takes an `Arc` on every target; a page has one thread.
                #[allow(clippy::arc_with_non_send_sync)]
                let store = Arc::new(store);
                builder = builder.store(store);
            }
            let client = builder.build_async().await.map_err(sdk_error)?;
            Ok(ChinwagClient::wrap(client).into())
        })
    }

    /// Calls `listener` with every event from now on (replacing any earlier listener).
    #[wasm_bindgen(js_name = "onEvent")]
    pub fn on_event(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EventListener")] listener: Function,
    ) {
        let handle = listen(self.client.events(), listener);
        if let Some(previous) = self.listener.borrow_mut().replace(handle) {
            previous.abort();
        }
    }

    /// The events from now on as an async iterator: `for await (const e of client.events())`.
    pub fn events(&self) -> EventStream {
        EventStream::new(self.client.events())
    }

    /// The session, if logged in; save it to `restore` later.
    #[wasm_bindgen(unchecked_return_type = "Session | undefined")]
    pub fn session(&self) -> Result<JsValue, JsValue> {
        match self.client.session() {
            Some(s) => to_js(&s),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The logged-in user's id.
    #[wasm_bindgen(js_name = "userId")]
    pub fn user_id(&self) -> Option<f64> {
        self.client.user_id().map(|id| id as f64)
    }

    /// The connection state.
    #[wasm_bindgen(js_name = "connectionState", unchecked_return_type = "ConnectionState")]
    pub fn connection_state(&self) -> Result<JsValue, JsValue> {
        to_js(&self.client.connection_state())
    }

    /// Gids of sent messages the server has not acknowledged yet.
    #[wasm_bindgen(js_name = "pendingSends")]
    pub fn pending_sends(&self) -> Vec<String> {
        self.client.pending_sends()
    }

    /// Drops your message `gid` if the server has not stored it — a failed one, or a waiting
    /// send not written yet (never sent) — from its conversation. False: no such message;
    /// throws `invalid_input` if it is already on its way.
    #[wasm_bindgen(js_name = "discardSend")]
    pub fn discard_send(&self, gid: &str) -> Result<bool, JsValue> {
        self.client.messages().discard(gid).map_err(sdk_error)
    }

    /// Sends your failed message `gid` again with the same gid; it turns pending. Rejects
    /// with `not_found` if no failed message has that gid, `invalid_input` if it is still
    /// pending.
    #[wasm_bindgen(js_name = "retrySend", unchecked_return_type = "Promise<SentMessage>")]
    pub fn retry_send(&self, gid: &str) -> Promise {
        match self.client.messages().retry(gid) {
            Ok(receipt) => self.call(|_| receipt),
            Err(e) => rejected(sdk_error(e)),
        }
    }

    /// The latest messages of the conversation with `target`, oldest first, at once and
    /// offline too: received ones and yours — sent, pending or failed (local echo).
    #[wasm_bindgen(js_name = "recentMessages", unchecked_return_type = "LocalMessage[]")]
    pub fn recent_messages(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    ) -> Result<JsValue, JsValue> {
        let target: Target = from_js(target, "target")?;
        to_js(&self.client.messages().recent(target))
    }

    /// Your messages the server has not stored, pending or failed, oldest first.
    #[wasm_bindgen(js_name = "unsentMessages", unchecked_return_type = "LocalMessage[]")]
    pub fn unsent_messages(&self) -> Result<JsValue, JsValue> {
        to_js(&self.client.messages().unsent())
    }

    /// Messages from others in the conversation with `target` since it was marked read.
    #[wasm_bindgen(js_name = "unreadCount")]
    pub fn unread_count(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    ) -> Result<u32, JsValue> {
        let target: Target = from_js(target, "target")?;
        Ok(self.client.messages().unread(target))
    }

    /// Marks the conversation with `target` read.
    #[wasm_bindgen(js_name = "markRead")]
    pub fn mark_read(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    ) -> Result<(), JsValue> {
        let target: Target = from_js(target, "target")?;
        self.client.messages().mark_read(target);
        Ok(())
    }

    /// Shuts the client down: the connection ends, waiting sends fail with `closed`, event
    /// streams end. The session stays valid on the server.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn shutdown(&self) -> Promise {
        self.call(|c| async move {
            c.close().await;
            Ok(())
        })
    }

    // auth

    /// Registers account `name`; resolves to the new user's id. Does not log in.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn register(&self, name: String, password: String) -> Promise {
        self.call(|c| async move { c.auth().register(&name, &password).await })
    }

    /// Logs in and connects; resolves once the socket is up (or its first attempt failed).
    #[wasm_bindgen(unchecked_return_type = "Promise<Session>")]
    pub fn login(&self, name: String, password: String) -> Promise {
        self.call(|c| async move { c.auth().login(&name, &password).await })
    }

    /// Resumes a saved session without the password, then connects.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn restore(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Session")] session: JsValue,
    ) -> Promise {
        let session: Session = arg!(session, "session");
        self.call(|c| async move { c.auth().restore(session).await })
    }

    /// Logs out: the server revokes the session and the connection closes.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        self.call(|c| async move { c.auth().logout().await })
    }

    // users

    /// The user with account `name`.
    #[wasm_bindgen(js_name = "userInfo", unchecked_return_type = "Promise<UserInfo>")]
    pub fn user_info(&self, name: String) -> Promise {
        self.call(|c| async move { c.users().info(&name).await })
    }

    /// Every user.
    #[wasm_bindgen(unchecked_return_type = "Promise<User[]>")]
    pub fn users(&self) -> Promise {
        self.call(|c| async move { c.users().list().await })
    }

    /// The users seen (listed, or met in a profile change), at once.
    #[wasm_bindgen(js_name = "cachedUsers", unchecked_return_type = "User[]")]
    pub fn cached_users(&self) -> Result<JsValue, JsValue> {
        to_js(&self.client.users().cached())
    }

    /// The user with id `id`.
    #[wasm_bindgen(unchecked_return_type = "Promise<User>")]
    pub fn user(&self, id: f64) -> Promise {
        let id = id_arg!(id, "id");
        self.call(|c| async move { c.users().get(id).await })
    }

    /// Changes your profile (the fields that are set); resolves to it after the change.
    #[wasm_bindgen(js_name = "updateProfile", unchecked_return_type = "Promise<User>")]
    pub fn update_profile(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UserPatch")] patch: JsValue,
    ) -> Promise {
        let patch: UserPatch = arg!(patch, "patch");
        self.call(|c| async move { c.users().update_profile(patch).await })
    }

    /// Sets your status: `online`, `away`, `busy` or `offline`.
    #[wasm_bindgen(js_name = "setStatus", unchecked_return_type = "Promise<void>")]
    pub fn set_status(&self, status: String) -> Promise {
        self.call(|c| async move { c.users().set_status(&status).await })
    }

    /// Your client settings, as JSON text.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn settings(&self) -> Promise {
        self.call(|c| async move { c.users().settings().await })
    }

    /// Replaces your client settings with the JSON document `settings`.
    #[wasm_bindgen(js_name = "setSettings", unchecked_return_type = "Promise<void>")]
    pub fn set_settings(&self, settings: String) -> Promise {
        self.call(|c| async move { c.users().set_settings(&settings).await })
    }

    // chats

    /// The chats you are in.
    #[wasm_bindgen(unchecked_return_type = "Promise<Chat[]>")]
    pub fn chats(&self) -> Promise {
        self.call(|c| async move { c.chats().list().await })
    }

    /// The chat list as last fetched by `chats()`, at once.
    #[wasm_bindgen(js_name = "cachedChats", unchecked_return_type = "Chat[]")]
    pub fn cached_chats(&self) -> Result<JsValue, JsValue> {
        to_js(&self.client.chats().cached())
    }

    /// The one-to-one chat with `user`, created if needed.
    #[wasm_bindgen(js_name = "openDirect", unchecked_return_type = "Promise<Chat>")]
    pub fn open_direct(&self, user: f64) -> Promise {
        let user = id_arg!(user, "user");
        self.call(|c| async move { c.chats().open_direct(user).await })
    }

    /// A new group chat with you and `members`.
    #[wasm_bindgen(js_name = "createGroupChat", unchecked_return_type = "Promise<Chat>")]
    pub fn create_group_chat(
        &self,
        name: String,
        #[wasm_bindgen(unchecked_param_type = "number[]")] members: JsValue,
        public: bool,
    ) -> Promise {
        let members: Vec<i64> = arg!(members, "members");
        self.call(|c| async move { c.chats().create_group(&name, &members, public).await })
    }

    /// Joins the public chat `gid`.
    #[wasm_bindgen(js_name = "joinChat", unchecked_return_type = "Promise<void>")]
    pub fn join_chat(&self, gid: String) -> Promise {
        self.call(|c| async move { c.chats().join(&gid).await })
    }

    /// Leaves the chat `gid`.
    #[wasm_bindgen(js_name = "leaveChat", unchecked_return_type = "Promise<void>")]
    pub fn leave_chat(&self, gid: String) -> Promise {
        self.call(|c| async move { c.chats().leave(&gid).await })
    }

    /// Renames the chat `gid`.
    #[wasm_bindgen(js_name = "renameChat", unchecked_return_type = "Promise<void>")]
    pub fn rename_chat(&self, gid: String, name: String) -> Promise {
        self.call(|c| async move { c.chats().rename(&gid, &name).await })
    }

    /// Stars or un-stars the chat `gid` (for you).
    #[wasm_bindgen(js_name = "starChat", unchecked_return_type = "Promise<void>")]
    pub fn star_chat(&self, gid: String, on: bool) -> Promise {
        self.call(|c| async move { c.chats().star(&gid, on).await })
    }

    /// Hides or shows the chat `gid` in your list.
    #[wasm_bindgen(js_name = "hideChat", unchecked_return_type = "Promise<void>")]
    pub fn hide_chat(&self, gid: String, on: bool) -> Promise {
        self.call(|c| async move { c.chats().hide(&gid, on).await })
    }

    /// Mutes or un-mutes the chat `gid` (for you).
    #[wasm_bindgen(js_name = "muteChat", unchecked_return_type = "Promise<void>")]
    pub fn mute_chat(&self, gid: String, on: bool) -> Promise {
        self.call(|c| async move { c.chats().mute(&gid, on).await })
    }

    /// Makes the chat `gid` public or private (administrators only).
    #[wasm_bindgen(js_name = "setChatPublic", unchecked_return_type = "Promise<void>")]
    pub fn set_chat_public(&self, gid: String, on: bool) -> Promise {
        self.call(|c| async move { c.chats().set_public(&gid, on).await })
    }

    /// Every public chat.
    #[wasm_bindgen(js_name = "publicChats", unchecked_return_type = "Promise<Chat[]>")]
    pub fn public_chats(&self) -> Promise {
        self.call(|c| async move { c.chats().public_list().await })
    }

    /// The members of chat `gid`.
    #[wasm_bindgen(js_name = "chatMembers", unchecked_return_type = "Promise<User[]>")]
    pub fn chat_members(&self, gid: String) -> Promise {
        self.call(|c| async move { c.chats().members(&gid).await })
    }

    /// Adds `users` to chat `gid`.
    #[wasm_bindgen(js_name = "addMembers", unchecked_return_type = "Promise<Chat>")]
    pub fn add_members(
        &self,
        gid: String,
        #[wasm_bindgen(unchecked_param_type = "number[]")] users: JsValue,
    ) -> Promise {
        let users: Vec<i64> = arg!(users, "users");
        self.call(|c| async move { c.chats().add_members(&gid, &users).await })
    }

    /// Removes `users` from chat `gid`.
    #[wasm_bindgen(js_name = "removeMembers", unchecked_return_type = "Promise<Chat>")]
    pub fn remove_members(
        &self,
        gid: String,
        #[wasm_bindgen(unchecked_param_type = "number[]")] users: JsValue,
    ) -> Promise {
        let users: Vec<i64> = arg!(users, "users");
        self.call(|c| async move { c.chats().remove_members(&gid, &users).await })
    }

    /// Makes `users` administrators of chat `gid` (or no longer, with `admin` false).
    #[wasm_bindgen(js_name = "setAdmins", unchecked_return_type = "Promise<Chat>")]
    pub fn set_admins(
        &self,
        gid: String,
        #[wasm_bindgen(unchecked_param_type = "number[]")] users: JsValue,
        admin: bool,
    ) -> Promise {
        let users: Vec<i64> = arg!(users, "users");
        self.call(|c| async move { c.chats().set_admins(&gid, &users, admin).await })
    }

    /// Restricts posting in chat `gid` to `users` (empty: everyone).
    #[wasm_bindgen(js_name = "setCommitters", unchecked_return_type = "Promise<Chat>")]
    pub fn set_committers(
        &self,
        gid: String,
        #[wasm_bindgen(unchecked_param_type = "number[]")] users: JsValue,
    ) -> Promise {
        let users: Vec<i64> = arg!(users, "users");
        self.call(|c| async move { c.chats().set_committers(&gid, &users).await })
    }

    /// Page `page` (1 = newest) of `chat`'s history, each page oldest first.
    #[wasm_bindgen(unchecked_return_type = "Promise<HistoryPage>")]
    pub fn history(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Chat")] chat: JsValue,
        page: u32,
        #[wasm_bindgen(js_name = "perPage")] per_page: u32,
    ) -> Promise {
        let chat: Chat = arg!(chat, "chat");
        self.call(|c| async move { c.chats().history(&chat, page, per_page).await })
    }

    // messages

    /// Sends `content` to `target` and resolves once the server stored it; it waits in the
    /// outbox while offline and is resent after a broken connection, arriving exactly once.
    #[wasm_bindgen(unchecked_return_type = "Promise<SentMessage>")]
    pub fn send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Content")] content: JsValue,
    ) -> Promise {
        let target: Target = arg!(target, "target");
        let content: Content = arg!(content, "content");
        self.call(|c| async move { c.messages().send(target, content).await })
    }

    /// Sends text to `target`; see `send`.
    #[wasm_bindgen(js_name = "sendText", unchecked_return_type = "Promise<SentMessage>")]
    pub fn send_text(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        text: String,
    ) -> Promise {
        let target: Target = arg!(target, "target");
        self.call(|c| async move { c.messages().send_text(target, &text).await })
    }

    /// Sends `content` to a chat as the chat calls return it (one-to-one or group).
    #[wasm_bindgen(js_name = "sendToChat", unchecked_return_type = "Promise<SentMessage>")]
    pub fn send_to_chat(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Chat")] chat: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Content")] content: JsValue,
    ) -> Promise {
        let chat: Chat = arg!(chat, "chat");
        let content: Content = arg!(content, "content");
        let target = match self.client.target_of(&chat) {
            Ok(t) => t,
            Err(e) => return rejected(sdk_error(e)),
        };
        self.call(|c| async move { c.messages().send(target, content).await })
    }

    /// Messages that waited on the server while you had no connection, by sender.
    #[wasm_bindgen(
        js_name = "offlineMessages",
        unchecked_return_type = "Promise<OfflineMessages[]>"
    )]
    pub fn offline_messages(
        &self,
        remove: bool,
        #[wasm_bindgen(js_name = "newestFirst")] newest_first: bool,
    ) -> Promise {
        self.call(|c| async move { c.messages().offline(remove, newest_first).await })
    }

    // groups

    /// Creates a group that you manage; resolves to its id (also its group chat's id).
    #[wasm_bindgen(js_name = "createGroup", unchecked_return_type = "Promise<number>")]
    pub fn create_group(&self, name: String) -> Promise {
        self.call(|c| async move { c.groups().create(&name).await })
    }

    /// The groups you are in.
    #[wasm_bindgen(unchecked_return_type = "Promise<GroupInfo[]>")]
    pub fn groups(&self) -> Promise {
        self.call(|c| async move { c.groups().list().await })
    }

    /// Group `id`.
    #[wasm_bindgen(unchecked_return_type = "Promise<GroupInfo>")]
    pub fn group(&self, id: f64) -> Promise {
        let id = id_arg!(id, "id");
        self.call(|c| async move { c.groups().info(id).await })
    }

    /// Renames group `id`.
    #[wasm_bindgen(js_name = "renameGroup", unchecked_return_type = "Promise<void>")]
    pub fn rename_group(&self, id: f64, name: String) -> Promise {
        let id = id_arg!(id, "id");
        self.call(|c| async move { c.groups().rename(id, &name).await })
    }

    /// Leaves group `id`; if you manage it, it is dissolved.
    #[wasm_bindgen(js_name = "leaveGroup", unchecked_return_type = "Promise<void>")]
    pub fn leave_group(&self, id: f64) -> Promise {
        let id = id_arg!(id, "id");
        self.call(|c| async move { c.groups().leave(id).await })
    }

    /// Removes `user` from group `id` (its manager only).
    #[wasm_bindgen(js_name = "removeGroupMember", unchecked_return_type = "Promise<void>")]
    pub fn remove_group_member(&self, id: f64, user: f64) -> Promise {
        let id = id_arg!(id, "id");
        let user = id_arg!(user, "user");
        self.call(|c| async move { c.groups().remove_member(id, user).await })
    }

    // requests

    /// Invites `user` into `group`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn invite(&self, group: f64, user: f64) -> Promise {
        let group = id_arg!(group, "group");
        let user = id_arg!(user, "user");
        self.call(|c| async move { c.requests().invite(group, user).await })
    }

    /// Invitations waiting for you.
    #[wasm_bindgen(unchecked_return_type = "Promise<GroupRequest[]>")]
    pub fn invitations(&self) -> Promise {
        self.call(|c| async move { c.requests().list().await })
    }

    /// Accepts invitation `id`: you join its group.
    #[wasm_bindgen(js_name = "acceptInvitation", unchecked_return_type = "Promise<void>")]
    pub fn accept_invitation(&self, id: f64) -> Promise {
        let id = id_arg!(id, "id");
        self.call(|c| async move { c.requests().accept(id).await })
    }

    /// Declines invitation `id`.
    #[wasm_bindgen(js_name = "declineInvitation", unchecked_return_type = "Promise<void>")]
    pub fn decline_invitation(&self, id: f64) -> Promise {
        let id = id_arg!(id, "id");
        self.call(|c| async move { c.requests().decline(id).await })
    }

    // friends

    /// Asks `user` to be friends; resolves to true once both have asked.
    #[wasm_bindgen(js_name = "askFriend", unchecked_return_type = "Promise<boolean>")]
    pub fn ask_friend(&self, user: f64) -> Promise {
        let user = id_arg!(user, "user");
        self.call(|c| async move { c.friends().ask(user).await })
    }

    /// Your friends' ids.
    #[wasm_bindgen(unchecked_return_type = "Promise<number[]>")]
    pub fn friends(&self) -> Promise {
        self.call(|c| async move { c.friends().list().await })
    }

    /// Users who asked you and whom you have not asked back.
    #[wasm_bindgen(
        js_name = "friendRequests",
        unchecked_return_type = "Promise<number[]>"
    )]
    pub fn friend_requests(&self) -> Promise {
        self.call(|c| async move { c.friends().requests().await })
    }

    /// Ends the friendship with `user` (or withdraws your request).
    #[wasm_bindgen(js_name = "removeFriend", unchecked_return_type = "Promise<void>")]
    pub fn remove_friend(&self, user: f64) -> Promise {
        let user = id_arg!(user, "user");
        self.call(|c| async move { c.friends().remove(user).await })
    }

    /// Blocks `user`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn block(&self, user: f64) -> Promise {
        let user = id_arg!(user, "user");
        self.call(|c| async move { c.friends().block(user).await })
    }

    /// Unblocks `user`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn unblock(&self, user: f64) -> Promise {
        let user = id_arg!(user, "user");
        self.call(|c| async move { c.friends().unblock(user).await })
    }

    /// The users you blocked.
    #[wasm_bindgen(unchecked_return_type = "Promise<number[]>")]
    pub fn blocked(&self) -> Promise {
        self.call(|c| async move { c.friends().blocked().await })
    }

    // files

    /// Uploads `bytes` as `name` into chat `gid`.
    #[wasm_bindgen(
        js_name = "uploadFile",
        unchecked_return_type = "Promise<UploadedFile>"
    )]
    pub fn upload_file(&self, gid: String, name: String, bytes: Vec<u8>) -> Promise {
        self.call(|c| async move { c.files().upload(&gid, &name, bytes).await })
    }

    /// Downloads file `id`.
    #[wasm_bindgen(
        js_name = "downloadFile",
        unchecked_return_type = "Promise<Uint8Array>"
    )]
    pub fn download_file(&self, id: f64) -> Promise {
        let id = id_arg!(id, "id");
        let c = self.client.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let bytes = c.files().download(id).await.map_err(sdk_error)?;
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// The files shared in chat `gid`.
    #[wasm_bindgen(unchecked_return_type = "Promise<FileInfo[]>")]
    pub fn files(&self, gid: String) -> Promise {
        self.call(|c| async move { c.files().list(&gid).await })
    }
}

impl Drop for ChinwagClient {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.borrow_mut().take() {
            listener.abort();
        }
    }
}
