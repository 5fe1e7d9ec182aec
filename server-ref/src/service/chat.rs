//! Chat operations, the same for every dialect and the SDK: each one finds the chat and
//! checks the caller against the rule table ([`crate::rules`]) inside its transaction,
//! changes the model, then pushes the change to the members' xuanxuan and extension
//! sessions. Dialect handlers only parse their requests into these calls and render the
//! results.

use std::sync::Arc;

use rusqlite::Connection;

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::rules::{self, ChatRef, Op, Role};
use crate::service::{push_chat, push_xuanxuan};
use crate::store::chats::{self, ChatRow, Edit};
use crate::store::{social, users};

/// The chat `r` names, if `me` may read it (a member, or a public chat).
pub fn readable(conn: &Connection, r: &ChatRef, me: i64) -> ApiResult<ChatRow> {
    rules::chat_for(conn, r, me, Op::Read).map(|(chat, _)| chat)
}

/// Renames a group (administrators); pushes `changeName`.
pub async fn rename(app: &Arc<App>, me: i64, r: ChatRef, name: String) -> ApiResult<ChatRow> {
    let chat = app
        .db
        .tx(move |conn| {
            let (chat, _) = rules::chat_for(conn, &r, me, Op::Rename)?;
            chats::edit(conn, chat.id, me, Edit::Name(&name))
        })
        .await?;
    push_chat(app, chat.id, "changeName", &[]).await;
    Ok(chat)
}

/// Makes a group public or private (administrators; a subject chat stays private); pushes
/// `changePublic`.
pub async fn set_public(app: &Arc<App>, me: i64, r: ChatRef, public: bool) -> ApiResult<ChatRow> {
    let chat = app
        .db
        .tx(move |conn| {
            let (chat, _) = rules::chat_for(conn, &r, me, Op::SetPublic)?;
            if public && chat.subject != 0 {
                return Err(ApiError::forbidden("a subject chat cannot be made public"));
            }
            chats::edit(conn, chat.id, me, Edit::Public(public))
        })
        .await?;
    push_chat(app, chat.id, "changePublic", &[]).await;
    Ok(chat)
}

/// Checks that every one of `users` is a member of `chat`.
fn all_members(conn: &Connection, chat: &ChatRow, users: &[i64]) -> ApiResult<()> {
    for u in users {
        if !chats::is_member(conn, chat.id, *u)? {
            return Err(ApiError::invalid(format!(
                "user {u} is not a member of chat \"{}\"",
                chat.gid
            )));
        }
    }
    Ok(())
}

/// Grants (`grant`) or takes back administration of a group to `users`, who must be members
/// (the owner); pushes `setAdmin`.
pub async fn set_admins(
    app: &Arc<App>,
    me: i64,
    r: ChatRef,
    users: Vec<i64>,
    grant: bool,
) -> ApiResult<ChatRow> {
    let chat = app
        .db
        .tx(move |conn| {
            let (chat, _) = rules::chat_for(conn, &r, me, Op::SetAdmins)?;
            let mut admins = chat.admins.clone();
            admins.retain(|a| !users.contains(a));
            if grant {
                all_members(conn, &chat, &users)?;
                admins.extend(users.iter().copied().filter(|u| *u != chat.created_by));
            }
            chats::edit(conn, chat.id, me, Edit::Admins(&admins))
        })
        .await?;
    push_chat(app, chat.id, "setAdmin", &[]).await;
    Ok(chat)
}

/// Restricts posting in a group to `users` (empty: every member), administrators only;
/// pushes `setCommitters`.
pub async fn set_committers(
    app: &Arc<App>,
    me: i64,
    r: ChatRef,
    users: Vec<i64>,
) -> ApiResult<ChatRow> {
    let chat = app
        .db
        .tx(move |conn| {
            let (chat, _) = rules::chat_for(conn, &r, me, Op::SetCommitters)?;
            for u in &users {
                if !users::exists(conn, *u)? {
                    return Err(ApiError::invalid(format!("no user with id {u}")));
                }
            }
            chats::edit(conn, chat.id, me, Edit::Committers(&users))
        })
        .await?;
    push_chat(app, chat.id, "setCommitters", &[]).await;
    Ok(chat)
}

/// Invites `users` into `chat` (any member); each joins when they accept. A user who is a
/// member already, or does not exist, is refused.
fn invite_in(
    conn: &Connection,
    chat: &ChatRow,
    r: &ChatRef,
    me: i64,
    users: &[i64],
) -> ApiResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(users.len());
    for &user in users {
        if !users::exists(conn, user)? {
            return Err(ApiError::invalid(format!("no user with id {user}")));
        }
        if chats::is_member(conn, chat.id, user)? {
            return Err(ApiError::forbidden(format!(
                "user {user} is already a member of {r}"
            )));
        }
        ids.push(social::invite(conn, chat.id, user, me)?);
    }
    Ok(ids)
}

/// Invites one user (003 `POST /api/request`); returns the invitation's id.
pub async fn invite(app: &Arc<App>, me: i64, r: ChatRef, user: i64) -> ApiResult<i64> {
    app.db
        .tx(move |conn| {
            let (chat, _) = rules::chat_for(conn, &r, me, Op::Invite)?;
            Ok(invite_in(conn, &chat, &r, me, &[user])?[0])
        })
        .await
}

/// What [`add_members`] did.
#[derive(Debug, Clone)]
pub struct Added {
    /// The chat after the change.
    pub chat: ChatRow,
    /// True when the users were invited (a plain member asked) rather than added.
    pub invited: bool,
}

/// Adds `users` to a group: an administrator adds them at once (pushing `addMember`); a plain
/// member's add is an invitation each of them accepts.
pub async fn add_members(app: &Arc<App>, me: i64, r: ChatRef, users: Vec<i64>) -> ApiResult<Added> {
    let added = app
        .db
        .tx(move |conn| {
            let (chat, role) = rules::chat_for(conn, &r, me, Op::Invite)?;
            if role < Role::Admin {
                invite_in(conn, &chat, &r, me, &users)?;
                return Ok(Added {
                    chat,
                    invited: true,
                });
            }
            rules::check(&chat, role, Op::AddMembers, me).map_err(ApiError::forbidden)?;
            chats::add_members(conn, chat.id, &users)?;
            social::delete_invitations_for(conn, chat.id, &users)?;
            Ok(Added {
                chat,
                invited: false,
            })
        })
        .await?;
    if !added.invited {
        push_chat(app, added.chat.id, "addMember", &[]).await;
    }
    Ok(added)
}

/// The caller's own invitation, or the answer for one that does not exist.
fn own_invitation(conn: &Connection, id: i64, me: i64) -> ApiResult<social::Invitation> {
    social::invitation_by_id(conn, id)?
        .filter(|i| i.user_id == me)
        .ok_or_else(|| ApiError::forbidden(format!("invitation {id} was not sent to you")))
}

/// Accepts an invitation: the caller joins its group; pushes `joinChat`.
pub async fn accept(app: &Arc<App>, me: i64, invitation: i64) -> ApiResult<ChatRow> {
    let chat = app
        .db
        .tx(move |conn| {
            let inv = own_invitation(conn, invitation, me)?;
            join_in(conn, &ChatRef::Id(inv.chat_id), me)
        })
        .await?;
    push_chat(app, chat.id, "joinChat", &[]).await;
    Ok(chat)
}

/// Declines an invitation.
pub async fn decline(app: &Arc<App>, me: i64, invitation: i64) -> ApiResult<()> {
    app.db
        .tx(move |conn| {
            own_invitation(conn, invitation, me)?;
            social::delete_invitation(conn, invitation)
        })
        .await
}

fn join_in(conn: &Connection, r: &ChatRef, me: i64) -> ApiResult<ChatRow> {
    let (chat, _) = rules::chat_for(conn, r, me, Op::Join)?;
    chats::add_members(conn, chat.id, &[me])?;
    social::delete_invitations_for(conn, chat.id, &[me])?;
    Ok(chat)
}

/// Joins a public chat, or one the caller is invited to; pushes `joinChat`.
pub async fn join(app: &Arc<App>, me: i64, r: ChatRef) -> ApiResult<ChatRow> {
    let chat = app.db.tx(move |conn| join_in(conn, &r, me)).await?;
    push_chat(app, chat.id, "joinChat", &[]).await;
    Ok(chat)
}

/// Leaves a group; the owner leaving dissolves it (003's rule), which its members learn as an
/// `addMember` push of the chat with nobody left (000/001 have no "dissolved" push). Returns
/// the chat as it was.
pub async fn leave(app: &Arc<App>, me: i64, r: ChatRef) -> ApiResult<ChatRow> {
    let (chat, dissolved) = app
        .db
        .tx(move |conn| {
            let (chat, role) = rules::chat_for(conn, &r, me, Op::Leave)?;
            if role == Role::Owner {
                let members = chats::member_ids(conn, chat.id)?;
                chats::dissolve(conn, chat.id)?;
                return Ok((chat, Some(members)));
            }
            chats::remove_member(conn, chat.id, me)?;
            Ok((chat, None))
        })
        .await?;
    match dissolved {
        Some(members) => {
            let last = chat.to_wire(None, Some(&[]));
            push_xuanxuan(
                app,
                Some(&members),
                None,
                "addMember",
                serde_json::to_value(last).unwrap_or_default(),
            );
        }
        None => push_chat(app, chat.id, "joinChat", &[me]).await,
    }
    Ok(chat)
}

/// Removes `users` from a group (administrators; only the owner removes an administrator,
/// and nobody removes the owner); pushes `addMember`, to the removed users too.
pub async fn remove_members(
    app: &Arc<App>,
    me: i64,
    r: ChatRef,
    users: Vec<i64>,
) -> ApiResult<ChatRow> {
    let removed = users.clone();
    let chat = app
        .db
        .tx(move |conn| {
            let (chat, role) = rules::chat_for(conn, &r, me, Op::RemoveMembers)?;
            all_members(conn, &chat, &users)?;
            for &u in &users {
                if u == chat.created_by {
                    return Err(ApiError::forbidden(
                        "the owner cannot be removed; the owner leaving dissolves the group",
                    ));
                }
                if chat.admins.contains(&u) && role != Role::Owner && u != me {
                    return Err(ApiError::forbidden(
                        "only the owner may remove an administrator",
                    ));
                }
            }
            for &u in &users {
                chats::remove_member(conn, chat.id, u)?;
            }
            Ok(chat)
        })
        .await?;
    push_chat(app, chat.id, "addMember", &removed).await;
    Ok(chat)
}
