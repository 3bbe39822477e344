//! A connection's buffers: the bytes on their way to the transport, the
//! messages they carry, and tungstenite's view of both.

use std::io::{self, Read, Write};

use crate::delivery::{Delivery, Ledger, Taken};
use crate::queue::Outgoing;
use crate::shared::Shared;
use crate::transport::Transport;
use crate::wire::Wire;

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

    /// Appends through `f`, which only adds to the end of the buffer,
    /// counting what it added.
    fn append<R>(&mut self, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let before = self.buf.len();
        let r = f(&mut self.buf);
        self.appended += (self.buf.len() - before) as u64;
        r
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

/// A connection: the transport, the bytes going out, and the messages they
/// carry until the peer is known to have them (see `delivery`).
pub(super) struct Conn {
    pub(super) t: Transport,
    pub(super) out: OutBuf,
    /// Plaintext bytes handed to the transport.
    pub(super) accepted: u64,
    /// The messages written into `out`, until known delivered.
    pub(super) ledger: Ledger<Outgoing>,
    /// Something arrived during the last read pass.
    pub(super) got_data: bool,
    /// A plain socket returned less than asked during this read pass: it is
    /// drained, and another read would only fail with EAGAIN.
    pub(super) drained: bool,
}

impl Conn {
    /// A connection over `t`; `delivery` and `keep_limit` set up its ledger.
    pub(super) fn new(t: Transport, delivery: Delivery, keep_limit: u64) -> Conn {
        Conn {
            t,
            out: OutBuf::default(),
            accepted: 0,
            ledger: Ledger::new(delivery, keep_limit),
            got_data: false,
            drained: false,
        }
    }

    pub(super) fn wants_write(&self) -> bool {
        self.out.len() > 0 || self.t.wants_write()
    }

    /// Frames a message taken from the queue into the output buffer and
    /// records it in the ledger; on failure gives it back with the error.
    pub(super) fn frame(
        &mut self,
        sh: &Shared,
        ws: &mut Wire,
        msg: Outgoing,
    ) -> Result<(), (Outgoing, tungstenite::Error)> {
        // Text was validated by `send`.
        let writer = &mut ws.writer;
        match self
            .out
            .append(|b| writer.message(b, &msg.data, msg.binary))
        {
            Ok(w) if w.compressed => sh.count_compressed_sent(msg.data.len(), w.wire),
            Ok(_) => {}
            Err(e) => return Err((msg, e)),
        }
        let len = msg.data.len();
        self.ledger.push(self.out.appended, len, msg);
        Ok(())
    }

    /// Counts messages whose bytes all reached the kernel as sent.
    pub(super) fn settle(&mut self, sh: &Shared) {
        let queue = sh.queue();
        let (mut n, mut bytes) = (0, 0);
        self.ledger.settle(|msg| {
            n += 1;
            bytes += msg.data.len() as u64;
            queue.written(msg);
        });
        if n > 0 {
            sh.count_sent(n, bytes);
            queue.mark_sent_many(n, bytes);
        }
    }

    /// Bytes written to the socket so far (ciphertext over TLS).
    fn stream_written(&self) -> u64 {
        self.t.tls_sent().unwrap_or(self.accepted)
    }

    /// Tells the ledger which messages are wholly in the kernel: over TLS,
    /// once no record waits for the socket, every accepted byte's record
    /// ends at the ciphertext count.
    fn map_written(&mut self) {
        match self.t.tls_sent() {
            None => self.ledger.written(self.accepted, None),
            Some(sent) if self.t.all_sent() => self.ledger.written(self.accepted, Some(sent)),
            Some(_) => {}
        }
    }

    /// Writes what the socket takes now.
    pub(super) fn pump(&mut self) -> io::Result<()> {
        self.t.flush()?;
        self.map_written();
        while self.out.len() > 0 {
            let n = self.t.write(self.out.pending())?;
            if n == 0 {
                break;
            }
            self.out.consume(n);
            self.accepted += n as u64;
            // Over TLS, record by record: each maps its messages.
            self.map_written();
        }
        if self.ledger.wants_prune() {
            let acked = self.acked();
            self.ledger.prune(acked.unwrap_or(u64::MAX));
        }
        Ok(())
    }

    /// The stream offset up to which the peer acknowledged (`None`: the
    /// kernel cannot tell).
    fn acked(&self) -> Option<u64> {
        let written = self.stream_written();
        self.t.unacked().map(|u| written.saturating_sub(u))
    }

    /// Something arrived from the server (for at-least-once).
    pub(super) fn note_received(&mut self) {
        let written = self.stream_written();
        self.ledger.received(written);
    }

    /// The connection is over (its socket still open): the messages it may
    /// not have delivered, oldest first, and what they were. Call after the
    /// ledger's `settle`.
    pub(super) fn take_undelivered(
        &mut self,
    ) -> (
        Taken,
        impl DoubleEndedIterator<Item = Outgoing> + ExactSizeIterator + '_,
    ) {
        let acked = self.acked();
        let (taken, undelivered) = self.ledger.take_undelivered(acked, self.accepted);
        if taken.settled > 0 {
            // They go back to the queue: this connection must not deliver
            // them late (a closed socket still sends what it holds).
            self.t.discard_unsent_on_close();
        }
        (taken, undelivered)
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
        self.out.append(|b| b.extend_from_slice(buf));
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
