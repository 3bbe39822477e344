//! Silent, stuck and slow servers: nothing after the upgrade, a server
//! that stops reading (the queue limit, then the heartbeat).

use std::time::Duration;

use mywsclient::ErrorKind;

use crate::expect_failure;
use crate::support::hostile::ScriptServer;
use crate::support::*;

#[test]
fn a_server_that_accepts_then_sends_nothing_ever() {
    let server = ScriptServer::start(|p| {
        if p.upgrade("").is_some() {
            p.drain();
        }
    });
    let mut cfg = test_config();
    fast_heartbeat(&mut cfg);
    expect_failure(
        "silent after upgrade",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::HeartbeatTimeout],
        "ping unanswered",
    );
}

#[test]
fn a_server_that_stops_reading_hits_the_queue_limit_not_memory() {
    let server = ScriptServer::start(|p| {
        if p.upgrade("").is_some() {
            p.hold();
        }
    });
    let mut cfg = test_config();
    cfg.max_queue_bytes = 1 << 20;
    cfg.heartbeat_interval = Duration::ZERO;
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let msg = vec![0x5a; 16 << 10];
    let mut accepted = 0u64;
    let mut refused = None;
    // Bounded: at most 1 GiB offered.
    for _ in 0..65_536 {
        match c.send_binary(&msg) {
            Ok(()) => accepted += 1,
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
        let st = c.stats();
        assert!(
            st.queued_bytes <= 1 << 20,
            "queue over its limit: {}",
            st.queued_bytes
        );
    }
    let e = refused.expect("sends must eventually be refused");
    assert_eq!(e.kind, ErrorKind::QueueFull);
    let st = c.stats();
    eprintln!(
        "hostile stops-reading: {accepted} messages ({} MiB) accepted before QueueFull; {} MiB written to the socket; queued {} KiB",
        accepted * 16 / 1024,
        st.bytes_sent >> 20,
        st.queued_bytes >> 10
    );
    // Everything accepted is either written or queued: memory is bounded by
    // the queue limit plus the socket buffers.
    assert!(accepted * (16 << 10) <= st.bytes_sent + st.queued_bytes + (16 << 10));
    assert!(
        accepted * (16 << 10) < 256 << 20,
        "accepted far more than the queue and socket buffers can hold"
    );
    let took = timed_stop(&c);
    assert!(took < Duration::from_secs(3), "stop took {took:?}");
}

#[test]
fn a_server_that_stops_reading_is_replaced_by_the_heartbeat() {
    let server = ScriptServer::start(|p| {
        if p.upgrade("").is_some() {
            p.hold();
        }
    });
    let mut cfg = test_config();
    fast_heartbeat(&mut cfg);
    cfg.max_queue_bytes = 1 << 20;
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    for _ in 0..4096 {
        if c.send_binary(&[1; 16 << 10]).is_err() {
            break;
        }
    }
    let (i, _) = rec.expect_error(0, ErrorKind::HeartbeatTimeout, "", WAIT);
    rec.expect_reconnect(i, WAIT);
    rec.expect_open(i, WAIT);
    c.stop().unwrap();
}
