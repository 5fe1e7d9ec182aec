//! The backend's entry point in seed 000's protocol (the methods of 000/001's `chat` and
//! `attach` modules, as the xuanxuan gateway forwards them): one request as user `me` — its
//! module, method and params — answered with its data (and pager) and the pushes it causes.
//! `login`, `logout`, `getOfflineMessages` and `message` are the gateway's (a session, the
//! live message path).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use chinwag_wire::xuanxuan::*;

use super::chat as chat_ops;
use super::users as users_ops;
use super::{Push, Reply};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::rules::ChatRef;
use crate::store::chats::Flag;
use crate::store::{chats, files, users};

/// Most messages `history` returns without a pager.
pub const HISTORY_DEFAULT_LIMIT: u32 = 1000;
/// Largest `recPerPage` accepted.
pub const HISTORY_MAX_PAGE: u32 = 1000;

/// What a handled request answers: data, and optionally a pager.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    /// The response's `data`.
    pub data: Value,
    /// The response's `pager` (`history` with 000's pager).
    pub pager: Option<Pager>,
}
impl Answer {
    /// An answer with `data` and no pager.
    pub fn of<T: Serialize>(data: T) -> ApiResult<Answer> {
        Ok(Answer {
            data: serde_json::to_value(data).map_err(ApiError::internal)?,
            pager: None,
        })
    }
}

/// `params` of `method` read as `T`, after 000's conventions (positional arrays, aliases).
pub fn decode<T: DeserializeOwned>(method: &str, params: &Value) -> ApiResult<T> {
    serde_json::from_value(normalize_params(method, params))
        .map_err(|e| ApiError::invalid(format!("invalid params for {method}: {e}")))
}

/// A request's module as matched: trimmed, lower case, `chat` when empty.
pub fn normalize_module(module: &str) -> String {
    let module = module.trim().to_ascii_lowercase();
    if module.is_empty() {
        "chat".into()
    } else {
        module
    }
}

/// The value of a backend reply, its pushes kept for the answer's.
fn keep<T>(pushes: &mut Vec<Push>, reply: Reply<T>) -> T {
    pushes.extend(reply.pushes);
    reply.value
}

/// The caller's chats, as 001 shows them.
async fn chat_value(db: &Db, me: i64) -> ApiResult<Value> {
    let list = chat_ops::list(db, me).await?;
    serde_json::to_value(list).map_err(ApiError::internal)
}

/// Answers one 000/001 request of user `me`: every `chat` and `attach` method but `login`,
/// `logout`, `getOfflineMessages` (refused: they need a session) and `message` (the gateway's
/// live path). `module` and `method` are matched case-insensitively (an empty module is
/// `chat`). The reply carries the pushes the method causes, for the gateway to deliver.
pub async fn handle(
    db: &Db,
    me: i64,
    module: &str,
    method: &str,
    params: &Value,
) -> ApiResult<Reply<Answer>> {
    let mut pushes = Vec::new();
    let (module_raw, method_raw) = (module, method);
    let module = normalize_module(module);
    let method = method.to_ascii_lowercase();
    let method = method.as_str();
    let answer = match (module.as_str(), method) {
        ("chat", "login") | ("chat", "logout") | ("chat", "getofflinemessages") => Err(
            ApiError::invalid(format!("{method_raw} needs a xuanxuan socket")),
        ),
        ("chat", "usergetlist") => {
            let all = users_ops::all(db).await?;
            Answer::of(all.iter().map(users::UserRow::to_wire).collect::<Vec<_>>())
        }
        ("chat", "getlist") => Ok(Answer {
            data: chat_value(db, me).await?,
            pager: None,
        }),
        ("chat", "userchange") => {
            let patch: UserPatch = match params {
                Value::Array(items) => {
                    serde_json::from_value(items.first().cloned().unwrap_or(Value::Null))?
                }
                Value::Object(o) if o.get("user").is_some_and(Value::is_object) => {
                    serde_json::from_value(o["user"].clone())?
                }
                other => serde_json::from_value(other.clone())?,
            };
            let reply = users_ops::patch(db, me, patch, "userChange").await?;
            Answer::of(keep(&mut pushes, reply).to_wire())
        }
        ("chat", "userchangename") => {
            let p: UserChangeNameParams = decode(method, params)?;
            if p.name.trim().is_empty() {
                return Err(ApiError::invalid("name must not be empty"));
            }
            let patch = UserPatch {
                realname: Some(p.name),
                ..Default::default()
            };
            let reply = users_ops::patch(db, me, patch, "userChangeName").await?;
            let user = keep(&mut pushes, reply);
            Answer::of(json!({"id": me, "name": user.realname}))
        }
        ("chat", "userchangestatus") => {
            let p: UserChangeStatusParams = decode(method, params)?;
            let patch = UserPatch {
                status: Some(p.status),
                ..Default::default()
            };
            let reply = users_ops::patch(db, me, patch, "userChangeStatus").await?;
            let user = keep(&mut pushes, reply);
            Answer::of(json!({"id": me, "status": user.status}))
        }
        ("chat", "create") => create(db, me, &mut pushes, decode(method, params)?).await,
        ("chat", "joinchat") => {
            let p: ChatFlagParams = decode(method, params)?;
            let join = p.flag.unwrap_or(true);
            let r = ChatRef::Gid(p.gid.clone());
            let reply = if join {
                chat_ops::join(db, me, r).await?
            } else {
                chat_ops::leave(db, me, r).await?
            };
            keep(&mut pushes, reply);
            Answer::of(json!({"gid": p.gid, "join": join}))
        }
        ("chat", "changename") => {
            let p: ChangeNameParams = decode(method, params)?;
            let reply = chat_ops::rename(db, me, ChatRef::Gid(p.gid.clone()), p.name).await?;
            let chat = keep(&mut pushes, reply);
            Answer::of(json!({"gid": p.gid, "name": chat.name}))
        }
        ("chat", "star") | ("chat", "hide") | ("chat", "mute") => {
            let flag = match method {
                "star" => Flag::Star,
                "hide" => Flag::Hide,
                _ => Flag::Mute,
            };
            let p: ChatFlagParams = decode(method, params)?;
            let on = p.flag.unwrap_or(true);
            let r = ChatRef::Gid(p.gid.clone());
            chat_ops::set_flag(db, me, r, flag, on).await?;
            let mut data = serde_json::Map::new();
            data.insert("gid".into(), Value::String(p.gid));
            data.insert(method.into(), Value::Bool(on));
            Ok(Answer {
                data: Value::Object(data),
                pager: None,
            })
        }
        ("chat", "addmember") => {
            let p: AddMemberParams = decode(method, params)?;
            let r = ChatRef::Gid(p.gid.clone());
            let chat = if p.join.unwrap_or(true) {
                let reply = chat_ops::add_members(db, me, r, p.members).await?;
                keep(&mut pushes, reply).chat
            } else {
                let reply = chat_ops::remove_members(db, me, r, p.members).await?;
                keep(&mut pushes, reply)
            };
            Ok(Answer {
                data: full_chat(db, chat.id).await?,
                pager: None,
            })
        }
        ("chat", "history") => {
            let p: HistoryParams = decode(method, params)?;
            history(db, me, p).await
        }
        ("chat", "members") => {
            let p: ChatFlagParams = decode(method, params)?;
            let r = ChatRef::Gid(p.gid.clone());
            let list = chat_ops::members(db, me, r).await?;
            Answer::of(vec![ChatMembers {
                gid: p.gid,
                members: list.iter().map(|u| u.to_wire()).collect(),
            }])
        }
        ("chat", "changepublic") => {
            let p: ChatFlagParams = decode(method, params)?;
            let public = p.flag.unwrap_or(true);
            let reply = chat_ops::set_public(db, me, ChatRef::Gid(p.gid.clone()), public);
            let chat = keep(&mut pushes, reply.await?);
            Answer::of(json!({"gid": p.gid, "public": chat.public}))
        }
        ("chat", "getpubliclist") => {
            let list = chat_ops::public_list(db).await?;
            Answer::of(
                list.iter()
                    .map(|c| c.to_wire(None, None))
                    .collect::<Vec<_>>(),
            )
        }
        ("chat", "setadmin") => {
            let p: SetAdminParams = decode(method, params)?;
            let grant = p.is_admin.unwrap_or(true);
            let reply = chat_ops::set_admins(db, me, ChatRef::Gid(p.gid), p.admins, grant);
            let chat = keep(&mut pushes, reply.await?);
            Answer::of(chat.to_wire(None, None))
        }
        ("chat", "setcommitters") => {
            let p: SetCommittersParams = decode(method, params)?;
            let r = ChatRef::Gid(p.gid);
            let reply = chat_ops::set_committers(db, me, r, p.committers).await?;
            let chat = keep(&mut pushes, reply);
            Answer::of(chat.to_wire(None, None))
        }
        ("chat", "settings") => {
            let p: SettingsParams = decode(method, params)?;
            let data = users_ops::settings(db, me, p).await?;
            Ok(Answer { data, pager: None })
        }
        ("attach", "getlist") => {
            let p: ChatFlagParams = decode(method, params)?;
            let r = ChatRef::Gid(p.gid);
            let list = chat_ops::files(db, me, r).await?;
            Answer::of(list.iter().map(files::FileRow::to_wire).collect::<Vec<_>>())
        }
        _ => Err(ApiError::invalid(format!(
            "unknown method {module_raw}/{method_raw}"
        ))),
    }?;
    let mut answer = answer;
    respell(&mut answer.data, &spellings(params));
    Ok(Reply {
        value: answer,
        pushes,
    })
}

/// `create`: the chat (created, or the existing one with that gid), in full.
async fn create(db: &Db, me: i64, pushes: &mut Vec<Push>, p: CreateParams) -> ApiResult<Answer> {
    let chat = keep(pushes, chat_ops::create(db, me, p).await?);
    let data = full_chat(db, chat.id).await?;
    Ok(Answer { data, pager: None })
}

/// The one-to-one gids in `params` written with the larger id first (`"10&3"`: the xuanxuan
/// client sorts ids as text), each with its stored form.
fn spellings(params: &Value) -> Vec<(String, String)> {
    fn collect(v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) if chinwag_wire::parse_one2one_gid(s).is_some() => {
                let stored = chats::canonical_gid(s);
                if stored != *s {
                    out.push((stored, s.clone()));
                }
            }
            Value::Array(items) => items.iter().for_each(|x| collect(x, out)),
            Value::Object(map) => map.values().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(params, &mut out);
    out
}

/// Shows the chats of an answer under the gids the client used (`gid`, `cgid` fields).
pub fn respell(data: &mut Value, spellings: &[(String, String)]) {
    if spellings.is_empty() {
        return;
    }
    match data {
        Value::Array(items) => items.iter_mut().for_each(|x| respell(x, spellings)),
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(s) if key == "gid" || key == "cgid" => {
                        if let Some((_, used)) = spellings.iter().find(|(stored, _)| stored == s) {
                            *s = used.clone();
                        }
                    }
                    other => respell(other, spellings),
                }
            }
        }
        _ => {}
    }
}

/// A chat's full information with members.
async fn full_chat(db: &Db, chat_id: i64) -> ApiResult<Value> {
    db.call(move |conn| {
        let (data, _) = super::chat_data(conn, chat_id)?
            .ok_or_else(|| ApiError::not_found("the chat was dissolved"))?;
        Ok(data)
    })
    .await
}

/// `history`: the whole history (newest [`HISTORY_DEFAULT_LIMIT`]) or, with 000's pager, one
/// page — page 1 is the newest `recPerPage` messages; each page is oldest first.
async fn history(db: &Db, me: i64, p: HistoryParams) -> ApiResult<Answer> {
    let per = p
        .rec_per_page
        .filter(|n| *n > 0)
        .map(|n| n.min(HISTORY_MAX_PAGE));
    let page = p.page_id.unwrap_or(1).max(1);
    let gid = p.gid.clone();
    let (limit, skip) = match per {
        Some(per) => (per, per.saturating_mul(page - 1)),
        None => (HISTORY_DEFAULT_LIMIT, 0),
    };
    let (rows, total) = chat_ops::history(db, me, ChatRef::Gid(gid), limit, skip).await?;
    let data = serde_json::to_value(rows.iter().map(|m| m.to_wire()).collect::<Vec<_>>())
        .map_err(ApiError::internal)?;
    let pager = per.map(|per| Pager {
        rec_per_page: Some(per),
        page_id: Some(page),
        rec_total: Some(total as u32),
        gid: p.gid.clone(),
        continued: Some((per as i64) * (page as i64) < total),
    });
    Ok(Answer { data, pager })
}
