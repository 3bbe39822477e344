//! Shared support for the integration tests (`mod support;` in each file;
//! `examples/measure.rs` includes it too): in-process servers (echo with
//! controls, fault proxy, PKI — the same code as the `tools/` binaries),
//! scripted hostile servers, and a recorder that collects a client's events,
//! messages and log lines and waits on them with a timeout.
#![allow(dead_code, unused_imports)]

#[path = "../../tools/src/control/mod.rs"]
pub mod control;
#[path = "../../tools/src/echo/mod.rs"]
pub mod echo;
pub mod hostile;
#[path = "../../tools/src/pki.rs"]
pub mod pki;
#[path = "../../tools/src/proxy.rs"]
pub mod proxy;
#[path = "../../tools/src/sock.rs"]
pub mod sock;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mywsclient::{Client, Config, ErrorKind, Event, LogLevel, LogSink};

pub use echo::{EchoConfig, EchoServer};
pub use proxy::FaultProxy;

/// The anti-hang timeout of waits that should succeed quickly.
pub const WAIT: Duration = Duration::from_secs(10);

pub fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

pub fn ws_url(port: u16) -> String {
    format!("ws://127.0.0.1:{port}/")
}

pub fn wss_url(host: &str, port: u16) -> String {
    format!("wss://{host}:{port}/")
}

/// `MYWSCLIENT_TEST_SHARED_IO=1 cargo test` runs the suite with every
/// test client on the shared I/O threads (`Config::shared_io`).
pub fn shared_mode() -> bool {
    std::env::var("MYWSCLIENT_TEST_SHARED_IO").is_ok_and(|v| v == "1")
}

/// Options for tests: fast reconnects, everything logged to the recorder.
/// The heartbeat keeps its default (3 s) unless a test shortens it.
pub fn test_config() -> Config {
    Config {
        shared_io: shared_mode(),
        backoff_initial: ms(20),
        backoff_max: ms(200),
        connect_timeout: Duration::from_secs(5),
        handshake_timeout: Duration::from_secs(5),
        close_timeout: Duration::from_secs(1),
        log_level: LogLevel::Debug,
        ..Config::default()
    }
}

/// Short heartbeat for half-open tests: ping after 200 ms of silence, dead
/// 300 ms later.
pub fn fast_heartbeat(c: &mut Config) {
    c.heartbeat_interval = ms(200);
    c.heartbeat_timeout = ms(300);
}

/// A client for `url` with `cfg`, its handlers and log sink on a recorder.
pub fn client(url: &str, mut cfg: Config) -> (Client, Recorder) {
    let rec = Recorder::new();
    cfg.log_sink = Some(rec.sink());
    let c = Client::with_config(url, 0, "", cfg).expect("valid client");
    rec.attach(&c);
    (c, rec)
}

/// A started client connected to a plain echo server, Open already seen.
pub fn connected(port: u16, cfg: Config) -> (Client, Recorder) {
    let (c, rec) = client(&ws_url(port), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    (c, rec)
}

/// Calls `stop()` and returns how long it took.
pub fn timed_stop(c: &Client) -> Duration {
    let t = Instant::now();
    c.stop().expect("stop");
    t.elapsed()
}

// ---------------------------------------------------------------------------
// Recorder

/// Everything a client reported, in order.
#[derive(Default)]
pub struct RecState {
    pub events: Vec<(Instant, Event)>,
    pub messages: Vec<(Vec<u8>, bool)>,
    pub logs: Vec<(LogLevel, String)>,
}

struct RecInner {
    state: Mutex<RecState>,
    cv: Condvar,
    /// A callback is running (to detect concurrent callbacks).
    inside: AtomicBool,
    overlaps: AtomicUsize,
    /// Callbacks that did not run on a thread named "mywsclient-io".
    foreign: AtomicUsize,
}

/// Collects a client's events, messages and log lines; tests wait on it.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<RecInner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            inner: Arc::new(RecInner {
                state: Mutex::new(RecState::default()),
                cv: Condvar::new(),
                inside: AtomicBool::new(false),
                overlaps: AtomicUsize::new(0),
                foreign: AtomicUsize::new(0),
            }),
        }
    }

    fn enter(&self) {
        if self.inner.inside.swap(true, Ordering::SeqCst) {
            self.inner.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        if !std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("mywsclient-io"))
        {
            self.inner.foreign.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn leave(&self) {
        self.inner.inside.store(false, Ordering::SeqCst);
        self.inner.cv.notify_all();
    }

    pub fn push_event(&self, e: &Event) {
        self.enter();
        lock(&self.inner.state)
            .events
            .push((Instant::now(), e.clone()));
        self.leave();
    }

    pub fn push_message(&self, d: &[u8], binary: bool) {
        self.enter();
        lock(&self.inner.state).messages.push((d.to_vec(), binary));
        self.leave();
    }

    /// Sets the client's message and event handlers to record.
    pub fn attach(&self, c: &Client) {
        let r = self.clone();
        c.set_message_handler(move |d, b| r.push_message(d, b))
            .expect("set message handler");
        let r = self.clone();
        c.set_event_handler(move |e| r.push_event(e))
            .expect("set event handler");
    }

    /// A log sink that records (for `Config::log_sink`).
    pub fn sink(&self) -> LogSink {
        let r = self.clone();
        Arc::new(move |level, line: &str| {
            lock(&r.inner.state).logs.push((level, line.to_string()));
            r.inner.cv.notify_all();
        })
    }

    /// Callbacks that ran while another was running (must stay 0).
    pub fn overlaps(&self) -> usize {
        self.inner.overlaps.load(Ordering::SeqCst)
    }

    /// Callbacks that ran on a thread other than an I/O thread (must stay 0).
    pub fn foreign_calls(&self) -> usize {
        self.inner.foreign.load(Ordering::SeqCst)
    }

    /// Waits until `f` returns Some, or `timeout` passes.
    pub fn wait<T>(
        &self,
        timeout: Duration,
        mut f: impl FnMut(&RecState) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.inner.state);
        loop {
            if let Some(v) = f(&s) {
                return Some(v);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            s = self
                .inner
                .cv
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Number of events so far (a mark for `expect_event`).
    pub fn mark(&self) -> usize {
        lock(&self.inner.state).events.len()
    }

    pub fn events(&self) -> Vec<Event> {
        lock(&self.inner.state)
            .events
            .iter()
            .map(|(_, e)| e.clone())
            .collect()
    }

    pub fn messages(&self) -> Vec<(Vec<u8>, bool)> {
        lock(&self.inner.state).messages.clone()
    }

    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        lock(&self.inner.state).logs.clone()
    }

    pub fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        lock(&self.inner.state)
            .events
            .iter()
            .filter(|(_, e)| pred(e))
            .count()
    }

    /// The recorded events, one per line, for failure messages.
    pub fn dump(&self) -> String {
        let s = lock(&self.inner.state);
        let t0 = s.events.first().map(|(t, _)| *t);
        let mut out = String::new();
        for (i, (t, e)) in s.events.iter().enumerate().take(200) {
            let dt = t0.map(|t0| t.duration_since(t0)).unwrap_or_default();
            out.push_str(&format!("  #{i} +{dt:?} {e:?}\n"));
        }
        if s.events.len() > 200 {
            out.push_str(&format!("  ... {} events in all\n", s.events.len()));
        }
        out
    }

    /// The first event at index >= `from` that matches; panics (with every
    /// event) if none arrives within `timeout`. Returns (index, event, when).
    pub fn expect_event_at(
        &self,
        from: usize,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Event) -> bool,
    ) -> (usize, Event, Instant) {
        let found = self.wait(timeout, |s| {
            s.events
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, (_, e))| pred(e))
                .map(|(i, (t, e))| (i, e.clone(), *t))
        });
        match found {
            Some(f) => f,
            None => panic!(
                "no {what} event (from #{from}) within {timeout:?}; events:\n{}",
                self.dump()
            ),
        }
    }

    pub fn expect_event(
        &self,
        from: usize,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Event) -> bool,
    ) -> (usize, Event) {
        let (i, e, _) = self.expect_event_at(from, timeout, what, pred);
        (i, e)
    }

    /// Waits for an Open event at index >= `from`; returns its index.
    pub fn expect_open(&self, from: usize, timeout: Duration) -> usize {
        self.expect_event(from, timeout, "Open", |e| matches!(e, Event::Open { .. }))
            .0
    }

    /// Waits for an Error event of `kind` whose message contains `needle`
    /// (case-insensitive); returns its index and message.
    pub fn expect_error(
        &self,
        from: usize,
        kind: ErrorKind,
        needle: &str,
        timeout: Duration,
    ) -> (usize, String) {
        let needle = needle.to_ascii_lowercase();
        let (i, e) = self.expect_event(
            from,
            timeout,
            &format!("Error {kind:?} {needle:?}"),
            |e| matches!(e, Event::Error { kind: k, message, .. } if *k == kind && message.to_ascii_lowercase().contains(&needle)),
        );
        match e {
            Event::Error { message, .. } => (i, message),
            _ => unreachable!(),
        }
    }

    /// Waits for the first Error event at index >= `from`, whatever its kind.
    pub fn expect_any_error(&self, from: usize, timeout: Duration) -> (usize, ErrorKind, String) {
        let (i, e) =
            self.expect_event(from, timeout, "Error", |e| matches!(e, Event::Error { .. }));
        match e {
            Event::Error { kind, message, .. } => (i, kind, message),
            _ => unreachable!(),
        }
    }

    /// Waits for a ReconnectScheduled event at index >= `from`.
    pub fn expect_reconnect(&self, from: usize, timeout: Duration) -> usize {
        self.expect_event(from, timeout, "ReconnectScheduled", |e| {
            matches!(e, Event::ReconnectScheduled { .. })
        })
        .0
    }

    /// Waits until `n` messages arrived; returns them all.
    pub fn expect_messages(&self, n: usize, timeout: Duration) -> Vec<(Vec<u8>, bool)> {
        match self.wait(timeout, |s| {
            (s.messages.len() >= n).then(|| s.messages.clone())
        }) {
            Some(m) => m,
            None => {
                // One lock at a time: `dump` takes it too.
                let got = lock(&self.inner.state).messages.len();
                panic!(
                    "only {got} of {n} messages within {timeout:?}; events:\n{}",
                    self.dump()
                )
            }
        }
    }

    /// Waits for a log line containing `needle` at `level` or more severe.
    pub fn expect_log(&self, level: LogLevel, needle: &str, timeout: Duration) -> String {
        let found = self.wait(timeout, |s| {
            s.logs
                .iter()
                .find(|(l, m)| *l <= level && *l != LogLevel::Off && m.contains(needle))
                .map(|(_, m)| m.clone())
        });
        match found {
            Some(m) => m,
            None => panic!(
                "no log line with {needle:?} at {level:?} within {timeout:?}; logs: {:#?}",
                self.logs()
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Servers

/// A plain echo server on 127.0.0.1 with controls.
pub fn echo_server() -> EchoServer {
    EchoServer::local().expect("echo server")
}

/// An echo server on 127.0.0.1 with `cfg`.
pub fn echo_server_with(cfg: EchoConfig) -> EchoServer {
    EchoServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), cfg).expect("echo server")
}

/// A port on 127.0.0.1 where nothing listens (connects are refused).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A listener whose accept queue is full: a new connect is never answered
/// (its SYNs are dropped), so a client stays in "connecting".
pub struct Unanswered {
    pub port: u16,
    _listener: TcpListener,
    _fill: Vec<TcpStream>,
}

pub fn unanswered() -> Unanswered {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let mut fill = Vec::new();
    // std listens with a backlog of 128: the queue holds ~129 connections.
    for _ in 0..1024 {
        match TcpStream::connect_timeout(&addr, ms(200)) {
            Ok(s) => fill.push(s),
            Err(_) => {
                return Unanswered {
                    port: addr.port(),
                    _listener: l,
                    _fill: fill,
                }
            }
        }
    }
    panic!("could not fill the accept queue of {addr}");
}

/// Linux: waits until a TCP socket of this machine is in SYN_SENT towards
/// 127.0.0.1:`port` (a connect in flight), or `timeout` passes.
pub fn wait_syn_sent(port: u16, timeout: Duration) -> bool {
    let want = format!("0100007F:{port:04X}");
    let deadline = Instant::now() + timeout;
    loop {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let found = table.lines().skip(1).any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[2] == want && f[3] == "02"
        });
        if found {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        // Kernel state has no notification: look again shortly (bounded).
        std::thread::sleep(ms(5));
    }
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "mywsclient-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, data: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA written to a temp dir, and TLS echo servers signed by it.
pub struct Tls {
    pub pki: pki::Pki,
    pub dir: TempDir,
    pub ca_file: PathBuf,
}

impl Tls {
    pub fn new() -> Tls {
        // Distinct names: two test CAs must not look like the same issuer.
        static N: AtomicUsize = AtomicUsize::new(0);
        let pki = pki::Pki::new(&format!(
            "mywsclient test CA {}",
            N.fetch_add(1, Ordering::SeqCst)
        ))
        .unwrap();
        let dir = TempDir::new("tls");
        let ca_file = dir.write("ca.pem", &pki.ca_pem);
        Tls { pki, dir, ca_file }
    }

    /// A wss echo server presenting `leaf`; with `client_ca`, mTLS.
    pub fn server(&self, leaf: &pki::Leaf, client_ca: Option<&str>) -> EchoServer {
        let cfg = pki::server_config(leaf, client_ca).unwrap();
        echo_server_with(EchoConfig {
            tls: Some(cfg),
            ..EchoConfig::default()
        })
    }

    /// A wss echo server with a valid certificate for the local names.
    pub fn valid_server(&self) -> EchoServer {
        self.server(&self.pki.server(pki::LOCAL_NAMES).unwrap(), None)
    }

    /// Options that trust only this CA.
    pub fn config(&self) -> Config {
        let mut c = test_config();
        c.tls.ca_file = Some(self.ca_file.clone());
        c.tls.no_system_roots = true;
        c
    }
}

impl Default for Tls {
    fn default() -> Self {
        Tls::new()
    }
}

// ---------------------------------------------------------------------------
// Child processes (for process-wide state: environment, threads, stderr)

const CHILD_ENV: &str = "MYWSCLIENT_TEST_CHILD";

/// True inside a child started by `run_child`. Child-only tests return at
/// once when this is false.
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs the test `name` of the current test binary alone in a child process
/// with `env` set (and MYWSCLIENT_* variables otherwise removed); returns its
/// output after checking that it passed.
pub fn run_child(name: &str, env: &[(&str, &str)]) -> std::process::Output {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = std::process::Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads", "1"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("MYWSCLIENT_") && k != "MYWSCLIENT_TEST_SHARED_IO" {
            cmd.env_remove(k);
        }
    }
    cmd.env(CHILD_ENV, "1")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null());
    let out = cmd.output().expect("run the child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child test {name} failed: {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Linux: the ids of this process's threads named `name`.
pub fn threads_named(name: &str) -> Vec<u32> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            if let Some(tid) = e.file_name().to_str().and_then(|s| s.parse().ok()) {
                v.push(tid);
            }
        }
    }
    v
}

/// Linux: waits (up to 5 s) until this process has no thread named `name`.
/// A joined thread can still be listed in /proc for a moment while the
/// kernel finishes its exit (its join returns when it releases its memory,
/// before the task is released). True when none is left.
pub fn no_threads_named(name: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if threads_named(name).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Linux: (voluntary context switches, CPU time in clock ticks) of a thread.
pub fn thread_activity(tid: u32) -> (u64, u64) {
    let status =
        std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap_or_default();
    let switches = status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    // Fields after the parenthesised name: state is field 3; utime, stime are 14, 15.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (switches, ticks)
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
