//! The types C sees: the result code, the enums whose values travel as
//! `uint32_t`, and the event and statistics structs.
//!
//! Every enum here is `#[repr(u32)]` with explicit discriminants that are
//! part of the ABI: never reorder or reuse them. Values coming in from C are
//! taken as integers and converted with checked functions.

use std::os::raw::c_char;

use crate::request::HttpResponse;

/// The result of every fallible call. `MYWSCLIENT_RESULT_OK` (0) is success;
/// `mywsclient_result_str()` names a code and `mywsclient_last_error()`
/// gives the details of the last failure on the calling thread.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_result {
    /// Success.
    Ok = 0,
    /// A pointer argument that must not be NULL was NULL.
    NullArgument = 1,
    /// An argument is invalid: a bad URL, an option out of range, an unknown
    /// enum value, a header or subprotocol that is not a valid token.
    InvalidArgument = 2,
    /// The call is not possible in the client's current state (a setter
    /// after `mywsclient_start()`, a restart from inside a callback).
    InvalidState = 3,
    /// Text to send is not valid UTF-8 (use `mywsclient_send_binary()` for bytes).
    InvalidUtf8 = 4,
    /// The message is larger than the maximum message size.
    MessageTooLarge = 5,
    /// The send queue is full (its byte or message limit would be exceeded);
    /// the message was not accepted.
    QueueFull = 6,
    /// A CA, certificate or key file cannot be read or holds no usable PEM data.
    Config = 7,
    /// The operating system refused a resource (a thread, a file descriptor).
    Io = 8,
    /// An internal error (a Rust panic) was caught at the boundary. The
    /// client may be in an unexpected state; free it.
    Panic = 9,
}

/// cbindgen:prefix-with-name=false
/// cbindgen:rename-all=prefix:MYWSCLIENT_STATE_
/// The connection state: the values returned by `mywsclient_state()`
/// (a `uint32_t`; this type is named `mywsclient_connection_state` because
/// the function has the name `mywsclient_state`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum mywsclient_connection_state {
    /// Created, never started.
    IDLE = 0,
    /// Resolving, connecting, or in the TLS or WebSocket handshake.
    CONNECTING = 1,
    /// Connected: the WebSocket handshake completed.
    OPEN = 2,
    /// A close handshake is in progress.
    CLOSING = 3,
    /// Waiting for the backoff delay before the next attempt.
    RECONNECTING = 4,
    /// Stopped: by `mywsclient_stop()`, or because reconnecting is off or gave up.
    STOPPED = 5,
}

/// What a `mywsclient_event` reports (its `type` field).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_event_type {
    /// A connection attempt starts. `attempt` is 1 for the first attempt
    /// after start or after a healthy connection.
    Connecting = 1,
    /// The WebSocket handshake completed. `text` is the subprotocol the
    /// server selected ("" when none).
    Open = 2,
    /// A connection ended. `close_code`, `close_initiator`; `text` is the
    /// close reason (or what broke the connection).
    Closed = 3,
    /// Something failed. `error_kind`; `text` is the message.
    Error = 4,
    /// The next attempt starts after `delay_ms`. `attempt` is its number.
    ReconnectScheduled = 5,
    /// The I/O thread has stopped (after `mywsclient_stop()`, or because
    /// reconnecting is off or gave up). The last event of a run.
    Stopped = 6,
    // ----- control frames, receipts, flow control (0.2) -----
    /// The pong answering `mywsclient_ping()`: `rtt_us`, and the payload in
    /// `data` / `data_len`.
    Pong = 7,
    /// All bytes of the message `message_id` (from `mywsclient_send_ex()`)
    /// reached the kernel. One receipt per id, in id order.
    Written = 8,
    /// The message `message_id` was dropped without being written;
    /// `discard_reason` says why.
    Discarded = 9,
    /// The queued bytes reached the high watermark: `queued_bytes`,
    /// `queued_messages` (see `mywsclient_set_queue_watermarks()`).
    QueueHigh = 10,
    /// After a `QUEUE_HIGH`, the queued bytes fell to the low watermark:
    /// `queued_bytes`, `queued_messages`.
    QueueDrained = 11,
}

/// What went wrong (the `error_kind` field of an `ERROR` event). The values
/// are those of the Rust `ErrorKind`; 0 means none.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_error_kind {
    /// No error (events other than `MYWSCLIENT_EVENT_TYPE_ERROR`).
    None = 0,
    /// An argument given by the caller is invalid.
    InvalidArgument = 1,
    /// The call is not valid in the client's current state.
    InvalidState = 2,
    /// Text to send is not valid UTF-8.
    InvalidUtf8 = 3,
    /// A message is larger than the configured maximum (sent or received).
    MessageTooLarge = 4,
    /// The send queue is full.
    QueueFull = 5,
    /// The host name could not be resolved.
    Dns = 6,
    /// The TCP connection could not be established (refused, unreachable).
    Connect = 7,
    /// The TCP connection did not complete within the connect timeout.
    ConnectTimeout = 8,
    /// The TLS layer failed (handshake, alert, bad record).
    Tls = 9,
    /// The server's certificate was not trusted.
    TlsVerify = 10,
    /// The server's HTTP upgrade response was not a valid WebSocket handshake.
    Handshake = 11,
    /// The TLS and WebSocket handshakes did not complete within the handshake timeout.
    HandshakeTimeout = 12,
    /// The server broke the WebSocket protocol.
    Protocol = 13,
    /// Reading or writing the socket failed (reset, broken pipe).
    Io = 14,
    /// Nothing arrived from the server within the heartbeat timeout (half-open connection).
    HeartbeatTimeout = 15,
    /// The server closed the connection (close frame or end of stream).
    Closed = 16,
    /// A user callback failed.
    Callback = 17,
    /// A CA, certificate or key file could not be used.
    Config = 18,
    /// Reconnecting gave up after the configured number of attempts.
    GaveUp = 19,
    /// A proxy failed (unreachable, credentials refused — HTTP 407 —,
    /// destination refused, protocol error); the message names the proxy.
    Proxy = 20,
}

/// Who ended a connection (the `close_initiator` field of a `CLOSED` event).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_close_initiator {
    /// This client (`mywsclient_stop()`).
    Client = 0,
    /// The server sent a close frame.
    Server = 1,
    /// No close handshake: reset, end of stream, protocol or heartbeat failure.
    Abnormal = 2,
}

/// Log levels, for `mywsclient_set_log_level()` and the log callback.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_log_level {
    /// Nothing is logged.
    Off = 0,
    /// Errors only.
    Error = 1,
    /// Warnings and errors (the default, unless `MYWSCLIENT_LOG` says otherwise).
    Warn = 2,
    /// Connections, disconnections and reconnections too.
    Info = 3,
    /// Everything.
    Debug = 4,
}

/// What a client writes again after a connection ended abnormally, for
/// `mywsclient_set_delivery()` (see the README, "Delivery guarantees").
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_delivery {
    /// A message counts as delivered once all its bytes are in the kernel:
    /// what the server's TCP never received is lost (0.1's behaviour).
    AtMostOnce = 0,
    /// The default: messages the server's TCP did not acknowledge are
    /// written again, in order, before anything sent later. A duplicate only
    /// when the server received a message but its acknowledgement did not
    /// reach the client before the connection died.
    ResendUnacknowledged = 1,
    /// Also every message written after the last frame received from the
    /// server: for servers behind a proxy that acknowledges on their behalf.
    /// More duplicates: deduplicate on the receiving side.
    AtLeastOnce = 2,
}

/// An event, passed to the event callback. Borrowed: valid only during the
/// callback; copy what you need to keep (including `text`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mywsclient_event {
    /// A `mywsclient_event_type` value.
    pub r#type: u32,
    /// `CONNECTING`, `RECONNECT_SCHEDULED`: the attempt number (else 0).
    pub attempt: u32,
    /// `RECONNECT_SCHEDULED`: the delay before the attempt, in milliseconds (else 0).
    pub delay_ms: u64,
    /// `CLOSED`: the close code (1000 normal, 1006 abnormal: no close frame) (else 0).
    pub close_code: u16,
    /// `CLOSED`: a `mywsclient_close_initiator` value (else 0).
    pub close_initiator: u32,
    /// `ERROR`: a `mywsclient_error_kind` value (else `MYWSCLIENT_ERROR_KIND_NONE`).
    pub error_kind: u32,
    /// NUL-terminated UTF-8, never NULL ("" when there is nothing to say).
    /// `ERROR`: the message; `CLOSED`: the reason; `OPEN`: the selected
    /// subprotocol. Borrowed for the duration of the callback.
    pub text: *const c_char,
    // ----- appended in 0.2: control frames, receipts, flow control -----
    /// `WRITTEN`, `DISCARDED`: the message's id from `mywsclient_send_ex()` (else 0).
    pub message_id: u64,
    /// `DISCARDED`: a `mywsclient_discard_reason` value (else 0).
    pub discard_reason: u32,
    /// `PONG`: the round-trip time in microseconds (else 0).
    pub rtt_us: u64,
    /// `PONG`: the pong's payload, `data_len` bytes (NULL when empty).
    /// Borrowed for the duration of the callback.
    pub data: *const u8,
    /// `PONG`: the number of bytes at `data` (else 0).
    pub data_len: usize,
    /// `QUEUE_HIGH`, `QUEUE_DRAINED`: bytes queued then (else 0).
    pub queued_bytes: u64,
    /// `QUEUE_HIGH`, `QUEUE_DRAINED`: messages queued then (else 0).
    pub queued_messages: u64,
    // ----- Appended in 0.2 (long-lived sessions). The library owns every
    // `mywsclient_event`: it hands out pointers and never takes one in, so
    // new fields go at the end and a program built against an older header
    // reads the prefix it knows. Never copy an event by value into storage
    // that outlives the callback expecting a fixed size.
    /// `OPEN`: 101. `ERROR` of kind `HANDSHAKE` when the server answered
    /// the upgrade with another HTTP status: that status (401 or 403:
    /// refresh the credentials; 301/302/307/308: see `Location`). Else 0.
    pub http_status: u16,
    /// When `http_status` is not 0: the HTTP response's headers (read them
    /// with `mywsclient_headers_count()`, `mywsclient_headers_at()`,
    /// `mywsclient_headers_get()`), borrowed for the duration of the
    /// callback. Else NULL.
    pub http_headers: *const mywsclient_headers,
}

/// HTTP response headers (opaque), in the order received; a repeated
/// header (`Set-Cookie`) appears once per occurrence. Lent by an event
/// (`mywsclient_event.http_headers`) and valid only during the callback,
/// like the strings it hands out.
pub struct mywsclient_headers {
    pub(crate) list: Vec<(std::ffi::CString, std::ffi::CString)>,
}

impl mywsclient_headers {
    /// The headers of `resp` as C strings.
    pub(crate) fn of(resp: &HttpResponse) -> mywsclient_headers {
        mywsclient_headers {
            list: resp
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        crate::ffi::boundary::to_cstring(n),
                        crate::ffi::boundary::to_cstring(v),
                    )
                })
                .collect(),
        }
    }
}

/// What a 4xx answer to the upgrade does (`mywsclient_set_http_error_policy()`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mywsclient_http_error_policy {
    /// Report it (an `ERROR` event with `http_status`) and retry with
    /// backoff, like any failed attempt: the connect callback or
    /// `mywsclient_set_header()` can bring fresh credentials (the default).
    Retry = 0,
    /// Report it, then stop (`STOPPED`); 408 and 429 are still retried.
    Stop = 1,
}

/// Counters of one client since it was created (`mywsclient_get_stats()`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct mywsclient_stats {
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
}

impl mywsclient_result {
    /// All codes, in order.
    pub const ALL: [mywsclient_result; 10] = [
        mywsclient_result::Ok,
        mywsclient_result::NullArgument,
        mywsclient_result::InvalidArgument,
        mywsclient_result::InvalidState,
        mywsclient_result::InvalidUtf8,
        mywsclient_result::MessageTooLarge,
        mywsclient_result::QueueFull,
        mywsclient_result::Config,
        mywsclient_result::Io,
        mywsclient_result::Panic,
    ];

    /// The code with this value, if any (checked: unknown values are `None`).
    pub fn from_i32(v: i32) -> Option<mywsclient_result> {
        usize::try_from(v)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// A static, NUL-terminated description.
    pub fn as_cstr(self) -> &'static std::ffi::CStr {
        match self {
            mywsclient_result::Ok => c"ok",
            mywsclient_result::NullArgument => c"NULL argument",
            mywsclient_result::InvalidArgument => c"invalid argument",
            mywsclient_result::InvalidState => c"invalid state",
            mywsclient_result::InvalidUtf8 => c"invalid UTF-8",
            mywsclient_result::MessageTooLarge => c"message too large",
            mywsclient_result::QueueFull => c"send queue full",
            mywsclient_result::Config => c"configuration file unusable",
            mywsclient_result::Io => c"operating system resource error",
            mywsclient_result::Panic => c"internal error (panic caught)",
        }
    }
}

mod convert;

#[cfg(test)]
mod tests;
