//! The SDK's types as uniffi records and enums.
//!
//! Each item below is a uniffi "remote" mirror: uniffi generates the Kotlin/Swift type and the
//! conversion from it, but not a new Rust type — the Rust type is the SDK's own (most of them
//! defined once in `chinwag-wire`). The conversion code names every field, so a mirror that
//! drifts from its definition does not compile.

use chinwag::wire::xuanxuan::MemberRef;
use chinwag::{
    Chat, ChatChange, ConnectionState, Content, Delivery, Event, FileInfo, Group, GroupRequest,
    HistoryPage, LocalMessage, Message, Notification, OfflineMessages, SentMessage, Session,
    Target, UploadedFile, User, UserInfo, UserPatch,
};

#[uniffi::remote(Record)]
pub struct Session {
    pub token: String,
    pub user_id: i64,
    pub name: String,
    pub cursor: Option<i64>,
}

#[uniffi::remote(Enum)]
pub enum Target {
    User(i64),
    Group(i64),
}

#[uniffi::remote(Enum)]
pub enum Content {
    Text(String),
    Json(String),
    Other { content_type: String, body: String },
}

#[uniffi::remote(Record)]
pub struct Message {
    pub id: i64,
    pub gid: String,
    pub chat_gid: String,
    pub chat: Target,
    pub sender: i64,
    pub content: Content,
    pub timestamp_ms: i64,
}

#[uniffi::remote(Enum)]
pub enum Delivery {
    Pending,
    Sent,
    Failed { error: String },
}

#[uniffi::remote(Record)]
pub struct LocalMessage {
    pub id: Option<i64>,
    pub gid: String,
    pub chat: Target,
    pub sender: i64,
    pub content: Content,
    pub timestamp_ms: i64,
    pub delivery: Delivery,
}

#[uniffi::remote(Record)]
pub struct SentMessage {
    pub gid: String,
    pub id: Option<i64>,
    pub timestamp_ms: Option<i64>,
}

#[uniffi::remote(Record)]
pub struct Notification {
    pub kind: String,
    pub content: String,
    pub raw: String,
}

#[uniffi::remote(Record)]
pub struct HistoryPage {
    pub messages: Vec<Message>,
    pub page: u32,
    pub per_page: u32,
    pub total: u32,
    pub more: bool,
}

#[uniffi::remote(Record)]
pub struct OfflineMessages {
    pub sender: i64,
    pub messages: Vec<Message>,
}

#[uniffi::remote(Record)]
pub struct MemberRef {
    pub id: i64,
}

#[uniffi::remote(Record)]
pub struct Chat {
    pub id: i64,
    pub gid: String,
    pub name: String,
    pub kind: String,
    pub admins: Vec<i64>,
    pub committers: Vec<i64>,
    pub subject: i64,
    pub public: bool,
    pub created_by: String,
    pub created_date: i64,
    pub edited_by: String,
    pub edited_date: i64,
    pub last_active_time: i64,
    pub star: Option<bool>,
    pub hide: Option<bool>,
    pub mute: Option<bool>,
    pub members: Option<Vec<MemberRef>>,
}

#[uniffi::remote(Record)]
pub struct User {
    pub id: i64,
    pub account: String,
    pub realname: String,
    pub avatar: String,
    pub role: String,
    pub dept: i64,
    pub status: String,
    pub admin: String,
    pub gender: String,
    pub email: String,
    pub mobile: String,
    pub site: String,
    pub phone: String,
}

#[uniffi::remote(Record)]
pub struct UserInfo {
    pub name: String,
    pub id: i64,
    pub realname: String,
    pub status: String,
}

#[uniffi::remote(Record)]
pub struct UserPatch {
    pub realname: Option<String>,
    pub avatar: Option<String>,
    pub status: Option<String>,
    pub gender: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub site: Option<String>,
    pub phone: Option<String>,
}

#[uniffi::remote(Record)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub manager_id: i64,
    pub users_id: Vec<i64>,
}

#[uniffi::remote(Record)]
pub struct GroupRequest {
    pub id: i64,
    pub group_name: String,
    pub group_id: i64,
    pub user_id: i64,
    pub invited_by: i64,
}

#[uniffi::remote(Record)]
pub struct UploadedFile {
    pub url: String,
    pub time: i64,
    pub id: i64,
    pub name: String,
}

#[uniffi::remote(Record)]
pub struct FileInfo {
    pub id: i64,
    pub title: String,
    pub size: i64,
    pub added_by: i64,
    pub date: i64,
    pub gid: String,
}

#[uniffi::remote(Enum)]
pub enum ConnectionState {
    Connecting,
    Connected,
    Reconnecting { attempt: u32, retry_in_ms: u64 },
    Disconnected,
}

#[uniffi::remote(Enum)]
pub enum ChatChange {
    Created,
    Renamed,
    Visibility,
    Admins,
    Committers,
}

#[uniffi::remote(Enum)]
pub enum Event {
    Message(Message),
    MessageUpdated(Message),
    Notification(Notification),
    ChatChanged { change: ChatChange, chat: Chat },
    MembersChanged { chat: Chat },
    Presence { user: i64, status: String },
    UserChanged(User),
    Kicked { reason: String },
    Connection(ConnectionState),
}
