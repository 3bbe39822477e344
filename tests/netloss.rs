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

use mywsclient::{Client, Config, Delivery, ErrorKind, Stats};
use netns::{run_in_netns, Fault, Rule};
use support::{
    client, echo_server, fast_heartbeat, test_config, ws_url, EchoServer, Recorder, WAIT,
};

/// How long a reconnect and the resends after it may take (generous).
const RECOVERY: Duration = Duration::from_secs(20);

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
    s.set_read_timeout(Some(WAIT)).unwrap();
    rule.remove();
    // TCP retransmits once the path is back (first retransmission ~200 ms).
    s.read_exact(&mut buf[..5]).unwrap();
    assert_eq!(&buf[..5], b"hello");
    assert!(until(WAIT, || netns::unacked(c.as_raw_fd()) == 0));

    let _rule = Rule::to_port(port, Fault::Reset);
    let refused = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    // The established connection: the next segment is answered by a reset.
    let _ = c.write_all(b"x");
    c.set_read_timeout(Some(WAIT)).unwrap();
    let e = c.read(&mut buf).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
}

// ---------------------------------------------------------------------------
// The client under real packet loss

/// Message `seq`: its number (8 bytes, little-endian), then `size - 8`
/// bytes of a pattern that depends on it (so a torn message would show).
fn numbered(seq: u64, size: usize) -> Vec<u8> {
    let mut m = seq.to_le_bytes().to_vec();
    m.extend((8..size.max(8)).map(|i| (seq as usize).wrapping_mul(31).wrapping_add(i) as u8));
    m
}

/// The numbers of the messages the server read, in the order it read them,
/// after checking that each one is whole.
fn server_seqs(server: &EchoServer) -> Vec<u64> {
    server.with_record(|r| {
        r.messages
            .iter()
            .map(|(d, _)| {
                let seq = u64::from_le_bytes(d[..8].try_into().unwrap());
                assert_eq!(*d, numbered(seq, d.len()), "message {seq} arrived torn");
                seq
            })
            .collect()
    })
}

/// Waits (bounded) until the server read message `last`, then a little
/// longer is not needed: messages arrive in order, so `last` is the end.
fn wait_for_seq(server: &EchoServer, last: u64, timeout: Duration) -> bool {
    server.wait(timeout, |_, r| {
        r.messages
            .iter()
            .any(|(d, _)| d.len() >= 8 && u64::from_le_bytes(d[..8].try_into().unwrap()) == last)
    })
}

fn delivery_config(mode: Delivery) -> Config {
    let mut cfg = test_config();
    fast_heartbeat(&mut cfg);
    cfg.delivery = mode;
    cfg
}

/// A started client that sends numbered messages of one size (0, 1, 2,
/// ...) to `server`, and what every test here does with it.
struct Sender<'a> {
    server: &'a EchoServer,
    c: Client,
    rec: Recorder,
    size: usize,
    /// The number of the next message.
    next: u64,
    /// Where the current connection's events start in the recorder.
    open: usize,
}

impl<'a> Sender<'a> {
    /// Connects to `url` (the server, or a proxy in front of it).
    fn start(server: &'a EchoServer, url: &str, cfg: Config, size: usize) -> Self {
        let (c, rec) = client(url, cfg);
        c.start().unwrap();
        let open = rec.expect_open(0, WAIT);
        Sender {
            server,
            c,
            rec,
            size,
            next: 0,
            open,
        }
    }

    /// Sends the next `n` messages (accepted: the queue has room).
    fn send(&mut self, n: u64) {
        for s in self.next..self.next + n {
            self.c
                .send_binary(&numbered(s, self.size))
                .expect("accepted");
        }
        self.next += n;
    }

    /// Sends the next `n` messages and waits (bounded) until the server
    /// read the last one.
    fn send_and_see(&mut self, n: u64) {
        self.send(n);
        assert!(
            wait_for_seq(self.server, self.next - 1, RECOVERY),
            "server read {:?}\n{}",
            server_seqs(self.server),
            self.rec.dump()
        );
    }

    /// The connection failed with `kind`.
    fn expect_error(&self, kind: ErrorKind) {
        self.rec.expect_error(self.open, kind, "", WAIT);
    }

    /// The connection failed with some error, which is returned.
    fn expect_any_error(&self) -> ErrorKind {
        self.rec.expect_any_error(self.open, WAIT).1
    }

    /// The client connected again.
    fn expect_reopen(&mut self) {
        self.open = self.rec.expect_open(self.open + 1, RECOVERY);
    }

    /// Stops the client: what the server read, and the client's stats.
    fn finish(self) -> (Vec<u64>, Stats) {
        let stats = self.c.stats();
        self.c.stop().unwrap();
        (server_seqs(self.server), stats)
    }
}

fn assert_each_once_in_order(seqs: &[u64], n: u64) {
    assert_eq!(
        seqs,
        (0..n).collect::<Vec<_>>(),
        "every message once, in order"
    );
}

/// Silence on the path to the server while the client sends 100 messages:
/// the heartbeat notices, the rule goes, the client reconnects and sends
/// 20 more. Returns what the server read of the 140, and the client's stats.
fn silent_period(server: &EchoServer, url: &str, cfg: Config, size: usize) -> (Vec<u64>, Stats) {
    let mut s = Sender::start(server, url, cfg, size);
    s.send_and_see(20);
    let mut rule = Rule::to_port(server.port(), Fault::Drop);
    // Accepted (and written to the kernel) while the path is silent.
    s.send(100);
    s.expect_error(ErrorKind::HeartbeatTimeout);
    rule.remove();
    s.expect_reopen();
    s.send_and_see(20);
    s.finish()
}

#[test]
fn silent_path_resends_what_the_server_never_acknowledged() {
    if !run_in_netns("silent_path_resends_what_the_server_never_acknowledged") {
        return;
    }
    let server = echo_server();
    let cfg = delivery_config(Delivery::ResendUnacknowledged);
    let (seqs, stats) = silent_period(&server, &ws_url(server.port()), cfg, 100);
    assert_each_once_in_order(&seqs, 140);
    assert!(stats.messages_resent >= 100, "{stats:?}");
}

#[test]
fn silent_path_at_most_once_loses_what_the_kernel_took() {
    if !run_in_netns("silent_path_at_most_once_loses_what_the_kernel_took") {
        return;
    }
    let server = echo_server();
    let cfg = delivery_config(Delivery::AtMostOnce);
    let (seqs, stats) = silent_period(&server, &ws_url(server.port()), cfg, 100);
    // In order and never twice, but the silent period's messages are gone.
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(seqs.len() < 140, "at-most-once lost nothing? {seqs:?}");
    assert!((20..120).any(|s| !seqs.contains(&s)));
    assert_eq!(stats.messages_resent, 0);
}

#[test]
fn silent_path_over_tls_resends_what_the_server_never_acknowledged() {
    if !run_in_netns("silent_path_over_tls_resends_what_the_server_never_acknowledged") {
        return;
    }
    let tls = support::Tls::new();
    let server = tls.valid_server();
    let mut cfg = tls.config();
    fast_heartbeat(&mut cfg);
    cfg.delivery = Delivery::ResendUnacknowledged;
    let url = support::wss_url("localhost", server.port());
    let (seqs, stats) = silent_period(&server, &url, cfg, 3000);
    assert_each_once_in_order(&seqs, 140);
    assert!(stats.messages_resent >= 100, "{stats:?}");
}

/// The path goes silent once a connection carried 300 kB: in the middle of
/// the third message of 100 KiB or so (where exactly depends on how the
/// kernel cut the stream into packets). The server's TCP acknowledged the
/// first part of that message: it must be written again whole, and what the
/// server read not again.
#[test]
fn a_drop_in_the_middle_of_a_message_resends_it_whole() {
    if !run_in_netns("a_drop_in_the_middle_of_a_message_resends_it_whole") {
        return;
    }
    let server = echo_server();
    let port = server.port();
    let mut cfg = delivery_config(Delivery::ResendUnacknowledged);
    // Reconnect after the rule is gone (it would cut the next one too).
    cfg.backoff_initial = Duration::from_millis(500);
    cfg.backoff_max = cfg.backoff_initial;
    let mut rule = Rule::after_bytes(port, 300_000);
    let mut s = Sender::start(&server, &ws_url(port), cfg, 100 << 10);
    s.send(6);
    s.expect_error(ErrorKind::HeartbeatTimeout);
    rule.remove();
    let before = server_seqs(&server);
    let k = before.len() as u64;
    assert!((1..6).contains(&k), "{before:?}");
    assert_each_once_in_order(&before, k);
    assert!(wait_for_seq(&server, 5, RECOVERY), "{}", s.rec.dump());
    let (seqs, stats) = s.finish();
    assert_each_once_in_order(&seqs, 6);
    assert!((1..=6 - k).contains(&stats.messages_resent), "{stats:?}");
}

/// A client (resending what was not acknowledged) sends 20 messages of
/// 1000 bytes to `server` and sees them arrive; then the path goes silent
/// and it sends 40 more: written, never acknowledged. Returns the sender
/// and the rule that silences the path.
fn forty_unacknowledged(server: &EchoServer, cfg: Config) -> (Sender<'_>, Rule) {
    let mut s = Sender::start(server, &ws_url(server.port()), cfg, 1000);
    s.send_and_see(20);
    let silent = Rule::to_port(server.port(), Fault::Drop);
    s.send(40);
    // Accepted is not written: wait (bounded) until the 40 are in the
    // client's kernel, unacknowledged. On a loaded machine the I/O thread
    // may not have written them yet when the test goes on, and a message
    // never written is sent, not resent, on the next connection.
    let port = server.port();
    assert!(
        until(WAIT, || unacknowledged_to(port) >= 40 * 1000),
        "{} bytes unacknowledged\n{}",
        unacknowledged_to(port),
        s.rec.dump()
    );
    (s, silent)
}

/// Bytes the established connections to 127.0.0.1:`port` hold in their
/// kernel, written and not acknowledged (this test's own namespace).
fn unacknowledged_to(port: u16) -> u64 {
    support::tcp_to(port)
        .iter()
        .filter(|&&(state, _)| state == 0x01)
        .map(|&(_, tx)| tx)
        .sum()
}

/// Resets on the path while the client sends: what the server's TCP never
/// acknowledged is written again after the reconnect.
#[test]
fn a_reset_while_sending_resends_what_was_not_acknowledged() {
    if !run_in_netns("a_reset_while_sending_resends_what_was_not_acknowledged") {
        return;
    }
    let server = echo_server();
    // Silence first, so that bytes are written but not acknowledged; then
    // the reset rule answers the retransmission with a reset. TCP
    // retransmits 0.2, 0.6, 1.4 s after the write: a heartbeat slower than
    // that lets the reset, not the heartbeat, end the connection also on a
    // loaded machine (the fast one declared it dead after 0.5 s).
    let mut cfg = delivery_config(Delivery::ResendUnacknowledged);
    cfg.heartbeat_interval = Duration::from_secs(3);
    cfg.heartbeat_timeout = Duration::from_secs(3);
    let (mut s, mut silent) = forty_unacknowledged(&server, cfg);
    let mut reset = Rule::to_port(server.port(), Fault::Reset);
    silent.remove();
    let kind = s.expect_any_error();
    assert!(
        matches!(kind, ErrorKind::Io | ErrorKind::Closed),
        "{}",
        s.rec.dump()
    );
    reset.remove();
    s.send_and_see(20);
    let (seqs, stats) = s.finish();
    assert_each_once_in_order(&seqs, 80);
    assert!(stats.messages_resent >= 40, "{stats:?}");
}

/// A server killed while the client sends. What its kernel had not
/// acknowledged is written again; nothing is lost here (the path was
/// silent, so its kernel held nothing unread). A message the server read
/// just before it died may come again: its kernel may not have sent the
/// (delayed) acknowledgement before the reset.
#[test]
fn a_server_killed_while_sending_loses_nothing_it_never_acknowledged() {
    if !run_in_netns("a_server_killed_while_sending_loses_nothing_it_never_acknowledged") {
        return;
    }
    let server = echo_server();
    // Unacknowledged bytes in flight when the server dies.
    let cfg = delivery_config(Delivery::ResendUnacknowledged);
    let (mut s, mut silent) = forty_unacknowledged(&server, cfg);
    server.kill_all();
    silent.remove();
    s.expect_any_error();
    s.expect_reopen();
    s.send_and_see(20);
    let (seqs, stats) = s.finish();
    // Every message, first seen in order; a repeat only of one read by the
    // dying server, right after it.
    let mut first: Vec<u64> = Vec::new();
    for &s in &seqs {
        if !first.contains(&s) {
            first.push(s);
        }
    }
    assert_each_once_in_order(&first, 80);
    let repeats = seqs.len() - first.len();
    assert!(repeats <= 40, "{seqs:?}");
    assert!(stats.messages_resent >= 1, "{stats:?}");
}

/// A proxy that acknowledges on the server's behalf, then forwards nothing
/// (the fault proxy's blackhole): TCP says everything arrived. Returns what
/// the server read of messages 0..80, of which 20..60 were sent into the
/// blackhole.
fn behind_an_acknowledging_proxy(mode: Delivery) -> (Vec<u64>, Stats) {
    let server = echo_server();
    let proxy = support::FaultProxy::local(server.port()).unwrap();
    let mut cfg = delivery_config(mode);
    cfg.backoff_initial = Duration::from_millis(300);
    cfg.backoff_max = cfg.backoff_initial;
    let mut s = Sender::start(&server, &ws_url(proxy.port()), cfg, 100);
    s.send(20);
    // Their echoes: frames received after all of them were written.
    s.rec.expect_messages(20, WAIT);
    proxy.blackhole();
    s.send(40);
    s.expect_error(ErrorKind::HeartbeatTimeout);
    proxy.forward();
    s.expect_reopen();
    s.send_and_see(20);
    s.finish()
}

#[test]
fn at_least_once_resends_what_followed_the_last_frame_received() {
    // No packet rules: the proxy is the fault. Runs anywhere.
    let (seqs, stats) = behind_an_acknowledging_proxy(Delivery::AtLeastOnce);
    assert_each_once_in_order(&seqs, 80);
    assert!(stats.messages_resent >= 40, "{stats:?}");
    // Trusting TCP loses what the proxy swallowed.
    let (seqs, _) = behind_an_acknowledging_proxy(Delivery::ResendUnacknowledged);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!((20..60).all(|s| !seqs.contains(&s)), "{seqs:?}");
}
