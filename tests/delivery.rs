//! Control frames, send receipts and flow control (issue 11), against real
//! servers on loopback: ping and the PONG event's round-trip time (also from
//! the heartbeat) against a server that delays its pongs; close with the
//! application's code and reason, as the server saw it, then stop or
//! reconnect; receipts for every message (each id once, WRITTEN or
//! DISCARDED, in id order) across a burst, a cut, a stop with discard and a
//! give-up; urgent sends; the queue watermarks under a server that stops
//! reading; the drop-oldest overflow policy.

mod support;

use std::time::Duration;

use mywsclient::{
    CloseOptions, Config, DiscardReason, ErrorKind, Event, OverflowPolicy, SendFlags, State,
};
use support::control::{ControlConfig, ControlServer};
use support::echo::ConnEnd;
use support::*;

const TEXT: SendFlags = SendFlags {
    binary: false,
    urgent: false,
};
const BINARY: SendFlags = SendFlags {
    binary: true,
    urgent: false,
};

fn control(cfg: ControlConfig) -> ControlServer {
    ControlServer::local(cfg).expect("control server")
}

/// The receipts recorded so far: (id, None for WRITTEN or the discard reason).
fn receipts(rec: &Recorder) -> Vec<(u64, Option<DiscardReason>)> {
    rec.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Written { id } => Some((id, None)),
            Event::Discarded { id, reason } => Some((id, Some(reason))),
            _ => None,
        })
        .collect()
}

/// Waits until `n` receipts arrived; checks that they are ids 1..=n in order.
fn expect_receipts(rec: &Recorder, n: u64) -> Vec<(u64, Option<DiscardReason>)> {
    let got = rec.wait(WAIT, |s| {
        let k = s
            .events
            .iter()
            .filter(|(_, e)| matches!(e, Event::Written { .. } | Event::Discarded { .. }))
            .count();
        (k as u64 >= n).then_some(())
    });
    let r = receipts(rec);
    assert!(
        got.is_some(),
        "{} of {n} receipts; events:\n{}",
        r.len(),
        rec.dump()
    );
    let ids: Vec<u64> = r.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (1..=n).collect::<Vec<_>>(), "each id once, in order");
    r
}

#[test]
fn ping_reports_the_round_trip_time() {
    let server = control(ControlConfig {
        pong_delay: ms(200),
        ..ControlConfig::default()
    });
    let (c, rec) = client(&server.url(), test_config());
    assert_eq!(
        c.ping(b"early").unwrap_err().kind,
        ErrorKind::InvalidState,
        "no connection yet"
    );
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert_eq!(
        c.ping(&[0; 126]).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    c.ping(b"abc").unwrap();
    let (_, e) = rec.expect_event(0, WAIT, "Pong", |e| matches!(e, Event::Pong { .. }));
    let Event::Pong { rtt, payload } = e else {
        unreachable!()
    };
    assert_eq!(payload, b"abc");
    // Causal lower bound: the server waits 200 ms before it answers.
    assert!(rtt >= ms(200), "{rtt:?}");
    let st = c.stats();
    assert_eq!(st.rtt_samples, 1);
    assert_eq!(st.rtt_last, Some(rtt));
    assert_eq!(st.rtt_smoothed, Some(rtt));
    assert_eq!(server.record().pings, vec![b"abc".to_vec()]);
    c.stop().unwrap();
}

#[test]
fn heartbeat_pings_measure_the_round_trip_without_events() {
    let server = control(ControlConfig {
        pong_delay: ms(50),
        ..ControlConfig::default()
    });
    let mut cfg = test_config();
    cfg.heartbeat_interval = ms(100);
    cfg.heartbeat_timeout = Duration::from_secs(5);
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert!(server.wait(WAIT, |r| r.pongs_sent >= 2));
    let st = rec
        .wait(WAIT, |_| {
            let st = c.stats();
            (st.rtt_samples >= 2).then_some(st)
        })
        .expect("heartbeat RTT samples");
    assert!(st.rtt_last.unwrap() >= ms(50));
    assert_eq!(rec.count(|e| matches!(e, Event::Pong { .. })), 0);
    c.stop().unwrap();
}

#[test]
fn close_sends_the_applications_code_and_reason() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    for (code, reason) in [
        (999, ""),
        (1001, ""),
        (1005, ""),
        (2999, ""),
        (5000, ""),
        (4000, &"r".repeat(124)[..]),
    ] {
        let e = c.close(code, reason, CloseOptions::default()).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidArgument,
            "{code} {}",
            reason.len()
        );
    }
    let both = CloseOptions {
        reconnect: true,
        discard: true,
    };
    assert_eq!(
        c.close(4000, "", both).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    c.close(4000, "done here", CloseOptions::default()).unwrap();
    assert_eq!(c.state(), State::Stopped);
    assert!(server.wait(WAIT, |_, r| r
        .ends
        .contains(&ConnEnd::ClientClose(4000, "done here".into()))));
    let (_, e) = rec.expect_event(0, WAIT, "Closed", |e| matches!(e, Event::Closed { .. }));
    assert!(matches!(e, Event::Closed { code: 4000, .. }), "{e:?}");
    rec.expect_event(0, WAIT, "Stopped", |e| matches!(e, Event::Stopped));
    // Stopped: closing again is a no-op; reconnecting is not possible.
    c.close(4000, &"r".repeat(123), CloseOptions::default())
        .unwrap();
    let again = CloseOptions {
        reconnect: true,
        ..CloseOptions::default()
    };
    assert_eq!(
        c.close(4000, "", again).unwrap_err().kind,
        ErrorKind::InvalidState
    );
}

#[test]
fn close_then_reconnect_keeps_the_queue() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let again = CloseOptions {
        reconnect: true,
        ..CloseOptions::default()
    };
    let mark = rec.mark();
    c.close(4001, "token rotated", again).unwrap();
    c.send_text(b"after the close").unwrap();
    rec.expect_open(mark, WAIT);
    assert!(server.wait(WAIT, |_, r| r
        .ends
        .contains(&ConnEnd::ClientClose(4001, "token rotated".into()))));
    // Written on the new connection, or on the old one just before its
    // close frame (then its echo, arriving during the close, is dropped):
    // the server has it either way.
    assert!(server.wait(WAIT, |_, r| r
        .messages
        .iter()
        .any(|(m, _)| m == b"after the close")));
    assert_eq!(rec.count(|e| matches!(e, Event::Stopped)), 0);
    assert_eq!(
        rec.count(|e| matches!(e, Event::ReconnectScheduled { .. })),
        0,
        "at once, no backoff"
    );
    c.stop().unwrap();
}

#[test]
fn receipts_for_a_burst_each_id_once_in_order() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    assert_eq!(
        c.send_ex(&[0xc3, 0x28], TEXT).unwrap_err().kind,
        ErrorKind::InvalidUtf8
    );
    for i in 1..=2000u64 {
        let id = c
            .send_ex(
                format!("m{i}").as_bytes(),
                if i % 3 == 0 { BINARY } else { TEXT },
            )
            .unwrap();
        assert_eq!(id, i);
    }
    // Plain sends get no id and no receipt.
    c.send_text(b"plain").unwrap();
    let r = expect_receipts(&rec, 2000);
    assert!(r.iter().all(|(_, why)| why.is_none()));
    rec.expect_messages(2001, WAIT);
    let st = c.stats();
    assert_eq!((st.receipts_written, st.receipts_discarded), (2000, 0));
    c.stop().unwrap();
    assert_eq!(receipts(&rec).len(), 2000, "no second receipt");
}

#[test]
fn receipts_across_a_cut_and_a_discarding_stop() {
    // A small receive buffer: once paused, the server holds little.
    let server = control(ControlConfig {
        recv_buffer: Some(16 << 10),
        ..ControlConfig::default()
    });
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let mut last = 0;
    for i in 0..1000 {
        last = c.send_ex(b"burst", TEXT).unwrap();
        if i == 500 {
            server.kill_all();
        }
    }
    expect_receipts(&rec, last);
    // The server stops reading: the rest piles up, then is discarded.
    server.pause_reading();
    let chunk = vec![1u8; 16 << 10];
    // 9.6 MB: more than the client's socket buffer (at most 4 MiB here)
    // and its output buffer can hold.
    for _ in 0..600 {
        last = c.send_ex(&chunk, BINARY).unwrap();
    }
    let discard = CloseOptions {
        discard: true,
        ..CloseOptions::default()
    };
    c.close(1000, "", discard).unwrap();
    let r = expect_receipts(&rec, last);
    let first_discard = r.iter().position(|(_, w)| w.is_some());
    let tail = first_discard.map_or(0, |i| r.len() - i);
    assert!(tail > 0, "a paused server cannot have taken 9.6 MB: {r:?}");
    assert!(r[r.len() - tail..]
        .iter()
        .all(|(_, w)| *w == Some(DiscardReason::Stopped)));
    let st = c.stats();
    assert_eq!(st.queued_messages, 0);
    assert_eq!(st.receipts_discarded, tail as u64);
    // DISCARDED come before STOPPED, the last event.
    assert!(matches!(rec.events().last(), Some(Event::Stopped)));
}

#[test]
fn a_client_that_gives_up_discards_its_queue_when_asked() {
    let server = control(ControlConfig {
        paused: true,
        recv_buffer: Some(16 << 10),
        ..ControlConfig::default()
    });
    let mut cfg = test_config();
    cfg.reconnect = false;
    cfg.discard_on_stop = true;
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let chunk = vec![2u8; 64 << 10];
    let mut last = 0;
    for _ in 0..100 {
        last = c.send_ex(&chunk, BINARY).unwrap();
    }
    server.kill_all();
    rec.expect_event(0, WAIT, "Stopped", |e| matches!(e, Event::Stopped));
    let r = expect_receipts(&rec, last);
    assert!(
        r.iter().any(|(_, w)| *w == Some(DiscardReason::GaveUp)),
        "{r:?}"
    );
    assert!(r
        .iter()
        .all(|(_, w)| w.is_none() || *w == Some(DiscardReason::GaveUp)));
    assert_eq!(c.stats().queued_messages, 0);
}

#[test]
fn urgent_messages_go_first_and_receipts_stay_in_id_order() {
    let server = echo_server();
    let (c, rec) = client(&ws_url(server.port()), test_config());
    assert_eq!(c.send_ex(b"a", TEXT).unwrap(), 1);
    assert_eq!(c.send_ex(b"b", TEXT).unwrap(), 2);
    let urgent = SendFlags {
        binary: false,
        urgent: true,
    };
    assert_eq!(c.send_ex(b"now", urgent).unwrap(), 3);
    c.start().unwrap();
    let msgs: Vec<Vec<u8>> = rec
        .expect_messages(3, WAIT)
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(msgs, vec![b"now".to_vec(), b"a".to_vec(), b"b".to_vec()]);
    expect_receipts(&rec, 3);
    c.stop().unwrap();
}

#[test]
fn watermarks_follow_a_server_that_stops_reading() {
    let server = control(ControlConfig {
        paused: true,
        recv_buffer: Some(16 << 10),
        ..ControlConfig::default()
    });
    let mut cfg = test_config();
    cfg.queue_high_watermark = 1 << 20;
    cfg.queue_low_watermark = 256 << 10;
    // The paused server answers no ping: with the heartbeat on, a slow run
    // could declare the connection dead before the resume, and the new
    // connection would start paused again.
    cfg.heartbeat_interval = Duration::ZERO;
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    // 16 MiB to a server that reads nothing: the kernel (at most 4 MiB of
    // send buffer with Linux's defaults) takes part of it, the rest stays
    // queued. While the socket buffer grows the queue may rise past the
    // high mark and drain again; in the end it stays high.
    let chunk = vec![3u8; 64 << 10];
    for _ in 0..256 {
        c.send_binary(&chunk).unwrap();
    }
    let marks = |rec: &Recorder| -> Vec<Event> {
        rec.events()
            .into_iter()
            .filter(|e| matches!(e, Event::QueueHigh { .. } | Event::QueueDrained { .. }))
            .collect()
    };
    let ends_high = rec.wait(WAIT, |s| {
        let m: Vec<&Event> = s
            .events
            .iter()
            .map(|(_, e)| e)
            .filter(|e| matches!(e, Event::QueueHigh { .. } | Event::QueueDrained { .. }))
            .collect();
        matches!(m.last(), Some(Event::QueueHigh { .. })).then_some(())
    });
    assert!(ends_high.is_some(), "events:\n{}", rec.dump());
    server.resume_reading();
    rec.wait(WAIT, |s| {
        let last = s
            .events
            .iter()
            .map(|(_, e)| e)
            .rfind(|e| matches!(e, Event::QueueHigh { .. } | Event::QueueDrained { .. }));
        matches!(last, Some(Event::QueueDrained { .. })).then_some(())
    })
    .unwrap_or_else(|| panic!("no final QueueDrained; events:\n{}", rec.dump()));
    // Alternating, each at its mark.
    for (i, e) in marks(&rec).iter().enumerate() {
        match e {
            Event::QueueHigh { queued_bytes, .. } => {
                assert!(i % 2 == 0 && *queued_bytes >= 1 << 20, "#{i}: {e:?}")
            }
            Event::QueueDrained { queued_bytes, .. } => {
                assert!(i % 2 == 1 && *queued_bytes <= 256 << 10, "#{i}: {e:?}")
            }
            _ => unreachable!(),
        }
    }
    c.stop().unwrap();
}

#[test]
fn watermark_options_are_checked() {
    let c = mywsclient::Client::new("ws://127.0.0.1:9", 0, "").unwrap();
    let e = c
        .configure(|cfg| {
            cfg.queue_high_watermark = 1000;
            cfg.queue_low_watermark = 1000;
        })
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    c.configure(|cfg| {
        cfg.queue_high_watermark = 0;
        cfg.queue_low_watermark = 5;
    })
    .expect("high 0 turns them off; low is then ignored");
}

#[test]
fn drop_oldest_makes_room_with_a_receipt_per_dropped_message() {
    let server = echo_server();
    let mut cfg: Config = test_config();
    cfg.overflow_policy = OverflowPolicy::DropOldest;
    cfg.max_queue_messages = 10;
    cfg.max_queue_bytes = 1 << 20;
    let (c, rec) = client(&ws_url(server.port()), cfg);
    for i in 1..=15u64 {
        assert_eq!(c.send_ex(format!("m{i}").as_bytes(), TEXT).unwrap(), i);
    }
    c.send_text(b"plain").unwrap();
    let st = c.stats();
    assert_eq!(st.queued_messages, 10);
    assert_eq!(st.messages_discarded, 6);
    // Larger than the whole queue: refused, nothing dropped for it.
    let huge = vec![0u8; (1 << 20) + 1];
    assert_eq!(
        c.send_ex(&huge, BINARY).unwrap_err().kind,
        ErrorKind::QueueFull
    );
    assert_eq!(c.stats().queued_messages, 10);
    c.start().unwrap();
    let r = expect_receipts(&rec, 15);
    for (i, (_, why)) in r.iter().enumerate() {
        let want = if i < 6 {
            Some(DiscardReason::Overflow)
        } else {
            None
        };
        assert_eq!(*why, want, "receipt {}", i + 1);
    }
    let msgs = rec.expect_messages(10, WAIT);
    assert_eq!(msgs[0].0, b"m7");
    assert_eq!(msgs[9].0, b"plain");
    c.stop().unwrap();
}
