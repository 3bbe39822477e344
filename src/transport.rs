//! A connected byte stream: plain TCP or rustls over TCP, non-blocking;
//! through an HTTPS proxy, the same over the TLS session with the proxy
//! (`Proxied`: ws:// inside it, `Nested`: TLS inside TLS for wss://).
//! Reads return plaintext; writes take plaintext and report how much was
//! accepted; `all_sent` tells when every accepted byte reached the kernel.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};

use rustls::ClientConnection;

use crate::sys;
use crate::tls_stream::TlsStream;

/// Most plaintext bytes handed to rustls at once: one TLS record's worth
/// (rustls's default maximum fragment), so one write makes one record and
/// the ciphertext offset at which each message ends is known (issue 12).
const TLS_RECORD: usize = 16 * 1024;

pub enum Transport {
    Plain(TcpStream),
    Tls {
        tls: Box<ClientConnection>,
        sock: TcpStream,
        error: Option<rustls::Error>,
        /// Ciphertext bytes written to the socket so far.
        sent: u64,
    },
    /// Plaintext through an HTTPS proxy's TLS session (ws:// via https://).
    Proxied(Box<TlsStream>),
    /// TLS with the server inside the TLS session with an HTTPS proxy.
    Nested {
        tls: Box<ClientConnection>,
        outer: Box<TlsStream>,
        error: Option<rustls::Error>,
    },
    /// An in-memory server for the fuzzing harness: no socket at all.
    #[cfg(any(test, feature = "fuzzing"))]
    Memory(MemoryStream),
}

#[cfg(any(test, feature = "fuzzing"))]
/// Scripted server bytes, handed out in chunks of a chosen size; what the
/// client writes is kept (to answer its handshake key) and otherwise dropped.
pub struct MemoryStream {
    pub(crate) input: Vec<u8>,
    pub(crate) pos: usize,
    pub(crate) chunk: usize,
    pub(crate) written: Vec<u8>,
    /// Answer the client's upgrade request with a valid 101 before `input`.
    pub(crate) synthesize_handshake: bool,
}

#[cfg(any(test, feature = "fuzzing"))]
impl MemoryStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.synthesize_handshake {
            let text = String::from_utf8_lossy(&self.written).into_owned();
            let Some(key) = text
                .lines()
                .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            else {
                return Err(io::ErrorKind::WouldBlock.into());
            };
            let accept = tungstenite::handshake::derive_accept_key(key.trim().as_bytes());
            let head = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
            self.input.splice(self.pos..self.pos, head.into_bytes());
            self.synthesize_handshake = false;
        }
        let n = (self.input.len() - self.pos)
            .min(self.chunk.max(1))
            .min(buf.len());
        buf[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Transport {
    pub fn fd(&self) -> RawFd {
        match self {
            Transport::Plain(s) => s.as_raw_fd(),
            Transport::Tls { sock, .. } => sock.as_raw_fd(),
            Transport::Proxied(o) | Transport::Nested { outer: o, .. } => o.fd(),
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => -1,
        }
    }

    /// The TLS error that made a read or write fail, if any.
    pub fn tls_error(&self) -> Option<&rustls::Error> {
        match self {
            Transport::Tls { error, .. } => error.as_ref(),
            Transport::Proxied(o) => o.error.as_ref(),
            Transport::Nested { error, outer, .. } => error.as_ref().or(outer.error.as_ref()),
            _ => None,
        }
    }

    /// Reads plaintext. `Ok(0)` is the end of the stream; `WouldBlock` means
    /// nothing more is available now.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.read(buf),
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(m) => m.read(buf),
            Transport::Tls {
                tls,
                sock,
                error,
                sent,
            } => tls_read(tls, sock, error, sent, buf),
            Transport::Proxied(o) => o.read(buf),
            Transport::Nested { tls, outer, error } => {
                tls_read(tls, &mut **outer, error, &mut 0, buf)
            }
        }
    }

    /// Writes as much of `data` as can go now; returns the number of bytes
    /// accepted (0 when the socket or TLS buffer is full).
    pub fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => match s.write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                other => other,
            },
            Transport::Tls {
                tls, sock, sent, ..
            } => tls_write(tls, sock, sent, data),
            Transport::Proxied(o) => match o.write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                other => other,
            },
            Transport::Nested { tls, outer, .. } => tls_write(tls, &mut **outer, &mut 0, data),
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(m) => {
                if m.written.len() < 64 * 1024 {
                    m.written.extend_from_slice(data);
                }
                Ok(data.len())
            }
        }
    }

    /// Pushes buffered TLS records to the socket.
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(_) => Ok(()),
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => Ok(()),
            Transport::Tls {
                tls, sock, sent, ..
            } => flush_tls(tls, sock, sent),
            Transport::Proxied(o) => o.flush_records(),
            Transport::Nested { tls, outer, .. } => {
                flush_tls(tls, &mut **outer, &mut 0)?;
                outer.flush_records()
            }
        }
    }

    /// Over TLS, the ciphertext bytes written to the socket so far; `None`
    /// for a plain stream (whose offsets are the plaintext's).
    pub fn tls_sent(&self) -> Option<u64> {
        match self {
            Transport::Tls { sent, .. } => Some(*sent),
            _ => None,
        }
    }

    /// Makes closing the socket abortive: whatever the kernel still holds
    /// is discarded (and the peer gets a reset) rather than sent later.
    pub fn discard_unsent_on_close(&self) {
        let fd = self.fd();
        if fd >= 0 {
            let _ = sys::set_linger_zero(fd);
        }
    }

    /// How many of the bytes written to the socket its peer has not
    /// acknowledged (`None`: unknown). Valid until the socket is closed.
    /// Through an HTTPS proxy the socket's bytes are the proxy's TLS, whose
    /// records do not map onto ours: unknown.
    pub fn unacked(&self) -> Option<u64> {
        match self {
            Transport::Plain(s) => sys::unacked_bytes(s.as_raw_fd()),
            Transport::Tls { sock, .. } => sys::unacked_bytes(sock.as_raw_fd()),
            Transport::Proxied(_) | Transport::Nested { .. } => None,
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => None,
        }
    }

    /// Bytes are waiting in the TLS layer for the socket to become writable.
    pub fn wants_write(&self) -> bool {
        match self {
            Transport::Plain(_) => false,
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => false,
            Transport::Tls { tls, .. } => tls.wants_write(),
            Transport::Proxied(o) => o.wants_write(),
            Transport::Nested { tls, outer, .. } => tls.wants_write() || outer.wants_write(),
        }
    }

    /// Every byte accepted by `write` has been handed to the kernel.
    pub fn all_sent(&self) -> bool {
        match self {
            Transport::Plain(_) => true,
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => true,
            Transport::Tls { tls, .. } => !tls.is_handshaking() && !tls.wants_write(),
            Transport::Proxied(o) => o.all_sent(),
            Transport::Nested { tls, outer, .. } => {
                !tls.is_handshaking() && !tls.wants_write() && outer.all_sent()
            }
        }
    }

    /// Best-effort orderly end: TLS close_notify, then FIN.
    pub fn shutdown(&mut self) {
        match self {
            Transport::Plain(s) => {
                let _ = s.shutdown(std::net::Shutdown::Write);
            }
            Transport::Tls {
                tls, sock, sent, ..
            } => {
                tls.send_close_notify();
                let _ = flush_tls(tls, sock, sent);
                let _ = sock.shutdown(std::net::Shutdown::Write);
            }
            Transport::Proxied(o) => o.shutdown(),
            Transport::Nested { tls, outer, .. } => {
                tls.send_close_notify();
                let _ = flush_tls(tls, &mut **outer, &mut 0);
                outer.shutdown();
            }
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => {}
        }
    }
}

/// Reads plaintext from a TLS session over `sock` (TCP, or a proxy's TLS).
fn tls_read<S: Read + Write>(
    tls: &mut ClientConnection,
    sock: &mut S,
    error: &mut Option<rustls::Error>,
    sent: &mut u64,
    buf: &mut [u8],
) -> io::Result<usize> {
    loop {
        match tls.reader().read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            other => return other,
        }
        if tls.read_tls(sock)? == 0 {
            // The stream reached EOF: rustls now reports either a clean
            // close_notify (Ok(0)) or an unexpected EOF.
            return match tls.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                other => other,
            };
        }
        if let Err(e) = tls.process_new_packets() {
            // Let the alert out before failing.
            if let Ok(n) = tls.write_tls(sock) {
                *sent += n as u64;
            }
            let io_err = io::Error::new(io::ErrorKind::InvalidData, e.clone());
            *error = Some(e);
            return Err(io_err);
        }
        if tls.wants_write() {
            flush_tls(tls, sock, sent)?;
        }
    }
}

/// Hands plaintext to a TLS session, one record at a time and only once
/// the previous records reached `sock`, and pushes its records to `sock`.
fn tls_write<S: Write>(
    tls: &mut ClientConnection,
    sock: &mut S,
    sent: &mut u64,
    data: &[u8],
) -> io::Result<usize> {
    flush_tls(tls, sock, sent)?;
    if data.is_empty() || tls.wants_write() {
        return Ok(0);
    }
    let n = tls.writer().write(&data[..data.len().min(TLS_RECORD)])?;
    flush_tls(tls, sock, sent)?;
    Ok(n)
}

/// Writes pending TLS records until done or the stream would block; counts
/// the bytes written in `sent`.
fn flush_tls<S: Write>(tls: &mut ClientConnection, sock: &mut S, sent: &mut u64) -> io::Result<()> {
    while tls.wants_write() {
        match tls.write_tls(sock) {
            Ok(0) => break,
            Ok(n) => *sent += n as u64,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
