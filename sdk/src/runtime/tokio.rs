//! The tokio adapter: tasks on a tokio runtime, async-tungstenite (tokio + rustls) for the
//! socket, reqwest (rustls) for HTTP.

use std::time::Duration;

use super::tungstenite::{config, connect_error, into_connection};
use super::{BoxFuture, HttpRequest, HttpResponse, Runtime, TransportError, WsConnection};

/// Aborts a spawned task when the future waiting for it is dropped (a timeout, or a closed
/// client), so no request outlives its caller.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> AbortOnDrop<T> {
    async fn join(mut self) -> Result<T, TransportError> {
        (&mut self.0).await.map_err(TransportError::new)
    }
}

/// Runs the SDK on tokio.
#[derive(Debug, Clone)]
pub struct TokioRuntime {
    handle: tokio::runtime::Handle,
    http: reqwest::Client,
}

impl TokioRuntime {
    /// An adapter on the tokio runtime the caller runs in.
    ///
    /// # Panics
    /// Outside a tokio runtime; use [`TokioRuntime::with_handle`] there.
    pub fn current() -> TokioRuntime {
        TokioRuntime::with_handle(tokio::runtime::Handle::current())
    }

    /// An adapter spawning onto `handle`.
    pub fn with_handle(handle: tokio::runtime::Handle) -> TokioRuntime {
        TokioRuntime {
            handle,
            http: reqwest::Client::new(),
        }
    }
}

impl Runtime for TokioRuntime {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        self.handle.spawn(task);
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let handle = self.handle.clone();
        Box::pin(async move {
            // Entering the handle lets the timer work even when polled off-runtime.
            let sleep = {
                let _guard = handle.enter();
                tokio::time::sleep(duration)
            };
            sleep.await
        })
    }

    fn connect(&self, url: String) -> BoxFuture<'static, Result<WsConnection, TransportError>> {
        let handle = self.handle.clone();
        Box::pin(async move {
            let task = AbortOnDrop(handle.spawn(async move {
                async_tungstenite::tokio::connect_async_with_config(url, Some(config())).await
            }));
            match task.join().await? {
                Ok((socket, _)) => Ok(into_connection(socket)),
                Err(e) => Err(connect_error(e)),
            }
        })
    }

    fn http(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let client = self.http.clone();
        let handle = self.handle.clone();
        Box::pin(async move {
            let task = AbortOnDrop(handle.spawn(async move {
                let method = reqwest::Method::from_bytes(request.method.as_bytes())
                    .map_err(TransportError::new)?;
                let mut builder = client.request(method, &request.url);
                for (name, value) in &request.headers {
                    builder = builder.header(name, value);
                }
                if let Some(body) = request.body {
                    builder = builder.body(body);
                }
                let response = builder.send().await.map_err(TransportError::new)?;
                let status = response.status().as_u16();
                let body = response
                    .bytes()
                    .await
                    .map_err(TransportError::new)?
                    .to_vec();
                Ok(HttpResponse { status, body })
            }));
            task.join().await?
        })
    }
}
