//! The protocol core: pure functions and state machines with no I/O and no runtime — the
//! session state machine ([`session`]) and its parts (frame encoding and decoding, the outbox,
//! the inbound cursor, reconnect backoff), and decoding of HTTP answers into typed results.
//! The client ([`crate::Client`]) drives them with I/O from a [`crate::runtime::Runtime`].

pub mod backoff;
pub mod cache;
pub mod events;
pub mod frames;
pub mod inbound;
pub mod outbox;
pub mod rest;
pub mod session;

/// A send's gid as the SDK holds it while the send is in flight: one allocation shared by
/// the outbox, its completion and the app's receipt.
pub type Gid = std::sync::Arc<str>;
