//! A WebSocket echo server whose upgrade goes through a gate: it answers
//! some requests with an HTTP status instead of 101 (401 / 403 with their
//! headers, redirects with `Location`) and accepts others, by path. Made for
//! the tests of long-lived sessions: a server that accepts only the latest
//! bearer token and closes with 4001 when it expires, servers that refuse
//! with 401 / 403, redirect chains and loops. The HTTP side is written by
//! hand (not by tungstenite's acceptor) so that any status and header can be
//! sent; after a 101 the connection is a tungstenite WebSocket that echoes.
//! Used by the `mywsclient-gate-server` binary and, through `#[path]`, by
//! the integration tests. Self-contained (std + tungstenite + rustls).
//!
//! Routes (the path of the request line; the query is ignored unless said):
//! - `/auth...`: needs the current token, as `Authorization: Bearer <token>`
//!   or the query parameter `token=<token>`; else `401` with
//!   `WWW-Authenticate: Bearer realm="gate", error="invalid_token"`. An open
//!   connection remembers its token; [`GateServer::rotate_token`] issues the
//!   next one and closes every connection holding an older one with 4001
//!   "token expired". Tokens are `t1`, `t2`, ...
//! - `/status/CODE...`: always `CODE`, with `X-Gate: refused` (and
//!   `WWW-Authenticate` for 401, `Retry-After: 1` for 429 and 503).
//! - `/flaky/CODE/N...`: the first N requests to this path get `CODE` (as
//!   above), later ones are accepted.
//! - `/hop/N/CODE`: `CODE` with `Location: /hop/{N-1}/CODE` while N > 0; at
//!   0 accepted. A chain of N redirects.
//! - `/loop/a` and `/loop/b`: `302` to each other, forever.
//! - `/goto/PORT[/rest]`: `302` to `ws://127.0.0.1:PORT/rest` (from a TLS
//!   server, a downgrade from wss to ws).
//! - anything else: accepted.
//!
//! Every response carries `X-Gate-Request: <n>` (1 for the first request
//! the server received); a 101 also carries two `Set-Cookie` headers
//! (`a=1`, `b=2`), so that clients can show repeated headers.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use tungstenite::handshake::derive_accept_key;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// Connection threads wake this often to look for orders and the stop flag.
const TICK: Duration = Duration::from_millis(50);
/// Largest request header block read.
const MAX_REQUEST: usize = 64 << 10;

/// The close code sent when a connection's token expires.
pub const TOKEN_EXPIRED: u16 = 4001;

/// A request as the gate saw it, and what it answered.
#[derive(Clone, Debug)]
pub struct GateRequest {
    /// Path and query of the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// 101 when accepted.
    pub status: u16,
}

impl GateRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// How a connection that was accepted ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateEnd {
    /// The client sent a close frame (code).
    ClientClose(u16),
    /// The server closed it with this code (token expired, close_all).
    ServerClose(u16),
    /// EOF, reset or error without a close frame.
    Abnormal,
}

struct Conn {
    /// The token generation it was opened with (`/auth` only).
    token: Option<u64>,
    /// A close the server was told to send.
    order: Option<(u16, String)>,
}

#[derive(Default)]
struct State {
    token: u64,
    requests: Vec<GateRequest>,
    hits: HashMap<String, u32>,
    conns: HashMap<u64, Conn>,
    next_conn: u64,
    opened: u64,
    ends: Vec<GateEnd>,
    /// Text and binary messages received, all connections.
    messages: Vec<Vec<u8>>,
}

struct Inner {
    addr: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running gate server on 127.0.0.1. Dropping it stops it and joins its
/// threads.
pub struct GateServer {
    inner: Arc<Inner>,
    acceptor: Option<JoinHandle<()>>,
}

impl GateServer {
    /// Listens on `addr` (port 0 picks one); `tls` serves wss://.
    pub fn start(addr: SocketAddr, tls: Option<Arc<ServerConfig>>) -> io::Result<GateServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            addr,
            tls,
            state: Mutex::new(State {
                token: 1,
                ..State::default()
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        });
        let i = inner.clone();
        let acceptor = std::thread::Builder::new()
            .name("gate-accept".into())
            .spawn(move || accept_loop(i, listener))?;
        Ok(GateServer {
            inner,
            acceptor: Some(acceptor),
        })
    }

    /// A plain ws:// gate on 127.0.0.1, any port.
    pub fn local() -> io::Result<GateServer> {
        GateServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), None)
    }

    pub fn port(&self) -> u16 {
        self.inner.addr.port()
    }

    /// `ws://127.0.0.1:PORT<path>` (or `wss://localhost:PORT<path>` with TLS).
    pub fn url(&self, path: &str) -> String {
        match self.inner.tls {
            None => format!("ws://127.0.0.1:{}{path}", self.port()),
            Some(_) => format!("wss://localhost:{}{path}", self.port()),
        }
    }

    /// The token `/auth` accepts now.
    pub fn token(&self) -> String {
        format!("t{}", lock(&self.inner.state).token)
    }

    /// Issues the next token; every open `/auth` connection holding an
    /// older one is closed with 4001 "token expired". Returns the new token.
    pub fn rotate_token(&self) -> String {
        let mut s = lock(&self.inner.state);
        s.token += 1;
        let current = s.token;
        for c in s.conns.values_mut() {
            if c.token.is_some_and(|t| t < current) {
                c.order = Some((TOKEN_EXPIRED, "token expired".into()));
            }
        }
        format!("t{current}")
    }

    /// Closes every open connection with `code` and `reason`.
    pub fn close_all(&self, code: u16, reason: &str) {
        for c in lock(&self.inner.state).conns.values_mut() {
            c.order = Some((code, reason.to_string()));
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<GateRequest> {
        lock(&self.inner.state).requests.clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        lock(&self.inner.state)
            .requests
            .iter()
            .filter(|r| r.path().starts_with(prefix))
            .count()
    }

    /// Connections accepted (101 sent) so far.
    pub fn opened(&self) -> u64 {
        lock(&self.inner.state).opened
    }

    /// Connections open now.
    pub fn active(&self) -> usize {
        lock(&self.inner.state).conns.len()
    }

    /// How the accepted connections that ended so far ended.
    pub fn ends(&self) -> Vec<GateEnd> {
        lock(&self.inner.state).ends.clone()
    }

    /// Messages received, all connections, in order of arrival.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        lock(&self.inner.state).messages.clone()
    }

    /// Waits until `f` holds (it sees the server), or `timeout` passes.
    pub fn wait(&self, timeout: Duration, mut f: impl FnMut(&GateServer) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if f(self) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let s = lock(&self.inner.state);
            // Bounded: `f` takes the lock itself, so a change may come
            // between its check and this wait.
            let _ = self
                .inner
                .changed
                .wait_timeout(s, (deadline - now).min(TICK))
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl Drop for GateServer {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.inner.addr, Duration::from_secs(1));
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        let threads = std::mem::take(&mut *lock(&self.inner.threads));
        for t in threads {
            let _ = t.join();
        }
    }
}

fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
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

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

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

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Reads up to the blank line; returns the header block and what followed.
fn read_request(inner: &Inner, s: &mut Box<dyn Stream>) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !inner.stop.load(Ordering::SeqCst) && buf.len() < MAX_REQUEST {
        if Instant::now() > deadline {
            return None;
        }
        match s.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let extra = buf.split_off(end + 4);
                    return String::from_utf8(buf).ok().map(|h| (h, extra));
                }
            }
            Err(e) if is_timeout(&e) => {}
            Err(_) => return None,
        }
    }
    None
}

fn parse_request(head: &str) -> Option<GateRequest> {
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    if method != "GET" {
        return None;
    }
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(GateRequest {
        target: target.to_string(),
        headers,
        status: 0,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Gate",
    }
}

/// Headers that go with a refusal with `code`.
fn refusal_headers(code: u16) -> Vec<(String, String)> {
    let mut h = vec![("X-Gate".to_string(), "refused".to_string())];
    if code == 401 {
        h.push((
            "WWW-Authenticate".into(),
            "Bearer realm=\"gate\", error=\"invalid_token\"".into(),
        ));
    }
    if code == 429 || code == 503 {
        h.push(("Retry-After".into(), "1".into()));
    }
    h
}

fn location(to: String) -> Vec<(String, String)> {
    vec![("Location".into(), to)]
}

/// The answer to a request: status, extra headers, and (for an accepted
/// `/auth`) the token generation it used.
fn decide(inner: &Inner, req: &GateRequest) -> (u16, Vec<(String, String)>, Option<u64>) {
    let path = req.path().to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let code = |s: &str| s.parse::<u16>().ok().filter(|c| (100..=599).contains(c));
    match parts.as_slice() {
        ["auth", ..] => {
            let current = lock(&inner.state).token;
            let want = format!("t{current}");
            let bearer = req
                .header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                .is_some_and(|t| t.trim() == want);
            let query = req
                .target
                .split_once('?')
                .is_some_and(|(_, q)| q.split('&').any(|kv| kv == format!("token={want}")));
            if bearer || query {
                (101, Vec::new(), Some(current))
            } else {
                (401, refusal_headers(401), None)
            }
        }
        ["status", c, ..] => match code(c) {
            Some(c) => (c, refusal_headers(c), None),
            None => (400, Vec::new(), None),
        },
        ["flaky", c, n, ..] => match (code(c), n.parse::<u32>()) {
            (Some(c), Ok(n)) => {
                let mut st = lock(&inner.state);
                let hits = st.hits.entry(path.clone()).or_insert(0);
                *hits += 1;
                if *hits <= n {
                    (c, refusal_headers(c), None)
                } else {
                    (101, Vec::new(), None)
                }
            }
            _ => (400, Vec::new(), None),
        },
        ["hop", n, c] => match (n.parse::<u32>(), code(c)) {
            (Ok(0), Some(_)) => (101, Vec::new(), None),
            (Ok(n), Some(c)) => (c, location(format!("/hop/{}/{c}", n - 1)), None),
            _ => (400, Vec::new(), None),
        },
        ["loop", "a"] => (302, location("/loop/b".into()), None),
        ["loop", "b"] => (302, location("/loop/a".into()), None),
        ["goto", port, rest @ ..] => match port.parse::<u16>() {
            Ok(p) => (
                302,
                location(format!("ws://127.0.0.1:{p}/{}", rest.join("/"))),
                None,
            ),
            Err(_) => (400, Vec::new(), None),
        },
        _ => (101, Vec::new(), None),
    }
}

/// After a refusal: wait (bounded) for the client to close, so that the
/// answer is not cut by a reset.
fn linger(inner: &Inner, s: &mut Box<dyn Stream>) {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut chunk = [0u8; 1024];
    while Instant::now() < deadline && !inner.stop.load(Ordering::SeqCst) {
        match s.read(&mut chunk) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

fn echo(inner: &Inner, id: u64, ws: &mut WebSocket<Box<dyn Stream>>) -> GateEnd {
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
