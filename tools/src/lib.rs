//! Test and benchmark servers for mywsclient: a WebSocket echo server, a
//! fault-injection TCP proxy, and a throw-away PKI. The modules are
//! self-contained (std + external crates + `sock`) so that the core's
//! integration tests can compile them in with `#[path]`.

pub mod control;
pub mod echo;
pub mod echo_events;
pub mod gate;
pub mod pki;
pub mod poll;
pub mod proxy;
pub mod sock;
