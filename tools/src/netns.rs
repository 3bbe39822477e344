//! Real packet loss on loopback: run a test (or a program) in a private
//! network namespace and drop or reset its packets with `iptables` rules.
//!
//! A test calls [`run_in_netns`] with its own name: outside a namespace it
//! re-executes the test binary under `unshare -n` (only that test, marked by
//! an environment variable) and checks the child's result; inside, it brings
//! `lo` up and returns `true`, and the test body runs. Where namespaces or
//! iptables are not permitted, it prints why and returns `false` (the test
//! is skipped), unless `MYWSCLIENT_REQUIRE_NETNS=1` makes that a failure.
//! Rules live and die with the namespace: nothing leaks into the host.
#![allow(dead_code)]

use std::io;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Set in the child that runs inside the namespace.
pub const CHILD_ENV: &str = "MYWSCLIENT_NETNS_CHILD";
/// `1`: a test that cannot create a namespace fails instead of skipping.
pub const REQUIRE_ENV: &str = "MYWSCLIENT_REQUIRE_NETNS";

/// True inside a namespace made by [`run_in_netns`] or `scripts/soak.sh`.
pub fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

fn run(cmd: &mut Command) -> io::Result<Output> {
    cmd.stdin(Stdio::null()).output()
}

fn check(what: &str, out: io::Result<Output>) -> Result<(), String> {
    match out {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "{what}: {} {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// Whether this machine lets us make a namespace with a loopback and
/// iptables in it (checked once per process); the reason if not.
pub fn available() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            check(
                "unshare -n (network namespaces; needs root or user namespaces)",
                run(Command::new("unshare").args([
                    "-n",
                    "sh",
                    "-c",
                    "ip link set lo up && iptables -S OUTPUT",
                ])),
            )
        })
        .clone()
}

/// Inside the namespace: brings `lo` up (once) and returns true. Outside:
/// runs the test `name` of this binary in a fresh namespace, asserts that it
/// passed, and returns false; or prints why it cannot and returns false.
pub fn run_in_netns(name: &str) -> bool {
    if in_child() {
        static LO: OnceLock<()> = OnceLock::new();
        LO.get_or_init(|| {
            check(
                "ip link set lo up",
                run(Command::new("ip").args(["link", "set", "lo", "up"])),
            )
            .expect("loopback in the namespace")
        });
        return true;
    }
    if let Err(why) = available() {
        let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
        assert!(!required, "{name}: {REQUIRE_ENV}=1 but {why}");
        eprintln!("SKIPPED {name}: no private network namespace here ({why})");
        println!("SKIPPED {name}: no private network namespace here ({why})");
        return false;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let out = run(Command::new("unshare")
        .arg("-n")
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, "1"))
    .expect("run the test in a namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} failed in its namespace: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    // Let `cargo test -- --nocapture` show what the child printed.
    print!("{stdout}");
    eprint!("{stderr}");
    false
}

/// What a rule does to the packets it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Silence: packets vanish (a dead path, a pulled cable, an expired NAT entry).
    Drop,
    /// The sender gets a TCP reset.
    Reset,
}

/// An iptables rule in the namespace, deleted when dropped.
pub struct Rule {
    args: Vec<String>,
    active: bool,
}

fn iptables(op: &str, args: &[String]) -> Result<(), String> {
    let mut cmd = Command::new("iptables");
    cmd.arg("-w").arg(op).args(args);
    check(&format!("iptables {op} {}", args.join(" ")), run(&mut cmd))
}

impl Rule {
    /// Applies `fault` to every TCP packet sent to `port` (from the client
    /// to the server: the server's replies and acknowledgements still flow,
    /// but it receives nothing and so acknowledges nothing new).
    pub fn to_port(port: u16, fault: Fault) -> Rule {
        let mut args: Vec<String> = ["OUTPUT", "-p", "tcp", "--dport"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(port.to_string());
        match fault {
            Fault::Drop => args.extend(["-j", "DROP"].map(String::from)),
            Fault::Reset => {
                args.extend(["-j", "REJECT", "--reject-with", "tcp-reset"].map(String::from))
            }
        }
        iptables("-I", &args).expect("add the iptables rule");
        Rule { args, active: true }
    }

    /// Drops every TCP packet to `port` once its connection has carried
    /// `bytes` bytes towards it (counted by conntrack, headers included):
    /// silence that starts at a chosen point of the stream, on every
    /// connection.
    pub fn after_bytes(port: u16, bytes: u64) -> Rule {
        let args: Vec<String> = [
            "OUTPUT".to_string(),
            "-p".into(),
            "tcp".into(),
            "--dport".into(),
            port.to_string(),
            "-m".into(),
            "connbytes".into(),
            "--connbytes".into(),
            format!("{bytes}:"),
            "--connbytes-dir".into(),
            "original".into(),
            "--connbytes-mode".into(),
            "bytes".into(),
            "-j".into(),
            "DROP".into(),
        ]
        .into();
        iptables("-I", &args).expect("add the iptables rule");
        Rule { args, active: true }
    }

    /// Deletes the rule now (also done on drop).
    pub fn remove(&mut self) {
        if std::mem::take(&mut self.active) {
            iptables("-D", &self.args).expect("delete the iptables rule");
        }
    }
}

impl Drop for Rule {
    fn drop(&mut self) {
        if self.active {
            self.active = false;
            let _ = iptables("-D", &self.args);
        }
    }
}

/// Bytes written to `fd` (a TCP socket) that its peer has not acknowledged.
pub fn unacked(fd: std::os::fd::RawFd) -> u64 {
    let mut n: libc::c_int = 0;
    // SAFETY: SIOCOUTQ writes one c_int into the live local `n`.
    let rc = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n as *mut libc::c_int) };
    assert_eq!(rc, 0, "SIOCOUTQ: {}", io::Error::last_os_error());
    n as u64
}
