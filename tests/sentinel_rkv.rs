//! Debian's redis-sentinel watching and driving `rkv serve` nodes: three Sentinels monitor an
//! rkv serve master with two rkv serve replicas, find the replicas and each other (INFO and
//! the `__sentinel__:hello` pub/sub traffic), carry out SENTINEL FAILOVER (their MULTI /
//! SLAVEOF / CONFIG REWRITE / CLIENT KILL / EXEC block), and fail over automatically when the
//! master dies, the remaining rkv nodes following the new master.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sentinel_support;

use common::{ServerGuard, rkv_serve, wait_until};
use sentinel_support::{
    assert_no_failover_timeout, master_fields, sentinel, wait_failover_finished, wait_settled,
};
use std::time::Duration;

/// ROLE: ("master", None) or ("slave", Some(master port)) with the link state.
fn role(g: &ServerGuard) -> (String, Option<u16>, String) {
    let mut c = g.client();
    let v: Vec<redis::Value> = redis::cmd("ROLE").query(&mut c).unwrap();
    let s = |v: &redis::Value| match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        redis::Value::Int(i) => i.to_string(),
        _ => String::new(),
    };
    let r = s(&v[0]);
    if r == "slave" {
        (r, s(&v[2]).parse().ok(), s(&v[3]))
    } else {
        (r, None, String::new())
    }
}

fn named_master(s: &ServerGuard) -> Option<u16> {
    let mut c = s.client();
    let v: Option<Vec<String>> = redis::cmd("SENTINEL")
        .arg("GET-MASTER-ADDR-BY-NAME")
        .arg("mymaster")
        .query(&mut c)
        .ok();
    v.and_then(|v| v.get(1).and_then(|p| p.parse().ok()))
}

fn follows(g: &ServerGuard, port: u16) -> bool {
    let (r, m, link) = role(g);
    r == "slave" && m == Some(port) && link == "connected"
}

#[test]
fn sentinels_watch_and_fail_over_rkv_serve_nodes() {
    let m = rkv_serve(&[]);
    let r1 = rkv_serve(&["--replicaof", &format!("127.0.0.1:{}", m.port)]);
    let r2 = rkv_serve(&["--replicaof", &format!("127.0.0.1:{}", m.port)]);
    wait_until(Duration::from_secs(10), "replicas linked", || {
        follows(&r1, m.port) && follows(&r2, m.port)
    });
    let s: Vec<ServerGuard> = (0..3)
        .map(|_| sentinel(Some(("mymaster", m.port, 2))))
        .collect();
    let all = [&s[0], &s[1], &s[2]];
    // Replicas come from the master's INFO (read every 10 s), peers from hello messages.
    wait_settled(&all, "mymaster", 2);

    // A planned SENTINEL FAILOVER: a replica is promoted, the old master and the other
    // replica are re-pointed to it.
    let mut c = s[0].client();
    let _: () = redis::cmd("SENTINEL")
        .arg("FAILOVER")
        .arg("mymaster")
        .query(&mut c)
        .unwrap();
    let nodes = [&m, &r1, &r2];
    let mut new_port = 0;
    // Sentinel re-points the old master only once it has reported the master role for 8 s
    // past the switch (SENTINEL_PUBLISH_PERIOD * 4 in sentinel.c), on its next INFO: about
    // 20 s on a quiet machine, and more on a loaded CI host. The bound only guards a hang.
    wait_until(Duration::from_secs(90), "SENTINEL FAILOVER done", || {
        let Some(p) = named_master(&s[0]) else {
            return false;
        };
        if p == m.port {
            return false;
        }
        new_port = p;
        let new = nodes.iter().find(|g| g.port == p).unwrap();
        role(new).0 == "master" && nodes.iter().filter(|g| g.port != p).all(|g| follows(g, p))
    });
    // Wait for the failover's end on every Sentinel (the leader still re-points replicas after
    // it already names the new master), so the next failover starts from a settled group.
    wait_failover_finished(&all, "mymaster", new_port, Duration::from_secs(30));

    // The master dies: the Sentinels elect a replica and the survivor follows it.
    let mut nodes: Vec<ServerGuard> = vec![m, r1, r2];
    let dead = nodes.iter().position(|g| g.port == new_port).unwrap();
    let mut gone = nodes.remove(dead);
    gone.kill();
    let mut newest = 0;
    wait_until(Duration::from_secs(90), "automatic failover", || {
        let Some(p) = named_master(&s[1]) else {
            return false;
        };
        if p == new_port {
            return false;
        }
        newest = p;
        let Some(new) = nodes.iter().find(|g| g.port == p) else {
            return false;
        };
        role(new).0 == "master" && nodes.iter().filter(|g| g.port != p).all(|g| follows(g, p))
    });
    // The leader finishes re-pointing the survivor, and the other Sentinels learn the result
    // from its hello messages: the failover is over only when every Sentinel says so.
    wait_failover_finished(&all, "mymaster", newest, Duration::from_secs(30));
    for x in all {
        let f = master_fields(x, "mymaster");
        assert_eq!(f["port"], newest.to_string(), "{f:?}");
        assert_eq!(named_master(x), Some(newest));
    }
    // Both failovers ended by re-pointing every replica, not by Sentinel giving up on one.
    assert_no_failover_timeout(&all);
}
