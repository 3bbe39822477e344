//! The phases up to an open connection: backoff wait, DNS lookup on a helper
//! thread, non-blocking TCP connect, TLS and the HTTP upgrade.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use super::conn::Conn;
use super::{Phase, Session};
use crate::deflate::negotiate::Agreed;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, State};
use crate::handshake;
use crate::heartbeat::Heartbeat;
use crate::redirect::{self, Next, CREDENTIAL_HEADERS};
use crate::request::HttpResponse;
use crate::sys;
use crate::tls;
use crate::transport::Transport;
use crate::wire::Wire;

impl Session {
    /// The DNS lookup: done, failed, timed out, or still running.
    pub(super) fn step_resolving(
        &mut self,
        now: Instant,
        rx: Receiver<io::Result<Vec<SocketAddr>>>,
        deadline: Instant,
    ) {
        match rx.try_recv() {
            Ok(Ok(addrs)) => self.connect_to(addrs, deadline),
            Ok(Err(e)) => self.fail(
                now,
                Error::new(
                    ErrorKind::Dns,
                    format!("cannot resolve {}: {e}", self.req.endpoint().host),
                ),
            ),
            Err(TryRecvError::Empty) if now >= deadline => self.fail(
                now,
                Error::new(
                    ErrorKind::ConnectTimeout,
                    format!(
                        "resolving {} took longer than {:?}",
                        self.req.endpoint().host,
                        self.cfg.connect_timeout
                    ),
                ),
            ),
            Err(TryRecvError::Empty) => self.phase = Phase::Resolving { rx, deadline },
            Err(TryRecvError::Disconnected) => {
                self.fail(now, Error::new(ErrorKind::Dns, "the resolver thread died"))
            }
        }
    }

    /// The TCP connect: done, failed (try the next address), timed out, or
    /// still in progress.
    pub(super) fn step_connecting(
        &mut self,
        now: Instant,
        ready: sys::Ready,
        sock: TcpStream,
        addr: SocketAddr,
        rest: Vec<SocketAddr>,
        deadline: Instant,
    ) {
        if ready.writable || ready.error {
            match sys::take_connect_error(&sock) {
                Ok(()) => self.connected(now, sock),
                Err(e) if !rest.is_empty() => {
                    self.log.debug(format_args!(
                        "connect to {addr}: {e}; trying the next address"
                    ));
                    self.connect_to(rest, deadline);
                }
                Err(e) => self.fail(
                    now,
                    Error::new(ErrorKind::Connect, format!("connect to {addr}: {e}")),
                ),
            }
        } else if now >= deadline {
            self.fail(
                now,
                Error::new(
                    ErrorKind::ConnectTimeout,
                    format!(
                        "connect to {addr} took longer than {:?}",
                        self.cfg.connect_timeout
                    ),
                ),
            );
        } else {
            self.phase = Phase::Connecting {
                sock,
                addr,
                rest,
                deadline,
            };
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
        let ep = self.req.endpoint().clone();
        let deadline = now + self.cfg.connect_timeout;
        if let Some(ip) = ep.ip {
            self.connect_to(vec![SocketAddr::new(ip, ep.port)], deadline);
            return;
        }
        // getaddrinfo blocks: run it on a helper thread so that stop and
        // timeouts stay prompt; the helper wakes us when done.
        let (tx, rx) = crossbeam_channel::bounded(1);
        let host = ep.host.clone();
        let port = ep.port;
        let sh = self.sh.clone();
        let spawned = std::thread::Builder::new()
            .name("mywsclient-dns".into())
            .spawn(move || {
                let r = (host.as_str(), port)
                    .to_socket_addrs()
                    .map(|a| a.collect::<Vec<_>>());
                let _ = tx.send(r);
                sh.wake();
            });
        match spawned {
            Ok(_) => self.phase = Phase::Resolving { rx, deadline },
            Err(e) => self.fail(
                now,
                Error::new(
                    ErrorKind::Dns,
                    format!("cannot start the resolver thread: {e}"),
                ),
            ),
        }
    }

    pub(super) fn connect_to(&mut self, mut addrs: Vec<SocketAddr>, deadline: Instant) {
        // Prefer IPv4 loopback/any order as given by the resolver.
        let mut last_err = None;
        while !addrs.is_empty() {
            let addr = addrs.remove(0);
            match sys::connect_nonblocking(&addr) {
                Ok(sock) => {
                    self.generation += 1;
                    self.phase = Phase::Connecting {
                        sock,
                        addr,
                        rest: addrs,
                        deadline,
                    };
                    return;
                }
                Err(e) => last_err = Some(format!("connect to {addr}: {e}")),
            }
        }
        let msg = last_err
            .unwrap_or_else(|| format!("{} resolved to no address", self.req.endpoint().host));
        self.fail(Instant::now(), Error::new(ErrorKind::Connect, msg));
    }

    pub(super) fn connected(&mut self, now: Instant, sock: TcpStream) {
        let keepalive = self.cfg.heartbeat_interval.max(Duration::from_secs(5));
        let user_timeout =
            (self.cfg.heartbeat_interval + self.cfg.heartbeat_timeout).max(Duration::from_secs(10));
        if let Err(e) = sys::tune_socket(&sock, keepalive, user_timeout) {
            self.log.debug(format_args!("socket options: {e}"));
        }
        let ep = self.req.endpoint().clone();
        let tls = if ep.secure {
            match self.tls_config() {
                Ok(c) => Some(c),
                Err(e) => return self.fail(now, e),
            }
        } else {
            None
        };
        let t = match tls {
            None => Transport::Plain(sock),
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
                match rustls::ClientConnection::new(cfg.clone(), name) {
                    Ok(c) => Transport::Tls {
                        tls: Box::new(c),
                        sock,
                        error: None,
                    },
                    Err(e) => return self.fail(now, tls::map_tls_error(&ep.host, &e)),
                }
            }
        };
        let mut conn = Conn::new(t);
        let offer = self.cfg.compression.offer();
        let req = handshake::build_request(&self.req, offer.as_ref());
        conn.out.buf.extend_from_slice(&req.bytes);
        conn.out.appended += req.bytes.len() as u64;
        let deadline = now + self.cfg.handshake_timeout;
        self.step_handshake(now, conn, req.key, Vec::new(), deadline);
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
