//! start returns at once and is idempotent; stop before start, stop twice,
//! start again; the state follows the connection.

use std::time::{Duration, Instant};

use mywsclient::{Event, State};

use crate::support::*;

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
