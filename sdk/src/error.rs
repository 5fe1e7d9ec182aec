//! The SDK's one error type.

use crate::runtime::TransportError;

/// Everything an SDK call can fail with. Server refusals carry the server's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The server could not be reached, the connection broke, or a request timed out.
    #[error("network error: {0}")]
    Network(String),
    /// Not logged in, wrong name or password, or the token was revoked (HTTP 401).
    #[error("authentication failed: {0}")]
    Auth(String),
    /// The caller may not do this (HTTP 403), e.g. not a member of the chat.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The user, chat, group, request or file does not exist (HTTP 404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request was malformed or broke a rule (HTTP 400, 409, 413).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The server failed, or answered something the SDK could not read; also `HTTP 429`
    /// (too many failed logins, or the server busy checking passwords), whose message says
    /// when to try again.
    #[error("server error: {0}")]
    Server(String),
    /// The client was closed or logged out; the call was not made.
    #[error("the client is closed")]
    Closed,
    /// The local store could not be opened, read or written (see [`crate::store::StoreError`]).
    #[error("store: {0}")]
    Store(String),
}

impl Error {
    /// The error for an HTTP-like `status` with the server's `message`.
    pub fn from_status(status: u16, message: impl Into<String>) -> Error {
        let message = message.into();
        match status {
            400 | 405 | 409 | 413 | 422 => Error::InvalidInput(message),
            401 => Error::Auth(message),
            403 => Error::Forbidden(message),
            404 => Error::NotFound(message),
            _ => Error::Server(format!("HTTP {status}: {message}")),
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Error {
        match e.status {
            Some(status) if status != 101 => Error::from_status(status, e.message),
            _ => Error::Network(e.message),
        }
    }
}

impl From<crate::store::StoreError> for Error {
    fn from(e: crate::store::StoreError) -> Error {
        Error::Store(e.to_string())
    }
}

/// The SDK's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
