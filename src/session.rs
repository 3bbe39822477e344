//! The I/O thread: a state machine driven by socket readiness, timers and
//! commands (send, stop), blocked in `poll(2)` whenever it has nothing to do.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tungstenite::error::{CapacityError, ProtocolError};
use tungstenite::protocol::frame::coding::{CloseCode, Data as OpData, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
use tungstenite::protocol::{Role, WebSocketConfig, WebSocketContext};
use tungstenite::{Bytes, Message};

use crate::backoff::Backoff;
use crate::client::{lock, Outgoing, Shared};
use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::event::{CloseInitiator, Event, State};
use crate::handshake;
use crate::heartbeat::{self, Heartbeat};
use crate::log::Logger;
use crate::sys;
use crate::tls;
use crate::transport::Transport;

/// Frames are moved into the output buffer until it holds this much; more
/// waits in the queue (so a server that stops reading cannot grow memory
/// past the queue limit).
const OUT_HIGH_WATER: usize = 256 * 1024;
/// Bytes asked of the socket per read once connected.
const READ_CHUNK: usize = 16 * 1024;
/// Messages read in one pass before the loop looks at timers and sends.
const READ_BATCH: usize = 1024;

/// What a session waits for: its socket (fd, also for writing?), its next
/// timer, or nothing at all (`immediate`). `generation` changes with every
/// new socket, so a driver can tell a reused fd number from the old one.
pub(crate) struct Wait {
    pub fd: Option<(RawFd, bool)>,
    pub deadline: Option<Instant>,
    pub immediate: bool,
    pub generation: u64,
}

pub(crate) fn logger(cfg: &Config) -> Logger {
    Logger::new(cfg.log_level, cfg.log_sink.clone())
}

/// The bytes on their way to the transport, with running totals so that each
/// message can be marked written once all of its bytes reached the kernel.
#[derive(Default)]
struct OutBuf {
    buf: Vec<u8>,
    pos: usize,
    /// Bytes ever appended.
    appended: u64,
}

impl OutBuf {
    fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn len(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if self.buf.capacity() > 4 << 20 {
                self.buf.shrink_to(256 << 10);
            }
        } else if self.pos > (1 << 20) && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }
}

/// A connection: the transport, the bytes going out, and what they carry.
struct Conn {
    t: Transport,
    out: OutBuf,
    /// Bytes handed to the transport, and those known to be in the kernel.
    accepted: u64,
    confirmed: u64,
    /// Messages in `out` (or the TLS layer), with the offset of their end.
    inflight: VecDeque<(u64, Outgoing)>,
    /// Something arrived during the last read pass.
    got_data: bool,
    /// A plain socket returned less than asked during this read pass: it is
    /// drained, and another read would only fail with EAGAIN.
    drained: bool,
}

impl Conn {
    fn new(t: Transport) -> Conn {
        Conn {
            t,
            out: OutBuf::default(),
            accepted: 0,
            confirmed: 0,
            inflight: VecDeque::new(),
            got_data: false,
            drained: false,
        }
    }

    fn wants_write(&self) -> bool {
        self.out.len() > 0 || self.t.wants_write()
    }

    /// Writes what the socket takes now.
    fn pump(&mut self) -> io::Result<()> {
        while self.out.len() > 0 {
            let n = self.t.write(self.out.pending())?;
            if n == 0 {
                break;
            }
            self.out.consume(n);
            self.accepted += n as u64;
        }
        self.t.flush()?;
        if self.t.all_sent() {
            self.confirmed = self.accepted;
        }
        Ok(())
    }
}

/// tungstenite's view of a connection: reads come from the transport, writes
/// go to our output buffer (never blocking; we flush it ourselves).
struct Io<'a> {
    t: &'a mut Transport,
    out: &'a mut OutBuf,
    got_data: &'a mut bool,
    drained: &'a mut bool,
}

impl Read for Io<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if *self.drained {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = self.t.read(buf)?;
        if n > 0 {
            *self.got_data = true;
            // A short read from a TCP socket took all there was (TLS may
            // still hold decrypted data, so only for plain sockets).
            *self.drained = n < buf.len() && matches!(self.t, Transport::Plain(_));
        }
        Ok(n)
    }
}

impl Write for Io<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.buf.extend_from_slice(buf);
        self.out.appended += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn io_of(c: &mut Conn) -> Io<'_> {
    Io {
        t: &mut c.t,
        out: &mut c.out,
        got_data: &mut c.got_data,
        drained: &mut c.drained,
    }
}

enum Phase {
    /// Waiting for the backoff delay.
    Waiting { until: Instant },
    /// DNS lookup on a helper thread.
    Resolving {
        rx: Receiver<io::Result<Vec<SocketAddr>>>,
        deadline: Instant,
    },
    /// TCP connect in progress.
    Connecting {
        sock: TcpStream,
        addr: SocketAddr,
        rest: Vec<SocketAddr>,
        deadline: Instant,
    },
    /// TLS and HTTP upgrade in progress.
    Handshaking {
        conn: Conn,
        key: String,
        buf: Vec<u8>,
        deadline: Instant,
    },
    /// Connected.
    Open {
        conn: Conn,
        ctx: Box<WebSocketContext>,
        hb: Heartbeat,
        opened: Instant,
    },
    /// A close frame went out or came in; waiting for the end of the stream.
    Closing {
        conn: Conn,
        ctx: Box<WebSocketContext>,
        close: Closing,
    },
    /// The thread is about to exit.
    Done,
}

/// How a closing connection got there.
#[derive(Clone, Copy)]
struct Closing {
    deadline: Instant,
    /// How long the connection was open before the close began.
    healthy: Duration,
    /// The server sent its close frame first (and we replied).
    by_peer: bool,
}

pub(crate) struct Session {
    sh: Arc<Shared>,
    cfg: Config,
    log: Logger,
    tls: Option<Arc<ClientConfig>>,
    backoff: Backoff,
    phase: Phase,
    /// Messages taken off the channel (or carried over) and not yet in a connection.
    pending: VecDeque<Outgoing>,
    /// Attempt number since the last healthy connection (for events).
    attempt: u32,
    /// Data may be buffered inside tungstenite or rustls: read again without waiting.
    read_more: bool,
    stopping: bool,
    tls_warned: bool,
    /// Counts sockets created (see [`Wait::generation`]).
    generation: u64,
}

/// The reason tungstenite gives when it replaced a close code that is not
/// allowed with 1002.
const INVALID_CLOSE_CODE_REASON: &str = "Protocol violation";

/// The close code with which we fail a connection after a read error, if
/// the error is the server's fault at the WebSocket level (not the socket's).
fn fail_code(e: &tungstenite::Error) -> Option<u16> {
    use tungstenite::Error as E;
    match e {
        E::Utf8(_) => Some(1007),
        E::Capacity(CapacityError::MessageTooLong { .. }) => Some(1009),
        E::Capacity(_) => Some(1002),
        E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        E::Protocol(_) => Some(1002),
        _ => None,
    }
}

/// The body of a client's own I/O thread.
pub(crate) fn run(sh: Arc<Shared>) {
    *lock(&sh.io_thread) = Some(std::thread::current().id());
    Session::new(sh).run();
}

/// Drives a session over an in-memory server: the fuzzing harness's entry
/// point (no socket, no thread). `data[0]` bit 0: synthesize a valid upgrade
/// response first (so the rest is the frame stream); `data[1]`: read chunk size.
#[doc(hidden)]
pub fn fuzz_server_stream(data: &[u8]) {
    let (Some(&mode), Some(&chunk)) = (data.first(), data.get(1)) else {
        return;
    };
    let cfg = Config {
        reconnect: false,
        heartbeat_interval: Duration::ZERO,
        max_message_size: 1 << 20,
        log_level: crate::log::LogLevel::Off,
        subprotocols: vec!["ws".into()],
        ..Config::default()
    };
    let client =
        crate::Client::with_config("ws://127.0.0.1", 9, "/", cfg).expect("valid fuzz config");
    client
        .set_message_handler(|d, _| assert!(d.len() <= 1 << 20))
        .expect("not running");
    let mut s = Session::new(client.shared());
    let stream = crate::transport::MemoryStream {
        input: data[2..].to_vec(),
        pos: 0,
        chunk: chunk as usize + 1,
        written: Vec::new(),
        synthesize_handshake: mode & 1 == 1,
    };
    let now = Instant::now();
    let mut conn = Conn::new(Transport::Memory(stream));
    let req = handshake::build_request(&s.sh.endpoint, &s.cfg);
    conn.out.buf.extend_from_slice(&req.bytes);
    conn.out.appended += req.bytes.len() as u64;
    s.step_handshake(
        now,
        conn,
        req.key,
        Vec::new(),
        now + Duration::from_secs(10),
    );
    for _ in 0..100_000 {
        if matches!(s.phase, Phase::Done | Phase::Waiting { .. }) {
            break;
        }
        s.step(
            now,
            sys::Ready {
                readable: true,
                writable: true,
                error: false,
            },
        );
    }
}

impl Session {
    pub(crate) fn new(sh: Arc<Shared>) -> Session {
        let cfg = lock(&sh.config).clone();
        let log = logger(&cfg);
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let seed = clock ^ (Arc::as_ptr(&sh) as u64) ^ u64::from(std::process::id());
        let backoff = Backoff::new(
            cfg.backoff_initial,
            cfg.backoff_max,
            cfg.backoff_factor,
            cfg.backoff_jitter,
            seed,
        );
        let pending = std::mem::take(&mut *lock(&sh.carry));
        Session {
            sh,
            cfg,
            log,
            tls: None,
            backoff,
            phase: Phase::Done,
            pending,
            attempt: 0,
            read_more: false,
            stopping: false,
            tls_warned: false,
            generation: 0,
        }
    }

    /// Sets up TLS and starts the first attempt (or ends at once when the
    /// TLS configuration cannot be built).
    pub(crate) fn begin(&mut self) {
        if self.sh.endpoint.secure {
            match tls::client_config(&self.cfg.tls) {
                Ok((c, insecure)) => {
                    if insecure {
                        self.log.warn(format_args!(
                            "TLS certificate verification is DISABLED for {} (dangerous; set by {})",
                            self.sh.endpoint.url(),
                            if self.cfg.tls.dangerous_disable_verification { "the client's option" } else { "MYWSCLIENT_TLS_INSECURE=1" }
                        ));
                    }
                    self.tls = Some(c);
                }
                Err(e) => {
                    self.error(e);
                    self.phase = Phase::Done;
                    return;
                }
            }
        }
        self.begin_attempt(Instant::now());
    }

    pub(crate) fn done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.sh
    }

    /// What to wait for next. Arms the send wake-up when the session can
    /// take new messages; `immediate` means: step again without waiting.
    pub(crate) fn prepare(&mut self, now: Instant) -> Wait {
        let (fd, deadline) = self.interest();
        let accepts_sends = self.accepts_sends();
        let stop_pending = self.sh.stop.load(Ordering::SeqCst) && !self.stopping;
        let mut immediate = stop_pending
            || self.read_more
            || (accepts_sends && (!self.sh.rx.is_empty() || !self.pending.is_empty()))
            || deadline.is_some_and(|d| d <= now);
        if !immediate && accepts_sends {
            self.sh.want_wake.store(true, Ordering::SeqCst);
            // A send may have slipped in between the check and the store.
            immediate = !self.sh.rx.is_empty();
        }
        Wait {
            fd,
            deadline,
            immediate,
            generation: self.generation,
        }
    }

    /// One turn of the state machine: honour a stop request, then advance.
    pub(crate) fn turn(&mut self, now: Instant, ready: sys::Ready) {
        self.sh.want_wake.store(false, Ordering::SeqCst);
        if self.sh.stop.load(Ordering::SeqCst) && !self.stopping {
            self.begin_stop(now);
        }
        if !self.done() {
            self.step(now, ready);
        }
    }

    /// The thread-per-client driver: poll(2) on the socket and an eventfd.
    fn run(&mut self) {
        let waker = match sys::Waker::new() {
            Ok(w) => Arc::new(w),
            Err(e) => {
                self.error(Error::new(
                    ErrorKind::Io,
                    format!("cannot create the wake-up fd: {e}"),
                ));
                self.finish();
                return;
            }
        };
        *lock(&self.sh.wake_target) = Some(waker.clone());
        self.begin();
        while !self.done() {
            let now = Instant::now();
            let w = self.prepare(now);
            let timeout = if w.immediate {
                Some(Duration::ZERO)
            } else {
                w.deadline.map(|d| d.saturating_duration_since(now))
            };
            let ready = match sys::poll2(waker.fd(), w.fd, timeout) {
                Ok((woke, ready)) => {
                    if woke {
                        waker.drain();
                    }
                    ready
                }
                Err(e) => {
                    self.log.error(format_args!("poll failed: {e}"));
                    std::thread::sleep(Duration::from_millis(10));
                    sys::Ready::default()
                }
            };
            self.turn(Instant::now(), ready);
        }
        self.finish();
    }

    /// The fd to poll (and whether for writing) and the next timer.
    fn interest(&self) -> (Option<(RawFd, bool)>, Option<Instant>) {
        match &self.phase {
            Phase::Waiting { until } => (None, Some(*until)),
            Phase::Resolving { deadline, .. } => (None, Some(*deadline)),
            Phase::Connecting { sock, deadline, .. } => {
                (Some((sock.as_raw_fd(), true)), Some(*deadline))
            }
            Phase::Handshaking { conn, deadline, .. } => {
                (Some((conn.t.fd(), conn.wants_write())), Some(*deadline))
            }
            Phase::Open { conn, hb, .. } => {
                (Some((conn.t.fd(), conn.wants_write())), hb.deadline())
            }
            Phase::Closing { conn, close, .. } => (
                Some((conn.t.fd(), conn.wants_write())),
                Some(close.deadline),
            ),
            Phase::Done => (None, None),
        }
    }

    fn accepts_sends(&self) -> bool {
        match &self.phase {
            Phase::Open { conn, .. } => !self.stopping && conn.out.len() < OUT_HIGH_WATER,
            _ => false,
        }
    }

    // ----- events and callbacks -----

    fn emit(&self, ev: Event) {
        if self.sh.detached.load(Ordering::SeqCst) {
            return;
        }
        let mut h = lock(&self.sh.handlers);
        if let Some(f) = h.on_event.as_mut() {
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&ev))).is_err() {
                self.log
                    .error(format_args!("the event handler panicked (event {ev:?})"));
            }
        }
    }

    fn deliver(&mut self, data: &[u8], binary: bool) {
        let c = &self.sh.counters;
        c.messages_received.fetch_add(1, Ordering::Relaxed);
        c.bytes_received
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        if self.sh.detached.load(Ordering::SeqCst) {
            return;
        }
        let panicked = {
            let mut h = lock(&self.sh.handlers);
            match h.on_message.as_mut() {
                Some(f) => {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(data, binary)))
                        .is_err()
                }
                None => false,
            }
        };
        if panicked {
            self.error(Error::new(
                ErrorKind::Callback,
                "the message handler panicked",
            ));
        }
    }

    fn error(&self, e: Error) {
        if matches!(e.kind, ErrorKind::TlsVerify) && !self.tls_warned {
            self.log.error(format_args!("{}", e.message));
        } else {
            self.log.warn(format_args!("{}: {}", e.kind, e.message));
        }
        *lock(&self.sh.last_error) = format!("{}: {}", e.kind, e.message);
        self.emit(Event::Error {
            kind: e.kind,
            message: e.message,
        });
    }

    // ----- phases -----

    fn begin_attempt(&mut self, now: Instant) {
        self.attempt += 1;
        self.sh.set_state(State::Connecting);
        self.log.debug(format_args!(
            "connecting to {} (attempt {})",
            self.sh.endpoint.url(),
            self.attempt
        ));
        self.emit(Event::Connecting {
            attempt: self.attempt,
        });
        let ep = &self.sh.endpoint;
        let deadline = now + self.cfg.connect_timeout;
        if let Some(ip) = ep.ip {
            self.connect_to(vec![SocketAddr::new(ip, ep.port)], deadline);
            return;
        }
        // getaddrinfo blocks: run it on a helper thread so that stop and
        // timeouts stay prompt; the helper wakes us when done.
        let (tx, rx) = crossbeam_channel::bounded(1);
        let host = ep.host.clone();
        let port = ep.port;
        let sh = self.sh.clone();
        let spawned = std::thread::Builder::new()
            .name("mywsclient-dns".into())
            .spawn(move || {
                let r = (host.as_str(), port)
                    .to_socket_addrs()
                    .map(|a| a.collect::<Vec<_>>());
                let _ = tx.send(r);
                sh.wake();
            });
        match spawned {
            Ok(_) => self.phase = Phase::Resolving { rx, deadline },
            Err(e) => self.fail(
                now,
                Error::new(
                    ErrorKind::Dns,
                    format!("cannot start the resolver thread: {e}"),
                ),
            ),
        }
    }

    fn connect_to(&mut self, mut addrs: Vec<SocketAddr>, deadline: Instant) {
        // Prefer IPv4 loopback/any order as given by the resolver.
        let mut last_err = None;
        while !addrs.is_empty() {
            let addr = addrs.remove(0);
            match sys::connect_nonblocking(&addr) {
                Ok(sock) => {
                    self.generation += 1;
                    self.phase = Phase::Connecting {
                        sock,
                        addr,
                        rest: addrs,
                        deadline,
                    };
                    return;
                }
                Err(e) => last_err = Some(format!("connect to {addr}: {e}")),
            }
        }
        let msg =
            last_err.unwrap_or_else(|| format!("{} resolved to no address", self.sh.endpoint.host));
        self.fail(Instant::now(), Error::new(ErrorKind::Connect, msg));
    }

    fn step(&mut self, now: Instant, ready: sys::Ready) {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Waiting { until } => {
                if now >= until {
                    self.begin_attempt(now);
                } else {
                    self.phase = Phase::Waiting { until };
                }
            }
            Phase::Resolving { rx, deadline } => match rx.try_recv() {
                Ok(Ok(addrs)) => self.connect_to(addrs, deadline),
                Ok(Err(e)) => self.fail(
                    now,
                    Error::new(
                        ErrorKind::Dns,
                        format!("cannot resolve {}: {e}", self.sh.endpoint.host),
                    ),
                ),
                Err(TryRecvError::Empty) if now >= deadline => self.fail(
                    now,
                    Error::new(
                        ErrorKind::ConnectTimeout,
                        format!(
                            "resolving {} took longer than {:?}",
                            self.sh.endpoint.host, self.cfg.connect_timeout
                        ),
                    ),
                ),
                Err(TryRecvError::Empty) => self.phase = Phase::Resolving { rx, deadline },
                Err(TryRecvError::Disconnected) => {
                    self.fail(now, Error::new(ErrorKind::Dns, "the resolver thread died"))
                }
            },
            Phase::Connecting {
                sock,
                addr,
                rest,
                deadline,
            } => {
                if ready.writable || ready.error {
                    match sys::take_connect_error(&sock) {
                        Ok(()) => self.connected(now, sock),
                        Err(e) if !rest.is_empty() => {
                            self.log.debug(format_args!(
                                "connect to {addr}: {e}; trying the next address"
                            ));
                            self.connect_to(rest, deadline);
                        }
                        Err(e) => self.fail(
                            now,
                            Error::new(ErrorKind::Connect, format!("connect to {addr}: {e}")),
                        ),
                    }
                } else if now >= deadline {
                    self.fail(
                        now,
                        Error::new(
                            ErrorKind::ConnectTimeout,
                            format!(
                                "connect to {addr} took longer than {:?}",
                                self.cfg.connect_timeout
                            ),
                        ),
                    );
                } else {
                    self.phase = Phase::Connecting {
                        sock,
                        addr,
                        rest,
                        deadline,
                    };
                }
            }
            Phase::Handshaking {
                conn,
                key,
                buf,
                deadline,
            } => self.step_handshake(now, conn, key, buf, deadline),
            Phase::Open {
                conn,
                ctx,
                hb,
                opened,
            } => self.step_open(now, ready, conn, ctx, hb, opened),
            Phase::Closing { conn, ctx, close } => self.step_closing(now, conn, ctx, close),
            Phase::Done => {}
        }
    }

    fn connected(&mut self, now: Instant, sock: TcpStream) {
        let keepalive = self.cfg.heartbeat_interval.max(Duration::from_secs(5));
        let user_timeout =
            (self.cfg.heartbeat_interval + self.cfg.heartbeat_timeout).max(Duration::from_secs(10));
        if let Err(e) = sys::tune_socket(&sock, keepalive, user_timeout) {
            self.log.debug(format_args!("socket options: {e}"));
        }
        let ep = &self.sh.endpoint;
        let t = match &self.tls {
            None => Transport::Plain(sock),
            Some(cfg) => {
                let name = match ep.ip {
                    Some(ip) => ServerName::IpAddress(ip.into()),
                    None => match ServerName::try_from(ep.host.clone()) {
                        Ok(n) => n,
                        Err(e) => {
                            return self.fail(
                                now,
                                Error::new(
                                    ErrorKind::InvalidArgument,
                                    format!("{} is not a valid TLS server name: {e}", ep.host),
                                ),
                            )
                        }
                    },
                };
                match rustls::ClientConnection::new(cfg.clone(), name) {
                    Ok(c) => Transport::Tls {
                        tls: Box::new(c),
                        sock,
                        error: None,
                    },
                    Err(e) => return self.fail(now, tls::map_tls_error(&ep.host, &e)),
                }
            }
        };
        let mut conn = Conn::new(t);
        let req = handshake::build_request(ep, &self.cfg);
        conn.out.buf.extend_from_slice(&req.bytes);
        conn.out.appended += req.bytes.len() as u64;
        let deadline = now + self.cfg.handshake_timeout;
        self.step_handshake(now, conn, req.key, Vec::new(), deadline);
    }

    fn io_error(&self, conn: &Conn, what: &str, e: io::Error) -> Error {
        if let Some(te) = conn.t.tls_error() {
            return tls::map_tls_error(&self.sh.endpoint.host, te);
        }
        Error::new(
            ErrorKind::Io,
            format!("{what} {}: {e}", self.sh.endpoint.url()),
        )
    }

    fn step_handshake(
        &mut self,
        now: Instant,
        mut conn: Conn,
        key: String,
        mut buf: Vec<u8>,
        deadline: Instant,
    ) {
        if let Err(e) = conn.pump() {
            let err = self.io_error(&conn, "writing the handshake to", e);
            return self.fail(now, err);
        }
        let mut chunk = [0u8; 4096];
        loop {
            match conn.t.read(&mut chunk) {
                Ok(0) => {
                    return self.fail(
                        now,
                        Error::new(
                            ErrorKind::Handshake,
                            format!(
                                "{} closed the connection during the handshake",
                                self.sh.endpoint.url()
                            ),
                        ),
                    )
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    let err = self.io_error(&conn, "reading the handshake from", e);
                    return self.fail(now, err);
                }
            }
            match handshake::parse_response(&buf, &key, &self.cfg.subprotocols) {
                Ok(None) => continue,
                Ok(Some(acc)) => {
                    let rest = buf.split_off(acc.consumed);
                    return self.opened(now, conn, rest, acc.protocol);
                }
                Err(e) => return self.fail(now, e),
            }
        }
        if now >= deadline {
            let msg = format!(
                "the TLS/WebSocket handshake with {} took longer than {:?}",
                self.sh.endpoint.url(),
                self.cfg.handshake_timeout
            );
            return self.fail(now, Error::new(ErrorKind::HandshakeTimeout, msg));
        }
        // Flush TLS handshake records produced by the reads.
        if let Err(e) = conn.pump() {
            let err = self.io_error(&conn, "writing the handshake to", e);
            return self.fail(now, err);
        }
        self.phase = Phase::Handshaking {
            conn,
            key,
            buf,
            deadline,
        };
    }

    fn opened(&mut self, now: Instant, conn: Conn, rest: Vec<u8>, protocol: Option<String>) {
        // tungstenite zero-fills up to `read_buffer_size` bytes before every
        // read and keeps them for the connection's life: 16 KiB (not its
        // 128 KiB default) keeps small reads cheap and a client small.
        let ws_cfg = WebSocketConfig::default()
            .read_buffer_size(READ_CHUNK)
            .write_buffer_size(0)
            .max_message_size(Some(self.cfg.max_message_size))
            .max_frame_size(Some(self.cfg.max_message_size));
        let ctx = Box::new(WebSocketContext::from_partially_read(
            rest,
            Role::Client,
            Some(ws_cfg),
        ));
        let c = &self.sh.counters;
        c.connections.fetch_add(1, Ordering::SeqCst);
        self.sh.set_state(State::Open);
        self.log.info(format_args!(
            "connected to {}{}",
            self.sh.endpoint.url(),
            protocol
                .as_ref()
                .map(|p| format!(" (subprotocol {p})"))
                .unwrap_or_default()
        ));
        self.emit(Event::Open { protocol });
        self.read_more = true;
        let hb = Heartbeat::new(self.cfg.heartbeat_interval, self.cfg.heartbeat_timeout, now);
        self.step_open(now, sys::Ready::default(), conn, ctx, hb, now);
    }

    /// Moves queued messages into the connection's output buffer.
    fn fill(
        &mut self,
        conn: &mut Conn,
        ctx: &mut WebSocketContext,
        limit: usize,
    ) -> tungstenite::Result<()> {
        while conn.out.len() < limit {
            let msg = match self.pending.pop_front() {
                Some(m) => m,
                None => match self.sh.rx.try_recv() {
                    Ok(m) => m,
                    Err(_) => break,
                },
            };
            let op = if msg.binary {
                OpData::Binary
            } else {
                OpData::Text
            };
            // Text was validated by `send`: build the frame directly.
            let frame = Frame::message(msg.data.clone(), OpCode::Data(op), true);
            let mut io = io_of(conn);
            if let Err(e) = ctx
                .write(&mut io, Message::Frame(frame))
                .and_then(|_| ctx.flush(&mut io))
            {
                self.pending.push_front(msg);
                return Err(e);
            }
            conn.inflight.push_back((conn.out.appended, msg));
        }
        Ok(())
    }

    /// Counts messages whose bytes all reached the kernel as sent.
    fn settle(&self, conn: &mut Conn) {
        let c = &self.sh.counters;
        while let Some((end, _)) = conn.inflight.front() {
            if *end > conn.confirmed {
                break;
            }
            let (_, msg) = conn.inflight.pop_front().expect("front exists");
            let len = msg.data.len() as u64;
            c.messages_sent.fetch_add(1, Ordering::Relaxed);
            c.bytes_sent.fetch_add(len, Ordering::Relaxed);
            c.queued_bytes.fetch_sub(len, Ordering::SeqCst);
            c.queued_messages.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Reads and dispatches messages. Returns a close frame if one arrived.
    fn read_pass(
        &mut self,
        conn: &mut Conn,
        ctx: &mut WebSocketContext,
    ) -> Result<Option<Option<CloseFrame>>, tungstenite::Error> {
        self.read_more = false;
        conn.drained = false;
        for _ in 0..READ_BATCH {
            let msg = ctx.read(&mut io_of(conn));
            match msg {
                Ok(Message::Text(t)) => self.deliver(t.as_bytes(), false),
                Ok(Message::Binary(b)) => self.deliver(&b, true),
                Ok(Message::Close(f)) => return Ok(Some(f)),
                Ok(_) => {} // ping (answered by tungstenite), pong, raw frame
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            }
            if self.sh.stop.load(Ordering::SeqCst) {
                self.read_more = true;
                return Ok(None);
            }
        }
        self.read_more = true;
        Ok(None)
    }

    fn ws_error(&self, conn: &Conn, e: tungstenite::Error) -> Error {
        use tungstenite::Error as E;
        let url = self.sh.endpoint.url();
        match e {
            E::Io(io) => self.io_error(conn, "connection to", io),
            E::Capacity(CapacityError::MessageTooLong { size, max_size }) => Error::new(
                ErrorKind::MessageTooLarge,
                format!("{url} sent a message of {size} bytes, over the maximum of {max_size}"),
            ),
            E::Capacity(c) => Error::new(ErrorKind::Protocol, format!("{url}: {c}")),
            E::Utf8(m) => Error::new(
                ErrorKind::Protocol,
                format!("{url} sent invalid UTF-8 in a text message or close reason ({m})"),
            ),
            E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => Error::new(
                ErrorKind::Closed,
                format!("{url} closed the connection without a close frame"),
            ),
            E::Protocol(p) => Error::new(
                ErrorKind::Protocol,
                format!("{url} broke the WebSocket protocol: {p}"),
            ),
            E::ConnectionClosed | E::AlreadyClosed => {
                Error::new(ErrorKind::Closed, format!("{url} closed the connection"))
            }
            other => Error::new(ErrorKind::Protocol, format!("{url}: {other}")),
        }
    }

    fn step_open(
        &mut self,
        now: Instant,
        ready: sys::Ready,
        mut conn: Conn,
        mut ctx: Box<WebSocketContext>,
        mut hb: Heartbeat,
        opened: Instant,
    ) {
        conn.got_data = false;
        // Read only when the socket says so, or when a previous pass stopped
        // early: a wake-up for a send or a timer costs no read syscall.
        let closed = if ready.readable || self.read_more {
            self.read_pass(&mut conn, &mut ctx)
        } else {
            Ok(None)
        };
        if conn.got_data {
            hb.on_receive(now);
        }
        match closed {
            Ok(None) => {}
            Ok(Some(frame)) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                self.sh
                    .counters
                    .last_close_code
                    .store(code as u32, Ordering::SeqCst);
                self.log.info(format_args!(
                    "{} closed the connection: {code} {reason:?}",
                    self.sh.endpoint.url()
                ));
                if code == 1002 && reason == INVALID_CLOSE_CODE_REASON {
                    // tungstenite replaced a close code that is not allowed
                    // (e.g. 999, 1005, 1006, 5000) with 1002 and replied so.
                    self.error(Error::new(
                        ErrorKind::Protocol,
                        format!("{} sent a close frame with a close code that is not allowed; replied 1002", self.sh.endpoint.url()),
                    ));
                }
                self.emit(Event::Closed {
                    code,
                    reason,
                    initiator: CloseInitiator::Server,
                });
                // tungstenite queued the close reply; let it out, then wait for EOF.
                let _ = ctx.flush(&mut io_of(&mut conn));
                let _ = conn.pump();
                self.settle(&mut conn);
                self.sh.set_state(State::Closing);
                let close = Closing {
                    deadline: now + self.cfg.close_timeout,
                    healthy: now - opened,
                    by_peer: true,
                };
                return self.step_closing(now, conn, ctx, close);
            }
            Err(e) => {
                let code = fail_code(&e);
                let err = self.ws_error(&conn, e);
                if let Some(code) = code {
                    // RFC 6455 §7.1.7: fail the connection with a close frame,
                    // after what the application already queued (best effort).
                    let _ = self.fill(&mut conn, &mut ctx, OUT_HIGH_WATER);
                    let frame = CloseFrame {
                        code: CloseCode::from(code),
                        reason: "".into(),
                    };
                    let _ = ctx.close(&mut io_of(&mut conn), Some(frame));
                    let _ = conn.pump();
                    conn.t.shutdown();
                }
                return self.drop_conn(now, conn, Some(now - opened), err);
            }
        }
        match hb.poll(now) {
            heartbeat::Action::Nothing => {}
            heartbeat::Action::SendPing => {
                self.log
                    .debug(format_args!("no data for {:?}: ping", hb.silent_for(now)));
                let _ = ctx.write(&mut io_of(&mut conn), Message::Ping(Bytes::new()));
                let _ = ctx.flush(&mut io_of(&mut conn));
            }
            heartbeat::Action::Dead => {
                let msg = format!(
                    "nothing received from {} for {:?} (ping unanswered): connection presumed dead (half-open)",
                    self.sh.endpoint.url(),
                    hb.silent_for(now)
                );
                return self.drop_conn(
                    now,
                    conn,
                    Some(now - opened),
                    Error::new(ErrorKind::HeartbeatTimeout, msg),
                );
            }
        }
        if !self.stopping {
            if let Err(e) = self.fill(&mut conn, &mut ctx, OUT_HIGH_WATER) {
                let err = self.ws_error(&conn, e);
                return self.drop_conn(now, conn, Some(now - opened), err);
            }
        }
        if let Err(e) = conn.pump() {
            let err = self.io_error(&conn, "writing to", e);
            return self.drop_conn(now, conn, Some(now - opened), err);
        }
        self.settle(&mut conn);
        self.phase = Phase::Open {
            conn,
            ctx,
            hb,
            opened,
        };
    }

    fn step_closing(
        &mut self,
        now: Instant,
        mut conn: Conn,
        mut ctx: Box<WebSocketContext>,
        close: Closing,
    ) {
        conn.drained = false;
        // After the server's close and our reply, a stop has nothing to wait for.
        let mut finished = close.by_peer && self.stopping;
        let mut reads = 0;
        while !finished && reads < READ_BATCH {
            reads += 1;
            match ctx.read(&mut io_of(&mut conn)) {
                Ok(Message::Close(f)) => {
                    // The server's reply to our close.
                    let code = f.map(|f| u16::from(f.code)).unwrap_or(1005);
                    self.sh
                        .counters
                        .last_close_code
                        .store(code as u32, Ordering::SeqCst);
                    finished = true;
                }
                // Data the server sent before it saw our close: dropped.
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => finished = true,
            }
        }
        self.read_more = reads >= READ_BATCH;
        let _ = conn.pump();
        self.settle(&mut conn);
        if finished || now >= close.deadline {
            conn.t.shutdown();
            self.requeue(conn);
            if !self.stopping {
                self.schedule_reconnect(now, Some(close.healthy));
                return;
            }
            if !close.by_peer {
                self.emit(Event::Closed {
                    code: 1000,
                    reason: String::new(),
                    initiator: CloseInitiator::Client,
                });
            }
            self.phase = Phase::Done;
            return;
        }
        self.phase = Phase::Closing { conn, ctx, close };
    }

    /// Puts messages that did not fully reach the kernel back in front of the queue.
    fn requeue(&mut self, mut conn: Conn) {
        self.settle(&mut conn);
        while let Some((_, msg)) = conn.inflight.pop_back() {
            self.pending.push_front(msg);
        }
    }

    /// A connection failed: report, keep its unsent messages, reconnect.
    fn drop_conn(&mut self, now: Instant, conn: Conn, healthy: Option<Duration>, err: Error) {
        self.requeue(conn);
        self.sh
            .counters
            .last_close_code
            .store(1006, Ordering::SeqCst);
        let reason = err.message.clone();
        self.error(err);
        self.emit(Event::Closed {
            code: 1006,
            reason,
            initiator: CloseInitiator::Abnormal,
        });
        self.schedule_reconnect(now, healthy);
    }

    /// An attempt failed before a connection opened.
    fn fail(&mut self, now: Instant, err: Error) {
        let verify = err.kind == ErrorKind::TlsVerify;
        self.error(err);
        // The full explanation is logged once; later failures log one line.
        self.tls_warned |= verify;
        self.schedule_reconnect(now, None);
    }

    /// `healthy`: how long the connection that just ended was open (`None`
    /// when the attempt never opened); long enough resets the backoff.
    fn schedule_reconnect(&mut self, now: Instant, healthy: Option<Duration>) {
        if let Some(healthy) = healthy {
            if healthy >= self.cfg.backoff_reset_after {
                self.backoff.reset();
                self.attempt = 0;
            }
        }
        if self.sh.stop.load(Ordering::SeqCst) || !self.cfg.reconnect {
            self.phase = Phase::Done;
            return;
        }
        if self.cfg.max_reconnect_attempts > 0
            && self.backoff.failures() >= self.cfg.max_reconnect_attempts
        {
            let msg = format!(
                "gave up on {} after {} failed attempts",
                self.sh.endpoint.url(),
                self.backoff.failures()
            );
            self.error(Error::new(ErrorKind::GaveUp, msg));
            self.phase = Phase::Done;
            return;
        }
        let delay = self.backoff.next_delay();
        self.sh.set_state(State::Reconnecting);
        self.log.info(format_args!(
            "reconnecting to {} in {delay:?} (attempt {})",
            self.sh.endpoint.url(),
            self.attempt + 1
        ));
        self.emit(Event::ReconnectScheduled {
            attempt: self.attempt + 1,
            delay,
        });
        self.phase = Phase::Waiting { until: now + delay };
    }

    fn begin_stop(&mut self, now: Instant) {
        self.stopping = true;
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Open {
                mut conn,
                mut ctx,
                opened,
                ..
            } => {
                self.sh.set_state(State::Closing);
                // Let out what is already queued (bounded by the close timeout), then close.
                let _ = self.fill(&mut conn, &mut ctx, usize::MAX);
                let frame = CloseFrame {
                    code: CloseCode::Normal,
                    reason: "".into(),
                };
                let _ = ctx.close(&mut io_of(&mut conn), Some(frame));
                let close = Closing {
                    deadline: now + self.cfg.close_timeout,
                    healthy: now - opened,
                    by_peer: false,
                };
                self.step_closing(now, conn, ctx, close);
            }
            Phase::Closing { conn, ctx, close } => {
                let close = Closing {
                    deadline: close.deadline.min(now + self.cfg.close_timeout),
                    ..close
                };
                self.step_closing(now, conn, ctx, close)
            }
            Phase::Handshaking { conn, .. } => {
                self.requeue(conn);
                self.phase = Phase::Done;
            }
            _ => self.phase = Phase::Done,
        }
    }

    pub(crate) fn finish(&mut self) {
        // What was not written waits for the next start.
        {
            let mut carry = lock(&self.sh.carry);
            while let Some(m) = self.pending.pop_back() {
                carry.push_front(m);
            }
        }
        self.sh.set_state(State::Stopped);
        self.emit(Event::Stopped);
        *lock(&self.sh.wake_target) = None;
        *lock(&self.sh.io_thread) = None;
        self.sh.set_active(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzz_entry_handles_valid_and_hostile_streams() {
        // A text frame "hi", a ping, then a close 1000.
        let mut data = vec![1u8, 3];
        data.extend_from_slice(&[0x81, 2, b'h', b'i', 0x89, 0, 0x88, 2, 0x03, 0xe8]);
        fuzz_server_stream(&data);
        // Garbage instead of a handshake, a masked frame, a huge length.
        fuzz_server_stream(&[0, 0, 0xff, 0xfe, 0x00]);
        fuzz_server_stream(&[1, 255, 0x81, 0x80, 1, 2, 3, 4]);
        fuzz_server_stream(&[
            1, 7, 0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ]);
        fuzz_server_stream(&[]);
    }
}
