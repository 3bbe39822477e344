//! After a 101: the gate's connection is a tungstenite WebSocket that
//! echoes, records messages and closes when told to (token expired,
//! `close_all`).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::{Message, WebSocket};

use super::{is_timeout, lock, GateEnd, Inner, Stream};

pub(super) fn echo(inner: &Inner, id: u64, ws: &mut WebSocket<Box<dyn Stream>>) -> GateEnd {
    loop {
        if inner.stop.load(Ordering::SeqCst) {
            return GateEnd::Abnormal;
        }
        let order = lock(&inner.state)
            .conns
            .get_mut(&id)
            .and_then(|c| c.order.take());
        if let Some((code, reason)) = order {
            return close(ws, code, &reason);
        }
        match ws.read() {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                let data = match &m {
                    Message::Text(t) => t.as_bytes().to_vec(),
                    Message::Binary(b) => b.to_vec(),
                    _ => Vec::new(),
                };
                lock(&inner.state).messages.push(data);
                inner.changed.notify_all();
                if ws.send(m).is_err() {
                    return GateEnd::Abnormal;
                }
            }
            Ok(Message::Close(f)) => {
                let _ = ws.flush();
                return GateEnd::ClientClose(f.map(|f| u16::from(f.code)).unwrap_or(1005));
            }
            Ok(_) => {
                let _ = ws.flush();
            }
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {}
            Err(_) => return GateEnd::Abnormal,
        }
    }
}

fn close(ws: &mut WebSocket<Box<dyn Stream>>, code: u16, reason: &str) -> GateEnd {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_string().into(),
    };
    let _ = ws.close(Some(frame));
    let _ = ws.flush();
    // Wait (bounded) for the client's reply.
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        match ws.read() {
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {}
            Err(_) => break,
        }
    }
    GateEnd::ServerClose(code)
}
