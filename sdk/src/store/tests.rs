//! One conformance suite, run against every store; then what only a file-backed store does.

use futures::executor::block_on;

use super::*;
use crate::model::Chat;

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

/// What every store must do.
fn conformance(store: &dyn Store) {
    assert_eq!(
        block_on(store.load()).unwrap(),
        Saved::default(),
        "new: empty"
    );

    block_on(store.save_session(Some(session(3, Some(40))))).unwrap();
    block_on(store.save_session(Some(session(3, Some(41))))).unwrap();
    assert_eq!(
        block_on(store.load()).unwrap().session,
        Some(session(3, Some(41))),
        "the last session saved"
    );

    let batch = vec![send("a"), send("b"), send("c")];
    block_on(store.update_outbox(batch, vec![])).unwrap();
    assert_eq!(gids(store), ["a", "b", "c"], "in send order");
    block_on(store.update_outbox(vec![send("b"), send("d")], vec!["b".into()])).unwrap();
    assert_eq!(
        gids(store),
        ["a", "c", "d"],
        "a gid added again is not a second send; removal in the same change"
    );
    let saved = block_on(store.load()).unwrap();
    assert_eq!(saved.outbox[1], send("c"), "the frame is kept as written");
    block_on(store.update_outbox(vec![], vec!["a".into(), "zz".into()])).unwrap();
    assert_eq!(gids(store), ["c", "d"], "an unknown gid removes nothing");

    let chat = |id: i64, gid: &str| Chat {
        id,
        gid: gid.into(),
        name: format!("chat {id}"),
        ..Chat::default()
    };
    block_on(store.save_chats(vec![chat(2, "b"), chat(1, "a")])).unwrap();
    assert_eq!(
        block_on(store.load()).unwrap().chats,
        vec![chat(2, "b"), chat(1, "a")],
        "the list as saved, in its order"
    );
    block_on(store.save_chats(vec![chat(3, "c")])).unwrap();
    assert_eq!(
        block_on(store.load()).unwrap().chats,
        vec![chat(3, "c")],
        "replaced"
    );

    block_on(store.save_session(None)).unwrap();
    assert_eq!(block_on(store.load()).unwrap().session, None, "logged out");
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
        block_on(store.save_session(Some(session(5, None)))).unwrap();
        block_on(store.update_outbox(vec![send("x"), send("y")], vec![])).unwrap();
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
                known: 2
            }
        );
    }

    #[test]
    fn a_store_of_the_first_schema_is_brought_up_to_date_keeping_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let store = SqliteStore::open(&path, SERVER).unwrap();
        block_on(store.save_session(Some(session(8, Some(3))))).unwrap();
        block_on(store.update_outbox(vec![send("q")], vec![])).unwrap();
        drop(store);
        // Back to schema 1, as the first SDK with a store left it.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("DROP TABLE chats; PRAGMA user_version = 1;")
            .unwrap();
        let store = SqliteStore::open(&path, SERVER).unwrap();
        let saved = block_on(store.load()).unwrap();
        assert_eq!(saved.session, Some(session(8, Some(3))));
        assert_eq!(saved.outbox, vec![send("q")]);
        assert!(saved.chats.is_empty());
        block_on(store.save_chats(vec![Chat::default()])).unwrap();
    }
}
