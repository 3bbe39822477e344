//! Real packet loss on loopback: every test runs in a network namespace of
//! its own (see `tools/src/netns.rs`) and makes the path to the server
//! silent (`iptables -j DROP`) or reset it (`-j REJECT --reject-with
//! tcp-reset`) while the client sends. Skipped, with a printed reason,
//! where namespaces are not permitted; `MYWSCLIENT_REQUIRE_NETNS=1` (set by
//! `scripts/test.sh`) turns the skip into a failure.

#[path = "../tools/src/netns.rs"]
mod netns;
mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use netns::{run_in_netns, Fault, Rule};

/// Waits (bounded) until `f` holds; returns whether it did.
fn until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The machinery itself: a dropped path leaves bytes unacknowledged until
/// the rule goes, then TCP retransmits them; a reset rule refuses connects
/// and resets an established connection.
#[test]
fn namespace_rules_drop_and_reset_real_packets() {
    if !run_in_netns("namespace_rules_drop_and_reset_real_packets") {
        return;
    }
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (mut s, _) = l.accept().unwrap();

    let mut rule = Rule::to_port(port, Fault::Drop);
    c.write_all(b"hello").unwrap();
    // Nothing reaches the server (without the rule, loopback delivers at
    // once), so nothing is acknowledged (a delayed ACK would have come).
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 16];
    let e = s.read(&mut buf).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{e}"
    );
    assert_eq!(netns::unacked(c.as_raw_fd()), 5);
    s.set_read_timeout(Some(support::WAIT)).unwrap();
    rule.remove();
    // TCP retransmits once the path is back (first retransmission ~200 ms).
    s.read_exact(&mut buf[..5]).unwrap();
    assert_eq!(&buf[..5], b"hello");
    assert!(until(support::WAIT, || netns::unacked(c.as_raw_fd()) == 0));

    let _rule = Rule::to_port(port, Fault::Reset);
    let refused = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The established connection: the next segment is answered by a reset.
    let _ = c.write_all(b"x");
    c.set_read_timeout(Some(support::WAIT)).unwrap();
    let e = c.read(&mut buf).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
}
