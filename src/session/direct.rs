//! Sends from the caller's thread. Between two turns, while its driver
//! sleeps, an open session parks its connection in a [`Slot`]; the first
//! `send` that finds it parked and idle (nothing buffered, nothing queued
//! ahead, no stop or close asked for) frames and writes the message itself,
//! saving the driver's wake-up. One per park: the sends after it go to the
//! queue and wake the driver, which writes a burst in batches (a syscall per
//! message would cost more than the wake-up saves). What the socket does not take stays in the
//! connection's buffer and the driver, woken, finishes it; the message is
//! in the connection's ledger like any other, so receipts, resends and
//! counters are exactly those of a queued message. The driver takes the
//! connection back at the start of every turn; the lock is held only for
//! one non-blocking write, and a sender never waits for it (a busy slot
//! means "queue it").

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::conn::Conn;
use super::{Phase, Session};
use crate::queue::Outgoing;
use crate::shared::{lock, DirectSink, Shared};
use crate::wire::Wire;

/// How long after the last batch of queued writes a send may be written from
/// the caller's thread again (see `direct`): sends closer together are a burst,
/// cheaper written in batches by the driver than a syscall each.
const BURST_QUIET: Duration = Duration::from_millis(1);

/// An open connection handed over while the driver sleeps.
pub(super) struct Parked {
    pub conn: Conn,
    pub ws: Box<Wire>,
    /// A message was written directly since the driver parked it: later
    /// sends go to the queue and wake the driver, so that a burst is
    /// written in batches by the driver, not a syscall per message.
    spent: bool,
}

/// Where a session parks its open connection (see the module documentation).
#[derive(Default)]
pub(crate) struct Slot {
    parked: Mutex<Option<Parked>>,
}

impl Slot {
    /// Hands the connection over until [`Slot::unpark`].
    pub(super) fn park(&self, conn: Conn, ws: Box<Wire>) {
        *lock(&self.parked) = Some(Parked {
            conn,
            ws,
            spent: false,
        });
    }

    /// Takes the connection back (waits for a write in progress).
    pub(super) fn unpark(&self) -> Option<Parked> {
        lock(&self.parked).take()
    }
}

impl DirectSink for Slot {
    fn try_write(&self, sh: &Shared, msg: Outgoing) -> Result<(), Outgoing> {
        let Ok(mut parked) = self.parked.try_lock() else {
            return Err(msg);
        };
        let Some(Parked { conn, ws, spent }) = parked.as_mut() else {
            return Err(msg);
        };
        // Anything ahead of it (queued, put back, being written), a burst,
        // or a change of course asked for: the driver decides, in order.
        if *spent
            || conn.wants_write()
            || sh.queue().has_next()
            || sh.stop_requested()
            || sh.reconnect_requested()
            || sh.reconnect_close_requested()
        {
            return Err(msg);
        }
        if let Err((msg, _)) = conn.frame(sh, ws, msg) {
            // The driver meets the same error when it frames it.
            return Err(msg);
        }
        *spent = true;
        sh.set_direct_open(false);
        // A failed write leaves the bytes in the buffer: the driver's next
        // write meets the error and ends the connection (the message is in
        // its ledger, so it is resent per the delivery mode).
        let failed = conn.pump().is_err();
        conn.settle(sh);
        if failed || conn.wants_write() || sh.queue().has_events() {
            // It parked with a wake-up asked for; a sender that finds the
            // request taken knows the driver is already on its way.
            sh.wake_if_wanted();
        }
        Ok(())
    }
}

impl Session {
    /// The driver is about to sleep on an open, idle connection: hand it
    /// to the direct slot so that a send may write it from its own thread
    /// (not within `BURST_QUIET` of a turn that wrote a batch).
    pub(super) fn park(&mut self, now: Instant) {
        let burst = self
            .last_queued
            .is_some_and(|t| now.saturating_duration_since(t) < BURST_QUIET);
        if burst {
            return;
        }
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Open {
                conn,
                ws,
                hb,
                opened,
            } => {
                self.direct.park(conn, ws);
                self.phase = Phase::Parked { hb, opened };
                self.sh.set_direct_open(true);
            }
            other => self.phase = other,
        }
    }

    /// Takes the parked connection back (waits for a direct write in
    /// progress). A parked phase with an empty slot cannot happen; were it
    /// to, the session would end (`Done`) rather than guess.
    pub(super) fn unpark(&mut self) {
        if let Phase::Parked { .. } = self.phase {
            self.sh.set_direct_open(false);
            if let Phase::Parked { hb, opened } = std::mem::replace(&mut self.phase, Phase::Done) {
                if let Some(p) = self.direct.unpark() {
                    self.phase = Phase::Open {
                        conn: p.conn,
                        ws: p.ws,
                        hb,
                        opened,
                    };
                }
            }
        }
    }
}

impl Drop for Session {
    /// A session dropped without `finish` (its driver went away) must not
    /// leave its connection parked in the handle's reach.
    fn drop(&mut self) {
        self.unpark();
        self.sh.set_direct_sink(None);
    }
}
