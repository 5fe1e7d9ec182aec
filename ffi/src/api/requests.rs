//! Group invitations.

use super::prelude::*;

/// Invites `user` into group `group` (you must be a member). Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_requests_invite(
    client: *const chinwag_client,
    group: i64,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.requests().invite(group, user).await })
    })
}

/// Invitations waiting for you. Result: a JSON array of `{"id", "groupName", "groupId", "userId",
/// "invitedBy"}` (ids as JSON strings, as the 003 API writes them).
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_requests_list(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.requests().list().await })
    })
}

/// Accepts invitation `request`: you join its group. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_requests_accept(
    client: *const chinwag_client,
    request: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.requests().accept(request).await })
    })
}

/// Declines invitation `request`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_requests_decline(
    client: *const chinwag_client,
    request: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.requests().decline(request).await })
    })
}
