//! The edge of the library: no Rust panic crosses it.

use std::any::Any;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::status::{FfiError, FfiResult, chinwag_status, fail, status_of};

/// Runs an entry point's body: its error, or a caught panic, becomes the returned status and
/// this thread's last error.
pub(crate) fn catch(body: impl FnOnce() -> FfiResult<()>) -> chinwag_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => status_of(result),
        Err(panic) => fail(internal(&*panic)),
    }
}

/// Runs the body of an entry point that returns a string; a panic returns NULL.
pub(crate) fn catch_ptr(body: impl FnOnce() -> *mut c_char) -> *mut c_char {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(std::ptr::null_mut())
}

/// The error for a caught panic.
pub(crate) fn internal(panic: &(dyn Any + Send)) -> FfiError {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    FfiError::new(
        chinwag_status::CHINWAG_ERR_INTERNAL,
        format!("internal error (please report): {what}"),
    )
}
