//! Hostile and broken servers (issue 5): each case must end in an error
//! event whose kind and message name the cause, then a reconnect (the
//! server is hit again), with no panic, no hang and bounded memory. Also a
//! few unusual-but-valid server behaviours that must work.
//!
//! The cases, a module each: `handshake` (broken HTTP upgrades), `frames`
//! (malformed or oversized frames), `stalled` (silent, stuck and slow
//! servers), `tls` (bad certificates, no TLS), `valid` (unusual but valid).

mod frames;
mod handshake;
mod stalled;
#[path = "../support/mod.rs"]
mod support;
mod tls;
mod valid;

use std::time::Duration;

use mywsclient::{Client, Config, ErrorKind, Event};
use support::hostile::ScriptServer;
use support::{client, test_config, timed_stop, Recorder, WAIT};

/// Runs a client against `server` and checks the case: an Error of one of
/// `kinds` whose message contains `needle` (case-insensitive; alternatives
/// separated by '|'), a reconnect
/// scheduled after it, a second connection to the server that fails the
/// same way, and a prompt stop.
fn expect_failure(
    name: &str,
    server: &ScriptServer,
    url: &str,
    cfg: Config,
    kinds: &[ErrorKind],
    needle: &str,
) -> (Client, Recorder) {
    let (c, rec) = client(url, cfg);
    c.start().unwrap();
    let (i, kind, msg) = rec.expect_any_error(0, WAIT);
    assert!(
        kinds.contains(&kind),
        "{name}: expected {kinds:?}, got {kind:?}: {msg}\n{}",
        rec.dump()
    );
    let lower = msg.to_ascii_lowercase();
    assert!(
        needle
            .split('|')
            .any(|n| lower.contains(&n.to_ascii_lowercase())),
        "{name}: {msg:?} does not name the cause ({needle:?})"
    );
    eprintln!("hostile {name}: {kind:?}: {msg}");
    let r = rec.expect_reconnect(i, WAIT);
    // The retry meets the same server and fails the same way.
    let (_, kind2, _) = rec.expect_any_error(r, WAIT);
    assert_eq!(
        kind2,
        kind,
        "{name}: the retry failed differently:\n{}",
        rec.dump()
    );
    assert!(server.connections() >= 2, "{name}: no second connection");
    let took = timed_stop(&c);
    assert!(took < Duration::from_secs(2), "{name}: stop took {took:?}");
    assert_eq!(
        rec.count(|e| matches!(e, Event::Open { .. })) > 0,
        rec.count(|e| matches!(e, Event::Closed { .. })) > 0
    );
    (c, rec)
}

/// A server that upgrades properly, then writes `bytes` and reads on.
fn after_upgrade(bytes: Vec<u8>) -> ScriptServer {
    ScriptServer::start(move |p| {
        if p.upgrade("").is_some() && p.send(&bytes) {
            p.drain();
        }
    })
}

fn check_after_upgrade(name: &str, bytes: Vec<u8>, kinds: &[ErrorKind], needle: &str) {
    let server = after_upgrade(bytes);
    let (_c, rec) = expect_failure(name, &server, &server.url(), test_config(), kinds, needle);
    assert!(
        rec.count(|e| matches!(e, Event::Open { .. })) >= 1,
        "{name}: the handshake itself was fine"
    );
    assert_eq!(rec.messages().len(), 0, "{name}: nothing may be delivered");
}
