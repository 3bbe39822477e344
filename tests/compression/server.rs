//! A real permessage-deflate server for tests and the compression example:
//! Python `websockets` (`deflate_server.py` beside this file) in a venv made
//! once under `target/py-websockets`, started on 127.0.0.1, stopped on drop.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// The pip requirement: the asyncio server API and the extension options
/// `deflate_server.py` uses.
const REQUIREMENT: &str = "websockets>=13,<18";

static VENV_LOCK: Mutex<()> = Mutex::new(());

/// The venv's python, creating the venv (once) when missing.
pub fn python() -> PathBuf {
    let _guard = VENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target/py-websockets");
    let py = venv.join("bin/python");
    let ready = venv.join(".ready");
    if ready.exists() {
        return py;
    }
    // Not ready: made from scratch (an interrupted set-up leaves no mark).
    let _ = std::fs::remove_dir_all(&venv);
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run python3 (is it installed?)");
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "-q",
        "--disable-pip-version-check",
        REQUIREMENT,
    ]));
    std::fs::write(&ready, REQUIREMENT).expect("mark the venv ready");
    py
}

/// A running `deflate_server.py`.
pub struct PyServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl PyServer {
    /// Starts the server in `mode` (`takeover`, `no-takeover` or `off`).
    pub fn start(mode: &str) -> PyServer {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compression/deflate_server.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start deflate_server.py");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        // The first line is the port (or EOF if the server died).
        let _ = out.read_line(&mut line);
        let port = match line.trim().strip_prefix("PORT ").map(str::parse) {
            Some(Ok(p)) => p,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("deflate_server.py {mode} did not start: {line:?}");
            }
        };
        PyServer { child, port }
    }

    /// `ws://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
