//! A WebSocket server for control-frame and flow-control tests, written on
//! raw frames over std sockets so that nothing answers on its own: it
//! answers pings after a configurable delay (round-trip time tests),
//! records the close frames, pings and messages it receives (close code and
//! reason tests, receipts), and can stop reading and resume (the client's
//! writes back up: watermark and overflow tests). Used by the
//! `mywsclient-control-server` binary (C and C++ tests) and, through
//! `#[path]`, by the integration tests. Needs `super::sock`.
//!
//! This file holds the configuration, the record and the server's handle;
//! `conn` a connection's thread (handshake, frames, delayed pongs), `wire`
//! reading and writing frames, `sockopt` the receive buffer size.

mod conn;
mod sockopt;
mod wire;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::sock;
use conn::serve;
use sockopt::set_recv_buffer;

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
