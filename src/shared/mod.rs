//! State shared by a client handle and the driver running its session:
//! lifecycle (state, stop request, running session, its thread), how sends
//! reach the session (`handoff`: waking the driver, writing from the
//! caller's thread), the callbacks, the counters, the last error, and the
//! [`SendQueue`]. Private fields grouped by concern; methods only.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

use tungstenite::Bytes;

use crate::config::{Config, Endpoint};
use crate::event::{Event, State};
use crate::log::Logger;
use crate::queue::{Limits, SendQueue};
use crate::request::Request;
use crate::rtt::Rtt;

mod counters;
mod handoff;

use counters::Counters;
use handoff::Handoff;
pub(crate) use handoff::{DirectSink, WakeTarget};

thread_local! {
    static ON_SHARED_IO_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as a shared I/O thread (see `driver::shared_io`).
pub(crate) fn mark_shared_io_thread() {
    ON_SHARED_IO_THREAD.with(|c| c.set(true));
}

/// True on a shared I/O thread (inside a callback of one of its clients).
pub(crate) fn on_shared_io_thread() -> bool {
    ON_SHARED_IO_THREAD.with(Cell::get)
}

/// Locks a mutex, also a poisoned one: a panic inside a callback is caught,
/// and the data behind the lock stays valid.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Receives each whole message: its bytes and whether it is binary.
pub type MessageHandler = Box<dyn FnMut(&[u8], bool) + Send>;
/// Receives each event.
pub type EventHandler = Box<dyn FnMut(&Event) + Send>;
/// Adjusts each connection attempt's request (see `Client::set_connect_hook`).
pub type ConnectHook = Box<dyn FnMut(&mut Request) + Send>;

/// Whether a session runs, and what it has been asked to do.
struct Lifecycle {
    state: AtomicU32,
    stop: AtomicBool,
    /// A session exists (from start until its driver finished it).
    active: Mutex<bool>,
    ended: Condvar,
    /// The thread driving the session (its own, or a shared I/O thread).
    io_thread: Mutex<Option<ThreadId>>,
    /// `reconnect()` was called: close and connect again at once.
    reconnect: AtomicBool,
}

#[derive(Default)]
struct Handlers {
    on_message: Option<MessageHandler>,
    on_event: Option<EventHandler>,
    on_connect: Option<ConnectHook>,
}

/// The user's callbacks (one lock: they never run concurrently).
#[derive(Default)]
struct Callbacks {
    handlers: Mutex<Handlers>,
    /// The handle is gone (freed from inside a callback): no more callbacks.
    detached: AtomicBool,
}

/// A close the application asked for (`Client::close`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CloseRequest {
    /// Close code and reason (validated).
    pub code: u16,
    pub reason: String,
    /// Connect again at once instead of stopping.
    pub reconnect: bool,
    /// Discard the queue (a stop).
    pub discard: bool,
}

/// Most pings waiting to be written (`Client::ping` refuses more).
pub(crate) const MAX_PENDING_PINGS: usize = 32;

/// Control frames asked for by the application, and the round-trip time.
#[derive(Default)]
struct Control {
    /// Ping payloads to write on the open connection.
    pings: Mutex<VecDeque<Bytes>>,
    close: Mutex<Option<CloseRequest>>,
    /// Mirrors, kept under those locks, read without them every turn:
    /// pings wait; the close request asks to reconnect.
    pings_waiting: AtomicBool,
    reconnect_close: AtomicBool,
    rtt: Mutex<Rtt>,
}

/// See the module documentation.
pub(crate) struct Shared {
    /// Where the next attempt connects (`set_url` changes it at run time).
    target: Mutex<Endpoint>,
    config: Mutex<Config>,
    queue: SendQueue,
    life: Lifecycle,
    wake: Handoff,
    callbacks: Callbacks,
    counters: Counters,
    last_error: Mutex<String>,
    control: Control,
}

impl Shared {
    /// State for a client of `endpoint` with a validated `config`.
    pub fn new(endpoint: Endpoint, config: Config) -> Shared {
        let queue = SendQueue::new(Limits::of(&config));
        queue.set_flow(
            config.overflow_policy,
            config.queue_high_watermark,
            config.queue_low_watermark,
        );
        Shared {
            target: Mutex::new(endpoint),
            queue,
            config: Mutex::new(config),
            life: Lifecycle {
                state: AtomicU32::new(State::Idle as u32),
                stop: AtomicBool::new(false),
                active: Mutex::new(false),
                ended: Condvar::new(),
                io_thread: Mutex::new(None),
                reconnect: AtomicBool::new(false),
            },
            wake: Handoff::default(),
            callbacks: Callbacks::default(),
            counters: Counters::default(),
            last_error: Mutex::new(String::new()),
            control: Control::default(),
        }
    }

    // ----- configuration -----

    /// Where the client's next attempt connects.
    pub fn endpoint(&self) -> Endpoint {
        lock(&self.target).clone()
    }

    // ----- the target of the next attempt (issue 11) -----

    /// Connects to `endpoint` from the next attempt on.
    pub fn set_endpoint(&self, endpoint: Endpoint) {
        *lock(&self.target) = endpoint;
    }

    /// Changes the configuration's extra headers (at any time; the next
    /// attempt sends them).
    pub fn update_headers<T>(&self, f: impl FnOnce(&mut Vec<(String, String)>) -> T) -> T {
        f(&mut lock(&self.config).headers)
    }

    /// The request an attempt starts from: the target URL and the
    /// configuration's headers and subprotocols.
    pub fn next_request(&self, attempt: u32) -> Request {
        let endpoint = self.endpoint();
        let c = lock(&self.config);
        let mut headers = c.headers.clone();
        // The Origin option (issue 10), unless a header of that name is set.
        if let Some(origin) = &c.origin {
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("origin"))
            {
                headers.push(("Origin".to_string(), origin.clone()));
            }
        }
        Request::new(endpoint, headers, c.subprotocols.clone(), attempt)
    }

    /// Asks the session to close and connect again at once.
    pub fn request_reconnect(&self) {
        self.life.reconnect.store(true, Ordering::SeqCst);
    }

    /// A pending `reconnect()` request (cleared by taking it).
    pub fn take_reconnect_request(&self) -> bool {
        self.life.reconnect.swap(false, Ordering::SeqCst)
    }

    /// A `reconnect()` request is pending.
    pub fn reconnect_requested(&self) -> bool {
        self.life.reconnect.load(Ordering::SeqCst)
    }

    pub fn set_connect_hook(&self, f: ConnectHook) {
        lock(&self.callbacks.handlers).on_connect = Some(f);
    }

    /// Calls the connect hook (unless detached); true if it panicked.
    pub fn call_connect_hook(&self, req: &mut Request) -> bool {
        if self.callbacks.detached.load(Ordering::SeqCst) {
            return false;
        }
        let mut h = lock(&self.callbacks.handlers);
        match h.on_connect.as_mut() {
            Some(f) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(req))).is_err(),
            None => false,
        }
    }

    /// A copy of the configuration.
    pub fn config(&self) -> Config {
        lock(&self.config).clone()
    }

    /// Replaces the (validated) configuration; the queue's limits follow.
    pub fn set_config(&self, cfg: Config) {
        let mut c = lock(&self.config);
        self.queue.set_limits(Limits::of(&cfg));
        self.queue.set_flow(
            cfg.overflow_policy,
            cfg.queue_high_watermark,
            cfg.queue_low_watermark,
        );
        *c = cfg;
    }

    /// A logger as the configuration sets it.
    pub fn logger(&self) -> Logger {
        let c = lock(&self.config);
        Logger::new(c.log_level, c.log_sink.clone())
    }

    /// The send queue.
    pub fn queue(&self) -> &SendQueue {
        &self.queue
    }

    // ----- lifecycle -----

    pub fn state(&self) -> State {
        State::from_u32(self.life.state.load(Ordering::SeqCst))
    }

    pub fn set_state(&self, s: State) {
        self.life.state.store(s as u32, Ordering::SeqCst);
    }

    /// Asks the session to stop (see [`Shared::stop_requested`]).
    pub fn request_stop(&self) {
        self.life.stop.store(true, Ordering::SeqCst);
    }

    /// Clears a stop request before a new start.
    pub fn clear_stop(&self) {
        self.life.stop.store(false, Ordering::SeqCst);
    }

    pub fn stop_requested(&self) -> bool {
        self.life.stop.load(Ordering::SeqCst)
    }

    pub fn set_active(&self, active: bool) {
        *lock(&self.life.active) = active;
        if !active {
            self.life.ended.notify_all();
        }
    }

    pub fn is_active(&self) -> bool {
        *lock(&self.life.active)
    }

    /// Blocks until no session is active.
    pub fn wait_ended(&self) {
        let mut active = lock(&self.life.active);
        while *active {
            active = self
                .life
                .ended
                .wait(active)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Records the thread now driving the session (`None` when it ends).
    pub fn set_io_thread(&self, t: Option<ThreadId>) {
        *lock(&self.life.io_thread) = t;
    }

    /// The caller is on the thread driving this client (inside a callback).
    pub fn on_io_thread(&self) -> bool {
        *lock(&self.life.io_thread) == Some(std::thread::current().id())
    }

    /// Blocking here would wait for the thread we are on: a client's own I/O
    /// thread or any shared I/O thread.
    pub fn must_not_wait(&self) -> bool {
        self.on_io_thread() || on_shared_io_thread()
    }

    // ----- callbacks -----

    pub fn set_message_handler(&self, f: MessageHandler) {
        lock(&self.callbacks.handlers).on_message = Some(f);
    }

    pub fn set_event_handler(&self, f: EventHandler) {
        lock(&self.callbacks.handlers).on_event = Some(f);
    }

    /// From now on no callback runs again.
    pub fn detach(&self) {
        self.callbacks.detached.store(true, Ordering::SeqCst);
    }

    /// Calls the event handler (unless detached); true if it panicked.
    pub fn call_event_handler(&self, ev: &Event) -> bool {
        if self.callbacks.detached.load(Ordering::SeqCst) {
            return false;
        }
        let mut h = lock(&self.callbacks.handlers);
        match h.on_event.as_mut() {
            Some(f) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(ev))).is_err(),
            None => false,
        }
    }

    /// Calls the message handler (unless detached); true if it panicked.
    pub fn call_message_handler(&self, data: &[u8], binary: bool) -> bool {
        if self.callbacks.detached.load(Ordering::SeqCst) {
            return false;
        }
        let mut h = lock(&self.callbacks.handlers);
        match h.on_message.as_mut() {
            Some(f) => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(data, binary))).is_err()
            }
            None => false,
        }
    }

    // ----- control frames (ping, close) and the round-trip time -----

    /// Asks the session to write a ping; false when too many wait already.
    pub fn request_ping(&self, payload: Bytes) -> bool {
        let mut p = lock(&self.control.pings);
        if p.len() >= MAX_PENDING_PINGS {
            return false;
        }
        p.push_back(payload);
        self.control.pings_waiting.store(true, Ordering::SeqCst);
        true
    }

    /// The pings asked for since the last call.
    pub fn take_pings(&self) -> VecDeque<Bytes> {
        if !self.has_pings() {
            return VecDeque::new();
        }
        let mut p = lock(&self.control.pings);
        self.control.pings_waiting.store(false, Ordering::SeqCst);
        std::mem::take(&mut *p)
    }

    /// Pings wait to be written.
    pub fn has_pings(&self) -> bool {
        self.control.pings_waiting.load(Ordering::SeqCst)
    }

    /// Records a close the application asked for (replacing an earlier one).
    pub fn request_close(&self, req: CloseRequest) {
        let mut c = lock(&self.control.close);
        self.control
            .reconnect_close
            .store(req.reconnect, Ordering::SeqCst);
        *c = Some(req);
    }

    /// Takes the close request (a stop takes any).
    pub fn take_close_request(&self) -> Option<CloseRequest> {
        let mut c = lock(&self.control.close);
        self.control.reconnect_close.store(false, Ordering::SeqCst);
        c.take()
    }

    /// Takes the close request if it asks to reconnect.
    pub fn take_reconnect_close(&self) -> Option<CloseRequest> {
        if !self.reconnect_close_requested() {
            return None;
        }
        let mut c = lock(&self.control.close);
        if c.as_ref().is_some_and(|r| r.reconnect) {
            self.control.reconnect_close.store(false, Ordering::SeqCst);
            c.take()
        } else {
            None
        }
    }

    /// A close-and-reconnect waits.
    pub fn reconnect_close_requested(&self) -> bool {
        self.control.reconnect_close.load(Ordering::SeqCst)
    }

    /// A round-trip time was measured.
    pub fn record_rtt(&self, rtt: std::time::Duration) {
        lock(&self.control.rtt).sample(rtt);
    }
}
