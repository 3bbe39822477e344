//! TLS (rustls) against servers with our own PKI: a valid chain via a CA
//! file (with SNI for names, without for IP literals), unknown CA, wrong
//! host, the explicit insecure mode (option and environment variable),
//! mutual TLS, bad files, large messages and reconnects over TLS.

mod support;

use mywsclient::{Config, ErrorKind, Event, LogLevel};
use support::*;

fn roundtrip(c: &mywsclient::Client, rec: &Recorder, data: &[u8]) {
    let before = rec.messages().len();
    c.send_binary(data).unwrap();
    let msgs = rec.expect_messages(before + 1, WAIT);
    assert!(msgs[before].0 == data, "echo differs");
}

#[test]
fn a_valid_chain_from_a_ca_file_with_sni_for_names() {
    let tls = Tls::new();
    let server = tls.valid_server();
    let (c, rec) = client(&wss_url("localhost", server.port()), tls.config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    roundtrip(&c, &rec, b"over TLS");
    c.stop().unwrap();
    let sni = server.with_record(|r| r.requests[0].sni.clone());
    assert_eq!(
        sni.as_deref(),
        Some("localhost"),
        "SNI carries the host name"
    );
}

#[test]
fn a_valid_chain_for_an_ip_literal_without_sni() {
    let tls = Tls::new();
    let server = tls.valid_server();
    for host in ["127.0.0.1", "[::1]"] {
        if host == "[::1]" && std::net::TcpListener::bind("[::1]:0").is_err() {
            eprintln!("no IPv6 loopback here: skipping [::1]");
            continue;
        }
        let url = wss_url(host, server.port());
        if host == "[::1]" {
            // The server listens on 127.0.0.1 only: serve ::1 too.
            let v6 = echo::EchoServer::start(
                "[::1]:0".parse().unwrap(),
                EchoConfig {
                    tls: Some(
                        pki::server_config(&tls.pki.server(pki::LOCAL_NAMES).unwrap(), None)
                            .unwrap(),
                    ),
                    ..EchoConfig::default()
                },
            )
            .unwrap();
            let (c, rec) = client(&wss_url(host, v6.port()), tls.config());
            c.start().unwrap();
            rec.expect_open(0, WAIT);
            roundtrip(&c, &rec, b"v6");
            c.stop().unwrap();
            assert_eq!(v6.with_record(|r| r.requests[0].sni.clone()), None);
            continue;
        }
        let (c, rec) = client(&url, tls.config());
        c.start().unwrap();
        rec.expect_open(0, WAIT);
        roundtrip(&c, &rec, b"by address");
        c.stop().unwrap();
        assert_eq!(
            server.with_record(|r| r.requests[0].sni.clone()),
            None,
            "no SNI for an IP literal"
        );
    }
}

#[test]
fn an_unknown_ca_is_refused_with_a_message_that_says_what_to_do() {
    let tls = Tls::new();
    let other = Tls::new();
    let server = tls.valid_server();
    // Trusts another CA only.
    let (c, rec) = client(&wss_url("localhost", server.port()), other.config());
    c.start().unwrap();
    let (i, msg) = rec.expect_error(0, ErrorKind::TlsVerify, "unknown issuer", WAIT);
    for hint in ["CA", "MYWSCLIENT_TLS_INSECURE=1", "dangerous"] {
        assert!(
            msg.contains(hint),
            "the message should mention {hint:?}: {msg}"
        );
    }
    let r = rec.expect_reconnect(i, WAIT);
    rec.expect_error(r, ErrorKind::TlsVerify, "unknown issuer", WAIT);
    c.stop().unwrap();
    assert_eq!(rec.count(|e| matches!(e, Event::Open { .. })), 0);
    // One clear line at error level, not one per retry.
    let loud = rec
        .logs()
        .iter()
        .filter(|(l, m)| *l == LogLevel::Error && m.contains("verification failed"))
        .count();
    assert_eq!(loud, 1, "logs: {:#?}", rec.logs());
}

#[test]
fn a_private_ca_is_not_trusted_by_the_system_roots() {
    let tls = Tls::new();
    let server = tls.valid_server();
    // Default options: system roots only.
    let (c, rec) = client(&wss_url("localhost", server.port()), test_config());
    c.start().unwrap();
    let (i, _) = rec.expect_error(0, ErrorKind::TlsVerify, "unknown issuer", WAIT);
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let tls = Tls::new();
    // Valid for "localhost" only, reached as 127.0.0.1.
    let server = tls.server(&tls.pki.server(&["localhost"]).unwrap(), None);
    let (c, rec) = client(&wss_url("127.0.0.1", server.port()), tls.config());
    c.start().unwrap();
    let (i, msg) = rec.expect_error(0, ErrorKind::TlsVerify, "not valid for the name", WAIT);
    assert!(msg.contains("127.0.0.1"), "{msg}");
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}

#[test]
fn the_insecure_option_accepts_any_certificate_and_says_so() {
    let tls = Tls::new();
    let server = tls.server(&tls.pki.server_expired(&["example.org"]).unwrap(), None);
    let mut cfg = test_config();
    cfg.tls.dangerous_disable_verification = true;
    let (c, rec) = client(&wss_url("localhost", server.port()), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    roundtrip(&c, &rec, b"unverified");
    rec.expect_log(LogLevel::Warn, "DISABLED", WAIT);
    c.stop().unwrap();
}

#[test]
fn child_insecure_environment_variable() {
    if !is_child() {
        return;
    }
    let tls = Tls::new();
    let server = tls.server(&tls.pki.server(&["example.org"]).unwrap(), None);
    let (c, rec) = client(&wss_url("localhost", server.port()), test_config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let line = rec.expect_log(LogLevel::Warn, "DISABLED", WAIT);
    assert!(line.contains("MYWSCLIENT_TLS_INSECURE"), "{line}");
    c.stop().unwrap();
}

#[test]
fn the_insecure_environment_variable_accepts_any_certificate() {
    run_child(
        "child_insecure_environment_variable",
        &[("MYWSCLIENT_TLS_INSECURE", "1")],
    );
}

/// A TLS server for `localhost` that requires a client certificate from
/// `tls`'s CA.
fn mtls_server(tls: &Tls) -> EchoServer {
    tls.server(
        &tls.pki.server(pki::LOCAL_NAMES).unwrap(),
        Some(&tls.pki.ca_pem),
    )
}

/// `cfg` with a client certificate named `name`, issued by `issuer`'s CA.
fn with_client_cert(mut cfg: Config, issuer: &Tls, name: &str) -> Config {
    let (cert, key) = issuer
        .pki
        .client(name)
        .unwrap()
        .write(issuer.dir.path(), "client")
        .unwrap();
    cfg.tls.client_cert_file = Some(cert);
    cfg.tls.client_key_file = Some(key);
    cfg
}

#[test]
fn mutual_tls_with_a_client_certificate() {
    let tls = Tls::new();
    let server = mtls_server(&tls);
    let cfg = with_client_cert(tls.config(), &tls, "client-1");
    let (c, rec) = client(&wss_url("localhost", server.port()), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    roundtrip(&c, &rec, b"mutual");
    c.stop().unwrap();
}

#[test]
fn mutual_tls_is_refused_without_a_client_certificate() {
    let tls = Tls::new();
    let server = mtls_server(&tls);
    let (c, rec) = client(&wss_url("localhost", server.port()), tls.config());
    c.start().unwrap();
    let (i, kind, msg) = rec.expect_any_error(0, WAIT);
    eprintln!("mTLS without a client certificate: {kind:?}: {msg}");
    assert_eq!(kind, ErrorKind::Tls, "{msg}");
    assert!(msg.to_ascii_lowercase().contains("certificate"), "{msg}");
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
    assert_eq!(rec.count(|e| matches!(e, Event::Open { .. })), 0);
}

#[test]
fn mutual_tls_with_a_certificate_from_another_ca_is_refused() {
    let tls = Tls::new();
    let rogue = Tls::new();
    let server = mtls_server(&tls);
    let cfg = with_client_cert(tls.config(), &rogue, "rogue");
    let (c, rec) = client(&wss_url("localhost", server.port()), cfg);
    c.start().unwrap();
    let (i, kind, msg) = rec.expect_any_error(0, WAIT);
    assert_eq!(kind, ErrorKind::Tls, "{msg}");
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}

#[test]
fn unusable_tls_files_are_configuration_errors() {
    let tls = Tls::new();
    let server = tls.valid_server();
    let missing = tls.dir.path().join("no-such-ca.pem");
    let garbage = tls.dir.write("garbage.pem", "not a certificate\n");
    let (cert, _) = tls
        .pki
        .client("c")
        .unwrap()
        .write(tls.dir.path(), "client")
        .unwrap();
    type Edit = Box<dyn Fn(&mut mywsclient::Config)>;
    let cases: Vec<(&str, Edit, String)> = vec![
        (
            "missing CA file",
            Box::new(move |c| c.tls.ca_file = Some(missing.clone())),
            "no-such-ca.pem".into(),
        ),
        (
            "CA file without certificates",
            Box::new(move |c| c.tls.ca_file = Some(garbage.clone())),
            "garbage.pem".into(),
        ),
        (
            "client key that is a certificate",
            Box::new(move |c| {
                c.tls.client_cert_file = Some(cert.clone());
                c.tls.client_key_file = Some(cert.clone());
            }),
            "client".into(),
        ),
    ];
    for (name, set, needle) in cases {
        let mut cfg = tls.config();
        set(&mut cfg);
        let (c, rec) = client(&wss_url("localhost", server.port()), cfg);
        c.start().unwrap();
        let (_, msg) = rec.expect_error(0, ErrorKind::Config, &needle, WAIT);
        eprintln!("{name}: {msg}");
        // A configuration error is not retried: the client stops.
        rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
        assert_eq!(
            rec.count(|e| matches!(e, Event::ReconnectScheduled { .. })),
            0,
            "{name}"
        );
        c.stop().unwrap();
    }
    // A certificate without its key is refused by configure().
    let (c, _rec) = client(&wss_url("localhost", server.port()), tls.config());
    let e = c
        .configure(|cfg| cfg.tls.client_cert_file = Some(tls.ca_file.clone()))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("key"), "{}", e.message);
}

#[test]
fn large_messages_over_tls() {
    let tls = Tls::new();
    let server = tls.valid_server();
    let (c, rec) = client(&wss_url("localhost", server.port()), tls.config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let big: Vec<u8> = (0..16usize << 20).map(|i| (i % 251) as u8).collect();
    c.send_binary(&big).unwrap();
    c.send_text(&vec![b't'; 1 << 20]).unwrap();
    let msgs = rec.expect_messages(2, std::time::Duration::from_secs(60));
    assert!(msgs[0].0 == big && msgs[0].1);
    assert_eq!((msgs[1].0.len(), msgs[1].1), (1 << 20, false));
    c.stop().unwrap();
}

#[test]
fn reconnects_after_a_cut_over_tls() {
    let tls = Tls::new();
    let server = tls.valid_server();
    let proxy = FaultProxy::local(server.port()).unwrap();
    let (c, rec) = client(&wss_url("localhost", proxy.port()), tls.config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let mark = rec.mark();
    proxy.cut();
    let (i, kind, msg) = rec.expect_any_error(mark, WAIT);
    assert!(
        matches!(kind, ErrorKind::Io | ErrorKind::Closed | ErrorKind::Tls),
        "{kind:?}: {msg}"
    );
    rec.expect_reconnect(i, WAIT);
    rec.expect_open(i, WAIT);
    roundtrip(&c, &rec, b"after the cut");
    let took = timed_stop(&c);
    eprintln!("stop latency (connected over TLS): {took:?}");
}

#[test]
fn a_reconnect_and_a_second_client_resume_the_tls_session() {
    let tls = Tls::new();
    let server = tls.valid_server();
    let url = wss_url("localhost", server.port());
    let (c, rec) = client(&url, tls.config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    // The echo comes after the server counted the handshake, and after the
    // session tickets it sent with its first flight after the handshake.
    roundtrip(&c, &rec, b"first");
    assert_eq!((server.tls_full(), server.tls_resumed()), (1, 0));
    let mark = rec.mark();
    server.kill_all();
    let (i, _, _) = rec.expect_any_error(mark, WAIT);
    rec.expect_open(i, WAIT);
    roundtrip(&c, &rec, b"after the reset");
    assert_eq!(
        (server.tls_full(), server.tls_resumed()),
        (1, 1),
        "the reconnect resumes the session instead of a full handshake"
    );
    // Another client with the same options shares the session cache.
    let (c2, rec2) = client(&url, tls.config());
    c2.start().unwrap();
    rec2.expect_open(0, WAIT);
    roundtrip(&c2, &rec2, b"second client");
    assert_eq!((server.tls_full(), server.tls_resumed()), (1, 2));
    c2.stop().unwrap();
    c.stop().unwrap();
}
