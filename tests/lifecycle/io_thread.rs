//! One I/O thread per client, blocked in the kernel when idle (measured in
//! a child process: the thread list is process-wide).

use std::time::Duration;

use crate::support::*;

/// Child: exactly one I/O thread per client, blocked in the kernel when idle.
#[test]
fn child_one_io_thread_that_sleeps_when_idle() {
    if !is_child() || shared_mode() {
        return;
    }
    let server = echo_server();
    assert!(threads_named("mywsclient-io").is_empty());
    let (c, rec) = connected(server.port(), test_config());
    let tids = threads_named("mywsclient-io");
    assert_eq!(tids.len(), 1, "one I/O thread per client");
    let tid = tids[0];
    // Idle and connected (heartbeat every 3 s): the thread should not wake.
    let (s0, t0) = thread_activity(tid);
    std::thread::sleep(ms(1000));
    let (s1, t1) = thread_activity(tid);
    println!("IDLE_OPEN switches={} ticks={}", s1 - s0, t1 - t0);
    assert!(
        s1 - s0 < 20,
        "I/O thread woke {} times in 1 s while idle",
        s1 - s0
    );
    assert!(
        t1 - t0 < 10,
        "I/O thread used {} clock ticks in 1 s while idle",
        t1 - t0
    );
    c.stop().unwrap();
    assert!(
        no_threads_named("mywsclient-io"),
        "stop() joins the I/O thread"
    );
    drop(rec);

    // Waiting 10 s to retry: also asleep.
    let mut cfg = test_config();
    cfg.backoff_initial = Duration::from_secs(10);
    cfg.backoff_max = Duration::from_secs(10);
    let (c, rec) = client(&ws_url(closed_port()), cfg);
    c.start().unwrap();
    rec.expect_reconnect(0, WAIT);
    let tid = threads_named("mywsclient-io")[0];
    let (s0, t0) = thread_activity(tid);
    std::thread::sleep(ms(500));
    let (s1, t1) = thread_activity(tid);
    println!("IDLE_WAITING switches={} ticks={}", s1 - s0, t1 - t0);
    assert!(
        s1 - s0 < 10,
        "I/O thread woke {} times in 0.5 s while waiting",
        s1 - s0
    );
    c.stop().unwrap();

    // Two clients: two threads.
    let (a, _ra) = connected(server.port(), test_config());
    let (b, _rb) = connected(server.port(), test_config());
    assert_eq!(threads_named("mywsclient-io").len(), 2);
    drop(a);
    drop(b);
    assert!(no_threads_named("mywsclient-io"));
}

#[test]
fn one_io_thread_that_sleeps_when_idle() {
    let out = run_child("io_thread::child_one_io_thread_that_sleeps_when_idle", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for l in stdout
        .lines()
        .filter_map(|l| l.find("IDLE_").map(|i| &l[i..]))
    {
        eprintln!("{l}");
    }
}
