//! Round-trip time from pings and their pongs: which ping a pong answers,
//! and the estimate kept in the statistics (last sample, and a smoothed
//! value as TCP's SRTT, RFC 6298: 7/8 of the old plus 1/8 of the new). Pure;
//! the caller owns the clock.
//!
//! A pong answers the oldest outstanding ping with the same payload. RFC
//! 6455 §5.5.3 lets a server answer only the most recent of several pings,
//! so the pings older than the answered one are forgotten: they will not be
//! answered. Heartbeat pings (empty payload) and the application's pings
//! (`Client::ping`) are tracked alike; only the application's produce a
//! PONG event, both update the estimate.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Pings kept waiting for their pong; an older one is forgotten first.
const MAX_OUTSTANDING: usize = 32;

/// Who sent a ping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PingSource {
    /// The heartbeat (half-open detection).
    Heartbeat,
    /// The application (`Client::ping`).
    User,
}

/// The pings of one connection that await their pong.
#[derive(Debug, Default)]
pub(crate) struct Pings {
    outstanding: VecDeque<(Vec<u8>, Instant, PingSource)>,
}

impl Pings {
    /// A ping with `payload` was written at `now`.
    pub(crate) fn sent(&mut self, payload: &[u8], now: Instant, source: PingSource) {
        if self.outstanding.len() == MAX_OUTSTANDING {
            self.outstanding.pop_front();
        }
        self.outstanding.push_back((payload.to_vec(), now, source));
    }

    /// A pong with `payload` arrived at `now`: the round-trip time and who
    /// sent the ping it answers, or None when it answers none (unsolicited).
    pub(crate) fn pong(&mut self, payload: &[u8], now: Instant) -> Option<(Duration, PingSource)> {
        let i = self.outstanding.iter().position(|(p, _, _)| p == payload)?;
        let (_, sent, source) = self.outstanding.drain(..=i).next_back()?;
        Some((now.saturating_duration_since(sent), source))
    }

    /// Pings still waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.outstanding.len()
    }
}

/// Round-trip time estimate of a client (across connections).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rtt {
    /// The last sample.
    pub last: Option<Duration>,
    /// The smoothed value.
    pub smoothed: Option<Duration>,
    /// Samples taken.
    pub samples: u64,
}

impl Rtt {
    /// Takes a sample.
    pub(crate) fn sample(&mut self, rtt: Duration) {
        self.last = Some(rtt);
        self.smoothed = Some(match self.smoothed {
            None => rtt,
            Some(s) => (s * 7 + rtt) / 8,
        });
        self.samples += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_pong_answers_the_oldest_ping_with_its_payload() {
        let t0 = Instant::now();
        let mut p = Pings::default();
        p.sent(b"a", t0, PingSource::User);
        p.sent(b"", t0 + 10 * MS, PingSource::Heartbeat);
        p.sent(b"a", t0 + 20 * MS, PingSource::User);
        assert_eq!(p.pong(b"zz", t0 + 30 * MS), None, "unsolicited");
        assert_eq!(
            p.pong(b"a", t0 + 30 * MS),
            Some((30 * MS, PingSource::User))
        );
        assert_eq!(
            p.pong(b"", t0 + 40 * MS),
            Some((30 * MS, PingSource::Heartbeat))
        );
        assert_eq!(p.len(), 1);
        assert_eq!(
            p.pong(b"a", t0 + 45 * MS),
            Some((25 * MS, PingSource::User))
        );
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn answering_a_newer_ping_forgets_the_older_ones() {
        let t0 = Instant::now();
        let mut p = Pings::default();
        p.sent(b"1", t0, PingSource::User);
        p.sent(b"2", t0 + MS, PingSource::User);
        p.sent(b"3", t0 + 2 * MS, PingSource::User);
        assert_eq!(p.pong(b"2", t0 + 5 * MS), Some((4 * MS, PingSource::User)));
        assert_eq!(p.pong(b"1", t0 + 6 * MS), None);
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn outstanding_pings_are_bounded() {
        let t0 = Instant::now();
        let mut p = Pings::default();
        for i in 0..1000u32 {
            p.sent(&i.to_be_bytes(), t0, PingSource::User);
        }
        assert_eq!(p.len(), MAX_OUTSTANDING);
        assert_eq!(p.pong(&0u32.to_be_bytes(), t0), None, "forgotten");
        assert!(p.pong(&999u32.to_be_bytes(), t0).is_some());
    }

    #[test]
    fn smoothing_follows_rfc_6298() {
        let mut r = Rtt::default();
        r.sample(80 * MS);
        assert_eq!(
            (r.last, r.smoothed, r.samples),
            (Some(80 * MS), Some(80 * MS), 1)
        );
        r.sample(160 * MS);
        assert_eq!(r.last, Some(160 * MS));
        assert_eq!(r.smoothed, Some(90 * MS));
        assert_eq!(r.samples, 2);
    }
}
