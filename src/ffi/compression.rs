//! permessage-deflate for C: the mode enum and `mywsclient_set_compression()`.

use crate::deflate::Compression;
use crate::ffi::boundary::{checked_arg, enum_arg};
use crate::ffi::client::{configure_with, mywsclient};
use crate::ffi::types::mywsclient_result;

/// permessage-deflate modes (RFC 7692), for `mywsclient_set_compression()`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_compression {
    /// No offer: messages go uncompressed (the default).
    Off = 0,
    /// Offer permessage-deflate with context takeover: each side's window
    /// carries over between messages (best ratio). The compressor and
    /// inflater, made on the first compressed message, live as long as the
    /// connection (some 230 KiB with a 10-bit client window; the README has
    /// the measured figures).
    ContextTakeover = 1,
    /// Offer permessage-deflate with `server_no_context_takeover` and
    /// `client_no_context_takeover`: each message is compressed on its own
    /// and no compression state is kept between messages.
    NoContextTakeover = 2,
}

/// Offers permessage-deflate (RFC 7692) on the next connections. `mode` is a
/// `mywsclient_compression` value (default `MYWSCLIENT_COMPRESSION_OFF`);
/// `level` is the zlib level 0-9, or -1 for the default (6); messages
/// shorter than `threshold` bytes are sent uncompressed (128 is a good
/// value; 0 compresses everything). A server that declines the offer gets
/// uncompressed messages, as without it; a server whose reply is not valid
/// fails the handshake (an `ERROR` event of kind `HANDSHAKE`, then a
/// reconnect). Incoming compressed messages are inflated in bounded steps:
/// one that would exceed the maximum message size ends the connection with
/// close code 1009 (an `ERROR` event of kind `MESSAGE_TOO_LARGE`).
/// `mywsclient_get_stats()` is unchanged; the Rust `Stats` count compressed
/// and uncompressed bytes.
///
/// An unknown `mode` or a `level` outside -1..9 gives
/// `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only before start or after stop,
/// else `..._INVALID_STATE` (so not from a callback of a running client).
/// Thread-safe.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_compression(
    c: *mut mywsclient,
    mode: u32,
    level: i32,
    threshold: usize,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        configure_with(
            c,
            |_| {
                let mode = enum_arg(mode)?;
                let valid = match level {
                    -1 => Some(Compression::default().level),
                    0..=9 => Some(level as u32),
                    _ => None,
                };
                let level = checked_arg(valid, || {
                    format!("compression level {level} must be 0 to 9, or -1 for the default")
                })?;
                Ok(Compression {
                    mode,
                    level,
                    threshold,
                })
            },
            |cfg, compression| cfg.compression = compression,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::ptr::null_mut;

    use super::*;
    use crate::deflate::CompressionMode;
    use crate::ffi::client::{mywsclient_free, mywsclient_new, mywsclient_start, mywsclient_stop};

    #[test]
    fn c_modes_match_the_core() {
        for (c, core) in [
            (mywsclient_compression::Off, CompressionMode::Off),
            (
                mywsclient_compression::ContextTakeover,
                CompressionMode::ContextTakeover,
            ),
            (
                mywsclient_compression::NoContextTakeover,
                CompressionMode::NoContextTakeover,
            ),
        ] {
            assert_eq!(c as u32, core as u32);
            assert_eq!(CompressionMode::from_u32(c as u32), Some(core));
        }
        assert_eq!(CompressionMode::from_u32(3), None);
    }

    #[test]
    fn arguments_are_checked() {
        type R = mywsclient_result;
        // SAFETY: NULL and live handles only, freed at the end.
        unsafe {
            assert_eq!(
                mywsclient_set_compression(null_mut(), 1, -1, 0),
                R::NullArgument
            );
            let c = mywsclient_new(
                c"ws://127.0.0.1".as_ptr(),
                9,
                c"".as_ptr(),
                None,
                null_mut(),
            );
            assert!(!c.is_null());
            assert_eq!(mywsclient_set_compression(c, 3, -1, 0), R::InvalidArgument);
            assert_eq!(mywsclient_set_compression(c, 1, 10, 0), R::InvalidArgument);
            assert_eq!(mywsclient_set_compression(c, 1, -2, 0), R::InvalidArgument);
            assert_eq!(mywsclient_set_compression(c, 2, 9, 64), R::Ok);
            assert_eq!(mywsclient_set_compression(c, 1, -1, 128), R::Ok);
            assert_eq!(mywsclient_set_compression(c, 0, 0, 0), R::Ok);
            assert_eq!(mywsclient_start(c), R::Ok);
            assert_eq!(mywsclient_set_compression(c, 1, -1, 0), R::InvalidState);
            assert_eq!(mywsclient_stop(c), R::Ok);
            mywsclient_free(c);
        }
    }
}
