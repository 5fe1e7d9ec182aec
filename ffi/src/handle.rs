//! Client handles: a registry of live clients, each with its own tokio runtime and its own
//! callback thread.
//!
//! A handle is a token, not memory: the pointer C holds is a registry key the library never
//! dereferences, and keys are never reused. So a destroyed, stale or made-up handle is found
//! missing and answered with `CHINWAG_ERR_INVALID_HANDLE` instead of touching freed memory.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use chinwag::Client;

use crate::status::{FfiError, FfiResult, chinwag_status};

/// A client, as C sees it: an opaque handle from `chinwag_client_new`, valid until
/// `chinwag_client_destroy`.
pub struct chinwag_client {
    _opaque: (),
}

/// Work for a client's callback thread.
pub(crate) enum Job {
    /// Call into C.
    Run(Box<dyn FnOnce() + Send>),
    /// The client is destroyed: return.
    Stop,
}

/// Where a client's callbacks are queued.
pub(crate) type Jobs = Sender<Job>;

/// A live client.
pub(crate) struct ClientHandle {
    /// The SDK client.
    pub client: Client,
    /// Spawns onto the client's runtime.
    pub runtime: tokio::runtime::Handle,
    /// The runtime itself, taken (and shut down) by destroy.
    owned_runtime: Mutex<Option<tokio::runtime::Runtime>>,
    /// `true` until destroy starts; calls hold a read lock while they spawn, so none slips
    /// past the shutdown.
    open: RwLock<bool>,
    /// The callback thread's queue.
    pub jobs: Jobs,
    callback_thread: Mutex<Option<JoinHandle<()>>>,
}

/// How long destroy waits for the client to close gracefully and the runtime to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

static REGISTRY: Mutex<BTreeMap<u64, Arc<ClientHandle>>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// On a callback thread: the id of the client it belongs to.
    static CALLBACK_OWNER: Cell<u64> = const { Cell::new(0) };
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn invalid_handle() -> FfiError {
    FfiError::new(
        chinwag_status::CHINWAG_ERR_INVALID_HANDLE,
        "the client handle is not a live client (destroyed, or not made by chinwag_client_new)",
    )
}

fn key(client: *const chinwag_client) -> FfiResult<u64> {
    if client.is_null() {
        return Err(FfiError::new(
            chinwag_status::CHINWAG_ERR_NULL_POINTER,
            "`client` is NULL",
        ));
    }
    Ok(client as usize as u64)
}

/// The live client behind `client`.
pub(crate) fn get(client: *const chinwag_client) -> FfiResult<Arc<ClientHandle>> {
    let id = key(client)?;
    lock(&REGISTRY).get(&id).cloned().ok_or_else(invalid_handle)
}

/// Registers a new client on `runtime`, built by `build`; returns its handle.
pub(crate) fn create(
    runtime: tokio::runtime::Runtime,
    build: impl FnOnce(&tokio::runtime::Handle) -> FfiResult<Client>,
    start: impl FnOnce(&ClientHandle),
) -> FfiResult<*mut chinwag_client> {
    let client = build(runtime.handle())?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (jobs, queue) = channel();
    let callback_thread = std::thread::Builder::new()
        .name(format!("chinwag-callbacks-{id}"))
        .spawn(move || run_callbacks(id, queue))
        .map_err(|e| {
            FfiError::new(
                chinwag_status::CHINWAG_ERR_INTERNAL,
                format!("cannot start the callback thread: {e}"),
            )
        })?;
    let handle = Arc::new(ClientHandle {
        client,
        runtime: runtime.handle().clone(),
        owned_runtime: Mutex::new(Some(runtime)),
        open: RwLock::new(true),
        jobs,
        callback_thread: Mutex::new(Some(callback_thread)),
    });
    start(&handle);
    lock(&REGISTRY).insert(id, handle);
    Ok(id as usize as *mut chinwag_client)
}

fn run_callbacks(id: u64, queue: Receiver<Job>) {
    CALLBACK_OWNER.with(|owner| owner.set(id));
    while let Ok(Job::Run(callback)) = queue.recv() {
        callback();
    }
}

impl ClientHandle {
    /// Builds a future with `start` (on the calling thread, inside the runtime) and spawns it,
    /// unless destroy has begun.
    pub fn spawn<F>(&self, start: impl FnOnce(Client) -> FfiResult<F>) -> FfiResult<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let open = self.open.read().unwrap_or_else(|p| p.into_inner());
        if !*open {
            return Err(invalid_handle());
        }
        let _enter = self.runtime.enter();
        let task = start(self.client.clone())?;
        self.runtime.spawn(task);
        Ok(())
    }
}

/// Destroys `client`: closes it, stops its runtime (calls still running complete with
/// `CHINWAG_ERR_CLOSED`), runs every queued callback, and only then returns.
pub(crate) fn destroy(client: *mut chinwag_client) -> FfiResult<()> {
    let id = key(client)?;
    if CALLBACK_OWNER.with(Cell::get) == id {
        return Err(FfiError::new(
            chinwag_status::CHINWAG_ERR_WRONG_THREAD,
            "a client cannot be destroyed from its own callback",
        ));
    }
    let handle = lock(&REGISTRY).remove(&id).ok_or_else(invalid_handle)?;
    *handle.open.write().unwrap_or_else(|p| p.into_inner()) = false;
    if let Some(runtime) = lock(&handle.owned_runtime).take() {
        let client = handle.client.clone();
        // A fresh thread: blocking on (and dropping) a runtime is not allowed inside one, and
        // the caller may be running in some runtime of its own.
        let stopper = std::thread::spawn(move || {
            runtime.block_on(async {
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, client.close()).await;
            });
            runtime.shutdown_timeout(SHUTDOWN_GRACE);
        });
        if stopper.join().is_err() {
            return Err(FfiError::new(
                chinwag_status::CHINWAG_ERR_INTERNAL,
                "the client's runtime panicked while shutting down",
            ));
        }
    }
    let _ = handle.jobs.send(Job::Stop);
    if let Some(thread) = lock(&handle.callback_thread).take() {
        let _ = thread.join();
    }
    Ok(())
}
