//! Long-lived sessions: the connect hook (a fresh token at every attempt),
//! runtime `set_url` / `set_header` and `reconnect()`, the HTTP response of
//! a refused or accepted upgrade, the 4xx policy, redirects (followed,
//! bounded, never wss -> ws), and the `MYWSCLIENT_SHARED_IO=1` switch.
//! Against gate servers (tools/src/gate/) on loopback.

#[allow(dead_code)]
#[path = "../tools/src/gate/mod.rs"]
mod gate;
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gate::{GateEnd, GateServer, TOKEN_EXPIRED};
use mywsclient::{
    Client, CloseInitiator, ErrorKind, Event, HttpErrorPolicy, HttpResponse, Request, State,
};
use support::*;

fn gate() -> Arc<GateServer> {
    Arc::new(GateServer::local().expect("gate server"))
}

/// The HTTP response of the first handshake Error event at index >= `from`.
fn refused(rec: &Recorder, from: usize) -> (usize, String, HttpResponse) {
    let (i, e) = rec.expect_event(from, WAIT, "Error with an HTTP response", |e| {
        matches!(
            e,
            Event::Error {
                response: Some(_),
                ..
            }
        )
    });
    match e {
        Event::Error {
            kind,
            message,
            response: Some(r),
        } => {
            assert_eq!(kind, ErrorKind::Handshake, "{message}");
            (i, message, *r)
        }
        _ => unreachable!(),
    }
}

fn open_response(rec: &Recorder, from: usize) -> (usize, HttpResponse) {
    let (i, e) = rec.expect_event(from, WAIT, "Open", |e| matches!(e, Event::Open { .. }));
    match e {
        Event::Open { response, .. } => (i, *response),
        _ => unreachable!(),
    }
}

fn closed_with(rec: &Recorder, from: usize, code: u16) -> usize {
    rec.expect_event(
        from,
        WAIT,
        &format!("Closed {code}"),
        |e| matches!(e, Event::Closed { code: c, .. } if *c == code),
    )
    .0
}

// ---------------------------------------------------------------- the hook

#[test]
fn hook_supplies_a_fresh_token_at_every_attempt_and_the_client_stays_up() {
    let g = gate();
    let (c, rec) = client(&g.url("/auth"), test_config());
    let source = g.clone();
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let seen = attempts.clone();
    c.set_connect_hook(move |req: &mut Request| {
        // What an application does: fetch the current token, put it in.
        let token = source.token();
        seen.lock().unwrap().push((req.attempt(), req.url()));
        req.set_header("Authorization", &format!("Bearer {token}"))
            .unwrap();
    })
    .unwrap();
    c.start().unwrap();
    let mut at = rec.expect_open(0, WAIT);
    for round in 0..3 {
        let msg = format!("before expiry {round}");
        c.send_text(msg.as_bytes()).unwrap();
        rec.expect_messages(round + 1, WAIT);
        let new = g.rotate_token();
        // The server closes with 4001; the client reconnects with the new token.
        at = closed_with(&rec, at, TOKEN_EXPIRED);
        at = rec.expect_open(at, WAIT);
        assert_eq!(
            g.requests().last().unwrap().header("authorization"),
            Some(format!("Bearer {new}").as_str())
        );
    }
    assert!(
        g.requests().iter().all(|r| r.status == 101),
        "every attempt carried the current token: {:?}",
        g.requests()
    );
    assert_eq!(g.opened(), 4);
    assert!(!rec.events().iter().any(|e| matches!(
        e,
        Event::Error {
            response: Some(_),
            ..
        }
    )));
    let closes: Vec<_> = rec
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Closed {
                code, initiator, ..
            } => Some((code, initiator)),
            _ => None,
        })
        .collect();
    assert_eq!(closes, vec![(TOKEN_EXPIRED, CloseInitiator::Server); 3]);
    let attempts = attempts.lock().unwrap();
    assert_eq!(attempts.len(), 4, "the hook ran once per attempt");
    assert!(attempts.iter().all(|(_, url)| url == &g.url("/auth")));
    c.stop().unwrap();
    assert_eq!(rec.overlaps(), 0);
}

#[test]
fn hook_can_put_the_token_in_the_url_and_change_subprotocols() {
    let g = gate();
    let (c, rec) = client(&g.url("/auth"), test_config());
    let source = g.clone();
    let base = g.url("/auth");
    c.set_connect_hook(move |req: &mut Request| {
        req.set_url(&format!("{base}?token={}", source.token()))
            .unwrap();
        req.set_subprotocols(&["chat", "v2"]).unwrap();
        // Refused changes leave the request as it was.
        assert!(req.set_header("Host", "evil").is_err());
        assert!(req.set_url("ftp://nope").is_err());
    })
    .unwrap();
    c.start().unwrap();
    let at = rec.expect_open(0, WAIT);
    g.rotate_token();
    let at = closed_with(&rec, at, TOKEN_EXPIRED);
    rec.expect_open(at, WAIT);
    let reqs = g.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].target, "/auth?token=t1");
    assert_eq!(reqs[1].target, "/auth?token=t2");
    assert_eq!(reqs[1].header("sec-websocket-protocol"), Some("chat, v2"));
    c.stop().unwrap();
}

#[test]
fn hook_may_call_the_client_without_deadlock() {
    let g = gate();
    let (c, rec) = client(&g.url("/"), test_config());
    let c = Arc::new(c);
    let weak = Arc::downgrade(&c);
    c.set_connect_hook(move |_req: &mut Request| {
        if let Some(c) = weak.upgrade() {
            c.send_text(b"from the hook").unwrap();
            let _ = c.stats();
            assert_eq!(c.state(), State::Connecting);
        }
    })
    .unwrap();
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert_eq!(rec.expect_messages(1, WAIT)[0].0, b"from the hook");
    c.stop().unwrap();
}

// ---------------------------------------------------------------- runtime target

#[test]
fn set_header_at_runtime_fixes_a_401_loop_with_the_default_policy() {
    let g = gate();
    let mut cfg = test_config();
    cfg.headers
        .push(("Authorization".into(), "Bearer t0".into()));
    let (c, rec) = client(&g.url("/auth"), cfg);
    c.start().unwrap();
    // Default policy: refused, reported with the response, retried.
    let (i, message, resp) = refused(&rec, 0);
    assert_eq!(resp.status, 401, "{message}");
    assert_eq!(resp.reason, "Unauthorized");
    assert!(message.contains("401"), "{message}");
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Bearer realm=\"gate\", error=\"invalid_token\"")
    );
    let (i, _, _) = refused(&rec, i + 1);
    rec.expect_reconnect(i, WAIT);
    assert!(c.state() != State::Stopped);
    // The token arrives: from the next attempt on it is sent.
    c.set_header("Authorization", &format!("Bearer {}", g.token()))
        .unwrap();
    rec.expect_open(i, WAIT);
    assert_eq!(
        g.requests().last().unwrap().header("authorization"),
        Some("Bearer t1")
    );
    assert!(c.set_header("Upgrade", "x").is_err());
    c.remove_header("authorization").unwrap();
    c.stop().unwrap();
}

#[test]
fn stop_policy_stops_after_the_first_4xx() {
    for (path, status) in [("/status/401", 401), ("/status/403", 403)] {
        let g = gate();
        let mut cfg = test_config();
        cfg.http_error_policy = HttpErrorPolicy::Stop;
        let (c, rec) = client(&g.url(path), cfg);
        c.start().unwrap();
        let (i, _, resp) = refused(&rec, 0);
        assert_eq!(resp.status, status);
        assert_eq!(resp.header("x-gate"), Some("refused"));
        rec.expect_event(i, WAIT, "Stopped", |e| matches!(e, Event::Stopped));
        assert_eq!(g.count(path), 1, "no retry");
        assert_eq!(c.state(), State::Stopped);
        c.stop().unwrap();
    }
}

#[test]
fn stop_policy_still_retries_429_and_5xx() {
    let g = gate();
    let mut cfg = test_config();
    cfg.http_error_policy = HttpErrorPolicy::Stop;
    let (c, rec) = client(&g.url("/flaky/429/2"), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert_eq!(g.count("/flaky"), 3);
    c.stop().unwrap();
}

#[test]
fn set_url_while_connected_then_reconnect_moves_and_keeps_the_queue() {
    let a = gate();
    let b = gate();
    let (c, rec) = client(&a.url("/one"), test_config());
    c.start().unwrap();
    let at = rec.expect_open(0, WAIT);
    c.send_text(b"m0").unwrap();
    rec.expect_messages(1, WAIT);
    c.set_url(&b.url("/two")).unwrap();
    // Not yet: set_url takes effect at the next attempt.
    c.send_text(b"m1").unwrap();
    rec.expect_messages(2, WAIT);
    assert_eq!(a.messages().len(), 2);
    let sent: Vec<String> = (2..50).map(|i| format!("m{i}")).collect();
    for (n, m) in sent.iter().enumerate() {
        c.send_text(m.as_bytes()).unwrap();
        if n == 10 {
            c.reconnect().unwrap();
        }
    }
    let at = rec.expect_event(at, WAIT, "Closed 1000 by the client", |e| {
        matches!(
            e,
            Event::Closed {
                code: 1000,
                initiator: CloseInitiator::Client,
                ..
            }
        )
    });
    rec.expect_open(at.0, WAIT);
    // (Echoes of what reached `a` after the close began are dropped by the
    // client: count at the servers.)
    assert!(b.wait(WAIT, |b| a.messages().len() + b.messages().len() >= 50));
    assert_eq!(b.opened(), 1);
    assert_eq!(b.requests()[0].target, "/two");
    // Each message once, in order, across both servers.
    let mut all: Vec<Vec<u8>> = a.messages();
    all.extend(b.messages());
    let want: Vec<Vec<u8>> = (0..50).map(|i| format!("m{i}").into_bytes()).collect();
    assert_eq!(all, want);
    assert!(a.wait(WAIT, |a| a.ends() == vec![GateEnd::ClientClose(1000)]));
    assert_eq!(c.stats().queued_messages, 0);
    c.stop().unwrap();
}

#[test]
fn reconnect_cuts_the_backoff_wait_and_needs_a_running_client() {
    let g = gate();
    let mut cfg = test_config();
    cfg.backoff_initial = Duration::from_secs(60);
    cfg.backoff_max = Duration::from_secs(60);
    let (c, rec) = client(&ws_url(closed_port()), cfg);
    assert_eq!(c.reconnect().unwrap_err().kind, ErrorKind::InvalidState);
    c.start().unwrap();
    rec.expect_reconnect(0, WAIT);
    c.set_url(&g.url("/")).unwrap();
    c.reconnect().unwrap();
    rec.expect_open(0, WAIT);
    c.stop().unwrap();
    assert_eq!(c.reconnect().unwrap_err().kind, ErrorKind::InvalidState);
    assert!(c.set_url("http://x").is_err());
}

// ---------------------------------------------------------------- handshake visibility

#[test]
fn open_event_carries_the_response_headers() {
    let g = gate();
    let (c, rec) = client(&g.url("/"), test_config());
    c.start().unwrap();
    let (_, resp) = open_response(&rec, 0);
    assert_eq!(resp.status, 101);
    assert_eq!(resp.header("x-gate-request"), Some("1"));
    let cookies: Vec<&str> = resp
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(cookies, ["a=1", "b=2"]);
    c.stop().unwrap();
}

// ---------------------------------------------------------------- redirects

#[test]
fn redirect_chains_are_followed_for_every_redirect_status() {
    for code in [301, 302, 303, 307, 308] {
        let g = gate();
        let mut cfg = test_config();
        cfg.max_redirects = 5;
        let (c, rec) = client(&g.url(&format!("/hop/3/{code}")), cfg);
        c.start().unwrap();
        let (_, resp) = open_response(&rec, 0);
        assert_eq!(resp.header("x-gate-request"), Some("4"));
        let targets: Vec<String> = g.requests().into_iter().map(|r| r.target).collect();
        assert_eq!(
            targets,
            (0..4)
                .rev()
                .map(|n| format!("/hop/{n}/{code}"))
                .collect::<Vec<_>>()
        );
        c.stop().unwrap();
    }
}

#[test]
fn redirects_are_not_followed_by_default_but_reported_with_location() {
    let g = gate();
    let mut cfg = test_config();
    cfg.reconnect = false;
    let (c, rec) = client(&g.url("/hop/1/302"), cfg);
    c.start().unwrap();
    let (_, message, resp) = refused(&rec, 0);
    assert_eq!(resp.status, 302);
    assert_eq!(resp.header("location"), Some("/hop/0/302"));
    assert!(message.contains("not followed"), "{message}");
    assert_eq!(g.count("/hop"), 1);
    c.stop().unwrap();
}

#[test]
fn redirect_loops_and_long_chains_are_bounded_and_reported() {
    let g = gate();
    let mut cfg = test_config();
    cfg.reconnect = false;
    cfg.max_redirects = 10;
    let (c, rec) = client(&g.url("/loop/a"), cfg.clone());
    c.start().unwrap();
    let (i, message, resp) = refused(&rec, 0);
    assert!(message.contains("redirect loop"), "{message}");
    assert_eq!(resp.status, 302);
    rec.expect_event(i, WAIT, "Stopped", |e| matches!(e, Event::Stopped));
    assert_eq!(g.count("/loop"), 2);
    c.stop().unwrap();

    let g = gate();
    cfg.max_redirects = 2;
    let (c, rec) = client(&g.url("/hop/5/307"), cfg);
    c.start().unwrap();
    let (_, message, _) = refused(&rec, 0);
    assert!(message.contains("too many redirects"), "{message}");
    assert_eq!(g.count("/hop"), 3);
    c.stop().unwrap();
}

#[test]
fn a_redirect_from_wss_to_ws_is_refused() {
    let tls = Tls::new();
    let leaf = tls.pki.server(support::pki::LOCAL_NAMES).unwrap();
    let secure = GateServer::start(
        ([127, 0, 0, 1], 0).into(),
        Some(support::pki::server_config(&leaf, None).unwrap()),
    )
    .unwrap();
    let plain = gate();
    let mut cfg = tls.config();
    cfg.reconnect = false;
    cfg.max_redirects = 5;
    let (c, rec) = client(&secure.url(&format!("/goto/{}/x", plain.port())), cfg);
    c.start().unwrap();
    let (_, message, resp) = refused(&rec, 0);
    assert!(message.contains("wss:// to ws://"), "{message}");
    assert_eq!(resp.status, 302);
    assert_eq!(plain.count("/"), 0, "never connected to the ws:// target");
    c.stop().unwrap();
}

#[test]
fn credentials_do_not_follow_a_redirect_to_another_origin() {
    let a = gate();
    let b = gate();
    let mut cfg = test_config();
    cfg.max_redirects = 5;
    cfg.headers
        .push(("Authorization".into(), "Bearer secret".into()));
    cfg.headers.push(("X-Other".into(), "kept".into()));
    let (c, rec) = client(&a.url(&format!("/goto/{}/there", b.port())), cfg.clone());
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let r = &b.requests()[0];
    assert_eq!(r.target, "/there");
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("x-other"), Some("kept"));
    c.stop().unwrap();
    // Same origin: kept.
    let (c, rec) = client(&a.url("/hop/1/302"), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let last = a.requests().last().unwrap().clone();
    assert_eq!(last.target, "/hop/0/302");
    assert_eq!(last.header("authorization"), Some("Bearer secret"));
    c.stop().unwrap();
}

// ---------------------------------------------------------------- MYWSCLIENT_SHARED_IO

#[test]
fn child_shared_io_env_puts_default_clients_on_the_shared_threads() {
    if !is_child() {
        return;
    }
    let g = gate();
    // A client made with the defaults, as a legacy program does.
    let c = Client::new(&g.url("/"), 0, "").unwrap();
    assert!(c.config().shared_io);
    let rec = Recorder::new();
    rec.attach(&c);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    assert!(threads_named("mywsclient-io").is_empty());
    assert!(!threads_named("mywsclient-io-0").is_empty());
    c.stop().unwrap();
}

#[test]
fn shared_io_env_switch() {
    run_child(
        "child_shared_io_env_puts_default_clients_on_the_shared_threads",
        &[("MYWSCLIENT_SHARED_IO", "1")],
    );
}
