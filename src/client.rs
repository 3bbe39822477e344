//! The safe Rust handle: configure, start, send, stop. Shares state with
//! the driver running its session through [`Shared`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use tungstenite::Bytes;

use crate::config::{Config, Endpoint};
use crate::driver;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, State, Stats};
use crate::session;
use crate::shared::{lock, Counters, Handlers, Outgoing, Shared};
pub use crate::shared::{EventHandler, MessageHandler};

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

    pub fn with_config(url: &str, port: i32, path: &str, config: Config) -> Result<Client> {
        let endpoint = Endpoint::resolve(url, port, path)?;
        config.validate()?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let sh = Shared {
            endpoint,
            max_message_size: AtomicUsize::new(config.max_message_size),
            max_queue_bytes: AtomicUsize::new(config.max_queue_bytes),
            max_queue_messages: AtomicUsize::new(config.max_queue_messages),
            config: Mutex::new(config),
            state: AtomicU32::new(State::Idle as u32),
            stop: AtomicBool::new(false),
            detached: AtomicBool::new(false),
            want_wake: AtomicBool::new(false),
            wake_target: Mutex::new(None),
            active: Mutex::new(false),
            ended: Condvar::new(),
            tx,
            rx,
            carry: Mutex::new(VecDeque::new()),
            handlers: Mutex::new(Handlers::default()),
            counters: Counters::default(),
            last_error: Mutex::new(String::new()),
            io_thread: Mutex::new(None),
        };
        Ok(Client {
            sh: Arc::new(sh),
            thread: Mutex::new(None),
        })
    }

    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.sh.clone()
    }

    /// Where this client connects.
    pub fn endpoint(&self) -> &Endpoint {
        &self.sh.endpoint
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
        let mut cfg = lock(&self.sh.config).clone();
        f(&mut cfg);
        cfg.validate()?;
        self.sh
            .max_message_size
            .store(cfg.max_message_size, Ordering::SeqCst);
        self.sh
            .max_queue_bytes
            .store(cfg.max_queue_bytes, Ordering::SeqCst);
        self.sh
            .max_queue_messages
            .store(cfg.max_queue_messages, Ordering::SeqCst);
        *lock(&self.sh.config) = cfg;
        Ok(())
    }

    /// A copy of the current options.
    pub fn config(&self) -> Config {
        lock(&self.sh.config).clone()
    }

    /// Sets the message handler; only before `start` (or after `stop`).
    pub fn set_message_handler(&self, f: impl FnMut(&[u8], bool) + Send + 'static) -> Result<()> {
        self.require_not_running("setting the message handler")?;
        lock(&self.sh.handlers).on_message = Some(Box::new(f));
        Ok(())
    }

    /// Sets the event handler; only before `start` (or after `stop`).
    pub fn set_event_handler(&self, f: impl FnMut(&Event) + Send + 'static) -> Result<()> {
        self.require_not_running("setting the event handler")?;
        lock(&self.sh.handlers).on_event = Some(Box::new(f));
        Ok(())
    }

    /// Starts the I/O (its own thread, or a shared I/O thread when
    /// `Config::shared_io` is set); returns at once. Idempotent while
    /// running. After `stop` it starts again, sending what is still queued.
    pub fn start(&self) -> Result<()> {
        let ending = || self.sh.stop.load(Ordering::SeqCst) || self.state() == State::Stopped;
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
        self.sh.stop.store(false, Ordering::SeqCst);
        self.sh.set_state(State::Connecting);
        self.sh.set_active(true);
        let shared_io = lock(&self.sh.config).shared_io;
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
        let mut active = lock(&self.sh.active);
        while *active {
            active = self
                .sh
                .ended
                .wait(active)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Stops: a connected client sends a close frame and waits (bounded by
    /// the close timeout) for the reply. Idempotent. Waits for the I/O to
    /// end, except when called from a callback (on an I/O thread), where it
    /// returns at once and the session ends after the callback returns.
    pub fn stop(&self) -> Result<()> {
        self.sh.stop.store(true, Ordering::SeqCst);
        self.sh.wake();
        if self.sh.must_not_wait() {
            return Ok(());
        }
        let mut slot = lock(&self.thread);
        self.wait_ended(&mut slot);
        if self.sh.state.load(Ordering::SeqCst) != State::Idle as u32 {
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
        self.enqueue(Bytes::copy_from_slice(text), false)
    }

    /// Queues a binary message.
    pub fn send_binary(&self, data: &[u8]) -> Result<()> {
        self.enqueue(Bytes::copy_from_slice(data), true)
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
        let max_msg = self.sh.max_message_size.load(Ordering::Relaxed);
        let max_bytes = self.sh.max_queue_bytes.load(Ordering::Relaxed);
        let max_msgs = self.sh.max_queue_messages.load(Ordering::Relaxed);
        let len = data.len();
        if len > max_msg {
            return Err(Error::new(
                ErrorKind::MessageTooLarge,
                format!("message of {len} bytes exceeds the maximum of {max_msg} bytes"),
            ));
        }
        let c = &self.sh.counters;
        let before = c.queued_bytes.fetch_add(len as u64, Ordering::SeqCst);
        let msgs = c.queued_messages.fetch_add(1, Ordering::SeqCst);
        if before + len as u64 > max_bytes as u64 || (max_msgs > 0 && msgs >= max_msgs as u64) {
            c.queued_bytes.fetch_sub(len as u64, Ordering::SeqCst);
            c.queued_messages.fetch_sub(1, Ordering::SeqCst);
            return Err(Error::new(
                ErrorKind::QueueFull,
                format!("send queue full: {before} bytes in {msgs} messages queued (limits: {max_bytes} bytes, {max_msgs} messages; 0 = none)"),
            ));
        }
        // The receiver lives in `Shared` as long as the sender: this cannot fail.
        let _ = self.sh.tx.send(Outgoing { data, binary });
        if self.sh.want_wake.swap(false, Ordering::SeqCst) {
            self.sh.wake();
        }
        Ok(())
    }

    pub fn state(&self) -> State {
        State::from_u32(self.sh.state.load(Ordering::SeqCst))
    }

    pub fn stats(&self) -> Stats {
        let c = &self.sh.counters;
        let connections = c.connections.load(Ordering::SeqCst);
        Stats {
            messages_sent: c.messages_sent.load(Ordering::SeqCst),
            bytes_sent: c.bytes_sent.load(Ordering::SeqCst),
            messages_received: c.messages_received.load(Ordering::SeqCst),
            bytes_received: c.bytes_received.load(Ordering::SeqCst),
            connections,
            reconnects: connections.saturating_sub(1),
            queued_messages: c.queued_messages.load(Ordering::SeqCst),
            queued_bytes: c.queued_bytes.load(Ordering::SeqCst),
            last_close_code: c.last_close_code.load(Ordering::SeqCst) as u16,
            last_error: lock(&self.sh.last_error).clone(),
        }
    }

    /// From now on no callback of this client runs again (used when the
    /// handle is dropped from inside one of its callbacks).
    pub fn detach_callbacks(&self) {
        self.sh.detached.store(true, Ordering::SeqCst);
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
        let discarded = self.sh.counters.queued_messages.load(Ordering::SeqCst);
        if discarded > 0 {
            let log = session::logger(&lock(&self.sh.config));
            log.warn(format_args!(
                "client for {} dropped with {discarded} unsent message(s)",
                self.sh.endpoint.url()
            ));
        }
    }
}
