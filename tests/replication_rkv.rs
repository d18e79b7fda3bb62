//! rkv → rkv replication with real processes: a chain of nodes converging after a write load
//! of every data type, partial resyncs (link killed, promotion, restart from disk), WAIT, the
//! replica output-buffer limit, a master restarted without persistence, and stale-data rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod repl_support;

use common::{ServerGuard, rkv_serve, rkv_serve_in, server_log, wait_until};
use repl_support::*;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(10);

fn replica_of(m: &ServerGuard) -> ServerGuard {
    rkv_serve(&["--replicaof", &m.addr()])
}

fn wait_link(p: u16) {
    wait_until(T, &format!("link up on {p}"), || link_up(p));
}

fn signal(g: &ServerGuard, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(g.child.id().to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig}");
}

#[test]
fn chain_of_rkv_nodes_converges_with_one_history() {
    let m = rkv_serve(&[]);
    let r1 = replica_of(&m);
    let r2 = replica_of(&m);
    let c = replica_of(&r1);
    for p in [r1.port, r2.port, c.port] {
        wait_link(p);
    }
    write_load(m.port, "a", 120);
    let d = converge(m.port, &[r1.port, r2.port, c.port]);
    assert!(d.len() > 100, "the load wrote keys: {}", d.len());
    assert!(d.values().any(|(_, ttl)| *ttl), "some keys carry a TTL");

    let id = repl(m.port, "master_replid");
    for p in [r1.port, r2.port, c.port] {
        assert_eq!(repl(p, "master_replid"), id, "one replid on {p}");
        assert_eq!(repl(p, "role"), "slave");
        let e = redis::cmd("SET")
            .arg("x")
            .arg("y")
            .query::<()>(&mut conn(p))
            .unwrap_err();
        assert_eq!(e.code(), Some("READONLY"), "{e}");
    }
    assert_eq!(repl(c.port, "master_port"), r1.port.to_string());

    // INFO slaveN on the master lists both replicas online at the master's offset.
    let inf = info(m.port, "replication");
    assert_eq!(field(&inf, "connected_slaves").as_deref(), Some("2"));
    wait_until(T, "replicas acknowledge the offset", || {
        let inf = info(m.port, "replication");
        let off = offset(m.port);
        (0..2).all(|i| {
            field(&inf, &format!("slave{i}")).is_some_and(|s| {
                s.contains("state=online") && s.contains(&format!("offset={off},"))
            })
        })
    });
    let s0 = field(&inf, "slave0").unwrap();
    assert!(s0.starts_with("ip=127.0.0.1,port="), "{s0}");
    assert_eq!(
        field(&info(r1.port, "replication"), "connected_slaves").as_deref(),
        Some("1")
    );

    // ROLE on both sides.
    let role: redis::Value = redis::cmd("ROLE").query(&mut conn(m.port)).unwrap();
    let redis::Value::Array(items) = role else {
        panic!("ROLE: {role:?}")
    };
    assert_eq!(items[0], redis::Value::BulkString(b"master".to_vec()));
    let redis::Value::Array(reps) = &items[2] else {
        panic!("ROLE replicas: {items:?}")
    };
    assert_eq!(reps.len(), 2);
    let role: (String, String, u16, String, i64) =
        redis::cmd("ROLE").query(&mut conn(c.port)).unwrap();
    assert_eq!(role.0, "slave");
    assert_eq!(role.2, r1.port);
    assert_eq!(role.3, "connected");
    assert_eq!(role.4, offset(m.port));
}

#[test]
fn killed_link_resumes_with_a_partial_resync() {
    let m = rkv_serve(&[]);
    let r = replica_of(&m);
    wait_link(r.port);
    write_load(m.port, "k", 30);
    converge(m.port, &[r.port]);
    let full = stat(m.port, "sync_full");
    let partial = stat(m.port, "sync_partial_ok");
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("master")
        .query(&mut conn(r.port))
        .unwrap();
    assert_eq!(killed, 1);
    write_load(m.port, "k2", 20);
    wait_until(T, "partial resync counted on the master", || {
        stat(m.port, "sync_partial_ok") == partial + 1
    });
    wait_link(r.port);
    converge(m.port, &[r.port]);
    assert_eq!(stat(m.port, "sync_full"), full, "no full resync");
}

#[test]
fn promotion_keeps_history_and_siblings_resume_partially() {
    let m = rkv_serve(&[]);
    let r1 = replica_of(&m);
    let r2 = replica_of(&m);
    wait_link(r1.port);
    wait_link(r2.port);
    write_load(m.port, "p", 40);
    converge(m.port, &[r1.port, r2.port]);
    let old_id = repl(m.port, "master_replid");
    let off = offset(m.port);

    let _: () = redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query(&mut conn(r1.port))
        .unwrap();
    assert_eq!(repl(r1.port, "role"), "master");
    assert_eq!(repl(r1.port, "master_replid2"), old_id);
    assert_eq!(repl(r1.port, "second_repl_offset"), (off + 1).to_string());
    assert_ne!(repl(r1.port, "master_replid"), old_id);

    for g in [&r2, &m] {
        let _: () = redis::cmd("REPLICAOF")
            .arg("127.0.0.1")
            .arg(r1.port)
            .query(&mut conn(g.port))
            .unwrap();
    }
    wait_link(r2.port);
    wait_link(m.port);
    assert_eq!(stat(r1.port, "sync_partial_ok"), 2);
    assert_eq!(stat(r1.port, "sync_full"), 0);
    write_load(r1.port, "p2", 20);
    converge(r1.port, &[r2.port, m.port]);
    let new_id = repl(r1.port, "master_replid");
    assert_eq!(repl(r2.port, "master_replid"), new_id);
    assert_eq!(repl(m.port, "master_replid"), new_id);
    assert_eq!(repl(r2.port, "master_replid2"), old_id);
}

#[test]
fn wait_counts_replicas_and_times_out() {
    let m = rkv_serve(&[]);
    let r1 = replica_of(&m);
    let r2 = replica_of(&m);
    wait_link(r1.port);
    wait_link(r2.port);
    let mut c = conn(m.port);
    let _: () = redis::cmd("SET").arg("w").arg(1).query(&mut c).unwrap();
    let n: i64 = redis::cmd("WAIT").arg(2).arg(2000).query(&mut c).unwrap();
    assert_eq!(n, 2);
    // Timeout 0 blocks until enough replicas acknowledge: they do.
    let _: () = redis::cmd("SET").arg("w").arg(2).query(&mut c).unwrap();
    let n: i64 = redis::cmd("WAIT").arg(2).arg(0).query(&mut c).unwrap();
    assert_eq!(n, 2);
    // Asking for more replicas than exist: the count after the timeout.
    let t = Instant::now();
    let n: i64 = redis::cmd("WAIT").arg(3).arg(300).query(&mut c).unwrap();
    assert_eq!(n, 2);
    assert!(
        t.elapsed() >= Duration::from_millis(290),
        "{:?}",
        t.elapsed()
    );
    // A stopped replica does not acknowledge.
    common::sigstop(r2.child.id());
    let _: () = redis::cmd("SET").arg("w").arg(3).query(&mut c).unwrap();
    let n: i64 = redis::cmd("WAIT").arg(2).arg(300).query(&mut c).unwrap();
    signal(&r2, "CONT");
    assert_eq!(n, 1);
    // WAIT on a replica is an error.
    let e = redis::cmd("WAIT")
        .arg(1)
        .arg(10)
        .query::<i64>(&mut conn(r1.port))
        .unwrap_err();
    assert!(
        e.to_string().contains("WAIT cannot be used with replica"),
        "{e}"
    );
}

#[test]
fn replica_over_the_output_buffer_limit_is_dropped_and_resyncs() {
    let m = rkv_serve(&[]);
    let r = replica_of(&m);
    wait_link(r.port);
    let mut c = conn(m.port);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("client-output-buffer-limit")
        .arg("replica 64kb 64kb 60")
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("repl-backlog-size")
        .arg("16kb")
        .query(&mut c)
        .unwrap();
    let full = stat(m.port, "sync_full");
    common::sigstop(r.child.id());
    // More than the kernel's socket buffers can absorb, so the backlog must hold it.
    let big = "x".repeat(64 * 1024);
    for i in 0..400 {
        let _: () = redis::cmd("SET")
            .arg(format!("big:{}", i % 50))
            .arg(&big)
            .query(&mut c)
            .unwrap();
    }
    wait_until(T, "the master drops the replica", || {
        server_log(&m).contains("dropped")
    });
    assert_eq!(stat(m.port, "client_output_buffer_limit_disconnections"), 1);
    assert_eq!(repl(m.port, "connected_slaves"), "0");
    signal(&r, "CONT");
    wait_until(T, "a new full sync", || {
        stat(m.port, "sync_full") == full + 1
    });
    wait_link(r.port);
    converge(m.port, &[r.port]);
    let log = server_log(&m);
    assert!(log.contains("client-output-buffer-limit"), "{log}");
}

#[test]
fn replica_restarted_from_disk_resumes_partially() {
    let m = rkv_serve(&[]);
    let mut r = rkv_serve(&["--replicaof", &m.addr(), "--save", "3600 1"]);
    wait_link(r.port);
    write_load(m.port, "d", 30);
    converge(m.port, &[r.port]);
    let _ = redis::cmd("SHUTDOWN")
        .arg("SAVE")
        .query::<()>(&mut conn(r.port));
    let _ = r.child.wait();
    let dir = std::mem::replace(&mut r.dir, tempfile::tempdir().unwrap());
    let full = stat(m.port, "sync_full");
    let partial = stat(m.port, "sync_partial_ok");
    write_load(m.port, "d2", 10);
    let r2 = rkv_serve_in(dir, &["--replicaof", &m.addr(), "--save", "3600 1"]);
    wait_link(r2.port);
    converge(m.port, &[r2.port]);
    assert_eq!(
        stat(m.port, "sync_partial_ok"),
        partial + 1,
        "{}",
        server_log(&r2)
    );
    assert_eq!(stat(m.port, "sync_full"), full);
}

/// Start rkv serve on a given port (to restart a master where its replicas look for it).
fn rkv_on_port(port: u16, dir: &std::path::Path) -> std::process::Child {
    let log = std::fs::File::create(dir.join("rkv2.log")).unwrap();
    let child = std::process::Command::new(common::rkv_bin())
        .args(["serve", "--port", &port.to_string(), "--dir"])
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    common::wait_ready(port, T);
    child
}

#[test]
fn master_restarted_without_persistence_gives_replicas_a_full_resync() {
    let mut m = rkv_serve(&[]);
    let r = replica_of(&m);
    wait_link(r.port);
    write_load(m.port, "r", 20);
    converge(m.port, &[r.port]);
    let old_id = repl(m.port, "master_replid");
    let port = m.port;
    m.kill();
    wait_until(T, "link down", || !link_up(r.port));
    let mut m2 = rkv_on_port(port, m.path());
    let _: () = redis::cmd("SET")
        .arg("after")
        .arg("1")
        .query(&mut conn(port))
        .unwrap();
    wait_link(r.port);
    wait_until(T, "new replid", || repl(r.port, "master_replid") != old_id);
    // As with Redis: the replica mirrors the restarted (empty) master.
    let d = converge(port, &[r.port]);
    assert_eq!(d.len(), 1);
    assert_eq!(stat(port, "sync_full"), 1);
    let _ = m2.kill();
    let _ = m2.wait();
}

#[test]
fn stale_data_refused_while_the_link_is_down_when_configured() {
    let mut m = rkv_serve(&[]);
    let r = replica_of(&m);
    wait_link(r.port);
    let mut c = conn(r.port);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("replica-serve-stale-data")
        .arg("no")
        .query(&mut c)
        .unwrap();
    let _: Option<String> = redis::cmd("GET").arg("k").query(&mut c).unwrap();
    m.kill();
    wait_until(T, "link down", || !link_up(r.port));
    let e = redis::cmd("GET")
        .arg("k")
        .query::<Option<String>>(&mut c)
        .unwrap_err();
    assert_eq!(e.code(), Some("MASTERDOWN"), "{e}");
    assert_eq!(
        e.detail(),
        Some("Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
    );
    // STALE commands (INFO, PING, CONFIG, REPLICAOF) still work.
    let _: String = redis::cmd("PING").query(&mut c).unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("replica-serve-stale-data")
        .arg("yes")
        .query(&mut c)
        .unwrap();
    let _: Option<String> = redis::cmd("GET").arg("k").query(&mut c).unwrap();
}
