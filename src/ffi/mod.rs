//! The C ABI: C types, entry points, the panic boundary — nothing else.
//!
//! One file per C object plus the boundary helpers: [`client`] (the
//! `mywsclient` handle and its functions; [`connect`]: its proxy, Origin
//! and resolve options), [`compression`] (permessage-deflate: its mode enum
//! and setter), [`callbacks`] (the C callback
//! types and their trampolines), [`types`] (result code, enums, event and
//! stats structs), [`errors`] (code names, last error), [`version`],
//! [`delivery`] (ping, close, send receipts, flow control), [`stats`] (the
//! sized statistics `mywsclient_get_stats2`),
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
pub mod client;
pub mod compression;
pub mod connect;
pub mod delivery;
pub mod errors;
pub mod headers;
pub mod request;
pub mod stats;
pub mod types;
pub mod version;
