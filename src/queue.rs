//! The send queue: every message `send` accepted, until its last byte
//! reached the kernel. Owns the lines from the handle to the session, the
//! messages put back in front (unwritten when a connection ended; they stay
//! there across connections and across stop/start), the counters of what is
//! queued, and the limits that `push` enforces.
//!
//! Producers (any thread) call [`SendQueue::admit`] then
//! [`SendQueue::enqueue`]; the one session that runs takes messages with
//! [`SendQueue::take`], returns those it could not write with
//! [`SendQueue::unpop_all`], and calls [`SendQueue::mark_sent_many`] once
//! all of a message's bytes reached the kernel. A message counts as queued
//! from `admit` until then. The order of the lines, and how messages pass
//! from the sending threads to the session, is in [`line`](mod@line).
//!
//! Receipts and flow control (0.2): a message pushed with an id has its
//! outcome decided here — written at `mark_sent`, discarded when the
//! overflow policy drops it or `discard_all` empties the queue — and kept
//! in [`Receipts`] until the session takes it with
//! [`SendQueue::pop_receipt`]; [`SendQueue::crossing`] tells the session
//! when the queued bytes cross a watermark. Urgent messages wait in their
//! own line, after put-back messages and before pushed ones.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use tungstenite::Bytes;

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::flow::{Crossing, OverflowPolicy, Watermarks};
use crate::receipts::{DiscardReason, Outcome, Receipts};
use line::Lines;

/// A message accepted by `send`, waiting to be written.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub data: Bytes,
    pub binary: bool,
    /// Its receipt id (`send_ex`), or 0 for none.
    pub id: u64,
}

/// Locks a mutex, also a poisoned one (no user code runs under these locks).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What `push_ex` did with an accepted message.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pushed {
    /// The message's id (0 when none was asked for).
    pub id: u64,
    /// The session has something to report now (a receipt of a dropped
    /// message, the high watermark): wake it even if it sleeps on a full socket.
    pub wake: bool,
}

/// Counts of the receipts and drops (for the statistics).
#[derive(Default)]
struct Dropped {
    messages_discarded: AtomicU64,
    receipts_written: AtomicU64,
    receipts_discarded: AtomicU64,
}

/// What `push` admits. `max_messages == 0` means no limit on the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Largest message accepted, in bytes.
    pub max_message_size: usize,
    /// Most bytes queued at once.
    pub max_bytes: usize,
    /// Most messages queued at once (0 = no limit).
    pub max_messages: usize,
}

impl Limits {
    /// The limits a configuration sets.
    pub fn of(cfg: &Config) -> Limits {
        Limits {
            max_message_size: cfg.max_message_size,
            max_bytes: cfg.max_queue_bytes,
            max_messages: cfg.max_queue_messages,
        }
    }
}

/// Why `push` refused a message (nothing was queued).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The message is larger than `Limits::max_message_size`.
    TooLarge { len: usize, max: usize },
    /// Queueing it would pass `Limits::max_bytes` or `Limits::max_messages`;
    /// `bytes` and `messages` are what was queued.
    Full {
        bytes: u64,
        messages: u64,
        limits: Limits,
    },
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Refused::TooLarge { len, max } => {
                write!(
                    f,
                    "message of {len} bytes exceeds the maximum of {max} bytes"
                )
            }
            Refused::Full {
                bytes,
                messages,
                limits,
            } => write!(
                f,
                "send queue full: {bytes} bytes in {messages} messages queued (limits: {} bytes, {} messages; 0 = none)",
                limits.max_bytes, limits.max_messages
            ),
        }
    }
}

impl From<Refused> for Error {
    fn from(r: Refused) -> Error {
        let kind = match r {
            Refused::TooLarge { .. } => ErrorKind::MessageTooLarge,
            Refused::Full { .. } => ErrorKind::QueueFull,
        };
        Error::new(kind, r.to_string())
    }
}

/// See the module documentation.
pub(crate) struct SendQueue {
    /// The messages not taken yet, in their lines.
    lines: Lines,
    queued_messages: AtomicU64,
    queued_bytes: AtomicU64,
    max_message_size: AtomicUsize,
    max_bytes: AtomicUsize,
    max_messages: AtomicUsize,
    policy: AtomicU32,
    receipts: Mutex<Receipts>,
    watermarks: Mutex<Watermarks>,
    dropped: Dropped,
    /// Fast paths: an id was ever assigned; watermarks are on.
    ids_used: AtomicBool,
    watermarks_on: AtomicBool,
}

impl SendQueue {
    /// An empty queue with these limits.
    pub fn new(limits: Limits) -> SendQueue {
        let q = SendQueue {
            lines: Lines::default(),
            queued_messages: AtomicU64::new(0),
            queued_bytes: AtomicU64::new(0),
            max_message_size: AtomicUsize::new(0),
            max_bytes: AtomicUsize::new(0),
            max_messages: AtomicUsize::new(0),
            policy: AtomicU32::new(OverflowPolicy::Refuse as u32),
            receipts: Mutex::new(Receipts::default()),
            watermarks: Mutex::new(Watermarks::default()),
            dropped: Dropped::default(),
            ids_used: AtomicBool::new(false),
            watermarks_on: AtomicBool::new(false),
        };
        q.set_limits(limits);
        q
    }

    /// Sets the overflow policy and the watermarks (between runs).
    pub fn set_flow(&self, policy: OverflowPolicy, high: usize, low: usize) {
        self.policy.store(policy as u32, Ordering::SeqCst);
        *lock(&self.watermarks) = Watermarks::new(high, low);
        self.watermarks_on.store(high != 0, Ordering::SeqCst);
    }

    fn policy(&self) -> OverflowPolicy {
        OverflowPolicy::try_from(self.policy.load(Ordering::Relaxed)).unwrap_or_default()
    }

    /// Changes the limits for later pushes (what is queued stays).
    pub fn set_limits(&self, limits: Limits) {
        self.max_message_size
            .store(limits.max_message_size, Ordering::SeqCst);
        self.max_bytes.store(limits.max_bytes, Ordering::SeqCst);
        self.max_messages
            .store(limits.max_messages, Ordering::SeqCst);
    }

    /// The limits `push` enforces.
    pub fn limits(&self) -> Limits {
        Limits {
            max_message_size: self.max_message_size.load(Ordering::Relaxed),
            max_bytes: self.max_bytes.load(Ordering::Relaxed),
            max_messages: self.max_messages.load(Ordering::Relaxed),
        }
    }

    /// Admits a message (any thread), or says why not. Never blocks.
    #[cfg(test)]
    pub fn push(&self, msg: Outgoing) -> Result<(), Refused> {
        self.push_ex(msg, false, false).map(|_| ())
    }

    /// Admits a message, with an id when `with_id`, at the end of the urgent
    /// line when `urgent`. On a full queue the overflow policy refuses it or
    /// drops the oldest messages not taken yet until it fits. Never blocks.
    /// (`admit` then `enqueue`, as `Client` does around its direct write.)
    #[cfg(test)]
    pub fn push_ex(&self, msg: Outgoing, with_id: bool, urgent: bool) -> Result<Pushed, Refused> {
        let (msg, wake) = self.admit(msg, with_id)?;
        let id = msg.id;
        let wake = self.enqueue(msg, urgent) | wake;
        Ok(Pushed { id, wake })
    }

    /// The first half of `push_ex`: counts `msg` as queued (within the
    /// limits, per the overflow policy) and gives it its id. The caller then
    /// either `enqueue`s it or writes it at once (and calls `mark_sent`
    /// once its bytes reached the kernel). The flag: wake the session.
    pub fn admit(&self, mut msg: Outgoing, with_id: bool) -> Result<(Outgoing, bool), Refused> {
        let limits = self.limits();
        let len = msg.data.len();
        if len > limits.max_message_size {
            return Err(Refused::TooLarge {
                len,
                max: limits.max_message_size,
            });
        }
        let mut wake = false;
        // Bounded: each round drops one queued message or ends.
        loop {
            // Reserve first, so that concurrent pushes never pass the limits together.
            let bytes = self.queued_bytes.fetch_add(len as u64, Ordering::SeqCst);
            let messages = self.queued_messages.fetch_add(1, Ordering::SeqCst);
            if bytes + len as u64 <= limits.max_bytes as u64
                && (limits.max_messages == 0 || messages < limits.max_messages as u64)
            {
                break;
            }
            self.queued_bytes.fetch_sub(len as u64, Ordering::SeqCst);
            self.queued_messages.fetch_sub(1, Ordering::SeqCst);
            let full = Refused::Full {
                bytes,
                messages,
                limits,
            };
            // A message that cannot fit an empty queue drops nothing.
            if self.policy() != OverflowPolicy::DropOldest || len > limits.max_bytes {
                return Err(full);
            }
            match self.take_oldest() {
                Some(old) => wake |= self.drop_message(old, DiscardReason::Overflow),
                None => return Err(full), // what is queued is being written
            }
        }
        if with_id {
            self.ids_used.store(true, Ordering::SeqCst);
            msg.id = lock(&self.receipts).assign();
        }
        Ok((msg, wake))
    }

    /// The second half of `push_ex`: an admitted message joins the line.
    /// Returns whether the session must be woken (a watermark reached).
    pub fn enqueue(&self, msg: Outgoing, urgent: bool) -> bool {
        if urgent {
            self.lines.push_urgent(msg);
        } else {
            self.lines.push(msg);
        }
        self.watermarks_on.load(Ordering::Relaxed)
            && lock(&self.watermarks).reaches_high(self.queued_bytes())
    }

    /// A copy of `data` for `admit` (see [`Lines::copy_in`]).
    pub fn copy_in(&self, data: &[u8]) -> Bytes {
        self.lines.copy_in(data)
    }

    /// The oldest message not taken by the session: put back, then pushed,
    /// then urgent ones.
    fn take_oldest(&self) -> Option<Outgoing> {
        self.lines.take_oldest()
    }

    /// A message leaves the queue without being written. Returns whether
    /// it decided a receipt.
    fn drop_message(&self, msg: Outgoing, reason: DiscardReason) -> bool {
        self.queued_bytes
            .fetch_sub(msg.data.len() as u64, Ordering::SeqCst);
        self.queued_messages.fetch_sub(1, Ordering::SeqCst);
        self.dropped
            .messages_discarded
            .fetch_add(1, Ordering::Relaxed);
        let decided =
            msg.id != 0 && lock(&self.receipts).decide(msg.id, Outcome::Discarded(reason));
        if decided {
            self.dropped
                .receipts_discarded
                .fetch_add(1, Ordering::Relaxed);
        }
        decided
    }

    /// Drops every message not taken by the session (each with its
    /// receipt); returns how many.
    pub fn discard_all(&self, reason: DiscardReason) -> u64 {
        let mut n = 0;
        while let Some(m) = self.take_oldest() {
            self.drop_message(m, reason);
            n += 1;
        }
        n
    }

    /// The next receipt to report, in id order, if decided.
    pub fn pop_receipt(&self) -> Option<(u64, Outcome)> {
        if !self.ids_used.load(Ordering::Relaxed) {
            return None;
        }
        lock(&self.receipts).pop_ready()
    }

    /// The watermark the queued bytes cross now, if any (recorded: each
    /// crossing is returned once).
    pub fn crossing(&self) -> Option<Crossing> {
        if !self.watermarks_on.load(Ordering::Relaxed) {
            return None;
        }
        lock(&self.watermarks).check(self.queued_bytes())
    }

    /// A receipt or a watermark crossing waits to be reported.
    pub fn has_events(&self) -> bool {
        (self.ids_used.load(Ordering::Relaxed) && lock(&self.receipts).peek_ready())
            || (self.watermarks_on.load(Ordering::Relaxed)
                && lock(&self.watermarks).peek(self.queued_bytes()).is_some())
    }

    /// Messages dropped (overflow, discarded queue), and receipts decided:
    /// (messages discarded, receipts written, receipts discarded).
    pub fn drop_counts(&self) -> (u64, u64, u64) {
        let d = &self.dropped;
        (
            d.messages_discarded.load(Ordering::Relaxed),
            d.receipts_written.load(Ordering::Relaxed),
            d.receipts_discarded.load(Ordering::Relaxed),
        )
    }

    /// The next message to write: the oldest put back, else the oldest
    /// urgent one, else the oldest pushed.
    #[cfg(test)]
    pub fn next(&self) -> Option<Outgoing> {
        self.lines.next()
    }

    /// Moves the next messages to write into `out` (in that order), at
    /// least one if any waits and more until their payloads reach
    /// `max_bytes` or they number `max_count`. Returns whether it moved
    /// any. What the session cannot write goes back with `unpop_all`.
    pub fn take(&self, out: &mut Vec<Outgoing>, max_bytes: usize, max_count: usize) -> bool {
        self.lines.take(out, max_bytes, max_count)
    }

    /// Puts a message taken by `take` back in front of all others (it was
    /// not written, or not completely). Putting back several: last first.
    pub fn unpop(&self, msg: Outgoing) {
        self.lines.unpop_all(std::iter::once(msg));
    }

    /// Puts messages taken by `take` back in front of all others, in the
    /// order given.
    pub fn unpop_all(&self, msgs: impl DoubleEndedIterator<Item = Outgoing>) {
        self.lines.unpop_all(msgs);
    }

    /// Puts back, in front of all others, a message that was marked sent
    /// (its bytes reached the kernel) but may not have reached the server:
    /// it counts as queued again. Never refused: it had been admitted. Its
    /// receipt, if any, stays as decided (the first decision wins).
    pub fn unpop_sent(&self, msg: Outgoing) {
        self.queued_bytes
            .fetch_add(msg.data.len() as u64, Ordering::SeqCst);
        self.queued_messages.fetch_add(1, Ordering::SeqCst);
        self.unpop(msg);
    }

    /// Something waits to be taken by `take`.
    pub fn has_next(&self) -> bool {
        self.lines.has_next()
    }

    /// Something was pushed and not yet taken (the check for a session
    /// deciding whether to sleep; put-back messages are its own).
    pub fn has_pushed(&self) -> bool {
        self.lines.has_pushed()
    }

    /// All bytes of `msg` (taken by `next`) reached the kernel: it leaves
    /// the queue's counts.
    #[cfg(test)]
    pub fn mark_sent(&self, msg: &Outgoing) {
        self.mark_sent_many(1, msg.data.len() as u64);
        self.written(msg);
    }

    /// `n` messages taken by `next`, `bytes` payload bytes in all, reached
    /// the kernel: they leave the queue's counts (one update per batch, not
    /// per message: the sending threads update the same counters). Each
    /// also goes through [`SendQueue::written`].
    pub fn mark_sent_many(&self, n: u64, bytes: u64) {
        if n == 0 {
            return;
        }
        self.queued_bytes.fetch_sub(bytes, Ordering::SeqCst);
        self.queued_messages.fetch_sub(n, Ordering::SeqCst);
    }

    /// All bytes of `msg` reached the kernel: decides its receipt, if it
    /// has an id.
    pub fn written(&self, msg: &Outgoing) {
        if msg.id != 0 && lock(&self.receipts).decide(msg.id, Outcome::Written) {
            self.dropped
                .receipts_written
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Messages queued (pushed and not yet marked sent).
    pub fn queued_messages(&self) -> u64 {
        self.queued_messages.load(Ordering::SeqCst)
    }

    /// Bytes queued (pushed and not yet marked sent).
    pub fn queued_bytes(&self) -> u64 {
        self.queued_bytes.load(Ordering::SeqCst)
    }
}

mod line;
#[cfg(test)]
mod tests;
