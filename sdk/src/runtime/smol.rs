//! The smol adapter: tasks on smol's executor, async-tungstenite over async-net (rustls via
//! futures-rustls) for the socket, and ureq (rustls) on smol's blocking pool for HTTP. No tokio.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use super::tungstenite::{config, connect_error, into_connection};
use super::{BoxFuture, HttpRequest, HttpResponse, Runtime, TransportError, WsConnection};

/// Runs the SDK on smol.
#[derive(Clone)]
pub struct SmolRuntime {
    executor: Option<Arc<smol::Executor<'static>>>,
    http: ureq::Agent,
}

impl std::fmt::Debug for SmolRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmolRuntime").finish_non_exhaustive()
    }
}

impl Default for SmolRuntime {
    fn default() -> Self {
        SmolRuntime::new()
    }
}

impl SmolRuntime {
    /// An adapter spawning onto smol's global executor.
    pub fn new() -> SmolRuntime {
        SmolRuntime {
            executor: None,
            http: agent(),
        }
    }

    /// An adapter spawning onto `executor` (which the application drives).
    pub fn with_executor(executor: Arc<smol::Executor<'static>>) -> SmolRuntime {
        SmolRuntime {
            executor: Some(executor),
            http: agent(),
        }
    }
}

/// A blocking request cannot be cancelled, so ureq bounds it itself (the SDK's own, usually
/// shorter, request timeout applies on top).
const BLOCKING_TIMEOUT: Duration = Duration::from_secs(120);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(BLOCKING_TIMEOUT))
        .build()
        .into()
}

impl Runtime for SmolRuntime {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        match &self.executor {
            Some(executor) => executor.spawn(task).detach(),
            None => smol::spawn(task).detach(),
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            smol::Timer::after(duration).await;
        })
    }

    fn connect(&self, url: String) -> BoxFuture<'static, Result<WsConnection, TransportError>> {
        Box::pin(async move {
            match async_tungstenite::smol::connect_async_with_config(url, Some(config())).await {
                Ok((socket, _)) => Ok(into_connection(socket)),
                Err(e) => Err(connect_error(e)),
            }
        })
    }

    fn http(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let agent = self.http.clone();
        Box::pin(smol::unblock(move || blocking_http(&agent, request)))
    }
}

fn blocking_http(
    agent: &ureq::Agent,
    request: HttpRequest,
) -> Result<HttpResponse, TransportError> {
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(&request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let body = request.body.unwrap_or_default();
    let http_request = builder.body(body).map_err(TransportError::new)?;
    let response = agent.run(http_request).map_err(TransportError::new)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .read_to_end(&mut body)
        .map_err(TransportError::new)?;
    Ok(HttpResponse { status, body })
}
