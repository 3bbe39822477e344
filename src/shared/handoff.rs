//! How a send reaches the session: when the session's connection is parked
//! (open, idle, its driver asleep), the sending thread writes the message
//! itself through the [`DirectSink`]; otherwise the message waits in the
//! queue and the driver is woken ([`WakeTarget`]) if it sleeps and asked
//! for a wake-up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::{lock, Shared};
use crate::queue::Outgoing;

/// Something that wakes the thread driving a client: its own eventfd, or a
/// shared I/O thread's notification.
pub(crate) trait WakeTarget: Send + Sync {
    /// Makes the driver turn the session soon (from any thread).
    fn wake(&self);
}

/// An open connection's write side that a sending thread may use while the
/// session's driver sleeps (see `session::direct`).
pub(crate) trait DirectSink: Send + Sync {
    /// Frames and writes `msg` (admitted by the queue) on the calling
    /// thread when the connection is parked and nothing is buffered or
    /// queued ahead of it; otherwise gives it back, untouched, for the queue.
    /// Never blocks.
    fn try_write(&self, sh: &Shared, msg: Outgoing) -> Result<(), Outgoing>;
}

/// See the module documentation.
#[derive(Default)]
pub(super) struct Handoff {
    /// The session sleeps and wants a wake-up for new sends.
    wanted: AtomicBool,
    /// Set while a session runs.
    target: Mutex<Option<Arc<dyn WakeTarget>>>,
    /// Set while a session runs (it parks its open connection there).
    direct: Mutex<Option<Arc<dyn DirectSink>>>,
    /// The connection is parked and takes a direct write: checked before
    /// any lock, so that sends in a burst (or while the driver is awake)
    /// cost one load here.
    direct_open: AtomicBool,
}

impl Shared {
    /// Sets (or clears, when the session ends) how to wake the driver.
    pub fn set_wake_target(&self, target: Option<Arc<dyn WakeTarget>>) {
        *lock(&self.wake.target) = target;
    }

    /// Wakes the driver (if a session runs).
    pub fn wake(&self) {
        let target = lock(&self.wake.target).clone();
        if let Some(w) = target {
            w.wake();
        }
    }

    /// The session is about to sleep: the next send should wake it.
    pub fn want_wake(&self) {
        self.wake.wanted.store(true, Ordering::SeqCst);
    }

    /// The session is awake: sends need not wake it.
    pub fn awake(&self) {
        self.wake.wanted.store(false, Ordering::SeqCst);
    }

    /// After a send: wakes the session if it asked for it (once).
    pub fn wake_if_wanted(&self) {
        if self.wake.wanted.swap(false, Ordering::SeqCst) {
            self.wake();
        }
    }

    /// Sets (or clears, when the session ends) where a session parks its
    /// open connection for sends from the caller's thread.
    pub fn set_direct_sink(&self, sink: Option<Arc<dyn DirectSink>>) {
        *lock(&self.wake.direct) = sink;
    }

    /// Opens (the connection is parked) or closes the direct way.
    pub fn set_direct_open(&self, open: bool) {
        self.wake.direct_open.store(open, Ordering::Release);
    }

    /// Writes `msg` from the calling thread if the session allows it now
    /// (see [`DirectSink::try_write`]); gives it back otherwise. Never
    /// waits: a lock held elsewhere means "not now".
    pub fn try_write_direct(&self, msg: Outgoing) -> Result<(), Outgoing> {
        if !self.wake.direct_open.load(Ordering::Acquire) {
            return Err(msg);
        }
        let Ok(sink) = self.wake.direct.try_lock() else {
            return Err(msg);
        };
        match sink.as_ref() {
            Some(s) => s.try_write(self, msg),
            None => Err(msg),
        }
    }
}
