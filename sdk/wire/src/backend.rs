//! Seed 000's gateway ↔ backend protocol (xxd ↔ rzs): the gateway forwards each client request
//! with the caller's `userID`; the backend answers with the users the answer goes to.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::xuanxuan::Outcome;

/// A request from the gateway to the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendRequest {
    /// The caller (absent for `login` and `serverStart`).
    #[serde(rename = "userID", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// Module name.
    pub module: String,
    /// Method name.
    pub method: String,
    /// A dry run (default false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub params: Value,
    /// Request data.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

/// A response from the backend; the gateway strips `users` and delivers the rest to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendResponse {
    /// Module name.
    pub module: String,
    /// Method name.
    pub method: String,
    /// Who receives it; empty means every online user.
    #[serde(default)]
    pub users: Vec<i64>,
    /// Parameters, echoed.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub params: Value,
    /// Success, fail or denied.
    pub result: Outcome,
    /// Why, when not success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The payload.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

/// The method the gateway sends once at start; the backend resets every status to offline.
pub const SERVER_START: &str = "serverStart";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_start_and_response() {
        let start: BackendRequest =
            serde_json::from_value(json!({"module": "chat", "method": "serverStart"})).unwrap();
        assert_eq!(start.method, SERVER_START);
        assert_eq!(
            serde_json::to_value(&start).unwrap(),
            json!({"module": "chat", "method": "serverStart"})
        );
        let resp: BackendResponse = serde_json::from_value(json!({
            "module": "chat", "method": "login", "result": "success", "users": [1, 2],
            "data": {"id": 1, "account": "demo"}
        }))
        .unwrap();
        assert_eq!(resp.users, vec![1, 2]);
    }
}
