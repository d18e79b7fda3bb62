//! The real `rkv` binary against every build of the version matrix (Redis 2.8.24 to 7.2.6 and
//! Valkey 8.0.1, tests/matrix_support): each a master and two replicas under the write-load
//! client (tests/common/load.rs).
//!
//! One test function per (column, version), so nextest runs them in parallel:
//! - `observe`: `rkv info`, `rkv topology --output json` (roles, version as shown, offsets,
//!   link state), `rkv verify` exit 0.
//! - `replicate`: a fresh node joins with `rkv replicate`; the step names the command that was
//!   sent (`SLAVEOF` before 5.0, `REPLICAOF` from 5.0).
//! - `failover`: the master is killed with SIGKILL; `rkv failover` promotes the most advanced
//!   replica and exits 0 (on PSYNC1 servers too, where the sibling full-resyncs).
//! - `serve_follows`: `rkv serve` as a replica of it: data arrives, offsets advance.
//! - `follows_serve`: it as a replica of `rkv serve`: the snapshot is one it can load, one full
//!   sync per replica (no endless full-sync loop), `rkv verify` exit 0.
//! - `never_up`: a replica whose master never answered shows its link as "never up" (up to
//!   6.0 INFO counts the seconds since 1970 there).
//! - `serve_too_new_rdb`: the same with `rkv serve` forced to send RDB 10 to a pre-7.0
//!   replica: `rkv verify MASTER` names the endless full-sync loop and exits 1.
//! - `switchover`: the planned switchover under a mixed load (SET, Lua scripts, MULTI/EXEC) on
//!   every version: 0 acknowledged writes lost, exit 0. From 6.2 (and Valkey) writes are held
//!   by CLIENT PAUSE … WRITE; before, the old master is fenced and made a replica of the
//!   candidate before the promotion (`demote` in the plan), so its writes are refused, not
//!   held, for the gap.
//! - `killed_after_demote` (before 6.2): rkv is killed with SIGKILL between the demotion and
//!   the promotion. No node acknowledges a write; the same command run again finishes the
//!   switchover (4.0+, where the candidate provably has every write) or makes the old master
//!   master again (2.8, 3.2: no replid to prove it), and a third run switches over; no
//!   acknowledged write is lost.
//! - `stopped_after_demote` (before 6.2): the same moment, SIGTERM and then SIGHUP: rkv makes
//!   the old master master again and lifts its fence before it exits 1; then the same command
//!   switches over, 0 lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod matrix_support;
use matrix_support::{field, info};

use assert_cmd::Command;
use common::load::{Load, start_load, start_load_mixed};
use common::running::{Running, Sig};
use common::{ServerGuard, rkv_serve, server_log, sigcont, sigstop, wait_until};
use matrix_support::{ALL, Version, version};
use serde_json::Value;
use std::time::Duration;

/// How long a group's links, syncs and catch-ups may take on a loaded machine.
const SETTLE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// Fixtures

/// A connection with a read timeout, so a wedged server fails the test instead of hanging it.
fn conn(port: u16) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let c = c
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("connect to {port}: {e}"));
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    c
}

fn int_field(info: &str, key: &str) -> Option<i64> {
    field(info, key).and_then(|v| v.parse().ok())
}

/// The node's replication offset as it reports it: a replica's processed offset, else the
/// master's.
fn offset(port: u16) -> Option<i64> {
    let i = info(port);
    match field(&i, "role").as_deref() {
        Some("slave") => int_field(&i, "slave_repl_offset"),
        Some("master") => int_field(&i, "master_repl_offset"),
        _ => None,
    }
}

/// True when `port` is a replica of `master` with its link up.
fn follows(port: u16, master: u16) -> bool {
    let i = info(port);
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port") == Some(master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

/// How many replicas `port`'s INFO lists as `state=online`.
fn online_replicas(port: u16) -> usize {
    info(port).matches("state=online").count()
}

fn dbsize(port: u16) -> i64 {
    redis::cmd("DBSIZE").query(&mut conn(port)).unwrap()
}

/// Wait until every one of `replicas` has processed everything `master` has (the load
/// stopped first, so the master's offset stands still).
fn wait_caught_up(master: u16, replicas: &[u16]) {
    wait_until(SETTLE, "every replica at the master's offset", || {
        let Some(m) = offset(master) else {
            return false;
        };
        replicas
            .iter()
            .all(|&r| follows(r, master) && offset(r) == Some(m))
    });
}

/// Assert that every acknowledged write `k:i` holds `i` on `port`.
fn assert_has_writes(port: u16, acked: &[u64]) {
    let mut c = conn(port);
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, v) in chunk.iter().zip(vals) {
            assert_eq!(v, Some(*i), "acknowledged write k:{i} missing on {port}");
        }
    }
}

/// A master and two replicas of one build, the replicas online.
struct Group {
    m: ServerGuard,
    r1: ServerGuard,
    r2: ServerGuard,
}

impl Group {
    /// With each build's default backlog (1 MB).
    fn start(v: Version) -> Group {
        Group::start_with(v, &[])
    }

    /// For the switchovers under the write load. The load runs flat out (MBs a second).
    /// Before 6.0 a replica whose master changed role reconnects only on its once-a-second
    /// cron, and in that second the default 1 MB backlog overflows: a full resync that is
    /// Redis's, not rkv's (seen with redis-cli alone on 4.0.14: MULTI, SLAVEOF, EXEC, then
    /// SLAVEOF NO ONE under redis-benchmark, "lack of backlog" from the second time on).
    /// Production sizes the backlog for its write rate; so do these groups.
    fn start_for_switchover(v: Version) -> Group {
        Group::start_with(v, &["--repl-backlog-size", "64mb"])
    }

    fn start_with(v: Version, extra: &[&str]) -> Group {
        let m = v.start(None, extra);
        let r1 = v.start(Some(m.port), extra);
        let r2 = v.start(Some(m.port), extra);
        wait_until(SETTLE, "both replicas online", || {
            online_replicas(m.port) == 2 && follows(r1.port, m.port) && follows(r2.port, m.port)
        });
        Group { m, r1, r2 }
    }

    fn ports(&self) -> Vec<u16> {
        vec![self.m.port, self.r1.port, self.r2.port]
    }

    /// What each node logged last, for a failing assertion's message.
    fn logs(&self) -> String {
        [("m", &self.m), ("r1", &self.r1), ("r2", &self.r2)]
            .iter()
            .map(|(name, n)| format!("--- {name} {} log:\n{}", n.addr(), n.log_tail(40)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The write load, under way: some writes acknowledged, and applied on both replicas
    /// (a replica starved of CPU may still be at offset 0, which `rkv failover` takes for a
    /// replica carrying no data and will not promote).
    fn load(&self) -> Load {
        self.load_with(start_load)
    }

    /// [`Self::load`] with the load `start` starts.
    fn load_with(&self, start: fn(Vec<u16>) -> Load) -> Load {
        let load = start(self.ports());
        load.wait_acked(200);
        wait_until(SETTLE, "both replicas applied some of the load", || {
            [self.r1.port, self.r2.port]
                .iter()
                .all(|&p| offset(p).is_some_and(|o| o > 0))
        });
        load
    }
}

/// Where the `rkv` runs of this test keep their journals ([`common::own_state_dir`]).
fn state_dir() -> std::path::PathBuf {
    common::own_state_dir("rkv-matrix-state")
}

/// Every journal of these tests that names `addr` (ports are unique per test), for a
/// failing assertion's message.
fn journals(addr: &str) -> String {
    let dir = state_dir().join("rkv").join("journal");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            text.contains(addr)
                .then(|| format!("--- journal {}:\n{text}", f.display()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run `rkv` with a clean environment; its journal goes to a temporary directory.
fn rkv(args: &[&str]) -> (i32, String, String) {
    let state = state_dir();
    let out = Command::new(common::rkv_bin())
        .args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .env("XDG_STATE_HOME", state)
        .timeout(Duration::from_secs(110))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `rkv ARGS --output json`, parsed; panics with the output when it is not JSON.
fn rkv_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = args.to_vec();
    all.extend(["--output", "json"]);
    let (code, out, err) = rkv(&all);
    let doc = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("rkv {args:?}: not JSON ({e}): {out}\nstderr: {err}"));
    (code, doc, err)
}

/// Run a switchover (`args`) until it switches, at most 5 times. Before 4.0 a demotion the
/// candidate is short of (a script write past the fence, lost with the replica links as M
/// became a replica) is undone, not retried: exit 1, nothing switched, M master again. The
/// operator runs it again; so does the test. Each undo is checked to be exactly that.
fn switch_until_done(v: Version, m_port: u16, args: &[&str]) -> (i32, Value, String) {
    let mut last = rkv_json(args);
    for _ in 0..4 {
        if v.major >= 4 || last.0 != 1 {
            break;
        }
        assert!(
            last.2
                .contains("before Redis 4.0 a demotion is not tried again"),
            "{}: {:#}\n{}",
            v.dir,
            last.1,
            last.2
        );
        assert_eq!(
            field(&info(m_port), "role").as_deref(),
            Some("master"),
            "{}",
            v.dir
        );
        wait_until(SETTLE, "both replicas follow m again", || {
            online_replicas(m_port) == 2
        });
        eprintln!("{}: the demotion was undone; running it again", v.dir);
        last = rkv_json(args);
    }
    last
}

/// A switchover run held at its failpoint `point`. Before 4.0 a run may meet a real short
/// demotion first (a write past the fence: the old master is made master again, nothing lost,
/// exit 1, as it must); then, once M's replicas follow it again, it is run again, at most 5
/// times.
fn held_at(v: Version, m_port: u16, args: &[&str], point: &str) -> Running {
    for _ in 0..5 {
        let mut run = Running::spawn(rkv_process(args), point);
        if run.reached_or_exited(point) {
            return run;
        }
        let (code, err) = run.wait();
        assert!(
            v.major < 4,
            "{}: rkv exited before the failpoint {point}\n{err}",
            v.dir
        );
        assert_eq!(
            code,
            Some(1),
            "{}: rkv exited before the failpoint {point}\n{err}",
            v.dir
        );
        assert!(
            err.contains("before Redis 4.0 a demotion is not tried again"),
            "{}: rkv exited before the failpoint {point}, not by an undone short demotion\n{err}",
            v.dir
        );
        assert_eq!(
            field(&info(m_port), "role").as_deref(),
            Some("master"),
            "{}: {err}",
            v.dir
        );
        wait_until(SETTLE, "both replicas follow m again", || {
            online_replicas(m_port) == 2
        });
        eprintln!(
            "{}: a short demotion was undone before {point}; running it again",
            v.dir
        );
    }
    panic!(
        "{}: the demotion was short 5 times in a row before {point}",
        v.dir
    );
}

/// The node of a topology document with this address.
fn node<'a>(doc: &'a Value, addr: &str) -> &'a Value {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["addr"] == addr)
        .unwrap_or_else(|| panic!("{addr} not in {doc:#}"))
}

// ---------------------------------------------------------------------------------------
// The columns

/// `rkv info`, `rkv topology --output json` and `rkv verify` on a group under load, then with
/// the load stopped: every node at one offset.
fn observe(v: Version) {
    let g = Group::start(v);
    let load = g.load();
    let shown = v.shown();

    let (code, doc, err) = rkv_json(&["info", &g.r1.addr()]);
    assert_eq!(code, 0, "{err}");
    let r1 = node(&doc, &g.r1.addr());
    assert_eq!(r1["role"], "replica", "{doc:#}");
    assert_eq!(r1["master"], g.m.addr(), "{doc:#}");
    assert_eq!(r1["link"], "up", "{doc:#}");
    assert_eq!(r1["version"], shown.as_str(), "{doc:#}");
    let (code, out, err) = rkv(&["info", &g.m.addr()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["version"]
                .into_iter()
                .chain(shown.split(' '))
                .collect::<Vec<_>>()),
        "rkv info shows the version as {shown}:\n{out}"
    );

    let (code, doc, err) = rkv_json(&["topology", &g.m.addr()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 3, "{doc:#}");
    let m = node(&doc, &g.m.addr());
    assert_eq!(m["role"], "master", "{doc:#}");
    assert_eq!(m["reachable"], true);
    assert_eq!(m["version"], shown.as_str(), "{doc:#}");
    assert!(m["offset"].as_i64().is_some_and(|o| o > 0), "{doc:#}");
    let mut listed: Vec<&str> = m["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut want = vec![g.r1.addr(), g.r2.addr()];
    want.sort();
    assert_eq!(listed, want, "{doc:#}");
    for r in [&g.r1, &g.r2] {
        let n = node(&doc, &r.addr());
        assert_eq!(n["role"], "replica", "{doc:#}");
        assert_eq!(n["master"], g.m.addr(), "{doc:#}");
        assert_eq!(n["link"], "up", "{doc:#}");
        assert_eq!(n["version"], shown.as_str(), "{doc:#}");
        assert_eq!(n["read_only"], true, "{doc:#}");
        // Under load a starved replica may not have applied a byte yet (0): the offsets are
        // compared exactly once the load has stopped, below.
        assert!(n["offset"].as_i64().is_some_and(|o| o >= 0), "{doc:#}");
        assert!(n["lag_bytes"].as_i64().is_some_and(|l| l >= 0), "{doc:#}");
        // PSYNC1 servers have no replid: shown as none, not invented.
        assert_eq!(n["replid"].is_null(), v.psync1(), "{doc:#}");
    }
    assert_eq!(doc["problems"], Value::Array(vec![]), "{doc:#}");

    let (code, doc, err) = rkv_json(&["verify", &g.m.addr()]);
    assert_eq!(code, 0, "verify under load: {doc:#}\n{err}");
    assert_eq!(doc["healthy"], true, "{doc:#}");

    // The load stopped and caught up: one offset everywhere, no lag.
    let (acked, _) = load.finish();
    wait_caught_up(g.m.port, &[g.r1.port, g.r2.port]);
    let (code, doc, err) = rkv_json(&["topology", &g.r2.addr()]);
    assert_eq!(code, 0, "{err}");
    let at = node(&doc, &g.m.addr())["offset"].as_i64().unwrap();
    assert_eq!(at, offset(g.m.port).unwrap(), "{doc:#}");
    for r in [&g.r1, &g.r2] {
        let n = node(&doc, &r.addr());
        assert_eq!(n["offset"].as_i64(), Some(at), "{doc:#}");
        assert_eq!(n["lag_bytes"].as_i64(), Some(0), "{doc:#}");
    }
    let (code, doc, err) = rkv_json(&["verify", &g.m.addr(), "--max-lag-bytes", "0"]);
    assert_eq!(code, 0, "verify after the load: {doc:#}\n{err}");
    assert_has_writes(g.r2.port, &acked);
    eprintln!("{}: observed under {} writes", v.dir, acked.len());
}

/// `rkv replicate` makes a fresh node a replica of the loaded master: its own data replaced,
/// the step naming `SLAVEOF` or `REPLICAOF` as sent.
fn replicate(v: Version) {
    let g = Group::start(v);
    let fresh = v.start(None, &[]);
    let _: () = redis::cmd("SET")
        .arg("only-on-fresh")
        .arg(1)
        .query(&mut conn(fresh.port))
        .unwrap();
    let load = g.load();
    let (code, doc, err) = rkv_json(&["replicate", &fresh.addr(), "--to", &g.m.addr(), "--yes"]);
    assert_eq!(code, 0, "{doc:#}\n{err}");
    let verb = if v.major >= 5 { "REPLICAOF" } else { "SLAVEOF" };
    let action = doc["steps"][0]["action"].as_str().unwrap();
    assert_eq!(
        action,
        format!("{verb} 127.0.0.1 {} on {}", g.m.port, fresh.addr()),
        "{doc:#}"
    );
    assert_eq!(doc["link"], "up", "{doc:#}");
    assert_eq!(doc["problems"], Value::Array(vec![]), "{doc:#}");
    assert!(follows(fresh.port, g.m.port));
    let (acked, _) = load.finish();
    wait_caught_up(g.m.port, &[g.r1.port, g.r2.port, fresh.port]);
    let gone: Option<i64> = redis::cmd("GET")
        .arg("only-on-fresh")
        .query(&mut conn(fresh.port))
        .unwrap();
    assert_eq!(gone, None, "its own data was replaced by the master's");
    assert_has_writes(fresh.port, &acked);
    let (code, doc, err) = rkv_json(&["verify", &g.m.addr()]);
    assert_eq!(code, 0, "{doc:#}\n{err}");
    assert_eq!(
        node(&doc, &g.m.addr())["replicas"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

/// Kill the master with SIGKILL while r1 lags far behind: `rkv failover` promotes r2, the most
/// advanced, re-points r1, and exits 0.
fn failover(v: Version) {
    // The default 1 MB backlog: r1 ends further behind than that, so it needs a full resync
    // from r2 on every version, which is expected and no problem of the run.
    let mut g = Group::start(v);
    let load = g.load();
    // r1 stops reading while a burst larger than every socket buffer between the two (the
    // loopback receive buffer may grow to 32 MB here) goes out: the rest waits in the master's
    // memory and dies with it, so r1 ends behind r2.
    sigstop(g.r1.child.id());
    let big = vec![b'x'; 8 << 20];
    let mut mc = conn(g.m.port);
    for i in 0..6 {
        let _: () = redis::cmd("SET")
            .arg(format!("big:{i}"))
            .arg(&big)
            .query(&mut mc)
            .unwrap();
    }
    let after_burst = offset(g.m.port).unwrap();
    wait_until(SETTLE, "r2 received the burst", || {
        offset(g.r2.port).is_some_and(|o| o >= after_burst)
    });
    g.m.kill();
    sigcont(g.r1.child.id());
    wait_until(SETTLE, "r1's link is down", || {
        field(&info(g.r1.port), "master_link_status").as_deref() == Some("down")
    });
    let (o1, o2) = (offset(g.r1.port).unwrap(), offset(g.r2.port).unwrap());
    assert!(o1 < o2, "r1 ({o1}) should be behind r2 ({o2})");

    // r1 full-resyncs some 50 MB (to disk first on 2.8-5.0) after draining what it had
    // buffered: on a loaded host that outlasts the default 30 s wait.
    let (code, doc, err) = rkv_json(&[
        "failover",
        &g.r1.addr(),
        &g.r2.addr(),
        "--yes",
        "--wait-timeout",
        "80s",
    ]);
    assert_eq!(code, 0, "{}: {doc:#}\n{err}", v.dir);
    assert_eq!(doc["kind"], "failover", "{doc:#}");
    assert_eq!(doc["candidate"], g.r2.addr(), "{doc:#}");
    // The steps say which command was sent: SLAVEOF where REPLICAOF is unknown (before 5.0).
    let sent_slaveof = doc.to_string().contains("sent SLAVEOF");
    assert_eq!(sent_slaveof, v.major < 5, "{doc:#}");
    // Writes go on against the new master.
    let so_far = load.acked_count();
    load.wait_acked(so_far + 100);
    let (acked, _) = load.finish();
    if v.psync1() {
        // No replid: the proof cannot exist there, and the report says it is not available
        // rather than that the history does not continue.
        assert_eq!(doc["report"]["history"]["available"], false, "{doc:#}");
    } else {
        assert_eq!(doc["report"]["history"]["continues"], true, "{doc:#}");
    }
    assert!(field(&info(g.r2.port), "role").as_deref() == Some("master"));
    wait_caught_up(g.r2.port, &[g.r1.port]);
    // r1 has what only the new master had: the whole burst.
    let n: i64 = redis::cmd("STRLEN")
        .arg("big:5")
        .query(&mut conn(g.r1.port))
        .unwrap();
    assert_eq!(n, 8 << 20);
    let last = *acked.last().unwrap();
    let got: Option<u64> = redis::cmd("GET")
        .arg(format!("k:{last}"))
        .query(&mut conn(g.r1.port))
        .unwrap();
    assert_eq!(got, Some(last), "r1 has the writes made after the failover");
    let (code, doc2, err) = rkv_json(&["verify", &g.r2.addr()]);
    assert_eq!(code, 0, "{doc2:#}\n{err}");
    // r1's resync from r2 was a full one (it was behind r2's backlog), and not a problem.
    let served = doc["report"]["resyncs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["node"] == g.r2.addr())
        .unwrap_or_else(|| panic!("no resyncs served by r2 in {doc:#}"));
    assert_eq!(served["sync_full"], 1, "{doc:#}");
    assert_eq!(doc["problems"], Value::Array(vec![]), "{doc:#}");
}

/// `rkv serve` as a replica of the loaded master: data arrives, its offset advances with the
/// master's, and it ends with the master's data.
fn serve_follows(v: Version) {
    let g = Group::start(v);
    let load = g.load();
    let s = rkv_serve(&["--replicaof", &g.m.addr()]);
    wait_until(SETTLE, "rkv serve's link up", || follows(s.port, g.m.port));
    let first = offset(s.port).unwrap();
    wait_until(SETTLE, "rkv serve's offset advances", || {
        offset(s.port).is_some_and(|o| o > first)
    });
    let (acked, _) = load.finish();
    wait_caught_up(g.m.port, &[g.r1.port, g.r2.port, s.port]);
    assert_eq!(dbsize(s.port), dbsize(g.m.port), "{}", server_log(&s));
    assert_has_writes(s.port, &acked);
    let (code, doc, err) = rkv_json(&["topology", &g.m.addr()]);
    assert_eq!(code, 0, "{err}");
    let n = node(&doc, &s.addr());
    assert_eq!(n["role"], "replica", "{doc:#}");
    assert_eq!(n["master"], g.m.addr(), "{doc:#}");
    assert_eq!(n["link"], "up", "{doc:#}");
    assert_eq!(n["lag_bytes"].as_i64(), Some(0), "{doc:#}");
    assert_eq!(doc["problems"], Value::Array(vec![]), "{doc:#}");
}

/// Two replicas of this build follow a loaded `rkv serve` master: each loads the snapshot it
/// was sent (one full sync each, no endless full-sync loop) and ends with the master's data.
fn follows_serve(v: Version) {
    let s = rkv_serve(&[]);
    for i in 0..500 {
        let _: () = redis::cmd("SET")
            .arg(format!("pre:{i}"))
            .arg(i)
            .query(&mut conn(s.port))
            .unwrap();
    }
    let load = start_load(vec![s.port]);
    load.wait_acked(200);
    let r1 = v.start(Some(s.port), &[]);
    let r2 = v.start(Some(s.port), &[]);
    wait_until(SETTLE, "both replicas' links up", || {
        follows(r1.port, s.port) && follows(r2.port, s.port)
    });
    let first = offset(r1.port).unwrap();
    wait_until(SETTLE, "the replica's offset advances", || {
        offset(r1.port).is_some_and(|o| o > first)
    });
    let (acked, _) = load.finish();
    wait_caught_up(s.port, &[r1.port, r2.port]);
    assert_eq!(dbsize(r1.port), dbsize(s.port));
    assert_has_writes(r2.port, &acked);
    let full = int_field(&info(s.port), "sync_full").unwrap();
    assert_eq!(
        full,
        2,
        "one full sync per replica, no loop\n{}\n{}",
        server_log(&r1),
        server_log(&s)
    );
    let (code, doc, err) = rkv_json(&["verify", &s.addr()]);
    assert_eq!(code, 0, "{doc:#}\n{err}");
    for r in [&r1, &r2] {
        let n = node(&doc, &r.addr());
        assert_eq!(n["version"], v.shown().as_str(), "{doc:#}");
        assert_eq!(n["link"], "up", "{doc:#}");
    }
}

/// A replica whose master never answered: up to 6.0 INFO reports the link down "since" 1970
/// (some 1.7e9 s), 6.2+ report -1; `rkv info` and `rkv topology` say "never up" for both.
fn never_up(v: Version) {
    // Reserved for this test and never listened on: the replica's link cannot come up.
    let nobody = common::free_port();
    let r = v.start(Some(nobody), &[]);
    wait_until(SETTLE, "the replica reports its link down", || {
        field(&info(r.port), "master_link_status").as_deref() == Some("down")
    });
    let (code, out, err) = rkv(&["info", &r.addr()]);
    assert_eq!(code, 0, "{out}\n{err}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("link_down_since_seconds"))
        .unwrap_or_else(|| panic!("no link_down_since_seconds in\n{out}"));
    assert!(line.ends_with("never up"), "{line}");
    // topology shows (exit 0 with the problems listed); verify is the check that fails.
    let (code, doc, err) = rkv_json(&["topology", &r.addr()]);
    assert_eq!(code, 0, "{doc:#}\n{err}");
    assert_eq!(node(&doc, &r.addr())["link"], "down", "{doc:#}");
    let link = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "link_down" && p["node"] == r.addr())
        .unwrap_or_else(|| panic!("no link_down problem in {doc:#}"));
    assert!(
        link["message"].as_str().unwrap().ends_with("(never up)"),
        "{doc:#}"
    );
}

/// The failure the default prevents, forced: `rkv serve` told to send RDB 10 (Redis 7.0's)
/// to a replica older than 7.0, which cannot load it and retries forever. `rkv verify` on the
/// master alone names the endless full-sync loop from the master's side and exits 1.
fn serve_too_new_rdb(v: Version) {
    let s = rkv_serve(&[]);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("repl-rdb-version")
        .arg("10")
        .query(&mut conn(s.port))
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query(&mut conn(s.port))
        .unwrap();
    let r = v.start(Some(s.port), &[]);
    wait_until(SETTLE, "the replica asked for a second full sync", || {
        int_field(&info(s.port), "sync_full").is_some_and(|n| n >= 2)
    });
    assert!(
        server_log(&r).contains("Can't handle RDB format version 10"),
        "{}",
        server_log(&r)
    );
    // verify judges the loop from the growth of sync_full over its own short window; 2.8–4.0
    // replicas retry about once a second, slower on a starved host, so one verify can see no
    // retry at all (a known limit, said in the closing note). The loop does not end, so the
    // next verify sees it: wait for the verdict, bounded.
    let mut last = String::new();
    wait_until(
        Duration::from_secs(60),
        "verify names the full-sync loop",
        || {
            let (code, doc, err) = rkv_json(&["verify", &s.addr()]);
            last = format!("exit {code}: {doc:#}\n{err}");
            code == 1
                && doc["problems"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["kind"] == "full_sync_loop" && p["node"] == s.addr())
                })
        },
    );
    let _ = last;
}

/// The planned switchover under the mixed load: every acknowledged write on the new master,
/// the old master and the sibling follow it, exit 0; the plan demotes before promoting exactly
/// where there is no CLIENT PAUSE … WRITE.
fn switchover(v: Version) {
    let g = Group::start_for_switchover(v);
    let load = g.load_with(start_load_mixed);
    let fo = ["failover", &g.m.addr(), "--to", &g.r2.addr(), "--yes"].map(String::from);
    let fo: Vec<&str> = fo.iter().map(String::as_str).collect();
    let (code, doc, err) = switch_until_done(v, g.m.port, &fo);
    let actions: Vec<&str> = doc["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["action"].as_str()).collect())
        .unwrap_or_default();
    let pause_write = v.dir >= "redis-6.2" || v.dir.starts_with("valkey");
    assert_eq!(
        actions.contains(&"demote"),
        !pause_write,
        "{}: {actions:?}\n{doc:#}\n{err}",
        v.dir
    );
    let so_far = load.acked_count();
    load.wait_acked(so_far + 100);
    let (acked, longest) = load.finish();
    assert_eq!(code, 0, "{}: {doc:#}\n{err}", v.dir);
    assert_eq!(doc["kind"], "switchover", "{doc:#}");
    assert_eq!(doc["candidate"], g.r2.addr(), "{doc:#}");
    // Before 4.0 there is no PSYNC2: the new master starts a history of its own and the
    // others full-resync from it (the plan warns so).
    let psync2 = v.dir >= "redis-4" || v.dir.starts_with("valkey");
    if psync2 {
        assert_eq!(doc["report"]["history"]["continues"], true, "{doc:#}");
    } else {
        assert!(
            doc["warnings"].as_array().is_some_and(|w| w
                .iter()
                .any(|w| w.as_str().is_some_and(|w| w.contains("no PSYNC2")))),
            "{doc:#}"
        );
    }
    assert_eq!(field(&info(g.r2.port), "role").as_deref(), Some("master"));
    assert_has_writes(g.r2.port, &acked);
    wait_caught_up(g.r2.port, &[g.m.port, g.r1.port]);
    assert_has_writes(g.m.port, &acked);
    eprintln!(
        "{}: switchover under {} acknowledged writes, 0 lost, longest write gap {longest:?}, rkv's write pause/refusal {} ms; demote: {}",
        v.dir,
        acked.len(),
        doc["report"]["write_pause_ms"],
        doc["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["action"] == "demote"))
            .map_or("-".into(), |s| s["note"].to_string())
    );
}

/// The switchover under the mixed load with its first demotion judged short (the
/// `demote-short` fault point, as when the candidate lacks the old master's last bytes): the
/// old master is made master again (a new replication id from 4.0), the candidate catches
/// up, and it is demoted again only once both replicas are back on it. Then the switchover
/// ends as usual: exit 0, no full resync, every acknowledged write on all three. Before 4.0
/// it is not tried again: exit 1, the old master master again and unfenced, and the same
/// command without the fault then switches over.
fn demote_retried(v: Version) {
    let g = Group::start_for_switchover(v);
    let load = g.load_with(start_load_mixed);
    let args = [
        "failover",
        &g.m.addr(),
        "--to",
        &g.r2.addr(),
        "--yes",
        "--output",
        "json",
    ]
    .map(String::from);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = rkv_process(&args)
        .env("RKV_FAILPOINT", "demote-short")
        .output()
        .unwrap();
    let (code, err) = (out.status.code(), String::from_utf8_lossy(&out.stderr));
    let mut doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {err}"));
    if v.major < 4 {
        // Not tried again before 4.0: made master again, the old master's offset starts over
        // (3.2 was seen at 0), so no later comparison with the candidate would mean anything.
        // It is master again, unfenced, with every write; the same command then switches.
        assert_eq!(code, Some(1), "{}: {doc:#}\n{err}", v.dir);
        assert!(
            err.contains("before Redis 4.0 a demotion is not tried again"),
            "{}: {err}",
            v.dir
        );
        assert_eq!(field(&info(g.m.port), "role").as_deref(), Some("master"));
        let fence: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("min-slaves-to-write")
            .query(&mut conn(g.m.port))
            .unwrap();
        assert_eq!(fence.get(1).map(String::as_str), Some("0"), "{err}");
        let so_far = load.acked_count();
        load.wait_acked(so_far + 100);
        wait_until(SETTLE, "both replicas follow m again", || {
            online_replicas(g.m.port) == 2
        });
        // The re-run itself may meet a real short demotion (a write past the fence): run it
        // again, as the switchover column does (at most 5 runs).
        let (code, again, err) = switch_until_done(v, g.m.port, &args[..args.len() - 2]);
        assert_eq!(code, 0, "{}: {again:#}\n{err}", v.dir);
        doc = again;
    } else {
        assert_eq!(
            code,
            Some(0),
            "{}: {doc:#}\n{err}\n{}\n{}",
            v.dir,
            journals(&g.m.addr()),
            g.logs()
        );
    }
    let acked = finish_on_r2(&g, load);
    if v.major < 4 {
        eprintln!(
            "{}: a short demotion is not retried: undone, then switched by the next run; {} acknowledged writes, 0 lost",
            v.dir,
            acked.len()
        );
        return;
    }
    let demote = doc["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["action"] == "demote"))
        .unwrap_or_else(|| panic!("no demote step: {doc:#}"));
    assert!(
        demote["note"].to_string().contains("(attempt 2)"),
        "{}: {demote:#}",
        v.dir
    );
    assert_eq!(doc["problems"], serde_json::json!([]), "{}: {doc:#}", v.dir);
    eprintln!(
        "{}: demotion retried, {} acknowledged writes on all three: {}",
        v.dir,
        acked.len(),
        demote["note"]
    );
}

/// `rkv ARGS` to run in the background (with a failpoint), as [`rkv`] runs it: a clean
/// environment, no stdin, and the journal where the re-runs look for the fence's originals.
fn rkv_process(args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(common::rkv_bin());
    cmd.args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .env("XDG_STATE_HOME", state_dir())
        .stdin(std::process::Stdio::null());
    cmd
}

/// The end of a switchover to r2 under `load`: 100 more writes acknowledged there, then every
/// acknowledged write on r2 and, once caught up, on m and r1. The acknowledged writes.
fn finish_on_r2(g: &Group, load: Load) -> Vec<u64> {
    let so_far = load.acked_count();
    load.wait_acked(so_far + 100);
    let (acked, _) = load.finish();
    assert_eq!(field(&info(g.r2.port), "role").as_deref(), Some("master"));
    assert_has_writes(g.r2.port, &acked);
    wait_caught_up(g.r2.port, &[g.m.port, g.r1.port]);
    assert_has_writes(g.m.port, &acked);
    assert_has_writes(g.r1.port, &acked);
    acked
}

/// The switchover killed (SIGKILL) right after its `demote` step: the old master is a replica
/// of the candidate, which is still a replica of it. Nothing is writable; re-runs converge.
fn killed_after_demote(v: Version) {
    let g = Group::start_for_switchover(v);
    let (m, r2) = (g.m.addr(), g.r2.addr());
    let args = [
        "failover",
        m.as_str(),
        "--to",
        r2.as_str(),
        "--yes",
        "--timeout",
        "2s",
    ];
    // The dry run shows the very plan that runs: the demotion is step 3.
    let mut dry = args.to_vec();
    dry.retain(|a| *a != "--yes");
    dry.push("--dry-run");
    let (code, plan, err) = rkv_json(&dry);
    assert_eq!(code, 0, "{plan:#}\n{err}");
    assert_eq!(plan["steps"][2]["action"], "demote", "{plan:#}");

    let load = g.load_with(start_load_mixed);
    let mut run = held_at(v, g.m.port, &args, "after-step-3");
    run.signal(Sig::Kill);
    let (code, err) = run.wait();
    assert_eq!(code, None, "killed by a signal: {err}");

    // No pause exists before 6.2: what answers now is what the group does without rkv.
    assert_eq!(field(&info(g.m.port), "role").as_deref(), Some("slave"));
    assert_eq!(field(&info(g.r2.port), "role").as_deref(), Some("slave"));
    for p in g.ports() {
        let r: redis::RedisResult<()> = redis::cmd("SET").arg("probe").arg(1).query(&mut conn(p));
        assert!(
            r.is_err(),
            "{}: {p} acknowledged a write after the kill",
            v.dir
        );
    }

    // Run again: it finishes (4.0+) or undoes (before 4.0) the switchover.
    let (code, doc, err) = rkv_json(&args);
    assert_eq!(
        code,
        0,
        "{}: {doc:#}\n{err}\n{}\n{}",
        v.dir,
        journals(&m),
        g.logs()
    );
    assert_eq!(doc["kind"], "resume", "{doc:#}");
    let psync2 = v.dir >= "redis-4";
    let master = if psync2 { &g.r2 } else { &g.m };
    assert_eq!(doc["candidate"], master.addr(), "{doc:#}");
    let warning = if psync2 {
        "finishing it"
    } else {
        "made master again"
    };
    assert!(doc["warnings"].to_string().contains(warning), "{doc:#}");
    assert_eq!(field(&info(master.port), "role").as_deref(), Some("master"));
    if !psync2 {
        // And once more: now an ordinary switchover, once M's replicas follow it again (it may
        // meet a real short demotion, undone: see `switch_until_done`).
        wait_until(SETTLE, "both replicas follow m again", || {
            online_replicas(g.m.port) == 2
        });
        let (code, doc, err) = switch_until_done(v, g.m.port, &args);
        assert_eq!(code, 0, "{}: {doc:#}\n{err}", v.dir);
        assert_eq!(doc["kind"], "switchover", "{doc:#}");
    }
    let acked = finish_on_r2(&g, load);
    eprintln!(
        "{}: killed after the demotion, re-run converged, {} acknowledged writes, 0 lost",
        v.dir,
        acked.len()
    );
}

/// The switchover stopped by SIGTERM, then by SIGHUP, right after its `demote` step: each
/// time rkv undoes the demotion before it leaves (the old master is master again, its fence
/// lifted), exits 1 and names the command that finishes; only that node takes writes. A third
/// run of the same command switches over, and no acknowledged write is lost.
fn stopped_after_demote(v: Version) {
    let g = Group::start_for_switchover(v);
    let (m, r2) = (g.m.addr(), g.r2.addr());
    let args = [
        "failover",
        m.as_str(),
        "--to",
        r2.as_str(),
        "--yes",
        "--timeout",
        "2s",
    ];
    let load = g.load_with(start_load_mixed);
    for sig in [Sig::Term, Sig::Hup] {
        let what = format!("{} {sig:?} after the demotion", v.dir);
        let mut run = held_at(v, g.m.port, &args, "after-step-3");
        // Held at the failpoint, the demotion has happened: the old master is a replica.
        assert_eq!(
            field(&info(g.m.port), "role").as_deref(),
            Some("slave"),
            "{what}"
        );
        run.signal(sig);
        let (code, err) = run.wait();
        assert_eq!(code, Some(1), "{what}: a stopped run exits 1\n{err}");
        assert!(err.contains("next: "), "{what}: the next command\n{err}");
        assert!(
            err.contains(&format!("{m} was made master again")),
            "{what}: the demotion undone\n{err}"
        );
        assert!(
            err.contains(&format!("the fence on {m} was lifted")),
            "{what}: the fence lifted\n{err}"
        );
        assert_eq!(
            field(&info(g.m.port), "role").as_deref(),
            Some("master"),
            "{what}"
        );
        // The old master alone takes writes again, and the load goes on there.
        for p in [g.r1.port, g.r2.port] {
            let r: redis::RedisResult<()> =
                redis::cmd("SET").arg("probe").arg(1).query(&mut conn(p));
            assert!(r.is_err(), "{what}: replica {p} acknowledged a write");
        }
        let so_far = load.acked_count();
        load.wait_acked(so_far + 100);
        // Its replicas follow it again (before 4.0 by a full resync) before the next try.
        wait_until(SETTLE, "both replicas online again", || {
            online_replicas(g.m.port) == 2
                && follows(g.r1.port, g.m.port)
                && follows(g.r2.port, g.m.port)
        });
    }
    // The run itself may meet a real short demotion before 4.0 (a write past the fence).
    let (code, doc, err) = switch_until_done(v, g.m.port, &args);
    assert_eq!(
        code,
        0,
        "{}: {doc:#}\n{err}\n--- m\n{}\n--- r1\n{}\n--- r2\n{}",
        v.dir,
        server_log(&g.m),
        server_log(&g.r1),
        server_log(&g.r2)
    );
    assert_eq!(doc["kind"], "switchover", "{doc:#}");
    let acked = finish_on_r2(&g, load);
    eprintln!(
        "{}: SIGTERM and SIGHUP after the demotion undone, then switched over, {} acknowledged writes, 0 lost",
        v.dir,
        acked.len()
    );
}

// ---------------------------------------------------------------------------------------
// One test per (column, version)

/// `matrix!(column: test_name => "dir", …)`: a module named after the column with one test
/// per build.
macro_rules! matrix {
    ($column:ident: $($test:ident => $dir:literal),+ $(,)?) => {
        mod $column {
            $(
                #[test]
                fn $test() {
                    super::$column(super::version($dir));
                }
            )+
        }
    };
}

macro_rules! every_version {
    ($column:ident) => {
        matrix!($column:
            redis_2_8 => "redis-2.8.24",
            redis_3_2 => "redis-3.2.13",
            redis_4_0 => "redis-4.0.14",
            redis_5_0 => "redis-5.0.14",
            redis_6_0 => "redis-6.0.20",
            redis_6_2 => "redis-6.2.16",
            redis_7_2 => "redis-7.2.6",
            valkey_8_0 => "valkey-8.0.1",
        );
    };
}

every_version!(observe);
every_version!(replicate);
every_version!(failover);
every_version!(serve_follows);
every_version!(follows_serve);
every_version!(never_up);
// Every version before 7.0 reads RDB 9 at most.
matrix!(serve_too_new_rdb:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
    redis_6_2 => "redis-6.2.16",
);
every_version!(switchover);
matrix!(killed_after_demote:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
);
matrix!(demote_retried:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
);
matrix!(stopped_after_demote:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
);

/// Every build of the matrix is there and is the version it is named for (a missing build
/// fails here, loudly, rather than skipping its column).
#[test]
fn every_build_is_present_and_reports_its_version() {
    for v in ALL {
        let out = std::process::Command::new(v.server_bin())
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", v.dir));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("v={} ", v.number())),
            "{}: {text}",
            v.dir
        );
    }
}
