//! Conversions between the C types of `types.rs` and the core's: the
//! statistics struct, result codes from core errors, and the C mirrors of
//! the core enums, and the checked conversion of enum values coming in from C.

use super::{
    mywsclient_close_initiator, mywsclient_connection_state, mywsclient_delivery,
    mywsclient_error_kind, mywsclient_log_level, mywsclient_result, mywsclient_stats,
};
use crate::config::HttpErrorPolicy;
use crate::deflate::CompressionMode;
use crate::delivery::Delivery;
use crate::error::ErrorKind;
use crate::event::{CloseInitiator, State, Stats};
use crate::ffi::boundary::CEnum;
use crate::flow::OverflowPolicy;
use crate::log::LogLevel;

impl From<&Stats> for mywsclient_stats {
    fn from(s: &Stats) -> Self {
        mywsclient_stats {
            messages_sent: s.messages_sent,
            bytes_sent: s.bytes_sent,
            messages_received: s.messages_received,
            bytes_received: s.bytes_received,
            connections: s.connections,
            reconnects: s.reconnects,
            queued_messages: s.queued_messages,
            queued_bytes: s.queued_bytes,
            last_close_code: s.last_close_code,
        }
    }
}

impl From<ErrorKind> for mywsclient_result {
    /// The result code for an error returned by a core call. Kinds that only
    /// the I/O thread reports (DNS, TLS, ...) never come back from a call;
    /// they map to `Io` should that change.
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::InvalidArgument => mywsclient_result::InvalidArgument,
            ErrorKind::InvalidState => mywsclient_result::InvalidState,
            ErrorKind::InvalidUtf8 => mywsclient_result::InvalidUtf8,
            ErrorKind::MessageTooLarge => mywsclient_result::MessageTooLarge,
            ErrorKind::QueueFull => mywsclient_result::QueueFull,
            ErrorKind::Config => mywsclient_result::Config,
            _ => mywsclient_result::Io,
        }
    }
}

// ----- the C mirrors of the core enums -----
//
// The core enums (`ErrorKind`, `State`, `CloseInitiator`, `LogLevel`,
// `Delivery`) are the one definition of variants, discriminants and names.
// cbindgen sees only the types of `ffi/`, so each has a `#[repr(u32)]`
// mirror in `types.rs` (with the C docs) and converts to and from it here
// with exhaustive matches: a variant added on either side fails to compile
// until the other side has it too. `types/tests.rs` checks that every pair
// has the same discriminant, and that the header lists exactly the core
// variants.

impl From<ErrorKind> for mywsclient_error_kind {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::InvalidArgument => Self::InvalidArgument,
            ErrorKind::InvalidState => Self::InvalidState,
            ErrorKind::InvalidUtf8 => Self::InvalidUtf8,
            ErrorKind::MessageTooLarge => Self::MessageTooLarge,
            ErrorKind::QueueFull => Self::QueueFull,
            ErrorKind::Dns => Self::Dns,
            ErrorKind::Connect => Self::Connect,
            ErrorKind::ConnectTimeout => Self::ConnectTimeout,
            ErrorKind::Tls => Self::Tls,
            ErrorKind::TlsVerify => Self::TlsVerify,
            ErrorKind::Handshake => Self::Handshake,
            ErrorKind::HandshakeTimeout => Self::HandshakeTimeout,
            ErrorKind::Protocol => Self::Protocol,
            ErrorKind::Io => Self::Io,
            ErrorKind::HeartbeatTimeout => Self::HeartbeatTimeout,
            ErrorKind::Closed => Self::Closed,
            ErrorKind::Callback => Self::Callback,
            ErrorKind::Config => Self::Config,
            ErrorKind::GaveUp => Self::GaveUp,
            ErrorKind::Proxy => Self::Proxy,
        }
    }
}

impl mywsclient_error_kind {
    /// The core kind (`None` for `MYWSCLIENT_ERROR_KIND_NONE`).
    pub fn to_core(self) -> Option<ErrorKind> {
        Some(match self {
            Self::None => return None,
            Self::InvalidArgument => ErrorKind::InvalidArgument,
            Self::InvalidState => ErrorKind::InvalidState,
            Self::InvalidUtf8 => ErrorKind::InvalidUtf8,
            Self::MessageTooLarge => ErrorKind::MessageTooLarge,
            Self::QueueFull => ErrorKind::QueueFull,
            Self::Dns => ErrorKind::Dns,
            Self::Connect => ErrorKind::Connect,
            Self::ConnectTimeout => ErrorKind::ConnectTimeout,
            Self::Tls => ErrorKind::Tls,
            Self::TlsVerify => ErrorKind::TlsVerify,
            Self::Handshake => ErrorKind::Handshake,
            Self::HandshakeTimeout => ErrorKind::HandshakeTimeout,
            Self::Protocol => ErrorKind::Protocol,
            Self::Io => ErrorKind::Io,
            Self::HeartbeatTimeout => ErrorKind::HeartbeatTimeout,
            Self::Closed => ErrorKind::Closed,
            Self::Callback => ErrorKind::Callback,
            Self::Config => ErrorKind::Config,
            Self::GaveUp => ErrorKind::GaveUp,
            Self::Proxy => ErrorKind::Proxy,
        })
    }
}

impl From<State> for mywsclient_connection_state {
    fn from(s: State) -> Self {
        match s {
            State::Idle => Self::IDLE,
            State::Connecting => Self::CONNECTING,
            State::Open => Self::OPEN,
            State::Closing => Self::CLOSING,
            State::Reconnecting => Self::RECONNECTING,
            State::Stopped => Self::STOPPED,
        }
    }
}

impl From<mywsclient_connection_state> for State {
    fn from(s: mywsclient_connection_state) -> Self {
        match s {
            mywsclient_connection_state::IDLE => State::Idle,
            mywsclient_connection_state::CONNECTING => State::Connecting,
            mywsclient_connection_state::OPEN => State::Open,
            mywsclient_connection_state::CLOSING => State::Closing,
            mywsclient_connection_state::RECONNECTING => State::Reconnecting,
            mywsclient_connection_state::STOPPED => State::Stopped,
        }
    }
}

impl From<CloseInitiator> for mywsclient_close_initiator {
    fn from(i: CloseInitiator) -> Self {
        match i {
            CloseInitiator::Client => Self::Client,
            CloseInitiator::Server => Self::Server,
            CloseInitiator::Abnormal => Self::Abnormal,
        }
    }
}

impl From<mywsclient_close_initiator> for CloseInitiator {
    fn from(i: mywsclient_close_initiator) -> Self {
        match i {
            mywsclient_close_initiator::Client => CloseInitiator::Client,
            mywsclient_close_initiator::Server => CloseInitiator::Server,
            mywsclient_close_initiator::Abnormal => CloseInitiator::Abnormal,
        }
    }
}

impl From<Delivery> for mywsclient_delivery {
    fn from(d: Delivery) -> Self {
        match d {
            Delivery::AtMostOnce => Self::AtMostOnce,
            Delivery::ResendUnacknowledged => Self::ResendUnacknowledged,
            Delivery::AtLeastOnce => Self::AtLeastOnce,
        }
    }
}

impl From<mywsclient_delivery> for Delivery {
    fn from(d: mywsclient_delivery) -> Self {
        match d {
            mywsclient_delivery::AtMostOnce => Delivery::AtMostOnce,
            mywsclient_delivery::ResendUnacknowledged => Delivery::ResendUnacknowledged,
            mywsclient_delivery::AtLeastOnce => Delivery::AtLeastOnce,
        }
    }
}

impl From<LogLevel> for mywsclient_log_level {
    fn from(l: LogLevel) -> Self {
        match l {
            LogLevel::Off => Self::Off,
            LogLevel::Error => Self::Error,
            LogLevel::Warn => Self::Warn,
            LogLevel::Info => Self::Info,
            LogLevel::Debug => Self::Debug,
        }
    }
}

impl From<mywsclient_log_level> for LogLevel {
    fn from(l: mywsclient_log_level) -> Self {
        match l {
            mywsclient_log_level::Off => LogLevel::Off,
            mywsclient_log_level::Error => LogLevel::Error,
            mywsclient_log_level::Warn => LogLevel::Warn,
            mywsclient_log_level::Info => LogLevel::Info,
            mywsclient_log_level::Debug => LogLevel::Debug,
        }
    }
}

// ----- enum values coming in from C -----

impl CEnum for LogLevel {
    const WHAT: &'static str = "log level";
    const C_TYPE: &'static str = "mywsclient_log_level";
    const MAX: u32 = 4;
    fn from_c(v: u32) -> Option<Self> {
        LogLevel::try_from(v).ok()
    }
}

impl CEnum for Delivery {
    const WHAT: &'static str = "delivery mode";
    const C_TYPE: &'static str = "mywsclient_delivery";
    const MAX: u32 = 2;
    fn from_c(v: u32) -> Option<Self> {
        Delivery::try_from(v).ok()
    }
}

impl CEnum for HttpErrorPolicy {
    const WHAT: &'static str = "HTTP error policy";
    const C_TYPE: &'static str = "mywsclient_http_error_policy";
    const MAX: u32 = 1;
    fn from_c(v: u32) -> Option<Self> {
        HttpErrorPolicy::from_u32(v)
    }
}

impl CEnum for CompressionMode {
    const WHAT: &'static str = "compression mode";
    const C_TYPE: &'static str = "mywsclient_compression";
    const MAX: u32 = 2;
    fn from_c(v: u32) -> Option<Self> {
        CompressionMode::from_u32(v)
    }
}

impl CEnum for OverflowPolicy {
    const WHAT: &'static str = "overflow policy";
    const C_TYPE: &'static str = "mywsclient_overflow_policy";
    const MAX: u32 = 1;
    fn from_c(v: u32) -> Option<Self> {
        OverflowPolicy::try_from(v).ok()
    }
}
