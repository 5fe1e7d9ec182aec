//! Downloads: the C call that answers bytes, not JSON (the rest of the family is generated).

use super::prelude::*;
use crate::call::{Reply, call_raw};

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
