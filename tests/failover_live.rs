//! `rkv failover` against real redis-server nodes (1 master + 2 replicas), through the real
//! binary: a planned switchover under a continuous write load loses no acknowledged write;
//! an unplanned failover promotes the most advanced replica; refusals (ineligible candidate,
//! Sentinel), the pause budget, dry runs, the journal, re-running after an interruption and
//! the no-terminal rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::load::start_load;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
/// A master starts a full sync at once (7.0 waits 5 s for more replicas by default).
const FAST_SYNC: &[&str] = &["--repl-diskless-sync-delay", "0"];

use common::{ServerGuard, free_port, redis_server, rkv_bin, wait_ready, wait_until};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn conn(port: u16, pw: Option<&str>) -> redis::Connection {
    let url = match pw {
        Some(p) => format!("redis://:{p}@127.0.0.1:{port}/"),
        None => format!("redis://127.0.0.1:{port}/"),
    };
    let c = redis::Client::open(url).unwrap();
    let c = c
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap();
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    c
}

fn info(port: u16, pw: Option<&str>, section: &str) -> String {
    redis::cmd("INFO")
        .arg(section)
        .query(&mut conn(port, pw))
        .unwrap()
}

fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim_end().strip_prefix(&format!("{key}:")))
        .map(str::to_string)
}

fn role(port: u16, pw: Option<&str>) -> String {
    field(&info(port, pw, "replication"), "role").unwrap()
}

/// The node follows `master` with its link up.
fn follows(port: u16, pw: Option<&str>, master: u16) -> bool {
    let i = info(port, pw, "replication");
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port").as_deref() == Some(&master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

fn stat(port: u16, pw: Option<&str>, key: &str) -> i64 {
    field(&info(port, pw, "stats"), key)
        .unwrap()
        .parse()
        .unwrap()
}

/// A master and two replicas with their links up; `extra` goes to every node.
fn group(extra: &[&str], pw: Option<&str>) -> (ServerGuard, ServerGuard, ServerGuard) {
    let mut margs: Vec<&str> = FAST_SYNC.to_vec();
    margs.extend_from_slice(extra);
    let m = redis_server(&margs);
    let of = format!("127.0.0.1 {}", m.port);
    let mut args: Vec<&str> = vec!["--replicaof", &of];
    args.extend_from_slice(extra);
    args.extend_from_slice(FAST_SYNC);
    let r1 = redis_server(&args);
    let r2 = redis_server(&args);
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "replica link up", || {
            follows(r.port, pw, m.port)
        });
    }
    // Up is not yet streaming (after a diskless sync the master waits for the replica's
    // first ACK): wait until a write has reached both.
    let _: () = redis::cmd("SET")
        .arg("warmup")
        .arg(1)
        .query(&mut conn(m.port, pw))
        .unwrap();
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "the replica streams", || {
            let v: Option<i64> = redis::cmd("GET")
                .arg("warmup")
                .query(&mut conn(r.port, pw))
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
    let mut c = conn(port, None);
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
fn planned_switchover_under_load_loses_no_acknowledged_write() {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group(&[], None);
    let before_full = stat(r2.port, None, "sync_full");
    let load = start_load(vec![m.port, r1.port, r2.port]);
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
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
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
    assert!(report["write_pause_ms"].as_f64().unwrap() < 5000.0);
    assert_eq!(doc["problems"].as_array().unwrap().len(), 0, "{doc:#}");

    assert_eq!(role(r2.port, None), "master");
    for r in [&m, &r1] {
        wait_until(
            Duration::from_secs(5),
            "node follows the new master",
            || follows(r.port, None, r2.port),
        );
    }
    assert!(
        acked.len() > 100,
        "the load wrote only {} keys",
        acked.len()
    );
    all_present(r2.port, &acked);
    // The new master served partial resyncs only.
    assert!(stat(r2.port, None, "sync_partial_ok") >= 2);
    assert_eq!(stat(r2.port, None, "sync_full"), before_full);
    eprintln!(
        "{} acknowledged writes, longest gap {longest:?}, pause {} ms",
        acked.len(),
        report["write_pause_ms"]
    );
}

#[test]
fn unplanned_failover_promotes_the_most_advanced_replica() {
    let state = tempfile::tempdir().unwrap();
    let (mut m, r1, r2) = group(&[], None);
    // r1 falls behind: the master starts requiring a password (the links already open stay
    // authenticated), then r1's link is cut, and r1 cannot come back.
    let mut mc = conn(m.port, None);
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
        .query(&mut conn(r1.port, None))
        .unwrap();
    wait_until(Duration::from_secs(5), "r1's link down", || {
        field(&info(r1.port, None, "replication"), "master_link_status").as_deref() == Some("down")
    });
    for i in 0..100 {
        let _: () = redis::cmd("SET")
            .arg(format!("late:{i}"))
            .arg(i)
            .query(&mut mc)
            .unwrap();
    }
    let m_off: i64 = field(
        &info(m.port, Some("lockout"), "replication"),
        "master_repl_offset",
    )
    .unwrap()
    .parse()
    .unwrap();
    wait_until(Duration::from_secs(5), "r2 has every write", || {
        field(&info(r2.port, None, "replication"), "slave_repl_offset")
            .is_some_and(|o| o.parse::<i64>().unwrap() == m_off)
    });
    m.kill();

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
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["kind"], "failover");
    assert_eq!(doc["candidate"], r2.addr(), "{doc:#}");
    assert_eq!(doc["ranking"][1]["addr"], r1.addr());
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("must not come back as a master"),
        "{warnings}"
    );
    assert_eq!(role(r2.port, None), "master");
    wait_until(Duration::from_secs(5), "r1 follows r2", || {
        follows(r1.port, None, r2.port)
    });
    let v: Option<i64> = redis::cmd("GET")
        .arg("late:99")
        .query(&mut conn(r1.port, None))
        .unwrap();
    assert_eq!(v, Some(99), "r1 caught up from the new master");
    assert_eq!(doc["report"]["history"]["continues"], true, "{doc:#}");
    assert_eq!(stat(r2.port, None, "sync_full"), 0);
}

#[test]
fn ineligible_candidate_is_refused_with_its_reason() {
    let state = tempfile::tempdir().unwrap();
    let m = redis_server(FAST_SYNC);
    let of = format!("127.0.0.1 {}", m.port);
    let r = redis_server(&["--replicaof", &of, "--replica-priority", "0"]);
    wait_until(Duration::from_secs(10), "link up", || {
        follows(r.port, None, m.port)
    });
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r.addr(),
            "--yes",
            "--ignore-sentinel",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("replica-priority is 0"),
        "{}",
        text(&out)
    );
    // A script gets the refusal on stdout as one JSON document, with the same exit code.
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r.addr(),
            "--yes",
            "--ignore-sentinel",
            "-o",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["refusal"], "ineligible", "{doc:#}");
    assert_eq!(doc["old_master"], m.addr(), "{doc:#}");
    assert_eq!(doc["candidate"], r.addr(), "{doc:#}");
    assert_eq!(doc["kind"], serde_json::Value::Null, "{doc:#}");
    assert_eq!(doc["steps"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["problems"][0]["kind"], "refused", "{doc:#}");
    assert_eq!(doc["problems"][0]["node"], r.addr(), "{doc:#}");
    assert!(
        doc["problems"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("replica-priority is 0")),
        "{doc:#}"
    );
    assert_eq!(role(m.port, None), "master");
    assert_eq!(role(r.port, None), "slave");
}

#[test]
fn pause_budget_exceeded_aborts_and_unpauses() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group(&[], None);
    let journal = state.path().join("j.jsonl");
    let child = Command::new(rkv_bin())
        .args([
            "failover",
            &m.addr(),
            "--to",
            &r2.addr(),
            "--yes",
            "--max-write-pause",
            "300ms",
            "--timeout",
            "1s",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .env("XDG_STATE_HOME", state.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once rkv has planned and listens for Sentinel hellos (2.5 s), freeze the candidate
    // and write to the master: the candidate can no longer catch up.
    wait_until(Duration::from_secs(10), "rkv probing for Sentinel", || {
        std::fs::read_to_string(&journal).is_ok_and(|j| j.contains("NUMSUB"))
    });
    let pid = r2.child.id().to_string();
    common::sigstop(pid.parse().unwrap());
    let _: () = redis::cmd("SET")
        .arg("late")
        .arg(1)
        .query(&mut conn(m.port, None))
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pause budget"), "{}", text(&out));
    assert!(err.contains("nothing was changed"), "{}", text(&out));
    // The old master is master, not paused (a write returns at once), and r2 still a replica.
    assert_eq!(role(m.port, None), "master");
    let t = Instant::now();
    let _: () = redis::cmd("SET")
        .arg("after")
        .arg(1)
        .query(&mut conn(m.port, None))
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "master still paused"
    );
    wait_until(Duration::from_secs(5), "r2 follows m again", || {
        follows(r2.port, None, m.port)
    });
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(j.contains("\"UNPAUSE\""), "{j}");
}

struct Sentinel(
    std::process::Child,
    #[allow(dead_code, reason = "kept until drop")] tempfile::TempDir,
);

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sentinel(master: u16) -> Sentinel {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("sentinel.conf");
    std::fs::write(
        &conf,
        format!(
            "port {port}\nbind 127.0.0.1\ndir {}\nlogfile {}\nsentinel monitor grp 127.0.0.1 {master} 1\n",
            dir.path().display(),
            dir.path().join("sentinel.log").display()
        ),
    )
    .unwrap();
    let child = Command::new("redis-sentinel")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-sentinel must be installed");
    let s = Sentinel(child, dir);
    wait_ready(port, Duration::from_secs(10));
    s
}

#[test]
fn sentinel_watching_the_master_means_a_coordinated_plan() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group(&[], None);
    let _s = sentinel(m.port);
    wait_until(Duration::from_secs(10), "the Sentinel connected", || {
        let list: String = redis::cmd("CLIENT")
            .arg("LIST")
            .query(&mut conn(m.port, None))
            .unwrap();
        list.contains("name=sentinel-")
    });
    // Sentinel watches: the plan goes through it (tests/sentinel_failover.rs runs one).
    let out = rkv(
        state.path(),
        &["failover", &m.addr(), "--to", &r2.addr(), "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("Sentinels watch"), "{}", text(&out));
    assert!(plan.contains("SENTINEL FAILOVER grp"), "{}", text(&out));
    assert_eq!(role(m.port, None), "master");
    // With --ignore-sentinel a dry run plans it.
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r2.addr(),
            "--dry-run",
            "--ignore-sentinel",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn dry_run_changes_nothing_and_writes_no_journal() {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group(&[], None);
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--dry-run",
            "--ignore-sentinel",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["kind"], "switchover");
    let steps = doc["steps"].as_array().unwrap();
    assert!(steps.len() >= 6);
    assert!(steps.iter().all(|s| s["status"] == "not_run"));
    assert!(
        steps
            .iter()
            .all(|s| s["check"].as_str().is_some_and(|c| !c.is_empty()))
    );
    assert_eq!(doc["ranking"].as_array().unwrap().len(), 2);
    assert_eq!(role(m.port, None), "master");
    assert!(follows(r1.port, None, m.port) && follows(r2.port, None, m.port));
    assert!(
        !state.path().join("rkv").exists(),
        "a dry run wrote a journal"
    );
    // The human form shows the plan with checks.
    let out = rkv(
        state.path(),
        &["failover", &m.addr(), "--dry-run", "--ignore-sentinel"],
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("CLIENT PAUSE") && s.contains("check:"), "{s}");
}

#[test]
fn journal_has_every_step_and_no_secret() {
    let state = tempfile::tempdir().unwrap();
    let pw = "s3cret-Pw-42";
    let (m, r1, r2) = group(&["--requirepass", pw, "--masterauth", pw], Some(pw));
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r1.addr(),
            "--yes",
            "-a",
            pw,
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    assert!(!all.contains(pw), "the password was printed");
    let doc = json(&out);
    let path = doc["journal"].as_str().unwrap().to_string();
    assert!(
        path.starts_with(state.path().join("rkv").join("journal").to_str().unwrap()),
        "{path}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&path));
    let j = std::fs::read_to_string(&path).unwrap();
    assert!(!j.contains(pw), "the journal holds the password");
    let lines: Vec<serde_json::Value> = j
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = doc["steps"].as_array().unwrap().len();
    for i in 1..=n {
        for ev in ["step_started", "step_done"] {
            assert!(
                lines.iter().any(|l| l["event"] == ev && l["step"] == i),
                "no {ev} for step {i}"
            );
        }
    }
    assert!(
        lines
            .iter()
            .any(|l| { l["command"] == serde_json::json!(["CONFIG", "SET", "masterauth", "***"]) })
    );
    assert!(lines.iter().any(|l| {
        l["command"] == serde_json::json!(["REPLICAOF", "NO", "ONE"]) && l["node"] == r1.addr()
    }));
    assert!(lines.iter().all(|l| l["ts_ms"].as_u64().is_some()));
    // Each node without a config file says so instead of failing.
    let persisted = doc["report"]["persisted"].as_object().unwrap();
    assert_eq!(persisted.len(), 3);
    assert!(
        persisted
            .values()
            .all(|v| v == "not persisted: no config file")
    );
    for r in [&m, &r2] {
        wait_until(Duration::from_secs(5), "follows r1", || {
            follows(r.port, Some(pw), r1.port)
        });
    }
}

#[test]
fn rerun_after_an_interrupted_failover_converges() {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group(&[], None);
    // The promotion happened, then the run stopped.
    let _: () = redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query(&mut conn(r2.port, None))
        .unwrap();
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r2.addr(),
            "--yes",
            "--ignore-sentinel",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["kind"], "resume", "{doc:#}");
    for r in [&m, &r1] {
        wait_until(Duration::from_secs(5), "follows r2", || {
            follows(r.port, None, r2.port)
        });
    }
    // Once more: nothing left to do.
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r2.addr(),
            "--yes",
            "--ignore-sentinel",
        ],
    );
    // A re-run that finds nothing left to do has succeeded.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing to do"),
        "{}",
        text(&out)
    );
}

#[test]
fn without_a_terminal_and_without_yes_it_exits_2() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group(&[], None);
    let out = rkv(state.path(), &["failover", &m.addr(), "--to", &r2.addr()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(role(m.port, None), "master");
    let out = rkv(state.path(), &["promote", &r2.addr()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn ctrl_c_while_paused_unpauses_and_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group(&[], None);
    let journal = state.path().join("j.jsonl");
    let child = Command::new(rkv_bin())
        .args([
            "failover",
            &m.addr(),
            "--to",
            &r2.addr(),
            "--yes",
            "--max-write-pause",
            "20s",
            "--journal",
            journal.to_str().unwrap(),
        ])
        .env("XDG_STATE_HOME", state.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Freeze the candidate while rkv listens for Sentinel, so the wait for it never ends.
    wait_until(Duration::from_secs(10), "rkv probing for Sentinel", || {
        std::fs::read_to_string(&journal).is_ok_and(|j| j.contains("NUMSUB"))
    });
    let pid = r2.child.id().to_string();
    common::sigstop(pid.parse().unwrap());
    wait_until(Duration::from_secs(10), "rkv paused the master", || {
        std::fs::read_to_string(&journal).is_ok_and(|j| j.contains("\"step_started\",\"step\":2"))
    });
    std::thread::sleep(Duration::from_millis(200));
    let rkv_pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &rkv_pid])
            .status()
            .unwrap()
            .success()
    );
    let t = Instant::now();
    // Let rkv act on the signal, then wake the candidate so the report afterwards can read it.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "rkv did not stop promptly"
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interrupted"), "{}", text(&out));
    assert!(err.contains("nothing was changed"), "{}", text(&out));
    assert_eq!(role(m.port, None), "master");
    let t = Instant::now();
    let _: () = redis::cmd("SET")
        .arg("after")
        .arg(1)
        .query(&mut conn(m.port, None))
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "master still paused"
    );
}

#[test]
fn a_hello_on_the_sentinel_channel_is_a_refusal() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group(&[], None);
    // Something publishes Sentinel hellos through the master, without a named client or a
    // subscriber: only listening on the channel can tell.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let port = m.port;
    let publisher = std::thread::spawn(move || {
        let mut c = conn(port, None);
        while !flag.load(Ordering::Relaxed) {
            let _: i64 = redis::cmd("PUBLISH")
                .arg("__sentinel__:hello")
                .arg("127.0.0.1,26379,abc,0,grp,127.0.0.1,6379,0")
                .query(&mut c)
                .unwrap();
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let out = rkv(
        state.path(),
        &["failover", &m.addr(), "--to", &r2.addr(), "--yes"],
    );
    stop.store(true, Ordering::Relaxed);
    publisher.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Sentinel watches"), "{}", text(&out));
    assert!(
        err.contains("a message on __sentinel__:hello"),
        "{}",
        text(&out)
    );
    assert_eq!(role(m.port, None), "master");
}

#[test]
fn a_failure_after_the_promotion_prints_the_state_and_the_command_to_finish() {
    let state = tempfile::tempdir().unwrap();
    let pw = "pw-after-ponr";
    let m = redis_server(&[
        "--requirepass",
        pw,
        "--masterauth",
        pw,
        "--repl-diskless-sync-delay",
        "0",
        // The old master cannot take REPLICAOF (nor SLAVEOF): re-pointing it fails after the
        // candidate was promoted. (Without CONFIG it could not be fenced, and the run would
        // stop before the promotion with nothing changed.)
        "--rename-command",
        "REPLICAOF",
        "",
        "--rename-command",
        "SLAVEOF",
        "",
    ]);
    let of = format!("127.0.0.1 {}", m.port);
    let args = ["--replicaof", &of, "--requirepass", pw, "--masterauth", pw];
    let r1 = redis_server(&args);
    wait_until(Duration::from_secs(10), "link up", || {
        follows(r1.port, Some(pw), m.port)
    });
    let out = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r1.addr(),
            "--yes",
            "-a",
            pw,
            "--ignore-sentinel",
            "--max-write-pause",
            "1s",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        err.contains("was promoted but the run stopped at step 5"),
        "{}",
        text(&out)
    );
    assert!(
        err.contains("is still a master, paused") && err.contains("fenced"),
        "{}",
        text(&out)
    );
    assert!(
        err.contains(&format!(
            "next: rkv failover {} --to {} --yes",
            m.addr(),
            r1.addr()
        )),
        "{}",
        text(&out)
    );
    assert!(stdout.contains("Topology now:"), "{}", text(&out));
    assert!(!text(&out).contains(pw));
    assert_eq!(role(r1.port, Some(pw)), "master");
}
