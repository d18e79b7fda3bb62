//! Measures what a client sees during a switchover: the longest gap between two acknowledged
//! writes, and acknowledged writes missing from the master afterwards. Used by
//! `scripts/bench-switchover.sh`; not a test.
//!
//! Usage: `switchover_gap PORT,PORT,… -- COMMAND ARGS…` — one client writes `SET k:i i` to
//! whichever node is master (ROLE), follows the master on any error, runs COMMAND after a
//! 500 ms warm-up, and stops once writes have resumed on a new master for 500 ms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::time::{Duration, Instant};

fn find_master(ports: &[u16]) -> Option<(u16, redis::Connection)> {
    for &p in ports {
        let c = redis::Client::open(format!("redis://127.0.0.1:{p}/")).ok()?;
        let Ok(mut c) = c.get_connection_with_timeout(Duration::from_millis(500)) else {
            continue;
        };
        let _ = c.set_read_timeout(Some(Duration::from_secs(20)));
        let role: Result<Vec<redis::Value>, _> = redis::cmd("ROLE").query(&mut c);
        if let Ok(r) = role
            && matches!(r.first(), Some(redis::Value::BulkString(b)) if b == b"master")
        {
            return Some((p, c));
        }
    }
    None
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sep = args
        .iter()
        .position(|a| a == "--")
        .expect("usage: PORTS -- COMMAND…");
    let ports: Vec<u16> = args[0].split(',').map(|p| p.parse().unwrap()).collect();
    let cmd = &args[sep + 1..];
    let stop = Arc::new(AtomicBool::new(false));
    let master_now = Arc::new(AtomicU16::new(0));
    let (flag, mnow, wports) = (stop.clone(), master_now.clone(), ports.clone());
    let writer = std::thread::spawn(move || {
        let mut acked: Vec<u64> = Vec::new();
        let mut gaps: Vec<(Duration, Instant)> = Vec::new();
        let mut last = Instant::now();
        let mut cur = find_master(&wports).expect("a master");
        mnow.store(cur.0, Ordering::Relaxed);
        let mut i = 0u64;
        while !flag.load(Ordering::Relaxed) {
            i += 1;
            let r: redis::RedisResult<()> = redis::cmd("SET")
                .arg(format!("k:{i}"))
                .arg(i)
                .query(&mut cur.1);
            match r {
                Ok(()) => {
                    acked.push(i);
                    gaps.push((last.elapsed(), Instant::now()));
                    last = Instant::now();
                }
                Err(_) => loop {
                    if let Some(m) = find_master(&wports) {
                        cur = m;
                        mnow.store(cur.0, Ordering::Relaxed);
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                },
            }
        }
        (acked, gaps, cur.0)
    });
    std::thread::sleep(Duration::from_millis(500));
    let first = master_now.load(Ordering::Relaxed);
    let t = Instant::now();
    let status = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    let took = t.elapsed();
    let deadline = Instant::now() + Duration::from_secs(20);
    while master_now.load(Ordering::Relaxed) == first && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let (acked, gaps, last_master) = writer.join().unwrap();
    let longest = gaps.iter().map(|g| g.0).max().unwrap_or_default();
    // Every acknowledged key must be on the final master (after its replicas settle).
    std::thread::sleep(Duration::from_millis(200));
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{last_master}/"))
        .unwrap()
        .get_connection()
        .unwrap();
    let mut lost = 0usize;
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        lost += chunk
            .iter()
            .zip(vals)
            .filter(|(i, v)| *v != Some(**i))
            .count();
    }
    println!(
        "command_exit={} command_ms={:.1} master_before={first} master_after={last_master} acked={} lost={lost} longest_gap_ms={:.2}",
        status.code().unwrap_or(-1),
        took.as_secs_f64() * 1000.0,
        acked.len(),
        longest.as_secs_f64() * 1000.0
    );
}
