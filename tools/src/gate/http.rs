//! The HTTP side of the gate server, written by hand so that any status
//! and header can be sent: read and parse the request, the reason phrase of
//! a status, and the wait after a refusal.

use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{is_timeout, GateRequest, Inner, Stream};

/// Largest request header block read.
const MAX_REQUEST: usize = 64 << 10;

/// Reads up to the blank line; returns the header block and what followed.
pub(super) fn read_request(inner: &Inner, s: &mut Box<dyn Stream>) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !inner.stop.load(Ordering::SeqCst) && buf.len() < MAX_REQUEST {
        if Instant::now() > deadline {
            return None;
        }
        match s.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let extra = buf.split_off(end + 4);
                    return String::from_utf8(buf).ok().map(|h| (h, extra));
                }
            }
            Err(e) if is_timeout(&e) => {}
            Err(_) => return None,
        }
    }
    None
}

pub(super) fn parse_request(head: &str) -> Option<GateRequest> {
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    if method != "GET" {
        return None;
    }
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(GateRequest {
        target: target.to_string(),
        headers,
        status: 0,
    })
}

pub(super) fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Gate",
    }
}

/// After a refusal: wait (bounded) for the client to close, so that the
/// answer is not cut by a reset.
pub(super) fn linger(inner: &Inner, s: &mut Box<dyn Stream>) {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut chunk = [0u8; 1024];
    while Instant::now() < deadline && !inner.stop.load(Ordering::SeqCst) {
        match s.read(&mut chunk) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}
