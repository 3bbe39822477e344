//! TLS: an expired certificate, one for another host, a plain-text reply
//! to the ClientHello.

use mywsclient::{ErrorKind, Event};

use crate::expect_failure;
use crate::support::hostile::ScriptServer;
use crate::support::*;

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
