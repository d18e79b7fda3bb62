//! `rkv promote` against real redis-server nodes: refused while the master is alive (unless
//! --force), and after the master died it promotes and reports the offset and new IDs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

/// A master starts a full sync at once (7.0 waits 5 s for more replicas by default).
const FAST_SYNC: &[&str] = &["--repl-diskless-sync-delay", "0"];

use common::{redis_server, rkv_bin, wait_until};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn rkv(args: &[&str]) -> Output {
    Command::new(rkv_bin())
        .args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        // promote/replicate write a journal: keep it out of the user's state directory.
        .env("XDG_STATE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn repl(port: u16) -> String {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    redis::cmd("INFO")
        .arg("replication")
        .query(&mut c.get_connection().unwrap())
        .unwrap()
}

#[test]
fn promote_refuses_while_the_master_lives_and_reports_after_it_died() {
    let mut m = redis_server(FAST_SYNC);
    let of = format!("127.0.0.1 {}", m.port);
    let r = redis_server(&["--replicaof", &of]);
    wait_until(Duration::from_secs(10), "link up", || {
        repl(r.port).contains("master_link_status:up")
    });
    let _: () = redis::cmd("SET")
        .arg("a")
        .arg(1)
        .query(&mut m.client())
        .unwrap();
    let out = rkv(&["promote", &r.addr(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("rkv failover --to"), "{}", text(&out));
    assert!(repl(r.port).contains("role:slave"));

    wait_until(
        Duration::from_secs(5),
        "the write reached the replica",
        || {
            let v: Option<i64> = redis::cmd("GET").arg("a").query(&mut r.client()).unwrap();
            v == Some(1)
        },
    );
    m.kill();
    let out = rkv(&["promote", &r.addr(), "--yes", "--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["old_master_reachable"], false);
    let at = doc["promoted_at"].as_i64().unwrap();
    assert!(at > 0);
    assert_eq!(doc["second_repl_offset"].as_i64(), Some(at + 1));
    assert!(doc["replid"].as_str().unwrap().len() == 40);
    assert!(repl(r.port).contains("role:master"));
}

#[test]
fn promote_with_force_makes_a_second_master() {
    let m = redis_server(FAST_SYNC);
    let of = format!("127.0.0.1 {}", m.port);
    let r = redis_server(&["--replicaof", &of]);
    wait_until(Duration::from_secs(10), "link up", || {
        repl(r.port).contains("master_link_status:up")
    });
    let out = rkv(&["promote", &r.addr(), "--yes", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two masters"));
    assert!(repl(r.port).contains("role:master"));
}
