//! The echo server's listening threads: accept, start a thread per
//! connection, and wake up to notice a stop.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::conn::serve;
use super::{lock, Inner};

pub(super) fn spawn_acceptors(inner: &Arc<Inner>, listener: TcpListener) -> io::Result<()> {
    let mut l = lock(&inner.listening);
    for _ in 0..inner.cfg.acceptors.max(1) {
        let listener = listener.try_clone()?;
        let i = inner.clone();
        l.acceptors.push(
            std::thread::Builder::new()
                .name("echo-accept".into())
                .spawn(move || accept_loop(i, listener))?,
        );
    }
    Ok(())
}

pub(super) fn wake_acceptor(addr: SocketAddr) {
    let mut a = addr;
    if a.ip().is_unspecified() {
        a.set_ip(if a.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let _ = TcpStream::connect_timeout(&a, Duration::from_secs(1));
}

fn accept_loop(inner: Arc<Inner>, listener: TcpListener) {
    for conn in listener.incoming() {
        if lock(&inner.listening).stopped {
            return;
        }
        match conn {
            Ok(s) => {
                inner.accepted.fetch_add(1, Ordering::SeqCst);
                let i = inner.clone();
                let spawned = std::thread::Builder::new()
                    .name("echo-conn".into())
                    .stack_size(512 << 10)
                    .spawn(move || serve(i, s));
                if let Err(e) = spawned {
                    eprintln!("echo server: cannot start a connection thread: {e}");
                }
            }
            // Out of fds or similar: do not spin.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}
