//! The library's version, as a C string and as compile-time numbers.

use std::os::raw::c_char;

/// "mywsclient X.Y.Z (tungstenite A.B, rustls C.D)"; the dependency
/// versions come from Cargo.toml (via build.rs).
pub const VERSION: &str = concat!(
    "mywsclient ",
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("MYWSCLIENT_DEP_VERSIONS"),
    ")"
);

const VERSION_C: &str = concat!(
    "mywsclient ",
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("MYWSCLIENT_DEP_VERSIONS"),
    ")\0"
);

/// A static, NUL-terminated string naming the library's version and its
/// key dependencies, e.g. "mywsclient 0.1.0 (tungstenite 0.30, rustls 0.23)".
/// Its version equals `MYWSCLIENT_VERSION_MAJOR.MINOR.PATCH` of the header
/// the library was built with. Never NULL; do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn mywsclient_version() -> *const c_char {
    crate::ffi::boundary::guard(|| VERSION_C.as_ptr().cast())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_string_matches_cargo_toml() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(mywsclient_version()) }
            .to_str()
            .unwrap();
        assert_eq!(v, VERSION);
        let want = format!(
            "mywsclient {}.{}.{} (",
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR"),
            env!("CARGO_PKG_VERSION_PATCH")
        );
        assert!(v.starts_with(&want), "{v}");
        assert!(
            v.contains("tungstenite ") && v.contains("rustls ") && v.ends_with(')'),
            "{v}"
        );
    }
}
