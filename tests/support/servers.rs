//! Servers and ports on 127.0.0.1: echo servers, a refused port, a
//! listener that never answers a connect, and a look at connects in flight.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use super::{ms, EchoConfig, EchoServer};

/// A plain echo server on 127.0.0.1 with controls.
pub fn echo_server() -> EchoServer {
    EchoServer::local().expect("echo server")
}

/// An echo server on 127.0.0.1 with `cfg`.
pub fn echo_server_with(cfg: EchoConfig) -> EchoServer {
    EchoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg).expect("echo server")
}

/// A port on 127.0.0.1 where nothing listens (connects are refused).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A listener whose accept queue is full: a new connect is never answered
/// (its SYNs are dropped), so a client stays in "connecting".
pub struct Unanswered {
    pub port: u16,
    _listener: TcpListener,
    _fill: Vec<TcpStream>,
}

pub fn unanswered() -> Unanswered {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let mut fill = Vec::new();
    // std listens with a backlog of 128: the queue holds ~129 connections.
    for _ in 0..1024 {
        match TcpStream::connect_timeout(&addr, ms(200)) {
            Ok(s) => fill.push(s),
            Err(_) => {
                return Unanswered {
                    port: addr.port(),
                    _listener: l,
                    _fill: fill,
                }
            }
        }
    }
    panic!("could not fill the accept queue of {addr}");
}

/// Linux: waits until a TCP socket of this machine is in SYN_SENT towards
/// 127.0.0.1:`port` (a connect in flight), or `timeout` passes.
pub fn wait_syn_sent(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if tcp_to(port).iter().any(|&(state, _)| state == 0x02) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        // Kernel state has no notification: look again shortly (bounded).
        std::thread::sleep(ms(5));
    }
}

/// Linux: the TCP sockets of this network namespace connected (or
/// connecting) to 127.0.0.1:`port`, from /proc/net/tcp: each one's state
/// (0x01 established, 0x02 SYN_SENT, ...) and tx_queue (bytes written and
/// not acknowledged).
pub fn tcp_to(port: u16) -> Vec<(u8, u64)> {
    let remote = format!("0100007F:{port:04X}");
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 5 || f[2] != remote {
                return None;
            }
            let state = u8::from_str_radix(f[3], 16).ok()?;
            let tx = u64::from_str_radix(f[4].split(':').next()?, 16).ok()?;
            Some((state, tx))
        })
        .collect()
}
