//! `rkv failover` when three redis-sentinel processes watch a Debian redis-server master with
//! two replicas: a planned switchover to a named candidate under a continuous write load loses
//! no acknowledged write, every Sentinel names the new master and nothing flips back, and the
//! priorities are restored; a switchover that aborts leaves the master writable and the
//! priorities as they were.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::load::start_load;
mod sentinel_support;

use assert_cmd::Command;
use common::{ServerGuard, redis_server, rkv_serve, wait_until};
use sentinel_support::{sentinel, sentinel_down_after, wait_settled};
use std::time::{Duration, Instant};

fn conn(port: u16) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    c.get_connection_with_timeout(Duration::from_secs(5))
        .unwrap()
}

fn info(port: u16) -> String {
    redis::cmd("INFO")
        .arg("replication")
        .query(&mut conn(port))
        .unwrap()
}

fn follows(port: u16, master: u16) -> bool {
    let i = info(port);
    i.contains("role:slave")
        && i.contains(&format!("master_port:{master}\r"))
        && i.contains("master_link_status:up")
}

fn priority(port: u16) -> String {
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("replica-priority")
        .query(&mut conn(port))
        .unwrap();
    v[1].clone()
}

fn named_master(s: &ServerGuard) -> Option<u16> {
    let v: Option<Vec<String>> = redis::cmd("SENTINEL")
        .arg("GET-MASTER-ADDR-BY-NAME")
        .arg("mymaster")
        .query(&mut s.client())
        .ok();
    v.and_then(|v| v.get(1).and_then(|p| p.parse().ok()))
}

fn group(extra_r1: &[&str]) -> (ServerGuard, ServerGuard, ServerGuard) {
    let m = redis_server(&["--repl-diskless-sync-delay", "0"]);
    let target = format!("127.0.0.1 {}", m.port);
    let mut a1 = vec!["--replicaof", target.as_str()];
    a1.extend_from_slice(extra_r1);
    let r1 = redis_server(&a1);
    let r2 = redis_server(&["--replicaof", &target]);
    wait_until(Duration::from_secs(15), "replicas online", || {
        info(m.port).matches("state=online").count() == 2
    });
    (m, r1, r2)
}

fn rkv(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .env("XDG_STATE_HOME", state_dir())
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn coordinated_switchover_under_load_loses_nothing_and_sentinels_agree() {
    let (m, r1, r2) = group(&[]);
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    let all = [&s[0], &s[1], &s[2]];
    wait_settled(&all, "mymaster", 2);
    let load = start_load(vec![m.port, r1.port, r2.port]);
    load.wait_acked(100);
    let started = Instant::now();
    let (code, out, err) = rkv(&[
        "failover",
        &m.addr(),
        "--to",
        &r2.addr(),
        "--yes",
        "--output",
        "json",
    ]);
    let took = started.elapsed();
    // Writes go on against the new master before the load stops.
    let so_far = load.acked_count();
    load.wait_acked(so_far + 50);
    let (acked, longest) = load.finish();
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["kind"], "sentinel_switchover", "{doc:#}");
    assert_eq!(doc["outcome"]["ok"], true, "{doc:#}");

    // Every acknowledged write is on the new master.
    assert!(
        acked.len() > 100,
        "the load wrote only {} keys",
        acked.len()
    );
    let mut c = conn(r2.port);
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, v) in chunk.iter().zip(vals) {
            assert_eq!(v, Some(*i), "acknowledged write k:{i} lost");
        }
    }
    eprintln!(
        "coordinated switchover: {} acknowledged writes, none lost; longest write gap {:?}; run took {:?}; pause {} ms",
        acked.len(),
        longest,
        took,
        doc["outcome"]["write_pause_ms"]
    );
    // Every Sentinel names r2, the others follow it, the priority is back; nothing flips.
    for x in all {
        assert_eq!(named_master(x), Some(r2.port));
    }
    assert_eq!(priority(r1.port), "100");
    wait_until(
        Duration::from_secs(10),
        "old master and sibling follow",
        || follows(m.port, r2.port) && follows(r1.port, r2.port),
    );
    std::thread::sleep(Duration::from_secs(3));
    for x in all {
        assert_eq!(named_master(x), Some(r2.port), "flipped back");
    }
    assert!(info(r2.port).contains("role:master"));
    assert!(follows(m.port, r2.port));
}

#[test]
fn an_aborted_switchover_leaves_the_master_writable_and_priorities_restored() {
    // r1 refuses CONFIG: lowering its priority fails and the run must undo what it did.
    let (m, r1, r2) = group(&["--rename-command", "CONFIG", ""]);
    // A third replica whose priority rkv can lower: the one to see restored.
    let r3 = redis_server(&["--replicaof", &format!("127.0.0.1 {}", m.port)]);
    wait_until(Duration::from_secs(15), "replicas online", || {
        info(m.port).matches("state=online").count() == 3
    });
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    wait_settled(&[&s[0], &s[1], &s[2]], "mymaster", 3);
    let (code, out, err) = rkv(&[
        "failover",
        &m.addr(),
        "--to",
        &r2.addr(),
        "--yes",
        "--output",
        "json",
    ]);
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["outcome"]["ok"], false, "{doc:#}");
    assert!(
        doc["outcome"]["error"]
            .as_str()
            .unwrap()
            .contains(&r1.addr()),
        "{doc:#}"
    );
    assert_eq!(priority(r3.port), "100");
    let _: () = redis::cmd("SET")
        .arg("after")
        .arg("1")
        .query(&mut conn(m.port))
        .unwrap();
    assert!(info(m.port).contains("role:master"));
    for x in &s {
        assert_eq!(named_master(x), Some(m.port));
    }
}

#[test]
fn coordinated_switchover_of_rkv_serve_nodes() {
    let m = rkv_serve(&[]);
    let target = format!("127.0.0.1:{}", m.port);
    let r1 = rkv_serve(&["--replicaof", &target]);
    let r2 = rkv_serve(&["--replicaof", &target]);
    wait_until(Duration::from_secs(10), "replicas linked", || {
        follows(r1.port, m.port) && follows(r2.port, m.port)
    });
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    let all = [&s[0], &s[1], &s[2]];
    wait_settled(&all, "mymaster", 2);
    let load = start_load(vec![m.port, r1.port, r2.port]);
    load.wait_acked(100);
    let (code, out, err) = rkv(&[
        "failover",
        &m.addr(),
        "--to",
        &r2.addr(),
        "--yes",
        "--output",
        "json",
    ]);
    // Writes go on against the new master before the load stops.
    let so_far = load.acked_count();
    load.wait_acked(so_far + 50);
    let (acked, _) = load.finish();
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let mut c = conn(r2.port);
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, v) in chunk.iter().zip(vals) {
            assert_eq!(v, Some(*i), "acknowledged write k:{i} lost");
        }
    }
    for x in all {
        assert_eq!(named_master(x), Some(r2.port));
    }
    assert_eq!(priority(r1.port), "100");
    wait_until(
        Duration::from_secs(10),
        "old master and sibling follow",
        || follows(m.port, r2.port) && follows(r1.port, r2.port),
    );
}

#[test]
fn with_the_master_gone_rkv_asks_the_sentinels_to_fail_over() {
    let (mut m, r1, r2) = group(&[]);
    // Sentinels that would wait a minute before failing over by themselves.
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel_down_after(Some(("mymaster", m.port, 2)), 60_000))
        .collect();
    let all = [&s[0], &s[1], &s[2]];
    wait_settled(&all, "mymaster", 2);
    m.kill();
    let (code, out, err) = rkv(&[
        "failover",
        &r1.addr(),
        &r2.addr(),
        "--to",
        &r2.addr(),
        "--yes",
        "--output",
        "json",
    ]);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["kind"], "sentinel_failover", "{doc:#}");
    for x in all {
        assert_eq!(named_master(x), Some(r2.port));
    }
    assert!(info(r2.port).contains("role:master"));
    assert_eq!(priority(r1.port), "100");
    wait_until(Duration::from_secs(15), "the other replica follows", || {
        follows(r1.port, r2.port)
    });
}

#[test]
fn a_switchover_that_aborts_during_the_pause_lifts_it_and_restores_priorities() {
    let (m, r1, r2) = group(&[]);
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    wait_settled(&[&s[0], &s[1], &s[2]], "mymaster", 2);
    // A pause too short to leave Sentinel time to promote: rkv pauses, sees the candidate
    // catch up, and must give up before SENTINEL FAILOVER.
    let (code, out, err) = rkv(&[
        "failover",
        &m.addr(),
        "--to",
        &r2.addr(),
        "--yes",
        "--max-write-pause",
        "500ms",
        "--output",
        "json",
    ]);
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["outcome"]["error"]
            .as_str()
            .unwrap()
            .contains("too little for Sentinel to promote"),
        "{doc:#}"
    );
    let steps: Vec<String> = doc["outcome"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["ok"] == true)
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "CLIENT PAUSE 500 WRITE",
        "CLIENT UNPAUSE",
        "CONFIG SET replica-priority 100",
    ] {
        assert!(
            steps.iter().any(|s| s.starts_with(want)),
            "{want}: {steps:?}"
        );
    }
    assert!(!steps.iter().any(|s| s.starts_with("SENTINEL FAILOVER")));
    let _: () = redis::cmd("SET")
        .arg("after")
        .arg("1")
        .query(&mut conn(m.port))
        .unwrap();
    assert!(info(m.port).contains("role:master"));
    assert_eq!(priority(r1.port), "100");
    assert!(follows(r2.port, m.port));
    for x in &s {
        assert_eq!(named_master(x), Some(m.port));
    }
}

/// rkv killed the moment after it asked the Sentinels to fail over: the old master was fenced
/// first, so once the write pause lapses it still acknowledges no write while Sentinel promotes
/// the candidate, and `rkv topology` names the fence it left, with the command that clears it.
#[test]
fn rkv_killed_after_sentinel_failover_leaves_the_old_master_fenced() {
    let (m, r1, r2) = group(&[]);
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    let all = [&s[0], &s[1], &s[2]];
    wait_settled(&all, "mymaster", 2);
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args([
            "failover",
            &m.addr(),
            "--to",
            &r2.addr(),
            "--yes",
            "--max-write-pause",
            "2s",
        ])
        .env_remove("RKV_PASSWORD")
        .env_remove("RKV_INVENTORY")
        .env("XDG_STATE_HOME", state_dir())
        .env("RKV_FAILPOINT", "after-sentinel-failover:exit")
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(99),
        "stopped at the failpoint: {err}"
    );
    assert!(
        err.contains("failpoint after-sentinel-failover reached"),
        "{err}"
    );
    // From now until Sentinel has re-pointed it, and after, the old master acknowledges no
    // plain write (NOREPLICAS while fenced as a master, READONLY once a replica); the pause of
    // 2 s lapses on the way.
    let mut c = conn(m.port);
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut refusals = 0;
    while Instant::now() < deadline {
        let r: redis::RedisResult<()> = redis::cmd("SET").arg("split").arg("1").query(&mut c);
        match r {
            Ok(()) => panic!("the old master acknowledged a write after rkv died"),
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("NOREPLICAS") || text.contains("READONLY"),
                    "refused for the wrong reason: {text}"
                );
                refusals += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(refusals > 0);
    // Sentinel finishes the job by itself: the candidate is master, the others follow it.
    wait_until(
        Duration::from_secs(90),
        "Sentinel completes the failover",
        || {
            named_master(&s[0]) == Some(r2.port)
                && follows(m.port, r2.port)
                && follows(r1.port, r2.port)
        },
    );
    // The fence stays on the old master until cleared, and topology says how.
    let (code, json, _) = rkv(&["topology", &r2.addr(), "--output", "json"]);
    assert_ne!(code, 2, "{json}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["kind"] == "fence_left"
            && p["node"] == m.addr()
            && p["message"]
                .as_str()
                .unwrap()
                .contains("CONFIG SET min-replicas-to-write 0")),
        "{json}"
    );
    // The killed run left the sibling at replica-priority 0 (Sentinel would never promote
    // it) after journaling its own value; the same command, run again, puts it back and
    // lifts the fence.
    let prio = |port: u16| -> String {
        let v: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("replica-priority")
            .query(&mut conn(port))
            .unwrap();
        v.get(1).cloned().unwrap_or_default()
    };
    assert_eq!(prio(r1.port), "0");
    let (code, out, err) = rkv(&["failover", &m.addr(), "--to", &r2.addr(), "--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!("put back {}'s replica-priority 100", r1.addr())),
        "the plan names the restore: {out}"
    );
    assert!(
        format!("{out}{err}").contains("replica-priority 100 put back"),
        "{out}\n{err}"
    );
    assert_eq!(prio(r1.port), "100", "{out}\n{err}");
    let fence: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("min-replicas-to-write")
        .query(&mut conn(m.port))
        .unwrap();
    assert_eq!(fence.get(1).map(String::as_str), Some("0"), "{out}\n{err}");
}

/// Where the `rkv` runs of this test keep their journals ([`common::own_state_dir`]).
fn state_dir() -> std::path::PathBuf {
    common::own_state_dir("rkv-sentinel-state")
}
