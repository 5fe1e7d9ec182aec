//! The one error type of the server's model layer; each dialect renders it in its own format
//! (002: `{code, msg}`, 003: HTTP status + `{error}`, xuanxuan: `result: "fail"`).

use std::fmt;

/// What kind of failure, independent of dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed or missing input.
    Invalid,
    /// No valid token or session, or wrong credentials.
    Unauthorized,
    /// The caller may not do this.
    Forbidden,
    /// The thing named does not exist.
    NotFound,
    /// The thing to create exists already.
    Conflict,
    /// Too many attempts (failed logins) or the server is too busy to take this now; retry
    /// later.
    TooManyRequests,
    /// The request body is larger than the endpoint accepts (the connection is closed after
    /// the answer).
    TooLarge,
    /// The server failed (a bug or a storage error); details are logged, not shown.
    Internal,
    /// A part of the server this request needs cannot be reached now (a gateway's backend);
    /// retry later.
    Unavailable,
}

impl ErrorKind {
    /// The kind an HTTP-like status stands for (the backend link carries errors so);
    /// unknown statuses are internal failures.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::Invalid,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            413 => ErrorKind::TooLarge,
            429 => ErrorKind::TooManyRequests,
            503 => ErrorKind::Unavailable,
            _ => ErrorKind::Internal,
        }
    }
}

/// A failure with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The kind.
    pub kind: ErrorKind,
    /// The message shown to the client.
    pub message: String,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }
    /// Malformed or missing input.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }
    /// Not authenticated.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }
    /// Not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    /// Does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// Exists already.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    /// A server failure; `detail` is logged and a generic message is shown.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(ErrorKind::Internal, "internal server error; please retry")
    }
    /// The HTTP status this error maps to in REST dialects.
    pub fn status(&self) -> u16 {
        match self.kind {
            ErrorKind::Invalid => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::TooLarge => 413,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("sqlite: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::invalid(format!("invalid parameters: {e}"))
    }
}

/// Result of a model operation.
pub type ApiResult<T> = Result<T, ApiError>;
