//! Unit tests of `proxy/env.rs`: curl's no-proxy and CIDR cases, the
//! environment's precedence, the client's own settings.

use super::*;

/// curl's tests/unit/unit1614.c cases (host, list, match) that apply:
/// all of its host/list cases.
#[test]
fn curl_no_proxy_cases() {
    let long_dot = format!("localhost,{}", "127.0.0.1.".repeat(12) + "127.0.0.");
    let long = format!("localhost,{}", "127.0.0.1.".repeat(12) + "127.0.0");
    let cases: &[(&str, &str, bool)] = &[
        (
            "www.example.com",
            "localhost .example.com .example.de",
            true,
        ),
        (
            "www.example.com",
            "localhost,.example.com,.example.de",
            true,
        ),
        (
            "www.example.com.",
            "localhost,.example.com,.example.de",
            true,
        ),
        ("example.com", "localhost,.example.com,.example.de", true),
        ("example.com.", "localhost,.example.com,.example.de", true),
        (
            "www.example.com",
            "localhost,.example.com.,.example.de",
            true,
        ),
        (
            "www.example.com",
            "localhost,www.example.com.,.example.de",
            true,
        ),
        ("example.com", "localhost,example.com,.example.de", true),
        ("example.com.", "localhost,example.com,.example.de", true),
        ("nexample.com", "localhost,example.com,.example.de", false),
        ("www.example.com", "localhost,example.com,.example.de", true),
        ("127.0.0.1", "127.0.0.1,localhost", true),
        ("127.0.0.1", "127.0.0.1,localhost,", true),
        ("127.0.0.1", "127.0.0.1/8,localhost,", true),
        ("127.0.0.1", "127.0.0.1/28,localhost,", true),
        ("127.0.0.1", "127.0.0.1/31,localhost,", true),
        ("127.0.0.1", "localhost,127.0.0.1", true),
        ("127.0.0.1", &long_dot, false),
        ("127.0.0.1", &long, false),
        ("localhost", "localhost,127.0.0.1", true),
        ("localhost", "127.0.0.1,localhost", true),
        ("foobar", "barfoo", false),
        ("foobar", "foobar", true),
        ("192.168.0.1", "foobar", false),
        ("192.168.0.1", "192.168.0.0/16", true),
        ("192.168.0.1", "192.168.0.0/24", true),
        ("192.168.0.1", "192.168.0.0/32", false),
        ("192.168.0.1", "192.168.0.0", false),
        ("192.168.1.1", "192.168.0.0/24", false),
        ("192.168.1.1", "foo, bar, 192.168.0.0/24", false),
        ("192.168.1.1", "foo, bar, 192.168.0.0/16", true),
        ("[::1]", "foo, bar, 192.168.0.0/16", false),
        ("[::1]", "foo, bar, ::1/64", true),
        ("bar", "foo, bar, ::1/64", true),
        ("BAr", "foo, bar, ::1/64", true),
        ("BAr", "foo,,,,,              bar, ::1/64", true),
        ("www.example.com", "foo, .example.com", true),
        ("www.example.com", "www2.example.com, .example.net", false),
        ("example.com", ".example.com, .example.net", true),
        ("nonexample.com", ".example.com, .example.net", false),
    ];
    for &(host, list, want) in cases {
        assert_eq!(no_proxy_matches(list, host), want, "{host:?} in {list:?}");
    }
}

/// curl's CIDR cases (address, network, bits, match); curl's bits 0
/// means "the whole address", our `None`.
#[test]
fn curl_cidr_cases() {
    let v4: &[(&str, &str, Option<u32>, bool)] = &[
        ("192.160.0.1", "192.160.0.1", Some(33), false),
        ("192.160.0.1", "192.160.0.1", Some(32), true),
        ("192.160.0.1", "192.160.0.1", None, true),
        ("192.160.0.1", "192.160.0.1", Some(24), true),
        ("192.160.0.1", "192.160.0.1", Some(26), true),
        ("192.160.0.1", "192.160.0.1", Some(20), true),
        ("192.160.0.1", "192.160.0.1", Some(18), true),
        ("192.160.0.1", "192.160.0.1", Some(12), true),
        ("192.160.0.1", "192.160.0.1", Some(8), true),
        ("192.160.0.1", "10.0.0.1", Some(8), false),
        ("192.160.0.1", "10.0.0.1", Some(32), false),
        ("192.160.0.1", "10.0.0.1", None, false),
        ("::1", "::1", None, true),
        ("::1", "::1", Some(128), true),
        ("::1", "0:0::1", Some(128), true),
        ("::1", "0:0::1", Some(129), false),
        (
            "fe80::ab47:4396:55c9:8474",
            "fe80::ab47:4396:55c9:8474",
            Some(64),
            true,
        ),
    ];
    for &(addr, net, bits, want) in v4 {
        let entry = match bits {
            Some(b) => format!("{net}/{b}"),
            None => net.to_string(),
        };
        assert_eq!(
            ip_entry_matches(&entry, addr.parse().unwrap()),
            want,
            "{addr} in {entry}"
        );
    }
}

#[test]
fn more_no_proxy_rules() {
    let cases: &[(&str, &str, bool)] = &[
        ("anything.example", "*", true),
        ("10.0.0.1", " * ", true),
        ("h", "", false),
        ("", "*", false),
        ("fe80::1", "fe80::/10", true),
        ("fec0::1", "fe80::/10", false),
        ("::1", "[::1]", true),
        ("10.1.2.3", "10.0.0.0/8", true),
        ("10.1.2.3", "10.0.0.0/x", false),
        ("10.1.2.3", "::/0", false),
        ("10.1.2.3", "0.0.0.0/0", true),
        ("localhost", "127.0.0.1", false),
        ("notexample.com", "example.com", false),
        ("a.b.example.com", "EXAMPLE.COM", true),
        ("example.com", "www.example.com", false),
        ("h", "*.h", false),
    ];
    for &(host, list, want) in cases {
        assert_eq!(no_proxy_matches(list, host), want, "{host:?} in {list:?}");
    }
}

fn env<'a>(vars: &'a [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

fn chosen(host: &str, secure: bool, vars: &[(&'static str, &'static str)]) -> Option<String> {
    choose(host, secure, &ProxySetting::Environment, None, &env(vars))
        .unwrap()
        .map(|c| format!("{} {}", c.proxy, c.source.rsplit(' ').next().unwrap()))
}

#[test]
fn environment_precedence_like_curl() {
    type Case = (
        bool,
        &'static [(&'static str, &'static str)],
        Option<&'static str>,
    );
    let cases: &[Case] = &[
        (false, &[], None),
        (
            false,
            &[("http_proxy", "h1:1")],
            Some("http://h1:1 http_proxy"),
        ),
        (false, &[("HTTP_PROXY", "h1:1")], None),
        (false, &[("https_proxy", "h1:1")], None),
        (
            false,
            &[("ws_proxy", "w:1"), ("http_proxy", "h:1")],
            Some("http://w:1 ws_proxy"),
        ),
        (
            false,
            &[("WS_PROXY", "W:1"), ("http_proxy", "h:1")],
            Some("http://w:1 WS_PROXY"),
        ),
        (
            false,
            &[("ws_proxy", "a:1"), ("WS_PROXY", "b:1")],
            Some("http://a:1 ws_proxy"),
        ),
        (
            false,
            &[("ALL_PROXY", "socks5h://s:1")],
            Some("socks5h://s:1 ALL_PROXY"),
        ),
        (
            false,
            &[("all_proxy", "a:1"), ("ALL_PROXY", "b:1")],
            Some("http://a:1 all_proxy"),
        ),
        (
            false,
            &[("http_proxy", "h:1"), ("all_proxy", "a:1")],
            Some("http://h:1 http_proxy"),
        ),
        (
            false,
            &[("http_proxy", ""), ("all_proxy", "a:1")],
            Some("http://a:1 all_proxy"),
        ),
        (
            true,
            &[("http_proxy", "h:1")],
            Some("http://h:1 http_proxy"),
        ),
        (
            true,
            &[("http_proxy", "h:1"), ("https_proxy", "s:1")],
            Some("http://s:1 https_proxy"),
        ),
        (
            true,
            &[("http_proxy", "h:1"), ("all_proxy", "a:1")],
            Some("http://a:1 all_proxy"),
        ),
        (true, &[("HTTP_PROXY", "H:1")], None),
        (
            true,
            &[("https_proxy", "s:1")],
            Some("http://s:1 https_proxy"),
        ),
        (
            true,
            &[("HTTPS_PROXY", "s:1")],
            Some("http://s:1 HTTPS_PROXY"),
        ),
        (
            true,
            &[("https_proxy", "a:1"), ("HTTPS_PROXY", "b:1")],
            Some("http://a:1 https_proxy"),
        ),
        (
            true,
            &[("wss_proxy", "w:1"), ("https_proxy", "s:1")],
            Some("http://w:1 wss_proxy"),
        ),
        (
            true,
            &[("WSS_PROXY", "w:1"), ("https_proxy", "s:1")],
            Some("http://w:1 WSS_PROXY"),
        ),
        (true, &[("all_proxy", "a:1")], Some("http://a:1 all_proxy")),
        (
            true,
            &[("https_proxy", "s:1"), ("no_proxy", "target")],
            None,
        ),
        (
            true,
            &[("https_proxy", "s:1"), ("NO_PROXY", ".target")],
            None,
        ),
        (
            true,
            &[
                ("https_proxy", "s:1"),
                ("no_proxy", "other"),
                ("NO_PROXY", "target"),
            ],
            Some("http://s:1 https_proxy"),
        ),
        (true, &[("https_proxy", "s:1"), ("no_proxy", "*")], None),
    ];
    for (secure, vars, want) in cases {
        assert_eq!(
            chosen("target", *secure, vars).as_deref(),
            *want,
            "secure={secure} {vars:?}"
        );
    }
}

#[test]
fn client_settings_override_the_environment() {
    let vars = env(&[("http_proxy", "h:1"), ("no_proxy", "target")]);
    let url = ProxySetting::Url("socks5://s:2".into());
    // The client's proxy, still subject to the environment's no_proxy.
    assert_eq!(choose("target", false, &url, None, &vars).unwrap(), None);
    let c = choose("other", false, &url, None, &vars).unwrap().unwrap();
    assert_eq!(c.proxy.to_string(), "socks5://s:2");
    assert!(c.source.contains("client"));
    // The client's no-proxy list replaces the environment's; "" is empty.
    let c = choose("target", false, &url, Some(""), &vars).unwrap();
    assert!(c.is_some());
    let e = choose(
        "target",
        false,
        &ProxySetting::Environment,
        Some("x"),
        &vars,
    )
    .unwrap();
    assert_eq!(e.unwrap().proxy.to_string(), "http://h:1");
    assert_eq!(
        choose("x", false, &ProxySetting::None, None, &vars).unwrap(),
        None
    );
    assert_eq!(ProxySetting::from_option(None), ProxySetting::Environment);
    assert_eq!(ProxySetting::from_option(Some("")), ProxySetting::None);
    assert_eq!(
        ProxySetting::from_option(Some("h")),
        ProxySetting::Url("h".into())
    );
}

#[test]
fn a_bad_proxy_url_names_its_source_without_the_password() {
    let vars = env(&[("https_proxy", "ftp://u:secret@h")]);
    let e = choose("t", true, &ProxySetting::Environment, None, &vars).unwrap_err();
    assert!(e.contains("https_proxy") && e.contains("scheme"), "{e}");
    assert!(!e.contains("secret"), "{e}");
}
