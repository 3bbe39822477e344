//! permessage-deflate against a real compressing server (Python
//! `websockets`, started by the test on 127.0.0.1) in both context-takeover
//! modes, a server that declines, and a client that does not offer.

#[path = "compression/server.rs"]
mod server;
mod support;

use mywsclient::{Compression, CompressionMode, Config};
use server::PyServer;
use support::*;

/// A JSON-like mix: small (under the threshold), medium, one large.
fn messages() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = (0..200)
        .map(|i| {
            format!(
                "{{\"seq\":{i},\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"{}.{:02}\",\"best_bid\":\"{}.00\",\"side\":\"{}\"}}",
                40_000 + i * 7 % 300,
                i % 100,
                40_000 + i % 300,
                if i % 2 == 0 { "buy" } else { "sell" }
            )
            .into_bytes()
        })
        .collect();
    v.push(b"tiny".to_vec());
    v.push("{\"k\":\"v\"}".repeat(100_000).into_bytes());
    v
}

fn config(mode: CompressionMode) -> Config {
    Config {
        compression: Compression {
            mode,
            level: 6,
            threshold: 32,
        },
        ..test_config()
    }
}

/// Sends the mix (text and binary), expects it echoed, asks the server what
/// it negotiated, and returns that answer and the client's stats.
fn exchange(server: &PyServer, cfg: Config) -> (String, mywsclient::Stats) {
    let (c, rec) = client(&server.url(), cfg);
    c.start().unwrap();
    rec.expect_open(0, WAIT);
    let msgs = messages();
    for (i, m) in msgs.iter().enumerate() {
        if i % 3 == 0 {
            c.send_binary(m).unwrap();
        } else {
            c.send_text(m).unwrap();
        }
    }
    c.send_text(b"extensions?").unwrap();
    let got = rec.expect_messages(msgs.len() + 1, WAIT * 3);
    for (i, (m, (g, binary))) in msgs.iter().zip(&got).enumerate() {
        assert_eq!(g, m, "message {i}");
        assert_eq!(*binary, i % 3 == 0, "message {i} kind");
    }
    let ext = String::from_utf8(got[msgs.len()].0.clone()).unwrap();
    let stats = c.stats();
    c.stop().unwrap();
    assert_eq!(
        rec.count(|e| matches!(e, mywsclient::Event::Error { .. })),
        0,
        "{}",
        rec.dump()
    );
    (ext, stats)
}

#[test]
fn context_takeover_with_a_window_the_server_chose() {
    let server = PyServer::start("takeover");
    let (ext, s) = exchange(&server, config(CompressionMode::ContextTakeover));
    // The server asked for a 10-bit client window and keeps its context.
    assert!(ext.contains("remote_no_context_takeover=False"), "{ext}");
    assert!(ext.contains("remote_max_window_bits=10"), "{ext}");
    assert!(ext.contains("local_no_context_takeover=False"), "{ext}");
    assert!(
        s.compressed_bytes_sent > 0 && s.compressed_bytes_received > 0,
        "{s:?}"
    );
    assert!(
        s.compressed_bytes_sent * 3 < s.uncompressed_bytes_sent,
        "sent {} compressed from {}",
        s.compressed_bytes_sent,
        s.uncompressed_bytes_sent
    );
    assert!(
        s.compressed_bytes_received * 3 < s.uncompressed_bytes_received,
        "{s:?}"
    );
}

#[test]
fn no_context_takeover_both_ways() {
    let server = PyServer::start("no-takeover");
    let (ext, s) = exchange(&server, config(CompressionMode::NoContextTakeover));
    assert!(ext.contains("remote_no_context_takeover=True"), "{ext}");
    assert!(ext.contains("local_no_context_takeover=True"), "{ext}");
    assert!(
        s.compressed_bytes_sent > 0 && s.compressed_bytes_received > 0,
        "{s:?}"
    );
    assert!(s.compressed_bytes_sent < s.uncompressed_bytes_sent, "{s:?}");
}

#[test]
fn a_server_that_declines_gets_plain_frames() {
    let server = PyServer::start("off");
    let (ext, s) = exchange(&server, config(CompressionMode::ContextTakeover));
    assert_eq!(ext, "[]");
    assert_eq!(
        s.compressed_bytes_sent + s.compressed_bytes_received,
        0,
        "{s:?}"
    );
}

#[test]
fn compression_is_off_by_default() {
    assert_eq!(Config::default().compression.mode, CompressionMode::Off);
    let server = PyServer::start("takeover");
    let (ext, s) = exchange(&server, test_config());
    assert_eq!(ext, "[]");
    assert_eq!(
        s.compressed_bytes_sent + s.compressed_bytes_received,
        0,
        "{s:?}"
    );
}
