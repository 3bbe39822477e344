//! Long-lived sessions, connect side (issue 11): the connect callback, the
//! URL and headers that may change while the client runs, reconnect now,
//! and what a 4xx answer or a redirect does.

use std::os::raw::{c_char, c_void};

use crate::ffi::boundary::{enum_arg, str_arg};
use crate::ffi::callbacks::UserData;
use crate::ffi::client::{configure, configure_with, mywsclient, with_client};
use crate::ffi::request::{connect_hook, mywsclient_connect_cb};
use crate::ffi::types::mywsclient_result;

/// Sets the connect callback (NULL: none) and its `user_data`: called on
/// the I/O thread before each connection attempt with the attempt's
/// `mywsclient_request`, which it may change for this attempt (see
/// `mywsclient_connect_cb`). Only before `mywsclient_start()` or after
/// `mywsclient_stop()`, else `MYWSCLIENT_RESULT_INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_connect_callback(
    c: *mut mywsclient,
    cb: mywsclient_connect_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        with_client(c, |c| {
            let h = connect_hook(cb, UserData::new(user_data));
            Ok(c.client.set_connect_hook(h))
        })
    }
}

/// Connects to `url` from the next attempt on: a `ws://` or `wss://` URL or
/// a bare host (meaning `wss://`), as `mywsclient_new()` takes it with port
/// 0 and no path. `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for an invalid URL
/// (nothing changes). Thread-safe; may be called at any time, also from a
/// callback; `mywsclient_reconnect()` moves at once. The string is borrowed
/// for the call only.
///
/// # Safety
/// `c` is NULL or a live handle; `url` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_url(
    c: *mut mywsclient,
    url: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe { with_client(c, |c| Ok(c.client.set_url(str_arg(url, "url")?))) }
}

/// Sets the extra header `name` to `value` from the next attempt on,
/// replacing every header of that name (case-insensitive; also one added
/// with `mywsclient_add_header()`). `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for
/// a name that is not a token, a header the client sets itself (Host,
/// Upgrade, Connection, Sec-WebSocket-*) or a value with control characters.
/// Thread-safe; may be called at any time, also from a callback. The strings
/// are borrowed for the call only.
///
/// # Safety
/// `c` is NULL or a live handle; `name` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_header(
    c: *mut mywsclient,
    name: *const c_char,
    value: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        with_client(c, |c| {
            let (name, value) = (str_arg(name, "name")?, str_arg(value, "value")?);
            Ok(c.client.set_header(name, value))
        })
    }
}

/// Removes the extra header `name` (every header of that name,
/// case-insensitive) from the next attempt on; removing a header that is not
/// there is not an error. Thread-safe; may be called at any time, also from
/// a callback. The string is borrowed for the call only.
///
/// # Safety
/// `c` is NULL or a live handle; `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_remove_header(
    c: *mut mywsclient,
    name: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe { with_client(c, |c| Ok(c.client.remove_header(str_arg(name, "name")?))) }
}

/// Closes the current connection with 1000 (bounded by the close timeout)
/// and connects again at once, without a backoff delay; a client that is
/// connecting or waiting to retry starts a new attempt at once. Messages
/// already handed to the old connection are written before its close frame;
/// the rest stay queued, in order, for the new connection. Returns at once; the events follow (`CLOSED` 1000 by
/// the client, `CONNECTING`, ...). `MYWSCLIENT_RESULT_INVALID_STATE` when the
/// client is not running. Thread-safe; may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_reconnect(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { with_client(c, |c| Ok(c.client.reconnect())) }
}

/// What a 4xx answer to the upgrade does: a `mywsclient_http_error_policy`
/// value, `MYWSCLIENT_HTTP_ERROR_POLICY_RETRY` (the default: report, retry
/// with backoff) or `..._STOP` (report, then stop). An unknown value gives
/// `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_http_error_policy(
    c: *mut mywsclient,
    policy: u32,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        configure_with(
            c,
            |_| enum_arg(policy),
            |cfg, policy| cfg.http_error_policy = policy,
        )
    }
}

/// Follows up to `max_redirects` redirects (301, 302, 303, 307, 308 with a
/// `Location`, absolute or relative) within one attempt; 0 (the default)
/// follows none (the `ERROR` event then carries the status and the
/// `Location` header). At most 20, else `MYWSCLIENT_RESULT_INVALID_ARGUMENT`.
/// A loop or a longer chain ends the attempt with an `ERROR` that shows the
/// chain; a redirect from `wss://` to `ws://` is refused; `Authorization`
/// and `Cookie` headers are not sent to another scheme, host or port. Each
/// new attempt starts from the client's URL again. Only before start or
/// after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_follow_redirects(
    c: *mut mywsclient,
    max_redirects: u32,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, move |cfg| cfg.max_redirects = max_redirects) }
}
