//! Chinwag: the client SDK of an embeddable chat system.
//!
//! This release provides the wire types shared with the reference server, re-exported as
//! [`wire`]; the client (families `auth`, `users`, `chats`, `messages`, `groups`, `requests`,
//! `friends`, `files`, and the event stream) is built on them.
//!
//! ```
//! use chinwag::wire::module::{ClientFrame, MessageKind};
//!
//! let frame: ClientFrame =
//!     serde_json::from_str(r#"{"type":"unicast","receiverId":"2","content":"hi"}"#).unwrap();
//! assert_eq!(frame.kind, MessageKind::Unicast);
//! assert_eq!(frame.receiver_id, Some(2));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use chinwag_wire as wire;

/// The SDK's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
