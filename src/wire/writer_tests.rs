//! Tests of the writer: frames checked against tungstenite's parser.

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

/// permessage-deflate settings that compress messages of 64 bytes or more.
const FROM_64_BYTES: Settings = Settings {
    level: 6,
    threshold: 64,
    release_between_messages: false,
};

#[test]
fn compresses_above_the_threshold_only() {
    let s = FROM_64_BYTES;
    let mut w = Writer::new(Some(Compressor::new(&AGREED, s)));
    let mut sink = Sink::default();
    let small = Bytes::from_static(b"short");
    let big = Bytes::from("{\"a\":1}".repeat(100));
    let r1 = w.message(&mut sink.0, &small, false).unwrap();
    let r2 = w.message(&mut sink.0, &big, false).unwrap();
    let r3 = w.message(&mut sink.0, &big, true).unwrap();
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
        w.message(&mut sink.0, m, true).unwrap();
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
    // More frames than one seed serves.
    let n = 2 * KEYS_PER_SEED as usize + 3;
    for _ in 0..n {
        let mut sink = Sink::default();
        w.message(&mut sink.0, b"x", false).unwrap();
        keys.insert([sink.0[2], sink.0[3], sink.0[4], sink.0[5]]);
    }
    // 2,051 random 32-bit keys: a repeat is possible but rare.
    assert!(keys.len() > n - 3, "{} distinct keys of {n}", keys.len());
}

#[test]
fn no_data_frame_after_the_close_frame() {
    let mut w = Writer::new(None);
    let mut sink = Sink::default();
    w.close(&mut sink, None).unwrap();
    let n = sink.0.len();
    assert!(w.message(&mut sink.0, b"late", false).is_err());
    assert_eq!(sink.0.len(), n);
}

#[test]
fn without_compression_frames_are_plain() {
    let mut w = Writer::new(None);
    let mut sink = Sink::default();
    let big = Bytes::from("x".repeat(1000));
    let r = w.message(&mut sink.0, &big, false).unwrap();
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

/// Lengths at and around every boundary: header forms (125/126,
/// 65535/65536), the 16-byte masking blocks and the copy chunks.
const LENGTHS: [usize; 25] = [
    0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 64, 125, 126, 127, 4095, 4096, 4097, 8193, 65535,
    65536, 65537, 70001,
];

/// Parses the frame at the start of `b` with tungstenite's parser: its
/// header, its payload unmasked with the key it carries, and its length.
fn parse(b: &[u8]) -> (tungstenite::protocol::frame::FrameHeader, Vec<u8>, usize) {
    let mut cur = io::Cursor::new(b);
    let (h, len) = tungstenite::protocol::frame::FrameHeader::parse(&mut cur)
        .unwrap()
        .expect("a whole header");
    let hl = cur.position() as usize;
    let key = h.mask.expect("client frames are masked");
    let payload = b[hl..hl + len as usize]
        .iter()
        .enumerate()
        .map(|(i, x)| x ^ key[i % 4])
        .collect();
    (h, payload, hl + len as usize)
}

#[test]
fn headers_are_the_shortest_form_and_parse_back_with_their_key() {
    let mut w = Writer::new(None);
    for &n in &LENGTHS {
        // The source at every alignment, the output at an odd offset.
        for skew in 0..4 {
            let src: Vec<u8> = (0..n + skew).map(|i| (i * 7 + 3) as u8).collect();
            let msg = &src[skew..];
            let mut out = vec![0xAA; 3 + skew];
            let before = out.len();
            let r = w.message(&mut out, msg, skew % 2 == 0).unwrap();
            assert_eq!(
                r,
                Written {
                    wire: n,
                    compressed: false
                }
            );
            assert_eq!(
                out[..before],
                vec![0xAA; before][..],
                "bytes before untouched"
            );
            let (h, payload, used) = parse(&out[before..]);
            let head = match n {
                0..=125 => 2,
                126..=65535 => 4,
                _ => 10,
            } + 4;
            assert_eq!(used, head + n, "exactly one frame appended ({n})");
            assert_eq!(out.len(), before + used);
            assert!(h.is_final && !h.rsv1 && !h.rsv2 && !h.rsv3);
            let op = if skew % 2 == 0 {
                Data::Binary
            } else {
                Data::Text
            };
            assert_eq!(h.opcode, OpCode::Data(op));
            assert!(payload == msg, "payload of {n} bytes (skew {skew})");
        }
    }
}

#[test]
fn masking_matches_the_byte_by_byte_definition() {
    for n in 0..100 {
        for key in [[0, 0, 0, 0], [1, 2, 3, 4], [0xFF, 0x00, 0x80, 0x7F]] {
            let src: Vec<u8> = (0..n).map(|i| (i * 13 + 5) as u8).collect();
            let mut buf = src.clone();
            mask(&mut buf, key);
            let want: Vec<u8> = src
                .iter()
                .enumerate()
                .map(|(i, x)| x ^ key[i % 4])
                .collect();
            assert_eq!(buf, want, "{n} bytes, key {key:?}");
        }
    }
}

/// A server-side stream over our bytes: tungstenite reads what we framed.
struct Replay(io::Cursor<Vec<u8>>);

impl Read for Replay {
    fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
        self.0.read(b)
    }
}

impl Write for Replay {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_tungstenite_server_reads_every_message_back() {
    let mut w = Writer::new(None);
    let mut out = Vec::new();
    let msgs: Vec<Vec<u8>> = LENGTHS
        .iter()
        .map(|&n| (0..n).map(|i| b'a' + (i % 26) as u8).collect())
        .collect();
    let mut ends = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        w.message(&mut out, m, i % 2 == 1).unwrap();
        ends.push(out.len());
    }
    // Each message ends where the next frame starts.
    let mut at = 0;
    for &end in &ends {
        let (_, _, used) = parse(&out[at..]);
        at += used;
        assert_eq!(at, end);
    }
    let cfg = tungstenite::protocol::WebSocketConfig::default().max_message_size(None);
    let mut server = tungstenite::WebSocket::from_raw_socket(
        Replay(io::Cursor::new(out)),
        Role::Server,
        Some(cfg),
    );
    for (i, m) in msgs.iter().enumerate() {
        let got = server.read().unwrap();
        if i % 2 == 1 {
            assert_eq!(got, Message::Binary(Bytes::from(m.clone())));
        } else {
            assert_eq!(got.into_text().unwrap().as_bytes(), m.as_slice());
        }
    }
}

#[test]
fn compressed_frames_carry_rsv1_and_the_compressed_length() {
    let s = FROM_64_BYTES;
    let mut w = Writer::new(Some(Compressor::new(&AGREED, s)));
    let big = "{\"k\":\"v\"}".repeat(500);
    let mut out = vec![1, 2, 3];
    let r = w.message(&mut out, big.as_bytes(), false).unwrap();
    assert!(r.compressed);
    let (h, payload, used) = parse(&out[3..]);
    assert!(h.rsv1 && h.is_final);
    assert_eq!(payload.len(), r.wire);
    assert_eq!(out.len(), 3 + used);
    let wire = unmask(&out[3..]);
    let mut rd = Reader::new(&wire, 1 << 20, Some(Inflater::new(&AGREED, s)));
    assert_eq!(rd.next().unwrap(), Some(Item::Text(big.as_bytes())));
}

#[test]
fn the_key_generator_is_keyed_afresh_every_keys_per_seed_keys() {
    // A thread of its own: a fresh generator.
    std::thread::spawn(|| {
        let left = || KEYS.with(|k| k.borrow().left);
        mask_key().unwrap();
        assert_eq!(left(), KEYS_PER_SEED - 1);
        for _ in 1..KEYS_PER_SEED {
            mask_key().unwrap();
        }
        assert_eq!(left(), 0);
        mask_key().unwrap();
        assert_eq!(left(), KEYS_PER_SEED - 1, "a new seed");
    })
    .join()
    .unwrap();
}
