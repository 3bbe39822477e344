//! Hostile and broken servers (issue 5): each case must end in an error
//! event whose kind and message name the cause, then a reconnect (the
//! server is hit again), with no panic, no hang and bounded memory. Also a
//! few unusual-but-valid server behaviours that must work.

mod support;

use std::sync::mpsc;
use std::time::Duration;

use mywsclient::{Client, Config, ErrorKind, Event};
use support::hostile::*;
use support::*;

/// Runs a client against `server` and checks the case: an Error of one of
/// `kinds` whose message contains `needle` (case-insensitive; alternatives
/// separated by '|'), a reconnect
/// scheduled after it, a second connection to the server that fails the
/// same way, and a prompt stop.
fn expect_failure(
    name: &str,
    server: &ScriptServer,
    url: &str,
    cfg: Config,
    kinds: &[ErrorKind],
    needle: &str,
) -> (Client, Recorder) {
    let (c, rec) = client(url, cfg);
    c.start().unwrap();
    let (i, kind, msg) = rec.expect_any_error(0, WAIT);
    assert!(
        kinds.contains(&kind),
        "{name}: expected {kinds:?}, got {kind:?}: {msg}\n{}",
        rec.dump()
    );
    let lower = msg.to_ascii_lowercase();
    assert!(
        needle
            .split('|')
            .any(|n| lower.contains(&n.to_ascii_lowercase())),
        "{name}: {msg:?} does not name the cause ({needle:?})"
    );
    eprintln!("hostile {name}: {kind:?}: {msg}");
    let r = rec.expect_reconnect(i, WAIT);
    // The retry meets the same server and fails the same way.
    let (_, kind2, _) = rec.expect_any_error(r, WAIT);
    assert_eq!(
        kind2,
        kind,
        "{name}: the retry failed differently:\n{}",
        rec.dump()
    );
    assert!(server.connections() >= 2, "{name}: no second connection");
    let took = timed_stop(&c);
    assert!(took < Duration::from_secs(2), "{name}: stop took {took:?}");
    assert_eq!(
        rec.count(|e| matches!(e, Event::Open { .. })) > 0,
        rec.count(|e| matches!(e, Event::Closed { .. })) > 0
    );
    (c, rec)
}

/// A server that upgrades properly, then writes `bytes` and reads on.
fn after_upgrade(bytes: Vec<u8>) -> ScriptServer {
    ScriptServer::start(move |p| {
        if p.upgrade("").is_some() && p.send(&bytes) {
            p.drain();
        }
    })
}

fn check_after_upgrade(name: &str, bytes: Vec<u8>, kinds: &[ErrorKind], needle: &str) {
    let server = after_upgrade(bytes);
    let (_c, rec) = expect_failure(name, &server, &server.url(), test_config(), kinds, needle);
    assert!(
        rec.count(|e| matches!(e, Event::Open { .. })) >= 1,
        "{name}: the handshake itself was fine"
    );
    assert_eq!(rec.messages().len(), 0, "{name}: nothing may be delivered");
}

// ----- handshake -----

#[test]
fn http_200_instead_of_101() {
    let server = ScriptServer::start(|p| {
        if p.read_request().is_some() {
            p.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello");
            p.drain();
        }
    });
    expect_failure(
        "HTTP 200",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Handshake],
        "HTTP 200",
    );
}

#[test]
fn wrong_sec_websocket_accept() {
    let server = ScriptServer::start(|p| {
        if p.read_request().is_some() {
            p.send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            p.drain();
        }
    });
    expect_failure(
        "wrong accept",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Handshake],
        "Sec-WebSocket-Accept",
    );
}

#[test]
fn a_subprotocol_the_client_did_not_ask_for() {
    let server = ScriptServer::start(|p| {
        if p.upgrade("Sec-WebSocket-Protocol: mqtt\r\n").is_some() {
            p.drain();
        }
    });
    // Asked for none.
    expect_failure(
        "unrequested subprotocol",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Handshake],
        "mqtt",
    );
    // Asked for others.
    let mut cfg = test_config();
    cfg.subprotocols = vec!["ws".into(), "chat".into()];
    expect_failure(
        "other subprotocol",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::Handshake],
        "did not request",
    );
}

#[test]
fn a_header_block_that_never_ends() {
    let server = ScriptServer::start(|p| {
        if p.read_request().is_none() {
            return;
        }
        if !p.send(b"HTTP/1.1 101 Switching Protocols\r\n") {
            return;
        }
        // Header lines, forever (until the client gives up or the test ends).
        let mut n = 0u64;
        while p.alive() && p.send(format!("X-Endless-{n}: {}\r\n", "v".repeat(100)).as_bytes()) {
            n += 1;
            if n % 64 == 0 {
                p.pause(Duration::from_millis(5));
            }
        }
    });
    expect_failure(
        "endless header",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Handshake],
        "exceeds|more than 64 headers",
    );
}

#[test]
fn a_header_larger_than_any_sane_limit() {
    let server = ScriptServer::start(|p| {
        if p.read_request().is_some() {
            let mut r = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Huge: ".to_vec();
            r.extend(std::iter::repeat_n(b'h', 1 << 20));
            r.extend_from_slice(b"\r\n\r\n");
            p.send(&r);
            p.drain();
        }
    });
    expect_failure(
        "huge header",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Handshake],
        "exceeds",
    );
}

#[test]
fn not_http_at_all() {
    let server = ScriptServer::start(|p| {
        if p.read_request().is_some() {
            p.send(b"\x00\x01\x02SSH-2.0-OpenSSH\r\n\r\n");
            p.drain();
        }
    });
    expect_failure(
        "not HTTP",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Handshake],
        "not HTTP",
    );
}

#[test]
fn slowloris_one_byte_per_100_ms() {
    let server = ScriptServer::start(|p| {
        if p.read_request().is_none() {
            return;
        }
        for b in
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                .iter()
        {
            if !p.pause(Duration::from_millis(100)) || !p.send(&[*b]) {
                return;
            }
        }
    });
    let mut cfg = test_config();
    cfg.handshake_timeout = Duration::from_millis(800);
    expect_failure(
        "slowloris",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::HandshakeTimeout],
        "longer than",
    );
}

#[test]
fn closing_during_the_handshake() {
    let server = ScriptServer::start(|p| {
        let _ = p.read_request();
    });
    expect_failure(
        "EOF in handshake",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Handshake],
        "closed the connection",
    );
}

// ----- frames -----

#[test]
fn garbage_after_the_upgrade() {
    check_after_upgrade(
        "garbage",
        b"garbage!garbage!garbage!".to_vec(),
        &[ErrorKind::Protocol],
        "protocol",
    );
}

#[test]
fn a_masked_frame_from_the_server() {
    check_after_upgrade(
        "masked frame",
        masked_frame(FIN | TEXT, b"hello"),
        &[ErrorKind::Protocol],
        "mask",
    );
}

#[test]
fn reserved_bits_set() {
    check_after_upgrade(
        "RSV1",
        frame(FIN | 0x40 | TEXT, b"hello"),
        &[ErrorKind::Protocol],
        "reserved",
    );
    check_after_upgrade(
        "RSV3",
        frame(FIN | 0x10 | BINARY, b"x"),
        &[ErrorKind::Protocol],
        "reserved",
    );
}

#[test]
fn an_unknown_opcode() {
    check_after_upgrade(
        "data opcode 3",
        frame(FIN | 0x3, b"x"),
        &[ErrorKind::Protocol],
        "opcode",
    );
    check_after_upgrade(
        "control opcode 11",
        frame(FIN | 0xB, b""),
        &[ErrorKind::Protocol],
        "opcode",
    );
}

#[test]
fn a_fragmented_control_frame() {
    check_after_upgrade(
        "fragmented ping",
        frame(PING, b"a"),
        &[ErrorKind::Protocol],
        "fragmented",
    );
}

#[test]
fn a_control_frame_over_125_bytes() {
    check_after_upgrade(
        "long ping",
        frame(FIN | PING, &[b'p'; 126]),
        &[ErrorKind::Protocol],
        "protocol",
    );
}

#[test]
fn a_frame_longer_than_the_maximum() {
    let server = after_upgrade(frame(FIN | BINARY, &[7; 4096]));
    let mut cfg = test_config();
    cfg.max_message_size = 1024;
    expect_failure(
        "frame over max",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::MessageTooLarge],
        "4096",
    );
}

#[test]
fn fragments_adding_up_to_more_than_the_maximum() {
    let mut bytes = frame(BINARY, &[1; 800]);
    bytes.extend(frame(CONT, &[2; 800]));
    bytes.extend(frame(FIN | CONT, &[3; 800]));
    let server = after_upgrade(bytes);
    let mut cfg = test_config();
    cfg.max_message_size = 1024;
    let (_c, rec) = expect_failure(
        "message over max",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::MessageTooLarge],
        "1024",
    );
    assert!(rec.messages().is_empty());
}

#[test]
fn a_64_bit_length_with_the_top_bit_set() {
    let server = after_upgrade(header_with_len64(FIN | BINARY, (1 << 63) | 5));
    expect_failure(
        "len64 top bit",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Protocol, ErrorKind::MessageTooLarge],
        "",
    );
}

#[test]
fn a_length_over_the_default_maximum_is_refused_before_allocating() {
    // 1 TiB announced; the default maximum is 64 MiB.
    let server = after_upgrade(header_with_len64(FIN | BINARY, 1 << 40));
    expect_failure(
        "len 1 TiB",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::MessageTooLarge],
        "1099511627776",
    );
}

#[test]
fn invalid_utf8_in_a_text_frame() {
    check_after_upgrade(
        "invalid UTF-8",
        frame(FIN | TEXT, &[b'o', b'k', 0xff, 0xfe]),
        &[ErrorKind::Protocol],
        "UTF-8",
    );
}

#[test]
fn invalid_utf8_split_across_fragments() {
    // "a" + the first two bytes of a 3-byte sequence, then a byte that cannot continue it.
    let mut bytes = frame(TEXT, &[b'a', 0xe2, 0x82]);
    bytes.extend(frame(FIN | CONT, &[0x28, b'b']));
    check_after_upgrade(
        "invalid UTF-8 across fragments",
        bytes,
        &[ErrorKind::Protocol],
        "UTF-8",
    );
}

#[test]
fn a_close_frame_with_an_invalid_code() {
    // 999 and 5000 are outside every range; 1005, 1006 and 1015 must never
    // be sent in a close frame (RFC 6455 7.4.1).
    for code in [999u16, 1005, 1006, 1015, 5000] {
        let server = after_upgrade(close_frame(code, "bad"));
        let (c, rec) = client(&server.url(), test_config());
        c.start().unwrap();
        let (i, ev) = rec.expect_event(0, WAIT, "Error or Closed", |e| {
            matches!(e, Event::Error { .. } | Event::Closed { .. })
        });
        eprintln!("hostile close code {code}: first report {ev:?}");
        assert!(
            matches!(&ev, Event::Error { kind: ErrorKind::Protocol, message, .. } if message.to_ascii_lowercase().contains("close")),
            "close code {code}: expected an Error(Protocol) naming the invalid close frame, got {ev:?}\n{}",
            rec.dump()
        );
        rec.expect_reconnect(i, WAIT);
        c.stop().unwrap();
    }
}

#[test]
fn a_close_frame_with_a_one_byte_payload() {
    check_after_upgrade(
        "1-byte close",
        frame(FIN | CLOSE, &[0x03]),
        &[ErrorKind::Protocol],
        "close",
    );
}

#[test]
fn a_close_frame_with_an_invalid_utf8_reason() {
    let mut p = 1000u16.to_be_bytes().to_vec();
    p.extend_from_slice(&[0xff, 0xfe]);
    check_after_upgrade(
        "close reason not UTF-8",
        frame(FIN | CLOSE, &p),
        &[ErrorKind::Protocol],
        "UTF-8",
    );
}

#[test]
fn a_continuation_without_a_start() {
    check_after_upgrade(
        "orphan continuation",
        frame(FIN | CONT, b"x"),
        &[ErrorKind::Protocol],
        "continue",
    );
}

#[test]
fn a_new_message_inside_a_fragmented_one() {
    let mut bytes = frame(TEXT, b"part one");
    bytes.extend(frame(FIN | TEXT, b"interloper"));
    check_after_upgrade(
        "interleaved data frames",
        bytes,
        &[ErrorKind::Protocol],
        "protocol",
    );
}

// ----- silent, stuck and slow servers -----

#[test]
fn a_server_that_accepts_then_sends_nothing_ever() {
    let server = ScriptServer::start(|p| {
        if p.upgrade("").is_some() {
            p.drain();
        }
    });
    let mut cfg = test_config();
    fast_heartbeat(&mut cfg);
    expect_failure(
        "silent after upgrade",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::HeartbeatTimeout],
        "ping unanswered",
    );
}

#[test]
fn a_server_that_stops_reading_hits_the_queue_limit_not_memory() {
    let server = ScriptServer::start(|p| {
        if p.upgrade("").is_some() {
            p.hold();
        }
    });
    let mut cfg = test_config();
    cfg.max_queue_bytes = 1 << 20;
    cfg.heartbeat_interval = Duration::ZERO;
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let msg = vec![0x5a; 16 << 10];
    let mut accepted = 0u64;
    let mut refused = None;
    // Bounded: at most 1 GiB offered.
    for _ in 0..65_536 {
        match c.send_binary(&msg) {
            Ok(()) => accepted += 1,
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
        let st = c.stats();
        assert!(
            st.queued_bytes <= 1 << 20,
            "queue over its limit: {}",
            st.queued_bytes
        );
    }
    let e = refused.expect("sends must eventually be refused");
    assert_eq!(e.kind, ErrorKind::QueueFull);
    let st = c.stats();
    eprintln!(
        "hostile stops-reading: {accepted} messages ({} MiB) accepted before QueueFull; {} MiB written to the socket; queued {} KiB",
        accepted * 16 / 1024,
        st.bytes_sent >> 20,
        st.queued_bytes >> 10
    );
    // Everything accepted is either written or queued: memory is bounded by
    // the queue limit plus the socket buffers.
    assert!(accepted * (16 << 10) <= st.bytes_sent + st.queued_bytes + (16 << 10));
    assert!(
        accepted * (16 << 10) < 256 << 20,
        "accepted far more than the queue and socket buffers can hold"
    );
    let took = timed_stop(&c);
    assert!(took < Duration::from_secs(3), "stop took {took:?}");
}

#[test]
fn a_server_that_stops_reading_is_replaced_by_the_heartbeat() {
    let server = ScriptServer::start(|p| {
        if p.upgrade("").is_some() {
            p.hold();
        }
    });
    let mut cfg = test_config();
    fast_heartbeat(&mut cfg);
    cfg.max_queue_bytes = 1 << 20;
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    for _ in 0..4096 {
        if c.send_binary(&[1; 16 << 10]).is_err() {
            break;
        }
    }
    let (i, _) = rec.expect_error(0, ErrorKind::HeartbeatTimeout, "", WAIT);
    rec.expect_reconnect(i, WAIT);
    rec.expect_open(i, WAIT);
    c.stop().unwrap();
}

// ----- TLS -----

#[test]
fn tls_with_an_expired_certificate() {
    let tls = Tls::new();
    let server = tls.server(&tls.pki.server_expired(pki::LOCAL_NAMES).unwrap(), None);
    let (c, rec) = client(&wss_url("localhost", server.port()), tls.config());
    c.start().unwrap();
    let (i, msg) = rec.expect_error(0, ErrorKind::TlsVerify, "expired", WAIT);
    eprintln!("hostile expired certificate: {msg}");
    rec.expect_reconnect(i, WAIT);
    assert!(server.wait(WAIT, |s, _| s.accepted() >= 2), "no retry");
    assert_eq!(rec.count(|e| matches!(e, Event::Open { .. })), 0);
    c.stop().unwrap();
}

#[test]
fn tls_with_a_certificate_for_another_host() {
    let tls = Tls::new();
    let server = tls.server(&tls.pki.server(&["example.org"]).unwrap(), None);
    let (c, rec) = client(&wss_url("localhost", server.port()), tls.config());
    c.start().unwrap();
    let (i, msg) = rec.expect_error(0, ErrorKind::TlsVerify, "not valid for the name", WAIT);
    eprintln!("hostile wrong host: {msg}");
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}

#[test]
fn tls_answered_by_a_plain_text_server() {
    let server = ScriptServer::start(|p| {
        // Whatever arrives (a ClientHello), answer in plain HTTP.
        let mut b = [0u8; 1024];
        let _ = std::io::Read::read(&mut p.s, &mut b);
        p.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        p.drain();
    });
    let mut cfg = test_config();
    cfg.tls.dangerous_disable_verification = true;
    expect_failure(
        "non-TLS reply",
        &server,
        &wss_url("127.0.0.1", server.port()),
        cfg,
        &[ErrorKind::Tls],
        "TLS",
    );
}

// ----- unusual but valid -----

#[test]
fn fragmented_messages_are_reassembled_with_control_frames_between() {
    let mut bytes = frame(TEXT, "a\u{20ac}".as_bytes()[..3].as_ref());
    bytes.extend(frame(FIN | PING, b"between"));
    bytes.extend(frame(FIN | CONT, &"a\u{20ac}".as_bytes()[3..]));
    bytes.extend(frame(BINARY, &[1, 2]));
    bytes.extend(frame(CONT, &[]));
    bytes.extend(frame(FIN | PONG, b"unsolicited"));
    bytes.extend(frame(FIN | CONT, &[3]));
    let server = after_upgrade(bytes);
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    let msgs = rec.expect_messages(2, WAIT);
    assert_eq!(
        msgs,
        vec![
            ("a\u{20ac}".as_bytes().to_vec(), false),
            (vec![1, 2, 3], true)
        ]
    );
    assert_eq!(
        rec.count(|e| matches!(e, Event::Error { .. })),
        0,
        "{}",
        rec.dump()
    );
    c.stop().unwrap();
}

#[test]
fn server_pings_are_answered_with_the_same_payload() {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let server = ScriptServer::start(move |p| {
        if p.upgrade("").is_none() || !p.send(&frame(FIN | PING, b"are you there")) {
            return;
        }
        for _ in 0..16 {
            match p.read_frame() {
                Some((first, payload)) if first & 0x0f == PONG => {
                    let _ = tx.lock().unwrap().send(payload);
                    break;
                }
                Some(_) => continue,
                None => break,
            }
        }
        p.drain();
    });
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert_eq!(rx.recv_timeout(WAIT).expect("no pong"), b"are you there");
    c.stop().unwrap();
}

#[test]
fn a_server_close_with_no_status_code() {
    let server = after_upgrade(frame(FIN | CLOSE, &[]));
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    let (i, ev) = rec.expect_event(0, WAIT, "Closed", |e| matches!(e, Event::Closed { .. }));
    assert!(matches!(ev, Event::Closed { code: 1005, .. }), "{ev:?}");
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}
