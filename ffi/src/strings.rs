//! Reading C arguments (strings, JSON, byte and id arrays, out-parameters) and handing strings
//! back.

use std::ffi::{CStr, CString, c_char};

use serde::de::DeserializeOwned;

use crate::status::{FfiError, FfiResult, chinwag_status};

fn null(what: &str) -> FfiError {
    FfiError::new(
        chinwag_status::CHINWAG_ERR_NULL_POINTER,
        format!("`{what}` is NULL"),
    )
}

/// The UTF-8 text of the NUL-terminated string `ptr`, argument `what`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn text(ptr: *const c_char, what: &str) -> FfiResult<String> {
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map(str::to_owned).map_err(|e| {
        FfiError::new(
            chinwag_status::CHINWAG_ERR_INVALID_UTF8,
            format!("`{what}` is not valid UTF-8: {e}"),
        )
    })
}

/// Argument `what` parsed from the JSON text `ptr`.
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn json<T: DeserializeOwned>(ptr: *const c_char, what: &str) -> FfiResult<T> {
    // SAFETY: forwarded.
    let text = unsafe { text(ptr, what) }?;
    serde_json::from_str(&text).map_err(|e| {
        FfiError::new(
            chinwag_status::CHINWAG_ERR_INVALID_INPUT,
            format!("`{what}` is not the JSON expected: {e}"),
        )
    })
}

/// A copy of the `len` items at `ptr`, argument `what`; `ptr` may be NULL when `len` is 0.
///
/// # Safety
/// `ptr` is NULL or points to `len` initialised items.
pub(crate) unsafe fn array<T: Copy>(ptr: *const T, len: usize, what: &str) -> FfiResult<Vec<T>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL with `len` items, as the caller promises.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec())
}

/// Fails unless `ptr` (argument `what`) is non-NULL.
pub(crate) fn not_null<T>(ptr: *const T, what: &str) -> FfiResult<()> {
    if ptr.is_null() {
        Err(null(what))
    } else {
        Ok(())
    }
}

/// Stores `s` as a string the caller frees in the out-parameter `out` (allocated only if
/// `out` is usable).
///
/// # Safety
/// As for [`put`].
pub(crate) unsafe fn put_string(out: *mut *mut c_char, s: String, what: &str) -> FfiResult<()> {
    not_null(out, what)?;
    // SAFETY: forwarded.
    unsafe { put(out, owned(s), what) }
}

/// Stores `value` in the out-parameter `out`.
///
/// # Safety
/// `out` is NULL or valid for a write of `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T, what: &str) -> FfiResult<()> {
    if out.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL and writable, as the caller promises.
    unsafe { out.write(value) };
    Ok(())
}

/// `s` as a NUL-terminated string the caller frees with [`chinwag_string_free`]. An interior
/// NUL (never in JSON, which escapes it) would end the C string early, so it is replaced.
pub(crate) fn owned(s: impl Into<String>) -> *mut c_char {
    c_string(s).into_raw()
}

/// `s` as a C string, interior NULs replaced by U+FFFD.
pub(crate) fn c_string(s: impl Into<String>) -> CString {
    let s = s.into();
    CString::new(s).unwrap_or_else(|e| {
        let text = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(text).unwrap_or_default()
    })
}

/// Frees a string this library returned (from a function's result or an out-parameter).
/// NULL is ignored. Never pass a string from anywhere else, or one twice.
///
/// Synchronous; thread-safe.
///
/// # Safety
/// `s` is NULL or a string this library returned that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: it came from `CString::into_raw` in `owned`, once.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// The library's version, e.g. `"0.1.0"`.
///
/// Synchronous; thread-safe. Free the result with `chinwag_string_free`.
#[unsafe(no_mangle)]
pub extern "C" fn chinwag_version() -> *mut c_char {
    owned(chinwag::VERSION)
}
