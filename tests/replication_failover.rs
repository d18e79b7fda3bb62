//! The FAILOVER command (Redis 6.2+ semantics) on `rkv serve`: handing the master role to a
//! replica under a continuous write load with no acknowledged write lost (rkv and redis-server
//! targets, and a redis-server master handing over to rkv), its states, errors, ABORT and
//! TIMEOUT.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod repl_support;

use common::load::start_load;
use common::{ServerGuard, redis_server, rkv_serve, server_log, wait_until};
use repl_support::*;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(10);

fn wait_link(p: u16) {
    wait_until(T, &format!("link up on {p}"), || link_up(p));
}

fn q<T: redis::FromRedisValue>(port: u16, args: &[&str]) -> redis::RedisResult<T> {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(&mut conn(port))
}

fn all_present(port: u16, acked: &[u64]) {
    let mut c = conn(port);
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, v) in chunk.iter().zip(vals) {
            assert_eq!(v, Some(*i), "acknowledged write k:{i} missing on {port}");
        }
    }
}

/// FAILOVER TO `target` on `m` under a write load; returns the acknowledged writes.
fn failover_under_load(m: &ServerGuard, target: &ServerGuard) -> Vec<u64> {
    wait_until(T, "the master counts the target online", || {
        online_at_master(m.port, target.port)
    });
    let load = start_load(vec![m.port, target.port]);
    load.wait_acked(50);
    let _: () = q(
        m.port,
        &[
            "FAILOVER",
            "TO",
            "127.0.0.1",
            &target.port.to_string(),
            "TIMEOUT",
            "5000",
        ],
    )
    .unwrap();
    wait_until(T, "the target is master", || {
        repl(target.port, "role") == "master"
    });
    wait_until(T, "the old master follows the target", || {
        repl(m.port, "master_port") == target.port.to_string() && link_up(m.port)
    });
    wait_until(T, "failover state cleared", || {
        repl(m.port, "master_failover_state") == "no-failover"
    });
    // Writes go on against the new master before we stop: the load found it.
    let before = load.acked_count();
    load.wait_acked(before + 50);
    let (acked, _) = load.finish();
    assert!(acked.len() > 50, "the load wrote: {}", acked.len());
    all_present(target.port, &acked);
    acked
}

#[test]
fn failover_to_an_rkv_replica_under_load_loses_no_acknowledged_write() {
    let m = rkv_serve(&[]);
    let r1 = rkv_serve(&["--replicaof", &m.addr()]);
    let r2 = rkv_serve(&["--replicaof", &m.addr()]);
    wait_link(r1.port);
    wait_link(r2.port);
    write_load(m.port, "f", 20);
    let old_id = repl(m.port, "master_replid");
    let full = stat(m.port, "sync_full");
    let acked = failover_under_load(&m, &r1);
    // The handover is a partial resync that continues the same history.
    assert_eq!(stat(r1.port, "sync_full"), 0, "{}", server_log(&r1));
    assert_eq!(repl(r1.port, "master_replid2"), old_id);
    assert_eq!(stat(m.port, "sync_full"), full);
    assert!(
        server_log(&m).contains("is synced, failing over"),
        "{}",
        server_log(&m)
    );
    // The old master's other replica now follows it (chained) and everyone converges.
    wait_link(r2.port);
    converge(r1.port, &[m.port, r2.port]);
    all_present(r2.port, &acked);
}

#[test]
fn failover_to_a_redis_replica_under_load_loses_no_acknowledged_write() {
    let m = rkv_serve(&[]);
    let r = redis_server(&["--replicaof", &format!("127.0.0.1 {}", m.port)]);
    wait_link(r.port);
    let old_id = repl(m.port, "master_replid");
    failover_under_load(&m, &r);
    assert_eq!(repl(r.port, "master_replid2"), old_id);
    converge(r.port, &[m.port]);
}

#[test]
fn a_redis_master_fails_over_to_an_rkv_replica() {
    let m = redis_server(&["--repl-diskless-sync-delay", "0"]);
    let r = rkv_serve(&["--replicaof", &m.addr()]);
    wait_link(r.port);
    let acked = failover_under_load(&m, &r);
    assert_eq!(stat(m.port, "sync_full"), 1);
    assert_eq!(stat(r.port, "sync_partial_ok"), 1, "{}", server_log(&r));
    converge(r.port, &[m.port]);
    all_present(m.port, &acked);
}

#[test]
fn failover_errors_abort_and_timeout() {
    let m = rkv_serve(&[]);
    let e = q::<()>(m.port, &["FAILOVER"]).unwrap_err();
    assert_eq!(e.detail(), Some("FAILOVER requires connected replicas."));
    let r = rkv_serve(&["--replicaof", &m.addr()]);
    wait_link(r.port);
    let e = q::<()>(
        m.port,
        &["FAILOVER", "TO", "127.0.0.1", "1", "TIMEOUT", "100"],
    )
    .unwrap_err();
    assert_eq!(
        e.detail(),
        Some("FAILOVER target HOST and PORT is not a replica.")
    );
    let e = q::<()>(m.port, &["FAILOVER", "FORCE"]).unwrap_err();
    assert_eq!(
        e.detail(),
        Some("FAILOVER with force option requires both a timeout and target HOST and IP.")
    );
    let e = q::<()>(m.port, &["FAILOVER", "ABORT"]).unwrap_err();
    assert_eq!(e.detail(), Some("No failover in progress."));
    let e = q::<()>(r.port, &["FAILOVER"]).unwrap_err();
    assert_eq!(
        e.detail(),
        Some("FAILOVER is not valid when server is a replica.")
    );

    // A stopped replica never catches up: the failover waits with writes paused, then
    // aborts at its timeout (no FORCE) and writes go on.
    let port = r.port.to_string();
    common::sigstop(r.child.id());
    let _: () = q(m.port, &["SET", "before", "1"]).unwrap();
    let _: () = q(
        m.port,
        &["FAILOVER", "TO", "127.0.0.1", &port, "TIMEOUT", "3000"],
    )
    .unwrap();
    // The timeout is long enough that these checks see the failover still waiting even on
    // a busy machine; nothing below depends on how long a step took.
    assert_eq!(repl(m.port, "master_failover_state"), "waiting-for-sync");
    let e = q::<()>(m.port, &["FAILOVER"]).unwrap_err();
    assert_eq!(e.detail(), Some("FAILOVER already in progress."));
    // Reads go on; a write waits until the failover ends: it returns only once the state is
    // back to no-failover (had it not been held, it would return while the state still says
    // waiting-for-sync).
    let _: Option<String> = q(m.port, &["GET", "before"]).unwrap();
    assert_eq!(repl(m.port, "master_failover_state"), "waiting-for-sync");
    let _: () = q(m.port, &["SET", "during", "1"]).unwrap();
    assert_eq!(repl(m.port, "master_failover_state"), "no-failover");
    assert_eq!(repl(m.port, "role"), "master");
    assert!(
        server_log(&m).contains("Replica never caught up before timeout"),
        "{}",
        server_log(&m)
    );

    // ABORT ends a waiting failover at once.
    let _: () = q(m.port, &["FAILOVER", "TO", "127.0.0.1", &port]).unwrap();
    assert_eq!(repl(m.port, "master_failover_state"), "waiting-for-sync");
    let _: () = q(m.port, &["FAILOVER", "ABORT"]).unwrap();
    assert_eq!(repl(m.port, "master_failover_state"), "no-failover");
    // Not held: a held write would wait for a failover without a timeout, i.e. for ever.
    let t = Instant::now();
    let _: () = q(m.port, &["SET", "after", "1"]).unwrap();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let _ = std::process::Command::new("kill")
        .args(["-CONT", &r.child.id().to_string()])
        .status();

    // Without TO: any caught-up replica.
    wait_until(T, "replica back", || link_up(r.port));
    let _: () = q(m.port, &["FAILOVER"]).unwrap();
    wait_until(T, "the replica is master", || {
        repl(r.port, "role") == "master"
    });
    wait_until(T, "the old master follows it", || link_up(m.port));
    converge(r.port, &[m.port]);
}

#[test]
fn forced_failover_to_an_unresponsive_target_is_aborted_when_the_handover_fails() {
    let m = rkv_serve(&[]);
    let r = rkv_serve(&["--replicaof", &m.addr()]);
    wait_link(r.port);
    // The handover's handshake gives up after repl-timeout (1 s here).
    let _: () = q(m.port, &["CONFIG", "SET", "repl-timeout", "1"]).unwrap();
    let pid = r.child.id().to_string();
    common::sigstop(r.child.id());
    let _: () = q(m.port, &["SET", "k", "1"]).unwrap();
    let port = r.port.to_string();
    let _: () = q(
        m.port,
        &[
            "FAILOVER",
            "TO",
            "127.0.0.1",
            &port,
            "FORCE",
            "TIMEOUT",
            "200",
        ],
    )
    .unwrap();
    // FORCE: at the timeout it hands over anyway… (the state may already have moved past
    // waiting-for-sync when we first look on a busy machine: what proves the wait is that
    // the handover came from the timeout, never from the stopped target being in sync).
    wait_until(T, "failover in progress", || {
        repl(m.port, "master_failover_state") == "failover-in-progress"
    });
    assert!(
        server_log(&m).contains("time out exceeded, failing over"),
        "{}",
        server_log(&m)
    );
    assert!(
        !server_log(&m).contains("is synced, failing over"),
        "{}",
        server_log(&m)
    );
    // …and when the target never answers the PSYNC, it is a master again, writable.
    wait_until(T, "failover aborted", || {
        repl(m.port, "master_failover_state") == "no-failover"
    });
    assert_eq!(repl(m.port, "role"), "master");
    assert!(
        server_log(&m).contains("Failover target rejected psync request"),
        "{}",
        server_log(&m)
    );
    let _: () = q(m.port, &["SET", "k", "2"]).unwrap();
    let _ = std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status();
    wait_until(T, "the replica follows the master again", || {
        link_up(r.port)
    });
    converge(m.port, &[r.port]);
}
