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
//! Two users chat (the reference server runs in-process here; normally it is elsewhere):
//!
//! ```
//! use chinwag::{Client, Event, Target};
//! use futures::StreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let server = chinwag_server::Server::start(chinwag_server::Config {
//! #     listen: "127.0.0.1:0".parse()?,
//! #     db: ":memory:".into(),
//! #     files: dir.path().into(),
//! #     notify_key: None,
//! #     ..Default::default()
//! # }).await.map_err(|e| e.to_string())?;
//! # let url = format!("http://{}", server.addr());
//! // `url` is the server's base URL, e.g. "http://127.0.0.1:8080".
//! let alice = Client::builder(&url).build()?;
//! let bob = Client::builder(&url).build()?;
//! let mut bob_events = bob.events();
//! let alice_id = alice.auth().register("alice", "secret-1").await?;
//! let bob_id = bob.auth().register("bob", "secret-2").await?;
//! alice.auth().login("alice", "secret-1").await?;
//! bob.auth().login("bob", "secret-2").await?;
//!
//! // Direct messages reach friends: both ask.
//! alice.friends().ask(bob_id).await?;
//! bob.friends().ask(alice_id).await?;
//!
//! let sent = alice.messages().send_text(Target::User(bob_id), "hello bob").await?;
//! assert!(sent.id.is_some()); // stored by the server
//!
//! while let Some(event) = bob_events.next().await {
//!     if let Event::Message(m) = event {
//!         assert_eq!((m.sender, m.content.body()), (alice_id, "hello bob"));
//!         break;
//!     }
//! }
//! alice.close().await;
//! bob.close().await;
//! # server.stop().await;
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
pub mod store;

pub use chinwag_wire as wire;
pub use client::{Client, ClientBuilder, ClientOptions, Config, EventStream, Receipt};
pub use error::{Error, Result};
pub use event::{ChatChange, ConnectionState, Event};
pub use model::*;

/// The SDK's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
