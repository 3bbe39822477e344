//! Entry points of `mywsclient` for how it connects: proxy, no-proxy list,
//! `Origin` header, resolve overrides.

use std::os::raw::c_char;

use crate::ffi::boundary::{core_arg, opt_str_arg, str_arg};
use crate::ffi::client::{configure, configure_with, mywsclient};
use crate::ffi::types::mywsclient_result;
use crate::resolve::ResolveOverride;

/// Sets the proxy. `url` NULL: from the environment with curl's rules (the
/// default: `ws_proxy`, `http_proxy`, `all_proxy` for `ws://`; `wss_proxy`,
/// `https_proxy`, `all_proxy` for `wss://`, also in upper case except
/// `HTTP_PROXY`); `""`: no proxy; else a proxy URL: `http://`, `https://`,
/// `socks5://` (the client resolves the server's name), `socks5h://` (the
/// proxy does), `socks4://`, `socks4a://`, with optional percent-encoded
/// `user:password@`; without a scheme, `http://`. An invalid URL gives
/// `..._INVALID_ARGUMENT`. A proxy failure later is an `ERROR` event of kind
/// `MYWSCLIENT_ERROR_KIND_PROXY`. The string is copied. Thread-safe; only
/// before start or after stop (so not from this client's callbacks while it runs).
///
/// # Safety
/// `c` is NULL or a live handle; `url` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_proxy(
    c: *mut mywsclient,
    url: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| opt_str_arg(url, "url"),
            |cfg, url| cfg.proxy = url.map(str::to_string),
        )
    }
}

/// Sets the hosts that bypass the proxy, in curl's NO_PROXY syntax: a
/// comma-separated list of host names (matching the host and its
/// subdomains; a leading dot is ignored), IP addresses and CIDR ranges
/// (matching servers given as IP literals), or `*` alone for every host.
/// NULL: from the `no_proxy` / `NO_PROXY` environment variables (the
/// default); `""`: no host bypasses it. The string is copied. Thread-safe;
/// only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `list` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_no_proxy(
    c: *mut mywsclient,
    list: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| opt_str_arg(list, "list"),
            |cfg, list| cfg.no_proxy = list.map(str::to_string),
        )
    }
}

/// Sets the `Origin` header of the upgrade request (e.g.
/// `"https://app.example.com"`); NULL sends none (the default of the C API;
/// the C++ `MyWSClient` sends `http://<host>` like the libwebsockets
/// original). A control character gives `..._INVALID_ARGUMENT`. The string
/// is copied. Thread-safe; only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `origin` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_origin(
    c: *mut mywsclient,
    origin: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| opt_str_arg(origin, "origin"),
            |cfg, origin| cfg.origin = origin.map(str::to_string),
        )
    }
}

/// Adds a resolve override in curl's `CURLOPT_RESOLVE` syntax,
/// `"host:port:address[,address...]"` (IPv6 addresses with or without
/// brackets): connections to `host` on `port` use these addresses, in this
/// order (Happy Eyeballs interleaves the families), instead of the system's
/// resolver; for the server's name and a proxy's alike. The last entry for
/// a host and port wins. A malformed entry gives `..._INVALID_ARGUMENT`.
/// The string is copied. Thread-safe; only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `entry` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_add_resolve(
    c: *mut mywsclient,
    entry_text: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| core_arg(ResolveOverride::parse(str_arg(entry_text, "entry")?)),
            |cfg, o| cfg.resolve.push(o),
        )
    }
}

/// Removes every resolve override. Thread-safe; only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_clear_resolve(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, |cfg| cfg.resolve.clear()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::client::{mywsclient_free, mywsclient_new};
    use crate::ffi::types::mywsclient_result as R;
    use std::ptr::{null, null_mut};

    #[test]
    fn setters_check_their_arguments() {
        // SAFETY: live handle from mywsclient_new, C strings from literals.
        unsafe {
            let c = mywsclient_new(c"ws://127.0.0.1:9".as_ptr(), 0, null(), None, null_mut());
            assert!(!c.is_null());
            assert_eq!(
                mywsclient_set_proxy(c, c"socks5h://u:p@h:1".as_ptr()),
                R::Ok
            );
            assert_eq!(mywsclient_set_proxy(c, c"".as_ptr()), R::Ok);
            assert_eq!(mywsclient_set_proxy(c, null()), R::Ok);
            assert_eq!(
                mywsclient_set_proxy(c, c"ftp://h".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(mywsclient_set_no_proxy(c, c"*".as_ptr()), R::Ok);
            assert_eq!(mywsclient_set_no_proxy(c, null()), R::Ok);
            assert_eq!(mywsclient_set_origin(c, c"http://h".as_ptr()), R::Ok);
            assert_eq!(
                mywsclient_set_origin(c, c"a\nb".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(mywsclient_add_resolve(c, c"h:1:127.0.0.1".as_ptr()), R::Ok);
            assert_eq!(
                mywsclient_add_resolve(c, c"h:1".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(mywsclient_add_resolve(c, null()), R::NullArgument);
            assert_eq!(mywsclient_clear_resolve(c), R::Ok);
            assert_eq!(mywsclient_set_proxy(null_mut(), null()), R::NullArgument);
            mywsclient_free(c);
        }
    }
}
