//! Fixtures for tests with real `redis-sentinel` processes on loopback: a Sentinel started
//! from a temporary config file on a free port (killed on drop), and polling helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{ServerGuard, free_port, wait_ready, wait_until};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Start a Sentinel; `monitor` is `(name, master port, quorum)` or none for a fresh one.
pub fn sentinel(monitor: Option<(&str, u16, u32)>) -> ServerGuard {
    sentinel_down_after(monitor, 2000)
}

/// [`sentinel`] with another `down-after-milliseconds`.
pub fn sentinel_down_after(monitor: Option<(&str, u16, u32)>, down_after_ms: u64) -> ServerGuard {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut conf = format!(
        "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {}\nlogfile {}\n",
        dir.path().display(),
        dir.path().join("sentinel.log").display()
    );
    if let Some((name, mport, quorum)) = monitor {
        conf.push_str(&format!(
            "sentinel monitor {name} 127.0.0.1 {mport} {quorum}\n\
             sentinel down-after-milliseconds {name} {down_after_ms}\n\
             sentinel failover-timeout {name} 10000\n"
        ));
    }
    let path = dir.path().join("sentinel.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new("redis-sentinel")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-sentinel must be installed");
    wait_ready(port, Duration::from_secs(10));
    ServerGuard { child, port, dir }
}

/// `SENTINEL MASTER name` as a map (empty when the Sentinel does not know it).
pub fn master_fields(s: &ServerGuard, name: &str) -> BTreeMap<String, String> {
    let mut c = s.client();
    let v: redis::Value = match redis::cmd("SENTINEL").arg("MASTER").arg(name).query(&mut c) {
        Ok(v) => v,
        Err(_) => return BTreeMap::new(),
    };
    rkv::topology::sentinel::fields(&v)
}

/// Wait until every Sentinel knows (at least) the others and `replicas` replicas of `name`.
/// At least: a Sentinel may also count one that watches a replica of the group under the same
/// name (it hears that one's hellos on the replica).
pub fn wait_settled(sentinels: &[&ServerGuard], name: &str, replicas: usize) {
    let others = sentinels.len() - 1;
    let replicas = replicas.to_string();
    wait_until(
        Duration::from_secs(25),
        "Sentinels know each other and every replica",
        || {
            sentinels.iter().all(|s| {
                let f = master_fields(s, name);
                f.get("num-other-sentinels")
                    .and_then(|n| n.parse::<usize>().ok())
                    .is_some_and(|n| n >= others)
                    && f.get("num-slaves") == Some(&replicas)
            })
        },
    );
}

/// True when this Sentinel's view of `name` is a finished failover to `port`: it names the
/// master at that port, and the master's flags are plain `master` (no `failover_in_progress`,
/// `s_down` or `o_down`, and no `failover-state` other than `none`).
///
/// `SENTINEL GET-MASTER-ADDR-BY-NAME` is no proxy for this: the leader already answers with the
/// promoted replica while it is still re-pointing the other replicas (`reconf_slaves`), and
/// only at the end does `SENTINEL MASTER` switch to the new address.
pub fn failover_finished(s: &ServerGuard, name: &str, port: u16) -> bool {
    let f = master_fields(s, name);
    f.get("port") == Some(&port.to_string())
        && f.get("flags").is_some_and(|fl| fl == "master")
        && f.get("failover-state").is_none_or(|st| st == "none")
}

/// Wait until every Sentinel has finished the failover to `port` ([`failover_finished`]).
pub fn wait_failover_finished(
    sentinels: &[&ServerGuard],
    name: &str,
    port: u16,
    timeout: Duration,
) {
    wait_until(timeout, "every Sentinel finished the failover", || {
        sentinels.iter().all(|s| failover_finished(s, name, port))
    });
}

/// This Sentinel's log so far (`sentinel.log` in its directory).
pub fn sentinel_log(s: &ServerGuard) -> String {
    std::fs::read_to_string(s.path().join("sentinel.log")).unwrap_or_default()
}

/// Assert that no Sentinel ended a failover by its timeout: that happens when a replica never
/// reports the new master in INFO after Sentinel's SLAVEOF, i.e. a node answered Sentinel wrongly.
pub fn assert_no_failover_timeout(sentinels: &[&ServerGuard]) {
    for s in sentinels {
        let log = sentinel_log(s);
        assert!(
            !log.contains("failover-end-for-timeout"),
            "Sentinel {} ended a failover by timeout:\n{log}",
            s.port
        );
    }
}
