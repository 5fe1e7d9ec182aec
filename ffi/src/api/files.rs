//! Files: upload into a chat, download, list.

use super::prelude::*;
use crate::call::{Reply, call_raw};

/// Uploads the `data_len` bytes at `data` (NULL when 0) as a file named `name` into chat
/// `gid` (its members can download it). Result: `{"url", "time", "id", "name"}`.
///
/// Asynchronous: returns at once (the bytes are copied first; free yours when it returns);
/// `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_files_upload(
    client: *const chinwag_client,
    gid: *const c_char,
    name: *const c_char,
    data: *const u8,
    data_len: usize,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let (gid, name) = unsafe { (text(gid, "gid")?, text(name, "name")?) };
        let bytes = unsafe { array(data, data_len, "data") }?;
        Ok(async move { c.files().upload(&gid, &name, bytes).await })
    })
}

/// Downloads file `file`. Result: `json` is `null` and the bytes are at `data` /
/// `data_len` (valid until the callback returns).
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_files_download(
    client: *const chinwag_client,
    file: i64,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call_raw(client, callback, user_data, |c| {
        Ok(async move { Ok(Reply::Bytes(c.files().download(file).await?)) })
    })
}

/// The files shared in chat `gid`. Result: a JSON array of `{"id", "title", "size",
/// "addedBy", "date", "gid"}`.
///
/// Asynchronous: returns at once; `callback` gets the outcome.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_files_list(
    client: *const chinwag_client,
    gid: *const c_char,
    callback: chinwag_callback,
    user_data: *mut c_void,
) -> chinwag_status {
    call(client, callback, user_data, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        Ok(async move { c.files().list(&gid).await })
    })
}
