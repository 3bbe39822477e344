//! The C object `mywsclient_request`: one connection attempt's request,
//! lent to the connect callback, and its functions.

use std::ffi::CString;
use std::os::raw::{c_char, c_void};

use crate::ffi::boundary::{entry, fail, guard, result_of, str_arg, to_cstring, ArgError};
use crate::ffi::callbacks::UserData;
use crate::ffi::types::mywsclient_result;
use crate::request::Request;

/// One connection attempt's request (opaque): the URL, extra headers and
/// subprotocols it will send. Lent to the connect callback
/// (`mywsclient_connect_cb`) and valid only during that call: never keep the
/// pointer. Changes made through it apply to this attempt only; the next
/// attempt starts again from the client's URL and headers
/// (`mywsclient_set_url()`, `mywsclient_set_header()`, ...). Not thread-safe:
/// use it only on the thread that runs the callback.
pub struct mywsclient_request {
    req: *mut Request,
    /// The URL as a C string, for `mywsclient_request_url()`.
    url: CString,
}

/// Called on the I/O thread before each connection attempt (also the first,
/// and the one `mywsclient_reconnect()` starts), after the `CONNECTING`
/// event and before the host name is resolved; not again for the redirects
/// an attempt follows. `request` holds what the attempt will send and may
/// be changed with `mywsclient_request_set_url()`, `..._set_header()`,
/// `..._remove_header()` and `..._set_subprotocols()`: the place to put a
/// fresh token in (e.g. `Authorization: Bearer ...` or `?token=` in the URL).
/// `request` is valid only during the call.
///
/// Serialised with the client's other callbacks; every `mywsclient_*`
/// function allowed in a callback may be called (sends are queued for this
/// connection; `mywsclient_stop()` ends the attempt). It may block (e.g. to
/// fetch a token), which delays this client's I/O (and, on the shared I/O
/// threads, the other clients of that thread). Must not unwind.
pub type mywsclient_connect_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, request: *mut mywsclient_request)>;

/// The connect hook that calls `cb` (a no-op when `cb` is NULL).
/// (The core calls it only while the handle is attached: not after a
/// `mywsclient_free()` from inside a callback.)
pub(crate) fn connect_hook(
    cb: mywsclient_connect_cb,
    ud: UserData,
) -> impl FnMut(&mut Request) + Send + 'static {
    move |req: &mut Request| {
        let Some(f) = cb else { return };
        crate::ffi::boundary::call_user(|| {
            let mut c = mywsclient_request {
                url: to_cstring(&req.url()),
                req,
            };
            // SAFETY: `f` is the application's callback; `c` (and the request
            // it points to) lives until after it returns.
            unsafe { f(ud.get(), &mut c) }
        });
    }
}

/// Borrows the request behind a pointer, mutably.
///
/// # Safety
/// `r` is NULL or the pointer given to the running connect callback.
unsafe fn req_mut<'a>(r: *mut mywsclient_request) -> Result<&'a mut mywsclient_request, ArgError> {
    // SAFETY: the caller guarantees NULL or a live request, used by one thread.
    match unsafe { r.as_mut() } {
        Some(r) => Ok(r),
        None => Err(ArgError(fail(
            mywsclient_result::NullArgument,
            "request is NULL",
        ))),
    }
}

impl mywsclient_request {
    fn inner(&mut self) -> &mut Request {
        // SAFETY: `req` points to the request lent to the callback, which
        // outlives this object (see `connect_hook`).
        unsafe { &mut *self.req }
    }
}

/// The URL this attempt will connect to (e.g. `wss://example.com:443/path`),
/// NUL-terminated, borrowed: valid until the next change to `request` or
/// the end of the callback. "" for NULL.
///
/// # Safety
/// `request` is NULL or the pointer given to the running connect callback.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_request_url(
    request: *const mywsclient_request,
) -> *const c_char {
    guard(|| {
        // SAFETY: the caller passes NULL or a live request.
        match unsafe { request.as_ref() } {
            Some(r) => r.url.as_ptr(),
            None => c"".as_ptr(),
        }
    })
}

/// The attempt's number, as in the `CONNECTING` event (1 for the first
/// attempt after start or after a healthy connection); 0 for NULL.
///
/// # Safety
/// `request` is NULL or the pointer given to the running connect callback.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_request_attempt(request: *const mywsclient_request) -> u32 {
    guard(|| {
        // SAFETY: the caller passes NULL or a live request.
        match unsafe { request.as_ref() } {
            // SAFETY: `req` lives as long as the request lent to the callback.
            Some(r) => unsafe { (*r.req).attempt() },
            None => 0,
        }
    })
}

/// Replaces the URL of this attempt: a `ws://` or `wss://` URL, or a bare
/// host (meaning `wss://`), as `mywsclient_new()` takes it with port 0 and
/// no path. `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for an invalid URL (nothing
/// changes). The string is borrowed for the call only.
///
/// # Safety
/// `request` is NULL or the pointer given to the running connect callback;
/// `url` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_request_set_url(
    request: *mut mywsclient_request,
    url: *const c_char,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: the caller passes NULL or a live request, and NULL or a string.
        let (r, url) = unsafe { (req_mut(request)?, str_arg(url, "url")?) };
        let res = r.inner().set_url(url);
        if res.is_ok() {
            r.url = to_cstring(&r.inner().url());
        }
        Ok(result_of(res))
    })
}

/// Sets header `name` to `value` for this attempt, replacing every header of
/// that name (case-insensitive), e.g. `Authorization` / `Bearer <token>`.
/// `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for a name that is not a token, a
/// header the client sets itself (Host, Upgrade, Connection,
/// Sec-WebSocket-*) or a value with control characters (nothing changes).
/// The strings are borrowed for the call only.
///
/// # Safety
/// `request` is NULL or the pointer given to the running connect callback;
/// `name` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_request_set_header(
    request: *mut mywsclient_request,
    name: *const c_char,
    value: *const c_char,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: the caller passes NULL or a live request, and NULL or strings.
        let (r, name, value) = unsafe {
            (
                req_mut(request)?,
                str_arg(name, "name")?,
                str_arg(value, "value")?,
            )
        };
        Ok(result_of(r.inner().set_header(name, value)))
    })
}

/// Removes header `name` (every header of that name, case-insensitive) from
/// this attempt's request. Removing a header that is not there is not an
/// error. The string is borrowed for the call only.
///
/// # Safety
/// `request` is NULL or the pointer given to the running connect callback;
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_request_remove_header(
    request: *mut mywsclient_request,
    name: *const c_char,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: the caller passes NULL or a live request, and NULL or a string.
        let (r, name) = unsafe { (req_mut(request)?, str_arg(name, "name")?) };
        r.inner().remove_header(name);
        Ok(mywsclient_result::Ok)
    })
}

/// Replaces the subprotocols this attempt asks for with the `count` strings
/// at `protocols` (`count` 0: ask for none; `protocols` may then be NULL).
/// Each must be a non-empty token, else `MYWSCLIENT_RESULT_INVALID_ARGUMENT`
/// and nothing changes. The strings are borrowed for the call only.
///
/// # Safety
/// `request` is NULL or the pointer given to the running connect callback;
/// `protocols` is NULL or points to `count` pointers, each NULL or a
/// NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_request_set_subprotocols(
    request: *mut mywsclient_request,
    protocols: *const *const c_char,
    count: usize,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: the caller passes NULL or a live request.
        let r = unsafe { req_mut(request)? };
        if protocols.is_null() && count > 0 {
            return Ok(fail(
                mywsclient_result::NullArgument,
                format!("protocols is NULL but count is {count}"),
            ));
        }
        let mut list = Vec::with_capacity(count.min(64));
        for i in 0..count {
            // SAFETY: the caller guarantees `count` readable pointers.
            let p = unsafe { *protocols.add(i) };
            // SAFETY: each is NULL or a NUL-terminated string.
            list.push(unsafe { str_arg(p, "protocol") }?.to_string());
        }
        Ok(result_of(r.inner().set_subprotocols(&list)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Endpoint;
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    #[test]
    fn request_functions_change_the_attempt() {
        let mut req = Request::new(
            Endpoint::resolve("ws://h/", 0, "").unwrap(),
            vec![],
            vec!["ws".into()],
            3,
        );
        let mut c = mywsclient_request {
            url: to_cstring(&req.url()),
            req: &mut req,
        };
        let p: *mut mywsclient_request = &mut c;
        // SAFETY: `p` is live for the whole block; strings are static.
        unsafe {
            assert_eq!(mywsclient_request_attempt(p), 3);
            assert_eq!(
                CStr::from_ptr(mywsclient_request_url(p)).to_str().unwrap(),
                "ws://h:80/"
            );
            assert_eq!(
                mywsclient_request_set_url(p, c"wss://x/t?k=1".as_ptr()),
                mywsclient_result::Ok
            );
            assert_eq!(
                CStr::from_ptr(mywsclient_request_url(p)).to_str().unwrap(),
                "wss://x:443/t?k=1"
            );
            assert_eq!(
                mywsclient_request_set_url(p, c"http://x".as_ptr()),
                mywsclient_result::InvalidArgument
            );
            assert_eq!(
                mywsclient_request_set_header(p, c"Authorization".as_ptr(), c"Bearer a".as_ptr()),
                mywsclient_result::Ok
            );
            assert_eq!(
                mywsclient_request_set_header(p, c"Host".as_ptr(), c"x".as_ptr()),
                mywsclient_result::InvalidArgument
            );
            assert_eq!(
                mywsclient_request_set_header(p, null(), c"x".as_ptr()),
                mywsclient_result::NullArgument
            );
            let protos = [c"chat".as_ptr(), c"v2".as_ptr()];
            assert_eq!(
                mywsclient_request_set_subprotocols(p, protos.as_ptr(), 2),
                mywsclient_result::Ok
            );
            let bad = [c"a b".as_ptr()];
            assert_eq!(
                mywsclient_request_set_subprotocols(p, bad.as_ptr(), 1),
                mywsclient_result::InvalidArgument
            );
            assert_eq!(
                mywsclient_request_set_subprotocols(p, null(), 1),
                mywsclient_result::NullArgument
            );
            assert_eq!(
                mywsclient_request_remove_header(p, c"x-none".as_ptr()),
                mywsclient_result::Ok
            );
            assert_eq!(
                mywsclient_request_set_url(null_mut(), c"ws://h".as_ptr()),
                mywsclient_result::NullArgument
            );
            assert_eq!(mywsclient_request_attempt(null()), 0);
        }
        assert_eq!(req.url(), "wss://x:443/t?k=1");
        assert_eq!(req.header("authorization"), Some("Bearer a"));
        assert_eq!(req.subprotocols(), &["chat".to_string(), "v2".to_string()]);
    }
}
