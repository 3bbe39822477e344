//! Soak under real packet loss: `scripts/soak.sh MINUTES` runs this in a
//! private network namespace (not part of CI).
//!
//! One client sends numbered binary messages at a fixed rate to a server in
//! a child process, which appends every sequence number it reads to a log
//! (one write per message, so a killed server's log holds all it read).
//! Every cycle of 60 s injects, on a schedule:
//!   - a silent path for 8 s (`iptables -j DROP`: half-open, the heartbeat
//!     must notice),
//!   - a short silent path of 1.5 s (TCP retransmits; no reconnect needed),
//!   - resets for 1 s (`-j REJECT --reject-with tcp-reset`),
//!   - a server killed (SIGKILL) and restarted.
//!
//! Every 30 s it prints the client's RSS and open fds. At the end it stops
//! sending, waits for the queue to drain, and reports sent / received /
//! lost / duplicated / reordered, and separately what killed servers lost:
//! bytes their kernel had acknowledged but the process never read (the
//! server's receive queue, read with `ss` just before the kill).
//!
//!     scripts/soak.sh 10          # 10 minutes
//!     MYWSCLIENT_SOAK_RATE=1000 MYWSCLIENT_SOAK_DELIVERY=0 scripts/soak.sh 2

#[path = "../tools/src/netns.rs"]
mod netns;

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mywsclient::{Client, Config, Delivery, LogLevel};
use netns::{Fault, Rule};

const PAYLOAD: usize = 64;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------
// The server process: `soak server PORT GENERATION LOG`.

fn server(port: u16, gen: u64, log: &str) -> io::Result<()> {
    let l = TcpListener::bind(("127.0.0.1", port))?;
    let log = Arc::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?,
    );
    let conns = AtomicU64::new(0);
    for s in l.incoming() {
        let Ok(s) = s else { continue };
        let conn = conns.fetch_add(1, Ordering::SeqCst);
        let log = log.clone();
        std::thread::spawn(move || serve(s, gen, conn, &log));
    }
    Ok(())
}

fn serve(s: TcpStream, gen: u64, conn: u64, mut log: &std::fs::File) {
    let Ok(mut ws) = tungstenite::accept(s) else {
        return;
    };
    let mut line = String::new();
    while let Ok(m) = ws.read() {
        if let tungstenite::Message::Binary(b) = m {
            if b.len() >= 8 {
                let seq = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
                line.clear();
                line.push_str(&format!("{gen} {conn} {seq}\n"));
                // One write per message: what the process read is logged
                // even if it is killed a moment later.
                let _ = log.write_all(line.as_bytes());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The driver: `soak run MINUTES`.

struct Server {
    child: Child,
    gen: u64,
}

fn start_server(port: u16, gen: u64, log: &str) -> Server {
    let exe = std::env::current_exe().expect("own path");
    let child = Command::new(exe)
        .args(["server", &port.to_string(), &gen.to_string(), log])
        .stdin(Stdio::null())
        .spawn()
        .expect("start the server");
    // Wait (bounded) until it listens.
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    Server { child, gen }
}

/// Bytes waiting unread in the receive queues of the server's connections.
fn server_recv_queue(port: u16) -> u64 {
    let out = Command::new("ss")
        .args([
            "-tnH",
            "state",
            "established",
            "sport",
            "=",
            &format!(":{port}"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    out.lines()
        .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Freezes the server, reads what its kernel holds unread, kills it.
fn kill_server(s: &mut Server, port: u16) -> u64 {
    let pid = s.child.id().to_string();
    let _ = Command::new("kill").args(["-STOP", &pid]).status();
    let unread = server_recv_queue(port);
    let _ = s.child.kill();
    let _ = s.child.wait();
    unread
}

fn rss_kib_and_fds() -> (u64, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0);
    (rss, fds)
}

fn log_lines(log: &str) -> usize {
    std::fs::File::open(log)
        .map(|f| io::BufReader::new(f).lines().count())
        .unwrap_or(0)
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Drop(Duration),
    Reset(Duration),
    KillServer,
}

fn run(minutes: f64) {
    assert!(
        netns::in_child(),
        "run me through scripts/soak.sh (a private network namespace)"
    );
    let rate = env_u64("MYWSCLIENT_SOAK_RATE", 500);
    let delivery = match env_u64("MYWSCLIENT_SOAK_DELIVERY", 1) {
        0 => Delivery::AtMostOnce,
        2 => Delivery::AtLeastOnce,
        _ => Delivery::ResendUnacknowledged,
    };
    let port = 9400;
    let dir = std::env::temp_dir().join(format!("mywsclient-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log = dir.join("server.log").to_string_lossy().into_owned();
    let mut gen = 0;
    let mut server = start_server(port, gen, &log);
    let mut killed_gens: Vec<(u64, u64)> = Vec::new(); // (generation, unread bytes)

    let cfg = Config {
        log_level: LogLevel::Warn,
        delivery,
        ..Config::default()
    };
    let client =
        Client::with_config(&format!("ws://127.0.0.1:{port}/"), 0, "", cfg).expect("client");
    client.start().expect("start");
    println!(
        "soak: {minutes} min, {rate} msg/s of {PAYLOAD} bytes, delivery {delivery:?}, \
         heartbeat defaults; cycle of 60 s: drop 8 s at 10 s, drop 1.5 s at 25 s, \
         reset 1 s at 35 s, server killed at 45 s"
    );
    let schedule = [
        (10.0, Step::Drop(Duration::from_secs(8))),
        (25.0, Step::Drop(Duration::from_millis(1500))),
        (35.0, Step::Reset(Duration::from_secs(1))),
        (45.0, Step::KillServer),
    ];
    let start = Instant::now();
    let total = Duration::from_secs_f64(minutes * 60.0);
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let mut seq: u64 = 0;
    let mut refused = 0u64;
    let mut next_send = start;
    let mut next_report = start;
    let mut active: Option<(Rule, Instant)> = None;
    let mut done_steps: Vec<(u64, usize)> = Vec::new();
    let mut rss_fds = Vec::new();
    let mut msg = vec![0u8; PAYLOAD];
    while start.elapsed() < total {
        let now = Instant::now();
        let t = now - start;
        // Faults on schedule.
        let cycle = t.as_secs() / 60;
        let in_cycle = (t - Duration::from_secs(cycle * 60)).as_secs_f64();
        for (i, (at, step)) in schedule.iter().enumerate() {
            if in_cycle >= *at && !done_steps.contains(&(cycle, i)) && active.is_none() {
                done_steps.push((cycle, i));
                match *step {
                    Step::Drop(d) => {
                        active = Some((Rule::to_port(port, Fault::Drop), now + d));
                        println!("{:7.1}s  drop for {d:?}", t.as_secs_f64());
                    }
                    Step::Reset(d) => {
                        active = Some((Rule::to_port(port, Fault::Reset), now + d));
                        println!("{:7.1}s  reset for {d:?}", t.as_secs_f64());
                    }
                    Step::KillServer => {
                        let unread = kill_server(&mut server, port);
                        killed_gens.push((server.gen, unread));
                        println!(
                            "{:7.1}s  server killed ({unread} bytes unread in its kernel); restarted",
                            t.as_secs_f64()
                        );
                        gen += 1;
                        server = start_server(port, gen, &log);
                    }
                }
            }
        }
        if let Some((_, until)) = &active {
            if now >= *until {
                active = None; // the rule is deleted on drop
            }
        }
        if now >= next_report {
            let (rss, fds) = rss_kib_and_fds();
            let st = client.stats();
            println!(
                "{:7.1}s  rss {rss} KiB  fds {fds}  sent {seq}  server logged {}  queued {}  connections {}",
                t.as_secs_f64(),
                log_lines(&log),
                st.queued_messages,
                st.connections
            );
            rss_fds.push((rss, fds));
            next_report += Duration::from_secs(30);
        }
        // Send what is due.
        while next_send <= Instant::now() {
            msg[..8].copy_from_slice(&seq.to_le_bytes());
            match client.send_binary(&msg) {
                Ok(()) => seq += 1,
                Err(_) => refused += 1,
            }
            next_send += period;
        }
        let wait = next_send.saturating_duration_since(Instant::now());
        std::thread::sleep(wait.min(Duration::from_millis(50)));
    }
    drop(active);
    // Drain: wait (bounded) until the queue is empty and the log stops growing.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = usize::MAX;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let n = log_lines(&log);
        if (client.stats().queued_messages == 0 && n == last) || Instant::now() > deadline {
            break;
        }
        last = n;
    }
    let st = client.stats();
    client.stop().expect("stop");
    let _ = server.child.kill();
    let _ = server.child.wait();
    report(&log, seq, refused, &killed_gens, &st, &rss_fds);
    let _ = std::fs::remove_dir_all(&dir);
}

fn report(
    log: &str,
    sent: u64,
    refused: u64,
    killed: &[(u64, u64)],
    st: &mywsclient::Stats,
    rss_fds: &[(u64, usize)],
) {
    // Every logged (generation, connection, seq), in the order read.
    let f = std::fs::File::open(log).expect("server log");
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let mut first_gen: HashMap<u64, u64> = HashMap::new();
    let mut reordered = 0u64;
    let mut max_seen: Option<u64> = None;
    let mut lines = 0u64;
    let mut dup_after_kill = 0u64;
    for l in io::BufReader::new(f).lines().map_while(Result::ok) {
        let v: Vec<u64> = l.split(' ').filter_map(|x| x.parse().ok()).collect();
        let [gen, _conn, seq] = v[..] else { continue };
        lines += 1;
        let n = seen.entry(seq).or_insert(0);
        *n += 1;
        let g0 = *first_gen.entry(seq).or_insert(gen);
        if *n > 1 {
            // A repeat read by a later server than the first copy: the first
            // server died (killed) before acknowledging what it read.
            if gen != g0 {
                dup_after_kill += 1;
            }
        }
        if *n == 1 {
            if max_seen.is_some_and(|m| seq < m) {
                reordered += 1;
            }
            max_seen = Some(max_seen.map_or(seq, |m| m.max(seq)));
        }
    }
    let duplicated: u64 = seen.values().map(|&n| u64::from(n.saturating_sub(1))).sum();
    // Missing sequence numbers, by run; a run that follows a message read by
    // a server that was later killed, and ends with one read by a later
    // server, is what that server's kernel acknowledged and it never read.
    let killed_gens: Vec<u64> = killed.iter().map(|k| k.0).collect();
    let (mut lost, mut lost_killed) = (0u64, 0u64);
    let mut s = 0;
    while s < sent {
        if seen.contains_key(&s) {
            s += 1;
            continue;
        }
        let begin = s;
        while s < sent && !seen.contains_key(&s) {
            s += 1;
        }
        let run = s - begin;
        let before = begin
            .checked_sub(1)
            .and_then(|b| first_gen.get(&b))
            .copied();
        let after = first_gen.get(&s).copied();
        match (before, after) {
            (Some(b), Some(a)) if killed_gens.contains(&b) && a > b => lost_killed += run,
            _ => lost += run,
        }
    }
    let unread: u64 = killed.iter().map(|k| k.1).sum();
    // A message is 64 bytes of payload + 2 header + 4 mask = 70 bytes.
    println!("\n== soak report");
    println!("sent (accepted by send)     {sent}");
    println!("refused by send             {refused}");
    println!(
        "received by the server      {} distinct ({lines} reads)",
        seen.len()
    );
    println!("lost                        {lost}");
    println!(
        "duplicated                  {duplicated} ({dup_after_kill} of them read again by the \
         server that replaced a killed one, {} by the same server)",
        duplicated - dup_after_kill
    );
    println!("reordered                   {reordered}");
    println!(
        "killed servers: {} kills; lost in their kernels {lost_killed} messages \
         (their receive queues held {unread} bytes unread = {} messages of 70 bytes)",
        killed.len(),
        unread / 70
    );
    println!(
        "client stats: connections {} resent {} queued at end {}",
        st.connections, st.messages_resent, st.queued_messages
    );
    let rss: Vec<String> = rss_fds.iter().map(|r| r.0.to_string()).collect();
    let fds: Vec<String> = rss_fds.iter().map(|r| r.1.to_string()).collect();
    println!("RSS KiB every 30 s: {}", rss.join(" "));
    println!("fds every 30 s:     {}", fds.join(" "));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("server") => {
            let port = args[2].parse().expect("port");
            let gen = args[3].parse().expect("generation");
            server(port, gen, &args[4]).expect("server");
        }
        Some("run") => {
            let minutes = args.get(2).and_then(|m| m.parse().ok()).unwrap_or(1.0);
            run(minutes);
        }
        _ => eprintln!("usage: soak run MINUTES | soak server PORT GENERATION LOG"),
    }
}
