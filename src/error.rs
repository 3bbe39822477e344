//! Error kinds and the error type shared by every layer of the client.

use std::ffi::CStr;
use std::fmt;

/// What went wrong, in one word.
///
/// This enum is the one definition of the kinds: their discriminants (the
/// values C sees as `mywsclient_error_kind`, 0 there meaning none), their
/// names ([`ErrorKind::name`]) and the list of them ([`ErrorKind::ALL`]).
/// `ffi::types` mirrors it for cbindgen and converts with exhaustive matches
/// both ways. Never reorder or reuse a discriminant.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An argument given by the caller is invalid (bad URL, bad option value).
    InvalidArgument = 1,
    /// The call is not valid in the client's current state.
    InvalidState = 2,
    /// Text to send is not valid UTF-8.
    InvalidUtf8 = 3,
    /// A message is larger than the configured maximum (sent or received).
    MessageTooLarge = 4,
    /// The send queue is full (its byte or message limit would be exceeded).
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
    /// A user callback failed (a C++ exception caught by the wrapper, a panic).
    Callback = 17,
    /// A CA, certificate or key file given in the configuration could not be used.
    Config = 18,
    /// Reconnecting gave up after the configured number of attempts.
    GaveUp = 19,
    /// A proxy failed: it could not be reached, refused the credentials
    /// (HTTP 407, SOCKS authentication) or the destination, or broke its
    /// protocol. The message names the proxy (password masked) and the step.
    Proxy = 20,
}

impl ErrorKind {
    /// Every kind, in the order of their discriminants.
    pub const ALL: [ErrorKind; 20] = [
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidState,
        ErrorKind::InvalidUtf8,
        ErrorKind::MessageTooLarge,
        ErrorKind::QueueFull,
        ErrorKind::Dns,
        ErrorKind::Connect,
        ErrorKind::ConnectTimeout,
        ErrorKind::Tls,
        ErrorKind::TlsVerify,
        ErrorKind::Handshake,
        ErrorKind::HandshakeTimeout,
        ErrorKind::Protocol,
        ErrorKind::Io,
        ErrorKind::HeartbeatTimeout,
        ErrorKind::Closed,
        ErrorKind::Callback,
        ErrorKind::Config,
        ErrorKind::GaveUp,
        ErrorKind::Proxy,
    ];

    /// A short, stable name, NUL-terminated for C (`mywsclient_error_kind_str()`).
    pub const fn name(self) -> &'static CStr {
        match self {
            ErrorKind::InvalidArgument => c"invalid argument",
            ErrorKind::InvalidState => c"invalid state",
            ErrorKind::InvalidUtf8 => c"invalid UTF-8",
            ErrorKind::MessageTooLarge => c"message too large",
            ErrorKind::QueueFull => c"send queue full",
            ErrorKind::Dns => c"DNS resolution failed",
            ErrorKind::Connect => c"connect failed",
            ErrorKind::ConnectTimeout => c"connect timeout",
            ErrorKind::Tls => c"TLS error",
            ErrorKind::TlsVerify => c"TLS certificate verification failed",
            ErrorKind::Handshake => c"WebSocket handshake failed",
            ErrorKind::HandshakeTimeout => c"handshake timeout",
            ErrorKind::Protocol => c"protocol error",
            ErrorKind::Io => c"I/O error",
            ErrorKind::HeartbeatTimeout => c"heartbeat timeout",
            ErrorKind::Closed => c"connection closed",
            ErrorKind::Callback => c"callback failed",
            ErrorKind::Config => c"configuration error",
            ErrorKind::GaveUp => c"gave up reconnecting",
            ErrorKind::Proxy => c"proxy error",
        }
    }

    /// [`ErrorKind::name`] as a `&str`.
    pub fn as_str(self) -> &'static str {
        self.name().to_str().unwrap_or_default()
    }
}

impl TryFrom<u32> for ErrorKind {
    /// The value that names no kind.
    type Error = u32;

    /// The kind with this discriminant (checked: any other value is an error).
    fn try_from(v: u32) -> std::result::Result<Self, u32> {
        Self::ALL.into_iter().find(|k| *k as u32 == v).ok_or(v)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error: a kind plus a message that names the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure (also the C result/event code).
    pub kind: ErrorKind,
    /// What went wrong, naming the problem (for logs and the last error).
    pub message: String,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// The result of the crate's fallible calls.
pub type Result<T> = std::result::Result<T, Error>;
