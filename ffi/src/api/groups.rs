//! Groups (003 groups; each is also a group chat with the same id).

use super::prelude::*;

/// Creates a group named `name` that you manage. Result: its id (a JSON number), also the id of
/// its group chat.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_groups_create(
    client: *const chinwag_client,
    name: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let name = unsafe { text(name, "name") }?;
        Ok(async move { c.groups().create(&name).await })
    })
}

/// The groups you are in. Result: a JSON array of `{"id", "name", "managerId", "usersId"}`
/// (ids as JSON strings, as the 003 API writes them).
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_groups_list(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.groups().list().await })
    })
}

/// Group `group`: `{"id", "name", "managerId", "usersId"}` (ids as JSON strings, as the
/// 003 API writes them).
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_groups_info(
    client: *const chinwag_client,
    group: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.groups().info(group).await })
    })
}

/// Renames group `group` to `name`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_groups_rename(
    client: *const chinwag_client,
    group: i64,
    name: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let name = unsafe { text(name, "name") }?;
        Ok(async move { c.groups().rename(group, &name).await })
    })
}

/// Leaves group `group`; if you manage it, it is dissolved. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_groups_leave(
    client: *const chinwag_client,
    group: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.groups().leave(group).await })
    })
}

/// Removes `user` from group `group` (its manager only). Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_groups_remove_member(
    client: *const chinwag_client,
    group: i64,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.groups().remove_member(group, user).await })
    })
}
