//! The phases up to an open connection: backoff wait, name lookup (resolve
//! overrides, else the system's resolver on a helper thread), the TCP
//! connect race (Happy Eyeballs, `race`), the proxy tunnel (`tunnel`), TLS
//! and the HTTP upgrade.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use super::conn::Conn;
use super::race::{RaceStep, Racing};
use super::tunnel::Link;
use super::{Phase, Session};
use crate::deflate::negotiate::Agreed;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, State};
use crate::handshake;
use crate::heartbeat::Heartbeat;
use crate::redirect::{self, Next, CREDENTIAL_HEADERS};
use crate::request::HttpResponse;
use crate::resolve::{self, ResolveOverride};
use crate::sys;
use crate::tls;
use crate::transport::Transport;
use crate::wire::Wire;

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
    pub(super) fn step_resolving(
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

    /// Resolves the request's host (or connects at once to an IP literal).
    fn resolve(&mut self, now: Instant) {
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

    pub(super) fn step_handshake(
        &mut self,
        now: Instant,
        mut conn: Conn,
        key: String,
        mut buf: Vec<u8>,
        deadline: Instant,
    ) {
        if let Err(e) = conn.pump() {
            let err = self.io_error(&conn, "writing the handshake to", e);
            return self.fail(now, err);
        }
        let mut chunk = [0u8; 4096];
        loop {
            let _ = sys::quickack(conn.t.fd());
            match conn.t.read(&mut chunk) {
                Ok(0) => {
                    return self.fail(
                        now,
                        Error::new(
                            ErrorKind::Handshake,
                            format!(
                                "{} closed the connection during the handshake",
                                self.req.endpoint().url()
                            ),
                        ),
                    )
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    let err = self.io_error(&conn, "reading the handshake from", e);
                    return self.fail(now, err);
                }
            }
            match handshake::parse_head(&buf) {
                Ok(None) => continue,
                Ok(Some(head)) if head.response.status != 101 => {
                    return self.refused(now, conn, head.response)
                }
                Ok(Some(head)) => {
                    let offer = self.cfg.compression.offer();
                    let checked = handshake::check_upgrade(
                        head,
                        &key,
                        self.req.subprotocols(),
                        offer.as_ref(),
                    );
                    return match checked {
                        Ok(acc) => {
                            let rest = buf.split_off(acc.consumed);
                            self.opened(now, conn, rest, acc.protocol, acc.deflate, acc.response)
                        }
                        Err(e) => self.fail(now, e),
                    };
                }
                Err(e) => return self.fail(now, e),
            }
        }
        if now >= deadline {
            let msg = format!(
                "the TLS/WebSocket handshake with {} took longer than {:?}",
                self.req.endpoint().url(),
                self.cfg.handshake_timeout
            );
            return self.fail(now, Error::new(ErrorKind::HandshakeTimeout, msg));
        }
        // Flush TLS handshake records produced by the reads.
        if let Err(e) = conn.pump() {
            let err = self.io_error(&conn, "writing the handshake to", e);
            return self.fail(now, err);
        }
        self.phase = Phase::Handshaking {
            conn,
            key,
            buf,
            deadline,
        };
    }

    pub(super) fn opened(
        &mut self,
        now: Instant,
        conn: Conn,
        rest: Vec<u8>,
        protocol: Option<String>,
        deflate: Option<Agreed>,
        response: HttpResponse,
    ) {
        let settings = self.cfg.compression.settings();
        let ws = Box::new(Wire::new(
            &rest,
            self.cfg.max_message_size,
            deflate.map(|a| (a, settings)),
        ));
        self.sh.count_connection();
        // Pings belong to one connection: none carried over.
        self.pings = crate::rtt::Pings::default();
        drop(self.sh.take_pings());
        self.sh.set_state(State::Open);
        self.log.info(format_args!(
            "connected to {}{}{}",
            self.req.endpoint().url(),
            protocol
                .as_ref()
                .map(|p| format!(" (subprotocol {p})"))
                .unwrap_or_default(),
            deflate
                .map(|a| format!(
                    " (permessage-deflate{}{}, client window {} bits)",
                    if a.server_no_context_takeover {
                        "; server_no_context_takeover"
                    } else {
                        ""
                    },
                    if a.client_no_context_takeover {
                        "; client_no_context_takeover"
                    } else {
                        ""
                    },
                    a.client_max_window_bits
                ))
                .unwrap_or_default()
        ));
        self.emit(Event::Open {
            protocol,
            response: Box::new(response),
        });
        self.read_more = true;
        let hb = Heartbeat::new(self.cfg.heartbeat_interval, self.cfg.heartbeat_timeout, now);
        self.step_open(now, sys::Ready::default(), conn, ws, hb, now);
    }

    /// The server answered the upgrade with `response` (not 101): follow a
    /// redirect within this attempt, or fail the attempt (then retry or
    /// stop, by the HTTP error policy).
    fn refused(&mut self, now: Instant, mut conn: Conn, response: HttpResponse) {
        conn.t.shutdown();
        drop(conn);
        let next = redirect::decide(
            &response,
            self.req.endpoint(),
            self.cfg.max_redirects,
            self.cfg.http_error_policy,
            &mut self.chain,
        );
        match next {
            Next::Follow {
                endpoint,
                cross_origin,
            } => {
                self.log.info(format_args!(
                    "{} redirected ({} {}) to {}",
                    self.req.url(),
                    response.status,
                    response.reason,
                    endpoint.url()
                ));
                if cross_origin {
                    for h in CREDENTIAL_HEADERS {
                        self.req.remove_header(h);
                    }
                }
                self.req.set_endpoint(endpoint);
                self.resolve(now);
            }
            Next::Fail { message, stop } => {
                self.refused_error(Error::new(ErrorKind::Handshake, message), response);
                if stop {
                    self.phase = Phase::Done;
                } else {
                    self.schedule_reconnect(now, None);
                }
            }
        }
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
