//! Chat administration (000/001's `chat` module: `changeName`, `changePublic`, `setAdmin`,
//! `setCommitters`, `addmember`, `joinchat`; 003's requests), the same for every dialect and
//! the SDK: each one finds the chat and checks the caller against the rule table
//! ([`crate::rules`]) inside its transaction, changes the model, and builds the push of the
//! change in the same transaction. Dialect handlers only parse their requests into these
//! calls, hand the pushes to the gateway side and render the results.

use chinwag_wire::module::GroupInfo;
use chinwag_wire::xuanxuan::CreateParams;
use rusqlite::Connection;

use super::{Audience, Push, Reply, chat_push};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::rules::{self, ChatRef, Op, Role};
use crate::store::chats::{self, ChatRow, Edit, GROUP, NewChat, ONE2ONE};
use crate::store::{social, users};

/// `chat` (as changed in `conn`'s transaction) with its push under `method`.
fn pushed(
    conn: &Connection,
    chat: ChatRow,
    method: &'static str,
    also: &[i64],
) -> ApiResult<Reply<ChatRow>> {
    let push = chat_push(conn, chat.id, method, also)?;
    Ok(Reply {
        value: chat,
        pushes: push.into_iter().collect(),
    })
}

/// The chat `r` names, if `me` may read it (a member, or a public chat).
pub fn readable(conn: &Connection, r: &ChatRef, me: i64) -> ApiResult<ChatRow> {
    rules::chat_for(conn, r, me, Op::Read).map(|(chat, _)| chat)
}

/// The caller's chats, each as 001 shows it with the caller's own flags and the members.
pub async fn list(db: &Db, me: i64) -> ApiResult<Vec<chinwag_wire::xuanxuan::Chat>> {
    db.call(move |conn| {
        let mut out = Vec::new();
        for (chat, view) in chats::of_user(conn, me)? {
            let members = chats::member_ids(conn, chat.id)?;
            out.push(chat.to_wire(Some(&view), Some(&members)));
        }
        Ok(out)
    })
    .await
}

/// A 003 group as 003 shows it.
fn group_info(conn: &Connection, chat: &ChatRow) -> ApiResult<GroupInfo> {
    Ok(GroupInfo {
        id: chat.id,
        name: chat.name.clone(),
        manager_id: chat.created_by,
        users_id: chats::member_ids(conn, chat.id)?,
    })
}

/// The caller's groups (003 `GET /api/group`): every chat but one-to-one ones.
pub async fn groups(db: &Db, me: i64) -> ApiResult<Vec<GroupInfo>> {
    db.call(move |conn| {
        chats::of_user(conn, me)?
            .into_iter()
            .filter(|(c, _)| !c.is_one2one())
            .map(|(c, _)| group_info(conn, &c))
            .collect()
    })
    .await
}

/// Group `id` (003 `GET /api/group/{id}`), if the caller may read it.
pub async fn group(db: &Db, me: i64, id: i64) -> ApiResult<GroupInfo> {
    db.call(move |conn| group_info(conn, &readable(conn, &ChatRef::Group(id), me)?))
        .await
}

/// Every public chat (001 `getPublicList`).
pub async fn public_list(db: &Db) -> ApiResult<Vec<ChatRow>> {
    db.call(|conn| chats::public_chats(conn)).await
}

/// The files shared in the chat `r` names (001 `attach/getList`), by the Files rule.
pub async fn files(db: &Db, me: i64, r: ChatRef) -> ApiResult<Vec<crate::store::files::FileRow>> {
    db.call(move |conn| {
        let (chat, _) = rules::chat_for(conn, &r, me, Op::Files)?;
        crate::store::files::of_chat(conn, chat.id)
    })
    .await
}

/// The members of the chat `r` names, if the caller may read it.
pub async fn members(db: &Db, me: i64, r: ChatRef) -> ApiResult<Vec<users::UserRow>> {
    db.call(move |conn| {
        let chat = readable(conn, &r, me)?;
        chats::member_users(conn, chat.id)
    })
    .await
}

/// Up to `limit` messages of the chat `r` names, newest first after skipping `skip`, with
/// the chat's message count, if the caller may read it.
pub async fn history(
    db: &Db,
    me: i64,
    r: ChatRef,
    limit: u32,
    skip: u32,
) -> ApiResult<(Vec<crate::store::messages::MessageRow>, i64)> {
    db.call(move |conn| {
        let chat = readable(conn, &r, me)?;
        let total = crate::store::messages::count(conn, chat.id)?;
        Ok((
            crate::store::messages::history(conn, chat.id, limit, skip)?,
            total,
        ))
    })
    .await
}

/// Renames a group (administrators); pushes `changeName`.
pub async fn rename(db: &Db, me: i64, r: ChatRef, name: String) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
        let (chat, _) = rules::chat_for(conn, &r, me, Op::Rename)?;
        let chat = chats::edit(conn, chat.id, me, Edit::Name(&name))?;
        pushed(conn, chat, "changeName", &[])
    })
    .await
}

/// Makes a group public or private (administrators; a subject chat stays private); pushes
/// `changePublic`.
pub async fn set_public(db: &Db, me: i64, r: ChatRef, public: bool) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
        let (chat, _) = rules::chat_for(conn, &r, me, Op::SetPublic)?;
        if public && chat.subject != 0 {
            return Err(ApiError::forbidden("a subject chat cannot be made public"));
        }
        let chat = chats::edit(conn, chat.id, me, Edit::Public(public))?;
        pushed(conn, chat, "changePublic", &[])
    })
    .await
}

/// Creates a chat (000/001 `create`): a one-to-one chat with exactly one other member (its
/// gid is the canonical `"<low>&<high>"`), or a group with the given gid. An existing chat
/// with that gid is answered as it is (if the caller may see it) and nobody is told; a new
/// one is pushed as `create` to its other members.
pub async fn create(db: &Db, me: i64, p: CreateParams) -> ApiResult<Reply<ChatRow>> {
    let kind = p
        .kind
        .clone()
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| GROUP.into());
    db.tx(move |conn| {
        let mut members: Vec<i64> = p.members.iter().copied().filter(|m| *m != me).collect();
        members.sort_unstable();
        members.dedup();
        let gid = if kind == ONE2ONE {
            let [other] = members[..] else {
                return Err(ApiError::invalid(
                    "a one2one chat has exactly one other member",
                ));
            };
            // Either order names the chat (clients sort the ids as numbers or as text).
            let canonical = chinwag_wire::one2one_gid(me, other);
            if p.gid
                .as_ref()
                .is_some_and(|g| chats::canonical_gid(g) != canonical)
            {
                let (lo, hi) = (me.min(other), me.max(other));
                return Err(ApiError::invalid(format!(
                    "a one2one chat's gid must be \"{lo}&{hi}\" or \"{hi}&{lo}\""
                )));
            }
            canonical
        } else {
            p.gid
                .clone()
                .filter(|g| !g.is_empty())
                .ok_or_else(|| ApiError::invalid("missing field `gid`"))?
        };
        if kind != ONE2ONE && chinwag_wire::parse_one2one_gid(&gid).is_some() {
            return Err(ApiError::invalid(
                "gids of the form \"<id>&<id>\" are reserved for one-to-one chats",
            ));
        }
        if let Some(existing) = chats::by_gid(conn, &gid)? {
            if !existing.public && !chats::is_member(conn, existing.id, me)? {
                return Err(ApiError::forbidden(format!(
                    "chat {gid} exists and you are not a member"
                )));
            }
            return Ok(Reply::quiet(existing));
        }
        let chat = if kind == ONE2ONE {
            chats::ensure_one2one(conn, me, members[0])?
        } else {
            let name = p.name.clone().unwrap_or_default();
            let new = NewChat {
                gid: &gid,
                name: &name,
                kind: &kind,
                subject: p.subject.unwrap_or(0),
                public: p.public.unwrap_or(false),
                channel_name: None,
            };
            chats::create(conn, &new, me, &members)?
        };
        // The others are told; the creator has the answer.
        let mut push = chat_push(conn, chat.id, "create", &[])?;
        if let Some(Push {
            audience: Audience::Users(members),
            ..
        }) = &mut push
        {
            members.retain(|m| *m != me);
        }
        Ok(Reply {
            value: chat,
            pushes: push.into_iter().collect(),
        })
    })
    .await
}

/// Creates a 003 group named `name` with the caller as its only member (its manager);
/// returns its id. Nobody else is told.
pub async fn create_group(db: &Db, me: i64, name: String) -> ApiResult<i64> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid("name must not be empty"));
    }
    db.tx(move |conn| {
        let gid = format!("group:{}", &crate::auth::new_token()[..16]);
        let new = NewChat {
            gid: &gid,
            name: &name,
            kind: GROUP,
            ..Default::default()
        };
        Ok(chats::create(conn, &new, me, &[])?.id)
    })
    .await
}

/// Stars, hides or mutes a chat for the caller (a member, or anyone for a public chat);
/// nobody else is told.
pub async fn set_flag(
    db: &Db,
    me: i64,
    r: ChatRef,
    flag: chats::Flag,
    on: bool,
) -> ApiResult<Reply<()>> {
    db.tx(move |conn| {
        let (chat, _) = rules::chat_for(conn, &r, me, Op::Flag)?;
        chats::set_flag(conn, chat.id, me, flag, on).map(Reply::quiet)
    })
    .await
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
    db: &Db,
    me: i64,
    r: ChatRef,
    users: Vec<i64>,
    grant: bool,
) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
        let (chat, _) = rules::chat_for(conn, &r, me, Op::SetAdmins)?;
        let mut admins = chat.admins.clone();
        admins.retain(|a| !users.contains(a));
        if grant {
            all_members(conn, &chat, &users)?;
            admins.extend(users.iter().copied().filter(|u| *u != chat.created_by));
        }
        let chat = chats::edit(conn, chat.id, me, Edit::Admins(&admins))?;
        pushed(conn, chat, "setAdmin", &[])
    })
    .await
}

/// Restricts posting in a group to `users` (empty: every member), administrators only;
/// pushes `setCommitters`.
pub async fn set_committers(
    db: &Db,
    me: i64,
    r: ChatRef,
    users: Vec<i64>,
) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
        let (chat, _) = rules::chat_for(conn, &r, me, Op::SetCommitters)?;
        for u in &users {
            if !users::exists(conn, *u)? {
                return Err(ApiError::invalid(format!("no user with id {u}")));
            }
        }
        let chat = chats::edit(conn, chat.id, me, Edit::Committers(&users))?;
        pushed(conn, chat, "setCommitters", &[])
    })
    .await
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
pub async fn invite(db: &Db, me: i64, r: ChatRef, user: i64) -> ApiResult<Reply<i64>> {
    db.tx(move |conn| {
        let (chat, _) = rules::chat_for(conn, &r, me, Op::Invite)?;
        Ok(Reply::quiet(invite_in(conn, &chat, &r, me, &[user])?[0]))
    })
    .await
}

/// What [`add_members`] did.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Added {
    /// The chat after the change.
    pub chat: ChatRow,
    /// True when the users were invited (a plain member asked) rather than added.
    pub invited: bool,
}

/// Adds `users` to a group: an administrator adds them at once (pushing `addMember`); a plain
/// member's add is an invitation each of them accepts.
pub async fn add_members(db: &Db, me: i64, r: ChatRef, users: Vec<i64>) -> ApiResult<Reply<Added>> {
    db.tx(move |conn| {
        let (chat, role) = rules::chat_for(conn, &r, me, Op::Invite)?;
        if role < Role::Admin {
            invite_in(conn, &chat, &r, me, &users)?;
            return Ok(Reply::quiet(Added {
                chat,
                invited: true,
            }));
        }
        rules::check(&chat, role, Op::AddMembers, me).map_err(ApiError::forbidden)?;
        chats::add_members(conn, chat.id, &users)?;
        social::delete_invitations_for(conn, chat.id, &users)?;
        let push = chat_push(conn, chat.id, "addMember", &[])?;
        Ok(Reply {
            value: Added {
                chat,
                invited: false,
            },
            pushes: push.into_iter().collect(),
        })
    })
    .await
}

/// The caller's own invitation, or the answer for one that does not exist.
fn own_invitation(conn: &Connection, id: i64, me: i64) -> ApiResult<social::Invitation> {
    social::invitation_by_id(conn, id)?
        .filter(|i| i.user_id == me)
        .ok_or_else(|| ApiError::forbidden(format!("invitation {id} was not sent to you")))
}

/// Accepts an invitation: the caller joins its group; pushes `joinChat`.
pub async fn accept(db: &Db, me: i64, invitation: i64) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
        let inv = own_invitation(conn, invitation, me)?;
        join_in(conn, &ChatRef::Id(inv.chat_id), me)
    })
    .await
}

/// Declines an invitation.
pub async fn decline(db: &Db, me: i64, invitation: i64) -> ApiResult<Reply<()>> {
    db.tx(move |conn| {
        own_invitation(conn, invitation, me)?;
        social::delete_invitation(conn, invitation).map(Reply::quiet)
    })
    .await
}

/// Joins `me` to the chat `r` names (the join rule checked); pushes `joinChat`.
fn join_in(conn: &Connection, r: &ChatRef, me: i64) -> ApiResult<Reply<ChatRow>> {
    let (chat, _) = rules::chat_for(conn, r, me, Op::Join)?;
    chats::add_members(conn, chat.id, &[me])?;
    social::delete_invitations_for(conn, chat.id, &[me])?;
    pushed(conn, chat, "joinChat", &[])
}

/// Joins a public chat, or one the caller is invited to; pushes `joinChat`.
pub async fn join(db: &Db, me: i64, r: ChatRef) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| join_in(conn, &r, me)).await
}

/// Leaves a group; the owner leaving dissolves it (003's rule), which its members learn as an
/// `addMember` push of the chat with nobody left (000/001 have no "dissolved" push). Returns
/// the chat as it was.
pub async fn leave(db: &Db, me: i64, r: ChatRef) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
        let (chat, role) = rules::chat_for(conn, &r, me, Op::Leave)?;
        if role == Role::Owner {
            let members = chats::member_ids(conn, chat.id)?;
            chats::dissolve(conn, chat.id)?;
            let last = chat.to_wire(None, Some(&[]));
            let push = Push {
                audience: Audience::Users(members),
                method: "addMember".into(),
                data: serde_json::to_value(last).unwrap_or_default(),
            };
            return Ok(Reply::with(chat, push));
        }
        chats::remove_member(conn, chat.id, me)?;
        pushed(conn, chat, "joinChat", &[me])
    })
    .await
}

/// Removes `users` from a group (administrators; only the owner removes an administrator,
/// and nobody removes the owner); pushes `addMember`, to the removed users too.
pub async fn remove_members(
    db: &Db,
    me: i64,
    r: ChatRef,
    users: Vec<i64>,
) -> ApiResult<Reply<ChatRow>> {
    db.tx(move |conn| {
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
        pushed(conn, chat, "addMember", &users)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with users 1–4 and a group "g" owned by 1 with 2 and 3 in it.
    async fn world() -> (Db, i64) {
        let db = Db::open(":memory:").unwrap();
        let chat = db
            .tx(|conn| {
                for name in ["u1", "u2", "u3", "u4"] {
                    users::create(conn, name, "hash")?;
                }
                let new = NewChat {
                    gid: "g",
                    name: "team",
                    kind: GROUP,
                    ..Default::default()
                };
                Ok(chats::create(conn, &new, 1, &[2, 3])?.id)
            })
            .await
            .unwrap();
        (db, chat)
    }

    fn audience(reply: &Reply<impl Sized>) -> Vec<(Vec<i64>, &str)> {
        reply
            .pushes
            .iter()
            .map(|p| {
                let Audience::Users(mut users) = p.audience.clone() else {
                    panic!("a chat change is pushed to listed users: {:?}", p.audience);
                };
                users.sort();
                (users, &*p.method)
            })
            .collect()
    }

    #[tokio::test]
    async fn each_change_answers_with_its_push_to_the_members_built_in_its_transaction() {
        let (db, chat) = world().await;
        let g = || ChatRef::Id(chat);
        let renamed = rename(&db, 1, g(), "crew".into()).await.unwrap();
        assert_eq!(renamed.value.name, "crew");
        assert_eq!(audience(&renamed), [(vec![1, 2, 3], "changeName")]);
        assert_eq!(
            renamed.pushes[0].data["name"], "crew",
            "the chat after the change"
        );

        let refused = rename(&db, 2, g(), "mine".into()).await;
        assert!(
            refused.is_err(),
            "a plain member may not rename: no reply, no push"
        );

        let removed = remove_members(&db, 1, g(), vec![3]).await.unwrap();
        assert_eq!(
            audience(&removed),
            [(vec![1, 2, 3], "addMember")],
            "the removed member is told too"
        );

        let invited = add_members(&db, 2, g(), vec![4]).await.unwrap();
        assert!(
            invited.value.invited && invited.pushes.is_empty(),
            "an invitation is quiet"
        );

        let flagged = set_flag(&db, 2, g(), chats::Flag::Star, true)
            .await
            .unwrap();
        assert!(flagged.pushes.is_empty(), "a star is the caller's own");

        let params = |gid: &str, kind: &str, members: Vec<i64>| CreateParams {
            gid: Some(gid.into()),
            kind: Some(kind.into()),
            members,
            ..CreateParams::default()
        };
        let made = create(&db, 1, params("new", GROUP, vec![1, 4]))
            .await
            .unwrap();
        assert_eq!(
            audience(&made),
            [(vec![4], "create")],
            "the others are told"
        );
        let again = create(&db, 4, params("new", GROUP, vec![4])).await.unwrap();
        assert_eq!((again.value.id, again.pushes.len()), (made.value.id, 0));
        let direct = create(&db, 2, params("2&3", ONE2ONE, vec![3]))
            .await
            .unwrap();
        assert_eq!(audience(&direct), [(vec![3], "create")]);
        let reserved = create(&db, 2, params("2&4", GROUP, vec![4])).await;
        assert!(reserved.is_err(), "one-to-one gids are not for groups");

        let dissolved = leave(&db, 1, g()).await.unwrap();
        assert_eq!(audience(&dissolved), [(vec![1, 2], "addMember")]);
        assert_eq!(
            dissolved.pushes[0].data["members"],
            serde_json::json!([]),
            "the owner leaving dissolves: nobody is left"
        );
    }
}
