//! `rkv topology` / `rkv verify` with three real redis-sentinel processes watching a Debian
//! redis-server master and two replicas on loopback: the Sentinels are found from the master's
//! hello channel and shown; a Sentinel pointed at a replica is flagged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sentinel_support;

use assert_cmd::Command;
use common::{ServerGuard, redis_server, wait_until};
use sentinel_support::{sentinel, wait_settled};
use serde_json::Value;
use std::time::Duration;

fn group() -> (ServerGuard, ServerGuard, ServerGuard) {
    let m = redis_server(&["--repl-diskless-sync-delay", "0"]);
    let target = format!("127.0.0.1 {}", m.port);
    let r1 = redis_server(&["--replicaof", &target]);
    let r2 = redis_server(&["--replicaof", &target]);
    wait_until(Duration::from_secs(15), "replicas online", || {
        let i: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut m.client())
            .unwrap();
        i.matches("state=online").count() == 2
    });
    (m, r1, r2)
}

fn rkv_json(args: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(["--output", "json"])
        .args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (out.status.code().unwrap_or(-1), v, stderr)
}

fn problem_kinds(v: &Value) -> Vec<String> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn topology_finds_the_sentinels_from_the_master_and_shows_them() {
    let (m, r1, r2) = group();
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    wait_settled(&[&s[0], &s[1], &s[2]], "mymaster", 2);

    let (code, v, err) = rkv_json(&["topology", &m.addr()]);
    assert_eq!(code, 0, "{err}");
    let rows = v["sentinels"].as_array().unwrap();
    let mut addrs: Vec<&str> = rows.iter().map(|r| r["addr"].as_str().unwrap()).collect();
    addrs.sort_unstable();
    let mut want: Vec<String> = s.iter().map(ServerGuard::addr).collect();
    want.sort();
    assert_eq!(addrs, want, "{v:#}");
    for r in rows {
        assert_eq!(r["reachable"], true);
        assert_eq!(r["error"], Value::Null);
        assert_eq!(r["master_name"], "mymaster");
        assert_eq!(r["master"], m.addr());
        assert_eq!(r["quorum"], 2);
        assert_eq!(r["flags"], "master");
        assert_eq!(r["num_other_sentinels"], 2);
        assert_eq!(r["num_replicas"], 2);
        assert_eq!(r["config_epoch"], 0);
    }
    let kinds = problem_kinds(&v);
    assert!(kinds.is_empty(), "{kinds:?}");

    // No data node named: the group is found from a Sentinel alone, the way an operator who
    // knows only the Sentinel addresses starts.
    let (code, from_sentinel, err) = rkv_json(&["topology", "--sentinel", &s[0].addr()]);
    assert_eq!(code, 0, "{err}");
    let mut nodes: Vec<&str> = from_sentinel["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["addr"].as_str().unwrap())
        .collect();
    nodes.sort_unstable();
    let mut all = vec![m.addr(), r1.addr(), r2.addr()];
    all.sort();
    assert_eq!(nodes, all, "{from_sentinel:#}");
    assert_eq!(
        from_sentinel["sentinels"].as_array().unwrap().len(),
        3,
        "{from_sentinel:#}"
    );
    let (code, _, err) = rkv_json(&["verify", "--sentinel", &s[1].addr()]);
    assert_eq!(code, 0, "{err}");

    // verify agrees, and the human view has a line per Sentinel.
    let (code, v, err) = rkv_json(&["verify", &m.addr()]);
    assert_eq!(code, 0, "{err} {v:#}");
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "sentinel_quorum" && c["ok"] == true)
    );
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(["topology", &m.addr(), "--no-color"])
        .env_remove("RKV_OUTPUT")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for g in &s {
        assert!(
            text.lines()
                .any(|l| l.contains(&g.addr()) && l.contains(&format!("mymaster -> {}", m.addr()))),
            "{text}"
        );
    }
}

#[test]
fn a_sentinel_naming_a_replica_is_flagged() {
    let (m, r1, _r2) = group();
    let good: Vec<ServerGuard> = (0..2)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    // A third Sentinel configured with a replica as the master.
    let wrong = sentinel(Some(("mymaster", r1.port, 2)));
    wait_settled(&[&good[0], &good[1]], "mymaster", 2);

    let (code, v, err) = rkv_json(&["verify", &m.addr(), "--sentinel", &wrong.addr()]);
    assert_eq!(code, 1, "{err} {v:#}");
    let flagged: Vec<&Value> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "sentinel_disagrees")
        .collect();
    assert_eq!(flagged.len(), 1, "{v:#}");
    assert_eq!(flagged[0]["node"], wrong.addr());
    assert!(
        flagged[0]["message"].as_str().unwrap().contains(&format!(
            "names {} as master of mymaster, but it is a replica",
            r1.addr()
        )),
        "{flagged:?}"
    );
    let rows = v["sentinels"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["addr"] == wrong.addr() && r["master"] == r1.addr()),
        "{v:#}"
    );
}

#[test]
fn an_unreachable_sentinel_is_reported_and_quorum_checked() {
    let (m, _r1, _r2) = group();
    let mut s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    wait_settled(&[&s[0], &s[1], &s[2]], "mymaster", 2);
    let seeds: Vec<String> = s.iter().map(ServerGuard::addr).collect();
    s[1].kill();
    s[2].kill();
    let mut args = vec!["verify".to_string(), m.addr()];
    for a in &seeds {
        args.push("--sentinel".into());
        args.push(a.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v, err) = rkv_json(&args);
    assert_eq!(code, 1, "{err}");
    let kinds = problem_kinds(&v);
    assert!(
        kinds.contains(&"sentinel_quorum_at_risk".to_string()),
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "unreachable").count(),
        2,
        "{kinds:?}"
    );
}
