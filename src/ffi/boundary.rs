//! The panic boundary and the argument helpers every entry point uses.
//!
//! Every exported function body runs inside [`guard`]: a panic becomes
//! `MYWSCLIENT_RESULT_PANIC` (or NULL, 0, "" where no result fits) and a
//! last-error message, never an unwind into C. Every call into user code
//! from the I/O thread runs inside [`call_user`].

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::Error;
use crate::ffi::types::mywsclient_result;

thread_local! {
    /// The details of the last failed call on this thread ("" if none).
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// What an entry point returns when a panic was caught.
pub trait PanicValue {
    /// The value returned in place of a result when a panic was caught.
    fn on_panic() -> Self;
}

impl PanicValue for mywsclient_result {
    fn on_panic() -> Self {
        mywsclient_result::Panic
    }
}

impl<T> PanicValue for *mut T {
    fn on_panic() -> Self {
        std::ptr::null_mut()
    }
}

impl PanicValue for *const c_char {
    fn on_panic() -> Self {
        c"".as_ptr()
    }
}

impl PanicValue for u32 {
    fn on_panic() -> Self {
        0
    }
}

impl PanicValue for usize {
    fn on_panic() -> Self {
        0
    }
}

impl PanicValue for () {
    fn on_panic() -> Self {}
}

fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

/// Runs an entry point's body; a panic becomes `R::on_panic()` and a last error.
pub fn guard<R: PanicValue>(f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            // Dropping the payload may itself panic (a payload with a panicking
            // Drop): contain that too.
            let msg = catch_unwind(AssertUnwindSafe(|| {
                let m = panic_message(&*p);
                drop(p);
                m
            }))
            .unwrap_or_else(|_| "panic".to_string());
            set_last_error(&format!(
                "internal error (panic caught at the C boundary): {msg}"
            ));
            R::on_panic()
        }
    }
}

/// Runs user code (a C callback and the conversions around it) on the I/O
/// thread. A C function cannot unwind into Rust (it would abort), but the
/// Rust code around it could panic: that is contained here, so that the
/// core's own guard never sees it. Returns false when a panic was caught.
pub fn call_user(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_ok()
}

/// Runs an entry point that returns a result code: panics and argument
/// errors ([`ArgError`]) become result codes.
pub fn entry(f: impl FnOnce() -> Result<mywsclient_result, ArgError>) -> mywsclient_result {
    guard(|| f().unwrap_or_else(|e| e.0))
}

/// Records `msg` as this thread's last error. Interior NUL bytes are replaced.
pub fn set_last_error(msg: &str) {
    let c = to_cstring(msg);
    // try_with: during thread teardown the slot may be gone; try_borrow_mut:
    // never panic here, whatever happens.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut s) = slot.try_borrow_mut() {
            *s = Some(c);
        }
    });
}

/// A pointer to this thread's last error, valid until the next failing
/// call on this thread replaces it.
pub fn last_error_ptr() -> *const c_char {
    LAST_ERROR
        .try_with(|slot| match slot.try_borrow() {
            // The CString's heap buffer does not move while the slot holds it.
            Ok(s) => s.as_ref().map_or(c"".as_ptr(), |c| c.as_ptr()),
            Err(_) => c"".as_ptr(),
        })
        .unwrap_or(c"".as_ptr())
}

/// Fails with `code` and records `msg` as the last error.
pub fn fail(code: mywsclient_result, msg: impl AsRef<str>) -> mywsclient_result {
    set_last_error(msg.as_ref());
    code
}

/// Turns a core result into a result code, recording the error's message.
pub fn result_of(r: crate::error::Result<()>) -> mywsclient_result {
    match r {
        Ok(()) => mywsclient_result::Ok,
        Err(e) => fail_with(&e),
    }
}

/// Records a core error and returns its code.
pub fn fail_with(e: &Error) -> mywsclient_result {
    fail(
        mywsclient_result::from(e.kind),
        format!("{}: {}", e.kind, e.message),
    )
}

/// A C string from Rust text; interior NUL bytes (a server's close reason
/// may hold them) become U+FFFD.
pub fn to_cstring(s: &str) -> CString {
    match CString::new(s) {
        Ok(c) => c,
        Err(_) => CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default(),
    }
}

/// Why an argument was refused.
pub struct ArgError(pub mywsclient_result);

impl From<ArgError> for mywsclient_result {
    fn from(e: ArgError) -> Self {
        e.0
    }
}

/// An argument the core checked: its error becomes the error's result code
/// (and the last error).
pub fn core_arg<T>(r: crate::error::Result<T>) -> Result<T, ArgError> {
    r.map_err(|e| ArgError(fail_with(&e)))
}

/// An argument converted with a checked conversion (an enum value from C,
/// a number with a range): `None` is `MYWSCLIENT_RESULT_INVALID_ARGUMENT`
/// with the message `why` gives.
pub fn checked_arg<T>(v: Option<T>, why: impl FnOnce() -> String) -> Result<T, ArgError> {
    v.ok_or_else(|| ArgError(fail(mywsclient_result::InvalidArgument, why())))
}

/// A core enum that C passes as a `uint32_t` (implemented in
/// `ffi/types/convert.rs`).
pub trait CEnum: Sized {
    /// What the value is, for the error message ("log level").
    const WHAT: &'static str;
    /// The C enum whose values are accepted.
    const C_TYPE: &'static str;
    /// The largest value (the values are `0..=MAX`).
    const MAX: u32;
    /// The checked conversion: `None` for an unknown value.
    fn from_c(v: u32) -> Option<Self>;
}

/// An enum value from C: an unknown value is
/// `MYWSCLIENT_RESULT_INVALID_ARGUMENT`, naming the value and the C enum.
pub fn enum_arg<T: CEnum>(v: u32) -> Result<T, ArgError> {
    checked_arg(T::from_c(v), || {
        format!(
            "{} {v} is not a {} value (0-{})",
            T::WHAT,
            T::C_TYPE,
            T::MAX
        )
    })
}

/// Borrows a required C string argument as UTF-8.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for the lifetime `'a`.
pub unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, ArgError> {
    if p.is_null() {
        return Err(ArgError(fail(
            mywsclient_result::NullArgument,
            format!("{name} is NULL"),
        )));
    }
    // SAFETY: non-NULL, and the caller guarantees a valid NUL-terminated string.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|e| {
        ArgError(fail(
            mywsclient_result::InvalidUtf8,
            format!("{name} is not valid UTF-8: {e}"),
        ))
    })
}

/// Like [`str_arg`], but NULL is allowed and means `None`.
///
/// # Safety
/// As for [`str_arg`].
pub unsafe fn opt_str_arg<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>, ArgError> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { str_arg(p, name) }.map(Some)
}

/// Borrows a buffer argument. NULL is accepted only with `len == 0` (an
/// empty message).
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that stay valid and
/// unchanged for the lifetime `'a`.
pub unsafe fn bytes_arg<'a>(p: *const u8, len: usize, name: &str) -> Result<&'a [u8], ArgError> {
    if p.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(ArgError(fail(
            mywsclient_result::NullArgument,
            format!("{name} is NULL but its length is {len}"),
        )));
    }
    if len > isize::MAX as usize {
        return Err(ArgError(fail(
            mywsclient_result::InvalidArgument,
            format!("{name}: length {len} is impossible"),
        )));
    }
    // SAFETY: non-NULL, len fits isize, and the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Borrows the object behind a handle.
///
/// # Safety
/// `p` is NULL or a pointer returned by the matching constructor and not
/// yet freed.
pub unsafe fn obj_arg<'a, T>(p: *const T, name: &str) -> Result<&'a T, ArgError> {
    // SAFETY: the caller guarantees `p` is NULL or a live object.
    match unsafe { p.as_ref() } {
        Some(r) => Ok(r),
        None => Err(ArgError(fail(
            mywsclient_result::NullArgument,
            format!("{name} is NULL"),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_a_code_and_a_message() {
        let r: mywsclient_result = guard(|| panic!("boom {}", 42));
        assert_eq!(r, mywsclient_result::Panic);
        // SAFETY: the pointer is valid until the next failing call on this thread.
        let msg = unsafe { CStr::from_ptr(last_error_ptr()) }
            .to_str()
            .unwrap()
            .to_string();
        assert!(msg.contains("boom 42"), "{msg}");
        let p: *mut u8 = guard(|| panic!("x"));
        assert!(p.is_null());
        let s: *const c_char = guard(|| panic!("y"));
        // SAFETY: a static C string.
        assert_eq!(unsafe { CStr::from_ptr(s) }.to_bytes(), b"");
        assert_eq!(guard(|| -> u32 { panic!("z") }), 0);
        assert!(!call_user(|| panic!("in a callback")));
        assert!(call_user(|| {}));
    }

    #[test]
    fn last_error_is_per_thread() {
        set_last_error("main thread");
        std::thread::spawn(|| {
            // SAFETY: valid until the next failing call on this thread.
            assert_eq!(unsafe { CStr::from_ptr(last_error_ptr()) }.to_bytes(), b"");
            set_last_error("other");
        })
        .join()
        .unwrap();
        assert_eq!(
            // SAFETY: as above.
            unsafe { CStr::from_ptr(last_error_ptr()) }.to_bytes(),
            b"main thread"
        );
    }

    #[test]
    fn arguments_are_checked() {
        // SAFETY: NULL is allowed by every helper.
        unsafe {
            assert_eq!(
                str_arg(std::ptr::null(), "url").err().map(|e| e.0),
                Some(mywsclient_result::NullArgument)
            );
            assert_eq!(opt_str_arg(std::ptr::null(), "path").ok(), Some(None));
            assert_eq!(bytes_arg(std::ptr::null(), 0, "data").ok(), Some(&[][..]));
            assert_eq!(
                bytes_arg(std::ptr::null(), 3, "data").err().map(|e| e.0),
                Some(mywsclient_result::NullArgument)
            );
            assert!(obj_arg::<u8>(std::ptr::null(), "c").is_err());
        }
        let bad = [0xffu8, 0xfe, 0];
        // SAFETY: a NUL-terminated buffer that outlives the call.
        let r = unsafe { str_arg(bad.as_ptr().cast(), "url") };
        assert_eq!(r.err().map(|e| e.0), Some(mywsclient_result::InvalidUtf8));
        // SAFETY: as above.
        let msg = unsafe { CStr::from_ptr(last_error_ptr()) }
            .to_str()
            .unwrap()
            .to_string();
        assert!(msg.contains("url is not valid UTF-8"), "{msg}");
        let ok = c"ws://h";
        // SAFETY: a static C string.
        assert_eq!(unsafe { str_arg(ok.as_ptr(), "url") }.ok(), Some("ws://h"));
    }

    #[test]
    fn interior_nul_is_replaced() {
        assert_eq!(to_cstring("a\0b").to_str().unwrap(), "a\u{FFFD}b");
        assert_eq!(to_cstring("plain").to_bytes(), b"plain");
    }
}
