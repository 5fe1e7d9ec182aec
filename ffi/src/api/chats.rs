//! Chats: the list, one-to-one and group chats, membership, flags, administration, history.

use super::prelude::*;

/// The chats you are in, with your star/hide/mute flags and the members. Result: a JSON
/// array of chat objects, each `{"id", "gid", "name", "type", "admins", "committers",
/// "public", "star", "hide", "mute", "members", …}` (docs/PROTOCOL.md §9).
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_list(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.chats().list().await })
    })
}

/// Stores in `*out_json` the chat list as last fetched by `chinwag_chats_list`, at once and
/// offline too (after a restart on a store: the list the last run fetched), as the same JSON
/// array; `[]` if none was fetched.
///
/// Synchronous. Free `*out_json` with `chinwag_string_free`.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_cached(
    client: *const chinwag_client,
    out_json: *mut *mut c_char,
) -> chinwag_status {
    crate::api::client::read(client, |c| {
        let chats = serde_json::to_string(&c.chats().cached()).unwrap_or_default();
        unsafe { crate::strings::put_string(out_json, chats, "out_json") }
    })
}

/// The one-to-one chat with `user`, created if it does not exist yet. Result: the chat object.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_open_direct(
    client: *const chinwag_client,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.chats().open_direct(user).await })
    })
}

/// A new group chat named `name` with you and the `members_len` users at `members` (NULL
/// when 0); `public` lets anyone find and join it. Result: the chat object.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_create_group(
    client: *const chinwag_client,
    name: *const c_char,
    members: *const i64,
    members_len: usize,
    public: bool,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let name = unsafe { text(name, "name") }?;
        let members = unsafe { array(members, members_len, "members") }?;
        Ok(async move { c.chats().create_group(&name, &members, public).await })
    })
}

/// Joins the public chat `gid`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_join(
    client: *const chinwag_client,
    gid: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.chats().join(&gid).await })
    })
}

/// Leaves the chat `gid`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_leave(
    client: *const chinwag_client,
    gid: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.chats().leave(&gid).await })
    })
}

/// Renames the chat `gid` to `name`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_rename(
    client: *const chinwag_client,
    gid: *const c_char,
    name: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let (gid, name) = unsafe { (text(gid, "gid")?, text(name, "name")?) };
        Ok(async move { c.chats().rename(&gid, &name).await })
    })
}

/// Stars (`on`) or un-stars the chat `gid`, for you only. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_star(
    client: *const chinwag_client,
    gid: *const c_char,
    on: bool,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.chats().star(&gid, on).await })
    })
}

/// Hides (`on`) or shows the chat `gid` in your list. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_hide(
    client: *const chinwag_client,
    gid: *const c_char,
    on: bool,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.chats().hide(&gid, on).await })
    })
}

/// Mutes (`on`) or un-mutes the chat `gid`, for you only. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_mute(
    client: *const chinwag_client,
    gid: *const c_char,
    on: bool,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.chats().mute(&gid, on).await })
    })
}

/// Makes the chat `gid` public (`on`) or private; administrators only. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_set_public(
    client: *const chinwag_client,
    gid: *const c_char,
    on: bool,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.chats().set_public(&gid, on).await })
    })
}

/// Every public chat. Result: a JSON array of chat objects.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_public_list(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.chats().public_list().await })
    })
}

/// The members of chat `gid`. Result: a JSON array of user objects.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_members(
    client: *const chinwag_client,
    gid: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.chats().members(&gid).await })
    })
}

/// Adds the `users_len` users at `users` to chat `gid`. Result: the chat object after the change.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_add_members(
    client: *const chinwag_client,
    gid: *const c_char,
    users: *const i64,
    users_len: usize,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        let users = unsafe { array(users, users_len, "users") }?;
        Ok(async move { c.chats().add_members(&gid, &users).await })
    })
}

/// Removes the `users_len` users at `users` from chat `gid`. Result: the chat object after the
/// change.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_remove_members(
    client: *const chinwag_client,
    gid: *const c_char,
    users: *const i64,
    users_len: usize,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        let users = unsafe { array(users, users_len, "users") }?;
        Ok(async move { c.chats().remove_members(&gid, &users).await })
    })
}

/// Makes the `users_len` users at `users` administrators of chat `gid` (`admin` false: no
/// longer administrators). Result: the chat object after the change.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_set_admins(
    client: *const chinwag_client,
    gid: *const c_char,
    users: *const i64,
    users_len: usize,
    admin: bool,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        let users = unsafe { array(users, users_len, "users") }?;
        Ok(async move { c.chats().set_admins(&gid, &users, admin).await })
    })
}

/// Restricts posting in chat `gid` to the `users_len` users at `users` (none: everyone may
/// post). Result: the chat object after the change.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_set_committers(
    client: *const chinwag_client,
    gid: *const c_char,
    users: *const i64,
    users_len: usize,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        let users = unsafe { array(users, users_len, "users") }?;
        Ok(async move { c.chats().set_committers(&gid, &users).await })
    })
}

/// Page `page` (1 = newest) of a chat's history, `per_page` messages a page; `chat_json` is the
/// chat object as a chat call returned it. Result: `{"messages": [message…], "page", "per_page",
/// "total", "more"}`, each page oldest first.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_chats_history(
    client: *const chinwag_client,
    chat_json: *const c_char,
    page: u32,
    per_page: u32,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let chat: chinwag::Chat = unsafe { json(chat_json, "chat_json") }?;
        Ok(async move { c.chats().history(&chat, page, per_page).await })
    })
}
