//! The sockets of a Happy Eyeballs race ([`crate::eyeballs`] decides what
//! and when; this holds the connecting sockets).
//!
//! A driver polls one fd per client. While one address is tried that fd is
//! its socket; when the race has several addresses it is an epoll set of
//! the racing sockets (an epoll fd is itself pollable: readable when one of
//! its sockets is ready), so neither driver — `poll(2)` per thread, shared
//! epoll — needs to know about races, and a client costs one extra fd
//! only while it is connecting to a multi-address host. Each turn checks
//! every racing socket without blocking.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use crate::eyeballs::Race;
use crate::sys;

/// What a turn of the race came to.
pub(crate) enum RaceStep {
    /// Still connecting.
    Pending,
    /// This socket connected first; the others are closed.
    Won(TcpStream, SocketAddr),
    /// Every address failed, or the budget ran out (`timed_out`); the
    /// message lists what happened to each address.
    Lost { message: String, timed_out: bool },
}

/// A connect race in progress.
pub(crate) struct Racing {
    race: Race,
    socks: Vec<(SocketAddr, TcpStream)>,
    set: Option<sys::Epoll>,
    budget: Duration,
}

impl Racing {
    /// Starts racing `addrs` (the resolver's order) within `budget`;
    /// `rotation` (the attempt number) rotates the first address.
    pub(crate) fn start(
        addrs: &[SocketAddr],
        rotation: usize,
        now: Instant,
        budget: Duration,
    ) -> io::Result<Racing> {
        let race = Race::new(addrs, rotation, now, budget);
        let set = if race.addresses().len() > 1 {
            Some(sys::Epoll::new()?)
        } else {
            None
        };
        let mut r = Racing {
            race,
            socks: Vec::new(),
            set,
            budget,
        };
        r.start_due(now);
        Ok(r)
    }

    /// The fd to poll and whether for writing: the epoll set, or the one socket.
    pub(crate) fn fd(&self) -> Option<(RawFd, bool)> {
        match (&self.set, self.socks.first()) {
            (Some(set), _) => Some((set.fd(), false)),
            (None, Some((_, s))) => Some((s.as_raw_fd(), true)),
            (None, None) => None,
        }
    }

    /// When to look again without readiness.
    pub(crate) fn deadline(&self) -> Instant {
        self.race.next_wakeup()
    }

    /// Addresses in the order they are tried.
    pub(crate) fn addresses(&self) -> &[SocketAddr] {
        self.race.addresses()
    }

    fn start_due(&mut self, now: Instant) {
        while let Some(addr) = self.race.start_due(now) {
            match sys::connect_nonblocking(&addr) {
                Ok(sock) => {
                    let added = match &self.set {
                        Some(set) => set.add(sock.as_raw_fd(), true, self.socks.len() as u64),
                        None => Ok(()),
                    };
                    match added {
                        Ok(()) => self.socks.push((addr, sock)),
                        Err(e) => self.race.failed(addr, now, format!("epoll: {e}")),
                    }
                }
                Err(e) => self.race.failed(addr, now, e.to_string()),
            }
        }
    }

    /// One turn: collect finished connects, drop expired attempts, start
    /// what is due.
    pub(crate) fn step(&mut self, now: Instant) -> RaceStep {
        let mut i = 0;
        while i < self.socks.len() {
            let (addr, sock) = &self.socks[i];
            let addr = *addr;
            let ready = sys::poll2(-1, Some((sock.as_raw_fd(), true)), Some(Duration::ZERO))
                .map(|(_, r)| r.writable || r.error)
                .unwrap_or(false);
            if !ready {
                i += 1;
                continue;
            }
            match sys::take_connect_error(sock) {
                Ok(()) => {
                    let (addr, sock) = self.socks.swap_remove(i);
                    self.race.won(addr);
                    // The others are closed by dropping them (and leave the set).
                    self.socks.clear();
                    return RaceStep::Won(sock, addr);
                }
                Err(e) => {
                    self.socks.swap_remove(i);
                    self.race.failed(addr, now, e.to_string());
                }
            }
        }
        for addr in self.race.expired(now) {
            self.socks.retain(|(a, _)| *a != addr);
        }
        self.start_due(now);
        if self.race.lost(now) {
            self.socks.clear();
            let timed_out = self.race.timed_out(now);
            let mut message = self.race.summary();
            if timed_out {
                message = if message.is_empty() {
                    format!("took longer than {:?}", self.budget)
                } else {
                    format!("took longer than {:?} ({message})", self.budget)
                };
            }
            return RaceStep::Lost { message, timed_out };
        }
        RaceStep::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn run(r: &mut Racing, limit: Duration) -> RaceStep {
        let end = Instant::now() + limit;
        loop {
            let now = Instant::now();
            match r.step(now) {
                RaceStep::Pending => {}
                other => return other,
            }
            assert!(now < end, "race undecided after {limit:?}");
            let wait = r.deadline().saturating_duration_since(Instant::now());
            let _ = sys::poll2(-1, r.fd(), Some(wait.min(Duration::from_millis(50))));
        }
    }

    #[test]
    fn a_refused_first_address_falls_through_at_once() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let live = l.local_addr().unwrap();
        let dead = {
            let d = TcpListener::bind("127.0.0.1:0").unwrap();
            d.local_addr().unwrap()
        };
        let t = Instant::now();
        let mut r = Racing::start(&[dead, live], 0, t, Duration::from_secs(10)).unwrap();
        assert!(r.fd().is_some());
        match run(&mut r, Duration::from_secs(5)) {
            RaceStep::Won(_, a) => assert_eq!(a, live),
            _ => panic!("did not connect"),
        }
    }

    #[test]
    fn every_address_refused_loses_with_each_reason() {
        let dead: Vec<SocketAddr> = (0..2)
            .map(|_| {
                let d = TcpListener::bind("127.0.0.1:0").unwrap();
                d.local_addr().unwrap()
            })
            .collect();
        let mut r = Racing::start(&dead, 1, Instant::now(), Duration::from_secs(10)).unwrap();
        match run(&mut r, Duration::from_secs(5)) {
            RaceStep::Lost { message, timed_out } => {
                assert!(!timed_out);
                for d in &dead {
                    assert!(message.contains(&d.to_string()), "{message}");
                }
            }
            _ => panic!("expected to lose"),
        }
    }
}
