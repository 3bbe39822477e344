//! Measures, at default settings, the figures issue 2 asks for: stop latency
//! (connected; TCP connect unanswered; handshake blackholed; waiting to
//! retry), reconnect time after a cut, and half-open detection time — each
//! the median of 5 runs, against in-process servers on 127.0.0.1.
//!
//!     cargo run --release --example measure

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use mywsclient::{Config, ErrorKind, Event};
use support::*;

const RUNS: usize = 5;

fn defaults() -> Config {
    Config::default()
}

fn stop_connected() -> Duration {
    let server = echo_server();
    let (c, _rec) = connected(server.port(), defaults());
    timed_stop(&c)
}

fn stop_tcp_connect_unanswered() -> Duration {
    let target = unanswered();
    let (c, _rec) = client(&ws_url(target.port), defaults());
    c.start().unwrap();
    assert!(wait_syn_sent(target.port, WAIT));
    timed_stop(&c)
}

fn stop_handshake_blackholed() -> Duration {
    let server = echo_server();
    let proxy = FaultProxy::local(server.port()).unwrap();
    proxy.blackhole();
    let (c, rec) = client(&ws_url(proxy.port()), defaults());
    c.start().unwrap();
    rec.expect_event(0, WAIT, "Connecting", |e| {
        matches!(e, Event::Connecting { .. })
    });
    let deadline = Instant::now() + WAIT;
    while proxy.active() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    timed_stop(&c)
}

fn stop_waiting_to_retry() -> Duration {
    let (c, rec) = client(&ws_url(closed_port()), defaults());
    c.start().unwrap();
    rec.expect_reconnect(0, WAIT);
    timed_stop(&c)
}

fn reconnect_after_cut() -> Duration {
    let server = echo_server();
    let proxy = FaultProxy::local(server.port()).unwrap();
    let (c, rec) = connected(proxy.port(), defaults());
    let mark = rec.mark();
    let t = Instant::now();
    proxy.cut();
    let (_, _, at) = rec.expect_event_at(mark, WAIT, "Open", |e| matches!(e, Event::Open { .. }));
    c.stop().unwrap();
    at.duration_since(t)
}

/// All runs at once (each takes heartbeat interval + timeout, ~6 s).
fn half_open_detection() -> Vec<Duration> {
    let runs: Vec<_> = (0..RUNS)
        .map(|_| {
            std::thread::spawn(|| {
                let server = echo_server();
                let proxy = FaultProxy::local(server.port()).unwrap();
                let (c, rec) = connected(proxy.port(), defaults());
                let mark = rec.mark();
                let t = Instant::now();
                proxy.blackhole();
                let (_, _, at) =
                    rec.expect_event_at(mark, Duration::from_secs(30), "HeartbeatTimeout", |e| {
                        matches!(
                            e,
                            Event::Error {
                                kind: ErrorKind::HeartbeatTimeout,
                                ..
                            }
                        )
                    });
                c.stop().unwrap();
                at.duration_since(t)
            })
        })
        .collect();
    runs.into_iter().map(|h| h.join().unwrap()).collect()
}

fn report(name: &str, v: Vec<Duration>) {
    let mut sorted = v.clone();
    sorted.sort();
    println!(
        "{name:<44} median {:>10.3} ms   (min {:.3}, max {:.3})",
        median(v).as_secs_f64() * 1e3,
        sorted[0].as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3
    );
}

fn runs(f: fn() -> Duration) -> Vec<Duration> {
    (0..RUNS).map(|_| f()).collect()
}

fn main() {
    let d = Config::default();
    println!(
        "mywsclient {} — median of {RUNS} runs, default settings (backoff {:?}..{:?}, heartbeat {:?} + {:?}, close timeout {:?})",
        env!("CARGO_PKG_VERSION"),
        d.backoff_initial,
        d.backoff_max,
        d.heartbeat_interval,
        d.heartbeat_timeout,
        d.close_timeout
    );
    report("stop latency: connected", runs(stop_connected));
    report(
        "stop latency: TCP connect unanswered",
        runs(stop_tcp_connect_unanswered),
    );
    report(
        "stop latency: handshake blackholed",
        runs(stop_handshake_blackholed),
    );
    report(
        "stop latency: waiting to retry",
        runs(stop_waiting_to_retry),
    );
    report(
        "reconnect after a cut (cut -> Open)",
        runs(reconnect_after_cut),
    );
    report(
        "half-open detection (blackhole -> error)",
        half_open_detection(),
    );
}
