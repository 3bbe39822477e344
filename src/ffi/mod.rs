//! The C ABI: C types, entry points, the panic boundary — nothing else.
//!
//! The `mywsclient` handle: [`client`] holds the opaque struct, the helpers
//! every entry point on it goes through (`with_client`, `configure_with`,
//! `configure`) and its life (new, start, stop, send, send_binary, free).
//! Its other entry points are grouped by concern, each room using
//! [`client`] and none another: [`handlers`] (message, event and log
//! callbacks, log level), [`options`] (delivery, reconnect and backoff,
//! shared I/O, heartbeat, timeouts, queue and message limits), [`tls`] (CA
//! file, system roots, client certificate, no verification), [`upgrade`]
//! (extra headers and subprotocols of the upgrade request), [`state`]
//! (state, `mywsclient_get_stats`), [`session`] (connect callback, URL and
//! headers at any time, reconnect, 4xx policy, redirects), [`compression`]
//! (permessage-deflate: its mode enum and setter), [`connect`] (proxy,
//! Origin, resolve), [`delivery`] (ping, close, send receipts, flow
//! control) and [`stats`] (the sized statistics `mywsclient_get_stats2`).
//!
//! The other C objects and the boundary: [`callbacks`] (the C callback
//! types and their trampolines), [`types`] (result code, enums, event and
//! stats structs), [`errors`] (code names, last error), [`version`],
//! [`request`] (the `mywsclient_request` lent to the connect callback),
//! [`headers`] (the functions on an event's `mywsclient_headers`), and
//! [`boundary`] (the one `catch_unwind` helper every entry point runs in,
//! argument checks, the thread-local last error).
//!
//! `build.rs` runs cbindgen over this module and writes
//! `include/mywsclient/mywsclient.h`; every doc comment here ends up there.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod boundary;
pub mod callbacks;

// The handle, then its other entry points by concern, declared in the order
// the C header lists them: cbindgen writes items in the order it parses the
// modules, and rustfmt keeps declarations apart when a comment separates them.
pub mod client;
// callbacks and log level
pub mod handlers;
// delivery, reconnect, backoff, shared I/O, heartbeat, timeouts, limits
pub mod options;
// CA file, system roots, client certificate, no verification
pub mod tls;
// upgrade request headers and subprotocols
pub mod upgrade;
// connection state and counters
pub mod state;
// connect callback, URL and headers at any time, reconnect, 4xx, redirects
pub mod session;

pub mod compression;
pub mod connect;
pub mod delivery;
pub mod errors;
pub mod headers;
pub mod request;
pub mod stats;
pub mod types;
pub mod version;
