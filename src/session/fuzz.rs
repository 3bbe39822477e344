//! The fuzzing harness's entry point: a session driven over an in-memory
//! server (no socket, no thread). Built for tests and with the `fuzzing`
//! feature only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::Conn;
use super::{Phase, Session};
use crate::config::{Config, Endpoint};
use crate::handshake;
use crate::shared::Shared;
use crate::sys;
use crate::transport::{MemoryStream, Transport};

/// Drives a session over an in-memory server: the fuzzing harness's entry
/// point (no socket, no thread). `data[0]` bit 0: synthesize a valid upgrade
/// response first (so the rest is the frame stream); `data[1]`: read chunk size.
#[doc(hidden)]
pub fn fuzz_server_stream(data: &[u8]) {
    let (Some(&mode), Some(&chunk)) = (data.first(), data.get(1)) else {
        return;
    };
    let cfg = Config {
        reconnect: false,
        heartbeat_interval: Duration::ZERO,
        max_message_size: 1 << 20,
        log_level: crate::log::LogLevel::Off,
        subprotocols: vec!["ws".into()],
        ..Config::default()
    };
    cfg.validate().expect("valid fuzz config");
    let endpoint = Endpoint::resolve("ws://127.0.0.1", 9, "/").expect("valid fuzz endpoint");
    let sh = Shared::new(endpoint, cfg);
    sh.set_message_handler(Box::new(|d, _| assert!(d.len() <= 1 << 20)));
    let mut s = Session::new(Arc::new(sh));
    let stream = MemoryStream {
        input: data[2..].to_vec(),
        pos: 0,
        chunk: chunk as usize + 1,
        written: Vec::new(),
        synthesize_handshake: mode & 1 == 1,
    };
    let now = Instant::now();
    let mut conn = Conn::new(
        Transport::Memory(stream),
        crate::delivery::Delivery::default(),
        1 << 20,
    );
    let req = handshake::build_request(&s.req, None);
    conn.out.buf.extend_from_slice(&req.bytes);
    conn.out.appended += req.bytes.len() as u64;
    s.step_handshake(
        now,
        conn,
        req.key,
        Vec::new(),
        now + Duration::from_secs(10),
    );
    for _ in 0..100_000 {
        if matches!(s.phase, Phase::Done | Phase::Waiting { .. }) {
            break;
        }
        s.step(
            now,
            sys::Ready {
                readable: true,
                writable: true,
                error: false,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzz_entry_handles_valid_and_hostile_streams() {
        // A text frame "hi", a ping, then a close 1000.
        let mut data = vec![1u8, 3];
        data.extend_from_slice(&[0x81, 2, b'h', b'i', 0x89, 0, 0x88, 2, 0x03, 0xe8]);
        fuzz_server_stream(&data);
        // Garbage instead of a handshake, a masked frame, a huge length.
        fuzz_server_stream(&[0, 0, 0xff, 0xfe, 0x00]);
        fuzz_server_stream(&[1, 255, 0x81, 0x80, 1, 2, 3, 4]);
        fuzz_server_stream(&[
            1, 7, 0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ]);
        fuzz_server_stream(&[]);
    }
}
