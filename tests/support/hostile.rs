//! Scripted raw-TCP servers: each connection runs a closure that reads the
//! client's bytes and writes whatever the test wants (a broken handshake,
//! forbidden frames, nothing at all, one byte at a time), and frame builders.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tungstenite::handshake::derive_accept_key;

/// One accepted connection, handed to the script.
pub struct Peer {
    pub s: TcpStream,
    /// 0 for the first connection, 1 for the next...
    pub index: usize,
    stop: Arc<AtomicBool>,
    /// Bytes read after the request (the start of the client's frames).
    pub extra: Vec<u8>,
}

impl Peer {
    /// False once the server is being dropped: scripts must end.
    pub fn alive(&self) -> bool {
        !self.stop.load(Ordering::SeqCst)
    }

    /// Reads the client's HTTP request (up to the blank line). None on EOF,
    /// error, stop, or more than 64 KiB.
    pub fn read_request(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while self.alive() && buf.len() < 64 << 10 {
            match self.s.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        self.extra = buf.split_off(end + 4);
                        return String::from_utf8(buf).ok();
                    }
                }
                Err(e) if is_timeout(&e) => continue,
                Err(_) => return None,
            }
        }
        None
    }

    /// Reads the request and answers with a valid 101 plus `extra_headers`
    /// (each ending in "\r\n"). Returns the request.
    pub fn upgrade(&mut self, extra_headers: &str) -> Option<String> {
        let req = self.read_request()?;
        let key = header(&req, "sec-websocket-key")?;
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n{extra_headers}\r\n",
            derive_accept_key(key.as_bytes())
        );
        self.send(resp.as_bytes()).then_some(req)
    }

    /// Writes all of `data`; false on error.
    pub fn send(&mut self, data: &[u8]) -> bool {
        self.s.write_all(data).is_ok()
    }

    /// Reads and discards until EOF, an error, or stop.
    pub fn drain(&mut self) {
        let mut chunk = [0u8; 16 << 10];
        while self.alive() {
            match self.s.read(&mut chunk) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(_) => return,
            }
        }
    }

    /// Waits until EOF/error/stop without reading (the client's writes back up).
    pub fn hold(&mut self) {
        while self.alive() {
            let mut b = [0u8; 1];
            // peek does not consume: the receive buffer stays full.
            match self.s.peek(&mut b) {
                Ok(0) => return,
                Ok(_) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) if is_timeout(&e) => {}
                Err(_) => return,
            }
        }
    }

    /// Sleeps `d` in small steps; false if the server stopped meanwhile.
    pub fn pause(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        while self.alive() {
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(20)));
        }
        false
    }

    /// Reads one frame from the client (masked, as clients must send);
    /// returns (first byte, unmasked payload). None on EOF/error/stop.
    pub fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut head = self.read_exact(2)?;
        let masked = head[1] & 0x80 != 0;
        let len = match head[1] & 0x7f {
            126 => u16::from_be_bytes(self.read_exact(2)?.try_into().ok()?) as usize,
            127 => u64::from_be_bytes(self.read_exact(8)?.try_into().ok()?) as usize,
            n => n as usize,
        };
        let mask = if masked {
            self.read_exact(4)?
        } else {
            vec![0; 4]
        };
        if len > 64 << 20 {
            return None;
        }
        let mut payload = self.read_exact(len)?;
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        head.truncate(1);
        Some((head[0], payload))
    }

    fn read_exact(&mut self, n: usize) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(n);
        let take = n.min(self.extra.len());
        out.extend(self.extra.drain(..take));
        let mut chunk = vec![0u8; (n - out.len()).min(64 << 10)];
        while out.len() < n && self.alive() {
            let want = (n - out.len()).min(chunk.len());
            match self.s.read(&mut chunk[..want]) {
                Ok(0) => return None,
                Ok(k) => out.extend_from_slice(&chunk[..k]),
                Err(e) if is_timeout(&e) => {}
                Err(_) => return None,
            }
        }
        (out.len() == n).then_some(out)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// The value of header `name` in a raw HTTP request.
pub fn header(req: &str, name: &str) -> Option<String> {
    req.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

type Script = dyn Fn(&mut Peer) + Send + Sync;

struct Inner {
    stop: Arc<AtomicBool>,
    conns: AtomicUsize,
    threads: Mutex<Vec<JoinHandle<()>>>,
    accepted: Condvar,
}

/// A server on 127.0.0.1 that runs a script per connection. Dropping it
/// stops the scripts and joins their threads.
pub struct ScriptServer {
    port: u16,
    inner: Arc<Inner>,
    acceptor: Option<JoinHandle<()>>,
}

impl ScriptServer {
    pub fn start(script: impl Fn(&mut Peer) + Send + Sync + 'static) -> ScriptServer {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let inner = Arc::new(Inner {
            stop: Arc::new(AtomicBool::new(false)),
            conns: AtomicUsize::new(0),
            threads: Mutex::new(Vec::new()),
            accepted: Condvar::new(),
        });
        let script: Arc<Script> = Arc::new(script);
        let i = inner.clone();
        let acceptor = std::thread::spawn(move || {
            for s in l.incoming() {
                if i.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(s) = s else { continue };
                let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
                let _ = s.set_nodelay(true);
                let index = i.conns.fetch_add(1, Ordering::SeqCst);
                let mut peer = Peer {
                    s,
                    index,
                    stop: i.stop.clone(),
                    extra: Vec::new(),
                };
                let sc = script.clone();
                let t = std::thread::spawn(move || sc(&mut peer));
                let mut threads = i.threads.lock().unwrap();
                threads.retain(|t| !t.is_finished());
                threads.push(t);
                i.accepted.notify_all();
            }
        });
        ScriptServer {
            port,
            inner,
            acceptor: Some(acceptor),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.inner.conns.load(Ordering::SeqCst)
    }

    /// Waits until `n` connections were accepted, or `timeout` passes.
    pub fn wait_connections(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut g = self.inner.threads.lock().unwrap();
        while self.connections() < n {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            g = self
                .inner
                .accepted
                .wait_timeout(g, deadline - now)
                .unwrap()
                .0;
        }
        true
    }
}

impl Drop for ScriptServer {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        let _ =
            TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        let threads = std::mem::take(&mut *self.inner.threads.lock().unwrap());
        for t in threads {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------
// Frames (server to client: unmasked unless asked)

pub const FIN: u8 = 0x80;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CONT: u8 = 0x0;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

fn len_header(first: u8, mask_bit: u8, len: u64) -> Vec<u8> {
    let mut f = vec![first];
    if len < 126 {
        f.push(mask_bit | len as u8);
    } else if len <= u16::MAX as u64 {
        f.push(mask_bit | 126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(mask_bit | 127);
        f.extend_from_slice(&len.to_be_bytes());
    }
    f
}

/// A frame: `first` is FIN | RSV | opcode; the payload is sent as is.
pub fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = len_header(first, 0, payload.len() as u64);
    f.extend_from_slice(payload);
    f
}

/// A masked frame (which a server must never send).
pub fn masked_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut f = len_header(first, 0x80, payload.len() as u64);
    f.extend_from_slice(&key);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    f
}

/// Only the header of a frame announcing `len` payload bytes (64-bit form).
pub fn header_with_len64(first: u8, len: u64) -> Vec<u8> {
    let mut f = vec![first, 127];
    f.extend_from_slice(&len.to_be_bytes());
    f
}

/// A close frame with `code` and `reason`.
pub fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason.as_bytes());
    frame(FIN | CLOSE, &p)
}
