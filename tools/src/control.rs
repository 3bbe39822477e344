//! A WebSocket server for control-frame and flow-control tests, written on
//! raw frames over std sockets so that nothing answers on its own: it
//! answers pings after a configurable delay (round-trip time tests),
//! records the close frames, pings and messages it receives (close code and
//! reason tests, receipts), and can stop reading and resume (the client's
//! writes back up: watermark and overflow tests). Used by the
//! `mywsclient-control-server` binary (C and C++ tests) and, through
//! `#[path]`, by the integration tests. Needs `super::sock`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::handshake::derive_accept_key;

use super::sock;

/// Largest message the server accepts.
pub const MAX_MESSAGE: usize = 64 << 20;
/// Blocked reads and paused connections look at their flags this often.
const TICK: Duration = Duration::from_millis(20);

/// Receives one line per thing that happens (the binary prints them).
pub type Reporter = Arc<dyn Fn(&str) + Send + Sync>;

/// How the server behaves; every field can also be changed while it runs.
#[derive(Clone, Default)]
pub struct ControlConfig {
    /// Answer each ping this long after it arrived (0: at once).
    pub pong_delay: Duration,
    /// Echo text and binary messages back (else only record them).
    pub echo: bool,
    /// Start with reading paused: after the handshake, nothing is read until
    /// `resume_reading`.
    pub paused: bool,
    /// `SO_RCVBUF` of the accepted sockets (None: the system's, autotuned):
    /// small makes a client's writes back up after few bytes.
    pub recv_buffer: Option<usize>,
    /// Called with a line for each event: `OPEN <n>`, `MSG <len> <text|binary>`,
    /// `PING <len>`, `PONG <len>`, `CLOSE <code> <reason>`, `END <n>`.
    pub reporter: Option<Reporter>,
}

/// What the server saw, all connections together.
#[derive(Clone, Debug, Default)]
pub struct ControlRecord {
    /// Handshakes completed.
    pub opened: usize,
    /// Connections ended (EOF, error, close, kill).
    pub ended: usize,
    /// Text (false) and binary (true) messages, in arrival order.
    pub messages: Vec<(Vec<u8>, bool)>,
    /// Payloads of the pings received.
    pub pings: Vec<Vec<u8>>,
    /// Pongs the server sent.
    pub pongs_sent: usize,
    /// Close frames received from clients: code (1005 when the frame had
    /// none) and reason.
    pub closes: Vec<(u16, String)>,
    /// Payload bytes of the messages received.
    pub bytes: u64,
}

struct Conn {
    sock: TcpStream,
    writer: Mutex<TcpStream>,
}

struct Inner {
    cfg: Mutex<ControlConfig>,
    paused: AtomicBool,
    stop: AtomicBool,
    record: Mutex<ControlRecord>,
    changed: Condvar,
    conns: Mutex<Vec<(u64, Arc<Conn>)>>,
    next_id: AtomicU64,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    fn report(&self, line: impl FnOnce() -> String) {
        let r = lock(&self.cfg).reporter.clone();
        if let Some(r) = r {
            r(&line());
        }
    }

    fn update(&self, f: impl FnOnce(&mut ControlRecord)) {
        f(&mut lock(&self.record));
        self.changed.notify_all();
    }

    fn spawn(self: &Arc<Self>, name: &str, f: impl FnOnce() + Send + 'static) {
        if let Ok(t) = std::thread::Builder::new().name(name.into()).spawn(f) {
            let mut threads = lock(&self.threads);
            threads.retain(|t| !t.is_finished());
            threads.push(t);
        }
    }
}

/// A running server on 127.0.0.1. Dropping it stops it (connections are
/// reset) and joins its threads.
pub struct ControlServer {
    addr: SocketAddr,
    inner: Arc<Inner>,
    acceptor: Option<JoinHandle<()>>,
}

impl ControlServer {
    /// Listens on `addr` (port 0 picks one).
    pub fn start(addr: SocketAddr, cfg: ControlConfig) -> io::Result<ControlServer> {
        let listener = TcpListener::bind(addr)?;
        if let Some(n) = cfg.recv_buffer {
            // Accepted sockets inherit it (and skip receive autotuning).
            set_recv_buffer(&listener, n)?;
        }
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            paused: AtomicBool::new(cfg.paused),
            cfg: Mutex::new(cfg),
            stop: AtomicBool::new(false),
            record: Mutex::new(ControlRecord::default()),
            changed: Condvar::new(),
            conns: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(0),
            threads: Mutex::new(Vec::new()),
        });
        let i = inner.clone();
        let acceptor = std::thread::Builder::new()
            .name("control-accept".into())
            .spawn(move || {
                for s in listener.incoming() {
                    if i.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(s) = s else {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let ii = i.clone();
                    i.spawn("control-conn", move || serve(ii, s));
                }
            })?;
        Ok(ControlServer {
            addr,
            inner,
            acceptor: Some(acceptor),
        })
    }

    /// A server on 127.0.0.1 with `cfg`.
    pub fn local(cfg: ControlConfig) -> io::Result<ControlServer> {
        ControlServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port())
    }

    /// Pings arriving from now on are answered after `d`.
    pub fn set_pong_delay(&self, d: Duration) {
        lock(&self.inner.cfg).pong_delay = d;
    }

    /// Stops reading every connection (also those opened later): the
    /// client's bytes pile up in the socket buffers, then in its queue.
    pub fn pause_reading(&self) {
        self.inner.paused.store(true, Ordering::SeqCst);
    }

    /// Reads again.
    pub fn resume_reading(&self) {
        self.inner.paused.store(false, Ordering::SeqCst);
        self.inner.changed.notify_all();
    }

    /// Resets every open connection (TCP RST): a cut.
    pub fn kill_all(&self) {
        for (_, c) in lock(&self.inner.conns).iter() {
            sock::abort(&c.sock);
        }
    }

    /// A copy of what the server saw so far.
    pub fn record(&self) -> ControlRecord {
        lock(&self.inner.record).clone()
    }

    /// Connections open now.
    pub fn active(&self) -> usize {
        lock(&self.inner.conns).len()
    }

    /// Waits until `f` holds for the record, or `timeout` passes; returns
    /// whether it held.
    pub fn wait(&self, timeout: Duration, mut f: impl FnMut(&ControlRecord) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut r = lock(&self.inner.record);
        loop {
            if f(&r) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            r = self
                .inner
                .changed
                .wait_timeout(r, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.inner.changed.notify_all();
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        self.kill_all();
        // Connection threads spawn pong threads: join until none is left.
        for _ in 0..100 {
            let threads = std::mem::take(&mut *lock(&self.inner.threads));
            if threads.is_empty() {
                break;
            }
            for t in threads {
                let _ = t.join();
            }
        }
    }
}

/// `SO_RCVBUF` on a socket (std has no setter).
fn set_recv_buffer(l: &TcpListener, bytes: usize) -> io::Result<()> {
    let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: `l` owns a live socket for the duration of the call; the value
    // points to a live c_int whose exact size is passed.
    let rc = unsafe {
        libc::setsockopt(
            l.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &v as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Reads a connection in whole units, never while paused, giving up when
/// the server stops.
struct Reader<'a> {
    inner: &'a Inner,
    s: TcpStream,
    buf: Vec<u8>,
    /// Pausing applies only after the handshake.
    pausable: bool,
}

impl Reader<'_> {
    /// Ensures `n` bytes are buffered; false on EOF, error or stop.
    fn fill(&mut self, n: usize) -> bool {
        let mut chunk = [0u8; 16 << 10];
        while self.buf.len() < n {
            if self.inner.stop.load(Ordering::SeqCst) {
                return false;
            }
            if self.pausable && self.inner.paused.load(Ordering::SeqCst) {
                let r = lock(&self.inner.record);
                let _ = self.inner.changed.wait_timeout(r, TICK);
                continue;
            }
            match self.s.read(&mut chunk) {
                Ok(0) => return false,
                Ok(k) => self.buf.extend_from_slice(&chunk[..k]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return false,
            }
        }
        true
    }

    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        if !self.fill(n) {
            return None;
        }
        let rest = self.buf.split_off(n);
        Some(std::mem::replace(&mut self.buf, rest))
    }

    /// The HTTP request up to its blank line (at most 64 KiB).
    fn request(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = self.take(end + 4)?;
                return String::from_utf8(head).ok();
            }
            if self.buf.len() > 64 << 10 || !self.fill(self.buf.len() + 1) {
                return None;
            }
        }
    }

    /// One frame: (FIN, opcode, unmasked payload).
    fn frame(&mut self) -> Option<(bool, u8, Vec<u8>)> {
        let h = self.take(2)?;
        let len = match h[1] & 0x7f {
            126 => u16::from_be_bytes(self.take(2)?.try_into().ok()?) as usize,
            127 => usize::try_from(u64::from_be_bytes(self.take(8)?.try_into().ok()?)).ok()?,
            n => n as usize,
        };
        if len > MAX_MESSAGE {
            return None;
        }
        let mask = if h[1] & 0x80 != 0 {
            self.take(4)?
        } else {
            vec![0; 4]
        };
        let mut payload = self.take(len)?;
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        Some((h[0] & 0x80 != 0, h[0] & 0x0f, payload))
    }
}

/// A server frame (unmasked).
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | opcode];
    let len = payload.len();
    if len < 126 {
        f.push(len as u8);
    } else if len <= u16::MAX as usize {
        f.push(126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(127);
        f.extend_from_slice(&(len as u64).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

fn header<'a>(req: &'a str, name: &str) -> Option<&'a str> {
    req.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn serve(inner: Arc<Inner>, s: TcpStream) {
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
