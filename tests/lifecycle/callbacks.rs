//! send and stop from inside callbacks; the last handle dropped inside one.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use mywsclient::{Event, State};

use crate::support::echo::ConnEnd;
use crate::support::*;
use crate::STOP_BOUND;

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
