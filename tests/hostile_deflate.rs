//! Hostile servers against a client that offers permessage-deflate: a
//! decompression bomb, RSV1 where it is not allowed, a bad extension reply,
//! corrupt DEFLATE data. Each must end in an error event naming the cause,
//! the close code RFC 6455/7692 asks for, and a reconnect; the bomb with
//! bounded memory (measured in a child process).

mod support;

use std::sync::mpsc;
use std::time::Duration;

use flate2::{Compress, Compression as Level, FlushCompress};
use mywsclient::{Compression, CompressionMode, Config, ErrorKind, Event};
use support::hostile::*;
use support::*;

const ACCEPT: &str = "Sec-WebSocket-Extensions: permessage-deflate\r\n";

fn deflate_config() -> Config {
    Config {
        compression: Compression {
            mode: CompressionMode::ContextTakeover,
            level: 6,
            threshold: 0,
        },
        ..test_config()
    }
}

/// Raw DEFLATE of `data` with a sync flush, the tail stripped (RFC 7692).
fn deflate(data: &[u8]) -> Vec<u8> {
    deflate_chunks(data, 1)
}

/// Raw DEFLATE of `chunk` repeated `times` (never all in memory at once).
fn deflate_chunks(chunk: &[u8], times: usize) -> Vec<u8> {
    let mut c = Compress::new(Level::new(9), false);
    let mut out = Vec::with_capacity(chunk.len() * times / 500 + 1024);
    for i in 0..times {
        let flush = if i + 1 == times {
            FlushCompress::Sync
        } else {
            FlushCompress::None
        };
        let start = c.total_in();
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity());
            }
            let done = (c.total_in() - start) as usize;
            c.compress_vec(&chunk[done..], &mut out, flush).unwrap();
            if (c.total_in() - start) as usize == chunk.len() && out.len() < out.capacity() {
                break;
            }
        }
    }
    assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
    out.truncate(out.len() - 4);
    out
}

/// A server that accepts with `ext` (a full header line or ""), writes
/// `bytes`, then reports the first frame the client sends back (its close)
/// and drains.
fn server(ext: &'static str, bytes: Vec<u8>) -> (ScriptServer, mpsc::Receiver<(u8, Vec<u8>)>) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let s = ScriptServer::start(move |p| {
        let Some(req) = p.upgrade(ext) else { return };
        assert!(
            req.contains("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"),
            "the client offers permessage-deflate:\n{req}"
        );
        if p.send(&bytes) {
            if let Some(f) = p.read_frame() {
                let _ = tx.lock().unwrap().send(f);
            }
            p.drain();
        }
    });
    (s, rx)
}

/// Runs the client until an error of `kind` naming `needle`, then a
/// reconnect and the same error again; returns the close code it sent.
fn expect(
    name: &str,
    ext: &'static str,
    bytes: Vec<u8>,
    kind: ErrorKind,
    needle: &str,
) -> Option<u16> {
    let (srv, frames) = server(ext, bytes);
    let mut cfg = deflate_config();
    cfg.max_message_size = 1 << 20;
    let (c, rec) = client(&srv.url(), cfg);
    c.start().unwrap();
    let (i, k, msg) = rec.expect_any_error(0, WAIT);
    assert_eq!(k, kind, "{name}: {msg}\n{}", rec.dump());
    assert!(
        msg.to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase()),
        "{name}: {msg:?} does not name {needle:?}"
    );
    eprintln!("hostile deflate {name}: {k:?}: {msg}");
    let r = rec.expect_reconnect(i, WAIT);
    let (_, k2, _) = rec.expect_any_error(r, WAIT);
    assert_eq!(k2, kind, "{name}: the retry failed differently");
    assert!(srv.connections() >= 2);
    c.stop().unwrap();
    assert_eq!(rec.messages().len(), 0, "{name}: nothing may be delivered");
    frames
        .recv_timeout(Duration::from_secs(1))
        .ok()
        .filter(|(b0, _)| b0 & 0x0f == 8)
        .map(|(_, p)| u16::from_be_bytes([p[0], p[1]]))
}

#[test]
fn rsv1_on_a_control_frame() {
    let code = expect(
        "RSV1 on a ping",
        ACCEPT,
        frame(0x80 | 0x40 | 0x9, b""),
        ErrorKind::Protocol,
        "RSV1",
    );
    assert_eq!(code, Some(1002));
}

#[test]
fn rsv1_on_a_continuation_frame() {
    let z = deflate(b"hello hello");
    let mut bytes = frame(0x40 | 0x1, &z[..2]);
    bytes.extend(frame(0x80 | 0x40, &z[2..]));
    let code = expect(
        "RSV1 on a continuation",
        ACCEPT,
        bytes,
        ErrorKind::Protocol,
        "continuation",
    );
    assert_eq!(code, Some(1002));
}

#[test]
fn rsv1_when_the_server_declined() {
    let code = expect(
        "RSV1 without negotiation",
        "",
        frame(0x80 | 0x40 | 0x1, &deflate(b"hello")),
        ErrorKind::Protocol,
        "not negotiated",
    );
    assert_eq!(code, Some(1002));
}

#[test]
fn corrupt_deflate_data() {
    let code = expect(
        "corrupt data",
        ACCEPT,
        frame(0x80 | 0x40 | 0x2, &[0xff; 16]),
        ErrorKind::Protocol,
        "corrupt",
    );
    assert_eq!(code, Some(1007));
}

#[test]
fn invalid_utf8_found_after_inflating() {
    let code = expect(
        "compressed invalid UTF-8",
        ACCEPT,
        frame(0x80 | 0x40 | 0x1, &deflate(&[b'a', 0xc3, 0x28])),
        ErrorKind::Protocol,
        "UTF-8",
    );
    assert_eq!(code, Some(1007));
}

#[test]
fn bad_extension_replies_fail_the_handshake() {
    for (ext, needle) in [
        ("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7\r\n", "8 to 15"),
        ("Sec-WebSocket-Extensions: permessage-deflate; foo\r\n", "unknown parameter"),
        (
            "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_no_context_takeover\r\n",
            "repeats",
        ),
        ("Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n", "did not offer"),
    ] {
        let code = expect(ext, ext, Vec::new(), ErrorKind::Handshake, needle);
        assert_eq!(code, None, "no WebSocket frames after a failed handshake");
    }
}

/// The bomb itself, run in a child process so that its peak RSS is its own.
#[test]
fn bomb_child() {
    if !is_child() {
        return;
    }
    // 64 MiB of zeros: about 64 KiB on the wire, 1000:1.
    let z = deflate_chunks(&vec![0u8; 1 << 20], 64);
    assert!(z.len() < 128 << 10, "{} bytes", z.len());
    let before = peak_rss_kib();
    let code = expect(
        "decompression bomb",
        ACCEPT,
        frame(0x80 | 0x40 | 0x2, &z),
        ErrorKind::MessageTooLarge,
        "maximum",
    );
    assert_eq!(code, Some(1009));
    let grew = peak_rss_kib().saturating_sub(before);
    println!("BOMB peak RSS grew by {grew} KiB");
    // The limit is 1 MiB; an inflater that did not stop would need 64 MiB.
    assert!(grew < 24 << 10, "peak RSS grew by {grew} KiB");
}

#[test]
fn a_decompression_bomb_stops_at_the_limit() {
    let out = run_child("bomb_child", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.find("BOMB peak RSS").map(|i| &l[i..]));
    eprintln!("{}", line.expect("the child reports its peak RSS"));
}

fn peak_rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn compressed_messages_from_a_scripted_server_are_delivered() {
    // Context takeover across messages, a fragmented compressed message with
    // a ping inside, an uncompressed message in between.
    let mut c = Compress::new(Level::new(6), false);
    let mut z = |d: &[u8]| {
        let mut out = Vec::with_capacity(d.len() + 64);
        c.compress_vec(d, &mut out, FlushCompress::Sync).unwrap();
        out.truncate(out.len() - 4);
        out
    };
    let a = z(b"{\"hello\":\"world\"}");
    let b = z(b"{\"hello\":\"world\"}");
    let mut bytes = frame(0x80 | 0x40 | 0x1, &a);
    bytes.extend(frame(0x80 | 0x1, b"plain"));
    bytes.extend(frame(0x40 | 0x1, &b[..3]));
    bytes.extend(frame(0x80 | 0x9, b"ping"));
    bytes.extend(frame(0x80, &b[3..]));
    let (srv, frames) = server(ACCEPT, bytes);
    let (cl, rec) = client(&srv.url(), deflate_config());
    cl.start().unwrap();
    let got = rec.expect_messages(3, WAIT);
    assert_eq!(got[0].0, b"{\"hello\":\"world\"}");
    assert_eq!(got[1].0, b"plain");
    assert_eq!(got[2].0, b"{\"hello\":\"world\"}");
    // The ping was answered with its payload.
    let (b0, payload) = frames.recv_timeout(WAIT).unwrap();
    assert_eq!((b0, payload.as_slice()), (0x8a, b"ping".as_slice()));
    cl.stop().unwrap();
    assert_eq!(
        rec.count(|e| matches!(e, Event::Error { .. })),
        0,
        "{}",
        rec.dump()
    );
}
