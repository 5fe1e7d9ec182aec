//! One conformance suite, run against every store; then what only a file-backed store does.

use futures::executor::block_on;

use super::*;
use crate::model::{Chat, Delivery};

fn session(user_id: i64, cursor: Option<i64>) -> Session {
    Session {
        token: format!("t{user_id}"),
        user_id,
        name: format!("user{user_id}"),
        cursor,
    }
}

fn send(gid: &str) -> PendingSend {
    PendingSend {
        gid: gid.into(),
        frame: format!(r#"{{"type":"unicast","gid":"{gid}"}}"#),
    }
}

fn gids(store: &dyn Store) -> Vec<String> {
    let saved = block_on(store.load()).unwrap();
    saved.outbox.into_iter().map(|p| p.gid).collect()
}

fn apply(store: &dyn Store, changes: Changes) {
    block_on(store.apply(changes)).unwrap();
}

fn outbox(sent: Vec<PendingSend>, finished: &[&str]) -> Changes {
    Changes {
        sent,
        finished: finished.iter().map(|g| g.to_string()).collect(),
        ..Changes::default()
    }
}

fn saving(session: Option<Session>) -> Changes {
    Changes {
        session: Some(session),
        ..Changes::default()
    }
}

fn message(chat: Target, sender: i64, gid: &str, id: Option<i64>) -> LocalMessage {
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

fn user(id: i64, status: &str) -> User {
    User {
        id,
        account: format!("u{id}"),
        status: status.into(),
        ..User::default()
    }
}

/// What every store must do.
fn conformance(store: &dyn Store) {
    assert_eq!(
        block_on(store.load()).unwrap(),
        Saved::default(),
        "new: empty"
    );

    apply(store, saving(Some(session(3, Some(40)))));
    apply(store, saving(Some(session(3, Some(41)))));
    assert_eq!(
        block_on(store.load()).unwrap().session,
        Some(session(3, Some(41))),
        "the last session saved"
    );

    apply(store, outbox(vec![send("a"), send("b"), send("c")], &[]));
    assert_eq!(gids(store), ["a", "b", "c"], "in send order");
    apply(store, outbox(vec![send("b"), send("d")], &["b"]));
    assert_eq!(
        gids(store),
        ["a", "c", "d"],
        "a gid added again is not a second send; removal in the same change"
    );
    let saved = block_on(store.load()).unwrap();
    assert_eq!(saved.outbox[1], send("c"), "the frame is kept as written");
    apply(store, outbox(vec![], &["a", "zz"]));
    assert_eq!(gids(store), ["c", "d"], "an unknown gid removes nothing");

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
    apply(store, chats(vec![chat(2, "b"), chat(1, "a")]));
    assert_eq!(
        block_on(store.load()).unwrap().chats,
        vec![chat(2, "b"), chat(1, "a")],
        "the list as saved, in its order"
    );
    apply(store, chats(vec![chat(3, "c")]));
    assert_eq!(
        block_on(store.load()).unwrap().chats,
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
    );
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
    );
    let saved = block_on(store.load()).unwrap();
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
    );
    let saved = block_on(store.load()).unwrap();
    assert_eq!(saved.session, None, "logged out");
    assert!(
        saved.chats.is_empty() && saved.messages.is_empty(),
        "the user's data went"
    );
    assert!(saved.conversations.is_empty() && saved.users.is_empty());
    assert_eq!(
        gids(store),
        ["c", "d"],
        "the outbox is not the reset's to clear"
    );
}

#[test]
fn memory_store_conforms() {
    conformance(&MemoryStore::default());
}

#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
mod sqlite {
    use super::*;

    const SERVER: &str = "http://127.0.0.1:1";

    #[test]
    fn sqlite_store_conforms() {
        let dir = tempfile::tempdir().unwrap();
        conformance(&SqliteStore::open(dir.path().join("s.db"), SERVER).unwrap());
    }

    #[test]
    fn what_is_stored_outlives_the_store_and_one_client_holds_it_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = SqliteStore::open(&path, SERVER).unwrap();
        apply(&store, saving(Some(session(5, None))));
        apply(&store, outbox(vec![send("x"), send("y")], &[]));
        assert_eq!(
            SqliteStore::open(&path, SERVER).unwrap_err(),
            StoreError::InUse
        );
        drop(store);
        let again = SqliteStore::open(&path, SERVER).unwrap();
        let saved = block_on(again.load()).unwrap();
        assert_eq!(saved.session, Some(session(5, None)));
        assert_eq!(saved.outbox, vec![send("x"), send("y")]);
    }

    #[test]
    fn a_file_that_is_not_this_servers_store_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();

        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
        assert!(matches!(
            SqliteStore::open(&garbage, SERVER),
            Err(StoreError::Corrupt(_))
        ));
        assert_eq!(std::fs::read(&garbage).unwrap(), vec![0x5a; 8192]);

        let foreign = dir.path().join("foreign.db");
        rusqlite::Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE notes (body TEXT)")
            .unwrap();
        assert_eq!(
            SqliteStore::open(&foreign, SERVER).unwrap_err(),
            StoreError::Foreign
        );

        let other = dir.path().join("other.db");
        drop(SqliteStore::open(&other, "http://elsewhere").unwrap());
        assert_eq!(
            SqliteStore::open(&other, SERVER).unwrap_err(),
            StoreError::OtherServer("http://elsewhere".into())
        );

        let newer = dir.path().join("newer.db");
        drop(SqliteStore::open(&newer, SERVER).unwrap());
        rusqlite::Connection::open(&newer)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        assert_eq!(
            SqliteStore::open(&newer, SERVER).unwrap_err(),
            StoreError::Newer {
                found: 99,
                known: 3
            }
        );
    }

    #[test]
    fn a_store_of_the_first_schema_is_brought_up_to_date_keeping_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let store = SqliteStore::open(&path, SERVER).unwrap();
        apply(&store, saving(Some(session(8, Some(3)))));
        apply(&store, outbox(vec![send("q")], &[]));
        drop(store);
        // Back to schema 1, as the first SDK with a store left it.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "DROP TABLE chats; DROP TABLE messages; DROP TABLE conversations;
                 DROP TABLE users; PRAGMA user_version = 1;",
            )
            .unwrap();
        let store = SqliteStore::open(&path, SERVER).unwrap();
        let saved = block_on(store.load()).unwrap();
        assert_eq!(saved.session, Some(session(8, Some(3))));
        assert_eq!(saved.outbox, vec![send("q")]);
        assert!(saved.chats.is_empty() && saved.messages.is_empty());
        apply(
            &store,
            Changes {
                chats: Some(vec![Chat::default()]),
                messages: vec![message(Target::User(2), 2, "m", Some(1))],
                ..Changes::default()
            },
        );
        assert_eq!(block_on(store.load()).unwrap().messages.len(), 1);
    }
}
