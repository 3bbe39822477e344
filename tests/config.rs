//! Configuration: URL / port / path resolution (DESIGN §1.1) and what
//! reaches the server, invalid input, option validation, options only
//! before start, extra headers and subprotocols, logging by level to a sink
//! or stderr and `MYWSCLIENT_LOG`.

mod support;

use mywsclient::{Client, Config, ErrorKind, Event, LogLevel, State};
use support::*;

#[test]
fn url_port_and_path_resolution() {
    // (url, port, path) -> (secure, host, port, resource)
    let cases: &[(&str, i32, &str, bool, &str, u16, &str)] = &[
        ("example.com", 0, "", true, "example.com", 443, "/"),
        (
            "example.com",
            9001,
            "/chat",
            true,
            "example.com",
            9001,
            "/chat",
        ),
        ("Example.COM", 0, "chat", true, "example.com", 443, "/chat"),
        ("127.0.0.1", 8080, "", true, "127.0.0.1", 8080, "/"),
        ("[::1]", 0, "", true, "::1", 443, "/"),
        ("::1", 7000, "", true, "::1", 7000, "/"),
        ("ws://h:8080/p?q=1", 0, "", false, "h", 8080, "/p?q=1"),
        (
            "ws://h:8080/p?q=1",
            9000,
            "/other?x=2",
            false,
            "h",
            9000,
            "/other?x=2",
        ),
        ("ws://h", 0, "", false, "h", 80, "/"),
        ("WSS://h", 0, "", true, "h", 443, "/"),
        ("wss://h?only=query", 0, "", true, "h", 443, "/?only=query"),
        (
            "wss://[2001:db8::1]:8443/x",
            0,
            "",
            true,
            "2001:db8::1",
            8443,
            "/x",
        ),
        ("ws://[::1]:9000", 0, "/a/b", false, "::1", 9000, "/a/b"),
        ("ws://h:80", 0, "", false, "h", 80, "/"),
        ("wss://h:443", 0, "", true, "h", 443, "/"),
        // International names become punycode; non-ASCII paths are percent-encoded.
        (
            "wss://bücher.example/",
            0,
            "",
            true,
            "xn--bcher-kva.example",
            443,
            "/",
        ),
        (
            "BÜCHER.example",
            0,
            "",
            true,
            "xn--bcher-kva.example",
            443,
            "/",
        ),
        ("ws://h/é", 0, "", false, "h", 80, "/%C3%A9"),
        ("ws://h", 0, "/é", false, "h", 80, "/%C3%A9"),
        ("ws://h_1.example", 0, "", false, "h_1.example", 80, "/"),
        ("ws://h.", 0, "", false, "h.", 80, "/"),
    ];
    for &(url, port, path, secure, host, want_port, resource) in cases {
        let c = Client::new(url, port, path).unwrap_or_else(|e| panic!("{url:?}: {e}"));
        let e = c.endpoint();
        assert_eq!(
            (e.secure, e.host.as_str(), e.port, e.resource.as_str()),
            (secure, host, want_port, resource),
            "{url:?} port {port} path {path:?}"
        );
        let literal = host.parse::<std::net::IpAddr>().ok();
        assert_eq!(e.ip, literal, "{url:?}: an IP literal needs no lookup");
        assert_eq!(c.state(), State::Idle);
    }
}

#[test]
fn invalid_input_is_a_typed_error_that_names_the_problem() {
    let cases: &[(&str, i32, &str, &str)] = &[
        ("", 0, "", "empty"),
        ("ws://", 0, "", "empty host"),
        ("ws://:80/x", 0, "", "empty host"),
        ("http://example.com", 0, "", "scheme"),
        ("ftp://example.com", 0, "", "scheme"),
        ("example.com", 65536, "", "out of range"),
        ("example.com", -1, "", "out of range"),
        ("ws://example.com:0", 0, "", "out of range"),
        ("ws://example.com:70000", 0, "", "out of range"),
        ("ws://example.com:abc", 0, "", "not a number"),
        ("exa mple.com", 0, "", "space"),
        ("ws://example.com/\u{7}", 0, "", "control"),
        ("example.com", 0, "/a b", "space"),
        ("example.com", 0, "/a\r\nX-Injected: 1", "control"),
        ("ws://[::1", 0, "", "unterminated"),
        ("ws://ex!ample.com", 0, "", "not allowed"),
        ("ws://ho$t", 0, "", "not allowed"),
        ("ws://h/\n", 0, "", "control"),
        ("ws://u@h", 0, "", "user information"),
        ("ws://[zz]", 0, "", "not an IPv6"),
        ("ws://h/#f", 0, "", "fragment"),
        ("ws://a..b", 0, "", "empty label"),
        ("f::22:111:1:1:1:1:13", 0, "", "brackets"),
    ];
    for &(url, port, path, needle) in cases {
        let e = match Client::new(url, port, path) {
            Ok(_) => panic!("{url:?} port {port} path {path:?} was accepted"),
            Err(e) => e,
        };
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{url:?}");
        assert!(
            e.message.contains(needle),
            "{url:?} port {port} path {path:?}: {:?} lacks {needle:?}",
            e.message
        );
    }
}

#[test]
fn path_query_host_and_headers_reach_the_server() {
    let server = echo_server();
    let mut cfg = test_config();
    cfg.headers = vec![
        ("X-Api-Key".into(), "s3cret".into()),
        ("Origin".into(), "https://app.example".into()),
    ];
    let rec = Recorder::new();
    cfg.log_sink = Some(rec.sink());
    let c = Client::with_config(
        "ws://127.0.0.1:1/ignored?no=1",
        server.port() as i32,
        "/chat?room=7",
        cfg,
    )
    .unwrap();
    rec.attach(&c);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.stop().unwrap();
    let req = server.with_record(|r| r.requests[0].clone());
    assert_eq!(req.path, "/chat?room=7");
    assert_eq!(
        req.header("host"),
        Some(format!("127.0.0.1:{}", server.port()).as_str())
    );
    assert_eq!(req.header("x-api-key"), Some("s3cret"));
    assert_eq!(req.header("origin"), Some("https://app.example"));
    assert!(
        req.header("user-agent")
            .is_some_and(|v| v.starts_with("mywsclient/")),
        "{:?}",
        req.header("user-agent")
    );
    assert_eq!(
        req.header("sec-websocket-protocol"),
        None,
        "no subprotocol requested by default"
    );
}

#[test]
fn ipv6_loopback() {
    let Ok(server) = echo::EchoServer::start("[::1]:0".parse().unwrap(), EchoConfig::default())
    else {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    };
    let (c, rec) = client(&format!("ws://[::1]:{}/v6", server.port()), test_config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.send_text(b"over IPv6").unwrap();
    rec.expect_messages(1, WAIT);
    c.stop().unwrap();
    let req = server.with_record(|r| r.requests[0].clone());
    assert_eq!(
        req.header("host"),
        Some(format!("[::1]:{}", server.port()).as_str())
    );
}

#[test]
fn subprotocols_selected_or_not() {
    let server = echo_server_with(EchoConfig {
        subprotocol: Some("ws".into()),
        ..EchoConfig::default()
    });
    // Offered and selected.
    let mut cfg = test_config();
    cfg.subprotocols = vec!["chat".into(), "ws".into()];
    let (c, rec) = client(&ws_url(server.port()), cfg);
    c.start().unwrap();
    let (_, ev) = rec.expect_event(0, WAIT, "Open", |e| matches!(e, Event::Open { .. }));
    assert!(
        matches!(&ev, Event::Open { protocol: Some(p), .. } if p == "ws"),
        "{ev:?}"
    );
    c.stop().unwrap();
    assert_eq!(
        server.with_record(|r| r.requests[0]
            .header("sec-websocket-protocol")
            .map(str::to_string)),
        Some("chat, ws".into())
    );
    // Offered, the server selects none: accepted (as libwebsockets does).
    let mut cfg = test_config();
    cfg.subprotocols = vec!["chat".into()];
    let (c, rec) = client(&ws_url(server.port()), cfg);
    c.start().unwrap();
    let (_, ev) = rec.expect_event(0, WAIT, "Open", |e| matches!(e, Event::Open { .. }));
    assert!(matches!(ev, Event::Open { protocol: None, .. }), "{ev:?}");
    c.stop().unwrap();
}

#[test]
fn invalid_options_are_refused_and_change_nothing() {
    let c = Client::new("ws://127.0.0.1:9", 0, "").unwrap();
    type Edit = fn(&mut Config);
    let cases: &[(&str, Edit, &str)] = &[
        (
            "zero backoff",
            |c| c.backoff_initial = std::time::Duration::ZERO,
            "backoff",
        ),
        (
            "max below initial",
            |c| c.backoff_max = std::time::Duration::from_millis(1),
            "backoff",
        ),
        ("factor below 1", |c| c.backoff_factor = 0.5, "factor"),
        ("factor NaN", |c| c.backoff_factor = f64::NAN, "factor"),
        ("jitter above 1", |c| c.backoff_jitter = 1.5, "jitter"),
        (
            "zero heartbeat timeout",
            |c| c.heartbeat_timeout = std::time::Duration::ZERO,
            "heartbeat",
        ),
        (
            "zero connect timeout",
            |c| c.connect_timeout = std::time::Duration::ZERO,
            "timeout",
        ),
        (
            "zero max message",
            |c| c.max_message_size = 0,
            "message size",
        ),
        ("zero queue bytes", |c| c.max_queue_bytes = 0, "queue"),
        (
            "reserved header",
            |c| c.headers = vec![("Sec-WebSocket-Key".into(), "x".into())],
            "Sec-WebSocket-Key",
        ),
        (
            "header name with space",
            |c| c.headers = vec![("X Bad".into(), "x".into())],
            "X Bad",
        ),
        (
            "header value with CRLF",
            |c| c.headers = vec![("X-A".into(), "a\r\nInjected: 1".into())],
            "X-A",
        ),
        (
            "empty subprotocol",
            |c| c.subprotocols = vec!["".into()],
            "subprotocol",
        ),
        (
            "subprotocol with comma",
            |c| c.subprotocols = vec!["a,b".into()],
            "subprotocol",
        ),
        (
            "key without cert",
            |c| c.tls.client_key_file = Some("k.pem".into()),
            "certificate",
        ),
    ];
    for (name, edit, needle) in cases {
        let before = c.config().backoff_initial;
        let e = c.configure(edit).expect_err(name);
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{name}");
        assert!(
            e.message.contains(needle),
            "{name}: {:?} lacks {needle:?}",
            e.message
        );
        let after = c.config();
        assert_eq!(
            after.backoff_initial, before,
            "{name}: nothing changes on error"
        );
        assert!(
            after.headers.is_empty()
                && after.subprotocols.is_empty()
                && after.tls.client_key_file.is_none(),
            "{name}"
        );
    }
    // Client::with_config validates too.
    let bad = Config {
        backoff_jitter: -0.1,
        ..Config::default()
    };
    assert_eq!(
        Client::with_config("ws://h", 0, "", bad)
            .err()
            .map(|e| e.kind),
        Some(ErrorKind::InvalidArgument)
    );
    // A good change sticks.
    c.configure(|cfg| cfg.max_queue_messages = 7).unwrap();
    assert_eq!(c.config().max_queue_messages, 7);
}

#[test]
fn options_and_handlers_only_before_start_or_after_stop() {
    let server = echo_server();
    let (c, _rec) = connected(server.port(), test_config());
    let e = c.configure(|cfg| cfg.max_queue_messages = 3).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState);
    assert!(e.message.contains("before start"), "{}", e.message);
    assert_eq!(
        c.set_message_handler(|_, _| {}).unwrap_err().kind,
        ErrorKind::InvalidState
    );
    assert_eq!(
        c.set_event_handler(|_| {}).unwrap_err().kind,
        ErrorKind::InvalidState
    );
    c.stop().unwrap();
    c.configure(|cfg| cfg.max_queue_messages = 3).unwrap();
    c.set_event_handler(|_| {}).unwrap();
    // The new limit applies to sends.
    for _ in 0..3 {
        c.send_text(b"x").unwrap();
    }
    assert_eq!(c.send_text(b"x").unwrap_err().kind, ErrorKind::QueueFull);
}

#[test]
fn logging_by_level_to_a_sink() {
    let port = closed_port();
    for (level, want_debug, want_warn) in [
        (LogLevel::Debug, true, true),
        (LogLevel::Warn, false, true),
        (LogLevel::Off, false, false),
    ] {
        let mut cfg = test_config();
        cfg.log_level = level;
        let (c, rec) = client(&ws_url(port), cfg);
        c.start().unwrap();
        let r = rec.expect_reconnect(0, WAIT);
        rec.expect_reconnect(r + 1, WAIT);
        c.stop().unwrap();
        let logs = rec.logs();
        assert!(
            logs.iter().all(|(l, _)| *l <= level && *l != LogLevel::Off),
            "{level:?}: {logs:#?}"
        );
        assert_eq!(
            logs.iter().any(|(l, _)| *l == LogLevel::Debug),
            want_debug,
            "{level:?}: {logs:#?}"
        );
        let warned = logs
            .iter()
            .any(|(l, m)| *l == LogLevel::Warn && m.contains("refused"));
        assert_eq!(warned, want_warn, "{level:?}: {logs:#?}");
    }
}

#[test]
fn child_log_level_from_the_environment() {
    if !is_child() {
        return;
    }
    let want = std::env::var("MYWSCLIENT_TEST_EXPECT").unwrap();
    assert_eq!(Config::default().log_level.as_str(), want);
}

#[test]
fn the_log_level_comes_from_mywsclient_log() {
    for (value, want) in [
        ("off", "off"),
        ("error", "error"),
        ("warn", "warn"),
        ("info", "info"),
        ("debug", "debug"),
        ("DEBUG", "debug"),
        ("nonsense", "warn"),
    ] {
        run_child(
            "child_log_level_from_the_environment",
            &[("MYWSCLIENT_LOG", value), ("MYWSCLIENT_TEST_EXPECT", want)],
        );
    }
    run_child(
        "child_log_level_from_the_environment",
        &[("MYWSCLIENT_TEST_EXPECT", "warn")],
    );
}

#[test]
fn child_default_logging_goes_to_stderr() {
    if !is_child() {
        return;
    }
    // No sink: the default.
    let cfg = Config {
        backoff_initial: ms(20),
        backoff_max: ms(50),
        ..Config::default()
    };
    let c = Client::with_config(&ws_url(closed_port()), 0, "", cfg).unwrap();
    let rec = Recorder::new();
    rec.attach(&c);
    c.start().unwrap();
    rec.expect_reconnect(0, WAIT);
    c.stop().unwrap();
}

#[test]
fn warnings_go_to_stderr_by_default_and_mywsclient_log_off_silences_them() {
    let out = run_child("child_default_logging_goes_to_stderr", &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[mywsclient] warn") && err.contains("refused"),
        "stderr: {err}"
    );
    assert!(
        !err.contains("[mywsclient] debug"),
        "debug is off by default: {err}"
    );
    let out = run_child(
        "child_default_logging_goes_to_stderr",
        &[("MYWSCLIENT_LOG", "off")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("[mywsclient]"), "stderr: {err}");
    let out = run_child(
        "child_default_logging_goes_to_stderr",
        &[("MYWSCLIENT_LOG", "debug")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[mywsclient] debug"), "stderr: {err}");
}

#[test]
fn defaults_are_the_documented_ones() {
    use std::time::Duration;
    let d = Config::default();
    assert!(d.reconnect);
    assert_eq!(d.max_reconnect_attempts, 0, "retry forever");
    assert_eq!(
        (d.backoff_initial, d.backoff_max, d.backoff_factor),
        (Duration::from_millis(100), Duration::from_secs(5), 2.0)
    );
    assert!(d.backoff_jitter > 0.0 && d.backoff_jitter <= 1.0);
    assert_eq!(
        (d.heartbeat_interval, d.heartbeat_timeout),
        (Duration::from_secs(3), Duration::from_secs(3))
    );
    assert_eq!(
        (d.connect_timeout, d.handshake_timeout),
        (Duration::from_secs(10), Duration::from_secs(10))
    );
    assert_eq!(
        (d.max_queue_bytes, d.max_message_size),
        (64 << 20, 64 << 20)
    );
    assert!(d.subprotocols.is_empty() && d.headers.is_empty());
    assert!(
        !d.tls.dangerous_disable_verification && d.tls.ca_file.is_none() && !d.tls.no_system_roots
    );
    assert!(d.log_sink.is_none());
}
