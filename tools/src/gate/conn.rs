//! One connection of the gate server, on its own thread: read the request,
//! decide, answer with a refusal or a 101, then echo.

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ServerConnection, StreamOwned};
use tungstenite::handshake::derive_accept_key;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::WebSocket;

use super::http::{linger, parse_request, read_request, reason};
use super::routes::decide;
use super::websocket::echo;
use super::{lock, Conn, GateEnd, GateRequest, Inner, Stream, TICK};

pub(super) fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    for s in listener.incoming() {
        if inner.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(s) = s else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let i = inner.clone();
        let t = std::thread::Builder::new()
            .name("gate-conn".into())
            .spawn(move || serve(i, s));
        if let Ok(t) = t {
            let mut threads = lock(&inner.threads);
            threads.retain(|t| !t.is_finished());
            threads.push(t);
        }
    }
}

fn serve(inner: Arc<Inner>, s: TcpStream) {
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(TICK));
    let Ok(ctl) = s.try_clone() else { return };
    let mut stream: Box<dyn Stream> = match &inner.tls {
        None => Box::new(s),
        Some(cfg) => match ServerConnection::new(cfg.clone()) {
            Ok(c) => Box::new(StreamOwned::new(c, s)),
            Err(_) => return,
        },
    };
    let Some((head, extra)) = read_request(&inner, &mut stream) else {
        return;
    };
    let Some(req) = parse_request(&head) else {
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let (status, headers, token) = decide(&inner, &req);
    let (n, id) = {
        let mut st = lock(&inner.state);
        st.requests.push(GateRequest {
            status,
            ..req.clone()
        });
        let n = st.requests.len();
        let id = st.next_conn;
        st.next_conn += 1;
        if status == 101 {
            st.conns.insert(id, Conn { token, order: None });
            st.opened += 1;
        }
        (n, id)
    };
    inner.changed.notify_all();
    let mut resp = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if status == 101 {
        let key = req.header("sec-websocket-key").unwrap_or("");
        resp.push_str(&format!(
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n",
            derive_accept_key(key.as_bytes())
        ));
    }
    for (name, value) in &headers {
        resp.push_str(&format!("{name}: {value}\r\n"));
    }
    resp.push_str(&format!("X-Gate-Request: {n}\r\n"));
    if status != 101 {
        let body = format!("gate: {status}\n");
        resp.push_str(&format!(
            "Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        let _ = stream.write_all(resp.as_bytes());
        let _ = stream.flush();
        // Let the client read the answer and close first (bounded).
        linger(&inner, &mut stream);
        return;
    }
    resp.push_str("\r\n");
    if stream.write_all(resp.as_bytes()).is_err() || stream.flush().is_err() {
        end_conn(&inner, id, GateEnd::Abnormal);
        return;
    }
    let cfg = WebSocketConfig::default().max_message_size(Some(64 << 20));
    let mut ws = WebSocket::from_partially_read(stream, extra, Role::Server, Some(cfg));
    let end = echo(&inner, id, &mut ws);
    let _ = ctl.shutdown(Shutdown::Both);
    end_conn(&inner, id, end);
}

fn end_conn(inner: &Inner, id: u64, end: GateEnd) {
    let mut st = lock(&inner.state);
    st.conns.remove(&id);
    st.ends.push(end);
    drop(st);
    inner.changed.notify_all();
}
