//! Sends from the caller's thread: a send on an open, idle connection is
//! framed and written by the sending thread itself, not handed to the I/O
//! thread. Seen from outside: it reaches the server even while the client's
//! (shared) I/O thread is stuck in another client's callback.
//!
//! The only test in this binary, on purpose: shared I/O threads take clients
//! round robin in the order they start, so of the 65 clients started here
//! (at most 64 shared threads) one shares its thread with the first.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mywsclient::{Client, Event};

const WAIT: Duration = Duration::from_secs(30);

/// An echo server for `conns` connections; every text message it reads is
/// also reported on the returned channel.
fn recording_echo_server(conns: usize) -> (u16, mpsc::Receiver<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming().take(conns) {
            let Ok(s) = s else { break };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let Ok(mut ws) = tungstenite::accept(s) else {
                    return;
                };
                while let Ok(m) = ws.read() {
                    if let Ok(t) = m.to_text() {
                        let _ = tx.send(t.to_string());
                    }
                    if (m.is_text() || m.is_binary()) && ws.send(m).is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, rx)
}

fn shared_client(port: u16, opened: mpsc::Sender<()>) -> Client {
    let c = Client::new("ws://127.0.0.1", port as i32, "/").unwrap();
    c.configure(|c| c.shared_io = true).unwrap();
    c.set_event_handler(move |ev| {
        if matches!(ev, Event::Open { .. }) {
            let _ = opened.send(());
        }
    })
    .unwrap();
    c
}

#[test]
fn an_idle_connection_sends_while_its_io_thread_is_busy() {
    const OTHERS: usize = 64;
    let (port, server_got) = recording_echo_server(OTHERS + 1);
    let (opened_tx, opened) = mpsc::channel();

    // The first client blocks its shared I/O thread inside its message
    // callback until released.
    let (blocked_tx, blocked) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let release = Arc::new(Mutex::new(release));
    let first = shared_client(port, opened_tx.clone());
    first
        .set_message_handler(move |_, _| {
            let _ = blocked_tx.send(());
            let _ = release.lock().unwrap().recv_timeout(WAIT);
        })
        .unwrap();
    first.start().unwrap();
    let others: Vec<Client> = (0..OTHERS)
        .map(|_| {
            let c = shared_client(port, opened_tx.clone());
            c.start().unwrap();
            c
        })
        .collect();
    for _ in 0..=OTHERS {
        opened.recv_timeout(WAIT).expect("every client opens");
    }

    first.send_text(b"block").unwrap();
    blocked
        .recv_timeout(WAIT)
        .expect("the first client's callback runs");
    assert_eq!(server_got.recv_timeout(WAIT).unwrap(), "block");

    // Every other client sends while the first one's thread is stuck: each
    // message reaches the server, also the one whose I/O thread is blocked.
    for (i, c) in others.iter().enumerate() {
        c.send_text(format!("m{i}").as_bytes()).unwrap();
    }
    let mut got = BTreeSet::new();
    while got.len() < OTHERS {
        match server_got.recv_timeout(WAIT) {
            Ok(m) => assert!(got.insert(m), "a message arrived twice"),
            Err(_) => panic!(
                "{} of {OTHERS} messages reached the server while an I/O thread was busy",
                got.len()
            ),
        }
    }
    let want: BTreeSet<String> = (0..OTHERS).map(|i| format!("m{i}")).collect();
    assert_eq!(got, want);
    let sent: u64 = others.iter().map(|c| c.stats().messages_sent).sum();
    assert_eq!(sent, OTHERS as u64, "each counts as sent once");

    release_tx.send(()).unwrap();
    first.stop().unwrap();
    for c in &others {
        c.stop().unwrap();
    }
}
