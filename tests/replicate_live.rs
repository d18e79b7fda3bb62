//! `rkv replicate` against real redis-server nodes: a standalone node joins a master (full
//! sync, data replaced, credentials for the link set), a loop is refused, --no-wait returns
//! at once.
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

fn conn(port: u16, pw: Option<&str>) -> redis::Connection {
    let url = match pw {
        Some(p) => format!("redis://:{p}@127.0.0.1:{port}/"),
        None => format!("redis://127.0.0.1:{port}/"),
    };
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

#[test]
fn a_standalone_node_joins_a_master_with_credentials_and_its_data_is_replaced() {
    let pw = "link-Secret-7";
    let m = redis_server(&["--requirepass", pw, "--repl-diskless-sync-delay", "0"]);
    let s = redis_server(&["--requirepass", pw]);
    for i in 0..2000 {
        let _: () = redis::cmd("SET")
            .arg(format!("m:{i}"))
            .arg(i)
            .query(&mut conn(m.port, Some(pw)))
            .unwrap();
    }
    let _: () = redis::cmd("SET")
        .arg("only-on-s")
        .arg(1)
        .query(&mut conn(s.port, Some(pw)))
        .unwrap();
    let out = rkv(&[
        "replicate",
        &s.addr(),
        "--to",
        &m.addr(),
        "--yes",
        "-a",
        pw,
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains(pw), "the password was printed");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["link"], "up");
    assert_eq!(doc["lag_bytes"], 0);
    assert_eq!(doc["full_syncs"], 1);
    assert!(
        doc["steps"][0]["action"]
            .as_str()
            .unwrap()
            .contains("masterauth")
    );
    let mut sc = conn(s.port, Some(pw));
    let gone: Option<i64> = redis::cmd("GET").arg("only-on-s").query(&mut sc).unwrap();
    assert_eq!(gone, None, "its own data was replaced");
    let v: Option<i64> = redis::cmd("GET").arg("m:1999").query(&mut sc).unwrap();
    assert_eq!(v, Some(1999));
}

#[test]
fn a_master_downstream_of_the_replica_is_refused() {
    let a = redis_server(FAST_SYNC);
    let of = format!("127.0.0.1 {}", a.port);
    let b = redis_server(&["--replicaof", &of]);
    wait_until(Duration::from_secs(10), "link up", || {
        let t: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut conn(b.port, None))
            .unwrap();
        t.contains("master_link_status:up")
    });
    let out = rkv(&["replicate", &a.addr(), "--to", &b.addr(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("downstream"), "{}", text(&out));
    let out = rkv(&["replicate", &a.addr(), "--to", &a.addr(), "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // Without a terminal and without --yes: exit 2, nothing changed.
    let c = redis_server(FAST_SYNC);
    let out = rkv(&["replicate", &c.addr(), "--to", &a.addr()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = rkv(&[
        "replicate",
        &c.addr(),
        "--to",
        &a.addr(),
        "--yes",
        "--no-wait",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["waited"], false);
    assert_eq!(doc["link"], serde_json::Value::Null);
}
