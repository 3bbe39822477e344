//! The name lookup before the connect race: resolve overrides and IP
//! literals at once, else the system's resolver on a helper thread; for a
//! proxy that wants an address, the server's name too.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::error::{Error, ErrorKind};
use crate::resolve::{self, ResolveOverride};
use crate::session::race::Racing;
use crate::session::{Phase, Session};

/// A finished lookup: the addresses to connect to (the server's or the
/// proxy's), and the server's own for a proxy that wants an address.
pub(crate) type Resolved = (
    io::Result<Vec<SocketAddr>>,
    Option<io::Result<Vec<SocketAddr>>>,
);

/// A name to look up: an IP literal, an override, or the system's resolver.
fn lookup(overrides: &[ResolveOverride], host: &str, port: u16) -> Option<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Some(vec![SocketAddr::new(ip, port)]);
    }
    resolve::lookup(overrides, host, port)
}

fn system_lookup(
    overrides: &[ResolveOverride],
    host: &str,
    port: u16,
) -> io::Result<Vec<SocketAddr>> {
    match lookup(overrides, host, port) {
        Some(a) => Ok(a),
        None => (host, port).to_socket_addrs().map(|a| a.collect()),
    }
}

impl Session {
    /// The lookup: done, failed, timed out, or still running.
    pub(in crate::session) fn step_resolving(
        &mut self,
        now: Instant,
        rx: Receiver<Resolved>,
        deadline: Instant,
        rotation: usize,
    ) {
        match rx.try_recv() {
            Ok(r) => self.after_lookup(now, r, deadline, rotation),
            Err(TryRecvError::Empty) if now >= deadline => {
                let (host, _) = self.connect_host();
                let msg = format!(
                    "resolving {host} took longer than {:?}",
                    self.cfg.connect_timeout
                );
                let err = match self.proxy {
                    Some(_) => self.proxy_error("resolve", msg),
                    None => Error::new(ErrorKind::ConnectTimeout, msg),
                };
                self.fail(now, err)
            }
            Err(TryRecvError::Empty) => {
                self.phase = Phase::Resolving {
                    rx,
                    deadline,
                    rotation,
                }
            }
            Err(TryRecvError::Disconnected) => {
                self.fail(now, Error::new(ErrorKind::Dns, "the resolver thread died"))
            }
        }
    }

    /// Where the TCP connection goes: the proxy, or the server.
    fn connect_host(&self) -> (String, u16) {
        match &self.proxy {
            Some(r) => (r.chosen.proxy.host.clone(), r.chosen.proxy.port),
            None => (self.req.endpoint().host.clone(), self.req.endpoint().port),
        }
    }

    /// The race starts once the names are known.
    fn after_lookup(&mut self, now: Instant, r: Resolved, deadline: Instant, rotation: usize) {
        let (host, _) = self.connect_host();
        let addrs = match r.0 {
            Ok(a) if !a.is_empty() => a,
            Ok(_) => return self.fail_lookup(now, &host, "no address".to_string()),
            Err(e) => return self.fail_lookup(now, &host, e.to_string()),
        };
        let target = match r.1 {
            None => None,
            Some(Ok(t)) if !t.is_empty() => {
                // SOCKS4 reaches IPv4 only.
                let v4 = t.iter().find(|a| a.is_ipv4());
                Some(v4.unwrap_or(&t[0]).ip())
            }
            Some(res) => {
                let ep = self.req.endpoint();
                let why = match res {
                    Err(e) => e.to_string(),
                    Ok(_) => "no address".into(),
                };
                let msg = format!(
                    "cannot resolve {} for the proxy, which wants an address ({why}; socks5h:// or socks4a:// let the proxy resolve it)",
                    ep.host
                );
                return self.fail(now, Error::new(ErrorKind::Dns, msg));
            }
        };
        let budget = deadline
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        match Racing::start(&addrs, rotation, now, budget) {
            Ok(race) => {
                self.generation += 1;
                self.step_connecting(now, race, target);
            }
            Err(e) => self.fail(
                now,
                Error::new(ErrorKind::Io, format!("cannot create an epoll set: {e}")),
            ),
        }
    }

    fn fail_lookup(&mut self, now: Instant, host: &str, why: String) {
        let err = match self.proxy {
            Some(_) => self.proxy_error("resolve", format!("cannot resolve {host}: {why}")),
            None => Error::new(ErrorKind::Dns, format!("cannot resolve {host}: {why}")),
        };
        self.fail(now, err)
    }

    /// Resolves the request's host (or connects at once to an IP literal).
    pub(super) fn resolve(&mut self, now: Instant) {
        if let Err(e) = self.choose_proxy() {
            return self.fail(now, e);
        }
        if let Some(r) = &self.proxy {
            self.log.info(format_args!(
                "connecting to {} through proxy {} (from {})",
                self.req.endpoint().url(),
                r.chosen.proxy,
                r.chosen.source
            ));
        }
        let deadline = now + self.cfg.connect_timeout;
        let rotation = self.req.attempt().saturating_sub(1) as usize;
        let (host, port) = self.connect_host();
        let ep = self.req.endpoint();
        // A proxy that wants an address (socks5://, socks4://) needs the server's too.
        let target = match &self.proxy {
            Some(r) if r.chosen.proxy.scheme.resolves_locally() && ep.ip.is_none() => {
                Some((ep.host.clone(), ep.port))
            }
            _ => None,
        };
        let overrides = self.cfg.resolve.clone();
        let quick = lookup(&overrides, &host, port);
        let quick_target = target.as_ref().map(|(h, p)| lookup(&overrides, h, *p));
        match (quick, quick_target) {
            (Some(a), None) => return self.after_lookup(now, (Ok(a), None), deadline, rotation),
            (Some(a), Some(Some(t))) => {
                return self.after_lookup(now, (Ok(a), Some(Ok(t))), deadline, rotation)
            }
            _ => {}
        }
        // getaddrinfo blocks: run it on a helper thread so that stop and
        // timeouts stay prompt; the helper wakes us when done.
        let (tx, rx) = crossbeam_channel::bounded(1);
        let sh = self.sh.clone();
        let spawned = std::thread::Builder::new()
            .name("mywsclient-dns".into())
            .spawn(move || {
                let a = system_lookup(&overrides, &host, port);
                let t = target.map(|(h, p)| system_lookup(&overrides, &h, p));
                let _ = tx.send((a, t));
                sh.wake();
            });
        match spawned {
            Ok(_) => {
                self.phase = Phase::Resolving {
                    rx,
                    deadline,
                    rotation,
                }
            }
            Err(e) => self.fail(
                now,
                Error::new(
                    ErrorKind::Dns,
                    format!("cannot start the resolver thread: {e}"),
                ),
            ),
        }
    }
}
