//! `mywsclient-control-server [--addr 127.0.0.1:0] [--pong-delay-ms N]
//!     [--paused] [--echo] [--recv-buffer BYTES]`
//!
//! A WebSocket server for the C and C++ tests of control frames and flow
//! control (see `control.rs`). Prints `LISTENING <port>` first, then one
//! line per event: `OPEN <n>`, `MSG <len> <text|binary>`, `PING <len>`,
//! `PONG <len>`, `CLOSE <code> <reason>`, `END <n>`. Reads commands, one per
//! line, on its standard input: `pause` (stop reading every connection),
//! `resume`, `kill` (reset every connection), `pong-delay <ms>`. Exits when
//! its standard input reaches EOF.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use mywsclient_tools::control::{ControlConfig, ControlServer};

const USAGE: &str = "usage: mywsclient-control-server [--addr 127.0.0.1:0] [--pong-delay-ms N] \
                     [--paused] [--echo] [--recv-buffer BYTES]";

fn parse() -> Result<(SocketAddr, ControlConfig), String> {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut cfg = ControlConfig::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--pong-delay-ms" => {
                let ms = value()?
                    .parse()
                    .map_err(|e| format!("--pong-delay-ms: {e}"))?;
                cfg.pong_delay = Duration::from_millis(ms);
            }
            "--paused" => cfg.paused = true,
            "--echo" => cfg.echo = true,
            "--recv-buffer" => {
                cfg.recv_buffer = Some(
                    value()?
                        .parse()
                        .map_err(|e| format!("--recv-buffer: {e}"))?,
                )
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok((addr, cfg))
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() -> ExitCode {
    let (addr, mut cfg) = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // Events are printed only after LISTENING: hold them until then.
    let ready = Arc::new(std::sync::Mutex::new(()));
    let gate = ready.lock().unwrap_or_else(|p| p.into_inner());
    let r = ready.clone();
    cfg.reporter = Some(Arc::new(move |line: &str| {
        let _g = r.lock().unwrap_or_else(|p| p.into_inner());
        say(line);
    }));
    let server = match ControlServer::start(addr, cfg) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    say(&format!("LISTENING {}", server.port()));
    drop(gate);
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("pause"), None) => server.pause_reading(),
            (Some("resume"), None) => server.resume_reading(),
            (Some("kill"), None) => server.kill_all(),
            (Some("pong-delay"), Some(ms)) => match ms.parse() {
                Ok(ms) => server.set_pong_delay(Duration::from_millis(ms)),
                Err(e) => eprintln!("pong-delay: {e}"),
            },
            (None, _) => {}
            _ => eprintln!("unknown command {line:?} (pause, resume, kill, pong-delay <ms>)"),
        }
    }
    // Exit without waiting for connection threads.
    std::process::exit(0);
}
