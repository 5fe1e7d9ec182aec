//! Creating and destroying clients (what a client knows without asking the server is generated).

use super::prelude::*;
use crate::boundary::catch;
use crate::call::{chinwag_event_callback, pump_events};
use crate::handle::{self, ClientHandle};
use crate::options::{self, ClientOptions};
use crate::status::{FfiError, FfiResult};
use crate::strings::{not_null, put};

/// Creates a client for the server at `server_url` (`http://host:port` or `https://…`) and
/// stores its handle in `*out_client`. Nothing is sent until you log in.
///
/// `options_json` may be NULL, or a JSON object with any of `request_timeout_ms`,
/// `connect_timeout_ms`, `heartbeat_interval_ms`, `backoff_base_ms` and `backoff_cap_ms`
/// (together), `sync_page`, `worker_threads` (the client's runtime threads, default 1),
/// `store_path` (a SQLite file keeping the session, unacknowledged sends and conversations
/// across restarts: a client made on it resumes the session with no login and shows what it
/// kept offline), and `message_cache` (stored messages kept per conversation, default 100);
/// unknown keys are an error.
///
/// `on_event` may be NULL (no events). Otherwise it receives every event — messages,
/// notifications, chat, member, presence and profile changes, kicks, connection states — as
/// JSON `{"type": …, "data": …}` (docs/ARCHITECTURE.md lists them), one at a time on the
/// client's callback thread, with `event_user_data`. A message counts as received (and is
/// acknowledged to the server) once it is queued for `on_event`.
///
/// Synchronous. Errors: `CHINWAG_ERR_NULL_POINTER`, `CHINWAG_ERR_INVALID_UTF8`,
/// `CHINWAG_ERR_INVALID_INPUT` (a URL that is not http(s), bad options), `CHINWAG_ERR_STORE`
/// (the store is held by another client, damaged, not a store, newer, or another server's).
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_client_new(
    server_url: *const c_char,
    options_json: *const c_char,
    on_event: chinwag_event_callback,
    event_user_data: *mut c_void,
    out_client: *mut *mut chinwag_client,
) -> chinwag_status {
    catch(|| {
        not_null(out_client, "out_client")?;
        let server = unsafe { text(server_url, "server_url") }?;
        let options: ClientOptions = if options_json.is_null() {
            ClientOptions::default()
        } else {
            unsafe { json(options_json, "options_json") }?
        };
        let runtime = options::runtime(&options).map_err(|e| {
            FfiError::new(
                chinwag_status::CHINWAG_ERR_INTERNAL,
                format!("cannot start the runtime: {e}"),
            )
        })?;
        let client = handle::create(
            runtime,
            |rt| Ok(options::client(&options, server, rt)?),
            |h: &ClientHandle| {
                if let Some(callback) = on_event {
                    pump_events(h, callback, event_user_data);
                }
            },
        )?;
        unsafe { put(out_client, client, "out_client") }
    })
}

/// Destroys a client: logs nothing out (the session stays valid on the server; call
/// `chinwag_auth_logout` first to end it), closes the connection, and completes every
/// unfinished call with `CHINWAG_ERR_CLOSED`. When it returns, every callback of this client
/// has run and none will run again; the handle is dead and using it gives
/// `CHINWAG_ERR_INVALID_HANDLE`.
///
/// Synchronous (waits up to a few seconds for the connection to close). Must not be called
/// from one of this client's own callbacks (`CHINWAG_ERR_WRONG_THREAD`, nothing happens).
/// Errors: `CHINWAG_ERR_NULL_POINTER`, `CHINWAG_ERR_INVALID_HANDLE` (already destroyed),
/// `CHINWAG_ERR_WRONG_THREAD`.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_client_destroy(client: *mut chinwag_client) -> chinwag_status {
    catch(|| handle::destroy(client))
}

/// Runs `read` on the live client behind `client`.
pub(crate) fn read(
    client: *const chinwag_client,
    read: impl FnOnce(&chinwag::Client) -> FfiResult<()>,
) -> chinwag_status {
    catch(|| read(&handle::get(client)?.client))
}
