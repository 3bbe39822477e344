//! What the I/O thread tells the application: state, events, statistics.

use std::ffi::CStr;
use std::time::Duration;

use crate::error::ErrorKind;
use crate::receipts::DiscardReason;
use crate::request::HttpResponse;

/// Connection state.
///
/// The one definition of the states: discriminants (the values C sees as
/// `MYWSCLIENT_STATE_*`), names ([`State::name`]) and list ([`State::ALL`]);
/// `ffi::types` mirrors it for cbindgen and converts with exhaustive matches
/// both ways. Never reorder or reuse a discriminant.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Created, never started.
    Idle = 0,
    /// Resolving, connecting, or in the TLS or WebSocket handshake.
    Connecting = 1,
    /// Connected: the WebSocket handshake completed.
    Open = 2,
    /// A close handshake is in progress.
    Closing = 3,
    /// Waiting for the backoff delay before the next attempt.
    Reconnecting = 4,
    /// Stopped: by `stop`, or because reconnecting is off or gave up.
    Stopped = 5,
}

impl State {
    /// Every state, in the order of their discriminants.
    pub const ALL: [State; 6] = [
        State::Idle,
        State::Connecting,
        State::Open,
        State::Closing,
        State::Reconnecting,
        State::Stopped,
    ];

    /// The state stored as `v` by this crate; `Idle` for a value that names
    /// none (use `State::try_from` for values from outside).
    pub fn from_u32(v: u32) -> State {
        State::try_from(v).unwrap_or(State::Idle)
    }

    /// A short, stable, lower-case name, NUL-terminated for C
    /// (`mywsclient_state_str()`).
    pub const fn name(self) -> &'static CStr {
        match self {
            State::Idle => c"idle",
            State::Connecting => c"connecting",
            State::Open => c"open",
            State::Closing => c"closing",
            State::Reconnecting => c"reconnecting",
            State::Stopped => c"stopped",
        }
    }

    /// [`State::name`] as a `&str`.
    pub fn as_str(self) -> &'static str {
        self.name().to_str().unwrap_or_default()
    }
}

impl TryFrom<u32> for State {
    /// The value that names no state.
    type Error = u32;

    /// The state with this discriminant (checked: any other value is an error).
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.into_iter().find(|s| *s as u32 == v).ok_or(v)
    }
}

/// Who ended a connection.
///
/// The one definition of the initiators: discriminants (the values C sees as
/// `mywsclient_close_initiator`), names and list, as for [`State`].
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseInitiator {
    /// This client (`stop`).
    Client = 0,
    /// The server sent a close frame.
    Server = 1,
    /// No close handshake: reset, end of stream, protocol or heartbeat failure.
    Abnormal = 2,
}

impl CloseInitiator {
    /// Every initiator, in the order of their discriminants.
    pub const ALL: [CloseInitiator; 3] = [
        CloseInitiator::Client,
        CloseInitiator::Server,
        CloseInitiator::Abnormal,
    ];

    /// A short, stable, lower-case name, NUL-terminated.
    pub const fn name(self) -> &'static CStr {
        match self {
            CloseInitiator::Client => c"client",
            CloseInitiator::Server => c"server",
            CloseInitiator::Abnormal => c"abnormal",
        }
    }

    /// [`CloseInitiator::name`] as a `&str`.
    pub fn as_str(self) -> &'static str {
        self.name().to_str().unwrap_or_default()
    }
}

impl TryFrom<u32> for CloseInitiator {
    /// The value that names no initiator.
    type Error = u32;

    /// The initiator with this discriminant (checked).
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.into_iter().find(|i| *i as u32 == v).ok_or(v)
    }
}

/// An event delivered to the event handler, on the I/O thread.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A connection attempt starts (1 = first attempt after start or after a
    /// healthy connection).
    Connecting {
        /// The attempt's number.
        attempt: u32,
    },
    /// The WebSocket handshake completed.
    Open {
        /// The subprotocol the server selected, if any.
        protocol: Option<String>,
        /// The server's 101 response (its headers: cookies, session ids).
        response: Box<HttpResponse>,
    },
    /// A connection ended.
    Closed {
        /// The close code (1006 when the connection ended without a close frame).
        code: u16,
        /// The close frame's reason ("" if none).
        reason: String,
        /// Who ended the connection.
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
    ReconnectScheduled {
        /// The number the next attempt will have.
        attempt: u32,
        /// How long until it starts.
        delay: Duration,
    },
    /// The I/O thread stopped (after `stop`, reconnect off, or giving up).
    Stopped,
    // ----- control frames, receipts, flow control (0.2) -----
    /// The pong answering a [`Client::ping`](crate::Client::ping).
    Pong {
        /// From writing the ping to reading its pong.
        rtt: Duration,
        /// The pong's payload (the ping's).
        payload: Vec<u8>,
    },
    /// All bytes of a message sent with
    /// [`Client::send_ex`](crate::Client::send_ex) reached the kernel.
    /// Receipts come once per id, in id order.
    Written {
        /// The message's id.
        id: u64,
    },
    /// A message sent with [`Client::send_ex`](crate::Client::send_ex) was
    /// dropped without being written.
    Discarded {
        /// The message's id.
        id: u64,
        /// Why it was dropped.
        reason: DiscardReason,
    },
    /// The queued bytes reached the high watermark
    /// ([`Config::queue_high_watermark`](crate::Config::queue_high_watermark)).
    QueueHigh {
        /// Bytes queued then.
        queued_bytes: u64,
        /// Messages queued then.
        queued_messages: u64,
    },
    /// After a `QueueHigh`, the queued bytes fell to the low watermark.
    QueueDrained {
        /// Bytes queued then.
        queued_bytes: u64,
        /// Messages queued then.
        queued_messages: u64,
    },
}

/// Counters of one client, since it was created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages written (all their bytes reached the kernel).
    pub messages_sent: u64,
    /// Payload bytes of the messages written.
    pub bytes_sent: u64,
    /// Messages received and delivered to the message handler.
    pub messages_received: u64,
    /// Payload bytes of the messages received.
    pub bytes_received: u64,
    /// Connections opened (handshake completed).
    pub connections: u64,
    /// Connections opened after the first one.
    pub reconnects: u64,
    /// Messages written again because a connection ended before the server
    /// was known to have them (see [`crate::Delivery`]); each is also
    /// counted again in `messages_sent` when rewritten.
    pub messages_resent: u64,
    /// Messages accepted by `send` and not yet written.
    pub queued_messages: u64,
    /// Payload bytes of the queued messages.
    pub queued_bytes: u64,
    /// Close code of the last closed connection (1006 when it ended without
    /// a close frame; 0 before any connection closed).
    pub last_close_code: u16,
    /// The last error's message ("" if none).
    pub last_error: String,
    // ----- control frames and receipts (0.2) -----
    /// The last round-trip time of a ping (the heartbeat's or `ping`'s).
    pub rtt_last: Option<Duration>,
    /// The smoothed round-trip time (as TCP's SRTT, RFC 6298).
    pub rtt_smoothed: Option<Duration>,
    /// Pongs that measured a round-trip time.
    pub rtt_samples: u64,
    /// Messages dropped without being written (overflow policy, a queue
    /// discarded at stop), with or without an id.
    pub messages_discarded: u64,
    /// `Written` receipts decided.
    pub receipts_written: u64,
    /// `Discarded` receipts decided.
    pub receipts_discarded: u64,
    // permessage-deflate (issue 13): counted when a message is compressed
    // for sending or inflated on receipt; messages that went uncompressed
    // are in neither pair.
    /// Original size of the messages sent compressed.
    pub uncompressed_bytes_sent: u64,
    /// Their size on the wire (payload after compression).
    pub compressed_bytes_sent: u64,
    /// Inflated size of the messages received compressed.
    pub uncompressed_bytes_received: u64,
    /// Their size on the wire (payload before inflating).
    pub compressed_bytes_received: u64,
}
