//! The server's byte stream to messages: frame headers parsed with
//! tungstenite's `FrameHeader::parse`, every RFC 6455 §5 check a client
//! owes (unmasked server frames, RSV bits, control frame rules, fragment
//! order, close codes, UTF-8), reassembly under the maximum message size, and
//! permessage-deflate (RFC 7692) when negotiated.
//!
//! Sans-IO: bytes go in through [`Reader::read_from`] (any `Read`), items
//! come out of [`Reader::next`] borrowing the reader's buffers, so a small
//! unfragmented message is handed over without a copy.

use std::io::{self, Cursor, Read};

use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, FrameHeader};

use super::WireError;
use crate::deflate::codec::{InflateError, Inflater};

/// The read buffer's size when idle, and the least room offered to a read.
pub(crate) const READ_CHUNK: usize = 16 << 10;
/// The room offered to reads once a read filled all the room it had: a
/// busy connection reads in larger blocks (fewer syscalls per message); the
/// thread's scratch buffer keeps that size for its later read passes.
const BUSY_CHUNK: usize = 64 << 10;
/// Buffers larger than this are given back once their message is delivered.
const KEEP_CAPACITY: usize = 256 << 10;
/// Close reason tungstenite used when it replaced a close code that is not
/// allowed; kept so that the session reports such closes the same way.
pub(crate) const INVALID_CLOSE_CODE_REASON: &str = "Protocol violation";

/// One thing the server sent.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// A text message, valid UTF-8.
    Text(&'a [u8]),
    /// A binary message.
    Binary(&'a [u8]),
    /// A ping: answer with a pong carrying the same payload.
    Ping(&'a [u8]),
    /// A pong.
    Pong(&'a [u8]),
    /// A close frame, its code replaced by 1002 when not allowed on the
    /// wire (as tungstenite did). `None`: no code.
    Close(Option<CloseFrame>),
}

/// A message whose frames are still arriving.
struct Partial {
    text: bool,
    compressed: bool,
    /// Bytes of `msg` known to be valid UTF-8 so far (uncompressed text).
    utf8_ok: usize,
    /// Compressed bytes received so far (compressed messages).
    wire_len: u64,
}

thread_local! {
    /// The read buffer of the readers this thread drives, lent to one reader
    /// for a read pass: an idle connection holds no read buffer of its own
    /// (a shared I/O thread serves thousands with one).
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The reading half of an open connection.
pub(crate) struct Reader {
    /// Received bytes; those not yet parsed are `buf[start..end]`. Always
    /// initialised (grown with zeros once), so reads never zero-fill.
    /// Empty between read passes when nothing is pending (see [`Reader::park`]).
    buf: Vec<u8>,
    /// `buf` is the thread's scratch buffer, to be given back by `park`.
    lent: bool,
    start: usize,
    end: usize,
    max_message: usize,
    /// Reassembled or inflated message.
    msg: Vec<u8>,
    partial: Option<Partial>,
    inflater: Option<Inflater>,
    /// Compressed size of the message just handed out, if it was compressed.
    compressed_wire: Option<u64>,
    /// The last read filled all the room offered: offer [`BUSY_CHUNK`].
    busy: bool,
}

/// A header parsed and checked, its payload in `buf[start + hlen ..]`.
struct Head {
    header: FrameHeader,
    hlen: usize,
    len: usize,
}

impl Reader {
    /// A reader for a connection whose handshake left `rest` unparsed.
    /// `inflater`: permessage-deflate was negotiated.
    pub(crate) fn new(rest: &[u8], max_message: usize, inflater: Option<Inflater>) -> Reader {
        let mut buf = vec![0; rest.len()];
        buf.copy_from_slice(rest);
        Reader {
            buf,
            lent: false,
            start: 0,
            end: rest.len(),
            max_message,
            msg: Vec::new(),
            partial: None,
            inflater,
            compressed_wire: None,
            busy: false,
        }
    }

    /// Bytes of buffer held (read buffer and message), for the fuzzer's
    /// memory bound.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn held(&self) -> usize {
        self.buf.capacity() + self.msg.capacity()
    }

    /// The compressed size of the message the last [`Reader::next`] handed
    /// out, if it came compressed.
    pub(crate) fn compressed_wire(&self) -> Option<u64> {
        self.compressed_wire
    }

    /// Reads once from `src` into the buffer, making room for the frame in
    /// progress. `Ok(0)`: end of stream.
    pub(crate) fn read_from(&mut self, src: &mut impl Read) -> io::Result<usize> {
        let mut want = self.wanted();
        // Only into the thread's buffer: a connection's own (kept while a
        // frame is in progress) stays small.
        if self.busy && (self.lent || self.start == self.end) {
            want = want.max(BUSY_CHUNK);
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if !self.lent && self.buf.len() < want {
                // Nothing pending: read into the thread's buffer.
                let scratch = SCRATCH.with(|c| c.take());
                self.buf = if scratch.len() >= READ_CHUNK {
                    scratch
                } else {
                    vec![0; READ_CHUNK]
                };
                self.lent = true;
            }
        }
        if self.buf.len() - self.end < want {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < want {
                self.buf.resize(self.end + want, 0);
            }
        }
        let room = self.buf.len() - self.end;
        let n = src.read(&mut self.buf[self.end..])?;
        self.end += n;
        self.busy = n == room;
        Ok(n)
    }

    /// Ends a read pass (the source had nothing more): gives the thread's
    /// buffer back and keeps only the bytes of a frame still in progress,
    /// so that an idle connection holds no read buffer.
    pub(crate) fn park(&mut self) {
        let pending = self.end - self.start;
        if self.partial.is_none() && self.msg.capacity() > 0 {
            self.msg = Vec::new();
        }
        if !self.lent && (pending > 0 || self.buf.capacity() == 0) {
            return;
        }
        let own = self.buf[self.start..self.end].to_vec();
        let buf = std::mem::replace(&mut self.buf, own);
        self.start = 0;
        self.end = pending;
        if self.lent && buf.len() <= KEEP_CAPACITY {
            SCRATCH.with(|c| c.set(buf));
        }
        self.lent = false;
    }

    /// Room to offer the next read: the rest of the frame in progress
    /// (growing by doubling, so a header announcing a large frame costs
    /// memory only as its bytes arrive), at least [`READ_CHUNK`].
    fn wanted(&self) -> usize {
        let have = self.end - self.start;
        let frame = match FrameHeader::parse(&mut Cursor::new(&self.buf[self.start..self.end])) {
            Ok(Some((h, len))) => h.len(len) as u64 + len,
            _ => 0,
        };
        let missing = frame.saturating_sub(have as u64);
        let growth = (have.max(READ_CHUNK)) as u64;
        missing.min(growth).max(READ_CHUNK as u64) as usize
    }

    /// The next complete item in the buffer; `Ok(None)`: read more first.
    /// After an error the connection must be failed (the reader is spent).
    pub(crate) fn next(&mut self) -> Result<Option<Item<'_>>, WireError> {
        self.compressed_wire = None;
        if self.partial.is_none() && self.msg.capacity() > KEEP_CAPACITY {
            self.msg = Vec::new();
        }
        if self.start == self.end && self.buf.len() > KEEP_CAPACITY {
            self.buf = Vec::new();
            self.lent = false;
            self.start = 0;
            self.end = 0;
        }
        loop {
            let Some(head) = self.head()? else {
                return Ok(None);
            };
            if self.end - self.start < head.hlen + head.len {
                return Ok(None);
            }
            let from = self.start + head.hlen;
            let to = from + head.len;
            self.start = to;
            match head.header.opcode {
                OpCode::Control(c) => return control(c, &self.buf[from..to]).map(Some),
                OpCode::Data(d) => {
                    if self.data(d, &head.header, from, to)? {
                        return Ok(Some(self.item(d, &head.header, from, to)));
                    }
                }
            }
        }
    }

    /// Parses and checks the header at `start` (before its payload arrives,
    /// so that a bad frame fails at once).
    fn head(&self) -> Result<Option<Head>, WireError> {
        let bytes = &self.buf[self.start..self.end];
        let (header, len, hlen) = match short_header(bytes) {
            Some((header, len)) => (header, len, 2),
            None => {
                let mut cursor = Cursor::new(bytes);
                let (header, len) = match FrameHeader::parse(&mut cursor) {
                    Ok(Some(h)) => h,
                    Ok(None) => return Ok(None),
                    Err(e) => return Err(WireError::protocol(e.to_string())),
                };
                (header, len, cursor.position() as usize)
            }
        };
        if header.mask.is_some() {
            return Err(WireError::protocol("the server sent a masked frame"));
        }
        if header.rsv2 || header.rsv3 {
            return Err(WireError::protocol(
                "the server set the reserved bit RSV2 or RSV3, which no extension defines",
            ));
        }
        let first_data = matches!(header.opcode, OpCode::Data(Data::Text | Data::Binary));
        if header.rsv1 && !(first_data && self.inflater.is_some()) {
            return Err(WireError::protocol(if self.inflater.is_none() {
                "the server set the reserved bit RSV1, but permessage-deflate was not negotiated"
            } else {
                "the server set the reserved bit RSV1 on a control or continuation frame"
            }));
        }
        match header.opcode {
            OpCode::Control(_) => {
                if !header.is_final {
                    return Err(WireError::protocol("the server fragmented a control frame"));
                }
                if len > 125 {
                    return Err(WireError::protocol(format!(
                        "the server sent a control frame of {len} bytes (at most 125)"
                    )));
                }
            }
            OpCode::Data(d) => {
                match (d, &self.partial) {
                    (Data::Continue, None) => {
                        return Err(WireError::protocol(
                            "the server sent a continuation frame with no message to continue",
                        ))
                    }
                    (Data::Text | Data::Binary, Some(_)) => {
                        return Err(WireError::protocol(
                            "the server began a new message before finishing the fragmented one",
                        ))
                    }
                    _ => {}
                }
                let so_far = match &self.partial {
                    Some(p) if p.compressed => p.wire_len,
                    Some(_) => self.msg.len() as u64,
                    None => 0,
                };
                // Compressed bytes are held to the same limit: DEFLATE
                // expands incompressible data by well under 1%.
                let limit = self.max_message as u64 + self.max_message as u64 / 64 + 1024;
                let compressed = header.rsv1 || self.partial.as_ref().is_some_and(|p| p.compressed);
                let cap = if compressed {
                    limit
                } else {
                    self.max_message as u64
                };
                if so_far.saturating_add(len) > cap {
                    return Err(WireError::too_big(
                        so_far.saturating_add(len),
                        self.max_message,
                    ));
                }
            }
        }
        Ok(Some(Head {
            header,
            hlen,
            len: len as usize,
        }))
    }

    /// Takes in a data frame whose payload is `buf[from..to]`. `Ok(true)`:
    /// a message is complete.
    fn data(
        &mut self,
        d: Data,
        h: &FrameHeader,
        from: usize,
        to: usize,
    ) -> Result<bool, WireError> {
        let payload = &self.buf[from..to];
        if self.partial.is_none() {
            let compressed = h.rsv1;
            if h.is_final && !compressed {
                // Whole and plain: checked and handed over in place.
                if d == Data::Text {
                    check_utf8(payload)?;
                }
                return Ok(true);
            }
            self.msg.clear();
            self.partial = Some(Partial {
                text: d == Data::Text,
                compressed,
                utf8_ok: 0,
                wire_len: 0,
            });
        }
        let p = self.partial.as_mut().expect("a message in progress");
        if p.compressed {
            p.wire_len += payload.len() as u64;
            let inflater = self.inflater.as_mut().expect("RSV1 only with deflate");
            inflater
                .push(payload, self.max_message, &mut self.msg)
                .map_err(|e| inflate_error(e, self.max_message))?;
            if h.is_final {
                self.compressed_wire = Some(p.wire_len);
                inflater
                    .finish(self.max_message, &mut self.msg)
                    .map_err(|e| inflate_error(e, self.max_message))?;
                if p.text {
                    check_utf8(&self.msg)?;
                }
            }
        } else {
            self.msg.extend_from_slice(payload);
            if p.text {
                // Fail fast: each fragment is checked as it arrives, an
                // incomplete sequence at its end is carried to the next.
                match std::str::from_utf8(&self.msg[p.utf8_ok..]) {
                    Ok(_) => p.utf8_ok = self.msg.len(),
                    Err(e) if e.error_len().is_none() && !h.is_final => {
                        p.utf8_ok += e.valid_up_to();
                    }
                    Err(_) => return Err(utf8_error()),
                }
            }
        }
        Ok(h.is_final)
    }

    /// The completed message: in place for a whole plain frame, else `msg`.
    fn item(&mut self, d: Data, h: &FrameHeader, from: usize, to: usize) -> Item<'_> {
        match self.partial.take() {
            None => {
                let payload = &self.buf[from..to];
                if d == Data::Text {
                    Item::Text(payload)
                } else {
                    Item::Binary(payload)
                }
            }
            Some(p) => {
                debug_assert!(h.is_final);
                if p.text {
                    Item::Text(&self.msg)
                } else {
                    Item::Binary(&self.msg)
                }
            }
        }
    }
}

/// The header of the most common frame, parsed by hand: unmasked, at most
/// 125 payload bytes, a defined opcode (RFC 6455 §5.2). Anything else —
/// longer lengths, a mask, a reserved opcode, fewer than two bytes — is
/// left to tungstenite's parser, which also words the errors.
fn short_header(bytes: &[u8]) -> Option<(FrameHeader, u64)> {
    let (&b0, &b1) = (bytes.first()?, bytes.get(1)?);
    let (op, len) = (b0 & 0x0f, b1 & 0x7f);
    if b1 & 0x80 != 0 || len >= 126 || !matches!(op, 0 | 1 | 2 | 8 | 9 | 10) {
        return None;
    }
    let header = FrameHeader {
        is_final: b0 & 0x80 != 0,
        rsv1: b0 & 0x40 != 0,
        rsv2: b0 & 0x20 != 0,
        rsv3: b0 & 0x10 != 0,
        opcode: OpCode::from(op),
        mask: None,
    };
    Some((header, u64::from(len)))
}

fn control(c: Control, payload: &[u8]) -> Result<Item<'_>, WireError> {
    match c {
        Control::Ping => Ok(Item::Ping(payload)),
        Control::Pong => Ok(Item::Pong(payload)),
        Control::Close => close(payload).map(Item::Close),
        Control::Reserved(i) => Err(WireError::protocol(format!(
            "the server sent a frame with the reserved control opcode {i}"
        ))),
    }
}

fn close(payload: &[u8]) -> Result<Option<CloseFrame>, WireError> {
    match payload.len() {
        0 => Ok(None),
        1 => Err(WireError::protocol(
            "the server sent a close frame with a 1-byte payload",
        )),
        _ => {
            let code = CloseCode::from(u16::from_be_bytes([payload[0], payload[1]]));
            let reason = std::str::from_utf8(&payload[2..]).map_err(|_| {
                WireError::invalid("the server sent a close reason that is not valid UTF-8")
            })?;
            Ok(Some(if code.is_allowed() {
                CloseFrame {
                    code,
                    reason: reason.to_owned().into(),
                }
            } else {
                CloseFrame {
                    code: CloseCode::Protocol,
                    reason: INVALID_CLOSE_CODE_REASON.into(),
                }
            }))
        }
    }
}

fn check_utf8(b: &[u8]) -> Result<(), WireError> {
    std::str::from_utf8(b).map(|_| ()).map_err(|_| utf8_error())
}

fn utf8_error() -> WireError {
    WireError::invalid("the server sent a text message that is not valid UTF-8")
}

fn inflate_error(e: InflateError, max: usize) -> WireError {
    match e {
        InflateError::TooBig { .. } => WireError::too_big(max as u64 + 1, max),
        InflateError::Corrupt(m) => {
            WireError::invalid(format!("the server sent corrupt compressed data ({m})"))
        }
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
