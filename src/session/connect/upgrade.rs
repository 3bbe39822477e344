//! The HTTP upgrade on the byte path to the server: the handshake's
//! request and reply, the open connection, and a refusal (redirect, or the
//! HTTP error policy).

use std::io;
use std::time::Instant;

use crate::deflate::negotiate::Agreed;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, State};
use crate::handshake;
use crate::heartbeat::Heartbeat;
use crate::redirect::{self, Next, CREDENTIAL_HEADERS};
use crate::request::HttpResponse;
use crate::session::conn::Conn;
use crate::session::{Phase, Session};
use crate::sys;
use crate::wire::Wire;

impl Session {
    pub(in crate::session) fn step_handshake(
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
}
