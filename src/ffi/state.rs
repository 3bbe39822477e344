//! Reading a `mywsclient`: its connection state and its counters.

use crate::ffi::boundary::{entry, fail, guard, obj_arg};
use crate::ffi::client::mywsclient;
use crate::ffi::types::{mywsclient_connection_state, mywsclient_result, mywsclient_stats};

/// The client's state, a `MYWSCLIENT_STATE_*` value; `MYWSCLIENT_STATE_IDLE`
/// for NULL. Thread-safe; may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_state(c: *const mywsclient) -> u32 {
    guard(|| {
        // SAFETY: the caller passes NULL or a live handle.
        match unsafe { c.as_ref() } {
            Some(c) => mywsclient_connection_state::from(c.client.state()) as u32,
            None => mywsclient_connection_state::IDLE as u32,
        }
    })
}

/// Copies the client's counters into `*out` (written only on success).
/// `..._NULL_ARGUMENT` when `c` or `out` is NULL. Thread-safe; may be called
/// from a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `out` is NULL or points to writable memory
/// for one `mywsclient_stats`.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_get_stats(
    c: *const mywsclient,
    out: *mut mywsclient_stats,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: the caller passes NULL or a live handle.
        let c = unsafe { obj_arg(c, "client") }?;
        if out.is_null() {
            return Ok(fail(mywsclient_result::NullArgument, "out is NULL"));
        }
        let stats = mywsclient_stats::from(&c.client.stats());
        // SAFETY: non-NULL, and the caller guarantees it is writable (no alignment
        // assumption: write_unaligned).
        unsafe { out.write_unaligned(stats) };
        Ok(mywsclient_result::Ok)
    })
}
