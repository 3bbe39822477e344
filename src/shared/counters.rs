//! The counters behind `Stats` (sent, received, connections, resends,
//! compression, the last close code and error) and the `Stats` snapshot.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::{lock, Shared};
use crate::event::Stats;

/// See the module documentation.
#[derive(Default)]
pub(super) struct Counters {
    messages_sent: AtomicU64,
    bytes_sent: AtomicU64,
    messages_received: AtomicU64,
    bytes_received: AtomicU64,
    connections: AtomicU64,
    messages_resent: AtomicU64,
    last_close_code: AtomicU32,
    // permessage-deflate: (uncompressed, compressed) bytes each way.
    deflate_sent: (AtomicU64, AtomicU64),
    deflate_received: (AtomicU64, AtomicU64),
}

impl Shared {
    /// A message of `len` bytes arrived.
    pub fn count_received(&self, len: usize) {
        let c = &self.counters;
        c.messages_received.fetch_add(1, Ordering::Relaxed);
        c.bytes_received.fetch_add(len as u64, Ordering::Relaxed);
    }

    /// `messages` messages, `bytes` payload bytes in all, reached the kernel.
    pub fn count_sent(&self, messages: u64, bytes: u64) {
        let c = &self.counters;
        c.messages_sent.fetch_add(messages, Ordering::Relaxed);
        c.bytes_sent.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A message of `raw` bytes went out compressed to `wire` bytes.
    pub fn count_compressed_sent(&self, raw: usize, wire: usize) {
        let (r, w) = &self.counters.deflate_sent;
        r.fetch_add(raw as u64, Ordering::Relaxed);
        w.fetch_add(wire as u64, Ordering::Relaxed);
    }

    /// A message of `wire` compressed bytes inflated to `raw` bytes.
    pub fn count_compressed_received(&self, raw: usize, wire: u64) {
        let (r, w) = &self.counters.deflate_received;
        r.fetch_add(raw as u64, Ordering::Relaxed);
        w.fetch_add(wire, Ordering::Relaxed);
    }

    /// `n` messages go back to the queue to be written again: a connection
    /// ended before the server was known to have them.
    pub fn count_resent(&self, n: usize) {
        self.counters
            .messages_resent
            .fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A connection opened.
    pub fn count_connection(&self) {
        self.counters.connections.fetch_add(1, Ordering::SeqCst);
    }

    pub fn set_last_close_code(&self, code: u16) {
        self.counters
            .last_close_code
            .store(u32::from(code), Ordering::SeqCst);
    }

    pub fn set_last_error(&self, message: String) {
        *lock(&self.last_error) = message;
    }

    /// The counters, the queue's size and the last error.
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        let connections = c.connections.load(Ordering::SeqCst);
        let rtt = *lock(&self.control.rtt);
        let (messages_discarded, receipts_written, receipts_discarded) = self.queue.drop_counts();
        Stats {
            messages_sent: c.messages_sent.load(Ordering::SeqCst),
            bytes_sent: c.bytes_sent.load(Ordering::SeqCst),
            messages_received: c.messages_received.load(Ordering::SeqCst),
            bytes_received: c.bytes_received.load(Ordering::SeqCst),
            connections,
            reconnects: connections.saturating_sub(1),
            messages_resent: c.messages_resent.load(Ordering::SeqCst),
            queued_messages: self.queue.queued_messages(),
            queued_bytes: self.queue.queued_bytes(),
            last_close_code: c.last_close_code.load(Ordering::SeqCst) as u16,
            last_error: lock(&self.last_error).clone(),
            rtt_last: rtt.last,
            rtt_smoothed: rtt.smoothed,
            rtt_samples: rtt.samples,
            messages_discarded,
            receipts_written,
            receipts_discarded,
            uncompressed_bytes_sent: c.deflate_sent.0.load(Ordering::SeqCst),
            compressed_bytes_sent: c.deflate_sent.1.load(Ordering::SeqCst),
            uncompressed_bytes_received: c.deflate_received.0.load(Ordering::SeqCst),
            compressed_bytes_received: c.deflate_received.1.load(Ordering::SeqCst),
        }
    }
}
