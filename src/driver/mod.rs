//! What runs sessions: a client's own thread ([`thread`]) or one of the
//! process's shared I/O threads ([`shared_io`]).

pub(crate) mod shared_io;
pub(crate) mod thread;

use std::sync::Arc;
use std::thread::JoinHandle;

use crate::error::Result;
use crate::session::Session;
use crate::shared::Shared;

/// Starts the session of `sh` on a shared I/O thread (`shared_io`) or on a
/// thread of its own, whose handle is returned.
pub(crate) fn start(sh: Arc<Shared>, shared_io: bool) -> Result<Option<JoinHandle<()>>> {
    if shared_io {
        shared_io::global()?.add(Session::new(sh))?;
        Ok(None)
    } else {
        thread::spawn(sh).map(Some)
    }
}
