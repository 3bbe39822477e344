//! Half-open detection: ping when the server has been silent for the
//! interval, declare the connection dead when it stays silent for the timeout
//! after the ping. Pure; the caller passes the time.

use std::time::{Duration, Instant};

/// What the session must do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Nothing,
    SendPing,
    Dead,
}

#[derive(Clone, Debug)]
pub struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    last_rx: Instant,
    ping_sent: Option<Instant>,
}

impl Heartbeat {
    /// `interval == 0` disables the heartbeat.
    pub fn new(interval: Duration, timeout: Duration, now: Instant) -> Heartbeat {
        Heartbeat {
            interval,
            timeout,
            last_rx: now,
            ping_sent: None,
        }
    }

    fn enabled(&self) -> bool {
        !self.interval.is_zero()
    }

    /// Something (any bytes) arrived from the server.
    pub fn on_receive(&mut self, now: Instant) {
        self.last_rx = now;
        self.ping_sent = None;
    }

    /// Decides what to do at `now`.
    pub fn poll(&mut self, now: Instant) -> Action {
        if !self.enabled() {
            return Action::Nothing;
        }
        match self.ping_sent {
            Some(sent) if now >= sent + self.timeout => Action::Dead,
            Some(_) => Action::Nothing,
            None if now >= self.last_rx + self.interval => {
                self.ping_sent = Some(now);
                Action::SendPing
            }
            None => Action::Nothing,
        }
    }

    /// The ping went unanswered for the timeout: `poll` says `Dead` unless
    /// something arrives first. The session reads the socket before asking,
    /// even without a readiness event: a shared I/O thread that fell behind
    /// (thousands of TLS handshakes in one batch) may not have seen the
    /// pong's readiness yet when the timer comes due.
    pub fn expired(&self, now: Instant) -> bool {
        self.enabled()
            && self
                .ping_sent
                .is_some_and(|sent| now >= sent + self.timeout)
    }

    /// When `poll` must next be called.
    pub fn deadline(&self) -> Option<Instant> {
        if !self.enabled() {
            return None;
        }
        Some(match self.ping_sent {
            Some(sent) => sent + self.timeout,
            None => self.last_rx + self.interval,
        })
    }

    /// Time since the server last sent anything.
    pub fn silent_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.last_rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn pings_after_silence_then_declares_dead() {
        let t0 = Instant::now();
        let mut h = Heartbeat::new(3 * S, 3 * S, t0);
        assert_eq!(h.deadline(), Some(t0 + 3 * S));
        assert_eq!(h.poll(t0 + 2 * S), Action::Nothing);
        assert_eq!(h.poll(t0 + 3 * S), Action::SendPing);
        assert_eq!(h.deadline(), Some(t0 + 6 * S));
        assert_eq!(h.poll(t0 + 5 * S), Action::Nothing);
        assert!(!h.expired(t0 + 5 * S));
        assert!(h.expired(t0 + 6 * S));
        assert_eq!(h.poll(t0 + 6 * S), Action::Dead);
    }

    #[test]
    fn a_late_pong_read_before_the_verdict_keeps_the_connection() {
        let t0 = Instant::now();
        let mut h = Heartbeat::new(3 * S, 3 * S, t0);
        assert_eq!(h.poll(t0 + 3 * S), Action::SendPing);
        // The timer comes due late; the pong has been waiting in the socket.
        assert!(h.expired(t0 + 9 * S));
        h.on_receive(t0 + 9 * S);
        assert!(!h.expired(t0 + 9 * S));
        assert_eq!(h.poll(t0 + 9 * S), Action::Nothing);
    }

    #[test]
    fn traffic_defers_the_ping_and_answers_it() {
        let t0 = Instant::now();
        let mut h = Heartbeat::new(3 * S, 3 * S, t0);
        h.on_receive(t0 + 2 * S);
        assert_eq!(h.poll(t0 + 4 * S), Action::Nothing);
        assert_eq!(h.poll(t0 + 5 * S), Action::SendPing);
        h.on_receive(t0 + 5 * S + S / 2); // the pong
        assert_eq!(h.poll(t0 + 8 * S), Action::Nothing);
        assert_eq!(h.deadline(), Some(t0 + 8 * S + S / 2));
    }

    #[test]
    fn disabled_never_acts() {
        let t0 = Instant::now();
        let mut h = Heartbeat::new(Duration::ZERO, 3 * S, t0);
        assert_eq!(h.poll(t0 + 1000 * S), Action::Nothing);
        assert_eq!(h.deadline(), None);
    }
}
