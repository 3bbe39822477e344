//! What the I/O thread tells the application: state, events, statistics.

use std::time::Duration;

use crate::error::ErrorKind;
use crate::request::HttpResponse;

/// Connection state. Discriminants are part of the C ABI.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Created, never started.
    Idle = 0,
    /// Resolving, connecting, TLS or WebSocket handshake in progress.
    Connecting = 1,
    /// Connected: the WebSocket handshake completed.
    Open = 2,
    /// A close handshake is in progress.
    Closing = 3,
    /// Waiting for the backoff delay before the next attempt.
    Reconnecting = 4,
    /// Stopped (by `stop`, or reconnection off or given up).
    Stopped = 5,
}

impl State {
    pub fn from_u32(v: u32) -> State {
        match v {
            1 => State::Connecting,
            2 => State::Open,
            3 => State::Closing,
            4 => State::Reconnecting,
            5 => State::Stopped,
            _ => State::Idle,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Open => "open",
            State::Closing => "closing",
            State::Reconnecting => "reconnecting",
            State::Stopped => "stopped",
        }
    }
}

/// Who ended a connection.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseInitiator {
    /// This client (stop).
    Client = 0,
    /// The server sent a close frame.
    Server = 1,
    /// No close handshake: reset, EOF, protocol or heartbeat failure.
    Abnormal = 2,
}

/// An event delivered to the event handler, on the I/O thread.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A connection attempt starts (1 = first attempt after start or after a
    /// healthy connection).
    Connecting { attempt: u32 },
    /// The WebSocket handshake completed.
    Open {
        /// The subprotocol the server selected, if any.
        protocol: Option<String>,
        /// The server's 101 response (its headers: cookies, session ids).
        response: Box<HttpResponse>,
    },
    /// A connection ended.
    Closed {
        code: u16,
        reason: String,
        initiator: CloseInitiator,
    },
    /// Something failed.
    Error {
        /// What kind of failure.
        kind: ErrorKind,
        /// What happened, naming the problem.
        message: String,
        /// The server's HTTP response when it answered the upgrade with
        /// another status than 101 (kind `Handshake`): 401/403 mean refresh
        /// the credentials, a 3xx carries `Location`. `None` otherwise.
        response: Option<Box<HttpResponse>>,
    },
    /// The next attempt will start after `delay`.
    ReconnectScheduled { attempt: u32, delay: Duration },
    /// The I/O thread stopped (after `stop`, reconnect off, or giving up).
    Stopped,
}

/// Counters of one client, since it was created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub messages_sent: u64,
    pub bytes_sent: u64,
    pub messages_received: u64,
    pub bytes_received: u64,
    /// Connections opened (handshake completed).
    pub connections: u64,
    /// Connections opened after the first one.
    pub reconnects: u64,
    /// Messages accepted by `send` and not yet written.
    pub queued_messages: u64,
    pub queued_bytes: u64,
    /// Close code of the last closed connection (1006 when it ended without
    /// a close frame; 0 before any connection closed).
    pub last_close_code: u16,
    /// The last error's message ("" if none).
    pub last_error: String,
}
