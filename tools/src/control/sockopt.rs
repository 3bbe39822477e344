//! Socket options std has no setter for.

use std::io;
use std::net::TcpListener;
use std::os::fd::AsRawFd;

/// `SO_RCVBUF` on a socket (std has no setter).
pub(super) fn set_recv_buffer(l: &TcpListener, bytes: usize) -> io::Result<()> {
    let v = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: `l` owns a live socket for the duration of the call; the value
    // points to a live c_int whose exact size is passed.
    let rc = unsafe {
        libc::setsockopt(
            l.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &v as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
