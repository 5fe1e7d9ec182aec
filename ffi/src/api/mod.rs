//! The `extern "C"` functions, one file per SDK family. Each reads its C arguments on the
//! caller's thread (a bad one is the function's status), then either answers at once
//! (synchronous) or starts the SDK call and returns (asynchronous; the outcome goes to the
//! completion callback).

mod auth;
mod chats;
mod client;
mod files;
mod friends;
mod groups;
mod messages;
mod requests;
mod users;

/// What every family file uses.
mod prelude {
    pub(crate) use std::ffi::{c_char, c_void};

    pub(crate) use crate::call::{call, chinwag_callback};
    pub(crate) use crate::handle::chinwag_client;
    pub(crate) use crate::status::chinwag_status;
    pub(crate) use crate::strings::{array, json, text};
}
