//! Clients on the shared I/O threads: same behaviour as on their own thread.

use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use mywsclient::{Client, Event, State};

/// An echo server on 127.0.0.1 that serves `conns` connections, then stops accepting.
fn echo_server(conns: usize) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(conns) {
            let Ok(s) = s else { break };
            std::thread::spawn(move || {
                let Ok(mut ws) = tungstenite::accept(s) else {
                    return;
                };
                while let Ok(m) = ws.read() {
                    if (m.is_text() || m.is_binary()) && ws.send(m).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn shared_client(port: u16) -> Client {
    let c = Client::new("ws://127.0.0.1", port as i32, "/").unwrap();
    c.configure(|c| c.shared_io = true).unwrap();
    c
}

#[test]
fn many_clients_echo_on_shared_threads() {
    const N: usize = 200;
    let port = echo_server(N);
    let (tx, rx) = mpsc::channel();
    let clients: Vec<Client> = (0..N)
        .map(|i| {
            let c = shared_client(port);
            let tx = tx.clone();
            c.set_message_handler(move |d, bin| tx.send((i, d.to_vec(), bin)).unwrap())
                .unwrap();
            c.send_text(format!("hello {i}").as_bytes()).unwrap();
            c.start().unwrap();
            c
        })
        .collect();
    let mut seen = [false; N];
    for _ in 0..N {
        let (i, d, bin) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("every client gets its echo");
        assert_eq!(d, format!("hello {i}").into_bytes());
        assert!(!bin);
        assert!(!seen[i], "client {i} got two echoes");
        seen[i] = true;
    }
    for c in &clients {
        assert_eq!(c.state(), State::Open);
        c.stop().unwrap();
        assert_eq!(c.state(), State::Stopped);
    }
}

#[test]
fn shared_client_stops_from_its_callback_and_restarts() {
    let port = echo_server(2);
    let c = std::sync::Arc::new(shared_client(port));
    let (tx, rx) = mpsc::channel();
    let weak = std::sync::Arc::downgrade(&c);
    c.set_event_handler(move |e| {
        if let Event::Open { .. } = e {
            if let Some(c) = weak.upgrade() {
                // stop from inside a callback must not deadlock the shared thread
                c.stop().unwrap();
            }
        }
        tx.send(e.clone()).unwrap();
    })
    .unwrap();
    for run in 0..2 {
        c.start().unwrap();
        let mut opened = false;
        loop {
            match rx
                .recv_timeout(Duration::from_secs(10))
                .expect("events arrive")
            {
                Event::Open { .. } => opened = true,
                Event::Stopped => break,
                _ => continue,
            }
        }
        assert!(opened, "run {run} opened before it stopped");
        c.stop().unwrap();
        assert_eq!(c.state(), State::Stopped);
    }
}
