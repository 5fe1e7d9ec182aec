//! The conformance suite on the in-memory and SQLite stores; then what only a file-backed
//! store does.

use futures::executor::block_on;

use super::conformance::{self, apply, message, outbox, saving, send, session};
use super::*;
use crate::model::Chat;

#[test]
fn memory_store_conforms() {
    block_on(conformance::run(&MemoryStore::default()));
}

#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
mod sqlite {
    use super::*;

    const SERVER: &str = "http://127.0.0.1:1";

    #[test]
    fn sqlite_store_conforms() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.db"), SERVER).unwrap();
        block_on(conformance::run(&store));
    }

    #[test]
    fn what_is_stored_outlives_the_store_and_one_client_holds_it_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = SqliteStore::open(&path, SERVER).unwrap();
        block_on(apply(&store, saving(Some(session(5, None)))));
        block_on(apply(&store, outbox(vec![send("x"), send("y")], &[])));
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
        block_on(apply(&store, saving(Some(session(8, Some(3))))));
        block_on(apply(&store, outbox(vec![send("q")], &[])));
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
        block_on(apply(
            &store,
            Changes {
                chats: Some(vec![Chat::default()]),
                messages: vec![message(Target::User(2), 2, "m", Some(1))],
                ..Changes::default()
            },
        ));
        assert_eq!(block_on(store.load()).unwrap().messages.len(), 1);
    }
}
