//! Shared support for the integration tests (`mod support;` in each file,
//! `#[path = "../support/mod.rs"] mod support;` in a test directory's
//! main.rs; `examples/measure.rs` includes it too): in-process servers (echo
//! with controls, fault proxy, PKI — the same code as the `tools/` binaries),
//! scripted hostile servers, and a recorder that collects a client's events,
//! messages and log lines and waits on them with a timeout.
//!
//! Here: the test options and client helpers. Beside: `recorder.rs`,
//! `servers.rs` (echo servers, refused and unanswered ports), `tls.rs` (a
//! test CA), `tempdir.rs`, `process.rs` (child processes, threads).
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

mod process;
mod recorder;
mod servers;
mod tempdir;
mod tls;

use std::time::{Duration, Instant};

use mywsclient::{Client, Config, LogLevel};

pub use echo::{EchoConfig, EchoServer};
pub use process::*;
pub use proxy::FaultProxy;
pub use recorder::*;
pub use servers::*;
pub use tempdir::*;
pub use tls::*;

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

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
