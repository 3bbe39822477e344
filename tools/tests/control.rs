//! The control server itself (tools/src/control/), driven by a plain
//! tungstenite client: delayed pongs, recorded close frames, reading paused
//! and resumed, and the binary's line protocol.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mywsclient_tools::control::{ControlConfig, ControlServer};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::{Message, WebSocket};

const WAIT: Duration = Duration::from_secs(10);

fn connect(s: &ControlServer) -> WebSocket<TcpStream> {
    let sock = TcpStream::connect(("127.0.0.1", s.port())).expect("connect");
    sock.set_read_timeout(Some(WAIT)).unwrap();
    let (ws, _) = tungstenite::client(s.url(), sock).expect("handshake");
    ws
}

#[test]
fn pongs_come_after_the_delay() {
    let s = ControlServer::local(ControlConfig {
        pong_delay: Duration::from_millis(300),
        ..ControlConfig::default()
    })
    .unwrap();
    let mut ws = connect(&s);
    let t0 = Instant::now();
    ws.send(Message::Ping(b"abc".to_vec().into())).unwrap();
    match ws.read().expect("a pong") {
        Message::Pong(p) => assert_eq!(&p[..], b"abc"),
        other => panic!("unexpected {other:?}"),
    }
    // Causal lower bound: the server waits before it answers.
    assert!(
        t0.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t0.elapsed()
    );
    assert!(s.wait(WAIT, |r| r.pings == vec![b"abc".to_vec()]
        && r.pongs_sent == 1));
}

#[test]
fn records_close_code_and_reason_and_echoes_when_asked() {
    let s = ControlServer::local(ControlConfig {
        echo: true,
        ..ControlConfig::default()
    })
    .unwrap();
    let mut ws = connect(&s);
    ws.send(Message::Text("hi".into())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Text("hi".into()));
    ws.close(Some(CloseFrame {
        code: CloseCode::from(4000),
        reason: "going away now".into(),
    }))
    .unwrap();
    // The server replies with the same code and ends the stream.
    loop {
        match ws.read() {
            Ok(Message::Close(Some(f))) => assert_eq!(u16::from(f.code), 4000),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(s.wait(WAIT, |r| r.closes
        == vec![(4000, "going away now".to_string())]));
    drop(ws);
    assert!(s.wait(WAIT, |r| r.ended == 1 && r.messages.len() == 1));
}

#[test]
fn paused_reading_holds_bytes_until_resumed() {
    let s = ControlServer::local(ControlConfig {
        paused: true,
        recv_buffer: Some(16 << 10),
        ..ControlConfig::default()
    })
    .unwrap();
    let mut ws = connect(&s);
    ws.get_mut().set_nonblocking(true).unwrap();
    let chunk = vec![7u8; 64 << 10];
    // Nothing is read: the kernel's buffers fill and a write would block
    // (bounded: 64 MiB is far more than a loopback pipe holds).
    let mut sent = 0;
    let mut blocked = false;
    while sent < 1024 && !blocked {
        sent += 1;
        match ws.send(Message::Binary(chunk.clone().into())) {
            Ok(()) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                blocked = true
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        blocked,
        "{sent} messages of 64 KiB written to a paused server"
    );
    s.resume_reading();
    ws.get_mut().set_nonblocking(false).unwrap();
    ws.flush().unwrap();
    assert!(s.wait(WAIT, |r| r.messages.len() == sent
        && r.bytes == sent as u64 * (64 << 10)));
}

#[test]
fn binary_prints_events_and_takes_commands() {
    let bin = env!("CARGO_BIN_EXE_mywsclient-control-server");
    let mut child = Command::new(bin)
        .args(["--pong-delay-ms", "50"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let first = lines.recv_timeout(WAIT).unwrap();
    let port: u16 = first.strip_prefix("LISTENING ").unwrap().parse().unwrap();
    let (mut ws, _) = tungstenite::connect(format!("ws://127.0.0.1:{port}/")).unwrap();
    assert_eq!(lines.recv_timeout(WAIT).unwrap(), "OPEN 1");
    ws.send(Message::Ping(b"xy".to_vec().into())).unwrap();
    assert_eq!(lines.recv_timeout(WAIT).unwrap(), "PING 2");
    assert_eq!(lines.recv_timeout(WAIT).unwrap(), "PONG 2");
    ws.send(Message::Text("hello".into())).unwrap();
    assert_eq!(lines.recv_timeout(WAIT).unwrap(), "MSG 5 text");
    ws.close(Some(CloseFrame {
        code: CloseCode::from(4001),
        reason: "bye".into(),
    }))
    .unwrap();
    assert_eq!(lines.recv_timeout(WAIT).unwrap(), "CLOSE 4001 bye");
    let stdin = child.stdin.as_mut().unwrap();
    writeln!(stdin, "pause").unwrap();
    writeln!(stdin, "resume").unwrap();
    drop(child.stdin.take());
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit on stdin EOF"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    reader.join().unwrap();
}
