//! The IndexedDB store (browsers): one database per store name, one object store per kind of
//! record, JSON values, one read-write transaction per [`Store::apply`].
//!
//! One client holds a store name at a time across every tab and worker of the origin: an open
//! store holds the Web Lock `chinwag-store:<name>` (`navigator.locks`, asked with
//! `ifAvailable`), and a second client gets [`StoreError::InUse`] at once. Where the Web Locks
//! API is missing, a set of the names this thread holds does it for one page.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, Query, TransactionMode};
use js_sys::Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::{Changes, PendingSend, Saved, Store, StoreError};
use crate::model::{Chat, LocalMessage, Session, User};
use crate::runtime::BoxFuture;

/// The schema this SDK writes (the database's version).
const SCHEMA: u32 = 1;

/// The object stores, all read and written together.
const STORES: [&str; 7] = [
    "meta",
    "session",
    "outbox",
    "chats",
    "messages",
    "conversations",
    "users",
];

thread_local! {
    /// The store names a client of this page holds.
    static HELD: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// A store in the IndexedDB database `name`, held by one client until dropped.
#[derive(Debug)]
pub struct IndexedDbStore {
    db: Database,
    /// Holds the name while the store is open.
    _lease: Lease,
    /// The next write's sequence number (send and message order).
    seq: Cell<f64>,
    /// What the store held when it was opened (read then to continue the sequence), handed
    /// to the first load unless a write came first: a client starting on the store reads it
    /// once.
    opened: RefCell<Option<Saved>>,
}

/// An outbox record.
#[derive(Serialize, Deserialize)]
struct Outgoing {
    seq: f64,
    gid: String,
    frame: String,
}

/// A message record.
#[derive(Serialize, Deserialize)]
struct Kept {
    seq: f64,
    message: LocalMessage,
}

impl IndexedDbStore {
    /// Opens (creating if needed) the store `name` for the server at `server`.
    pub async fn open(name: &str, server: &str) -> Result<IndexedDbStore, StoreError> {
        let lease = Lease::take(name).await?;
        open(name, server, lease).await
    }

    /// A transaction over every object store.
    fn transaction(&self, mode: TransactionMode) -> Result<idb::Transaction, StoreError> {
        self.db.transaction(&STORES, mode).map_err(io)
    }

    /// Everything held, read in one transaction.
    async fn read(&self) -> Result<Saved, StoreError> {
        let tx = self.transaction(TransactionMode::ReadOnly)?;
        let session: Option<Session> = match values(&tx, "session").await?.pop() {
            Some(value) => Some(parse(value, "the saved session")?),
            None => None,
        };
        let mut outbox: Vec<Outgoing> = parse_all(values(&tx, "outbox").await?, "a send")?;
        outbox.sort_unstable_by(|a, b| a.seq.total_cmp(&b.seq));
        let chats: Vec<Chat> = parse_all(values(&tx, "chats").await?, "a saved chat")?;
        let mut kept: Vec<Kept> = parse_all(values(&tx, "messages").await?, "a message")?;
        kept.sort_unstable_by(|a, b| {
            let key = |k: &Kept| (k.message.id.is_none(), k.message.id);
            key(a).cmp(&key(b)).then(a.seq.total_cmp(&b.seq))
        });
        let conversations = parse_all(values(&tx, "conversations").await?, "a conversation")?;
        let users: Vec<User> = parse_all(values(&tx, "users").await?, "a saved user")?;
        let next = outbox
            .iter()
            .map(|o| o.seq)
            .chain(kept.iter().map(|k| k.seq))
            .fold(0.0, f64::max);
        self.seq.set(self.seq.get().max(next + 1.0));
        Ok(Saved {
            session,
            outbox: outbox
                .into_iter()
                .map(|o| PendingSend {
                    gid: o.gid,
                    frame: o.frame,
                })
                .collect(),
            chats,
            messages: kept.into_iter().map(|k| k.message).collect(),
            conversations,
            users,
        })
    }

    /// Makes `changes` in one read-write transaction: every request is issued, then the
    /// transaction commits (or, if one fails, aborts as a whole).
    async fn write(&self, changes: Changes) -> Result<(), StoreError> {
        let tx = self.transaction(TransactionMode::ReadWrite)?;
        let store = |name: &str| tx.object_store(name).map_err(io);
        let seq = || {
            let n = self.seq.get();
            self.seq.set(n + 1.0);
            n
        };
        if changes.reset {
            for name in ["chats", "messages", "conversations", "users"] {
                store(name)?.clear().map_err(io)?;
            }
        }
        match &changes.session {
            Some(Some(session)) => {
                put(&store("session")?, &js(session), &1.0.into())?;
            }
            Some(None) => {
                store("session")?.clear().map_err(io)?;
            }
            None => {}
        }
        let outbox = store("outbox")?;
        for send in changes.sent {
            let key = JsValue::from_str(&send.gid);
            let record = Outgoing {
                seq: seq(),
                gid: send.gid,
                frame: send.frame,
            };
            // A gid held already is not a second send (it keeps its place).
            let held = outbox
                .get_key(Query::Key(key.clone()))
                .map_err(io)?
                .await
                .map_err(io)?;
            if held.is_none() {
                put(&outbox, &js(&record), &key)?;
            }
        }
        for gid in &changes.finished {
            delete(&outbox, JsValue::from_str(gid))?;
        }
        if let Some(chats) = &changes.chats {
            let list = store("chats")?;
            list.clear().map_err(io)?;
            for (position, chat) in chats.iter().enumerate() {
                put(&list, &js(chat), &(position as f64).into())?;
            }
        }
        let messages = store("messages")?;
        for message in changes.messages {
            let key = message_key(message.sender, &message.gid);
            let record = Kept {
                seq: seq(),
                message,
            };
            put(&messages, &js(&record), &key)?;
        }
        for (sender, gid) in &changes.dropped {
            delete(&messages, message_key(*sender, gid))?;
        }
        let conversations = store("conversations")?;
        for c in &changes.conversations {
            put(&conversations, &js(c), &conversation_key(c.chat))?;
        }
        let users = store("users")?;
        for u in &changes.users {
            put(&users, &js(u), &(u.id as f64).into())?;
        }
        let result = tx.commit().map_err(io)?.await.map_err(io)?;
        if result.is_committed() {
            Ok(())
        } else {
            Err(StoreError::Io("the store's transaction was aborted".into()))
        }
    }
}

impl Drop for IndexedDbStore {
    fn drop(&mut self) {
        // The lease goes after, with the other fields.
        self.db.close();
    }
}

/// A store name held by this client: the Web Lock on it (released on drop), and its place in
/// this thread's set.
#[derive(Debug)]
struct Lease {
    name: String,
    /// Resolves the promise the lock's callback returned: releases the lock.
    release: Option<js_sys::Function>,
}

impl Lease {
    /// Takes `name`, or [`StoreError::InUse`] if another client (of any tab) holds it.
    async fn take(name: &str) -> Result<Lease, StoreError> {
        let newly_held = HELD.with(|h| h.borrow_mut().insert(name.to_string()));
        if !newly_held {
            return Err(StoreError::InUse);
        }
        // From here on, dropping the lease (on any error) gives the name back.
        let mut lease = Lease {
            name: name.to_string(),
            release: None,
        };
        // A lock this page let go of a moment ago (a client closed, then opened again) is
        // released asynchronously: a few short waits before calling the store taken.
        for wait in [0, 10, 20, 40, 80] {
            if wait > 0 {
                pause(wait).await;
            }
            let key = format!("chinwag-store:{name}");
            let answer = wasm_bindgen_futures::JsFuture::from(take_web_lock(&key))
                .await
                .unwrap_or(JsValue::NULL);
            if answer.is_undefined() {
                // No Web Locks here (Node): this thread's set is all there is.
                return Ok(lease);
            }
            if let Ok(release) = wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(answer) {
                lease.release = Some(release);
                return Ok(lease);
            }
        }
        Err(StoreError::InUse)
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = "
export function take_web_lock(name) {
  const locks = globalThis.navigator && globalThis.navigator.locks;
  if (!locks || typeof locks.request !== 'function') return Promise.resolve(undefined);
  return new Promise((granted) => {
    locks.request(name, { ifAvailable: true }, (lock) => {
      if (!lock) { granted(null); return undefined; }
      return new Promise((release) => granted(release));
    }).catch(() => granted(null));
  });
}")]
extern "C" {
    /// Asks for the Web Lock `name` if it is free (`navigator.locks.request` with
    /// `ifAvailable`): resolves to the function that releases it, `null` if another client
    /// holds it, or `undefined` where there are no Web Locks.
    fn take_web_lock(name: &str) -> js_sys::Promise;
}

/// Waits `ms` milliseconds (the browser runtime's timer).
async fn pause(ms: u64) {
    use crate::runtime::Runtime;
    crate::runtime::BrowserRuntime::new()
        .sleep(std::time::Duration::from_millis(ms))
        .await;
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
        HELD.with(|h| h.borrow_mut().remove(&self.name));
    }
}

impl Store for IndexedDbStore {
    fn load(&self) -> BoxFuture<'_, Result<Saved, StoreError>> {
        match self.opened.take() {
            Some(saved) => Box::pin(std::future::ready(Ok(saved))),
            None => Box::pin(self.read()),
        }
    }

    fn apply(&self, changes: Changes) -> BoxFuture<'_, Result<(), StoreError>> {
        self.opened.take();
        Box::pin(self.write(changes))
    }
}

/// Opens the database, creating its object stores on first use, and checks that it is this
/// server's store of a schema this SDK reads.
async fn open(name: &str, server: &str, lease: Lease) -> Result<IndexedDbStore, StoreError> {
    let factory = Factory::new().map_err(io)?;
    let mut request = factory.open(name, Some(SCHEMA)).map_err(io)?;
    request.on_upgrade_needed(|event| {
        if event.old_version().unwrap_or(0) != 0 {
            return;
        }
        if let Ok(db) = event.database() {
            for store in STORES {
                let _ = db.create_object_store(store, ObjectStoreParams::new());
            }
        }
    });
    let db = match request.await {
        Ok(db) => db,
        Err(e) => {
            // Opening at this SDK's version fails on a newer SDK's store: its version, read
            // by opening it as it is, tells which.
            let found = match factory.open(name, None).map_err(io)?.await {
                Ok(db) => {
                    let version = db.version().unwrap_or(0);
                    db.close();
                    version
                }
                Err(_) => 0,
            };
            return Err(if found > SCHEMA {
                StoreError::Newer {
                    found: found.into(),
                    known: SCHEMA.into(),
                }
            } else {
                io(e)
            });
        }
    };
    let names = db.store_names();
    if STORES.iter().any(|s| !names.iter().any(|n| n == s)) {
        db.close();
        return Err(StoreError::Foreign);
    }
    let store = IndexedDbStore {
        db,
        _lease: lease,
        seq: Cell::new(1.0),
        opened: RefCell::new(None),
    };
    let tx = store.transaction(TransactionMode::ReadWrite)?;
    let meta = tx.object_store("meta").map_err(io)?;
    let held: Option<JsValue> = meta
        .get(Query::Key("server".into()))
        .map_err(io)?
        .await
        .map_err(io)?;
    match held.and_then(|v| v.as_string()) {
        Some(s) if s != server => return Err(StoreError::OtherServer(s)),
        Some(_) => {}
        None => put(&meta, &JsValue::from_str(server), &"server".into())?,
    }
    tx.commit().map_err(io)?.await.map_err(io)?;
    // The sequence continues after what the store holds.
    let saved = store.read().await?;
    store.opened.replace(Some(saved));
    Ok(store)
}

/// Every value of object store `name`, in key order.
async fn values(tx: &idb::Transaction, name: &str) -> Result<Vec<JsValue>, StoreError> {
    let all = tx
        .object_store(name)
        .map_err(io)?
        .get_all(None, None)
        .map_err(io)?
        .await
        .map_err(io)?;
    Ok(all)
}

/// Writes `value` at `key`, replacing what is there.
fn put(store: &idb::ObjectStore, value: &JsValue, key: &JsValue) -> Result<(), StoreError> {
    store.put(value, Some(key)).map(drop).map_err(io)
}

/// Deletes the record at `key`.
fn delete(store: &idb::ObjectStore, key: JsValue) -> Result<(), StoreError> {
    store.delete(Query::Key(key)).map(drop).map_err(io)
}

/// A message's key: its sender and gid.
fn message_key(sender: i64, gid: &str) -> JsValue {
    Array::of2(&(sender as f64).into(), &gid.into()).into()
}

/// A conversation's key: its target as text (`u2`, `g5`).
fn conversation_key(chat: crate::model::Target) -> JsValue {
    JsValue::from_str(&match chat {
        crate::model::Target::User(id) => format!("u{id}"),
        crate::model::Target::Group(id) => format!("g{id}"),
    })
}

/// `value` as a plain JS value (objects, arrays, numbers), as IndexedDB stores it.
fn js(value: &impl Serialize) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// `value` read back as a `T`; a value that does not read means a damaged store.
fn parse<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, StoreError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Every value of `all` read back.
fn parse_all<T: serde::de::DeserializeOwned>(
    all: Vec<JsValue>,
    what: &str,
) -> Result<Vec<T>, StoreError> {
    all.into_iter().map(|value| parse(value, what)).collect()
}

/// The store error for an IndexedDB failure.
fn io(e: idb::Error) -> StoreError {
    StoreError::Io(e.to_string())
}
