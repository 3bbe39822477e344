//! The C object `mywsclient`: a [`Client`] behind an opaque pointer, and
//! every entry point that takes one.

use std::os::raw::{c_char, c_void};
use std::path::PathBuf;
use std::time::Duration;

use crate::client::Client;
use crate::config::{Config, TlsOptions};
use crate::ffi::boundary::{
    bytes_arg, core_arg, entry, enum_arg, fail, fail_with, guard, obj_arg, opt_str_arg, result_of,
    str_arg, ArgError,
};
use crate::ffi::callbacks::{
    event_handler, log_sink, message_handler, mywsclient_event_cb, mywsclient_log_cb,
    mywsclient_message_cb, LogGate, UserData,
};
use crate::ffi::request::{connect_hook, mywsclient_connect_cb};
use crate::ffi::types::{mywsclient_connection_state, mywsclient_result, mywsclient_stats};
use crate::tls;

/// A WebSocket client (opaque). Created by `mywsclient_new()`, released by
/// `mywsclient_free()`. Every function may be called on it from any thread,
/// concurrently, except `mywsclient_free()`, which must be the last call.
pub struct mywsclient {
    pub(crate) client: Client,
    /// Closed when the handle is freed from inside one of its callbacks (the
    /// core then detaches the message and event handlers by itself).
    log_gate: LogGate,
}

/// The one shape of a call on a handle: checks `c`, then `f` converts the
/// other arguments (failing with their code) and calls the core, whose
/// error becomes the result code.
///
/// # Safety
/// `c` is NULL or a live handle.
pub(crate) unsafe fn with_client(
    c: *const mywsclient,
    f: impl FnOnce(&mywsclient) -> Result<crate::error::Result<()>, ArgError>,
) -> mywsclient_result {
    entry(|| {
        // SAFETY: forwarded from the caller.
        let c = unsafe { obj_arg(c, "client") }?;
        Ok(result_of(f(c)?))
    })
}

/// The one shape of an option setter: checks `c`, then `args` converts and
/// checks the other arguments (failing with their code), and `set` writes
/// them into the configuration, which changes only before start or after
/// stop and only when the result is valid.
///
/// # Safety
/// `c` is NULL or a live handle.
pub(crate) unsafe fn configure_with<T>(
    c: *mut mywsclient,
    args: impl FnOnce(&mywsclient) -> Result<T, ArgError>,
    set: impl FnOnce(&mut Config, T),
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        with_client(c, |c| {
            let v = args(c)?;
            Ok(c.client.configure(|cfg| set(cfg, v)))
        })
    }
}

/// An option setter whose arguments need no check of their own.
///
/// # Safety
/// `c` is NULL or a live handle.
pub(crate) unsafe fn configure(
    c: *mut mywsclient,
    f: impl FnOnce(&mut Config),
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure_with(c, |_| Ok(()), |cfg, ()| f(cfg)) }
}

fn ms(v: u32) -> Duration {
    Duration::from_millis(u64::from(v))
}

/// Creates a client for `url` (a bare host such as `example.com`,
/// `127.0.0.1` or `[::1]`, which means `wss://`, or a full `ws://` /
/// `wss://` URL), `port` (> 0 overrides the URL's port, 0 keeps it or the
/// scheme's default) and `path` (non-empty overrides the URL's path and
/// query; NULL means ""). `on_message` (may be NULL) receives each message
/// with `user_data`. Nothing connects until `mywsclient_start()`.
///
/// Returns the new client, owned by the caller, to be released with
/// `mywsclient_free()`; or NULL on error (`mywsclient_last_error()` says
/// why: NULL or non-UTF-8 `url`, an invalid URL, port or path, or no file
/// descriptor available). The strings are borrowed for the call only.
/// Thread-safe; may be called from a callback.
///
/// # Safety
/// `url` and `path` are NULL or NUL-terminated strings; `on_message` is NULL
/// or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_new(
    url: *const c_char,
    port: i32,
    path: *const c_char,
    on_message: mywsclient_message_cb,
    user_data: *mut c_void,
) -> *mut mywsclient {
    guard(|| {
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        let (url, path) = match unsafe { (str_arg(url, "url"), opt_str_arg(path, "path")) } {
            (Ok(u), Ok(p)) => (u, p.unwrap_or("")),
            _ => return std::ptr::null_mut(),
        };
        let client = match Client::new(url, port, path) {
            Ok(c) => c,
            Err(e) => {
                fail_with(&e);
                return std::ptr::null_mut();
            }
        };
        if on_message.is_some() {
            let h = message_handler(on_message, UserData::new(user_data));
            if let Err(e) = client.set_message_handler(h) {
                fail_with(&e);
                return std::ptr::null_mut();
            }
        }
        Box::into_raw(Box::new(mywsclient {
            client,
            log_gate: LogGate::default(),
        }))
    })
}

/// Starts the client's I/O thread, which connects, reconnects and delivers
/// callbacks; returns at once. Idempotent while running; after
/// `mywsclient_stop()` it starts again, sending what is still queued.
///
/// Returns `MYWSCLIENT_RESULT_IO` when no thread can be created, and
/// `MYWSCLIENT_RESULT_INVALID_STATE` for a restart (after stop) requested
/// from inside one of this client's callbacks. Thread-safe.
///
/// # Safety
/// `c` is NULL or a handle from `mywsclient_new()` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_start(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { with_client(c, |c| Ok(c.client.start())) }
}

/// Stops the client: a connected client sends a close frame and waits for
/// the reply (bounded by the close timeout, 1 s by default); a client that is
/// connecting or waiting to retry stops at once. Idempotent; a client that
/// was never started stays idle.
///
/// Joins the I/O thread, so that no callback runs after it returns — except
/// when called from inside one of this client's callbacks: then it returns
/// at once, and the thread ends after the callback returns (the last
/// callback being the `STOPPED` event). Messages not yet written stay queued
/// for the next `mywsclient_start()`. Thread-safe.
///
/// # Safety
/// `c` is NULL or a handle from `mywsclient_new()` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_stop(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { with_client(c, |c| Ok(c.client.stop())) }
}

/// Queues a text message: `len` bytes at `data`, which must be valid UTF-8
/// (not NUL-terminated; NUL bytes are sent as they are). NULL `data` is
/// accepted when `len` is 0 (an empty message). Sends before the first
/// connection and during reconnects are queued and written in order, each
/// once, on the next connection.
///
/// Returns `MYWSCLIENT_RESULT_OK` when the message was accepted (copied:
/// `data` may be reused at once), `..._INVALID_UTF8`, `..._MESSAGE_TOO_LARGE`
/// (over the maximum message size) or `..._QUEUE_FULL` (over a queue limit)
/// when it was not. Thread-safe; may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_send(
    c: *mut mywsclient,
    data: *const c_char,
    len: usize,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or `len` bytes.
    unsafe {
        with_client(c, |c| {
            Ok(c.client.send_text(bytes_arg(data.cast(), len, "data")?))
        })
    }
}

/// Queues a binary message of `len` bytes at `data` (NULL is accepted when
/// `len` is 0). Results and rules as for `mywsclient_send()`, without the
/// UTF-8 check. Thread-safe; may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_send_binary(
    c: *mut mywsclient,
    data: *const u8,
    len: usize,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or `len` bytes.
    unsafe {
        with_client(c, |c| {
            Ok(c.client.send_binary(bytes_arg(data, len, "data")?))
        })
    }
}

/// Stops the client (as `mywsclient_stop()`) and releases it. NULL is a
/// no-op. The handle must not be used afterwards, by any thread: this must
/// be the last call on it, with no other call on it in progress.
///
/// From another thread: joins the I/O thread; no callback runs after it
/// returns, and `user_data` may then be released. From inside one of this
/// client's own callbacks: deferred and safe — it returns at once, no
/// further callback of this client runs (not even `STOPPED`), and the I/O
/// thread closes the connection and ends by itself after the callback
/// returns. Messages still queued are discarded (logged as a warning).
///
/// # Safety
/// `c` is NULL or a handle from `mywsclient_new()` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_free(c: *mut mywsclient) {
    guard(|| {
        if c.is_null() {
            return;
        }
        // SAFETY: a handle from `mywsclient_new()` (Box::into_raw), freed once.
        let b = unsafe { Box::from_raw(c) };
        if b.client.in_callback() {
            b.log_gate.close();
        }
        // Dropping the client stops it: it joins the I/O thread, or, on that
        // thread, detaches the message and event handlers and lets the
        // thread finish alone.
        drop(b);
    })
}

/// Sets the message callback (NULL: messages are dropped) and its
/// `user_data`, replacing the one given to `mywsclient_new()`. Only before
/// `mywsclient_start()` or after `mywsclient_stop()`, else
/// `MYWSCLIENT_RESULT_INVALID_STATE` (so also from inside a callback).
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_message_callback(
    c: *mut mywsclient,
    cb: mywsclient_message_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        with_client(c, |c| {
            let h = message_handler(cb, UserData::new(user_data));
            Ok(c.client.set_message_handler(h))
        })
    }
}

/// Sets the event callback (NULL: none) and its `user_data`: connecting,
/// open, closed (code, initiator, reason), error (kind, message), reconnect
/// scheduled (attempt, delay) and stopped. Only before `mywsclient_start()`
/// or after `mywsclient_stop()`, else `MYWSCLIENT_RESULT_INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_event_callback(
    c: *mut mywsclient,
    cb: mywsclient_event_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        with_client(c, |c| {
            let h = event_handler(cb, UserData::new(user_data));
            Ok(c.client.set_event_handler(h))
        })
    }
}

/// Sets the log callback (NULL: log lines go to stderr, the default) and its
/// `user_data`. Only before start or after stop, else `..._INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_log_callback(
    c: *mut mywsclient,
    cb: mywsclient_log_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        configure_with(
            c,
            |c| Ok(log_sink(cb, UserData::new(user_data), c.log_gate.clone())),
            |cfg, sink| cfg.log_sink = sink,
        )
    }
}

/// Sets the log level, a `mywsclient_log_level` value (default: the
/// environment variable `MYWSCLIENT_LOG` = off|error|warn|info|debug, else
/// warn). An unknown value gives `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only
/// before start or after stop, else `..._INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_log_level(
    c: *mut mywsclient,
    level: u32,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { configure_with(c, |_| enum_arg(level), |cfg, level| cfg.log_level = level) }
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

/// Trusts the CA certificates of the PEM file at `pem_path`, in addition to
/// the system's roots (see `mywsclient_set_system_roots()`); NULL clears it.
/// The file is read now to check it: `..._CONFIG` when it cannot be read or
/// holds no certificate; it is read again at each start. Only before start
/// or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `pem_path` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_ca_file(
    c: *mut mywsclient,
    pem_path: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| {
                let ca_file = opt_str_arg(pem_path, "pem_path")?.map(PathBuf::from);
                core_arg(tls::check_files(&TlsOptions {
                    ca_file: ca_file.clone(),
                    ..TlsOptions::default()
                }))?;
                Ok(ca_file)
            },
            |cfg, ca_file| cfg.tls.ca_file = ca_file,
        )
    }
}

/// Whether to trust the system's root certificates (default true). With
/// false, only the CA file of `mywsclient_set_ca_file()` is trusted. Only
/// before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_system_roots(
    c: *mut mywsclient,
    use_system_roots: bool,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, move |cfg| cfg.tls.no_system_roots = !use_system_roots) }
}

/// A client certificate chain and its private key (PEM files) for mutual
/// TLS; both NULL clear them, one NULL is `..._NULL_ARGUMENT`. The files are
/// read now to check them (`..._CONFIG` when unusable) and again at each
/// start. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; the paths are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_client_cert(
    c: *mut mywsclient,
    cert_pem_path: *const c_char,
    key_pem_path: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| {
                let cert = opt_str_arg(cert_pem_path, "cert_pem_path")?.map(PathBuf::from);
                let key = opt_str_arg(key_pem_path, "key_pem_path")?.map(PathBuf::from);
                if cert.is_some() != key.is_some() {
                    return Err(ArgError(fail(
                        mywsclient_result::NullArgument,
                        "a client certificate needs both a certificate file and a key file",
                    )));
                }
                let files = TlsOptions {
                    client_cert_file: cert,
                    client_key_file: key,
                    ..TlsOptions::default()
                };
                core_arg(tls::check_files(&files))?;
                Ok(files)
            },
            |cfg, files| {
                cfg.tls.client_cert_file = files.client_cert_file;
                cfg.tls.client_key_file = files.client_key_file;
            },
        )
    }
}

/// DANGEROUS: with `disable` true, any server certificate is accepted, as
/// the original libwebsockets class did (a warning is logged at each start).
/// Prefer `mywsclient_set_ca_file()`. The environment variable
/// `MYWSCLIENT_TLS_INSECURE=1` has the same effect. Only before start or
/// after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_dangerous_disable_tls_verification(
    c: *mut mywsclient,
    disable: bool,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe {
        configure(c, move |cfg| {
            cfg.tls.dangerous_disable_verification = disable
        })
    }
}

/// Adds an HTTP header to the upgrade request. `name` must be a token and
/// not one the client sets itself (Host, Upgrade, Connection, Sec-WebSocket-*,
/// ...); `value` must hold no control character: else `..._INVALID_ARGUMENT`.
/// Strings are copied. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `name` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_add_header(
    c: *mut mywsclient,
    name: *const c_char,
    value: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| Ok((str_arg(name, "name")?, str_arg(value, "value")?)),
            |cfg, (name, value)| cfg.headers.push((name.into(), value.into())),
        )
    }
}

/// Removes every header added by `mywsclient_add_header()`. Only before
/// start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_clear_headers(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, |cfg| cfg.headers.clear()) }
}

/// Requests a subprotocol (`Sec-WebSocket-Protocol`); call once per
/// protocol, in order of preference. `protocol` must be a token, else
/// `..._INVALID_ARGUMENT`. A server that selects none is accepted; one that
/// selects another is refused. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle; `protocol` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_add_subprotocol(
    c: *mut mywsclient,
    protocol: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        configure_with(
            c,
            |_| str_arg(protocol, "protocol"),
            |cfg, p| cfg.subprotocols.push(p.into()),
        )
    }
}

/// Removes every subprotocol added by `mywsclient_add_subprotocol()`. Only
/// before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_clear_subprotocols(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, |cfg| cfg.subprotocols.clear()) }
}

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

// ----- long-lived sessions (issue 11, connect side) -----

/// Sets the connect callback (NULL: none) and its `user_data`: called on
/// the I/O thread before each connection attempt with the attempt's
/// `mywsclient_request`, which it may change for this attempt (see
/// `mywsclient_connect_cb`). Only before `mywsclient_start()` or after
/// `mywsclient_stop()`, else `MYWSCLIENT_RESULT_INVALID_STATE`.
///
/// # Safety
/// `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_connect_callback(
    c: *mut mywsclient,
    cb: mywsclient_connect_cb,
    user_data: *mut c_void,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        with_client(c, |c| {
            let h = connect_hook(cb, UserData::new(user_data));
            Ok(c.client.set_connect_hook(h))
        })
    }
}

/// Connects to `url` from the next attempt on: a `ws://` or `wss://` URL or
/// a bare host (meaning `wss://`), as `mywsclient_new()` takes it with port
/// 0 and no path. `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for an invalid URL
/// (nothing changes). Thread-safe; may be called at any time, also from a
/// callback; `mywsclient_reconnect()` moves at once. The string is borrowed
/// for the call only.
///
/// # Safety
/// `c` is NULL or a live handle; `url` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_url(
    c: *mut mywsclient,
    url: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe { with_client(c, |c| Ok(c.client.set_url(str_arg(url, "url")?))) }
}

/// Sets the extra header `name` to `value` from the next attempt on,
/// replacing every header of that name (case-insensitive; also one added
/// with `mywsclient_add_header()`). `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for
/// a name that is not a token, a header the client sets itself (Host,
/// Upgrade, Connection, Sec-WebSocket-*) or a value with control characters.
/// Thread-safe; may be called at any time, also from a callback. The strings
/// are borrowed for the call only.
///
/// # Safety
/// `c` is NULL or a live handle; `name` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_header(
    c: *mut mywsclient,
    name: *const c_char,
    value: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe {
        with_client(c, |c| {
            let (name, value) = (str_arg(name, "name")?, str_arg(value, "value")?);
            Ok(c.client.set_header(name, value))
        })
    }
}

/// Removes the extra header `name` (every header of that name,
/// case-insensitive) from the next attempt on; removing a header that is not
/// there is not an error. Thread-safe; may be called at any time, also from
/// a callback. The string is borrowed for the call only.
///
/// # Safety
/// `c` is NULL or a live handle; `name` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_remove_header(
    c: *mut mywsclient,
    name: *const c_char,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle, and NULL or NUL-terminated strings.
    unsafe { with_client(c, |c| Ok(c.client.remove_header(str_arg(name, "name")?))) }
}

/// Closes the current connection with 1000 (bounded by the close timeout)
/// and connects again at once, without a backoff delay; a client that is
/// connecting or waiting to retry starts a new attempt at once. Messages
/// already handed to the old connection are written before its close frame;
/// the rest stay queued, in order, for the new connection. Returns at once; the events follow (`CLOSED` 1000 by
/// the client, `CONNECTING`, ...). `MYWSCLIENT_RESULT_INVALID_STATE` when the
/// client is not running. Thread-safe; may be called from a callback.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_reconnect(c: *mut mywsclient) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe { with_client(c, |c| Ok(c.client.reconnect())) }
}

/// What a 4xx answer to the upgrade does: a `mywsclient_http_error_policy`
/// value, `MYWSCLIENT_HTTP_ERROR_POLICY_RETRY` (the default: report, retry
/// with backoff) or `..._STOP` (report, then stop). An unknown value gives
/// `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only before start or after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_http_error_policy(
    c: *mut mywsclient,
    policy: u32,
) -> mywsclient_result {
    // SAFETY: the caller passes NULL or a live handle.
    unsafe {
        configure_with(
            c,
            |_| enum_arg(policy),
            |cfg, policy| cfg.http_error_policy = policy,
        )
    }
}

/// Follows up to `max_redirects` redirects (301, 302, 303, 307, 308 with a
/// `Location`, absolute or relative) within one attempt; 0 (the default)
/// follows none (the `ERROR` event then carries the status and the
/// `Location` header). At most 20, else `MYWSCLIENT_RESULT_INVALID_ARGUMENT`.
/// A loop or a longer chain ends the attempt with an `ERROR` that shows the
/// chain; a redirect from `wss://` to `ws://` is refused; `Authorization`
/// and `Cookie` headers are not sent to another scheme, host or port. Each
/// new attempt starts from the client's URL again. Only before start or
/// after stop.
///
/// # Safety
/// `c` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn mywsclient_set_follow_redirects(
    c: *mut mywsclient,
    max_redirects: u32,
) -> mywsclient_result {
    // SAFETY: forwarded from the caller.
    unsafe { configure(c, move |cfg| cfg.max_redirects = max_redirects) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::errors::mywsclient_last_error;
    use std::ffi::CStr;
    use std::ptr::{null, null_mut};

    type R = mywsclient_result;

    fn last_error() -> String {
        // SAFETY: valid until the next failing call on this thread.
        unsafe { CStr::from_ptr(mywsclient_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    fn new_client(url: &CStr) -> *mut mywsclient {
        // SAFETY: a valid C string, no callback.
        let c = unsafe { mywsclient_new(url.as_ptr(), 0, null(), None, null_mut()) };
        assert!(!c.is_null(), "{}", last_error());
        c
    }

    #[test]
    fn null_handle_everywhere() {
        let n: *mut mywsclient = null_mut();
        // SAFETY: NULL handles and arguments are part of the contract.
        unsafe {
            assert_eq!(mywsclient_start(n), R::NullArgument);
            assert!(last_error().contains("client is NULL"));
            assert_eq!(mywsclient_stop(n), R::NullArgument);
            assert_eq!(mywsclient_send(n, c"x".as_ptr(), 1), R::NullArgument);
            assert_eq!(mywsclient_send_binary(n, b"x".as_ptr(), 1), R::NullArgument);
            assert_eq!(
                mywsclient_set_message_callback(n, None, null_mut()),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_set_event_callback(n, None, null_mut()),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_set_log_callback(n, None, null_mut()),
                R::NullArgument
            );
            assert_eq!(mywsclient_set_log_level(n, 99), R::NullArgument);
            assert_eq!(mywsclient_set_reconnect(n, true, 0), R::NullArgument);
            assert_eq!(mywsclient_set_backoff(n, 1, 2, 2.0, 0.5), R::NullArgument);
            assert_eq!(mywsclient_set_backoff_reset(n, 1), R::NullArgument);
            assert_eq!(mywsclient_set_heartbeat(n, 1, 1), R::NullArgument);
            assert_eq!(mywsclient_set_timeouts(n, 1, 1, 1), R::NullArgument);
            assert_eq!(mywsclient_set_queue_limits(n, 1, 1), R::NullArgument);
            assert_eq!(mywsclient_set_max_message_size(n, 1), R::NullArgument);
            assert_eq!(mywsclient_set_ca_file(n, null()), R::NullArgument);
            assert_eq!(mywsclient_set_system_roots(n, true), R::NullArgument);
            assert_eq!(
                mywsclient_set_client_cert(n, null(), null()),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_set_dangerous_disable_tls_verification(n, true),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_add_header(n, c"X-A".as_ptr(), c"b".as_ptr()),
                R::NullArgument
            );
            assert_eq!(mywsclient_clear_headers(n), R::NullArgument);
            assert_eq!(
                mywsclient_add_subprotocol(n, c"ws".as_ptr()),
                R::NullArgument
            );
            assert_eq!(mywsclient_clear_subprotocols(n), R::NullArgument);
            assert_eq!(mywsclient_state(n), 0);
            let mut st = mywsclient_stats::default();
            assert_eq!(mywsclient_get_stats(n, &mut st), R::NullArgument);
            mywsclient_free(n);
        }
    }

    #[test]
    fn bad_constructor_arguments_give_null_and_a_reason() {
        // SAFETY: NULL or valid C strings.
        unsafe {
            assert!(mywsclient_new(null(), 0, null(), None, null_mut()).is_null());
            assert_eq!(last_error(), "url is NULL");
            let bad = [b'w', b's', 0xff, 0];
            assert!(mywsclient_new(bad.as_ptr().cast(), 0, null(), None, null_mut()).is_null());
            assert!(
                last_error().contains("url is not valid UTF-8"),
                "{}",
                last_error()
            );
            assert!(mywsclient_new(c"http://h".as_ptr(), 0, null(), None, null_mut()).is_null());
            assert!(last_error().contains("scheme"), "{}", last_error());
            assert!(mywsclient_new(c"h".as_ptr(), 70000, null(), None, null_mut()).is_null());
            assert!(last_error().contains("out of range"), "{}", last_error());
            assert!(mywsclient_new(c"h".as_ptr(), -1, null(), None, null_mut()).is_null());
            assert!(mywsclient_new(c"h".as_ptr(), 0, c"/a b".as_ptr(), None, null_mut()).is_null());
            assert!(
                mywsclient_new(c"h".as_ptr(), 0, bad.as_ptr().cast(), None, null_mut()).is_null()
            );
            assert!(
                last_error().contains("path is not valid UTF-8"),
                "{}",
                last_error()
            );
        }
    }

    #[test]
    fn arguments_and_enums_are_checked() {
        let c = new_client(c"ws://127.0.0.1:9");
        // SAFETY: `c` is live until freed at the end; other pointers are NULL or valid.
        unsafe {
            assert_eq!(mywsclient_set_log_level(c, 5), R::InvalidArgument);
            assert!(last_error().contains("log level 5"));
            assert_eq!(mywsclient_set_log_level(c, u32::MAX), R::InvalidArgument);
            assert_eq!(mywsclient_set_log_level(c, 4), R::Ok);
            assert_eq!(mywsclient_set_log_level(c, 0), R::Ok);
            assert_eq!(mywsclient_set_delivery(c, 3), R::InvalidArgument);
            assert!(last_error().contains("delivery mode 3"));
            assert_eq!(
                mywsclient_set_delivery(std::ptr::null_mut(), 1),
                R::NullArgument
            );
            for mode in 0..=2 {
                assert_eq!(mywsclient_set_delivery(c, mode), R::Ok);
            }
            assert_eq!(
                mywsclient_set_backoff(c, 0, 10, 2.0, 0.5),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_set_backoff(c, 10, 5, 2.0, 0.5),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_set_backoff(c, 10, 50, f64::NAN, 0.5),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_set_backoff(c, 10, 50, 2.0, 1.5),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_set_backoff(c, 10, 50, 2.0, f64::NAN),
                R::InvalidArgument
            );
            assert_eq!(mywsclient_set_backoff(c, 10, 50, 1.5, 0.0), R::Ok);
            assert_eq!(mywsclient_set_heartbeat(c, 1000, 0), R::InvalidArgument);
            assert_eq!(mywsclient_set_heartbeat(c, 0, 0), R::Ok);
            assert_eq!(mywsclient_set_timeouts(c, 0, 10, 10), R::InvalidArgument);
            assert_eq!(mywsclient_set_timeouts(c, 10, 10, 0), R::Ok);
            assert_eq!(mywsclient_set_queue_limits(c, 0, 0), R::InvalidArgument);
            assert_eq!(mywsclient_set_max_message_size(c, 0), R::InvalidArgument);
            assert_eq!(
                mywsclient_add_header(c, null(), c"v".as_ptr()),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_add_header(c, c"X-A".as_ptr(), null()),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_add_header(c, c"Host".as_ptr(), c"v".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_add_header(c, c"X A".as_ptr(), c"v".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_add_header(c, c"X-A".as_ptr(), c"a\r\nb".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_add_header(c, c"X-A".as_ptr(), c"b".as_ptr()),
                R::Ok
            );
            assert_eq!(mywsclient_clear_headers(c), R::Ok);
            assert_eq!(mywsclient_add_subprotocol(c, null()), R::NullArgument);
            assert_eq!(
                mywsclient_add_subprotocol(c, c"a b".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(
                mywsclient_add_subprotocol(c, c"".as_ptr()),
                R::InvalidArgument
            );
            assert_eq!(mywsclient_add_subprotocol(c, c"ws".as_ptr()), R::Ok);
            assert_eq!(mywsclient_clear_subprotocols(c), R::Ok);
            assert_eq!(
                mywsclient_set_ca_file(c, c"/nonexistent/ca.pem".as_ptr()),
                R::Config
            );
            assert!(
                last_error().contains("/nonexistent/ca.pem"),
                "{}",
                last_error()
            );
            assert_eq!(mywsclient_set_ca_file(c, c"Cargo.toml".as_ptr()), R::Config);
            assert_eq!(mywsclient_set_ca_file(c, null()), R::Ok);
            assert_eq!(
                mywsclient_set_client_cert(c, c"a".as_ptr(), null()),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_set_client_cert(c, null(), c"b".as_ptr()),
                R::NullArgument
            );
            assert_eq!(
                mywsclient_set_client_cert(
                    c,
                    c"/nonexistent/c.pem".as_ptr(),
                    c"/nonexistent/k.pem".as_ptr()
                ),
                R::Config
            );
            assert_eq!(mywsclient_set_client_cert(c, null(), null()), R::Ok);
            assert_eq!(mywsclient_set_system_roots(c, false), R::Ok);
            assert_eq!(
                mywsclient_set_dangerous_disable_tls_verification(c, false),
                R::Ok
            );
            assert_eq!(mywsclient_set_backoff_reset(c, 10), R::Ok);
            assert_eq!(mywsclient_set_reconnect(c, false, 3), R::Ok);

            assert_eq!(mywsclient_send(c, null(), 1), R::NullArgument);
            assert_eq!(mywsclient_send(c, null(), 0), R::Ok);
            assert_eq!(mywsclient_send_binary(c, null(), 0), R::Ok);
            let bad = [0xc3u8, 0x28];
            assert_eq!(
                mywsclient_send(c, bad.as_ptr().cast(), bad.len()),
                R::InvalidUtf8
            );
            assert_eq!(mywsclient_send_binary(c, bad.as_ptr(), bad.len()), R::Ok);
            assert_eq!(mywsclient_set_max_message_size(c, 4), R::Ok);
            assert_eq!(mywsclient_send(c, c"hello".as_ptr(), 5), R::MessageTooLarge);
            assert_eq!(mywsclient_send(c, c"hell".as_ptr(), 4), R::Ok);
            assert_eq!(mywsclient_set_queue_limits(c, 1 << 20, 5), R::Ok);
            assert_eq!(mywsclient_send(c, c"x".as_ptr(), 1), R::Ok);
            assert_eq!(mywsclient_send(c, c"y".as_ptr(), 1), R::QueueFull);
            let mut st = mywsclient_stats::default();
            assert_eq!(mywsclient_get_stats(c, null_mut()), R::NullArgument);
            assert_eq!(mywsclient_get_stats(c, &mut st), R::Ok);
            assert_eq!(st.queued_messages, 5);
            assert_eq!(st.queued_bytes, 2 + 4 + 1);
            assert_eq!(mywsclient_state(c), mywsclient_connection_state_idle());
            mywsclient_free(c);
        }
    }

    fn mywsclient_connection_state_idle() -> u32 {
        crate::ffi::types::mywsclient_connection_state::IDLE as u32
    }

    #[test]
    fn setters_only_before_start_or_after_stop() {
        // Port 9 (discard) on loopback: refused, so the client keeps retrying.
        let c = new_client(c"ws://127.0.0.1:9");
        // SAFETY: `c` is live until freed at the end.
        unsafe {
            assert_eq!(mywsclient_set_reconnect(c, true, 0), R::Ok);
            assert_eq!(mywsclient_set_log_level(c, 0), R::Ok);
            assert_eq!(mywsclient_start(c), R::Ok);
            assert_eq!(mywsclient_start(c), R::Ok, "start is idempotent");
            assert_eq!(mywsclient_set_heartbeat(c, 0, 0), R::InvalidState);
            assert!(
                last_error().contains("only possible before start"),
                "{}",
                last_error()
            );
            assert_eq!(
                mywsclient_set_message_callback(c, None, null_mut()),
                R::InvalidState
            );
            assert_eq!(
                mywsclient_set_event_callback(c, None, null_mut()),
                R::InvalidState
            );
            assert_eq!(
                mywsclient_set_log_callback(c, None, null_mut()),
                R::InvalidState
            );
            assert_eq!(
                mywsclient_add_subprotocol(c, c"ws".as_ptr()),
                R::InvalidState
            );
            assert_ne!(mywsclient_state(c), mywsclient_connection_state_idle());
            assert_eq!(mywsclient_stop(c), R::Ok);
            assert_eq!(mywsclient_stop(c), R::Ok, "stop is idempotent");
            assert_eq!(
                mywsclient_state(c),
                crate::ffi::types::mywsclient_connection_state::STOPPED as u32
            );
            assert_eq!(mywsclient_set_heartbeat(c, 0, 0), R::Ok);
            mywsclient_free(c);
        }
    }
}
