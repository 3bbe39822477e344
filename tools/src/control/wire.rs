//! The control server's wire: a reader that takes the request and frames in
//! whole units (never while paused), and server frames (unmasked).

use std::io::{self, Read};
use std::net::TcpStream;
use std::sync::atomic::Ordering;

use super::{lock, Inner, MAX_MESSAGE, TICK};

/// Reads a connection in whole units, never while paused, giving up when
/// the server stops.
pub(super) struct Reader<'a> {
    pub(super) inner: &'a Inner,
    pub(super) s: TcpStream,
    pub(super) buf: Vec<u8>,
    /// Pausing applies only after the handshake.
    pub(super) pausable: bool,
}

impl Reader<'_> {
    /// Ensures `n` bytes are buffered; false on EOF, error or stop.
    pub(super) fn fill(&mut self, n: usize) -> bool {
        let mut chunk = [0u8; 16 << 10];
        while self.buf.len() < n {
            if self.inner.stop.load(Ordering::SeqCst) {
                return false;
            }
            if self.pausable && self.inner.paused.load(Ordering::SeqCst) {
                let r = lock(&self.inner.record);
                let _ = self.inner.changed.wait_timeout(r, TICK);
                continue;
            }
            match self.s.read(&mut chunk) {
                Ok(0) => return false,
                Ok(k) => self.buf.extend_from_slice(&chunk[..k]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return false,
            }
        }
        true
    }

    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        if !self.fill(n) {
            return None;
        }
        let rest = self.buf.split_off(n);
        Some(std::mem::replace(&mut self.buf, rest))
    }

    /// The HTTP request up to its blank line (at most 64 KiB).
    pub(super) fn request(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = self.take(end + 4)?;
                return String::from_utf8(head).ok();
            }
            if self.buf.len() > 64 << 10 || !self.fill(self.buf.len() + 1) {
                return None;
            }
        }
    }

    /// One frame: (FIN, opcode, unmasked payload).
    pub(super) fn frame(&mut self) -> Option<(bool, u8, Vec<u8>)> {
        let h = self.take(2)?;
        let len = match h[1] & 0x7f {
            126 => u16::from_be_bytes(self.take(2)?.try_into().ok()?) as usize,
            127 => usize::try_from(u64::from_be_bytes(self.take(8)?.try_into().ok()?)).ok()?,
            n => n as usize,
        };
        if len > MAX_MESSAGE {
            return None;
        }
        let mask = if h[1] & 0x80 != 0 {
            self.take(4)?
        } else {
            vec![0; 4]
        };
        let mut payload = self.take(len)?;
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        Some((h[0] & 0x80 != 0, h[0] & 0x0f, payload))
    }
}

/// A server frame (unmasked).
pub(super) fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    let len = payload.len();
    if len < 126 {
        f.push(len as u8);
    } else if len <= u16::MAX as usize {
        f.push(126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(127);
        f.extend_from_slice(&(len as u64).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

pub(super) fn header<'a>(req: &'a str, name: &str) -> Option<&'a str> {
    req.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}
