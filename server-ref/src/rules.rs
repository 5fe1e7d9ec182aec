//! The rule table: who may do what to a chat, decided once for every dialect and the SDK.
//! `docs/PROTOCOL.md` §"One rule per operation" holds the same table in prose, with the seed
//! sections it reconciles.
//!
//! Every chat operation starts with [`chat_for`]: it finds the chat, works out the caller's
//! [`Role`] and checks the [`Op`] against the table. A chat the caller may not see answers
//! exactly as one that does not exist ([`hidden`]), so nobody learns which chats exist.

use rusqlite::Connection;

use crate::error::{ApiError, ApiResult};
use crate::store::chats::{self, ChatRow};
use crate::store::social;

/// How a request names a chat.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChatRef {
    /// By server id, any kind of chat (a file's or an invitation's chat).
    Id(i64),
    /// By 003's `groupId`: a group only. A one-to-one chat's id names nothing here, so
    /// 003's friend rule for direct messages cannot be bypassed as a multicast.
    Group(i64),
    /// By global id (xuanxuan's `gid`).
    Gid(String),
}

impl std::fmt::Display for ChatRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChatRef::Id(id) => write!(f, "chat {id}"),
            ChatRef::Group(id) => write!(f, "group {id}"),
            ChatRef::Gid(gid) => write!(f, "chat \"{gid}\""),
        }
    }
}

/// The caller's standing in a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Not a member.
    Outsider,
    /// A member.
    Member,
    /// An administrator named by the owner (xuanxuan `setAdmin`).
    Admin,
    /// The creator (003's manager, the first of xuanxuan's `admins`).
    Owner,
}

/// An operation on a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Read its history, members or information.
    Read,
    /// Upload, list or download its files (members only, public or not).
    Files,
    /// Post a message or upload a file.
    Post,
    /// Set one's own star, hide or mute flag.
    Flag,
    /// Rename it.
    Rename,
    /// Make it public or private.
    SetPublic,
    /// Name or remove administrators.
    SetAdmins,
    /// Restrict who may post.
    SetCommitters,
    /// Add users at once (a plain member's add becomes [`Op::Invite`]).
    AddMembers,
    /// Invite users, who join when they accept.
    Invite,
    /// Remove other members.
    RemoveMembers,
    /// Leave it (the owner leaving dissolves a group).
    Leave,
    /// Join it (a public chat, or one the caller is invited to).
    Join,
}

impl Op {
    /// What the operation is called in refusals.
    fn doing(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Files => "use the files of",
            Op::Post => "post in",
            Op::Flag => "mark",
            Op::Rename => "rename",
            Op::SetPublic => "change the visibility of",
            Op::SetAdmins => "change the administrators of",
            Op::SetCommitters => "change who may post in",
            Op::AddMembers => "add members to",
            Op::Invite => "invite users to",
            Op::RemoveMembers => "remove members from",
            Op::Leave => "leave",
            Op::Join => "join",
        }
    }
}

/// The answer for a chat that does not exist or that the caller may not see: the same in
/// both cases, so chats cannot be discovered by guessing.
pub fn hidden(chat: &ChatRef) -> ApiError {
    ApiError::forbidden(format!(
        "{chat} does not exist or you are not a member of it"
    ))
}

/// The caller's role in `chat`.
pub fn role(conn: &Connection, chat: &ChatRow, me: i64) -> ApiResult<Role> {
    if !chats::is_member(conn, chat.id, me)? {
        return Ok(Role::Outsider);
    }
    Ok(if chat.created_by == me {
        Role::Owner
    } else if chat.admins.contains(&me) {
        Role::Admin
    } else {
        Role::Member
    })
}

/// Finds the chat `r` names for `me` doing `op`, and checks the rule table; returns the chat
/// and the caller's role.
pub fn chat_for(conn: &Connection, r: &ChatRef, me: i64, op: Op) -> ApiResult<(ChatRow, Role)> {
    let found = match r {
        ChatRef::Id(id) => chats::by_id(conn, *id)?,
        ChatRef::Group(id) => chats::by_id(conn, *id)?.filter(|c| !c.is_one2one()),
        ChatRef::Gid(gid) => chats::by_gid(conn, gid)?,
    };
    let Some(chat) = found else {
        return Err(hidden(r));
    };
    let role = role(conn, &chat, me)?;
    let invited = op == Op::Join
        && role == Role::Outsider
        && social::invitation_for(conn, chat.id, me)?.is_some();
    if role == Role::Outsider && !chat.public && !invited {
        return Err(hidden(r));
    }
    check(&chat, role, op, me).map_err(ApiError::forbidden)?;
    Ok((chat, role))
}

/// The rule table itself: `Err` with the reason when `role` may not do `op` on `chat` (which
/// the caller can see: a member, a public chat, or an invitation).
pub fn check(chat: &ChatRow, role: Role, op: Op, me: i64) -> Result<(), String> {
    let name = if chat.is_one2one() {
        "a one-to-one chat".to_string()
    } else {
        format!("chat \"{}\"", chat.gid)
    };
    let only = |who: &str| Err(format!("only {who} of {name} may {} it", op.doing()));
    if chat.is_one2one() && !matches!(op, Op::Read | Op::Files | Op::Post | Op::Flag) {
        return Err(format!(
            "{name} has exactly its two members and no administrators: you cannot {} it",
            op.doing()
        ));
    }
    match op {
        Op::Read if chat.public => Ok(()),
        Op::Join if role == Role::Outsider => Ok(()),
        Op::Join => Err(format!("you are already a member of {name}")),
        _ if role == Role::Outsider => Err(format!("you are not a member of {name}")),
        Op::Read | Op::Files | Op::Flag | Op::Invite | Op::Leave => Ok(()),
        // Committers are a group setting: both members of a one-to-one chat always post.
        Op::Post if chat.is_one2one() => Ok(()),
        Op::Post => {
            if chat.committers.is_empty() || chat.committers.contains(&me) || role >= Role::Admin {
                Ok(())
            } else {
                only("the committers and administrators")
            }
        }
        Op::SetAdmins if role == Role::Owner => Ok(()),
        Op::SetAdmins => only("the owner"),
        Op::Rename | Op::SetPublic | Op::SetCommitters | Op::AddMembers | Op::RemoveMembers
            if role >= Role::Admin =>
        {
            Ok(())
        }
        _ => only("the administrators"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::chats::{GROUP, ONE2ONE};

    fn chat(kind: &str, public: bool, committers: Vec<i64>) -> ChatRow {
        ChatRow {
            id: 7,
            gid: "g".into(),
            name: "n".into(),
            kind: kind.into(),
            admins: vec![2],
            committers,
            subject: 0,
            public,
            created_by: 1,
            created_by_account: String::new(),
            created_date: 0,
            edited_by_account: String::new(),
            edited_date: 0,
            last_active: 0,
            channel_name: None,
        }
    }

    const ALL: [Op; 13] = [
        Op::Read,
        Op::Files,
        Op::Post,
        Op::Flag,
        Op::Rename,
        Op::SetPublic,
        Op::SetAdmins,
        Op::SetCommitters,
        Op::AddMembers,
        Op::Invite,
        Op::RemoveMembers,
        Op::Leave,
        Op::Join,
    ];

    /// The table, written out: which roles may do each operation on a private group.
    #[test]
    fn the_table_for_a_private_group() {
        let g = chat(GROUP, false, vec![]);
        let allowed = |op: Op| -> Vec<Role> {
            [Role::Outsider, Role::Member, Role::Admin, Role::Owner]
                .into_iter()
                .filter(|r| check(&g, *r, op, 9).is_ok())
                .collect()
        };
        use Role::*;
        let members = vec![Member, Admin, Owner];
        let admins = vec![Admin, Owner];
        for (op, want) in [
            (Op::Read, members.clone()),
            (Op::Files, members.clone()),
            (Op::Post, members.clone()),
            (Op::Flag, members.clone()),
            (Op::Rename, admins.clone()),
            (Op::SetPublic, admins.clone()),
            (Op::SetAdmins, vec![Owner]),
            (Op::SetCommitters, admins.clone()),
            (Op::AddMembers, admins.clone()),
            (Op::Invite, members.clone()),
            (Op::RemoveMembers, admins.clone()),
            (Op::Leave, members.clone()),
            (Op::Join, vec![Outsider]),
        ] {
            assert_eq!(allowed(op), want, "{op:?}");
        }
    }

    #[test]
    fn public_chats_are_readable_by_anyone_and_committers_limit_posting() {
        let public = chat(GROUP, true, vec![]);
        assert!(check(&public, Role::Outsider, Op::Read, 9).is_ok());
        assert!(check(&public, Role::Outsider, Op::Files, 9).is_err());
        assert!(check(&public, Role::Outsider, Op::Post, 9).is_err());
        let limited = chat(GROUP, false, vec![3]);
        assert!(check(&limited, Role::Member, Op::Post, 3).is_ok());
        assert!(check(&limited, Role::Member, Op::Post, 4).is_err());
        assert!(check(&limited, Role::Admin, Op::Post, 2).is_ok());
    }

    #[test]
    fn one_to_one_chats_allow_only_reading_posting_and_flags() {
        let direct = chat(ONE2ONE, false, vec![]);
        for op in ALL {
            let ok = check(&direct, Role::Owner, op, 1).is_ok();
            let want = matches!(op, Op::Read | Op::Files | Op::Post | Op::Flag);
            assert_eq!(ok, want, "{op:?}");
        }
        let why = check(&direct, Role::Owner, Op::SetCommitters, 1).unwrap_err();
        assert!(why.contains("one-to-one"), "{why}");
    }
}
