//! The HTTP/1.1 upgrade: the request we send and the checks on the response.
//! Done here rather than by tungstenite's client so that a server selecting
//! no subprotocol is accepted (as libwebsockets does) while every other check
//! of RFC 6455 §4.1 stays.

use tungstenite::handshake::client::generate_key;
use tungstenite::handshake::derive_accept_key;

use crate::config::{Config, Endpoint};
use crate::deflate::negotiate::{self, Agreed, Offer};
use crate::error::{Error, ErrorKind, Result};

/// Largest response header block accepted.
pub const MAX_RESPONSE_HEADER: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;

/// An upgrade request and the key its response must answer.
pub struct Request {
    pub bytes: Vec<u8>,
    pub key: String,
}

pub fn build_request(ep: &Endpoint, cfg: &Config) -> Request {
    let key = generate_key();
    let mut r = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n",
        ep.resource,
        ep.host_header(),
        key
    );
    if !cfg.subprotocols.is_empty() {
        r.push_str(&format!(
            "Sec-WebSocket-Protocol: {}\r\n",
            cfg.subprotocols.join(", ")
        ));
    }
    if !cfg
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
    {
        r.push_str(&format!(
            "User-Agent: mywsclient/{}\r\n",
            env!("CARGO_PKG_VERSION")
        ));
    }
    if let Some(offer) = cfg.compression.offer() {
        r.push_str(&format!(
            "Sec-WebSocket-Extensions: {}\r\n",
            offer.header_value()
        ));
    }
    for (name, value) in &cfg.headers {
        r.push_str(&format!("{name}: {value}\r\n"));
    }
    r.push_str("\r\n");
    Request {
        bytes: r.into_bytes(),
        key,
    }
}

/// A complete, valid upgrade response.
#[derive(Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Bytes of `buf` taken by the header block; the rest are WebSocket frames.
    pub consumed: usize,
    /// The subprotocol the server selected, if any.
    pub protocol: Option<String>,
    /// permessage-deflate as agreed, if the server accepted the offer.
    pub(crate) deflate: Option<Agreed>,
}

fn fail(msg: String) -> Error {
    Error::new(ErrorKind::Handshake, msg)
}

/// Parses the response in `buf` to a request that offered no extension.
/// `Ok(None)`: incomplete, read more.
#[cfg(any(test, feature = "fuzzing"))]
pub fn parse_response(buf: &[u8], key: &str, requested: &[String]) -> Result<Option<Accepted>> {
    parse_response_offered(buf, key, requested, None)
}

/// Parses the response in `buf` to a request that offered `offered`.
/// `Ok(None)`: incomplete, read more.
pub(crate) fn parse_response_offered(
    buf: &[u8],
    key: &str,
    requested: &[String],
    offered: Option<&Offer>,
) -> Result<Option<Accepted>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let consumed = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            if buf.len() > MAX_RESPONSE_HEADER {
                return Err(fail(format!(
                    "the response header block exceeds {MAX_RESPONSE_HEADER} bytes"
                )));
            }
            return Ok(None);
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(fail(format!(
                "the response has more than {MAX_HEADERS} headers"
            )));
        }
        Err(e) => {
            let start = String::from_utf8_lossy(&buf[..buf.len().min(40)]).into_owned();
            return Err(fail(format!(
                "the server's response is not HTTP ({e}); it starts with {start:?}"
            )));
        }
    };
    if consumed > MAX_RESPONSE_HEADER {
        return Err(fail(format!(
            "the response header block exceeds {MAX_RESPONSE_HEADER} bytes"
        )));
    }
    let code = resp.code.unwrap_or(0);
    if code != 101 {
        return Err(fail(format!(
            "the server answered HTTP {code} {} instead of 101 Switching Protocols (is this a WebSocket endpoint?)",
            resp.reason.unwrap_or("")
        )));
    }
    let header = |name: &str| -> Vec<String> {
        resp.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
            .collect()
    };
    let has_token = |name: &str, token: &str| {
        header(name)
            .iter()
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    if !has_token("Upgrade", "websocket") {
        return Err(fail("the response lacks 'Upgrade: websocket'".into()));
    }
    if !has_token("Connection", "upgrade") {
        return Err(fail("the response lacks 'Connection: Upgrade'".into()));
    }
    let expected = derive_accept_key(key.as_bytes());
    match header("Sec-WebSocket-Accept").as_slice() {
        [v] if *v == expected => {}
        [v] => {
            return Err(fail(format!(
                "wrong Sec-WebSocket-Accept {v:?} (expected {expected:?})"
            )))
        }
        [] => return Err(fail("the response lacks Sec-WebSocket-Accept".into())),
        _ => {
            return Err(fail(
                "the response has several Sec-WebSocket-Accept headers".into(),
            ))
        }
    }
    let deflate = negotiate::check_reply(&header("Sec-WebSocket-Extensions"), offered)
        .map_err(|m| fail(format!("Sec-WebSocket-Extensions: {m}")))?;
    let protocol = match header("Sec-WebSocket-Protocol").as_slice() {
        [] => None,
        [p] if requested.iter().any(|r| r == p) => Some(p.clone()),
        [p] => {
            return Err(fail(format!(
                "the server selected subprotocol {p:?}, which the client did not request"
            )))
        }
        _ => {
            return Err(fail(
                "the response has several Sec-WebSocket-Protocol headers".into(),
            ))
        }
    };
    Ok(Some(Accepted {
        consumed,
        protocol,
        deflate,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(key: &str, extra: &str) -> String {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n{extra}\r\n",
            derive_accept_key(key.as_bytes())
        )
    }

    #[test]
    fn request_has_the_required_headers() {
        let ep = Endpoint::resolve("ws://h:81/p?q", 0, "").unwrap();
        let cfg = Config {
            subprotocols: vec!["ws".into(), "chat".into()],
            headers: vec![("X-Token".into(), "abc".into())],
            ..Config::default()
        };
        let req = build_request(&ep, &cfg);
        let text = String::from_utf8(req.bytes).unwrap();
        assert!(text.starts_with("GET /p?q HTTP/1.1\r\nHost: h:81\r\n"));
        assert!(text.contains(&format!("Sec-WebSocket-Key: {}\r\n", req.key)));
        assert!(text.contains("Sec-WebSocket-Protocol: ws, chat\r\n"));
        assert!(text.contains("X-Token: abc\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn accepts_valid_response_with_or_without_subprotocol() {
        let key = generate_key();
        let r = response(&key, "");
        let mut buf = r.clone().into_bytes();
        buf.extend_from_slice(b"\x81\x00");
        let a = parse_response(&buf, &key, &["ws".into()]).unwrap().unwrap();
        assert_eq!(
            a,
            Accepted {
                consumed: r.len(),
                protocol: None,
                deflate: None,
            }
        );
        let r = response(&key, "Sec-WebSocket-Protocol: ws\r\n");
        let a = parse_response(r.as_bytes(), &key, &["ws".into()])
            .unwrap()
            .unwrap();
        assert_eq!(a.protocol.as_deref(), Some("ws"));
    }

    #[test]
    fn deflate_is_offered_and_its_reply_checked() {
        use crate::deflate::{Compression, CompressionMode};
        let ep = Endpoint::resolve("ws://h/", 0, "").unwrap();
        let mut cfg = Config::default();
        let text = String::from_utf8(build_request(&ep, &cfg).bytes).unwrap();
        assert!(!text.contains("Sec-WebSocket-Extensions"), "off by default");
        cfg.compression = Compression {
            mode: CompressionMode::ContextTakeover,
            ..Compression::default()
        };
        let req = build_request(&ep, &cfg);
        let text = String::from_utf8(req.bytes).unwrap();
        assert!(text
            .contains("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
        let offer = cfg.compression.offer().unwrap();
        let r = response(
            &req.key,
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n",
        );
        let a = parse_response_offered(r.as_bytes(), &req.key, &[], Some(&offer))
            .unwrap()
            .unwrap();
        assert_eq!(a.deflate.unwrap().client_max_window_bits, 10);
        let r = response(&req.key, "");
        let a = parse_response_offered(r.as_bytes(), &req.key, &[], Some(&offer))
            .unwrap()
            .unwrap();
        assert_eq!(a.deflate, None, "declined");
        let r = response(
            &req.key,
            "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n",
        );
        let e = parse_response_offered(r.as_bytes(), &req.key, &[], Some(&offer)).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Handshake);
        assert!(e.message.contains("8 to 15"), "{}", e.message);
    }

    #[test]
    fn incomplete_until_the_blank_line() {
        let key = generate_key();
        let r = response(&key, "");
        assert_eq!(
            parse_response(&r.as_bytes()[..r.len() - 2], &key, &[]).unwrap(),
            None
        );
    }

    #[test]
    fn rejects_bad_responses_with_a_reason() {
        let key = generate_key();
        let cases: Vec<(String, &str)> = vec![
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into(),
                "HTTP 200",
            ),
            (response("other-key", ""), "wrong Sec-WebSocket-Accept"),
            (
                response(&key, "Sec-WebSocket-Protocol: chat\r\n"),
                "did not request",
            ),
            (
                response(&key, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
                "offered none",
            ),
            ("\x00\x01garbage\r\n\r\n".into(), "not HTTP"),
            (
                format!(
                    "HTTP/1.1 101 OK\r\nX: {}\r\n",
                    "a".repeat(MAX_RESPONSE_HEADER + 10)
                ),
                "exceeds",
            ),
        ];
        for (resp, want) in cases {
            let err = parse_response(resp.as_bytes(), &key, &["ws".into()]).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Handshake);
            assert!(err.message.contains(want), "{} lacks {want}", err.message);
        }
    }
}
