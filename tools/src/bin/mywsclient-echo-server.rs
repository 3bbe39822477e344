//! `mywsclient-echo-server [--addr 127.0.0.1:0] [--threads N] [--event-loop]
//!     [--tls-self-signed DIR | --tls-cert F --tls-key F] [--subprotocol NAME]`
//!
//! Prints `LISTENING <port>` as its first line, echoes every text and binary
//! message with its kind, answers pings, and exits when its standard input
//! reaches EOF (so a parent that dies never leaks it) or on SIGTERM. A line
//! `stats` on its standard input is answered with one line
//! `STATS accepted=N opened=N tls_full=N tls_resumed=N` (connections
//! accepted, WebSocket handshakes completed, TLS handshakes in full and
//! resumed), followed by ` open=N echoed=N` (connections open now,
//! messages echoed) with `--event-loop`.
//! One thread per connection; `--threads N` sets the number of accepting
//! threads (default 1). With `--event-loop`, N threads each serve many
//! connections from an epoll loop instead (for thousands of connections). `--tls-self-signed DIR` writes DIR/ca.pem,
//! DIR/server.pem and DIR/server.key (for localhost, 127.0.0.1, ::1) and
//! serves wss://.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mywsclient_tools::echo::{EchoConfig, EchoServer};
use mywsclient_tools::echo_events::EventServer;
use mywsclient_tools::pki;

const USAGE: &str =
    "usage: mywsclient-echo-server [--addr 127.0.0.1:0] [--threads N] [--event-loop] \
                     [--tls-self-signed DIR | --tls-cert F --tls-key F] [--subprotocol NAME]";

struct Args {
    addr: SocketAddr,
    threads: usize,
    event_loop: bool,
    self_signed: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    subprotocol: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        threads: 1,
        event_loop: false,
        self_signed: None,
        cert: None,
        key: None,
        subprotocol: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => a.addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--threads" => {
                a.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?;
                if a.threads == 0 || a.threads > 1024 {
                    return Err("--threads must be between 1 and 1024".into());
                }
            }
            "--event-loop" => a.event_loop = true,
            "--tls-self-signed" => a.self_signed = Some(value()?.into()),
            "--tls-cert" => a.cert = Some(value()?.into()),
            "--tls-key" => a.key = Some(value()?.into()),
            "--subprotocol" => a.subprotocol = Some(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if a.self_signed.is_some() && (a.cert.is_some() || a.key.is_some()) {
        return Err("--tls-self-signed excludes --tls-cert/--tls-key".into());
    }
    if a.cert.is_some() != a.key.is_some() {
        return Err("--tls-cert and --tls-key go together".into());
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let tls = match (&args.self_signed, &args.cert, &args.key) {
        (Some(dir), _, _) => Some(pki::self_signed_dir(dir)),
        (None, Some(c), Some(k)) => Some(pki::server_config_from_files(c, k)),
        _ => None,
    };
    let tls = match tls.transpose() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("TLS setup: {e}");
            return ExitCode::from(1);
        }
    };
    let cfg = EchoConfig {
        tls,
        subprotocol: args.subprotocol,
        controls: false,
        acceptors: args.threads,
    };
    let started = if args.event_loop {
        EventServer::start(args.addr, cfg, args.threads).map(Server::Events)
    } else {
        EchoServer::start(args.addr, cfg).map(Server::Threads)
    };
    let server = match started {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.addr);
            return ExitCode::from(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "LISTENING {}", server.port());
        let _ = out.flush();
    }
    // Serve until stdin reaches EOF (or fails); answer `stats`. SIGTERM
    // keeps its default action: the process ends.
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "stats" {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "STATS {}", server.stats());
            let _ = out.flush();
        }
    }
    // Exit without waiting for connection threads.
    std::process::exit(0);
}

enum Server {
    Threads(EchoServer),
    Events(EventServer),
}

impl Server {
    fn port(&self) -> u16 {
        match self {
            Server::Threads(s) => s.port(),
            Server::Events(s) => s.port(),
        }
    }

    fn stats(&self) -> String {
        match self {
            Server::Threads(s) => format!(
                "accepted={} opened={} tls_full={} tls_resumed={}",
                s.accepted(),
                s.opened(),
                s.tls_full(),
                s.tls_resumed()
            ),
            Server::Events(s) => s.stats().line(),
        }
    }
}
