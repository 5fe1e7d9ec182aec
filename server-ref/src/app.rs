//! The shared state every handler sees.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;

use crate::auth::Passwords;
use crate::db::Db;
use crate::hub::Hub;
use crate::throttle::LoginThrottle;

/// Server state, shared behind an `Arc`.
pub struct App {
    /// The database.
    pub db: Db,
    /// Live sessions.
    pub hub: Hub,
    /// The key `POST /notification` requires in `X-Notify-Key`.
    pub notify_key: String,
    /// Where uploaded files are stored.
    pub files_dir: PathBuf,
    /// The bounded pool every password hash and verification runs on.
    pub passwords: Passwords,
    /// Failed-login counters.
    pub throttle: LoginThrottle,
    /// Turns true when the server shuts down; socket tasks watch it and close.
    pub shutdown: watch::Receiver<bool>,
}

/// The handle handlers receive.
pub type AppState = Arc<App>;
