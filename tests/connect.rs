//! Connecting like a browser (issue 10): Happy Eyeballs over an address
//! list whose first address never answers, resolve overrides, the Origin
//! header, and failed upgrades whose messages name the likely cause.

mod support;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use mywsclient::{Config, ErrorKind, LogLevel, ResolveOverride};
use support::*;

/// A listener on `ip`:`port` whose accept queue is full: SYNs to it are
/// dropped, so a connect there is never answered (a dead address).
struct Dead {
    _listener: TcpListener,
    _fill: Vec<TcpStream>,
}

fn dead_address(addr: SocketAddr) -> Dead {
    let l = TcpListener::bind(addr).expect("bind the dead address");
    let mut fill = Vec::new();
    // std listens with a backlog of 128: the queue holds ~129 connections.
    for _ in 0..1024 {
        match TcpStream::connect_timeout(&addr, ms(200)) {
            Ok(s) => fill.push(s),
            Err(_) => {
                return Dead {
                    _listener: l,
                    _fill: fill,
                }
            }
        }
    }
    panic!("could not fill the accept queue of {addr}");
}

fn resolve(entry: &str) -> ResolveOverride {
    ResolveOverride::parse(entry).unwrap()
}

#[test]
fn a_dead_first_address_costs_the_stagger_not_the_connect_timeout() {
    let server = echo_server();
    let port = server.port();
    let dead_ip: IpAddr = "127.0.0.2".parse().unwrap();
    let _dead = dead_address(SocketAddr::new(dead_ip, port));
    let cfg = Config {
        // Without Happy Eyeballs the first attempt would wait all of this.
        connect_timeout: Duration::from_secs(60),
        resolve: vec![resolve(&format!(
            "eyeballs.test:{port}:127.0.0.2,127.0.0.1"
        ))],
        ..test_config()
    };
    let (c, rec) = client(&format!("ws://eyeballs.test:{port}/"), cfg);
    let t = Instant::now();
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let took = t.elapsed();
    let line = rec.expect_log(LogLevel::Debug, "connected to 127.0.0.1", WAIT);
    assert!(line.contains(&port.to_string()), "{line}");
    c.send_text(b"hello").unwrap();
    rec.expect_messages(1, WAIT);
    // Echoed, so the server has counted it: one connection, the live address's.
    assert_eq!(server.opened(), 1);
    c.stop().unwrap();
    println!("first address dead -> open in {took:?}");
}

#[test]
fn refused_addresses_are_skipped_at_once_and_all_failing_names_each() {
    let server = echo_server();
    let port = server.port();
    let cfg = Config {
        resolve: vec![resolve(&format!("multi.test:{port}:127.0.0.3,127.0.0.1"))],
        ..test_config()
    };
    let (c, rec) = client(&format!("ws://multi.test:{port}/"), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.stop().unwrap();
    let closed = closed_port();
    let cfg = Config {
        resolve: vec![resolve(&format!("none.test:{closed}:127.0.0.3,127.0.0.4"))],
        ..test_config()
    };
    let (c, rec) = client(&format!("ws://none.test:{closed}/"), cfg);
    c.start().unwrap();
    let (_, msg) = rec.expect_error(0, ErrorKind::Connect, "127.0.0.3", WAIT);
    assert!(msg.contains("127.0.0.4"), "{msg}");
    c.stop().unwrap();
}

#[test]
fn resolve_override_replaces_the_system_resolver() {
    let server = echo_server();
    let port = server.port();
    let cfg = Config {
        // A name the system cannot resolve.
        resolve: vec![resolve(&format!("no-such-host.invalid:{port}:127.0.0.1"))],
        ..test_config()
    };
    let (c, rec) = client(&format!("ws://no-such-host.invalid:{port}/path"), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert!(server.wait(WAIT, |_, r| !r.requests.is_empty()));
    let req = server.with_record(|r| r.requests[0].clone());
    assert_eq!(
        req.header("Host"),
        Some(format!("no-such-host.invalid:{port}").as_str())
    );
    c.stop().unwrap();
}

#[test]
fn origin_is_sent_only_when_set() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    c.stop().unwrap();
    drop(rec);
    let cfg = Config {
        origin: Some("https://app.example".into()),
        ..test_config()
    };
    let (c, _rec) = connected(server.port(), cfg);
    c.stop().unwrap();
    assert!(server.wait(WAIT, |_, r| r.requests.len() >= 2));
    server.with_record(|r| {
        assert_eq!(r.requests[0].header("Origin"), None);
        assert_eq!(r.requests[1].header("Origin"), Some("https://app.example"));
    });
    let bad = Config {
        origin: Some("http://a\r\nX: y".into()),
        ..test_config()
    };
    let e = mywsclient::Client::with_config(&ws_url(server.port()), 0, "", bad)
        .err()
        .expect("a control character in the origin is refused");
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
}

/// A server that answers every request with `status`.
fn refusing_server(status: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(4) {
            let Ok(mut s) = s else { break };
            let mut buf = [0u8; 4096];
            let _ = s.set_read_timeout(Some(WAIT));
            let _ = s.read(&mut buf);
            let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        }
    });
    port
}

#[test]
fn failed_upgrades_name_the_likely_cause() {
    for (status, want) in [
        ("403 Forbidden", "Origin"),
        ("401 Unauthorized", "credentials"),
        ("404 Not Found", "path"),
    ] {
        let port = refusing_server(status);
        let (c, rec) = client(&ws_url(port), test_config());
        c.start().unwrap();
        let (_, msg) = rec.expect_error(0, ErrorKind::Handshake, status, WAIT);
        assert!(msg.contains(want), "{status}: {msg}");
        c.stop().unwrap();
    }
}
