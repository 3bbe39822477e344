//! SOCKS handshakes, sans-IO: SOCKS5 (RFC 1928) with user/password
//! authentication (RFC 1929), and SOCKS4/4a. `socks5`/`socks4` send the
//! target's address (resolved by us), `socks5h`/`socks4a` its name (the
//! proxy resolves it).

use std::net::IpAddr;

use super::{ProxyError, ProxyScheme, ProxyUrl, Step, TargetHost, TunnelTarget};

const VERSION5: u8 = 5;
const NO_AUTH: u8 = 0x00;
const USER_PASS: u8 = 0x02;
const NO_ACCEPTABLE: u8 = 0xFF;
const CMD_CONNECT: u8 = 0x01;
const ATYP_V4: u8 = 0x01;
const ATYP_NAME: u8 = 0x03;
const ATYP_V6: u8 = 0x04;

fn error(label: &str, why: impl std::fmt::Display) -> ProxyError {
    ProxyError {
        message: format!("{label}: {why}"),
    }
}

/// RFC 1928 §6 reply codes.
fn reply_text(code: u8) -> String {
    match code {
        1 => "general SOCKS server failure".into(),
        2 => "connection not allowed by ruleset".into(),
        3 => "network unreachable".into(),
        4 => "host unreachable".into(),
        5 => "connection refused".into(),
        6 => "TTL expired".into(),
        7 => "command not supported".into(),
        8 => "address type not supported".into(),
        c => format!("unknown reply code {c}"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State5 {
    Method,
    Auth,
    Reply,
    Done,
}

/// A SOCKS5 handshake: method selection, optional user/password, CONNECT.
pub(crate) struct Socks5 {
    label: String,
    state: State5,
    auth: Option<Vec<u8>>,
    request: Vec<u8>,
}

impl Socks5 {
    /// The greeting to send first, and the machine that reads the replies.
    pub(crate) fn new(
        proxy: &ProxyUrl,
        target: &TunnelTarget,
    ) -> Result<(Socks5, Vec<u8>), ProxyError> {
        let label = format!("proxy {proxy}: SOCKS5 CONNECT {target}");
        let mut request = vec![VERSION5, CMD_CONNECT, 0];
        match &target.host {
            TargetHost::Ip(IpAddr::V4(a)) => {
                request.push(ATYP_V4);
                request.extend_from_slice(&a.octets());
            }
            TargetHost::Ip(IpAddr::V6(a)) => {
                request.push(ATYP_V6);
                request.extend_from_slice(&a.octets());
            }
            TargetHost::Name(_) if proxy.scheme == ProxyScheme::Socks5 => {
                return Err(error(&label, "socks5:// sends an address: resolve the name first (socks5h:// lets the proxy resolve it)"));
            }
            TargetHost::Name(n) => {
                let len = u8::try_from(n.len())
                    .map_err(|_| error(&label, "the host name is longer than 255 bytes"))?;
                request.push(ATYP_NAME);
                request.push(len);
                request.extend_from_slice(n.as_bytes());
            }
        }
        request.extend_from_slice(&target.port.to_be_bytes());
        let auth = match &proxy.credentials {
            None => None,
            Some((user, pass)) => {
                let (Ok(ul), Ok(pl)) = (u8::try_from(user.len()), u8::try_from(pass.len())) else {
                    return Err(error(
                        &label,
                        "SOCKS5 user names and passwords are at most 255 bytes",
                    ));
                };
                // RFC 1929: version 1, then length-prefixed name and password.
                let mut a = vec![1, ul];
                a.extend_from_slice(user.as_bytes());
                a.push(pl);
                a.extend_from_slice(pass.as_bytes());
                Some(a)
            }
        };
        let greeting = match auth {
            None => vec![VERSION5, 1, NO_AUTH],
            Some(_) => vec![VERSION5, 2, NO_AUTH, USER_PASS],
        };
        let m = Socks5 {
            label,
            state: State5::Method,
            auth,
            request,
        };
        Ok((m, greeting))
    }

    pub(crate) fn label(&self) -> String {
        self.label.clone()
    }

    /// Reads the proxy's next reply.
    pub(crate) fn on_input(&mut self, buf: &[u8]) -> Result<Step, ProxyError> {
        match self.state {
            State5::Method => {
                let [ver, method, ..] = *buf else {
                    return Ok(Step::NeedMore);
                };
                if ver != VERSION5 {
                    return Err(error(
                        &self.label,
                        format!("not a SOCKS5 proxy (its reply starts with {ver:#04x})"),
                    ));
                }
                match (method, &self.auth) {
                    (NO_AUTH, _) => {
                        self.state = State5::Reply;
                        Ok(Step::Next {
                            consumed: 2,
                            reply: self.request.clone(),
                        })
                    }
                    (USER_PASS, Some(a)) => {
                        self.state = State5::Auth;
                        Ok(Step::Next {
                            consumed: 2,
                            reply: a.clone(),
                        })
                    }
                    (NO_ACCEPTABLE, None) => Err(error(
                        &self.label,
                        "the proxy needs credentials: give them in the proxy URL (socks5://user:password@host:port)",
                    )),
                    (NO_ACCEPTABLE, Some(_)) => Err(error(
                        &self.label,
                        "the proxy accepts neither no authentication nor user/password",
                    )),
                    (m, _) => Err(error(
                        &self.label,
                        format!("the proxy chose authentication method {m:#04x}, which was not offered"),
                    )),
                }
            }
            State5::Auth => {
                let [_, status, ..] = *buf else {
                    return Ok(Step::NeedMore);
                };
                if status != 0 {
                    return Err(error(
                        &self.label,
                        format!("the proxy refused the user name and password (status {status})"),
                    ));
                }
                self.state = State5::Reply;
                Ok(Step::Next {
                    consumed: 2,
                    reply: self.request.clone(),
                })
            }
            State5::Reply => {
                let [ver, rep, _, atyp, ..] = *buf else {
                    return Ok(Step::NeedMore);
                };
                if ver != VERSION5 {
                    return Err(error(
                        &self.label,
                        format!("malformed reply (version {ver})"),
                    ));
                }
                if rep != 0 {
                    return Err(error(
                        &self.label,
                        format!("the proxy answered: {} (code {rep})", reply_text(rep)),
                    ));
                }
                let len = match atyp {
                    ATYP_V4 => 4 + 4 + 2,
                    ATYP_V6 => 4 + 16 + 2,
                    ATYP_NAME => match buf.get(4) {
                        Some(&n) => 5 + n as usize + 2,
                        None => return Ok(Step::NeedMore),
                    },
                    t => {
                        return Err(error(
                            &self.label,
                            format!("malformed reply (address type {t})"),
                        ))
                    }
                };
                if buf.len() < len {
                    return Ok(Step::NeedMore);
                }
                self.state = State5::Done;
                Ok(Step::Open { consumed: len })
            }
            State5::Done => Ok(Step::Open { consumed: 0 }),
        }
    }
}

/// A SOCKS4 or SOCKS4a handshake: one request, one 8-byte reply.
pub(crate) struct Socks4 {
    label: String,
}

impl Socks4 {
    /// The request to send, and the machine that reads the reply.
    pub(crate) fn new(
        proxy: &ProxyUrl,
        target: &TunnelTarget,
    ) -> Result<(Socks4, Vec<u8>), ProxyError> {
        let label = format!("proxy {proxy}: SOCKS4 CONNECT {target}");
        let user = proxy
            .credentials
            .as_ref()
            .map(|(u, _)| u.as_str())
            .unwrap_or("");
        if user.contains('\0') {
            return Err(error(&label, "the user name contains a NUL byte"));
        }
        let mut req = vec![4, CMD_CONNECT];
        req.extend_from_slice(&target.port.to_be_bytes());
        let name = match &target.host {
            TargetHost::Ip(IpAddr::V4(a)) => {
                req.extend_from_slice(&a.octets());
                None
            }
            TargetHost::Ip(IpAddr::V6(_)) if proxy.scheme == ProxyScheme::Socks4 => {
                return Err(error(&label, "SOCKS4 cannot reach IPv6 addresses"));
            }
            TargetHost::Ip(IpAddr::V6(a)) => Some(a.to_string()),
            TargetHost::Name(_) if proxy.scheme == ProxyScheme::Socks4 => {
                return Err(error(&label, "socks4:// sends an address: resolve the name first (socks4a:// lets the proxy resolve it)"));
            }
            TargetHost::Name(n) => Some(n.clone()),
        };
        if name.is_some() {
            // SOCKS4a: the invalid address 0.0.0.1 says "the name follows".
            req.extend_from_slice(&[0, 0, 0, 1]);
        }
        req.extend_from_slice(user.as_bytes());
        req.push(0);
        if let Some(n) = name {
            req.extend_from_slice(n.as_bytes());
            req.push(0);
        }
        Ok((Socks4 { label }, req))
    }

    pub(crate) fn label(&self) -> String {
        self.label.clone()
    }

    /// Reads the 8-byte reply.
    pub(crate) fn on_input(&mut self, buf: &[u8]) -> Result<Step, ProxyError> {
        if buf.len() < 8 {
            return Ok(Step::NeedMore);
        }
        if buf[0] != 0 {
            return Err(error(
                &self.label,
                format!("not a SOCKS4 proxy (its reply starts with {:#04x})", buf[0]),
            ));
        }
        match buf[1] {
            0x5A => Ok(Step::Open { consumed: 8 }),
            0x5B => Err(error(
                &self.label,
                "the proxy rejected the request (code 0x5b)",
            )),
            0x5C | 0x5D => Err(error(
                &self.label,
                format!(
                    "the proxy could not confirm the user id with identd (code {:#04x})",
                    buf[1]
                ),
            )),
            c => Err(error(&self.label, format!("unknown reply code {c:#04x}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Progress, Tunnel};
    use super::*;

    fn tunnel(proxy: &str, host: TargetHost, port: u16) -> Result<Tunnel, ProxyError> {
        Tunnel::new(
            &ProxyUrl::parse(proxy).unwrap(),
            &TunnelTarget { host, port },
        )
    }

    fn name(n: &str) -> TargetHost {
        TargetHost::Name(n.into())
    }

    fn ip(a: &str) -> TargetHost {
        TargetHost::Ip(a.parse().unwrap())
    }

    /// Takes everything the tunnel wants to send.
    fn drain(t: &mut Tunnel) -> Vec<u8> {
        let v = t.to_send().to_vec();
        t.sent(v.len());
        v
    }

    #[test]
    fn socks5h_without_credentials_sends_the_name() {
        let mut t = tunnel("socks5h://p:1080", name("example.com"), 443).unwrap();
        assert_eq!(drain(&mut t), [5, 1, 0]);
        assert_eq!(t.receive(&[5, 0]).unwrap(), Progress::Pending);
        let mut want = vec![5, 1, 0, 3, 11];
        want.extend_from_slice(b"example.com");
        want.extend_from_slice(&[1, 187]);
        assert_eq!(drain(&mut t), want);
        // A reply with a name as bound address, in two pieces, then data.
        assert_eq!(t.receive(&[5, 0, 0, 3, 2]).unwrap(), Progress::Pending);
        assert_eq!(
            t.receive(&[b'h', b'i', 0, 80, 0xAA]).unwrap(),
            Progress::Open(vec![0xAA])
        );
    }

    #[test]
    fn socks5_with_credentials_sends_the_address() {
        let mut t = tunnel("socks5://us%65r:pw@p", ip("127.0.0.1"), 9000).unwrap();
        assert_eq!(drain(&mut t), [5, 2, 0, 2]);
        t.receive(&[5, 2]).unwrap();
        assert_eq!(drain(&mut t), [1, 4, b'u', b's', b'e', b'r', 2, b'p', b'w']);
        t.receive(&[1, 0]).unwrap();
        assert_eq!(drain(&mut t), [5, 1, 0, 1, 127, 0, 0, 1, 0x23, 0x28]);
        let reply = [5, 0, 0, 1, 127, 0, 0, 1, 0x99, 0x99];
        assert_eq!(t.receive(&reply).unwrap(), Progress::Open(vec![]));
        let mut t = tunnel("socks5://p", ip("::1"), 1).unwrap();
        drain(&mut t);
        t.receive(&[5, 0]).unwrap();
        let req = drain(&mut t);
        assert_eq!(&req[..4], &[5, 1, 0, 4]);
        assert_eq!(req.len(), 4 + 16 + 2);
        // Every reply byte at a time, IPv6 bound address.
        let mut reply = vec![5, 0, 0, 4];
        reply.extend_from_slice(&[0; 18]);
        for (i, b) in reply.iter().enumerate() {
            let r = t.receive(&[*b]).unwrap();
            assert_eq!(r == Progress::Pending, i + 1 < reply.len());
        }
    }

    #[test]
    fn socks5_failures_say_what_happened() {
        let cases: &[(&str, &[&[u8]], &str)] = &[
            ("socks5h://p", &[&[5, 0xFF]], "needs credentials"),
            ("socks5h://u:secret@p", &[&[5, 0xFF]], "neither"),
            (
                "socks5h://u:secret@p",
                &[&[5, 2], &[1, 1]],
                "refused the user name and password",
            ),
            ("socks5h://p", &[&[5, 2]], "not offered"),
            ("socks5h://p", &[&[4, 0]], "not a SOCKS5 proxy"),
            (
                "socks5h://p",
                &[&[5, 0], &[5, 5, 0, 1]],
                "connection refused (code 5)",
            ),
            ("socks5h://p", &[&[5, 0], &[5, 4, 0, 1]], "host unreachable"),
            ("socks5h://p", &[&[5, 0], &[5, 0, 0, 9]], "address type 9"),
        ];
        for (proxy, replies, want) in cases {
            let mut t = tunnel(proxy, name("h"), 1).unwrap();
            let mut err = None;
            for r in *replies {
                drain(&mut t);
                if let Err(e) = t.receive(r) {
                    err = Some(e);
                }
            }
            let e = err.unwrap_or_else(|| panic!("{proxy} {replies:?}: no error"));
            assert!(e.message.contains(want), "{}: lacks {want}", e.message);
            assert!(e.message.contains("SOCKS5 CONNECT h:1"), "{}", e.message);
            assert!(!e.message.contains("secret"));
        }
        let e = tunnel("socks5://p", name("h"), 1).err().unwrap();
        assert!(e.message.contains("resolve the name first"));
        let long = "a".repeat(256);
        assert!(tunnel("socks5h://p", name(&long), 1).is_err());
        assert!(tunnel(&format!("socks5h://{long}:x@p"), name("h"), 1).is_err());
    }

    #[test]
    fn socks4_and_socks4a() {
        let mut t = tunnel("socks4://bob@p", ip("10.1.2.3"), 80).unwrap();
        assert_eq!(
            drain(&mut t),
            [4, 1, 0, 80, 10, 1, 2, 3, b'b', b'o', b'b', 0]
        );
        assert_eq!(
            t.receive(&[0, 0x5A, 0, 0, 0, 0, 0, 0, 7]).unwrap(),
            Progress::Open(vec![7])
        );
        let mut t = tunnel("socks4a://p", name("h.example"), 443).unwrap();
        let mut want = vec![4, 1, 1, 187, 0, 0, 0, 1, 0];
        want.extend_from_slice(b"h.example\0");
        assert_eq!(drain(&mut t), want);
        assert_eq!(t.receive(&[0, 0x5A, 0, 0]).unwrap(), Progress::Pending);
        let mut t = tunnel("socks4a://p", name("h"), 1).unwrap();
        let e = t.receive(&[0, 0x5B, 0, 0, 0, 0, 0, 0]).unwrap_err();
        assert!(e.message.contains("rejected"), "{}", e.message);
        assert!(tunnel("socks4://p", name("h"), 1).is_err());
        assert!(tunnel("socks4://p", ip("::1"), 1).is_err());
    }
}
