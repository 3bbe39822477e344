//! One client's state machine, driven by socket readiness, timers and
//! commands (send, stop), independent of the thread that drives it (see
//! `driver`): this file holds the session, its phases, command intake,
//! events and the reconnect decision; `connect` the phases up to the open
//! connection, `open` the open and closing phases, `conn` the connection's
//! buffers, `errors` the mapping of failures to errors and close codes.

mod conn;
mod connect;
mod direct;
mod ending;
mod errors;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod fuzz;
mod open;
mod race;
mod tunnel;

use std::net::IpAddr;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use rustls::ClientConfig;

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::event::{CloseInitiator, Event, State};
use crate::flow::Crossing;
use crate::heartbeat::Heartbeat;
use crate::log::Logger;
use crate::receipts::{DiscardReason, Outcome};
use crate::reconnect::Reconnect;
use crate::request::{HttpResponse, Request};
use crate::rtt::Pings;
use crate::shared::Shared;
use crate::sys;
use crate::wire::Wire;

use conn::Conn;

/// Frames are moved into the output buffer until it holds this much; more
/// waits in the queue (so a server that stops reading cannot grow memory
/// past the queue limit).
const OUT_HIGH_WATER: usize = 256 * 1024;
/// Messages read in one pass before the loop looks at timers and sends.
const READ_BATCH: usize = 1024;

/// What a session waits for: its socket (fd, also for writing?), its next
/// timer, or nothing at all (`immediate`). `generation` changes with every
/// new socket, so a driver can tell a reused fd number from the old one.
pub(crate) struct Wait {
    pub fd: Option<(RawFd, bool)>,
    pub deadline: Option<Instant>,
    pub immediate: bool,
    pub generation: u64,
}

/// Where the session is; each phase owns what it needs (socket, buffers,
/// deadlines), and a step consumes the old phase into the new one.
enum Phase {
    /// Waiting for the backoff delay.
    Waiting { until: Instant },
    /// DNS lookup on a helper thread (the server's or the proxy's name,
    /// and the server's for a proxy that wants an address).
    Resolving {
        rx: Receiver<connect::Resolved>,
        deadline: Instant,
        rotation: usize,
    },
    /// TCP connects racing (Happy Eyeballs), to the server or the proxy;
    /// `target`: the server's address for a proxy that wants one.
    Connecting {
        race: race::Racing,
        target: Option<IpAddr>,
    },
    /// The proxy's tunnel handshake (HTTP CONNECT, SOCKS).
    Tunneling {
        link: tunnel::Link,
        tunnel: Box<crate::proxy::Tunnel>,
        deadline: Instant,
    },
    /// TLS and HTTP upgrade in progress.
    Handshaking {
        conn: Conn,
        key: String,
        buf: Vec<u8>,
        deadline: Instant,
    },
    /// Connected.
    Open {
        conn: Conn,
        ws: Box<Wire>,
        hb: Heartbeat,
        opened: Instant,
    },
    /// Connected, the connection parked in the direct slot while the
    /// driver sleeps (see `direct`); every turn starts by taking it back.
    Parked { hb: Heartbeat, opened: Instant },
    /// A close frame went out or came in; waiting for the end of the stream.
    Closing {
        conn: Conn,
        ws: Box<Wire>,
        close: Closing,
    },
    /// The session has ended (its driver calls `finish`).
    Done,
}

/// How a closing connection got there.
#[derive(Clone, Copy)]
struct Closing {
    deadline: Instant,
    /// How long the connection was open before the close began.
    healthy: Duration,
    /// The server sent its close frame first (and we replied).
    by_peer: bool,
    /// `reconnect()` began this close: connect again at once when it ends.
    reconnect_now: bool,
}

/// One client's connection life, turned by a driver: `new`, `begin`, then
/// `prepare` (what to wait for) and `turn` (advance) until `done`, then
/// `finish`.
pub(crate) struct Session {
    sh: Arc<Shared>,
    cfg: Config,
    log: Logger,
    tls: Option<Arc<ClientConfig>>,
    reconnect: Reconnect,
    phase: Phase,
    /// Data may be buffered inside tungstenite or rustls: read again without waiting.
    read_more: bool,
    stopping: bool,
    tls_warned: bool,
    /// Counts sockets created (see [`Wait::generation`]).
    generation: u64,
    /// The proxy of this run (chosen at `begin`), if any.
    proxy: Option<tunnel::Route>,
    // ----- control frames and receipts (0.2) -----
    /// Pings of the open connection awaiting their pong.
    pings: Pings,
    /// The close code and reason this client closes with (1000, "" unless
    /// the application chose them).
    closing_with: (u16, String),
    /// After the close in progress, connect again at once.
    reconnect_at_once: bool,
    /// Discard the queue when the session finishes.
    discard: Option<DiscardReason>,
    /// The current attempt's request (URL, headers, subprotocols), after
    /// the connect hook and the redirects followed.
    req: Request,
    /// The URLs this attempt requested so far (redirects followed).
    chain: Vec<String>,
    /// Where the open connection is parked for sends from the caller's
    /// thread (registered with `sh` while the session runs).
    direct: Arc<direct::Slot>,
    /// Queued messages this turn wrote (see `last_queued`).
    wrote_queued: u32,
    /// When a turn last wrote several queued messages at once: sends come
    /// in bursts, which the driver writes in batches; it parks the
    /// connection for a direct write only after `BURST_QUIET` without. (A
    /// single queued message is the usual race of a reply's send with the
    /// end of the turn that delivered the request, not a burst.)
    last_queued: Option<Instant>,
}

impl Session {
    pub(crate) fn new(sh: Arc<Shared>) -> Session {
        let cfg = sh.config();
        let log = sh.logger();
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let seed = clock ^ (Arc::as_ptr(&sh) as u64) ^ u64::from(std::process::id());
        let reconnect = Reconnect::new(&cfg, seed);
        let req = sh.next_request(0);
        Session {
            sh,
            cfg,
            log,
            tls: None,
            reconnect,
            phase: Phase::Done,
            read_more: false,
            stopping: false,
            tls_warned: false,
            generation: 0,
            proxy: None,
            pings: Pings::default(),
            closing_with: (1000, String::new()),
            reconnect_at_once: false,
            discard: None,
            req,
            chain: Vec::new(),
            direct: Arc::default(),
            wrote_queued: 0,
            last_queued: None,
        }
    }

    /// Sets up TLS and starts the first attempt (or ends at once when the
    /// TLS configuration cannot be built).
    pub(crate) fn begin(&mut self) {
        self.sh.set_direct_sink(Some(self.direct.clone()));
        if self.sh.endpoint().secure {
            if let Err(e) = self.tls_config() {
                self.error(e);
                self.phase = Phase::Done;
                return;
            }
        }
        if let Err(e) = self.choose_proxy() {
            self.error(e);
            self.phase = Phase::Done;
            return;
        }
        self.begin_attempt(Instant::now());
    }

    /// Ends a session that could not start: reports `err`, then finishes.
    pub(crate) fn abort(&mut self, err: Error) {
        self.error(err);
        self.finish();
    }

    /// The session's logger (from its configuration).
    pub(crate) fn logger(&self) -> &Logger {
        &self.log
    }

    pub(crate) fn done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.sh
    }

    /// What to wait for next. Arms the send wake-up when the session can
    /// take new messages; `immediate` means: step again without waiting.
    pub(crate) fn prepare(&mut self, now: Instant) -> Wait {
        self.unpark();
        let (fd, deadline) = self.interest();
        let accepts_sends = self.accepts_sends();
        let stop_pending = self.sh.stop_requested() && !self.stopping;
        let open = matches!(self.phase, Phase::Open { .. });
        let mut immediate = stop_pending
            || (self.sh.reconnect_requested() && !self.stopping)
            || self.read_more
            || (accepts_sends && self.sh.queue().has_next())
            || deadline.is_some_and(|d| d <= now)
            || self.sh.queue().has_events()
            || (open && self.sh.has_pings())
            || (!self.stopping && self.sh.reconnect_close_requested());
        if !immediate && accepts_sends {
            self.sh.want_wake();
            // A send may have slipped in between the check and the store.
            immediate = self.sh.queue().has_pushed();
            if !immediate {
                self.park(now);
            }
        }
        Wait {
            fd,
            deadline,
            immediate,
            generation: self.generation,
        }
    }

    /// One turn of the state machine: honour a stop request, then advance.
    pub(crate) fn turn(&mut self, now: Instant, ready: sys::Ready) {
        self.sh.awake();
        self.unpark();
        self.wrote_queued = 0;
        if self.sh.stop_requested() && !self.stopping {
            self.begin_stop(now);
        } else if !self.stopping {
            if let Some(req) = self.sh.take_reconnect_close() {
                self.close_and_reconnect(now, req);
            }
        }
        if self.sh.take_reconnect_request() && !self.stopping {
            self.begin_reconnect(now);
            // `ready` was about the old socket: the next turn polls the new one.
            return;
        }
        if !self.done() {
            self.step(now, ready);
        }
        if self.wrote_queued > 1 {
            self.last_queued = Some(now);
        }
        self.emit_queue_events();
    }

    /// Reports the receipts decided (in id order) and a watermark crossing.
    fn emit_queue_events(&self) {
        // One at a time: the handler may send, which takes the queue's locks.
        while let Some((id, outcome)) = self.sh.queue().pop_receipt() {
            self.emit(match outcome {
                Outcome::Written => Event::Written { id },
                Outcome::Discarded(reason) => Event::Discarded { id, reason },
            });
        }
        if let Some(c) = self.sh.queue().crossing() {
            let q = self.sh.queue();
            let (queued_bytes, queued_messages) = (q.queued_bytes(), q.queued_messages());
            self.emit(match c {
                Crossing::High => Event::QueueHigh {
                    queued_bytes,
                    queued_messages,
                },
                Crossing::Drained => Event::QueueDrained {
                    queued_bytes,
                    queued_messages,
                },
            });
        }
    }

    /// The fd to poll (and whether for writing) and the next timer.
    fn interest(&self) -> (Option<(RawFd, bool)>, Option<Instant>) {
        match &self.phase {
            Phase::Waiting { until } => (None, Some(*until)),
            Phase::Resolving { deadline, .. } => (None, Some(*deadline)),
            Phase::Connecting { race, .. } => (race.fd(), Some(race.deadline())),
            Phase::Tunneling {
                link,
                tunnel,
                deadline,
            } => (
                Some((
                    link.fd(),
                    !tunnel.to_send().is_empty() || link.wants_write(),
                )),
                Some(*deadline),
            ),
            Phase::Handshaking { conn, deadline, .. } => {
                (Some((conn.t.fd(), conn.wants_write())), Some(*deadline))
            }
            Phase::Open { conn, hb, .. } => {
                (Some((conn.t.fd(), conn.wants_write())), hb.deadline())
            }
            Phase::Closing { conn, close, .. } => (
                Some((conn.t.fd(), conn.wants_write())),
                Some(close.deadline),
            ),
            // Never seen: `prepare` and `turn` take the connection back first.
            Phase::Parked { hb, .. } => (None, hb.deadline()),
            Phase::Done => (None, None),
        }
    }

    fn accepts_sends(&self) -> bool {
        match &self.phase {
            Phase::Open { conn, .. } => !self.stopping && conn.out.len() < OUT_HIGH_WATER,
            _ => false,
        }
    }

    // ----- events and callbacks -----

    fn emit(&self, ev: Event) {
        if self.sh.call_event_handler(&ev) {
            self.log
                .error(format_args!("the event handler panicked (event {ev:?})"));
        }
    }

    fn deliver(&mut self, data: &[u8], binary: bool) {
        self.sh.count_received(data.len());
        if self.sh.call_message_handler(data, binary) {
            self.error(Error::new(
                ErrorKind::Callback,
                "the message handler panicked",
            ));
        }
    }

    fn error(&self, e: Error) {
        if matches!(e.kind, ErrorKind::TlsVerify) && !self.tls_warned {
            self.log.error(format_args!("{}", e.message));
        } else {
            self.log.warn(format_args!("{}: {}", e.kind, e.message));
        }
        self.sh.set_last_error(format!("{}: {}", e.kind, e.message));
        self.emit(Event::Error {
            kind: e.kind,
            message: e.message,
            response: None,
        });
    }

    /// Reports a refused upgrade with the server's response.
    fn refused_error(&self, e: Error, response: HttpResponse) {
        self.log.warn(format_args!("{}: {}", e.kind, e.message));
        self.sh.set_last_error(format!("{}: {}", e.kind, e.message));
        self.emit(Event::Error {
            kind: e.kind,
            message: e.message,
            response: Some(Box::new(response)),
        });
    }

    fn step(&mut self, now: Instant, ready: sys::Ready) {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Waiting { until } => {
                if now >= until {
                    self.begin_attempt(now);
                } else {
                    self.phase = Phase::Waiting { until };
                }
            }
            Phase::Resolving {
                rx,
                deadline,
                rotation,
            } => self.step_resolving(now, rx, deadline, rotation),
            Phase::Connecting { race, target } => self.step_connecting(now, race, target),
            Phase::Tunneling {
                link,
                tunnel,
                deadline,
            } => self.step_tunnel(now, link, tunnel, deadline),
            Phase::Handshaking {
                conn,
                key,
                buf,
                deadline,
            } => self.step_handshake(now, conn, key, buf, deadline),
            Phase::Open {
                conn,
                ws,
                hb,
                opened,
            } => self.step_open(now, ready, conn, ws, hb, opened),
            Phase::Closing { conn, ws, close } => self.step_closing(now, conn, ws, close),
            // Never seen: `turn` took the connection back first.
            Phase::Parked { hb, opened } => self.phase = Phase::Parked { hb, opened },
            Phase::Done => {}
        }
    }

    /// A connection failed: report, keep its unsent messages, reconnect.
    /// Abortive close: what its kernel holds must not arrive after its successor's.
    fn drop_conn(&mut self, now: Instant, conn: Conn, healthy: Option<Duration>, err: Error) {
        conn.t.discard_unsent_on_close();
        self.requeue(conn);
        self.sh.set_last_close_code(1006);
        let reason = err.message.clone();
        self.error(err);
        self.emit(Event::Closed {
            code: 1006,
            reason,
            initiator: CloseInitiator::Abnormal,
        });
        self.schedule_reconnect(now, healthy);
    }

    /// An attempt failed before a connection opened.
    fn fail(&mut self, now: Instant, err: Error) {
        let verify = err.kind == ErrorKind::TlsVerify;
        self.error(err);
        // The full explanation is logged once; later failures log one line.
        self.tls_warned |= verify;
        self.schedule_reconnect(now, None);
    }

    pub(crate) fn finish(&mut self) {
        // What was not written stays in the queue for the next start,
        // unless the application asked to discard it.
        let discard = self.discard.or(self.cfg.discard_on_stop.then_some(
            if self.stopping || self.sh.stop_requested() {
                DiscardReason::Stopped
            } else {
                DiscardReason::GaveUp
            },
        ));
        if let Some(reason) = discard {
            let n = self.sh.queue().discard_all(reason);
            if n > 0 {
                self.log
                    .info(format_args!("discarded {n} queued message(s) at stop"));
            }
        }
        self.emit_queue_events();
        self.sh.set_state(State::Stopped);
        self.emit(Event::Stopped);
        self.sh.set_direct_sink(None);
        self.sh.set_wake_target(None);
        self.sh.set_io_thread(None);
        self.sh.set_active(false);
    }
}
