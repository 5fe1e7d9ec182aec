//! Wire types of Chinwag: the JSON shape of every request, response and frame that the
//! reference server speaks, defined once and shared by the SDK and the server.
//!
//! The server speaks four dialects over one data model; each has a module here:
//!
//! | module | seed | transport |
//! |---|---|---|
//! | [`room`] | 002, the chat-room REST API | HTTP, `{code, msg, data}` envelope |
//! | [`module`] | 003, the chat module | `/ws?access_token=` frames + `/api/...` REST, and the friend/block extension |
//! | [`xuanxuan`] | 001 and 000, the xuanxuan socket API | `/ws` frames `{module, method, params}`, HTTP file upload |
//! | [`ext`] | none: the SDK extension, opted into per socket | `/ws?access_token=&ext=chinwag`, `/api/sync`, `/api/call` |
//! | [`backend`] | 000, the xxd ↔ rzs gateway/backend protocol | `{userID, module, method, params}` → `{users[], result, data}` |
//!
//! Parsing is lenient where the seeds' clients differ (ids as numbers or strings, booleans as
//! `true` or `"true"`): see [`lenient`]. Rendering is strict: each dialect gets exactly its own
//! conventions (integer ids and unix seconds in 001, string ids in 003, `2020.03.05:12:12:00`
//! datetimes in 002).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backend;
pub mod ext;
pub mod lenient;
pub mod module;
pub mod room;
pub mod xuanxuan;

/// Largest WebSocket frame or HTTP JSON body the server accepts, in bytes (1 MiB).
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// Largest file the server accepts on upload, in bytes (32 MiB).
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// The gid of the one-to-one chat between two users: `"<smaller id>&<larger id>"`.
pub fn one2one_gid(a: i64, b: i64) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    format!("{lo}&{hi}")
}

/// Splits a one-to-one gid `"<a>&<b>"` into its two user ids, if it is one.
pub fn parse_one2one_gid(gid: &str) -> Option<(i64, i64)> {
    let (a, b) = gid.split_once('&')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one2one_gid_orders_ids() {
        assert_eq!(one2one_gid(7, 3), "3&7");
        assert_eq!(one2one_gid(3, 7), "3&7");
        assert_eq!(parse_one2one_gid("3&7"), Some((3, 7)));
        assert_eq!(parse_one2one_gid("abc"), None);
        assert_eq!(parse_one2one_gid("3&x"), None);
    }
}
