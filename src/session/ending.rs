//! How a session ends or starts over: the reconnect decision after a
//! connection or attempt ended, `reconnect()` and `close(.., reconnect)`
//! (a new attempt at once), and `stop()` (the close handshake, then done).

use std::time::{Duration, Instant};

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;

use super::conn::{io_of, Conn};
use super::{Closing, Phase, Session};
use crate::error::{Error, ErrorKind};
use crate::event::{Event, State};
use crate::receipts::DiscardReason;
use crate::reconnect::Decision;
use crate::shared::CloseRequest;
use crate::wire::Wire;

impl Session {
    /// `Client::close` with `reconnect`: an open connection closes with the
    /// application's code after what is being written, then a new attempt
    /// starts at once; an attempt in progress or a backoff wait is cut short.
    pub(super) fn close_and_reconnect(&mut self, now: Instant, req: CloseRequest) {
        self.reconnect.restart();
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Open {
                conn, ws, opened, ..
            } => {
                self.sh.set_state(State::Closing);
                self.closing_with = (req.code, req.reason);
                self.reconnect_at_once = true;
                self.send_close(now, conn, ws, opened, true);
            }
            Phase::Closing { conn, ws, close } => {
                self.reconnect_at_once = true;
                self.phase = Phase::Closing { conn, ws, close };
            }
            Phase::Handshaking { conn, .. } => {
                self.requeue(conn);
                self.begin_attempt(now);
            }
            Phase::Done => {}
            _ => self.begin_attempt(now),
        }
    }

    /// `healthy`: how long the connection that just ended was open (`None`
    /// when the attempt never opened); long enough resets the backoff.
    pub(super) fn schedule_reconnect(&mut self, now: Instant, healthy: Option<Duration>) {
        match self.reconnect.after_end(healthy, self.sh.stop_requested()) {
            Decision::Stop => self.phase = Phase::Done,
            Decision::GiveUp { failures } => {
                let msg = format!(
                    "gave up on {} after {failures} failed attempts",
                    self.req.endpoint().url(),
                );
                self.error(Error::new(ErrorKind::GaveUp, msg));
                self.phase = Phase::Done;
            }
            Decision::Retry { attempt, delay } => {
                self.sh.set_state(State::Reconnecting);
                self.log.info(format_args!(
                    "reconnecting to {} in {delay:?} (attempt {attempt})",
                    self.req.endpoint().url(),
                ));
                self.emit(Event::ReconnectScheduled { attempt, delay });
                self.phase = Phase::Waiting { until: now + delay };
            }
        }
    }

    /// `reconnect()`: what `Client::close(1000, "", reconnect)` does (the
    /// documented behaviour of both is the same): an open connection closes
    /// with 1000 after what is being written, then a new attempt starts at
    /// once; an attempt in progress or a backoff wait is replaced by a new
    /// attempt now. The backoff starts afresh; the queue waits for the new
    /// connection.
    pub(super) fn begin_reconnect(&mut self, now: Instant) {
        self.log
            .info(format_args!("reconnecting now (reconnect() called)"));
        let req = CloseRequest {
            code: 1000,
            reason: String::new(),
            reconnect: true,
            discard: false,
        };
        self.close_and_reconnect(now, req);
    }

    pub(super) fn begin_stop(&mut self, now: Instant) {
        self.stopping = true;
        self.reconnect_at_once = false;
        if let Some(req) = self.sh.take_close_request() {
            if !req.reconnect {
                if req.discard {
                    self.discard = Some(DiscardReason::Stopped);
                }
                self.closing_with = (req.code, req.reason);
            }
        }
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Open {
                mut conn,
                mut ws,
                opened,
                ..
            } => {
                self.sh.set_state(State::Closing);
                // Let out what is already queued (bounded by the close
                // timeout), unless it is to be discarded; then close.
                if self.discard.is_none() {
                    let _ = self.fill(&mut conn, &mut ws, usize::MAX);
                }
                self.send_close(now, conn, ws, opened, false);
            }
            Phase::Closing { conn, ws, close } => {
                let close = Closing {
                    deadline: close.deadline.min(now + self.cfg.close_timeout),
                    reconnect_now: false,
                    ..close
                };
                self.step_closing(now, conn, ws, close)
            }
            Phase::Handshaking { conn, .. } => {
                self.requeue(conn);
                self.phase = Phase::Done;
            }
            _ => self.phase = Phase::Done,
        }
    }

    /// Writes the close frame (`closing_with`) after what the connection
    /// already holds, and waits for the server's reply (bounded by the close
    /// timeout); `reconnect_now`: a new attempt follows at once.
    fn send_close(
        &mut self,
        now: Instant,
        mut conn: Conn,
        mut ws: Box<Wire>,
        opened: Instant,
        reconnect_now: bool,
    ) {
        let frame = CloseFrame {
            code: CloseCode::from(self.closing_with.0),
            reason: self.closing_with.1.clone().into(),
        };
        let _ = ws.writer.close(&mut io_of(&mut conn), Some(frame));
        let close = Closing {
            deadline: now + self.cfg.close_timeout,
            healthy: now - opened,
            by_peer: false,
            reconnect_now,
        };
        self.step_closing(now, conn, ws, close);
    }
}
