//! HTTP CONNECT (RFC 9110 §9.3.6), sans-IO: the request (with Basic
//! credentials from the proxy URL) and the parse of the proxy's reply.
//! Bytes after the reply's header block belong to the target and are kept.

use super::{ProxyError, ProxyUrl, Step, TunnelTarget};

/// Largest reply header block accepted.
const MAX_HEADER: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;

/// The CONNECT exchange with one proxy.
pub(crate) struct Connect {
    label: String,
    authorized: bool,
}

impl Connect {
    /// The request to send first, and the machine that reads the reply.
    pub(crate) fn new(proxy: &ProxyUrl, target: &TunnelTarget) -> (Connect, Vec<u8>) {
        let authority = target.to_string();
        let mut req = format!(
            "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: mywsclient/{}\r\nProxy-Connection: Keep-Alive\r\n",
            env!("CARGO_PKG_VERSION")
        );
        if let Some((user, pass)) = &proxy.credentials {
            let token = data_encoding::BASE64.encode(format!("{user}:{pass}").as_bytes());
            req.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
        }
        req.push_str("\r\n");
        let m = Connect {
            label: format!("proxy {proxy}: CONNECT {authority}"),
            authorized: proxy.credentials.is_some(),
        };
        (m, req.into_bytes())
    }

    pub(crate) fn label(&self) -> String {
        self.label.clone()
    }

    fn fail(&self, why: String) -> ProxyError {
        ProxyError {
            message: format!("{}: {why}", self.label),
        }
    }

    /// Reads the reply: a 2xx opens the tunnel; anything else is an error
    /// naming the status line (and, for 407, what to do about it).
    pub(crate) fn on_input(&mut self, buf: &[u8]) -> Result<Step, ProxyError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        let consumed = match resp.parse(buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if buf.len() > MAX_HEADER => {
                return Err(self.fail(format!(
                    "the proxy's reply header exceeds {MAX_HEADER} bytes"
                )))
            }
            Ok(httparse::Status::Partial) => return Ok(Step::NeedMore),
            Err(e) => {
                let start = String::from_utf8_lossy(&buf[..buf.len().min(40)]).into_owned();
                return Err(self.fail(format!(
                    "the proxy's reply is not HTTP ({e}); it starts with {start:?} (is this an HTTP proxy?)"
                )));
            }
        };
        let code = resp.code.unwrap_or(0);
        let status = format!(
            "HTTP/1.{} {code} {}",
            resp.version.unwrap_or(1),
            resp.reason.unwrap_or("")
        );
        let status = status.trim_end();
        if (200..300).contains(&code) {
            return Ok(Step::Open { consumed });
        }
        let hint = match code {
            // 401 to a CONNECT comes from the proxy too (tinyproxy answers
            // wrong credentials with it).
            407 | 401 => {
                let schemes: Vec<String> = resp
                    .headers
                    .iter()
                    .filter(|h| h.name.eq_ignore_ascii_case("proxy-authenticate"))
                    .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
                    .collect();
                let basic = schemes.is_empty()
                    || schemes
                        .iter()
                        .any(|s| s.to_ascii_lowercase().starts_with("basic"));
                if !basic {
                    format!(
                        ": the proxy asks for {} authentication; only Basic is supported",
                        schemes.join(", ")
                    )
                } else if self.authorized {
                    ": the proxy refused the credentials in the proxy URL".into()
                } else {
                    ": the proxy needs credentials: give them in the proxy URL (http://user:password@host:port)".into()
                }
            }
            403 => ": the proxy does not allow this destination".into(),
            _ => String::new(),
        };
        Err(self.fail(format!("the proxy answered {status}{hint}")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Progress, TargetHost, Tunnel};
    use super::*;

    fn target(host: &str, port: u16) -> TunnelTarget {
        let host = match host.parse() {
            Ok(ip) => TargetHost::Ip(ip),
            Err(_) => TargetHost::Name(host.into()),
        };
        TunnelTarget { host, port }
    }

    fn tunnel(proxy: &str, host: &str, port: u16) -> Tunnel {
        Tunnel::new(&ProxyUrl::parse(proxy).unwrap(), &target(host, port)).unwrap()
    }

    #[test]
    fn request_with_and_without_credentials() {
        let t = tunnel("http://proxy:3128", "example.com", 443);
        let req = String::from_utf8(t.to_send().to_vec()).unwrap();
        assert!(req.starts_with("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"));
        assert!(!req.contains("Proxy-Authorization"));
        assert!(req.ends_with("\r\n\r\n"));
        // "Aladdin:open sesame" is RFC 7617's example.
        let t = tunnel("http://Aladdin:open%20sesame@proxy:3128", "::1", 9000);
        let req = String::from_utf8(t.to_send().to_vec()).unwrap();
        assert!(req.starts_with("CONNECT [::1]:9000 HTTP/1.1\r\n"), "{req}");
        assert!(req.contains("Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"));
    }

    #[test]
    fn reply_in_pieces_keeps_the_bytes_after_it() {
        let mut t = tunnel("http://proxy:3128", "h", 80);
        let n = t.to_send().len();
        t.sent(n);
        assert!(t.to_send().is_empty());
        let reply = b"HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n\x16\x03\x01rest";
        let mut result = None;
        for chunk in reply.chunks(3) {
            match t.receive(chunk).unwrap() {
                Progress::Pending => {}
                Progress::Open(rest) => {
                    result = Some(rest);
                    break;
                }
            }
        }
        // Bytes that arrived in the chunk with the end of the header are kept;
        // later ones go straight to the transport (the tunnel is done).
        let rest = result.expect("tunnel opened");
        assert!(b"\x16\x03\x01rest".starts_with(&rest), "{rest:?}");
        let mut t = tunnel("http://proxy:3128", "h", 80);
        assert_eq!(
            t.receive(reply).unwrap(),
            Progress::Open(b"\x16\x03\x01rest".to_vec())
        );
    }

    #[test]
    fn failures_name_the_proxy_status_and_cause() {
        let cases: &[(&str, &[u8], &[&str])] = &[
            (
                "http://proxy:3128",
                b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n",
                &["http://proxy:3128", "CONNECT h:80", "407 Proxy Authentication Required", "needs credentials"],
            ),
            (
                "http://u:secret@proxy:3128",
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
                &["u:***@proxy", "407", "refused the credentials"],
            ),
            (
                "http://proxy:3128",
                b"HTTP/1.1 407 Nope\r\nProxy-Authenticate: NTLM\r\n\r\n",
                &["NTLM", "only Basic"],
            ),
            ("http://u:p@proxy:3128", b"HTTP/1.0 401 Unauthorized\r\n\r\n", &["401 Unauthorized", "refused the credentials"]),
            ("http://proxy:3128", b"HTTP/1.0 403 Forbidden\r\n\r\n", &["HTTP/1.0 403 Forbidden", "destination"]),
            ("http://proxy:3128", b"HTTP/1.1 502 Bad Gateway\r\n\r\n", &["502 Bad Gateway"]),
            ("http://proxy:3128", b"\x05\x00garbage\r\n\r\n", &["not HTTP"]),
        ];
        for (proxy, reply, wants) in cases {
            let mut t = tunnel(proxy, "h", 80);
            let e = t.receive(reply).unwrap_err();
            for w in *wants {
                assert!(e.message.contains(w), "{} lacks {w}", e.message);
            }
            assert!(!e.message.contains("secret"));
        }
    }

    #[test]
    fn an_endless_header_is_refused() {
        let mut t = tunnel("http://proxy:3128", "h", 80);
        let mut last = Ok(Progress::Pending);
        t.receive(b"HTTP/1.1 200 OK\r\nX-Filler: ").unwrap();
        for _ in 0..2000 {
            last = t.receive(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            if last.is_err() {
                break;
            }
        }
        assert!(last.unwrap_err().message.contains("exceeds"));
    }
}
