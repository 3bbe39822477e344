//! Reconnects after a cut (RST), a two-second outage and a half-open
//! connection (caught by the heartbeat; TCP keepalive as a second net); a
//! quiet healthy connection stays open; nothing sent during an outage is lost.

use std::time::{Duration, Instant};

use mywsclient::{CloseInitiator, ErrorKind, Event, State};

use crate::roundtrip;
use crate::support::*;

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
