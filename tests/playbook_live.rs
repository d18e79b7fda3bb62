//! `rkv playbook run` end to end against Debian's redis-server, through the real binary:
//! setup-replication over an inventory (names, not addresses), `--dry-run` changes nothing,
//! switchover under a continuous write load loses no acknowledged write, and a failing step
//! stops the run with the exact `--from-step N` command, which resumes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::load::start_load;
use common::{ServerGuard, redis_server, rkv_bin, wait_until};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// A master starts a full sync at once (7.0 waits 5 s for more replicas by default).
const FAST_SYNC: &[&str] = &["--repl-diskless-sync-delay", "0"];

fn conn(port: u16) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let c = c
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap();
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    c
}

fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim_end().strip_prefix(&format!("{key}:")))
        .map(str::to_string)
}

fn info(port: u16) -> String {
    redis::cmd("INFO")
        .arg("replication")
        .query(&mut conn(port))
        .unwrap()
}

fn role(port: u16) -> String {
    field(&info(port), "role").unwrap()
}

fn follows(port: u16, master: u16) -> bool {
    let i = info(port);
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port").as_deref() == Some(&master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

fn config_get(port: u16, key: &str) -> String {
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg(key)
        .query(&mut conn(port))
        .unwrap();
    v.get(1).cloned().unwrap_or_default()
}

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

fn statuses(doc: &serde_json::Value) -> Vec<String> {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

/// Three standalone masters and an inventory naming them a, b, c.
fn three(dir: &Path) -> (Vec<ServerGuard>, String) {
    let nodes: Vec<ServerGuard> = (0..3).map(|_| redis_server(FAST_SYNC)).collect();
    let mut inv = String::new();
    for (n, g) in ["a", "b", "c"].iter().zip(&nodes) {
        inv.push_str(&format!(
            "[[nodes]]\nname = \"{n}\"\naddr = \"{}\"\n\n",
            g.addr()
        ));
    }
    let p = dir.join("inventory.toml");
    std::fs::write(&p, inv).unwrap();
    (nodes, p.display().to_string())
}

#[test]
fn setup_replication_end_to_end_over_an_inventory() {
    let state = tempfile::tempdir().unwrap();
    let (nodes, inv) = three(state.path());
    let (a, b, c) = (&nodes[0], &nodes[1], &nodes[2]);
    let _: () = redis::cmd("SET")
        .arg("before")
        .arg("setup")
        .query(&mut conn(a.port))
        .unwrap();
    let journal = state.path().join("j.jsonl");
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            "setup-replication",
            "-i",
            &inv,
            "--var",
            "master=a",
            "--var",
            "replicas=b, c",
            "--yes",
            "--output",
            "json",
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["ok"], true, "{doc:#}");
    assert_eq!(doc["playbook"], "setup-replication");
    let st = statuses(&doc);
    assert_eq!(st.len(), 13, "{doc:#}");
    assert!(st.iter().all(|s| s == "done"), "{st:?}");
    // The master persists nothing (the fixture runs without save points or AOF): warned.
    let warn = doc["steps"][2]["warnings"][0].as_str().unwrap();
    assert!(warn.contains("persists nothing"), "{warn}");
    // The replicate steps ran the replicate command: its JSON document is the step output.
    assert_eq!(doc["steps"][3]["output"]["link"], "up", "{doc:#}");
    assert_eq!(doc["steps"][3]["output"]["replica"], b.addr());
    // The final verify ran `rkv verify`: healthy.
    assert_eq!(doc["steps"][12]["output"]["healthy"], true, "{doc:#}");
    for r in [b, c] {
        assert!(follows(r.port, a.port), "{}", info(r.port));
        assert_eq!(config_get(r.port, "replica-read-only"), "yes");
        let v: Option<String> = redis::cmd("GET")
            .arg("before")
            .query(&mut conn(r.port))
            .unwrap();
        assert_eq!(v.as_deref(), Some("setup"));
    }
    // Every step is in the journal, with the Redis commands the native steps sent.
    let j = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(j.matches("\"event\":\"step_done\"").count(), 13, "{j}");
    assert!(j.contains("\"replica-read-only\""), "{j}");
    assert!(j.contains("playbook_done"), "{j}");
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (nodes, inv) = three(state.path());
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            "setup-replication",
            "-i",
            &inv,
            "--var",
            "master=a",
            "--var",
            "replicas=b,c",
            "--dry-run",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Playbook setup-replication (13 steps)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rkv replicate b --to a --yes --wait-timeout 1m"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing was changed"), "{stdout}");
    for n in &nodes {
        assert_eq!(role(n.port), "master");
        assert_eq!(config_get(n.port, "replica-read-only"), "yes");
    }
    // No journal was written (nothing was run).
    assert!(!state.path().join("rkv").exists());
    // JSON: every step pending.
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            "setup-replication",
            "-i",
            &inv,
            "--var",
            "master=a",
            "--var",
            "replicas=b,c",
            "--dry-run",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["dry_run"], true);
    assert!(statuses(&doc).iter().all(|s| s == "pending"));
    assert_eq!(doc["steps"][3]["action"]["kind"], "replicate");
    assert_eq!(doc["steps"][3]["action"]["replica"], "b");
    for n in &nodes {
        assert_eq!(role(n.port), "master");
    }
}

#[test]
fn switchover_under_write_load_loses_no_acknowledged_write() {
    let state = tempfile::tempdir().unwrap();
    let m = redis_server(FAST_SYNC);
    let of = format!("127.0.0.1 {}", m.port);
    let mut args: Vec<&str> = vec!["--replicaof", &of];
    args.extend_from_slice(FAST_SYNC);
    let r1 = redis_server(&args);
    let r2 = redis_server(&args);
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "replica link up", || {
            follows(r.port, m.port)
        });
    }
    let journal = state.path().join("j.jsonl");
    let load = start_load(vec![m.port, r1.port, r2.port]);
    load.wait_acked(100);
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            "switchover",
            "--var",
            &format!("master={}", m.addr()),
            "--var",
            &format!("to={}", r2.addr()),
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
    let (acked, _) = load.finish();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert!(statuses(&doc).iter().all(|s| s == "done"), "{doc:#}");
    // The failover step ran `rkv failover`: its own report proves the history continued.
    let fo = &doc["steps"][4]["output"];
    assert_eq!(fo["kind"], "switchover", "{fo:#}");
    assert_eq!(fo["report"]["history"]["continues"], true, "{fo:#}");
    assert!(!acked.is_empty());
    // One journal: the playbook's steps and the failover's own commands (the write pause).
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(j.contains("\"CLIENT\",\"PAUSE\""), "{j}");
    assert!(j.matches("\"event\":\"step_done\"").count() >= 8, "{j}");
    assert!(j.contains("playbook_done"), "{j}");
    assert_eq!(role(r2.port), "master");
    for r in [&m, &r1] {
        wait_until(Duration::from_secs(5), "follows the new master", || {
            follows(r.port, r2.port)
        });
    }
    let mut c = conn(r2.port);
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, v) in chunk.iter().zip(vals) {
            assert_eq!(
                v,
                Some(*i),
                "acknowledged write k:{i} missing on the new master"
            );
        }
    }
}

#[test]
fn a_failing_step_stops_the_run_and_from_step_resumes_it() {
    let state = tempfile::tempdir().unwrap();
    let (nodes, inv) = three(state.path());
    let (a, b, c) = (&nodes[0], &nodes[1], &nodes[2]);
    // Step 2 requires c to follow a, which nobody arranged: the run stops there.
    let pb = state.path().join("pb.toml");
    std::fs::write(
        &pb,
        "name = \"resume-test\"\ndescription = \"b follows a, then c must\"\n\n[[vars]]\nname = \"m\"\ntype = \"node\"\n\n[[steps]]\nkind = \"replicate\"\nreplica = \"b\"\nto = \"${m}\"\n\n[[steps]]\nkind = \"assert\"\nnode = \"c\"\nmaster = \"${m}\"\n\n[[steps]]\nkind = \"verify\"\nnodes = \"${m}\"\ntimeout = \"10s\"\n",
    )
    .unwrap();
    let journal = state.path().join("j.jsonl");
    let pb_s = pb.display().to_string();
    let j_s = journal.display().to_string();
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            &pb_s,
            "-i",
            &inv,
            "--var",
            "m=a",
            "--yes",
            "--journal",
            &j_s,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("stopped at step 2"), "{err}");
    assert!(err.contains("c does not follow a"), "{err}");
    assert!(follows(b.port, a.port));
    let next = err
        .lines()
        .find_map(|l| l.strip_prefix("resume, after fixing the cause: "))
        .unwrap_or_else(|| panic!("no resume command in {err}"))
        .to_string();
    assert_eq!(
        next,
        format!("rkv playbook run {pb_s} -i {inv} --var m=a --journal {j_s} --yes --from-step 2")
    );
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(j.contains("\"event\":\"step_failed\",\"step\":2"), "{j}");

    // Fix the cause, then run exactly the printed command.
    let _: () = redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(a.port)
        .query(&mut conn(c.port))
        .unwrap();
    wait_until(Duration::from_secs(10), "c follows a", || {
        follows(c.port, a.port)
    });
    let words: Vec<&str> = next.split_whitespace().skip(1).collect();
    let mut args = words.clone();
    args.extend(["--output", "json"]);
    let out = rkv(state.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(statuses(&doc), ["skipped", "done", "done"], "{doc:#}");
    assert_eq!(doc["from_step"], 2);
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(j.contains("steps 2..3"), "{j}");
}

#[test]
fn add_replica_end_to_end() {
    let state = tempfile::tempdir().unwrap();
    let (nodes, inv) = three(state.path());
    let (a, c) = (&nodes[0], &nodes[2]);
    let _: () = redis::cmd("SET")
        .arg("x")
        .arg("1")
        .query(&mut conn(a.port))
        .unwrap();
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            "add-replica",
            "-i",
            &inv,
            "--var",
            "master=a",
            "--var",
            "replica=c",
            "--yes",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert!(statuses(&doc).iter().all(|s| s == "done"), "{doc:#}");
    assert!(follows(c.port, a.port));
    let v: Option<String> = redis::cmd("GET").arg("x").query(&mut conn(c.port)).unwrap();
    assert_eq!(v.as_deref(), Some("1"));
    // b was not touched.
    assert_eq!(role(nodes[1].port), "master");
}

#[test]
fn replace_failed_master_end_to_end() {
    let state = tempfile::tempdir().unwrap();
    let mut m = redis_server(FAST_SYNC);
    let of = format!("127.0.0.1 {}", m.port);
    let mut args: Vec<&str> = vec!["--replicaof", &of];
    args.extend_from_slice(FAST_SYNC);
    let r1 = redis_server(&args);
    let r2 = redis_server(&args);
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "replica link up", || {
            follows(r.port, m.port)
        });
    }
    let _: () = redis::cmd("SET")
        .arg("safe")
        .arg("1")
        .query(&mut conn(m.port))
        .unwrap();
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "write replicated", || {
            redis::cmd("GET")
                .arg("safe")
                .query::<Option<String>>(&mut conn(r.port))
                .unwrap()
                .is_some()
        });
    }
    let dead = m.addr();
    m.kill();
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            "replace-failed-master",
            "--var",
            &format!("master={dead}"),
            "--var",
            &format!("replicas={},{}", r1.addr(), r2.addr()),
            "--yes",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert!(statuses(&doc).iter().all(|s| s == "done"), "{doc:#}");
    let fo = &doc["steps"][1]["output"];
    assert_eq!(fo["kind"], "failover", "{fo:#}");
    let new_master = fo["candidate"].as_str().unwrap().to_string();
    // The fencing instructions name the old master and the new one.
    let fence = doc["steps"][2]["output"].as_str().unwrap();
    assert!(
        fence.contains(&dead) && fence.contains(&new_master),
        "{fence}"
    );
    let (nm, other) = if new_master == r1.addr() {
        (&r1, &r2)
    } else {
        (&r2, &r1)
    };
    assert_eq!(role(nm.port), "master");
    wait_until(Duration::from_secs(10), "the other replica follows", || {
        follows(other.port, nm.port)
    });
    let v: Option<String> = redis::cmd("GET")
        .arg("safe")
        .query(&mut conn(nm.port))
        .unwrap();
    assert_eq!(v.as_deref(), Some("1"));
}

#[test]
fn setup_replication_sets_the_link_credentials() {
    let state = tempfile::tempdir().unwrap();
    let pw = ["--requirepass", "s3cret", "--repl-diskless-sync-delay", "0"];
    let a = redis_server(&pw);
    let b = redis_server(&pw);
    let out = rkv(
        state.path(),
        &[
            "playbook",
            "run",
            "setup-replication",
            "-a",
            "s3cret",
            "--var",
            &format!("master={}", a.addr()),
            "--var",
            &format!("replicas={}", b.addr()),
            "--yes",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // The secret never appears in the output.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    let c = redis::Client::open(format!("redis://:s3cret@127.0.0.1:{}/", b.port)).unwrap();
    let mut c = c.get_connection().unwrap();
    let i: String = redis::cmd("INFO").arg("replication").query(&mut c).unwrap();
    assert!(i.contains("master_link_status:up"), "{i}");
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("masterauth")
        .query(&mut c)
        .unwrap();
    assert_eq!(v[1], "s3cret");
}
