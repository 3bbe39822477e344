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

/// A caller's path: no blanks, controls or fragment; a leading `/`; then
/// the same normalisation as a path in the URL (the url crate's: dot
/// segments resolved, `\\` as `/`, non-ASCII and characters not allowed in
/// a request target percent-encoded), so that a target named by URL or by
/// URL + path is the same request, and `Endpoint::url` names it again.
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
    let slash = if resource.starts_with('/') || resource.starts_with('\\') {
        ""
    } else {
        "/"
    };
    let parsed = url::Url::parse(&format!("ws://h{slash}{resource}"))
        .map_err(|e| format!("path {resource:?}: {}", describe(e)))?;
    Ok(match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    })
}

#[cfg(test)]
mod tests {
    //! The helpers on their own. What `parse_target` makes of whole URLs,
    //! ports and paths is tested through the public API in tests/config.rs.
    use super::*;

    #[test]
    fn authority_checks() {
        let cases: &[(&str, Option<&str>)] = &[
            ("h", None),
            ("h:1", None),
            ("[::1]", None),
            ("[::1]:65535", None),
            ("", Some("empty host")),
            (":80", Some("empty host")),
            ("h:", Some("not a number")),
            ("h:0", Some("out of range")),
            ("h:65536", Some("out of range")),
            ("h:1:2", Some("ambiguous")),
            ("[::1", Some("unterminated")),
            ("[h]", Some("not an IPv6")),
            ("[::1]x", Some("unexpected")),
            ("[::1]:0", Some("out of range")),
        ];
        for &(authority, want) in cases {
            match (check_authority(authority), want) {
                (Ok(()), None) => {}
                (Err(m), Some(w)) => assert!(m.contains(w), "{authority:?}: {m} lacks {w:?}"),
                (r, _) => panic!("{authority:?}: {r:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn host_name_rules() {
        let label = "a".repeat(63);
        let longest = [&*label, &*label, &*label, &"b".repeat(61)].join(".");
        assert_eq!(longest.len(), 253);
        assert_eq!(validate_hostname(&longest), Ok(()));
        let too_long = format!("{longest}b");
        assert!(validate_hostname(&too_long)
            .unwrap_err()
            .contains("longer than 253"));
        for ok in ["h", "h_1.example", "h.", "xn--bcher-kva.example", "a-b.c"] {
            assert_eq!(validate_hostname(ok), Ok(()), "{ok}");
        }
        for (bad, want) in [
            ("a..b", "empty label"),
            (".a", "empty label"),
            ("a$b", "not allowed"),
            ("b\u{fc}cher", "not allowed"),
        ] {
            let m = validate_hostname(bad).unwrap_err();
            assert!(m.contains(want), "{bad:?}: {m} lacks {want:?}");
        }
    }

    #[test]
    fn caller_paths() {
        for (path, want) in [
            ("chat", "/chat"),
            ("/a/b?x=1&y", "/a/b?x=1&y"),
            ("/\u{e9}", "/%C3%A9"),
            ("?q", "/?q"),
            // As in a URL's path: dot segments, backslashes, characters a
            // request target may not hold.
            ("..", "/"),
            ("/a/./b/../c", "/a/c"),
            ("\\a\\b", "/a/b"),
            ("/<x>\"`{}", "/%3Cx%3E%22%60%7B%7D"),
            ("/a?b=<c>", "/a?b=%3Cc%3E"),
        ] {
            assert_eq!(normalize_resource(path).as_deref(), Ok(want), "{path:?}");
        }
        for (path, want) in [
            ("/a b", "space"),
            ("/a\tb", "control"),
            ("/a#f", "fragment"),
        ] {
            let m = normalize_resource(path).unwrap_err();
            assert!(m.contains(want), "{path:?}: {m} lacks {want:?}");
        }
    }
}
