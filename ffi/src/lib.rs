//! `chinwag-ffi`: the Chinwag SDK for C.
//!
//! The C header, `bindings/c/chinwag.h`, is generated from this crate by cbindgen; its
//! preamble (in `cbindgen.toml`) states the rules every function here keeps — UTF-8 strings,
//! one free function, status codes with a retrievable message, handles that are checked,
//! no panic across the boundary, thread-safety, and no callback after destroy.
//!
//! Layout: `status` (codes, the last error), `strings` (reading arguments, owned strings),
//! `boundary` (panics), `handle` (the registry of live clients, each with its runtime and
//! callback thread), `options` (a new client's settings, for both bindings), `call` (asynchronous calls and their completions), and `api/` (the
//! `extern "C"` functions, one file per SDK family).

// The exported names are C's: `chinwag_client`, `chinwag_status`, `CHINWAG_OK`.
#![allow(non_camel_case_types)]

mod api;
mod boundary;
mod call;
mod foreign;
mod handle;
mod options;
mod status;
mod strings;

uniffi::setup_scaffolding!();

#[cfg(test)]
mod tests {
    #[test]
    fn version_is_an_owned_c_string() {
        let ptr = super::strings::chinwag_version();
        let s = unsafe { std::ffi::CStr::from_ptr(ptr) };
        assert_eq!(s.to_str().unwrap(), chinwag::VERSION);
        unsafe { super::strings::chinwag_string_free(ptr) };
    }
}
