//! Sends that hand back the message's gid at once (the rest of the family is generated).

use super::prelude::*;
use crate::status::FfiResult;
use crate::strings::put_string;
use chinwag::{Client, Content, Target};

/// Puts a message in the outbox, writes its gid to `out_gid` if given, and waits for the
/// server's acknowledgement.
///
/// # Safety
/// As for the functions that call it.
unsafe fn send(
    client: *const chinwag_client,
    target: impl FnOnce(&Client) -> FfiResult<Target>,
    content_type: *const c_char,
    body: *const c_char,
    out_gid: *mut *mut c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let (content_type, body) =
            unsafe { (text(content_type, "content_type")?, text(body, "body")?) };
        let receipt = c
            .messages()
            .enqueue(target(&c)?, Content::from_parts(&content_type, body))?;
        if !out_gid.is_null() {
            unsafe { put_string(out_gid, receipt.gid().to_string(), "out_gid") }?;
        }
        Ok(receipt)
    })
}

/// Sends a message to user `user` (your one-to-one chat with them). `content_type` is `text`,
/// `json` (the body is a JSON document), or another type the apps agree on (`image`, …);
/// `body` is the content. If `out_gid` is not NULL it receives the message's gid at once
/// (free it with `chinwag_string_free`), so the app can show the message before the server
/// has it.
///
/// The message waits in the outbox while the client is offline and is resent after a broken
/// connection; the server de-duplicates, so it arrives exactly once. Result: `{"gid", "id",
/// "timestamp_ms"}` once the server stored it (`id` null: a delivery rule dropped it, e.g.
/// not friends); `CHINWAG_ERR_CLOSED` if the client is destroyed or logs out first.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_messages_send_to_user(
    client: *const chinwag_client,
    user: i64,
    content_type: *const c_char,
    body: *const c_char,
    out_gid: *mut *mut c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    let target = |_: &Client| Ok(Target::User(user));
    unsafe {
        send(
            client,
            target,
            content_type,
            body,
            out_gid,
            callback,
            user_data,
        )
    }
}

/// Sends a message to the group chat with id `group`; otherwise as
/// `chinwag_messages_send_to_user`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_messages_send_to_group(
    client: *const chinwag_client,
    group: i64,
    content_type: *const c_char,
    body: *const c_char,
    out_gid: *mut *mut c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    let target = |_: &Client| Ok(Target::Group(group));
    unsafe {
        send(
            client,
            target,
            content_type,
            body,
            out_gid,
            callback,
            user_data,
        )
    }
}

/// Sends a message to a chat — `chat_json` is the chat object as a chat call returned it,
/// one-to-one or group; otherwise as `chinwag_messages_send_to_user`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_messages_send_to_chat(
    client: *const chinwag_client,
    chat_json: *const c_char,
    content_type: *const c_char,
    body: *const c_char,
    out_gid: *mut *mut c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    let target = |c: &Client| {
        let chat: chinwag::Chat = unsafe { json(chat_json, "chat_json") }?;
        Ok(c.target_of(&chat)?)
    };
    unsafe {
        send(
            client,
            target,
            content_type,
            body,
            out_gid,
            callback,
            user_data,
        )
    }
}
