//! Chinwag: the client SDK of an embeddable chat system.
//!
//! One [`Client`] per logged-in user, with its methods grouped by family — [`Client::auth`],
//! [`Client::users`], [`Client::chats`], [`Client::messages`], [`Client::groups`],
//! [`Client::requests`], [`Client::friends`], [`Client::files`] — and one stream of typed
//! [`Event`]s ([`Client::events`]). Every failure is an [`Error`].
//!
//! Delivery is reliable: sends wait in an outbox while offline and are acknowledged by the
//! server (which de-duplicates them by client gid); the client reconnects with jittered
//! backoff, detects dead connections with heartbeats, catches up on what it missed, and hands
//! each message to the app exactly once.
//!
//! The core does no I/O of its own: a [`runtime::Runtime`] supplies tasks, timers, the
//! WebSocket and HTTP. Adapters: tokio (feature `tokio`, default), smol (feature `smol`), and
//! browsers (feature `browser`, wasm32).
//!
//! ```no_run
//! use chinwag::{Client, Content, Event, Target};
//! use futures::StreamExt;
//!
//! # async fn run() -> chinwag::Result<()> {
//! let client = Client::builder("http://127.0.0.1:8080").build()?;
//! let mut events = client.events();
//! client.auth().login("alice", "secret-1").await?;
//! let sent = client
//!     .messages()
//!     .send(Target::User(2), Content::Text("hello".into()))
//!     .await?;
//! println!("stored as message {:?}", sent.id);
//! while let Some(event) = events.next().await {
//!     if let Event::Message(m) = event {
//!         println!("{} says {}", m.sender, m.content.body());
//!     }
//! }
//! client.close().await;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// wasm32 is single-threaded: the client's shared state needs no `Send`/`Sync` there.
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

pub mod client;
pub mod error;
pub mod event;
pub mod model;
pub mod proto;
pub mod runtime;

pub use chinwag_wire as wire;
pub use client::{Client, ClientBuilder, Config, EventStream};
pub use error::{Error, Result};
pub use event::{ChatChange, ConnectionState, Event};
pub use model::*;

/// The SDK's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
