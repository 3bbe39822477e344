//! Our messages to frames: each message is one frame, compressed (RSV1 set)
//! when permessage-deflate is on and the message reaches the threshold.
//! Frames go through tungstenite's `WebSocketContext` used for writing only,
//! which masks them as RFC 6455 §5.3 requires of a client.

use std::io::{Read, Write};

use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
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
        }
    }

    /// Frames one message into `out`. Text was validated by `send`.
    pub(crate) fn message<S: Read + Write>(
        &mut self,
        out: &mut S,
        data: &Bytes,
        binary: bool,
    ) -> tungstenite::Result<Written> {
        let op = OpCode::Data(if binary { Data::Binary } else { Data::Text });
        let (frame, written) = match self.compressor.as_mut() {
            Some(c) if c.wants(data.len()) => {
                c.compress(data, &mut self.scratch);
                let mut f = Frame::message(Bytes::copy_from_slice(&self.scratch), op, true);
                f.header_mut().rsv1 = true;
                if self.scratch.capacity() > 256 << 10 {
                    self.scratch = Vec::new();
                }
                let wire = f.payload().len();
                (
                    f,
                    Written {
                        wire,
                        compressed: true,
                    },
                )
            }
            _ => (
                Frame::message(data.clone(), op, true),
                Written {
                    wire: data.len(),
                    compressed: false,
                },
            ),
        };
        self.send(out, Message::Frame(frame))?;
        Ok(written)
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
        self.ctx.close(out, frame)
    }

    fn send<S: Read + Write>(&mut self, out: &mut S, m: Message) -> tungstenite::Result<()> {
        self.ctx.write(out, m)?;
        self.ctx.flush(out)
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
