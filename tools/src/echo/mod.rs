//! A WebSocket echo server (tungstenite over blocking std sockets, one
//! thread per connection, optional rustls), fast enough to benchmark against:
//! replies are buffered and written with one system call once every message
//! that has already arrived is handled. Used by the `mywsclient-echo-server`
//! binary and, through `#[path]`, by the integration tests, which also use
//! its controls: stop / restart on the same port, close every connection
//! with a code and reason, reset them, count them, record what arrived.
//! Needs `super::sock`.
//!
//! This file holds the configuration, the record and the server's handle;
//! `accept` the listening threads, `conn` a connection's thread, `ctl` the
//! orders a test gives a connection, `batched` the buffered stream, and
//! `protocol` the WebSocket settings shared with the event-loop server.

mod accept;
mod batched;
mod conn;
mod ctl;
mod protocol;

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::ServerConfig;

use super::sock;
use accept::{spawn_acceptors, wake_acceptor};
use ctl::{Action, ConnCtl};
pub(crate) use protocol::{pick_subprotocol, ws_config};

/// Largest message the server accepts and echoes.
pub const MAX_MESSAGE: usize = 256 << 20;
/// With controls, connection threads wake this often to look for commands.
const CONTROL_TICK: Duration = Duration::from_millis(50);

/// How a server behaves.
#[derive(Clone)]
pub struct EchoConfig {
    /// Serve wss:// with this configuration.
    pub tls: Option<Arc<ServerConfig>>,
    /// Select this subprotocol when a client offers it.
    pub subprotocol: Option<String>,
    /// Keep per-connection controls (one extra fd per connection) and record
    /// requests, received messages and how connections ended. Tests want it;
    /// the benchmark binary does not.
    pub controls: bool,
    /// Number of threads accepting connections.
    pub acceptors: usize,
}

impl Default for EchoConfig {
    fn default() -> Self {
        EchoConfig {
            tls: None,
            subprotocol: None,
            controls: true,
            acceptors: 1,
        }
    }
}

/// How a connection ended, as seen by the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnEnd {
    /// The client sent a close frame (code, reason).
    ClientClose(u16, String),
    /// The server closed it on command (code).
    ServerClose(u16),
    /// The server reset it on command or on stop.
    Killed,
    /// EOF or an error without a close frame; the text says which.
    Abnormal(String),
    /// The TLS or WebSocket handshake failed.
    HandshakeFailed(String),
}

/// A request line and headers as the server received them.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// TLS server name indication, if any.
    pub sni: Option<String>,
}

impl SeenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What tests look at.
#[derive(Default)]
pub struct Record {
    pub requests: Vec<SeenRequest>,
    /// Text (false) and binary (true) messages received, all connections.
    pub messages: Vec<(Vec<u8>, bool)>,
    pub ends: Vec<ConnEnd>,
}

#[derive(Default)]
struct Listening {
    stopped: bool,
    acceptors: Vec<JoinHandle<()>>,
}

struct Inner {
    cfg: EchoConfig,
    addr: SocketAddr,
    accepted: AtomicU64,
    opened: AtomicU64,
    /// TLS handshakes completed: in full, resumed.
    tls_full: AtomicU64,
    tls_resumed: AtomicU64,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<ConnCtl>>>,
    close_on_open: Mutex<Option<(u16, String)>>,
    record: Mutex<Record>,
    changed: Condvar,
    listening: Mutex<Listening>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running echo server. Dropping it stops it.
pub struct EchoServer {
    inner: Arc<Inner>,
}

impl EchoServer {
    /// Listens on `addr` (port 0 picks one).
    pub fn start(addr: SocketAddr, cfg: EchoConfig) -> io::Result<EchoServer> {
        let listener = TcpListener::bind(addr)?;
        sock::deepen_backlog(&listener);
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            cfg,
            addr,
            accepted: AtomicU64::new(0),
            opened: AtomicU64::new(0),
            tls_full: AtomicU64::new(0),
            tls_resumed: AtomicU64::new(0),
            next_id: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
            close_on_open: Mutex::new(None),
            record: Mutex::new(Record::default()),
            changed: Condvar::new(),
            listening: Mutex::new(Listening::default()),
        });
        spawn_acceptors(&inner, listener)?;
        Ok(EchoServer { inner })
    }

    /// A plain ws:// server on 127.0.0.1 with controls.
    pub fn local() -> io::Result<EchoServer> {
        EchoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), EchoConfig::default())
    }

    pub fn port(&self) -> u16 {
        self.inner.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// TCP connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.inner.accepted.load(Ordering::SeqCst)
    }

    /// WebSocket handshakes completed so far.
    pub fn opened(&self) -> u64 {
        self.inner.opened.load(Ordering::SeqCst)
    }

    /// TLS handshakes (of connections whose WebSocket handshake completed)
    /// that went in full, with the certificate and a signature.
    pub fn tls_full(&self) -> u64 {
        self.inner.tls_full.load(Ordering::SeqCst)
    }

    /// TLS handshakes that resumed a session the server issued earlier.
    pub fn tls_resumed(&self) -> u64 {
        self.inner.tls_resumed.load(Ordering::SeqCst)
    }

    /// Connections currently open.
    pub fn active(&self) -> usize {
        lock(&self.inner.conns).len()
    }

    /// Runs `f` on the record (requests, messages, ends).
    pub fn with_record<T>(&self, f: impl FnOnce(&Record) -> T) -> T {
        f(&lock(&self.inner.record))
    }

    /// Waits until `f` holds for the record and counters, or `timeout` passes.
    pub fn wait(&self, timeout: Duration, mut f: impl FnMut(&EchoServer, &Record) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut r = lock(&self.inner.record);
        loop {
            if f(self, &r) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            // Bounded wait: counters change without the lock held.
            r = self
                .inner
                .changed
                .wait_timeout(r, (deadline - now).min(Duration::from_millis(50)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Waits until `n` handshakes completed in all.
    pub fn wait_opened(&self, n: u64, timeout: Duration) -> bool {
        self.wait(timeout, |s, _| s.opened() >= n)
    }

    /// New connections are closed right after their handshake with this
    /// code and reason (None: echo normally).
    pub fn set_close_on_open(&self, close: Option<(u16, &str)>) {
        *lock(&self.inner.close_on_open) = close.map(|(c, r)| (c, r.to_string()));
    }

    /// Sends a close frame with `code` and `reason` on every open connection.
    pub fn close_all(&self, code: u16, reason: &str) {
        for c in lock(&self.inner.conns).values() {
            c.order(Action::Close(code, reason.to_string()));
        }
    }

    /// Resets every open connection (RST).
    pub fn kill_all(&self) {
        for c in lock(&self.inner.conns).values() {
            c.order(Action::Kill);
        }
    }

    /// Stops listening (connects are refused) and resets every connection.
    pub fn stop(&self) {
        let acceptors = {
            let mut l = lock(&self.inner.listening);
            l.stopped = true;
            std::mem::take(&mut l.acceptors)
        };
        for _ in &acceptors {
            wake_acceptor(self.inner.addr);
        }
        for t in acceptors {
            let _ = t.join();
        }
        self.kill_all();
        // Bounded wait for the connection threads to notice.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.active() > 0 && Instant::now() < deadline {
            let r = lock(&self.inner.record);
            let _ = self
                .inner
                .changed
                .wait_timeout(r, Duration::from_millis(20));
        }
    }

    /// Listens again on the same port after `stop`.
    pub fn restart(&self) -> io::Result<()> {
        if !lock(&self.inner.listening).stopped {
            return Ok(());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(self.inner.addr) {
                Ok(l) => {
                    sock::deepen_backlog(&l);
                    break l;
                }
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => return Err(e),
            }
        };
        lock(&self.inner.listening).stopped = false;
        spawn_acceptors(&self.inner, listener)
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.stop();
    }
}
