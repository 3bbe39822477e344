//! The order in which queued messages wait, and how they pass from the
//! sending threads to the session.
//!
//! Four lines, taken in this order: messages put back after a connection
//! ended, urgent ones, then pushed ones — first those the session already
//! moved to its side (`Front::pushed`), then those still in the shared
//! line. Sending threads append to the shared line under its own lock; the
//! session swaps the whole line out at once, so a message costs one short
//! lock on the sending side and none per message on the session's side (a
//! channel pop per message and the cache traffic that comes with it were a
//! tenth of the I/O thread's time at full rate). Messages on the session's
//! side still count as not taken: the overflow policy may drop them.
//!
//! While a backlog exists (two messages or more waiting), small messages
//! are copied into shared blocks
//! ([`Lines::copy_in`]) instead of one allocation each: at full rate the
//! allocation on the sending thread and its release on the I/O thread were
//! another tenth. A block lives until its last message is freed; the line
//! lets go of its block when the session has taken everything, so an idle
//! client keeps none. The lines' own buffers shrink the same way.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use bytes::BytesMut;
use tungstenite::Bytes;

use super::Outgoing;

/// Messages up to this size are copied into a shared block while a backlog
/// exists; larger ones get their own allocation (one copy either way).
const COPY_IN_MAX: usize = 1024;
/// The largest shared block; a new block holds room for about four times
/// the bytes waiting in the line (at least `BLOCK_MIN`), so that a short
/// backlog — a few messages queued while connecting — takes a small one
/// (the last messages written stay in the delivery ledger, and keep their
/// block, until it is pruned).
const BLOCK: usize = 16 * 1024;
const BLOCK_MIN: usize = 512;
/// A line's buffer emptied with room for more messages than this is let
/// go (at 48 bytes each: 12 KiB).
const KEEP_ROOM: usize = 256;

/// Locks a mutex, also a poisoned one (no user code runs under these locks).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The session's side.
#[derive(Default)]
struct Front {
    /// Put back after a connection ended (they go first).
    put_back: VecDeque<Outgoing>,
    /// Pushed as urgent, in push order.
    urgent: VecDeque<Outgoing>,
    /// Pushed, moved from the shared line, not taken yet.
    pushed: VecDeque<Outgoing>,
}

impl Front {
    fn is_empty(&self) -> bool {
        self.put_back.is_empty() && self.urgent.is_empty() && self.pushed.is_empty()
    }

    fn pop(&mut self) -> Option<Outgoing> {
        self.put_back
            .pop_front()
            .or_else(|| self.urgent.pop_front())
            .or_else(|| self.pushed.pop_front())
    }
}

/// The sending threads' side.
#[derive(Default)]
struct Line {
    msgs: VecDeque<Outgoing>,
    /// The free part of the block small messages are copied into.
    block: BytesMut,
}

/// See the module documentation.
#[derive(Default)]
pub(super) struct Lines {
    front: Mutex<Front>,
    line: Mutex<Line>,
    /// `front` holds a message (updated under its lock): when not, the
    /// session's checks skip that lock.
    front_used: AtomicBool,
    /// Messages in `line` (updated under its lock).
    line_len: AtomicUsize,
}

impl Lines {
    /// A copy of `data` to queue: in the current block while a backlog
    /// exists and the message is small, else in an allocation of its own.
    pub fn copy_in(&self, data: &[u8]) -> Bytes {
        if data.len() > COPY_IN_MAX || self.line_len.load(Ordering::Relaxed) < 2 {
            return Bytes::copy_from_slice(data);
        }
        let mut l = lock(&self.line);
        if l.block.capacity() - l.block.len() < data.len() {
            let waiting = l.msgs.len().saturating_mul(data.len());
            l.block = BytesMut::with_capacity(waiting.saturating_mul(4).clamp(BLOCK_MIN, BLOCK));
        }
        l.block.extend_from_slice(data);
        l.block.split().freeze()
    }

    /// Appends a pushed message (any thread).
    pub fn push(&self, msg: Outgoing) {
        let mut l = lock(&self.line);
        l.msgs.push_back(msg);
        self.line_len.store(l.msgs.len(), Ordering::SeqCst);
    }

    /// Appends an urgent message (any thread).
    pub fn push_urgent(&self, msg: Outgoing) {
        let mut f = lock(&self.front);
        f.urgent.push_back(msg);
        self.front_used.store(true, Ordering::SeqCst);
    }

    /// Puts messages back in front of all others, in the order given.
    pub fn unpop_all(&self, msgs: impl DoubleEndedIterator<Item = Outgoing>) {
        let mut f = lock(&self.front);
        for m in msgs.rev() {
            f.put_back.push_front(m);
        }
        self.note_front(&f);
    }

    /// The next message to write.
    #[cfg(test)]
    pub fn next(&self) -> Option<Outgoing> {
        if !self.front_used.load(Ordering::SeqCst) && self.line_len.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let mut f = lock(&self.front);
        if f.is_empty() {
            self.refill(&mut f);
        }
        let m = f.pop();
        self.note_front(&f);
        m
    }

    /// Moves the next messages to write into `out`, in order, under one
    /// lock: at least one if any waits, then more until their payloads
    /// reach `max_bytes` or they number `max_count`. Returns whether it
    /// moved any.
    pub fn take(&self, out: &mut Vec<Outgoing>, max_bytes: usize, max_count: usize) -> bool {
        if !self.front_used.load(Ordering::SeqCst) && self.line_len.load(Ordering::SeqCst) == 0 {
            return false;
        }
        let mut f = lock(&self.front);
        let (before, mut bytes) = (out.len(), 0);
        while out.len() - before < max_count && (out.len() == before || bytes < max_bytes) {
            if f.is_empty() && !self.refill(&mut f) {
                break;
            }
            let Some(m) = f.pop() else { break };
            bytes += m.data.len();
            out.push(m);
        }
        self.note_front(&f);
        if f.is_empty() && self.line_len.load(Ordering::SeqCst) == 0 {
            self.let_go(&mut f);
        }
        out.len() > before
    }

    /// The session took everything: the buffers a backlog grew and the
    /// current block are let go.
    fn let_go(&self, f: &mut Front) {
        for q in [&mut f.put_back, &mut f.urgent, &mut f.pushed] {
            if q.capacity() > KEEP_ROOM {
                *q = VecDeque::new();
            }
        }
        let mut l = lock(&self.line);
        if l.msgs.is_empty() {
            l.block = BytesMut::new();
            if l.msgs.capacity() > KEEP_ROOM {
                l.msgs = VecDeque::new();
            }
        }
    }

    /// The oldest message not taken by the session: put back, then pushed,
    /// then urgent ones.
    pub fn take_oldest(&self) -> Option<Outgoing> {
        let mut f = lock(&self.front);
        let m = f.put_back.pop_front().or_else(|| f.pushed.pop_front());
        let m = m.or_else(|| {
            let mut l = lock(&self.line);
            let m = l.msgs.pop_front();
            self.line_len.store(l.msgs.len(), Ordering::SeqCst);
            m
        });
        let m = m.or_else(|| f.urgent.pop_front());
        self.note_front(&f);
        m
    }

    /// Something waits to be taken.
    pub fn has_next(&self) -> bool {
        self.line_len.load(Ordering::SeqCst) > 0 || self.front_used.load(Ordering::SeqCst)
    }

    /// Something was pushed and not yet taken (put-back messages are the
    /// session's own).
    pub fn has_pushed(&self) -> bool {
        if self.line_len.load(Ordering::SeqCst) > 0 {
            return true;
        }
        if !self.front_used.load(Ordering::SeqCst) {
            return false;
        }
        let f = lock(&self.front);
        !f.urgent.is_empty() || !f.pushed.is_empty()
    }

    /// Moves the shared line to the session's side (`f.pushed`, behind
    /// what is there). Returns whether it moved anything.
    fn refill(&self, f: &mut Front) -> bool {
        let mut l = lock(&self.line);
        let n = l.msgs.len();
        if n == 0 {
            return false;
        }
        if f.pushed.is_empty() {
            std::mem::swap(&mut f.pushed, &mut l.msgs);
        } else {
            f.pushed.append(&mut l.msgs);
        }
        if l.msgs.capacity() > KEEP_ROOM.max(4 * n) {
            l.msgs = VecDeque::new();
        }
        self.line_len.store(0, Ordering::SeqCst);
        true
    }

    /// Records, under the lock, whether `f` still holds a message.
    fn note_front(&self, f: &Front) {
        self.front_used.store(!f.is_empty(), Ordering::SeqCst);
    }
}
