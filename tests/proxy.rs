//! Proxies (issue 10), against real third-party proxies on loopback
//! (tinyproxy for HTTP CONNECT, microsocks for SOCKS5; scripts/deps.sh
//! installs them): ws:// and wss:// through each, with and without
//! credentials; wrong credentials; a proxy that is down and comes back; a
//! tunnel cut mid-session; an HTTPS proxy; the environment variables.

#[path = "support/proxies.rs"]
mod proxies;
mod support;

use std::time::Duration;

use mywsclient::{Client, Config, ErrorKind, Event, LogLevel};
use proxies::{ProxyProcess, TlsFront};
use support::*;

const USER: &str = "user";
const PASS: &str = "s3cret";

fn via(proxy: &str) -> Config {
    Config {
        proxy: Some(proxy.to_string()),
        ..test_config()
    }
}

/// Connects to `url` through `proxy`, echoes one message, stops.
fn echo_through(url: &str, mut cfg: Config, proxy: &str) -> Recorder {
    cfg.proxy = Some(proxy.to_string());
    let (c, rec) = client(url, cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.send_text(b"through the proxy").unwrap();
    let got = rec.expect_messages(1, WAIT);
    assert_eq!(got[0].0, b"through the proxy");
    c.stop().unwrap();
    rec
}

/// How many CONNECT requests tinyproxy logged.
fn tinyproxy_connects(p: &ProxyProcess) -> usize {
    p.log().matches("Request (file descriptor").count()
}

#[test]
fn ws_and_wss_through_tinyproxy_with_and_without_credentials() {
    let server = echo_server();
    let tls = Tls::new();
    let secure = tls.valid_server();
    for auth in [None, Some((USER, PASS))] {
        let p = ProxyProcess::tinyproxy(auth);
        let rec = echo_through(&ws_url(server.port()), test_config(), &p.url("http"));
        let line = rec.expect_log(LogLevel::Info, "through proxy", WAIT);
        assert!(line.contains(&format!("127.0.0.1:{}", p.port())), "{line}");
        assert!(
            !line.contains(PASS),
            "the password leaked into the log: {line}"
        );
        echo_through(
            &wss_url("127.0.0.1", secure.port()),
            tls.config(),
            &p.url("http"),
        );
        // By name: the proxy resolves it (and TLS checks the name).
        echo_through(
            &wss_url("localhost", secure.port()),
            tls.config(),
            &p.url("http"),
        );
        assert_eq!(tinyproxy_connects(&p), 3, "{}", p.log());
    }
}

#[test]
fn ws_and_wss_through_microsocks_with_and_without_credentials() {
    let server = echo_server();
    let tls = Tls::new();
    let secure = tls.valid_server();
    for auth in [None, Some((USER, PASS))] {
        let p = ProxyProcess::microsocks(auth);
        for scheme in ["socks5", "socks5h"] {
            echo_through(&ws_url(server.port()), test_config(), &p.url(scheme));
            echo_through(
                &wss_url("localhost", secure.port()),
                tls.config(),
                &p.url(scheme),
            );
        }
    }
    assert_eq!(server.opened(), 4);
    assert_eq!(secure.opened(), 4);
}

#[test]
fn wrong_credentials_are_a_proxy_error_then_retries_with_backoff() {
    let server = echo_server();
    let http = ProxyProcess::tinyproxy(Some((USER, PASS)));
    let socks = ProxyProcess::microsocks(Some((USER, PASS)));
    let cases = [
        // tinyproxy answers wrong credentials with 401, none with 407.
        (
            http.url_with("http", Some((USER, "wrong"))),
            "refused the credentials",
        ),
        (
            http.url_with("http", None)
                .replace(&format!("{USER}:{PASS}@"), ""),
            "needs credentials",
        ),
        (
            socks.url_with("socks5", Some((USER, "wrong"))),
            "refused the user name",
        ),
        (
            socks
                .url_with("socks5h", None)
                .replace(&format!("{USER}:{PASS}@"), ""),
            "needs credentials",
        ),
    ];
    for (proxy, want) in cases {
        let (c, rec) = client(&ws_url(server.port()), via(&proxy));
        c.start().unwrap();
        let (i, msg) = rec.expect_error(0, ErrorKind::Proxy, want, WAIT);
        assert!(msg.contains("127.0.0.1:"), "the proxy is named: {msg}");
        assert!(
            !msg.contains("wrong") && !msg.contains(PASS),
            "password leaked: {msg}"
        );
        // The usual reconnect, with growing delays, and the same error again.
        let j = rec.expect_reconnect(i, WAIT);
        rec.expect_error(j, ErrorKind::Proxy, want, WAIT);
        let k = rec.expect_reconnect(j + 1, WAIT);
        let delays: Vec<Duration> = rec
            .events()
            .iter()
            .filter_map(|e| match e {
                Event::ReconnectScheduled { delay, .. } => Some(*delay),
                _ => None,
            })
            .collect();
        assert!(delays.len() >= 2 && k > j, "{delays:?}");
        c.stop().unwrap();
    }
    assert_eq!(server.opened(), 0);
}

#[test]
fn proxy_down_then_back_delivers_the_queued_messages() {
    let server = echo_server();
    for kind in ["http", "socks5h"] {
        let mut p = if kind == "http" {
            ProxyProcess::tinyproxy(None)
        } else {
            ProxyProcess::microsocks(None)
        };
        p.stop();
        let (c, rec) = client(&ws_url(server.port()), via(&p.url(kind)));
        c.start().unwrap();
        let (i, msg) = rec.expect_error(0, ErrorKind::Proxy, "connect", WAIT);
        assert!(msg.contains(&p.port().to_string()), "{msg}");
        rec.expect_reconnect(i, WAIT);
        c.send_text(b"queued 1").unwrap();
        c.send_text(b"queued 2").unwrap();
        p.restart();
        rec.expect_open(i, WAIT);
        let got = rec.expect_messages(2, WAIT);
        assert_eq!(got[0].0, b"queued 1");
        assert_eq!(got[1].0, b"queued 2");
        c.stop().unwrap();
    }
}

#[test]
fn a_tunnel_cut_mid_session_reconnects_through_the_proxy() {
    let server = echo_server();
    let p = ProxyProcess::tinyproxy(None);
    // client -> fault proxy -> tinyproxy -> server
    let fault = FaultProxy::local(p.port()).unwrap();
    let proxy_url = format!("http://127.0.0.1:{}", fault.port());
    let (c, rec) = client(&ws_url(server.port()), via(&proxy_url));
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let mark = rec.mark();
    fault.cut();
    rec.expect_open(mark, WAIT);
    c.send_text(b"after the cut").unwrap();
    assert_eq!(rec.expect_messages(1, WAIT)[0].0, b"after the cut");
    assert_eq!(fault.accepted(), 2);
    assert_eq!(tinyproxy_connects(&p), 2, "{}", p.log());
    c.stop().unwrap();
}

#[test]
fn https_proxy_tls_to_the_proxy_then_tls_inside() {
    let server = echo_server();
    let tls = Tls::new();
    let secure = tls.valid_server();
    let p = ProxyProcess::tinyproxy(Some((USER, PASS)));
    let leaf = tls.pki.server(pki::LOCAL_NAMES).unwrap();
    let front = TlsFront::start(pki::server_config(&leaf, None).unwrap(), p.addr()).unwrap();
    let url = format!("https://{USER}:{PASS}@localhost:{}", front.port());
    echo_through(&ws_url(server.port()), tls.config(), &url);
    echo_through(&wss_url("localhost", secure.port()), tls.config(), &url);
    assert_eq!(front.accepted(), 2);
    assert_eq!(tinyproxy_connects(&p), 2, "{}", p.log());
    // The proxy's certificate is verified like a server's.
    let untrusted = Tls::new();
    let (c, rec) = client(&ws_url(server.port()), {
        let mut cfg = untrusted.config();
        cfg.proxy = Some(url.clone());
        cfg
    });
    c.start().unwrap();
    rec.expect_any_error(0, WAIT);
    c.stop().unwrap();
    assert_eq!(server.opened(), 1);
}

#[test]
fn no_proxy_on_the_client_bypasses_its_proxy() {
    let server = echo_server();
    let p = ProxyProcess::tinyproxy(None);
    let cfg = Config {
        no_proxy: Some("example.com, 127.0.0.0/8".into()),
        ..via(&p.url("http"))
    };
    let (c, rec) = client(&ws_url(server.port()), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.stop().unwrap();
    assert_eq!(tinyproxy_connects(&p), 0, "{}", p.log());
    // "" = no proxy at all, whatever the environment says.
    let (c, rec) = client(&ws_url(server.port()), via(""));
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.stop().unwrap();
}

#[test]
fn invalid_proxy_settings_are_refused_up_front() {
    for (proxy, want) in [("ftp://h", "scheme"), ("http://h:0", "out of range")] {
        let e = Client::with_config("ws://127.0.0.1:1/", 0, "", via(proxy))
            .err()
            .unwrap_or_else(|| panic!("{proxy} accepted"));
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.message.contains(want), "{}", e.message);
    }
}

// ----- the environment, in child processes -----

const SERVER_PORT: &str = "PROXY_TEST_SERVER_PORT";
const EXPECT: &str = "PROXY_TEST_EXPECT";

/// In a child: connect to the port in the environment (proxy from the
/// environment), echo once.
#[test]
fn child_connect_with_the_environment() {
    if !is_child() {
        return;
    }
    let port: u16 = std::env::var(SERVER_PORT).unwrap().parse().unwrap();
    let (c, rec) = client(&ws_url(port), test_config());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    c.send_text(b"env").unwrap();
    rec.expect_messages(1, WAIT);
    let expect = std::env::var(EXPECT).unwrap();
    if expect == "direct" {
        assert!(!rec.logs().iter().any(|(_, l)| l.contains("through proxy")));
    } else {
        rec.expect_log(LogLevel::Info, &expect, WAIT);
    }
    c.stop().unwrap();
}

#[test]
fn environment_variables_choose_the_proxy_like_curl() {
    let server = echo_server();
    let p = ProxyProcess::tinyproxy(None);
    let port = server.port().to_string();
    let proxy = format!("127.0.0.1:{}", p.port());
    let run = |vars: &[(&str, &str)], expect: &str| {
        let mut env = vec![(SERVER_PORT, port.as_str()), (EXPECT, expect)];
        env.extend_from_slice(vars);
        // Unset what the parent may have, then set the case's variables.
        run_child_clean("child_connect_with_the_environment", &env);
    };
    run(&[("http_proxy", &proxy)], "http_proxy");
    run(
        &[("ws_proxy", &proxy), ("http_proxy", "127.0.0.1:1")],
        "ws_proxy",
    );
    run(&[("ALL_PROXY", &proxy)], "ALL_PROXY");
    run(&[("HTTP_PROXY", &proxy)], "direct");
    run(&[("https_proxy", &proxy)], "direct");
    run(
        &[("http_proxy", &proxy), ("no_proxy", "localhost,127.0.0.1")],
        "direct",
    );
    run(
        &[("http_proxy", &proxy), ("NO_PROXY", "127.0.0.0/8")],
        "direct",
    );
    run(&[("http_proxy", &proxy), ("no_proxy", "*")], "direct");
    run(
        &[("http_proxy", &proxy), ("no_proxy", "example.com")],
        "http_proxy",
    );
    assert_eq!(tinyproxy_connects(&p), 4, "{}", p.log());
}

/// `run_child` with the proxy variables of this process removed first.
fn run_child_clean(name: &str, env: &[(&str, &str)]) {
    const VARS: &[&str] = &[
        "ws_proxy",
        "WS_PROXY",
        "wss_proxy",
        "WSS_PROXY",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ];
    let mut all: Vec<(&str, &str)> = VARS
        .iter()
        .filter(|v| !env.iter().any(|(k, _)| k == *v))
        .map(|v| (*v, ""))
        .collect();
    all.extend_from_slice(env);
    run_child(name, &all);
}
