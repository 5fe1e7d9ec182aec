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

#[wasm_bindgen_test]
async fn a_store_held_by_another_tab_is_refused_until_it_lets_go() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::JsValue;
    // Another tab of the origin holds the store's Web Lock (taken here straight from
    // navigator.locks, which the store's own set of held names knows nothing of).
    let name = fresh("tabs");
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).unwrap();
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let release = std::rc::Rc::new(std::cell::RefCell::new(None::<js_sys::Function>));
    let keep = release.clone();
    let callback = wasm_bindgen::closure::Closure::once_into_js(move |_lock: JsValue| {
        js_sys::Promise::new(&mut |done, _| *keep.borrow_mut() = Some(done))
    });
    let key = JsValue::from_str(&format!("chinwag-store:{name}"));
    let _ = request.call2(&locks, &key, &callback).unwrap();
    // The other tab's lock is granted once its callback ran.
    for _ in 0..100 {
        if release.borrow().is_some() {
            break;
        }
        pause(10).await;
    }
    assert!(release.borrow().is_some(), "the other tab holds the lock");
    assert_eq!(
        IndexedDbStore::open(&name, SERVER).await.unwrap_err(),
        StoreError::InUse
    );
    // The other tab closes: the store opens.
    let done = release.borrow_mut().take().unwrap();
    done.call0(&JsValue::UNDEFINED).unwrap();
    let mut opened = None;
    for _ in 0..100 {
        match IndexedDbStore::open(&name, SERVER).await {
            Ok(store) => {
                opened = Some(store);
                break;
            }
            Err(StoreError::InUse) => pause(10).await,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(opened.is_some(), "opens once the other tab let go");
}

/// Waits `ms` milliseconds (a macrotask: lock grants and releases happen between them).
async fn pause(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
