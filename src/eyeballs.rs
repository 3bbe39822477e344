//! Happy Eyeballs v2 (RFC 8305) as a pure policy: which address to try
//! next and when. The caller owns the clock and the sockets: it starts a
//! connect for each address [`Race::start_due`] hands out, reports failures
//! with [`Race::failed`], closes what [`Race::expired`] returns, keeps the
//! first socket that connects (closing the others), and sleeps until
//! [`Race::next_wakeup`].
//!
//! - Addresses are interleaved by family, starting with the family of the
//!   resolver's first answer (§4).
//! - The next attempt starts [`STAGGER`] (250 ms, §5's recommended
//!   "Connection Attempt Delay") after the previous one, or at once when an
//!   attempt fails.
//! - Each attempt has its own timeout inside the overall budget.
//! - `rotation` (e.g. the reconnect attempt number) rotates the order within
//!   each family, so that a dead first address does not come first every time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// RFC 8305 §5: the delay between two connection attempts.
pub(crate) const STAGGER: Duration = Duration::from_millis(250);

/// The shortest per-address timeout, budget permitting.
const MIN_PER_ADDRESS: Duration = Duration::from_secs(2);

/// Interleaves IPv6 and IPv4 addresses, starting with the family of the
/// first, each family rotated by `rotation`.
pub(crate) fn order(addrs: &[SocketAddr], rotation: usize) -> Vec<SocketAddr> {
    let Some(first) = addrs.first() else {
        return Vec::new();
    };
    let (mut same, mut other): (Vec<_>, Vec<_>) =
        addrs.iter().partition(|a| a.is_ipv6() == first.is_ipv6());
    dedup(&mut same);
    dedup(&mut other);
    if !same.is_empty() {
        let r = rotation % same.len();
        same.rotate_left(r);
    }
    if !other.is_empty() {
        let r = rotation % other.len();
        other.rotate_left(r);
    }
    let mut out = Vec::with_capacity(same.len() + other.len());
    let (mut a, mut b) = (same.into_iter(), other.into_iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
    out
}

fn dedup(v: &mut Vec<SocketAddr>) {
    let mut seen = Vec::with_capacity(v.len());
    v.retain(|a| {
        let new = !seen.contains(a);
        seen.push(*a);
        new
    });
}

/// The timeout of one attempt: the budget shared by the addresses, but at
/// least [`MIN_PER_ADDRESS`], and never more than the budget.
pub(crate) fn per_address_timeout(budget: Duration, addresses: usize) -> Duration {
    let share = budget / addresses.max(1) as u32;
    share.max(MIN_PER_ADDRESS).min(budget)
}

/// One connect race over a list of addresses.
#[derive(Debug)]
pub(crate) struct Race {
    order: Vec<SocketAddr>,
    next: usize,
    /// Attempts in flight and their deadlines.
    running: Vec<(SocketAddr, Instant)>,
    /// When the next attempt may start.
    next_start: Instant,
    deadline: Instant,
    per_address: Duration,
    /// What went wrong with each address, for the final error.
    errors: Vec<String>,
}

impl Race {
    /// A race over `addrs` (in the resolver's order) starting at `now`,
    /// ending at the latest after `budget`.
    pub(crate) fn new(
        addrs: &[SocketAddr],
        rotation: usize,
        now: Instant,
        budget: Duration,
    ) -> Race {
        let order = order(addrs, rotation);
        let per_address = per_address_timeout(budget, order.len());
        Race {
            order,
            next: 0,
            running: Vec::new(),
            next_start: now,
            deadline: now + budget,
            per_address,
            errors: Vec::new(),
        }
    }

    /// The addresses in the order they are tried.
    pub(crate) fn addresses(&self) -> &[SocketAddr] {
        &self.order
    }

    /// The next address to start connecting to now, if it is time (call
    /// until `None`).
    pub(crate) fn start_due(&mut self, now: Instant) -> Option<SocketAddr> {
        if self.next >= self.order.len() || now < self.next_start || now >= self.deadline {
            return None;
        }
        let addr = self.order[self.next];
        self.next += 1;
        self.running
            .push((addr, (now + self.per_address).min(self.deadline)));
        self.next_start = now + STAGGER;
        Some(addr)
    }

    /// The attempt on `addr` failed (or could not start): the next starts at once.
    pub(crate) fn failed(&mut self, addr: SocketAddr, now: Instant, why: impl Into<String>) {
        self.running.retain(|(a, _)| *a != addr);
        self.errors.push(format!("{addr}: {}", why.into()));
        self.next_start = self.next_start.min(now);
    }

    /// The attempt on `addr` connected: the race is over.
    pub(crate) fn won(&mut self, addr: SocketAddr) {
        self.running.retain(|(a, _)| *a != addr);
    }

    /// Attempts whose own timeout passed: close them (they count as failed).
    pub(crate) fn expired(&mut self, now: Instant) -> Vec<SocketAddr> {
        let (gone, keep): (Vec<_>, Vec<_>) = self.running.iter().partition(|(_, d)| *d <= now);
        self.running = keep;
        for (a, _) in &gone {
            self.errors
                .push(format!("{a}: no answer within {:?}", self.per_address));
            self.next_start = self.next_start.min(now);
        }
        gone.into_iter().map(|(a, _)| a).collect()
    }

    /// When to look again: the next start, the nearest attempt timeout, or
    /// the end of the budget.
    pub(crate) fn next_wakeup(&self) -> Instant {
        let mut t = self.deadline;
        if self.next < self.order.len() {
            t = t.min(self.next_start);
        }
        for (_, d) in &self.running {
            t = t.min(*d);
        }
        t
    }

    /// Addresses still in flight.
    #[cfg(test)]
    pub(crate) fn running(&self) -> usize {
        self.running.len()
    }

    /// Nothing is left to try: no attempt in flight and none to start, or
    /// the budget is spent.
    pub(crate) fn lost(&self, now: Instant) -> bool {
        now >= self.deadline || (self.running.is_empty() && self.next >= self.order.len())
    }

    /// The budget ran out (as opposed to every address failing).
    pub(crate) fn timed_out(&self, now: Instant) -> bool {
        now >= self.deadline
    }

    /// Why each address failed, for the final error.
    pub(crate) fn summary(&self) -> String {
        self.errors.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn interleaves_families_from_the_first_answer() {
        let list = [
            a("[::1]:1"),
            a("[::2]:1"),
            a("[::3]:1"),
            a("10.0.0.1:1"),
            a("10.0.0.2:1"),
        ];
        assert_eq!(
            order(&list, 0),
            [
                a("[::1]:1"),
                a("10.0.0.1:1"),
                a("[::2]:1"),
                a("10.0.0.2:1"),
                a("[::3]:1")
            ]
        );
        let list = [
            a("10.0.0.1:1"),
            a("[::1]:1"),
            a("10.0.0.2:1"),
            a("10.0.0.1:1"),
        ];
        assert_eq!(
            order(&list, 0),
            [a("10.0.0.1:1"), a("[::1]:1"), a("10.0.0.2:1")]
        );
        assert!(order(&[], 3).is_empty());
    }

    #[test]
    fn rotation_moves_the_first_address_within_its_family() {
        let list = [
            a("10.0.0.1:1"),
            a("10.0.0.2:1"),
            a("10.0.0.3:1"),
            a("[::1]:1"),
        ];
        assert_eq!(order(&list, 1)[0], a("10.0.0.2:1"));
        assert_eq!(order(&list, 2)[0], a("10.0.0.3:1"));
        assert_eq!(order(&list, 3)[0], a("10.0.0.1:1"));
        assert_eq!(order(&list, 1)[1], a("[::1]:1"));
    }

    #[test]
    fn staggered_starts_and_failure_starts_the_next_at_once() {
        let t0 = Instant::now();
        let list = [a("10.0.0.1:1"), a("10.0.0.2:1"), a("10.0.0.3:1")];
        let mut r = Race::new(&list, 0, t0, Duration::from_secs(10));
        assert_eq!(r.start_due(t0), Some(a("10.0.0.1:1")));
        assert_eq!(r.start_due(t0), None);
        assert_eq!(r.next_wakeup(), t0 + STAGGER);
        assert_eq!(r.start_due(t0 + Duration::from_millis(249)), None);
        let t1 = t0 + STAGGER;
        assert_eq!(r.start_due(t1), Some(a("10.0.0.2:1")));
        assert_eq!(r.running(), 2);
        // The second is refused 10 ms later: the third starts at once.
        let t2 = t1 + Duration::from_millis(10);
        r.failed(a("10.0.0.2:1"), t2, "refused");
        assert_eq!(r.start_due(t2), Some(a("10.0.0.3:1")));
        assert_eq!(r.start_due(t2 + STAGGER), None);
        r.won(a("10.0.0.3:1"));
        assert!(!r.lost(t2));
        assert!(r.summary().contains("10.0.0.2:1: refused"));
    }

    #[test]
    fn per_address_timeouts_inside_the_budget() {
        let t0 = Instant::now();
        let budget = Duration::from_secs(10);
        assert_eq!(per_address_timeout(budget, 2), Duration::from_secs(5));
        assert_eq!(per_address_timeout(budget, 20), Duration::from_secs(2));
        assert_eq!(
            per_address_timeout(Duration::from_secs(1), 3),
            Duration::from_secs(1)
        );
        let list = [a("10.0.0.1:1"), a("10.0.0.2:1")];
        let mut r = Race::new(&list, 0, t0, budget);
        r.start_due(t0);
        r.start_due(t0 + STAGGER);
        assert_eq!(r.next_wakeup(), t0 + Duration::from_secs(5));
        assert_eq!(r.expired(t0 + Duration::from_secs(5)), [a("10.0.0.1:1")]);
        assert!(!r.lost(t0 + Duration::from_secs(5)));
        assert_eq!(r.expired(t0 + Duration::from_secs(10)), [a("10.0.0.2:1")]);
        assert!(r.lost(t0 + Duration::from_secs(10)));
        assert!(r.timed_out(t0 + Duration::from_secs(10)));
        assert!(r.summary().contains("no answer"));
    }

    #[test]
    fn all_failing_loses_before_the_budget() {
        let t0 = Instant::now();
        let mut r = Race::new(&[a("10.0.0.1:1")], 0, t0, Duration::from_secs(10));
        let x = r.start_due(t0).unwrap();
        r.failed(x, t0, "refused");
        assert!(r.lost(t0));
        assert!(!r.timed_out(t0));
        let r = Race::new(&[], 0, t0, Duration::from_secs(10));
        assert!(r.lost(t0));
    }
}
