//! What the echo-server tests send and expect back: the kinds of message
//! (text, small and large binary) and a pipelined run.

use mywsclient::Client;

use crate::recorder::Rec;
use crate::WAIT;

/// Queues a text, a small binary and an 8 MiB binary message (larger than
/// the echo server's output limit: it stops reading until the client took it).
pub fn send_kinds(c: &Client) {
    c.send_text("héllo".as_bytes()).unwrap();
    c.send_binary(&[0, 159, 255]).unwrap();
    c.send_binary(&vec![7; 8 << 20]).unwrap();
}

/// The echoes of `send_kinds`, each with its kind.
pub fn expect_kinds(r: &Rec) {
    assert_eq!(
        r.msgs.recv_timeout(WAIT).unwrap(),
        ("héllo".as_bytes().to_vec(), false)
    );
    assert_eq!(
        r.msgs.recv_timeout(WAIT).unwrap(),
        (vec![0, 159, 255], true)
    );
    let big = r.msgs.recv_timeout(WAIT).unwrap();
    assert_eq!((big.0.len(), big.1), (8 << 20, true));
}

/// `n` small messages sent back to back come back in order.
pub fn expect_pipelined(c: &Client, r: &Rec, n: u32) {
    for i in 0..n {
        c.send_binary(&i.to_be_bytes()).unwrap();
    }
    for i in 0..n {
        assert_eq!(r.msgs.recv_timeout(WAIT).unwrap().0, i.to_be_bytes());
    }
}
