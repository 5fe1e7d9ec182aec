//! Seed 002, the chat-room REST API: `POST` endpoints answering `{code, msg, data}`.
//!
//! Every request also carries the caller's token (`access_token`, `token` or
//! `Authorization: Bearer`), except `/register` and `/login`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::lenient;

/// The 002 response envelope: `code` 0 is success; otherwise `msg` says what went wrong.
/// `data` is absent when there is nothing to return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// 0 on success, a non-zero [`ErrorCode`] otherwise.
    pub code: i32,
    /// `"success"`, or a message a person can act on.
    pub msg: String,
    /// The payload, if any.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Envelope<T> {
    /// A success envelope carrying `data`.
    pub fn ok(data: T) -> Self {
        Envelope {
            code: 0,
            msg: "success".into(),
            data: Some(data),
        }
    }
}

impl Envelope<()> {
    /// A success envelope without data.
    pub fn ok_empty() -> Self {
        Envelope {
            code: 0,
            msg: "success".into(),
            data: None,
        }
    }

    /// A failure envelope.
    pub fn fail(code: ErrorCode, msg: impl Into<String>) -> Self {
        Envelope {
            code: code as i32,
            msg: msg.into(),
            data: None,
        }
    }
}

/// The non-zero codes of 002 failures (the seed leaves them to the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum ErrorCode {
    /// A parameter is missing, of the wrong type, or out of range.
    InvalidInput = 1,
    /// No valid token, or a wrong name/password.
    Unauthorized = 2,
    /// The caller may not do this (e.g. blocked by the recipient).
    Forbidden = 3,
    /// The named user or channel does not exist.
    NotFound = 4,
    /// The name is already taken.
    Conflict = 5,
    /// Too many failed logins, or the server is too busy to check a password now; retry
    /// later (the message says when).
    TooManyRequests = 429,
    /// The server failed; the request may be retried.
    Server = 500,
}

impl ErrorCode {
    /// The code for a raw integer, if it is one of ours.
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            1 => Self::InvalidInput,
            2 => Self::Unauthorized,
            3 => Self::Forbidden,
            4 => Self::NotFound,
            5 => Self::Conflict,
            429 => Self::TooManyRequests,
            500 => Self::Server,
            _ => return None,
        })
    }
}

/// `POST /register`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// The account name (1–64 characters, no control characters).
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The password (at least 1 character).
    #[serde(deserialize_with = "lenient::string")]
    pub password: String,
    /// The password again; must equal `password` (the seed's spelling).
    #[serde(deserialize_with = "lenient::string")]
    pub password_repete: String,
}

/// `POST /login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The account name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The password.
    #[serde(deserialize_with = "lenient::string")]
    pub password: String,
}

/// `data` of `/login`: the token for every later call, and the user's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginData {
    /// The session token.
    pub token: String,
    /// The user's id.
    pub id: i64,
    /// The account name.
    #[serde(default)]
    pub name: String,
}

/// `data` of `/register`: the new user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterData {
    /// The new user's id.
    pub id: i64,
    /// The account name.
    pub name: String,
}

/// A request naming a user or a channel: `/user/info`, `/channel/list_users`, `/receive`,
/// `/channel/receive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameRequest {
    /// The user or channel name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}

/// `data` of `/user/info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct UserInfo {
    /// The account name.
    pub name: String,
    /// The user's id.
    pub id: i64,
    /// Display name (empty when unset).
    #[serde(default)]
    pub realname: String,
    /// Presence: `online`, `away`, `busy` or `offline`.
    #[serde(default)]
    pub status: String,
}

/// One member in `/channel/list_users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelUser {
    /// The account name.
    pub name: String,
    /// The user's id.
    #[serde(default)]
    pub id: i64,
}

/// `data` of `/channel/list_users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelUsers {
    /// The channel's members.
    pub users: Vec<ChannelUser>,
}

/// `POST /send`: a direct message to the user named `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    /// The recipient's account name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The text.
    #[serde(deserialize_with = "lenient::string")]
    pub msg: String,
    /// Optional client gid for de-duplication (Chinwag extension).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub gid: Option<String>,
}

/// `data` of `/receive`: direct messages that arrived since the previous call, by sender name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReceiveData {
    /// Sender name → texts, oldest first.
    pub messages: BTreeMap<String, Vec<String>>,
}

/// `POST /channel/send`: a message to the channel named `name` (joins it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelSendRequest {
    /// The channel name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// The text.
    #[serde(deserialize_with = "lenient::string")]
    pub message: String,
    /// Optional client gid for de-duplication (Chinwag extension).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub gid: Option<String>,
}

/// One message in `/channel/receive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelMessage {
    /// The sender's account name.
    pub name: String,
    /// When the server received it, UTC, as `2020.03.05:12:12:00`.
    pub datetime: String,
    /// The text.
    pub msg: String,
}

/// `data` of `/channel/receive`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChannelReceiveData {
    /// Messages since the previous call, oldest first.
    pub messages: Vec<ChannelMessage>,
}

/// The 002 datetime format (`2020.03.05:12:12:00`), for `chrono`'s `format`.
pub const DATETIME_FORMAT: &str = "%Y.%m.%d:%H:%M:%S";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_examples_round_trip() {
        let fail: Envelope<()> =
            serde_json::from_value(json!({"code": 1, "msg": "错误信息"})).unwrap();
        assert_eq!(fail, Envelope::fail(ErrorCode::InvalidInput, "错误信息"));
        assert_eq!(
            serde_json::to_value(&fail).unwrap(),
            json!({"code": 1, "msg": "错误信息"})
        );

        let reg: RegisterRequest = serde_json::from_value(
            json!({"name": "xxx", "password": "auth info", "password_repete": "auth info"}),
        )
        .unwrap();
        assert_eq!(reg.password_repete, "auth info");

        let recv: Envelope<ReceiveData> = serde_json::from_value(json!({
            "code": 0, "msg": "success",
            "data": {"messages": {"user1": ["msg1", "msg2", "msg3"], "user2": ["msg1"]}}
        }))
        .unwrap();
        assert_eq!(recv.data.as_ref().unwrap().messages["user1"].len(), 3);
        let back = serde_json::to_value(&recv).unwrap();
        assert_eq!(back["data"]["messages"]["user2"], json!(["msg1"]));

        let chan: ChannelReceiveData = serde_json::from_value(json!({"messages": [
            {"name": "user1", "datetime": "2020.03.05:12:12:00", "msg": "msg1"}
        ]}))
        .unwrap();
        assert_eq!(chan.messages[0].datetime, "2020.03.05:12:12:00");
        assert_eq!(
            serde_json::to_value(&chan).unwrap(),
            json!({"messages": [{"name": "user1", "datetime": "2020.03.05:12:12:00", "msg": "msg1"}]})
        );

        let users: ChannelUsers =
            serde_json::from_value(json!({"users": [{"name": "xxx"}, {"name": "yyy"}]})).unwrap();
        assert_eq!(users.users[1].name, "yyy");
    }

    #[test]
    fn ok_envelope_omits_absent_data() {
        assert_eq!(
            serde_json::to_value(Envelope::ok_empty()).unwrap(),
            json!({"code": 0, "msg": "success"})
        );
    }
}
