//! [`ClientOptions`]: a client's settings as plain data, for the bindings (C reads them as
//! JSON, Kotlin and Swift as a record, JavaScript as an object).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ClientBuilder;
use crate::error::{Error, Result};

/// How a client behaves; every field is optional (the default applies), times in
/// milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[cfg_attr(feature = "typescript", serde(rename_all = "camelCase"))]
pub struct ClientOptions {
    /// Longest wait for an HTTP answer (default 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_ms: Option<u64>,
    /// Longest wait for the socket to open (default 10 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u64>,
    /// Heartbeat interval (default 15 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_interval_ms: Option<u64>,
    /// Reconnect backoff, given together with the cap below: the first delay's ceiling
    /// (default 250 ms) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_base_ms: Option<u64>,
    /// … and the largest (default 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_cap_ms: Option<u64>,
    /// Messages fetched per page when catching up after a (re)connect (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_page: Option<u32>,
    /// Threads of the runtime a native binding starts for the client (default 1); browsers
    /// and Rust applications that bring their own runtime ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_threads: Option<u32>,
    /// A SQLite file that keeps the session, the unacknowledged sends and the conversations
    /// across restarts (see [`ClientBuilder::store`]); native targets only. Default: none,
    /// nothing outlives the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_path: Option<String>,
    /// The IndexedDB database that keeps what the SQLite file keeps, in browsers (the npm
    /// package's `ChinwagClient.open`; the store opens asynchronously, so `apply` refuses
    /// it). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_name: Option<String>,
    /// Stored messages kept per conversation for `messages().recent` (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_cache: Option<u32>,
}

impl ClientOptions {
    /// `builder` with these options applied. [`Error::InvalidInput`] if only one of the two
    /// backoff bounds is given.
    pub fn apply(&self, mut builder: ClientBuilder) -> Result<ClientBuilder> {
        let ms = Duration::from_millis;
        if let Some(t) = self.request_timeout_ms {
            builder = builder.request_timeout(ms(t));
        }
        if let Some(t) = self.connect_timeout_ms {
            builder = builder.connect_timeout(ms(t));
        }
        if let Some(t) = self.heartbeat_interval_ms {
            builder = builder.heartbeat_interval(ms(t));
        }
        match (self.backoff_base_ms, self.backoff_cap_ms) {
            (Some(base), Some(cap)) => builder = builder.backoff(ms(base), ms(cap)),
            (None, None) => {}
            _ => {
                return Err(Error::InvalidInput(
                    "give both backoff bounds (base and cap) together".into(),
                ));
            }
        }
        if let Some(n) = self.sync_page {
            builder = builder.sync_page(n);
        }
        if let Some(n) = self.message_cache {
            builder = builder.message_cache(n as usize);
        }
        if let Some(name) = &self.store_name {
            return Err(Error::InvalidInput(format!(
                "store_name {name:?}: an IndexedDB store opens asynchronously — in browsers, \
                 make the client with ChinwagClient.open; natively, use store_path"
            )));
        }
        if let Some(path) = &self.store_path {
            #[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
            {
                builder = builder.store_path(path);
            }
            #[cfg(not(all(feature = "sqlite", not(target_arch = "wasm32"))))]
            {
                return Err(Error::InvalidInput(format!(
                    "store_path {path:?}: this build has no file store (native targets with \
                     the sqlite feature)"
                )));
            }
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_apply_to_the_builder_and_check_the_backoff_pair() {
        let options: ClientOptions =
            serde_json::from_str(r#"{"request_timeout_ms": 1500, "sync_page": 50}"#).unwrap();
        let config = options
            .apply(ClientBuilder::new("http://x"))
            .unwrap()
            .config;
        assert_eq!(config.request_timeout, Duration::from_millis(1500));
        assert_eq!(config.sync_page, 50);
        let half = ClientOptions {
            backoff_base_ms: Some(10),
            ..ClientOptions::default()
        };
        assert!(matches!(
            half.apply(ClientBuilder::new("http://x")),
            Err(Error::InvalidInput(_))
        ));
        assert!(serde_json::from_str::<ClientOptions>(r#"{"timeout": 1}"#).is_err());
    }
}
