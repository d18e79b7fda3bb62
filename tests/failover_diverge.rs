//! A hand-made split, against rkv serve and Debian's redis-server (1 master + 2 replicas): a
//! replica promoted by hand with `REPLICAOF NO ONE`, then the write-load client writing to the
//! old master. Re-running `rkv failover OLD --to NEW --yes` must not discard those
//! acknowledged writes silently:
//! - without a choice it refuses (exit 1), says how many bytes and commands diverged, and the
//!   old master keeps every write;
//! - `topology` and `verify` show the bytes and commands, and flag a write fence left in place
//!   (set by hand with CONFIG SET here);
//! - with `--carry-over` every acknowledged write ends up on the new master (0 lost);
//! - with `--discard-writes-of OLD` it proceeds and the report says what was dropped;
//! - an old master that went on past the fork with replication PINGs only holds no write:
//!   the re-run re-points it without asking.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::load::start_load;
use common::{ServerGuard, redis_server, rkv_bin, rkv_serve, wait_until};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
enum Backend {
    Serve,
    Redis,
}

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

fn repl(port: u16) -> String {
    redis::cmd("INFO")
        .arg("replication")
        .query(&mut conn(port))
        .unwrap()
}

fn role(port: u16) -> String {
    field(&repl(port), "role").unwrap()
}

/// The node follows `master` with its link up.
fn follows(port: u16, master: u16) -> bool {
    let i = repl(port);
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port").as_deref() == Some(&master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

fn start(b: Backend, replicaof: Option<u16>) -> ServerGuard {
    match (b, replicaof) {
        (Backend::Serve, None) => rkv_serve(&[]),
        (Backend::Serve, Some(p)) => rkv_serve(&["--replicaof", &format!("127.0.0.1:{p}")]),
        (Backend::Redis, None) => redis_server(&["--repl-diskless-sync-delay", "0"]),
        (Backend::Redis, Some(p)) => redis_server(&[
            "--replicaof",
            &format!("127.0.0.1 {p}"),
            "--repl-diskless-sync-delay",
            "0",
        ]),
    }
}

/// A master and two replicas, streaming.
fn group(b: Backend) -> (ServerGuard, ServerGuard, ServerGuard) {
    let m = start(b, None);
    let r1 = start(b, Some(m.port));
    let r2 = start(b, Some(m.port));
    let _: () = redis::cmd("SET")
        .arg("warmup")
        .arg(1)
        .query(&mut conn(m.port))
        .unwrap();
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(20), "the replica streams", || {
            follows(r.port, m.port)
                && redis::cmd("GET")
                    .arg("warmup")
                    .query::<Option<i64>>(&mut conn(r.port))
                    .unwrap()
                    == Some(1)
        });
    }
    (m, r1, r2)
}

/// `REPLICAOF NO ONE` on `port`, by hand; waits until it reports master.
fn promote_by_hand(port: u16) {
    let _: () = redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query(&mut conn(port))
        .unwrap();
    wait_until(Duration::from_secs(10), "promoted", || {
        role(port) == "master"
    });
}

fn int(port: u16, key: &str) -> i64 {
    field(&repl(port), key).unwrap().parse().unwrap()
}

/// A master and two replicas streaming; then the split: `r1` promoted by hand, and the load
/// client writing to the old master `m` (which still has `r2`). Returns the acknowledged ids.
fn split(b: Backend) -> (ServerGuard, ServerGuard, ServerGuard, Vec<u64>) {
    let (m, r1, r2) = group(b);
    promote_by_hand(r1.port);
    let load = start_load(vec![m.port]);
    load.wait_acked(300);
    let (acked, _) = load.finish();
    assert!(acked.len() >= 300);
    (m, r1, r2, acked)
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

/// How many of the acknowledged keys `port` holds with their value.
fn present(port: u16, acked: &[u64]) -> usize {
    let mut c = conn(port);
    let mut n = 0;
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        n += chunk
            .iter()
            .zip(vals)
            .filter(|(i, v)| *v == Some(**i))
            .count();
    }
    n
}

fn node<'a>(doc: &'a serde_json::Value, addr: &str) -> &'a serde_json::Value {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["addr"] == addr)
        .unwrap_or_else(|| panic!("no {addr} in {doc:#}"))
}

fn problem<'a>(doc: &'a serde_json::Value, kind: &str, addr: &str) -> Option<&'a str> {
    doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == kind && p["node"] == addr)
        .and_then(|p| p["message"].as_str())
}

fn refused_then_carried_over(b: Backend) {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2, acked) = split(b);
    let n = acked.len();

    // The re-run refuses, says how much diverged, and changes nothing.
    let o = rkv(
        state.path(),
        &["failover", &m.addr(), "--to", &r1.addr(), "--yes"],
    );
    let all = text(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(all.contains("refused"), "{all}");
    assert!(
        all.contains(&format!("{n} command(s) on {n} key(s)")),
        "{all}"
    );
    assert!(
        all.contains(&format!("--discard-writes-of {}", m.addr())),
        "{all}"
    );
    assert!(all.contains("--carry-over"), "{all}");
    assert_eq!(role(m.port), "master");
    assert!(follows(r2.port, m.port));
    assert_eq!(
        present(m.port, &acked),
        n,
        "the old master keeps its writes"
    );
    assert_eq!(present(r1.port, &acked), 0);

    // topology and verify say the same, with bytes and commands.
    let o = rkv(
        state.path(),
        &["topology", &m.addr(), &r1.addr(), "--output", "json"],
    );
    let doc = json(&o);
    let mj = node(&doc, &m.addr());
    assert!(mj["diverged_bytes"].as_i64().unwrap() > 0, "{doc:#}");
    assert_eq!(mj["diverged_commands"].as_u64(), Some(n as u64), "{doc:#}");
    assert!(node(&doc, &r1.addr())["diverged_bytes"].is_null());
    let stale = problem(&doc, "stale_master", &m.addr()).unwrap();
    assert!(stale.contains("byte(s) past the fork"), "{stale}");

    // A fence left in place (set by hand), flagged with the command that clears it.
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("min-replicas-to-write")
        .arg(1_000_000)
        .query(&mut conn(m.port))
        .unwrap();
    let o = rkv(
        state.path(),
        &["verify", &m.addr(), &r1.addr(), "--output", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let doc = json(&o);
    let fence = problem(&doc, "fence_left", &m.addr()).unwrap_or_else(|| panic!("{doc:#}"));
    let clear = format!(
        "redis-cli -h 127.0.0.1 -p {} CONFIG SET min-replicas-to-write 0",
        m.port
    );
    assert!(fence.contains(&clear), "{fence}");
    let o = rkv(
        state.path(),
        &["topology", &m.addr(), &r1.addr(), "--output", "json"],
    );
    let doc = json(&o);
    assert_eq!(
        node(&doc, &m.addr())["min_replicas_to_write"].as_i64(),
        Some(1_000_000)
    );
    assert!(problem(&doc, "fence_left", &m.addr()).is_some(), "{doc:#}");
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("min-replicas-to-write")
        .arg(0)
        .query(&mut conn(m.port))
        .unwrap();

    // Carry-over: every acknowledged write ends up on the new master.
    let o = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r1.addr(),
            "--yes",
            "--carry-over",
            "--output",
            "json",
        ],
    );
    let all = text(&o);
    assert_eq!(o.status.code(), Some(0), "{all}");
    let doc = json(&o);
    let carried = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["action"] == "carry_over")
        .unwrap_or_else(|| panic!("no carry_over step: {all}"));
    assert_eq!(carried["status"], "done", "{all}");
    assert!(
        carried["note"]
            .as_str()
            .unwrap()
            .contains(&format!("carried {n} command(s)")),
        "{all}"
    );
    assert_eq!(present(r1.port, &acked), n, "lost writes: {all}");
    for r in [&m, &r2] {
        wait_until(Duration::from_secs(30), "follows the new master", || {
            follows(r.port, r1.port)
        });
        wait_until(Duration::from_secs(30), "has every write", || {
            present(r.port, &acked) == n
        });
    }
}

fn dropped_by_name(b: Backend) {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2, acked) = split(b);
    let n = acked.len();
    // Naming a node that holds no divergent writes (a replica) is bad usage, and changes
    // nothing.
    let o = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r1.addr(),
            "--yes",
            "--discard-writes-of",
            &r2.addr(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(follows(r2.port, m.port));
    assert_eq!(role(m.port), "master");
    let o = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r1.addr(),
            "--yes",
            "--discard-writes-of",
            &m.addr(),
            "--output",
            "json",
        ],
    );
    let all = text(&o);
    assert_eq!(o.status.code(), Some(0), "{all}");
    let doc = json(&o);
    let warnings: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains(&format!(
            "--discard-writes-of {}: dropping its writes past offset",
            m.addr()
        )) && w.contains(&format!("{n} command(s)"))),
        "{all}"
    );
    // The full resyncs this needs are notes, not problems.
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("note: ") && w.contains("full resync(s), unavoidable")),
        "{all}"
    );
    for r in [&m, &r2] {
        wait_until(Duration::from_secs(30), "follows the new master", || {
            follows(r.port, r1.port)
        });
    }
    assert_eq!(present(r1.port, &acked), 0);
    wait_until(
        Duration::from_secs(30),
        "the old master's copy is replaced",
        || present(m.port, &acked) == 0,
    );
}

/// The old master went on past the fork with replication PINGs only (its replica r2 still
/// attached): that is no write, and the re-run re-points it without asking.
fn pings_only(b: Backend) {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group(b);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("repl-ping-replica-period")
        .arg(1)
        .query(&mut conn(m.port))
        .unwrap();
    promote_by_hand(r1.port);
    let fork = int(r1.port, "second_repl_offset") - 1;
    wait_until(Duration::from_secs(20), "a PING past the fork", || {
        int(m.port, "master_repl_offset") >= fork + 14
    });
    let o = rkv(
        state.path(),
        &["topology", &m.addr(), &r1.addr(), "--output", "json"],
    );
    let doc = json(&o);
    let mj = node(&doc, &m.addr());
    assert!(mj["diverged_bytes"].as_i64().unwrap() >= 14, "{doc:#}");
    assert_eq!(mj["diverged_commands"].as_u64(), Some(0), "{doc:#}");
    let stale = problem(&doc, "stale_master", &m.addr()).unwrap();
    assert!(stale.contains("hold no write"), "{stale}");

    let o = rkv(
        state.path(),
        &[
            "failover",
            &m.addr(),
            "--to",
            &r1.addr(),
            "--yes",
            "--output",
            "json",
        ],
    );
    let all = text(&o);
    assert_eq!(o.status.code(), Some(0), "{all}");
    assert!(all.contains("hold no write"), "{all}");
    for r in [&m, &r2] {
        wait_until(Duration::from_secs(30), "follows the new master", || {
            follows(r.port, r1.port)
        });
    }
}

/// The old master refuses writes for want of one more good replica (min-replicas-to-write 2,
/// one replica attached). Reading its backlog as a replica would count as that one and let
/// writes through, so topology does not read it: the bytes are shown, the commands are not,
/// and the old master still refuses writes.
fn reading_never_opens_a_min_replicas_gate(b: Backend) {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, _r2, acked) = split(b);
    let mut c = conn(m.port);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("min-replicas-to-write")
        .arg(2)
        .query(&mut c)
        .unwrap();
    let refused = |c: &mut redis::Connection| {
        redis::cmd("SET")
            .arg("probe")
            .arg(1)
            .query::<()>(c)
            .is_err_and(|e| e.to_string().contains("NOREPLICAS"))
    };
    assert!(refused(&mut c));
    let o = rkv(
        state.path(),
        &["topology", &m.addr(), &r1.addr(), "--output", "json"],
    );
    let doc = json(&o);
    let mj = node(&doc, &m.addr());
    assert!(mj["diverged_bytes"].as_i64().unwrap() > 0, "{doc:#}");
    assert!(mj["diverged_commands"].is_null(), "{doc:#}");
    let stale = problem(&doc, "stale_master", &m.addr()).unwrap();
    assert!(stale.contains("would count as one"), "{stale}");
    assert!(refused(&mut c));
    assert_eq!(present(m.port, &acked), acked.len());
}

#[test]
fn serve_reading_never_opens_a_min_replicas_gate() {
    reading_never_opens_a_min_replicas_gate(Backend::Serve);
}

#[test]
fn redis_reading_never_opens_a_min_replicas_gate() {
    reading_never_opens_a_min_replicas_gate(Backend::Redis);
}

#[test]
fn serve_pings_past_the_fork_are_not_writes() {
    pings_only(Backend::Serve);
}

#[test]
fn redis_pings_past_the_fork_are_not_writes() {
    pings_only(Backend::Redis);
}

#[test]
fn serve_split_is_refused_then_carried_over() {
    refused_then_carried_over(Backend::Serve);
}

#[test]
fn redis_split_is_refused_then_carried_over() {
    refused_then_carried_over(Backend::Redis);
}

#[test]
fn serve_split_dropped_by_name() {
    dropped_by_name(Backend::Serve);
}

#[test]
fn redis_split_dropped_by_name() {
    dropped_by_name(Backend::Redis);
}
