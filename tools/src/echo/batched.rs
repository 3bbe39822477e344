//! The echo server's stream wrapper: writes are buffered until a read would
//! block, so that the replies to everything that already arrived go out in
//! one system call.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use rustls::{ServerConnection, StreamOwned};

/// Replies are written out at the latest when this much is buffered.
const OUT_FLUSH_AT: usize = 1 << 20;

/// A stream whose writes are buffered until the server would block reading:
/// every reply to what already arrived goes out in one write.
pub(super) struct Batched<S> {
    pub(super) inner: S,
    pub(super) out: Vec<u8>,
}

pub(super) trait HasSocket {
    fn socket(&self) -> &TcpStream;
}

impl HasSocket for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

impl HasSocket for StreamOwned<ServerConnection, TcpStream> {
    fn socket(&self) -> &TcpStream {
        &self.sock
    }
}

impl<S: Read + Write + HasSocket> Batched<S> {
    pub(super) fn flush_out(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.inner.write_all(&self.out)?;
            self.out.clear();
            if self.out.capacity() > 4 * OUT_FLUSH_AT {
                self.out.shrink_to(OUT_FLUSH_AT);
            }
        }
        self.inner.flush()
    }
}

impl<S: Read + Write + HasSocket> Read for Batched<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.out.is_empty() {
            // Anything more to read right now? If not, send the replies first.
            self.inner.socket().set_nonblocking(true)?;
            let r = self.inner.read(buf);
            self.inner.socket().set_nonblocking(false)?;
            match r {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.flush_out()?,
                other => return other,
            }
        }
        self.inner.read(buf)
    }
}

impl<S: Read + Write + HasSocket> Write for Batched<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.extend_from_slice(buf);
        if self.out.len() >= OUT_FLUSH_AT {
            self.flush_out()?;
        }
        Ok(buf.len())
    }

    /// Deferred: the buffer goes out when a read would block (or on close).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
