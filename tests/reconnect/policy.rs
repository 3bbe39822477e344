//! The reconnect policy: exponential backoff with jitter, reset only after
//! a healthy connection, the attempt limit, reconnect off.

use std::time::Duration;

use mywsclient::{ErrorKind, Event, State};

use crate::support::*;

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
