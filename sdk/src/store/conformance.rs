//! One conformance suite for every [`Store`] — the in-memory, SQLite and IndexedDB stores,
//! and any store an app brings (feature `store-conformance`).

use super::*;
use crate::model::{Chat, Delivery};

/// A session of user `user_id` with `cursor`.
pub fn session(user_id: i64, cursor: Option<i64>) -> Session {
    Session {
        token: format!("t{user_id}"),
        user_id,
        name: format!("user{user_id}"),
        cursor,
    }
}

/// A send with gid `gid`.
pub fn send(gid: &str) -> PendingSend {
    PendingSend {
        gid: gid.into(),
        frame: format!(r#"{{"type":"unicast","gid":"{gid}"}}"#),
    }
}

/// The outbox's gids, in order.
async fn gids(store: &dyn Store) -> Vec<String> {
    let saved = store.load().await.unwrap();
    saved.outbox.into_iter().map(|p| p.gid).collect()
}

/// Applies `changes`, which must succeed.
pub async fn apply(store: &dyn Store, changes: Changes) {
    store.apply(changes).await.unwrap();
}

/// An outbox change.
pub fn outbox(sent: Vec<PendingSend>, finished: &[&str]) -> Changes {
    Changes {
        sent,
        finished: finished.iter().map(|g| g.to_string()).collect(),
        ..Changes::default()
    }
}

/// Saving `session`.
pub fn saving(session: Option<Session>) -> Changes {
    Changes {
        session: Some(session),
        ..Changes::default()
    }
}

/// A message of `chat` from `sender`, stored (`id`) or pending.
pub fn message(chat: Target, sender: i64, gid: &str, id: Option<i64>) -> LocalMessage {
    LocalMessage {
        id,
        gid: gid.into(),
        chat,
        sender,
        content: crate::model::Content::Text(format!("text of {gid}")),
        timestamp_ms: 7,
        delivery: if id.is_some() {
            Delivery::Sent
        } else {
            Delivery::Pending
        },
    }
}

/// User `id` with `status`.
pub fn user(id: i64, status: &str) -> User {
    User {
        id,
        account: format!("u{id}"),
        status: status.into(),
        ..User::default()
    }
}

/// What every store must do.
/// Checks what every store must do, on `store` (new and empty); panics at the first failed
/// check, naming it.
pub async fn run(store: &dyn Store) {
    assert_eq!(store.load().await.unwrap(), Saved::default(), "new: empty");

    apply(store, saving(Some(session(3, Some(40))))).await;
    apply(store, saving(Some(session(3, Some(41))))).await;
    assert_eq!(
        store.load().await.unwrap().session,
        Some(session(3, Some(41))),
        "the last session saved"
    );

    apply(store, outbox(vec![send("a"), send("b"), send("c")], &[])).await;
    assert_eq!(gids(store).await, ["a", "b", "c"], "in send order");
    apply(store, outbox(vec![send("b"), send("d")], &["b"])).await;
    assert_eq!(
        gids(store).await,
        ["a", "c", "d"],
        "a gid added again is not a second send; removal in the same change"
    );
    let saved = store.load().await.unwrap();
    assert_eq!(saved.outbox[1], send("c"), "the frame is kept as written");
    apply(store, outbox(vec![], &["a", "zz"])).await;
    assert_eq!(
        gids(store).await,
        ["c", "d"],
        "an unknown gid removes nothing"
    );

    let chat = |id: i64, gid: &str| Chat {
        id,
        gid: gid.into(),
        name: format!("chat {id}"),
        ..Chat::default()
    };
    let chats = |list: Vec<Chat>| Changes {
        chats: Some(list),
        ..Changes::default()
    };
    apply(store, chats(vec![chat(2, "b"), chat(1, "a")])).await;
    assert_eq!(
        store.load().await.unwrap().chats,
        vec![chat(2, "b"), chat(1, "a")],
        "the list as saved, in its order"
    );
    apply(store, chats(vec![chat(3, "c")])).await;
    assert_eq!(
        store.load().await.unwrap().chats,
        vec![chat(3, "c")],
        "replaced"
    );

    let (peer, group) = (Target::User(2), Target::Group(9));
    let echo = message(peer, 3, "e", None);
    apply(
        store,
        Changes {
            messages: vec![
                echo.clone(),
                message(peer, 2, "r5", Some(5)),
                message(group, 4, "g1", Some(6)),
                message(peer, 2, "r4", Some(4)),
                message(peer, 2, "gone", Some(3)),
            ],
            conversations: vec![Conversation {
                chat: peer,
                unread: 2,
                latest_id: 5,
            }],
            users: vec![user(2, "online"), user(4, "away")],
            ..Changes::default()
        },
    )
    .await;
    let sent = LocalMessage {
        id: Some(8),
        delivery: Delivery::Sent,
        ..echo.clone()
    };
    apply(
        store,
        Changes {
            messages: vec![sent.clone()],
            dropped: vec![(2, "gone".into()), (3, "never-kept".into())],
            conversations: vec![Conversation {
                chat: peer,
                unread: 0,
                latest_id: 5,
            }],
            users: vec![user(2, "busy")],
            ..Changes::default()
        },
    )
    .await;
    let saved = store.load().await.unwrap();
    let in_peer: Vec<_> = saved
        .messages
        .iter()
        .filter(|m| m.chat == peer)
        .map(|m| m.gid.as_str())
        .collect();
    assert_eq!(
        in_peer,
        ["r4", "r5", "e"],
        "by id; the echo replaced by its sent form; the dropped one gone"
    );
    assert!(saved.messages.contains(&sent));
    assert!(saved.messages.contains(&message(group, 4, "g1", Some(6))));
    assert_eq!(
        saved.conversations,
        vec![Conversation {
            chat: peer,
            unread: 0,
            latest_id: 5
        }]
    );
    let mut users = saved.users.clone();
    users.sort_by_key(|u| u.id);
    assert_eq!(users, vec![user(2, "busy"), user(4, "away")]);

    apply(
        store,
        Changes {
            reset: true,
            session: Some(None),
            ..Changes::default()
        },
    )
    .await;
    let saved = store.load().await.unwrap();
    assert_eq!(saved.session, None, "logged out");
    assert!(
        saved.chats.is_empty() && saved.messages.is_empty(),
        "the user's data went"
    );
    assert!(saved.conversations.is_empty() && saved.users.is_empty());
    assert_eq!(
        gids(store).await,
        ["c", "d"],
        "the outbox is not the reset's to clear"
    );
}
