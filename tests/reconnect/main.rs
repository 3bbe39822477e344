//! Reconnection: after a cut (RST), an outage, a half-open connection
//! (blackhole, caught by the heartbeat), a close frame, refused connects, DNS
//! failures and timeouts; exponential backoff with jitter, reset only after a
//! healthy connection; an optional attempt limit; nothing sent during an
//! outage is lost.
//!
//! A module each: `outages` (cut, outage, half-open, keepalive, nothing
//! lost), `closes` (the server's close frame), `failures` (refused, DNS,
//! timeouts), `policy` (backoff, attempt limit, reconnect off, reset).

mod closes;
mod failures;
mod outages;
mod policy;
#[path = "../support/mod.rs"]
mod support;

use support::{Recorder, WAIT};

fn roundtrip(c: &mywsclient::Client, rec: &Recorder, text: &str) {
    let before = rec.messages().len();
    c.send_text(text.as_bytes()).unwrap();
    let msgs = rec.expect_messages(before + 1, WAIT);
    assert_eq!(msgs[before], (text.as_bytes().to_vec(), false));
}
