//! The server's close frame: its code and reason reach the Closed event,
//! then a reconnect.

use mywsclient::{CloseInitiator, Event};

use crate::support::*;

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
