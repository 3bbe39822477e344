//! The send queue: every message `send` accepted, until its last byte
//! reached the kernel. Owns the channel from the handle to the session, the
//! messages put back in front (unwritten when a connection ended; they stay
//! there across connections and across stop/start), the counters of what is
//! queued, and the limits that `push` enforces.
//!
//! Producers (any thread) call [`SendQueue::push`]; the one session that
//! runs takes messages with [`SendQueue::next`], returns those it could not
//! write with [`SendQueue::unpop`], and calls [`SendQueue::mark_sent`] once
//! all of a message's bytes reached the kernel. A message counts as queued
//! from `push` until `mark_sent`.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crossbeam_channel::{Receiver, Sender};
use tungstenite::Bytes;

use crate::config::Config;
use crate::error::{Error, ErrorKind};

/// A message accepted by `send`, waiting to be written.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub data: Bytes,
    pub binary: bool,
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
    tx: Sender<Outgoing>,
    rx: Receiver<Outgoing>,
    /// Messages taken off the channel and put back (not yet written): they
    /// go out before anything on the channel.
    front: Mutex<VecDeque<Outgoing>>,
    queued_messages: AtomicU64,
    queued_bytes: AtomicU64,
    max_message_size: AtomicUsize,
    max_bytes: AtomicUsize,
    max_messages: AtomicUsize,
}

impl SendQueue {
    /// An empty queue with these limits.
    pub fn new(limits: Limits) -> SendQueue {
        let (tx, rx) = crossbeam_channel::unbounded();
        let q = SendQueue {
            tx,
            rx,
            front: Mutex::new(VecDeque::new()),
            queued_messages: AtomicU64::new(0),
            queued_bytes: AtomicU64::new(0),
            max_message_size: AtomicUsize::new(0),
            max_bytes: AtomicUsize::new(0),
            max_messages: AtomicUsize::new(0),
        };
        q.set_limits(limits);
        q
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
    pub fn push(&self, msg: Outgoing) -> Result<(), Refused> {
        let limits = self.limits();
        let len = msg.data.len();
        if len > limits.max_message_size {
            return Err(Refused::TooLarge {
                len,
                max: limits.max_message_size,
            });
        }
        // Reserve first, so that concurrent pushes never pass the limits together.
        let bytes = self.queued_bytes.fetch_add(len as u64, Ordering::SeqCst);
        let messages = self.queued_messages.fetch_add(1, Ordering::SeqCst);
        if bytes + len as u64 > limits.max_bytes as u64
            || (limits.max_messages > 0 && messages >= limits.max_messages as u64)
        {
            self.queued_bytes.fetch_sub(len as u64, Ordering::SeqCst);
            self.queued_messages.fetch_sub(1, Ordering::SeqCst);
            return Err(Refused::Full {
                bytes,
                messages,
                limits,
            });
        }
        // The receiver lives as long as the sender: this cannot fail.
        let _ = self.tx.send(msg);
        Ok(())
    }

    /// The next message to write: the oldest put back, else the oldest pushed.
    pub fn next(&self) -> Option<Outgoing> {
        if let Some(m) = self.front().pop_front() {
            return Some(m);
        }
        self.rx.try_recv().ok()
    }

    /// Puts a message taken by `next` back in front of all others (it was
    /// not written, or not completely). Putting back several: last first.
    pub fn unpop(&self, msg: Outgoing) {
        self.front().push_front(msg);
    }

    /// Puts back, in front of all others, a message that was marked sent
    /// (its bytes reached the kernel) but may not have reached the server:
    /// it counts as queued again. Never refused: it had been admitted.
    pub fn unpop_sent(&self, msg: Outgoing) {
        self.queued_bytes
            .fetch_add(msg.data.len() as u64, Ordering::SeqCst);
        self.queued_messages.fetch_add(1, Ordering::SeqCst);
        self.front().push_front(msg);
    }

    fn front(&self) -> MutexGuard<'_, VecDeque<Outgoing>> {
        // Never poisoned in practice (no user code runs under this lock).
        self.front.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Something waits to be taken by `next`.
    pub fn has_next(&self) -> bool {
        !self.rx.is_empty() || !self.front().is_empty()
    }

    /// Something was pushed and not yet taken (the cheap check for a
    /// session deciding whether to sleep; put-back messages are its own).
    pub fn has_pushed(&self) -> bool {
        !self.rx.is_empty()
    }

    /// All bytes of `msg` (taken by `next`) reached the kernel: it leaves
    /// the queue's counts.
    pub fn mark_sent(&self, msg: &Outgoing) {
        self.queued_bytes
            .fetch_sub(msg.data.len() as u64, Ordering::SeqCst);
        self.queued_messages.fetch_sub(1, Ordering::SeqCst);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str) -> Outgoing {
        Outgoing {
            data: Bytes::copy_from_slice(s.as_bytes()),
            binary: false,
        }
    }

    fn limits(size: usize, bytes: usize, messages: usize) -> Limits {
        Limits {
            max_message_size: size,
            max_bytes: bytes,
            max_messages: messages,
        }
    }

    fn text(m: Option<Outgoing>) -> String {
        String::from_utf8(m.expect("a message").data.to_vec()).unwrap()
    }

    #[test]
    fn refuses_too_large_and_full_with_reasons_and_counts_nothing() {
        let q = SendQueue::new(limits(4, 10, 2));
        assert_eq!(
            q.push(msg("12345")),
            Err(Refused::TooLarge { len: 5, max: 4 })
        );
        q.push(msg("1234")).unwrap();
        q.push(msg("1234")).unwrap();
        // Third message: over the count limit.
        let full = q.push(msg("1")).unwrap_err();
        assert_eq!(
            full,
            Refused::Full {
                bytes: 8,
                messages: 2,
                limits: limits(4, 10, 2)
            }
        );
        assert_eq!(Error::from(full).kind, ErrorKind::QueueFull);
        assert_eq!((q.queued_messages(), q.queued_bytes()), (2, 8));
        // Over the byte limit (no count limit).
        q.set_limits(limits(4, 10, 0));
        assert!(matches!(q.push(msg("123")), Err(Refused::Full { .. })));
        q.push(msg("12")).unwrap();
        assert_eq!((q.queued_messages(), q.queued_bytes()), (3, 10));
        let e = Error::from(Refused::TooLarge { len: 5, max: 4 });
        assert_eq!(e.kind, ErrorKind::MessageTooLarge);
        assert_eq!(
            e.message,
            "message of 5 bytes exceeds the maximum of 4 bytes"
        );
    }

    #[test]
    fn put_back_messages_go_first_in_order_until_marked_sent() {
        let q = SendQueue::new(limits(100, 100, 0));
        for s in ["a", "b", "c", "d"] {
            q.push(msg(s)).unwrap();
        }
        let a = q.next().unwrap();
        let b = q.next().unwrap();
        // A connection ended with a and b unwritten: put back, last first.
        q.unpop(b);
        q.unpop(a);
        assert!(q.has_next());
        let got: Vec<String> = (0..4).map(|_| text(q.next())).collect();
        assert_eq!(got, ["a", "b", "c", "d"]);
        assert!(q.next().is_none());
        assert!(!q.has_next());
        // Taken but not sent: still queued.
        assert_eq!(q.queued_messages(), 4);
        q.mark_sent(&msg("a"));
        q.mark_sent(&msg("bb"));
        assert_eq!((q.queued_messages(), q.queued_bytes()), (2, 1));
    }

    #[test]
    fn concurrent_pushes_never_pass_the_limits() {
        let q = std::sync::Arc::new(SendQueue::new(limits(10, 1000, 50)));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                std::thread::spawn(move || {
                    (0..100)
                        .filter(|_| q.push(msg("0123456789")).is_ok())
                        .count()
                })
            })
            .collect();
        let accepted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(accepted, 50);
        assert_eq!((q.queued_messages(), q.queued_bytes()), (50, 500));
    }
}
