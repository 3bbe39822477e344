//! Tests of the entry points on a `mywsclient` handle (all its rooms).

use std::ffi::CStr;
use std::ptr::{null, null_mut};

use super::*;
use crate::ffi::errors::mywsclient_last_error;
use crate::ffi::handlers::*;
use crate::ffi::options::*;
use crate::ffi::state::*;
use crate::ffi::tls::*;
use crate::ffi::types::mywsclient_stats;
use crate::ffi::upgrade::*;

type R = mywsclient_result;

fn last_error() -> String {
    // SAFETY: valid until the next failing call on this thread.
    unsafe { CStr::from_ptr(mywsclient_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn new_client(url: &CStr) -> *mut mywsclient {
    // SAFETY: a valid C string, no callback.
    let c = unsafe { mywsclient_new(url.as_ptr(), 0, null(), None, null_mut()) };
    assert!(!c.is_null(), "{}", last_error());
    c
}

#[test]
fn null_handle_everywhere() {
    let n: *mut mywsclient = null_mut();
    // SAFETY: NULL handles and arguments are part of the contract.
    unsafe {
        assert_eq!(mywsclient_start(n), R::NullArgument);
        assert!(last_error().contains("client is NULL"));
        assert_eq!(mywsclient_stop(n), R::NullArgument);
        assert_eq!(mywsclient_send(n, c"x".as_ptr(), 1), R::NullArgument);
        assert_eq!(mywsclient_send_binary(n, b"x".as_ptr(), 1), R::NullArgument);
        assert_eq!(
            mywsclient_set_message_callback(n, None, null_mut()),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_set_event_callback(n, None, null_mut()),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_set_log_callback(n, None, null_mut()),
            R::NullArgument
        );
        assert_eq!(mywsclient_set_log_level(n, 99), R::NullArgument);
        assert_eq!(mywsclient_set_reconnect(n, true, 0), R::NullArgument);
        assert_eq!(mywsclient_set_backoff(n, 1, 2, 2.0, 0.5), R::NullArgument);
        assert_eq!(mywsclient_set_backoff_reset(n, 1), R::NullArgument);
        assert_eq!(mywsclient_set_heartbeat(n, 1, 1), R::NullArgument);
        assert_eq!(mywsclient_set_timeouts(n, 1, 1, 1), R::NullArgument);
        assert_eq!(mywsclient_set_queue_limits(n, 1, 1), R::NullArgument);
        assert_eq!(mywsclient_set_max_message_size(n, 1), R::NullArgument);
        assert_eq!(mywsclient_set_ca_file(n, null()), R::NullArgument);
        assert_eq!(mywsclient_set_system_roots(n, true), R::NullArgument);
        assert_eq!(
            mywsclient_set_client_cert(n, null(), null()),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_set_dangerous_disable_tls_verification(n, true),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_add_header(n, c"X-A".as_ptr(), c"b".as_ptr()),
            R::NullArgument
        );
        assert_eq!(mywsclient_clear_headers(n), R::NullArgument);
        assert_eq!(
            mywsclient_add_subprotocol(n, c"ws".as_ptr()),
            R::NullArgument
        );
        assert_eq!(mywsclient_clear_subprotocols(n), R::NullArgument);
        assert_eq!(mywsclient_state(n), 0);
        let mut st = mywsclient_stats::default();
        assert_eq!(mywsclient_get_stats(n, &mut st), R::NullArgument);
        mywsclient_free(n);
    }
}

#[test]
fn bad_constructor_arguments_give_null_and_a_reason() {
    // SAFETY: NULL or valid C strings.
    unsafe {
        assert!(mywsclient_new(null(), 0, null(), None, null_mut()).is_null());
        assert_eq!(last_error(), "url is NULL");
        let bad = [b'w', b's', 0xff, 0];
        assert!(mywsclient_new(bad.as_ptr().cast(), 0, null(), None, null_mut()).is_null());
        assert!(
            last_error().contains("url is not valid UTF-8"),
            "{}",
            last_error()
        );
        assert!(mywsclient_new(c"http://h".as_ptr(), 0, null(), None, null_mut()).is_null());
        assert!(last_error().contains("scheme"), "{}", last_error());
        assert!(mywsclient_new(c"h".as_ptr(), 70000, null(), None, null_mut()).is_null());
        assert!(last_error().contains("out of range"), "{}", last_error());
        assert!(mywsclient_new(c"h".as_ptr(), -1, null(), None, null_mut()).is_null());
        assert!(mywsclient_new(c"h".as_ptr(), 0, c"/a b".as_ptr(), None, null_mut()).is_null());
        assert!(mywsclient_new(c"h".as_ptr(), 0, bad.as_ptr().cast(), None, null_mut()).is_null());
        assert!(
            last_error().contains("path is not valid UTF-8"),
            "{}",
            last_error()
        );
    }
}

#[test]
fn arguments_and_enums_are_checked() {
    let c = new_client(c"ws://127.0.0.1:9");
    // SAFETY: `c` is live until freed at the end; other pointers are NULL or valid.
    unsafe {
        assert_eq!(mywsclient_set_log_level(c, 5), R::InvalidArgument);
        assert!(last_error().contains("log level 5"));
        assert_eq!(mywsclient_set_log_level(c, u32::MAX), R::InvalidArgument);
        assert_eq!(mywsclient_set_log_level(c, 4), R::Ok);
        assert_eq!(mywsclient_set_log_level(c, 0), R::Ok);
        assert_eq!(mywsclient_set_delivery(c, 3), R::InvalidArgument);
        assert!(last_error().contains("delivery mode 3"));
        assert_eq!(
            mywsclient_set_delivery(std::ptr::null_mut(), 1),
            R::NullArgument
        );
        for mode in 0..=2 {
            assert_eq!(mywsclient_set_delivery(c, mode), R::Ok);
        }
        assert_eq!(
            mywsclient_set_backoff(c, 0, 10, 2.0, 0.5),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_set_backoff(c, 10, 5, 2.0, 0.5),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_set_backoff(c, 10, 50, f64::NAN, 0.5),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_set_backoff(c, 10, 50, 2.0, 1.5),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_set_backoff(c, 10, 50, 2.0, f64::NAN),
            R::InvalidArgument
        );
        assert_eq!(mywsclient_set_backoff(c, 10, 50, 1.5, 0.0), R::Ok);
        assert_eq!(mywsclient_set_heartbeat(c, 1000, 0), R::InvalidArgument);
        assert_eq!(mywsclient_set_heartbeat(c, 0, 0), R::Ok);
        assert_eq!(mywsclient_set_timeouts(c, 0, 10, 10), R::InvalidArgument);
        assert_eq!(mywsclient_set_timeouts(c, 10, 10, 0), R::Ok);
        assert_eq!(mywsclient_set_queue_limits(c, 0, 0), R::InvalidArgument);
        assert_eq!(mywsclient_set_max_message_size(c, 0), R::InvalidArgument);
        assert_eq!(
            mywsclient_add_header(c, null(), c"v".as_ptr()),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_add_header(c, c"X-A".as_ptr(), null()),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_add_header(c, c"Host".as_ptr(), c"v".as_ptr()),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_add_header(c, c"X A".as_ptr(), c"v".as_ptr()),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_add_header(c, c"X-A".as_ptr(), c"a\r\nb".as_ptr()),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_add_header(c, c"X-A".as_ptr(), c"b".as_ptr()),
            R::Ok
        );
        assert_eq!(mywsclient_clear_headers(c), R::Ok);
        assert_eq!(mywsclient_add_subprotocol(c, null()), R::NullArgument);
        assert_eq!(
            mywsclient_add_subprotocol(c, c"a b".as_ptr()),
            R::InvalidArgument
        );
        assert_eq!(
            mywsclient_add_subprotocol(c, c"".as_ptr()),
            R::InvalidArgument
        );
        assert_eq!(mywsclient_add_subprotocol(c, c"ws".as_ptr()), R::Ok);
        assert_eq!(mywsclient_clear_subprotocols(c), R::Ok);
        assert_eq!(
            mywsclient_set_ca_file(c, c"/nonexistent/ca.pem".as_ptr()),
            R::Config
        );
        assert!(
            last_error().contains("/nonexistent/ca.pem"),
            "{}",
            last_error()
        );
        assert_eq!(mywsclient_set_ca_file(c, c"Cargo.toml".as_ptr()), R::Config);
        assert_eq!(mywsclient_set_ca_file(c, null()), R::Ok);
        assert_eq!(
            mywsclient_set_client_cert(c, c"a".as_ptr(), null()),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_set_client_cert(c, null(), c"b".as_ptr()),
            R::NullArgument
        );
        assert_eq!(
            mywsclient_set_client_cert(
                c,
                c"/nonexistent/c.pem".as_ptr(),
                c"/nonexistent/k.pem".as_ptr()
            ),
            R::Config
        );
        assert_eq!(mywsclient_set_client_cert(c, null(), null()), R::Ok);
        assert_eq!(mywsclient_set_system_roots(c, false), R::Ok);
        assert_eq!(
            mywsclient_set_dangerous_disable_tls_verification(c, false),
            R::Ok
        );
        assert_eq!(mywsclient_set_backoff_reset(c, 10), R::Ok);
        assert_eq!(mywsclient_set_reconnect(c, false, 3), R::Ok);

        assert_eq!(mywsclient_send(c, null(), 1), R::NullArgument);
        assert_eq!(mywsclient_send(c, null(), 0), R::Ok);
        assert_eq!(mywsclient_send_binary(c, null(), 0), R::Ok);
        let bad = [0xc3u8, 0x28];
        assert_eq!(
            mywsclient_send(c, bad.as_ptr().cast(), bad.len()),
            R::InvalidUtf8
        );
        assert_eq!(mywsclient_send_binary(c, bad.as_ptr(), bad.len()), R::Ok);
        assert_eq!(mywsclient_set_max_message_size(c, 4), R::Ok);
        assert_eq!(mywsclient_send(c, c"hello".as_ptr(), 5), R::MessageTooLarge);
        assert_eq!(mywsclient_send(c, c"hell".as_ptr(), 4), R::Ok);
        assert_eq!(mywsclient_set_queue_limits(c, 1 << 20, 5), R::Ok);
        assert_eq!(mywsclient_send(c, c"x".as_ptr(), 1), R::Ok);
        assert_eq!(mywsclient_send(c, c"y".as_ptr(), 1), R::QueueFull);
        let mut st = mywsclient_stats::default();
        assert_eq!(mywsclient_get_stats(c, null_mut()), R::NullArgument);
        assert_eq!(mywsclient_get_stats(c, &mut st), R::Ok);
        assert_eq!(st.queued_messages, 5);
        assert_eq!(st.queued_bytes, 2 + 4 + 1);
        assert_eq!(mywsclient_state(c), mywsclient_connection_state_idle());
        mywsclient_free(c);
    }
}

fn mywsclient_connection_state_idle() -> u32 {
    crate::ffi::types::mywsclient_connection_state::IDLE as u32
}

#[test]
fn setters_only_before_start_or_after_stop() {
    // Port 9 (discard) on loopback: refused, so the client keeps retrying.
    let c = new_client(c"ws://127.0.0.1:9");
    // SAFETY: `c` is live until freed at the end.
    unsafe {
        assert_eq!(mywsclient_set_reconnect(c, true, 0), R::Ok);
        assert_eq!(mywsclient_set_log_level(c, 0), R::Ok);
        assert_eq!(mywsclient_start(c), R::Ok);
        assert_eq!(mywsclient_start(c), R::Ok, "start is idempotent");
        assert_eq!(mywsclient_set_heartbeat(c, 0, 0), R::InvalidState);
        assert!(
            last_error().contains("only possible before start"),
            "{}",
            last_error()
        );
        assert_eq!(
            mywsclient_set_message_callback(c, None, null_mut()),
            R::InvalidState
        );
        assert_eq!(
            mywsclient_set_event_callback(c, None, null_mut()),
            R::InvalidState
        );
        assert_eq!(
            mywsclient_set_log_callback(c, None, null_mut()),
            R::InvalidState
        );
        assert_eq!(
            mywsclient_add_subprotocol(c, c"ws".as_ptr()),
            R::InvalidState
        );
        assert_ne!(mywsclient_state(c), mywsclient_connection_state_idle());
        assert_eq!(mywsclient_stop(c), R::Ok);
        assert_eq!(mywsclient_stop(c), R::Ok, "stop is idempotent");
        assert_eq!(
            mywsclient_state(c),
            crate::ffi::types::mywsclient_connection_state::STOPPED as u32
        );
        assert_eq!(mywsclient_set_heartbeat(c, 0, 0), R::Ok);
        mywsclient_free(c);
    }
}
