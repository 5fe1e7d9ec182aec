//! `chinwag-ffi`: the C ABI (and, later, the uniffi exports) of the Chinwag SDK.
//!
//! Rules every function here follows: strings are UTF-8 and NUL-terminated; a string the
//! library returns is static or freed by the library's one free function; no panic crosses
//! the boundary.

use std::ffi::c_char;

/// The library version as a static NUL-terminated UTF-8 string; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn chinwag_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_is_a_c_string() {
        let s = unsafe { std::ffi::CStr::from_ptr(super::chinwag_version()) };
        assert_eq!(s.to_str().unwrap(), chinwag::VERSION);
    }
}
