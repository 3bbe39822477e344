//! Sending and receiving: text and binary with their kind, before the first
//! connection, from many threads, large messages both ways, the size limit,
//! the bounded queue, statistics, callbacks on one thread only.

mod support;

use std::sync::Arc;
use std::time::Duration;

use mywsclient::{ErrorKind, Event};
use support::*;

#[test]
fn text_and_binary_keep_their_kind() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    c.send_text("héllo wörld".as_bytes()).unwrap();
    c.send_binary(&[0, 1, 2, 255]).unwrap();
    c.send_owned(b"owned text".to_vec(), false).unwrap();
    c.send_owned(vec![9; 10], true).unwrap();
    let msgs = rec.expect_messages(4, WAIT);
    assert_eq!(
        msgs,
        vec![
            ("héllo wörld".as_bytes().to_vec(), false),
            (vec![0, 1, 2, 255], true),
            (b"owned text".to_vec(), false),
            (vec![9; 10], true),
        ]
    );
    let at_server = server.with_record(|r| r.messages.clone());
    assert_eq!(at_server, msgs, "the server received the same kinds");
    c.stop().unwrap();
}

#[test]
fn empty_messages() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    c.send_text(b"").unwrap();
    c.send_binary(b"").unwrap();
    let msgs = rec.expect_messages(2, WAIT);
    assert_eq!(msgs, vec![(vec![], false), (vec![], true)]);
    c.stop().unwrap();
}

#[test]
fn sends_before_the_first_connection_are_queued() {
    let server = echo_server();
    let (c, rec) = client(&ws_url(server.port()), test_config());
    let sent: Vec<Vec<u8>> = (0..10).map(|i| format!("early {i}").into_bytes()).collect();
    for m in &sent {
        c.send_text(m).unwrap();
    }
    let st = c.stats();
    assert_eq!(
        (st.queued_messages, st.queued_bytes),
        (10, sent.iter().map(|m| m.len() as u64).sum())
    );
    c.start().unwrap();
    let got: Vec<Vec<u8>> = rec
        .expect_messages(10, WAIT)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(got, sent);
    assert_eq!(c.stats().queued_messages, 0);
    c.stop().unwrap();
}

#[test]
fn invalid_utf8_text_is_refused() {
    let (c, _rec) = client("ws://127.0.0.1:9/", test_config());
    for bad in [
        &[0xff, 0xfe][..],
        &[b'a', 0xc3][..],
        &[0xed, 0xa0, 0x80][..],
    ] {
        let e = c.send_text(bad).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidUtf8);
        assert!(e.message.contains("UTF-8"), "{}", e.message);
        let e = c.send_owned(bad.to_vec(), false).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidUtf8);
        // The same bytes are a fine binary message.
        c.send_binary(bad).unwrap();
    }
    assert_eq!(c.stats().queued_messages, 3);
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn large_messages_both_ways() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let one = pattern(1 << 20, 1);
    let sixteen = pattern(16 << 20, 2);
    let text: Vec<u8> = "ünïcode ".repeat((1 << 20) / 10).into_bytes();
    c.send_binary(&one).unwrap();
    c.send_binary(&sixteen).unwrap();
    c.send_text(&text).unwrap();
    let msgs = rec.wait(Duration::from_secs(60), |s| {
        (s.messages.len() >= 3).then(|| {
            s.messages
                .iter()
                .map(|(d, b)| (d.len(), *b))
                .collect::<Vec<_>>()
        })
    });
    assert_eq!(
        msgs,
        Some(vec![(1 << 20, true), (16 << 20, true), (text.len(), false)])
    );
    let msgs = rec.messages();
    assert!(
        msgs[0].0 == one && msgs[1].0 == sixteen && msgs[2].0 == text,
        "contents differ"
    );
    let st = c.stats();
    assert_eq!(
        st.bytes_received,
        (one.len() + sixteen.len() + text.len()) as u64
    );
    c.stop().unwrap();
}

#[test]
fn a_message_over_the_maximum_is_refused() {
    let mut cfg = test_config();
    cfg.max_message_size = 1024;
    let server = echo_server();
    let (c, rec) = connected(server.port(), cfg);
    let e = c.send_binary(&[0; 1025]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::MessageTooLarge);
    assert!(
        e.message.contains("1025") && e.message.contains("1024"),
        "{}",
        e.message
    );
    let e = c.send_text(&[b'a'; 1025]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::MessageTooLarge);
    c.send_binary(&[0; 1024]).unwrap();
    assert_eq!(rec.expect_messages(1, WAIT)[0].0.len(), 1024);
    c.stop().unwrap();
}

#[test]
fn the_queue_limit_refuses_with_a_clear_error_and_nothing_is_dropped() {
    let mut cfg = test_config();
    cfg.max_queue_bytes = 10_000;
    let server = echo_server();
    let (c, rec) = client(&ws_url(server.port()), cfg);
    let mut accepted = Vec::new();
    let mut refused = None;
    for i in 0..20u8 {
        let m = vec![i; 1000];
        match c.send_binary(&m) {
            Ok(()) => accepted.push(m),
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let e = refused.expect("the 11th message must be refused");
    assert_eq!(e.kind, ErrorKind::QueueFull);
    assert!(
        e.message.contains("queue full") && e.message.contains("10000"),
        "{}",
        e.message
    );
    assert_eq!(accepted.len(), 10);
    let st = c.stats();
    assert_eq!((st.queued_messages, st.queued_bytes), (10, 10_000));
    c.start().unwrap();
    let got: Vec<Vec<u8>> = rec
        .expect_messages(10, WAIT)
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert_eq!(got, accepted, "every accepted message arrives, in order");
    let st = c.stats();
    assert_eq!((st.queued_messages, st.queued_bytes), (0, 0));
    // Room again.
    c.send_binary(&[1; 5000]).unwrap();
    rec.expect_messages(11, WAIT);
    c.stop().unwrap();
}

#[test]
fn the_queue_message_limit_refuses_too() {
    let mut cfg = test_config();
    cfg.max_queue_messages = 5;
    let (c, _rec) = client(&ws_url(closed_port()), cfg);
    for i in 0..5 {
        c.send_text(format!("{i}").as_bytes()).unwrap();
    }
    let e = c.send_text(b"one too many").unwrap_err();
    assert_eq!(e.kind, ErrorKind::QueueFull);
    assert!(e.message.contains('5'), "{}", e.message);
    assert_eq!(c.stats().queued_messages, 5);
}

#[test]
fn eight_threads_send_concurrently_and_keep_their_order() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 250;
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let c = Arc::new(c);
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let m = format!("{t}:{i:05}");
                    if t % 2 == 0 {
                        c.send_text(m.as_bytes()).unwrap();
                    } else {
                        c.send_binary(m.as_bytes()).unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let msgs = rec.expect_messages(THREADS * PER_THREAD, Duration::from_secs(30));
    assert_eq!(msgs.len(), THREADS * PER_THREAD);
    let mut next = [0usize; THREADS];
    for (d, binary) in &msgs {
        let s = std::str::from_utf8(d).unwrap();
        let (t, i) = s.split_once(':').unwrap();
        let (t, i): (usize, usize) = (t.parse().unwrap(), i.parse().unwrap());
        assert_eq!(i, next[t], "thread {t}: message {i} out of order");
        assert_eq!(*binary, t % 2 == 1, "kind kept");
        next[t] += 1;
    }
    assert!(next.iter().all(|&n| n == PER_THREAD));
    let st = c.stats();
    assert_eq!(
        (st.messages_sent, st.messages_received),
        ((THREADS * PER_THREAD) as u64, (THREADS * PER_THREAD) as u64)
    );
    c.stop().unwrap();
}

#[test]
fn callbacks_run_on_the_io_thread_one_at_a_time() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let c = Arc::new(c);
    let senders: Vec<_> = (0..4)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let _ = c.send_text(format!("{t}-{i}").as_bytes());
                }
            })
        })
        .collect();
    // Events interleave with messages: reset the connection a few times.
    for n in 1..=3 {
        let marker = format!("round {n}");
        c.send_text(marker.as_bytes()).unwrap();
        rec.wait(WAIT, |s| {
            s.messages
                .iter()
                .any(|(d, _)| d == marker.as_bytes())
                .then_some(())
        })
        .unwrap_or_else(|| panic!("{marker} not echoed:\n{}", rec.dump()));
        let mark = rec.mark();
        server.kill_all();
        rec.expect_open(mark, WAIT);
        assert!(server.wait_opened(n + 1, WAIT));
    }
    for s in senders {
        s.join().unwrap();
    }
    c.stop().unwrap();
    assert!(!rec.messages().is_empty());
    assert_eq!(
        rec.overlaps(),
        0,
        "two callbacks of one client ran at the same time"
    );
    assert_eq!(
        rec.foreign_calls(),
        0,
        "a callback ran outside the I/O thread"
    );
}

#[test]
fn statistics_count_both_directions() {
    let server = echo_server();
    let (c, rec) = connected(server.port(), test_config());
    let st = c.stats();
    assert_eq!(
        (
            st.messages_sent,
            st.messages_received,
            st.connections,
            st.reconnects
        ),
        (0, 0, 1, 0)
    );
    c.send_text(b"12345").unwrap();
    c.send_binary(&[0; 100]).unwrap();
    rec.expect_messages(2, WAIT);
    let st = c.stats();
    assert_eq!((st.messages_sent, st.bytes_sent), (2, 105));
    assert_eq!((st.messages_received, st.bytes_received), (2, 105));
    assert_eq!((st.queued_messages, st.queued_bytes), (0, 0));
    assert_eq!(st.last_error, "");
    let mark = rec.mark();
    server.close_all(4002, "stats");
    rec.expect_open(mark, WAIT);
    let st = c.stats();
    assert_eq!(
        (st.connections, st.reconnects, st.last_close_code),
        (2, 1, 4002)
    );
    c.stop().unwrap();
    assert!(rec.count(|e| matches!(e, Event::Closed { code: 4002, .. })) == 1);
}

#[test]
fn a_panicking_handler_is_reported_and_the_client_goes_on() {
    let server = echo_server();
    let mut cfg = test_config();
    let rec = Recorder::new();
    cfg.log_sink = Some(rec.sink());
    let c = mywsclient::Client::with_config(&ws_url(server.port()), 0, "", cfg).unwrap();
    let r = rec.clone();
    c.set_message_handler(move |d, b| {
        if d == b"boom" {
            panic!("handler failure on purpose");
        }
        r.push_message(d, b);
    })
    .unwrap();
    let r = rec.clone();
    c.set_event_handler(move |e| {
        r.push_event(e);
        if matches!(e, Event::Open { .. }) {
            panic!("event handler failure on purpose");
        }
    })
    .unwrap();
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.send_text(b"boom").unwrap();
    c.send_text(b"after").unwrap();
    let (_, msg) = rec.expect_error(0, ErrorKind::Callback, "panicked", WAIT);
    eprintln!("panicking handler: {msg}");
    assert_eq!(rec.expect_messages(1, WAIT)[0].0, b"after");
    assert_eq!(
        c.stats().connections,
        1,
        "a panicking handler does not cost the connection"
    );
    c.stop().unwrap();
}

#[test]
fn sends_refused_inside_a_callback_do_not_deadlock() {
    let server = echo_server();
    let mut cfg = test_config();
    cfg.max_queue_messages = 1;
    let rec = Recorder::new();
    cfg.log_sink = Some(rec.sink());
    let c = Arc::new(mywsclient::Client::with_config(&ws_url(server.port()), 0, "", cfg).unwrap());
    let weak = Arc::downgrade(&c);
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    c.set_event_handler(move |e| {
        if matches!(e, Event::Open { .. }) {
            let c = weak.upgrade().unwrap();
            // The first fills the one-message queue; the rest are refused.
            let results: Vec<Result<(), ErrorKind>> = (0..3)
                .map(|_| c.send_text(b"x").map_err(|e| e.kind))
                .collect();
            let _ = tx.lock().unwrap().send(results);
        }
    })
    .unwrap();
    c.start().unwrap();
    let results = rx.recv_timeout(WAIT).expect("open event");
    assert_eq!(
        results,
        vec![Ok(()), Err(ErrorKind::QueueFull), Err(ErrorKind::QueueFull)]
    );
    c.stop().unwrap();
}
