//! Our messages to frames: each message is one frame, compressed (RSV1 set)
//! when permessage-deflate is on and the message reaches the threshold.
//! Data frames are formatted here (the header as RFC 6455 §5.2 lays it
//! out; tests check it against tungstenite's parser) and masked as RFC 6455
//! §5.3 requires of a client, straight into the connection's output buffer:
//! one reservation per frame, the header in front, the payload copied and
//! masked in place; no intermediate block. Masking keys come from a
//! per-thread ChaCha12 generator keyed from the operating system's random
//! source (see [`mask_key`]). Control frames (ping, pong, close) go through
//! tungstenite's `WebSocketContext`, used for writing only.

use std::cell::RefCell;
use std::io::{self, Read, Write};

use once_cell::sync::Lazy;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rustls::crypto::SecureRandom;
use tungstenite::error::ProtocolError;
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::CloseFrame;
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

    /// Appends one message, framed, to `out` (the connection's output
    /// buffer); on error nothing was appended. Text was validated by `send`.
    pub(crate) fn message(
        &mut self,
        out: &mut Vec<u8>,
        data: &[u8],
        binary: bool,
    ) -> tungstenite::Result<Written> {
        if self.closed {
            return Err(tungstenite::Error::Protocol(
                ProtocolError::SendAfterClosing,
            ));
        }
        let op = OpCode::Data(if binary { Data::Binary } else { Data::Text });
        let key = mask_key()?;
        match self.compressor.as_mut() {
            Some(c) if c.wants(data.len()) => {
                c.compress(data, &mut self.scratch);
                let wire = self.scratch.len();
                masked_frame(out, op, true, &self.scratch, key);
                if self.scratch.capacity() > 256 << 10 {
                    self.scratch = Vec::new();
                }
                Ok(Written {
                    wire,
                    compressed: true,
                })
            }
            _ => {
                masked_frame(out, op, false, data, key);
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

/// Payload bytes copied and then masked in place at a time: large messages
/// are masked while their bytes are still in the L1 cache (a multiple of 4
/// bytes keeps the key's phase).
const MASK_CHUNK: usize = 4096;
/// The longest header: 2 bytes, a 64-bit length and the masking key.
const MAX_HEADER: usize = 14;
/// Masking keys drawn from one seed before the generator is keyed afresh:
/// a 32-byte system call per 1,024 frames is cheap, and a process forked
/// from a thread that sends shares at most this many keys with its parent
/// (as with the 4 KiB block of keys per 1,024 frames this replaced).
const KEYS_PER_SEED: u32 = 1024;

/// The operating system's random source, as the TLS provider wraps it.
static RANDOM: Lazy<&'static dyn SecureRandom> =
    Lazy::new(|| rustls::crypto::ring::default_provider().secure_random);

/// A thread's source of masking keys: `rand`'s `StdRng` (a CSPRNG, ChaCha12
/// today) keyed with 32 bytes from the operating system, and how many keys
/// it may still give before it is keyed afresh.
struct Keys {
    rng: Option<StdRng>,
    left: u32,
}

thread_local! {
    static KEYS: RefCell<Keys> = const { RefCell::new(Keys { rng: None, left: 0 }) };
}

/// A fresh masking key (RFC 6455 §5.3: unpredictable, one per frame).
///
/// Unpredictable enough: the keys come from ChaCha12, a stream cipher used
/// as a CSPRNG (the generator behind `rand`'s thread RNG, which tungstenite
/// masks with), keyed with 256 bits from the operating system's random
/// source. Without the seed its output cannot be told from random, so
/// seeing every earlier key on the wire (a script choosing payloads, the
/// attack of RFC 6455 §10.3) does not tell the next one. A fresh seed every
/// [`KEYS_PER_SEED`] keys bounds what a leaked or forked state would
/// expose. This replaced 4 KiB fetches from the kernel per 1,024 frames (the
/// kernel's ChaCha20 behind a system call, ~3% of the I/O thread at 64-byte
/// messages): the same kind of generator, in-process.
fn mask_key() -> io::Result<[u8; 4]> {
    KEYS.with(|k| {
        let k = &mut *k.borrow_mut();
        let rng = match &mut k.rng {
            Some(rng) if k.left > 0 => rng,
            slot => {
                let mut seed = [0u8; 32];
                RANDOM
                    .fill(&mut seed)
                    .map_err(|_| io::Error::other("no random bytes for a masking key"))?;
                k.left = KEYS_PER_SEED;
                slot.insert(StdRng::from_seed(seed))
            }
        };
        k.left -= 1;
        Ok(rng.next_u32().to_ne_bytes())
    })
}

/// Appends one final, masked data frame of `payload` (RSV1 when `rsv1`) to
/// `out`: the header formatted on the stack, the payload copied and masked
/// in place (4 KiB at a time, still in the L1 cache when masked), one
/// reservation for the whole frame.
fn masked_frame(out: &mut Vec<u8>, opcode: OpCode, rsv1: bool, payload: &[u8], key: [u8; 4]) {
    let mut head = [0u8; MAX_HEADER];
    let first = 0x80 | u8::from(opcode) | if rsv1 { 0x40 } else { 0 };
    let hl = format_header(&mut head, first, payload.len() as u64, key);
    out.reserve(hl + payload.len());
    // Copies of a constant length: a few moves, no call to `memcpy`.
    match hl {
        6 => out.extend_from_slice(&head[..6]),
        8 => out.extend_from_slice(&head[..8]),
        _ => out.extend_from_slice(&head[..MAX_HEADER]),
    }
    for chunk in payload.chunks(MASK_CHUNK) {
        let at = out.len();
        out.extend_from_slice(chunk);
        mask(&mut out[at..], key);
    }
}

/// RFC 6455 §5.2: the header of a masked frame of `len` payload bytes
/// (`first`: FIN, RSV and opcode) at the start of `head`; returns its length.
fn format_header(head: &mut [u8; MAX_HEADER], first: u8, len: u64, key: [u8; 4]) -> usize {
    head[0] = first;
    let at = if len < 126 {
        head[1] = 0x80 | len as u8;
        2
    } else if len <= u64::from(u16::MAX) {
        head[1] = 0x80 | 126;
        head[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        4
    } else {
        head[1] = 0x80 | 127;
        head[2..10].copy_from_slice(&len.to_be_bytes());
        10
    };
    head[at..at + 4].copy_from_slice(&key);
    at + 4
}

/// `buf ^= key` repeated, `buf` starting at a multiple of 4 bytes into the
/// payload. 16-byte blocks against the key repeated 4 times: the compiler
/// makes each one vector load, XOR and store.
fn mask(buf: &mut [u8], key: [u8; 4]) {
    let pattern: [u8; 16] = std::array::from_fn(|i| key[i & 3]);
    let mut blocks = buf.chunks_exact_mut(16);
    for b in &mut blocks {
        for (x, k) in b.iter_mut().zip(pattern) {
            *x ^= k;
        }
    }
    for (x, k) in blocks.into_remainder().iter_mut().zip(pattern) {
        *x ^= k;
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
