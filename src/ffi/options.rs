//! How a `mywsclient` behaves once running: delivery mode, reconnect and
//! backoff, shared I/O threads, heartbeat, timeouts, queue and message size
//! limits. Setters, only before start or after stop.

use std::time::Duration;

use crate::ffi::boundary::enum_arg;
use crate::ffi::client::{configure, configure_with, mywsclient};
use crate::ffi::types::mywsclient_result;

fn ms(v: u32) -> Duration {
    Duration::from_millis(u64::from(v))
}

/// What the client writes again when a connection ends abnormally
/// (heartbeat timeout, reset, end of stream without a close frame, write
/// error): a `mywsclient_delivery` value, default
/// `MYWSCLIENT_DELIVERY_RESEND_UNACKNOWLEDGED` (messages the server's TCP
/// did not acknowledge); `..._AT_MOST_ONCE` is 0.1's behaviour,
/// `..._AT_LEAST_ONCE` also resends what was written after the last frame
/// received. An unknown value gives `MYWSCLIENT_RESULT_INVALID_ARGUMENT`.
/// Only before start or after stop, else `..._INVALID_STATE`. Callable from
/// any thread, not from a callback of this client while it runs.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_delivery(
    c: *mut mywsclient,
    mode: u32,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { configure_with(c, |_| enum_arg(mode), |cfg, mode| cfg.delivery = mode) }
}

/// Reconnect policy: `enabled` (default true) reconnects after every failure;
/// when false the client stops after its first connection ends or its first
/// attempt fails. `max_attempts`: give up after this many consecutive failed
/// attempts (an `ERROR` event of kind `GAVE_UP`, then `STOPPED`); 0 (the
/// default) = never. Only before start or after stop, else `..._INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_reconnect(
    c: *mut mywsclient,
    enabled: bool,
    max_attempts: u32,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        configure(c, move |cfg| {
            cfg.reconnect = enabled;
            cfg.max_reconnect_attempts = max_attempts;
        })
    }
}

/// Reconnect backoff: the first delay `initial_ms` (default 100, > 0), the
/// largest `max_ms` (default 5000, >= initial), growing by `factor` per
/// failed attempt (default 2.0, 1 to 100), each delay drawn from
/// `[d * (1 - jitter), d]` (`jitter` default 0.5, 0 to 1). Out of range:
/// `..._INVALID_ARGUMENT`. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_backoff(
    c: *mut mywsclient,
    initial_ms: u32,
    max_ms: u32,
    factor: f64,
    jitter: f64,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        configure(c, move |cfg| {
            cfg.backoff_initial = ms(initial_ms);
            cfg.backoff_max = ms(max_ms);
            cfg.backoff_factor = factor;
            cfg.backoff_jitter = jitter;
        })
    }
}

/// A connection that stayed open for `after_ms` milliseconds (default 1000) resets
/// the backoff to its initial delay. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_backoff_reset(
    c: *mut mywsclient,
    after_ms: u32,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, move |cfg| cfg.backoff_reset_after = ms(after_ms)) }
}

/// Runs the client on the process's shared I/O threads (`shared` true)
/// instead of an I/O thread of its own (the default). A shared thread serves
/// many clients with epoll and costs one file descriptor per client (its
/// socket) instead of two and no thread per client: for thousands of clients
/// in one process. The number of shared threads is the number of CPUs, or
/// the environment variable `MYWSCLIENT_IO_THREADS`. Callbacks of clients on
/// one shared thread run one after another on it, so a callback that blocks
/// delays the other clients of that thread. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_shared_io(
    c: *mut mywsclient,
    shared: bool,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, move |cfg| cfg.shared_io = shared) }
}

/// Half-open detection: when nothing has arrived for `interval_ms` (default
/// 3000; 0 = off) a ping is sent, and when still nothing has arrived
/// `timeout_ms` later (default 3000, > 0 when on) the connection is declared
/// dead and replaced. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_heartbeat(
    c: *mut mywsclient,
    interval_ms: u32,
    timeout_ms: u32,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        configure(c, move |cfg| {
            cfg.heartbeat_interval = ms(interval_ms);
            cfg.heartbeat_timeout = ms(timeout_ms);
        })
    }
}

/// Timeouts: TCP connect (`connect_ms`, default 10000, > 0), TLS + WebSocket
/// handshake (`handshake_ms`, default 10000, > 0), and how long a stop waits
/// for the server's close reply (`close_ms`, default 1000; 0 = no wait).
/// Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_timeouts(
    c: *mut mywsclient,
    connect_ms: u32,
    handshake_ms: u32,
    close_ms: u32,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        configure(c, move |cfg| {
            cfg.connect_timeout = ms(connect_ms);
            cfg.handshake_timeout = ms(handshake_ms);
            cfg.close_timeout = ms(close_ms);
        })
    }
}

/// Send queue limits: `max_bytes` (default 64 MiB, > 0) and `max_messages`
/// (default 0 = no limit). A send over a limit is refused with
/// `..._QUEUE_FULL`. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_queue_limits(
    c: *mut mywsclient,
    max_bytes: usize,
    max_messages: usize,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        configure(c, move |cfg| {
            cfg.max_queue_bytes = max_bytes;
            cfg.max_queue_messages = max_messages;
        })
    }
}

/// The largest message, sent or received (default 64 MiB, > 0). A larger
/// send is refused with `..._MESSAGE_TOO_LARGE`; a larger incoming message
/// ends the connection (an `ERROR` event of kind `MESSAGE_TOO_LARGE`). Only
/// before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_max_message_size(
    c: *mut mywsclient,
    max_bytes: usize,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, move |cfg| cfg.max_message_size = max_bytes) }
}
