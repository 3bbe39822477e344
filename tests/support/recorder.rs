//! The recorder: collects a client's events, messages and log lines (from
//! its handlers and log sink) and waits on them with a timeout.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mywsclient::{Client, ErrorKind, Event, LogLevel, LogSink};

/// Everything a client reported, in order.
#[derive(Default)]
pub struct RecState {
    pub events: Vec<(Instant, Event)>,
    pub messages: Vec<(Vec<u8>, bool)>,
    pub logs: Vec<(LogLevel, String)>,
}

struct RecInner {
    state: Mutex<RecState>,
    cv: Condvar,
    /// A callback is running (to detect concurrent callbacks).
    inside: AtomicBool,
    overlaps: AtomicUsize,
    /// Callbacks that did not run on a thread named "mywsclient-io".
    foreign: AtomicUsize,
}

/// Collects a client's events, messages and log lines; tests wait on it.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<RecInner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            inner: Arc::new(RecInner {
                state: Mutex::new(RecState::default()),
                cv: Condvar::new(),
                inside: AtomicBool::new(false),
                overlaps: AtomicUsize::new(0),
                foreign: AtomicUsize::new(0),
            }),
        }
    }

    fn enter(&self) {
        if self.inner.inside.swap(true, Ordering::SeqCst) {
            self.inner.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        if !std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("mywsclient-io"))
        {
            self.inner.foreign.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn leave(&self) {
        self.inner.inside.store(false, Ordering::SeqCst);
        self.inner.cv.notify_all();
    }

    pub fn push_event(&self, e: &Event) {
        self.enter();
        lock(&self.inner.state)
            .events
            .push((Instant::now(), e.clone()));
        self.leave();
    }

    pub fn push_message(&self, d: &[u8], binary: bool) {
        self.enter();
        lock(&self.inner.state).messages.push((d.to_vec(), binary));
        self.leave();
    }

    /// Sets the client's message and event handlers to record.
    pub fn attach(&self, c: &Client) {
        let r = self.clone();
        c.set_message_handler(move |d, b| r.push_message(d, b))
            .expect("set message handler");
        let r = self.clone();
        c.set_event_handler(move |e| r.push_event(e))
            .expect("set event handler");
    }

    /// A log sink that records (for `Config::log_sink`).
    pub fn sink(&self) -> LogSink {
        let r = self.clone();
        Arc::new(move |level, line: &str| {
            lock(&r.inner.state).logs.push((level, line.to_string()));
            r.inner.cv.notify_all();
        })
    }

    /// Callbacks that ran while another was running (must stay 0).
    pub fn overlaps(&self) -> usize {
        self.inner.overlaps.load(Ordering::SeqCst)
    }

    /// Callbacks that ran on a thread other than an I/O thread (must stay 0).
    pub fn foreign_calls(&self) -> usize {
        self.inner.foreign.load(Ordering::SeqCst)
    }

    /// Waits until `f` returns Some, or `timeout` passes.
    pub fn wait<T>(
        &self,
        timeout: Duration,
        mut f: impl FnMut(&RecState) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.inner.state);
        loop {
            if let Some(v) = f(&s) {
                return Some(v);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            s = self
                .inner
                .cv
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Number of events so far (a mark for `expect_event`).
    pub fn mark(&self) -> usize {
        lock(&self.inner.state).events.len()
    }

    pub fn events(&self) -> Vec<Event> {
        lock(&self.inner.state)
            .events
            .iter()
            .map(|(_, e)| e.clone())
            .collect()
    }

    pub fn messages(&self) -> Vec<(Vec<u8>, bool)> {
        lock(&self.inner.state).messages.clone()
    }

    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        lock(&self.inner.state).logs.clone()
    }

    pub fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        lock(&self.inner.state)
            .events
            .iter()
            .filter(|(_, e)| pred(e))
            .count()
    }

    /// The recorded events, one per line, for failure messages.
    pub fn dump(&self) -> String {
        let s = lock(&self.inner.state);
        let t0 = s.events.first().map(|(t, _)| *t);
        let mut out = String::new();
        for (i, (t, e)) in s.events.iter().enumerate().take(200) {
            let dt = t0.map(|t0| t.duration_since(t0)).unwrap_or_default();
            out.push_str(&format!("  #{i} +{dt:?} {e:?}\n"));
        }
        if s.events.len() > 200 {
            out.push_str(&format!("  ... {} events in all\n", s.events.len()));
        }
        out
    }

    /// The first event at index >= `from` that matches; panics (with every
    /// event) if none arrives within `timeout`. Returns (index, event, when).
    pub fn expect_event_at(
        &self,
        from: usize,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Event) -> bool,
    ) -> (usize, Event, Instant) {
        let found = self.wait(timeout, |s| {
            s.events
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, (_, e))| pred(e))
                .map(|(i, (t, e))| (i, e.clone(), *t))
        });
        match found {
            Some(f) => f,
            None => panic!(
                "no {what} event (from #{from}) within {timeout:?}; events:\n{}",
                self.dump()
            ),
        }
    }

    pub fn expect_event(
        &self,
        from: usize,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&Event) -> bool,
    ) -> (usize, Event) {
        let (i, e, _) = self.expect_event_at(from, timeout, what, pred);
        (i, e)
    }

    /// Waits for an Open event at index >= `from`; returns its index.
    pub fn expect_open(&self, from: usize, timeout: Duration) -> usize {
        self.expect_event(from, timeout, "Open", |e| matches!(e, Event::Open { .. }))
            .0
    }

    /// Waits for an Error event of `kind` whose message contains `needle`
    /// (case-insensitive); returns its index and message.
    pub fn expect_error(
        &self,
        from: usize,
        kind: ErrorKind,
        needle: &str,
        timeout: Duration,
    ) -> (usize, String) {
        let needle = needle.to_ascii_lowercase();
        let (i, e) = self.expect_event(
            from,
            timeout,
            &format!("Error {kind:?} {needle:?}"),
            |e| matches!(e, Event::Error { kind: k, message, .. } if *k == kind && message.to_ascii_lowercase().contains(&needle)),
        );
        match e {
            Event::Error { message, .. } => (i, message),
            _ => unreachable!(),
        }
    }

    /// Waits for the first Error event at index >= `from`, whatever its kind.
    pub fn expect_any_error(&self, from: usize, timeout: Duration) -> (usize, ErrorKind, String) {
        let (i, e) =
            self.expect_event(from, timeout, "Error", |e| matches!(e, Event::Error { .. }));
        match e {
            Event::Error { kind, message, .. } => (i, kind, message),
            _ => unreachable!(),
        }
    }

    /// Waits for a ReconnectScheduled event at index >= `from`.
    pub fn expect_reconnect(&self, from: usize, timeout: Duration) -> usize {
        self.expect_event(from, timeout, "ReconnectScheduled", |e| {
            matches!(e, Event::ReconnectScheduled { .. })
        })
        .0
    }

    /// Waits until `n` messages arrived; returns them all.
    pub fn expect_messages(&self, n: usize, timeout: Duration) -> Vec<(Vec<u8>, bool)> {
        match self.wait(timeout, |s| {
            (s.messages.len() >= n).then(|| s.messages.clone())
        }) {
            Some(m) => m,
            None => {
                // One lock at a time: `dump` takes it too.
                let got = lock(&self.inner.state).messages.len();
                panic!(
                    "only {got} of {n} messages within {timeout:?}; events:\n{}",
                    self.dump()
                )
            }
        }
    }

    /// Waits for a log line containing `needle` at `level` or more severe.
    pub fn expect_log(&self, level: LogLevel, needle: &str, timeout: Duration) -> String {
        let found = self.wait(timeout, |s| {
            s.logs
                .iter()
                .find(|(l, m)| *l <= level && *l != LogLevel::Off && m.contains(needle))
                .map(|(_, m)| m.clone())
        });
        match found {
            Some(m) => m,
            None => panic!(
                "no log line with {needle:?} at {level:?} within {timeout:?}; logs: {:#?}",
                self.logs()
            ),
        }
    }
}
