//! Socket helpers shared by the test servers (also compiled into the
//! integration tests through `#[path]`): the one thing std cannot do yet.

use std::io;
use std::net::TcpStream;
use std::os::fd::AsRawFd;

/// Makes the next `close()` of this socket send a TCP RST instead of a FIN
/// (`SO_LINGER` on, timeout 0). std's `TcpStream::set_linger` is unstable.
pub fn set_linger_zero(s: &TcpStream) -> io::Result<()> {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `s` owns a live socket fd for the duration of the call; the
    // option value points to a live `linger` whose exact size is passed.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Resets the connection: RST to the peer once every handle to the socket is
/// closed, and wakes any thread of ours blocked reading it (`shutdown(Read)`
/// sends nothing to the peer on Linux).
pub fn abort(s: &TcpStream) {
    let _ = set_linger_zero(s);
    let _ = s.shutdown(std::net::Shutdown::Read);
}

/// Raises the accept backlog of a listening socket to the system's maximum
/// (std listens with 128): a burst of thousands of connects (the benchmark's
/// many-clients scenario) would otherwise overflow the queue and wait out the
/// clients' 1 s SYN retransmission.
pub fn deepen_backlog(l: &std::net::TcpListener) {
    // SAFETY: `l` owns a live listening socket for the duration of the call;
    // listen() on a listening socket only changes its backlog.
    unsafe {
        libc::listen(l.as_raw_fd(), libc::SOMAXCONN.max(4096));
    }
}
