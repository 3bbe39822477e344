//! The poll/socket layer: the only place outside `ffi/` with `unsafe`.
//! A wake-up fd (eventfd), `poll(2)`, non-blocking TCP connect and socket
//! options, all through `libc`.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// An eventfd that wakes the I/O thread out of `poll`.
#[derive(Debug)]
pub struct Waker {
    fd: OwnedFd,
}

impl Waker {
    pub fn new() -> io::Result<Waker> {
        // SAFETY: eventfd takes no pointers; a negative return is an error.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Waker { fd })
    }

    /// Makes the fd readable (idempotent until drained).
    pub fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our own eventfd. EAGAIN
        // (counter saturated) still leaves it readable, so errors are ignored.
        unsafe {
            libc::write(
                self.fd.as_raw_fd(),
                &one as *const u64 as *const libc::c_void,
                8,
            );
        }
    }

    /// Clears the readable state.
    pub fn drain(&self) {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a live u64 from our own non-blocking eventfd.
        unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                &mut v as *mut u64 as *mut libc::c_void,
                8,
            );
        }
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Readiness of one polled fd.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ready {
    /// Readable, or hung up / in error (a read will tell).
    pub readable: bool,
    pub writable: bool,
    /// Error or hang-up.
    pub error: bool,
}

/// Blocks until the waker or the socket is ready, or `timeout` passes
/// (`None` = forever). Returns (waker readable, socket readiness).
pub fn poll2(
    waker: RawFd,
    sock: Option<(RawFd, bool)>,
    timeout: Option<Duration>,
) -> io::Result<(bool, Ready)> {
    let mut fds = [
        libc::pollfd {
            fd: waker,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: -1,
            events: 0,
            revents: 0,
        },
    ];
    if let Some((fd, want_write)) = sock {
        fds[1].fd = fd;
        fds[1].events = libc::POLLIN | if want_write { libc::POLLOUT } else { 0 };
    }
    let ms: libc::c_int = match timeout {
        None => -1,
        // Round up so that a timer never fires early and spins.
        Some(t) => t.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int,
    };
    // SAFETY: `fds` is a live array of two pollfd; its length is passed.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok((false, Ready::default()));
        }
        return Err(e);
    }
    let r = fds[1].revents;
    Ok((
        fds[0].revents & libc::POLLIN != 0,
        Ready {
            readable: r & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0,
            writable: r & (libc::POLLOUT | libc::POLLERR) != 0,
            error: r & (libc::POLLERR | libc::POLLNVAL) != 0,
        },
    ))
}

/// An epoll instance (level-triggered) for the shared I/O threads.
#[derive(Debug)]
pub struct Epoll {
    fd: OwnedFd,
}

impl Epoll {
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes no pointers; a negative return is an error.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Epoll { fd })
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, write: bool, token: u64) -> io::Result<()> {
        let events = libc::EPOLLIN | libc::EPOLLRDHUP | if write { libc::EPOLLOUT } else { 0 };
        let mut ev = libc::epoll_event {
            events: events as u32,
            u64: token,
        };
        // SAFETY: `ev` is a live epoll_event; the kernel copies it.
        let rc = unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut ev) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Registers `fd` (readable, and writable when `write`) under `token`.
    pub fn add(&self, fd: RawFd, write: bool, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, write, token)
    }

    /// The epoll fd itself (pollable: readable when an event is pending).
    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub fn modify(&self, fd: RawFd, write: bool, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, write, token)
    }

    /// Waits for events; returns (token, readiness) pairs in `out`.
    pub fn wait(&self, out: &mut Vec<(u64, Ready)>, timeout: Option<Duration>) -> io::Result<()> {
        const MAX: usize = 256;
        let mut evs = [libc::epoll_event { events: 0, u64: 0 }; MAX];
        let ms = match timeout {
            None => -1,
            Some(t) => t.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int,
        };
        // SAFETY: `evs` is a live array of MAX epoll_event; its length is passed.
        let n = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                evs.as_mut_ptr(),
                MAX as libc::c_int,
                ms,
            )
        };
        out.clear();
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(e)
            };
        }
        for ev in &evs[..n as usize] {
            let r = ev.events as libc::c_int;
            out.push((
                ev.u64,
                Ready {
                    readable: r
                        & (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLRDHUP | libc::EPOLLERR)
                        != 0,
                    writable: r & (libc::EPOLLOUT | libc::EPOLLERR) != 0,
                    error: r & libc::EPOLLERR != 0,
                },
            ));
        }
        Ok(())
    }
}

fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// Starts a non-blocking connect. The returned stream is writable once the
/// connect finished; then call [`take_connect_error`].
pub fn connect_nonblocking(addr: &SocketAddr) -> io::Result<TcpStream> {
    let family = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: socket takes no pointers; a negative return is an error.
    let fd = unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh socket that nothing else owns; TcpStream closes it.
    let stream = unsafe { TcpStream::from_raw_fd(fd) };
    let (storage, len) = sockaddr(addr);
    // SAFETY: `storage` holds a valid sockaddr of `len` bytes for `addr`'s family.
    let rc = unsafe { libc::connect(fd, &storage as *const _ as *const libc::sockaddr, len) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINPROGRESS) {
            return Err(e);
        }
    }
    Ok(stream)
}

/// The result of a finished non-blocking connect (`SO_ERROR`).
pub fn take_connect_error(stream: &TcpStream) -> io::Result<()> {
    let mut err: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `err` and `len` are live and sized for SO_ERROR's int.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            &mut err as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    if err != 0 {
        return Err(io::Error::from_raw_os_error(err));
    }
    Ok(())
}

fn setsockopt_int(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: passes a pointer to a live c_int and its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            &value as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// TCP_QUICKACK on `fd`: acknowledge at once instead of delaying the ACK
/// (the kernel drops back to delayed ACKs by itself, so it is set before
/// each handshake read). A proxy that relays the server's TLS flight in
/// pieces with Nagle on waits for our ACK between them: with delayed ACKs
/// that stalled a wss:// connect through a proxy by ~40 ms.
pub fn quickack(fd: RawFd) -> io::Result<()> {
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 1)
}

/// TCP_NODELAY, keepalive (idle/interval/count) and TCP_USER_TIMEOUT: the
/// kernel's second net under the heartbeat.
pub fn tune_socket(
    stream: &TcpStream,
    keepalive_idle: Duration,
    user_timeout: Duration,
) -> io::Result<()> {
    let fd = stream.as_raw_fd();
    stream.set_nodelay(true)?;
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    let idle = keepalive_idle.as_secs().clamp(1, 7200) as libc::c_int;
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, idle)?;
    setsockopt_int(
        fd,
        libc::IPPROTO_TCP,
        libc::TCP_KEEPINTVL,
        idle.clamp(1, 10),
    )?;
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3)?;
    let ut = user_timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, ut)?;
    Ok(())
}

/// Bytes written to a connected TCP socket that the peer's TCP has not
/// acknowledged yet (sent but unacknowledged, plus not yet sent): Linux
/// `SIOCOUTQ` (= `TIOCOUTQ`), macOS `SO_NWRITE`. Valid until the fd is
/// closed, also after a reset or a timeout ended the connection. `None` where
/// the platform has no such query or the call fails.
pub fn unacked_bytes(fd: RawFd) -> Option<u64> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let mut n: libc::c_int = 0;
        // SAFETY: SIOCOUTQ writes one c_int through the pointer, which points
        // to a live local; a bad or non-TCP fd makes the call fail, nothing else.
        let rc = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n as *mut libc::c_int) };
        (rc == 0 && n >= 0).then_some(n as u64)
    }
    #[cfg(target_vendor = "apple")]
    {
        let mut n: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: getsockopt writes at most `len` bytes into the live local `n`
        // and its size into the live local `len`.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_NWRITE,
                &mut n as *mut libc::c_int as *mut libc::c_void,
                &mut len,
            )
        };
        (rc == 0 && n >= 0).then_some(n as u64)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    {
        let _ = fd;
        None
    }
}

/// Makes closing `fd` abortive (`SO_LINGER` with a zero timeout): the
/// kernel discards what is still unsent or unacknowledged and sends a reset
/// instead of delivering it later, after the caller put those messages back
/// in its queue.
pub fn set_linger_zero(fd: RawFd) -> io::Result<()> {
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: passes a pointer to a live `linger` and its exact size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &l as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn waker_wakes_poll_and_drains() {
        let w = Waker::new().unwrap();
        let (woke, _) = poll2(w.fd(), None, Some(Duration::from_millis(1))).unwrap();
        assert!(!woke);
        w.wake();
        w.wake();
        let t = Instant::now();
        let (woke, _) = poll2(w.fd(), None, Some(Duration::from_secs(10))).unwrap();
        assert!(woke && t.elapsed() < Duration::from_secs(5));
        w.drain();
        let (woke, _) = poll2(w.fd(), None, Some(Duration::ZERO)).unwrap();
        assert!(!woke);
    }

    #[test]
    fn nonblocking_connect_reports_refusal_and_success() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let w = Waker::new().unwrap();
        let s = connect_nonblocking(&addr).unwrap();
        let (_, r) = poll2(
            w.fd(),
            Some((s.as_raw_fd(), true)),
            Some(Duration::from_secs(10)),
        )
        .unwrap();
        assert!(r.writable);
        take_connect_error(&s).unwrap();
        tune_socket(&s, Duration::from_secs(3), Duration::from_secs(6)).unwrap();
        drop(l);
        // The listener is gone: connecting again is refused.
        let s = connect_nonblocking(&addr).and_then(|s| {
            poll2(
                w.fd(),
                Some((s.as_raw_fd(), true)),
                Some(Duration::from_secs(10)),
            )?;
            take_connect_error(&s)
        });
        assert_eq!(s.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn unacked_bytes_counts_what_the_peer_has_not_acknowledged() {
        use std::io::Write;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut s = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (peer, _) = l.accept().unwrap();
        assert_eq!(unacked_bytes(s.as_raw_fd()), Some(0));
        s.write_all(&[7u8; 1000]).unwrap();
        // Loopback acknowledges at once (the peer's kernel holds the bytes).
        let deadline = Instant::now() + Duration::from_secs(10);
        while unacked_bytes(s.as_raw_fd()) != Some(0) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(unacked_bytes(s.as_raw_fd()), Some(0));
        drop(peer);
        assert_eq!(unacked_bytes(-1), None);
    }
}
