//! A connected byte stream: plain TCP or rustls over TCP, non-blocking.
//! Reads return plaintext; writes take plaintext and report how much was
//! accepted; `all_sent` tells when every accepted byte reached the kernel.
//!
//! Over TLS, plaintext goes into rustls one record at a time (at most
//! [`TLS_RECORD`] bytes) and only once the previous records reached the
//! kernel, and the ciphertext bytes written to the socket are counted: so
//! when `wants_write` turns false, [`Transport::tls_sent`] is the stream
//! offset at which the record carrying the last plaintext byte written ends
//! (what `delivery` needs to tell acknowledged messages from the others).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};

use rustls::ClientConnection;

use crate::sys;

/// Most plaintext bytes handed to rustls at once: one TLS record's worth
/// (rustls's default maximum fragment), so one write makes one record.
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
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => -1,
        }
    }

    /// The TLS error that made a read or write fail, if any.
    pub fn tls_error(&self) -> Option<&rustls::Error> {
        match self {
            Transport::Tls { error, .. } => error.as_ref(),
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
            } => loop {
                match tls.reader().read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    other => return other,
                }
                if tls.read_tls(sock)? == 0 {
                    // The socket reached EOF: rustls now reports either a clean
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
            },
        }
    }

    /// Writes as much of `data` as can go now; returns the number of bytes
    /// accepted (0 when the socket is full). TLS takes at most one record's
    /// worth, and nothing while earlier records wait for the socket.
    pub fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => match s.write(data) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                other => other,
            },
            Transport::Tls {
                tls, sock, sent, ..
            } => {
                flush_tls(tls, sock, sent)?;
                if data.is_empty() || tls.wants_write() {
                    return Ok(0);
                }
                let n = tls.writer().write(&data[..data.len().min(TLS_RECORD)])?;
                flush_tls(tls, sock, sent)?;
                Ok(n)
            }
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
    pub fn unacked(&self) -> Option<u64> {
        match self {
            Transport::Plain(s) => sys::unacked_bytes(s.as_raw_fd()),
            Transport::Tls { sock, .. } => sys::unacked_bytes(sock.as_raw_fd()),
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
        }
    }

    /// Every byte accepted by `write` has been handed to the kernel.
    pub fn all_sent(&self) -> bool {
        match self {
            Transport::Plain(_) => true,
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => true,
            Transport::Tls { tls, .. } => !tls.is_handshaking() && !tls.wants_write(),
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
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => {}
        }
    }
}

/// Writes pending TLS records until done or the socket would block;
/// counts the bytes written in `sent`.
fn flush_tls(tls: &mut ClientConnection, sock: &mut TcpStream, sent: &mut u64) -> io::Result<()> {
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
