//! Every SDK operation the bindings export, declared once: its family and name (the SDK's
//! own: `messages().send_text` in Rust), its documentation, its parameters, what it answers,
//! and the Rust expression that runs it on a `chinwag::Client` named `c` with the parameters
//! in scope under their names. The emitters ([`crate::c`]) turn each entry into a binding.

/// How a parameter crosses the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Text (`String` in scope).
    Str,
    /// A signed id or number (`i64`).
    I64,
    /// An unsigned count (`u32`).
    U32,
    /// A flag (`bool`).
    Bool,
    /// A list of ids (`Vec<i64>`).
    Ids,
    /// Bytes (`Vec<u8>`).
    Bytes,
    /// A value of the Rust type named (a record: JSON in C).
    Json(&'static str),
}

/// What a synchronous operation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// Nothing.
    Unit,
    /// A value of the Rust type named (JSON in C).
    Json(&'static str),
    /// A plain value of the Rust type named (`i64`, `u32`, `usize`, `bool`), stored in C
    /// through the out-parameter named.
    Plain(&'static str, &'static str),
}

/// How an operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At once, on the caller's thread.
    Sync(Out),
    /// An SDK future (`call` is an `async` expression's body, `.await`s included) answering
    /// the Rust type named.
    Async(&'static str),
    /// Like `Async`, but `call` returns the future itself (a `Receipt`), after checks made at
    /// once.
    Future(&'static str),
}

/// One parameter.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// Its name, as the SDK names it.
    pub name: &'static str,
    /// How it crosses.
    pub ty: Ty,
}

/// One operation.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// The SDK family (`messages`), `client` for the client's own methods.
    pub family: &'static str,
    /// The method (`send_text`).
    pub name: &'static str,
    /// Its documentation, one line per doc-comment line.
    pub doc: &'static [&'static str],
    /// Its parameters, in order.
    pub args: &'static [Arg],
    /// How it runs, and what it answers.
    pub mode: Mode,
    /// The Rust expression that runs it.
    pub call: &'static str,
}

macro_rules! ty {
    (Json($t:literal)) => {
        Ty::Json($t)
    };
    ($t:ident) => {
        Ty::$t
    };
}

macro_rules! mode {
    (sync) => {
        Mode::Sync(Out::Unit)
    };
    (sync json $t:literal) => {
        Mode::Sync(Out::Json($t))
    };
    (sync $t:ident $out:ident) => {
        Mode::Sync(Out::Plain(stringify!($t), stringify!($out)))
    };
    (async $t:literal) => {
        Mode::Async($t)
    };
    (future $t:literal) => {
        Mode::Future($t)
    };
}

/// The table: `/// doc` lines, then `mode family.name(arg: Ty, …) => { expression };`, where
/// mode is `async "Answer"`, `future "Answer"`, `sync`, `sync json "Answer"` or
/// `sync type out_param`.
macro_rules! ops {
    ($(
        $(#[doc = $doc:literal])*
        [$($mode:tt)+] $family:ident . $name:ident ( $( $arg:ident : $ty:ident $(($t:literal))? ),* )
        => { $($call:tt)* };
    )*) => {
        /// Every operation, family by family.
        pub const OPS: &[Op] = &[$(
            Op {
                family: stringify!($family),
                name: stringify!($name),
                doc: &[$($doc),*],
                args: &[$(Arg { name: stringify!($arg), ty: ty!($ty $(($t))?) }),*],
                mode: mode!($($mode)+),
                call: stringify!($($call)*),
            }
        ),*];
    };
}

ops! {
    // client

    /// The session — token, user id, name and sync cursor — or none when logged out. Save it to
    /// log in again later with `auth.restore`.
    [sync json "Option<chinwag::Session>"] client.session() => { c.session() };
    /// The logged-in user's id; an `auth` error when not logged in.
    [sync i64 out_user_id] client.user_id() => {
        c.user_id().ok_or_else(|| chinwag::Error::Auth("not logged in".into()))?
    };
    /// The connection state: connecting, connected, disconnected, or reconnecting (with the
    /// attempt and the wait before the next one).
    [sync json "chinwag::ConnectionState"] client.connection_state() => { c.connection_state() };
    /// The gids of the sent messages waiting for the server's acknowledgement (they go out
    /// again on reconnect), oldest first (after a restart on a store: the ones the last run
    /// left).
    [sync json "Vec<String>"] client.pending_sends() => { c.pending_sends() };
    /// Why the last connection attempt failed or the last connection broke, if one did.
    [sync json "Option<String>"] client.last_connection_error() => {
        c.last_connection_error().map(|e| e.to_string())
    };
    /// Why the last write to the client's store failed, if one did (none without a store).
    [sync json "Option<String>"] client.store_error() => { c.store_error().map(|e| e.to_string()) };
    /// Where a message for `chat` (as a chat call returned it) goes: its other member, or the
    /// group. An `auth` error when not logged in.
    [sync json "chinwag::Target"] client.target_of(chat: Json("chinwag::Chat")) => { c.target_of(&chat)? };
    /// How many background tasks the client runs (0 once it is closed): a diagnostic.
    [sync usize out_count] client.background_tasks() => { c.background_tasks() };

    // auth

    /// Registers account `name` with `password`. Result: the new user's id.
    /// Does not log in.
    [async "i64"] auth.register(name: Str, password: Str) => { c.auth().register(&name, &password).await };
    /// Logs in as `name`, then connects and keeps the connection up. Result: the session
    /// (token, user id, name, sync cursor); save it for `auth.restore`.
    [async "chinwag::Session"] auth.login(name: Str, password: Str) => { c.auth().login(&name, &password).await };
    /// Resumes a saved session (as `client.session` or a login gave it) without the
    /// password, then connects; messages after the session's cursor arrive as events. An
    /// `auth` error if the session was revoked.
    [async "()"] auth.restore(session: Json("chinwag::Session")) => { c.auth().restore(session).await };
    /// Logs out: the server revokes the session, the connection closes, and messages still
    /// unsent fail with a `closed` error.
    [async "()"] auth.logout() => { c.auth().logout().await };

    // users

    /// The user with account `name`. Result: its name, id, real name and status.
    [async "chinwag::UserInfo"] users.info(name: Str) => { c.users().info(&name).await };
    /// Every user. Result: the users (id, account, real name, status, profile fields).
    [async "Vec<chinwag::User>"] users.list() => { c.users().list().await };
    /// The users seen (listed, or met in a profile change), by id, at once and offline too (after a restart on a store: the ones the
    /// last run saw).
    [sync json "Vec<chinwag::User>"] users.cached() => { c.users().cached() };
    /// The user with id `user`. Result: the user.
    [async "chinwag::User"] users.get(user: I64) => { c.users().get(user).await };
    /// Changes your profile: `patch` has any of `realname`, `avatar`,
    /// `status`, `gender`, `email`, `mobile`, `site`, `phone`. Result: you, after the
    /// change.
    [async "chinwag::User"] users.update_profile(patch: Json("chinwag::UserPatch")) => { c.users().update_profile(patch).await };
    /// Sets your status: `online`, `away`, `busy` or `offline`.
    [async "()"] users.set_status(status: Str) => { c.users().set_status(&status).await };
    /// Your client settings. Result: the settings' JSON text (`{}` if never
    /// set).
    [async "String"] users.settings() => { c.users().settings().await };
    /// Replaces your client settings with the JSON document `settings`.
    [async "()"] users.set_settings(settings: Str) => { c.users().set_settings(&settings).await };

    // chats

    /// The chats you are in, with your star/hide/mute flags and the members. Result: the
    /// chats (id, gid, name, type, admins, committers, public, star, hide, mute, members, …;
    /// docs/PROTOCOL.md §9).
    [async "Vec<chinwag::Chat>"] chats.list() => { c.chats().list().await };
    /// The chat list as last fetched by `chats.list`, at once and offline too (after a
    /// restart on a store: the list the last run fetched); empty if none was fetched.
    [sync json "Vec<chinwag::Chat>"] chats.cached() => { c.chats().cached() };
    /// The one-to-one chat with `user`, created if it does not exist yet. Result: the chat.
    [async "chinwag::Chat"] chats.open_direct(user: I64) => { c.chats().open_direct(user).await };
    /// A new group chat named `name` with you and the users `members`; `public` lets anyone find and join it. Result: the chat.
    [async "chinwag::Chat"] chats.create_group(name: Str, members: Ids, public: Bool) => { c.chats().create_group(&name, &members, public).await };
    /// Joins the public chat `gid`.
    [async "()"] chats.join(gid: Str) => { c.chats().join(&gid).await };
    /// Leaves the chat `gid`.
    [async "()"] chats.leave(gid: Str) => { c.chats().leave(&gid).await };
    /// Renames the chat `gid` to `name`.
    [async "()"] chats.rename(gid: Str, name: Str) => { c.chats().rename(&gid, &name).await };
    /// Stars (`on`) or un-stars the chat `gid`, for you only.
    [async "()"] chats.star(gid: Str, on: Bool) => { c.chats().star(&gid, on).await };
    /// Hides (`on`) or shows the chat `gid` in your list.
    [async "()"] chats.hide(gid: Str, on: Bool) => { c.chats().hide(&gid, on).await };
    /// Mutes (`on`) or un-mutes the chat `gid`, for you only.
    [async "()"] chats.mute(gid: Str, on: Bool) => { c.chats().mute(&gid, on).await };
    /// Makes the chat `gid` public (`on`) or private; administrators only.
    [async "()"] chats.set_public(gid: Str, on: Bool) => { c.chats().set_public(&gid, on).await };
    /// Every public chat. Result: the chats.
    [async "Vec<chinwag::Chat>"] chats.public_list() => { c.chats().public_list().await };
    /// The members of chat `gid`. Result: the users.
    [async "Vec<chinwag::User>"] chats.members(gid: Str) => { c.chats().members(&gid).await };
    /// Adds the users `users` to chat `gid`. Result: the chat after the change.
    [async "chinwag::Chat"] chats.add_members(gid: Str, users: Ids) => { c.chats().add_members(&gid, &users).await };
    /// Removes the users `users` from chat `gid`. Result: the chat after the change.
    [async "chinwag::Chat"] chats.remove_members(gid: Str, users: Ids) => { c.chats().remove_members(&gid, &users).await };
    /// Makes the users `users` administrators of chat `gid` (`admin` false: no
    /// longer administrators). Result: the chat after the change.
    [async "chinwag::Chat"] chats.set_admins(gid: Str, users: Ids, admin: Bool) => { c.chats().set_admins(&gid, &users, admin).await };
    /// Restricts posting in chat `gid` to the users `users` (none: everyone may
    /// post). Result: the chat after the change.
    [async "chinwag::Chat"] chats.set_committers(gid: Str, users: Ids) => { c.chats().set_committers(&gid, &users).await };
    /// Page `page` (1 = newest) of a chat's history, `per_page` messages a page; `chat` is the
    /// chat as a chat call returned it. Result: the page (messages, oldest first; page,
    /// per page, total, more).
    [async "chinwag::HistoryPage"] chats.history(chat: Json("chinwag::Chat"), page: U32, per_page: U32) => { c.chats().history(&chat, page, per_page).await };

    // groups

    /// Creates a group named `name` that you manage. Result: its id, also the id of its group
    /// chat.
    [async "i64"] groups.create(name: Str) => { c.groups().create(&name).await };
    /// The groups you are in. Result: the groups (id, name, manager,
    /// members).
    [async "Vec<chinwag::Group>"] groups.list() => { c.groups().list().await };
    /// Group `group`: its id, name, manager and members.
    [async "chinwag::Group"] groups.info(group: I64) => { c.groups().info(group).await };
    /// Renames group `group` to `name`.
    [async "()"] groups.rename(group: I64, name: Str) => { c.groups().rename(group, &name).await };
    /// Leaves group `group`; if you manage it, it is dissolved.
    [async "()"] groups.leave(group: I64) => { c.groups().leave(group).await };
    /// Removes `user` from group `group` (its manager only).
    [async "()"] groups.remove_member(group: I64, user: I64) => { c.groups().remove_member(group, user).await };

    // requests

    /// Invites `user` into group `group` (you must be a member).
    [async "()"] requests.invite(group: I64, user: I64) => { c.requests().invite(group, user).await };
    /// Invitations waiting for you. Result: the invitations (id, group
    /// name and id, user, invited by).
    [async "Vec<chinwag::GroupRequest>"] requests.list() => { c.requests().list().await };
    /// Accepts invitation `request`: you join its group.
    [async "()"] requests.accept(request: I64) => { c.requests().accept(request).await };
    /// Declines invitation `request`.
    [async "()"] requests.decline(request: I64) => { c.requests().decline(request).await };

    // friends

    /// Asks `user` to be friends. Result: `true` once both have asked (you are friends now),
    /// `false` while waiting for them.
    [async "bool"] friends.ask(user: I64) => { c.friends().ask(user).await };
    /// Your friends. Result: their ids.
    [async "Vec<i64>"] friends.list() => { c.friends().list().await };
    /// Users who asked you and whom you have not asked back. Result: their ids.
    [async "Vec<i64>"] friends.requests() => { c.friends().requests().await };
    /// Ends the friendship with `user` (or withdraws your request).
    [async "()"] friends.remove(user: I64) => { c.friends().remove(user).await };
    /// Blocks `user`: their messages no longer reach you.
    [async "()"] friends.block(user: I64) => { c.friends().block(user).await };
    /// Unblocks `user`.
    [async "()"] friends.unblock(user: I64) => { c.friends().unblock(user).await };
    /// The users you blocked. Result: their ids.
    [async "Vec<i64>"] friends.blocked() => { c.friends().blocked().await };

    // files

    /// Uploads the bytes `data` as a file named `name` into chat
    /// `gid` (its members can download it). Result: its url, time, id
    /// and name.
    [async "chinwag::UploadedFile"] files.upload(gid: Str, name: Str, data: Bytes) => { c.files().upload(&gid, &name, data).await };
    /// Downloads file `file` (as a file call listed it). Result: its bytes.
    [async "Vec<u8>"] files.download(file: I64) => { c.files().download(file).await };
    /// The files shared in chat `gid`. Result: the files (id, title, size, added
    /// by, date, chat gid).
    [async "Vec<chinwag::FileInfo>"] files.list(gid: Str) => { c.files().list(&gid).await };

    // messages

    /// Sends `content` to `target` (a user or a group) and waits until the server stored it:
    /// it waits in the outbox while offline and is resent after a broken connection, and the
    /// server de-duplicates, so it arrives exactly once. Result: the message's gid, id (none
    /// if a delivery rule dropped it, e.g. not friends) and time; a `closed` error if the
    /// client closes or logs out first.
    [async "chinwag::SentMessage"] messages.send(target: Json("chinwag::Target"), content: Json("chinwag::Content")) => {
        c.messages().send(target, content).await
    };
    /// Sends the text `text` to `target`; as `messages.send`.
    [async "chinwag::SentMessage"] messages.send_text(target: Json("chinwag::Target"), text: Str) => {
        c.messages().send_text(target, &text).await
    };

    /// Messages that waited on the server while you had no connection, grouped by sender;
    /// `remove` deletes them from the server, `newest_first` orders each group. A connected
    /// client does not need this: it catches up by itself and delivers each missed message as an
    /// event. Result: per sender, their messages.
    [async "Vec<chinwag::OfflineMessages>"] messages.offline(remove: Bool, newest_first: Bool) => { c.messages().offline(remove, newest_first).await };
    /// Sends again your failed message `gid` (see `messages.unsent`) with the same gid; it
    /// turns pending. Result: as `messages.send`. A `not_found` error if no failed
    /// message has that gid, `invalid_input` if it is still pending.
    [future "chinwag::SentMessage"] messages.retry(gid: Str) => { c.messages().retry(&gid)? };
    /// The latest messages of the conversation `target` (a user or a group), oldest first, at
    /// once and offline too: received ones and yours, each with its id (none until stored),
    /// gid, chat, sender, content, time and delivery (pending, sent, or failed with the error).
    [sync json "Vec<chinwag::LocalMessage>"] messages.recent(target: Json("chinwag::Target")) => { c.messages().recent(target) };
    /// Your messages the server has not stored, pending or failed, oldest first (after a
    /// restart too), as in `messages.recent`.
    [sync json "Vec<chinwag::LocalMessage>"] messages.unsent() => { c.messages().unsent() };
    /// The number of messages from others in the conversation `target` since it was last
    /// marked read.
    [sync u32 out_count] messages.unread(target: Json("chinwag::Target")) => { c.messages().unread(target) };
    /// Marks the conversation `target` read: its unread count becomes 0.
    [sync] messages.mark_read(target: Json("chinwag::Target")) => { c.messages().mark_read(target) };
    /// Drops your message `gid` if the server has not stored it — a failed one, or a waiting send
    /// not written to the server yet (it is never sent; its send fails with
    /// `invalid_input`) — from its conversation and the store. Result: false if there
    /// is no such message. An `invalid_input` error if the send is already on its way (the
    /// server may store it; wait for its outcome).
    [sync bool out_discarded] messages.discard(gid: Str) => { c.messages().discard(&gid)? };
}
