//! The runtime seam: everything the SDK needs from an async runtime and a platform — spawning,
//! timers, WebSocket connections and HTTP requests — behind one small object-safe trait, so the
//! protocol core runs on tokio, smol or a browser alike (the way quinn's `Runtime` does it).
//!
//! Adapters: `TokioRuntime` (feature `tokio`, the default on native), `SmolRuntime` (feature
//! `smol`), `BrowserRuntime` (feature `browser`, wasm32). An application with another executor
//! implements [`Runtime`] itself.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::{Sink, Stream};

#[cfg(all(feature = "browser", target_arch = "wasm32"))]
mod browser;
#[cfg(all(feature = "smol", not(target_arch = "wasm32")))]
mod smol;
#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
mod tokio;
#[cfg(all(not(target_arch = "wasm32"), any(feature = "tokio", feature = "smol")))]
mod tungstenite;

#[cfg(all(feature = "browser", target_arch = "wasm32"))]
pub use browser::BrowserRuntime;
#[cfg(all(feature = "smol", not(target_arch = "wasm32")))]
pub use smol::SmolRuntime;
#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
pub use tokio::TokioRuntime;

/// A boxed future: `Send` on native targets, not on wasm32 (browser objects are not `Send`).
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future: `Send` on native targets, not on wasm32 (browser objects are not `Send`).
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A text frame received on a WebSocket, in whatever form the socket library holds it: an
/// adapter hands it over without copying it (tungstenite's shared buffer natively, a
/// `String` otherwise).
pub struct Text(TextRepr);

enum TextRepr {
    Owned(String),
    #[cfg(all(not(target_arch = "wasm32"), any(feature = "tokio", feature = "smol")))]
    Shared(async_tungstenite::tungstenite::Utf8Bytes),
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            TextRepr::Owned(s) => s,
            #[cfg(all(not(target_arch = "wasm32"), any(feature = "tokio", feature = "smol")))]
            TextRepr::Shared(b) => b.as_str(),
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(TextRepr::Owned(s))
    }
}

#[cfg(all(not(target_arch = "wasm32"), any(feature = "tokio", feature = "smol")))]
impl From<async_tungstenite::tungstenite::Utf8Bytes> for Text {
    fn from(b: async_tungstenite::tungstenite::Utf8Bytes) -> Text {
        Text(TextRepr::Shared(b))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The frames a WebSocket delivers: text (binary frames holding UTF-8 come as text too). The
/// stream ends when the connection closes.
#[cfg(not(target_arch = "wasm32"))]
pub type WsStream = Pin<Box<dyn Stream<Item = Result<Text, TransportError>> + Send>>;
/// The frames a WebSocket delivers (see the native definition).
#[cfg(target_arch = "wasm32")]
pub type WsStream = Pin<Box<dyn Stream<Item = Result<Text, TransportError>>>>;

/// Where text frames are written; closing it closes the connection.
#[cfg(not(target_arch = "wasm32"))]
pub type WsSink = Pin<Box<dyn Sink<String, Error = TransportError> + Send>>;
/// Where text frames are written (see the native definition).
#[cfg(target_arch = "wasm32")]
pub type WsSink = Pin<Box<dyn Sink<String, Error = TransportError>>>;

/// An open WebSocket connection, split into its two halves.
pub struct WsConnection {
    /// Outgoing text frames.
    pub sink: WsSink,
    /// Incoming text frames.
    pub stream: WsStream,
}

impl fmt::Debug for WsConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WsConnection")
    }
}

/// An HTTP request, already encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The absolute URL, query included.
    pub url: String,
    /// Request headers.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

/// An HTTP response: any status (4xx and 5xx are responses, not transport errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// A failure below HTTP: the server could not be reached, the connection broke, TLS failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What happened, for people.
    pub message: String,
    /// The HTTP status that refused a WebSocket upgrade, when the platform can see it.
    pub status: Option<u16>,
}

impl TransportError {
    /// A transport error with `message`.
    pub fn new(message: impl fmt::Display) -> TransportError {
        TransportError {
            message: message.to_string(),
            status: None,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}

/// `Send + Sync` on native targets; nothing on wasm32 (single-threaded, browser objects are not
/// `Send`). Implemented for every type that qualifies.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` on native targets; nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

/// What the SDK needs from the runtime and platform it runs on.
pub trait Runtime: MaybeSendSync + 'static {
    /// Runs `task` in the background until it completes (the SDK cancels its own tasks).
    fn spawn(&self, task: BoxFuture<'static, ()>);
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// Opens a WebSocket (`ws://` or `wss://`).
    fn connect(&self, url: String) -> BoxFuture<'static, Result<WsConnection, TransportError>>;
    /// Performs an HTTP request (`http://` or `https://`).
    fn http(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>>;
}

/// The session's clock: time since an arbitrary start, from `Instant` on native targets and
/// `Date.now()` in browsers (wall-clock there: a clock change moves timers, nothing more).
pub fn now() -> Duration {
    #[cfg(all(target_arch = "wasm32", feature = "browser"))]
    {
        Duration::from_secs_f64(js_sys::Date::now().max(0.0) / 1000.0)
    }
    #[cfg(not(all(target_arch = "wasm32", feature = "browser")))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed()
    }
}

/// Wall-clock time, unix milliseconds (`Date.now()` in browsers): the time a local echo
/// shows until the server's own replaces it.
pub fn unix_ms() -> i64 {
    #[cfg(all(target_arch = "wasm32", feature = "browser"))]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(all(target_arch = "wasm32", feature = "browser")))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}

/// Bytes taken from the secure source at a time: one system call serves 32 gids.
const RANDOM_POOL: usize = 512;

thread_local! {
    /// Secure bytes not handed out yet, and how many of the pool are used.
    static POOL: std::cell::RefCell<(usize, [u8; RANDOM_POOL])> =
        const { std::cell::RefCell::new((RANDOM_POOL, [0; RANDOM_POOL])) };
}

/// Fills `buf` with bytes from the platform's secure source (gids and backoff jitter): the
/// operating system's on native targets, `crypto.getRandomValues` on wasm32 (getrandom).
/// Small requests are served from a per-thread pool filled 512 bytes at a time
/// (a process that forks must not make gids in both halves); each byte is handed out once.
pub fn random_bytes(buf: &mut [u8]) {
    if buf.len() > RANDOM_POOL / 4 {
        return fill_random(buf);
    }
    POOL.with_borrow_mut(|(used, pool)| {
        if *used + buf.len() > RANDOM_POOL {
            fill_random(pool);
            *used = 0;
        }
        let taken = &mut pool[*used..*used + buf.len()];
        buf.copy_from_slice(taken);
        taken.fill(0);
        *used += buf.len();
    });
}

/// Fills `buf` straight from the secure source. Should that source fail, the clock and a
/// counter are mixed instead: unique, not secret.
fn fill_random(buf: &mut [u8]) {
    if getrandom::fill(buf).is_ok() {
        return;
    }
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    for chunk in buf.chunks_mut(8) {
        let mut x = (now().as_nanos() as u64)
            ^ COUNTER
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
}

/// A random 64-bit number (see [`random_bytes`]).
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    random_bytes(&mut bytes);
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_random_bytes_are_never_handed_out_twice() {
        // Far more than one pool's worth, in gid-sized pieces and odd ones: all distinct.
        let mut seen = std::collections::HashSet::new();
        for i in 0..10 * RANDOM_POOL {
            let mut piece = [0u8; 16];
            let n = 1 + i % 16;
            random_bytes(&mut piece[..n]);
            if n == 16 {
                assert!(seen.insert(piece), "a 16-byte piece came twice");
                assert_ne!(piece, [0; 16]);
            }
        }
        let mut big = [0u8; RANDOM_POOL];
        random_bytes(&mut big);
        assert!(big.iter().any(|&b| b != 0), "a large request is filled too");
    }
}
