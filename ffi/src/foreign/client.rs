//! `ChinwagClient`: the SDK's client for Kotlin and Swift — its life (construction, the event
//! listener, shutdown) and how calls run; the operations are generated from the facade's
//! table ([`super::generated`]).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chinwag::Event;
use futures::StreamExt;

use super::error::ChinwagError;
use crate::options::{self, ClientOptions};

/// Receives the client's events (messages, notifications, chat, member, presence and profile
/// changes, kicks, connection states), one at a time, on a background thread.
#[uniffi::export(foreign)]
pub trait EventListener: Send + Sync {
    /// One event.
    fn on_event(&self, event: Event);
}

/// A chat client: one per logged-in user. Network methods are `suspend` (Kotlin) / `async`
/// (Swift); cancelling the coroutine or task aborts the call's work in Rust.
#[derive(uniffi::Object)]
pub struct ChinwagClient {
    pub(super) client: chinwag::Client,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    handle: tokio::runtime::Handle,
    calls: Arc<AtomicUsize>,
    listener: Mutex<Option<tokio::task::AbortHandle>>,
}

/// A call's task, aborted if whoever awaits it goes away (a cancelled coroutine drops it).
struct Call<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Call<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Counts a call while its task exists.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ChinwagClient {
    /// Runs `call` on the client's runtime and waits for it.
    pub(super) async fn run<T, F>(
        &self,
        call: impl FnOnce(chinwag::Client) -> F,
    ) -> Result<T, ChinwagError>
    where
        T: Send + 'static,
        F: Future<Output = chinwag::Result<T>> + Send + 'static,
    {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let counted = Counted(self.calls.clone());
        let future = call(self.client.clone());
        let mut task = Call(self.handle.spawn(async move {
            let _counted = counted;
            future.await
        }));
        match (&mut task.0).await {
            Ok(result) => Ok(result?),
            Err(e) => Err(ChinwagError::Closed(format!(
                "the call did not finish: {e}"
            ))),
        }
    }
}

#[uniffi::export]
impl ChinwagClient {
    /// A client for the server at `server_url` (`http://host:port` or `https://…`). Nothing is
    /// sent until you log in.
    #[uniffi::constructor(default(options = None))]
    pub fn new(
        server_url: String,
        options: Option<ClientOptions>,
    ) -> Result<Arc<ChinwagClient>, ChinwagError> {
        let options = options.unwrap_or_default();
        let runtime = options::runtime(&options)
            .map_err(|e| ChinwagError::Server(format!("cannot start the runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let client = options::client(&options, server_url, &handle)?;
        Ok(Arc::new(ChinwagClient {
            client,
            runtime: Mutex::new(Some(runtime)),
            handle,
            calls: Arc::new(AtomicUsize::new(0)),
            listener: Mutex::new(None),
        }))
    }

    /// Delivers every event from now on to `listener` (replacing any earlier one), on a
    /// background thread.
    pub fn set_listener(&self, listener: Arc<dyn EventListener>) {
        let mut events = self.client.events();
        let task = self.handle.spawn(async move {
            while let Some(event) = events.next().await {
                listener.on_event(event);
            }
        });
        let previous = self
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
    }

    /// Calls of this client still running in Rust (0 once every awaited call has finished or
    /// been cancelled).
    pub fn calls_in_flight(&self) -> u32 {
        self.calls.load(Ordering::SeqCst) as u32
    }

    /// Shuts the client down: the connection ends, waiting sends fail with `Closed`, the
    /// listener gets its last event. The session stays valid on the server. (Named so as not
    /// to clash with Kotlin's `AutoCloseable.close`, which frees the object.)
    pub async fn shutdown(&self) -> Result<(), ChinwagError> {
        self.run(|c| async move {
            c.close().await;
            Ok(())
        })
        .await
    }
}
impl Drop for ChinwagClient {
    fn drop(&mut self) {
        // The last reference may go on any thread (a Kotlin cleaner, a Swift deinit), even one
        // inside some runtime: stop this one without blocking.
        let runtime = self
            .runtime
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(runtime) = runtime {
            runtime.shutdown_background();
        }
    }
}
