//! Malformed frames after a good upgrade: garbage, masking, reserved bits,
//! unknown opcodes, bad control frames, lengths over the maximum, invalid
//! UTF-8, bad close frames, broken fragmentation.

use mywsclient::{ErrorKind, Event};

use crate::support::hostile::*;
use crate::support::{client, test_config, WAIT};
use crate::{after_upgrade, check_after_upgrade, expect_failure};

#[test]
fn garbage_after_the_upgrade() {
    check_after_upgrade(
        "garbage",
        b"garbage!garbage!garbage!".to_vec(),
        &[ErrorKind::Protocol],
        "protocol",
    );
}

#[test]
fn a_masked_frame_from_the_server() {
    check_after_upgrade(
        "masked frame",
        masked_frame(FIN | TEXT, b"hello"),
        &[ErrorKind::Protocol],
        "mask",
    );
}

#[test]
fn reserved_bits_set() {
    check_after_upgrade(
        "RSV1",
        frame(FIN | 0x40 | TEXT, b"hello"),
        &[ErrorKind::Protocol],
        "reserved",
    );
    check_after_upgrade(
        "RSV3",
        frame(FIN | 0x10 | BINARY, b"x"),
        &[ErrorKind::Protocol],
        "reserved",
    );
}

#[test]
fn an_unknown_opcode() {
    check_after_upgrade(
        "data opcode 3",
        frame(FIN | 0x3, b"x"),
        &[ErrorKind::Protocol],
        "opcode",
    );
    check_after_upgrade(
        "control opcode 11",
        frame(FIN | 0xB, b""),
        &[ErrorKind::Protocol],
        "opcode",
    );
}

#[test]
fn a_fragmented_control_frame() {
    check_after_upgrade(
        "fragmented ping",
        frame(PING, b"a"),
        &[ErrorKind::Protocol],
        "fragmented",
    );
}

#[test]
fn a_control_frame_over_125_bytes() {
    check_after_upgrade(
        "long ping",
        frame(FIN | PING, &[b'p'; 126]),
        &[ErrorKind::Protocol],
        "protocol",
    );
}

#[test]
fn a_frame_longer_than_the_maximum() {
    let server = after_upgrade(frame(FIN | BINARY, &[7; 4096]));
    let mut cfg = test_config();
    cfg.max_message_size = 1024;
    expect_failure(
        "frame over max",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::MessageTooLarge],
        "4096",
    );
}

#[test]
fn fragments_adding_up_to_more_than_the_maximum() {
    let mut bytes = frame(BINARY, &[1; 800]);
    bytes.extend(frame(CONT, &[2; 800]));
    bytes.extend(frame(FIN | CONT, &[3; 800]));
    let server = after_upgrade(bytes);
    let mut cfg = test_config();
    cfg.max_message_size = 1024;
    let (_c, rec) = expect_failure(
        "message over max",
        &server,
        &server.url(),
        cfg,
        &[ErrorKind::MessageTooLarge],
        "1024",
    );
    assert!(rec.messages().is_empty());
}

#[test]
fn a_64_bit_length_with_the_top_bit_set() {
    let server = after_upgrade(header_with_len64(FIN | BINARY, (1 << 63) | 5));
    expect_failure(
        "len64 top bit",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::Protocol, ErrorKind::MessageTooLarge],
        "",
    );
}

#[test]
fn a_length_over_the_default_maximum_is_refused_before_allocating() {
    // 1 TiB announced; the default maximum is 64 MiB.
    let server = after_upgrade(header_with_len64(FIN | BINARY, 1 << 40));
    expect_failure(
        "len 1 TiB",
        &server,
        &server.url(),
        test_config(),
        &[ErrorKind::MessageTooLarge],
        "1099511627776",
    );
}

#[test]
fn invalid_utf8_in_a_text_frame() {
    check_after_upgrade(
        "invalid UTF-8",
        frame(FIN | TEXT, &[b'o', b'k', 0xff, 0xfe]),
        &[ErrorKind::Protocol],
        "UTF-8",
    );
}

#[test]
fn invalid_utf8_split_across_fragments() {
    // "a" + the first two bytes of a 3-byte sequence, then a byte that cannot continue it.
    let mut bytes = frame(TEXT, &[b'a', 0xe2, 0x82]);
    bytes.extend(frame(FIN | CONT, &[0x28, b'b']));
    check_after_upgrade(
        "invalid UTF-8 across fragments",
        bytes,
        &[ErrorKind::Protocol],
        "UTF-8",
    );
}

#[test]
fn a_close_frame_with_an_invalid_code() {
    // 999 and 5000 are outside every range; 1005, 1006 and 1015 must never
    // be sent in a close frame (RFC 6455 7.4.1).
    for code in [999u16, 1005, 1006, 1015, 5000] {
        let server = after_upgrade(close_frame(code, "bad"));
        let (c, rec) = client(&server.url(), test_config());
        c.start().unwrap();
        let (i, ev) = rec.expect_event(0, WAIT, "Error or Closed", |e| {
            matches!(e, Event::Error { .. } | Event::Closed { .. })
        });
        eprintln!("hostile close code {code}: first report {ev:?}");
        assert!(
            matches!(&ev, Event::Error { kind: ErrorKind::Protocol, message, .. } if message.to_ascii_lowercase().contains("close")),
            "close code {code}: expected an Error(Protocol) naming the invalid close frame, got {ev:?}\n{}",
            rec.dump()
        );
        rec.expect_reconnect(i, WAIT);
        c.stop().unwrap();
    }
}

#[test]
fn a_close_frame_with_a_one_byte_payload() {
    check_after_upgrade(
        "1-byte close",
        frame(FIN | CLOSE, &[0x03]),
        &[ErrorKind::Protocol],
        "close",
    );
}

#[test]
fn a_close_frame_with_an_invalid_utf8_reason() {
    let mut p = 1000u16.to_be_bytes().to_vec();
    p.extend_from_slice(&[0xff, 0xfe]);
    check_after_upgrade(
        "close reason not UTF-8",
        frame(FIN | CLOSE, &p),
        &[ErrorKind::Protocol],
        "UTF-8",
    );
}

#[test]
fn a_continuation_without_a_start() {
    check_after_upgrade(
        "orphan continuation",
        frame(FIN | CONT, b"x"),
        &[ErrorKind::Protocol],
        "continue",
    );
}

#[test]
fn a_new_message_inside_a_fragmented_one() {
    let mut bytes = frame(TEXT, b"part one");
    bytes.extend(frame(FIN | TEXT, b"interloper"));
    check_after_upgrade(
        "interleaved data frames",
        bytes,
        &[ErrorKind::Protocol],
        "protocol",
    );
}
