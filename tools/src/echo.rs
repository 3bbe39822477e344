//! A WebSocket echo server (tungstenite over blocking std sockets, one
//! thread per connection, optional rustls), fast enough to benchmark against:
//! replies are buffered and written with one system call once every message
//! that has already arrived is handled. Used by the `mywsclient-echo-server`
//! binary and, through `#[path]`, by the integration tests, which also use
//! its controls: stop / restart on the same port, close every connection
//! with a code and reason, reset them, count them, record what arrived.
//! Needs `super::sock`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::HandshakeError;
use tungstenite::{Message, WebSocket};

use super::sock;

/// Largest message the server accepts and echoes.
pub const MAX_MESSAGE: usize = 256 << 20;
/// Replies are written out at the latest when this much is buffered.
const OUT_FLUSH_AT: usize = 1 << 20;
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

#[derive(Clone, Debug)]
enum Action {
    Close(u16, String),
    Kill,
}

struct ConnCtl {
    sock: TcpStream,
    action: Mutex<Option<Action>>,
    flagged: AtomicBool,
}

impl ConnCtl {
    fn order(&self, a: Action) {
        let kill = matches!(a, Action::Kill);
        *lock(&self.action) = Some(a);
        self.flagged.store(true, Ordering::SeqCst);
        if kill {
            sock::abort(&self.sock);
        }
        // A close is sent by the connection's thread, which checks the flag
        // at least every CONTROL_TICK.
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

fn spawn_acceptors(inner: &Arc<Inner>, listener: TcpListener) -> io::Result<()> {
    let mut l = lock(&inner.listening);
    for _ in 0..inner.cfg.acceptors.max(1) {
        let listener = listener.try_clone()?;
        let i = inner.clone();
        l.acceptors.push(
            std::thread::Builder::new()
                .name("echo-accept".into())
                .spawn(move || accept_loop(i, listener))?,
        );
    }
    Ok(())
}

fn wake_acceptor(addr: SocketAddr) {
    let mut a = addr;
    if a.ip().is_unspecified() {
        a.set_ip(if a.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let _ = TcpStream::connect_timeout(&a, Duration::from_secs(1));
}

fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    for conn in listener.incoming() {
        if lock(&inner.listening).stopped {
            return;
        }
        match conn {
            Ok(s) => {
                inner.accepted.fetch_add(1, Ordering::SeqCst);
                let i = inner.clone();
                let spawned = std::thread::Builder::new()
                    .name("echo-conn".into())
                    .stack_size(512 << 10)
                    .spawn(move || serve(i, s));
                if let Err(e) = spawned {
                    eprintln!("echo server: cannot start a connection thread: {e}");
                }
            }
            // Out of fds or similar: do not spin.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// A stream whose writes are buffered until the server would block reading:
/// every reply to what already arrived goes out in one write.
struct Batched<S> {
    inner: S,
    out: Vec<u8>,
}

trait HasSocket {
    fn socket(&self) -> &TcpStream;
}

impl HasSocket for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

impl HasSocket for StreamOwned<ServerConnection, TcpStream> {
    fn socket(&self) -> &TcpStream {
        &self.sock
    }
}

impl<S: Read + Write + HasSocket> Batched<S> {
    fn flush_out(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.inner.write_all(&self.out)?;
            self.out.clear();
            if self.out.capacity() > 4 * OUT_FLUSH_AT {
                self.out.shrink_to(OUT_FLUSH_AT);
            }
        }
        self.inner.flush()
    }
}

impl<S: Read + Write + HasSocket> Read for Batched<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.out.is_empty() {
            // Anything more to read right now? If not, send the replies first.
            self.inner.socket().set_nonblocking(true)?;
            let r = self.inner.read(buf);
            self.inner.socket().set_nonblocking(false)?;
            match r {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.flush_out()?,
                other => return other,
            }
        }
        self.inner.read(buf)
    }
}

impl<S: Read + Write + HasSocket> Write for Batched<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.extend_from_slice(buf);
        if self.out.len() >= OUT_FLUSH_AT {
            self.flush_out()?;
        }
        Ok(buf.len())
    }

    /// Deferred: the buffer goes out when a read would block (or on close).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn serve(inner: Arc<Inner>, s: TcpStream) {
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

/// Selects `want` in `resp` when the client offered it.
pub(crate) fn pick_subprotocol(want: Option<&str>, req: &Request, resp: &mut Response) {
    let Some(want) = want else { return };
    let offered = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == want);
    if offered {
        if let Ok(v) = want.parse() {
            resp.headers_mut().insert("sec-websocket-protocol", v);
        }
    }
}

pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .write_buffer_size(0)
        .max_write_buffer_size(usize::MAX)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
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
