//! The options of a new client, shared by both bindings: the C API reads them from
//! `options_json`, Kotlin and Swift get them as the `ClientOptions` record.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

/// How a client behaves; every field is optional, times in milliseconds.
#[derive(Debug, Clone, Default, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
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
}

impl ClientOptions {
    /// The runtime a client with these options owns.
    pub(crate) fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.worker_threads.unwrap_or(1).clamp(1, 64) as usize)
            .thread_name("chinwag-runtime")
            .enable_all()
            .build()
    }

    /// A client for `server` running on `runtime`.
    pub(crate) fn client(
        &self,
        server: String,
        runtime: &tokio::runtime::Handle,
    ) -> chinwag::Result<chinwag::Client> {
        let ms = Duration::from_millis;
        let adapter = chinwag::runtime::TokioRuntime::with_handle(runtime.clone());
        let mut b = chinwag::Client::builder(server).runtime(Arc::new(adapter));
        if let Some(t) = self.request_timeout_ms {
            b = b.request_timeout(ms(t));
        }
        if let Some(t) = self.connect_timeout_ms {
            b = b.connect_timeout(ms(t));
        }
        if let Some(t) = self.heartbeat_interval_ms {
            b = b.heartbeat_interval(ms(t));
        }
        match (self.backoff_base_ms, self.backoff_cap_ms) {
            (Some(base), Some(cap)) => b = b.backoff(ms(base), ms(cap)),
            (None, None) => {}
            _ => {
                return Err(chinwag::Error::InvalidInput(
                    "give backoff_base_ms and backoff_cap_ms together".into(),
                ));
            }
        }
        if let Some(n) = self.sync_page {
            b = b.sync_page(n);
        }
        let _enter = runtime.enter();
        b.build()
    }
}
