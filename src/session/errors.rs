//! How failures become errors: what the frame reader refused, tungstenite
//! (writing) and socket errors, each to an [`Error`] with a clear message.

use std::io;

use tungstenite::error::{CapacityError, ProtocolError};
use tungstenite::protocol::frame::coding::CloseCode;

use super::conn::Conn;
use super::Session;
use crate::error::{Error, ErrorKind};
use crate::tls;
use crate::wire::WireError;

impl Session {
    pub(super) fn io_error(&self, conn: &Conn, what: &str, e: io::Error) -> Error {
        if let Some(te) = conn.t.tls_error() {
            return tls::map_tls_error(&self.req.endpoint().host, te);
        }
        Error::new(
            ErrorKind::Io,
            format!("{what} {}: {e}", self.req.endpoint().url()),
        )
    }

    /// The error for a stream the reader refused.
    pub(super) fn wire_error(&self, w: &WireError) -> Error {
        let url = self.sh.endpoint().url();
        match w.code {
            CloseCode::Size => Error::new(
                ErrorKind::MessageTooLarge,
                format!("{url} sent {}", w.message),
            ),
            _ => Error::new(
                ErrorKind::Protocol,
                format!("{url} broke the WebSocket protocol: {}", w.message),
            ),
        }
    }

    pub(super) fn ws_error(&self, conn: &Conn, e: tungstenite::Error) -> Error {
        use tungstenite::Error as E;
        let url = self.req.endpoint().url();
        match e {
            E::Io(io) => self.io_error(conn, "connection to", io),
            E::Capacity(CapacityError::MessageTooLong { size, max_size }) => Error::new(
                ErrorKind::MessageTooLarge,
                format!("{url} sent a message of {size} bytes, over the maximum of {max_size}"),
            ),
            E::Capacity(c) => Error::new(ErrorKind::Protocol, format!("{url}: {c}")),
            E::Utf8(m) => Error::new(
                ErrorKind::Protocol,
                format!("{url} sent invalid UTF-8 in a text message or close reason ({m})"),
            ),
            E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => Error::new(
                ErrorKind::Closed,
                format!("{url} closed the connection without a close frame"),
            ),
            E::Protocol(p) => Error::new(
                ErrorKind::Protocol,
                format!("{url} broke the WebSocket protocol: {p}"),
            ),
            E::ConnectionClosed | E::AlreadyClosed => {
                Error::new(ErrorKind::Closed, format!("{url} closed the connection"))
            }
            other => Error::new(ErrorKind::Protocol, format!("{url}: {other}")),
        }
    }
}
