//! C entry points for control frames, send receipts and flow control
//! (issue 11): `mywsclient_ping`, `mywsclient_close`, `mywsclient_send_ex`,
//! the overflow policy, queue watermarks, discard-on-stop, and the sized
//! statistics `mywsclient_get_stats2`.

use std::os::raw::c_char;

use crate::client::{CloseOptions, SendFlags};
use crate::ffi::boundary::{
    bytes_arg, checked_arg, entry, enum_arg, fail, fail_with, obj_arg, opt_str_arg,
};
use crate::ffi::client::{configure, configure_with, mywsclient, with_client};
use crate::ffi::types::mywsclient_result;
use crate::flow::OverflowPolicy;
use crate::receipts::DiscardReason;

/// cbindgen:prefix-with-name=false
/// cbindgen:rename-all=prefix:MYWSCLIENT_SEND_
/// Flags of `mywsclient_send_ex()`, combined with `|` (0: a text message).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum mywsclient_send_flags {
    /// A binary message (else text, which must be UTF-8).
    BINARY = 1,
    /// Put the message at the front of the queue, ahead of every message
    /// not yet started (behind messages put back after a broken
    /// connection; it never cuts into a message being written).
    URGENT = 2,
}

/// cbindgen:prefix-with-name=false
/// cbindgen:rename-all=prefix:MYWSCLIENT_CLOSE_
/// Flags of `mywsclient_close()`, combined with `|` (0: close and stop).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum mywsclient_close_flags {
    /// Connect again at once after the close (no backoff delay), keeping
    /// the queue, instead of stopping.
    RECONNECT = 1,
    /// Discard what is still queued instead of keeping it for the next
    /// start; each message sent with `mywsclient_send_ex()` gets a
    /// `DISCARDED` event (reason `STOPPED`). Not with `RECONNECT`.
    DISCARD = 2,
}

const SEND_BINARY: u32 = mywsclient_send_flags::BINARY as u32;
const SEND_URGENT: u32 = mywsclient_send_flags::URGENT as u32;
const CLOSE_RECONNECT: u32 = mywsclient_close_flags::RECONNECT as u32;
const CLOSE_DISCARD: u32 = mywsclient_close_flags::DISCARD as u32;

/// What a send does when the queue is full (`mywsclient_set_overflow_policy()`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_overflow_policy {
    /// Refuse the new message with `MYWSCLIENT_RESULT_QUEUE_FULL` (the default).
    Refuse = 0,
    /// Accept it and drop the oldest queued messages not yet being written
    /// until it fits; each dropped message sent with `mywsclient_send_ex()`
    /// gets a `DISCARDED` event (reason `OVERFLOW`). A message larger than
    /// the queue's byte limit is still refused.
    DropOldest = 1,
}

/// Why a message was dropped (the `discard_reason` field of a `DISCARDED`
/// event). Same values as the Rust `DiscardReason`; 0 means none.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_discard_reason {
    /// Not a `DISCARDED` event.
    None = 0,
    /// The client stopped and discarded its queue (`mywsclient_close()` with
    /// `MYWSCLIENT_CLOSE_DISCARD`, or any stop with discard-on-stop set).
    Stopped = 1,
    /// The client stopped by itself (reconnecting off or given up) with
    /// discard-on-stop set.
    GaveUp = 2,
    /// The overflow policy `DROP_OLDEST` made room for a newer message.
    Overflow = 3,
}

impl From<OverflowPolicy> for mywsclient_overflow_policy {
    fn from(p: OverflowPolicy) -> Self {
        match p {
            OverflowPolicy::Refuse => mywsclient_overflow_policy::Refuse,
            OverflowPolicy::DropOldest => mywsclient_overflow_policy::DropOldest,
        }
    }
}

impl From<mywsclient_overflow_policy> for OverflowPolicy {
    fn from(p: mywsclient_overflow_policy) -> Self {
        match p {
            mywsclient_overflow_policy::Refuse => OverflowPolicy::Refuse,
            mywsclient_overflow_policy::DropOldest => OverflowPolicy::DropOldest,
        }
    }
}

impl From<DiscardReason> for mywsclient_discard_reason {
    fn from(r: DiscardReason) -> Self {
        match r {
            DiscardReason::Stopped => mywsclient_discard_reason::Stopped,
            DiscardReason::GaveUp => mywsclient_discard_reason::GaveUp,
            DiscardReason::Overflow => mywsclient_discard_reason::Overflow,
        }
    }
}

impl mywsclient_discard_reason {
    /// The core reason (None for `NONE`).
    pub fn to_core(self) -> Option<DiscardReason> {
        match self {
            mywsclient_discard_reason::None => None,
            mywsclient_discard_reason::Stopped => Some(DiscardReason::Stopped),
            mywsclient_discard_reason::GaveUp => Some(DiscardReason::GaveUp),
            mywsclient_discard_reason::Overflow => Some(DiscardReason::Overflow),
        }
    }
}

/// Queues a message like `mywsclient_send()` / `mywsclient_send_binary()`
/// and gives it an id: `flags` is 0 (text, which must be UTF-8) or a
/// combination of `MYWSCLIENT_SEND_BINARY` and `MYWSCLIENT_SEND_URGENT`.
/// On success `*id_out` (when not NULL) receives the message's id: a number
/// above 0, larger than every id before it on this client.
///
/// Every accepted message gets exactly one receipt event, `WRITTEN` (all its
/// bytes reached the kernel's socket buffer; a later resend after a broken
/// connection gives no second one) or `DISCARDED` (with the reason), and
/// receipts come in id order: an urgent message written ahead of older ones
/// has its `WRITTEN` after theirs. A message still queued when the client
/// is freed gets none. Messages sent with `mywsclient_send()` get no receipt.
///
/// Returns as `mywsclient_send()`, and `MYWSCLIENT_RESULT_INVALID_ARGUMENT`
/// for an unknown flag; `*id_out` is written only on success. Thread-safe;
/// may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `data` is NULL or points to `len` readable
/// bytes; `id_out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_send_ex(
    c: *mut mywsclient,
    data: *const u8,
    len: usize,
    flags: u32,
    id_out: *mut u64,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: the caller passes NULL or a live handle, and NULL or `len` bytes.
        let (c, data) = unsafe { (obj_arg(c, "client")?, bytes_arg(data, len, "data")?) };
        let known = SEND_BINARY | SEND_URGENT;
        if flags & !known != 0 {
            return Ok(fail(
                mywsclient_result::InvalidArgument,
                format!("unknown send flags {:#x}", flags & !known),
            ));
        }
        let f = SendFlags {
            binary: flags & SEND_BINARY != 0,
            urgent: flags & SEND_URGENT != 0,
        };
        match c.client.send_ex(data, f) {
            Ok(id) => {
                if !id_out.is_null() {
                    // SAFETY: non-NULL and writable per the contract.
                    unsafe { id_out.write_unaligned(id) };
                }
                Ok(mywsclient_result::Ok)
            }
            Err(e) => Ok(fail_with(&e)),
        }
    })
}

/// Sends a ping with `len` bytes of payload at `data` (at most 125; NULL
/// when `len` is 0) on the current connection. When the pong arrives, a
/// `PONG` event gives the round-trip time (`rtt_us`) and the payload; a
/// pong answers the oldest ping with the same payload, and a server may
/// answer only the last of several pings. The heartbeat's pings measure the
/// round-trip time too (in the statistics) but raise no event.
///
/// Returns `MYWSCLIENT_RESULT_INVALID_STATE` when not connected,
/// `..._INVALID_ARGUMENT` for more than 125 bytes. A connection that ends
/// before the pong raises no `PONG` event. Thread-safe; may be called from
/// a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_ping(
    c: *mut mywsclient,
    data: *const u8,
    len: usize,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or `len` bytes.
    unsafe { with_client(c, |c| Ok(c.client.ping(bytes_arg(data, len, "data")?))) }
}

/// Closes the connection with the application's close `code` (1000, or
/// 3000 to 4999) and `reason` (NULL or a NUL-terminated UTF-8 string of at
/// most 123 bytes), then stops — or, with `MYWSCLIENT_CLOSE_RECONNECT` in
/// `flags`, connects again at once, keeping the queue.
///
/// Without `MYWSCLIENT_CLOSE_RECONNECT` it is `mywsclient_stop()` with a
/// close code: what is queued is written first (bounded by the close
/// timeout), or with `MYWSCLIENT_CLOSE_DISCARD` discarded (a `DISCARDED`
/// event per message sent with `mywsclient_send_ex()`, before `STOPPED`).
/// It joins the I/O thread, except from inside a callback (then it returns
/// at once). A client that is not connected just stops.
///
/// With `MYWSCLIENT_CLOSE_RECONNECT` it returns at once: an open connection
/// closes after what is already being written (the rest waits for the next
/// connection), then a new attempt starts without backoff delay; a client
/// that is connecting or waiting to retry starts a new attempt at once.
///
/// Returns `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for a code, reason length or
/// flag that is not allowed (or both flags), `..._INVALID_UTF8` for a reason
/// that is not UTF-8, `..._INVALID_STATE` for
/// `MYWSCLIENT_CLOSE_RECONNECT` or `MYWSCLIENT_CLOSE_DISCARD` on a client
/// that is not running. Thread-safe; may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `reason` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_close(
    c: *mut mywsclient,
    code: u32,
    reason: *const c_char,
    flags: u32,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or a C string.
    unsafe {
        with_client(c, |c| {
            let reason = opt_str_arg(reason, "reason")?;
            let known = CLOSE_RECONNECT | CLOSE_DISCARD;
            let flags = checked_arg((flags & !known == 0).then_some(flags), || {
                format!("unknown close flags {:#x}", flags & !known)
            })?;
            let code = checked_arg(u16::try_from(code).ok(), || {
                format!("close code {code} is not 1000 or 3000-4999")
            })?;
            let opts = CloseOptions {
                reconnect: flags & CLOSE_RECONNECT != 0,
                discard: flags & CLOSE_DISCARD != 0,
            };
            Ok(c.client.close(code, reason.unwrap_or(""), opts))
        })
    }
}

/// Sets what a send does when the queue is full: a
/// `mywsclient_overflow_policy` value (default `REFUSE`). An unknown value
/// gives `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_overflow_policy(
    c: *mut mywsclient,
    policy: u32,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { configure_with(c, |_| enum_arg(policy), |cfg, p| cfg.overflow_policy = p) }
}

/// Queue watermarks, in bytes of queued messages (accepted, not yet
/// written): when the queue grows to `high` or more, a `QUEUE_HIGH` event;
/// when it then falls to `low` or less, a `QUEUE_DRAINED` event; then again.
/// Evaluated on the I/O thread (after sends and writes), so a queue that
/// rises and falls between two looks raises nothing. `high` 0 turns them off
/// (the default); else `low` < `high` is required
/// (`..._INVALID_ARGUMENT`). Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_queue_watermarks(
    c: *mut mywsclient,
    high: usize,
    low: usize,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        configure(c, move |cfg| {
            cfg.queue_high_watermark = high;
            cfg.queue_low_watermark = low;
        })
    }
}

/// With `discard` true, whenever the client stops — `mywsclient_stop()`,
/// `mywsclient_close()` without `MYWSCLIENT_CLOSE_RECONNECT`, reconnecting
/// off or given up — what is still queued is discarded instead of kept for
/// the next start, with a `DISCARDED` event per message sent with
/// `mywsclient_send_ex()` (reason `STOPPED`, or `GAVE_UP` when the client
/// stopped by itself). Default false. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_discard_on_stop(
    c: *mut mywsclient,
    discard: bool,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { configure(c, move |cfg| cfg.discard_on_stop = discard) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::client::{mywsclient_free, mywsclient_new};
    use std::ptr::{null, null_mut};

    type R = mywsclient_result;

    #[test]
    fn null_handles_and_bad_arguments() {
        let n: *mut mywsclient = null_mut();
        let mut id = 0u64;
        // SAFETY: NULL handles and arguments are part of the contract; `c`
        // is live until freed at the end.
        unsafe {
            assert_eq!(
                mywsclient_send_ex(n, null(), 0, 0, &mut id),
                R::NullArgument
            );
            assert_eq!(mywsclient_ping(n, null(), 0), R::NullArgument);
            assert_eq!(mywsclient_close(n, 1000, null(), 0), R::NullArgument);
            assert_eq!(mywsclient_set_overflow_policy(n, 0), R::NullArgument);
            assert_eq!(mywsclient_set_queue_watermarks(n, 0, 0), R::NullArgument);
            assert_eq!(mywsclient_set_discard_on_stop(n, true), R::NullArgument);
            let c = mywsclient_new(c"ws://127.0.0.1:9".as_ptr(), 0, null(), None, null_mut());
            assert!(!c.is_null());
            assert_eq!(
                mywsclient_send_ex(c, b"x".as_ptr(), 1, 4, &mut id),
                R::InvalidArgument
            );
            assert_eq!(id, 0, "written only on success");
            assert_eq!(
                mywsclient_send_ex(c, null(), 1, 0, &mut id),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_send_ex(c, b"x".as_ptr(), 1, 0, null_mut()),
                R::Ok
            );
            assert_eq!(
                mywsclient_send_ex(c, b"y".as_ptr(), 1, SEND_URGENT, &mut id),
                R::Ok
            );
            assert_eq!(id, 2);
            assert_eq!(mywsclient_ping(c, b"p".as_ptr(), 1), R::InvalidState);
            assert_eq!(
                mywsclient_ping(c, [0u8; 126].as_ptr(), 126),
                R::InvalidArgument
            );
            assert_eq!(mywsclient_close(c, 70_000, null(), 0), R::InvalidArgument);
            assert_eq!(mywsclient_close(c, 1001, null(), 0), R::InvalidArgument);
            assert_eq!(mywsclient_close(c, 4000, null(), 8), R::InvalidArgument);
            let bad = [0xc3u8, 0x28, 0];
            assert_eq!(
                mywsclient_close(c, 4000, bad.as_ptr().cast(), 0),
                R::InvalidUtf8
            );
            assert_eq!(
                mywsclient_close(c, 4000, null(), CLOSE_RECONNECT),
                R::InvalidState
            );
            assert_eq!(
                mywsclient_close(c, 4000, null(), CLOSE_DISCARD),
                R::InvalidState
            );
            assert_eq!(mywsclient_close(c, 4000, c"idle".as_ptr(), 0), R::Ok);
            assert_eq!(mywsclient_set_overflow_policy(c, 2), R::InvalidArgument);
            assert_eq!(mywsclient_set_overflow_policy(c, 1), R::Ok);
            assert_eq!(
                mywsclient_set_queue_watermarks(c, 10, 10),
                R::InvalidArgument
            );
            assert_eq!(mywsclient_set_queue_watermarks(c, 10, 5), R::Ok);
            assert_eq!(mywsclient_set_discard_on_stop(c, true), R::Ok);
            mywsclient_free(c);
        }
    }
}
