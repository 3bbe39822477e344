//! What a connection that ended abnormally may not have delivered: a ledger
//! of the messages written on one connection, each with the offset at which
//! it ends in the byte stream the socket carries, and the rule that picks
//! the ones to write again on the next connection.
//!
//! Offsets are counted from the connection's first byte. A message is pushed
//! with the offset of its last byte in the plaintext stream (what tungstenite
//! wrote, the HTTP upgrade request included); once its bytes are in the
//! kernel, [`Ledger::written`] gives it its end in the socket's stream. For a
//! plain socket both are the same; for TLS it is the end of the ciphertext
//! record that carries the message's last byte (a server can read none of a
//! record until all of it arrived). When the connection ends, the kernel
//! tells how many of the bytes written to the socket its peer has not
//! acknowledged (`SIOCOUTQ`); every message that ends after the acknowledged
//! prefix cannot have been read by the server, and is handed back in order.
//!
//! Pure bookkeeping: no socket, no clock. The caller asks the kernel.

use std::collections::VecDeque;

/// The one definition of the modes: discriminants (the values C sees as
/// `mywsclient_delivery`), names ([`Delivery::name`]) and list
/// ([`Delivery::ALL`]). Never reorder or reuse a discriminant.
///
/// What a client does with messages a connection may not have delivered
/// when it ends abnormally (heartbeat timeout, reset, end of stream without
/// a close frame, write error). Messages not yet written always wait for the
/// next connection, in every mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Delivery {
    /// A message counts as delivered once all its bytes are in the kernel:
    /// what the server's TCP never received is lost (the behaviour of 0.1).
    AtMostOnce = 0,
    /// Messages whose bytes the server's TCP did not all acknowledge are
    /// written again, in order, before anything sent later. A duplicate is
    /// possible only when the server received a message but its
    /// acknowledgement did not reach the client before the connection died.
    #[default]
    ResendUnacknowledged = 1,
    /// As [`Delivery::ResendUnacknowledged`], and also every message written
    /// after the last frame received from the server: for servers behind a
    /// proxy or load balancer that acknowledges TCP on their behalf. More
    /// duplicates; the receiver should deduplicate.
    AtLeastOnce = 2,
}

impl Delivery {
    /// Every mode, in the order of their discriminants.
    pub const ALL: [Delivery; 3] = [
        Delivery::AtMostOnce,
        Delivery::ResendUnacknowledged,
        Delivery::AtLeastOnce,
    ];

    /// A short, stable, lower-case name, NUL-terminated.
    pub const fn name(self) -> &'static std::ffi::CStr {
        match self {
            Delivery::AtMostOnce => c"at_most_once",
            Delivery::ResendUnacknowledged => c"resend_unacknowledged",
            Delivery::AtLeastOnce => c"at_least_once",
        }
    }

    /// [`Delivery::name`] as a `&str`.
    pub fn as_str(self) -> &'static str {
        self.name().to_str().unwrap_or_default()
    }
}

impl TryFrom<u32> for Delivery {
    /// The value that names no mode.
    type Error = u32;

    /// The mode with this discriminant (checked: any other value is an error).
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.into_iter().find(|d| *d as u32 == v).ok_or(v)
    }
}

/// The ring asks to be pruned once it holds this many entries (and then
/// each time it has doubled since the last prune).
const PRUNE_MIN: usize = 64;

/// What [`Ledger::take_undelivered`] handed back, besides the messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Taken {
    /// The first `settled` messages had all their bytes in the kernel (and
    /// were shown to `settle`).
    pub settled: usize,
    /// Messages with at least one byte handed to the kernel: the ones
    /// written again (the others were merely not written yet).
    pub started: usize,
}

/// One written message.
struct Entry<M> {
    /// Plaintext offset of its end until mapped, then its stream offset.
    end: u64,
    len: u64,
    msg: M,
}

/// The messages written on one connection and not yet known to be
/// delivered, oldest first. `M` is the caller's message (a refcounted
/// payload: keeping it costs no copy).
pub(crate) struct Ledger<M> {
    mode: Delivery,
    entries: VecDeque<Entry<M>>,
    /// `entries[..mapped]` are in the kernel and carry stream offsets.
    mapped: usize,
    /// `entries[..settled]` were shown to `settle` (`settled <= mapped`).
    settled: usize,
    /// Stream bytes written when a frame last arrived from the server.
    received_at: u64,
    /// Payload bytes of the mapped entries.
    mapped_bytes: u64,
    /// Plaintext offset of the end of the last message mapped.
    mapped_plain: u64,
    /// At-least-once: payload bytes kept beyond the acknowledged ones.
    keep_limit: u64,
    prune_at: usize,
}

impl<M> Ledger<M> {
    /// An empty ledger. `keep_limit` bounds, in payload bytes, what
    /// at-least-once keeps of messages TCP did acknowledge (the oldest are
    /// let go first); the other modes keep only unacknowledged messages.
    pub(crate) fn new(mode: Delivery, keep_limit: u64) -> Ledger<M> {
        Ledger {
            mode,
            entries: VecDeque::new(),
            mapped: 0,
            settled: 0,
            received_at: 0,
            mapped_bytes: 0,
            mapped_plain: 0,
            keep_limit,
            prune_at: PRUNE_MIN,
        }
    }

    /// Messages held (in the kernel or not).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// A message of `len` payload bytes whose last byte is at plaintext
    /// offset `plain_end` (offsets never decrease).
    pub(crate) fn push(&mut self, plain_end: u64, len: usize, msg: M) {
        debug_assert!(self.entries.back().is_none_or(|e| e.end <= plain_end));
        self.entries.push_back(Entry {
            end: plain_end,
            len: len as u64,
            msg,
        });
    }

    /// Every message ending at or before plaintext offset `plain_upto` is in
    /// the kernel. `record_end`: for TLS, the stream offset at which the
    /// record that carries plaintext up to `plain_upto` ends (so the end of
    /// every message in it); `None` when the stream is the plaintext.
    pub(crate) fn written(&mut self, plain_upto: u64, record_end: Option<u64>) {
        while let Some(e) = self.entries.get_mut(self.mapped) {
            if e.end > plain_upto {
                break;
            }
            self.mapped_plain = e.end;
            if let Some(r) = record_end {
                e.end = r;
            }
            self.mapped_bytes += e.len;
            self.mapped += 1;
        }
    }

    /// Shows `on_written` each message that reached the kernel since the
    /// last call, once. At-most-once forgets them.
    pub(crate) fn settle(&mut self, mut on_written: impl FnMut(&M)) {
        if self.mode == Delivery::AtMostOnce {
            for e in self.entries.drain(..self.mapped) {
                on_written(&e.msg);
            }
            self.mapped = 0;
            self.mapped_bytes = 0;
            return;
        }
        for e in self.entries.range(self.settled..self.mapped) {
            on_written(&e.msg);
        }
        self.settled = self.mapped;
    }

    /// A frame arrived from the server when `stream_written` bytes had been
    /// written to the socket.
    pub(crate) fn received(&mut self, stream_written: u64) {
        self.received_at = stream_written;
    }

    /// The ledger has grown enough to be worth a look at the kernel's count
    /// (amortised: once per doubling, and not below a minimum).
    pub(crate) fn wants_prune(&self) -> bool {
        self.entries.len() >= self.prune_at
    }

    /// Forgets the settled messages known to be delivered: the peer acknowledged
    /// every stream byte before `acked` (at-least-once: and a frame came
    /// after they were written, or they exceed the keep limit).
    pub(crate) fn prune(&mut self, acked: u64) {
        let safe = self.delivered_before(Some(acked));
        while self.settled > 0 {
            let e = &self.entries[0];
            let over = self.mapped_bytes > self.keep_limit && e.end <= acked;
            if e.end > safe && !over {
                break;
            }
            self.mapped_bytes -= e.len;
            self.mapped -= 1;
            self.settled -= 1;
            self.entries.pop_front();
        }
        self.prune_at = (self.entries.len() * 2).max(PRUNE_MIN);
    }

    /// The stream offset before which a message counts as delivered, given
    /// the peer's acknowledged prefix (`None`: unknown).
    fn delivered_before(&self, acked: Option<u64>) -> u64 {
        match self.mode {
            Delivery::AtMostOnce => u64::MAX,
            // Unknown: as at-most-once (all that reached the kernel).
            Delivery::ResendUnacknowledged => acked.unwrap_or(u64::MAX),
            Delivery::AtLeastOnce => acked.unwrap_or(u64::MAX).min(self.received_at),
        }
    }

    /// The connection ended abnormally; the peer acknowledged every stream
    /// byte before `acked` (`None`: the kernel could not tell), and
    /// `plain_handed` plaintext bytes were handed to the socket (or TLS).
    /// Returns, oldest first, every message that may not have been
    /// delivered: the ones not wholly in the kernel and, per the mode, the
    /// ones not acknowledged; and how many of them had at least one byte
    /// handed over (the ones written again, as opposed to written late).
    /// The ledger is empty afterwards.
    pub(crate) fn take_undelivered(
        &mut self,
        acked: Option<u64>,
        plain_handed: u64,
    ) -> (
        Taken,
        impl DoubleEndedIterator<Item = M> + ExactSizeIterator + '_,
    ) {
        debug_assert_eq!(self.settled, self.mapped, "settle first");
        let safe = self.delivered_before(acked);
        let mut done = 0;
        while done < self.mapped && self.entries[done].end <= safe {
            done += 1;
        }
        let partial = self.entries.len() > self.mapped && plain_handed > self.mapped_plain;
        let taken = Taken {
            settled: self.mapped - done,
            started: self.mapped - done + usize::from(partial),
        };
        self.entries.drain(..done);
        self.mapped = 0;
        self.settled = 0;
        self.mapped_bytes = 0;
        self.prune_at = PRUNE_MIN;
        (taken, self.entries.drain(..).map(|e| e.msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages 0..n of `len` bytes each, back to back from offset `start`.
    fn ledger(mode: Delivery, n: u32, len: u64, start: u64) -> Ledger<u32> {
        let mut l = Ledger::new(mode, u64::MAX);
        for i in 0..n {
            l.push(start + (u64::from(i) + 1) * len, len as usize, i);
        }
        l
    }

    fn write(l: &mut Ledger<u32>, plain: u64, record: Option<u64>, f: impl FnMut(&u32)) {
        l.written(plain, record);
        l.settle(f);
    }

    fn take(l: &mut Ledger<u32>, acked: Option<u64>) -> Vec<u32> {
        l.take_undelivered(acked, 0).1.collect()
    }

    #[test]
    fn modes_convert_from_their_discriminants_only() {
        for d in Delivery::ALL {
            assert_eq!(Delivery::try_from(d as u32), Ok(d));
            assert!(!d.as_str().is_empty());
        }
        assert_eq!(Delivery::try_from(3), Err(3));
        assert_eq!(Delivery::default(), Delivery::ResendUnacknowledged);
    }

    #[test]
    fn plain_stream_resends_from_the_first_unacknowledged_message() {
        // Upgrade request of 100 bytes, then 5 messages of 10 bytes each.
        let mut l = ledger(Delivery::ResendUnacknowledged, 5, 10, 100);
        let mut seen = Vec::new();
        write(&mut l, 150, None, |m| seen.push(*m));
        assert_eq!(seen, [0, 1, 2, 3, 4]);
        // Acknowledged up to the middle of message 2 (ends at 130).
        assert_eq!(take(&mut l, Some(125)), [2, 3, 4]);
        assert_eq!(l.len(), 0);
    }

    #[test]
    fn a_message_ending_exactly_at_the_acknowledged_offset_is_delivered() {
        let mut l = ledger(Delivery::ResendUnacknowledged, 3, 10, 0);
        write(&mut l, 30, None, |_| {});
        assert_eq!(take(&mut l, Some(20)), [2]);
        let mut l = ledger(Delivery::ResendUnacknowledged, 3, 10, 0);
        write(&mut l, 30, None, |_| {});
        assert_eq!(take(&mut l, Some(30)), Vec::<u32>::new());
    }

    #[test]
    fn partially_written_messages_are_resent_whole_in_every_mode() {
        for mode in [
            Delivery::AtMostOnce,
            Delivery::ResendUnacknowledged,
            Delivery::AtLeastOnce,
        ] {
            let mut l = ledger(mode, 4, 1000, 0);
            // The kernel took 2500 bytes: messages 0 and 1 whole, 2 in part.
            write(&mut l, 2500, None, |_| {});
            l.received(2500);
            assert_eq!(take(&mut l, Some(2500)), [2, 3], "{mode:?}");
        }
    }

    #[test]
    fn started_counts_messages_with_bytes_in_the_kernel() {
        let mut l = ledger(Delivery::ResendUnacknowledged, 5, 10, 0);
        write(&mut l, 30, None, |_| {});
        // 35 bytes handed over: messages 0..2 whole, 3 in part, 4 not at all.
        let (taken, v) = l.take_undelivered(Some(10), 35);
        assert_eq!(v.collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!((taken.settled, taken.started), (2, 3));
        let mut l = ledger(Delivery::AtMostOnce, 5, 10, 0);
        write(&mut l, 30, None, |_| {});
        let (taken, v) = l.take_undelivered(Some(10), 30);
        assert_eq!(v.collect::<Vec<_>>(), [3, 4]);
        assert_eq!(taken, Taken::default());
    }

    #[test]
    fn at_most_once_keeps_only_what_is_not_in_the_kernel() {
        let mut l = ledger(Delivery::AtMostOnce, 4, 10, 0);
        write(&mut l, 20, None, |_| {});
        assert_eq!(l.len(), 2);
        assert_eq!(take(&mut l, Some(0)), [2, 3]);
    }

    #[test]
    fn tls_records_map_messages_to_ciphertext_offsets() {
        // Handshake: 300 ciphertext bytes before any message. Messages of
        // 10 plaintext bytes; records carry 22 bytes of overhead.
        let mut l = ledger(Delivery::ResendUnacknowledged, 6, 10, 50);
        // Record 1 carried plaintext up to 75 (messages 0, 1 end at 60, 70).
        write(&mut l, 75, Some(300 + 25 + 22), |_| {});
        // Record 2 carried plaintext up to 110 (messages 2..5).
        write(&mut l, 110, Some(347 + 35 + 22), |_| {});
        // Acknowledged: all of record 1, part of record 2.
        assert_eq!(take(&mut l, Some(350)), [2, 3, 4, 5]);
        let mut l = ledger(Delivery::ResendUnacknowledged, 6, 10, 50);
        write(&mut l, 75, Some(347), |_| {});
        write(&mut l, 110, Some(404), |_| {});
        assert_eq!(take(&mut l, Some(404)), Vec::<u32>::new());
        // Less than record 1: everything.
        let mut l = ledger(Delivery::ResendUnacknowledged, 6, 10, 50);
        write(&mut l, 75, Some(347), |_| {});
        assert_eq!(take(&mut l, Some(346)), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn unknown_acknowledgement_falls_back_to_what_reached_the_kernel() {
        let mut l = ledger(Delivery::ResendUnacknowledged, 4, 10, 0);
        write(&mut l, 30, None, |_| {});
        assert_eq!(take(&mut l, None), [3]);
    }

    #[test]
    fn at_least_once_also_resends_what_followed_the_last_frame_received() {
        let mut l = ledger(Delivery::AtLeastOnce, 6, 10, 0);
        write(&mut l, 20, None, |_| {});
        l.received(20);
        write(&mut l, 60, None, |_| {});
        // TCP acknowledged everything (a proxy did), but the server said
        // nothing after message 1.
        assert_eq!(take(&mut l, Some(60)), [2, 3, 4, 5]);
        // Nothing known from the kernel: still from the last frame on.
        let mut l = ledger(Delivery::AtLeastOnce, 6, 10, 0);
        write(&mut l, 60, None, |_| {});
        l.received(40);
        assert_eq!(take(&mut l, None), [4, 5]);
        // The resend mode trusts TCP.
        let mut l = ledger(Delivery::ResendUnacknowledged, 6, 10, 0);
        write(&mut l, 60, None, |_| {});
        l.received(20);
        assert_eq!(take(&mut l, Some(60)), Vec::<u32>::new());
    }

    #[test]
    fn prune_forgets_acknowledged_messages_and_backs_off() {
        let mut l = ledger(Delivery::ResendUnacknowledged, 100, 10, 0);
        assert!(l.wants_prune());
        write(&mut l, 1000, None, |_| {});
        l.prune(950);
        // Messages 95..99 end after 950.
        assert_eq!(l.len(), 5);
        assert!(!l.wants_prune());
        // Unmapped messages are never pruned, whatever the kernel says.
        for i in 100..200u32 {
            l.push(1000 + (u64::from(i) - 99) * 10, 10, i);
        }
        l.prune(u64::MAX);
        assert_eq!(l.len(), 100);
        assert!(!l.wants_prune(), "next prune at 200 entries");
        let v = take(&mut l, Some(0));
        assert_eq!(v, (100..200).collect::<Vec<_>>());
    }

    #[test]
    fn at_least_once_keeps_acknowledged_messages_up_to_its_limit() {
        let mut l = Ledger::new(Delivery::AtLeastOnce, 25);
        for i in 0..6u32 {
            l.push((u64::from(i) + 1) * 10, 10, i);
        }
        write(&mut l, 60, None, |_| {});
        l.received(10);
        // All acknowledged by TCP; only message 0 preceded a frame. 50 bytes
        // of the rest are over the limit of 25: the oldest go.
        l.prune(60);
        assert_eq!(take(&mut l, Some(60)), [4, 5]);
        // Unacknowledged messages are kept whatever the limit.
        let mut l = Ledger::new(Delivery::AtLeastOnce, 0);
        for i in 0..6u32 {
            l.push((u64::from(i) + 1) * 10, 10, i);
        }
        write(&mut l, 60, None, |_| {});
        l.prune(30);
        assert_eq!(take(&mut l, Some(30)), [3, 4, 5]);
    }

    #[test]
    fn on_written_sees_each_message_once_and_the_ledger_is_reusable() {
        let mut l = ledger(Delivery::ResendUnacknowledged, 3, 10, 0);
        let mut n = 0;
        write(&mut l, 15, None, |_| n += 1);
        write(&mut l, 15, None, |_| n += 1);
        write(&mut l, 30, None, |_| n += 1);
        assert_eq!(n, 3);
        assert_eq!(take(&mut l, Some(10)), [1, 2]);
        l.push(10, 10, 7);
        write(&mut l, 10, None, |_| {});
        assert_eq!(take(&mut l, Some(0)), [7]);
    }
}
