//! Names of codes and the thread-local last error.

use std::os::raw::c_char;

use crate::error::ErrorKind;
use crate::event::State;
use crate::ffi::boundary::{guard, last_error_ptr};
use crate::ffi::types::mywsclient_result;

/// A static, NUL-terminated description of a `mywsclient_result` code;
/// "unknown result" for any other value. Never NULL; do not free.
/// Thread-safe; may be called from a callback.
#[no_mangle]
pub extern "C" fn mywsclient_result_str(result: i32) -> *const c_char {
    guard(|| match mywsclient_result::from_i32(result) {
        Some(r) => r.as_cstr().as_ptr(),
        None => c"unknown result".as_ptr(),
    })
}

/// The details of the last failed `mywsclient_*` call on the calling thread
/// ("" if none failed yet): NUL-terminated UTF-8, owned by the library and
/// valid until the next `mywsclient_*` call on this thread. Successful calls
/// leave it unchanged. Never NULL; do not free. May be called from a
/// callback (it then reports the I/O thread's own calls).
#[no_mangle]
pub extern "C" fn mywsclient_last_error() -> *const c_char {
    guard(last_error_ptr)
}

/// A static, NUL-terminated name of a `mywsclient_error_kind` value
/// ("none" for 0, "unknown error kind" for values out of range). Never NULL;
/// do not free. Thread-safe; may be called from a callback.
#[no_mangle]
pub extern "C" fn mywsclient_error_kind_str(kind: u32) -> *const c_char {
    guard(|| match ErrorKind::try_from(kind) {
        Ok(k) => k.name().as_ptr(),
        Err(0) => c"none".as_ptr(),
        Err(_) => c"unknown error kind".as_ptr(),
    })
}

/// A static, NUL-terminated name of a `MYWSCLIENT_STATE_*` value ("idle",
/// "connecting", "open", "closing", "reconnecting", "stopped"; "unknown
/// state" for other values). Never NULL; do not free. Thread-safe; may be
/// called from a callback.
#[no_mangle]
pub extern "C" fn mywsclient_state_str(state: u32) -> *const c_char {
    guard(|| match State::try_from(state) {
        Ok(s) => s.name().as_ptr(),
        Err(_) => c"unknown state".as_ptr(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn s(p: *const c_char) -> String {
        assert!(!p.is_null());
        // SAFETY: the functions return static NUL-terminated strings.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    #[test]
    fn every_result_has_a_name() {
        let mut seen = std::collections::HashSet::new();
        for r in mywsclient_result::ALL {
            let name = s(mywsclient_result_str(r as i32));
            assert_ne!(name, "unknown result");
            assert!(seen.insert(name), "duplicate name for {r:?}");
        }
        for bad in [-1, 10, 11, 1000, i32::MIN, i32::MAX] {
            assert_eq!(s(mywsclient_result_str(bad)), "unknown result");
        }
        assert_eq!(s(mywsclient_result_str(0)), "ok");
    }

    #[test]
    fn kinds_and_states_have_names() {
        assert_eq!(s(mywsclient_error_kind_str(0)), "none");
        assert_eq!(s(mywsclient_error_kind_str(6)), "DNS resolution failed");
        assert_eq!(s(mywsclient_error_kind_str(19)), "gave up reconnecting");
        assert_eq!(s(mywsclient_error_kind_str(20)), "proxy error");
        assert_eq!(s(mywsclient_error_kind_str(21)), "unknown error kind");
        assert_eq!(s(mywsclient_state_str(2)), "open");
        assert_eq!(s(mywsclient_state_str(5)), "stopped");
        assert_eq!(s(mywsclient_state_str(6)), "unknown state");
    }
}
