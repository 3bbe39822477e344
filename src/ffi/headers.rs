//! The C object `mywsclient_headers`: the HTTP response headers of an
//! upgrade, lent with an `OPEN` event or the `ERROR` event of a refused
//! upgrade, and its functions.

use std::os::raw::c_char;

use crate::ffi::boundary::{fail, guard, str_arg};
use crate::ffi::types::{mywsclient_headers, mywsclient_result};

/// The number of headers; 0 for NULL.
///
/// # Safety
/// `headers` is NULL or a pointer from an event, during its callback.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_headers_count(headers: *const mywsclient_headers) -> usize {
    guard(|| {
        // SAFETY: the caller passes NULL or a live object.
        unsafe { headers.as_ref() }.map_or(0, |h| h.list.len())
    })
}

/// Header number `index` (from 0): its name (as the server spelled it) in
/// `*name` and its value (trimmed) in `*value`, NUL-terminated, borrowed for
/// the callback. Written only on success. `MYWSCLIENT_RESULT_NULL_ARGUMENT`
/// when `headers`, `name` or `value` is NULL, `..._INVALID_ARGUMENT` when
/// `index >= mywsclient_headers_count(headers)`.
///
/// # Safety
/// `headers` is NULL or a pointer from an event, during its callback;
/// `name` and `value` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_headers_at(
    headers: *const mywsclient_headers,
    index: usize,
    name: *mut *const c_char,
    value: *mut *const c_char,
) -> mywsclient_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live object.
        let Some(h) = (unsafe { headers.as_ref() }) else {
            return fail(mywsclient_result::NullArgument, "headers is NULL");
        };
        if name.is_null() || value.is_null() {
            return fail(mywsclient_result::NullArgument, "name or value is NULL");
        }
        let Some((n, v)) = h.list.get(index) else {
            return fail(
                mywsclient_result::InvalidArgument,
                format!(
                    "header index {index} is out of range ({} headers)",
                    h.list.len()
                ),
            );
        };
        // SAFETY: both are non-NULL and writable (caller's guarantee).
        unsafe {
            name.write_unaligned(n.as_ptr());
            value.write_unaligned(v.as_ptr());
        }
        mywsclient_result::Ok
    })
}

/// The value of the first header called `name` (case-insensitive), e.g.
/// `"WWW-Authenticate"` or `"Location"`: NUL-terminated, borrowed for the
/// callback; NULL when there is none (or `headers` or `name` is NULL).
///
/// # Safety
/// `headers` is NULL or a pointer from an event, during its callback;
/// `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_headers_get(
    headers: *const mywsclient_headers,
    name: *const c_char,
) -> *const c_char {
    guard(|| {
        // SAFETY: the caller passes NULL or a live object, and NULL or a string.
        let (Some(h), Ok(name)) = (unsafe { headers.as_ref() }, unsafe {
            str_arg(name, "name")
        }) else {
            return std::ptr::null();
        };
        h.list
            .iter()
            .find(|(n, _)| n.to_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .map_or(std::ptr::null(), |(_, v)| v.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::HttpResponse;
    use std::ffi::CStr;
    use std::ptr::null;

    #[test]
    fn lookups_by_index_and_name() {
        let h = mywsclient_headers::of(&HttpResponse {
            status: 101,
            reason: String::new(),
            headers: vec![
                ("Set-Cookie".into(), "a=1".into()),
                ("Set-Cookie".into(), "b=2".into()),
                ("X-Gate".into(), "x".into()),
            ],
        });
        let p: *const mywsclient_headers = &h;
        // SAFETY: `h` lives for the block; outputs are local.
        unsafe {
            assert_eq!(mywsclient_headers_count(p), 3);
            assert_eq!(mywsclient_headers_count(null()), 0);
            let (mut n, mut v) = (null(), null());
            assert_eq!(
                mywsclient_headers_at(p, 1, &mut n, &mut v),
                mywsclient_result::Ok
            );
            assert_eq!(CStr::from_ptr(n).to_bytes(), b"Set-Cookie");
            assert_eq!(CStr::from_ptr(v).to_bytes(), b"b=2");
            assert_eq!(
                mywsclient_headers_at(p, 3, &mut n, &mut v),
                mywsclient_result::InvalidArgument
            );
            assert_eq!(
                mywsclient_headers_at(p, 0, std::ptr::null_mut(), &mut v),
                mywsclient_result::NullArgument
            );
            assert_eq!(
                CStr::from_ptr(mywsclient_headers_get(p, c"x-gate".as_ptr())).to_bytes(),
                b"x"
            );
            assert!(mywsclient_headers_get(p, c"location".as_ptr()).is_null());
            assert!(mywsclient_headers_get(null(), c"x".as_ptr()).is_null());
        }
    }
}
