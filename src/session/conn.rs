//! A connection's buffers: the bytes on their way to the transport, the
//! messages they carry, and tungstenite's view of both.

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use crate::queue::Outgoing;
use crate::transport::Transport;

/// The bytes on their way to the transport, with running totals so that each
/// message can be marked written once all of its bytes reached the kernel.
#[derive(Default)]
pub(super) struct OutBuf {
    pub(super) buf: Vec<u8>,
    pub(super) pos: usize,
    /// Bytes ever appended.
    pub(super) appended: u64,
}

impl OutBuf {
    pub(super) fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    pub(super) fn len(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(super) fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.buf.capacity() > 4 << 20 {
                self.buf.shrink_to(256 << 10);
            }
        } else if self.pos > (1 << 20) && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }
}

/// A connection: the transport, the bytes going out, and what they carry.
pub(super) struct Conn {
    pub(super) t: Transport,
    pub(super) out: OutBuf,
    /// Bytes handed to the transport, and those known to be in the kernel.
    pub(super) accepted: u64,
    pub(super) confirmed: u64,
    /// Messages in `out` (or the TLS layer), with the offset of their end.
    pub(super) inflight: VecDeque<(u64, Outgoing)>,
    /// Something arrived during the last read pass.
    pub(super) got_data: bool,
    /// A plain socket returned less than asked during this read pass: it is
    /// drained, and another read would only fail with EAGAIN.
    pub(super) drained: bool,
}

impl Conn {
    pub(super) fn new(t: Transport) -> Conn {
        Conn {
            t,
            out: OutBuf::default(),
            accepted: 0,
            confirmed: 0,
            inflight: VecDeque::new(),
            got_data: false,
            drained: false,
        }
    }

    pub(super) fn wants_write(&self) -> bool {
        self.out.len() > 0 || self.t.wants_write()
    }

    /// Writes what the socket takes now.
    pub(super) fn pump(&mut self) -> io::Result<()> {
        while self.out.len() > 0 {
            let n = self.t.write(self.out.pending())?;
            if n == 0 {
                break;
            }
            self.out.consume(n);
            self.accepted += n as u64;
        }
        self.t.flush()?;
        if self.t.all_sent() {
            self.confirmed = self.accepted;
        }
        Ok(())
    }
}

/// tungstenite's view of a connection: reads come from the transport, writes
/// go to our output buffer (never blocking; we flush it ourselves).
pub(super) struct Io<'a> {
    t: &'a mut Transport,
    out: &'a mut OutBuf,
    got_data: &'a mut bool,
    drained: &'a mut bool,
}

impl Read for Io<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if *self.drained {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = self.t.read(buf)?;
        if n > 0 {
            *self.got_data = true;
            // A short read from a TCP socket took all there was (TLS may
            // still hold decrypted data, so only for plain sockets).
            *self.drained = n < buf.len() && matches!(self.t, Transport::Plain(_));
        }
        Ok(n)
    }
}

impl Write for Io<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.buf.extend_from_slice(buf);
        self.out.appended += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(super) fn io_of(c: &mut Conn) -> Io<'_> {
    Io {
        t: &mut c.t,
        out: &mut c.out,
        got_data: &mut c.got_data,
        drained: &mut c.drained,
    }
}
