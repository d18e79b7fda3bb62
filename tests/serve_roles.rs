//! Role changes seen from clients of `rkv serve`: what a client in the middle of something
//! experiences when its node becomes a replica.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

/// A transaction queued while the node was a master must not run once it has become a
/// read-only replica (a switchover re-points it while the EXEC waits out a pause): its writes
/// would never reach the new master.
#[test]
fn exec_of_writes_after_becoming_a_replica_is_refused() {
    let master = common::rkv_serve(&[]);
    let node = common::rkv_serve(&[]);
    let mut tx = node.client();
    let mut admin = node.client();
    redis::cmd("MULTI").query::<()>(&mut tx).unwrap();
    let queued: String = redis::cmd("SET").arg("k").arg("v").query(&mut tx).unwrap();
    assert_eq!(queued, "QUEUED");
    redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(master.port)
        .query::<()>(&mut admin)
        .unwrap();
    let err = redis::cmd("EXEC")
        .query::<redis::Value>(&mut tx)
        .unwrap_err();
    assert!(
        err.to_string().contains("READONLY"),
        "EXEC after the role change: {err}"
    );
    let v: Option<String> = redis::cmd("GET").arg("k").query(&mut admin).unwrap();
    assert_eq!(v, None, "the queued write must not have run");
}

/// A master restarted from its snapshot keeps that history as its previous one (replid2)
/// under a fresh ID, as Redis does, so a replica that had more than the snapshot cannot
/// continue with bytes the master no longer has.
#[test]
fn a_restarted_master_moves_its_snapshot_history_to_replid2() {
    let master = common::rkv_serve(&["--save", "3600 1"]);
    let replica = common::rkv_serve(&["--replicaof", &master.addr()]);
    let mut m = master.client();
    redis::cmd("SET")
        .arg("a")
        .arg("1")
        .query::<()>(&mut m)
        .unwrap();
    let info: String = redis::cmd("INFO").arg("replication").query(&mut m).unwrap();
    let old_id = field(&info, "master_replid");
    let mut r = replica.client();
    common::wait_until(Duration::from_secs(10), "replica synced", || {
        let v: Option<String> = redis::cmd("GET").arg("a").query(&mut r).unwrap();
        v.as_deref() == Some("1")
    });
    redis::cmd("SAVE").query::<()>(&mut m).unwrap();
    let saved_offset: u64 = field(&info, "master_repl_offset").parse().unwrap();
    drop(m);
    let mut master = master;
    master.kill();
    let dir = std::mem::replace(&mut master.dir, tempfile::tempdir().unwrap());
    let restarted = common::rkv_serve_in(dir, &["--save", "3600 1"]);
    let mut m = restarted.client();
    let info: String = redis::cmd("INFO").arg("replication").query(&mut m).unwrap();
    assert_ne!(field(&info, "master_replid"), old_id);
    assert_eq!(field(&info, "master_replid2"), old_id);
    let second: u64 = field(&info, "second_repl_offset").parse().unwrap();
    assert!(second > saved_offset, "{info}");
    let v: Option<String> = redis::cmd("GET").arg("a").query(&mut m).unwrap();
    assert_eq!(v.as_deref(), Some("1"));
}

fn field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {info}"))
        .trim()
        .to_string()
}

/// A client blocked in WAIT is released with Redis's UNBLOCKED error when its node becomes a
/// replica, instead of waiting forever for acknowledgements that can no longer come.
#[test]
fn wait_is_released_when_the_node_becomes_a_replica() {
    let other = common::rkv_serve(&[]);
    let node = common::rkv_serve(&[]);
    let port = node.port;
    let waiter = std::thread::spawn(move || {
        let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
        let mut con = c.get_connection().unwrap();
        redis::cmd("WAIT").arg(1).arg(0).query::<i64>(&mut con)
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(!waiter.is_finished(), "WAIT 1 0 with no replica must block");
    let mut admin = node.client();
    redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(other.port)
        .query::<()>(&mut admin)
        .unwrap();
    common::wait_until(Duration::from_secs(5), "WAIT released", || {
        waiter.is_finished()
    });
    let err = waiter.join().unwrap().unwrap_err();
    assert!(err.to_string().contains("UNBLOCKED"), "{err}");
}

/// `min-replicas-to-write` above the replica count (the switchover fence) refuses plain
/// writes and transactions with Redis's NOREPLICAS text; the old `min-slaves-*` names work
/// in CONFIG GET/SET, INFO shows `min_slaves_good_slaves`, and 0 lifts the fence.
#[test]
fn min_replicas_to_write_refuses_writes_with_noreplicas() {
    let node = common::rkv_serve(&[]);
    let mut c = node.client();
    let mut tx = node.client();
    redis::cmd("MULTI").query::<()>(&mut tx).unwrap();
    let queued: String = redis::cmd("SET").arg("t").arg("v").query(&mut tx).unwrap();
    assert_eq!(queued, "QUEUED");
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("min-slaves-to-write")
        .arg("3")
        .query::<()>(&mut c)
        .unwrap();
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("min-replicas-to-write")
        .query(&mut c)
        .unwrap();
    assert_eq!(got, vec!["min-replicas-to-write", "3"]);
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("min-slaves-max-lag")
        .query(&mut c)
        .unwrap();
    assert_eq!(got, vec!["min-slaves-max-lag", "10"]);
    let err = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut c)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Not enough good replicas to write."),
        "{err}"
    );
    assert_eq!(err.code(), Some("NOREPLICAS"), "{err}");
    let err = redis::cmd("EXEC")
        .query::<redis::Value>(&mut tx)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("NOREPLICAS Not enough good replicas to write."),
        "EXEC: {err}"
    );
    let info: String = redis::cmd("INFO").arg("replication").query(&mut c).unwrap();
    assert_eq!(field(&info, "min_slaves_good_slaves"), "0");
    let v: Option<String> = redis::cmd("GET").arg("t").query(&mut c).unwrap();
    assert_eq!(v, None, "refused writes must not have run");
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("min-replicas-to-write")
        .arg("0")
        .query::<()>(&mut c)
        .unwrap();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut c)
        .unwrap();
    let info: String = redis::cmd("INFO").arg("replication").query(&mut c).unwrap();
    assert!(!info.contains("min_slaves_good_slaves"), "{info}");
}
