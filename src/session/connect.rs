//! The phases up to an open connection: backoff wait, name lookup (resolve
//! overrides, else the system's resolver on a helper thread: `lookup`), the
//! TCP connect race (Happy Eyeballs, `race`), the proxy tunnel (`tunnel`),
//! TLS and the HTTP upgrade (`upgrade`). This file holds the start of an
//! attempt, the race's outcome and the TLS layer.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use super::conn::Conn;
use super::race::{RaceStep, Racing};
use super::tunnel::Link;
use super::{Phase, Session};
use crate::error::{Error, ErrorKind};
use crate::event::{Event, State};
use crate::handshake;
use crate::sys;
use crate::tls;
use crate::transport::Transport;

mod lookup;
mod upgrade;

pub(crate) use lookup::Resolved;

impl Session {
    /// The connect race: won (on to the proxy or the handshake), lost, or
    /// still running.
    pub(super) fn step_connecting(
        &mut self,
        now: Instant,
        mut race: Racing,
        target: Option<IpAddr>,
    ) {
        match race.step(now) {
            RaceStep::Pending => self.phase = Phase::Connecting { race, target },
            RaceStep::Won(sock, addr) => {
                self.log.debug(format_args!(
                    "TCP connected to {addr} (of {})",
                    race.addresses().len()
                ));
                self.tune(&sock);
                if self.proxy.is_some() {
                    self.begin_tunnel(now, sock, target);
                } else {
                    self.connected(now, Link::Tcp(sock), Vec::new());
                }
            }
            RaceStep::Lost { message, timed_out } => {
                let err = if self.proxy.is_some() {
                    self.proxy_error("connect", message)
                } else {
                    let kind = if timed_out {
                        ErrorKind::ConnectTimeout
                    } else {
                        ErrorKind::Connect
                    };
                    let ep = self.req.endpoint();
                    Error::new(
                        kind,
                        format!("connect to {}:{}: {message}", ep.host, ep.port),
                    )
                };
                self.fail(now, err);
            }
        }
    }

    // ----- phases -----

    pub(super) fn begin_attempt(&mut self, now: Instant) {
        let attempt = self.reconnect.begin_attempt();
        self.sh.set_state(State::Connecting);
        self.emit(Event::Connecting { attempt });
        // The attempt's request: the client's target, then the hook's changes.
        self.req = self.sh.next_request(attempt);
        if self.sh.call_connect_hook(&mut self.req) {
            self.error(Error::new(
                ErrorKind::Callback,
                "the connect hook panicked; the attempt goes on with the request as it was left",
            ));
        }
        self.chain = vec![self.req.url()];
        self.log.debug(format_args!(
            "connecting to {} (attempt {attempt})",
            self.req.url()
        ));
        self.resolve(now);
    }

    fn tune(&self, sock: &std::net::TcpStream) {
        let keepalive = self.cfg.heartbeat_interval.max(Duration::from_secs(5));
        let user_timeout =
            (self.cfg.heartbeat_interval + self.cfg.heartbeat_timeout).max(Duration::from_secs(10));
        if let Err(e) = sys::tune_socket(sock, keepalive, user_timeout) {
            self.log.debug(format_args!("socket options: {e}"));
        }
    }

    /// The byte path to the server is up (TCP, or a proxy's tunnel with
    /// `early` bytes already read after the proxy's reply): TLS if `wss://`,
    /// then the upgrade request.
    pub(super) fn connected(&mut self, now: Instant, link: Link, early: Vec<u8>) {
        let ep = self.req.endpoint().clone();
        let tls = if ep.secure {
            match self.tls_config() {
                Ok(c) => Some(c),
                Err(e) => return self.fail(now, e),
            }
        } else {
            None
        };
        let mut buf = Vec::new();
        let t = match &tls {
            None => {
                buf = early;
                match link {
                    Link::Tcp(sock) => Transport::Plain(sock),
                    Link::Tls(outer) => Transport::Proxied(outer),
                }
            }
            Some(cfg) => {
                let name = match ep.ip {
                    Some(ip) => ServerName::IpAddress(ip.into()),
                    None => match ServerName::try_from(ep.host.clone()) {
                        Ok(n) => n,
                        Err(e) => {
                            return self.fail(
                                now,
                                Error::new(
                                    ErrorKind::InvalidArgument,
                                    format!("{} is not a valid TLS server name: {e}", ep.host),
                                ),
                            )
                        }
                    },
                };
                let mut c = match rustls::ClientConnection::new(cfg.clone(), name) {
                    Ok(c) => c,
                    Err(e) => return self.fail(now, tls::map_tls_error(&ep.host, &e)),
                };
                if !early.is_empty() {
                    // The server's first TLS bytes came with the proxy's reply.
                    let fed = c.read_tls(&mut early.as_slice());
                    if let Err(e) = fed.map_err(|e| e.to_string()).and_then(|_| {
                        c.process_new_packets()
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }) {
                        let msg = format!("TLS with {} failed: {e}", ep.host);
                        return self.fail(now, Error::new(ErrorKind::Tls, msg));
                    }
                }
                match link {
                    Link::Tcp(sock) => Transport::Tls {
                        tls: Box::new(c),
                        sock,
                        error: None,
                        sent: 0,
                    },
                    Link::Tls(outer) => Transport::Nested {
                        tls: Box::new(c),
                        outer,
                        error: None,
                    },
                }
            }
        };
        let mut conn = Conn::new(t, self.cfg.delivery, self.cfg.max_queue_bytes as u64);
        let offer = self.cfg.compression.offer();
        let req = handshake::build_request(&self.req, offer.as_ref());
        conn.out.buf.extend_from_slice(&req.bytes);
        conn.out.appended += req.bytes.len() as u64;
        let deadline = now + self.cfg.handshake_timeout;
        self.step_handshake(now, conn, req.key, buf, deadline);
    }

    /// The TLS configuration, built on first use (the first `wss://` attempt).
    pub(super) fn tls_config(&mut self) -> Result<Arc<ClientConfig>, Error> {
        if let Some(c) = &self.tls {
            return Ok(c.clone());
        }
        let (c, insecure) = tls::client_config(&self.cfg.tls)?;
        if insecure {
            self.log.warn(format_args!(
                "TLS certificate verification is DISABLED for {} (dangerous; set by {})",
                self.req.url(),
                if self.cfg.tls.dangerous_disable_verification {
                    "the client's option"
                } else {
                    "MYWSCLIENT_TLS_INSECURE=1"
                }
            ));
        }
        self.tls = Some(c.clone());
        Ok(c)
    }
}
