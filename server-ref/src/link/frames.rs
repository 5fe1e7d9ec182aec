//! The frames of the backend link: seed 000's gateway ↔ backend protocol carried over NATS
//! ([`super::bus`]), so that many requests are in flight at once and the backend's events
//! reach each gateway in commit order.
//!
//! Gateway → backend (subject [`BACKEND_SUBJECT`]): 000's envelope `{userID, module, method,
//! params}` ([`LinkRequest`]) with the sending gateway's name, and `rid` when the gateway waits
//! for the answer. Backend → one gateway (its own subject, [`gateway_subject`]), numbered
//! ([`SEQ_HEADER`]) within the backend's run ([`EPOCH_HEADER`]): [`LinkEvent`]s — answers
//! (000's `{result, message, data}` with the request's `rid` and the error's code), pushes
//! with their audience (000's `users[]`), stored messages with the recipients that gateway
//! holds, and sockets to close. The backend also says it is alive on [`BACKEND_ALIVE`], and
//! each gateway on [`BACKEND_SUBJECT`] (`gateway.alive`, with the last event it handled).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use chinwag_wire::backend::BackendRequest;
use chinwag_wire::xuanxuan::Outcome;

use crate::backend::Push;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::store::messages::MessageRow;

/// The path a single 000 envelope may be posted to (one request, one answer).
pub const CALL_PATH: &str = "/backend";
/// The subject the backend takes requests on.
pub const BACKEND_SUBJECT: &str = "chinwag.backend";
/// The subject the backend says it is alive on ([`BackendAlive`]).
pub const BACKEND_ALIVE: &str = "chinwag.backend.alive";
/// The header numbering the events to one gateway: 1, 2, 3… within one epoch.
pub const SEQ_HEADER: &str = "Chinwag-Seq";
/// The header naming the backend's run the numbers belong to.
pub const EPOCH_HEADER: &str = "Chinwag-Epoch";
/// The module of the link's own methods (`online`, `alive`).
pub const GATEWAY_MODULE: &str = "gateway";
/// The method by which a gateway reports how many sessions a user has on it.
pub const ONLINE_METHOD: &str = "online";
/// The method by which a gateway reports every user it holds sessions of (`[Online]`).
pub const REPORT_METHOD: &str = "report";
/// The method by which a gateway says it is alive ([`GatewayAlive`]).
pub const ALIVE_METHOD: &str = "alive";

/// The subject the backend sends gateway `name` its events on.
pub fn gateway_subject(name: &str) -> String {
    format!("chinwag.gateway.{name}")
}

/// A gateway's name as a subject token: letters, digits, `-` and `_` kept, anything else
/// (the `.` and `:` of an address) made `-`.
pub fn gateway_name(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A request from a gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkRequest {
    /// The gateway's name: answers and events go to its subject.
    pub gateway: String,
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

/// The params of `gateway.alive`, sent every [`super::bus::HEARTBEAT`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GatewayAlive {
    /// The backend run (epoch) `acked` counts in; empty before the gateway heard one.
    pub epoch: String,
    /// The last event of that run the gateway has handled (every one before it too).
    pub acked: u64,
}

/// What the backend publishes on [`BACKEND_ALIVE`] every [`super::bus::HEARTBEAT`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackendAlive {
    /// This run of the backend.
    pub epoch: String,
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
    /// Report every user with sessions here (`gateway.online`): the backend does not know
    /// this gateway (it started after it, or forgot it).
    Report,
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
