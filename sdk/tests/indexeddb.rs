//! The IndexedDB store in headless Chromium (wasm-bindgen-test; scripts/test-all.sh runs it
//! with `--features indexeddb,store-conformance --target wasm32-unknown-unknown`): the
//! conformance suite every store passes, then what only a named browser database does.
#![cfg(all(
    target_arch = "wasm32",
    feature = "indexeddb",
    feature = "store-conformance"
))]

use chinwag::store::conformance::{self, apply, outbox, saving, send, session};
use chinwag::store::{IndexedDbStore, Store, StoreError};
use idb::DatabaseEvent;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = "http://127.0.0.1:1";

/// A database name no other test (or run) has used.
fn fresh(what: &str) -> String {
    format!("{what}-{}", js_sys::Math::random())
}

#[wasm_bindgen_test]
async fn the_indexeddb_store_conforms() {
    let store = IndexedDbStore::open(&fresh("conforms"), SERVER)
        .await
        .unwrap();
    conformance::run(&store).await;
}

#[wasm_bindgen_test]
async fn what_is_stored_outlives_the_store_and_one_client_holds_it_at_a_time() {
    let name = fresh("reopen");
    let store = IndexedDbStore::open(&name, SERVER).await.unwrap();
    apply(&store, saving(Some(session(5, None)))).await;
    apply(&store, outbox(vec![send("x"), send("y")], &[])).await;
    assert_eq!(
        IndexedDbStore::open(&name, SERVER).await.unwrap_err(),
        StoreError::InUse
    );
    drop(store);
    let again = IndexedDbStore::open(&name, SERVER).await.unwrap();
    let saved = again.load().await.unwrap();
    assert_eq!(saved.session, Some(session(5, None)));
    assert_eq!(saved.outbox, vec![send("x"), send("y")]);
    apply(&again, outbox(vec![send("z")], &["x"])).await;
    let gids: Vec<String> = again
        .load()
        .await
        .unwrap()
        .outbox
        .into_iter()
        .map(|s| s.gid)
        .collect();
    assert_eq!(
        gids,
        ["y", "z"],
        "a reopened store continues the send order"
    );
}

#[wasm_bindgen_test]
async fn a_database_that_is_not_this_servers_store_is_refused() {
    let other = fresh("other");
    drop(
        IndexedDbStore::open(&other, "http://elsewhere")
            .await
            .unwrap(),
    );
    assert_eq!(
        IndexedDbStore::open(&other, SERVER).await.unwrap_err(),
        StoreError::OtherServer("http://elsewhere".into())
    );

    let factory = idb::Factory::new().unwrap();
    let foreign = fresh("foreign");
    let mut request = factory.open(&foreign, Some(1)).unwrap();
    request.on_upgrade_needed(|event| {
        let db = event.database().unwrap();
        db.create_object_store("notes", idb::ObjectStoreParams::new())
            .unwrap();
    });
    request.await.unwrap().close();
    assert_eq!(
        IndexedDbStore::open(&foreign, SERVER).await.unwrap_err(),
        StoreError::Foreign
    );

    let newer = fresh("newer");
    factory
        .open(&newer, Some(9))
        .unwrap()
        .await
        .unwrap()
        .close();
    assert_eq!(
        IndexedDbStore::open(&newer, SERVER).await.unwrap_err(),
        StoreError::Newer { found: 9, known: 1 }
    );
}
