//! The sized statistics: `mywsclient_stats2` and `mywsclient_get_stats2`.
//!
//! ABI rule: fields are only ever appended, at the end of
//! `mywsclient_stats2`; a caller says how many bytes it has and gets at most
//! that many. To add a counter: append the field below (after the last
//! block, with its doc comment) and fill it in `From<&Stats>` right under
//! the struct; nothing else changes.

use crate::event::Stats;
use crate::ffi::boundary::{entry, fail, obj_arg};
use crate::ffi::client::mywsclient;
use crate::ffi::types::{mywsclient_result, mywsclient_stats};

/// Counters of one client since it was created (`mywsclient_get_stats2()`).
/// Starts with the fields of `mywsclient_stats`, in the same layout; fields
/// are only ever appended (see the README's ABI policy). Zero-initialise it
/// before the call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct mywsclient_stats2 {
    /// Messages written to the socket.
    pub messages_sent: u64,
    /// Payload bytes of the messages written.
    pub bytes_sent: u64,
    /// Messages received and delivered.
    pub messages_received: u64,
    /// Payload bytes of the messages received.
    pub bytes_received: u64,
    /// Connections opened (handshake completed).
    pub connections: u64,
    /// Connections opened after the first one.
    pub reconnects: u64,
    /// Messages accepted by a send and not yet written.
    pub queued_messages: u64,
    /// Bytes of the messages accepted and not yet written.
    pub queued_bytes: u64,
    /// Close code of the last closed connection (1006 when there was no
    /// close frame; 0 before the first close).
    pub last_close_code: u16,
    /// Always 0 (the padding of `mywsclient_stats`, made explicit).
    pub reserved: [u8; 6],
    // ----- 0.2: control frames and receipts -----
    /// The last round-trip time of a ping (the heartbeat's or
    /// `mywsclient_ping()`'s), in microseconds; 0 before the first pong.
    pub rtt_last_us: u64,
    /// The smoothed round-trip time (as TCP's SRTT), in microseconds.
    pub rtt_smoothed_us: u64,
    /// Pongs that measured a round-trip time.
    pub rtt_samples: u64,
    /// Messages dropped without being written (overflow policy, a queue
    /// discarded at stop), with or without an id.
    pub messages_discarded: u64,
    /// `WRITTEN` receipts given (to messages from `mywsclient_send_ex()`).
    pub receipts_written: u64,
    /// `DISCARDED` receipts given.
    pub receipts_discarded: u64,
    /// permessage-deflate: original size of the messages sent compressed.
    pub uncompressed_bytes_sent: u64,
    /// permessage-deflate: their size on the wire.
    pub compressed_bytes_sent: u64,
    /// permessage-deflate: inflated size of the messages received compressed.
    pub uncompressed_bytes_received: u64,
    /// permessage-deflate: their size on the wire.
    pub compressed_bytes_received: u64,
    /// Messages put back in the queue to be written again after a connection
    /// ended before the server was known to have them (delivery modes).
    pub messages_resent: u64,
    // ----- append new fields here -----
}

fn micros(d: Option<std::time::Duration>) -> u64 {
    d.map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

impl From<&Stats> for mywsclient_stats2 {
    fn from(s: &Stats) -> Self {
        mywsclient_stats2 {
            messages_sent: s.messages_sent,
            bytes_sent: s.bytes_sent,
            messages_received: s.messages_received,
            bytes_received: s.bytes_received,
            connections: s.connections,
            reconnects: s.reconnects,
            queued_messages: s.queued_messages,
            queued_bytes: s.queued_bytes,
            last_close_code: s.last_close_code,
            reserved: [0; 6],
            rtt_last_us: micros(s.rtt_last),
            rtt_smoothed_us: micros(s.rtt_smoothed),
            rtt_samples: s.rtt_samples,
            messages_discarded: s.messages_discarded,
            receipts_written: s.receipts_written,
            receipts_discarded: s.receipts_discarded,
            uncompressed_bytes_sent: s.uncompressed_bytes_sent,
            compressed_bytes_sent: s.compressed_bytes_sent,
            uncompressed_bytes_received: s.uncompressed_bytes_received,
            compressed_bytes_received: s.compressed_bytes_received,
            messages_resent: s.messages_resent,
        }
    }
}

/// Copies the client's counters into `*out`, of which the caller says how
/// many bytes it has: pass `sizeof *out` (a program built against an older
/// header passes the older, smaller size). The library writes
/// `min(size, sizeof(its mywsclient_stats2))` bytes and leaves the rest
/// untouched: zero-initialise the struct so that counters an older library
/// does not know read as 0. Fields are only ever appended, so a program
/// built against an older header keeps working with a newer library, and
/// the reverse.
///
/// Returns `MYWSCLIENT_RESULT_NULL_ARGUMENT` when `c` or `out` is NULL and
/// `..._INVALID_ARGUMENT` when `size` is smaller than
/// `sizeof(mywsclient_stats)` (the first layout, which is also the start of
/// this one); `*out` is written only on success. Thread-safe; may be called
/// from a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `out` is NULL or points to `size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_get_stats2(
    c: *const mywsclient,
    out: *mut mywsclient_stats2,
    size: usize,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: the caller passes NULL or a live handle.
        let c = unsafe { obj_arg(c, "client") }?;
        if out.is_null() {
            return Ok(fail(mywsclient_result::NullArgument, "out is NULL"));
        }
        let min = std::mem::size_of::<mywsclient_stats>();
        if size < min {
            return Ok(fail(
                mywsclient_result::InvalidArgument,
                format!("size {size} is smaller than sizeof(mywsclient_stats) ({min})"),
            ));
        }
        let stats = mywsclient_stats2::from(&c.client.stats());
        let n = size.min(std::mem::size_of::<mywsclient_stats2>());
        // SAFETY: `stats` is a live local of at least `n` bytes with no
        // padding (every byte is a field); `out` points to `size` >= `n`
        // writable bytes per the contract; a local cannot overlap it. Byte
        // copy: no alignment assumed.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&stats as *const mywsclient_stats2).cast::<u8>(),
                out.cast::<u8>(),
                n,
            )
        };
        Ok(mywsclient_result::Ok)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn starts_with_the_old_layout_and_has_no_padding() {
        assert_eq!(
            offset_of!(mywsclient_stats2, last_close_code),
            offset_of!(mywsclient_stats, last_close_code)
        );
        assert_eq!(
            offset_of!(mywsclient_stats2, rtt_last_us),
            size_of::<mywsclient_stats>()
        );
        // 19 u64 counters, the u16 close code and its 6 bytes of padding.
        assert_eq!(size_of::<mywsclient_stats2>(), 19 * 8 + 8);
    }
}
