//! The four dialects over the one model: each module turns its seed's requests into model
//! operations and renders answers and errors in the seed's format. `sdk_ext` is the HTTP
//! side of the SDK extension, which no seed defines. `xxd` is the encrypted transport of
//! xuanxuan's real gateway, in front of the xuanxuan socket.

pub mod files;
pub mod module_rest;
pub mod module_ws;
pub mod room;
pub mod sdk_ext;
pub mod ws;
pub mod xuanxuan;
pub mod xxd;
