//! stop is prompt in every state (connected, connecting, in a handshake,
//! waiting to retry, closing, flooded), bounded by the close timeout when
//! the server does not answer; dropping the client stops it; queued
//! messages go out before the close frame.

use std::time::{Duration, Instant};

use mywsclient::{CloseInitiator, Config, Event, State};

use crate::support::echo::ConnEnd;
use crate::support::hostile::{self, ScriptServer};
use crate::support::*;
use crate::STOP_BOUND;

#[test]
fn stop_when_connected_sends_a_close_frame_and_is_prompt() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let mark = rec.mark();
    let took = timed_stop(&c);
    eprintln!("stop latency (connected): {took:?}");
    assert!(took < STOP_BOUND, "stop took {took:?}");
    assert_eq!(c.state(), State::Stopped);
    let (_, closed) = rec.expect_event(mark, WAIT, "Closed by client", |e| {
        matches!(
            e,
            Event::Closed {
                initiator: CloseInitiator::Client,
                ..
            }
        )
    });
    assert!(
        matches!(closed, Event::Closed { code: 1000, .. }),
        "{closed:?}"
    );
    rec.expect_event(mark, WAIT, "Stopped", |e| *e == Event::Stopped);
    assert!(
        server.wait(WAIT, |_, r| r
            .ends
            .iter()
            .any(|e| matches!(e, ConnEnd::ClientClose(1000, _)))),
        "the server did not receive a close frame with 1000: {:?}",
        server.with_record(|r| r.ends.clone())
    );
}

#[test]
fn stop_while_tcp_connect_is_pending() {
    let target = unanswered();
    let mut cfg = test_config();
    cfg.connect_timeout = Duration::from_secs(30);
    let (c, rec) = client(&ws_url(target.port), cfg);
    c.start().unwrap();
    rec.expect_event(0, WAIT, "Connecting", |e| {
        matches!(e, Event::Connecting { .. })
    });
    // The connect is in flight: its SYN is never answered.
    assert!(
        wait_syn_sent(target.port, WAIT),
        "no connect in progress to port {}",
        target.port
    );
    assert_eq!(c.state(), State::Connecting);
    let took = timed_stop(&c);
    eprintln!("stop latency (TCP connect pending): {took:?}");
    assert!(took < STOP_BOUND, "stop took {took:?}");
    assert_eq!(c.state(), State::Stopped);
    assert_eq!(rec.count(|e| matches!(e, Event::Open { .. })), 0);
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
}

/// A server that accepts and never answers (nor reads past the request).
fn silent_server() -> ScriptServer {
    ScriptServer::start(|p| p.drain())
}

#[test]
fn stop_during_tls_handshake() {
    let server = silent_server();
    let mut cfg = test_config();
    cfg.tls.dangerous_disable_verification = true;
    let url = wss_url("127.0.0.1", server.port());
    stop_in_a_handshake(&server, &url, cfg, "TLS");
}

#[test]
fn stop_during_websocket_handshake() {
    let server = silent_server();
    stop_in_a_handshake(&server, &server.url(), test_config(), "WebSocket");
}

/// Connects to `server`, which accepts and then says nothing, and stops
/// while the `what` handshake is in progress: promptly.
fn stop_in_a_handshake(server: &ScriptServer, url: &str, cfg: Config, what: &str) {
    let (c, rec) = client(url, cfg);
    c.start().unwrap();
    rec.expect_event(0, WAIT, "Connecting", |e| {
        matches!(e, Event::Connecting { .. })
    });
    assert!(server.wait_connections(1, WAIT));
    assert_eq!(c.state(), State::Connecting);
    let took = timed_stop(&c);
    eprintln!("stop latency ({what} handshake in progress): {took:?}");
    assert!(took < STOP_BOUND, "stop took {took:?}");
    assert_eq!(c.state(), State::Stopped);
}

#[test]
fn stop_while_waiting_to_retry() {
    let mut cfg = test_config();
    cfg.backoff_initial = Duration::from_secs(10);
    cfg.backoff_max = Duration::from_secs(10);
    cfg.backoff_jitter = 0.0;
    let (c, rec) = client(&ws_url(closed_port()), cfg);
    c.start().unwrap();
    rec.expect_reconnect(0, WAIT);
    assert_eq!(c.state(), State::Reconnecting);
    let took = timed_stop(&c);
    eprintln!("stop latency (waiting 10 s to retry): {took:?}");
    assert!(took < STOP_BOUND, "stop took {took:?}");
    assert_eq!(c.state(), State::Stopped);
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
}

#[test]
fn stop_with_an_unresponsive_server_is_bounded_by_the_close_timeout() {
    let server = echo_server();
    let proxy = FaultProxy::local(server.port()).unwrap();
    let mut cfg = test_config();
    cfg.close_timeout = ms(300);
    let (c, _rec) = connected(proxy.port(), cfg);
    proxy.blackhole();
    let took = timed_stop(&c);
    eprintln!("stop latency (connected, server never answers the close): {took:?}");
    assert!(
        took >= ms(250),
        "stop should wait for the close reply up to the close timeout, took {took:?}"
    );
    assert!(took < ms(300) + STOP_BOUND, "stop took {took:?}");
    assert_eq!(c.state(), State::Stopped);
}

#[test]
fn dropping_the_client_stops_it() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let t = Instant::now();
    drop(c);
    eprintln!("drop latency (connected): {:?}", t.elapsed());
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
    assert!(
        server.wait(WAIT, |s, r| s.active() == 0
            && r.ends
                .iter()
                .any(|e| matches!(e, ConnEnd::ClientClose(1000, _)))),
        "the server did not see a clean close: {:?}",
        server.with_record(|r| r.ends.clone())
    );
}

#[test]
fn messages_sent_just_before_stop_go_out_before_the_close_frame() {
    let server = echo_server();
    let (c, _rec) = connected(server.port(), test_config());
    let sent: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("last words {i}").into_bytes())
        .collect();
    for m in &sent {
        c.send_text(m).unwrap();
    }
    c.stop().unwrap();
    assert!(server.wait(WAIT, |_, r| r
        .ends
        .iter()
        .any(|e| matches!(e, ConnEnd::ClientClose(1000, _)))));
    let got: Vec<Vec<u8>> =
        server.with_record(|r| r.messages.iter().map(|(d, _)| d.clone()).collect());
    assert_eq!(
        got, sent,
        "queued messages are written before the close frame"
    );
    assert_eq!(c.stats().queued_messages, 0);
}

/// A server that sends a close frame at once but never ends the TCP stream.
fn slow_closer() -> ScriptServer {
    ScriptServer::start(|p| {
        if p.upgrade("").is_some() && p.send(&hostile::close_frame(4003, "closing slowly")) {
            p.drain();
        }
    })
}

#[test]
fn stop_while_the_server_closes_is_prompt() {
    // Both close frames have been exchanged; the client is only waiting
    // (close timeout 5 s) for the server to end the TCP stream.
    let server = slow_closer();
    let mut cfg = test_config();
    cfg.close_timeout = Duration::from_secs(5);
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_event(0, WAIT, "Closed by server", |e| {
        matches!(
            e,
            Event::Closed {
                code: 4003,
                initiator: CloseInitiator::Server,
                ..
            }
        )
    });
    let took = timed_stop(&c);
    eprintln!("stop latency (server-initiated close in progress): {took:?}");
    assert!(took < STOP_BOUND, "stop took {took:?}");
    assert_eq!(c.state(), State::Stopped);
}

#[test]
fn stop_while_the_server_closes_reports_one_close_per_connection() {
    let server = slow_closer();
    let mut cfg = test_config();
    cfg.close_timeout = ms(300);
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_event(0, WAIT, "Closed by server", |e| {
        matches!(
            e,
            Event::Closed {
                code: 4003,
                initiator: CloseInitiator::Server,
                ..
            }
        )
    });
    c.stop().unwrap();
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
    let opens = rec.count(|e| matches!(e, Event::Open { .. }));
    let closes: Vec<Event> = rec
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::Closed { .. }))
        .collect();
    assert_eq!(
        closes.len(),
        opens,
        "one Closed event per connection: {closes:?}\n{}",
        rec.dump()
    );
}

#[test]
fn stop_during_a_flood_of_messages_is_prompt() {
    let server = hostile::ScriptServer::start(|p| {
        if p.upgrade("").is_none() {
            return;
        }
        let mut burst = Vec::new();
        for i in 0..1000u32 {
            burst.extend(hostile::frame(
                hostile::FIN | hostile::BINARY,
                &i.to_be_bytes(),
            ));
        }
        // Bounded: at most 5 s of flooding.
        let end = Instant::now() + Duration::from_secs(5);
        while p.alive() && Instant::now() < end && p.send(&burst) {}
    });
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    rec.wait(WAIT, |s| (s.messages.len() >= 10_000).then_some(()))
        .expect("flood arrives");
    let took = timed_stop(&c);
    eprintln!("stop latency (during a flood of small messages): {took:?}");
    assert!(took < STOP_BOUND, "stop took {took:?}");
    assert_eq!(c.state(), State::Stopped);
}
