//! Users: look-up, directory, your profile, status and settings.

use super::prelude::*;

/// The user with account `name`. Result: `{"name", "id", "realname", "status"}`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_info(
    client: *const chinwag_client,
    name: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let name = unsafe { text(name, "name") }?;
        Ok(async move { c.users().info(&name).await })
    })
}

/// Every user. Result: a JSON array of user objects (`id`, `account`, `realname`, `status`,
/// profile fields).
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_list(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.users().list().await })
    })
}

/// Stores in `*out_json` the users seen (listed, or met in a profile change) as a JSON array
/// of user objects by id, at once and offline too (after a restart on a store: the ones the
/// last run saw).
///
/// Synchronous. Free `*out_json` with `chinwag_string_free`.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_cached(
    client: *const chinwag_client,
    out_json: *mut *mut c_char,
) -> chinwag_status {
    crate::api::client::read(client, |c| {
        let users = serde_json::to_string(&c.users().cached()).unwrap_or_default();
        unsafe { crate::strings::put_string(out_json, users, "out_json") }
    })
}

/// The user with id `user`. Result: a user object.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_get(
    client: *const chinwag_client,
    user: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.users().get(user).await })
    })
}

/// Changes your profile: `patch_json` is an object with any of `realname`, `avatar`,
/// `status`, `gender`, `email`, `mobile`, `site`, `phone`. Result: your user object after the
/// change.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_update_profile(
    client: *const chinwag_client,
    patch_json: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let patch: chinwag::UserPatch = unsafe { json(patch_json, "patch_json") }?;
        Ok(async move { c.users().update_profile(patch).await })
    })
}

/// Sets your status: `online`, `away`, `busy` or `offline`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_set_status(
    client: *const chinwag_client,
    status: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let status = unsafe { text(status, "status") }?;
        Ok(async move { c.users().set_status(&status).await })
    })
}

/// Your client settings. Result: a JSON string holding the settings' JSON text (`"{}"` if
/// never set).
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_settings(
    client: *const chinwag_client,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        Ok(async move { c.users().settings().await })
    })
}

/// Replaces your client settings with the JSON document `settings_json`. Result: `null`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_users_set_settings(
    client: *const chinwag_client,
    settings_json: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let settings = unsafe { text(settings_json, "settings_json") }?;
        Ok(async move { c.users().set_settings(&settings).await })
    })
}
