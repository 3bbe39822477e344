//! Failed attempts are reported by cause and retried: DNS, refused,
//! connect and handshake timeouts; host names resolved again.

use std::time::Instant;

use mywsclient::ErrorKind;

use crate::roundtrip;
use crate::support::*;

#[test]
fn dns_failure_is_reported_and_retried() {
    // A 64-character label cannot be a DNS name: the resolver fails at once,
    // locally (no query leaves the machine).
    let host = format!("{}.test", "a".repeat(64));
    let (c, rec) = client(&format!("ws://{host}:80/"), test_config());
    c.start().unwrap();
    let (i, msg) = rec.expect_error(0, ErrorKind::Dns, &host, WAIT);
    eprintln!("DNS failure: {msg}");
    rec.expect_reconnect(i, WAIT);
    // Resolved again on the next attempt (and failing again).
    rec.expect_error(i + 1, ErrorKind::Dns, &host, WAIT);
    c.stop().unwrap();
}

#[test]
fn host_names_are_resolved_and_reconnected() {
    let server = echo_server();
    let (c, rec) = client(&format!("ws://localhost:{}/", server.port()), test_config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let mark = rec.mark();
    server.kill_all();
    rec.expect_reconnect(mark, WAIT);
    rec.expect_open(mark, WAIT);
    roundtrip(&c, &rec, "via localhost");
    c.stop().unwrap();
}

#[test]
fn connect_timeout_is_reported_as_such() {
    let target = unanswered();
    let mut cfg = test_config();
    cfg.connect_timeout = ms(300);
    let (c, rec) = client(&ws_url(target.port), cfg);
    c.start().unwrap();
    let t = Instant::now();
    let (i, msg) = rec.expect_error(0, ErrorKind::ConnectTimeout, "longer than", WAIT);
    eprintln!("connect timeout after {:?}: {msg}", t.elapsed());
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}

#[test]
fn handshake_timeout_is_reported_as_such() {
    let server = hostile::ScriptServer::start(|p| p.drain());
    let mut cfg = test_config();
    cfg.handshake_timeout = ms(300);
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    let (i, msg) = rec.expect_error(0, ErrorKind::HandshakeTimeout, "longer than", WAIT);
    eprintln!("handshake timeout: {msg}");
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}

#[test]
fn refused_then_accepted_by_the_proxy() {
    let server = echo_server();
    let proxy = FaultProxy::local(server.port()).unwrap();
    proxy.refuse();
    let (c, rec) = client(&ws_url(proxy.port()), test_config());
    c.start().unwrap();
    let (i, _) = rec.expect_error(0, ErrorKind::Connect, "refused", WAIT);
    rec.expect_reconnect(i, WAIT);
    proxy.accept();
    rec.expect_open(i, WAIT);
    roundtrip(&c, &rec, "through the proxy");
    c.stop().unwrap();
}
