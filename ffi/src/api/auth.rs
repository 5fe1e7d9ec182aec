//! Accounts: register, log in, restore a saved session, log out.

use super::prelude::*;

/// Registers account `name` with `password`. Result: the new user's id (a JSON number).
/// Does not log in.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_auth_register(
    client: *const chinwag_client,
    name: *const c_char,
    password: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let (name, password) = unsafe { (text(name, "name")?, text(password, "password")?) };
        Ok(async move { c.auth().register(&name, &password).await })
    })
}

/// Logs in as `name`, then connects and keeps the connection up. Result: the session
/// (`{"token", "user_id", "name", "cursor"}`); save it for `chinwag_auth_restore`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_auth_login(
    client: *const chinwag_client,
    name: *const c_char,
    password: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let (name, password) = unsafe { (text(name, "name")?, text(password, "password")?) };
        Ok(async move { c.auth().login(&name, &password).await })
    })
}

/// Resumes a saved session (the JSON `chinwag_client_session` or a login gave) without the
/// password, then connects; messages after the session's cursor arrive as events. Result:
/// `null`; `CHINWAG_ERR_AUTH` if the session was revoked.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_auth_restore(
    client: *const chinwag_client,
    session_json: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let session: chinwag::Session = unsafe { json(session_json, "session_json") }?;
        Ok(async move { c.auth().restore(session).await })
    })
}

/// Logs out: the server revokes the session, the connection closes, and messages still
/// unsent fail with `CHINWAG_ERR_CLOSED`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_auth_logout(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.auth().logout().await })
    })
}
