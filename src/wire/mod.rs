//! The WebSocket message layer of an open connection, on tungstenite's
//! public frame codec: [`reader`] turns the server's bytes into messages and
//! control frames (with permessage-deflate when negotiated), [`writer`] turns
//! ours into masked frames. tungstenite's `WebSocketContext::read` fails
//! every frame with RSV1 set, so reading is done here; data frames are
//! formatted and masked here too (straight into the output buffer), control
//! frames go through tungstenite's writer.

use std::fmt;

use tungstenite::protocol::frame::coding::CloseCode;

use crate::deflate::codec::{Compressor, Inflater, Settings};
use crate::deflate::negotiate::Agreed;

#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz;
pub(crate) mod reader;
pub(crate) mod writer;

/// An open connection's message layer: both halves.
pub(crate) struct Wire {
    pub(crate) reader: reader::Reader,
    pub(crate) writer: writer::Writer,
}

impl Wire {
    /// The layer for a connection whose handshake left `rest` unparsed;
    /// `deflate`: permessage-deflate as agreed, with our settings.
    pub(crate) fn new(
        rest: &[u8],
        max_message: usize,
        deflate: Option<(Agreed, Settings)>,
    ) -> Wire {
        let (inflater, compressor) = match deflate {
            Some((a, s)) => (Some(Inflater::new(&a, s)), Some(Compressor::new(&a, s))),
            None => (None, None),
        };
        Wire {
            reader: reader::Reader::new(rest, max_message, inflater),
            writer: writer::Writer::new(compressor),
        }
    }
}

/// The server broke the protocol (or a limit): fail the connection with
/// `code` (RFC 6455 §7.1.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WireError {
    /// The close code to send: 1002 protocol, 1007 invalid data, 1009 too big.
    pub code: CloseCode,
    /// What happened, for the error event.
    pub message: String,
}

impl WireError {
    pub(crate) fn protocol(message: impl Into<String>) -> WireError {
        WireError {
            code: CloseCode::Protocol,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> WireError {
        WireError {
            code: CloseCode::Invalid,
            message: message.into(),
        }
    }

    pub(crate) fn too_big(size: u64, limit: usize) -> WireError {
        WireError {
            code: CloseCode::Size,
            message: format!("a message of {size} bytes or more, over the maximum of {limit}"),
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (close {})", self.message, u16::from(self.code))
    }
}
