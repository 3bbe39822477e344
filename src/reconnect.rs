//! Reconnect policy: attempt numbering, backoff delays ([`Backoff`]), reset
//! after a connection stayed healthy, a maximum number of failed attempts,
//! give up. Pure: the caller owns the clock and the sockets, and tells the
//! policy what happened.

use std::time::Duration;

use crate::backoff::Backoff;
use crate::config::Config;

/// What to do after a connection or an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Try again after `delay`; the next attempt has number `attempt`.
    Retry { attempt: u32, delay: Duration },
    /// `failures` consecutive attempts failed, the maximum: stop trying.
    GiveUp { failures: u32 },
    /// A stop was requested or reconnecting is off: end without an error.
    Stop,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub(crate) struct Reconnect {
    backoff: Backoff,
    enabled: bool,
    /// 0 = no limit.
    max_attempts: u32,
    reset_after: Duration,
    /// Attempts begun since the last healthy connection.
    attempt: u32,
}

impl Reconnect {
    /// The policy a configuration sets; `seed` spreads the jitter.
    pub fn new(cfg: &Config, seed: u64) -> Reconnect {
        Reconnect {
            backoff: Backoff::new(
                cfg.backoff_initial,
                cfg.backoff_max,
                cfg.backoff_factor,
                cfg.backoff_jitter,
                seed,
            ),
            enabled: cfg.reconnect,
            max_attempts: cfg.max_reconnect_attempts,
            reset_after: cfg.backoff_reset_after,
            attempt: 0,
        }
    }

    /// An attempt begins: returns its number (1 for the first since start
    /// or since the last healthy connection).
    pub fn begin_attempt(&mut self) -> u32 {
        self.attempt += 1;
        self.attempt
    }

    /// `reconnect()` was called: the numbering and the backoff start afresh
    /// (the next attempt is number 1).
    pub fn restart(&mut self) {
        self.backoff.reset();
        self.attempt = 0;
    }

    /// A connection or an attempt ended. `healthy`: how long the connection
    /// was open (`None` when the attempt never opened); at least
    /// `backoff_reset_after` starts the numbering and the backoff afresh.
    /// `stop_requested`: the application asked to stop.
    pub fn after_end(&mut self, healthy: Option<Duration>, stop_requested: bool) -> Decision {
        if healthy.is_some_and(|h| h >= self.reset_after) {
            self.backoff.reset();
            self.attempt = 0;
        }
        if stop_requested || !self.enabled {
            return Decision::Stop;
        }
        let failures = self.backoff.failures();
        if self.max_attempts > 0 && failures >= self.max_attempts {
            return Decision::GiveUp { failures };
        }
        Decision::Retry {
            attempt: self.attempt + 1,
            delay: self.backoff.next_delay(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn cfg(max_attempts: u32) -> Config {
        Config {
            reconnect: true,
            max_reconnect_attempts: max_attempts,
            backoff_initial: ms(100),
            backoff_max: ms(1000),
            backoff_factor: 2.0,
            backoff_jitter: 0.0,
            backoff_reset_after: Duration::from_secs(5),
            ..Config::default()
        }
    }

    fn retry(attempt: u32, delay_ms: u64) -> Decision {
        Decision::Retry {
            attempt,
            delay: ms(delay_ms),
        }
    }

    #[test]
    fn numbers_attempts_and_backs_off_until_max_then_gives_up() {
        let mut r = Reconnect::new(&cfg(3), 1);
        assert_eq!(r.begin_attempt(), 1);
        assert_eq!(r.after_end(None, false), retry(2, 100));
        assert_eq!(r.begin_attempt(), 2);
        assert_eq!(r.after_end(None, false), retry(3, 200));
        assert_eq!(r.begin_attempt(), 3);
        assert_eq!(r.after_end(None, false), retry(4, 400));
        assert_eq!(r.begin_attempt(), 4);
        assert_eq!(r.after_end(None, false), Decision::GiveUp { failures: 3 });
    }

    #[test]
    fn a_healthy_connection_resets_numbering_and_backoff_a_short_one_does_not() {
        let mut r = Reconnect::new(&cfg(0), 1);
        for _ in 0..4 {
            r.begin_attempt();
            r.after_end(None, false);
        }
        assert_eq!(r.begin_attempt(), 5);
        // Open, but not for long enough: the backoff keeps growing.
        assert_eq!(
            r.after_end(Some(Duration::from_secs(1)), false),
            retry(6, 1000)
        );
        assert_eq!(r.begin_attempt(), 6);
        // Open long enough: start afresh.
        assert_eq!(
            r.after_end(Some(Duration::from_secs(5)), false),
            retry(1, 100)
        );
        assert_eq!(r.begin_attempt(), 1);
    }

    #[test]
    fn no_limit_never_gives_up() {
        let mut r = Reconnect::new(&cfg(0), 1);
        for n in 1..=1000 {
            assert_eq!(r.begin_attempt(), n);
            assert!(matches!(r.after_end(None, false), Decision::Retry { .. }));
        }
    }

    #[test]
    fn stop_or_disabled_ends_without_giving_up() {
        let mut r = Reconnect::new(&cfg(1), 1);
        r.begin_attempt();
        assert_eq!(r.after_end(None, true), Decision::Stop);
        let off = Config {
            reconnect: false,
            ..cfg(1)
        };
        let mut r = Reconnect::new(&off, 1);
        r.begin_attempt();
        assert_eq!(r.after_end(None, false), Decision::Stop);
        // A stop takes no backoff step: after it, the delay is still the first.
        let mut r = Reconnect::new(&cfg(0), 1);
        r.begin_attempt();
        r.after_end(None, true);
        assert_eq!(r.after_end(None, false), retry(2, 100));
    }
}
