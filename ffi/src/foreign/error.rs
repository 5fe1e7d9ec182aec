//! The one error type Kotlin and Swift see (`ChinwagException` / `ChinwagError`).

/// Why a call failed; every variant carries the message (the server's own where it has one),
/// which becomes the Kotlin/Swift exception's message (a flat error: the text crosses, not
/// the fields).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ChinwagError {
    /// The server could not be reached, the connection broke, or a request timed out.
    #[error("{0}")]
    Network(String),
    /// Not logged in, wrong name or password, or the session was revoked.
    #[error("{0}")]
    Auth(String),
    /// The caller may not do this (e.g. not a member of the chat).
    #[error("{0}")]
    Forbidden(String),
    /// The user, chat, group, request or file does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request was malformed or broke a rule.
    #[error("{0}")]
    InvalidInput(String),
    /// The server failed, or answered something the SDK could not read.
    #[error("{0}")]
    Server(String),
    /// The client was closed or logged out, or the call was cancelled.
    #[error("{0}")]
    Closed(String),
    /// The local store could not be opened, read or written.
    #[error("{0}")]
    Store(String),
}

impl From<chinwag::Error> for ChinwagError {
    fn from(e: chinwag::Error) -> ChinwagError {
        use chinwag::Error as E;
        let message = e.to_string();
        match e {
            E::Network(_) => ChinwagError::Network(message),
            E::Auth(_) => ChinwagError::Auth(message),
            E::Forbidden(_) => ChinwagError::Forbidden(message),
            E::NotFound(_) => ChinwagError::NotFound(message),
            E::InvalidInput(_) => ChinwagError::InvalidInput(message),
            E::Server(_) => ChinwagError::Server(message),
            E::Closed => ChinwagError::Closed(message),
            E::Store(_) => ChinwagError::Store(message),
        }
    }
}
