use super::*;
use crate::deflate::codec::{Compressor, Settings};
use crate::deflate::negotiate::Agreed;

const AGREED: Agreed = Agreed {
    server_no_context_takeover: false,
    client_no_context_takeover: false,
    server_max_window_bits: 15,
    client_max_window_bits: 15,
};
const SETTINGS: Settings = Settings {
    level: 6,
    threshold: 0,
    release_between_messages: false,
};

/// An owned copy of an item, to compare.
#[derive(Debug, PartialEq, Eq)]
enum Got {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<(u16, String)>),
}

fn owned(i: Item<'_>) -> Got {
    match i {
        Item::Text(t) => Got::Text(String::from_utf8(t.to_vec()).unwrap()),
        Item::Binary(b) => Got::Binary(b.to_vec()),
        Item::Ping(b) => Got::Ping(b.to_vec()),
        Item::Pong(b) => Got::Pong(b.to_vec()),
        Item::Close(f) => Got::Close(f.map(|f| (u16::from(f.code), f.reason.to_string()))),
    }
}

/// A server frame: `b0` is the first byte (FIN, RSV, opcode).
fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![b0];
    match payload.len() {
        n if n < 126 => v.push(n as u8),
        n if n < 65536 => {
            v.push(126);
            v.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            v.push(127);
            v.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    v.extend_from_slice(payload);
    v
}

const FIN: u8 = 0x80;
const RSV1: u8 = 0x40;

/// Hands out `data` in chunks of `chunk` bytes.
struct Chunks<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Everything `stream` yields, read `chunk` bytes at a time, until the
/// stream ends or an error.
fn run(stream: &[u8], chunk: usize, max: usize, deflate: bool) -> (Vec<Got>, Option<WireError>) {
    let inflater = deflate.then(|| Inflater::new(&AGREED, SETTINGS));
    let mut r = Reader::new(&[], max, inflater);
    let mut src = Chunks {
        data: stream,
        chunk,
    };
    let mut got = Vec::new();
    for _ in 0..stream.len() + 2 {
        loop {
            match r.next() {
                Ok(Some(i)) => got.push(owned(i)),
                Ok(None) => break,
                Err(e) => return (got, Some(e)),
            }
        }
        if r.read_from(&mut src).unwrap() == 0 {
            break;
        }
    }
    (got, None)
}

fn all_chunkings(stream: &[u8], max: usize, deflate: bool) -> (Vec<Got>, Option<WireError>) {
    let first = run(stream, stream.len().max(1), max, deflate);
    for chunk in [1, 2, 3, 7, 100] {
        let again = run(stream, chunk, max, deflate);
        assert_eq!(again, first, "chunk {chunk}");
    }
    first
}

fn expect_error(stream: &[u8], deflate: bool, code: u16, text: &str) {
    let (_, err) = all_chunkings(stream, 1 << 20, deflate);
    let err = err.unwrap_or_else(|| panic!("no error, expected {text}"));
    assert_eq!(u16::from(err.code), code, "{err}");
    assert!(err.message.contains(text), "{err} lacks {text}");
}

#[test]
fn plain_messages_and_control_frames() {
    let mut s = frame(FIN | 1, b"hello");
    s.extend(frame(FIN | 2, &[0, 1, 2]));
    s.extend(frame(1, b"frag"));
    s.extend(frame(FIN | 9, b"p"));
    s.extend(frame(0, b"men"));
    s.extend(frame(FIN | 10, b""));
    s.extend(frame(FIN, b"ted"));
    s.extend(frame(FIN | 1, b""));
    s.extend(frame(FIN | 2, &vec![7; 70_000]));
    s.extend(frame(FIN | 8, &[0x03, 0xe8, b'b', b'y', b'e']));
    let (got, err) = all_chunkings(&s, 1 << 20, false);
    assert_eq!(err, None);
    assert_eq!(
        got,
        vec![
            Got::Text("hello".into()),
            Got::Binary(vec![0, 1, 2]),
            Got::Ping(b"p".to_vec()),
            Got::Pong(vec![]),
            Got::Text("fragmented".into()),
            Got::Text(String::new()),
            Got::Binary(vec![7; 70_000]),
            Got::Close(Some((1000, "bye".into()))),
        ]
    );
}

#[test]
fn close_frames() {
    let (got, _) = all_chunkings(&frame(FIN | 8, b""), 100, false);
    assert_eq!(got, vec![Got::Close(None)]);
    // Codes not allowed on the wire become 1002, as tungstenite did.
    for code in [999u16, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
        let (got, _) = all_chunkings(&frame(FIN | 8, &code.to_be_bytes()), 100, false);
        assert_eq!(
            got,
            vec![Got::Close(Some((1002, INVALID_CLOSE_CODE_REASON.into())))],
            "{code}"
        );
    }
    for code in [1000u16, 1001, 1003, 1007, 1011, 3000, 4999] {
        let (got, _) = all_chunkings(&frame(FIN | 8, &code.to_be_bytes()), 100, false);
        assert_eq!(got, vec![Got::Close(Some((code, String::new())))]);
    }
    expect_error(&frame(FIN | 8, &[3]), false, 1002, "1-byte");
    expect_error(&frame(FIN | 8, &[3, 0xe8, 0xff]), false, 1007, "UTF-8");
}

#[test]
fn protocol_violations() {
    let cases: Vec<(Vec<u8>, bool, u16, &str)> = vec![
        (vec![FIN | 1, 0x80, 1, 2, 3, 4], false, 1002, "masked"),
        (frame(FIN | 0x20 | 1, b"x"), false, 1002, "RSV2 or RSV3"),
        (frame(FIN | 0x10 | 1, b"x"), true, 1002, "RSV2 or RSV3"),
        (frame(FIN | RSV1 | 1, b"x"), false, 1002, "not negotiated"),
        (
            frame(FIN | RSV1 | 9, b""),
            true,
            1002,
            "control or continuation",
        ),
        (
            [frame(RSV1 | 1, b""), frame(FIN | RSV1, b"")].concat(),
            true,
            1002,
            "control or continuation",
        ),
        (frame(9, b""), false, 1002, "fragmented a control"),
        (frame(FIN | 9, &[0; 126]), false, 1002, "126 bytes"),
        (frame(FIN, b"x"), false, 1002, "no message to continue"),
        (
            [frame(1, b"a"), frame(FIN | 1, b"b")].concat(),
            false,
            1002,
            "new message",
        ),
        (frame(FIN | 3, b""), false, 1002, "opcode"),
        (frame(FIN | 11, b""), false, 1002, "opcode"),
        (frame(FIN | 1, &[0xff]), false, 1007, "UTF-8"),
        (
            [frame(1, "é".as_bytes()), frame(FIN, &[0xc3])].concat(),
            false,
            1007,
            "UTF-8",
        ),
    ];
    for (stream, deflate, code, text) in cases {
        expect_error(&stream, deflate, code, text);
    }
}

#[test]
fn utf8_fails_fast_and_spans_fragments() {
    // "é" split across two fragments is fine.
    let s = [frame(1, &[0xc3]), frame(FIN, &[0xa9])].concat();
    let (got, err) = all_chunkings(&s, 100, false);
    assert_eq!((got, err), (vec![Got::Text("é".into())], None));
    // An invalid first fragment fails before the rest arrives.
    let mut r = Reader::new(&frame(1, &[b'a', 0xff]), 100, None);
    assert_eq!(u16::from(r.next().unwrap_err().code), 1007);
}

#[test]
fn size_limit_fails_at_the_header() {
    // Only the header of a too-big frame is needed to fail.
    let big = frame(FIN | 2, &[0; 200]);
    let mut r = Reader::new(&big[..4], 100, None);
    let err = r.next().unwrap_err();
    assert_eq!(u16::from(err.code), 1009);
    // Fragments add up.
    let s = [frame(2, &[0; 60]), frame(FIN, &[0; 60])].concat();
    let (got, err) = all_chunkings(&s, 100, false);
    assert!(got.is_empty());
    assert_eq!(u16::from(err.unwrap().code), 1009);
    // Exactly the limit is fine.
    let (got, err) = all_chunkings(&frame(FIN | 2, &[1; 100]), 100, false);
    assert_eq!((got, err), (vec![Got::Binary(vec![1; 100])], None));
}

fn compress(c: &mut Compressor, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    c.compress(data, &mut out);
    out
}

#[test]
fn compressed_messages() {
    let mut c = Compressor::new(&AGREED, SETTINGS);
    let text = "{\"k\":\"value\"} ".repeat(50);
    let z1 = compress(&mut c, text.as_bytes());
    let z2 = compress(&mut c, text.as_bytes());
    let bin: Vec<u8> = (0..5000u32).map(|i| (i % 13) as u8).collect();
    let z3 = compress(&mut c, &bin);
    let mut s = frame(FIN | RSV1 | 1, &z1);
    // Fragmented, with a ping in the middle and an uncompressed message after.
    let (a, b) = z2.split_at(z2.len() / 2);
    s.extend(frame(RSV1 | 1, a));
    s.extend(frame(FIN | 9, b"x"));
    s.extend(frame(0, b""));
    s.extend(frame(FIN, b));
    s.extend(frame(FIN | 1, b"plain"));
    s.extend(frame(FIN | RSV1 | 2, &z3));
    let (got, err) = all_chunkings(&s, 1 << 20, true);
    assert_eq!(err, None);
    assert_eq!(
        got,
        vec![
            Got::Text(text.clone()),
            Got::Ping(b"x".to_vec()),
            Got::Text(text),
            Got::Text("plain".into()),
            Got::Binary(bin),
        ]
    );
}

#[test]
fn compressed_hostile_input() {
    let mut c = Compressor::new(&AGREED, SETTINGS);
    // Invalid UTF-8 is found after inflating.
    let z = compress(&mut c, &[b'a', 0xff, b'b']);
    expect_error(&frame(FIN | RSV1 | 1, &z), true, 1007, "UTF-8");
    // Corrupt DEFLATE data.
    expect_error(&frame(FIN | RSV1 | 2, &[0xff; 10]), true, 1007, "corrupt");
}

#[test]
fn a_bomb_is_stopped_at_the_limit() {
    let mut c = Compressor::new(&AGREED, SETTINGS);
    let zeros = vec![0u8; 4 << 20];
    let z = compress(&mut c, &zeros);
    assert!(z.len() < 8 << 10, "{} bytes", z.len());
    let limit = 64 << 10;
    let mut r = Reader::new(
        &frame(FIN | RSV1 | 2, &z),
        limit,
        Some(Inflater::new(&AGREED, SETTINGS)),
    );
    let err = r.next().unwrap_err();
    assert_eq!(u16::from(err.code), 1009);
    assert!(r.msg.capacity() <= limit + 1, "{}", r.msg.capacity());
}

#[test]
fn buffers_shrink_after_a_large_message() {
    let big = frame(FIN | 2, &vec![5; 1 << 20]);
    let mut r = Reader::new(&[], 2 << 20, None);
    let mut src = Chunks {
        data: &big,
        chunk: 1 << 20,
    };
    let mut seen = false;
    for _ in 0..10 {
        if let Some(Item::Binary(b)) = r.next().unwrap() {
            assert_eq!(b.len(), 1 << 20);
            seen = true;
            break;
        }
        r.read_from(&mut src).unwrap();
    }
    assert!(seen);
    assert!(r.buf.len() > KEEP_CAPACITY);
    assert!(r.next().unwrap().is_none());
    assert!(r.buf.len() <= READ_CHUNK);
}

#[test]
fn an_idle_reader_holds_no_buffer_and_keeps_a_partial_frame() {
    let two = [frame(FIN | 1, b"hello"), frame(FIN | 2, &[7; 300])].concat();
    // The first message and 100 bytes of the second arrive, then nothing.
    let mut r = Reader::new(&[], 1 << 20, None);
    let mut src = Chunks {
        data: &two[..7 + 104],
        chunk: 1 << 20,
    };
    assert!(r.read_from(&mut src).unwrap() > 0);
    assert_eq!(r.next().unwrap(), Some(Item::Text(b"hello")));
    assert!(r.next().unwrap().is_none());
    r.park();
    assert_eq!(r.buf.len(), 104, "only the partial frame is kept");
    // The rest arrives: the message is whole, and the next park frees all.
    let mut rest = Chunks {
        data: &two[7 + 104..],
        chunk: 1 << 20,
    };
    r.read_from(&mut rest).unwrap();
    assert_eq!(r.next().unwrap(), Some(Item::Binary(&[7; 300])));
    assert!(r.next().unwrap().is_none());
    r.park();
    assert_eq!(r.buf.capacity(), 0);
    assert_eq!(r.msg.capacity(), 0);
    // The thread's buffer is lent to the next reader that reads.
    let mut again = Reader::new(&[], 1 << 20, None);
    let mut one = Chunks {
        data: &two[..7],
        chunk: 1 << 20,
    };
    again.read_from(&mut one).unwrap();
    assert!(again.lent && again.buf.len() >= READ_CHUNK);
    assert_eq!(again.next().unwrap(), Some(Item::Text(b"hello")));
    again.park();
    assert!(!again.lent && again.buf.capacity() == 0);
}

#[test]
fn the_hand_parsed_short_header_agrees_with_tungstenite_on_every_two_bytes() {
    let mut taken = 0;
    for b0 in 0..=255u8 {
        for b1 in 0..=255u8 {
            let bytes = [b0, b1];
            let Some((h, len)) = short_header(&bytes) else {
                continue;
            };
            taken += 1;
            let mut cursor = Cursor::new(&bytes[..]);
            let (th, tlen) = FrameHeader::parse(&mut cursor)
                .expect("tungstenite accepts it")
                .expect("a whole header");
            assert_eq!(cursor.position(), 2);
            assert_eq!(
                (h.is_final, h.rsv1, h.rsv2, h.rsv3),
                (th.is_final, th.rsv1, th.rsv2, th.rsv3)
            );
            assert_eq!(
                (h.opcode, h.mask, len),
                (th.opcode, th.mask, tlen),
                "{b0:#x} {b1:#x}"
            );
        }
    }
    // 6 opcodes x 16 flag combinations x 126 lengths, unmasked.
    assert_eq!(taken, 6 * 16 * 126);
    // Longer lengths, masks and reserved opcodes go to tungstenite.
    for bytes in [
        [0x81u8, 126],
        [0x81, 127],
        [0x81, 0x85],
        [0x83, 5],
        [0x8b, 0],
        [0x81, 0],
    ] {
        assert_eq!(short_header(&bytes).is_some(), bytes == [0x81, 0]);
    }
    assert!(short_header(&[0x81]).is_none());
}
