//! `rkv serve` persistence at the edges: SHUTDOWN and SIGTERM save, the AOF is replayed, and
//! with `appendfsync always` no acknowledged write is lost to a kill -9.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ServerGuard, rkv_serve, rkv_serve_in, server_log, wait_until};
use redis::cmd;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Wait for the process to exit and return whether it exited 0.
fn wait_exit(g: &mut ServerGuard) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = g.child.try_wait().unwrap() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("server did not exit; log:\n{}", server_log(g));
}

/// Take the data directory out of a stopped server to start another one on it.
fn take_dir(g: &mut ServerGuard) -> tempfile::TempDir {
    std::mem::replace(&mut g.dir, tempfile::tempdir().unwrap())
}

fn sigterm(g: &ServerGuard) {
    let ok = Command::new("kill")
        .arg("-TERM")
        .arg(g.child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn sigterm_exits_zero() {
    let mut srv = rkv_serve(&[]);
    sigterm(&srv);
    assert!(wait_exit(&mut srv), "log:\n{}", server_log(&srv));
    assert!(
        !srv.path().join("dump.rdb").exists(),
        "no save points: no save"
    );
}

#[test]
fn shutdown_saves_when_save_points_are_set() {
    let mut srv = rkv_serve(&["--save", "3600 1"]);
    let mut c = srv.client();
    let _: () = cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let _ = cmd("SHUTDOWN").query::<()>(&mut c);
    assert!(wait_exit(&mut srv), "log:\n{}", server_log(&srv));
    assert!(
        srv.path().join("dump.rdb").exists(),
        "log:\n{}",
        server_log(&srv)
    );
    let dir = take_dir(&mut srv);
    let again = rkv_serve_in(dir, &[]);
    let mut c = again.client();
    let v: String = cmd("GET").arg("k").query(&mut c).unwrap();
    assert_eq!(v, "v");
    assert!(server_log(&again).contains("DB loaded from disk: 1 keys"));
}

#[test]
fn sigterm_saves_when_save_points_are_set() {
    let mut srv = rkv_serve(&["--save", "3600 1"]);
    let mut c = srv.client();
    let _: () = cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    sigterm(&srv);
    assert!(wait_exit(&mut srv), "log:\n{}", server_log(&srv));
    assert!(
        srv.path().join("dump.rdb").exists(),
        "log:\n{}",
        server_log(&srv)
    );
}

#[test]
fn bgsave_writes_a_snapshot() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    let _: () = cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let r: String = cmd("BGSAVE").query(&mut c).unwrap();
    assert_eq!(r, "Background saving started");
    wait_until(Duration::from_secs(5), "bgsave done", || {
        let info: String = cmd("INFO").arg("persistence").query(&mut c).unwrap();
        info.contains("rdb_bgsave_in_progress:0")
    });
    let info: String = cmd("INFO").arg("persistence").query(&mut c).unwrap();
    assert!(info.contains("rdb_last_bgsave_status:ok"), "{info}");
    assert!(srv.path().join("dump.rdb").exists());
}

#[test]
fn aof_is_replayed_and_a_torn_tail_is_reported() {
    let mut srv = rkv_serve(&["--appendonly"]);
    let mut c = srv.client();
    for i in 0..10 {
        let _: () = cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query(&mut c)
            .unwrap();
    }
    srv.kill();
    let dir = take_dir(&mut srv);
    // A command cut off in the middle, as a crash during a write leaves it.
    let aof = dir.path().join("appendonly.aof");
    let mut bytes = std::fs::read(&aof).unwrap();
    bytes.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$2\r\nzz");
    std::fs::write(&aof, bytes).unwrap();
    let again = rkv_serve_in(dir, &["--appendonly"]);
    let mut c = again.client();
    for i in 0..10 {
        let v: String = cmd("GET").arg(format!("k{i}")).query(&mut c).unwrap();
        assert_eq!(v, i.to_string());
    }
    assert!(
        server_log(&again).contains("truncated"),
        "{}",
        server_log(&again)
    );
}

#[test]
fn config_set_appendonly_keeps_existing_keys() {
    let mut srv = rkv_serve(&[]);
    let mut c = srv.client();
    let _: () = cmd("SET").arg("before").arg("1").query(&mut c).unwrap();
    let _: () = cmd("CONFIG")
        .arg("SET")
        .arg("appendonly")
        .arg("yes")
        .query(&mut c)
        .unwrap();
    let _: () = cmd("SET").arg("after").arg("2").query(&mut c).unwrap();
    srv.kill();
    let dir = take_dir(&mut srv);
    let again = rkv_serve_in(dir, &["--appendonly"]);
    let mut c = again.client();
    let a: String = cmd("GET").arg("before").query(&mut c).unwrap();
    let b: String = cmd("GET").arg("after").query(&mut c).unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("1", "2"));
}

#[test]
fn aof_always_loses_no_acknowledged_write_on_kill_9() {
    let mut srv = rkv_serve(&["--appendonly", "--appendfsync", "always"]);
    let port = srv.port;
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let stop = Arc::clone(&stop);
        writers.push(std::thread::spawn(move || {
            let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .unwrap()
                .get_connection_with_timeout(Duration::from_secs(5))
                .unwrap();
            let mut acked = Vec::new();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let key = format!("w{w}:{i}");
                match cmd("SET").arg(&key).arg(i).query::<()>(&mut c) {
                    Ok(()) => acked.push(key),
                    Err(_) => break,
                }
                i += 1;
            }
            acked
        }));
    }
    std::thread::sleep(Duration::from_millis(800));
    srv.kill();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<String> = writers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(
        acked.len() > 50,
        "too few writes to mean anything: {}",
        acked.len()
    );
    let dir = take_dir(&mut srv);
    let again = rkv_serve_in(dir, &["--appendonly"]);
    let mut c = again.client();
    let mut missing = Vec::new();
    for key in &acked {
        let v: Option<String> = cmd("GET").arg(key).query(&mut c).unwrap();
        if v.is_none() {
            missing.push(key.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes lost, e.g. {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
}
