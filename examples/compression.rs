//! permessage-deflate figures (issue 13), against a Python `websockets` echo
//! server on 127.0.0.1 (tests/compression/deflate_server.py, venv made once
//! under target/py-websockets):
//!
//! 1. payload bytes on the wire and echo throughput for a JSON-like message
//!    mix, without compression, with context takeover (the server asking
//!    for a 10-bit client window and using 12 bits itself, or 15-bit
//!    windows), without it;
//! 2. resident memory per connection for N clients on the shared I/O
//!    threads, each having sent and received one compressed message (so
//!    that its compressor and inflater exist), for each mode.
//!
//!     cargo run --release --example compression [-- MESSAGES [CLIENTS]]
//!
//! Defaults: 20000 messages, 1000 clients. The echo server is Python: the
//! throughput figures compare the modes with each other, they are not the
//! client's ceiling.

#[path = "../tests/compression/server.rs"]
mod server;

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use mywsclient::{Client, Compression, CompressionMode, Config, Event};
use server::PyServer;

const MODES: [(CompressionMode, &str, &str); 4] = [
    (CompressionMode::Off, "off", "off"),
    (
        CompressionMode::ContextTakeover,
        "takeover, 10/12 bits",
        "takeover",
    ),
    (
        CompressionMode::ContextTakeover,
        "takeover, 15 bits",
        "takeover-15",
    ),
    (
        CompressionMode::NoContextTakeover,
        "no context takeover",
        "no-takeover",
    ),
];

/// A JSON-like mix: tickers, order book updates, an occasional larger snapshot.
fn message(i: usize) -> String {
    match i % 10 {
        0..=5 => format!(
            "{{\"type\":\"ticker\",\"sequence\":{},\"product_id\":\"{}\",\"price\":\"{}.{:02}\",\"open_24h\":\"41250.00\",\"volume_24h\":\"{}.{}\",\"best_bid\":\"{}.{:02}\",\"best_ask\":\"{}.{:02}\",\"side\":\"{}\",\"time\":\"2026-11-29T16:{:02}:{:02}.{:06}Z\",\"trade_id\":{},\"last_size\":\"0.00{}\"}}",
            1_000_000 + i,
            ["BTC-USD", "ETH-USD", "SOL-USD"][i % 3],
            40_000 + i * 7 % 977,
            i % 100,
            12_000 + i % 5000,
            i % 997,
            40_000 + i * 7 % 977,
            i % 100,
            40_001 + i * 7 % 977,
            (i + 1) % 100,
            if i % 2 == 0 { "buy" } else { "sell" },
            i / 60 % 60,
            i % 60,
            i * 7919 % 1_000_000,
            50_000_000 + i,
            i % 1000
        ),
        6..=8 => {
            let changes: Vec<String> = (0..1 + i % 5)
                .map(|k| {
                    format!(
                        "[\"{}\",\"{}.{:02}\",\"0.{:04}\"]",
                        if k % 2 == 0 { "buy" } else { "sell" },
                        40_000 + (i + k) % 977,
                        k * 13 % 100,
                        (i * 31 + k) % 10_000
                    )
                })
                .collect();
            format!(
                "{{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[{}],\"time\":\"2026-11-29T16:00:{:02}.{:06}Z\"}}",
                changes.join(","),
                i % 60,
                i * 104_729 % 1_000_000
            )
        }
        _ => {
            let levels: Vec<String> = (0..50)
                .map(|k| {
                    format!(
                        "[\"{}.{:02}\",\"{}.{:04}\",{}]",
                        40_000 - k,
                        (i + k) % 100,
                        k % 7,
                        (i * 17 + k) % 10_000,
                        1 + k % 9
                    )
                })
                .collect();
            format!(
                "{{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[{}],\"asks\":[{}]}}",
                levels.join(","),
                levels.join(",")
            )
        }
    }
}

fn config(mode: CompressionMode, shared: bool) -> Config {
    Config {
        compression: Compression {
            mode,
            level: 6,
            threshold: 64,
        },
        shared_io: shared,
        log_level: mywsclient::LogLevel::Warn,
        ..Config::default()
    }
}

/// Counts messages; wakes the waiter at `target`.
#[derive(Default)]
struct Counter {
    n: Mutex<u64>,
    cv: Condvar,
}

impl Counter {
    fn bump(&self) {
        *self.n.lock().unwrap() += 1;
        self.cv.notify_all();
    }
    fn wait(&self, target: u64, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        let mut n = self.n.lock().unwrap();
        while *n < target {
            let now = Instant::now();
            if now >= end {
                return false;
            }
            n = self.cv.wait_timeout(n, end - now).unwrap().0;
        }
        true
    }
}

fn connect(url: &str, cfg: Config, counter: &Arc<Counter>) -> Client {
    let c = Client::with_config(url, 0, "", cfg).expect("client");
    let k = counter.clone();
    c.set_message_handler(move |_, _| k.bump()).unwrap();
    let opened = Arc::new(Counter::default());
    let o = opened.clone();
    c.set_event_handler(move |e| {
        if matches!(e, Event::Open { .. }) {
            o.bump()
        }
    })
    .unwrap();
    c.start().unwrap();
    assert!(opened.wait(1, Duration::from_secs(10)), "no connection");
    c
}

fn throughput(messages: usize) {
    println!("JSON-like mix, {messages} messages echoed (pipelined, 500 in flight), level 6, threshold 64 B");
    println!(
        "{:<22} {:>12} {:>12} {:>10} {:>10} {:>12}",
        "mode", "sent bytes", "recv bytes", "sent ratio", "recv ratio", "msgs/s"
    );
    let raw: u64 = (0..messages).map(|i| message(i).len() as u64).sum();
    for (mode, name, server_mode) in MODES {
        let server = PyServer::start(server_mode);
        let counter = Arc::new(Counter::default());
        let c = connect(&server.url(), config(mode, false), &counter);
        let t = Instant::now();
        for i in 0..messages {
            // A bounded window keeps the Python server's queue short.
            if i >= 500 {
                assert!(counter.wait((i - 500) as u64, Duration::from_secs(60)));
            }
            c.send_text(message(i).as_bytes()).unwrap();
        }
        assert!(
            counter.wait(messages as u64, Duration::from_secs(120)),
            "echoes missing"
        );
        let secs = t.elapsed().as_secs_f64();
        let s = c.stats();
        c.stop().unwrap();
        let sent = s.bytes_sent - s.uncompressed_bytes_sent + s.compressed_bytes_sent;
        let recv = s.bytes_received - s.uncompressed_bytes_received + s.compressed_bytes_received;
        println!(
            "{:<22} {:>12} {:>12} {:>9.2}x {:>9.2}x {:>12.0}",
            name,
            sent,
            recv,
            raw as f64 / sent as f64,
            raw as f64 / recv as f64,
            messages as f64 / secs
        );
    }
    println!("(payload bytes, before framing; raw mix: {raw} bytes each way)");
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Each mode in a fresh process, so that one mode's freed memory does not
/// hide the next one's.
fn memory(clients: usize) {
    println!();
    println!(
        "Resident memory per connection, {clients} clients on shared I/O threads, each after one {}-byte compressed message each way",
        message(9).len()
    );
    for (_, name, _) in MODES {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--memory", name, &clients.to_string()])
            .output()
            .expect("run the memory child");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn memory_one(name: &str, clients: usize) {
    let (mode, _, server_mode) = MODES.into_iter().find(|m| m.1 == name).expect("a mode");
    let server = PyServer::start(server_mode);
    let counter = Arc::new(Counter::default());
    let before = rss_kib();
    let mut all = Vec::with_capacity(clients);
    for _ in 0..clients {
        all.push(connect(&server.url(), config(mode, true), &counter));
    }
    let idle = rss_kib();
    let msg = message(9);
    for c in &all {
        c.send_text(msg.as_bytes()).unwrap();
    }
    assert!(
        counter.wait(clients as u64, Duration::from_secs(300)),
        "echoes missing"
    );
    let after = rss_kib();
    println!(
        "{:<22} connected: {:>6.1} KiB/conn   after a message each way: {:>6.1} KiB/conn",
        name,
        idle.saturating_sub(before) as f64 / clients as f64,
        after.saturating_sub(before) as f64 / clients as f64
    );
    for c in &all {
        c.stop().unwrap();
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--memory") {
        return memory_one(&argv[2], argv[3].parse().expect("clients"));
    }
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers"))
        .collect();
    let messages = args.first().copied().unwrap_or(20_000);
    let clients = args.get(1).copied().unwrap_or(1000);
    throughput(messages);
    memory(clients);
}
