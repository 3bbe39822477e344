//! One connection of the echo server, on its own thread: the TLS and
//! WebSocket handshakes (recording the request), then echo until the
//! client closes, an error, or an order from a test.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::{ServerConnection, StreamOwned};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::HandshakeError;
use tungstenite::{Message, WebSocket};

use super::batched::{Batched, HasSocket};
use super::ctl::{Action, ConnCtl};
use super::{lock, pick_subprotocol, ws_config, ConnEnd, Inner, SeenRequest, CONTROL_TICK};

pub(super) fn serve(inner: Arc<Inner>, s: TcpStream) {
    let _ = s.set_nodelay(true);
    if inner.cfg.controls {
        let _ = s.set_read_timeout(Some(CONTROL_TICK));
    }
    let ctl = if inner.cfg.controls {
        match s.try_clone() {
            Ok(c) => Some(Arc::new(ConnCtl {
                sock: c,
                action: Mutex::new(None),
                flagged: AtomicBool::new(false),
            })),
            Err(_) => None,
        }
    } else {
        None
    };
    let id = inner.next_id.fetch_add(1, Ordering::SeqCst);
    if let Some(c) = &ctl {
        lock(&inner.conns).insert(id, c.clone());
    }
    let end = match &inner.cfg.tls {
        None => run(
            &inner,
            Batched {
                inner: s,
                out: Vec::new(),
            },
            ctl.as_deref(),
        ),
        Some(cfg) => match ServerConnection::new(cfg.clone()) {
            Ok(conn) => run(
                &inner,
                Batched {
                    inner: StreamOwned::new(conn, s),
                    out: Vec::new(),
                },
                ctl.as_deref(),
            ),
            Err(e) => ConnEnd::HandshakeFailed(format!("TLS: {e}")),
        },
    };
    lock(&inner.conns).remove(&id);
    if inner.cfg.controls {
        lock(&inner.record).ends.push(end);
    }
    inner.changed.notify_all();
}

fn tls_of<S: HasSocket + 'static>(s: &S) -> Option<&ServerConnection> {
    (s as &dyn std::any::Any)
        .downcast_ref::<StreamOwned<ServerConnection, TcpStream>>()
        .map(|t| &t.conn)
}

// The handshake callback's error type is fixed by tungstenite.
#[allow(clippy::result_large_err)]
fn run<S: Read + Write + HasSocket + 'static>(
    inner: &Inner,
    stream: Batched<S>,
    ctl: Option<&ConnCtl>,
) -> ConnEnd {
    let mut seen = None;
    let want = inner.cfg.subprotocol.clone();
    let callback = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        pick_subprotocol(want.as_deref(), req, &mut resp);
        if inner.cfg.controls {
            let headers = req
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            seen = Some(SeenRequest {
                path,
                headers,
                sni: None,
            });
        }
        Ok(resp)
    };
    let mut attempt = tungstenite::accept_hdr_with_config(stream, callback, Some(ws_config()));
    let mut ws = loop {
        match attempt {
            Ok(ws) => break ws,
            // A read timed out (controls on): look for commands, go on.
            Err(HandshakeError::Interrupted(mid)) => {
                if ctl.is_some_and(|c| c.flagged.load(Ordering::SeqCst)) {
                    return ConnEnd::Killed;
                }
                attempt = mid.handshake();
            }
            Err(HandshakeError::Failure(e)) => return ConnEnd::HandshakeFailed(e.to_string()),
        }
    };
    // The 101 response is still in the buffer.
    if let Err(e) = ws.get_mut().flush_out() {
        return ConnEnd::Abnormal(format!("writing the handshake: {e}"));
    }
    let tls = tls_of(&ws.get_ref().inner);
    if let Some(t) = tls {
        match t.handshake_kind() {
            Some(rustls::HandshakeKind::Resumed) => &inner.tls_resumed,
            _ => &inner.tls_full,
        }
        .fetch_add(1, Ordering::SeqCst);
    }
    inner.opened.fetch_add(1, Ordering::SeqCst);
    if let Some(mut req) = seen {
        req.sni = tls.and_then(|t| t.server_name().map(str::to_string));
        lock(&inner.record).requests.push(req);
    }
    inner.changed.notify_all();
    let close_now = lock(&inner.close_on_open).clone();
    if let Some((code, reason)) = close_now {
        return close(&mut ws, code, &reason);
    }
    loop {
        if let Some(c) = ctl {
            if c.flagged.load(Ordering::SeqCst) {
                return act(&mut ws, c);
            }
        }
        match ws.read() {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                if inner.cfg.controls {
                    let rec = match &m {
                        Message::Text(t) => (t.as_bytes().to_vec(), false),
                        Message::Binary(b) => (b.to_vec(), true),
                        _ => unreachable!(),
                    };
                    lock(&inner.record).messages.push(rec);
                    inner.changed.notify_all();
                }
                if let Err(e) = ws.write(m) {
                    return ConnEnd::Abnormal(format!("writing: {e}"));
                }
            }
            Ok(Message::Close(f)) => {
                // tungstenite queued the reply; send it and end.
                let _ = ws.flush();
                let _ = ws.get_mut().flush_out();
                let (code, reason) = f
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                return ConnEnd::ClientClose(code, reason);
            }
            Ok(_) => {} // ping (pong queued by tungstenite), pong, raw frame
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                if let Some(c) = ctl {
                    if c.flagged.load(Ordering::SeqCst) {
                        return act(&mut ws, c);
                    }
                }
                let _ = ws.get_mut().flush_out();
                return ConnEnd::Abnormal(e.to_string());
            }
        }
    }
}

fn act<S: Read + Write + HasSocket>(ws: &mut WebSocket<Batched<S>>, c: &ConnCtl) -> ConnEnd {
    match lock(&c.action).clone() {
        Some(Action::Close(code, reason)) => close(ws, code, &reason),
        _ => ConnEnd::Killed,
    }
}

fn close<S: Read + Write + HasSocket>(
    ws: &mut WebSocket<Batched<S>>,
    code: u16,
    reason: &str,
) -> ConnEnd {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_string().into(),
    };
    let _ = ws.close(Some(frame));
    let _ = ws.get_mut().flush_out();
    // Give the client a moment to answer, bounded, then end the TCP stream.
    let _ = ws
        .get_ref()
        .inner
        .socket()
        .set_read_timeout(Some(Duration::from_secs(2)));
    for _ in 0..64 {
        match ws.read() {
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    let _ = ws.get_mut().flush_out();
    let _ = ws.get_ref().inner.socket().shutdown(Shutdown::Write);
    ConnEnd::ServerClose(code)
}
