//! The safe Rust handle: configure, start, send, stop, state, stats. Shares
//! state with the driver running its session through [`Shared`].

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tungstenite::Bytes;

use crate::config::{Config, Endpoint};
use crate::driver;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, State, Stats};
use crate::queue::Outgoing;
use crate::request::Request;
use crate::shared::{lock, CloseRequest, Shared};
pub use crate::shared::{EventHandler, MessageHandler};

/// How [`Client::send_ex`] queues a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendFlags {
    /// A binary message (else text, which must be UTF-8).
    pub binary: bool,
    /// Ahead of every message not yet started (behind messages put back
    /// after a broken connection, and never inside one being written).
    pub urgent: bool,
}

/// What [`Client::close`] does after the close.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloseOptions {
    /// Connect again at once (no backoff delay), keeping the queue, instead
    /// of stopping.
    pub reconnect: bool,
    /// Stop and discard what is queued (a `Discarded` receipt per message
    /// with an id) instead of keeping it for the next start. Not with
    /// `reconnect`.
    pub discard: bool,
}

/// Longest close reason (a close frame's payload is at most 125 bytes).
const MAX_CLOSE_REASON: usize = 123;
/// Longest ping payload (a control frame's payload is at most 125 bytes).
const MAX_PING_PAYLOAD: usize = 125;

/// A WebSocket client that stays connected. Every method may be called from
/// any thread, also from inside its own callbacks.
pub struct Client {
    sh: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Client {
    /// Resolves the endpoint (see [`Endpoint::resolve`]) with default options.
    pub fn new(url: &str, port: i32, path: &str) -> Result<Client> {
        Client::with_config(url, port, path, Config::default())
    }

    /// Resolves the endpoint (see [`Endpoint::resolve`]) with these options,
    /// validated as a whole.
    pub fn with_config(url: &str, port: i32, path: &str, config: Config) -> Result<Client> {
        let endpoint = Endpoint::resolve(url, port, path)?;
        config.validate()?;
        Ok(Client {
            sh: Arc::new(Shared::new(endpoint, config)),
            thread: Mutex::new(None),
        })
    }

    /// Where this client's next attempt connects (the URL given at
    /// creation, or by the last [`Client::set_url`]).
    pub fn endpoint(&self) -> Endpoint {
        self.sh.endpoint()
    }

    fn running(&self) -> bool {
        self.sh.is_active()
    }

    fn require_not_running(&self, what: &str) -> Result<()> {
        if self.running() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                format!("{what} is only possible before start() or after stop()"),
            ));
        }
        Ok(())
    }

    /// Changes options; only before `start` (or after `stop`). The new
    /// configuration is validated as a whole; on error nothing changes.
    pub fn configure(&self, f: impl FnOnce(&mut Config)) -> Result<()> {
        self.require_not_running("changing the configuration")?;
        let mut cfg = self.sh.config();
        f(&mut cfg);
        cfg.validate()?;
        self.sh.set_config(cfg);
        Ok(())
    }

    /// A copy of the current options.
    pub fn config(&self) -> Config {
        self.sh.config()
    }

    /// Sets the message handler; only before `start` (or after `stop`).
    pub fn set_message_handler(&self, f: impl FnMut(&[u8], bool) + Send + 'static) -> Result<()> {
        self.require_not_running("setting the message handler")?;
        self.sh.set_message_handler(Box::new(f));
        Ok(())
    }

    /// Sets the event handler; only before `start` (or after `stop`).
    pub fn set_event_handler(&self, f: impl FnMut(&Event) + Send + 'static) -> Result<()> {
        self.require_not_running("setting the event handler")?;
        self.sh.set_event_handler(Box::new(f));
        Ok(())
    }

    // ----- long-lived sessions (issue 11, connect side) -----

    /// Sets the connect hook: called on the I/O thread before each
    /// connection attempt (the first, every reconnect, and the one
    /// [`Client::reconnect`] starts), after the `Connecting` event and
    /// before DNS, with the attempt's [`Request`]: its URL, extra headers
    /// and subprotocols, which it may change for this attempt (a fresh
    /// token, another server). Not called again for the redirects an
    /// attempt follows. Serialised with the other callbacks; it may call
    /// the client (send, stop, set_url...). Only before `start` (or after
    /// `stop`).
    pub fn set_connect_hook(&self, f: impl FnMut(&mut Request) + Send + 'static) -> Result<()> {
        self.require_not_running("setting the connect hook")?;
        self.sh.set_connect_hook(Box::new(f));
        Ok(())
    }

    /// Connects to `url` (a `ws://` or `wss://` URL, or a bare host meaning
    /// `wss://`, as [`Client::new`] takes it with port 0 and no path) from
    /// the next attempt on. At any time, from any thread, also inside
    /// callbacks; [`Client::reconnect`] moves now. On error nothing changes.
    pub fn set_url(&self, url: &str) -> Result<()> {
        let ep = Endpoint::resolve(url, 0, "")?;
        self.sh.set_endpoint(ep);
        Ok(())
    }

    /// Sets the extra header `name` to `value` from the next attempt on,
    /// replacing every header of that name (case-insensitive). At any time,
    /// from any thread. Names the client sets itself (Host, Upgrade,
    /// Sec-WebSocket-*, ...) and values with control characters are refused.
    pub fn set_header(&self, name: &str, value: &str) -> Result<()> {
        self.sh
            .update_headers(|h| crate::request::set_header(h, name, value))
    }

    /// Removes the extra header `name` (every header of that name) from the
    /// next attempt on; not an error when there is none. At any time.
    pub fn remove_header(&self, name: &str) -> Result<()> {
        self.sh
            .update_headers(|h| crate::request::remove_header(h, name));
        Ok(())
    }

    /// Closes the current connection with 1000 (bounded by the close
    /// timeout) and connects again at once, without a backoff delay; a
    /// client that is connecting or waiting to retry starts a new attempt at
    /// once. Messages already handed to the old connection are written
    /// before its close frame; the rest stay queued, in order, for the new
    /// connection. Returns at once (the work is done by the I/O
    /// thread); `InvalidState` when the client is not running.
    pub fn reconnect(&self) -> Result<()> {
        if !self.sh.is_active() || self.sh.stop_requested() || self.state() == State::Stopped {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "reconnect() needs a started client",
            ));
        }
        self.sh.request_reconnect();
        self.sh.wake();
        Ok(())
    }

    /// Starts the I/O (its own thread, or a shared I/O thread when
    /// `Config::shared_io` is set); returns at once. Idempotent while
    /// running. After `stop` it starts again, sending what is still queued.
    pub fn start(&self) -> Result<()> {
        let ending = || self.sh.stop_requested() || self.state() == State::Stopped;
        if self.sh.must_not_wait() {
            // Inside a callback: never block on the thread we are on.
            if self.sh.is_active() && !ending() {
                return Ok(());
            }
            if self.sh.is_active() {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "start() after stop() is not possible from inside a callback",
                ));
            }
        }
        let mut slot = match self.thread.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) if self.sh.must_not_wait() => {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "start() is not possible from a callback while stop() runs",
                ))
            }
            Err(std::sync::TryLockError::WouldBlock) => lock(&self.thread),
        };
        if self.sh.is_active() && !ending() {
            return Ok(());
        }
        // Reap the previous session (also one stopped from its own callback,
        // whose thread nobody joined yet).
        self.wait_ended(&mut slot);
        self.sh.clear_stop();
        self.sh.take_reconnect_request();
        self.sh.set_state(State::Connecting);
        self.sh.set_active(true);
        let shared_io = self.sh.config().shared_io;
        let started = driver::start(self.sh.clone(), shared_io).map(|h| *slot = h);
        if started.is_err() {
            self.sh.set_active(false);
            self.sh.set_state(State::Stopped);
        }
        started
    }

    /// Waits until the session has finished (joins its thread).
    fn wait_ended(&self, slot: &mut Option<JoinHandle<()>>) {
        if let Some(t) = slot.take() {
            let _ = t.join();
        }
        self.sh.wait_ended();
    }

    /// Stops: a connected client sends a close frame and waits (bounded by
    /// the close timeout) for the reply. Idempotent. Waits for the I/O to
    /// end, except when called from a callback (on an I/O thread), where it
    /// returns at once and the session ends after the callback returns.
    pub fn stop(&self) -> Result<()> {
        self.sh.request_stop();
        self.sh.wake();
        if self.sh.must_not_wait() {
            return Ok(());
        }
        let mut slot = lock(&self.thread);
        self.wait_ended(&mut slot);
        if self.sh.state() != State::Idle {
            self.sh.set_state(State::Stopped);
        }
        Ok(())
    }

    /// Queues a text message; `text` must be UTF-8.
    pub fn send_text(&self, text: &[u8]) -> Result<()> {
        if let Err(e) = std::str::from_utf8(text) {
            return Err(Error::new(
                ErrorKind::InvalidUtf8,
                format!("text message is not valid UTF-8: {e}"),
            ));
        }
        self.enqueue(self.sh.queue().copy_in(text), false)
    }

    /// Queues a binary message.
    pub fn send_binary(&self, data: &[u8]) -> Result<()> {
        self.enqueue(self.sh.queue().copy_in(data), true)
    }

    /// Queues an owned message without copying (text must be UTF-8).
    pub fn send_owned(&self, data: Vec<u8>, binary: bool) -> Result<()> {
        if !binary {
            if let Err(e) = std::str::from_utf8(&data) {
                return Err(Error::new(
                    ErrorKind::InvalidUtf8,
                    format!("text message is not valid UTF-8: {e}"),
                ));
            }
        }
        self.enqueue(Bytes::from(data), binary)
    }

    fn enqueue(&self, data: Bytes, binary: bool) -> Result<()> {
        self.enqueue_ex(data, binary, false, false).map(|_| ())
    }

    fn enqueue_ex(&self, data: Bytes, binary: bool, with_id: bool, urgent: bool) -> Result<u64> {
        let msg = Outgoing {
            data,
            binary,
            id: 0,
        };
        let queue = self.sh.queue();
        let (msg, mut wake) = queue.admit(msg, with_id)?;
        let id = msg.id;
        // An open, idle connection whose driver sleeps: write it from this
        // thread (no wake-up). Otherwise the queue, and wake the driver.
        match self.sh.try_write_direct(msg) {
            Ok(()) => {}
            Err(msg) => {
                wake |= queue.enqueue(msg, urgent);
                if !wake {
                    self.sh.wake_if_wanted();
                }
            }
        }
        if wake {
            self.sh.wake();
        }
        Ok(id)
    }

    // ----- receipts and control frames (0.2) -----

    /// Queues a message as `send_text` / `send_binary` do, and returns its
    /// id (ids grow from 1). It gets exactly one receipt event:
    /// [`Event::Written`] once all its bytes reached the kernel (a resend
    /// after a broken connection gives no second one), or
    /// [`Event::Discarded`]; receipts come in id order. A message still
    /// queued when the client is dropped gets none.
    pub fn send_ex(&self, data: &[u8], flags: SendFlags) -> Result<u64> {
        if !flags.binary {
            if let Err(e) = std::str::from_utf8(data) {
                return Err(Error::new(
                    ErrorKind::InvalidUtf8,
                    format!("text message is not valid UTF-8: {e}"),
                ));
            }
        }
        self.enqueue_ex(
            self.sh.queue().copy_in(data),
            flags.binary,
            true,
            flags.urgent,
        )
    }

    /// Sends a ping with `payload` (at most 125 bytes) on the current
    /// connection; its pong raises [`Event::Pong`] with the round-trip time.
    /// `InvalidState` when not connected. A connection that ends first
    /// raises no `Pong`.
    pub fn ping(&self, payload: &[u8]) -> Result<()> {
        if payload.len() > MAX_PING_PAYLOAD {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "ping payload of {} bytes: at most {MAX_PING_PAYLOAD}",
                    payload.len()
                ),
            ));
        }
        if !self.sh.is_active() || self.sh.stop_requested() || self.state() != State::Open {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "ping needs an open connection",
            ));
        }
        if !self.sh.request_ping(Bytes::copy_from_slice(payload)) {
            return Err(Error::new(
                ErrorKind::QueueFull,
                "too many pings wait to be written",
            ));
        }
        self.sh.wake();
        Ok(())
    }

    /// Closes with the application's `code` (1000, or 3000 to 4999) and
    /// `reason` (at most 123 bytes), then stops as [`Client::stop`] does
    /// (also idempotent and joining), or with `opts.reconnect` connects
    /// again at once (returns at once). `InvalidState` for `reconnect` or
    /// `discard` when the client is not running.
    pub fn close(&self, code: u16, reason: &str, opts: CloseOptions) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::InvalidArgument, m));
        if code != 1000 && !(3000..=4999).contains(&code) {
            return bad(format!("close code {code} is not 1000 or 3000-4999"));
        }
        if reason.len() > MAX_CLOSE_REASON {
            return bad(format!(
                "close reason of {} bytes: at most {MAX_CLOSE_REASON}",
                reason.len()
            ));
        }
        if opts.reconnect && opts.discard {
            return bad("close: reconnect and discard exclude each other".into());
        }
        let running = self.sh.is_active() && !self.sh.stop_requested();
        if !running {
            if opts.reconnect || opts.discard {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "close with reconnect or discard needs a running client",
                ));
            }
            return Ok(());
        }
        self.sh.request_close(CloseRequest {
            code,
            reason: reason.to_string(),
            reconnect: opts.reconnect,
            discard: opts.discard,
        });
        if opts.reconnect {
            self.sh.wake();
            return Ok(());
        }
        self.stop()
    }

    /// The connection state now.
    pub fn state(&self) -> State {
        self.sh.state()
    }

    /// Counters since the client was created, and the last close code and error.
    pub fn stats(&self) -> Stats {
        self.sh.stats()
    }

    /// From now on no callback of this client runs again (used when the
    /// handle is dropped from inside one of its callbacks).
    pub fn detach_callbacks(&self) {
        self.sh.detach();
    }

    /// True when the caller is on the I/O thread that drives this client
    /// (inside a callback).
    pub fn in_callback(&self) -> bool {
        self.sh.on_io_thread()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.sh.must_not_wait() {
            // Dropped from inside a callback: the thread cannot wait for
            // itself. The session finishes on its own, without calling back.
            self.detach_callbacks();
        }
        let _ = self.stop();
        let discarded = self.sh.queue().queued_messages();
        if discarded > 0 {
            self.sh.logger().warn(format_args!(
                "client for {} dropped with {discarded} unsent message(s)",
                self.sh.endpoint().url()
            ));
        }
    }
}
