//! `rkv failover`, `rkv replicate` and `rkv promote` against `rkv serve` nodes (1 master + 2
//! replicas started with `--replicaof` and a `--config` TOML file), through the real binary:
//! the same guarantees as tests/failover_live.rs gives for redis-server (no acknowledged write
//! lost under a continuous write load, every node follows the new master with its link up,
//! partial resyncs only), plus the roles persisted in each node's TOML by CONFIG REWRITE, so
//! that a restarted old master comes back as a replica.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::load::start_load;
use common::{ServerGuard, rkv_bin, rkv_serve_in, server_log, wait_until};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn conn(port: u16) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let c = c
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap();
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    c
}

fn info(port: u16, section: &str) -> String {
    redis::cmd("INFO")
        .arg(section)
        .query(&mut conn(port))
        .unwrap()
}

fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim_end().strip_prefix(&format!("{key}:")))
        .map(str::to_string)
}

fn role(port: u16) -> String {
    field(&info(port, "replication"), "role").unwrap()
}

/// The node follows `master` with its link up.
fn follows(port: u16, master: u16) -> bool {
    let i = info(port, "replication");
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port").as_deref() == Some(&master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

fn stat(port: u16, key: &str) -> i64 {
    field(&info(port, "stats"), key)
        .unwrap_or_else(|| panic!("no {key} in INFO stats"))
        .parse()
        .unwrap()
}

fn offset(port: u16, key: &str) -> i64 {
    field(&info(port, "replication"), key)
        .unwrap()
        .parse()
        .unwrap()
}

/// One `rkv serve` node with its TOML config file kept in `cfg_dir` (which outlives the
/// node, so a restart can read what CONFIG REWRITE wrote).
struct Node {
    guard: ServerGuard,
    config: PathBuf,
}

impl Node {
    fn port(&self) -> u16 {
        self.guard.port
    }
    fn addr(&self) -> String {
        self.guard.addr()
    }
}

fn serve(cfg_dir: &Path, name: &str, replicaof: Option<u16>) -> Node {
    let config = cfg_dir.join(format!("{name}.toml"));
    if !config.exists() {
        std::fs::write(&config, format!("# {name}: written by the test\n")).unwrap();
    }
    let cfg = config.to_str().unwrap().to_string();
    let of = replicaof.map(|p| format!("127.0.0.1:{p}"));
    let mut args: Vec<&str> = vec!["--config", &cfg];
    if let Some(of) = &of {
        args.extend(["--replicaof", of]);
    }
    let guard = rkv_serve_in(tempfile::tempdir().unwrap(), &args);
    Node { guard, config }
}

/// What the node's TOML says about its role: the master's port, or None (a master).
fn toml_master(path: &Path) -> Option<u16> {
    let text = std::fs::read_to_string(path).unwrap();
    let t: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}: {text}"));
    t.get("replicaof").map(|v| {
        let s = v.as_str().unwrap();
        s.rsplit([' ', ':'])
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("replicaof = {s:?}"))
    })
}

/// A master and two replicas with their links up and streaming.
fn group(cfg_dir: &Path) -> (Node, Node, Node) {
    let m = serve(cfg_dir, "m", None);
    let r1 = serve(cfg_dir, "r1", Some(m.port()));
    let r2 = serve(cfg_dir, "r2", Some(m.port()));
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "replica link up", || {
            follows(r.port(), m.port())
        });
    }
    let _: () = redis::cmd("SET")
        .arg("warmup")
        .arg(1)
        .query(&mut conn(m.port()))
        .unwrap();
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "the replica streams", || {
            let v: Option<i64> = redis::cmd("GET")
                .arg("warmup")
                .query(&mut conn(r.port()))
                .unwrap();
            v == Some(1)
        });
    }
    (m, r1, r2)
}

/// Run the real binary without a terminal, its state directory in `state`.
fn rkv(state: &Path, args: &[&str]) -> Output {
    Command::new(rkv_bin())
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// Every acknowledged key is on `port` with its value.
fn all_present(port: u16, acked: &[u64]) {
    let mut c = conn(port);
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, v) in chunk.iter().zip(vals) {
            assert_eq!(
                v,
                Some(*i),
                "acknowledged write k:{i} missing on port {port}"
            );
        }
    }
}

/// The report's per-node persistence entries, by node address.
fn persistence(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["report"]["persistence"]
        .as_array()
        .unwrap_or_else(|| panic!("no persistence in {doc:#}"))
        .iter()
        .map(|p| {
            (
                p["node"].as_str().unwrap().to_string(),
                p["method"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn planned_switchover_under_load_persists_roles_and_loses_nothing() {
    let state = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let (mut m, r1, r2) = group(cfg.path());
    let full_before = stat(r2.port(), "sync_full");
    let partial_before = stat(r2.port(), "sync_partial_ok");
    let load = start_load(vec![m.port(), r1.port(), r2.port()]);
    load.wait_acked(100);
    let journal = state.path().join("j.jsonl");
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r2.addr(),
            "--yes",
            "--output",
            "json",
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    // Writes go on against the new master before the load stops.
    let so_far = load.acked_count();
    load.wait_acked(so_far + 50);
    let (acked, longest) = load.finish();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n--- master log\n{}\n--- candidate log\n{}",
        text(&out),
        server_log(&m.guard),
        server_log(&r2.guard)
    );
    let doc = json(&out);
    assert_eq!(doc["kind"], "switchover");
    assert_eq!(doc["candidate"], r2.addr());
    assert!(
        doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "done"),
        "{doc:#}"
    );
    let report = &doc["report"];
    assert_eq!(report["history"]["continues"], true, "{report:#}");
    assert_eq!(report["partial_only"], true, "{report:#}");
    assert_eq!(doc["problems"].as_array().unwrap().len(), 0, "{doc:#}");

    // Every node follows the new master with its link up; nothing acknowledged was lost.
    assert_eq!(role(r2.port()), "master");
    for r in [&m, &r1] {
        wait_until(
            Duration::from_secs(5),
            "node follows the new master",
            || follows(r.port(), r2.port()),
        );
    }
    assert!(
        acked.len() > 100,
        "the load wrote only {} keys",
        acked.len()
    );
    all_present(r2.port(), &acked);
    // Both re-pointed nodes resynced partially from the new master.
    assert!(
        stat(r2.port(), "sync_partial_ok") >= partial_before + 2,
        "{}",
        info(r2.port(), "stats")
    );
    assert_eq!(stat(r2.port(), "sync_full"), full_before);

    // Persisted: CONFIG REWRITE on every node, and the TOML files say the new roles.
    let mut p = persistence(&doc);
    p.sort();
    let mut want = vec![
        (m.addr(), "config_rewrite".to_string()),
        (r1.addr(), "config_rewrite".to_string()),
        (r2.addr(), "config_rewrite".to_string()),
    ];
    want.sort();
    assert_eq!(p, want, "{doc:#}");
    assert_eq!(toml_master(&r2.config), None);
    assert_eq!(toml_master(&m.config), Some(r2.port()));
    assert_eq!(toml_master(&r1.config), Some(r2.port()));
    // The persist steps are in the journal.
    let j = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(j.lines().filter(|l| l.contains("\"persist\"")).count(), 3);

    // A restarted old master comes back as a replica of the new master.
    let config = m.config.clone();
    m.guard.kill();
    let back = serve(cfg.path(), "m", None);
    assert_eq!(back.config, config);
    wait_until(
        Duration::from_secs(10),
        "the restarted old master follows the new master",
        || follows(back.port(), r2.port()),
    );
    eprintln!(
        "{} acknowledged writes, longest gap {longest:?}, pause {} ms",
        acked.len(),
        report["write_pause_ms"]
    );
}

#[test]
fn unplanned_failover_promotes_the_most_advanced_replica() {
    let state = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let (mut m, r1, r2) = group(cfg.path());
    // r1 falls behind: the master starts requiring a password (the links already open stay
    // authenticated), then r1's link is cut, and r1 cannot come back.
    let mut mc = conn(m.port());
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("lockout")
        .query(&mut mc)
        .unwrap();
    let _: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("master")
        .query(&mut conn(r1.port()))
        .unwrap();
    wait_until(Duration::from_secs(5), "r1's link down", || {
        field(&info(r1.port(), "replication"), "master_link_status").as_deref() == Some("down")
    });
    for i in 0..100 {
        let _: () = redis::cmd("SET")
            .arg(format!("late:{i}"))
            .arg(i)
            .query(&mut mc)
            .unwrap();
    }
    let minfo: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut mc)
        .unwrap();
    let m_off: i64 = field(&minfo, "master_repl_offset")
        .unwrap()
        .parse()
        .unwrap();
    wait_until(Duration::from_secs(5), "r2 has every write", || {
        offset(r2.port(), "slave_repl_offset") >= m_off
    });
    m.guard.kill();
    let r1_off = offset(r1.port(), "slave_repl_offset");
    assert!(
        r1_off < m_off,
        "r1 at {r1_off} should lag the master at {m_off}"
    );

    let out = rkv(
        state.path(),
        &[
            "failover",
            &r1.addr(),
            &r2.addr(),
            "--yes",
            "--output",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n--- r1 log\n{}\n--- r2 log\n{}",
        text(&out),
        server_log(&r1.guard),
        server_log(&r2.guard)
    );
    let doc = json(&out);
    assert_eq!(doc["kind"], "failover");
    assert_eq!(doc["candidate"], r2.addr(), "{doc:#}");
    assert_eq!(doc["ranking"][1]["addr"], r1.addr());
    // The old master could not be fenced (no SSH): the instructions say what to do.
    let fencing = &doc["report"]["fencing"];
    assert_eq!(fencing["fenced"], false, "{doc:#}");
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains(&format!("replicaof 127.0.0.1 {}", r2.port())),
        "{warnings}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("BEFORE THE OLD MASTER"),
        "{}",
        text(&out)
    );
    assert_eq!(role(r2.port()), "master");
    wait_until(Duration::from_secs(5), "r1 follows r2", || {
        follows(r1.port(), r2.port())
    });
    wait_until(
        Duration::from_secs(5),
        "r1 caught up from the new master",
        || {
            let v: Option<i64> = redis::cmd("GET")
                .arg("late:99")
                .query(&mut conn(r1.port()))
                .unwrap();
            v == Some(99)
        },
    );
    assert_eq!(doc["report"]["history"]["continues"], true, "{doc:#}");
    assert_eq!(
        stat(r2.port(), "sync_full"),
        0,
        "{}",
        info(r2.port(), "stats")
    );
    assert!(stat(r2.port(), "sync_partial_ok") >= 1);
    assert_eq!(toml_master(&r2.config), None);
    assert_eq!(toml_master(&r1.config), Some(r2.port()));
}

#[test]
fn replicate_then_promote_persist_in_the_toml_and_journal() {
    let state = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let mut a = serve(cfg.path(), "a", None);
    let b = serve(cfg.path(), "b", None);
    for i in 0..50 {
        let _: () = redis::cmd("SET")
            .arg(format!("a:{i}"))
            .arg(i)
            .query(&mut conn(a.port()))
            .unwrap();
    }
    let journal = state.path().join("replicate.jsonl");
    let out = rkv(
        state.path(),
        &[
            "replicate",
            &b.addr(),
            "--to",
            &a.addr(),
            "--yes",
            "--wait-timeout",
            "20s",
            "--output",
            "json",
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["link"], "up", "{doc:#}");
    assert_eq!(doc["persisted"]["method"], "config_rewrite", "{doc:#}");
    assert_eq!(doc["journal"], journal.to_str().unwrap());
    assert!(follows(b.port(), a.port()));
    let v: Option<i64> = redis::cmd("GET")
        .arg("a:49")
        .query(&mut conn(b.port()))
        .unwrap();
    assert_eq!(v, Some(49));
    assert_eq!(toml_master(&b.config), Some(a.port()));
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(j.contains("\"REPLICAOF\""), "{j}");
    assert!(j.contains("\"event\":\"persist\""), "{j}");

    // Promote refuses while the master answers; once it is gone it goes through.
    let out = rkv(state.path(), &["promote", &b.addr(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(toml_master(&b.config), Some(a.port()));
    a.guard.kill();
    let journal = state.path().join("promote.jsonl");
    let out = rkv(
        state.path(),
        &[
            "promote",
            &b.addr(),
            "--yes",
            "--output",
            "json",
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["persisted"]["method"], "config_rewrite", "{doc:#}");
    assert_eq!(role(b.port()), "master");
    assert_eq!(toml_master(&b.config), None);
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(j.contains("\"NO\",\"ONE\""), "{j}");
    assert!(j.contains("\"event\":\"persist\""), "{j}");
}
