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
//!
//! This file holds the server's handle and state; `conn` a connection's
//! thread (request, answer, echo), `http` reading and parsing the request,
//! reason phrases and the wait after a refusal, `routes` the answer for
//! each path, `websocket` the echo after a 101.

mod conn;
mod http;
mod routes;
mod websocket;

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::ServerConfig;

use conn::accept_loop;

/// Connection threads wake this often to look for orders and the stop flag.
const TICK: Duration = Duration::from_millis(50);

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

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

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
