//! Every build of the version matrix watched by three Sentinels of its own version (the server
//! binary with `--sentinel`, tests/matrix_support): `rkv topology` and `rkv verify` through the
//! Sentinels show the group right, and the Sentinel-coordinated switchover (`rkv failover`
//! with the Sentinels watching) loses no acknowledged write on every version: with CLIENT
//! PAUSE … WRITE from 6.2, by demoting the old master before Sentinel promotes before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod matrix_support;
use matrix_support::{field, info};
mod sentinel_support;

use assert_cmd::Command;
use common::load::{Load, start_load, start_load_mixed};
use common::{ServerGuard, wait_until};
use matrix_support::{Version, version};
use sentinel_support::{master_fields, wait_failover_finished, wait_settled};
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
    fn start(v: Version) -> Watched {
        let m = v.start(None, &[]);
        let r1 = v.start(Some(m.port), &[]);
        let r2 = v.start(Some(m.port), &[]);
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

/// Run `rkv ARGS MORE` with a clean environment: exit code, stdout, stderr.
fn rkv(args: &[String], more: &[&str]) -> (i32, String, String) {
    let state = std::env::temp_dir().join("rkv-matrix-state");
    let out = Command::new(common::rkv_bin())
        .args(args)
        .args(more)
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

/// The Sentinel-coordinated switchover under the mixed load (SET, EVAL, MULTI/EXEC): every
/// acknowledged write on the new master, every Sentinel names it, the old master and the
/// sibling follow it. Before 6.2 (no CLIENT PAUSE … WRITE) the old master is fenced and made
/// a replica of the candidate before Sentinel is asked to promote it.
fn switchover(v: Version) {
    let w = Watched::start(v);
    let load = w.load_with(start_load_mixed);
    let (code, doc, err) = rkv_json(&args(
        &["failover", &w.m.addr(), "--to", &w.r2.addr(), "--yes"],
        &[],
    ));
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
