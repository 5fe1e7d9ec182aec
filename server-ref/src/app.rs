//! The shared state every handler sees.

use std::sync::Arc;

use tokio::sync::watch;

use crate::hub::Hub;
use crate::link::Link;

/// The gateway's state, shared behind an `Arc`: its sessions and its link to the backend.
pub struct App {
    /// The way to the backend, which every request goes to.
    pub link: Link,
    /// Live sessions (the backend's [`crate::backend::Gateway`]).
    pub hub: Arc<Hub>,
    /// Tokens of xxd's encrypted transport (`POST /serverInfo`).
    pub tickets: crate::dialect::xxd::Tickets,
    /// Turns true when the server shuts down; socket tasks watch it and close.
    pub shutdown: watch::Receiver<bool>,
    /// Socket tasks still running (the server's stop waits for them).
    pub sockets: Sockets,
}

/// Counts the socket tasks that are running, so a stopping server can wait until every
/// socket is closed.
#[derive(Debug)]
pub struct Sockets(watch::Sender<usize>);

impl Default for Sockets {
    fn default() -> Self {
        Sockets(watch::Sender::new(0))
    }
}

impl Sockets {
    /// A socket task starts; it counts until the guard is dropped.
    pub fn enter(&self) -> SocketGuard<'_> {
        self.0.send_modify(|n| *n += 1);
        SocketGuard(self)
    }

    /// Waits until no socket task runs.
    pub async fn wait_closed(&self) {
        let _ = self.0.subscribe().wait_for(|n| *n == 0).await;
    }
}

/// Held by a running socket task (see [`Sockets::enter`]).
pub struct SocketGuard<'a>(&'a Sockets);

impl Drop for SocketGuard<'_> {
    fn drop(&mut self) {
        self.0.0.send_modify(|n| *n -= 1);
    }
}

/// The handle handlers receive.
pub type AppState = Arc<App>;
