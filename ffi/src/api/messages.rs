//! Sends, by hand in C: they hand back the message's gid at once, then its acknowledgement to
//! the callback (the rest of the family is generated from the facade's table).

use super::prelude::*;
use crate::strings::put_string;
use chinwag::{Content, Target};

/// Puts `content` for `target_json` in the outbox, writes its gid to `out_gid` if given, and
/// waits for the server's acknowledgement.
///
/// # Safety
/// As for the functions that call it.
unsafe fn enqueue(
    client: *const chinwag_client,
    target_json: *const c_char,
    content: impl FnOnce() -> crate::status::FfiResult<Content>,
    out_gid: *mut *mut c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let target: Target = unsafe { json(target_json, "target_json") }?;
        let receipt = c.messages().enqueue(target, content()?)?;
        if !out_gid.is_null() {
            unsafe { put_string(out_gid, receipt.gid().to_string(), "out_gid") }?;
        }
        Ok(receipt)
    })
}

/// Sends a message to `target_json` — `{"user": id}` (your one-to-one chat with them) or
/// `{"group": id}` (a group chat; `chinwag_client_target_of` gives the target of a chat
/// object). `content_type` is `text`, `json` (the body is a JSON document), or another type
/// the apps agree on (`image`, …); `body` is the content. If `out_gid` is not NULL it receives
/// the message's gid at once (free it with `chinwag_string_free`), so the app can show the
/// message before the server has it.
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
pub unsafe extern "C" fn chinwag_messages_send(
    client: *const chinwag_client,
    target_json: *const c_char,
    content_type: *const c_char,
    body: *const c_char,
    out_gid: *mut *mut c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    let content = || {
        let (content_type, body) =
            unsafe { (text(content_type, "content_type")?, text(body, "body")?) };
        Ok(Content::from_parts(&content_type, body))
    };
    unsafe { enqueue(client, target_json, content, out_gid, callback, user_data) }
}

/// Sends the text `text` to `target_json`; otherwise as `chinwag_messages_send`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_messages_send_text(
    client: *const chinwag_client,
    target_json: *const c_char,
    text_: *const c_char,
    out_gid: *mut *mut c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    let content = || Ok(Content::Text(unsafe { text(text_, "text") }?));
    unsafe { enqueue(client, target_json, content, out_gid, callback, user_data) }
}
