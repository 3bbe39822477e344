//! The callbacks a `mywsclient` calls (message, event, log) and its log
//! level: setters, only before start or after stop.

use std::os::raw::c_void;

use crate::ffi::boundary::enum_arg;
use crate::ffi::callbacks::{
    event_handler, log_sink, message_handler, mywsclient_event_cb, mywsclient_log_cb,
    mywsclient_message_cb, UserData,
};
use crate::ffi::client::{configure_with, mywsclient, with_client};
use crate::ffi::types::mywsclient_result;

/// Sets the message callback (NULL: messages are dropped) and its
/// `user_data`, replacing the one given to `mywsclient_new()`. Only before
/// `mywsclient_start()` or after `mywsclient_stop()`, else
/// `MYWSCLIENT_RESULT_INVALID_STATE` (so also from inside a callback).
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_message_callback(
    c: *mut mywsclient,
    cb: mywsclient_message_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        with_client(c, |c| {
            let h = message_handler(cb, UserData::new(user_data));
            Ok(c.client.set_message_handler(h))
        })
    }
}

/// Sets the event callback (NULL: none) and its `user_data`: connecting,
/// open, closed (code, initiator, reason), error (kind, message), reconnect
/// scheduled (attempt, delay) and stopped. Only before `mywsclient_start()`
/// or after `mywsclient_stop()`, else `MYWSCLIENT_RESULT_INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_event_callback(
    c: *mut mywsclient,
    cb: mywsclient_event_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        with_client(c, |c| {
            let h = event_handler(cb, UserData::new(user_data));
            Ok(c.client.set_event_handler(h))
        })
    }
}

/// Sets the log callback (NULL: log lines go to stderr, the default) and its
/// `user_data`. Only before start or after stop, else `..._INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_log_callback(
    c: *mut mywsclient,
    cb: mywsclient_log_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        configure_with(
            c,
            |c| Ok(log_sink(cb, UserData::new(user_data), c.log_gate.clone())),
            |cfg, sink| cfg.log_sink = sink,
        )
    }
}

/// Sets the log level, a `mywsclient_log_level` value (default: the
/// environment variable `MYWSCLIENT_LOG` = off|error|warn|info|debug, else
/// warn). An unknown value gives `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only
/// before start or after stop, else `..._INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_log_level(
    c: *mut mywsclient,
    level: u32,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { configure_with(c, |_| enum_arg(level), |cfg, level| cfg.log_level = level) }
}
