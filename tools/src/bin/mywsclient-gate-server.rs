//! `mywsclient-gate-server [--addr 127.0.0.1:0] [--tls-self-signed DIR]`
//!
//! The gate server of `mywsclient_tools::gate` (HTTP refusals, redirects,
//! a token that expires) as a process, for the C and C++ tests. Prints
//! `LISTENING <port>` as its first line, then answers commands, one per
//! line on standard input, with one line on standard output:
//! - `token`: `TOKEN <current token>`
//! - `rotate`: issues the next token, closes the connections holding an
//!   older one with 4001; `TOKEN <new token>`
//! - `count <path prefix>`: `COUNT <requests whose path starts with it>`
//! - `opened`: `OPENED <connections accepted so far>`
//! - `active`: `ACTIVE <connections open now>`
//! - `messages`: `MESSAGES <messages received so far, all connections>`
//! - `last <header name>`: `HEADER <value of that header in the last request>`
//!   (`HEADER` alone when absent)
//! - `close <code>`: closes every open connection with `code`; `OK`
//!
//! Exits when its standard input reaches EOF (so a parent that dies never
//! leaks it) or on SIGTERM. `--tls-self-signed DIR` writes DIR/ca.pem,
//! DIR/server.pem and DIR/server.key and serves wss://.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use mywsclient_tools::gate::GateServer;
use mywsclient_tools::pki;

const USAGE: &str = "usage: mywsclient-gate-server [--addr 127.0.0.1:0] [--tls-self-signed DIR]";

fn parse() -> Result<(SocketAddr, Option<PathBuf>), String> {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut tls = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--tls-self-signed" => tls = Some(value()?.into()),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok((addr, tls))
}

fn answer(server: &GateServer, line: &str) -> String {
    let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
    match cmd {
        "token" => format!("TOKEN {}", server.token()),
        "rotate" => format!("TOKEN {}", server.rotate_token()),
        "count" => format!("COUNT {}", server.count(arg)),
        "opened" => format!("OPENED {}", server.opened()),
        "active" => format!("ACTIVE {}", server.active()),
        "messages" => format!("MESSAGES {}", server.messages().len()),
        "last" => {
            let v = server
                .requests()
                .last()
                .and_then(|r| r.header(arg).map(str::to_string));
            match v {
                Some(v) => format!("HEADER {v}"),
                None => "HEADER".into(),
            }
        }
        "close" => match arg.parse::<u16>() {
            Ok(code) => {
                server.close_all(code, "closed by the test");
                "OK".into()
            }
            Err(_) => "ERROR close needs a code".into(),
        },
        _ => format!("ERROR unknown command {cmd:?}"),
    }
}

fn main() -> ExitCode {
    let (addr, tls_dir) = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let tls = match tls_dir.map(|d| pki::self_signed_dir(&d)).transpose() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("TLS setup: {e}");
            return ExitCode::from(1);
        }
    };
    let server = match GateServer::start(addr, tls) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "LISTENING {}", server.port());
    let _ = out.flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}", answer(&server, line));
        let _ = out.flush();
    }
    // Exit without waiting for connection threads.
    std::process::exit(0);
}
