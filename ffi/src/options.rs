//! The options of a new client, shared by both bindings: the C API reads
//! [`chinwag::ClientOptions`] from `options_json`, Kotlin and Swift get it as the
//! `ClientOptions` record (a uniffi mirror of the SDK's type, checked by the compiler).

use std::sync::Arc;

pub use chinwag::ClientOptions;

/// How a client behaves; every field is optional, times in milliseconds.
#[uniffi::remote(Record)]
pub struct ClientOptions {
    /// Longest wait for an HTTP answer (default 30 s).
    #[uniffi(default = None)]
    pub request_timeout_ms: Option<u64>,
    /// Longest wait for the socket to open (default 10 s).
    #[uniffi(default = None)]
    pub connect_timeout_ms: Option<u64>,
    /// Heartbeat interval (default 15 s).
    #[uniffi(default = None)]
    pub heartbeat_interval_ms: Option<u64>,
    /// Reconnect backoff, given together with `backoff_cap_ms`: the first delay's ceiling
    /// (default 250 ms) …
    #[uniffi(default = None)]
    pub backoff_base_ms: Option<u64>,
    /// … and the largest (default 30 s).
    #[uniffi(default = None)]
    pub backoff_cap_ms: Option<u64>,
    /// Messages fetched per page when catching up after a (re)connect (default 200).
    #[uniffi(default = None)]
    pub sync_page: Option<u32>,
    /// The client's runtime threads (default 1).
    #[uniffi(default = None)]
    pub worker_threads: Option<u32>,
    /// A SQLite file that keeps the session, the unacknowledged sends and the conversations
    /// across restarts: a client built on it resumes the session with no login and shows what
    /// it kept offline (default: none).
    #[uniffi(default = None)]
    pub store_path: Option<String>,
    /// The browser store's name (the npm package only; refused here: use `store_path`).
    #[uniffi(default = None)]
    pub store_name: Option<String>,
    /// Stored messages kept per conversation for `recentMessages` (default 100).
    #[uniffi(default = None)]
    pub message_cache: Option<u32>,
}

/// The runtime a client with `options` owns.
pub(crate) fn runtime(options: &ClientOptions) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.worker_threads.unwrap_or(1).clamp(1, 64) as usize)
        .thread_name("chinwag-runtime")
        .enable_all()
        .build()
}

/// A client for `server` with `options`, running on `runtime`.
pub(crate) fn client(
    options: &ClientOptions,
    server: String,
    runtime: &tokio::runtime::Handle,
) -> chinwag::Result<chinwag::Client> {
    let adapter = chinwag::runtime::TokioRuntime::with_handle(runtime.clone());
    let builder = chinwag::Client::builder(server).runtime(Arc::new(adapter));
    let builder = options.apply(builder)?;
    let _enter = runtime.enter();
    builder.build()
}
