//! Proxies: which one a connection uses ([`env`](mod@env): curl's environment rules
//! and NO_PROXY), the proxy URL ([`ProxyUrl`]), and the tunnel handshakes
//! as sans-IO state machines ([`http`]: HTTP CONNECT, [`socks`]: SOCKS5 and
//! SOCKS4a). A [`Tunnel`] consumes the proxy's bytes and produces ours; the
//! session moves them over its non-blocking socket.

pub(crate) mod env;
pub(crate) mod http;
pub(crate) mod socks;

use std::fmt;
use std::net::IpAddr;

use percent_encoding::percent_decode_str;

/// The kinds of proxy, by URL scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProxyScheme {
    /// `http://`: HTTP CONNECT over plain TCP.
    Http,
    /// `https://`: HTTP CONNECT over TLS to the proxy.
    Https,
    /// `socks4://`: SOCKS4, the target resolved locally (IPv4 only).
    Socks4,
    /// `socks4a://`: SOCKS4a, the proxy resolves the target's name.
    Socks4a,
    /// `socks5://`: SOCKS5, the target resolved locally.
    Socks5,
    /// `socks5h://`: SOCKS5, the proxy resolves the target's name.
    Socks5h,
}

impl ProxyScheme {
    fn parse(s: &str) -> Option<ProxyScheme> {
        Some(match s.to_ascii_lowercase().as_str() {
            "http" => ProxyScheme::Http,
            "https" => ProxyScheme::Https,
            "socks4" => ProxyScheme::Socks4,
            "socks4a" => ProxyScheme::Socks4a,
            "socks5" => ProxyScheme::Socks5,
            "socks5h" => ProxyScheme::Socks5h,
            _ => return None,
        })
    }

    /// The scheme as written in URLs.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProxyScheme::Http => "http",
            ProxyScheme::Https => "https",
            ProxyScheme::Socks4 => "socks4",
            ProxyScheme::Socks4a => "socks4a",
            ProxyScheme::Socks5 => "socks5",
            ProxyScheme::Socks5h => "socks5h",
        }
    }

    /// curl's default ports: 443 for HTTPS proxies, 1080 for all others.
    fn default_port(self) -> u16 {
        match self {
            ProxyScheme::Https => 443,
            _ => 1080,
        }
    }

    /// The target's name must be resolved by us (not by the proxy).
    pub(crate) fn resolves_locally(self) -> bool {
        matches!(self, ProxyScheme::Socks4 | ProxyScheme::Socks5)
    }
}

/// A parsed proxy URL: `scheme://[user[:password]@]host[:port]`, the user
/// information percent-decoded, the host in ASCII (punycode) and lower case.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ProxyUrl {
    pub scheme: ProxyScheme,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// The host is an IP literal.
    pub ip: Option<IpAddr>,
    pub port: u16,
    /// User name and password, decoded (a user without a password has "").
    pub credentials: Option<(String, String)>,
}

impl ProxyUrl {
    /// Parses a proxy URL. Without a scheme, `http://` is meant (as in
    /// curl); without a port, curl's defaults apply (1080, 443 for https).
    /// A path, query or fragment is ignored, as curl does.
    pub(crate) fn parse(input: &str) -> Result<ProxyUrl, String> {
        let input = input.trim();
        let bad = |why: &str| format!("proxy URL {:?}: {why}", mask_input(input));
        if input.is_empty() {
            return Err(bad("empty"));
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains a space or control character"));
        }
        let (scheme_text, rest) = match input.find("://") {
            Some(i) => (&input[..i], &input[i + 3..]),
            None => ("http", input),
        };
        let scheme = ProxyScheme::parse(scheme_text).ok_or_else(|| {
            bad(&format!(
                "unsupported scheme {scheme_text:?} (use http, https, socks4, socks4a, socks5 or socks5h)"
            ))
        })?;
        // A neutral scheme without a default port: the url crate then keeps
        // every explicit port and parses the user information for us.
        let parsed =
            url::Url::parse(&format!("x-proxy://{rest}")).map_err(|e| bad(&e.to_string()))?;
        let raw_host = match parsed.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            None => return Err(bad("no host")),
        };
        if raw_host.is_empty() {
            return Err(bad("empty host"));
        }
        let decoded_host = percent_decode_str(&raw_host)
            .decode_utf8()
            .map_err(|_| bad("the host is not valid UTF-8"))?;
        let (host, ip) = match url::Host::parse(&decoded_host).map_err(|e| bad(&e.to_string()))? {
            url::Host::Domain(d) => (d, None),
            url::Host::Ipv4(a) => (a.to_string(), Some(IpAddr::V4(a))),
            url::Host::Ipv6(a) => (a.to_string(), Some(IpAddr::V6(a))),
        };
        let port = match parsed.port() {
            Some(0) => return Err(bad("port 0 is out of range 1-65535")),
            Some(p) => p,
            None => scheme.default_port(),
        };
        let decode = |s: &str| -> Result<String, String> {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| bad("the user information is not valid UTF-8 after percent-decoding"))
        };
        let credentials = if parsed.username().is_empty() && parsed.password().is_none() {
            None
        } else {
            Some((
                decode(parsed.username())?,
                decode(parsed.password().unwrap_or(""))?,
            ))
        };
        Ok(ProxyUrl {
            scheme,
            host,
            ip,
            port,
            credentials,
        })
    }

    /// `host:port` with IPv6 literals bracketed.
    pub(crate) fn authority(&self) -> String {
        match self.ip {
            Some(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

/// For logs and error messages: the password is never shown.
impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        if let Some((user, pass)) = &self.credentials {
            let user = percent_encoding::utf8_percent_encode(user, USERINFO);
            if pass.is_empty() {
                write!(f, "{user}@")?;
            } else {
                write!(f, "{user}:***@")?;
            }
        }
        f.write_str(&self.authority())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Characters escaped in a user name shown in a log line.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b':')
    .add(b'@')
    .add(b'/')
    .add(b'%');

/// An unparsed proxy URL with whatever follows `user:` up to `@` replaced,
/// so that an error message about a malformed URL shows no password.
pub(crate) fn mask_input(input: &str) -> String {
    let (scheme, rest) = match input.find("://") {
        Some(i) => (&input[..i + 3], &input[i + 3..]),
        None => ("", input),
    };
    match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{scheme}{masked}{}", &rest[at..])
        }
        None => input.to_string(),
    }
}

/// The host a tunnel leads to: a name (for the proxy to resolve) or an
/// address, and the port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TunnelTarget {
    pub host: TargetHost,
    pub port: u16,
}

/// A target's host: a name or an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TargetHost {
    Name(String),
    Ip(IpAddr),
}

impl fmt::Display for TunnelTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            TargetHost::Name(n) => write!(f, "{n}:{}", self.port),
            TargetHost::Ip(IpAddr::V6(a)) => write!(f, "[{a}]:{}", self.port),
            TargetHost::Ip(IpAddr::V4(a)) => write!(f, "{a}:{}", self.port),
        }
    }
}

/// A proxy handshake failed. The message names the proxy (credentials
/// masked), the step, and what the proxy said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProxyError {
    pub message: String,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What one protocol step made of the bytes received so far.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Not enough bytes yet.
    NeedMore,
    /// `consumed` bytes were a complete reply; send `reply` next.
    Next { consumed: usize, reply: Vec<u8> },
    /// The tunnel is open after `consumed` bytes; the rest belongs to the target.
    Open { consumed: usize },
}

/// Where a tunnel handshake stands.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Send [`Tunnel::to_send`] and feed the proxy's bytes to [`Tunnel::receive`].
    Pending,
    /// The tunnel is open; these bytes arrived after the proxy's reply and
    /// are the target's (the start of the TLS or WebSocket handshake).
    Open(Vec<u8>),
}

enum Machine {
    Http(http::Connect),
    Socks5(socks::Socks5),
    Socks4(socks::Socks4),
}

/// A tunnel handshake with one proxy, sans-IO: it produces the bytes to
/// send and consumes the bytes received, in any chunking.
pub(crate) struct Tunnel {
    machine: Machine,
    out: Vec<u8>,
    sent: usize,
    input: Vec<u8>,
}

/// The most the proxy may send before its reply is complete.
const MAX_REPLY: usize = 16 * 1024;

impl Tunnel {
    /// Starts a handshake with `proxy` for `target`. SOCKS4 and SOCKS5 (not
    /// 4a/5h) need the target as an address: resolve it first.
    pub(crate) fn new(proxy: &ProxyUrl, target: &TunnelTarget) -> Result<Tunnel, ProxyError> {
        let (machine, out) = match proxy.scheme {
            ProxyScheme::Http | ProxyScheme::Https => {
                let (m, out) = http::Connect::new(proxy, target);
                (Machine::Http(m), out)
            }
            ProxyScheme::Socks5 | ProxyScheme::Socks5h => {
                let (m, out) = socks::Socks5::new(proxy, target)?;
                (Machine::Socks5(m), out)
            }
            ProxyScheme::Socks4 | ProxyScheme::Socks4a => {
                let (m, out) = socks::Socks4::new(proxy, target)?;
                (Machine::Socks4(m), out)
            }
        };
        Ok(Tunnel {
            machine,
            out,
            sent: 0,
            input: Vec::new(),
        })
    }

    /// The bytes to send now (empty when waiting for the proxy).
    pub(crate) fn to_send(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    /// `n` bytes of [`Tunnel::to_send`] reached the socket.
    pub(crate) fn sent(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
    }

    /// Takes bytes from the proxy.
    pub(crate) fn receive(&mut self, data: &[u8]) -> Result<Progress, ProxyError> {
        self.input.extend_from_slice(data);
        loop {
            let step = match &mut self.machine {
                Machine::Http(m) => m.on_input(&self.input)?,
                Machine::Socks5(m) => m.on_input(&self.input)?,
                Machine::Socks4(m) => m.on_input(&self.input)?,
            };
            match step {
                Step::NeedMore => {
                    if self.input.len() > MAX_REPLY {
                        return Err(
                            self.error(format!("the proxy's reply exceeds {MAX_REPLY} bytes"))
                        );
                    }
                    return Ok(Progress::Pending);
                }
                Step::Next { consumed, reply } => {
                    self.input.drain(..consumed);
                    self.out.extend_from_slice(&reply);
                    if self.input.is_empty() {
                        return Ok(Progress::Pending);
                    }
                }
                Step::Open { consumed } => {
                    self.input.drain(..consumed);
                    return Ok(Progress::Open(std::mem::take(&mut self.input)));
                }
            }
        }
    }

    /// The proxy closed the connection before the tunnel was open.
    pub(crate) fn eof(&self) -> ProxyError {
        self.error("the proxy closed the connection during the tunnel handshake".into())
    }

    fn error(&self, why: String) -> ProxyError {
        let label = match &self.machine {
            Machine::Http(m) => m.label(),
            Machine::Socks5(m) => m.label(),
            Machine::Socks4(m) => m.label(),
        };
        ProxyError {
            message: format!("{label}: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ProxyUrl {
        ProxyUrl::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_schemes_ports_and_defaults() {
        let cases: &[(&str, ProxyScheme, &str, u16)] = &[
            ("http://proxy:3128", ProxyScheme::Http, "proxy", 3128),
            ("proxy:3128", ProxyScheme::Http, "proxy", 3128),
            ("proxy", ProxyScheme::Http, "proxy", 1080),
            ("http://proxy:80", ProxyScheme::Http, "proxy", 80),
            (
                "HTTPS://Proxy.Example.COM",
                ProxyScheme::Https,
                "proxy.example.com",
                443,
            ),
            ("socks5://127.0.0.1", ProxyScheme::Socks5, "127.0.0.1", 1080),
            ("socks5h://[::1]:9050", ProxyScheme::Socks5h, "::1", 9050),
            ("socks4a://h:1", ProxyScheme::Socks4a, "h", 1),
            ("socks4://h:1/ignored/path", ProxyScheme::Socks4, "h", 1),
            (
                "http://bücher.example:8080",
                ProxyScheme::Http,
                "xn--bcher-kva.example",
                8080,
            ),
        ];
        for &(input, scheme, host, port) in cases {
            let u = p(input);
            assert_eq!(
                (u.scheme, u.host.as_str(), u.port),
                (scheme, host, port),
                "{input}"
            );
        }
        assert_eq!(p("[::1]:8080").authority(), "[::1]:8080");
        assert!(p("socks5://10.0.0.1").ip.is_some());
        assert!(p("socks5://h").scheme.resolves_locally());
        assert!(!p("socks5h://h").scheme.resolves_locally());
    }

    #[test]
    fn user_information_is_decoded_and_masked() {
        let u = p("http://us%65r:p%40ss%3Aw@proxy:3128");
        assert_eq!(
            u.credentials,
            Some(("user".to_string(), "p@ss:w".to_string()))
        );
        assert_eq!(u.to_string(), "http://user:***@proxy:3128");
        assert!(!format!("{u:?}").contains("p@ss"));
        let u = p("socks5://only@h:1");
        assert_eq!(u.credentials, Some(("only".into(), String::new())));
        assert_eq!(u.to_string(), "socks5://only@h:1");
        assert_eq!(p("h:1").to_string(), "http://h:1");
    }

    #[test]
    fn bad_urls_are_named_without_their_password() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("ftp://h", "unsupported scheme"),
            ("http://u:secret@", "host"),
            ("http://u:secret@h:0", "out of range"),
            ("http://u:secret@h:99999", "port"),
            ("http://h x", "space"),
            ("http://[::1", "IPv6"),
        ];
        for &(input, want) in cases {
            let e = ProxyUrl::parse(input).unwrap_err();
            assert!(e.contains(want), "{input}: {e}");
            assert!(!e.contains("secret"), "{input}: {e}");
        }
    }

    #[test]
    fn mask_input_hides_passwords() {
        assert_eq!(mask_input("http://u:pw@h"), "http://u:***@h");
        assert_eq!(mask_input("u:pw@h"), "u:***@h");
        assert_eq!(mask_input("http://u@h"), "http://u@h");
        assert_eq!(mask_input("http://h"), "http://h");
    }

    #[test]
    fn target_display() {
        let t = |host, port| TunnelTarget { host, port };
        assert_eq!(t(TargetHost::Name("h".into()), 1).to_string(), "h:1");
        assert_eq!(
            t(TargetHost::Ip("::1".parse().unwrap()), 2).to_string(),
            "[::1]:2"
        );
    }
}
