//! The open and closing phases: read passes that dispatch messages, write
//! passes that move queued messages into the connection, the heartbeat, and
//! the closing handshake.

use std::io;
use std::time::Instant;

use tungstenite::protocol::frame::CloseFrame;

use super::conn::{io_of, Conn};
use super::{Closing, Phase, Session, OUT_HIGH_WATER, READ_BATCH};
use crate::error::{Error, ErrorKind};
use crate::event::{CloseInitiator, Event, State};
use crate::heartbeat::{self, Heartbeat};
use crate::rtt::PingSource;
use crate::sys;
use crate::wire::reader::{Item, INVALID_CLOSE_CODE_REASON};
use crate::wire::{Wire, WireError};

/// Most messages `fill` takes from the queue at once.
const FILL_BATCH: usize = 256;

/// Why a read pass ended the connection.
pub(super) enum ReadEnd {
    /// The server broke the protocol or a limit: fail with its close code.
    Wire(WireError),
    /// The socket failed.
    Io(io::Error),
    /// The stream ended without a close frame.
    Eof,
}

impl Session {
    pub(super) fn step_open(
        &mut self,
        now: Instant,
        ready: sys::Ready,
        mut conn: Conn,
        mut ws: Box<Wire>,
        mut hb: Heartbeat,
        opened: Instant,
    ) {
        conn.got_data = false;
        // Read only when the socket says so, when a previous pass stopped
        // early, or before the heartbeat's verdict (see `Heartbeat::expired`):
        // a wake-up for a send or a timer costs no read syscall.
        let closed = if ready.readable || self.read_more || hb.expired(now) {
            self.read_pass(&mut conn, &mut ws)
        } else {
            Ok(None)
        };
        if conn.got_data {
            hb.on_receive(now);
            conn.note_received();
        }
        match closed {
            Ok(None) => {}
            Ok(Some(frame)) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                self.sh.set_last_close_code(code);
                self.log.info(format_args!(
                    "{} closed the connection: {code} {reason:?}",
                    self.req.endpoint().url()
                ));
                if code == 1002 && reason == INVALID_CLOSE_CODE_REASON {
                    // The reader replaced a close code that is not allowed
                    // (e.g. 999, 1005, 1006, 5000) with 1002; we replied so.
                    self.error(Error::new(
                        ErrorKind::Protocol,
                        format!("{} sent a close frame with a close code that is not allowed; replied 1002", self.req.endpoint().url()),
                    ));
                }
                self.emit(Event::Closed {
                    code,
                    reason,
                    initiator: CloseInitiator::Server,
                });
                // The read pass wrote the close reply; let it out, then wait for EOF.
                let _ = conn.pump();
                self.settle(&mut conn);
                self.sh.set_state(State::Closing);
                let close = Closing {
                    deadline: now + self.cfg.close_timeout,
                    healthy: now - opened,
                    by_peer: true,
                    reconnect_now: false,
                };
                return self.step_closing(now, conn, ws, close);
            }
            Err(end) => {
                let (code, err) = match end {
                    ReadEnd::Wire(w) => (Some(w.code), self.wire_error(&w)),
                    ReadEnd::Io(e) => (None, self.io_error(&conn, "connection to", e)),
                    ReadEnd::Eof => (
                        None,
                        Error::new(
                            ErrorKind::Closed,
                            format!(
                                "{} closed the connection without a close frame",
                                self.sh.endpoint().url()
                            ),
                        ),
                    ),
                };
                if let Some(code) = code {
                    // RFC 6455 §7.1.7: fail the connection with a close frame,
                    // after what the application already queued (best effort).
                    let _ = self.fill(&mut conn, &mut ws, OUT_HIGH_WATER);
                    let frame = CloseFrame {
                        code,
                        reason: "".into(),
                    };
                    let _ = ws.writer.close(&mut io_of(&mut conn), Some(frame));
                    let _ = conn.pump();
                    conn.t.shutdown();
                }
                return self.drop_conn(now, conn, Some(now - opened), err);
            }
        }
        match hb.poll(now) {
            heartbeat::Action::Nothing => {}
            heartbeat::Action::SendPing => {
                self.log
                    .debug(format_args!("no data for {:?}: ping", hb.silent_for(now)));
                let _ = ws.writer.ping(&mut io_of(&mut conn), &[]);
                self.pings.sent(b"", now, PingSource::Heartbeat);
            }
            heartbeat::Action::Dead => {
                let msg = format!(
                    "nothing received from {} for {:?} (ping unanswered): connection presumed dead (half-open)",
                    self.req.endpoint().url(),
                    hb.silent_for(now)
                );
                return self.drop_conn(
                    now,
                    conn,
                    Some(now - opened),
                    Error::new(ErrorKind::HeartbeatTimeout, msg),
                );
            }
        }
        // The application's pings go ahead of queued messages not yet in
        // the output buffer.
        for payload in self.sh.take_pings() {
            self.pings.sent(&payload, now, PingSource::User);
            if let Err(e) = ws.writer.ping(&mut io_of(&mut conn), &payload) {
                let err = self.ws_error(&conn, e);
                return self.drop_conn(now, conn, Some(now - opened), err);
            }
        }
        if !self.stopping {
            if let Err(e) = self.fill(&mut conn, &mut ws, OUT_HIGH_WATER) {
                let err = self.ws_error(&conn, e);
                return self.drop_conn(now, conn, Some(now - opened), err);
            }
        }
        if let Err(e) = conn.pump() {
            let err = self.io_error(&conn, "writing to", e);
            return self.drop_conn(now, conn, Some(now - opened), err);
        }
        self.settle(&mut conn);
        self.phase = Phase::Open {
            conn,
            ws,
            hb,
            opened,
        };
    }

    pub(super) fn step_closing(
        &mut self,
        now: Instant,
        mut conn: Conn,
        mut ws: Box<Wire>,
        close: Closing,
    ) {
        conn.drained = false;
        // After the server's close and our reply, a stop has nothing to wait for.
        let mut finished = close.by_peer && self.stopping;
        let mut reads = 0;
        while !finished && reads < READ_BATCH {
            reads += 1;
            match ws.reader.next() {
                Ok(Some(Item::Close(f))) => {
                    // The server's reply to our close.
                    let code = f.map(|f| u16::from(f.code)).unwrap_or(1005);
                    self.sh.set_last_close_code(code);
                    finished = true;
                }
                // Data the server sent before it saw our close: dropped.
                Ok(Some(_)) => {}
                Ok(None) => match ws.reader.read_from(&mut io_of(&mut conn)) {
                    Ok(0) => finished = true,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        ws.reader.park();
                        break;
                    }
                    Err(_) => finished = true,
                },
                Err(_) => finished = true,
            }
        }
        self.read_more = reads >= READ_BATCH;
        let _ = conn.pump();
        self.settle(&mut conn);
        if finished || now >= close.deadline {
            conn.t.shutdown();
            self.requeue(conn);
            let (code, reason) = std::mem::replace(&mut self.closing_with, (1000, String::new()));
            // `close` with reconnect (the application's code) or `reconnect()`.
            let at_once = std::mem::take(&mut self.reconnect_at_once) || close.reconnect_now;
            if !close.by_peer && (self.stopping || at_once) {
                self.emit(Event::Closed {
                    code,
                    reason,
                    initiator: CloseInitiator::Client,
                });
            }
            if !self.stopping && at_once {
                // The application asked to reconnect: at once, no backoff.
                self.begin_attempt(now);
                return;
            }
            if !self.stopping {
                self.schedule_reconnect(now, Some(close.healthy));
                return;
            }
            self.phase = Phase::Done;
            return;
        }
        self.phase = Phase::Closing { conn, ws, close };
    }

    /// Moves queued messages into the connection's output buffer.
    pub(super) fn fill(
        &mut self,
        conn: &mut Conn,
        ws: &mut Wire,
        limit: usize,
    ) -> tungstenite::Result<()> {
        let queue = self.sh.queue();
        let mut batch = Vec::new();
        while conn.out.len() < limit {
            // Several at once: one lock for the batch, not one per message.
            if !queue.take(&mut batch, limit - conn.out.len(), FILL_BATCH) {
                break;
            }
            let mut msgs = batch.drain(..);
            while let Some(msg) = msgs.next() {
                if let Err((msg, e)) = conn.frame(&self.sh, ws, msg) {
                    queue.unpop_all(std::iter::once(msg).chain(msgs));
                    return Err(e);
                }
                self.wrote_queued += 1;
            }
        }
        Ok(())
    }

    /// Counts messages whose bytes all reached the kernel as sent.
    pub(super) fn settle(&self, conn: &mut Conn) {
        conn.settle(&self.sh);
    }

    /// Reads and dispatches messages: what is buffered first, then the
    /// socket until it has nothing more. Pings are answered, a close frame
    /// is answered and returned.
    pub(super) fn read_pass(
        &mut self,
        conn: &mut Conn,
        ws: &mut Wire,
    ) -> Result<Option<Option<CloseFrame>>, ReadEnd> {
        self.read_more = false;
        conn.drained = false;
        let mut n = 0;
        loop {
            loop {
                let Some(item) = ws.reader.next().map_err(ReadEnd::Wire)? else {
                    break;
                };
                match item {
                    Item::Text(t) => {
                        let len = t.len();
                        self.deliver(t, false);
                        self.count_if_compressed(ws, len);
                    }
                    Item::Binary(b) => {
                        let len = b.len();
                        self.deliver(b, true);
                        self.count_if_compressed(ws, len);
                    }
                    Item::Ping(p) => {
                        let _ = ws.writer.pong(&mut io_of(conn), p);
                    }
                    Item::Pong(p) => self.on_pong(p),
                    Item::Close(f) => {
                        // Echo it (RFC 6455 §5.5.1), then wait for the end.
                        let _ = ws.writer.close(&mut io_of(conn), f.clone());
                        return Ok(Some(f));
                    }
                }
                n += 1;
                if n >= READ_BATCH || self.sh.stop_requested() {
                    self.read_more = true;
                    return Ok(None);
                }
            }
            match ws.reader.read_from(&mut io_of(conn)) {
                Ok(0) => return Err(ReadEnd::Eof),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ws.reader.park();
                    return Ok(None);
                }
                Err(e) => return Err(ReadEnd::Io(e)),
            }
        }
    }

    fn count_if_compressed(&self, ws: &Wire, len: usize) {
        if let Some(wire) = ws.reader.compressed_wire() {
            self.sh.count_compressed_received(len, wire);
        }
    }

    /// A pong arrived: the round-trip time of the ping it answers, and a
    /// `Pong` event when the application sent that ping.
    fn on_pong(&mut self, payload: &[u8]) {
        let Some((rtt, source)) = self.pings.pong(payload, Instant::now()) else {
            self.log.debug(format_args!("unsolicited pong ignored"));
            return;
        };
        self.sh.record_rtt(rtt);
        if source == PingSource::User {
            self.emit(Event::Pong {
                rtt,
                payload: payload.to_vec(),
            });
        }
    }

    /// The connection is over: puts every message it may not have delivered
    /// (per the delivery mode; see `delivery`) back in front of the queue,
    /// in order, before anything queued later. Reads the kernel's count of
    /// unacknowledged bytes, so the socket must still be open.
    pub(super) fn requeue(&mut self, mut conn: Conn) {
        self.settle(&mut conn);
        let (taken, undelivered) = conn.take_undelivered();
        let queue = self.sh.queue();
        // Last first, each in front of the one after it.
        for (i, msg) in undelivered.enumerate().rev() {
            if i < taken.settled {
                queue.unpop_sent(msg);
            } else {
                queue.unpop(msg);
            }
        }
        if taken.started > 0 {
            self.sh.count_resent(taken.started);
            self.log.debug(format_args!(
                "{} messages the server may not have received will be written again",
                taken.started
            ));
        }
    }
}
