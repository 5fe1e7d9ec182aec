//! `ChinwagClient`: the SDK's client for Kotlin and Swift.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chinwag::{
    Chat, ConnectionState, Content, Event, FileInfo, Group, GroupRequest, HistoryPage,
    LocalMessage, OfflineMessages, SentMessage, Session, Target, UploadedFile, User, UserInfo,
    UserPatch,
};
use futures::StreamExt;

use super::error::ChinwagError;
use crate::options::{self, ClientOptions};

/// Receives the client's events (messages, notifications, chat, member, presence and profile
/// changes, kicks, connection states), one at a time, on a background thread.
#[uniffi::export(foreign)]
pub trait EventListener: Send + Sync {
    /// One event.
    fn on_event(&self, event: Event);
}

/// A chat client: one per logged-in user. Network methods are `suspend` (Kotlin) / `async`
/// (Swift); cancelling the coroutine or task aborts the call's work in Rust.
#[derive(uniffi::Object)]
pub struct ChinwagClient {
    client: chinwag::Client,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    handle: tokio::runtime::Handle,
    calls: Arc<AtomicUsize>,
    listener: Mutex<Option<tokio::task::AbortHandle>>,
}

/// A call's task, aborted if whoever awaits it goes away (a cancelled coroutine drops it).
struct Call<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Call<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Counts a call while its task exists.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ChinwagClient {
    /// Runs `call` on the client's runtime and waits for it.
    async fn run<T, F>(&self, call: impl FnOnce(chinwag::Client) -> F) -> Result<T, ChinwagError>
    where
        T: Send + 'static,
        F: Future<Output = chinwag::Result<T>> + Send + 'static,
    {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let counted = Counted(self.calls.clone());
        let future = call(self.client.clone());
        let mut task = Call(self.handle.spawn(async move {
            let _counted = counted;
            future.await
        }));
        match (&mut task.0).await {
            Ok(result) => Ok(result?),
            Err(e) => Err(ChinwagError::Closed(format!(
                "the call did not finish: {e}"
            ))),
        }
    }
}

#[uniffi::export]
impl ChinwagClient {
    /// A client for the server at `server_url` (`http://host:port` or `https://…`). Nothing is
    /// sent until you log in.
    #[uniffi::constructor(default(options = None))]
    pub fn new(
        server_url: String,
        options: Option<ClientOptions>,
    ) -> Result<Arc<ChinwagClient>, ChinwagError> {
        let options = options.unwrap_or_default();
        let runtime = options::runtime(&options)
            .map_err(|e| ChinwagError::Server(format!("cannot start the runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let client = options::client(&options, server_url, &handle)?;
        Ok(Arc::new(ChinwagClient {
            client,
            runtime: Mutex::new(Some(runtime)),
            handle,
            calls: Arc::new(AtomicUsize::new(0)),
            listener: Mutex::new(None),
        }))
    }

    /// Delivers every event from now on to `listener` (replacing any earlier one), on a
    /// background thread.
    pub fn set_listener(&self, listener: Arc<dyn EventListener>) {
        let mut events = self.client.events();
        let task = self.handle.spawn(async move {
            while let Some(event) = events.next().await {
                listener.on_event(event);
            }
        });
        let previous = self
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
    }

    /// Calls of this client still running in Rust (0 once every awaited call has finished or
    /// been cancelled).
    pub fn calls_in_flight(&self) -> u32 {
        self.calls.load(Ordering::SeqCst) as u32
    }

    /// The session, if logged in; save it to `restore` later.
    pub fn session(&self) -> Option<Session> {
        self.client.session()
    }

    /// The logged-in user's id.
    pub fn user_id(&self) -> Option<i64> {
        self.client.user_id()
    }

    /// The connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.client.connection_state()
    }

    /// Gids of sent messages the server has not acknowledged yet.
    pub fn pending_sends(&self) -> Vec<String> {
        self.client.pending_sends()
    }

    /// Drops your message `gid` if the server has not stored it — a failed one, or a waiting
    /// send not written yet (never sent) — from its conversation and the store. False: no
    /// such message. `InvalidInput` if it is already on its way.
    pub fn discard_send(&self, gid: String) -> Result<bool, ChinwagError> {
        Ok(self.client.messages().discard(&gid)?)
    }

    /// Sends your failed message `gid` again with the same gid; it turns pending. `NotFound`
    /// if no failed message has that gid, `InvalidInput` if it is still pending.
    pub async fn retry_send(&self, gid: String) -> Result<SentMessage, ChinwagError> {
        let receipt = self.client.messages().retry(&gid)?;
        self.run(|_| receipt).await
    }

    /// The latest messages of the conversation with `target`, oldest first, at once and
    /// offline too: received ones and yours — sent, pending or failed (local echo).
    pub fn recent_messages(&self, target: Target) -> Vec<LocalMessage> {
        self.client.messages().recent(target)
    }

    /// Your messages the server has not stored, pending or failed, oldest first.
    pub fn unsent_messages(&self) -> Vec<LocalMessage> {
        self.client.messages().unsent()
    }

    /// Messages from others in the conversation with `target` since it was marked read.
    pub fn unread_count(&self, target: Target) -> u32 {
        self.client.messages().unread(target)
    }

    /// Marks the conversation with `target` read.
    pub fn mark_read(&self, target: Target) {
        self.client.messages().mark_read(target)
    }

    /// Shuts the client down: the connection ends, waiting sends fail with `Closed`, the
    /// listener gets its last event. The session stays valid on the server. (Named so as not
    /// to clash with Kotlin's `AutoCloseable.close`, which frees the object.)
    pub async fn shutdown(&self) -> Result<(), ChinwagError> {
        self.run(|c| async move {
            c.close().await;
            Ok(())
        })
        .await
    }

    // auth

    /// Registers account `name`; returns the new user's id. Does not log in.
    pub async fn register(&self, name: String, password: String) -> Result<i64, ChinwagError> {
        self.run(|c| async move { c.auth().register(&name, &password).await })
            .await
    }

    /// Logs in and connects.
    pub async fn login(&self, name: String, password: String) -> Result<Session, ChinwagError> {
        self.run(|c| async move { c.auth().login(&name, &password).await })
            .await
    }

    /// Resumes a saved session without the password, then connects.
    pub async fn restore(&self, session: Session) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.auth().restore(session).await })
            .await
    }

    /// Logs out: the server revokes the session and the connection closes.
    pub async fn logout(&self) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.auth().logout().await }).await
    }

    // users

    /// The user with account `name`.
    pub async fn user_info(&self, name: String) -> Result<UserInfo, ChinwagError> {
        self.run(|c| async move { c.users().info(&name).await })
            .await
    }

    /// Every user.
    pub async fn users(&self) -> Result<Vec<User>, ChinwagError> {
        self.run(|c| async move { c.users().list().await }).await
    }

    /// The users seen (listed, or met in a profile change), at once and offline too.
    pub fn cached_users(&self) -> Vec<User> {
        self.client.users().cached()
    }

    /// The user with id `id`.
    pub async fn user(&self, id: i64) -> Result<User, ChinwagError> {
        self.run(|c| async move { c.users().get(id).await }).await
    }

    /// Changes your profile (the fields that are set); returns it after the change.
    pub async fn update_profile(&self, patch: UserPatch) -> Result<User, ChinwagError> {
        self.run(|c| async move { c.users().update_profile(patch).await })
            .await
    }

    /// Sets your status: `online`, `away`, `busy` or `offline`.
    pub async fn set_status(&self, status: String) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.users().set_status(&status).await })
            .await
    }

    /// Your client settings, as JSON text.
    pub async fn settings(&self) -> Result<String, ChinwagError> {
        self.run(|c| async move { c.users().settings().await })
            .await
    }

    /// Replaces your client settings with the JSON document `settings`.
    pub async fn set_settings(&self, settings: String) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.users().set_settings(&settings).await })
            .await
    }

    // chats

    /// The chats you are in.
    pub async fn chats(&self) -> Result<Vec<Chat>, ChinwagError> {
        self.run(|c| async move { c.chats().list().await }).await
    }

    /// The chat list as last fetched by `chats`, at once and offline too (after a restart on
    /// a store: the list the last run fetched).
    pub fn cached_chats(&self) -> Vec<Chat> {
        self.client.chats().cached()
    }

    /// The one-to-one chat with `user`, created if needed.
    pub async fn open_direct(&self, user: i64) -> Result<Chat, ChinwagError> {
        self.run(|c| async move { c.chats().open_direct(user).await })
            .await
    }

    /// A new group chat with you and `members`.
    pub async fn create_group_chat(
        &self,
        name: String,
        members: Vec<i64>,
        public: bool,
    ) -> Result<Chat, ChinwagError> {
        self.run(|c| async move { c.chats().create_group(&name, &members, public).await })
            .await
    }

    /// Joins the public chat `gid`.
    pub async fn join_chat(&self, gid: String) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.chats().join(&gid).await })
            .await
    }

    /// Leaves the chat `gid`.
    pub async fn leave_chat(&self, gid: String) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.chats().leave(&gid).await })
            .await
    }

    /// Renames the chat `gid`.
    pub async fn rename_chat(&self, gid: String, name: String) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.chats().rename(&gid, &name).await })
            .await
    }

    /// Stars or un-stars the chat `gid` (for you).
    pub async fn star_chat(&self, gid: String, on: bool) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.chats().star(&gid, on).await })
            .await
    }

    /// Hides or shows the chat `gid` in your list.
    pub async fn hide_chat(&self, gid: String, on: bool) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.chats().hide(&gid, on).await })
            .await
    }

    /// Mutes or un-mutes the chat `gid` (for you).
    pub async fn mute_chat(&self, gid: String, on: bool) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.chats().mute(&gid, on).await })
            .await
    }

    /// Makes the chat `gid` public or private (administrators only).
    pub async fn set_chat_public(&self, gid: String, on: bool) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.chats().set_public(&gid, on).await })
            .await
    }

    /// Every public chat.
    pub async fn public_chats(&self) -> Result<Vec<Chat>, ChinwagError> {
        self.run(|c| async move { c.chats().public_list().await })
            .await
    }

    /// The members of chat `gid`.
    pub async fn chat_members(&self, gid: String) -> Result<Vec<User>, ChinwagError> {
        self.run(|c| async move { c.chats().members(&gid).await })
            .await
    }

    /// Adds `users` to chat `gid`.
    pub async fn add_members(&self, gid: String, users: Vec<i64>) -> Result<Chat, ChinwagError> {
        self.run(|c| async move { c.chats().add_members(&gid, &users).await })
            .await
    }

    /// Removes `users` from chat `gid`.
    pub async fn remove_members(&self, gid: String, users: Vec<i64>) -> Result<Chat, ChinwagError> {
        self.run(|c| async move { c.chats().remove_members(&gid, &users).await })
            .await
    }

    /// Makes `users` administrators of chat `gid` (or no longer, with `admin` false).
    pub async fn set_admins(
        &self,
        gid: String,
        users: Vec<i64>,
        admin: bool,
    ) -> Result<Chat, ChinwagError> {
        self.run(|c| async move { c.chats().set_admins(&gid, &users, admin).await })
            .await
    }

    /// Restricts posting in chat `gid` to `users` (empty: everyone).
    pub async fn set_committers(&self, gid: String, users: Vec<i64>) -> Result<Chat, ChinwagError> {
        self.run(|c| async move { c.chats().set_committers(&gid, &users).await })
            .await
    }

    /// Page `page` (1 = newest) of `chat`'s history, each page oldest first.
    pub async fn history(
        &self,
        chat: Chat,
        page: u32,
        per_page: u32,
    ) -> Result<HistoryPage, ChinwagError> {
        self.run(|c| async move { c.chats().history(&chat, page, per_page).await })
            .await
    }

    // messages

    /// Sends `content` to `target` and waits until the server stored it; it waits in the
    /// outbox while offline and is resent after a broken connection, arriving exactly once.
    pub async fn send(
        &self,
        target: Target,
        content: Content,
    ) -> Result<SentMessage, ChinwagError> {
        self.run(|c| async move { c.messages().send(target, content).await })
            .await
    }

    /// Sends text to `target`; see `send`.
    pub async fn send_text(
        &self,
        target: Target,
        text: String,
    ) -> Result<SentMessage, ChinwagError> {
        self.run(|c| async move { c.messages().send_text(target, &text).await })
            .await
    }

    /// Sends `content` to a chat as the chat calls return it (one-to-one or group).
    pub async fn send_to_chat(
        &self,
        chat: Chat,
        content: Content,
    ) -> Result<SentMessage, ChinwagError> {
        let target = self.client.target_of(&chat)?;
        self.send(target, content).await
    }

    /// Messages that waited on the server while you had no connection, by sender.
    pub async fn offline_messages(
        &self,
        remove: bool,
        newest_first: bool,
    ) -> Result<Vec<OfflineMessages>, ChinwagError> {
        self.run(|c| async move { c.messages().offline(remove, newest_first).await })
            .await
    }

    // groups

    /// Creates a group that you manage; returns its id (also its group chat's id).
    pub async fn create_group(&self, name: String) -> Result<i64, ChinwagError> {
        self.run(|c| async move { c.groups().create(&name).await })
            .await
    }

    /// The groups you are in.
    pub async fn groups(&self) -> Result<Vec<Group>, ChinwagError> {
        self.run(|c| async move { c.groups().list().await }).await
    }

    /// Group `id`.
    pub async fn group(&self, id: i64) -> Result<Group, ChinwagError> {
        self.run(|c| async move { c.groups().info(id).await }).await
    }

    /// Renames group `id`.
    pub async fn rename_group(&self, id: i64, name: String) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.groups().rename(id, &name).await })
            .await
    }

    /// Leaves group `id`; if you manage it, it is dissolved.
    pub async fn leave_group(&self, id: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.groups().leave(id).await })
            .await
    }

    /// Removes `user` from group `id` (its manager only).
    pub async fn remove_group_member(&self, id: i64, user: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.groups().remove_member(id, user).await })
            .await
    }

    // requests

    /// Invites `user` into `group`.
    pub async fn invite(&self, group: i64, user: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.requests().invite(group, user).await })
            .await
    }

    /// Invitations waiting for you.
    pub async fn invitations(&self) -> Result<Vec<GroupRequest>, ChinwagError> {
        self.run(|c| async move { c.requests().list().await }).await
    }

    /// Accepts invitation `id`: you join its group.
    pub async fn accept_invitation(&self, id: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.requests().accept(id).await })
            .await
    }

    /// Declines invitation `id`.
    pub async fn decline_invitation(&self, id: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.requests().decline(id).await })
            .await
    }

    // friends

    /// Asks `user` to be friends; true once both have asked.
    pub async fn ask_friend(&self, user: i64) -> Result<bool, ChinwagError> {
        self.run(|c| async move { c.friends().ask(user).await })
            .await
    }

    /// Your friends.
    pub async fn friends(&self) -> Result<Vec<i64>, ChinwagError> {
        self.run(|c| async move { c.friends().list().await }).await
    }

    /// Users who asked you and whom you have not asked back.
    pub async fn friend_requests(&self) -> Result<Vec<i64>, ChinwagError> {
        self.run(|c| async move { c.friends().requests().await })
            .await
    }

    /// Ends the friendship with `user` (or withdraws your request).
    pub async fn remove_friend(&self, user: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.friends().remove(user).await })
            .await
    }

    /// Blocks `user`.
    pub async fn block(&self, user: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.friends().block(user).await })
            .await
    }

    /// Unblocks `user`.
    pub async fn unblock(&self, user: i64) -> Result<(), ChinwagError> {
        self.run(|c| async move { c.friends().unblock(user).await })
            .await
    }

    /// The users you blocked.
    pub async fn blocked(&self) -> Result<Vec<i64>, ChinwagError> {
        self.run(|c| async move { c.friends().blocked().await })
            .await
    }

    // files

    /// Uploads `bytes` as `name` into chat `gid`.
    pub async fn upload_file(
        &self,
        gid: String,
        name: String,
        bytes: Vec<u8>,
    ) -> Result<UploadedFile, ChinwagError> {
        self.run(|c| async move { c.files().upload(&gid, &name, bytes).await })
            .await
    }

    /// Downloads file `id`.
    pub async fn download_file(&self, id: i64) -> Result<Vec<u8>, ChinwagError> {
        self.run(|c| async move { c.files().download(id).await })
            .await
    }

    /// The files shared in chat `gid`.
    pub async fn files(&self, gid: String) -> Result<Vec<FileInfo>, ChinwagError> {
        self.run(|c| async move { c.files().list(&gid).await })
            .await
    }
}

impl Drop for ChinwagClient {
    fn drop(&mut self) {
        // The last reference may go on any thread (a Kotlin cleaner, a Swift deinit), even one
        // inside some runtime: stop this one without blocking.
        let runtime = self
            .runtime
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(runtime) = runtime {
            runtime.shutdown_background();
        }
    }
}
