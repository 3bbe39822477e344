//! The open and closing phases: read passes that dispatch messages, write
//! passes that move queued messages into the connection, the heartbeat, and
//! the closing handshake.

use std::io;
use std::time::Instant;

use tungstenite::protocol::frame::coding::{CloseCode, Data as OpData, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
use tungstenite::protocol::WebSocketContext;
use tungstenite::{Bytes, Message};

use super::conn::{io_of, Conn};
use super::errors::{fail_code, INVALID_CLOSE_CODE_REASON};
use super::{Closing, Phase, Session, OUT_HIGH_WATER, READ_BATCH};
use crate::error::{Error, ErrorKind};
use crate::event::{CloseInitiator, Event, State};
use crate::heartbeat::{self, Heartbeat};
use crate::sys;

impl Session {
    pub(super) fn step_open(
        &mut self,
        now: Instant,
        ready: sys::Ready,
        mut conn: Conn,
        mut ctx: Box<WebSocketContext>,
        mut hb: Heartbeat,
        opened: Instant,
    ) {
        conn.got_data = false;
        // Read only when the socket says so, or when a previous pass stopped
        // early: a wake-up for a send or a timer costs no read syscall.
        let closed = if ready.readable || self.read_more {
            self.read_pass(&mut conn, &mut ctx)
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
                    // tungstenite replaced a close code that is not allowed
                    // (e.g. 999, 1005, 1006, 5000) with 1002 and replied so.
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
                // tungstenite queued the close reply; let it out, then wait for EOF.
                let _ = ctx.flush(&mut io_of(&mut conn));
                let _ = conn.pump();
                self.settle(&mut conn);
                self.sh.set_state(State::Closing);
                let close = Closing {
                    deadline: now + self.cfg.close_timeout,
                    healthy: now - opened,
                    by_peer: true,
                    reconnect_now: false,
                };
                return self.step_closing(now, conn, ctx, close);
            }
            Err(e) => {
                let code = fail_code(&e);
                let err = self.ws_error(&conn, e);
                if let Some(code) = code {
                    // RFC 6455 §7.1.7: fail the connection with a close frame,
                    // after what the application already queued (best effort).
                    let _ = self.fill(&mut conn, &mut ctx, OUT_HIGH_WATER);
                    let frame = CloseFrame {
                        code: CloseCode::from(code),
                        reason: "".into(),
                    };
                    let _ = ctx.close(&mut io_of(&mut conn), Some(frame));
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
                let _ = ctx.write(&mut io_of(&mut conn), Message::Ping(Bytes::new()));
                let _ = ctx.flush(&mut io_of(&mut conn));
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
        if !self.stopping {
            if let Err(e) = self.fill(&mut conn, &mut ctx, OUT_HIGH_WATER) {
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
            ctx,
            hb,
            opened,
        };
    }

    pub(super) fn step_closing(
        &mut self,
        now: Instant,
        mut conn: Conn,
        mut ctx: Box<WebSocketContext>,
        close: Closing,
    ) {
        conn.drained = false;
        // After the server's close and our reply, a stop has nothing to wait for.
        let mut finished = close.by_peer && self.stopping;
        let mut reads = 0;
        while !finished && reads < READ_BATCH {
            reads += 1;
            match ctx.read(&mut io_of(&mut conn)) {
                Ok(Message::Close(f)) => {
                    // The server's reply to our close.
                    let code = f.map(|f| u16::from(f.code)).unwrap_or(1005);
                    self.sh.set_last_close_code(code);
                    finished = true;
                }
                // Data the server sent before it saw our close: dropped.
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => finished = true,
            }
        }
        self.read_more = reads >= READ_BATCH;
        let _ = conn.pump();
        self.settle(&mut conn);
        if finished || now >= close.deadline {
            conn.t.shutdown();
            self.requeue(conn);
            if !self.stopping && close.reconnect_now {
                // reconnect(): no backoff wait.
                if !close.by_peer {
                    self.emit(Event::Closed {
                        code: 1000,
                        reason: String::new(),
                        initiator: CloseInitiator::Client,
                    });
                }
                self.begin_attempt(now);
                return;
            }
            if !self.stopping {
                self.schedule_reconnect(now, Some(close.healthy));
                return;
            }
            if !close.by_peer {
                self.emit(Event::Closed {
                    code: 1000,
                    reason: String::new(),
                    initiator: CloseInitiator::Client,
                });
            }
            self.phase = Phase::Done;
            return;
        }
        self.phase = Phase::Closing { conn, ctx, close };
    }

    /// Moves queued messages into the connection's output buffer.
    pub(super) fn fill(
        &mut self,
        conn: &mut Conn,
        ctx: &mut WebSocketContext,
        limit: usize,
    ) -> tungstenite::Result<()> {
        while conn.out.len() < limit {
            let Some(msg) = self.sh.queue().next() else {
                break;
            };
            let op = if msg.binary {
                OpData::Binary
            } else {
                OpData::Text
            };
            // Text was validated by `send`: build the frame directly.
            let frame = Frame::message(msg.data.clone(), OpCode::Data(op), true);
            let mut io = io_of(conn);
            if let Err(e) = ctx
                .write(&mut io, Message::Frame(frame))
                .and_then(|_| ctx.flush(&mut io))
            {
                self.sh.queue().unpop(msg);
                return Err(e);
            }
            let len = msg.data.len();
            conn.ledger.push(conn.out.appended, len, msg);
        }
        Ok(())
    }

    /// Counts messages whose bytes all reached the kernel as sent.
    pub(super) fn settle(&self, conn: &mut Conn) {
        let sh = &self.sh;
        conn.ledger.settle(|msg| {
            sh.count_sent(msg.data.len());
            sh.queue().mark_sent(msg);
        });
    }

    /// Reads and dispatches messages. Returns a close frame if one arrived.
    pub(super) fn read_pass(
        &mut self,
        conn: &mut Conn,
        ctx: &mut WebSocketContext,
    ) -> Result<Option<Option<CloseFrame>>, tungstenite::Error> {
        self.read_more = false;
        conn.drained = false;
        for _ in 0..READ_BATCH {
            let msg = ctx.read(&mut io_of(conn));
            match msg {
                Ok(Message::Text(t)) => self.deliver(t.as_bytes(), false),
                Ok(Message::Binary(b)) => self.deliver(&b, true),
                Ok(Message::Close(f)) => return Ok(Some(f)),
                Ok(_) => {} // ping (answered by tungstenite), pong, raw frame
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            }
            if self.sh.stop_requested() {
                self.read_more = true;
                return Ok(None);
            }
        }
        self.read_more = true;
        Ok(None)
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
