//! The background tasks a client started, so that closing it ends every one of them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{AbortHandle, Abortable};

use crate::runtime::{BoxFuture, Runtime};

/// Counts a task as live until it is dropped (finished or aborted).
struct Live(Arc<AtomicUsize>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The client's background tasks.
#[derive(Default)]
pub(crate) struct Tasks {
    handles: Mutex<Vec<AbortHandle>>,
    live: Arc<AtomicUsize>,
}

impl Tasks {
    /// Spawns `task` on `rt`, abortable by [`Tasks::abort_all`].
    pub fn spawn(&self, rt: &dyn Runtime, task: BoxFuture<'static, ()>) {
        let (handle, registration) = AbortHandle::new_pair();
        self.handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(handle);
        self.live.fetch_add(1, Ordering::AcqRel);
        let live = Live(self.live.clone());
        rt.spawn(Box::pin(async move {
            let _live = live;
            let _ = Abortable::new(task, registration).await;
        }));
    }

    /// Asks every task to stop at its next poll.
    pub fn abort_all(&self) {
        for handle in self
            .handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            handle.abort();
        }
    }

    /// How many tasks are still alive.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    /// Waits (up to about two seconds) until every task has ended.
    pub async fn wait_idle(&self, rt: &dyn Runtime) {
        for _ in 0..1000 {
            if self.live() == 0 {
                return;
            }
            rt.sleep(Duration::from_millis(2)).await;
        }
    }
}
