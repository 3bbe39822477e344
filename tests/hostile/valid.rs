//! Unusual but valid server behaviour that must work: fragments with
//! control frames between, pings, a close with no status code.

use std::sync::mpsc;

use mywsclient::Event;

use crate::after_upgrade;
use crate::support::hostile::*;
use crate::support::{client, test_config, WAIT};

#[test]
fn fragmented_messages_are_reassembled_with_control_frames_between() {
    let mut bytes = frame(TEXT, "a\u{20ac}".as_bytes()[..3].as_ref());
    bytes.extend(frame(FIN | PING, b"between"));
    bytes.extend(frame(FIN | CONT, &"a\u{20ac}".as_bytes()[3..]));
    bytes.extend(frame(BINARY, &[1, 2]));
    bytes.extend(frame(CONT, &[]));
    bytes.extend(frame(FIN | PONG, b"unsolicited"));
    bytes.extend(frame(FIN | CONT, &[3]));
    let server = after_upgrade(bytes);
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    let msgs = rec.expect_messages(2, WAIT);
    assert_eq!(
        msgs,
        vec![
            ("a\u{20ac}".as_bytes().to_vec(), false),
            (vec![1, 2, 3], true)
        ]
    );
    assert_eq!(
        rec.count(|e| matches!(e, Event::Error { .. })),
        0,
        "{}",
        rec.dump()
    );
    c.stop().unwrap();
}

#[test]
fn server_pings_are_answered_with_the_same_payload() {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let server = ScriptServer::start(move |p| {
        if p.upgrade("").is_none() || !p.send(&frame(FIN | PING, b"are you there")) {
            return;
        }
        for _ in 0..16 {
            match p.read_frame() {
                Some((first, payload)) if first & 0x0f == PONG => {
                    let _ = tx.lock().unwrap().send(payload);
                    break;
                }
                Some(_) => continue,
                None => break,
            }
        }
        p.drain();
    });
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert_eq!(rx.recv_timeout(WAIT).expect("no pong"), b"are you there");
    c.stop().unwrap();
}

#[test]
fn a_server_close_with_no_status_code() {
    let server = after_upgrade(frame(FIN | CLOSE, &[]));
    let (c, rec) = client(&server.url(), test_config());
    c.start().unwrap();
    let (i, ev) = rec.expect_event(0, WAIT, "Closed", |e| matches!(e, Event::Closed { .. }));
    assert!(matches!(ev, Event::Closed { code: 1005, .. }), "{ev:?}");
    rec.expect_reconnect(i, WAIT);
    c.stop().unwrap();
}
