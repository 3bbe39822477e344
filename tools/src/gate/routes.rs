//! The gate's routes: the status and headers that answer each path (see
//! the list in the module's doc), and the token check of `/auth`.

use super::{lock, GateRequest, Inner};

/// Headers that go with a refusal with `code`.
fn refusal_headers(code: u16) -> Vec<(String, String)> {
    let mut h = vec![("X-Gate".to_string(), "refused".to_string())];
    if code == 401 {
        h.push((
            "WWW-Authenticate".into(),
            "Bearer realm=\"gate\", error=\"invalid_token\"".into(),
        ));
    }
    if code == 429 || code == 503 {
        h.push(("Retry-After".into(), "1".into()));
    }
    h
}

fn location(to: String) -> Vec<(String, String)> {
    vec![("Location".into(), to)]
}

/// The answer to a request: status, extra headers, and (for an accepted
/// `/auth`) the token generation it used.
pub(super) fn decide(
    inner: &Inner,
    req: &GateRequest,
) -> (u16, Vec<(String, String)>, Option<u64>) {
    let path = req.path().to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let code = |s: &str| s.parse::<u16>().ok().filter(|c| (100..=599).contains(c));
    match parts.as_slice() {
        ["auth", ..] => {
            let current = lock(&inner.state).token;
            let want = format!("t{current}");
            let bearer = req
                .header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                .is_some_and(|t| t.trim() == want);
            let query = req
                .target
                .split_once('?')
                .is_some_and(|(_, q)| q.split('&').any(|kv| kv == format!("token={want}")));
            if bearer || query {
                (101, Vec::new(), Some(current))
            } else {
                (401, refusal_headers(401), None)
            }
        }
        ["status", c, ..] => match code(c) {
            Some(c) => (c, refusal_headers(c), None),
            None => (400, Vec::new(), None),
        },
        ["flaky", c, n, ..] => match (code(c), n.parse::<u32>()) {
            (Some(c), Ok(n)) => {
                let mut st = lock(&inner.state);
                let hits = st.hits.entry(path.clone()).or_insert(0);
                *hits += 1;
                if *hits <= n {
                    (c, refusal_headers(c), None)
                } else {
                    (101, Vec::new(), None)
                }
            }
            _ => (400, Vec::new(), None),
        },
        ["hop", n, c] => match (n.parse::<u32>(), code(c)) {
            (Ok(0), Some(_)) => (101, Vec::new(), None),
            (Ok(n), Some(c)) => (c, location(format!("/hop/{}/{c}", n - 1)), None),
            _ => (400, Vec::new(), None),
        },
        ["loop", "a"] => (302, location("/loop/b".into()), None),
        ["loop", "b"] => (302, location("/loop/a".into()), None),
        ["goto", port, rest @ ..] => match port.parse::<u16>() {
            Ok(p) => (
                302,
                location(format!("ws://127.0.0.1:{p}/{}", rest.join("/"))),
                None,
            ),
            Err(_) => (400, Vec::new(), None),
        },
        _ => (101, Vec::new(), None),
    }
}
