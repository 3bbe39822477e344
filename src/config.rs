//! Where to connect (URL / port / path resolution) and how to behave (options
//! with their defaults). Pure: no I/O.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::deflate::Compression;
use crate::delivery::Delivery;
use crate::error::{Error, ErrorKind, Result};
use crate::flow::{validate_watermarks, OverflowPolicy};
use crate::log::{LogLevel, LogSink};

/// A resolved WebSocket endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `wss://` (TLS) or `ws://`.
    pub secure: bool,
    /// Host name or IP literal, without brackets, lower-case.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path and query sent in the request line, always starting with `/`.
    pub resource: String,
    /// The host is an IP literal (no DNS, no SNI).
    pub ip: Option<IpAddr>,
}

impl Endpoint {
    /// Resolves `url`, `port` and `path` as `mywsclient_new()` documents: `url` is a bare
    /// host (meaning `wss://`) or a `ws://` / `wss://` URL; `port > 0`
    /// overrides the URL's port, `0` keeps it (or the scheme's default); a
    /// non-empty `path` overrides the URL's path and query.
    /// Parsed by the `url` crate (international host names become
    /// punycode); see `target.rs`.
    pub fn resolve(url: &str, port: i32, path: &str) -> Result<Endpoint> {
        crate::target::parse_target(url, port, path)
    }

    /// The value of the `Host` header: the port is omitted when it is the
    /// scheme's default, IPv6 literals are bracketed.
    pub fn host_header(&self) -> String {
        let host = self.bracketed_host();
        let default = if self.secure { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    fn bracketed_host(&self) -> String {
        match self.ip {
            Some(IpAddr::V6(_)) => format!("[{}]", self.host),
            _ => self.host.clone(),
        }
    }

    /// The full URL, e.g. `wss://example.com:443/path?q`.
    pub fn url(&self) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!(
            "{scheme}://{}:{}{}",
            self.bracketed_host(),
            self.port,
            self.resource
        )
    }
}

/// TLS options.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// PEM file with CA certificates to trust in addition to the system roots.
    pub ca_file: Option<PathBuf>,
    /// Do not load the system's root certificates (only `ca_file` is trusted).
    pub no_system_roots: bool,
    /// PEM client certificate chain for mutual TLS (with `client_key_file`).
    pub client_cert_file: Option<PathBuf>,
    /// PEM private key for `client_cert_file`.
    pub client_key_file: Option<PathBuf>,
    /// DANGEROUS: accept any server certificate. Also switched on by the
    /// environment variable `MYWSCLIENT_TLS_INSECURE=1`.
    pub dangerous_disable_verification: bool,
}

/// Every option of a client, with the defaults of `Config::default()`.
#[derive(Clone)]
pub struct Config {
    /// Reconnect after a failure (default true). When false, the client stops
    /// after its first connection ends or its first attempt fails.
    pub reconnect: bool,
    /// Give up when this many reconnect attempts in a row have failed (the
    /// first attempt after `start` is not counted; 0 = never give up).
    pub max_reconnect_attempts: u32,
    /// First reconnect delay (100 ms).
    pub backoff_initial: Duration,
    /// Largest reconnect delay (5 s).
    pub backoff_max: Duration,
    /// Growth factor of the delay per failed attempt (2.0).
    pub backoff_factor: f64,
    /// Jitter: the delay is drawn from `[d * (1 - jitter), d]` (0.5).
    pub backoff_jitter: f64,
    /// A connection open this long resets the backoff (1 s).
    pub backoff_reset_after: Duration,
    /// Send a ping when nothing has arrived for this long (3 s; zero = off).
    pub heartbeat_interval: Duration,
    /// Declare the connection dead when still nothing has arrived this long
    /// after the ping (3 s).
    pub heartbeat_timeout: Duration,
    /// TCP connect timeout (10 s).
    pub connect_timeout: Duration,
    /// TLS + WebSocket handshake timeout (10 s).
    pub handshake_timeout: Duration,
    /// How long `stop()` waits for the server's close reply (1 s).
    pub close_timeout: Duration,
    /// Limit of the send queue in bytes (64 MiB).
    pub max_queue_bytes: usize,
    /// Limit of the send queue in messages (0 = no limit).
    pub max_queue_messages: usize,
    /// Largest message, sent or received (64 MiB).
    pub max_message_size: usize,
    /// TLS options.
    pub tls: TlsOptions,
    /// Extra HTTP headers for the upgrade request.
    pub headers: Vec<(String, String)>,
    /// Subprotocols to request (`Sec-WebSocket-Protocol`); a server selecting
    /// none is accepted.
    pub subprotocols: Vec<String>,
    /// Log level (default: `MYWSCLIENT_LOG`, else warn).
    pub log_level: LogLevel,
    /// Log sink (default: stderr).
    pub log_sink: Option<LogSink>,
    /// Run on the process's shared I/O threads (epoll, one fd per client)
    /// instead of a thread of its own (default false). For many clients in
    /// one process; callbacks of clients on one shared thread run one after
    /// another, so they must not block. The environment variable
    /// `MYWSCLIENT_SHARED_IO=1` makes true the default.
    pub shared_io: bool,
    // ----- connecting like a browser (proxies, resolve overrides, Origin) -----
    /// The proxy: `None` = from the environment with curl's rules (the
    /// default; see README "Proxies"), `Some("")` = none, else a proxy URL
    /// (`http://`, `https://`, `socks5://`, `socks5h://`, `socks4://`,
    /// `socks4a://`; `user:password@` percent-decoded; no scheme = `http://`).
    pub proxy: Option<String>,
    /// Hosts that bypass the proxy, curl's NO_PROXY syntax (`None` = the
    /// `no_proxy` / `NO_PROXY` environment variables).
    pub no_proxy: Option<String>,
    /// The `Origin` header of the upgrade request (`None` = none is sent;
    /// the C++ `MyWSClient` sets `http://<host>` like the original).
    pub origin: Option<String>,
    /// Resolve overrides (curl's `CURLOPT_RESOLVE`): these addresses for
    /// these host names and ports, for the server and the proxy alike.
    pub resolve: Vec<crate::resolve::ResolveOverride>,
    // ----- flow control and receipts (0.2) -----
    /// What a send does when the queue is full (default: refuse it).
    pub overflow_policy: OverflowPolicy,
    /// [`Event::QueueHigh`](crate::Event::QueueHigh) when the queued bytes
    /// reach this (0, the default: no watermark events).
    pub queue_high_watermark: usize,
    /// [`Event::QueueDrained`](crate::Event::QueueDrained) when, after a
    /// `QueueHigh`, the queued bytes fall to this (below the high one).
    pub queue_low_watermark: usize,
    /// Whenever the client stops (`stop`, `close`, reconnecting off or given
    /// up), discard what is still queued instead of keeping it for the next
    /// start, with [`Event::Discarded`](crate::Event::Discarded) for each
    /// message sent with an id (default false).
    pub discard_on_stop: bool,
    /// permessage-deflate (RFC 7692): off by default.
    pub compression: Compression,
    // ----- long-lived sessions (issue 11, connect side) -----
    /// What a 4xx answer to the upgrade does (default: report and retry with
    /// backoff).
    pub http_error_policy: HttpErrorPolicy,
    /// Follow up to this many redirects (301, 302, 303, 307, 308 with a
    /// `Location`) within one attempt; 0 (the default) follows none. At most
    /// `MAX_REDIRECTS_LIMIT` (20).
    pub max_redirects: u32,
    // ----- delivery (issue 12) -----
    /// What a connection that ends abnormally may not have delivered is
    /// written again (default: [`Delivery::ResendUnacknowledged`]; see the
    /// README's "Delivery guarantees").
    pub delivery: Delivery,
}

/// What a `4xx` answer to the upgrade does. Discriminants are part of the
/// C ABI (`mywsclient_http_error_policy`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpErrorPolicy {
    /// Report it and retry with backoff, like any failed attempt (default):
    /// the connect hook or `set_header` can supply fresh credentials.
    #[default]
    Retry = 0,
    /// Report it and stop (an `Error` event, then `Stopped`), except for
    /// 408 Request Timeout and 429 Too Many Requests, which are retried.
    Stop = 1,
}

impl HttpErrorPolicy {
    /// The policy with this value (checked).
    pub fn from_u32(v: u32) -> Option<HttpErrorPolicy> {
        match v {
            0 => Some(HttpErrorPolicy::Retry),
            1 => Some(HttpErrorPolicy::Stop),
            _ => None,
        }
    }
}

/// The largest `Config::max_redirects`.
pub const MAX_REDIRECTS_LIMIT: u32 = 20;

/// `MYWSCLIENT_SHARED_IO=1` (or `true`, `yes`, `on`): every client of the
/// process defaults to the shared I/O threads (a zero-code switch for
/// programs written against the original class).
fn shared_io_from_env() -> bool {
    std::env::var("MYWSCLIENT_SHARED_IO").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

impl Default for Config {
    fn default() -> Self {
        Config {
            reconnect: true,
            max_reconnect_attempts: 0,
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            backoff_factor: 2.0,
            backoff_jitter: 0.5,
            backoff_reset_after: Duration::from_secs(1),
            heartbeat_interval: Duration::from_secs(3),
            heartbeat_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(1),
            max_queue_bytes: 64 << 20,
            max_queue_messages: 0,
            max_message_size: 64 << 20,
            tls: TlsOptions::default(),
            headers: Vec::new(),
            subprotocols: Vec::new(),
            log_level: LogLevel::from_env(),
            log_sink: None,
            overflow_policy: OverflowPolicy::Refuse,
            queue_high_watermark: 0,
            queue_low_watermark: 0,
            discard_on_stop: false,
            compression: Compression::default(),
            shared_io: shared_io_from_env(),
            http_error_policy: HttpErrorPolicy::default(),
            max_redirects: 0,
            proxy: None,
            no_proxy: None,
            origin: None,
            resolve: Vec::new(),
            delivery: Delivery::ResendUnacknowledged,
        }
    }
}

impl Config {
    /// Checks every option; the error names the bad one.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::InvalidArgument, m));
        if self.backoff_initial.is_zero() || self.backoff_max < self.backoff_initial {
            return bad("backoff: initial delay must be > 0 and <= the maximum delay".into());
        }
        if !(self.backoff_factor >= 1.0 && self.backoff_factor <= 100.0) {
            return bad(format!(
                "backoff factor {} must be between 1 and 100",
                self.backoff_factor
            ));
        }
        if !(0.0..=1.0).contains(&self.backoff_jitter) {
            return bad(format!(
                "backoff jitter {} must be between 0 and 1",
                self.backoff_jitter
            ));
        }
        if !self.heartbeat_interval.is_zero() && self.heartbeat_timeout.is_zero() {
            return bad("heartbeat timeout must be > 0 when the heartbeat is on".into());
        }
        if self.connect_timeout.is_zero() || self.handshake_timeout.is_zero() {
            return bad("connect and handshake timeouts must be > 0".into());
        }
        if self.max_message_size == 0 || self.max_queue_bytes == 0 {
            return bad("max message size and queue byte limit must be > 0".into());
        }
        for (name, value) in &self.headers {
            validate_header(name, value).map_err(|m| Error::new(ErrorKind::InvalidArgument, m))?;
        }
        if self.max_redirects > MAX_REDIRECTS_LIMIT {
            return bad(format!(
                "max redirects {} is over the limit of {MAX_REDIRECTS_LIMIT}",
                self.max_redirects
            ));
        }
        for p in &self.subprotocols {
            if p.is_empty() || !p.bytes().all(is_token_byte) {
                return bad(format!("subprotocol {p:?} is not a valid token"));
            }
        }
        validate_watermarks(self.queue_high_watermark, self.queue_low_watermark)
            .map_err(|m| Error::new(ErrorKind::InvalidArgument, m))?;
        self.compression.validate()?;
        if self.tls.client_cert_file.is_some() != self.tls.client_key_file.is_some() {
            return bad("a client certificate needs both a certificate file and a key file".into());
        }
        self.validate_connect_options()
    }

    /// The proxy URL parses; the origin is a header value.
    fn validate_connect_options(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::InvalidArgument, m));
        if let Some(p) = self.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
            if let Err(e) = crate::proxy::ProxyUrl::parse(p) {
                return bad(e);
            }
        }
        if let Some(o) = &self.origin {
            if o.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
                return bad(format!("origin {o:?} contains a control character"));
            }
        }
        Ok(())
    }
}

/// RFC 7230 token characters.
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

const RESERVED_HEADERS: &[&str] = &[
    "host",
    "upgrade",
    "connection",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-accept",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
    "content-length",
    "transfer-encoding",
];

/// Checks one extra header: a token name that the client does not set itself,
/// and a value without control characters.
pub fn validate_header(name: &str, value: &str) -> std::result::Result<(), String> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(format!("header name {name:?} is not a valid token"));
    }
    if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(format!("header {name:?} is set by the client itself (use the subprotocol option for Sec-WebSocket-Protocol)"));
    }
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(format!(
            "value of header {name:?} contains a control character"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(url: &str, port: i32, path: &str) -> Endpoint {
        Endpoint::resolve(url, port, path).unwrap()
    }

    #[test]
    fn bare_host_means_wss() {
        let e = ep("example.com", 0, "");
        assert!(e.secure);
        assert_eq!(
            (e.host.as_str(), e.port, e.resource.as_str()),
            ("example.com", 443, "/")
        );
        assert_eq!(e.url(), "wss://example.com:443/");
        assert_eq!(e.host_header(), "example.com");
    }

    #[test]
    fn full_urls_and_overrides() {
        let e = ep("ws://H:8080/p?q=1", 0, "");
        assert_eq!(
            (e.secure, e.host.as_str(), e.port, e.resource.as_str()),
            (false, "h", 8080, "/p?q=1")
        );
        assert_eq!(e.host_header(), "h:8080");
        let e = ep("ws://h:8080/p?q=1", 9000, "/other");
        assert_eq!((e.port, e.resource.as_str()), (9000, "/other"));
        let e = ep("wss://h?x", 0, "");
        assert_eq!((e.port, e.resource.as_str()), (443, "/?x"));
        let e = ep("127.0.0.1", 9001, "chat");
        assert_eq!(
            (e.secure, e.port, e.resource.as_str()),
            (true, 9001, "/chat")
        );
        assert!(e.ip.is_some());
    }

    #[test]
    fn ipv6_literals() {
        let e = ep("[::1]", 0, "");
        assert_eq!((e.host.as_str(), e.port), ("::1", 443));
        assert_eq!(e.host_header(), "[::1]");
        let e = ep("ws://[::1]:9000/x", 0, "");
        assert_eq!(
            (e.host.as_str(), e.port, e.resource.as_str()),
            ("::1", 9000, "/x")
        );
        assert_eq!(e.url(), "ws://[::1]:9000/x");
        let e = ep("::1", 7000, "");
        assert_eq!((e.host.as_str(), e.port, e.secure), ("::1", 7000, true));
    }

    #[test]
    fn invalid_inputs_name_the_problem() {
        let cases: &[(&str, i32, &str, &str)] = &[
            ("", 0, "", "empty URL"),
            ("ws://", 0, "", "empty host"),
            ("ws://:80/", 0, "", "empty host"),
            ("http://h", 0, "", "scheme"),
            ("h", 70000, "", "out of range"),
            ("h", -1, "", "out of range"),
            ("ws://h:0", 0, "", "out of range"),
            ("ws://h:99999", 0, "", "out of range"),
            ("ws://h:x", 0, "", "not a number"),
            ("exa mple.com", 0, "", "space"),
            ("ws://h/\n", 0, "", "control"),
            ("h", 0, "/a b", "space"),
            ("ws://u@h", 0, "", "user information"),
            ("ws://[::1", 0, "", "unterminated"),
            ("ws://h/#f", 0, "", "fragment"),
            ("ws://ho$t", 0, "", "not allowed"),
            ("f::22:111:1:1:1:1:13", 0, "", "brackets"),
        ];
        for (url, port, path, want) in cases {
            let err = Endpoint::resolve(url, *port, path).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidArgument);
            assert!(
                err.message.contains(want),
                "{url:?}: {} lacks {want:?}",
                err.message
            );
        }
    }

    #[test]
    fn non_ascii_path_is_percent_encoded() {
        assert_eq!(ep("ws://h", 0, "/é").resource, "/%C3%A9");
    }

    #[test]
    fn config_validation() {
        assert!(Config::default().validate().is_ok());
        let mut c = Config::default();
        c.headers.push(("Host".into(), "x".into()));
        assert!(c.validate().unwrap_err().message.contains("Host"));
        let mut c = Config::default();
        c.headers.push(("X-A".into(), "a\r\nb".into()));
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.subprotocols.push("a b".into());
        assert!(c.validate().is_err());
        let c = Config {
            backoff_factor: 0.5,
            ..Config::default()
        };
        assert!(c.validate().is_err());
    }
}
