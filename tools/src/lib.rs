//! Test and benchmark servers for mywsclient: a WebSocket echo server, a
//! fault-injection TCP proxy, and a throw-away PKI. The modules are
//! self-contained (std + external crates + `sock`) so that the core's
//! integration tests can compile them in with `#[path]`. A module split
//! into files is a folder with a `mod.rs` (`echo/`, `control/`, `gate/`):
//! `#[path]` names that `mod.rs`, and its submodules resolve beside it.

pub mod control;
pub mod echo;
pub mod echo_events;
pub mod gate;
pub mod pki;
pub mod poll;
pub mod proxy;
pub mod sock;
