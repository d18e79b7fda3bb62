//! Every build of the version matrix watched by three Sentinels of its own version (the server
//! binary with `--sentinel`, tests/matrix_support): `rkv topology` and `rkv verify` through the
//! Sentinels show the group right, and the Sentinel-coordinated switchover (`rkv failover`
//! with the Sentinels watching) loses no acknowledged write on every version: with CLIENT
//! PAUSE … WRITE from 6.2, by demoting the old master before Sentinel promotes before.
//!
//! `sentinel_stopped` (before 6.2) stops that switchover under the write load twice: SIGTERM
//! at the failpoint `after-sentinel-demote` (the old master a replica of the candidate, not
//! yet `SENTINEL FAILOVER`): rkv makes the old master master again, lifts its fence and exits
//! 1 naming the state and the `next:` command, only the old master takes writes and every
//! Sentinel still names it; then SIGKILL at `after-sentinel-failover`: Sentinel finishes by
//! itself with never two nodes taking writes, and the same command run again exits 0 and
//! leaves no fence. No acknowledged write is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod matrix_support;
use matrix_support::{field, info};
mod sentinel_support;

use assert_cmd::Command;
use common::load::{Load, start_load, start_load_mixed};
use common::running::{Running, Sig};
use common::{ServerGuard, server_log, wait_until};
use matrix_support::{Version, version};
use sentinel_support::{
    failover_finished, master_fields, sentinel_log, wait_failover_finished, wait_settled,
};
use serde_json::Value;
use std::time::Duration;

const SETTLE: Duration = Duration::from_secs(60);
const NAME: &str = "mymaster";

fn follows(port: u16, master: u16) -> bool {
    let i = info(port);
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port") == Some(master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

/// A master, two replicas and three Sentinels (quorum 2) of one build, settled: every
/// Sentinel knows the other two and both replicas.
struct Watched {
    m: ServerGuard,
    r1: ServerGuard,
    r2: ServerGuard,
    s: Vec<ServerGuard>,
}

impl Watched {
    /// With each build's default backlog (1 MB).
    fn start(v: Version) -> Watched {
        Watched::start_with(v, &[])
    }

    /// For the runs stopped midway under the write load: a 64 MB backlog. Before 6.0 a replica
    /// whose master changed role reconnects on its once-a-second cron, and in that second the
    /// flat-out load overflows the default 1 MB (a full resync that is Redis's, not rkv's; see
    /// `Group::start_for_switchover` in tests/matrix_e2e.rs).
    fn start_for_faults(v: Version) -> Watched {
        Watched::start_with(v, &["--repl-backlog-size", "64mb"])
    }

    /// Until both replicas follow M again, online (after a demotion was undone).
    fn wait_replicas_back_on_m(&self) {
        wait_until(SETTLE, "both replicas follow M again", || {
            info(self.m.port).matches("state=online").count() == 2
                && follows(self.r1.port, self.m.port)
                && follows(self.r2.port, self.m.port)
        });
    }

    fn start_with(v: Version, extra: &[&str]) -> Watched {
        let m = v.start(None, extra);
        let r1 = v.start(Some(m.port), extra);
        let r2 = v.start(Some(m.port), extra);
        wait_until(SETTLE, "both replicas online", || {
            info(m.port).matches("state=online").count() == 2
        });
        let s: Vec<ServerGuard> = (0..3).map(|_| v.sentinel(NAME, m.port, 2)).collect();
        wait_settled(&[&s[0], &s[1], &s[2]], NAME, 2);
        Watched { m, r1, r2, s }
    }

    /// The write load, under way: some writes acknowledged and applied on both replicas (a
    /// replica starved of CPU may still be at offset 0, which `rkv failover` will not promote).
    fn load(&self) -> Load {
        self.load_with(start_load)
    }

    /// [`Self::load`] with the load `start` starts.
    fn load_with(&self, start: fn(Vec<u16>) -> Load) -> Load {
        let load = start(vec![self.m.port, self.r1.port, self.r2.port]);
        load.wait_acked(200);
        wait_until(SETTLE, "both replicas applied some of the load", || {
            [self.r1.port, self.r2.port].iter().all(|&p| {
                field(&info(p), "slave_repl_offset")
                    .and_then(|o| o.parse::<i64>().ok())
                    .is_some_and(|o| o > 0)
            })
        });
        load
    }

    fn sentinel_args(&self) -> Vec<String> {
        self.s
            .iter()
            .flat_map(|s| ["--sentinel".to_string(), s.addr()])
            .collect()
    }
}

fn rkv_json(args: &[String]) -> (i32, Value, String) {
    let (code, stdout, stderr) = rkv(args, &["--output", "json"]);
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("rkv {args:?}: not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, doc, stderr)
}

/// Where the `rkv` runs of this test keep their journals ([`common::own_state_dir`]).
fn state_dir() -> std::path::PathBuf {
    common::own_state_dir("rkv-matrix-state")
}

/// Run `rkv ARGS MORE` with a clean environment: exit code, stdout, stderr.
fn rkv(args: &[String], more: &[&str]) -> (i32, String, String) {
    let out = Command::new(common::rkv_bin())
        .args(args)
        .args(more)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .env("XDG_STATE_HOME", state_dir())
        .timeout(Duration::from_secs(110))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn args(fixed: &[&str], more: &[String]) -> Vec<String> {
    fixed
        .iter()
        .map(|s| (*s).to_string())
        .chain(more.iter().cloned())
        .collect()
}

fn node<'a>(doc: &'a Value, addr: &str) -> &'a Value {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["addr"] == addr)
        .unwrap_or_else(|| panic!("{addr} not in {doc:#}"))
}

/// `rkv topology REPLICA --sentinel …` (the Sentinels asked about the group) and `rkv verify
/// MASTER` (the Sentinels found on its hello channel) show the group and its three Sentinels
/// right.
fn topology(v: Version) {
    let w = Watched::start(v);
    let load = w.load();
    let (code, doc, err) = rkv_json(&args(&["topology", &w.r1.addr()], &w.sentinel_args()));
    assert_eq!(code, 0, "{}: {doc:#}\n{err}", v.dir);
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 3, "{doc:#}");
    let m = node(&doc, &w.m.addr());
    assert_eq!(m["role"], "master", "{doc:#}");
    assert_eq!(m["version"], v.shown().as_str(), "{doc:#}");
    for r in [&w.r1, &w.r2] {
        let n = node(&doc, &r.addr());
        assert_eq!(n["role"], "replica", "{doc:#}");
        assert_eq!(n["master"], w.m.addr(), "{doc:#}");
        assert_eq!(n["link"], "up", "{doc:#}");
        assert_eq!(n["version"], v.shown().as_str(), "{doc:#}");
    }
    let rows = doc["sentinels"].as_array().unwrap();
    let mut addrs: Vec<&str> = rows.iter().map(|r| r["addr"].as_str().unwrap()).collect();
    addrs.sort_unstable();
    let mut want: Vec<String> = w.s.iter().map(ServerGuard::addr).collect();
    want.sort();
    assert_eq!(addrs, want, "{doc:#}");
    for r in rows {
        assert_eq!(r["reachable"], true, "{doc:#}");
        assert_eq!(r["master_name"], NAME, "{doc:#}");
        assert_eq!(r["master"], w.m.addr(), "{doc:#}");
        assert_eq!(r["quorum"], 2, "{doc:#}");
        assert_eq!(r["flags"], "master", "{doc:#}");
        assert_eq!(r["num_other_sentinels"], 2, "{doc:#}");
        assert_eq!(r["num_replicas"], 2, "{doc:#}");
    }
    assert_eq!(doc["problems"], Value::Array(vec![]), "{doc:#}");

    // From the master alone the Sentinels are found on its hello channel; verify agrees.
    let (code, doc, err) = rkv_json(&args(&["verify", &w.m.addr()], &[]));
    assert_eq!(code, 0, "{}: {doc:#}\n{err}", v.dir);
    assert_eq!(doc["sentinels"].as_array().unwrap().len(), 3, "{doc:#}");
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "sentinel_quorum" && c["ok"] == true),
        "{doc:#}"
    );
    let (acked, _) = load.finish();
    assert!(acked.len() >= 200);
}

/// `rkv` with `fo` (a switchover, `--output json`), run again while Redis before 4.0 undoes a
/// demotion the candidate is short of (a script write past the fence, lost with the replica
/// links as M became a replica): exit 1, nothing switched, M master again. The operator runs
/// it again; so does this, at most 5 runs in all. The last run's exit code, document, stderr.
fn switch_running_again(w: &Watched, v: &Version, fo: &[String]) -> (i32, Value, String) {
    let mut last = rkv_json(fo);
    for _ in 0..4 {
        let (code, doc, err) = &last;
        if v.major >= 4 || *code != 1 {
            break;
        }
        assert!(
            err.contains("before Redis 4.0 a demotion is not tried again"),
            "{}: {doc:#}\n{err}",
            v.dir
        );
        assert_eq!(field(&info(w.m.port), "role").as_deref(), Some("master"));
        w.wait_replicas_back_on_m();
        eprintln!("{}: the demotion was undone; running it again", v.dir);
        last = rkv_json(fo);
    }
    last
}

/// The Sentinel-coordinated switchover under the mixed load (SET, EVAL, MULTI/EXEC): every
/// acknowledged write on the new master, every Sentinel names it, the old master and the
/// sibling follow it. Before 6.2 (no CLIENT PAUSE … WRITE) the old master is fenced and made
/// a replica of the candidate before Sentinel is asked to promote it.
fn switchover(v: Version) {
    let w = Watched::start(v);
    let load = w.load_with(start_load_mixed);
    let fo = args(
        &["failover", &w.m.addr(), "--to", &w.r2.addr(), "--yes"],
        &[],
    );
    let (code, doc, err) = switch_running_again(&w, &v, &fo);
    let so_far = load.acked_count();
    load.wait_acked(so_far + 100);
    let (acked, longest) = load.finish();
    assert_eq!(code, 0, "{}: {doc:#}\n{err}", v.dir);
    assert_eq!(doc["kind"], "sentinel_switchover", "{doc:#}");
    assert_eq!(doc["outcome"]["ok"], true, "{doc:#}");
    let mut c = w.r2.client();
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, val) in chunk.iter().zip(vals) {
            assert_eq!(val, Some(*i), "acknowledged write k:{i} lost");
        }
    }
    let all: Vec<&ServerGuard> = w.s.iter().collect();
    wait_failover_finished(&all, NAME, w.r2.port, SETTLE);
    wait_until(SETTLE, "the old master and the sibling follow r2", || {
        follows(w.m.port, w.r2.port) && follows(w.r1.port, w.r2.port)
    });
    for s in &w.s {
        assert_eq!(
            master_fields(s, NAME).get("port"),
            Some(&w.r2.port.to_string())
        );
    }
    eprintln!(
        "{}: Sentinel-coordinated switchover, {} acknowledged writes, 0 lost, longest write gap {longest:?}, pause {} ms",
        v.dir,
        acked.len(),
        doc["outcome"]["write_pause_ms"]
    );
}

/// The Sentinel-coordinated switchover before 6.2 with its first demotion judged short (the
/// `demote-short` fault point): M is made master again, demoted again once its replicas are
/// back on it, and the switchover ends as usual: exit 0, no acknowledged write lost, every
/// Sentinel names C, and the sibling's priority is its own again. Before 4.0 it is not tried
/// again (exit 1, M master again, unfenced) and the same command then switches over.
fn sentinel_demote_retried(v: Version) {
    // A 64 MB backlog: the replicas reconnect to C on their 1 s cron, and under the flat-out
    // load (~1.7 MB/s seen) the default 1 MB can overflow in that second: with it, 4.0 and
    // 5.0 once served 2 full resyncs in the full suite, after a retry that had waited for
    // both replicas (the sizing the other fault columns use, for the same reason).
    let w = Watched::start_for_faults(v);
    let load = w.load_with(start_load_mixed);
    let mut all_args = args(
        &["failover", &w.m.addr(), "--to", &w.r2.addr(), "--yes"],
        &[],
    );
    all_args.extend(["--output".to_string(), "json".to_string()]);
    let out = rkv_cmd(&all_args)
        .env("RKV_FAILPOINT", "demote-short")
        .output()
        .unwrap();
    let mut err = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {err}"));
    let mut code = out.status.code();
    let steps = doc["outcome"]["steps"].to_string();
    assert!(
        steps.contains("master again (try 1 of 3)"),
        "{}: the first demotion was undone: {doc:#}",
        v.dir
    );
    if v.major < 4 {
        // Not tried again before 4.0 (the old master's offset starts over when it is made
        // master again): not switched, M master and unfenced, every Sentinel still names it;
        // the same command without the fault then switches over.
        assert_eq!(code, Some(1), "{}: {doc:#}\n{err}", v.dir);
        assert!(
            err.contains("before Redis 4.0 a demotion is not tried again"),
            "{}: {err}",
            v.dir
        );
        assert_eq!(field(&info(w.m.port), "role").as_deref(), Some("master"));
        assert_ne!(config(w.m.port, "min-slaves-to-write"), "1000000");
        let so_far = load.acked_count();
        load.wait_acked(so_far + 100);
        w.wait_replicas_back_on_m();
        // The re-run itself may meet a real short demotion (a write past the fence).
        let (c2, d2, e2) = switch_running_again(&w, &v, &all_args[..all_args.len() - 2]);
        (code, doc, err) = (Some(c2), d2, e2);
    }
    let so_far = load.acked_count();
    load.wait_acked(so_far + 100);
    let (acked, _) = load.finish();
    assert_eq!(code, Some(0), "{}: {doc:#}\n{err}", v.dir);
    assert_eq!(doc["outcome"]["ok"], true, "{doc:#}");
    let mut c = w.r2.client();
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, val) in chunk.iter().zip(vals) {
            assert_eq!(
                val,
                Some(*i),
                "{}: acknowledged write k:{i} lost\n{doc:#}\n{err}\n--- m\n{}\n--- r1\n{}\n--- r2\n{}",
                v.dir,
                server_log(&w.m),
                server_log(&w.r1),
                server_log(&w.r2)
            );
        }
    }
    let all: Vec<&ServerGuard> = w.s.iter().collect();
    wait_failover_finished(&all, NAME, w.r2.port, SETTLE);
    wait_until(SETTLE, "the old master and the sibling follow r2", || {
        follows(w.m.port, w.r2.port) && follows(w.r1.port, w.r2.port)
    });
    assert_eq!(config(w.r1.port, "slave-priority"), "100");
    // From 4.0 both came back by a partial resync: the retry waited until both were back on
    // M (which took a new replication id when made master again) before demoting it again.
    if v.major >= 4 {
        wait_until(SETTLE, "both replicas online on r2", || {
            info(w.r2.port).matches("state=online").count() == 2
        });
        assert_eq!(
            field(&info(w.r2.port), "sync_full").as_deref(),
            Some("0"),
            "{}: r2 served a full resync\n{doc:#}",
            v.dir
        );
    }
    eprintln!(
        "{}: Sentinel-coordinated switchover with a retried demotion, {} acknowledged writes, 0 lost",
        v.dir,
        acked.len()
    );
}

/// `CONFIG GET name` on `port` (the value; min-slaves-* is known by every version).
fn config(port: u16, name: &str) -> String {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let mut c = c
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap();
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg(name)
        .query(&mut c)
        .unwrap();
    v.get(1).cloned().unwrap_or_default()
}

/// The nodes among `ports` that acknowledge a `SET probe` right now.
fn writable(ports: &[u16]) -> Vec<u16> {
    ports
        .iter()
        .copied()
        .filter(|&p| {
            let Ok(c) = redis::Client::open(format!("redis://127.0.0.1:{p}/")) else {
                return false;
            };
            let Ok(mut c) = c.get_connection_with_timeout(Duration::from_secs(5)) else {
                return false;
            };
            redis::cmd("SET")
                .arg("probe")
                .arg(p)
                .query::<()>(&mut c)
                .is_ok()
        })
        .collect()
}

/// `rkv ARGS` to run in the background (see [`Running`]), with the environment of [`rkv`].
fn rkv_cmd(args: &[String]) -> std::process::Command {
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

/// `rkv ARGS` held at the failpoint `point` (after the demotion). The fence does not stop
/// every write of the mixed load (tests/common/load.rs), and becoming a replica M drops its
/// replicas' links: a write still on its way to the candidate C is lost with the link (seen:
/// 68 bytes on 5.0, a MULTI/SET/EXEC; 96 on 3.2). rkv then sees C short of M's last offset,
/// makes M master again and, from 4.0, tries again (3 times, as the plain path's demote step
/// does; before 4.0 it does not, the offsets starting over);
/// should every try be short, it lifts the fence and exits 1 ("not switched, nothing lost").
/// That refusal is checked to be exactly that, and the run started again once M's replicas
/// follow it (at most 5 runs).
fn held_at(w: &Watched, args: &[String], point: &str) -> Running {
    for _ in 0..5 {
        let mut run = Running::spawn(rkv_cmd(args), point);
        if run.reached_or_exited(point) {
            return run;
        }
        let (code, err) = run.wait();
        assert_eq!(
            code,
            Some(1),
            "rkv exited before the failpoint {point}\n{err}"
        );
        assert!(
            err.contains("not switched, nothing lost"),
            "rkv exited before the failpoint {point}, not the safe refusal\n{err}"
        );
        assert_eq!(
            field(&info(w.m.port), "role").as_deref(),
            Some("master"),
            "{err}"
        );
        assert_ne!(config(w.m.port, "min-slaves-to-write"), "1000000", "{err}");
        eprintln!("rkv refused the demotion, C short of M's offset, before {point}:\n{err}");
        w.wait_replicas_back_on_m();
    }
    panic!("rkv refused the demotion 5 times in a row before {point}");
}

/// Before 6.2, the Sentinel-coordinated switchover stopped at its two delicate moments, under
/// the mixed load. First SIGTERM once the old master M is a replica of the candidate C (which
/// has every byte M wrote) and before `SENTINEL FAILOVER`: rkv makes M master again, lifts
/// its fence and exits 1 naming the command to run; only M takes writes and every Sentinel
/// still names it. Then SIGKILL right after `SENTINEL FAILOVER`: Sentinel finishes by itself,
/// never two nodes take writes, and the same command, run again, exits 0 and leaves no fence
/// anywhere. No acknowledged write is lost; M and the sibling follow C.
fn sentinel_stopped(v: Version) {
    let w = Watched::start_for_faults(v);
    let (m, c) = (w.m.addr(), w.r2.addr());
    let fo = args(&["failover", &m, "--to", &c, "--yes"], &[]);
    let ports = [w.m.port, w.r1.port, w.r2.port];
    let all: Vec<&ServerGuard> = w.s.iter().collect();
    let logs = || {
        format!(
            "--- m\n{}\n--- r1\n{}\n--- r2\n{}\n--- s0\n{}",
            server_log(&w.m),
            server_log(&w.r1),
            server_log(&w.r2),
            sentinel_log(&w.s[0])
        )
    };
    let load = w.load_with(start_load_mixed);

    // a. SIGTERM between the demotion and SENTINEL FAILOVER.
    let what = format!("{}: SIGTERM after the demotion", v.dir);
    let mut run = held_at(&w, &fo, "after-sentinel-demote");
    assert_eq!(
        field(&info(w.m.port), "role").as_deref(),
        Some("slave"),
        "{what}: held after the demotion, M is a replica"
    );
    assert_eq!(
        writable(&ports),
        Vec::<u16>::new(),
        "{what}: nothing writable"
    );
    run.signal(Sig::Term);
    let (code, err) = run.wait();
    assert_eq!(
        code,
        Some(1),
        "{what}: a stopped run exits 1\n{err}\n{}",
        logs()
    );
    for want in [
        "stopped by SIGTERM before Sentinel was asked to fail over".to_string(),
        format!("{m} was made master again"),
        format!("the fence on {m} was lifted"),
        "nothing was switched".to_string(),
        format!("next: rkv failover {m} --to {c} --yes"),
    ] {
        assert!(err.contains(&want), "{what}: stderr names {want:?}\n{err}");
    }
    assert_eq!(
        field(&info(w.m.port), "role").as_deref(),
        Some("master"),
        "{what}: M master again\n{err}"
    );
    assert_ne!(
        config(w.m.port, "min-slaves-to-write"),
        "1000000",
        "{what}: fence lifted\n{err}"
    );
    assert_eq!(
        writable(&ports),
        vec![w.m.port],
        "{what}: only M takes writes\n{err}"
    );
    // Every Sentinel still names M; their links to it, cut with its clients by the demotion
    // (a Sentinel's connections are normal clients), come back with no failover started.
    wait_until(SETTLE, "every Sentinel names M, flags master", || {
        all.iter().all(|s| {
            let f = master_fields(s, NAME);
            assert_eq!(
                f.get("port"),
                Some(&w.m.port.to_string()),
                "{what}: Sentinel {} names another master: {f:?}",
                s.port
            );
            failover_finished(s, NAME, w.m.port)
        })
    });
    assert_eq!(
        config(w.r1.port, "slave-priority"),
        "100",
        "{what}: priority restored"
    );
    let so_far = load.acked_count();
    load.wait_acked(so_far + 100);
    // Its replicas follow it again (before 4.0 by a full resync) before the next try.
    wait_until(SETTLE, "both replicas online again", || {
        info(w.m.port).matches("state=online").count() == 2
            && follows(w.r1.port, w.m.port)
            && follows(w.r2.port, w.m.port)
    });

    // b. SIGKILL right after SENTINEL FAILOVER: Sentinel finishes by itself.
    let what = format!("{}: SIGKILL after SENTINEL FAILOVER", v.dir);
    let mut run = held_at(&w, &fo, "after-sentinel-failover");
    run.signal(Sig::Kill);
    let (code, err) = run.wait();
    assert_eq!(code, None, "{what}: killed\n{err}");
    wait_until(SETTLE, "every Sentinel finished the failover to C", || {
        let up = writable(&ports);
        assert!(
            up.len() <= 1,
            "{what}: {up:?} all acknowledged a write\n{}",
            logs()
        );
        all.iter().all(|s| failover_finished(s, NAME, w.r2.port))
    });
    let up = writable(&ports);
    assert!(up.len() <= 1, "{what}: {up:?} all acknowledged a write");
    // The killed run left its fence on M (now a replica of C, where it is inert).
    assert_eq!(config(w.m.port, "min-slaves-to-write"), "1000000", "{what}");
    let (code, doc, err) = rkv_json(&fo);
    assert_eq!(code, 0, "{what}: the re-run\n{doc:#}\n{err}\n{}", logs());
    eprintln!("{what}: the re-run: {}\n{err}", doc["kind"]);
    for p in ports {
        if config(p, "min-slaves-to-write") == "1000000" {
            // What the re-run saw, for the failure message: seen once in ~7 runs on 6.0, the
            // re-run reported nothing to do with the fence still on M.
            let (_, topo, _) = rkv(&args(&["topology", &m, &c], &[]), &["--output", "json"]);
            panic!(
                "{what}: a fence left on {p} after the re-run\n{doc:#}\n{err}\n--- topology now\n{topo}\n{}",
                logs()
            );
        }
    }

    // The sibling's priority, lowered to 0 by the killed run (which journaled its own value
    // first), is put back by the re-run: at 0 Sentinel would never promote it.
    assert_eq!(
        config(w.r1.port, "slave-priority"),
        "100",
        "{what}: the re-run puts the sibling's priority back\n{doc:#}\n{err}"
    );

    // c. Nothing acknowledged lost; the group follows C.
    let so_far = load.acked_count();
    load.wait_acked(so_far + 100);
    let (acked, longest) = load.finish();
    assert_eq!(field(&info(w.r2.port), "role").as_deref(), Some("master"));
    let mut cl = w.r2.client();
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut cl).unwrap();
        for (i, val) in chunk.iter().zip(vals) {
            assert_eq!(val, Some(*i), "acknowledged write k:{i} lost");
        }
    }
    wait_until(SETTLE, "the old master and the sibling follow C", || {
        follows(w.m.port, w.r2.port) && follows(w.r1.port, w.r2.port)
    });
    wait_failover_finished(&all, NAME, w.r2.port, SETTLE);
    eprintln!(
        "{}: Sentinel switchover SIGTERMed after the demotion (undone), SIGKILLed after SENTINEL FAILOVER (Sentinel finished, the re-run cleared up), {} acknowledged writes, 0 lost, longest write gap {longest:?}",
        v.dir,
        acked.len()
    );
}

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

matrix!(topology:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
    redis_6_2 => "redis-6.2.16",
    redis_7_2 => "redis-7.2.6",
    valkey_8_0 => "valkey-8.0.1",
);
matrix!(switchover:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
    redis_6_2 => "redis-6.2.16",
    redis_7_2 => "redis-7.2.6",
    valkey_8_0 => "valkey-8.0.1",
);
matrix!(sentinel_demote_retried:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
);
matrix!(sentinel_stopped:
    redis_2_8 => "redis-2.8.24",
    redis_3_2 => "redis-3.2.13",
    redis_4_0 => "redis-4.0.14",
    redis_5_0 => "redis-5.0.14",
    redis_6_0 => "redis-6.0.20",
);
