//! `rkv topology` / `rkv verify` / `rkv info` against real Debian redis-server nodes on
//! loopback: discovery both ways, a stopped master, split brain, lag, AUTH, and a node that
//! accepts TCP but never answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use common::{ServerGuard, redis_server, wait_until};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A master that starts a full sync at once (no diskless delay), so tests take seconds.
fn master(extra: &[&str]) -> ServerGuard {
    let mut args = vec!["--repl-diskless-sync-delay", "0"];
    args.extend_from_slice(extra);
    redis_server(&args)
}

fn replica_of(m: &ServerGuard, extra: &[&str]) -> ServerGuard {
    let target = format!("127.0.0.1 {}", m.port);
    let mut args = vec![
        "--repl-diskless-sync-delay",
        "0",
        "--replicaof",
        target.as_str(),
    ];
    args.extend_from_slice(extra);
    redis_server(&args)
}

fn info(g: &ServerGuard, auth: Option<&str>) -> String {
    let mut c = g.client();
    if let Some(pw) = auth {
        redis::cmd("AUTH").arg(pw).exec(&mut c).unwrap();
    }
    redis::cmd("INFO").arg("replication").query(&mut c).unwrap()
}

fn wait_link_up(r: &ServerGuard, auth: Option<&str>) {
    wait_until(Duration::from_secs(15), "replica link up", || {
        let i = info(r, auth);
        i.contains("master_link_status:up") && i.contains("master_sync_in_progress:0")
    });
}

fn wait_online(m: &ServerGuard, n: usize) {
    wait_until(
        Duration::from_secs(15),
        "replicas online at the master",
        || info(m, None).matches("state=online").count() == n,
    );
}

fn rkv(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["--output", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = rkv(&all);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {out}\nstderr: {err}"));
    (code, v, err)
}

fn node<'a>(doc: &'a Value, addr: &str) -> &'a Value {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["addr"] == addr)
        .unwrap_or_else(|| panic!("{addr} not in {doc:#}"))
}

fn problem_kinds(doc: &Value) -> BTreeSet<(String, String)> {
    doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["node"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The graph as (addr, role, master) triples.
fn shape(doc: &Value) -> BTreeSet<(String, String, String)> {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["addr"].as_str().unwrap().to_string(),
                n["role"].as_str().unwrap().to_string(),
                n["master"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn chain_is_the_same_graph_from_master_and_from_leaf() {
    let m = master(&[]);
    let r1 = replica_of(&m, &[]);
    let r2 = replica_of(&m, &[]);
    let r3 = replica_of(&r1, &[]);
    for r in [&r1, &r2, &r3] {
        wait_link_up(r, None);
    }
    wait_online(&m, 2);
    wait_online(&r1, 1);

    let (code, from_master, err) = json(&["topology", &m.addr()]);
    assert_eq!(code, 0, "{err}");
    let (code, from_leaf, err) = json(&["topology", &format!("localhost:{}", r3.port)]);
    assert_eq!(code, 0, "{err}");
    let want: BTreeSet<_> = [
        (m.addr(), "master".to_string(), String::new()),
        (r1.addr(), "replica".to_string(), m.addr()),
        (r2.addr(), "replica".to_string(), m.addr()),
        (r3.addr(), "replica".to_string(), r1.addr()),
    ]
    .into_iter()
    .collect();
    assert_eq!(shape(&from_master), want);
    assert_eq!(
        shape(&from_leaf),
        want,
        "the leaf seed given as localhost is the same node"
    );
    assert!(
        from_master["problems"].as_array().unwrap().is_empty(),
        "{from_master:#}"
    );
    assert_eq!(from_master["sentinels"], Value::Array(vec![]));

    let mnode = node(&from_master, &m.addr());
    assert_eq!(mnode["link"], Value::Null);
    let mut reps: Vec<String> = mnode["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    reps.sort();
    let mut want_reps = vec![r1.addr(), r2.addr()];
    want_reps.sort();
    assert_eq!(reps, want_reps);
    let leaf = node(&from_master, &r3.addr());
    assert_eq!(leaf["link"], "up");
    assert_eq!(leaf["read_only"], true);
    assert_eq!(leaf["version"], "7.0.15");
    assert_eq!(leaf["replid"], mnode["replid"]);
    // Every contract field is present, null or not.
    for key in [
        "addr",
        "name",
        "reachable",
        "error",
        "role",
        "master",
        "link",
        "offset",
        "lag_bytes",
        "lag_seconds",
        "replid",
        "replid2",
        "priority",
        "read_only",
        "replicas",
        "version",
    ] {
        assert!(leaf.get(key).is_some(), "missing {key}");
    }

    // The human view shows the chain as a tree, and verify calls it healthy.
    let (code, table, _) = rkv(&["topology", "--no-color", &m.addr()]);
    assert_eq!(code, 0);
    // r3 hangs two levels deep under r1 (whether r1 is drawn first or last among siblings).
    let deep = [
        format!("│  └─ {}", r3.addr()),
        format!("   └─ {}", r3.addr()),
    ];
    assert!(deep.iter().any(|d| table.contains(d.as_str())), "{table}");
    assert!(table.contains(&format!("─ {}", r1.addr())), "{table}");
    assert!(table.contains("1 group, 4 nodes, 0 problems"), "{table}");
    let (code, out, err) = rkv(&["verify", &r2.addr()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("healthy"));

    // TSV: a header and one row per node.
    let (code, tsv, _) = rkv(&["topology", "-o", "tsv", &m.addr()]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines.len(), 5, "{tsv}");
    assert!(lines[0].starts_with("addr\tname\treachable\trole"));
    assert!(lines.iter().all(|l| l.split('\t').count() == 19));
}

#[test]
fn stopped_master_shows_link_down_and_master_unreachable() {
    let mut m = master(&[]);
    let r = replica_of(&m, &[]);
    wait_link_up(&r, None);
    m.kill();
    wait_until(Duration::from_secs(10), "link down", || {
        info(&r, None).contains("master_link_status:down")
    });
    let (code, doc, err) = json(&["topology", "--timeout", "500ms", &r.addr()]);
    assert_eq!(code, 0, "topology shows problems but exits 0: {err}");
    let kinds = problem_kinds(&doc);
    assert!(kinds.contains(&("link_down".into(), r.addr())), "{kinds:?}");
    assert!(
        kinds.contains(&("master_unreachable".into(), r.addr())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("unreachable".into(), m.addr())),
        "{kinds:?}"
    );
    let mnode = node(&doc, &m.addr());
    assert_eq!(mnode["reachable"], false);
    assert_eq!(mnode["role"], "unknown");
    assert!(
        mnode["error"].as_str().unwrap().contains("refused"),
        "{mnode}"
    );

    let (code, out, err) = rkv(&["verify", "--timeout", "500ms", &r.addr()]);
    assert_eq!(code, 1);
    assert!(err.contains("link_down"), "problems go to stderr: {err}");
    assert!(!out.contains("rkv:"), "stdout carries data only");

    // Only the dead master as seed: nothing reachable at all → exit 1.
    let (code, doc, err) = json(&["topology", "--timeout", "500ms", &m.addr()]);
    assert_eq!(code, 1);
    assert!(err.contains("no seed node is reachable"), "{err}");
    assert_eq!(doc["nodes"][0]["reachable"], false);
}

#[test]
fn split_brain_in_an_inventory_and_replica_count() {
    let m = master(&[]);
    let r1 = replica_of(&m, &[]);
    let r2 = replica_of(&m, &[]);
    wait_link_up(&r1, None);
    wait_link_up(&r2, None);
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.toml");
    std::fs::write(
        &inv,
        format!(
            "[[nodes]]\nname = \"a\"\naddr = \"{}\"\nexpect_replicas = 2\n\n[[nodes]]\nname = \"b\"\naddr = \"{}\"\n\n[[nodes]]\nname = \"c\"\naddr = \"{}\"\n",
            m.addr(),
            r1.addr(),
            r2.addr()
        ),
    )
    .unwrap();
    let inv = inv.to_str().unwrap();
    wait_online(&m, 2);
    let (code, out, err) = rkv(&["-i", inv, "verify"]);
    assert_eq!(code, 0, "{out}{err}");

    // Promote one replica behind the others' backs: two masters among the inventory's nodes.
    redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .exec(&mut r2.client())
        .unwrap();
    wait_online(&m, 1);
    let (code, doc, err) = json(&["-i", inv, "verify"]);
    assert_eq!(code, 1, "{err}");
    let kinds = problem_kinds(&doc);
    assert!(
        kinds.iter().any(|(k, _)| k == "multiple_masters"),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("replica_count".into(), m.addr())),
        "{kinds:?}"
    );
    assert_eq!(doc["healthy"], false);
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["ok"] == false)
    );
    assert_eq!(node(&doc, &r2.addr())["name"], "c");

    // Topology shows it, in two trees, and exits 0.
    let (code, table, _) = rkv(&["-i", inv, "topology", "--no-color"]);
    assert_eq!(code, 0);
    assert!(table.contains("group 2 of 2"), "{table}");
    assert!(table.contains("multiple_masters"), "{table}");
}

#[test]
fn paused_replica_is_lagging() {
    let m = master(&[]);
    let r = replica_of(&m, &[]);
    wait_link_up(&r, None);
    wait_online(&m, 1);
    // CLIENT PAUSE WRITE on the replica holds back the replication stream it applies, while
    // INFO still answers.
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(10_000)
        .arg("WRITE")
        .exec(&mut r.client())
        .unwrap();
    let mut mc = m.client();
    for i in 0..20 {
        redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg("v")
            .exec(&mut mc)
            .unwrap();
    }
    let (code, doc, err) = json(&["verify", "--max-lag-bytes", "0", &m.addr()]);
    redis::cmd("CLIENT")
        .arg("UNPAUSE")
        .exec(&mut r.client())
        .unwrap();
    assert_eq!(code, 1, "{err}");
    assert!(
        problem_kinds(&doc).contains(&("lagging".into(), r.addr())),
        "{doc:#}"
    );
    assert!(node(&doc, &r.addr())["lag_bytes"].as_i64().unwrap() > 0);

    // Once unpaused it catches up, and --wait sees it healthy.
    let (code, out, err) = rkv(&["verify", "--max-lag-bytes", "0", "--wait", "10s", &m.addr()]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn auth_with_password_and_reasons_without_secrets() {
    let m = master(&["--requirepass", "s3cret-pw", "--masterauth", "s3cret-pw"]);
    let r = replica_of(
        &m,
        &["--requirepass", "s3cret-pw", "--masterauth", "s3cret-pw"],
    );
    wait_link_up(&r, Some("s3cret-pw"));

    let (code, doc, err) = json(&["topology", "-a", "s3cret-pw", &m.addr()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 2);
    assert!(doc["problems"].as_array().unwrap().is_empty(), "{doc:#}");

    // REDISCLI_AUTH is honoured; credentials in a URL too.
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(["info", "-o", "json", &r.addr()])
        .env_remove("RKV_PASSWORD")
        .env("REDISCLI_AUTH", "s3cret-pw")
        .output()
        .unwrap();
    assert!(out.status.success());
    let (code, doc, _) = json(&["info", &format!("redis://:s3cret-pw@{}", r.addr())]);
    assert_eq!(code, 0);
    assert_eq!(doc["nodes"][0]["link"], "up");

    // An ACL user with --user/--password.
    let mut c = m.client();
    redis::cmd("AUTH").arg("s3cret-pw").exec(&mut c).unwrap();
    redis::cmd("ACL")
        .arg(&["SETUSER", "ops", "on", ">ops-pw", "+@all", "~*"])
        .exec(&mut c)
        .unwrap();
    let (code, doc, err) = json(&["info", "-u", "ops", "-a", "ops-pw", &m.addr()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["nodes"][0]["role"], "master");
    let (code, out, err) = rkv(&["info", "-u", "ops", "-a", "s3cret-pw", &m.addr()]);
    // Exit 4: refused credentials, told apart from a node that is down (1).
    assert_eq!(code, 4);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(!out.contains("s3cret-pw") && !err.contains("s3cret-pw"));

    // No password: the reason says so.
    let (code, doc, err) = json(&["topology", &m.addr()]);
    assert_eq!(code, 4);
    let e = doc["nodes"][0]["error"].as_str().unwrap();
    assert!(
        e.contains("NOAUTH") || e.to_lowercase().contains("auth"),
        "{e} / {err}"
    );

    // Wrong password: a reason, and the secret nowhere.
    let (code, out, err) = rkv(&["topology", "-o", "json", "-a", "wr0ng-pw", &m.addr()]);
    assert_eq!(code, 4);
    assert!(
        out.contains("WRONGPASS") || out.contains("authentication"),
        "{out}"
    );
    assert!(
        !out.contains("wr0ng-pw") && !err.contains("wr0ng-pw"),
        "{out}{err}"
    );
    let (_, out, err) = rkv(&["info", &format!("redis://:wr0ng-pw@{}", m.addr())]);
    assert!(
        !out.contains("wr0ng-pw") && !err.contains("wr0ng-pw"),
        "{out}{err}"
    );
}

#[test]
fn silent_node_times_out_quickly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        // Accept and hold connections without ever answering.
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let end = Instant::now() + Duration::from_secs(8);
        while Instant::now() < end {
            if let Ok((s, _)) = listener.accept() {
                held.push(s);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let start = Instant::now();
    let (code, doc, err) = json(&[
        "topology",
        "--timeout",
        "500ms",
        &format!("127.0.0.1:{port}"),
    ]);
    let took = start.elapsed();
    assert_eq!(code, 1, "{err}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    let e = doc["nodes"][0]["error"].as_str().unwrap();
    assert!(e.contains("timed out"), "{e}");
    drop(holder);
}

#[test]
fn announced_address_unreachable_and_writable_replica() {
    let m = master(&[]);
    // The replica announces a port nothing listens on, and accepts writes.
    let closed = common::free_port().to_string();
    let r = replica_of(
        &m,
        &[
            "--replica-announce-ip",
            "127.0.0.1",
            "--replica-announce-port",
            closed.as_str(),
            "--replica-read-only",
            "no",
        ],
    );
    wait_link_up(&r, None);
    wait_online(&m, 1);
    let announced = format!("127.0.0.1:{closed}");

    // From the master alone the replica is only known by its announced address.
    let (code, doc, err) = json(&["topology", "--timeout", "500ms", &m.addr()]);
    assert_eq!(code, 0, "{err}");
    let kinds = problem_kinds(&doc);
    assert!(
        kinds.contains(&("announce_mismatch".into(), announced.clone())),
        "{kinds:?}"
    );
    assert_eq!(node(&doc, &announced)["reachable"], false);

    // Seeding the replica too shows it at its real address, following the master.
    let (code, doc, err) = json(&["verify", "--timeout", "500ms", &m.addr(), &r.addr()]);
    assert_eq!(code, 1, "{err}");
    let kinds = problem_kinds(&doc);
    assert!(
        kinds.contains(&("writable_replica".into(), r.addr())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("announce_mismatch".into(), announced)),
        "{kinds:?}"
    );
    let real = node(&doc, &r.addr());
    assert_eq!(real["master"], m.addr());
    assert_eq!(real["read_only"], false);
}
