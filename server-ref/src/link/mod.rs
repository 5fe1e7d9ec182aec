//! How the gateway reaches the backend: every request a dialect codec makes goes through a
//! [`Link`] — a backend [`Operation`], or a 000/001 method as
//! the client sent it. In one process the link calls the backend in memory; split, seed
//! 000's envelopes travel over NATS between any number of gateway processes and the backend
//! process ([`frames`], [`bus`], [`client`] on the gateway, [`server`] on the backend).

pub mod bus;
pub mod client;
pub mod frames;
pub mod server;

use std::sync::Arc;

use serde_json::Value;

use crate::backend::Backend;
use crate::backend::messages::{self, Posted};
use crate::backend::ops::{Operation, Post};
use crate::backend::router::{self, Answer};
use crate::error::{ApiError, ApiResult};

/// The gateway's way to the backend.
#[derive(Clone)]
pub enum Link {
    /// The backend in the same process.
    Local(Arc<Backend>),
    /// The backend in another process, over the link.
    Remote(Arc<client::Remote>),
}

impl Link {
    /// Whether the backend can be reached now (always, in one process).
    pub fn is_up(&self) -> bool {
        match self {
            Link::Local(_) => true,
            Link::Remote(remote) => remote.is_up(),
        }
    }

    /// Runs `op` as `me` (`None` for the operations that need no caller: login, register,
    /// authenticate, verify, notifications, serverStart).
    pub async fn call<O: Operation>(&self, me: Option<i64>, op: O) -> ApiResult<O::Answer> {
        match self {
            Link::Local(backend) => op.run(backend, me).await,
            Link::Remote(remote) => {
                let params = serde_json::to_value(op).map_err(ApiError::internal)?;
                let data = remote.request(me, O::MODULE, O::METHOD, params).await?;
                decode(data)
            }
        }
    }

    /// Runs a 000/001 `chat` or `attach` method of user `me` as the client sent it (see
    /// [`router::handle`]); its pushes are delivered before it answers.
    pub async fn chat(
        &self,
        me: i64,
        module: &str,
        method: &str,
        params: &Value,
    ) -> ApiResult<Answer> {
        match self {
            Link::Local(backend) => {
                let reply = router::handle(&backend.db, me, module, method, params).await?;
                Ok(backend.delivered(reply))
            }
            Link::Remote(remote) => {
                let data = remote
                    .request(Some(me), module, method, params.clone())
                    .await?;
                decode(data)
            }
        }
    }

    /// Queues a message of `me` and returns once it is queued; `done` gets the outcome after
    /// the commit that stored it. Messages queued in order are stored, delivered and reported
    /// in that order (a socket reads on while its messages are written).
    pub async fn submit(
        &self,
        me: i64,
        post: Post,
        done: impl FnOnce(ApiResult<Posted>) + Send + 'static,
    ) {
        match self {
            Link::Local(backend) => {
                messages::submit(backend, me, post.target, post.draft, post.policy, done).await
            }
            Link::Remote(remote) => {
                let params = match serde_json::to_value(post) {
                    Ok(p) => p,
                    Err(e) => return done(Err(ApiError::internal(e))),
                };
                let report = Box::new(move |out: ApiResult<Value>| done(out.and_then(decode)));
                remote.send(Some(me), Post::MODULE, Post::METHOD, params, report);
            }
        }
    }
}

/// An answer's data read as `T`; a backend answering what this gateway cannot read is a
/// server failure (the two run different versions).
fn decode<T: serde::de::DeserializeOwned>(data: Value) -> ApiResult<T> {
    serde_json::from_value(data)
        .map_err(|e| ApiError::internal(format!("unreadable answer from the backend: {e}")))
}
