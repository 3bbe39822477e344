//! Resolve overrides, like curl's `CURLOPT_RESOLVE`: `host:port:addr[,addr…]`
//! makes a connection to `host` on `port` use these addresses (in this
//! order) instead of asking the system's resolver. They apply to every name
//! the client looks up: the server's, and a proxy's. Pure: no I/O.

use std::net::{IpAddr, SocketAddr};

use crate::error::{Error, ErrorKind, Result};

/// One override: connections to `host`:`port` use `addrs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveOverride {
    /// The host name, lower case (matched without regard to case and to a
    /// trailing dot).
    pub host: String,
    /// The port it applies to.
    pub port: u16,
    /// The addresses, in the order they are tried (Happy Eyeballs
    /// interleaves the families, starting with the first's).
    pub addrs: Vec<IpAddr>,
}

impl ResolveOverride {
    /// Parses curl's syntax: `host:port:addr[,addr…]`, IPv6 addresses with
    /// or without brackets (`example.com:443:[::1],127.0.0.1`).
    pub fn parse(entry: &str) -> Result<ResolveOverride> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("resolve entry {entry:?}: {why} (expected host:port:address[,address...])"),
            )
        };
        let entry = entry.trim();
        let mut parts = entry.splitn(3, ':');
        let (Some(host), Some(port), Some(list)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("missing parts"));
        };
        if host.is_empty() {
            return Err(bad("empty host"));
        }
        let port: u16 = match port.parse() {
            Ok(p) if p > 0 => p,
            _ => return Err(bad(&format!("port {port:?} is not 1-65535"))),
        };
        let mut addrs = Vec::new();
        for a in list.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            let bare = a
                .strip_prefix('[')
                .and_then(|a| a.strip_suffix(']'))
                .unwrap_or(a);
            let ip: IpAddr = bare
                .parse()
                .map_err(|_| bad(&format!("{a:?} is not an IP address")))?;
            addrs.push(ip);
        }
        if addrs.is_empty() {
            return Err(bad("no address"));
        }
        Ok(ResolveOverride {
            host: normalize(host),
            port,
            addrs,
        })
    }
}

fn normalize(host: &str) -> String {
    let h = host.strip_suffix('.').unwrap_or(host);
    let h = h
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h);
    h.to_ascii_lowercase()
}

/// The overridden addresses of `host`:`port`, if an entry covers them (the
/// last entry for a host and port wins).
pub(crate) fn lookup(
    overrides: &[ResolveOverride],
    host: &str,
    port: u16,
) -> Option<Vec<SocketAddr>> {
    let host = normalize(host);
    overrides
        .iter()
        .rev()
        .find(|o| o.port == port && o.host == host)
        .map(|o| {
            o.addrs
                .iter()
                .map(|ip| SocketAddr::new(*ip, port))
                .collect()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_curl_syntax() {
        let o = ResolveOverride::parse("Example.COM:443:[::1], 127.0.0.2,10.0.0.1").unwrap();
        assert_eq!(o.host, "example.com");
        assert_eq!(o.port, 443);
        assert_eq!(
            o.addrs,
            vec![
                "::1".parse::<IpAddr>().unwrap(),
                "127.0.0.2".parse().unwrap(),
                "10.0.0.1".parse().unwrap()
            ]
        );
        let o = ResolveOverride::parse("h:1:::1").unwrap();
        assert_eq!(o.addrs, vec!["::1".parse::<IpAddr>().unwrap()]);
        for (bad, want) in [
            ("h:443", "missing"),
            (":443:1.2.3.4", "empty host"),
            ("h:0:1.2.3.4", "port"),
            ("h:x:1.2.3.4", "port"),
            ("h:443:", "no address"),
            ("h:443:name", "not an IP"),
        ] {
            let e = ResolveOverride::parse(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument);
            assert!(e.message.contains(want), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn lookup_matches_host_and_port() {
        let list = vec![
            ResolveOverride::parse("h:80:127.0.0.2").unwrap(),
            ResolveOverride::parse("h:80:127.0.0.3,127.0.0.4").unwrap(),
            ResolveOverride::parse("other:80:127.0.0.5").unwrap(),
        ];
        let got = lookup(&list, "H.", 80).unwrap();
        assert_eq!(
            got,
            vec![
                "127.0.0.3:80".parse::<SocketAddr>().unwrap(),
                "127.0.0.4:80".parse().unwrap()
            ]
        );
        assert_eq!(lookup(&list, "h", 81), None);
        assert_eq!(lookup(&list, "x", 80), None);
    }
}
