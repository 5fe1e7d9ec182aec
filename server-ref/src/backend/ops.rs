//! Every backend operation a gateway asks for, declared once: its name in seed 000's style
//! (`module`, `method`), its parameters, its answer, and the backend function it runs. A
//! gateway calls them through [`crate::link::Link`] — in memory in one process, as 000's
//! envelope `{userID, module, method, params}` over the backend link otherwise — and the
//! backend's link serves them by name ([`serve`]). The 000/001 `chat` and `attach` methods
//! are not listed: the envelope carries them as the client sent them, to
//! [`super::router::handle`].
//!
//! Modules: `user` (accounts, tokens), `session` (a socket's life), `message` (posting, the
//! inbox, sync), `group` (003 groups and invitations), `friend`, `block`, `room` (002), `file`,
//! `notification`. Parameters are camelCase JSON; an operation that needs a caller says so
//! (the envelope's `userID`).

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use chinwag_wire::module::{GroupInfo, GroupRequest, Notification, NotificationParams};

use super::messages::{self, DirectPolicy, Draft, Posted, Target};
use super::{Backend, Push, Reply, chat, files, notify, rooms, sessions, social, users};
use crate::error::{ApiError, ApiResult};
use crate::rules::ChatRef;
use crate::store::chats::ChatRow;
use crate::store::files::FileRow;
use crate::store::messages::{InboxFilter, MessageRow};
use crate::store::users::UserRow;

/// One backend operation: named as in seed 000, run against the backend as a caller.
pub trait Operation: Serialize + DeserializeOwned + Send + 'static {
    /// The envelope's `module`.
    const MODULE: &'static str;
    /// The envelope's `method`.
    const METHOD: &'static str;
    /// What it answers (the envelope's `data`).
    type Answer: Serialize + DeserializeOwned + Send + 'static;
    /// Runs it as `me` (the envelope's `userID`, if any); the pushes it causes are delivered
    /// through the backend's gateway before it answers.
    fn run(
        self,
        backend: &Arc<Backend>,
        me: Option<i64>,
    ) -> impl Future<Output = ApiResult<Self::Answer>> + Send;
}

/// The caller an operation needs (the envelope's `userID`).
pub fn caller(me: Option<i64>) -> ApiResult<i64> {
    me.ok_or_else(|| ApiError::unauthorized("this operation needs a caller (userID)"))
}

/// An envelope's JSON `params` read as operation `O` (absent params: none).
pub fn decode<O: Operation>(params: Value) -> ApiResult<O> {
    let params = if params.is_null() {
        Value::Object(Default::default())
    } else {
        params
    };
    serde_json::from_value(params).map_err(|e| {
        ApiError::invalid(format!(
            "invalid params for {}.{}: {e}",
            O::MODULE,
            O::METHOD
        ))
    })
}

/// Decodes `params` as `O`, runs it and encodes its answer.
async fn run_json<O: Operation>(
    backend: &Arc<Backend>,
    me: Option<i64>,
    params: Value,
) -> ApiResult<Value> {
    let op: O = decode(params)?;
    let answer = op.run(backend, me).await?;
    serde_json::to_value(answer).map_err(ApiError::internal)
}

/// Declares operations: for each, a parameter struct, its [`Operation`] impl, and its arm in
/// [`serve`].
macro_rules! operations {
    ($(
        $(#[$doc:meta])*
        $module:literal . $method:literal => $name:ident {
            $( $(#[$fdoc:meta])* $field:ident : $ty:ty ),* $(,)?
        } -> $answer:ty = |$b:ident, $me:ident, $p:ident| $body:expr;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            pub struct $name { $( $(#[$fdoc])* pub $field: $ty, )* }

            impl Operation for $name {
                const MODULE: &'static str = $module;
                const METHOD: &'static str = $method;
                type Answer = $answer;
                #[allow(unused_variables)]
                async fn run(self, $b: &Arc<Backend>, $me: Option<i64>) -> ApiResult<$answer> {
                    let $p = self;
                    $body
                }
            }
        )*

        /// Runs the listed operation `module`.`method` (matched exactly) with JSON `params`;
        /// `None` if no operation has that name.
        pub async fn serve(
            backend: &Arc<Backend>,
            me: Option<i64>,
            module: &str,
            method: &str,
            params: Value,
        ) -> Option<ApiResult<Value>> {
            match (module, method) {
                $( ($module, $method) => Some(run_json::<$name>(backend, me, params).await), )*
                _ => None,
            }
        }

        /// The name of every listed operation, as `module.method`.
        pub const NAMES: &[&str] = &[$(concat!($module, ".", $method)),*];
    };
}

operations! {
    /// 002 `/register`: a new account (the password hashed on the pool).
    "user"."register" => Register {
        /// Account name.
        name: String,
        /// Password in clear.
        password: String,
    } -> UserRow = |b, me, p| sessions::register(b, p.name, p.password).await;

    /// 002 `/login`, xuanxuan `login`: checks credentials (throttled per name and address)
    /// and issues a token.
    "user"."login" => Login {
        /// Account name.
        name: String,
        /// Password in clear.
        password: String,
        /// The client's address, for the throttle.
        addr: Option<IpAddr>,
        /// The password may also come as the MD5 hex of what the user typed (xuanxuan).
        #[serde(default)]
        md5: bool,
    } -> (UserRow, String) = |b, me, p| {
        sessions::login(b, p.name, p.password, p.addr, p.md5).await
    };

    /// Seed 000's `serverStart`, sent by a gateway when it starts: every user is offline.
    "chat"."serverStart" => ServerStart {} -> () = |b, me, p| sessions::server_start(b).await;

    /// Checks credentials without logging in (xxd's `/serverInfo`); answers the user's id.
    "user"."verify" => CheckPassword {
        /// Account name.
        name: String,
        /// Password, as typed or (with `md5`) as its MD5 hex.
        password: String,
        /// The client's address, for the throttle.
        addr: Option<IpAddr>,
        /// The password may be the MD5 hex of what the user typed.
        #[serde(default)]
        md5: bool,
    } -> i64 = |b, me, p| sessions::verify(b, p.name, p.password, p.addr, p.md5).await;

    /// The user a token belongs to (401 if unknown or revoked).
    "user"."authenticate" => Authenticate {
        /// The token.
        token: String,
    } -> i64 = |b, me, p| sessions::authenticate(b, p.token).await;

    /// Revokes tokens by their hashes and closes their sockets with `reason`.
    "user"."revoke" => Revoke {
        /// SHA-256 hashes of the tokens.
        hashes: Vec<String>,
        /// What the closed sockets are told.
        reason: String,
    } -> () = |b, me, p| sessions::revoke(b, p.hashes, &p.reason).await;

    /// 002: the user with account `name`.
    "user"."byName" => UserNamed {
        /// Account name.
        name: String,
    } -> UserRow = |b, me, p| rooms::user_named(&b.db, p.name).await;

    /// Every user (the push after a xuanxuan login).
    "user"."all" => AllUsers {} -> Vec<UserRow> = |b, me, p| users::all(&b.db).await;

    /// A 003 socket of the caller opened (online, announced to extension sessions).
    "session"."socketOpened" => SocketOpened {} -> () = |b, me, p| {
        sessions::socket_opened(b, caller(me)?).await;
        Ok(())
    };

    /// The caller's last 003 socket closed (offline unless a session is left).
    "session"."socketClosed" => SocketClosed {} -> () = |b, me, p| {
        sessions::last_socket_closed(b, caller(me)?).await;
        Ok(())
    };

    /// The caller logged in on a xuanxuan socket with `status`: the user, and the `login`
    /// announcement, which the gateway delivers after the login's own pushes.
    "session"."loggedIn" => LoggedIn {
        /// online, away or busy.
        status: String,
        /// The new session's sid hash: the caller's other xuanxuan sessions, on any gateway,
        /// are closed with the kickoff.
        keep: String,
    } -> Reply<UserRow> = |b, me, p| {
        let me = caller(me)?;
        let reply = sessions::logged_in(&b.db, me, p.status).await?;
        b.gateway.replace_xuanxuan(me, &p.keep);
        Ok(reply)
    };

    /// A xuanxuan login's announcement (the `pushes` of `session.loggedIn`), delivered by the
    /// backend once the new session has had its own pushes, so it reaches every gateway.
    "session"."announce" => Announce {
        /// What `session.loggedIn` answered.
        pushes: Vec<Push>,
    } -> () = |b, me, p| {
        caller(me)?;
        b.gateway.deliver(&p.pushes);
        Ok(())
    };

    /// The caller logs out of xuanxuan (announced to everyone else).
    "session"."loggingOut" => LoggingOut {} -> UserRow = |b, me, p| {
        Ok(b.delivered(sessions::logging_out(&b.db, caller(me)?).await?))
    };

    /// A xuanxuan session of the caller ended: its sid is revoked, and with `offline` the
    /// user goes offline.
    "session"."ended" => Ended {
        /// The session's sid.
        sid: String,
        /// It was the user's last session.
        offline: bool,
    } -> () = |b, me, p| sessions::ended(&b.db, caller(me)?, p.sid, p.offline).await;

    /// Posts a message (stored, pushed, or queued offline); see [`messages::post`].
    "message"."post" => Post {
        /// Where it goes.
        target: Target,
        /// What was sent.
        draft: Draft,
        /// Who may receive a direct message.
        policy: DirectPolicy,
    } -> Posted = |b, me, p| messages::post(b, caller(me)?, p.target, p.draft, p.policy).await;

    /// The caller's offline inbox (filtered), taken out with `remove`.
    "message"."offline" => Offline {
        /// Which messages.
        filter: InboxFilter,
        /// Take them out of the inbox.
        remove: bool,
    } -> Vec<MessageRow> = |b, me, p| {
        messages::offline(&b.db, caller(me)?, p.filter, p.remove).await
    };

    /// Takes messages out of the caller's inbox (they were handed over).
    "message"."removeFromInbox" => RemoveFromInbox {
        /// Message ids.
        ids: Vec<i64>,
    } -> () = |b, me, p| messages::remove_from_inbox(&b.db, caller(me)?, p.ids).await;

    /// The extension's `RECEIVED`: the inbox emptied and the sync cursor moved up to `upTo`.
    "message"."received" => Received {
        /// The newest message id received.
        up_to: i64,
    } -> () = |b, me, p| messages::received(b, caller(me)?, p.up_to).await;

    /// Answers once every message posted before it is stored and delivered (the
    /// extension's `PONG`).
    "message"."barrier" => Barrier {} -> () = |b, me, p| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        messages::after_submitted(b, move || {
            let _ = tx.send(());
        })
        .await?;
        rx.await
            .map_err(|_| ApiError::internal("the database writer has stopped"))
    };

    /// A gateway could not deliver message `id` to `users`: it waits in their inbox.
    "message"."undelivered" => Undelivered {
        /// The message.
        id: i64,
        /// Who missed it.
        users: Vec<i64>,
    } -> () = |b, me, p| messages::undelivered(&b.db, p.id, p.users).await;

    /// A sync page for the caller (`GET /api/sync`).
    "message"."sync" => SyncPage {
        /// Start after this id (default: the acknowledged cursor).
        after: Option<i64>,
        /// At most this many.
        limit: u32,
    } -> (i64, Vec<MessageRow>, bool) = |b, me, p| {
        messages::sync_page(&b.db, caller(me)?, p.after, p.limit).await
    };

    /// 003: creates a group owned by the caller; answers its id.
    "group"."create" => CreateGroup {
        /// Name.
        name: String,
    } -> i64 = |b, me, p| chat::create_group(&b.db, caller(me)?, p.name).await;

    /// 003: the caller's groups.
    "group"."list" => Groups {} -> Vec<GroupInfo> = |b, me, p| {
        chat::groups(&b.db, caller(me)?).await
    };

    /// 003: one group the caller may see.
    "group"."info" => Group {
        /// Group id.
        id: i64,
    } -> GroupInfo = |b, me, p| chat::group(&b.db, caller(me)?, p.id).await;

    /// Renames a chat (pushes `changeName`).
    "group"."rename" => Rename {
        /// The chat.
        chat: ChatRef,
        /// New name.
        name: String,
    } -> ChatRow = |b, me, p| {
        Ok(b.delivered(chat::rename(&b.db, caller(me)?, p.chat, p.name).await?))
    };

    /// Removes members (pushes `addMember`, to them too).
    "group"."removeMembers" => RemoveMembers {
        /// The chat.
        chat: ChatRef,
        /// Who.
        users: Vec<i64>,
    } -> ChatRow = |b, me, p| {
        Ok(b.delivered(chat::remove_members(&b.db, caller(me)?, p.chat, p.users).await?))
    };

    /// The caller leaves a chat (the owner dissolves it).
    "group"."leave" => Leave {
        /// The chat.
        chat: ChatRef,
    } -> ChatRow = |b, me, p| Ok(b.delivered(chat::leave(&b.db, caller(me)?, p.chat).await?));

    /// Invites a user to a chat; answers the invitation's id.
    "group"."invite" => Invite {
        /// The chat.
        chat: ChatRef,
        /// Who.
        user: i64,
    } -> i64 = |b, me, p| Ok(b.delivered(chat::invite(&b.db, caller(me)?, p.chat, p.user).await?));

    /// The invitations waiting for the caller.
    "group"."invitations" => Invitations {} -> Vec<GroupRequest> = |b, me, p| {
        social::invitations(&b.db, caller(me)?).await
    };

    /// Accepts an invitation (pushes `addMember`).
    "group"."accept" => Accept {
        /// The invitation.
        invitation: i64,
    } -> ChatRow = |b, me, p| {
        Ok(b.delivered(chat::accept(&b.db, caller(me)?, p.invitation).await?))
    };

    /// Declines an invitation.
    "group"."decline" => Decline {
        /// The invitation.
        invitation: i64,
    } -> () = |b, me, p| {
        let reply = chat::decline(&b.db, caller(me)?, p.invitation).await?;
        b.delivered(reply);
        Ok(())
    };

    /// Asks `user` to be a friend (or accepts their request); answers whether they now are.
    "friend"."ask" => AskFriend {
        /// Who.
        user: i64,
    } -> bool = |b, me, p| social::ask_friend(&b.db, caller(me)?, p.user).await;

    /// The caller's friends.
    "friend"."list" => Friends {} -> Vec<i64> = |b, me, p| {
        social::friends(&b.db, caller(me)?).await
    };

    /// Who asked the caller to be a friend.
    "friend"."requests" => FriendRequests {} -> Vec<i64> = |b, me, p| {
        social::friend_requests(&b.db, caller(me)?).await
    };

    /// Ends a friendship (or a request); answers whether there was one.
    "friend"."remove" => RemoveFriend {
        /// Who.
        user: i64,
    } -> bool = |b, me, p| social::remove_friend(&b.db, caller(me)?, p.user).await;

    /// Blocks a user.
    "block"."add" => Block {
        /// Who.
        user: i64,
    } -> () = |b, me, p| social::block(&b.db, caller(me)?, p.user).await;

    /// Who the caller blocked.
    "block"."list" => Blocked {} -> Vec<i64> = |b, me, p| social::blocked(&b.db, caller(me)?).await;

    /// Unblocks a user; answers whether they were blocked.
    "block"."remove" => Unblock {
        /// Who.
        user: i64,
    } -> bool = |b, me, p| social::unblock(&b.db, caller(me)?, p.user).await;

    /// 002: the members of channel `name`.
    "room"."members" => ChannelMembers {
        /// Channel name.
        name: String,
    } -> Vec<UserRow> = |b, me, p| rooms::channel_members(&b.db, caller(me)?, p.name).await;

    /// 002 `/receive`: the direct messages waiting, taken, with their senders' names.
    "room"."takeDirect" => TakeDirect {
        /// The caller's own name, if given.
        name: Option<String>,
    } -> Vec<(String, MessageRow)> = |b, me, p| {
        rooms::take_direct(&b.db, caller(me)?, p.name).await
    };

    /// 002: joins channel `name` to send to it (created on first use); answers the chat.
    "room"."joinToSend" => JoinToSend {
        /// Channel name.
        name: String,
    } -> ChatRow = |b, me, p| {
        Ok(b.delivered(rooms::join_to_send(&b.db, caller(me)?, p.name).await?))
    };

    /// 002 `/channel/receive`: the channel's messages after the caller's cursor.
    "room"."receive" => ReceiveChannel {
        /// Channel name.
        name: String,
    } -> Vec<(String, MessageRow)> = |b, me, p| {
        rooms::receive_channel(&b.db, caller(me)?, p.name).await
    };

    /// Stores an uploaded file in chat `gid`.
    "file"."store" => StoreFile {
        /// The chat's gid.
        gid: String,
        /// File name.
        name: String,
        /// The content.
        #[serde(with = "crate::backend::ops::base64_bytes")]
        bytes: Vec<u8>,
    } -> FileRow = |b, me, p| {
        files::store(&b.db, &b.files_dir, caller(me)?, p.gid, p.name, p.bytes).await
    };

    /// A file the caller may read, with its content.
    "file"."fetch" => FetchFile {
        /// File id.
        id: i64,
    } -> FetchedFile = |b, me, p| {
        let (row, bytes) = files::fetch(&b.db, &b.files_dir, caller(me)?, p.id).await?;
        Ok(FetchedFile { row, bytes })
    };

    /// 003 `POST /notification`: checks the key and pushes the notification to the 003
    /// sessions of those it is for; answers how many users it was for.
    "notification"."send" => SendNotification {
        /// The `X-Notify-Key` the request carried.
        key: String,
        /// Who it is for.
        target: NotificationParams,
        /// What is pushed.
        body: Notification,
    } -> usize = |b, me, p| {
        let users = notify::recipients(b, &p.key, p.target).await?;
        b.gateway.notify(&users, &p.body);
        Ok(users.len())
    };
}

/// A file and its content (the answer of [`FetchFile`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FetchedFile {
    /// The record.
    pub row: FileRow,
    /// The content.
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
}

/// Bytes as standard base64 in JSON.
pub mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Encodes.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    /// Decodes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::backend::tests::backend;
    use crate::error::ErrorKind;

    #[tokio::test]
    async fn an_envelope_runs_the_operation_it_names_and_answers_json() {
        let b = backend();
        let register = json!({"name": "ann", "password": "pw"});
        let ann = serve(&b, None, "user", "register", register)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ann["account"], "ann");
        let login = json!({"name": "ann", "password": "pw", "addr": "127.0.0.1"});
        let answer = serve(&b, None, "user", "login", login)
            .await
            .unwrap()
            .unwrap();
        let (user, token): (UserRow, String) = serde_json::from_value(answer).unwrap();
        assert_eq!(user.id, ann["id"]);
        let me = serve(&b, None, "user", "authenticate", json!({"token": token}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(me, ann["id"]);

        // An operation that needs a caller refuses an envelope without `userID`.
        let refused = serve(&b, None, "group", "list", Value::Null).await.unwrap();
        assert_eq!(refused.unwrap_err().kind, ErrorKind::Unauthorized);
        let id = me.as_i64();
        let made = serve(&b, id, "group", "create", json!({"name": "g"}))
            .await
            .unwrap();
        let groups = serve(&b, id, "group", "list", Value::Null)
            .await
            .unwrap()
            .unwrap();
        let made = made.unwrap().to_string();
        assert_eq!(
            groups[0]["id"].as_str(),
            Some(made.as_str()),
            "003 ids are strings"
        );

        // Bad params are the caller's error, named after the operation.
        let bad = serve(&b, id, "group", "create", json!({"name": 5}))
            .await
            .unwrap();
        let e = bad.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains("group.create"), "{}", e.message);
        // A wrong notification key is refused by the backend.
        let notify = json!({"key": "nope", "target": {"to": 1},
                            "body": {"notificationType": "x", "content": {}}});
        let e = serve(&b, None, "notification", "send", notify)
            .await
            .unwrap();
        assert_eq!(e.unwrap_err().kind, ErrorKind::Forbidden);

        // 000/001 methods are not listed: the envelope goes to the router as sent.
        assert!(
            serve(&b, id, "chat", "getList", Value::Null)
                .await
                .is_none()
        );
    }

    #[test]
    fn every_operation_has_its_own_name() {
        let mut names = NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), NAMES.len());
        assert!(NAMES.contains(&"chat.serverStart"));
    }
}
