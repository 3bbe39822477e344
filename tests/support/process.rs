//! Child processes (for process-wide state: environment, threads, stderr)
//! and this process's threads as Linux lists them in /proc.

use std::time::{Duration, Instant};

const CHILD_ENV: &str = "MYWSCLIENT_TEST_CHILD";

/// True inside a child started by `run_child`. Child-only tests return at
/// once when this is false.
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs the test `name` of the current test binary alone in a child process
/// with `env` set (and MYWSCLIENT_* variables otherwise removed); returns its
/// output after checking that it passed.
pub fn run_child(name: &str, env: &[(&str, &str)]) -> std::process::Output {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = std::process::Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads", "1"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("MYWSCLIENT_") && k != "MYWSCLIENT_TEST_SHARED_IO" {
            cmd.env_remove(k);
        }
    }
    cmd.env(CHILD_ENV, "1")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null());
    let out = cmd.output().expect("run the child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child test {name} failed: {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Linux: the ids of this process's threads named `name`.
pub fn threads_named(name: &str) -> Vec<u32> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            if let Some(tid) = e.file_name().to_str().and_then(|s| s.parse().ok()) {
                v.push(tid);
            }
        }
    }
    v
}

/// Linux: waits (up to 5 s) until this process has no thread named `name`.
/// A joined thread can still be listed in /proc for a moment while the
/// kernel finishes its exit (its join returns when it releases its memory,
/// before the task is released). True when none is left.
pub fn no_threads_named(name: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if threads_named(name).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Linux: (voluntary context switches, CPU time in clock ticks) of a thread.
pub fn thread_activity(tid: u32) -> (u64, u64) {
    let status =
        std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap_or_default();
    let switches = status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    // Fields after the parenthesised name: state is field 3; utime, stime are 14, 15.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (switches, ticks)
}
