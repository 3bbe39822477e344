//! Our messages to frames: each message is one frame, compressed (RSV1 set)
//! when permessage-deflate is on and the message reaches the threshold.
//! Data frames are formatted here (the header as RFC 6455 §5.2 lays it
//! out; tests check it against tungstenite's parser) and masked as RFC 6455 §5.3 requires of a client, straight into the output
//! stream: no intermediate frame buffer, no copy of the payload besides the
//! masked one. Masking keys come from the operating system's random source
//! (through the TLS provider), fetched in blocks per thread. Control frames
//! (ping, pong, close) go through tungstenite's `WebSocketContext`, used for
//! writing only.

use std::cell::RefCell;
use std::io::{self, Read, Write};

use once_cell::sync::Lazy;
use rustls::crypto::SecureRandom;
use tungstenite::error::ProtocolError;
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, FrameHeader};
use tungstenite::protocol::{Role, WebSocketConfig, WebSocketContext};
use tungstenite::{Bytes, Message};

use crate::deflate::codec::Compressor;

/// How a message went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Written {
    /// Payload bytes on the wire (after compression).
    pub wire: usize,
    /// The message was compressed.
    pub compressed: bool,
}

/// The writing half of an open connection.
pub(crate) struct Writer {
    ctx: WebSocketContext,
    compressor: Option<Compressor>,
    scratch: Vec<u8>,
    /// A close frame went out: no data frame may follow (RFC 6455 §5.5.1).
    closed: bool,
}

impl Writer {
    /// A writer; `compressor`: permessage-deflate was negotiated.
    pub(crate) fn new(compressor: Option<Compressor>) -> Writer {
        // Never read through: no read buffer; frames are handed to the
        // stream at once (our output buffer), not held inside.
        let cfg = WebSocketConfig::default()
            .read_buffer_size(0)
            .write_buffer_size(0);
        Writer {
            ctx: WebSocketContext::new(Role::Client, Some(cfg)),
            compressor,
            scratch: Vec::new(),
            closed: false,
        }
    }

    /// Frames one message into `out`. Text was validated by `send`.
    pub(crate) fn message<S: Read + Write>(
        &mut self,
        out: &mut S,
        data: &[u8],
        binary: bool,
    ) -> tungstenite::Result<Written> {
        if self.closed {
            return Err(tungstenite::Error::Protocol(
                ProtocolError::SendAfterClosing,
            ));
        }
        let op = OpCode::Data(if binary { Data::Binary } else { Data::Text });
        match self.compressor.as_mut() {
            Some(c) if c.wants(data.len()) => {
                c.compress(data, &mut self.scratch);
                let wire = self.scratch.len();
                let r = masked_frame(out, op, true, &self.scratch);
                if self.scratch.capacity() > 256 << 10 {
                    self.scratch = Vec::new();
                }
                r?;
                Ok(Written {
                    wire,
                    compressed: true,
                })
            }
            _ => {
                masked_frame(out, op, false, data)?;
                Ok(Written {
                    wire: data.len(),
                    compressed: false,
                })
            }
        }
    }

    /// A ping with `payload`.
    pub(crate) fn ping<S: Read + Write>(
        &mut self,
        out: &mut S,
        payload: &[u8],
    ) -> tungstenite::Result<()> {
        self.send(out, Message::Ping(Bytes::copy_from_slice(payload)))
    }

    /// A pong answering a ping's `payload`.
    pub(crate) fn pong<S: Read + Write>(
        &mut self,
        out: &mut S,
        payload: &[u8],
    ) -> tungstenite::Result<()> {
        self.send(out, Message::Pong(Bytes::copy_from_slice(payload)))
    }

    /// A close frame (once; later calls write nothing).
    pub(crate) fn close<S: Read + Write>(
        &mut self,
        out: &mut S,
        frame: Option<CloseFrame>,
    ) -> tungstenite::Result<()> {
        self.closed = true;
        self.ctx.close(out, frame)
    }

    fn send<S: Read + Write>(&mut self, out: &mut S, m: Message) -> tungstenite::Result<()> {
        self.ctx.write(out, m)?;
        self.ctx.flush(out)
    }
}

/// Payload bytes masked per write into the output (with the header in front
/// of the first block): messages up to `SMALL_BLOCK` bytes in one block of
/// that size, larger ones in blocks of `MASK_BLOCK`.
const SMALL_BLOCK: usize = 240;
const MASK_BLOCK: usize = 4096;
/// Masking keys fetched from the random source at once (4 bytes each).
const KEYS_PER_FETCH: usize = 1024;

/// The operating system's random source, as the TLS provider wraps it.
static RANDOM: Lazy<&'static dyn SecureRandom> =
    Lazy::new(|| rustls::crypto::ring::default_provider().secure_random);

thread_local! {
    /// Random bytes for masking keys, and how many of them were used: one
    /// fetch from the random source serves [`KEYS_PER_FETCH`] frames.
    static KEYS: RefCell<([u8; 4 * KEYS_PER_FETCH], usize)> =
        const { RefCell::new(([0; 4 * KEYS_PER_FETCH], 4 * KEYS_PER_FETCH)) };
}

/// A fresh masking key (RFC 6455 §5.3: unpredictable, one per frame).
fn mask_key() -> io::Result<[u8; 4]> {
    KEYS.with(|k| {
        let (pool, used) = &mut *k.borrow_mut();
        if *used + 4 > pool.len() {
            RANDOM
                .fill(pool)
                .map_err(|_| io::Error::other("no random bytes for a masking key"))?;
            *used = 0;
        }
        let key = [
            pool[*used],
            pool[*used + 1],
            pool[*used + 2],
            pool[*used + 3],
        ];
        *used += 4;
        Ok(key)
    })
}

/// Writes one final, masked data frame of `payload` (RSV1 when `rsv1`).
fn masked_frame<S: Write>(
    out: &mut S,
    opcode: OpCode,
    rsv1: bool,
    payload: &[u8],
) -> tungstenite::Result<()> {
    let header = FrameHeader {
        is_final: true,
        rsv1,
        rsv2: false,
        rsv3: false,
        opcode,
        mask: Some(mask_key()?),
    };
    // A small block for small messages: the block is zeroed on every call.
    if payload.len() <= SMALL_BLOCK {
        masked_blocks::<S, { 14 + SMALL_BLOCK }>(out, &header, payload)
    } else {
        masked_blocks::<S, { 14 + MASK_BLOCK }>(out, &header, payload)
    }
}

/// Writes `header` and `payload` masked, through a stack block of `N` bytes
/// (the header and `N - 14` payload bytes at most per write).
fn masked_blocks<S: Write, const N: usize>(
    out: &mut S,
    header: &FrameHeader,
    payload: &[u8],
) -> tungstenite::Result<()> {
    let key = header.mask.expect("a client frame is masked");
    let mut block = [0u8; N];
    let mut at = format_header(&mut block, header, payload.len() as u64);
    // Blocks of a multiple of 4 bytes keep the key's phase.
    for chunk in payload.chunks(N - 14) {
        mask_into(&mut block[at..at + chunk.len()], chunk, key);
        out.write_all(&block[..at + chunk.len()])?;
        at = 0;
    }
    if payload.is_empty() {
        out.write_all(&block[..at])?;
    }
    Ok(())
}

/// RFC 6455 §5.2: the header of a masked frame of `len` payload bytes at the
/// start of `block` (at least 14 bytes); returns its length.
fn format_header(block: &mut [u8], h: &FrameHeader, len: u64) -> usize {
    let key = h.mask.expect("a client frame is masked");
    let fin = if h.is_final { 0x80 } else { 0 };
    let rsv1 = if h.rsv1 { 0x40 } else { 0 };
    block[0] = u8::from(h.opcode) | fin | rsv1;
    let at = if len < 126 {
        block[1] = 0x80 | len as u8;
        2
    } else if len <= u64::from(u16::MAX) {
        block[1] = 0x80 | 126;
        block[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        4
    } else {
        block[1] = 0x80 | 127;
        block[2..10].copy_from_slice(&len.to_be_bytes());
        10
    };
    block[at..at + 4].copy_from_slice(&key);
    at + 4
}

/// `dst = src ^ key` repeated (`dst` and `src` of the same length, starting
/// at a multiple of 4 bytes into the payload).
fn mask_into(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    let k = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (d, s) in (&mut d).zip(&mut s) {
        let v = u64::from_ne_bytes(s.try_into().expect("8 bytes")) ^ k;
        d.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, (d, s)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
        *d = s ^ key[i & 3];
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::deflate::codec::{Inflater, Settings};
    use crate::deflate::negotiate::Agreed;
    use crate::wire::reader::{Item, Reader};

    /// Collects written bytes; reads nothing.
    #[derive(Default)]
    struct Sink(Vec<u8>);

    impl Read for Sink {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Unmasks client frames so that our reader (which rejects masked
    /// frames, as a client must) can parse them back.
    fn unmask(mut b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let mut cur = io::Cursor::new(b);
            let (mut h, len) = tungstenite::protocol::frame::FrameHeader::parse(&mut cur)
                .unwrap()
                .unwrap();
            let hl = cur.position() as usize;
            let mask = h.mask.take().expect("client frames are masked");
            let payload: Vec<u8> = b[hl..hl + len as usize]
                .iter()
                .enumerate()
                .map(|(i, x)| x ^ mask[i % 4])
                .collect();
            h.format(len, &mut out).unwrap();
            out.extend_from_slice(&payload);
            b = &b[hl + len as usize..];
        }
        out
    }

    const AGREED: Agreed = Agreed {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };

    #[test]
    fn compresses_above_the_threshold_only() {
        let s = Settings {
            level: 6,
            threshold: 64,
            release_between_messages: false,
        };
        let mut w = Writer::new(Some(Compressor::new(&AGREED, s)));
        let mut sink = Sink::default();
        let small = Bytes::from_static(b"short");
        let big = Bytes::from("{\"a\":1}".repeat(100));
        let r1 = w.message(&mut sink, &small, false).unwrap();
        let r2 = w.message(&mut sink, &big, false).unwrap();
        let r3 = w.message(&mut sink, &big, true).unwrap();
        assert_eq!(
            r1,
            Written {
                wire: 5,
                compressed: false
            }
        );
        assert!(r2.compressed && r2.wire < big.len() / 10, "{r2:?}");
        assert_eq!(r2, r3);
        w.ping(&mut sink, b"p").unwrap();
        w.pong(&mut sink, b"q").unwrap();
        // RSV1 only on the compressed frames, every frame masked.
        let wire = unmask(&sink.0);
        let mut r = Reader::new(&wire, 1 << 20, Some(Inflater::new(&AGREED, s)));
        assert_eq!(r.next().unwrap(), Some(Item::Text(b"short")));
        assert_eq!(r.next().unwrap(), Some(Item::Text(big.as_ref())));
        assert_eq!(r.next().unwrap(), Some(Item::Binary(big.as_ref())));
        assert_eq!(r.next().unwrap(), Some(Item::Ping(b"p")));
        assert_eq!(r.next().unwrap(), Some(Item::Pong(b"q")));
        assert_eq!(r.next().unwrap(), None);
        assert_eq!(sink.0[0] & 0x40, 0);
    }

    #[test]
    fn every_length_is_framed_and_masked_intact() {
        let mut w = Writer::new(None);
        let mut sink = Sink::default();
        let lens = [
            0, 1, 3, 7, 8, 9, 125, 126, 4095, 4096, 4097, 65535, 65536, 70001,
        ];
        let msgs: Vec<Vec<u8>> = lens
            .iter()
            .map(|&n| (0..n).map(|i| (i * 31 % 251) as u8).collect())
            .collect();
        for m in &msgs {
            w.message(&mut sink, m, true).unwrap();
        }
        let wire = unmask(&sink.0);
        let mut r = Reader::new(&wire, 1 << 20, None);
        for m in &msgs {
            assert_eq!(r.next().unwrap(), Some(Item::Binary(m.as_slice())));
        }
        assert_eq!(r.next().unwrap(), None);
    }

    #[test]
    fn masking_keys_differ_from_frame_to_frame() {
        let mut w = Writer::new(None);
        let mut keys = std::collections::HashSet::new();
        // More frames than one fetch of keys serves.
        for _ in 0..2 * KEYS_PER_FETCH + 3 {
            let mut sink = Sink::default();
            w.message(&mut sink, b"x", false).unwrap();
            keys.insert([sink.0[2], sink.0[3], sink.0[4], sink.0[5]]);
        }
        // 515 random 32-bit keys: a repeat is possible but rare.
        assert!(
            keys.len() > 2 * KEYS_PER_FETCH,
            "{} distinct keys",
            keys.len()
        );
    }

    #[test]
    fn no_data_frame_after_the_close_frame() {
        let mut w = Writer::new(None);
        let mut sink = Sink::default();
        w.close(&mut sink, None).unwrap();
        let n = sink.0.len();
        assert!(w.message(&mut sink, b"late", false).is_err());
        assert_eq!(sink.0.len(), n);
    }

    #[test]
    fn without_compression_frames_are_plain() {
        let mut w = Writer::new(None);
        let mut sink = Sink::default();
        let big = Bytes::from("x".repeat(1000));
        let r = w.message(&mut sink, &big, false).unwrap();
        assert_eq!(
            r,
            Written {
                wire: 1000,
                compressed: false
            }
        );
        assert_eq!(sink.0[0], 0x81);
        assert_eq!(sink.0[1] & 0x80, 0x80, "masked");
        w.close(&mut sink, None).unwrap();
        let n = sink.0.len();
        w.close(&mut sink, None).unwrap();
        assert_eq!(sink.0.len(), n, "one close frame only");
    }
}
