//! The browser adapter (wasm32): tasks through `wasm-bindgen-futures`, timers through the
//! global `setTimeout`, the platform's `WebSocket` and `fetch`. It needs only the global scope,
//! so it works in a page, a worker, and Node (with a global `WebSocket`).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use futures::{StreamExt, sink};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

use super::{BoxFuture, HttpRequest, HttpResponse, Runtime, Text, TransportError, WsConnection};

/// Runs the SDK in a browser, a worker or Node.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserRuntime;

impl BrowserRuntime {
    /// The adapter.
    pub fn new() -> BrowserRuntime {
        BrowserRuntime
    }
}

fn js_error(context: &str, value: JsValue) -> TransportError {
    let detail = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    TransportError::new(format!("{context}: {detail}"))
}

fn global_function(name: &str) -> Result<(JsValue, Function), TransportError> {
    let global = js_sys::global();
    let f = Reflect::get(&global, &JsValue::from_str(name))
        .map_err(|e| js_error(name, e))?
        .dyn_into::<Function>()
        .map_err(|_| TransportError::new(format!("this platform has no global {name}")))?;
    Ok((global.into(), f))
}

impl Runtime for BrowserRuntime {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(task);
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let Ok((global, set_timeout)) = global_function("setTimeout") else {
                return;
            };
            let ms = duration.as_millis().min(i32::MAX as u128) as i32;
            let mut id = JsValue::UNDEFINED;
            let promise = Promise::new(&mut |resolve, _reject| {
                id = set_timeout
                    .call2(&global, &resolve, &JsValue::from(ms))
                    .unwrap_or(JsValue::UNDEFINED);
            });
            let _timer = Timer { global, id };
            let _ = JsFuture::from(promise).await;
        })
    }

    fn connect(&self, url: String) -> BoxFuture<'static, Result<WsConnection, TransportError>> {
        Box::pin(connect(url))
    }

    fn http(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        Box::pin(fetch(request))
    }
}

/// A pending `setTimeout`, cleared when the sleep that set it is dropped before it fires (a
/// timeout that lost its race), so no stray timer keeps Node's event loop alive.
struct Timer {
    global: JsValue,
    id: JsValue,
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Ok((_, clear)) = global_function("clearTimeout") {
            let _ = clear.call1(&self.global, &self.id);
        }
    }
}

/// Keeps the socket's callbacks alive; closes the socket when the connection is dropped.
struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

async fn connect(url: String) -> Result<WsConnection, TransportError> {
    let ws = WebSocket::new(&url).map_err(|e| js_error("WebSocket", e))?;
    ws.set_binary_type(BinaryType::Arraybuffer);
    let (frames, incoming) = mpsc::unbounded::<Result<String, TransportError>>();
    let (opened, open_result) = oneshot::channel::<Result<(), TransportError>>();
    let opened = Rc::new(RefCell::new(Some(opened)));

    let on_open = {
        let opened = opened.clone();
        Closure::<dyn FnMut(Event)>::new(move |_| {
            if let Some(tx) = opened.borrow_mut().take() {
                let _ = tx.send(Ok(()));
            }
        })
    };
    let on_message = {
        let frames = frames.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let text = match data.as_string() {
                Some(text) => Some(text),
                None => data
                    .dyn_into::<js_sys::ArrayBuffer>()
                    .ok()
                    .and_then(|buf| String::from_utf8(Uint8Array::new(&buf).to_vec()).ok()),
            };
            if let Some(text) = text {
                let _ = frames.unbounded_send(Ok(text));
            }
        })
    };
    let on_error = {
        let opened = opened.clone();
        let frames = frames.clone();
        Closure::<dyn FnMut(Event)>::new(move |_| {
            let error =
                TransportError::new("WebSocket error (the server refused or the connection broke)");
            match opened.borrow_mut().take() {
                Some(tx) => {
                    let _ = tx.send(Err(error));
                }
                None => {
                    let _ = frames.unbounded_send(Err(error));
                }
            }
        })
    };
    let on_close = {
        let opened = opened.clone();
        let frames = frames.clone();
        Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            if let Some(tx) = opened.borrow_mut().take() {
                let _ = tx.send(Err(TransportError::new(format!(
                    "WebSocket closed before opening (code {})",
                    event.code()
                ))));
            }
            frames.close_channel();
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let socket = Rc::new(Socket {
        ws,
        _on_open: on_open,
        _on_message: on_message,
        _on_error: on_error,
        _on_close: on_close,
    });
    open_result
        .await
        .map_err(|_| TransportError::new("WebSocket connect was abandoned"))??;

    let reader = socket.clone();
    let stream = incoming.map(move |frame| {
        let _keep = &reader;
        frame.map(Text::from)
    });
    let sink = sink::unfold(socket, |socket: Rc<Socket>, text: String| async move {
        socket
            .ws
            .send_with_str(&text)
            .map_err(|e| js_error("WebSocket send", e))?;
        Ok::<_, TransportError>(socket)
    });
    Ok(WsConnection {
        sink: Box::pin(sink),
        stream: Box::pin(stream),
    })
}

async fn fetch(request: HttpRequest) -> Result<HttpResponse, TransportError> {
    let init = web_sys::RequestInit::new();
    init.set_method(&request.method);
    let headers = web_sys::Headers::new().map_err(|e| js_error("Headers", e))?;
    for (name, value) in &request.headers {
        headers
            .append(name, value)
            .map_err(|e| js_error("Headers", e))?;
    }
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&Uint8Array::from(body.as_slice()));
    }
    let req = web_sys::Request::new_with_str_and_init(&request.url, &init)
        .map_err(|e| js_error("Request", e))?;
    let (global, fetch) = global_function("fetch")?;
    let promise = fetch
        .call1(&global, &req)
        .map_err(|e| js_error("fetch", e))?
        .dyn_into::<Promise>()
        .map_err(|_| TransportError::new("fetch did not return a promise"))?;
    let response: web_sys::Response = JsFuture::from(promise)
        .await
        .map_err(|e| js_error("fetch", e))?
        .dyn_into()
        .map_err(|_| TransportError::new("fetch did not return a Response"))?;
    let status = response.status();
    let buffer = JsFuture::from(
        response
            .array_buffer()
            .map_err(|e| js_error("Response body", e))?,
    )
    .await
    .map_err(|e| js_error("Response body", e))?;
    Ok(HttpResponse {
        status,
        body: Uint8Array::new(&buffer).to_vec(),
    })
}
