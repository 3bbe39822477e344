//! Unit tests of `queue.rs`.
use super::*;

fn msg(s: &str) -> Outgoing {
    Outgoing {
        data: Bytes::copy_from_slice(s.as_bytes()),
        binary: false,
        id: 0,
    }
}

fn limits(size: usize, bytes: usize, messages: usize) -> Limits {
    Limits {
        max_message_size: size,
        max_bytes: bytes,
        max_messages: messages,
    }
}

fn text(m: Option<Outgoing>) -> String {
    String::from_utf8(m.expect("a message").data.to_vec()).unwrap()
}

#[test]
fn refuses_too_large_and_full_with_reasons_and_counts_nothing() {
    let q = SendQueue::new(limits(4, 10, 2));
    assert_eq!(
        q.push(msg("12345")),
        Err(Refused::TooLarge { len: 5, max: 4 })
    );
    q.push(msg("1234")).unwrap();
    q.push(msg("1234")).unwrap();
    // Third message: over the count limit.
    let full = q.push(msg("1")).unwrap_err();
    assert_eq!(
        full,
        Refused::Full {
            bytes: 8,
            messages: 2,
            limits: limits(4, 10, 2)
        }
    );
    assert_eq!(Error::from(full).kind, ErrorKind::QueueFull);
    assert_eq!((q.queued_messages(), q.queued_bytes()), (2, 8));
    // Over the byte limit (no count limit).
    q.set_limits(limits(4, 10, 0));
    assert!(matches!(q.push(msg("123")), Err(Refused::Full { .. })));
    q.push(msg("12")).unwrap();
    assert_eq!((q.queued_messages(), q.queued_bytes()), (3, 10));
    let e = Error::from(Refused::TooLarge { len: 5, max: 4 });
    assert_eq!(e.kind, ErrorKind::MessageTooLarge);
    assert_eq!(
        e.message,
        "message of 5 bytes exceeds the maximum of 4 bytes"
    );
}

#[test]
fn put_back_messages_go_first_in_order_until_marked_sent() {
    let q = SendQueue::new(limits(100, 100, 0));
    for s in ["a", "b", "c", "d"] {
        q.push(msg(s)).unwrap();
    }
    let a = q.next().unwrap();
    let b = q.next().unwrap();
    // A connection ended with a and b unwritten: put back, last first.
    q.unpop(b);
    q.unpop(a);
    assert!(q.has_next());
    let got: Vec<String> = (0..4).map(|_| text(q.next())).collect();
    assert_eq!(got, ["a", "b", "c", "d"]);
    assert!(q.next().is_none());
    assert!(!q.has_next());
    // Taken but not sent: still queued.
    assert_eq!(q.queued_messages(), 4);
    q.mark_sent(&msg("a"));
    q.mark_sent(&msg("bb"));
    assert_eq!((q.queued_messages(), q.queued_bytes()), (2, 1));
}

#[test]
fn concurrent_pushes_never_pass_the_limits() {
    let q = std::sync::Arc::new(SendQueue::new(limits(10, 1000, 50)));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let q = q.clone();
            std::thread::spawn(move || {
                (0..100)
                    .filter(|_| q.push(msg("0123456789")).is_ok())
                    .count()
            })
        })
        .collect();
    let accepted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(accepted, 50);
    assert_eq!((q.queued_messages(), q.queued_bytes()), (50, 500));
}

#[test]
fn drop_oldest_makes_room_and_decides_receipts_in_order() {
    let q = SendQueue::new(limits(100, 100, 3));
    q.set_flow(OverflowPolicy::DropOldest, 0, 0);
    let ids: Vec<u64> = (0..5)
        .map(|i| q.push_ex(msg(&format!("m{i}")), true, false).unwrap().id)
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(q.queued_messages(), 3);
    let got: Vec<String> = (0..3).map(|_| text(q.next())).collect();
    assert_eq!(got, ["m2", "m3", "m4"]);
    assert_eq!(
        q.pop_receipt(),
        Some((1, Outcome::Discarded(DiscardReason::Overflow)))
    );
    assert_eq!(
        q.pop_receipt(),
        Some((2, Outcome::Discarded(DiscardReason::Overflow)))
    );
    assert_eq!(q.pop_receipt(), None, "3 is being written");
    // Everything queued is being written: nothing to drop, refused.
    assert!(matches!(
        q.push_ex(msg("x"), true, false),
        Err(Refused::Full { .. })
    ));
    // Larger than the whole queue: refused at once.
    q.set_limits(limits(200, 100, 0));
    assert!(matches!(
        q.push_ex(msg(&"y".repeat(101)), true, false),
        Err(Refused::Full { .. })
    ));
    assert_eq!(q.drop_counts(), (2, 0, 2));
}

#[test]
fn urgent_goes_after_put_back_and_before_pushed() {
    let q = SendQueue::new(limits(100, 100, 0));
    q.push(msg("a")).unwrap();
    q.push(msg("b")).unwrap();
    let a = q.next().unwrap();
    q.unpop(a);
    q.push_ex(msg("u1"), false, true).unwrap();
    q.push_ex(msg("u2"), false, true).unwrap();
    assert!(q.has_pushed());
    let got: Vec<String> = (0..4).map(|_| text(q.next())).collect();
    assert_eq!(got, ["a", "u1", "u2", "b"]);
}

#[test]
fn written_once_then_discard_all_reports_the_rest() {
    let q = SendQueue::new(limits(100, 100, 0));
    for s in ["a", "b", "c"] {
        q.push_ex(msg(s), true, false).unwrap();
    }
    let a = q.next().unwrap();
    q.mark_sent(&a);
    // Written, then put back after a break and written again: one receipt.
    q.mark_sent(&a);
    assert_eq!(q.pop_receipt(), Some((1, Outcome::Written)));
    assert_eq!(q.discard_all(DiscardReason::Stopped), 2);
    assert_eq!(
        q.pop_receipt(),
        Some((2, Outcome::Discarded(DiscardReason::Stopped)))
    );
    assert_eq!(
        q.pop_receipt(),
        Some((3, Outcome::Discarded(DiscardReason::Stopped)))
    );
    assert_eq!(q.pop_receipt(), None);
}

#[test]
fn watermarks_cross_once_each_way() {
    let q = SendQueue::new(limits(100, 1000, 0));
    q.set_flow(OverflowPolicy::Refuse, 10, 4);
    assert!(!q.push_ex(msg("12345"), false, false).unwrap().wake);
    assert!(!q.has_events());
    assert!(q.push_ex(msg("12345"), false, false).unwrap().wake);
    assert!(q.has_events());
    assert_eq!(q.crossing(), Some(Crossing::High));
    assert_eq!(q.crossing(), None);
    let m = q.next().unwrap();
    q.mark_sent(&m);
    assert_eq!(q.crossing(), None, "5 bytes: above the low watermark");
    let m = q.next().unwrap();
    q.mark_sent(&m);
    assert_eq!(q.crossing(), Some(Crossing::Drained));
}

#[test]
fn take_moves_in_order_within_its_limits_and_the_rest_stays_droppable() {
    let q = SendQueue::new(limits(100, 100, 10));
    q.set_flow(OverflowPolicy::DropOldest, 0, 0);
    for i in 0..10 {
        q.push(msg(&format!("m{i}........"))).unwrap(); // 10 bytes each
    }
    let mut out = Vec::new();
    // Until the payloads reach 25 bytes: three messages.
    assert!(q.take(&mut out, 25, 100));
    assert_eq!(
        out.iter()
            .map(|m| text(Some(m.clone())))
            .collect::<Vec<_>>(),
        ["m0........", "m1........", "m2........"]
    );
    // At least one, whatever the byte limit; at most max_count.
    let mut one = Vec::new();
    assert!(q.take(&mut one, 0, 100));
    assert_eq!(text(one.pop()), "m3........");
    let mut two = Vec::new();
    assert!(q.take(&mut two, 1000, 2));
    assert_eq!(two.len(), 2);
    // The queue is full (10 messages): the oldest one not taken (m6) goes.
    q.push(msg("new")).unwrap();
    assert_eq!(q.drop_counts().0, 1);
    // What the session could not write goes back in front, in order.
    q.unpop_all(out.into_iter().chain(two));
    let mut rest = Vec::new();
    while q.take(&mut rest, 1000, 3) {}
    let got: Vec<String> = rest.into_iter().map(|m| text(Some(m))).collect();
    assert_eq!(
        got,
        [
            "m0........",
            "m1........",
            "m2........",
            "m4........",
            "m5........",
            "m7........",
            "m8........",
            "m9........",
            "new"
        ]
    );
    assert!(!q.has_next() && !q.has_pushed());
}

#[test]
fn small_messages_share_a_block_only_while_a_backlog_exists() {
    let q = SendQueue::new(limits(1 << 20, 1 << 20, 0));
    let adjacent = |a: &Bytes, b: &Bytes| a.as_ptr().wrapping_add(a.len()) == b.as_ptr();
    // Idle, or one message waiting: an allocation of its own (nothing to
    // keep once it is written).
    for _ in 0..2 {
        let first = q.copy_in(b"first");
        q.push(Outgoing {
            data: first,
            binary: false,
            id: 0,
        })
        .unwrap();
    }
    // A backlog: small copies follow each other in one block.
    let a = q.copy_in(b"aaaa");
    let b = q.copy_in(b"bbbbbb");
    assert!(adjacent(&a, &b));
    assert_eq!((&a[..], &b[..]), (&b"aaaa"[..], &b"bbbbbb"[..]));
    // Large ones are copied on their own.
    let big = q.copy_in(&[7u8; 2000]);
    let c = q.copy_in(b"c");
    assert!(!adjacent(&b, &big) && adjacent(&b, &c));
    // The session took everything: the block is let go; the next copy,
    // with no backlog, is on its own again.
    let mut out = Vec::new();
    while q.take(&mut out, 1 << 20, 100) {}
    let d = q.copy_in(b"d");
    assert!(!adjacent(&c, &d));
    // The block's bytes stay valid as long as a message holds them.
    drop((a, big));
    assert_eq!(&b[..], b"bbbbbb");
}

#[test]
fn concurrent_senders_keep_their_order_through_batched_takes() {
    const THREADS: usize = 4;
    const EACH: usize = 2000;
    let q = std::sync::Arc::new(SendQueue::new(limits(100, 1 << 30, 0)));
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let q = q.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let data = q.copy_in(format!("{t}:{i}").as_bytes());
                    q.push(Outgoing {
                        data,
                        binary: false,
                        id: 0,
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    let mut next = [0usize; THREADS];
    let mut batch = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while next.iter().sum::<usize>() < THREADS * EACH && std::time::Instant::now() < deadline {
        if !q.take(&mut batch, 4096, 64) {
            std::thread::yield_now();
        }
        for m in batch.drain(..) {
            let s = String::from_utf8(m.data.to_vec()).unwrap();
            let (t, i) = s.split_once(':').unwrap();
            let (t, i): (usize, usize) = (t.parse().unwrap(), i.parse().unwrap());
            assert_eq!(i, next[t], "thread {t}'s messages in order");
            next[t] += 1;
        }
    }
    for s in senders {
        s.join().unwrap();
    }
    assert_eq!(next, [EACH; THREADS]);
    assert!(!q.has_next());
}
