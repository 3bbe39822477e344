//! Send receipts: each message sent with an id (`send_ex`) gets exactly one
//! outcome — written (its last byte reached the kernel) or discarded (and
//! why) — and outcomes are delivered in id order. Pure bookkeeping: the
//! queue decides outcomes (from any thread, under its lock), the session
//! takes the deliverable ones and emits them as events.
//!
//! Rules:
//! - The first decision for an id wins; later ones are ignored. A message
//!   written, then written again after a broken connection (resend), or
//!   discarded after it was written, keeps its first outcome: WRITTEN once.
//! - An outcome is delivered only after every older id's: an urgent message
//!   written ahead of older ones has its WRITTEN after theirs, and a message
//!   dropped by the overflow policy has its DISCARDED after the WRITTEN of
//!   the older messages still on their way to the kernel.
//! - Decided outcomes waiting for an older one are kept as runs of
//!   consecutive ids with the same outcome, so that a burst of drops costs
//!   one entry, not one per message.

use std::collections::BTreeMap;
use std::ffi::CStr;

/// Why a message was dropped without being written. Values are part of the
/// C ABI (`mywsclient_discard_reason`); never reuse one.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiscardReason {
    /// The client stopped with the queue discarded: `Client::close` with
    /// `CloseOptions::discard`, or any stop when `Config::discard_on_stop`.
    Stopped = 1,
    /// The client stopped by itself (reconnecting off or given up) while
    /// `Config::discard_on_stop` is set.
    GaveUp = 2,
    /// The overflow policy `DropOldest` dropped it to make room for a newer one.
    Overflow = 3,
}

impl DiscardReason {
    /// Every reason, in the order of their discriminants.
    pub const ALL: [DiscardReason; 3] = [
        DiscardReason::Stopped,
        DiscardReason::GaveUp,
        DiscardReason::Overflow,
    ];

    /// A short, stable, lower-case name, NUL-terminated.
    pub const fn name(self) -> &'static CStr {
        match self {
            DiscardReason::Stopped => c"stopped",
            DiscardReason::GaveUp => c"gave-up",
            DiscardReason::Overflow => c"overflow",
        }
    }
}

impl TryFrom<u32> for DiscardReason {
    /// The value that names no reason.
    type Error = u32;

    /// The reason with this discriminant (checked).
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.into_iter().find(|r| *r as u32 == v).ok_or(v)
    }
}

/// What became of a message sent with an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// All its bytes reached the kernel's socket buffer.
    Written,
    /// It was dropped without being (fully) written.
    Discarded(DiscardReason),
}

/// Message ids and their outcomes, delivered in id order.
#[derive(Debug)]
pub(crate) struct Receipts {
    /// The id the next `assign` returns (ids start at 1; 0 means none).
    next_id: u64,
    /// The next id whose outcome is delivered: every older one was.
    next_out: u64,
    /// Outcomes decided for ids >= `next_out`, as runs: first id -> (last
    /// id, outcome). Runs never overlap or touch with the same outcome.
    decided: BTreeMap<u64, (u64, Outcome)>,
}

impl Default for Receipts {
    fn default() -> Self {
        Receipts {
            next_id: 1,
            next_out: 1,
            decided: BTreeMap::new(),
        }
    }
}

impl Receipts {
    /// A new id, larger than every one before.
    pub(crate) fn assign(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Ids assigned whose outcome was not delivered yet.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> u64 {
        self.next_id - self.next_out
    }

    fn run_of(&self, id: u64) -> Option<(u64, u64, Outcome)> {
        self.decided
            .range(..=id)
            .next_back()
            .filter(|(_, (hi, _))| *hi >= id)
            .map(|(lo, (hi, o))| (*lo, *hi, *o))
    }

    /// Records the outcome of `id`, unless it has one already (or `id` was
    /// never assigned). Returns whether this decision counted.
    pub(crate) fn decide(&mut self, id: u64, outcome: Outcome) -> bool {
        if id < self.next_out || id >= self.next_id || self.run_of(id).is_some() {
            return false;
        }
        let (mut lo, mut hi) = (id, id);
        if let Some((plo, phi, po)) = id.checked_sub(1).and_then(|p| self.run_of(p)) {
            if po == outcome && phi + 1 == id {
                self.decided.remove(&plo);
                lo = plo;
            }
        }
        if let Some(&(nhi, no)) = self.decided.get(&(id + 1)) {
            if no == outcome {
                self.decided.remove(&(id + 1));
                hi = nhi;
            }
        }
        self.decided.insert(lo, (hi, outcome));
        true
    }

    /// Whether `pop_ready` has something.
    pub(crate) fn peek_ready(&self) -> bool {
        self.decided
            .first_key_value()
            .is_some_and(|(k, _)| *k == self.next_out)
    }

    /// The next outcome to deliver, if it is decided.
    pub(crate) fn pop_ready(&mut self) -> Option<(u64, Outcome)> {
        let entry = self.decided.first_entry()?;
        if *entry.key() != self.next_out {
            return None;
        }
        let (hi, outcome) = *entry.get();
        let id = self.next_out;
        entry.remove();
        if hi > id {
            self.decided.insert(id + 1, (hi, outcome));
        }
        self.next_out += 1;
        Some((id, outcome))
    }

    /// Runs of decided outcomes waiting for an older one (memory held).
    #[cfg(test)]
    pub(crate) fn waiting_runs(&self) -> usize {
        self.decided.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Outcome = Outcome::Written;
    const OVF: Outcome = Outcome::Discarded(DiscardReason::Overflow);
    const STOP: Outcome = Outcome::Discarded(DiscardReason::Stopped);

    fn drain(r: &mut Receipts) -> Vec<(u64, Outcome)> {
        std::iter::from_fn(|| r.pop_ready()).collect()
    }

    #[test]
    fn in_order_outcomes_flow_at_once() {
        let mut r = Receipts::default();
        let a = r.assign();
        let b = r.assign();
        assert_eq!((a, b), (1, 2));
        assert_eq!(r.pending(), 2);
        assert!(r.decide(a, W));
        assert_eq!(drain(&mut r), vec![(1, W)]);
        assert!(r.decide(b, STOP));
        assert_eq!(drain(&mut r), vec![(2, STOP)]);
        assert_eq!(r.pending(), 0);
    }

    #[test]
    fn a_newer_outcome_waits_for_the_older_one() {
        let mut r = Receipts::default();
        let ids: Vec<u64> = (0..5).map(|_| r.assign()).collect();
        // 3 is urgent and written first; 4 and 5 are dropped for overflow.
        assert!(r.decide(ids[2], W));
        assert!(r.decide(ids[3], OVF));
        assert!(r.decide(ids[4], OVF));
        assert_eq!(drain(&mut r), vec![]);
        assert_eq!(r.waiting_runs(), 2, "4 and 5 form one run");
        assert!(r.decide(ids[1], W));
        assert_eq!(drain(&mut r), vec![]);
        assert!(r.decide(ids[0], W));
        assert_eq!(
            drain(&mut r),
            vec![(1, W), (2, W), (3, W), (4, OVF), (5, OVF)]
        );
        assert_eq!(r.waiting_runs(), 0);
    }

    #[test]
    fn the_first_decision_wins() {
        let mut r = Receipts::default();
        let a = r.assign();
        let b = r.assign();
        assert!(r.decide(b, W));
        assert!(
            !r.decide(b, STOP),
            "written, then discarded at stop: stays written"
        );
        assert!(
            !r.decide(b, W),
            "written again after a resend: no second receipt"
        );
        assert!(r.decide(a, W));
        assert!(!r.decide(a, STOP), "already delivered");
        assert_eq!(drain(&mut r), vec![(1, W), (2, W)]);
        assert!(!r.decide(7, W), "never assigned");
        assert!(!r.decide(0, W));
    }

    #[test]
    fn a_burst_of_drops_is_one_run_whatever_the_order() {
        let mut r = Receipts::default();
        let first = r.assign();
        let ids: Vec<u64> = (0..10_000).map(|_| r.assign()).collect();
        for id in ids.iter().rev() {
            assert!(r.decide(*id, OVF));
        }
        assert_eq!(r.waiting_runs(), 1);
        assert!(!r.decide(ids[0] + 5_000, W));
        assert!(r.decide(first, W));
        let out = drain(&mut r);
        assert_eq!(out.len(), 10_001);
        assert!(out.windows(2).all(|w| w[1].0 == w[0].0 + 1));
        assert!(out[1..].iter().all(|(_, o)| *o == OVF));
    }

    #[test]
    fn runs_split_by_other_outcomes_stay_separate() {
        let mut r = Receipts::default();
        let ids: Vec<u64> = (0..6).map(|_| r.assign()).collect();
        for (i, id) in ids.iter().enumerate().skip(1) {
            assert!(r.decide(*id, if i % 2 == 0 { W } else { OVF }));
        }
        assert_eq!(r.waiting_runs(), 5);
        assert!(r.decide(ids[0], STOP));
        let out: Vec<Outcome> = drain(&mut r).into_iter().map(|(_, o)| o).collect();
        assert_eq!(out, vec![STOP, OVF, W, OVF, W, OVF]);
    }
}
