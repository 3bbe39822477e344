//! mywsclient: a WebSocket client that stays connected.
//!
//! The safe Rust core ([`Client`]) has no `extern` in it; the C ABI lives in
//! [`ffi`]. One I/O thread per client connects, reconnects with backoff,
//! detects half-open connections with a heartbeat, and keeps every accepted
//! message until it has been written.

pub mod backoff;
pub mod client;
pub mod config;
// Not yet wired into the session (issue 12, phase 2).
#[allow(dead_code)]
mod delivery;
pub mod error;
pub mod event;
pub mod ffi;
pub mod handshake;
pub mod heartbeat;
pub mod log;
mod pool;
mod session;
mod sys;
pub mod tls;
mod transport;

pub use client::Client;

/// Entry points for the fuzzing harness in `fuzz/` (not part of the API).
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::session::fuzz_server_stream;
}
pub use config::{Config, Endpoint, TlsOptions};
pub use delivery::Delivery;
pub use error::{Error, ErrorKind, Result};
pub use event::{CloseInitiator, Event, State, Stats};
pub use log::{LogLevel, LogSink};
