//! A tool binary started by a test: its `LISTENING <port>` line, commands
//! on stdin answered with one line each, its exit (bounded).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;

use crate::WAIT;

pub struct Proc {
    pub child: Option<Child>,
    pub stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    pub port: u16,
}

impl Proc {
    pub fn spawn(bin: &str, args: &[&str]) -> Proc {
        let mut child = Command::new(bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the tool");
        let stdin = child.stdin.take();
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(WAIT).expect("a first line");
        let port = first
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("first line {first:?}"));
        Proc {
            child: Some(child),
            stdin,
            lines,
            port,
        }
    }

    pub fn send(&mut self, line: &str) -> String {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        self.lines.recv_timeout(WAIT).expect("a reply line")
    }

    /// Waits (bounded) for the process to exit; returns its status code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let mut child = self.child.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let pid = child.id();
        let t = std::thread::spawn(move || {
            let st = child.wait();
            let _ = tx.send(st.map(|s| s.code()));
        });
        match rx.recv_timeout(WAIT) {
            Ok(st) => {
                let _ = t.join();
                st.unwrap()
            }
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                panic!("process {pid} did not exit");
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn echo_bin() -> &'static str {
    env!("CARGO_BIN_EXE_mywsclient-echo-server")
}

pub fn proxy_bin() -> &'static str {
    env!("CARGO_BIN_EXE_mywsclient-fault-proxy")
}

pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("mywsclient-tools-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

/// The answer to a `stats` line, as (name, value) pairs.
pub fn stats(p: &mut Proc) -> Vec<(String, u64)> {
    let line = p.send("stats");
    let rest = line
        .strip_prefix("STATS ")
        .unwrap_or_else(|| panic!("stats line {line:?}"));
    rest.split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

pub fn stat(p: &mut Proc, name: &str) -> u64 {
    stats(p)
        .into_iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name} in the stats"))
        .1
}
