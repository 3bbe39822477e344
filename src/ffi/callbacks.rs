//! The C callback types and the Rust closures (trampolines) that call them
//! from the I/O thread.
//!
//! Every trampoline runs the C call, with the conversions around it, inside
//! [`crate::ffi::boundary::call_user`].
//!
//! No callback after `mywsclient_free()`: the core stops calling the message
//! and event handlers once the handle is dropped from inside a callback
//! (`Client::detach_callbacks`). The log sink lives in the configuration,
//! where that flag does not reach, so it checks `LogGate` itself.

use std::os::raw::{c_char, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::event::Event;
use crate::ffi::boundary::{call_user, to_cstring};
use crate::ffi::delivery::mywsclient_discard_reason;
use crate::ffi::types::{
    mywsclient_close_initiator, mywsclient_error_kind, mywsclient_event, mywsclient_event_type,
    mywsclient_headers, mywsclient_log_level,
};
use crate::log::{LogLevel, LogSink};
use crate::request::HttpResponse;

/// Receives each whole message. Runs on the client's I/O thread, never
/// concurrently with another callback of the same client.
///
/// - `user_data`: the pointer given with the callback, passed through untouched.
/// - `data`, `len`: the payload, borrowed for the duration of the call only
///   (copy it to keep it). Not NUL-terminated; never NULL, also when `len` is 0.
/// - `is_binary`: true for a binary message, false for text (then `data` is
///   valid UTF-8).
///
/// Inside it, every `mywsclient_*` function may be called for this client,
/// including `mywsclient_send*()`, `mywsclient_stop()` (returns at once; the
/// I/O thread ends after the callback returns) and `mywsclient_free()`
/// (deferred: no callback runs after it). The callback must not unwind
/// (C++ exceptions, longjmp) out of itself.
pub type mywsclient_message_cb = Option<
    unsafe extern "C" fn(user_data: *mut c_void, data: *const u8, len: usize, is_binary: bool),
>;

/// Receives each event (see `mywsclient_event`). Same thread and rules as
/// `mywsclient_message_cb`: the I/O thread, serialised with the other
/// callbacks; `event` and its `text` are borrowed for the call only.
pub type mywsclient_event_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const mywsclient_event)>;

/// Receives each log line at or above the configured level: `level` is a
/// `mywsclient_log_level` value, `line` NUL-terminated UTF-8 without a
/// trailing newline, borrowed for the call only. Runs on the I/O thread,
/// serialised with the other callbacks; a warning about discarded messages
/// may also come from the thread that calls `mywsclient_free()`, during that
/// call. Must not unwind.
pub type mywsclient_log_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: u32, line: *const c_char)>;

/// The application's `user_data` pointer, carried to the I/O thread.
#[derive(Clone, Copy)]
pub(crate) struct UserData(*mut c_void);

// SAFETY: the pointer is never dereferenced by the library, only handed back
// to the application's callbacks; the C API documents that callbacks (and so
// their user_data) are used from the client's I/O thread.
unsafe impl Send for UserData {}
// SAFETY: as above; the library never accesses what it points to.
unsafe impl Sync for UserData {}

impl UserData {
    pub fn new(p: *mut c_void) -> UserData {
        UserData(p)
    }

    /// A method (not a field access) so that closures capture the whole,
    /// `Send` wrapper rather than the raw pointer field.
    pub(crate) fn get(self) -> *mut c_void {
        self.0
    }
}

/// A valid pointer for empty payloads (C code may not want a dangling one).
static EMPTY: [u8; 1] = [0];

/// Closed when the handle is freed from inside one of its callbacks: the
/// log sink calls nothing after that (the I/O thread may still log while it
/// winds down alone).
#[derive(Clone, Default)]
pub(crate) struct LogGate(Arc<AtomicBool>);

impl LogGate {
    /// No log line reaches the application after this.
    pub fn close(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn is_open(&self) -> bool {
        !self.0.load(Ordering::SeqCst)
    }
}

/// The message handler for `cb` (a no-op when `cb` is NULL).
pub(crate) fn message_handler(
    cb: mywsclient_message_cb,
    ud: UserData,
) -> impl FnMut(&[u8], bool) + Send + 'static {
    move |data: &[u8], binary: bool| {
        let Some(f) = cb else { return };
        call_user(|| {
            let ptr = if data.is_empty() {
                EMPTY.as_ptr()
            } else {
                data.as_ptr()
            };
            // SAFETY: `f` is the application's callback, called with the
            // documented arguments; `ptr` points to `data.len()` bytes valid
            // for the duration of the call.
            unsafe { f(ud.get(), ptr, data.len(), binary) }
        });
    }
}

/// The event handler for `cb` (a no-op when `cb` is NULL).
pub(crate) fn event_handler(
    cb: mywsclient_event_cb,
    ud: UserData,
) -> impl FnMut(&Event) + Send + 'static {
    move |ev: &Event| {
        let Some(f) = cb else { return };
        call_user(|| {
            let (mut e, text, response) = event_fields(ev);
            let text = to_cstring(text);
            e.text = text.as_ptr();
            let headers = response.map(mywsclient_headers::of);
            if let Some(h) = &headers {
                e.http_headers = h;
            }
            // SAFETY: `f` is the application's callback; `e` and `text` live
            // until after it returns.
            unsafe { f(ud.get(), &e) }
        });
    }
}

/// The log sink for `cb` (None when `cb` is NULL: logging goes to stderr).
pub(crate) fn log_sink(cb: mywsclient_log_cb, ud: UserData, gate: LogGate) -> Option<LogSink> {
    let f = cb?;
    Some(Arc::new(move |level: LogLevel, line: &str| {
        if !gate.is_open() {
            return;
        }
        call_user(|| {
            let line = to_cstring(line);
            // SAFETY: `f` is the application's callback; `line` lives until it returns.
            unsafe {
                f(
                    ud.get(),
                    mywsclient_log_level::from(level) as u32,
                    line.as_ptr(),
                )
            }
        });
    }))
}

/// An event's fixed fields, and its text (which the caller turns into a C
/// string that outlives the callback).
pub fn event_fields(ev: &Event) -> (mywsclient_event, &str, Option<&HttpResponse>) {
    let mut response = None;
    let mut out = mywsclient_event {
        http_status: 0,
        http_headers: std::ptr::null(),
        r#type: 0,
        attempt: 0,
        delay_ms: 0,
        close_code: 0,
        close_initiator: 0,
        error_kind: mywsclient_error_kind::None as u32,
        text: std::ptr::null(),
        message_id: 0,
        discard_reason: 0,
        rtt_us: 0,
        data: std::ptr::null(),
        data_len: 0,
        queued_bytes: 0,
        queued_messages: 0,
    };
    let text: &str = match ev {
        Event::Connecting { attempt } => {
            out.r#type = mywsclient_event_type::Connecting as u32;
            out.attempt = *attempt;
            ""
        }
        Event::Open {
            protocol,
            response: r,
        } => {
            out.r#type = mywsclient_event_type::Open as u32;
            out.http_status = r.status;
            response = Some(&**r);
            protocol.as_deref().unwrap_or("")
        }
        Event::Closed {
            code,
            reason,
            initiator,
        } => {
            out.r#type = mywsclient_event_type::Closed as u32;
            out.close_code = *code;
            out.close_initiator = mywsclient_close_initiator::from(*initiator) as u32;
            reason
        }
        Event::Error {
            kind,
            message,
            response: r,
        } => {
            out.r#type = mywsclient_event_type::Error as u32;
            if let Some(r) = r {
                out.http_status = r.status;
                response = Some(&**r);
            }
            out.error_kind = mywsclient_error_kind::from(*kind) as u32;
            message
        }
        Event::ReconnectScheduled { attempt, delay } => {
            out.r#type = mywsclient_event_type::ReconnectScheduled as u32;
            out.attempt = *attempt;
            out.delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            ""
        }
        Event::Stopped => {
            out.r#type = mywsclient_event_type::Stopped as u32;
            ""
        }
        Event::Pong { rtt, payload } => {
            out.r#type = mywsclient_event_type::Pong as u32;
            out.rtt_us = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
            if !payload.is_empty() {
                out.data = payload.as_ptr();
                out.data_len = payload.len();
            }
            ""
        }
        Event::Written { id } => {
            out.r#type = mywsclient_event_type::Written as u32;
            out.message_id = *id;
            ""
        }
        Event::Discarded { id, reason } => {
            out.r#type = mywsclient_event_type::Discarded as u32;
            out.message_id = *id;
            out.discard_reason = mywsclient_discard_reason::from(*reason) as u32;
            ""
        }
        Event::QueueHigh {
            queued_bytes,
            queued_messages,
        }
        | Event::QueueDrained {
            queued_bytes,
            queued_messages,
        } => {
            out.r#type = if matches!(ev, Event::QueueHigh { .. }) {
                mywsclient_event_type::QueueHigh
            } else {
                mywsclient_event_type::QueueDrained
            } as u32;
            out.queued_bytes = *queued_bytes;
            out.queued_messages = *queued_messages;
            ""
        }
    };
    (out, text, response)
}
