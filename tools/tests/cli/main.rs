//! The CLI contract of the tool binaries: `LISTENING <port>` first, echo
//! with kinds, pings answered, TLS (self-signed and from files),
//! subprotocol selection, exit on stdin EOF and on SIGTERM; the proxy's
//! commands and their `OK <cmd>` acknowledgements.
//!
//! The tests are here; `proc` starts a tool binary and talks to it over
//! its stdin / stdout, `recorder` a client whose events and messages the
//! tests wait on, `echoes` the messages sent and the echoes expected.

mod echoes;
mod proc;
mod recorder;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mywsclient::Event;

use echoes::{expect_kinds, expect_pipelined, send_kinds};
use proc::{echo_bin, proxy_bin, stat, stats, temp_dir, Proc};
use recorder::{client, config, wait_event};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn echo_server_echoes_with_kinds_and_exits_on_stdin_eof() {
    let mut p = Proc::spawn(echo_bin(), &[]);
    let (c, r) = client(&format!("ws://127.0.0.1:{}/", p.port), config());
    send_kinds(&c);
    c.start().unwrap();
    expect_kinds(&r);
    // Many small messages, pipelined.
    let t = Instant::now();
    expect_pipelined(&c, &r, 10_000);
    eprintln!("10000 pipelined echoes (debug client) in {:?}", t.elapsed());
    c.stop().unwrap();
    drop(p.stdin.take());
    assert_eq!(p.wait_exit(), Some(0));
}

#[test]
fn echo_server_answers_pings() {
    let p = Proc::spawn(echo_bin(), &["--threads", "2"]);
    let mut cfg = config();
    cfg.heartbeat_interval = Duration::from_millis(100);
    cfg.heartbeat_timeout = Duration::from_millis(2000);
    let (c, r) = client(&format!("ws://127.0.0.1:{}/", p.port), cfg);
    c.start().unwrap();
    wait_event(&r, |e| matches!(e, Event::Open { .. }));
    // Quiet for several heartbeat periods: every ping must be answered.
    std::thread::sleep(Duration::from_millis(600));
    assert!(
        !r.events().iter().any(|e| matches!(e, Event::Error { .. })),
        "{:?}",
        r.events()
    );
    c.stop().unwrap();
}

#[test]
fn echo_server_exits_on_sigterm() {
    let mut p = Proc::spawn(echo_bin(), &[]);
    let pid = p.child.as_ref().unwrap().id();
    assert!(Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    assert_eq!(p.wait_exit(), None, "ended by the signal");
}

#[test]
fn echo_server_tls_self_signed_and_from_files_with_subprotocol() {
    let dir = temp_dir("tls");
    let mut p = Proc::spawn(
        echo_bin(),
        &[
            "--tls-self-signed",
            dir.to_str().unwrap(),
            "--subprotocol",
            "ws",
        ],
    );
    for f in ["ca.pem", "server.pem", "server.key"] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let mut cfg = config();
    cfg.tls.ca_file = Some(dir.join("ca.pem"));
    cfg.tls.no_system_roots = true;
    cfg.subprotocols = vec!["ws".into()];
    for host in ["localhost", "127.0.0.1"] {
        let (c, r) = client(&format!("wss://{host}:{}/", p.port), cfg.clone());
        c.start().unwrap();
        let open = wait_event(&r, |e| {
            matches!(e, Event::Open { .. } | Event::Error { .. })
        });
        assert!(
            matches!(&open, Event::Open { protocol: Some(p), .. } if p == "ws"),
            "{open:?}"
        );
        c.send_text(b"secure").unwrap();
        assert_eq!(
            r.msgs.recv_timeout(WAIT).unwrap(),
            (b"secure".to_vec(), false)
        );
        c.stop().unwrap();
    }
    drop(p.stdin.take());
    assert_eq!(p.wait_exit(), Some(0));

    // The same files, given explicitly; no subprotocol selected.
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    let p = Proc::spawn(
        echo_bin(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let (c, r) = client(&format!("wss://localhost:{}/", p.port), cfg);
    c.start().unwrap();
    let ev = wait_event(&r, |e| {
        matches!(e, Event::Open { .. } | Event::Error { .. })
    });
    assert!(matches!(ev, Event::Open { protocol: None, .. }), "{ev:?}");
    c.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn echo_server_event_loop_echoes_answers_pings_and_counts() {
    let mut p = Proc::spawn(echo_bin(), &["--event-loop", "--threads", "2"]);
    let mut cfg = config();
    cfg.heartbeat_interval = Duration::from_millis(100);
    cfg.heartbeat_timeout = Duration::from_millis(2000);
    let clients: Vec<_> = (0..3)
        .map(|_| client(&format!("ws://127.0.0.1:{}/", p.port), cfg.clone()))
        .collect();
    for (c, r) in &clients {
        send_kinds(c);
        c.start().unwrap();
        r.wait_opens(1);
    }
    for (c, r) in &clients {
        expect_kinds(r);
        // More than one turn's budget, pipelined.
        expect_pipelined(c, r, 2_000);
    }
    // Quiet for several heartbeat periods: every ping must be answered.
    std::thread::sleep(Duration::from_millis(400));
    for (c, r) in &clients {
        assert!(
            !r.events().iter().any(|e| matches!(e, Event::Error { .. })),
            "{:?}",
            r.events()
        );
        c.stop().unwrap();
    }
    let s = stats(&mut p);
    assert!(
        s.contains(&("accepted".into(), 3)) && s.contains(&("opened".into(), 3)),
        "{s:?}"
    );
    // Closed connections are let go (bounded wait).
    let deadline = Instant::now() + WAIT;
    while stat(&mut p, "open") > 0 {
        assert!(Instant::now() < deadline, "connections still open");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(p.stdin.take());
    assert_eq!(p.wait_exit(), Some(0));
}

#[test]
fn echo_server_event_loop_over_tls_counts_resumed_handshakes() {
    let dir = temp_dir("tls-events");
    let mut p = Proc::spawn(
        echo_bin(),
        &[
            "--event-loop",
            "--tls-self-signed",
            dir.to_str().unwrap(),
            "--subprotocol",
            "ws",
        ],
    );
    let mut cfg = config();
    cfg.tls.ca_file = Some(dir.join("ca.pem"));
    cfg.tls.no_system_roots = true;
    cfg.subprotocols = vec!["ws".into()];
    let url = format!("wss://localhost:{}/", p.port);
    // Two clients with the same options share one session cache: the
    // second resumes the session the first got.
    let (c1, r1) = client(&url, cfg.clone());
    c1.start().unwrap();
    let open = wait_event(&r1, |e| {
        matches!(e, Event::Open { .. } | Event::Error { .. })
    });
    assert!(
        matches!(&open, Event::Open { protocol: Some(p), .. } if p == "ws"),
        "{open:?}"
    );
    c1.send_binary(&vec![5; 1 << 20]).unwrap();
    assert_eq!(r1.msgs.recv_timeout(WAIT).unwrap().0.len(), 1 << 20);
    let (c2, r2) = client(&url, cfg);
    c2.start().unwrap();
    r2.wait_opens(1);
    c2.send_text(b"secure").unwrap();
    assert_eq!(
        r2.msgs.recv_timeout(WAIT).unwrap(),
        (b"secure".to_vec(), false)
    );
    let s = stats(&mut p);
    assert!(
        s.contains(&("tls_full".into(), 1)) && s.contains(&("tls_resumed".into(), 1)),
        "{s:?}"
    );
    c1.stop().unwrap();
    c2.stop().unwrap();
    drop(p.stdin.take());
    assert_eq!(p.wait_exit(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn echo_server_rejects_bad_arguments() {
    for args in [
        &["--bogus"][..],
        &["--threads", "0"],
        &["--addr", "nowhere"],
        &["--tls-cert", "x"],
    ] {
        let out = Command::new(echo_bin())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: no LISTENING line");
    }
}

#[test]
fn fault_proxy_commands() {
    let mut echo = Proc::spawn(echo_bin(), &[]);
    let target = format!("127.0.0.1:{}", echo.port);
    let mut proxy = Proc::spawn(
        proxy_bin(),
        &["--listen", "127.0.0.1:0", "--target", &target],
    );
    let mut cfg = config();
    cfg.heartbeat_interval = Duration::from_millis(200);
    cfg.heartbeat_timeout = Duration::from_millis(300);
    let (c, r) = client(&format!("ws://127.0.0.1:{}/", proxy.port), cfg);
    c.start().unwrap();
    wait_event(&r, |e| matches!(e, Event::Open { .. }));

    // cut: RST, the client reconnects.
    assert_eq!(proxy.send("cut"), "OK cut");
    wait_event(&r, |e| {
        matches!(
            e,
            Event::Error {
                kind: mywsclient::ErrorKind::Io,
                ..
            }
        )
    });
    r.wait_opens(2);

    // refuse, then cut: reconnects are refused until accept.
    assert_eq!(proxy.send("refuse"), "OK refuse");
    assert_eq!(proxy.send("cut"), "OK cut");
    wait_event(&r, |e| {
        matches!(
            e,
            Event::Error {
                kind: mywsclient::ErrorKind::Connect,
                ..
            }
        )
    });
    assert_eq!(proxy.send("accept"), "OK accept");
    r.wait_opens(3);

    // blackhole: the heartbeat declares the connection dead; forward heals.
    assert_eq!(proxy.send("blackhole"), "OK blackhole");
    wait_event(&r, |e| {
        matches!(
            e,
            Event::Error {
                kind: mywsclient::ErrorKind::HeartbeatTimeout,
                ..
            }
        )
    });
    assert_eq!(proxy.send("forward"), "OK forward");
    r.wait_opens(4);
    c.send_text(b"through the proxy").unwrap();
    assert_eq!(r.msgs.recv_timeout(WAIT).unwrap().0, b"through the proxy");

    assert!(proxy.send("explode").starts_with("ERR "));
    c.stop().unwrap();
    drop(proxy.stdin.take());
    assert_eq!(proxy.wait_exit(), Some(0));
    drop(echo.stdin.take());
    assert_eq!(echo.wait_exit(), Some(0));
}
