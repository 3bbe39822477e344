//! TLS to an HTTPS proxy as a byte stream: a non-blocking rustls client
//! over TCP that implements `Read` and `Write` with plaintext, so that the
//! tunnel handshake, a `ws://` connection or a second TLS session (the
//! server's, for `wss://`) can run inside it.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};

use rustls::ClientConnection;

/// TLS over a non-blocking TCP socket. Reads give plaintext (`WouldBlock`
/// when nothing is there yet); writes are buffered by rustls and pushed to
/// the socket as far as it takes them ([`TlsStream::wants_write`] tells
/// when bytes wait for the socket).
pub(crate) struct TlsStream {
    pub tls: Box<ClientConnection>,
    pub sock: TcpStream,
    /// The TLS error that made a read fail, if any.
    pub error: Option<rustls::Error>,
}

impl TlsStream {
    pub(crate) fn new(tls: ClientConnection, sock: TcpStream) -> TlsStream {
        TlsStream {
            tls: Box::new(tls),
            sock,
            error: None,
        }
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }

    /// Records wait for the socket to become writable.
    pub(crate) fn wants_write(&self) -> bool {
        self.tls.wants_write()
    }

    /// The TLS handshake is done and every record reached the kernel.
    pub(crate) fn all_sent(&self) -> bool {
        !self.tls.is_handshaking() && !self.tls.wants_write()
    }

    /// Pushes buffered records to the socket until done or it would block.
    pub(crate) fn flush_records(&mut self) -> io::Result<()> {
        flush(&mut self.tls, &mut self.sock)
    }

    /// close_notify, then FIN (best effort).
    pub(crate) fn shutdown(&mut self) {
        self.tls.send_close_notify();
        let _ = self.flush_records();
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
    }
}

/// Writes pending TLS records until done or the socket would block.
pub(crate) fn flush(tls: &mut ClientConnection, sock: &mut TcpStream) -> io::Result<()> {
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

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.tls.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
            if self.tls.read_tls(&mut self.sock)? == 0 {
                return match self.tls.reader().read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                    other => other,
                };
            }
            if let Err(e) = self.tls.process_new_packets() {
                let _ = self.tls.write_tls(&mut self.sock);
                let io_err = io::Error::new(io::ErrorKind::InvalidData, e.clone());
                self.error = Some(e);
                return Err(io_err);
            }
            if self.tls.wants_write() {
                self.flush_records()?;
            }
        }
    }
}

impl Write for TlsStream {
    /// Takes as much plaintext as rustls buffers (0 when its buffer is
    /// full), then sends what the socket takes.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = if data.is_empty() {
            0
        } else {
            self.tls.writer().write(data)?
        };
        self.flush_records()?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_records()
    }
}
