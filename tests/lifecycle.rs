//! Lifecycle: start returns at once on one I/O thread that blocks in the
//! kernel when idle; stop is idempotent and prompt in every state; start
//! again works; dropping the client stops it; send and stop work from inside
//! callbacks.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mywsclient::{CloseInitiator, Config, Event, State};
use support::echo::ConnEnd;
use support::hostile::{self, ScriptServer};
use support::*;

/// Anti-hang bound for `stop()` (the issue wants "well under a second"; the
/// measured figures are printed).
const STOP_BOUND: Duration = Duration::from_secs(2);

#[test]
fn start_returns_at_once_and_connects() {
    let server = echo_server();
    let (c, rec) = client(&ws_url(server.port()), test_config());
    assert_eq!(c.state(), State::Idle);
    let t = Instant::now();
    c.start().unwrap();
    let took = t.elapsed();
    eprintln!("start() took {took:?}");
    assert!(
        took < Duration::from_secs(1),
        "start() blocked for {took:?}"
    );
    rec.expect_event(0, WAIT, "Connecting{1}", |e| {
        *e == Event::Connecting { attempt: 1 }
    });
    rec.expect_open(0, WAIT);
    assert_eq!(c.state(), State::Open);
    assert_eq!(c.stats().connections, 1);
    assert_eq!(c.endpoint().port, server.port());
    c.stop().unwrap();
}

#[test]
fn start_is_idempotent_while_running() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    c.start().unwrap();
    c.start().unwrap();
    c.send_text(b"after extra starts").unwrap();
    rec.expect_messages(1, WAIT);
    assert_eq!(
        server.opened(),
        1,
        "a second start() must not open a second connection"
    );
    assert_eq!(rec.count(|e| matches!(e, Event::Connecting { .. })), 1);
    c.stop().unwrap();
}

#[test]
fn stop_before_start_then_start_works() {
    let server = echo_server();
    let (c, rec) = client(&ws_url(server.port()), test_config());
    c.stop().unwrap();
    c.stop().unwrap();
    assert_eq!(c.state(), State::Idle);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.stop().unwrap();
}

#[test]
fn stop_is_idempotent_and_start_again_works() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    c.stop().unwrap();
    assert_eq!(c.state(), State::Stopped);
    c.stop().unwrap();
    c.stop().unwrap();
    assert_eq!(c.state(), State::Stopped);
    assert_eq!(
        rec.count(|e| *e == Event::Stopped),
        1,
        "one Stopped event per run:\n{}",
        rec.dump()
    );
    // Sends while stopped are queued and go out on the next start.
    c.send_text(b"queued while stopped").unwrap();
    let mark = rec.mark();
    c.start().unwrap();
    rec.expect_open(mark, WAIT);
    let msgs = rec.expect_messages(1, WAIT);
    assert_eq!(msgs[0], (b"queued while stopped".to_vec(), false));
    assert!(server.wait_opened(2, WAIT));
    c.stop().unwrap();
    assert_eq!(rec.count(|e| *e == Event::Stopped), 2);
}

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
fn state_follows_the_connection() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    assert_eq!(c.state(), State::Open);
    server.stop();
    rec.expect_reconnect(0, WAIT);
    let s = c.state();
    assert!(
        matches!(s, State::Reconnecting | State::Connecting),
        "{s:?}"
    );
    server.restart().unwrap();
    rec.expect_open(2, WAIT);
    assert_eq!(c.state(), State::Open);
    c.stop().unwrap();
    assert_eq!(c.state(), State::Stopped);
}

type Slot = Arc<Mutex<Option<Arc<mywsclient::Client>>>>;

/// A client whose handlers can reach it through a slot.
fn client_in_slot(port: u16) -> (Arc<mywsclient::Client>, Slot, Recorder) {
    let mut cfg = test_config();
    let rec = Recorder::new();
    cfg.log_sink = Some(rec.sink());
    let c = Arc::new(mywsclient::Client::with_config(&ws_url(port), 0, "", cfg).unwrap());
    (c, Arc::new(Mutex::new(None)), rec)
}

#[test]
fn send_and_stop_from_inside_callbacks() {
    let server = echo_server();
    let (c, slot, rec) = client_in_slot(server.port());
    let (s1, r1) = (slot.clone(), rec.clone());
    c.set_event_handler(move |e| {
        r1.push_event(e);
        if matches!(e, Event::Open { .. }) {
            let c = s1.lock().unwrap().clone().unwrap();
            assert!(c.in_callback());
            c.send_text(b"sent from the open event").unwrap();
        }
    })
    .unwrap();
    let (s2, r2) = (slot.clone(), rec.clone());
    c.set_message_handler(move |d, b| {
        r2.push_message(d, b);
        let c = s2.lock().unwrap().clone().unwrap();
        match d {
            b"sent from the open event" => c.send_text(b"sent from the message handler").unwrap(),
            b"sent from the message handler" => {
                let t = Instant::now();
                c.stop().unwrap();
                assert!(
                    t.elapsed() < STOP_BOUND,
                    "stop() inside a callback must return at once"
                );
                // A second stop and a send after stop, still inside: no deadlock.
                c.stop().unwrap();
                let _ = c.send_text(b"after stop");
            }
            _ => {}
        }
    })
    .unwrap();
    *slot.lock().unwrap() = Some(c.clone());
    c.start().unwrap();
    rec.expect_event(0, WAIT, "Stopped", |e| *e == Event::Stopped);
    let msgs: Vec<Vec<u8>> = rec.messages().into_iter().map(|(d, _)| d).collect();
    assert_eq!(
        msgs,
        vec![
            b"sent from the open event".to_vec(),
            b"sent from the message handler".to_vec()
        ]
    );
    assert_eq!(c.state(), State::Stopped);
    c.stop().unwrap();
    assert!(!c.in_callback());
    slot.lock().unwrap().take();
}

#[test]
fn dropping_the_last_handle_inside_a_callback_does_not_deadlock() {
    let server = echo_server();
    let (c, slot, rec) = client_in_slot(server.port());
    let r = rec.clone();
    c.set_event_handler(move |e| r.push_event(e)).unwrap();
    let s = slot.clone();
    c.set_message_handler(move |_, _| {
        // The last strong reference is dropped on the I/O thread.
        drop(s.lock().unwrap().take());
    })
    .unwrap();
    c.send_text(b"drop me").unwrap();
    c.start().unwrap();
    *slot.lock().unwrap() = Some(c);
    assert!(
        server.wait(WAIT, |s, r| s.active() == 0
            && r.ends
                .iter()
                .any(|e| matches!(e, ConnEnd::ClientClose(1000, _)))),
        "the connection did not end cleanly after the drop: {:?}",
        server.with_record(|r| r.ends.clone())
    );
    assert!(slot.lock().unwrap().is_none());
}

/// Child: exactly one I/O thread per client, blocked in the kernel when idle.
#[test]
fn child_one_io_thread_that_sleeps_when_idle() {
    if !is_child() || shared_mode() {
        return;
    }
    let server = echo_server();
    assert!(threads_named("mywsclient-io").is_empty());
    let (c, rec) = connected(server.port(), test_config());
    let tids = threads_named("mywsclient-io");
    assert_eq!(tids.len(), 1, "one I/O thread per client");
    let tid = tids[0];
    // Idle and connected (heartbeat every 3 s): the thread should not wake.
    let (s0, t0) = thread_activity(tid);
    std::thread::sleep(ms(1000));
    let (s1, t1) = thread_activity(tid);
    println!("IDLE_OPEN switches={} ticks={}", s1 - s0, t1 - t0);
    assert!(
        s1 - s0 < 20,
        "I/O thread woke {} times in 1 s while idle",
        s1 - s0
    );
    assert!(
        t1 - t0 < 10,
        "I/O thread used {} clock ticks in 1 s while idle",
        t1 - t0
    );
    c.stop().unwrap();
    assert!(
        no_threads_named("mywsclient-io"),
        "stop() joins the I/O thread"
    );
    drop(rec);

    // Waiting 10 s to retry: also asleep.
    let mut cfg = test_config();
    cfg.backoff_initial = Duration::from_secs(10);
    cfg.backoff_max = Duration::from_secs(10);
    let (c, rec) = client(&ws_url(closed_port()), cfg);
    c.start().unwrap();
    rec.expect_reconnect(0, WAIT);
    let tid = threads_named("mywsclient-io")[0];
    let (s0, t0) = thread_activity(tid);
    std::thread::sleep(ms(500));
    let (s1, t1) = thread_activity(tid);
    println!("IDLE_WAITING switches={} ticks={}", s1 - s0, t1 - t0);
    assert!(
        s1 - s0 < 10,
        "I/O thread woke {} times in 0.5 s while waiting",
        s1 - s0
    );
    c.stop().unwrap();

    // Two clients: two threads.
    let (a, _ra) = connected(server.port(), test_config());
    let (b, _rb) = connected(server.port(), test_config());
    assert_eq!(threads_named("mywsclient-io").len(), 2);
    drop(a);
    drop(b);
    assert!(no_threads_named("mywsclient-io"));
}

#[test]
fn one_io_thread_that_sleeps_when_idle() {
    let out = run_child("child_one_io_thread_that_sleeps_when_idle", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for l in stdout
        .lines()
        .filter_map(|l| l.find("IDLE_").map(|i| &l[i..]))
    {
        eprintln!("{l}");
    }
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
