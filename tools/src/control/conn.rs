//! One connection of the control server, on its own thread: the
//! handshake, then frames: messages recorded (and echoed when asked), close
//! frames answered and recorded, pings answered at once or after the delay.

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tungstenite::handshake::derive_accept_key;

use super::wire::{frame, header, Reader};
use super::{lock, Conn, Inner, MAX_MESSAGE, TICK};

pub(super) fn serve(inner: Arc<Inner>, s: TcpStream) {
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(TICK));
    let (Ok(sock), Ok(writer)) = (s.try_clone(), s.try_clone()) else {
        return;
    };
    let conn = Arc::new(Conn {
        sock,
        writer: Mutex::new(writer),
    });
    let id = inner.next_id.fetch_add(1, Ordering::SeqCst);
    lock(&inner.conns).push((id, conn.clone()));
    let mut r = Reader {
        inner: &inner,
        s,
        buf: Vec::new(),
        pausable: false,
    };
    run(&inner, &conn, &mut r);
    lock(&inner.conns).retain(|(i, _)| *i != id);
    let _ = conn.sock.shutdown(Shutdown::Both);
    let mut n = 0;
    inner.update(|rec| {
        rec.ended += 1;
        n = rec.ended;
    });
    inner.report(|| format!("END {n}"));
}

fn send(conn: &Conn, data: &[u8]) -> bool {
    lock(&conn.writer).write_all(data).is_ok()
}

fn run(inner: &Arc<Inner>, conn: &Arc<Conn>, r: &mut Reader<'_>) {
    let Some(req) = r.request() else { return };
    let Some(key) = header(&req, "sec-websocket-key") else {
        send(
            conn,
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
        );
        return;
    };
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    if !send(conn, resp.as_bytes()) {
        return;
    }
    let mut n = 0;
    inner.update(|rec| {
        rec.opened += 1;
        n = rec.opened;
    });
    inner.report(|| format!("OPEN {n}"));
    r.pausable = true;
    let mut partial: Option<(bool, Vec<u8>)> = None;
    while let Some((fin, op, payload)) = r.frame() {
        match op {
            0x0..=0x2 => {
                let (binary, mut data) = match (op, partial.take()) {
                    (0, Some(p)) => p,
                    (0, None) => return, // continuation without a start
                    (op, _) => (op == 2, Vec::new()),
                };
                data.extend_from_slice(&payload);
                if data.len() > MAX_MESSAGE {
                    return;
                }
                if !fin {
                    partial = Some((binary, data));
                    continue;
                }
                let len = data.len();
                if lock(&inner.cfg).echo && !send(conn, &frame(if binary { 2 } else { 1 }, &data)) {
                    return;
                }
                inner.update(|rec| {
                    rec.bytes += len as u64;
                    rec.messages.push((data, binary));
                });
                let kind = if binary { "binary" } else { "text" };
                inner.report(|| format!("MSG {len} {kind}"));
            }
            0x8 => {
                let (code, reason) = if payload.len() >= 2 {
                    let code = u16::from_be_bytes([payload[0], payload[1]]);
                    (code, String::from_utf8_lossy(&payload[2..]).into_owned())
                } else {
                    (1005, String::new())
                };
                let reply = if payload.len() >= 2 {
                    frame(0x8, &payload[..2])
                } else {
                    frame(0x8, &[])
                };
                let _ = send(conn, &reply);
                let _ = conn.sock.shutdown(Shutdown::Write);
                let line = format!("CLOSE {code} {reason}");
                inner.update(|rec| rec.closes.push((code, reason)));
                inner.report(|| line);
                // Until the client's EOF (bounded: the reads give up on stop).
                r.pausable = false;
                while r.fill(r.buf.len() + 1) {
                    r.buf.clear();
                }
                return;
            }
            0x9 => {
                let len = payload.len();
                inner.update(|rec| rec.pings.push(payload.clone()));
                inner.report(|| format!("PING {len}"));
                let delay = lock(&inner.cfg).pong_delay;
                let pong = frame(0xA, &payload);
                if delay.is_zero() {
                    if !send(conn, &pong) {
                        return;
                    }
                    pong_sent(inner, len);
                } else {
                    let (c, i) = (conn.clone(), inner.clone());
                    inner.spawn("control-pong", move || {
                        // The delay is the behaviour under test, not a wait
                        // for a condition; it ends early when the server stops.
                        let end = Instant::now() + delay;
                        while !i.stop.load(Ordering::SeqCst) && Instant::now() < end {
                            std::thread::sleep((end - Instant::now()).min(TICK));
                        }
                        if !i.stop.load(Ordering::SeqCst) && send(&c, &pong) {
                            pong_sent(&i, len);
                        }
                    });
                }
            }
            0xA => {} // unsolicited pong: ignored
            _ => return,
        }
    }
}

fn pong_sent(inner: &Inner, len: usize) {
    inner.update(|rec| rec.pongs_sent += 1);
    inner.report(|| format!("PONG {len}"));
}
