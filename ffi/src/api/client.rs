//! Creating and destroying clients, and what a client knows without asking the server.

use super::prelude::*;
use crate::boundary::catch;
use crate::call::{chinwag_event_callback, pump_events};
use crate::handle::{self, ClientHandle};
use crate::options::{self, ClientOptions};
use crate::status::{FfiError, FfiResult};
use crate::strings::{not_null, put, put_string};

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

/// Stores the session as JSON in `*out_json` — `{"token", "user_id", "name", "cursor"}`, or
/// `null` when logged out. Save it to log in again later with `chinwag_auth_restore`.
///
/// Synchronous. Free `*out_json` with `chinwag_string_free`.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_client_session(
    client: *const chinwag_client,
    out_json: *mut *mut c_char,
) -> chinwag_status {
    read(client, |c| {
        let session = serde_json::to_string(&c.session()).unwrap_or_else(|_| "null".into());
        unsafe { put_string(out_json, session, "out_json") }
    })
}

/// Stores the logged-in user's id in `*out_user_id`.
///
/// Synchronous. Errors: `CHINWAG_ERR_AUTH` when not logged in.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_client_user_id(
    client: *const chinwag_client,
    out_user_id: *mut i64,
) -> chinwag_status {
    read(client, |c| {
        let id = c
            .user_id()
            .ok_or_else(|| chinwag::Error::Auth("not logged in".into()))?;
        unsafe { put(out_user_id, id, "out_user_id") }
    })
}

/// Stores the connection state as JSON in `*out_json`: `{"state": "connecting" |
/// "connected" | "disconnected"}` or `{"state": "reconnecting", "attempt": n,
/// "retry_in_ms": n}`.
///
/// Synchronous. Free `*out_json` with `chinwag_string_free`.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_client_connection_state(
    client: *const chinwag_client,
    out_json: *mut *mut c_char,
) -> chinwag_status {
    read(client, |c| {
        let state = serde_json::to_string(&c.connection_state()).unwrap_or_default();
        unsafe { put_string(out_json, state, "out_json") }
    })
}

/// Stores in `*out_count` how many sent messages wait for the server's acknowledgement (they
/// go out again on reconnect).
///
/// Synchronous.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_client_pending_sends(
    client: *const chinwag_client,
    out_count: *mut usize,
) -> chinwag_status {
    read(client, |c| unsafe {
        put(out_count, c.pending_sends().len(), "out_count")
    })
}

/// Stores in `*out_json` the gids of the sent messages waiting for the server's
/// acknowledgement, oldest first, as a JSON array (after a restart on a store: the ones the
/// last run left).
///
/// Synchronous. Free `*out_json` with `chinwag_string_free`.
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_client_pending_gids(
    client: *const chinwag_client,
    out_json: *mut *mut c_char,
) -> chinwag_status {
    read(client, |c| {
        let gids = serde_json::to_string(&c.pending_sends()).unwrap_or_default();
        unsafe { put_string(out_json, gids, "out_json") }
    })
}

/// Drops your message `gid` if the server has not stored it — a failed one, or a waiting send
/// not written to the server yet (it is never sent, its callback gets
/// `CHINWAG_ERR_INVALID_INPUT`) — from its conversation and the store. `*out_discarded` is
/// false if there is no such message.
///
/// Synchronous. Errors: `CHINWAG_ERR_INVALID_INPUT` if the send is already on its way (the
/// server may store it; wait for its callback).
///
/// # Safety
/// Pointer arguments follow the rules at the top of this header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn chinwag_messages_discard(
    client: *const chinwag_client,
    gid: *const c_char,
    out_discarded: *mut bool,
) -> chinwag_status {
    read(client, |c| {
        let gid = unsafe { text(gid, "gid") }?;
        let discarded = c.messages().discard(&gid)?;
        unsafe { put(out_discarded, discarded, "out_discarded") }
    })
}
