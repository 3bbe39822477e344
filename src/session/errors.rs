//! How failures become errors: tungstenite and socket errors to an
//! [`Error`] with a clear message, and to the close code a failed
//! connection is closed with.

use std::io;

use tungstenite::error::{CapacityError, ProtocolError};

use super::conn::Conn;
use super::Session;
use crate::error::{Error, ErrorKind};
use crate::tls;

/// The reason tungstenite gives when it replaced a close code that is not
/// allowed with 1002.
pub(super) const INVALID_CLOSE_CODE_REASON: &str = "Protocol violation";

/// The close code with which we fail a connection after a read error, if
/// the error is the server's fault at the WebSocket level (not the socket's).
pub(super) fn fail_code(e: &tungstenite::Error) -> Option<u16> {
    use tungstenite::Error as E;
    match e {
        E::Utf8(_) => Some(1007),
        E::Capacity(CapacityError::MessageTooLong { .. }) => Some(1009),
        E::Capacity(_) => Some(1002),
        E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        E::Protocol(_) => Some(1002),
        _ => None,
    }
}

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
