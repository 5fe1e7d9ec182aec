//! The frames of the backend link: seed 000's gateway ↔ backend protocol carried over one
//! WebSocket (`GET /backend/link`), so that many requests are in flight at once and the
//! backend's pushes reach the gateway in commit order.
//!
//! Gateway → backend: 000's envelope `{userID, module, method, params}` ([`LinkRequest`]),
//! with `rid` when the gateway waits for the answer. Backend → gateway: [`LinkEvent`]s —
//! answers (000's `{result, message, data}` with the request's `rid` and the error's code),
//! pushes with their audience (000's `users[]`), stored messages with their recipients,
//! and sockets to close.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use chinwag_wire::backend::BackendRequest;
use chinwag_wire::xuanxuan::Outcome;

use crate::backend::Push;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::store::messages::MessageRow;

/// The path of the link's WebSocket on the backend.
pub const LINK_PATH: &str = "/backend/link";
/// The path a single 000 envelope may be posted to (one request, one answer).
pub const CALL_PATH: &str = "/backend";
/// The module of the link's own methods (`online`).
pub const GATEWAY_MODULE: &str = "gateway";
/// The method by which a gateway reports how many sessions a user has on it.
pub const ONLINE_METHOD: &str = "online";

/// A request from the gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkRequest {
    /// Set when the gateway waits for the answer, which carries it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<u64>,
    /// 000's envelope.
    #[serde(flatten)]
    pub envelope: BackendRequest,
}

/// The params of `gateway.online`: `user` has `sessions` sessions on the reporting gateway.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Online {
    /// The user.
    pub user: i64,
    /// How many sessions they hold there now.
    pub sessions: u32,
}

/// What the backend sends a gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LinkEvent {
    /// The answer to request `rid`.
    Answer {
        /// The request's `rid`.
        rid: u64,
        /// 000's outcome.
        result: Outcome,
        /// The error's HTTP-like status (0 on success).
        #[serde(default)]
        code: u16,
        /// Why, on failure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// The answer's data.
        #[serde(default)]
        data: Value,
    },
    /// A push for the sessions its audience names.
    Push {
        /// The push.
        push: Push,
    },
    /// A stored message for the sessions of `users`; those the gateway cannot reach are
    /// reported back with `message.undelivered`.
    Message {
        /// The message.
        row: MessageRow,
        /// Its recipients.
        users: Vec<i64>,
        /// Its content replaced that of the message with its id (a file message completed).
        #[serde(default)]
        updated: bool,
    },
    /// Close the xuanxuan sessions of `user` but the one whose sid hash is `keep`.
    Replace {
        /// The user who logged in again.
        user: i64,
        /// The new session's sid hash.
        keep: String,
    },
    /// A notification for the 003 sessions of `users`.
    Notify {
        /// Who.
        users: Vec<i64>,
        /// The notification (the request's body).
        body: chinwag_wire::module::Notification,
    },
    /// Close the sessions opened with these token hashes.
    Close {
        /// SHA-256 hashes of the revoked tokens.
        hashes: Vec<String>,
        /// What the sessions are told.
        reason: String,
    },
}

impl LinkEvent {
    /// The answer to `rid` carrying `out`.
    pub fn answer(rid: u64, out: ApiResult<Value>) -> LinkEvent {
        let Answered {
            result,
            code,
            message,
            data,
        } = Answered::from(out);
        LinkEvent::Answer {
            rid,
            result,
            code,
            message,
            data,
        }
    }
}

/// An outcome in 000's terms.
pub struct Answered {
    /// Success, fail (an error) or denied (not authenticated).
    pub result: Outcome,
    /// The error's HTTP-like status (0 on success).
    pub code: u16,
    /// Why, on failure.
    pub message: Option<String>,
    /// The data, on success.
    pub data: Value,
}

impl From<ApiResult<Value>> for Answered {
    fn from(out: ApiResult<Value>) -> Answered {
        match out {
            Ok(data) => Answered {
                result: Outcome::Success,
                code: 0,
                message: None,
                data,
            },
            Err(e) => Answered {
                result: if e.kind == ErrorKind::Unauthorized {
                    Outcome::Denied
                } else {
                    Outcome::Fail
                },
                code: e.status(),
                message: Some(e.message),
                data: Value::Null,
            },
        }
    }
}

/// The outcome an answer carries.
pub fn outcome(code: u16, message: Option<String>, data: Value) -> ApiResult<Value> {
    if code == 0 {
        return Ok(data);
    }
    let kind = ErrorKind::from_status(code);
    Err(ApiError::new(kind, message.unwrap_or_default()))
}
