//! Error kinds and the error type shared by every layer of the client.

use std::fmt;

/// What went wrong, in one word. The discriminants are part of the C ABI
/// (`mywsclient_error_kind`): never reorder or reuse them.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An argument given by the caller is invalid (bad URL, bad option value).
    InvalidArgument = 1,
    /// The call is not valid in the client's current state.
    InvalidState = 2,
    /// Text to send is not valid UTF-8.
    InvalidUtf8 = 3,
    /// A message is larger than the configured maximum.
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
    /// TLS + WebSocket handshake did not complete within the handshake timeout.
    HandshakeTimeout = 12,
    /// The server broke the WebSocket protocol.
    Protocol = 13,
    /// Reading or writing the socket failed (reset, broken pipe).
    Io = 14,
    /// Nothing arrived from the server within the heartbeat timeout.
    HeartbeatTimeout = 15,
    /// The server closed the connection (close frame or EOF).
    Closed = 16,
    /// A user callback failed (a C++ exception caught by the wrapper, a panic).
    Callback = 17,
    /// A file given in the configuration (CA, certificate, key) could not be used.
    Config = 18,
    /// Reconnection gave up after the configured number of attempts.
    GaveUp = 19,
}

impl ErrorKind {
    /// A short, stable, lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::InvalidState => "invalid state",
            ErrorKind::InvalidUtf8 => "invalid UTF-8",
            ErrorKind::MessageTooLarge => "message too large",
            ErrorKind::QueueFull => "send queue full",
            ErrorKind::Dns => "DNS resolution failed",
            ErrorKind::Connect => "connect failed",
            ErrorKind::ConnectTimeout => "connect timeout",
            ErrorKind::Tls => "TLS error",
            ErrorKind::TlsVerify => "TLS certificate verification failed",
            ErrorKind::Handshake => "WebSocket handshake failed",
            ErrorKind::HandshakeTimeout => "handshake timeout",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Io => "I/O error",
            ErrorKind::HeartbeatTimeout => "heartbeat timeout",
            ErrorKind::Closed => "connection closed",
            ErrorKind::Callback => "callback failed",
            ErrorKind::Config => "configuration error",
            ErrorKind::GaveUp => "gave up reconnecting",
        }
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
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
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

pub type Result<T> = std::result::Result<T, Error>;
