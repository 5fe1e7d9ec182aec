//! Friends and blocking.

use super::prelude::*;

/// Asks `user` to be friends. Result: `true` once both have asked (you are friends now),
/// `false` while waiting for them.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_friends_ask(
    client: *const chinwag_client,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.friends().ask(user).await })
    })
}

/// Your friends. Result: a JSON array of user ids.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_friends_list(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.friends().list().await })
    })
}

/// Users who asked you and whom you have not asked back. Result: a JSON array of user ids.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_friends_requests(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.friends().requests().await })
    })
}

/// Ends the friendship with `user` (or withdraws your request). Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_friends_remove(
    client: *const chinwag_client,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.friends().remove(user).await })
    })
}

/// Blocks `user`: their messages no longer reach you. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_friends_block(
    client: *const chinwag_client,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.friends().block(user).await })
    })
}

/// Unblocks `user`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_friends_unblock(
    client: *const chinwag_client,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.friends().unblock(user).await })
    })
}

/// The users you blocked. Result: a JSON array of user ids.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_friends_blocked(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.friends().blocked().await })
    })
}
