//! `mywsclient-echo-server [--addr 127.0.0.1:0] [--threads N]
//!     [--tls-self-signed DIR | --tls-cert F --tls-key F] [--subprotocol NAME]`
//!
//! Prints `LISTENING <port>` as its first line, echoes every text and binary
//! message with its kind, answers pings, and exits when its standard input
//! reaches EOF (so a parent that dies never leaks it) or on SIGTERM.
//! One thread per connection; `--threads N` sets the number of accepting
//! threads (default 1). `--tls-self-signed DIR` writes DIR/ca.pem,
//! DIR/server.pem and DIR/server.key (for localhost, 127.0.0.1, ::1) and
//! serves wss://.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mywsclient_tools::echo::{EchoConfig, EchoServer};
use mywsclient_tools::pki;

const USAGE: &str = "usage: mywsclient-echo-server [--addr 127.0.0.1:0] [--threads N] \
                     [--tls-self-signed DIR | --tls-cert F --tls-key F] [--subprotocol NAME]";

struct Args {
    addr: SocketAddr,
    threads: usize,
    self_signed: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    subprotocol: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        threads: 1,
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
    let server = match EchoServer::start(args.addr, cfg) {
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
    // Serve until stdin reaches EOF (or fails). SIGTERM keeps its default
    // action: the process ends.
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 4096];
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    // Exit without waiting for connection threads.
    std::process::exit(0);
}
