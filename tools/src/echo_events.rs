//! The echo server's event-driven mode (`mywsclient-echo-server
//! --event-loop`): a fixed number of threads, each an epoll loop over many
//! non-blocking connections (plain or rustls), all accepting from one
//! listening socket. Same protocol behaviour as [`super::echo`] without its
//! test controls; for benchmarks with thousands of connections, where a
//! thread per connection made the server the bottleneck (thread creation
//! and scheduling took most of its CPU at 10,000 TLS clients).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::{HandshakeKind, ServerConnection};
use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::{Message, WebSocket};

use super::echo::{self, EchoConfig};
use super::poll::{self, Epoll};
use super::sock;

/// A connection is not read while this much of its output waits for the socket.
const OUT_LIMIT: usize = 4 << 20;
/// Plaintext handed to rustls at once.
const TLS_CHUNK: usize = 64 << 10;
/// Messages echoed per connection per turn; then the other connections' turn.
const BUDGET: usize = 256;
/// Connections accepted per turn.
const ACCEPT_BUDGET: usize = 64;
const LISTENER: u64 = u64::MAX;
/// tungstenite's input buffer per connection (see [`ws_config`]).
const READ_BUFFER: usize = 16 << 10;

/// What the server has done so far.
#[derive(Default, Debug)]
pub struct Stats {
    pub accepted: AtomicU64,
    /// WebSocket handshakes completed.
    pub opened: AtomicU64,
    /// TLS handshakes completed in full (certificate and signature).
    pub tls_full: AtomicU64,
    /// TLS handshakes that resumed an earlier session.
    pub tls_resumed: AtomicU64,
    /// Connections open now.
    pub open: AtomicU64,
    /// Text and binary messages echoed.
    pub echoed: AtomicU64,
}

impl Stats {
    /// `accepted=N opened=N tls_full=N tls_resumed=N open=N echoed=N`.
    pub fn line(&self) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "accepted={} opened={} tls_full={} tls_resumed={} open={} echoed={}",
            g(&self.accepted),
            g(&self.opened),
            g(&self.tls_full),
            g(&self.tls_resumed),
            g(&self.open),
            g(&self.echoed)
        )
    }

    fn count_tls(&self, conn: &ServerConnection) {
        match conn.handshake_kind() {
            Some(HandshakeKind::Resumed) => &self.tls_resumed,
            _ => &self.tls_full,
        }
        .fetch_add(1, Ordering::Relaxed);
    }
}

/// A running event-driven server. Its threads run until the process exits.
pub struct EventServer {
    port: u16,
    stats: Arc<Stats>,
}

impl EventServer {
    /// Listens on `addr` and serves with `threads` event loops. Uses
    /// `cfg.tls` and `cfg.subprotocol`; `cfg.controls` and `cfg.acceptors`
    /// do not apply.
    pub fn start(addr: SocketAddr, cfg: EchoConfig, threads: usize) -> io::Result<EventServer> {
        let listener = TcpListener::bind(addr)?;
        sock::deepen_backlog(&listener);
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let listener = Arc::new(listener);
        let stats = Arc::new(Stats::default());
        for i in 0..threads.max(1) {
            let epoll = Epoll::new()?;
            // Each connection wakes one loop, which accepts it and owns it.
            epoll.add(
                listener.as_raw_fd(),
                libc::EPOLLIN as u32 | poll::EXCLUSIVE,
                LISTENER,
            )?;
            let mut l = Loop {
                epoll,
                listener: listener.clone(),
                cfg: cfg.clone(),
                stats: stats.clone(),
                conns: Vec::new(),
                free: Vec::new(),
                again: Vec::new(),
            };
            std::thread::Builder::new()
                .name(format!("echo-loop-{i}"))
                .spawn(move || l.run())?;
        }
        Ok(EventServer { port, stats })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// The thread mode's WebSocket settings with a smaller read buffer: before
/// each read tungstenite zero-fills its input buffer up to this size, and at
/// the default 128 KiB (an mmap per connection) that memset, its page faults
/// and the munmaps took a third of the server's CPU at 10,000 TLS clients.
fn ws_config() -> tungstenite::protocol::WebSocketConfig {
    echo::ws_config().read_buffer_size(READ_BUFFER)
}

/// Picks the configured subprotocol during the WebSocket handshake.
struct Pick(Option<Arc<str>>);

impl Callback for Pick {
    fn on_request(self, req: &Request, mut resp: Response) -> Result<Response, ErrorResponse> {
        echo::pick_subprotocol(self.0.as_deref(), req, &mut resp);
        Ok(resp)
    }
}

/// A non-blocking stream for tungstenite: reads give plaintext or
/// `WouldBlock`; writes always succeed into `out`, which [`Nb::flush_out`]
/// moves to the socket (through rustls) as far as the socket takes it.
struct Nb {
    sock: TcpStream,
    tls: Option<Box<ServerConnection>>,
    out: Vec<u8>,
    /// How much of `out` went to the socket (or to rustls).
    sent: usize,
}

impl Nb {
    /// Bytes waiting to go out.
    fn pending(&self) -> usize {
        let tls = self.tls.as_ref().is_some_and(|t| t.wants_write());
        self.out.len() - self.sent + usize::from(tls)
    }

    /// Writes what is waiting until done or the socket would block.
    fn flush_out(&mut self) -> io::Result<()> {
        match &mut self.tls {
            None => {
                while self.sent < self.out.len() {
                    match self.sock.write(&self.out[self.sent..]) {
                        Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                        Ok(n) => self.sent += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Some(tls) => loop {
                while tls.wants_write() {
                    match tls.write_tls(&mut self.sock) {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                if self.sent == self.out.len() || tls.is_handshaking() {
                    break;
                }
                let end = self.out.len().min(self.sent + TLS_CHUNK);
                match tls.writer().write(&self.out[self.sent..end])? {
                    0 => break,
                    n => self.sent += n,
                }
            },
        }
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
            if self.out.capacity() > OUT_LIMIT {
                self.out = Vec::new();
            }
        }
        Ok(())
    }
}

impl Read for Nb {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(tls) = &mut self.tls else {
            return self.sock.read(buf);
        };
        loop {
            match tls.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
            if tls.read_tls(&mut self.sock)? == 0 {
                return match tls.reader().read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                    other => other,
                };
            }
            if let Err(e) = tls.process_new_packets() {
                // Let the alert out before failing.
                let _ = tls.write_tls(&mut self.sock);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        }
    }
}

impl Write for Nb {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    /// Deferred to [`Nb::flush_out`], after every message that arrived.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

type Hs = MidHandshake<ServerHandshake<Nb, Pick>>;

enum Ws {
    Handshaking(Hs),
    Open(WebSocket<Nb>),
    /// The client closed: the reply goes out, then the connection ends.
    Closing(Nb),
    Gone,
}

struct Conn {
    ws: Ws,
    fd: i32,
    /// What epoll watches for.
    interest: u32,
}

/// Some(true): serve again without waiting for the socket (budget used up);
/// None: the connection is over.
type Turn = Option<bool>;

fn nb_of(ws: &mut Ws) -> Option<&mut Nb> {
    match ws {
        Ws::Handshaking(h) => Some(h.get_mut().get_mut()),
        Ws::Open(w) => Some(w.get_mut()),
        Ws::Closing(nb) => Some(nb),
        Ws::Gone => None,
    }
}

struct Loop {
    epoll: Epoll,
    listener: Arc<TcpListener>,
    cfg: EchoConfig,
    stats: Arc<Stats>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    /// Connections to serve again at once (their budget ran out).
    again: Vec<usize>,
}

impl Loop {
    fn run(&mut self) {
        let mut events = Vec::new();
        let mut later = Vec::new();
        loop {
            let timeout = if self.again.is_empty() {
                None
            } else {
                Some(Duration::ZERO)
            };
            if self.epoll.wait(&mut events, timeout).is_err() {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            later.clear();
            later.append(&mut self.again);
            for &(token, _) in &events {
                if token == LISTENER {
                    self.accept();
                } else {
                    self.serve(token as usize);
                }
            }
            for &i in &later {
                self.serve(i);
            }
        }
    }

    fn accept(&mut self) {
        for _ in 0..ACCEPT_BUDGET {
            match self.listener.accept() {
                Ok((s, _)) => {
                    self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = self.add(s) {
                        eprintln!("echo server: cannot serve a connection: {e}");
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // Out of fds or similar: leave the rest for the next turn.
                Err(_) => return,
            }
        }
    }

    fn add(&mut self, s: TcpStream) -> io::Result<()> {
        s.set_nonblocking(true)?;
        let _ = s.set_nodelay(true);
        let fd = s.as_raw_fd();
        let tls = match &self.cfg.tls {
            Some(c) => Some(Box::new(
                ServerConnection::new(c.clone()).map_err(io::Error::other)?,
            )),
            None => None,
        };
        let nb = Nb {
            sock: s,
            tls,
            out: Vec::new(),
            sent: 0,
        };
        let pick = Pick(self.cfg.subprotocol.as_deref().map(Arc::from));
        let hs = ServerHandshake::start(nb, pick, Some(ws_config()));
        let i = match self.free.pop() {
            Some(i) => i,
            None => {
                self.conns.push(None);
                self.conns.len() - 1
            }
        };
        self.epoll.add(fd, poll::IN, i as u64)?;
        self.stats.open.fetch_add(1, Ordering::Relaxed);
        self.conns[i] = Some(Conn {
            ws: Ws::Handshaking(hs),
            fd,
            interest: poll::IN,
        });
        self.serve(i);
        Ok(())
    }

    fn serve(&mut self, i: usize) {
        let Some(mut c) = self.conns.get_mut(i).and_then(Option::take) else {
            return;
        };
        match self.turn(&mut c) {
            None => {
                let _ = self.epoll.delete(c.fd);
                self.free.push(i);
                self.stats.open.fetch_sub(1, Ordering::Relaxed);
                // Dropping `c` closes the socket.
            }
            Some(again) => {
                let pending = nb_of(&mut c.ws).map_or(0, |nb| nb.pending());
                let want = if matches!(c.ws, Ws::Closing(_)) || pending >= OUT_LIMIT {
                    poll::OUT
                } else if pending > 0 {
                    poll::IN | poll::OUT
                } else {
                    poll::IN
                };
                if want != c.interest && self.epoll.modify(c.fd, want, i as u64).is_ok() {
                    c.interest = want;
                }
                if again {
                    self.again.push(i);
                }
                self.conns[i] = Some(c);
            }
        }
    }

    /// Reads, echoes and writes what can be done now.
    fn turn(&self, c: &mut Conn) -> Turn {
        let mut again = false;
        c.ws = match std::mem::replace(&mut c.ws, Ws::Gone) {
            Ws::Handshaking(hs) => match finish(hs) {
                Ok(Ok(ws)) => {
                    self.stats.opened.fetch_add(1, Ordering::Relaxed);
                    if let Some(t) = &ws.get_ref().tls {
                        self.stats.count_tls(t);
                    }
                    let mut ws = Ws::Open(ws);
                    again = echo_some(&mut ws, &self.stats)?;
                    ws
                }
                Ok(Err(hs)) => Ws::Handshaking(hs),
                Err(()) => return None,
            },
            mut ws @ Ws::Open(_) => {
                again = echo_some(&mut ws, &self.stats)?;
                ws
            }
            Ws::Closing(mut nb) => {
                nb.flush_out().ok()?;
                if nb.pending() == 0 {
                    let _ = nb.sock.shutdown(std::net::Shutdown::Write);
                    return None;
                }
                Ws::Closing(nb)
            }
            Ws::Gone => return None,
        };
        if let Some(nb) = nb_of(&mut c.ws) {
            nb.flush_out().ok()?;
        }
        if let Ws::Closing(nb) = &mut c.ws {
            if nb.pending() == 0 {
                let _ = nb.sock.shutdown(std::net::Shutdown::Write);
                return None;
            }
        }
        Some(again)
    }
}

/// Goes on with a WebSocket handshake (and the TLS one under it): the open
/// socket, the handshake still waiting for the socket, or failure.
#[allow(clippy::result_large_err, clippy::type_complexity)]
fn finish(hs: Hs) -> Result<Result<WebSocket<Nb>, Hs>, ()> {
    match hs.handshake() {
        Ok(ws) => Ok(Ok(ws)),
        Err(HandshakeError::Interrupted(mut hs)) => {
            // TLS handshake records (or the response) wait for the socket.
            hs.get_mut().get_mut().flush_out().map_err(drop)?;
            Ok(Err(hs))
        }
        Err(HandshakeError::Failure(_)) => Err(()),
    }
}

/// Echoes what has arrived, up to the budget: `Some(true)` when more may be
/// waiting in buffers, `None` when the connection is over. A close frame
/// turns `ws` into [`Ws::Closing`].
fn echo_some(ws: &mut Ws, stats: &Stats) -> Turn {
    let Ws::Open(w) = ws else { return Some(false) };
    for _ in 0..BUDGET {
        if w.get_ref().pending() >= OUT_LIMIT {
            return Some(false);
        }
        match w.read() {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                if w.write(m).is_err() {
                    return None;
                }
                stats.echoed.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Message::Close(_)) => {
                // tungstenite queued the reply: send it, then end.
                let _ = w.flush();
                let Ws::Open(w) = std::mem::replace(ws, Ws::Gone) else {
                    unreachable!()
                };
                *ws = Ws::Closing(w.into_inner());
                return Some(false);
            }
            Ok(_) => {} // ping (pong queued), pong, raw frame
            Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                // A queued pong goes out with the next read or now.
                let _ = w.flush();
                return Some(false);
            }
            Err(_) => return None,
        }
    }
    let _ = w.flush();
    Some(true)
}
