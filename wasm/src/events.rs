//! Events for JavaScript: an async iterator over the client's event stream (`EventStream`,
//! made `for await`-able by the package's entry module) and the callback listener's task.

use std::rc::Rc;

use futures::StreamExt;
use futures::lock::Mutex;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::convert::to_js;

#[wasm_bindgen(typescript_custom_section)]
const EVENT_STREAM_TS: &str = r#"
export interface EventStream extends AsyncIterableIterator<Event> {}
/** Receives each event of a client (see `ChinwagClient.onEvent`). */
export type EventListener = (event: Event) => void;
"#;

/// The client's events, in order, from when it was made: `for await (const e of
/// client.events())`. Ends when the client shuts down or `return()` is called.
#[wasm_bindgen]
pub struct EventStream {
    stream: Rc<Mutex<Option<chinwag::EventStream>>>,
}

impl EventStream {
    pub(crate) fn new(stream: chinwag::EventStream) -> EventStream {
        EventStream {
            stream: Rc::new(Mutex::new(Some(stream))),
        }
    }
}

/// An iterator result: `{ done, value }`.
fn step(value: Option<JsValue>) -> Result<JsValue, JsValue> {
    let result = Object::new();
    Reflect::set(&result, &"done".into(), &value.is_none().into())?;
    Reflect::set(
        &result,
        &"value".into(),
        &value.unwrap_or(JsValue::UNDEFINED),
    )?;
    Ok(result.into())
}

#[wasm_bindgen]
impl EventStream {
    /// The next event, waiting for it; `{ done: true }` once the stream has ended.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<Event, undefined>>")]
    pub fn next(&self) -> Promise {
        let stream = self.stream.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut guard = stream.lock().await;
            let event = match guard.as_mut() {
                Some(events) => events.next().await,
                None => None,
            };
            if event.is_none() {
                *guard = None;
            }
            step(event.map(|e| to_js(&e)).transpose()?)
        })
    }

    /// Stops the stream (what `break` in `for await` calls).
    #[wasm_bindgen(
        js_name = "return",
        unchecked_return_type = "Promise<IteratorResult<Event, undefined>>"
    )]
    pub fn finish(&self) -> Promise {
        let stream = self.stream.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            *stream.lock().await = None;
            step(None)
        })
    }
}

/// Calls `callback` with each event of `events` until the stream ends or the returned
/// handle aborts it. An exception thrown by the callback is the callback's own business.
pub(crate) fn listen(
    events: chinwag::EventStream,
    callback: Function,
) -> futures::future::AbortHandle {
    let task = async move {
        let mut events = events;
        while let Some(event) = events.next().await {
            if let Ok(value) = to_js(&event) {
                let _ = callback.call1(&JsValue::NULL, &value);
            }
        }
    };
    let (task, handle) = futures::future::abortable(task);
    wasm_bindgen_futures::spawn_local(async move {
        let _ = task.await;
    });
    handle
}
