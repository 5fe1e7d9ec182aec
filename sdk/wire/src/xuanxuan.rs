//! Seeds 001 and 000, the xuanxuan socket API: frames `{module, method, params, sid}` on `/ws`
//! (without `access_token`), answered `{module, method, result, message, sid, data}`, and
//! server pushes `{id, module, method, data}`.
//!
//! 001 writes `params` as an object (`{gid, name}`), 000 as a positional array
//! (`[gid, name]`); [`normalize_params`] turns either into an object so one set of typed
//! parameter structs serves both. Ids are integers, dates unix seconds.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lenient;

/// `result` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The request succeeded.
    Success,
    /// The request failed; `message` says why.
    Fail,
    /// The request needs a login first.
    Denied,
}

/// A request frame from a client (001, 000's client → xxd direction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Module name, `chat` or `attach`.
    #[serde(default)]
    pub module: String,
    /// Method name, matched case-insensitively.
    pub method: String,
    /// Parameters: an object (001) or a positional array (000).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub params: Value,
    /// Session id from the login response (001); the socket identifies the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The caller's user id (000); the socket identifies the user.
    #[serde(rename = "userID", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Value>,
    /// Request data used with `params`.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
    /// Request id, echoed in the response (Chinwag extension, for matching answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<Value>,
}

/// A response frame to the requesting client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The request's module.
    pub module: String,
    /// The request's method, as the client spelled it.
    pub method: String,
    /// Success, fail or denied.
    pub result: Outcome,
    /// Why, when `result` is not success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The payload.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
    /// History paging (`history` with 000's pager).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pager: Option<Pager>,
    /// The request's `rid`, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<Value>,
}

/// A frame the server pushes without a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Push {
    /// A server-assigned id of the push.
    pub id: u64,
    /// Module of origin.
    pub module: String,
    /// Method of origin (e.g. `message`, `login`, `create`).
    pub method: String,
    /// The pushed data.
    pub data: Value,
}

/// The frame sent to a socket whose user logged in elsewhere; the socket is then closed.
/// 000 spells it `{module: "chat", method: "kickoff"}`, 001 `{module: "null", method: "null"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kickoff {
    /// `chat` (000) or `null` (001).
    pub module: String,
    /// `kickoff` (000) or `null` (001).
    pub method: String,
    /// `This account logined in another place.`
    pub message: String,
}

/// The kickoff message text the seeds give.
pub const KICKOFF_MESSAGE: &str = "This account logined in another place.";

/// A user as the xuanxuan dialect shows it (000's full field set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct User {
    /// The user's id.
    pub id: i64,
    /// The account name.
    pub account: String,
    /// Display name.
    #[serde(default)]
    pub realname: String,
    /// Avatar URL.
    #[serde(default)]
    pub avatar: String,
    /// Role.
    #[serde(default)]
    pub role: String,
    /// Department id.
    #[serde(default)]
    pub dept: i64,
    /// `online`, `away`, `busy` or `offline`.
    #[serde(default)]
    pub status: String,
    /// `super` for a super administrator, `no` otherwise.
    #[serde(default)]
    pub admin: String,
    /// `u`, `f` or `m`.
    #[serde(default)]
    pub gender: String,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// Mobile number.
    #[serde(default)]
    pub mobile: String,
    /// Web site.
    #[serde(default)]
    pub site: String,
    /// Phone number.
    #[serde(default)]
    pub phone: String,
}

/// A chat member reference `{id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct MemberRef {
    /// The member's user id.
    pub id: i64,
}

/// A chat ("会话") as the xuanxuan dialect shows it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    /// Server id.
    pub id: i64,
    /// Global id (`"<a>&<b>"` for one-to-one chats).
    pub gid: String,
    /// Name (empty for one-to-one chats).
    pub name: String,
    /// `one2one`, `group`, or another type the client chose.
    #[serde(rename = "type")]
    pub kind: String,
    /// Administrators' user ids.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub admins: Vec<i64>,
    /// Who may post, if restricted (empty: every member).
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub committers: Vec<i64>,
    /// Related subject id (0 for none).
    #[serde(default)]
    pub subject: i64,
    /// Whether anyone may find and join it.
    #[serde(default)]
    pub public: bool,
    /// The creator's account.
    #[serde(default)]
    pub created_by: String,
    /// Creation time, unix seconds.
    #[serde(default)]
    pub created_date: i64,
    /// The last editor's account.
    #[serde(default)]
    pub edited_by: String,
    /// Last edit time, unix seconds (0 if never edited).
    #[serde(default)]
    pub edited_date: i64,
    /// Time of the last message, unix seconds.
    #[serde(default)]
    pub last_active_time: i64,
    /// Whether the caller starred it (per-user views only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub star: Option<bool>,
    /// Whether the caller hid it (per-user views only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide: Option<bool>,
    /// Whether the caller muted it (per-user views only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute: Option<bool>,
    /// Members (absent in the public list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<MemberRef>>,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Server id (absent on a new message from a client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The message's global id, chosen by the client; the server de-duplicates on it.
    #[serde(default, deserialize_with = "lenient::string")]
    pub gid: String,
    /// The chat's gid.
    #[serde(default, deserialize_with = "lenient::string")]
    pub cgid: String,
    /// The sender's user id (empty from a client: the caller).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub user: Option<i64>,
    /// Unix seconds (empty from a client: the server's time).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<i64>,
    /// `normal` (default) or `broadcast`.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `text` (default), `emoticon`, `image`, `file`, or `json`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content_type: String,
    /// The content; for non-text content a JSON text.
    #[serde(default, deserialize_with = "lenient::string")]
    pub content: String,
}

/// `history` paging, 000's pager: page 1 holds the newest `recPerPage` messages.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pager {
    /// Messages per page.
    #[serde(default, deserialize_with = "lenient::opt_count")]
    pub rec_per_page: Option<u32>,
    /// 1-based page number.
    #[serde(rename = "pageID", default, deserialize_with = "lenient::opt_count")]
    pub page_id: Option<u32>,
    /// Total messages in the chat.
    #[serde(default, deserialize_with = "lenient::opt_count")]
    pub rec_total: Option<u32>,
    /// The chat's gid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub gid: String,
    /// Whether older pages remain.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub continued: Option<bool>,
}

/// A file in a chat (`attach` module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    /// File id; download with it.
    pub id: i64,
    /// File name.
    pub title: String,
    /// Size in bytes.
    pub size: i64,
    /// Uploader's user id.
    pub added_by: i64,
    /// Upload time, unix seconds.
    #[serde(default)]
    pub date: i64,
    /// The chat's gid.
    #[serde(default)]
    pub gid: String,
}

/// `data` of a successful HTTP upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct UploadedFile {
    /// Download URL, relative to the server.
    pub url: String,
    /// Upload time, unix seconds.
    pub time: i64,
    /// File id.
    pub id: i64,
    /// File name.
    pub name: String,
}

/// The HTTP upload answer `{result, data}` (or `{result: "fail", message}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadResponse {
    /// `success` or `fail`.
    pub result: Outcome,
    /// The stored file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<UploadedFile>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `login` params: object `{account, password, status}` (001) or array
/// `[serverName, account, password, status]` (000).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginParams {
    /// Server name (000, multi-server setups; ignored).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub server_name: Option<String>,
    /// The account.
    #[serde(deserialize_with = "lenient::string")]
    pub account: String,
    /// The registered password.
    #[serde(deserialize_with = "lenient::string")]
    pub password: String,
    /// Status to set: `online` (default), `away` or `busy`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub status: Option<String>,
}

/// Params of a method that takes none (`getList`, `userGetList`, `getPublicList`): `{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoParams {}

/// `create` params.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateParams {
    /// The chat's gid (generated by the client; optional for one-to-one chats).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub gid: Option<String>,
    /// The name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// `one2one` or `group` (default `group`).
    #[serde(
        rename = "type",
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// Members `[{id}]` or `[id]`; the caller is always a member.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub members: Vec<i64>,
    /// Subject id (default 0).
    #[serde(
        default,
        deserialize_with = "lenient::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject: Option<i64>,
    /// Public (default false). The seed's misspelling `pulic` is accepted.
    #[serde(
        default,
        alias = "pulic",
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub public: Option<bool>,
}

/// Params naming a chat with an optional flag: `joinchat {gid, join}`, `star {gid, star}`,
/// `hide {gid, hide}`, `mute {gid, mute}`, `changePublic {gid, public}`, `members {gid}`,
/// `history {gid}`, `attach/getList {gid}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ChatFlagParams {
    /// The chat's gid (`changename` of 001 calls it `id`).
    #[serde(alias = "id", deserialize_with = "lenient::string")]
    pub gid: String,
    /// `join`, `star`, `hide`, `mute` or `public`, whichever the method takes; default true.
    #[serde(
        default,
        alias = "join",
        alias = "star",
        alias = "hide",
        alias = "mute",
        alias = "public",
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub flag: Option<bool>,
}

/// `changeName` params `{gid, name}` (001 writes `{id, name}` with the gid in `id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeNameParams {
    /// The chat's gid.
    #[serde(alias = "id", deserialize_with = "lenient::string")]
    pub gid: String,
    /// The new name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
}

/// `addmember` params `{gid, members, join}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddMemberParams {
    /// The chat's gid.
    #[serde(deserialize_with = "lenient::string")]
    pub gid: String,
    /// User ids to add or remove.
    #[serde(deserialize_with = "lenient::id_list")]
    pub members: Vec<i64>,
    /// True (default) adds, false removes (administrators only).
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub join: Option<bool>,
}

/// `history` params: `{gid}` (001) or 000's `[gid, recPerPage, pageID, recTotal, continued]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryParams {
    /// The chat's gid.
    #[serde(deserialize_with = "lenient::string")]
    pub gid: String,
    /// Messages per page (absent: the whole history, newest 1,000 at most).
    #[serde(
        default,
        deserialize_with = "lenient::opt_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub rec_per_page: Option<u32>,
    /// 1-based page, newest first.
    #[serde(
        rename = "pageID",
        default,
        deserialize_with = "lenient::opt_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub page_id: Option<u32>,
    /// The client's idea of the total (ignored; the server answers the real one).
    #[serde(
        default,
        deserialize_with = "lenient::opt_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub rec_total: Option<u32>,
    /// Echoed back.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub continued: Option<bool>,
}

/// `setAdmin` params `{gid, admins, isAdmin}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAdminParams {
    /// The chat's gid.
    #[serde(deserialize_with = "lenient::string")]
    pub gid: String,
    /// Users to make (or unmake) administrators.
    #[serde(deserialize_with = "lenient::id_list")]
    pub admins: Vec<i64>,
    /// True (default) grants, false revokes.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_admin: Option<bool>,
}

/// `setCommitters` params `{gid, committers}`; an empty list lets every member post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetCommittersParams {
    /// The chat's gid.
    #[serde(deserialize_with = "lenient::string")]
    pub gid: String,
    /// Who may post.
    #[serde(default, deserialize_with = "lenient::id_list")]
    pub committers: Vec<i64>,
}

/// `settings` params `{account, settings}`: without `settings` it reads, with it it writes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SettingsParams {
    /// The caller's account (another account is refused).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub account: Option<String>,
    /// The settings to store (any JSON value); absent, `null` or `""` reads.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub settings: Value,
}

/// `userChangeName` params `{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserChangeNameParams {
    /// The new display name.
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
}

/// `userChangeStatus` params `{status}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserChangeStatusParams {
    /// `online`, `away` or `busy`.
    #[serde(deserialize_with = "lenient::string")]
    pub status: String,
}

/// `userChange` params: the changed user, as `{user: {...}}`, `[{...}]` or the user object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct UserPatch {
    /// New display name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub realname: Option<String>,
    /// New avatar URL.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub avatar: Option<String>,
    /// New status.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<String>,
    /// New gender.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub gender: Option<String>,
    /// New e-mail.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// New mobile number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub mobile: Option<String>,
    /// New web site.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub site: Option<String>,
    /// New phone number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<String>,
}

/// `members` answer entry `{gid, members}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMembers {
    /// The chat's gid.
    pub gid: String,
    /// The members.
    pub members: Vec<User>,
}

/// The positional parameter names of each method in 000's array form, by lower-case method.
/// `message` is absent: its params array is the list of messages itself.
pub fn positional_names(method_lower: &str) -> Option<&'static [&'static str]> {
    Some(match method_lower {
        "login" => &["serverName", "account", "password", "status"],
        "create" => &["gid", "name", "type", "members", "subject", "public"],
        "joinchat" => &["gid", "join"],
        "changename" => &["gid", "name"],
        "star" => &["gid", "star"],
        "hide" => &["gid", "hide"],
        "mute" => &["gid", "mute"],
        "addmember" => &["gid", "members", "join"],
        "history" => &["gid", "recPerPage", "pageID", "recTotal", "continued"],
        "members" | "getlist" => &["gid"],
        "changepublic" => &["gid", "public"],
        "setadmin" => &["gid", "admins", "isAdmin"],
        "setcommitters" => &["gid", "committers"],
        "settings" => &["account", "settings"],
        "userchangename" => &["name"],
        "userchangestatus" => &["status"],
        "upload" | "download" => &["gid"],
        _ => return None,
    })
}

/// Turns a request's `params` into an object: a 000 positional array is mapped onto
/// [`positional_names`]; an object is kept; absent params give `{}`. Array params of a method
/// without positional names (e.g. `message`, `userChange`) are returned as they are.
pub fn normalize_params(method: &str, params: &Value) -> Value {
    let lower = method.to_ascii_lowercase();
    match params {
        Value::Null => Value::Object(Map::new()),
        Value::Array(items) => match positional_names(&lower) {
            // 000's login list starts with serverName; a three-element list omits it.
            Some(_) if lower == "login" && items.len() == 3 => {
                zip_names(&["account", "password", "status"], items)
            }
            Some(names) => zip_names(names, items),
            None => params.clone(),
        },
        other => other.clone(),
    }
}

fn zip_names(names: &[&str], items: &[Value]) -> Value {
    let map: Map<String, Value> = names
        .iter()
        .zip(items.iter())
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn login_params_in_both_shapes() {
        let p001: LoginParams = serde_json::from_value(normalize_params(
            "login",
            &json!({"account": "demo", "password": "123456", "status": "online"}),
        ))
        .unwrap();
        let p000: LoginParams = serde_json::from_value(normalize_params(
            "login",
            &json!(["ranzhiServer1", "demo", "123456", "online"]),
        ))
        .unwrap();
        assert_eq!(p001.account, p000.account);
        assert_eq!(p000.server_name.as_deref(), Some("ranzhiServer1"));
        assert_eq!(p001.status.as_deref(), Some("online"));
    }

    #[test]
    fn positional_params_map_to_objects() {
        let v = normalize_params("changeName", &json!(["1&2", "new"]));
        let p: ChangeNameParams = serde_json::from_value(v).unwrap();
        assert_eq!((p.gid.as_str(), p.name.as_str()), ("1&2", "new"));
        let h: HistoryParams =
            serde_json::from_value(normalize_params("history", &json!(["g", 20, 2, 0, true])))
                .unwrap();
        assert_eq!(
            (h.rec_per_page, h.page_id, h.continued),
            (Some(20), Some(2), Some(true))
        );
        let c: ChangeNameParams = serde_json::from_value(json!({"id": "g1", "name": "n"})).unwrap();
        assert_eq!(c.gid, "g1");
        let s: ChatFlagParams =
            serde_json::from_value(json!({"gid": "g", "star": "false"})).unwrap();
        assert_eq!(s.flag, Some(false));
        let cr: CreateParams = serde_json::from_value(normalize_params(
            "create",
            &json!(["g", "team", "group", [{"id": 2}, {"id": 3}], 0, true]),
        ))
        .unwrap();
        assert_eq!((cr.members, cr.public), (vec![2, 3], Some(true)));
        let pulic: CreateParams =
            serde_json::from_value(json!({"gid": "x", "pulic": true})).unwrap();
        assert_eq!(pulic.public, Some(true));
    }

    #[test]
    fn seed_frames_round_trip() {
        let req: Request = serde_json::from_value(json!({
            "module": "chat", "method": "message", "sid": "abc",
            "params": [{"gid": "m1", "cgid": "1&2", "type": "normal", "contentType": "text", "content": "hi"}]
        }))
        .unwrap();
        let msgs: Vec<Message> = serde_json::from_value(req.params.clone()).unwrap();
        assert_eq!(msgs[0].cgid, "1&2");
        assert_eq!(msgs[0].user, None);

        let resp = Response {
            module: "chat".into(),
            method: "login".into(),
            result: Outcome::Success,
            message: None,
            sid: Some("s".into()),
            data: serde_json::to_value(User {
                id: 1,
                account: "demo".into(),
                status: "online".into(),
                ..Default::default()
            })
            .unwrap(),
            pager: None,
            rid: None,
        };
        let v = serde_json::to_value(&resp).unwrap();
        assert_eq!(v["result"], "success");
        assert_eq!(v["data"]["account"], "demo");
        assert!(v.get("message").is_none());
        assert_eq!(serde_json::from_value::<Response>(v).unwrap(), resp);

        let kick: Kickoff = serde_json::from_value(json!({
            "module": "chat", "method": "kickoff", "message": "This account logined in another place."
        }))
        .unwrap();
        assert_eq!(kick.message, KICKOFF_MESSAGE);

        let chat: Chat = serde_json::from_value(json!({
            "id": 1, "gid": "1&2", "name": "", "type": "one2one", "admins": ",1,", "subject": 0,
            "public": false, "createdBy": "demo", "createdDate": 1446773418, "editedBy": "",
            "editedDate": 0, "lastActiveTime": 1446773418, "star": true, "hide": false,
            "members": [{"id": 1}, {"id": 2}]
        }))
        .unwrap();
        assert_eq!(chat.admins, vec![1]);
        let back = serde_json::to_value(&chat).unwrap();
        assert_eq!(back["createdDate"], 1446773418);
        assert_eq!(back["members"], json!([{"id": 1}, {"id": 2}]));
    }
}
