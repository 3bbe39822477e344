//! Reconnection: after a cut (RST), an outage, a half-open connection
//! (blackhole, caught by the heartbeat), a close frame, refused connects, DNS
//! failures and timeouts; exponential backoff with jitter, reset only after a
//! healthy connection; an optional attempt limit; nothing sent during an
//! outage is lost.

mod support;

use std::time::{Duration, Instant};

use mywsclient::{CloseInitiator, ErrorKind, Event, State};
use support::*;

/// The first Error at index >= `from`, which must be one of `kinds`.
fn expect_error_of(rec: &Recorder, from: usize, kinds: &[ErrorKind]) -> (usize, ErrorKind, String) {
    let (i, kind, msg) = rec.expect_any_error(from, WAIT);
    assert!(
        kinds.contains(&kind),
        "expected an error of {kinds:?}, got {kind:?}: {msg}\n{}",
        rec.dump()
    );
    (i, kind, msg)
}

fn roundtrip(c: &mywsclient::Client, rec: &Recorder, text: &str) {
    let before = rec.messages().len();
    c.send_text(text.as_bytes()).unwrap();
    let msgs = rec.expect_messages(before + 1, WAIT);
    assert_eq!(msgs[before], (text.as_bytes().to_vec(), false));
}

#[test]
fn reconnects_after_a_cut() {
    let server = echo_server();
    let proxy = FaultProxy::local(server.port()).unwrap();
    let (c, rec) = connected(proxy.port(), test_config());
    roundtrip(&c, &rec, "before the cut");
    let mark = rec.mark();
    let t = Instant::now();
    proxy.cut();
    let (i, kind, msg) = expect_error_of(&rec, mark, &[ErrorKind::Io, ErrorKind::Closed]);
    eprintln!("cut reported as {kind:?}: {msg}");
    rec.expect_event(mark, WAIT, "Closed 1006 abnormal", |e| {
        matches!(
            e,
            Event::Closed {
                code: 1006,
                initiator: CloseInitiator::Abnormal,
                ..
            }
        )
    });
    let r = rec.expect_reconnect(i, WAIT);
    let (_, _, opened_at) =
        rec.expect_event_at(r, WAIT, "Open", |e| matches!(e, Event::Open { .. }));
    eprintln!(
        "reconnect after a cut: {:?} (cut to Open)",
        opened_at.duration_since(t)
    );
    roundtrip(&c, &rec, "after the cut");
    let st = c.stats();
    assert_eq!((st.connections, st.reconnects), (2, 1));
    assert_eq!(st.last_close_code, 1006);
    assert!(!st.last_error.is_empty());
    c.stop().unwrap();
}

#[test]
fn reconnects_after_a_two_second_outage() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let mark = rec.mark();
    server.stop();
    expect_error_of(&rec, mark, &[ErrorKind::Io, ErrorKind::Closed]);
    // The outage itself: the server is away for 2 s.
    std::thread::sleep(Duration::from_secs(2));
    let during = rec.mark();
    let refused = rec.count(|e| matches!(e, Event::Error { kind: ErrorKind::Connect, message, .. } if message.contains("refused")));
    assert!(
        refused >= 2,
        "connects during the outage should be refused and retried:\n{}",
        rec.dump()
    );
    let t = Instant::now();
    server.restart().unwrap();
    let (_, _, opened_at) =
        rec.expect_event_at(during, WAIT, "Open", |e| matches!(e, Event::Open { .. }));
    eprintln!(
        "reconnect after a 2 s outage: {:?} after the server came back ({refused} refused attempts, backoff max 200 ms)",
        opened_at.saturating_duration_since(t)
    );
    roundtrip(&c, &rec, "after the outage");
    c.stop().unwrap();
}

#[test]
fn half_open_connection_is_detected_by_the_heartbeat() {
    let server = echo_server();
    let proxy = FaultProxy::local(server.port()).unwrap();
    let mut cfg = test_config();
    fast_heartbeat(&mut cfg);
    let (c, rec) = connected(proxy.port(), cfg);
    roundtrip(&c, &rec, "before the blackhole");
    let mark = rec.mark();
    let t = Instant::now();
    proxy.blackhole();
    let (i, msg) = rec.expect_error(mark, ErrorKind::HeartbeatTimeout, "", WAIT);
    let detected = t.elapsed();
    eprintln!("half-open detection (heartbeat 200 ms + timeout 300 ms): {detected:?}; {msg}");
    rec.expect_event(mark, WAIT, "Closed abnormal", |e| {
        matches!(
            e,
            Event::Closed {
                initiator: CloseInitiator::Abnormal,
                ..
            }
        )
    });
    rec.expect_reconnect(i, WAIT);
    proxy.forward();
    rec.expect_open(i, WAIT);
    roundtrip(&c, &rec, "after the blackhole");
    c.stop().unwrap();
}

#[test]
fn a_quiet_but_healthy_connection_stays_open() {
    let server = echo_server();
    let mut cfg = test_config();
    fast_heartbeat(&mut cfg);
    let (c, rec) = connected(server.port(), cfg);
    // Several heartbeat periods of silence: pings are answered, nothing fails.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        rec.count(|e| matches!(e, Event::Error { .. })),
        0,
        "{}",
        rec.dump()
    );
    assert_eq!(c.stats().connections, 1);
    assert_eq!(c.state(), State::Open);
    c.stop().unwrap();
}

#[test]
fn messages_sent_during_an_outage_arrive_in_order_exactly_once() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let mark = rec.mark();
    server.stop();
    rec.expect_reconnect(mark, WAIT);
    let sent: Vec<Vec<u8>> = (0..100)
        .map(|i| format!("outage message {i:03}").into_bytes())
        .collect();
    for m in &sent {
        c.send_text(m).unwrap();
    }
    assert_eq!(c.stats().queued_messages, 100);
    server.restart().unwrap();
    let got: Vec<Vec<u8>> = rec
        .expect_messages(100, WAIT)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(got, sent);
    let at_server: Vec<Vec<u8>> =
        server.with_record(|r| r.messages.iter().map(|(d, _)| d.clone()).collect());
    assert_eq!(at_server, sent, "each message written once, in order");
    assert_eq!(c.stats().queued_messages, 0);
    c.stop().unwrap();
}

#[test]
fn refused_connects_back_off_exponentially_with_jitter() {
    let mut cfg = test_config();
    cfg.backoff_initial = ms(20);
    cfg.backoff_max = ms(160);
    cfg.backoff_factor = 2.0;
    cfg.backoff_jitter = 0.5;
    let (c, rec) = client(&ws_url(closed_port()), cfg);
    c.start().unwrap();
    let delays = rec
        .wait(WAIT, |s| {
            let d: Vec<(u32, Duration)> = s
                .events
                .iter()
                .filter_map(|(_, e)| match e {
                    Event::ReconnectScheduled { attempt, delay } => Some((*attempt, *delay)),
                    _ => None,
                })
                .collect();
            (d.len() >= 6).then_some(d)
        })
        .unwrap_or_else(|| panic!("not enough reconnects:\n{}", rec.dump()));
    c.stop().unwrap();
    let errors = rec.count(|e| {
        matches!(
            e,
            Event::Error {
                kind: ErrorKind::Connect,
                ..
            }
        )
    });
    assert!(
        errors >= 6,
        "each refused connect is an Error(Connect):\n{}",
        rec.dump()
    );
    for (n, (attempt, delay)) in delays.iter().take(6).enumerate() {
        assert_eq!(
            *attempt,
            n as u32 + 2,
            "attempt numbers count up:\n{}",
            rec.dump()
        );
        let base = (20.0 * 2f64.powi(n as i32)).min(160.0);
        let d = delay.as_secs_f64() * 1000.0;
        assert!(
            d >= base * 0.5 - 0.01 && d <= base + 0.01,
            "delay #{n} = {d} ms outside [{}, {base}]",
            base * 0.5
        );
    }
    eprintln!(
        "backoff delays: {:?}",
        delays.iter().map(|(_, d)| *d).collect::<Vec<_>>()
    );
}

#[test]
fn gives_up_after_the_attempt_limit() {
    let mut cfg = test_config();
    cfg.max_reconnect_attempts = 3;
    let (c, rec) = client(&ws_url(closed_port()), cfg);
    c.start().unwrap();
    rec.expect_error(0, ErrorKind::GaveUp, "gave up", WAIT);
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
    assert_eq!(c.state(), State::Stopped);
    assert_eq!(
        rec.count(|e| matches!(e, Event::ReconnectScheduled { .. })),
        3,
        "{}",
        rec.dump()
    );
    assert_eq!(
        rec.count(|e| matches!(e, Event::Connecting { .. })),
        4,
        "the first attempt and 3 reconnects:\n{}",
        rec.dump()
    );
    // It can be started again.
    let mark = rec.mark();
    c.start().unwrap();
    rec.expect_event(mark, WAIT, "Connecting", |e| {
        matches!(e, Event::Connecting { .. })
    });
    c.stop().unwrap();
}

#[test]
fn reconnect_off_stops_after_the_first_failure() {
    let mut cfg = test_config();
    cfg.reconnect = false;
    let (c, rec) = client(&ws_url(closed_port()), cfg.clone());
    c.start().unwrap();
    rec.expect_error(0, ErrorKind::Connect, "refused", WAIT);
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
    assert_eq!(
        rec.count(|e| matches!(e, Event::ReconnectScheduled { .. })),
        0
    );
    assert_eq!(c.state(), State::Stopped);

    // A connection closed by the server also ends it.
    let server = echo_server();
    let (c, rec) = connected(server.port(), cfg);
    server.close_all(1001, "going away");
    rec.expect_event(0, WAIT, "Closed 1001", |e| {
        matches!(e, Event::Closed { code: 1001, .. })
    });
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
    assert_eq!(
        rec.count(|e| matches!(e, Event::ReconnectScheduled { .. })),
        0
    );
    assert_eq!(c.state(), State::Stopped);
    // start() works again after it stopped by itself.
    let mark = rec.mark();
    c.start().unwrap();
    rec.expect_open(mark, WAIT);
    c.stop().unwrap();
}

#[test]
fn backoff_resets_only_after_a_healthy_connection() {
    let server = echo_server();
    server.set_close_on_open(Some((1000, "not now")));
    let mut cfg = test_config();
    cfg.backoff_reset_after = ms(400);
    cfg.backoff_initial = ms(10);
    cfg.backoff_max = ms(80);
    let (c, rec) = client(&ws_url(server.port()), cfg);
    c.start().unwrap();
    // Each connection opens and is closed at once: not healthy, so the
    // attempt count and the delay keep growing.
    let attempts = first_attempts(&rec, 4);
    assert_eq!(&attempts[..4], &[1, 2, 3, 4], "{}", rec.dump());
    assert!(rec.count(|e| matches!(e, Event::Open { .. })) >= 3);
    // Now a healthy connection, longer than backoff_reset_after...
    server.set_close_on_open(None);
    let mark = rec.mark();
    rec.expect_open(mark, WAIT);
    std::thread::sleep(ms(600));
    // ...then a failure: the count starts again from 1.
    let mark = rec.mark();
    server.kill_all();
    let (_, ev) = rec.expect_event(mark, WAIT, "ReconnectScheduled", |e| {
        matches!(e, Event::ReconnectScheduled { .. })
    });
    assert!(
        matches!(ev, Event::ReconnectScheduled { attempt: 1, delay } if delay <= ms(10)),
        "{ev:?}\n{}",
        rec.dump()
    );
    rec.expect_event(mark, WAIT, "Connecting{1}", |e| {
        *e == Event::Connecting { attempt: 1 }
    });
    c.stop().unwrap();
}

#[test]
fn server_close_code_and_reason_reach_the_close_event() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let mark = rec.mark();
    server.close_all(4001, "maintenance window");
    let (i, ev) = rec.expect_event(mark, WAIT, "Closed", |e| matches!(e, Event::Closed { .. }));
    assert_eq!(
        ev,
        Event::Closed {
            code: 4001,
            reason: "maintenance window".into(),
            initiator: CloseInitiator::Server
        }
    );
    rec.expect_reconnect(i, WAIT);
    rec.expect_open(i, WAIT);
    assert_eq!(c.stats().last_close_code, 4001);
    c.stop().unwrap();
}

#[test]
fn a_close_right_after_the_handshake_carries_code_and_reason() {
    let server = echo_server();
    server.set_close_on_open(Some((4001, "bye")));
    let (c, rec) = client(&ws_url(server.port()), test_config());
    c.start().unwrap();
    let (i, _) = rec.expect_event(0, WAIT, "Closed 4001", |e| {
        *e == Event::Closed {
            code: 4001,
            reason: "bye".into(),
            initiator: CloseInitiator::Server,
        }
    });
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}

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

#[test]
fn time_spent_closing_does_not_count_as_a_healthy_connection() {
    // The server closes right after the upgrade and never ends the TCP
    // stream, so the client waits the close timeout for the end. That wait is
    // not health: the backoff must keep growing.
    let server = hostile::ScriptServer::start(|p| {
        if p.upgrade("").is_some() && p.send(&hostile::close_frame(4000, "go away")) {
            p.drain();
        }
    });
    let mut cfg = test_config();
    cfg.close_timeout = ms(300);
    cfg.backoff_reset_after = ms(200);
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    let attempts = first_attempts(&rec, 3);
    c.stop().unwrap();
    assert_eq!(
        &attempts[..3],
        &[1, 2, 3],
        "connections closed at once reset the backoff:\n{}",
        rec.dump()
    );
}

#[test]
fn tcp_keepalive_is_on_and_tuned_as_a_second_net() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let out = match std::process::Command::new("ss")
        .args([
            "-tno",
            "state",
            "established",
            &format!("( dport = :{} )", server.port()),
        ])
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => {
            eprintln!("ss (iproute2) not available: skipped");
            return;
        }
    };
    eprintln!("client socket: {}", out.lines().nth(1).unwrap_or("").trim());
    let timer = out
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("timer:(keepalive,"))
        })
        .unwrap_or_else(|| panic!("no keepalive timer on the client's socket:\n{out}"));
    // Tuned to the heartbeat scale (seconds), not the kernel's 2 h default
    // (ss prints e.g. "4.992ms" for 4 s 992 ms, "119min" for the default).
    assert!(
        !timer.contains("min,") && !timer.contains("h,"),
        "keepalive not tuned: {timer}"
    );
    c.stop().unwrap();
    drop(rec);
}

/// The attempt numbers of the first `n` `Connecting` events, once there
/// are that many (bounded wait).
fn first_attempts(rec: &Recorder, n: usize) -> Vec<u32> {
    rec.wait(WAIT, |s| {
        let a: Vec<u32> = s
            .events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Connecting { attempt } => Some(*attempt),
                _ => None,
            })
            .collect();
        (a.len() >= n).then_some(a)
    })
    .unwrap_or_else(|| panic!("no {n} attempts:\n{}", rec.dump()))
}
