//! The C object `mywsclient`: a [`Client`] behind an opaque pointer, the
//! helpers every entry point on it goes through (`with_client`,
//! `configure_with`, `configure`), and its life: create, start, stop,
//! send, free. The other entry points on a handle live in the rooms next to
//! this one (see the module map in `ffi/mod.rs`); they use this file, not
//! each other.

use std::os::raw::{c_char, c_void};

use crate::client::Client;
use crate::config::Config;
use crate::ffi::boundary::{
    bytes_arg, entry, fail_with, guard, obj_arg, opt_str_arg, result_of, str_arg, ArgError,
};
use crate::ffi::callbacks::{message_handler, mywsclient_message_cb, LogGate, UserData};
use crate::ffi::types::mywsclient_result;

/// A WebSocket client (opaque). Created by `mywsclient_new()`, released by
/// `mywsclient_free()`. Every function may be called on it from any thread,
/// concurrently, except `mywsclient_free()`, which must be the last call.
pub struct mywsclient {
    pub(crate) client: Client,
    /// Closed when the handle is freed from inside one of its callbacks (the
    /// core then detaches the message and event handlers by itself).
    pub(crate) log_gate: LogGate,
}

/// The one shape of a call on a handle: checks `c`, then `f` converts the
/// other arguments (failing with their code) and calls the core, whose
/// error becomes the result code.
///
/// # Safety
/// `c` is NULL or a live handle.
pub(crate) unsafe fn with_client(
    c: *const mywsclient,
    f: impl FnOnce(&mywsclient) -> Result<crate::error::Result<()>, ArgError>,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: forwarded from the caller.
        let c = unsafe { obj_arg(c, "client") }?;
        Ok(result_of(f(c)?))
    })
}

/// The one shape of an option setter: checks `c`, then `args` converts and
/// checks the other arguments (failing with their code), and `set` writes
/// them into the configuration, which changes only before start or after
/// stop and only when the result is valid.
///
/// # Safety
/// `c` is NULL or a live handle.
pub(crate) unsafe fn configure_with<T>(
    c: *mut mywsclient,
    args: impl FnOnce(&mywsclient) -> Result<T, ArgError>,
    set: impl FnOnce(&mut Config, T),
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        with_client(c, |c| {
            let v = args(c)?;
            Ok(c.client.configure(|cfg| set(cfg, v)))
        })
    }
}

/// An option setter whose arguments need no check of their own.
///
/// # Safety
/// `c` is NULL or a live handle.
pub(crate) unsafe fn configure(
    c: *mut mywsclient,
    f: impl FnOnce(&mut Config),
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure_with(c, |_| Ok(()), |cfg, ()| f(cfg)) }
}

/// Creates a client for `url` (a bare host such as `example.com`,
/// `127.0.0.1` or `[::1]`, which means `wss://`, or a full `ws://` /
/// `wss://` URL), `port` (> 0 overrides the URL's port, 0 keeps it or the
/// scheme's default) and `path` (non-empty overrides the URL's path and
/// query; NULL means ""). `on_message` (may be NULL) receives each message
/// with `user_data`. Nothing connects until `mywsclient_start()`.
///
/// Returns the new client, owned by the caller, to be released with
/// `mywsclient_free()`; or NULL on error (`mywsclient_last_error()` says
/// why: NULL or non-UTF-8 `url`, an invalid URL, port or path, or no file
/// descriptor available). The strings are borrowed for the call only.
/// Thread-safe; may be called from a callback.
///
/// # Safety
/// `url` and `path` are NULL or NUL-terminated strings; `on_message` is NULL
/// or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_new(
    url: *const c_char,
    port: i32,
    path: *const c_char,
    on_message: mywsclient_message_cb,
    user_data: *mut c_void,
) -> *mut mywsclient {
    guard(|| {
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        let (url, path) = match unsafe { (str_arg(url, "url"), opt_str_arg(path, "path")) } {
            (Ok(u), Ok(p)) => (u, p.unwrap_or("")),
            _ => return std::ptr::null_mut(),
        };
        let client = match Client::new(url, port, path) {
            Ok(c) => c,
            Err(e) => {
                fail_with(&e);
                return std::ptr::null_mut();
            }
        };
        if on_message.is_some() {
            let h = message_handler(on_message, UserData::new(user_data));
            if let Err(e) = client.set_message_handler(h) {
                fail_with(&e);
                return std::ptr::null_mut();
            }
        }
        Box::into_raw(Box::new(mywsclient {
            client,
            log_gate: LogGate::default(),
        }))
    })
}

/// Starts the client's I/O thread, which connects, reconnects and delivers
/// callbacks; returns at once. Idempotent while running; after
/// `mywsclient_stop()` it starts again, sending what is still queued.
///
/// Returns `MYWSCLIENT_RESULT_IO` when no thread can be created, and
/// `MYWSCLIENT_RESULT_INVALID_STATE` for a restart (after stop) requested
/// from inside one of this client's callbacks. Thread-safe.
///
/// # Safety
/// `c` is NULL or a handle from `mywsclient_new()` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_start(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { with_client(c, |c| Ok(c.client.start())) }
}

/// Stops the client: a connected client sends a close frame and waits for
/// the reply (bounded by the close timeout, 1 s by default); a client that is
/// connecting or waiting to retry stops at once. Idempotent; a client that
/// was never started stays idle.
///
/// Joins the I/O thread, so that no callback runs after it returns — except
/// when called from inside one of this client's callbacks: then it returns
/// at once, and the thread ends after the callback returns (the last
/// callback being the `STOPPED` event). Messages not yet written stay queued
/// for the next `mywsclient_start()`. Thread-safe.
///
/// # Safety
/// `c` is NULL or a handle from `mywsclient_new()` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_stop(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { with_client(c, |c| Ok(c.client.stop())) }
}

/// Queues a text message: `len` bytes at `data`, which must be valid UTF-8
/// (not NUL-terminated; NUL bytes are sent as they are). NULL `data` is
/// accepted when `len` is 0 (an empty message). Sends before the first
/// connection and during reconnects are queued and written in order, each
/// once, on the next connection.
///
/// Returns `MYWSCLIENT_RESULT_OK` when the message was accepted (copied:
/// `data` may be reused at once), `..._INVALID_UTF8`, `..._MESSAGE_TOO_LARGE`
/// (over the maximum message size) or `..._QUEUE_FULL` (over a queue limit)
/// when it was not. Thread-safe; may be called from a callback.
///
/// Never blocks. On an open, idle connection (nothing queued or being
/// written, the I/O thread asleep) the message is framed and written on the
/// calling thread (one non-blocking write, no thread wake-up); otherwise it
/// waits in the queue for the I/O thread. No callback runs on the calling
/// thread either way.
///
/// # Safety
/// `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_send(
    c: *mut mywsclient,
    data: *const c_char,
    len: usize,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or `len` bytes.
    unsafe {
        with_client(c, |c| {
            Ok(c.client.send_text(bytes_arg(data.cast(), len, "data")?))
        })
    }
}

/// Queues a binary message of `len` bytes at `data` (NULL is accepted when
/// `len` is 0). Results and rules as for `mywsclient_send()`, without the
/// UTF-8 check. Thread-safe; may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_send_binary(
    c: *mut mywsclient,
    data: *const u8,
    len: usize,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or `len` bytes.
    unsafe {
        with_client(c, |c| {
            Ok(c.client.send_binary(bytes_arg(data, len, "data")?))
        })
    }
}

/// Stops the client (as `mywsclient_stop()`) and releases it. NULL is a
/// no-op. The handle must not be used afterwards, by any thread: this must
/// be the last call on it, with no other call on it in progress.
///
/// From another thread: joins the I/O thread; no callback runs after it
/// returns, and `user_data` may then be released. From inside one of this
/// client's own callbacks: deferred and safe — it returns at once, no
/// further callback of this client runs (not even `STOPPED`), and the I/O
/// thread closes the connection and ends by itself after the callback
/// returns. Messages still queued are discarded (logged as a warning).
///
/// # Safety
/// `c` is NULL or a handle from `mywsclient_new()` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_free(c: *mut mywsclient) {
    guard(|| {
        if c.is_null() {
            return;
        }
        // SAFETY: a handle from `mywsclient_new()` (Box::into_raw), freed once.
        let b = unsafe { Box::from_raw(c) };
        if b.client.in_callback() {
            b.log_gate.close();
        }
        // Dropping the client stops it: it joins the I/O thread, or, on that
        // thread, detaches the message and event handlers and lets the
        // thread finish alone.
        drop(b);
    })
}

#[cfg(test)]
mod tests;
