//! One connection attempt's request: where it goes (URL), the extra HTTP
//! headers and the subprotocols it asks for; and the HTTP response a server
//! gave instead of (or with) its `101 Switching Protocols`. Pure data with
//! validation: no I/O.
//!
//! Each attempt starts from the client's current target (the URL given at
//! creation or by the last `set_url`, the headers of the configuration and
//! of `set_header` / `remove_header`, the configured subprotocols); the
//! connect hook may then change this attempt's copy, and redirects followed
//! during the attempt change it too. The next attempt starts again from the
//! client's target.

use crate::config::{is_token_byte, validate_header, Endpoint};
use crate::error::{Error, ErrorKind, Result};

/// What one connection attempt sends. Handed to the connect hook (see
/// `Client::set_connect_hook`), which may change it for this attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    endpoint: Endpoint,
    headers: Vec<(String, String)>,
    subprotocols: Vec<String>,
    attempt: u32,
}

fn invalid(msg: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, msg)
}

/// Checks a subprotocol list: each a non-empty RFC 7230 token.
pub fn validate_subprotocols(list: &[String]) -> Result<()> {
    match list
        .iter()
        .find(|p| p.is_empty() || !p.bytes().all(is_token_byte))
    {
        Some(p) => Err(invalid(format!("subprotocol {p:?} is not a valid token"))),
        None => Ok(()),
    }
}

/// Sets header `name` in `headers` to `value`: the first header of that name
/// (case-insensitive) takes the new value, the others of that name go; a
/// header not there yet is appended. Checked as the configuration's headers.
pub fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) -> Result<()> {
    validate_header(name, value).map_err(invalid)?;
    match headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        Some(i) => {
            headers[i] = (name.to_string(), value.to_string());
            let mut seen = 0;
            headers.retain(|(n, _)| {
                let same = n.eq_ignore_ascii_case(name);
                seen += usize::from(same);
                !same || seen == 1
            });
        }
        None => headers.push((name.to_string(), value.to_string())),
    }
    Ok(())
}

/// Removes every header called `name` (case-insensitive); true when one was there.
pub fn remove_header(headers: &mut Vec<(String, String)>, name: &str) -> bool {
    let before = headers.len();
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.len() != before
}

impl Request {
    /// A request for `endpoint` with these headers and subprotocols (assumed
    /// valid: they come from a validated configuration).
    pub fn new(
        endpoint: Endpoint,
        headers: Vec<(String, String)>,
        subprotocols: Vec<String>,
        attempt: u32,
    ) -> Request {
        Request {
            endpoint,
            headers,
            subprotocols,
            attempt,
        }
    }

    /// Where this attempt connects.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The full URL, e.g. `wss://example.com:443/path?q`.
    pub fn url(&self) -> String {
        self.endpoint.url()
    }

    /// The attempt's number (1 for the first attempt after start or after
    /// a healthy connection), as in the `Connecting` event.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Replaces the URL for this attempt: a `ws://` or `wss://` URL, or a
    /// bare host (meaning `wss://`), as for `Client::new` with port 0 and no
    /// path. On error nothing changes.
    pub fn set_url(&mut self, url: &str) -> Result<()> {
        self.endpoint = Endpoint::resolve(url, 0, "")?;
        Ok(())
    }

    /// Replaces the endpoint (a redirect being followed).
    pub(crate) fn set_endpoint(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    /// The extra headers, in the order they are sent.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of header `name` (case-insensitive), if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets header `name` to `value` for this attempt, replacing any header
    /// of that name (case-insensitive). Names the client sets itself (Host,
    /// Upgrade, Sec-WebSocket-*, ...) and values with control characters are
    /// refused (`InvalidArgument`); on error nothing changes.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<()> {
        set_header(&mut self.headers, name, value)
    }

    /// Removes header `name` (every header of that name) for this attempt;
    /// true when one was there.
    pub fn remove_header(&mut self, name: &str) -> bool {
        remove_header(&mut self.headers, name)
    }

    /// The subprotocols asked for (`Sec-WebSocket-Protocol`), in order.
    pub fn subprotocols(&self) -> &[String] {
        &self.subprotocols
    }

    /// Replaces the subprotocols for this attempt (empty: ask for none). Each
    /// must be a non-empty token; on error nothing changes.
    pub fn set_subprotocols<S: AsRef<str>>(&mut self, list: &[S]) -> Result<()> {
        let list: Vec<String> = list.iter().map(|s| s.as_ref().to_string()).collect();
        validate_subprotocols(&list)?;
        self.subprotocols = list;
        Ok(())
    }
}

/// The HTTP response to an upgrade request: the status line and headers
/// (the body, if any, is not kept). Given in the `Open` event (status 101)
/// and in the `Error` event of an upgrade the server answered otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code: 101 for an accepted upgrade, else e.g. 301, 401, 403, 503.
    pub status: u16,
    /// The reason phrase ("Unauthorized"), possibly empty.
    pub reason: String,
    /// Every header in the order received; names as sent, values trimmed.
    /// A repeated header (Set-Cookie) appears once per occurrence.
    pub headers: Vec<(String, String)>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request::new(
            Endpoint::resolve("ws://h:81/p", 0, "").unwrap(),
            vec![("X-A".into(), "1".into()), ("x-a".into(), "2".into())],
            vec!["ws".into()],
            1,
        )
    }

    #[test]
    fn set_url_takes_full_urls_and_bare_hosts() {
        let mut r = req();
        r.set_url("wss://other:9000/x?t=1").unwrap();
        assert_eq!(r.url(), "wss://other:9000/x?t=1");
        r.set_url("example.com").unwrap();
        assert_eq!(r.url(), "wss://example.com:443/");
        let err = r.set_url("http://h").unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArgument);
        assert_eq!(r.url(), "wss://example.com:443/", "unchanged on error");
    }

    #[test]
    fn set_header_replaces_every_header_of_that_name() {
        let mut r = req();
        r.set_header("X-A", "3").unwrap();
        assert_eq!(r.headers(), &[("X-A".to_string(), "3".to_string())]);
        r.set_header("Authorization", "Bearer t1").unwrap();
        assert_eq!(r.header("authorization"), Some("Bearer t1"));
        r.set_header("authorization", "Bearer t2").unwrap();
        assert_eq!(r.headers().len(), 2);
        assert_eq!(r.header("Authorization"), Some("Bearer t2"));
        assert!(r.remove_header("AUTHORIZATION"));
        assert!(!r.remove_header("authorization"));
        assert_eq!(r.header("authorization"), None);
    }

    #[test]
    fn bad_headers_and_subprotocols_are_refused_and_change_nothing() {
        let mut r = req();
        let before = r.clone();
        for (n, v) in [("Host", "x"), ("X A", "v"), ("X-B", "a\r\nb"), ("", "v")] {
            assert_eq!(
                r.set_header(n, v).unwrap_err().kind,
                ErrorKind::InvalidArgument
            );
        }
        assert!(r.set_subprotocols(&["ok", "not ok"]).is_err());
        assert!(r.set_subprotocols(&[""]).is_err());
        assert_eq!(r, before);
        r.set_subprotocols(&["chat", "v2.proto"]).unwrap();
        assert_eq!(
            r.subprotocols(),
            &["chat".to_string(), "v2.proto".to_string()]
        );
        r.set_subprotocols::<&str>(&[]).unwrap();
        assert!(r.subprotocols().is_empty());
    }

    #[test]
    fn response_header_lookup_is_case_insensitive() {
        let resp = HttpResponse {
            status: 401,
            reason: "Unauthorized".into(),
            headers: vec![
                ("WWW-Authenticate".into(), "Bearer".into()),
                ("Set-Cookie".into(), "a=1".into()),
                ("Set-Cookie".into(), "b=2".into()),
            ],
        };
        assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
        assert_eq!(resp.header("set-cookie"), Some("a=1"));
        assert_eq!(resp.header("location"), None);
    }
}
