//! Third-party proxies for the tests, from Debian (scripts/deps.sh installs
//! them): tinyproxy (HTTP CONNECT, Basic auth) and microsocks (SOCKS5,
//! user/password). Each runs on 127.0.0.1 on a free port with a config the
//! test writes, and is stopped (killed and reaped) when dropped. Also a TLS
//! front (rustls, in-process) that makes any TCP proxy an HTTPS proxy.
//! Include with `#[path = "support/proxies.rs"] mod proxies;` beside
//! `mod support;`.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a proxy may take to listen.
const READY: Duration = Duration::from_secs(10);

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// Which third-party proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// tinyproxy: HTTP CONNECT.
    Tinyproxy,
    /// microsocks: SOCKS5.
    Microsocks,
}

/// A proxy process on 127.0.0.1.
pub struct ProxyProcess {
    kind: Kind,
    auth: Option<(String, String)>,
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

fn binary(kind: Kind) -> &'static str {
    match kind {
        Kind::Tinyproxy => "tinyproxy",
        Kind::Microsocks => "microsocks",
    }
}

impl ProxyProcess {
    /// tinyproxy, with Basic credentials when `auth` is given (tinyproxy
    /// accepts only letters and digits in them).
    pub fn tinyproxy(auth: Option<(&str, &str)>) -> ProxyProcess {
        ProxyProcess::start(Kind::Tinyproxy, auth, free_port())
    }

    /// microsocks, with user/password authentication when `auth` is given.
    pub fn microsocks(auth: Option<(&str, &str)>) -> ProxyProcess {
        ProxyProcess::start(Kind::Microsocks, auth, free_port())
    }

    fn start(kind: Kind, auth: Option<(&str, &str)>, port: u16) -> ProxyProcess {
        let dir = std::env::temp_dir().join(format!(
            "mywsclient-{}-{}-{}",
            binary(kind),
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("proxy temp dir");
        let mut p = ProxyProcess {
            kind,
            auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
            port,
            dir,
            child: None,
        };
        p.spawn();
        p
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("proxy.log")
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.log_path()).expect("proxy log file");
        let mut cmd = match self.kind {
            Kind::Tinyproxy => {
                let conf = self.dir.join("tinyproxy.conf");
                let mut text = format!(
                    "Port {}\nListen 127.0.0.1\nTimeout 60\nMaxClients 200\nLogLevel Info\nDisableViaHeader Yes\n",
                    self.port
                );
                if let Some((u, p)) = &self.auth {
                    text.push_str(&format!("BasicAuth {u} {p}\n"));
                }
                std::fs::write(&conf, text).expect("write tinyproxy.conf");
                let mut c = Command::new("tinyproxy");
                c.arg("-d").arg("-c").arg(&conf);
                c
            }
            Kind::Microsocks => {
                let mut c = Command::new("microsocks");
                c.args(["-i", "127.0.0.1", "-p", &self.port.to_string()]);
                if let Some((u, p)) = &self.auth {
                    c.args(["-u", u, "-P", p]);
                }
                c
            }
        };
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log);
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}): run `bash scripts/deps.sh` to install it",
                binary(self.kind)
            )
        });
        self.child = Some(child);
        self.wait_listening();
    }

    /// Waits (bounded) until the port accepts connections.
    fn wait_listening(&mut self) {
        let start = Instant::now();
        let addr = self.addr();
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!(
                    "{} exited ({status}) before listening:\n{}",
                    binary(self.kind),
                    self.log()
                );
            }
            assert!(
                start.elapsed() < READY,
                "{} did not listen on {addr} within {READY:?}:\n{}",
                binary(self.kind),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The proxy's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The proxy's URL with `scheme` (e.g. "http", "socks5h") and the
    /// given credentials (`None`: the proxy's own, if any).
    pub fn url_with(&self, scheme: &str, creds: Option<(&str, &str)>) -> String {
        match creds.or(self.auth.as_ref().map(|(u, p)| (u.as_str(), p.as_str()))) {
            Some((u, p)) => format!("{scheme}://{u}:{p}@127.0.0.1:{}", self.port),
            None => format!("{scheme}://127.0.0.1:{}", self.port),
        }
    }

    /// The proxy's URL with its own credentials.
    pub fn url(&self, scheme: &str) -> String {
        self.url_with(scheme, None)
    }

    /// Stops the process (the port refuses connections afterwards).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TLS front: accepts TLS on 127.0.0.1 and forwards the plaintext to a
/// TCP proxy (so tinyproxy becomes an `https://` proxy). Stops on drop.
pub struct TlsFront {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    accepted: Arc<AtomicUsize>,
}

impl TlsFront {
    /// Serves `config` (a server certificate the client trusts) in front of `backend`.
    pub fn start(config: Arc<rustls::ServerConfig>, backend: SocketAddr) -> io::Result<TlsFront> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (s, a) = (stop.clone(), accepted.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((sock, _)) => {
                        a.fetch_add(1, Ordering::SeqCst);
                        let cfg = config.clone();
                        let s = s.clone();
                        std::thread::spawn(move || {
                            let _ = serve_tls(sock, cfg, backend, &s);
                        });
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(TlsFront {
            port,
            stop,
            thread: Some(thread),
            accepted,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One TLS connection relayed to `backend` in both directions, polling
/// both sides with short timeouts until either side ends or `stop` is set.
fn serve_tls(
    sock: TcpStream,
    cfg: Arc<rustls::ServerConfig>,
    backend: SocketAddr,
    stop: &AtomicBool,
) -> io::Result<()> {
    sock.set_nonblocking(false)?;
    sock.set_read_timeout(Some(Duration::from_millis(20)))?;
    let conn = rustls::ServerConnection::new(cfg).map_err(io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    let mut up = TcpStream::connect(backend)?;
    up.set_read_timeout(Some(Duration::from_millis(20)))?;
    let mut buf = vec![0u8; 16 * 1024];
    let timeout = |e: &io::Error| {
        matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        )
    };
    while !stop.load(Ordering::SeqCst) {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => up.write_all(&buf[..n])?,
            Err(e) if timeout(&e) => {}
            Err(e) => return Err(e),
        }
        match up.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                tls.write_all(&buf[..n])?;
                tls.flush()?;
            }
            Err(e) if timeout(&e) => {}
            Err(e) => return Err(e),
        }
    }
    let _ = tls.sock.shutdown(std::net::Shutdown::Both);
    Ok(())
}

/// The path of a file in a proxy's directory (for tests that write more).
pub fn in_dir(p: &ProxyProcess, name: &str) -> PathBuf {
    Path::new(&p.dir).join(name)
}
