//! A connected byte stream: plain TCP or rustls over TCP, non-blocking.
//! Reads return plaintext; writes take plaintext and report how much was
//! accepted; `all_sent` tells when every accepted byte reached the kernel.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};

use rustls::ClientConnection;

pub enum Transport {
    Plain(TcpStream),
    Tls {
        tls: Box<ClientConnection>,
        sock: TcpStream,
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
            Transport::Tls { tls, sock, error } => loop {
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
                    let _ = tls.write_tls(sock);
                    let io_err = io::Error::new(io::ErrorKind::InvalidData, e.clone());
                    *error = Some(e);
                    return Err(io_err);
                }
                if tls.wants_write() {
                    flush_tls(tls, sock)?;
                }
            },
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
            Transport::Tls { tls, sock, .. } => {
                let n = if data.is_empty() {
                    0
                } else {
                    tls.writer().write(data)?
                };
                flush_tls(tls, sock)?;
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
            Transport::Tls { tls, sock, .. } => flush_tls(tls, sock),
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
            Transport::Tls { tls, sock, .. } => {
                tls.send_close_notify();
                let _ = flush_tls(tls, sock);
                let _ = sock.shutdown(std::net::Shutdown::Write);
            }
            #[cfg(any(test, feature = "fuzzing"))]
            Transport::Memory(_) => {}
        }
    }
}

/// Writes pending TLS records until done or the socket would block.
fn flush_tls(tls: &mut ClientConnection, sock: &mut TcpStream) -> io::Result<()> {
    while tls.wants_write() {
        match tls.write_tls(sock) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
