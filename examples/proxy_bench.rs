//! Connect time and round trip through each proxy beside the direct path,
//! and "first address dead -> first echo" (Happy Eyeballs), against
//! servers and proxies on 127.0.0.1 (tinyproxy and microsocks from
//! scripts/deps.sh). Medians; the proxies' own overhead as ratios to direct.
//!
//!     cargo run --release --example proxy_bench

#[path = "../tests/support/proxies.rs"]
mod proxies;
#[path = "../tests/support/mod.rs"]
mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use mywsclient::{Config, LogLevel, ResolveOverride};
use proxies::ProxyProcess;
use support::*;

const CONNECTS: usize = 30;
const ROUND_TRIPS: usize = 2000;

fn quiet(proxy: Option<String>) -> Config {
    Config {
        proxy: Some(proxy.unwrap_or_default()),
        log_level: LogLevel::Off,
        ..Config::default()
    }
}

/// (median connect time, median round trip) for `url` with `cfg`.
fn measure(url: &str, cfg: &Config) -> (Duration, Duration) {
    let mut connects = Vec::new();
    for _ in 0..CONNECTS {
        let (c, rec) = client(url, cfg.clone());
        let t = Instant::now();
        c.start().unwrap();
        rec.expect_open(0, WAIT);
        connects.push(t.elapsed());
        c.stop().unwrap();
    }
    let (c, rec) = client(url, cfg.clone());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let mut rtts = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS {
        let t = Instant::now();
        c.send_text(b"ping").unwrap();
        rec.expect_messages(i + 1, WAIT);
        rtts.push(t.elapsed());
    }
    c.stop().unwrap();
    (median(connects), median(rtts))
}

fn dead_first_to_first_echo(port: u16) -> Duration {
    let dead = SocketAddr::from(([127, 0, 0, 2], port));
    let l = TcpListener::bind(dead).unwrap();
    let mut fill = Vec::new();
    while let Ok(s) = TcpStream::connect_timeout(&dead, Duration::from_millis(200)) {
        fill.push(s);
        assert!(fill.len() < 1024);
    }
    let mut runs = Vec::new();
    for _ in 0..5 {
        let cfg = Config {
            resolve: vec![ResolveOverride::parse(&format!(
                "dead-first.test:{port}:127.0.0.2,127.0.0.1"
            ))
            .unwrap()],
            ..quiet(None)
        };
        let (c, rec) = client(&format!("ws://dead-first.test:{port}/"), cfg);
        let t = Instant::now();
        c.start().unwrap();
        c.send_text(b"first").unwrap();
        rec.expect_messages(1, WAIT);
        runs.push(t.elapsed());
        c.stop().unwrap();
    }
    drop(l);
    median(runs)
}

fn main() {
    let server = echo_server();
    let tls = Tls::new();
    let secure = tls.valid_server();
    let http = ProxyProcess::tinyproxy(None);
    let http_auth = ProxyProcess::tinyproxy(Some(("user", "s3cret")));
    let socks = ProxyProcess::microsocks(None);
    let socks_auth = ProxyProcess::microsocks(Some(("user", "s3cret")));
    let paths: Vec<(&str, Option<String>)> = vec![
        ("direct", None),
        ("HTTP CONNECT (tinyproxy)", Some(http.url("http"))),
        (
            "HTTP CONNECT + Basic (tinyproxy)",
            Some(http_auth.url("http")),
        ),
        ("SOCKS5h (microsocks)", Some(socks.url("socks5h"))),
        (
            "SOCKS5 + user/pass (microsocks)",
            Some(socks_auth.url("socks5")),
        ),
    ];
    println!("median of {CONNECTS} connects and {ROUND_TRIPS} round trips (ratio to direct)");
    println!(
        "{:<34} {:>22} {:>22} {:>22}",
        "path", "ws connect", "wss connect", "ws round trip"
    );
    let mut base = None;
    for (name, proxy) in paths {
        let (c, r) = measure(&ws_url(server.port()), &quiet(proxy.clone()));
        let mut scfg = tls.config();
        scfg.proxy = Some(proxy.unwrap_or_default());
        scfg.log_level = LogLevel::Off;
        let (sc, _) = measure(&wss_url("127.0.0.1", secure.port()), &scfg);
        let (bc, bsc, br) = *base.get_or_insert((c, sc, r));
        let fmt = |d: Duration, b: Duration| {
            format!(
                "{:>8.1} µs ({:.2}x)",
                d.as_secs_f64() * 1e6,
                d.as_secs_f64() / b.as_secs_f64()
            )
        };
        println!(
            "{name:<34} {:>22} {:>22} {:>22}",
            fmt(c, bc),
            fmt(sc, bsc),
            fmt(r, br)
        );
    }
    let d = dead_first_to_first_echo(server.port());
    println!(
        "first address dead -> first echo: {:.1} ms (Happy Eyeballs stagger 250 ms; without it: the connect timeout, 10 s)",
        d.as_secs_f64() * 1e3
    );
}
