//! The target URL: parsed by the `url` crate (WHATWG rules: international
//! host names become punycode, IPv4 in any notation is normalised), with
//! the original class's conventions on top (DESIGN §1.1): a bare host
//! means `wss://`, `port > 0` overrides the URL's port, a non-empty `path`
//! overrides the URL's path and query. Pure: no I/O.

use std::net::{IpAddr, Ipv6Addr};

use crate::config::Endpoint;
use crate::error::{Error, ErrorKind, Result};

/// Resolves `url`, `port` and `path` into an endpoint; every error names
/// the problem.
pub(crate) fn parse_target(url: &str, port: i32, path: &str) -> Result<Endpoint> {
    let bad = |msg: String| Error::new(ErrorKind::InvalidArgument, msg);
    if url.is_empty() {
        return Err(bad(
            "empty URL: expected a host or a ws:// or wss:// URL".into()
        ));
    }
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(format!(
            "URL {url:?} contains a space or control character ({c:?})"
        )));
    }
    if !(0..=65535).contains(&port) {
        return Err(bad(format!(
            "port {port} is out of range (0 keeps the URL's port, 1-65535 override it)"
        )));
    }
    let (secure, rest) = match url.find("://") {
        Some(i) => match url[..i].to_ascii_lowercase().as_str() {
            "ws" => (false, &url[i + 3..]),
            "wss" => (true, &url[i + 3..]),
            _ => {
                return Err(bad(format!(
                    "unsupported URL scheme {:?}: use ws:// or wss://",
                    &url[..i]
                )))
            }
        },
        None => (true, url),
    };
    if rest.contains('#') {
        return Err(bad(format!(
            "URL {url:?} has a fragment ('#'), which WebSocket URLs may not have"
        )));
    }
    // A bare IPv6 literal has no path, port or brackets: "::1".
    let rest = match rest.parse::<Ipv6Addr>() {
        Ok(v6) => format!("[{v6}]"),
        Err(_) => rest.to_string(),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.contains('@') {
        return Err(bad(format!(
            "URL {url:?} has user information ('@'), which is not supported"
        )));
    }
    check_authority(authority).map_err(|m| bad(format!("URL {url:?}: {m}")))?;
    let scheme = if secure { "wss" } else { "ws" };
    let parsed = url::Url::parse(&format!("{scheme}://{rest}"))
        .map_err(|e| bad(format!("URL {url:?}: {}", describe(e))))?;
    let (host, ip) = match parsed.host() {
        Some(url::Host::Domain(d)) => {
            validate_hostname(d).map_err(|m| bad(format!("URL {url:?}: {m}")))?;
            (d.to_string(), None)
        }
        Some(url::Host::Ipv4(a)) => (a.to_string(), Some(IpAddr::V4(a))),
        Some(url::Host::Ipv6(a)) => (a.to_string(), Some(IpAddr::V6(a))),
        None => return Err(bad(format!("URL {url:?}: empty host"))),
    };
    let port = if port > 0 {
        port as u16
    } else {
        parsed
            .port_or_known_default()
            .unwrap_or(if secure { 443 } else { 80 })
    };
    let resource = if !path.is_empty() {
        normalize_resource(path).map_err(bad)?
    } else {
        match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_string(),
        }
    };
    Ok(Endpoint {
        secure,
        host,
        port,
        resource,
        ip,
    })
}

/// The checks whose messages the url crate would make vaguer: brackets,
/// empty host, port syntax and range.
fn check_authority(authority: &str) -> std::result::Result<(), String> {
    let port_text = if let Some(inner) = authority.strip_prefix('[') {
        let end = inner.find(']').ok_or("unterminated '[' in IPv6 literal")?;
        let v6 = &inner[..end];
        if v6.parse::<Ipv6Addr>().is_err() {
            return Err(format!("{v6:?} is not an IPv6 address"));
        }
        match &inner[end + 1..] {
            "" => None,
            p if p.starts_with(':') => Some(&p[1..]),
            after => return Err(format!("unexpected {after:?} after IPv6 literal")),
        }
    } else {
        match authority.split_once(':') {
            Some((_, p)) if p.contains(':') => {
                return Err(format!("{authority:?} is ambiguous: write an IPv6 address with a port in brackets, e.g. [::1]:8080"))
            }
            Some((h, p)) => {
                if h.is_empty() {
                    return Err("empty host".into());
                }
                Some(p)
            }
            None if authority.is_empty() => return Err("empty host".into()),
            None => None,
        }
    };
    if let Some(p) = port_text {
        let n: u32 = p
            .parse()
            .map_err(|_| format!("port {p:?} is not a number"))?;
        if n == 0 || n > 65535 {
            return Err(format!("port {n} is out of range 1-65535"));
        }
    }
    Ok(())
}

fn describe(e: url::ParseError) -> String {
    match e {
        url::ParseError::EmptyHost => "empty host".into(),
        url::ParseError::IdnaError => "the host is not a valid international domain name".into(),
        url::ParseError::InvalidDomainCharacter => {
            "the host contains a character that is not allowed in a host name".into()
        }
        other => other.to_string(),
    }
}

/// After IDNA the host is ASCII; what DNS accepts is letters, digits,
/// hyphens, underscores and dots, in non-empty labels.
fn validate_hostname(host: &str) -> std::result::Result<(), String> {
    if host.len() > 253 {
        return Err(format!(
            "host name is {} bytes long, longer than 253",
            host.len()
        ));
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.' || *c == '_'))
    {
        return Err(format!(
            "host {host:?} contains {c:?}, which is not allowed in a host name"
        ));
    }
    if host
        .strip_suffix('.')
        .unwrap_or(host)
        .split('.')
        .any(str::is_empty)
    {
        return Err(format!("host {host:?} has an empty label"));
    }
    Ok(())
}

/// A caller's path: no blanks, controls or fragment; a leading `/`;
/// non-ASCII percent-encoded.
fn normalize_resource(resource: &str) -> std::result::Result<String, String> {
    if let Some(c) = resource
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "path {resource:?} contains a space or control character ({c:?})"
        ));
    }
    if resource.contains('#') {
        return Err(format!("path {resource:?} contains a fragment ('#')"));
    }
    let mut out = String::with_capacity(resource.len() + 1);
    if !resource.starts_with('/') {
        out.push('/');
    }
    for b in resource.bytes() {
        if b.is_ascii() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(url: &str, port: i32, path: &str) -> Endpoint {
        parse_target(url, port, path).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// The same table as tests/config.rs, plus what the url crate adds.
    #[test]
    fn conventions_of_the_original() {
        let cases: &[(&str, i32, &str, bool, &str, u16, &str)] = &[
            ("example.com", 0, "", true, "example.com", 443, "/"),
            (
                "example.com",
                9001,
                "/chat",
                true,
                "example.com",
                9001,
                "/chat",
            ),
            ("Example.COM", 0, "chat", true, "example.com", 443, "/chat"),
            ("127.0.0.1", 8080, "", true, "127.0.0.1", 8080, "/"),
            ("[::1]", 0, "", true, "::1", 443, "/"),
            ("::1", 7000, "", true, "::1", 7000, "/"),
            ("ws://h:8080/p?q=1", 0, "", false, "h", 8080, "/p?q=1"),
            (
                "ws://h:8080/p?q=1",
                9000,
                "/other?x=2",
                false,
                "h",
                9000,
                "/other?x=2",
            ),
            ("ws://h", 0, "", false, "h", 80, "/"),
            ("ws://h:80", 0, "", false, "h", 80, "/"),
            ("wss://h:443", 0, "", true, "h", 443, "/"),
            ("WSS://h", 0, "", true, "h", 443, "/"),
            ("wss://h?only=query", 0, "", true, "h", 443, "/?only=query"),
            (
                "wss://[2001:db8::1]:8443/x",
                0,
                "",
                true,
                "2001:db8::1",
                8443,
                "/x",
            ),
            ("ws://[::1]:9000", 0, "/a/b", false, "::1", 9000, "/a/b"),
            (
                "wss://bücher.example/",
                0,
                "",
                true,
                "xn--bcher-kva.example",
                443,
                "/",
            ),
            (
                "BÜCHER.example",
                0,
                "",
                true,
                "xn--bcher-kva.example",
                443,
                "/",
            ),
            ("ws://h/é", 0, "", false, "h", 80, "/%C3%A9"),
            ("ws://h", 0, "/é", false, "h", 80, "/%C3%A9"),
            ("ws://h_1.example", 0, "", false, "h_1.example", 80, "/"),
            ("ws://h.", 0, "", false, "h.", 80, "/"),
        ];
        for &(url, port, path, secure, host, want_port, resource) in cases {
            let e = ep(url, port, path);
            assert_eq!(
                (e.secure, e.host.as_str(), e.port, e.resource.as_str()),
                (secure, host, want_port, resource),
                "{url:?} port {port} path {path:?}"
            );
            assert_eq!(e.ip.is_some(), host.parse::<IpAddr>().is_ok(), "{url}");
        }
    }

    #[test]
    fn invalid_inputs_name_the_problem() {
        let cases: &[(&str, i32, &str, &str)] = &[
            ("", 0, "", "empty URL"),
            ("ws://", 0, "", "empty host"),
            ("ws://:80/", 0, "", "empty host"),
            ("http://h", 0, "", "scheme"),
            ("ftp://example.com", 0, "", "scheme"),
            ("h", 70000, "", "out of range"),
            ("h", -1, "", "out of range"),
            ("ws://h:0", 0, "", "out of range"),
            ("ws://h:99999", 0, "", "out of range"),
            ("ws://h:x", 0, "", "not a number"),
            ("exa mple.com", 0, "", "space"),
            ("ws://h/\n", 0, "", "control"),
            ("h", 0, "/a b", "space"),
            ("example.com", 0, "/a\r\nX-Injected: 1", "control"),
            ("ws://u@h", 0, "", "user information"),
            ("ws://[::1", 0, "", "unterminated"),
            ("ws://[zz]", 0, "", "not an IPv6"),
            ("ws://h/#f", 0, "", "fragment"),
            ("ws://ho$t", 0, "", "not allowed"),
            ("ws://ex!ample.com", 0, "", "not allowed"),
            ("ws://a..b", 0, "", "empty label"),
            ("f::22:111:1:1:1:1:13", 0, "", "brackets"),
        ];
        for (url, port, path, want) in cases {
            let err = parse_target(url, *port, path).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidArgument);
            assert!(
                err.message.contains(want),
                "{url:?}: {} lacks {want:?}",
                err.message
            );
        }
    }
}
