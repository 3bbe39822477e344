//! mywsclient: a WebSocket client that stays connected.
//!
//! The safe Rust core ([`Client`]) has no `extern` in it; the C ABI lives in
//! [`ffi`]. Each started client runs on its own I/O thread, or with
//! [`Config::shared_io`] on one of a few shared I/O threads; it connects,
//! reconnects with backoff, detects half-open connections with a heartbeat,
//! and keeps every accepted message until it has been written.
//!
//! # Module map
//!
//! One room per concern; imports run one way, from the handle down:
//! `client` → `driver` → `session` → everything below it.
//!
//! | file | holds |
//! |---|---|
//! | `client.rs` | the safe handle [`Client`]: configure, start, send, stop, state, stats |
//! | `driver/thread.rs` | a client's own I/O thread: `poll(2)` on its socket and an eventfd |
//! | `driver/shared_io.rs` | the shared I/O threads (epoll, many clients per thread) |
//! | `session/mod.rs` | one client's state machine: phases, commands, events, the reconnect decision |
//! | `session/connect.rs` | resolve, TCP connect, TLS and HTTP upgrade phases |
//! | `session/open.rs` | open and closing phases: read and write passes, heartbeat, close |
//! | `session/conn.rs` | a connection's buffers and byte accounting |
//! | `session/errors.rs` | tungstenite/socket errors to [`Error`]s and close codes |
//! | `shared.rs` | state shared by handle and driver: lifecycle, wake-up, callbacks, counters |
//! | `queue.rs` | the send queue: admission and limits, put-back messages, queued counts |
//! | `queue/line.rs` | the queue's lines and their hand-over from sending threads to the session (batched, small copies in shared blocks) |
//! | `receipts.rs` | send receipts: message ids and their outcomes, delivered in id order |
//! | `flow.rs` | flow control: the overflow policy and the queue watermarks |
//! | `rtt.rs` | round-trip time: which ping a pong answers, the smoothed estimate |
//! | `delivery.rs` | which written messages a dead connection may not have delivered |
//! | `reconnect.rs` | the reconnect policy: attempt numbers, reset, max attempts, give up |
//! | `backoff.rs` | reconnect delays: exponential backoff with jitter |
//! | `heartbeat.rs` | half-open detection: ping after silence, dead after timeout |
//! | `transport.rs` | the byte stream: plain TCP or rustls over TCP, non-blocking |
//! | `tls.rs` | the rustls configuration and TLS error messages |
//! | `handshake.rs` | the HTTP upgrade request and response |
//! | `proxy/` | proxies: which one (curl's environment rules, NO_PROXY), the URL, HTTP CONNECT and SOCKS handshakes (sans-IO) |
//! | `eyeballs.rs` | Happy Eyeballs (RFC 8305): address order, stagger, per-address timeouts (pure) |
//! | `resolve.rs` | resolve overrides (curl's `CURLOPT_RESOLVE`) |
//! | `target.rs` | the target URL, parsed by the `url` crate, with the original's conventions |
//! | `tls_stream.rs` | TLS to an HTTPS proxy as a byte stream (for TLS inside TLS) |
//! | `wire/reader.rs` | the server's bytes to messages: frame checks, reassembly, limits, UTF-8 |
//! | `wire/writer.rs` | our messages to masked frames (RSV1 when compressed) |
//! | `deflate/negotiate.rs` | permessage-deflate: the offer and the strict check of the reply |
//! | `deflate/codec.rs` | permessage-deflate: per-message compressor, bounded inflater |
//! | `request.rs` | one attempt's request (URL, headers, subprotocols) and the HTTP response to it |
//! | `redirect.rs` | what a non-101 answer does: follow a redirect, retry or stop |
//! | `sys.rs` | the only `unsafe` outside `ffi/`: poll, epoll, eventfd, socket options |
//! | `config.rs`, `error.rs`, `event.rs`, `log.rs` | plain data: options, errors, events, logging |
//! | `ffi/` | the C ABI: C types, entry points, the panic boundary |
//!
//! `reconnect.rs`, `backoff.rs`, `heartbeat.rs` and `queue.rs` are pure and
//! unit-tested without sockets.
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

mod backoff;
mod client;
mod config;
mod deflate;
mod delivery;
mod driver;
mod error;
mod event;
mod eyeballs;
pub mod ffi;
mod flow;
mod handshake;
mod heartbeat;
mod log;
mod proxy;
mod queue;
mod receipts;
mod reconnect;
mod redirect;
mod request;
mod resolve;
mod rtt;
mod session;
mod shared;
mod sys;
mod target;
mod tls;
mod tls_stream;
mod transport;
mod wire;

pub use client::{Client, CloseOptions, EventHandler, MessageHandler, SendFlags};

pub use config::{Config, Endpoint, HttpErrorPolicy, TlsOptions};
pub use deflate::{Compression, CompressionMode};
pub use delivery::Delivery;
pub use error::{Error, ErrorKind, Result};
pub use event::{CloseInitiator, Event, State, Stats};
pub use flow::OverflowPolicy;
pub use log::{LogLevel, LogSink};
pub use receipts::DiscardReason;
pub use request::{HttpResponse, Request};
pub use resolve::ResolveOverride;

/// Entry points for the fuzzing harness in `fuzz/` (not part of the API;
/// built with the `fuzzing` feature only).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::handshake::parse_response;
    pub use crate::session::fuzz::fuzz_server_stream;
    pub use crate::wire::fuzz::fuzz_wire_reader;
}
