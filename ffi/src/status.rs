//! Status codes, the error type every entry point returns, and the per-thread last error.

use std::cell::RefCell;
use std::ffi::c_char;

use crate::strings::owned;

/// What a call returned. `CHINWAG_OK` is success; every other value is an error whose message
/// `chinwag_last_error_message` (for a function's return value) or `chinwag_result.error` (for
/// a completion) explains.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum chinwag_status {
    /// Success.
    CHINWAG_OK = 0,
    /// A pointer argument that may not be NULL was NULL.
    CHINWAG_ERR_NULL_POINTER = 1,
    /// A string argument was not valid UTF-8.
    CHINWAG_ERR_INVALID_UTF8 = 2,
    /// The client handle is not a live client: destroyed, or never made by this library.
    CHINWAG_ERR_INVALID_HANDLE = 3,
    /// Not allowed on this thread: `chinwag_client_destroy` from one of that client's callbacks.
    CHINWAG_ERR_WRONG_THREAD = 4,
    /// The server could not be reached, the connection broke, or a request timed out.
    CHINWAG_ERR_NETWORK = 10,
    /// Not logged in, wrong name or password, or the session was revoked.
    CHINWAG_ERR_AUTH = 11,
    /// The server refused: the caller may not do this (e.g. not a member of the chat).
    CHINWAG_ERR_FORBIDDEN = 12,
    /// The user, chat, group, request or file does not exist.
    CHINWAG_ERR_NOT_FOUND = 13,
    /// An argument was malformed (JSON that does not parse or fit, a bad server URL, an
    /// empty message) or the server rejected it as such.
    CHINWAG_ERR_INVALID_INPUT = 14,
    /// The server failed, or answered something the library could not read.
    CHINWAG_ERR_SERVER = 15,
    /// The client was destroyed or logged out before the call finished.
    CHINWAG_ERR_CLOSED = 16,
    /// The local store could not be opened, read or written (in use by another client,
    /// damaged, of another server, or from a newer library).
    CHINWAG_ERR_STORE = 17,
    /// A bug in the library: a Rust panic, caught at the boundary. The message says where.
    CHINWAG_ERR_INTERNAL = 99,
}

/// An error on its way to C: a status and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FfiError {
    pub status: chinwag_status,
    pub message: String,
}

/// The result of every fallible step inside the boundary.
pub(crate) type FfiResult<T> = Result<T, FfiError>;

impl FfiError {
    /// An error with `status` and `message`.
    pub fn new(status: chinwag_status, message: impl Into<String>) -> FfiError {
        FfiError {
            status,
            message: message.into(),
        }
    }

    /// The completion of a call that the client's destruction cut short.
    pub fn closed() -> FfiError {
        FfiError::from(chinwag::Error::Closed)
    }
}

impl From<chinwag::Error> for FfiError {
    fn from(e: chinwag::Error) -> FfiError {
        use chinwag::Error as E;
        use chinwag_status::*;
        let status = match &e {
            E::Network(_) => CHINWAG_ERR_NETWORK,
            E::Auth(_) => CHINWAG_ERR_AUTH,
            E::Forbidden(_) => CHINWAG_ERR_FORBIDDEN,
            E::NotFound(_) => CHINWAG_ERR_NOT_FOUND,
            E::InvalidInput(_) => CHINWAG_ERR_INVALID_INPUT,
            E::Server(_) => CHINWAG_ERR_SERVER,
            E::Closed => CHINWAG_ERR_CLOSED,
            E::Store(_) => CHINWAG_ERR_STORE,
        };
        FfiError::new(status, e.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records `e` as this thread's last error and returns its status.
pub(crate) fn fail(e: FfiError) -> chinwag_status {
    LAST_ERROR.with(|last| *last.borrow_mut() = Some(e.message));
    e.status
}

/// Turns a step's result into the status an entry point returns, recording the error.
pub(crate) fn status_of(result: FfiResult<()>) -> chinwag_status {
    match result {
        Ok(()) => chinwag_status::CHINWAG_OK,
        Err(e) => fail(e),
    }
}

/// The message of the last error a function returned on this thread, or NULL if none has.
///
/// Synchronous; thread-safe (each thread has its own last error). Successful calls leave it
/// unchanged. Free the result with `chinwag_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn chinwag_last_error_message() -> *mut c_char {
    crate::boundary::catch_ptr(|| {
        LAST_ERROR.with(|last| last.borrow().clone().map_or(std::ptr::null_mut(), owned))
    })
}

/// The name of a status code (`"CHINWAG_ERR_AUTH"`), or `"unknown status"` for a value that
/// is none.
///
/// Synchronous; thread-safe. Free the result with `chinwag_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn chinwag_status_name(status: i32) -> *mut c_char {
    use chinwag_status::*;
    crate::boundary::catch_ptr(|| {
        let all = [
            CHINWAG_OK,
            CHINWAG_ERR_NULL_POINTER,
            CHINWAG_ERR_INVALID_UTF8,
            CHINWAG_ERR_INVALID_HANDLE,
            CHINWAG_ERR_WRONG_THREAD,
            CHINWAG_ERR_NETWORK,
            CHINWAG_ERR_AUTH,
            CHINWAG_ERR_FORBIDDEN,
            CHINWAG_ERR_NOT_FOUND,
            CHINWAG_ERR_INVALID_INPUT,
            CHINWAG_ERR_SERVER,
            CHINWAG_ERR_CLOSED,
            CHINWAG_ERR_STORE,
            CHINWAG_ERR_INTERNAL,
        ];
        let name = all
            .iter()
            .find(|s| **s as i32 == status)
            .map_or("unknown status".to_string(), |s| format!("{s:?}"));
        owned(name)
    })
}
