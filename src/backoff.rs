//! Reconnect delays: exponential backoff with jitter. Pure; the caller owns
//! the clock.

use std::time::Duration;

/// Backoff policy and the count of consecutive failures.
#[derive(Clone, Debug)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    factor: f64,
    jitter: f64,
    failures: u32,
    rng: u64,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration, factor: f64, jitter: f64, seed: u64) -> Backoff {
        // splitmix64 spreads nearby seeds; xorshift needs a non-zero state.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Backoff {
            initial,
            max,
            factor,
            jitter,
            failures: 0,
            rng: (z ^ (z >> 31)) | 1,
        }
    }

    /// Consecutive failed attempts so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a failure and returns the delay before the next attempt:
    /// `min(max, initial * factor^(failures-1))`, scaled by a random factor in
    /// `[1 - jitter, 1]`.
    pub fn next_delay(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let exp = self.factor.powi((self.failures - 1).min(64) as i32);
        let base = (self.initial.as_secs_f64() * exp).min(self.max.as_secs_f64());
        let r = self.next_unit();
        Duration::from_secs_f64(base * (1.0 - self.jitter * r))
    }

    /// A connection stayed healthy: start again from the initial delay.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// xorshift64*: a uniform number in [0, 1).
    fn next_unit(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn grows_exponentially_and_caps_without_jitter() {
        let mut b = Backoff::new(ms(100), ms(5000), 2.0, 0.0, 7);
        let got: Vec<u128> = (0..9).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(got, vec![100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        assert_eq!(b.failures(), 9);
        b.reset();
        assert_eq!(b.next_delay(), ms(100));
    }

    #[test]
    fn jitter_stays_in_range_and_varies() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..200u64 {
            let mut b = Backoff::new(ms(1000), ms(5000), 2.0, 0.5, seed);
            let d = b.next_delay();
            assert!(d >= ms(500) && d <= ms(1000), "{d:?}");
            seen.insert(d.as_micros());
        }
        assert!(
            seen.len() > 100,
            "jitter should spread delays, got {} distinct",
            seen.len()
        );
    }

    #[test]
    fn survives_many_failures() {
        let mut b = Backoff::new(ms(100), ms(5000), 2.0, 0.5, 1);
        for _ in 0..10_000 {
            assert!(b.next_delay() <= ms(5000));
        }
    }
}
