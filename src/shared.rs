//! State shared by a client handle and the driver running its session.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

use crossbeam_channel::{Receiver, Sender};
use tungstenite::Bytes;

use crate::config::{Config, Endpoint};
use crate::event::{Event, State};

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

/// Something that wakes the I/O thread driving a client: its own eventfd,
/// or a shared I/O thread's notification.
pub(crate) trait WakeTarget: Send + Sync {
    fn wake(&self);
}

/// Receives each whole message: its bytes and whether it is binary.
pub type MessageHandler = Box<dyn FnMut(&[u8], bool) + Send>;
/// Receives each event.
pub type EventHandler = Box<dyn FnMut(&Event) + Send>;

/// A message accepted by `send`, waiting to be written.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub data: Bytes,
    pub binary: bool,
}

#[derive(Default)]
pub(crate) struct Handlers {
    pub on_message: Option<MessageHandler>,
    pub on_event: Option<EventHandler>,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub messages_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub messages_received: AtomicU64,
    pub bytes_received: AtomicU64,
    pub connections: AtomicU64,
    pub queued_messages: AtomicU64,
    pub queued_bytes: AtomicU64,
    pub last_close_code: AtomicU32,
}

/// State shared by a client handle and its I/O thread.
pub(crate) struct Shared {
    pub endpoint: Endpoint,
    pub config: Mutex<Config>,
    /// Send limits, copied from the configuration so that `send` takes no lock.
    pub max_message_size: AtomicUsize,
    pub max_queue_bytes: AtomicUsize,
    pub max_queue_messages: AtomicUsize,
    pub state: AtomicU32,
    pub stop: AtomicBool,
    /// The handle is gone (freed from inside a callback): no more callbacks.
    pub detached: AtomicBool,
    /// The I/O thread is blocked in poll and wants a wake-up for new sends.
    pub want_wake: AtomicBool,
    /// How to wake the I/O thread; set while a session runs.
    pub wake_target: Mutex<Option<Arc<dyn WakeTarget>>>,
    /// A session exists (from start until its thread or pool finished it).
    pub active: Mutex<bool>,
    pub ended: Condvar,
    pub tx: Sender<Outgoing>,
    pub rx: Receiver<Outgoing>,
    /// Messages taken off the channel but not yet written, kept across runs.
    pub carry: Mutex<VecDeque<Outgoing>>,
    pub handlers: Mutex<Handlers>,
    pub counters: Counters,
    pub last_error: Mutex<String>,
    pub io_thread: Mutex<Option<ThreadId>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a callback is caught; a poisoned lock still holds valid data.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn set_state(&self, s: State) {
        self.state.store(s as u32, Ordering::SeqCst);
    }

    pub fn on_io_thread(&self) -> bool {
        *lock(&self.io_thread) == Some(std::thread::current().id())
    }

    /// Wakes the I/O thread (if a session runs).
    pub fn wake(&self) {
        let target = lock(&self.wake_target).clone();
        if let Some(w) = target {
            w.wake();
        }
    }

    pub fn set_active(&self, active: bool) {
        *lock(&self.active) = active;
        if !active {
            self.ended.notify_all();
        }
    }

    pub fn is_active(&self) -> bool {
        *lock(&self.active)
    }

    /// Blocking here would wait for the thread we are on: a client's own I/O
    /// thread or any shared I/O thread.
    pub fn must_not_wait(&self) -> bool {
        self.on_io_thread() || on_shared_io_thread()
    }
}
