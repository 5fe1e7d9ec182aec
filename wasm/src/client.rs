//! `ChinwagClient` for JavaScript: its life (construction, opening on a store, events,
//! shutdown); the operations, one class per SDK family, are generated from the facade's
//! table (`crate::generated`).

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use futures::future::AbortHandle;
use js_sys::{Function, Object, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use chinwag::store::IndexedDbStore;
use chinwag::{Client, ClientOptions};

use crate::convert::{from_js_object, promise, rejected, sdk_error};
use crate::events::{EventStream, listen};

/// A chat client: one per logged-in user. Every network method returns a Promise that
/// rejects with a `ChinwagError`.
#[wasm_bindgen]
pub struct ChinwagClient {
    client: Client,
    listener: RefCell<Option<AbortHandle>>,
}

/// The constructor's options argument (none: the defaults).
fn read_options(options: Option<Object>) -> Result<ClientOptions, JsValue> {
    match options {
        Some(o) => from_js_object(o.into(), "options"),
        None => Ok(ClientOptions::default()),
    }
}

impl ChinwagClient {
    fn wrap(client: Client) -> ChinwagClient {
        ChinwagClient {
            client,
            listener: RefCell::new(None),
        }
    }

    /// The SDK client (the generated family classes hold clones of it).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Runs `call` on a handle to the SDK client; a Promise of its result.
    fn call<T, F>(&self, call: impl FnOnce(Client) -> F) -> Promise
    where
        T: Serialize,
        F: Future<Output = chinwag::Result<T>> + 'static,
    {
        promise(call(self.client.clone()))
    }
}

#[wasm_bindgen]
impl ChinwagClient {
    /// A client for the server at `serverUrl` (`http://host:port` or `https://…`). Nothing is
    /// sent until you log in. Throws a `ChinwagError` (`invalid_input`) for a bad URL or
    /// options.
    /// A client with a store (`storeName`) is made by `ChinwagClient.open`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = "serverUrl")] server_url: String,
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: Option<Object>,
    ) -> Result<ChinwagClient, JsValue> {
        let options = read_options(options)?;
        let builder = options
            .apply(Client::builder(server_url))
            .map_err(sdk_error)?;
        let client = builder.build().map_err(sdk_error)?;
        Ok(ChinwagClient::wrap(client))
    }

    /// A client for the server at `serverUrl`, as the constructor makes it — and, with
    /// `storeName`, keeping its session, unacknowledged sends and conversations in the
    /// IndexedDB database of that name: a client opened on it again (after a reload) resumes
    /// the session with no login, shows what it kept at once (offline too), and sends the
    /// waiting messages once. Rejects with `store` if another client (of any tab) holds the
    /// database, or it is another server's, not a Chinwag store, or from a newer SDK.
    #[wasm_bindgen(unchecked_return_type = "Promise<ChinwagClient>")]
    pub fn open(
        #[wasm_bindgen(js_name = "serverUrl")] server_url: String,
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: Option<Object>,
    ) -> Promise {
        let mut options = match read_options(options) {
            Ok(o) => o,
            Err(e) => return rejected(e),
        };
        let name = options.store_name.take();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut builder = options
                .apply(Client::builder(server_url))
                .map_err(sdk_error)?;
            if let Some(name) = name {
                let server = builder.server().to_string();
                let store = IndexedDbStore::open(&name, &server)
                    .await
                    .map_err(|e| sdk_error(e.into()))?;
                // The builder takes an `Arc` on every target; a page has one thread.
                #[allow(clippy::arc_with_non_send_sync)]
                let store = Arc::new(store);
                builder = builder.store(store);
            }
            let client = builder.build_async().await.map_err(sdk_error)?;
            Ok(ChinwagClient::wrap(client).into())
        })
    }

    /// Calls `listener` with every event from now on (replacing any earlier listener).
    #[wasm_bindgen(js_name = "onEvent")]
    pub fn on_event(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EventListener")] listener: Function,
    ) {
        let handle = listen(self.client.events(), listener);
        if let Some(previous) = self.listener.borrow_mut().replace(handle) {
            previous.abort();
        }
    }

    /// The events from now on as an async iterator: `for await (const e of client.events())`.
    pub fn events(&self) -> EventStream {
        EventStream::new(self.client.events())
    }

    /// Shuts the client down: the connection ends, waiting sends fail with `closed`, event
    /// streams end. The session stays valid on the server.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn shutdown(&self) -> Promise {
        self.call(|c| async move {
            c.close().await;
            Ok(())
        })
    }
}

impl Drop for ChinwagClient {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.borrow_mut().take() {
            listener.abort();
        }
    }
}
