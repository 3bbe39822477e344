//! A client under test whose events and messages are recorded, and the
//! bounded waits on them.

use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use mywsclient::{Client, Config, Event};

use crate::WAIT;

type Events = Arc<(Mutex<Vec<Event>>, Condvar)>;

pub struct Rec {
    events: Events,
    pub msgs: mpsc::Receiver<(Vec<u8>, bool)>,
}

impl Rec {
    pub fn events(&self) -> Vec<Event> {
        self.events.0.lock().unwrap().clone()
    }

    /// Waits until `f` holds for the events seen so far (bounded).
    pub fn wait<T>(&self, mut f: impl FnMut(&[Event]) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        let mut g = self.events.0.lock().unwrap();
        loop {
            if let Some(v) = f(&g) {
                return v;
            }
            let now = Instant::now();
            assert!(now < deadline, "condition not met; events: {:?}", *g);
            g = self.events.1.wait_timeout(g, deadline - now).unwrap().0;
        }
    }

    pub fn wait_opens(&self, n: usize) {
        self.wait(|ev| {
            (ev.iter()
                .filter(|e| matches!(e, Event::Open { .. }))
                .count()
                >= n)
                .then_some(())
        })
    }
}

pub fn client(url: &str, cfg: Config) -> (Client, Rec) {
    let c = Client::with_config(url, 0, "", cfg).unwrap();
    let (tx, msgs) = mpsc::channel();
    let tx = Mutex::new(tx);
    c.set_message_handler(move |d, b| {
        let _ = tx.lock().unwrap().send((d.to_vec(), b));
    })
    .unwrap();
    let events: Events = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
    let e = events.clone();
    c.set_event_handler(move |ev| {
        e.0.lock().unwrap().push(ev.clone());
        e.1.notify_all();
    })
    .unwrap();
    (c, Rec { events, msgs })
}

pub fn config() -> Config {
    Config {
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(100),
        log_level: mywsclient::LogLevel::Off,
        ..Config::default()
    }
}

pub fn wait_event(r: &Rec, pred: impl Fn(&Event) -> bool) -> Event {
    r.wait(|ev| ev.iter().find(|e| pred(e)).cloned())
}
