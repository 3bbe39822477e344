//! The HTTP/1.1 upgrade: the request we send and the checks on the response.
//! Done here rather than by tungstenite's client so that a server selecting
//! no subprotocol is accepted (as libwebsockets does) while every other check
//! of RFC 6455 §4.1 stays.

use tungstenite::handshake::client::generate_key;
use tungstenite::handshake::derive_accept_key;

use crate::deflate::negotiate::{self, Agreed, Offer};
use crate::error::{Error, ErrorKind, Result};
use crate::request::{HttpResponse, Request};

/// Largest response header block accepted.
pub const MAX_RESPONSE_HEADER: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;

/// An upgrade request and the key its response must answer.
pub struct Upgrade {
    pub bytes: Vec<u8>,
    pub key: String,
}

/// The upgrade request for one attempt: its URL, extra headers and
/// subprotocols, and the permessage-deflate offer when compression is on.
pub fn build_request(req: &Request, offer: Option<&Offer>) -> Upgrade {
    let key = generate_key();
    let ep = req.endpoint();
    let mut r = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n",
        ep.resource,
        ep.host_header(),
        key
    );
    if !req.subprotocols().is_empty() {
        r.push_str(&format!(
            "Sec-WebSocket-Protocol: {}\r\n",
            req.subprotocols().join(", ")
        ));
    }
    if req.header("user-agent").is_none() {
        r.push_str(&format!(
            "User-Agent: mywsclient/{}\r\n",
            env!("CARGO_PKG_VERSION")
        ));
    }
    if let Some(offer) = offer {
        r.push_str(&format!(
            "Sec-WebSocket-Extensions: {}\r\n",
            offer.header_value()
        ));
    }
    for (name, value) in req.headers() {
        r.push_str(&format!("{name}: {value}\r\n"));
    }
    r.push_str("\r\n");
    Upgrade {
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
    /// The 101 response: status line and headers.
    pub response: HttpResponse,
    /// permessage-deflate as agreed, if the server accepted the offer.
    pub(crate) deflate: Option<Agreed>,
}

/// A complete response head (status line and headers), whatever its status.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    /// Bytes of `buf` taken by the header block.
    pub consumed: usize,
    /// The status, reason and headers.
    pub response: HttpResponse,
}

fn fail(msg: String) -> Error {
    Error::new(ErrorKind::Handshake, msg)
}

/// Parses the response head in `buf`. `Ok(None)`: incomplete, read more.
/// An error when it is not HTTP or too large.
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>> {
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
    let response = HttpResponse {
        status: resp.code.unwrap_or(0),
        reason: resp.reason.unwrap_or("").to_string(),
        headers: resp
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).trim().to_string(),
                )
            })
            .collect(),
    };
    Ok(Some(Head { consumed, response }))
}

/// Checks a 101 response head against RFC 6455 §4.1: the key's accept
/// value, `Upgrade`/`Connection`, an extension only as `offered`, a requested
/// subprotocol or none.
pub fn check_upgrade(
    head: Head,
    key: &str,
    requested: &[String],
    offered: Option<&Offer>,
) -> Result<Accepted> {
    let Head { consumed, response } = head;
    if response.status != 101 {
        return Err(fail(format!(
            "the server answered HTTP {} {} instead of 101 Switching Protocols (is this a WebSocket endpoint?)",
            response.status, response.reason
        )));
    }
    let header = |name: &str| -> Vec<&str> {
        response
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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
    let extensions: Vec<String> = header("Sec-WebSocket-Extensions")
        .iter()
        .map(|v| v.to_string())
        .collect();
    let deflate = negotiate::check_reply(&extensions, offered)
        .map_err(|m| fail(format!("Sec-WebSocket-Extensions: {m}")))?;
    let protocol = match header("Sec-WebSocket-Protocol").as_slice() {
        [] => None,
        [p] if requested.iter().any(|r| r == p) => Some(p.to_string()),
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
    Ok(Accepted {
        consumed,
        protocol,
        response,
        deflate,
    })
}

/// Parses and checks the response in `buf` (any status but a valid 101 is
/// an error). `Ok(None)`: incomplete, read more. The fuzzing entry point;
/// the session itself uses [`parse_head`] and [`check_upgrade`].
#[cfg(any(test, feature = "fuzzing"))]
pub fn parse_response(buf: &[u8], key: &str, requested: &[String]) -> Result<Option<Accepted>> {
    match parse_head(buf)? {
        None => Ok(None),
        Some(head) => check_upgrade(head, key, requested, None).map(Some),
    }
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
        let ep = crate::config::Endpoint::resolve("ws://h:81/p?q", 0, "").unwrap();
        let r = Request::new(
            ep,
            vec![("X-Token".into(), "abc".into())],
            vec!["ws".into(), "chat".into()],
            1,
        );
        let req = build_request(&r, None);
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
        assert_eq!((a.consumed, a.protocol), (r.len(), None));
        assert_eq!(a.response.status, 101);
        assert_eq!(a.response.header("upgrade"), Some("websocket"));
        let r = response(&key, "Sec-WebSocket-Protocol: ws\r\n");
        let a = parse_response(r.as_bytes(), &key, &["ws".into()])
            .unwrap()
            .unwrap();
        assert_eq!(a.protocol.as_deref(), Some("ws"));
    }

    #[test]
    fn deflate_is_offered_and_its_reply_checked() {
        use crate::deflate::{Compression, CompressionMode};
        let ep = crate::config::Endpoint::resolve("ws://h/", 0, "").unwrap();
        let r = Request::new(ep, vec![], vec![], 1);
        let text = String::from_utf8(build_request(&r, None).bytes).unwrap();
        assert!(!text.contains("Sec-WebSocket-Extensions"), "off by default");
        let compression = Compression {
            mode: CompressionMode::ContextTakeover,
            ..Compression::default()
        };
        let offer = compression.offer().unwrap();
        let req = build_request(&r, Some(&offer));
        let text = String::from_utf8(req.bytes).unwrap();
        assert!(text
            .contains("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
        let check = |extra: &str| {
            let resp = response(&req.key, extra);
            let head = parse_head(resp.as_bytes()).unwrap().unwrap();
            check_upgrade(head, &req.key, &[], Some(&offer))
        };
        let a =
            check("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n")
                .unwrap();
        assert_eq!(a.deflate.unwrap().client_max_window_bits, 10);
        assert_eq!(check("").unwrap().deflate, None, "declined");
        let e =
            check("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n")
                .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Handshake);
        assert!(e.message.contains("8 to 15"), "{}", e.message);
    }

    #[test]
    fn any_status_gives_a_head_with_its_headers() {
        let r = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"x\"\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nbody";
        let head = parse_head(r.as_bytes()).unwrap().unwrap();
        assert_eq!(head.consumed, r.len() - 4);
        assert_eq!(head.response.status, 401);
        assert_eq!(head.response.reason, "Unauthorized");
        assert_eq!(
            head.response.header("www-authenticate"),
            Some("Bearer realm=\"x\"")
        );
        assert_eq!(head.response.headers.len(), 3);
        assert!(check_upgrade(head, "k", &[], None).is_err());
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
