//! Which proxy a connection uses: the client's own setting, else the
//! environment with curl's rules (lib/proxy.c, lib/noproxy.c), the
//! de-facto standard:
//!
//! - `ws://`: `ws_proxy`, `WS_PROXY`, then `http_proxy` (lower case only:
//!   a CGI program gets `HTTP_PROXY` from a request's `Proxy:` header), then
//!   `all_proxy`, `ALL_PROXY`.
//! - `wss://`: `wss_proxy`, `WSS_PROXY`, then `https_proxy`, `HTTPS_PROXY`,
//!   then `all_proxy`, `ALL_PROXY`, and last `http_proxy` (lower case only):
//!   curl stops before it, but libwebsockets, which the original
//!   `MyWSClient` was built on, used `http_proxy` for every connection, so a
//!   program migrating with only `http_proxy` set keeps its proxy. An empty
//!   variable counts as unset.
//! - The no-proxy list is the client's own, else `no_proxy`, else `NO_PROXY`
//!   (again, empty counts as unset);
//!   it applies to a proxy set on the client too (as in curl).
//!
//! The no-proxy list is separated by commas (and blanks). A list that is
//! just `*` bypasses every host. A host entry matches the host itself and
//! its subdomains at a dot boundary; leading and trailing dots are ignored
//! (`example.com` and `.example.com` both match `www.example.com`, not
//! `notexample.com`). An IP entry matches IP-literal targets only, exactly
//! or as a CIDR range (`10.0.0.0/8`, `fe80::/10`); names are never resolved
//! to match. Ports are not part of the syntax.

use std::net::IpAddr;

use super::ProxyUrl;

/// How the client's proxy is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum ProxySetting {
    /// From the environment (the default).
    #[default]
    Environment,
    /// No proxy at all.
    None,
    /// This proxy URL.
    Url(String),
}

impl ProxySetting {
    /// The C ABI's convention: NULL = environment, "" = none, else a URL.
    pub(crate) fn from_option(s: Option<&str>) -> ProxySetting {
        match s {
            None => ProxySetting::Environment,
            Some(s) if s.trim().is_empty() => ProxySetting::None,
            Some(s) => ProxySetting::Url(s.to_string()),
        }
    }
}

/// The proxy chosen for one target, and where it came from (for the log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chosen {
    pub proxy: ProxyUrl,
    /// "the client's setting" or the environment variable's name.
    pub source: String,
}

/// The variables consulted for a `ws://` (`secure` false) or `wss://` target, in order.
pub(crate) fn proxy_variables(secure: bool) -> &'static [&'static str] {
    if secure {
        &[
            "wss_proxy",
            "WSS_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "http_proxy",
        ]
    } else {
        &[
            "ws_proxy",
            "WS_PROXY",
            "http_proxy",
            "all_proxy",
            "ALL_PROXY",
        ]
    }
}

/// Chooses the proxy for `host` (`secure`: a `wss://` target). `no_proxy`
/// is the client's own list (`None`: from the environment). `getenv` reads
/// a variable (the real environment, or a table in tests). An invalid
/// proxy URL is an error naming where it came from.
pub(crate) fn choose(
    host: &str,
    secure: bool,
    setting: &ProxySetting,
    no_proxy: Option<&str>,
    getenv: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Chosen>, String> {
    let (text, source) = match setting {
        ProxySetting::None => return Ok(None),
        ProxySetting::Url(u) => (u.clone(), "the client's proxy setting".to_string()),
        ProxySetting::Environment => {
            let found = proxy_variables(secure)
                .iter()
                .find_map(|v| getenv(v).filter(|s| !s.trim().is_empty()).map(|s| (s, *v)));
            match found {
                Some((value, var)) => (value, format!("the environment variable {var}")),
                None => return Ok(None),
            }
        }
    };
    let list = match no_proxy {
        Some(l) => Some(l.to_string()),
        None => getenv("no_proxy")
            .filter(|s| !s.trim().is_empty())
            .or_else(|| getenv("NO_PROXY")),
    };
    if list.is_some_and(|l| no_proxy_matches(&l, host)) {
        return Ok(None);
    }
    let proxy = ProxyUrl::parse(&text).map_err(|e| format!("{e} (from {source})"))?;
    Ok(Some(Chosen { proxy, source }))
}

/// The real environment (values that are not UTF-8 count as unset).
pub(crate) fn getenv(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// curl's NO_PROXY match: does `list` exclude `host` from proxying?
/// `host` is a name or an IP literal (IPv6 with or without brackets).
pub(crate) fn no_proxy_matches(list: &str, host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    let list = list.trim();
    if list == "*" {
        return true;
    }
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let target_ip = unbracketed.parse::<IpAddr>().ok();
    let name = host.strip_suffix('.').unwrap_or(host);
    list.split([',', ' ', '\t'])
        .filter(|t| !t.is_empty())
        .any(|entry| match target_ip {
            Some(ip) => ip_entry_matches(entry, ip),
            None => name_entry_matches(entry, name),
        })
}

fn name_entry_matches(entry: &str, name: &str) -> bool {
    let entry = entry.strip_suffix('.').unwrap_or(entry);
    let entry = entry.strip_prefix('.').unwrap_or(entry);
    if entry.is_empty() || entry.len() > name.len() {
        return false;
    }
    let tail = &name[name.len() - entry.len()..];
    if !tail.eq_ignore_ascii_case(entry) {
        return false;
    }
    entry.len() == name.len() || name.as_bytes()[name.len() - entry.len() - 1] == b'.'
}

/// An address entry, optionally with a prefix length; the target must be
/// of the same family. An entry that is not an address never matches.
fn ip_entry_matches(entry: &str, ip: IpAddr) -> bool {
    let (addr, bits) = match entry.split_once('/') {
        Some((a, b)) => match b.parse::<u32>() {
            Ok(n) => (a, Some(n)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => prefix_match(&n.octets(), &a.octets(), bits),
        (IpAddr::V6(n), IpAddr::V6(a)) => prefix_match(&n.octets(), &a.octets(), bits),
        _ => false,
    }
}

/// The first `bits` bits are equal (all of them when `bits` is None); a
/// prefix longer than the address never matches.
fn prefix_match(net: &[u8], addr: &[u8], bits: Option<u32>) -> bool {
    let total = (net.len() * 8) as u32;
    let bits = bits.unwrap_or(total);
    if bits > total {
        return false;
    }
    let full = (bits / 8) as usize;
    if net[..full] != addr[..full] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xFFu8 << (8 - rest);
    net[full] & mask == addr[full] & mask
}

#[cfg(test)]
mod tests;
