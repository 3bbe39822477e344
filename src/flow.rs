//! Flow control of the send queue: what a send does when the queue is full
//! ([`OverflowPolicy`]), and the high/low watermarks that tell the
//! application when to slow down and when to go on ([`Watermarks`]). Pure;
//! the queue applies the policy, the session raises the events.

use std::ffi::CStr;

/// What a send does when queueing it would pass a queue limit.
///
/// The one definition of the policies: discriminants (the values C sees as
/// `mywsclient_overflow_policy`), names and list, as for `State`. Never
/// reorder or reuse a discriminant.
#[repr(u32)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OverflowPolicy {
    /// Refuse the new message with [`ErrorKind::QueueFull`](crate::ErrorKind::QueueFull)
    /// (the default, and the behaviour of 0.1).
    #[default]
    Refuse = 0,
    /// Accept it and drop the oldest queued messages that are not being
    /// written yet until it fits; each dropped message sent with an id gets
    /// [`Event::Discarded`](crate::Event::Discarded) with
    /// [`DiscardReason::Overflow`](crate::DiscardReason::Overflow). A
    /// message that cannot fit even in an empty queue is still refused.
    DropOldest = 1,
}

impl OverflowPolicy {
    /// Every policy, in the order of their discriminants.
    pub const ALL: [OverflowPolicy; 2] = [OverflowPolicy::Refuse, OverflowPolicy::DropOldest];

    /// A short, stable, lower-case name, NUL-terminated.
    pub const fn name(self) -> &'static CStr {
        match self {
            OverflowPolicy::Refuse => c"refuse",
            OverflowPolicy::DropOldest => c"drop-oldest",
        }
    }
}

impl TryFrom<u32> for OverflowPolicy {
    /// The value that names no policy.
    type Error = u32;

    /// The policy with this discriminant (checked).
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.into_iter().find(|p| *p as u32 == v).ok_or(v)
    }
}

/// A watermark crossing to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Crossing {
    /// The queue reached the high watermark.
    High,
    /// After a `High`, the queue fell to the low watermark.
    Drained,
}

/// The high/low watermarks of the queued bytes, with hysteresis: `High`
/// once when the bytes reach `high`, then `Drained` once when they fall to
/// `low`, then `High` again... `high == 0` turns them off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Watermarks {
    high: u64,
    low: u64,
    raised: bool,
}

impl Watermarks {
    /// Watermarks at `high` and `low` bytes (`low < high` unless `high == 0`).
    pub(crate) fn new(high: usize, low: usize) -> Watermarks {
        Watermarks {
            high: high as u64,
            low: low as u64,
            raised: false,
        }
    }

    /// The crossing `queued` bytes make now, if any (without recording it).
    pub(crate) fn peek(&self, queued: u64) -> Option<Crossing> {
        if self.high == 0 {
            None
        } else if !self.raised && queued >= self.high {
            Some(Crossing::High)
        } else if self.raised && queued <= self.low {
            Some(Crossing::Drained)
        } else {
            None
        }
    }

    /// As `peek`, and records the crossing.
    pub(crate) fn check(&mut self, queued: u64) -> Option<Crossing> {
        let c = self.peek(queued);
        match c {
            Some(Crossing::High) => self.raised = true,
            Some(Crossing::Drained) => self.raised = false,
            None => {}
        }
        c
    }

    /// Whether `queued` bytes make a send worth waking the session for: it
    /// raises `High` (a session blocked on a full socket would not look).
    pub(crate) fn reaches_high(&self, queued: u64) -> bool {
        self.high != 0 && !self.raised && queued >= self.high
    }
}

/// Checks watermark options: `low < high` unless `high == 0` (off).
pub(crate) fn validate_watermarks(high: usize, low: usize) -> Result<(), String> {
    if high != 0 && low >= high {
        return Err(format!(
            "queue watermarks: low ({low}) must be below high ({high}); high 0 turns them off"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_then_drained_with_hysteresis() {
        let mut w = Watermarks::new(100, 20);
        assert_eq!(w.check(99), None);
        assert!(w.reaches_high(100));
        assert_eq!(w.check(100), Some(Crossing::High));
        assert!(!w.reaches_high(500), "raised already");
        assert_eq!(w.check(500), None);
        assert_eq!(w.check(21), None);
        assert_eq!(w.peek(20), Some(Crossing::Drained));
        assert_eq!(w.check(20), Some(Crossing::Drained));
        assert_eq!(w.check(0), None);
        assert_eq!(w.check(150), Some(Crossing::High));
    }

    #[test]
    fn off_when_high_is_zero() {
        let mut w = Watermarks::new(0, 0);
        assert_eq!(w.check(u64::MAX), None);
        assert!(!w.reaches_high(u64::MAX));
        assert!(validate_watermarks(0, 5).is_ok());
        assert!(validate_watermarks(10, 10).is_err());
        assert!(validate_watermarks(10, 9).is_ok());
    }

    #[test]
    fn policies_round_trip() {
        for p in OverflowPolicy::ALL {
            assert_eq!(OverflowPolicy::try_from(p as u32), Ok(p));
            assert!(!p.name().to_bytes().is_empty());
        }
        assert_eq!(OverflowPolicy::try_from(2), Err(2));
        assert_eq!(OverflowPolicy::default(), OverflowPolicy::Refuse);
    }
}
