//! The uniffi facade: the SDK for Kotlin and Swift.
//!
//! [`ChinwagClient`](client::ChinwagClient), and one object per SDK family reached from it
//! (`client.messages()`), generated from the facade's table (`generated`), whose network
//! methods are `async` (`suspend` in Kotlin, `async` in Swift); the SDK's own model types, exposed through uniffi
//! "remote" mirrors the compiler checks against the real definitions (`types`); one error type
//! (`error`); events through a foreign [`EventListener`](client::EventListener). The facade
//! owns its tokio runtime, so foreign threads never need a reactor, and each call runs as a
//! task that is aborted when the foreign side drops its future (a cancelled coroutine or
//! Swift task).

mod client;
mod error;
mod generated;
mod types;
