//! A fault-injection TCP proxy: forwards connections to a target and, on
//! command, cuts them (RST both sides), refuses new ones (the port is closed,
//! so connects are refused), accepts again, blackholes them (sockets stay
//! open, every byte is dropped both ways) or forwards normally again.
//! Used by the `mywsclient-fault-proxy` binary and, through `#[path]`, by the
//! integration tests. Needs `super::sock`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::sock;

/// A proxy command (one line of the binary's stdin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Reset every current connection (RST to both sides).
    Cut,
    /// Close the listening port: new connections are refused.
    Refuse,
    /// Listen again on the same port.
    Accept,
    /// Keep sockets open but drop every byte, both ways.
    Blackhole,
    /// Forward normally.
    Forward,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Cut => "cut",
            Command::Refuse => "refuse",
            Command::Accept => "accept",
            Command::Blackhole => "blackhole",
            Command::Forward => "forward",
        }
    }
}

impl FromStr for Command {
    type Err = String;
    fn from_str(s: &str) -> Result<Command, String> {
        Ok(match s.trim() {
            "cut" => Command::Cut,
            "refuse" => Command::Refuse,
            "accept" => Command::Accept,
            "blackhole" => Command::Blackhole,
            "forward" => Command::Forward,
            other => {
                return Err(format!(
                    "unknown command {other:?} (cut, refuse, accept, blackhole, forward)"
                ))
            }
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One proxied connection: the client side and the target side.
struct Pair {
    client: TcpStream,
    server: TcpStream,
    cut: AtomicBool,
}

impl Pair {
    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        sock::abort(&self.client);
        sock::abort(&self.server);
    }
}

#[derive(Default)]
struct Listen {
    refusing: bool,
    listening: bool,
    closed: bool,
}

struct Inner {
    target: SocketAddr,
    addr: SocketAddr,
    listen: Mutex<Listen>,
    cv: Condvar,
    blackhole: AtomicBool,
    pairs: Mutex<Vec<Arc<Pair>>>,
    accepted: AtomicU64,
}

/// A running proxy; dropping it closes the port and resets every connection.
pub struct FaultProxy {
    inner: Arc<Inner>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on `listen` (port 0 picks one) and forwards to `target`.
    pub fn start(listen: SocketAddr, target: SocketAddr) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            target,
            addr,
            listen: Mutex::new(Listen {
                listening: true,
                ..Listen::default()
            }),
            cv: Condvar::new(),
            blackhole: AtomicBool::new(false),
            pairs: Mutex::new(Vec::new()),
            accepted: AtomicU64::new(0),
        });
        let i = inner.clone();
        let acceptor = std::thread::Builder::new()
            .name("fault-proxy-accept".into())
            .spawn(move || accept_loop(i, listener))?;
        Ok(FaultProxy {
            inner,
            acceptor: Some(acceptor),
        })
    }

    /// A proxy on 127.0.0.1 (any port) in front of `127.0.0.1:target_port`.
    pub fn local(target_port: u16) -> io::Result<FaultProxy> {
        FaultProxy::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            SocketAddr::from(([127, 0, 0, 1], target_port)),
        )
    }

    pub fn port(&self) -> u16 {
        self.inner.addr.port()
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.inner.accepted.load(Ordering::SeqCst)
    }

    /// Connections currently proxied.
    pub fn active(&self) -> usize {
        lock(&self.inner.pairs).len()
    }

    /// Carries out a command; returns once it is in effect.
    pub fn command(&self, cmd: Command) {
        let inner = &self.inner;
        match cmd {
            Command::Cut => {
                let pairs = std::mem::take(&mut *lock(&inner.pairs));
                for p in &pairs {
                    p.cut();
                }
            }
            Command::Blackhole => inner.blackhole.store(true, Ordering::SeqCst),
            Command::Forward => inner.blackhole.store(false, Ordering::SeqCst),
            Command::Refuse => {
                lock(&inner.listen).refusing = true;
                wake_acceptor(inner.addr);
                let deadline = Instant::now() + Duration::from_secs(10);
                let mut l = lock(&inner.listen);
                while l.listening && Instant::now() < deadline {
                    l = inner
                        .cv
                        .wait_timeout(l, Duration::from_millis(100))
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
            Command::Accept => {
                let mut l = lock(&inner.listen);
                l.refusing = false;
                inner.cv.notify_all();
                let deadline = Instant::now() + Duration::from_secs(10);
                while !l.listening && !l.closed && Instant::now() < deadline {
                    l = inner
                        .cv
                        .wait_timeout(l, Duration::from_millis(100))
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }

    pub fn cut(&self) {
        self.command(Command::Cut)
    }
    pub fn refuse(&self) {
        self.command(Command::Refuse)
    }
    pub fn accept(&self) {
        self.command(Command::Accept)
    }
    pub fn blackhole(&self) {
        self.command(Command::Blackhole)
    }
    pub fn forward(&self) {
        self.command(Command::Forward)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        {
            let mut l = lock(&self.inner.listen);
            l.closed = true;
            self.inner.cv.notify_all();
        }
        wake_acceptor(self.inner.addr);
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        self.command(Command::Cut);
    }
}

/// Unblocks `accept()` by connecting to the port (ignored if it is closed).
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

fn accept_loop(inner: Arc<Inner>, first: TcpListener) {
    let mut listener = Some(first);
    loop {
        if let Some(l) = listener.take() {
            for conn in l.incoming() {
                let (closed, refusing) = {
                    let s = lock(&inner.listen);
                    (s.closed, s.refusing)
                };
                if closed || refusing {
                    break;
                }
                match conn {
                    Ok(c) => handle(&inner, c),
                    // Out of fds or similar: do not spin.
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            // The listener is dropped here: the port refuses connections.
        }
        let mut s = lock(&inner.listen);
        s.listening = false;
        inner.cv.notify_all();
        while s.refusing && !s.closed {
            s = inner.cv.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        if s.closed {
            return;
        }
        drop(s);
        // Listen again on the same port (std sets SO_REUSEADDR). Another
        // socket may briefly hold the port: retry for a while.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpListener::bind(inner.addr) {
                Ok(l) => {
                    listener = Some(l);
                    break;
                }
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => {
                    eprintln!("fault proxy: cannot listen again on {}: {e}", inner.addr);
                    break;
                }
            }
        }
        let mut s = lock(&inner.listen);
        s.listening = listener.is_some();
        inner.cv.notify_all();
        if listener.is_none() {
            s.closed = true;
            return;
        }
    }
}

fn handle(inner: &Arc<Inner>, client: TcpStream) {
    inner.accepted.fetch_add(1, Ordering::SeqCst);
    let server = match TcpStream::connect_timeout(&inner.target, Duration::from_secs(5)) {
        Ok(s) => s,
        Err(_) => {
            // The target is down: the client sees a reset.
            let _ = sock::set_linger_zero(&client);
            return;
        }
    };
    for s in [&client, &server] {
        let _ = s.set_nodelay(true);
        // Lets a writer stuck on a peer that does not read notice a cut.
        let _ = s.set_write_timeout(Some(Duration::from_millis(200)));
    }
    let pair = Arc::new(Pair {
        client,
        server,
        cut: AtomicBool::new(false),
    });
    lock(&inner.pairs).push(pair.clone());
    let done = Arc::new(AtomicU64::new(0));
    for upstream in [true, false] {
        let (i, p, done) = (inner.clone(), pair.clone(), done.clone());
        let spawned = std::thread::Builder::new()
            .name("fault-proxy-pump".into())
            .stack_size(128 << 10)
            .spawn(move || {
                pump(&i, &p, upstream);
                if done.fetch_add(1, Ordering::SeqCst) == 1 {
                    lock(&i.pairs).retain(|q| !Arc::ptr_eq(q, &p));
                }
            });
        if spawned.is_err() {
            pair.cut();
            lock(&inner.pairs).retain(|p| !Arc::ptr_eq(p, &pair));
            return;
        }
    }
}

/// Copies one direction until EOF, an error or a cut.
fn pump(inner: &Inner, pair: &Pair, upstream: bool) {
    let (mut from, mut to) = if upstream {
        (&pair.client, &pair.server)
    } else {
        (&pair.server, &pair.client)
    };
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match from.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                // A reset from one side is passed on as a reset.
                if !pair.cut.load(Ordering::SeqCst) && !inner.blackhole.load(Ordering::SeqCst) {
                    pair.cut();
                }
                return;
            }
        };
        if pair.cut.load(Ordering::SeqCst) {
            return;
        }
        if n == 0 {
            if !inner.blackhole.load(Ordering::SeqCst) {
                let _ = to.shutdown(Shutdown::Write);
            }
            return;
        }
        if inner.blackhole.load(Ordering::SeqCst) {
            continue;
        }
        let mut off = 0;
        while off < n {
            match to.write(&buf[off..n]) {
                Ok(0) => return,
                Ok(k) => off += k,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    if pair.cut.load(Ordering::SeqCst) {
                        return;
                    }
                }
                Err(_) => {
                    if !pair.cut.load(Ordering::SeqCst) {
                        pair.cut();
                    }
                    return;
                }
            }
        }
    }
}
