//! Asynchronous calls: a future on the client's runtime, its result delivered exactly once to a
//! C completion callback on the client's callback thread.

use std::ffi::{c_char, c_void};
use std::future::Future;

use futures::StreamExt;
use serde::Serialize;

use crate::boundary::catch;
use crate::handle::{self, Job, Jobs, chinwag_client};
use crate::status::{FfiError, FfiResult, chinwag_status};
use crate::strings::c_string;

/// The outcome of an asynchronous call, as its completion callback sees it. It and everything
/// it points to are valid only until the callback returns: copy what you keep.
#[repr(C)]
pub struct chinwag_result {
    /// `CHINWAG_OK`, or the error.
    pub status: chinwag_status,
    /// On success, the result as JSON text (`null` for calls that return nothing); never NULL
    /// on success, NULL on failure.
    pub json: *const c_char,
    /// On failure, the error's message; NULL on success.
    pub error: *const c_char,
    /// For `chinwag_files_download`: the file's bytes; NULL otherwise.
    pub data: *const u8,
    /// The number of bytes at `data`.
    pub data_len: usize,
}

/// A completion callback: gets back the `user_data` given with the call and the outcome.
/// Runs exactly once per call that returned `CHINWAG_OK`, on the client's callback thread.
pub type chinwag_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, result: *const chinwag_result)>;

/// An event callback: gets back the `user_data` given to `chinwag_client_new` and one event
/// as JSON text, valid until the callback returns.
pub type chinwag_event_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event_json: *const c_char)>;

/// The caller's `user_data`, handed back untouched on the callback thread. Whether what it
/// points to may be used there is the caller's promise, written in the header.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub *mut c_void);

// SAFETY: the library never dereferences it; it only passes it back to C, which the header
// documents happens on the callback thread.
unsafe impl Send for UserData {}

/// What a successful call produced.
pub(crate) enum Reply {
    /// JSON text.
    Json(String),
    /// Raw bytes (a downloaded file).
    Bytes(Vec<u8>),
}

/// A pending completion. Dropped without [`Completion::finish`] — the runtime shut down under
/// it, or its task panicked — it still reports, so every callback runs exactly once.
struct Completion {
    callback: unsafe extern "C" fn(*mut c_void, *const chinwag_result),
    user_data: UserData,
    jobs: Jobs,
    done: bool,
}

impl Completion {
    fn finish(mut self, outcome: FfiResult<Reply>) {
        self.done = true;
        self.report(outcome);
    }

    fn report(&self, outcome: FfiResult<Reply>) {
        let (callback, user_data) = (self.callback, self.user_data);
        let job = move || {
            let user_data = user_data;
            let (json, error, bytes) = match &outcome {
                Ok(Reply::Json(json)) => (Some(c_string(json.as_str())), None, None),
                Ok(Reply::Bytes(bytes)) => (Some(c_string("null")), None, Some(bytes)),
                Err(e) => (None, Some(c_string(e.message.as_str())), None),
            };
            let result = chinwag_result {
                status: outcome
                    .as_ref()
                    .map_or_else(|e| e.status, |_| chinwag_status::CHINWAG_OK),
                json: json.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                error: error.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                data: bytes.map_or(std::ptr::null(), |b| b.as_ptr()),
                data_len: bytes.map_or(0, |b| b.len()),
            };
            // SAFETY: the caller gave this function pointer for this purpose; `result` and
            // the strings it points to live until it returns.
            unsafe { callback(user_data.0, &result) };
        };
        let _ = self.jobs.send(Job::Run(Box::new(job)));
    }
}

impl Drop for Completion {
    fn drop(&mut self) {
        if !self.done {
            let error = if std::thread::panicking() {
                crate::boundary::internal(&"the call panicked")
            } else {
                FfiError::closed()
            };
            self.report(Err(error));
        }
    }
}

/// Starts an asynchronous call whose result is sent to C as JSON.
///
/// `start` reads the C arguments (on the caller's thread: a bad one is returned as the
/// function's status, and the callback does not run) and returns the SDK future.
pub(crate) fn call<T, F>(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
    start: impl FnOnce(chinwag::Client) -> FfiResult<F>,
) -> chinwag_status
where
    T: Serialize,
    F: Future<Output = chinwag::Result<T>> + Send + 'static,
{
    call_raw(client, callback, user_data, |c| {
        let future = start(c)?;
        Ok(async move {
            let value = future.await?;
            serde_json::to_string(&value).map(Reply::Json).map_err(|e| {
                FfiError::new(
                    chinwag_status::CHINWAG_ERR_INTERNAL,
                    format!("cannot encode the result: {e}"),
                )
            })
        })
    })
}

/// Starts an asynchronous call whose future produces the [`Reply`] itself.
pub(crate) fn call_raw<F>(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
    start: impl FnOnce(chinwag::Client) -> FfiResult<F>,
) -> chinwag_status
where
    F: Future<Output = FfiResult<Reply>> + Send + 'static,
{
    catch(|| {
        let handle = handle::get(client)?;
        let jobs = handle.jobs.clone();
        handle.spawn(|c| {
            let future = start(c)?;
            let completion = callback.map(|callback| Completion {
                callback,
                user_data: UserData(user_data),
                jobs,
                done: false,
            });
            Ok(async move {
                let outcome = future.await;
                if let Some(completion) = completion {
                    completion.finish(outcome);
                }
            })
        })
    })
}

/// Feeds the client's events, as JSON, to `callback` on the callback thread until the client
/// closes.
pub(crate) fn pump_events(
    handle: &handle::ClientHandle,
    callback: unsafe extern "C" fn(*mut c_void, *const c_char),
    user_data: *mut c_void,
) {
    let mut events = handle.client.events();
    let jobs = handle.jobs.clone();
    let user_data = UserData(user_data);
    handle.runtime.spawn(async move {
        while let Some(event) = events.next().await {
            let Ok(json) = serde_json::to_string(&event) else {
                continue;
            };
            let job = move || {
                let user_data = user_data;
                let json = c_string(json);
                // SAFETY: the caller gave this function pointer for events; the string lives
                // until it returns.
                unsafe { callback(user_data.0, json.as_ptr()) };
            };
            if jobs.send(Job::Run(Box::new(job))).is_err() {
                break;
            }
        }
    });
}
