//! Broken HTTP upgrades: wrong status, wrong accept key, an unrequested
//! subprotocol, endless or huge headers, not HTTP, slowloris, EOF.

use std::time::Duration;

use mywsclient::ErrorKind;

use crate::expect_failure;
use crate::support::hostile::ScriptServer;
use crate::support::test_config;

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
