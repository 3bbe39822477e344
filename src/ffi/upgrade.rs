//! What a `mywsclient` adds to its upgrade request: extra headers and
//! subprotocols. Setters, only before start or after stop (the headers of
//! `mywsclient_set_header()`, which work at any time, are in
//! [`session`](super::session)).

use std::os::raw::c_char;

use crate::ffi::boundary::str_arg;
use crate::ffi::client::{configure, configure_with, mywsclient};
use crate::ffi::types::mywsclient_result;

/// Adds an HTTP header to the upgrade request. `name` must be a token and
/// not one the client sets itself (Host, Upgrade, Connection, Sec-WebSocket-*,
/// ...); `value` must hold no control character: else `..._INVALID_ARGUMENT`.
/// Strings are copied. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `name` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_add_header(
    c: *mut mywsclient,
    name: *const c_char,
    value: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| Ok((str_arg(name, "name")?, str_arg(value, "value")?)),
            |cfg, (name, value)| cfg.headers.push((name.into(), value.into())),
        )
    }
}

/// Removes every header added by `mywsclient_add_header()`. Only before
/// start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_clear_headers(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, |cfg| cfg.headers.clear()) }
}

/// Requests a subprotocol (`Sec-WebSocket-Protocol`); call once per
/// protocol, in order of preference. `protocol` must be a token, else
/// `..._INVALID_ARGUMENT`. A server that selects none is accepted; one that
/// selects another is refused. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `protocol` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_add_subprotocol(
    c: *mut mywsclient,
    protocol: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| str_arg(protocol, "protocol"),
            |cfg, p| cfg.subprotocols.push(p.into()),
        )
    }
}

/// Removes every subprotocol added by `mywsclient_add_subprotocol()`. Only
/// before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_clear_subprotocols(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, |cfg| cfg.subprotocols.clear()) }
}
