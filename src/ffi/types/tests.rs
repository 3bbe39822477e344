//! Unit tests of `ffi/types.rs`.
use super::*;
use crate::delivery::Delivery;
use crate::error::ErrorKind;
use crate::event::Event;
use crate::event::{CloseInitiator, State};
use crate::ffi::callbacks::event_fields;
use crate::ffi::delivery::mywsclient_discard_reason;
use crate::log::LogLevel;
use std::ffi::CStr;
use std::time::Duration;

#[test]
fn result_codes_round_trip() {
    for (i, r) in mywsclient_result::ALL.iter().enumerate() {
        assert_eq!(*r as usize, i);
        assert_eq!(mywsclient_result::from_i32(i as i32), Some(*r));
        assert!(!r.as_cstr().to_bytes().is_empty());
    }
    assert_eq!(mywsclient_result::from_i32(-1), None);
    assert_eq!(mywsclient_result::from_i32(10), None);
    assert_eq!(mywsclient_result::from_i32(i32::MAX), None);
}

/// The `NAME = value` pairs of one enum in the committed header.
fn header_values(prefix: &str) -> Vec<(String, u32)> {
    let header = include_str!("../../../include/mywsclient/mywsclient.h");
    header
        .lines()
        .filter_map(|l| l.trim().strip_prefix(prefix))
        .filter_map(|l| {
            let (name, value) = l.trim_end_matches(',').split_once(" = ")?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// `InvalidUtf8` -> `INVALID_UTF8`, the name cbindgen gives a variant.
fn screaming(rust: &str) -> String {
    let mut out = String::new();
    for (i, ch) in rust.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// Checks one core enum against its C mirror and the header: every
/// variant, its discriminant, its name and both conversions. `mirror`
/// gives a variant's C value and what that C value converts back to.
fn check_pairs<K>(
    all: &[K],
    prefix: &str,
    name: fn(K) -> &'static CStr,
    mirror: fn(K) -> (u32, Option<K>),
    extra: &[(&str, u32)],
) where
    K: Copy + PartialEq + std::fmt::Debug + TryFrom<u32, Error = u32>,
{
    let mut names = std::collections::HashSet::new();
    let mut expected: Vec<(String, u32)> = extra.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    let mut last = None;
    for &k in all {
        let (value, back) = mirror(k);
        assert_eq!(K::try_from(value), Ok(k), "{k:?}: discriminants differ");
        assert_eq!(back, Some(k), "{k:?}: C -> core");
        assert!(
            last < Some(value),
            "{k:?}: ALL is not in discriminant order"
        );
        last = Some(value);
        let n = name(k).to_str().unwrap();
        assert!(
            !n.is_empty() && names.insert(n),
            "{k:?}: name {n:?} empty or repeated"
        );
        expected.push((screaming(&format!("{k:?}")), value));
    }
    for v in 0..=255u32 {
        if let Ok(k) = K::try_from(v) {
            assert!(all.contains(&k), "{v}: {k:?} missing from ALL");
        }
    }
    expected.sort_by_key(|e| e.1);
    assert_eq!(header_values(prefix), expected, "{prefix}* in the header");
}

#[test]
fn every_c_enum_pairs_with_its_core_enum() {
    check_pairs(
        &ErrorKind::ALL,
        "MYWSCLIENT_ERROR_KIND_",
        ErrorKind::name,
        |k| {
            let c = mywsclient_error_kind::from(k);
            (c as u32, c.to_core())
        },
        &[("NONE", 0)],
    );
    check_pairs(
        &State::ALL,
        "MYWSCLIENT_STATE_",
        State::name,
        |s| {
            let c = mywsclient_connection_state::from(s);
            (c as u32, Some(c.into()))
        },
        &[],
    );
    check_pairs(
        &CloseInitiator::ALL,
        "MYWSCLIENT_CLOSE_INITIATOR_",
        CloseInitiator::name,
        |i| {
            let c = mywsclient_close_initiator::from(i);
            (c as u32, Some(c.into()))
        },
        &[],
    );
    check_pairs(
        &LogLevel::ALL,
        "MYWSCLIENT_LOG_LEVEL_",
        LogLevel::name,
        |l| {
            let c = mywsclient_log_level::from(l);
            (c as u32, Some(c.into()))
        },
        &[],
    );
    check_pairs(
        &Delivery::ALL,
        "MYWSCLIENT_DELIVERY_",
        Delivery::name,
        |d| {
            let c = mywsclient_delivery::from(d);
            (c as u32, Some(c.into()))
        },
        &[],
    );
    assert_eq!(mywsclient_error_kind::None.to_core(), None);
    // Control frames, receipts, flow control (0.2).
    use crate::ffi::delivery::mywsclient_overflow_policy;
    use crate::flow::OverflowPolicy;
    use crate::receipts::DiscardReason;
    check_pairs(
        &DiscardReason::ALL,
        "MYWSCLIENT_DISCARD_REASON_",
        DiscardReason::name,
        |r| {
            let c = mywsclient_discard_reason::from(r);
            (c as u32, c.to_core())
        },
        &[("NONE", 0)],
    );
    check_pairs(
        &OverflowPolicy::ALL,
        "MYWSCLIENT_OVERFLOW_POLICY_",
        OverflowPolicy::name,
        |p| {
            let c = mywsclient_overflow_policy::from(p);
            (c as u32, Some(c.into()))
        },
        &[],
    );
    assert_eq!(mywsclient_discard_reason::None.to_core(), None);
}

#[test]
fn delivery_events_fill_their_appended_fields() {
    use crate::receipts::DiscardReason;
    let ev = Event::Pong {
        rtt: Duration::from_micros(1234),
        payload: b"abc".to_vec(),
    };
    let (e, t, _) = event_fields(&ev);
    assert_eq!((e.r#type, e.rtt_us, e.data_len, t), (7, 1234, 3, ""));
    // SAFETY: `data` points to `data_len` bytes of `ev`'s payload, alive here.
    let data = unsafe { std::slice::from_raw_parts(e.data, e.data_len) };
    assert_eq!(data, b"abc");
    let (e, _, _) = event_fields(&Event::Pong {
        rtt: Duration::ZERO,
        payload: Vec::new(),
    });
    assert!(e.data.is_null() && e.data_len == 0);
    let (e, _, _) = event_fields(&Event::Written { id: 42 });
    assert_eq!((e.r#type, e.message_id, e.discard_reason), (8, 42, 0));
    let (e, _, _) = event_fields(&Event::Discarded {
        id: 7,
        reason: DiscardReason::Overflow,
    });
    assert_eq!((e.r#type, e.message_id, e.discard_reason), (9, 7, 3));
    let (e, _, _) = event_fields(&Event::QueueHigh {
        queued_bytes: 10,
        queued_messages: 2,
    });
    assert_eq!((e.r#type, e.queued_bytes, e.queued_messages), (10, 10, 2));
    let (e, _, _) = event_fields(&Event::QueueDrained {
        queued_bytes: 1,
        queued_messages: 1,
    });
    assert_eq!(
        (e.r#type, e.queued_bytes, e.message_id, e.rtt_us),
        (11, 1, 0, 0)
    );
    let (e, _, _) = event_fields(&Event::Stopped);
    assert_eq!((e.message_id, e.rtt_us, e.queued_bytes), (0, 0, 0));
}

#[test]
fn enums_match_the_core() {
    for v in 0..=5u32 {
        assert_eq!(State::try_from(v).map(|s| s as u32), Ok(v));
    }
    assert_eq!(State::try_from(6), Err(6));
    for v in 1..=20u32 {
        let k = ErrorKind::try_from(v).expect("every value 1..=20 is a kind");
        assert_eq!(k as u32, v);
    }
    assert_eq!(ErrorKind::try_from(0), Err(0));
    assert_eq!(ErrorKind::try_from(21), Err(21));
    for v in 0..=4u32 {
        assert_eq!(LogLevel::try_from(v).map(|l| l as u32), Ok(v));
    }
    assert_eq!(LogLevel::try_from(5), Err(5));
}

#[test]
fn events_fill_their_fields() {
    let ev = Event::ReconnectScheduled {
        attempt: 3,
        delay: Duration::from_millis(250),
    };
    let (e, t, _) = event_fields(&ev);
    assert_eq!((e.r#type, e.attempt, e.delay_ms, t), (5, 3, 250, ""));
    let ev = Event::Closed {
        code: 1001,
        reason: "bye".into(),
        initiator: CloseInitiator::Server,
    };
    let (e, t, _) = event_fields(&ev);
    assert_eq!(
        (e.r#type, e.close_code, e.close_initiator, t),
        (3, 1001, 1, "bye")
    );
    let ev = Event::Error {
        kind: ErrorKind::Dns,
        message: "nope".into(),
        response: None,
    };
    let (e, t, r) = event_fields(&ev);
    assert_eq!(
        (e.r#type, e.error_kind, t, e.http_status),
        (4, 6, "nope", 0)
    );
    assert!(r.is_none());
    let resp = HttpResponse {
        status: 401,
        ..HttpResponse::default()
    };
    let ev = Event::Error {
        kind: ErrorKind::Handshake,
        message: "401".into(),
        response: Some(Box::new(resp.clone())),
    };
    let (e, _, r) = event_fields(&ev);
    assert_eq!((e.http_status, r), (401, Some(&resp)));
    let ev = Event::Open {
        protocol: None,
        response: Box::new(HttpResponse {
            status: 101,
            ..HttpResponse::default()
        }),
    };
    let (e, t, r) = event_fields(&ev);
    assert_eq!((e.r#type, e.error_kind, t, e.http_status), (2, 0, "", 101));
    assert!(r.is_some());
    let (e, _, _) = event_fields(&Event::Stopped);
    assert_eq!(e.r#type, 6);
}

#[test]
fn error_kinds_map_to_results() {
    assert_eq!(
        mywsclient_result::from(ErrorKind::QueueFull),
        mywsclient_result::QueueFull
    );
    assert_eq!(
        mywsclient_result::from(ErrorKind::InvalidState),
        mywsclient_result::InvalidState
    );
    assert_eq!(
        mywsclient_result::from(ErrorKind::Config),
        mywsclient_result::Config
    );
    assert_eq!(
        mywsclient_result::from(ErrorKind::Dns),
        mywsclient_result::Io
    );
}

#[test]
fn enum_values_from_c_are_checked_up_to_the_last_c_value() {
    use crate::config::HttpErrorPolicy;
    use crate::deflate::CompressionMode;
    use crate::ffi::boundary::{enum_arg, CEnum};
    use crate::ffi::compression::mywsclient_compression;
    use crate::ffi::delivery::mywsclient_overflow_policy;
    use crate::flow::OverflowPolicy;

    fn check<T: CEnum>(last: u32) {
        assert_eq!(T::MAX, last, "{}", T::C_TYPE);
        assert!((0..=last).all(|v| T::from_c(v).is_some()), "{}", T::C_TYPE);
        assert!(T::from_c(last + 1).is_none() && T::from_c(u32::MAX).is_none());
        let code = enum_arg::<T>(last + 1).err().map(|e| e.0);
        assert_eq!(code, Some(mywsclient_result::InvalidArgument));
        // SAFETY: valid until the next failing call on this thread.
        let msg = unsafe { CStr::from_ptr(crate::ffi::boundary::last_error_ptr()) };
        let want = format!(
            "{} {} is not a {} value (0-{last})",
            T::WHAT,
            last + 1,
            T::C_TYPE
        );
        assert_eq!(msg.to_str().unwrap(), want);
    }
    check::<LogLevel>(mywsclient_log_level::Debug as u32);
    check::<Delivery>(mywsclient_delivery::AtLeastOnce as u32);
    check::<HttpErrorPolicy>(mywsclient_http_error_policy::Stop as u32);
    check::<CompressionMode>(mywsclient_compression::NoContextTakeover as u32);
    check::<OverflowPolicy>(mywsclient_overflow_policy::DropOldest as u32);
}
