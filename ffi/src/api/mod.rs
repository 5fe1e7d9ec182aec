//! The `extern "C"` functions. Each reads its C arguments on the caller's thread (a bad one
//! is the function's status), then either answers at once (synchronous) or starts the SDK
//! call and returns (asynchronous; the outcome goes to the completion callback).
//!
//! [`generated`] holds one function per operation of the facade's table
//! (ffi/facade/src/table.rs, `cargo run -p chinwag-facade`); the rest are written by hand
//! where C differs: the client's life ([`client`]), sends that hand back the gid at once
//! ([`messages`]), and downloads that answer bytes ([`files`]).

pub(crate) mod client;
mod files;
mod generated;
mod messages;

/// What every family file uses.
mod prelude {
    pub(crate) use std::ffi::{c_char, c_void};

    pub(crate) use crate::call::{call, chinwag_callback};
    pub(crate) use crate::handle::chinwag_client;
    pub(crate) use crate::status::chinwag_status;
    pub(crate) use crate::strings::{array, json, text};
}
