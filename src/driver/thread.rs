//! A client's own I/O thread: `poll(2)` on its socket and an eventfd that
//! wakes it for sends and stop.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};
use crate::session::Session;
use crate::shared::{Shared, WakeTarget};
use crate::sys;

impl WakeTarget for sys::Waker {
    fn wake(&self) {
        sys::Waker::wake(self)
    }
}

/// Starts the thread that drives the session of `sh`.
pub(crate) fn spawn(sh: Arc<Shared>) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("mywsclient-io".into())
        .spawn(move || run(sh))
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot start the I/O thread: {e}")))
}

/// The body of a client's own I/O thread.
fn run(sh: Arc<Shared>) {
    sh.set_io_thread(Some(std::thread::current().id()));
    let mut s = Session::new(sh.clone());
    let waker = match sys::Waker::new() {
        Ok(w) => Arc::new(w),
        Err(e) => {
            s.abort(Error::new(
                ErrorKind::Io,
                format!("cannot create the wake-up fd: {e}"),
            ));
            return;
        }
    };
    sh.set_wake_target(Some(waker.clone()));
    s.begin();
    while !s.done() {
        let now = Instant::now();
        let w = s.prepare(now);
        let timeout = if w.immediate {
            Some(Duration::ZERO)
        } else {
            w.deadline.map(|d| d.saturating_duration_since(now))
        };
        let ready = match sys::poll2(waker.fd(), w.fd, timeout) {
            Ok((woke, ready)) => {
                if woke {
                    waker.drain();
                }
                ready
            }
            Err(e) => {
                s.logger().error(format_args!("poll failed: {e}"));
                std::thread::sleep(Duration::from_millis(10));
                sys::Ready::default()
            }
        };
        s.turn(Instant::now(), ready);
    }
    s.finish();
}
