//! `mywsclient-fault-proxy --listen 127.0.0.1:0 --target 127.0.0.1:PORT`
//!
//! Prints `LISTENING <port>`, then reads commands on stdin, one per line:
//! `cut` (RST every current connection, both sides), `refuse` (close the
//! port: new connections are refused), `accept` (listen again), `blackhole`
//! (keep sockets open, drop every byte both ways), `forward` (normal). Each
//! is acknowledged by `OK <cmd>` once in effect (`ERR <text>` for an unknown
//! one). Exits when stdin reaches EOF.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use mywsclient_tools::proxy::{Command, FaultProxy};

const USAGE: &str = "usage: mywsclient-fault-proxy --listen 127.0.0.1:0 --target 127.0.0.1:PORT";

fn parse() -> Result<(SocketAddr, SocketAddr), String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut target = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--target" => target = Some(value()?.parse().map_err(|e| format!("--target: {e}"))?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok((
        listen,
        target.ok_or_else(|| format!("--target is required\n{USAGE}"))?,
    ))
}

fn main() -> ExitCode {
    let (listen, target) = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let proxy = match FaultProxy::start(listen, target) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "LISTENING {}", proxy.port());
    let _ = out.flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match line.parse::<Command>() {
            Ok(cmd) => {
                proxy.command(cmd);
                format!("OK {}", cmd.as_str())
            }
            Err(e) => format!("ERR {e}"),
        };
        let _ = writeln!(out, "{reply}");
        let _ = out.flush();
    }
    // Connections are reset by dropping the proxy; do not wait on threads.
    drop(proxy);
    ExitCode::SUCCESS
}
