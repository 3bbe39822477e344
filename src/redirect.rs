//! What an attempt does when the server answers its upgrade with an HTTP
//! status other than 101: follow a redirect (bounded, never from wss:// to
//! ws://), or fail the attempt and then retry with backoff or stop (the
//! policy for 4xx). Pure: the caller owns the connection.

use crate::config::{Endpoint, HttpErrorPolicy};
use crate::request::HttpResponse;

/// Request headers that do not follow a redirect to another origin.
pub const CREDENTIAL_HEADERS: &[&str] = &["authorization", "cookie"];

/// The next step after a non-101 answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Connect to `endpoint` now, in the same attempt. `cross_origin`: it is
    /// another scheme, host or port, so credential headers must be dropped.
    Follow {
        endpoint: Endpoint,
        cross_origin: bool,
    },
    /// The attempt failed with `message`; then stop (`stop`) or retry.
    Fail { message: String, stop: bool },
}

/// True for the statuses that redirect (with a `Location`).
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Decides what to do with `resp`, the answer to a request for `current`.
/// `chain` holds the URLs of this attempt so far (the first request's
/// included); a followed redirect's URL is appended to it.
pub fn decide(
    resp: &HttpResponse,
    current: &Endpoint,
    max_redirects: u32,
    policy: HttpErrorPolicy,
    chain: &mut Vec<String>,
) -> Next {
    let status = resp.status;
    let answered = format!(
        "{} answered HTTP {status}{}{} instead of 101 Switching Protocols",
        current.url(),
        if resp.reason.is_empty() { "" } else { " " },
        resp.reason
    );
    let fail = |why: String| Next::Fail {
        message: format!("{answered}: {why}"),
        stop: false,
    };
    if is_redirect(status) {
        let Some(location) = resp.header("location") else {
            return fail("a redirect without a Location header".into());
        };
        if max_redirects == 0 {
            return fail(format!(
                "redirect to {location:?} not followed (following redirects is off)"
            ));
        }
        let target = match resolve_location(current, location) {
            Ok(t) => t,
            Err(e) => return fail(format!("cannot follow the redirect to {location:?}: {e}")),
        };
        if current.secure && !target.secure {
            return fail(format!(
                "refusing to follow a redirect from wss:// to ws:// ({})",
                target.url()
            ));
        }
        let url = target.url();
        if chain.contains(&url) {
            chain.push(url);
            return fail(format!("redirect loop: {}", chain.join(" -> ")));
        }
        if chain.len() > max_redirects as usize {
            return fail(format!(
                "too many redirects (more than {max_redirects}): {} -> {url}",
                chain.join(" -> ")
            ));
        }
        chain.push(url);
        let cross_origin = target.secure != current.secure
            || target.host != current.host
            || target.port != current.port;
        return Next::Follow {
            endpoint: target,
            cross_origin,
        };
    }
    if (400..500).contains(&status) {
        let hint = match status {
            401 => " (credentials refused: supply new ones in the connect hook or with set_header)",
            // Issue 10: name the likely causes.
            403 => " (refused: check the Origin header, which servers that check it compare with their allowed origins, and the credentials: supply new ones in the connect hook or with set_header)",
            407 => " (a proxy between here and the server wants credentials: give them in the proxy URL)",
            404 => " (no WebSocket endpoint at this path)",
            _ => "",
        };
        let stop = policy == HttpErrorPolicy::Stop && status != 408 && status != 429;
        return Next::Fail {
            message: format!(
                "{answered}{hint}{}",
                if stop {
                    "; stopping (HTTP error policy)"
                } else {
                    ""
                }
            ),
            stop,
        };
    }
    fail("not a WebSocket upgrade".into())
}

/// Resolves a `Location` against the URL it answered: an absolute `ws://`,
/// `wss://` (or `http://` = ws, `https://` = wss) URL, a scheme-relative
/// `//host/path`, an absolute path `/path`, or a path relative to the
/// current one.
pub fn resolve_location(current: &Endpoint, location: &str) -> Result<Endpoint, String> {
    let location = location.trim();
    if location.is_empty() {
        return Err("empty Location".into());
    }
    let scheme = if current.secure { "wss" } else { "ws" };
    let url = if let Some(i) = location.find("://") {
        let rest = &location[i + 3..];
        match location[..i].to_ascii_lowercase().as_str() {
            "ws" | "http" => format!("ws://{rest}"),
            "wss" | "https" => format!("wss://{rest}"),
            other => return Err(format!("unsupported scheme {other:?}")),
        }
    } else if let Some(rest) = location.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else {
        let full = current.url();
        let origin = &full[..full.len() - current.resource.len()];
        if location.starts_with('/') {
            format!("{origin}{location}")
        } else {
            let path = current.resource.split('?').next().unwrap_or("/");
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            format!("{origin}{dir}{location}")
        }
    };
    // A Location may carry a fragment; it is not part of a WebSocket URL.
    let url = url.split('#').next().unwrap_or("");
    Endpoint::resolve(url, 0, "").map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(url: &str) -> Endpoint {
        Endpoint::resolve(url, 0, "").unwrap()
    }

    fn resp(status: u16, location: Option<&str>) -> HttpResponse {
        HttpResponse {
            status,
            reason: String::new(),
            headers: location
                .map(|l| vec![("Location".to_string(), l.to_string())])
                .unwrap_or_default(),
        }
    }

    #[test]
    fn locations_resolve_against_the_current_url() {
        let cur = ep("ws://h:81/a/b?q=1");
        let cases = [
            ("ws://x:90/y", "ws://x:90/y"),
            ("https://x/y", "wss://x:443/y"),
            ("http://x/y", "ws://x:80/y"),
            ("//x:7/z", "ws://x:7/z"),
            ("/c?d", "ws://h:81/c?d"),
            ("c", "ws://h:81/a/c"),
            ("/c#frag", "ws://h:81/c"),
        ];
        for (loc, want) in cases {
            assert_eq!(resolve_location(&cur, loc).unwrap().url(), want, "{loc}");
        }
        assert!(resolve_location(&cur, "ftp://x/").is_err());
        assert!(resolve_location(&cur, "").is_err());
        assert!(resolve_location(&cur, "ws://bad host/").is_err());
    }

    #[test]
    fn redirects_are_followed_within_the_bound() {
        let cur = ep("ws://h:81/hop/2");
        let mut chain = vec![cur.url()];
        let next = decide(
            &resp(302, Some("/hop/1")),
            &cur,
            2,
            HttpErrorPolicy::Retry,
            &mut chain,
        );
        let Next::Follow {
            endpoint,
            cross_origin,
        } = next
        else {
            panic!("{next:?}")
        };
        assert_eq!(endpoint.url(), "ws://h:81/hop/1");
        assert!(!cross_origin);
        let next = decide(
            &resp(307, Some("ws://other:81/hop/0")),
            &endpoint,
            2,
            HttpErrorPolicy::Retry,
            &mut chain,
        );
        assert!(
            matches!(
                next,
                Next::Follow {
                    cross_origin: true,
                    ..
                }
            ),
            "{next:?}"
        );
        let third = ep("ws://other:81/hop/0");
        let next = decide(
            &resp(308, Some("/more")),
            &third,
            2,
            HttpErrorPolicy::Retry,
            &mut chain,
        );
        match next {
            Next::Fail { message, stop } => {
                assert!(message.contains("too many redirects"), "{message}");
                assert!(!stop);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn loops_downgrades_and_missing_locations_fail() {
        let a = ep("ws://h/loop/a");
        let mut chain = vec![a.url()];
        let Next::Follow { endpoint: b, .. } = decide(
            &resp(302, Some("/loop/b")),
            &a,
            10,
            HttpErrorPolicy::Retry,
            &mut chain,
        ) else {
            panic!()
        };
        let next = decide(
            &resp(302, Some("/loop/a")),
            &b,
            10,
            HttpErrorPolicy::Retry,
            &mut chain,
        );
        assert!(
            matches!(&next, Next::Fail { message, .. } if message.contains("redirect loop")),
            "{next:?}"
        );
        let s = ep("wss://h/");
        let next = decide(
            &resp(301, Some("ws://h/")),
            &s,
            5,
            HttpErrorPolicy::Retry,
            &mut vec![s.url()],
        );
        assert!(
            matches!(&next, Next::Fail { message, .. } if message.contains("wss:// to ws://")),
            "{next:?}"
        );
        let next = decide(&resp(302, None), &s, 5, HttpErrorPolicy::Retry, &mut vec![]);
        assert!(
            matches!(&next, Next::Fail { message, .. } if message.contains("without a Location")),
            "{next:?}"
        );
        let next = decide(
            &resp(302, Some("/x")),
            &s,
            0,
            HttpErrorPolicy::Retry,
            &mut vec![],
        );
        assert!(
            matches!(&next, Next::Fail { message, stop: false } if message.contains("not followed")),
            "{next:?}"
        );
    }

    #[test]
    fn client_errors_stop_only_with_the_stop_policy() {
        let cur = ep("ws://h/");
        for (status, policy, stop) in [
            (401, HttpErrorPolicy::Retry, false),
            (401, HttpErrorPolicy::Stop, true),
            (403, HttpErrorPolicy::Stop, true),
            (429, HttpErrorPolicy::Stop, false),
            (408, HttpErrorPolicy::Stop, false),
            (503, HttpErrorPolicy::Stop, false),
        ] {
            match decide(&resp(status, None), &cur, 0, policy, &mut vec![]) {
                Next::Fail { message, stop: s } => {
                    assert_eq!(s, stop, "{status} {policy:?}");
                    assert!(message.contains(&format!("HTTP {status}")), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
