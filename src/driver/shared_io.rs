//! Shared I/O threads: many clients per thread, each thread blocked in
//! `epoll_wait` on its clients' sockets and one eventfd. A client costs one
//! fd (its socket) instead of two (socket + eventfd) and no thread of its own.
//! Sessions are the same state machines the per-client threads drive.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use once_cell::sync::OnceCell;

use crate::error::{Error, ErrorKind, Result};
use crate::session::Session;
use crate::shared::{lock, mark_shared_io_thread, WakeTarget};
use crate::sys::{Epoll, Ready, Waker};

const WAKE_TOKEN: u64 = u64::MAX;

enum Cmd {
    Add(Box<Session>),
    Notify(u64),
}

struct IoThread {
    waker: Waker,
    inbox: Mutex<Vec<Cmd>>,
}

impl IoThread {
    fn push(&self, cmd: Cmd) {
        let mut q = lock(&self.inbox);
        let first = q.is_empty();
        q.push(cmd);
        drop(q);
        if first {
            self.waker.wake();
        }
    }
}

/// Wakes one client's session on its shared thread.
struct SharedIoWake {
    thread: Arc<IoThread>,
    id: u64,
}

impl WakeTarget for SharedIoWake {
    fn wake(&self) {
        self.thread.push(Cmd::Notify(self.id));
    }
}

pub(crate) struct SharedIo {
    threads: Vec<Arc<IoThread>>,
    next: std::sync::atomic::AtomicU64,
}

/// The process's shared I/O threads, started on first use with `MYWSCLIENT_IO_THREADS`
/// threads (default: the number of CPUs).
pub(crate) fn global() -> Result<&'static SharedIo> {
    static SHARED_IO: OnceCell<SharedIo> = OnceCell::new();
    SHARED_IO.get_or_try_init(|| {
        let n = std::env::var("MYWSCLIENT_IO_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
            })
            .clamp(1, 64);
        let mut threads = Vec::with_capacity(n);
        for i in 0..n {
            let io = |e: std::io::Error| {
                Error::new(
                    ErrorKind::Io,
                    format!("cannot start a shared I/O thread: {e}"),
                )
            };
            let epoll = Epoll::new().map_err(io)?;
            let thread = Arc::new(IoThread {
                waker: Waker::new().map_err(io)?,
                inbox: Mutex::new(Vec::new()),
            });
            epoll
                .add(thread.waker.fd(), false, WAKE_TOKEN)
                .map_err(io)?;
            let w = thread.clone();
            std::thread::Builder::new()
                .name(format!("mywsclient-io-{i}"))
                .spawn(move || io_thread_loop(w, epoll))
                .map_err(io)?;
            threads.push(thread);
        }
        Ok(SharedIo {
            threads,
            next: std::sync::atomic::AtomicU64::new(0),
        })
    })
}

impl SharedIo {
    /// Hands a new session to a thread (round robin).
    pub(crate) fn add(&self, session: Session) -> Result<()> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let thread = &self.threads[(n % self.threads.len() as u64) as usize];
        thread.push(Cmd::Add(Box::new(session)));
        Ok(())
    }
}

struct Slot {
    session: Box<Session>,
    /// Registered fd, write interest, socket generation.
    reg: Option<(RawFd, bool, u64)>,
    /// The earliest timer queued for this session.
    timer: Option<Instant>,
}

fn io_thread_loop(thread: Arc<IoThread>, epoll: Epoll) {
    mark_shared_io_thread();
    let me = std::thread::current().id();
    let mut slots: HashMap<u64, Slot> = HashMap::new();
    let mut timers: BinaryHeap<Reverse<(Instant, u64)>> = BinaryHeap::new();
    let mut immediate: Vec<u64> = Vec::new();
    let mut events = Vec::new();
    let mut batch: Vec<(u64, Ready)> = Vec::new();
    let mut next_id: u64 = 0;
    loop {
        let now = Instant::now();
        let timeout = if !immediate.is_empty() {
            Some(Duration::ZERO)
        } else {
            timers
                .peek()
                .map(|Reverse((t, _))| t.saturating_duration_since(now))
        };
        if epoll.wait(&mut events, timeout).is_err() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let now = Instant::now();
        batch.clear();
        batch.extend(immediate.drain(..).map(|id| (id, Ready::default())));
        for &(token, ready) in &events {
            if token != WAKE_TOKEN {
                batch.push((token, ready));
                continue;
            }
            thread.waker.drain();
            let cmds = std::mem::take(&mut *lock(&thread.inbox));
            for cmd in cmds {
                match cmd {
                    Cmd::Add(mut session) => {
                        let id = next_id;
                        next_id += 1;
                        let sh = session.shared().clone();
                        sh.set_io_thread(Some(me));
                        sh.set_wake_target(Some(Arc::new(SharedIoWake {
                            thread: thread.clone(),
                            id,
                        })));
                        session.begin();
                        slots.insert(
                            id,
                            Slot {
                                session,
                                reg: None,
                                timer: None,
                            },
                        );
                        batch.push((id, Ready::default()));
                    }
                    Cmd::Notify(id) => batch.push((id, Ready::default())),
                }
            }
        }
        while let Some(Reverse((t, id))) = timers.peek().copied() {
            if t > now {
                break;
            }
            timers.pop();
            if let Some(slot) = slots.get_mut(&id) {
                if slot.timer == Some(t) {
                    slot.timer = None;
                    batch.push((id, Ready::default()));
                }
            }
        }
        for &(id, ready) in &batch {
            let Some(slot) = slots.get_mut(&id) else {
                continue;
            };
            if !slot.session.done() {
                slot.session.turn(now, ready);
            }
            if slot.session.done() {
                // Its socket is closed, hence already out of the epoll set.
                if let Some(mut slot) = slots.remove(&id) {
                    slot.session.finish();
                }
                continue;
            }
            let w = slot.session.prepare(Instant::now());
            let reg = w.fd.map(|(fd, write)| (fd, write, w.generation));
            if reg != slot.reg {
                if let Some((fd, write, generation)) = reg {
                    // A new socket (even with a reused fd number) is added;
                    // the same socket with another interest is modified.
                    let same_socket = slot.reg.is_some_and(|(f, _, g)| f == fd && g == generation);
                    let r = if same_socket {
                        epoll.modify(fd, write, id)
                    } else {
                        epoll.add(fd, write, id)
                    };
                    if r.is_err() {
                        let _ = epoll.modify(fd, write, id);
                    }
                }
                // No fd: the socket was closed, which took it out of the set;
                // deleting by number could hit another client's new socket.
                slot.reg = reg;
            }
            if w.immediate {
                immediate.push(id);
            }
            if let Some(d) = w.deadline {
                if slot.timer.is_none_or(|t| d < t) {
                    slot.timer = Some(d);
                    timers.push(Reverse((d, id)));
                }
            }
        }
    }
}
