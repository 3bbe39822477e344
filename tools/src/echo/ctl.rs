//! Orders a test gives one connection of the echo server (close with a
//! code, reset), picked up by the connection's thread.

use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::{lock, sock};

#[derive(Clone, Debug)]
pub(super) enum Action {
    Close(u16, String),
    Kill,
}

pub(super) struct ConnCtl {
    pub(super) sock: TcpStream,
    pub(super) action: Mutex<Option<Action>>,
    pub(super) flagged: AtomicBool,
}

impl ConnCtl {
    pub(super) fn order(&self, a: Action) {
        let kill = matches!(a, Action::Kill);
        *lock(&self.action) = Some(a);
        self.flagged.store(true, Ordering::SeqCst);
        if kill {
            sock::abort(&self.sock);
        }
        // A close is sent by the connection's thread, which checks the flag
        // at least every CONTROL_TICK.
    }
}
