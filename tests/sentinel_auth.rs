//! Sentinels with their own password (`requirepass` in sentinel.conf): `--sentinel-password`
//! (or RKV_SENTINEL_PASSWORD) is what rkv sends them; without it the Sentinel is shown with the
//! authentication failure, not as down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use common::{ServerGuard, free_port, redis_server, wait_until};
use serde_json::Value;
use std::process::Stdio;
use std::time::Duration;

fn sentinel_with_password(master: u16, pw: &str) -> ServerGuard {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = format!(
        "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {d}\nlogfile {d}/sentinel.log\nrequirepass {pw}\nsentinel monitor mymaster 127.0.0.1 {master} 1\n",
        d = dir.path().display()
    );
    let path = dir.path().join("sentinel.conf");
    std::fs::write(&path, conf).unwrap();
    let child = std::process::Command::new("redis-sentinel")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-sentinel must be installed");
    common::wait_ready(port, Duration::from_secs(10));
    ServerGuard { child, port, dir }
}

fn sentinels(args: &[&str], env: Option<(&str, &str)>) -> Vec<Value> {
    let mut cmd = Command::cargo_bin("rkv").unwrap();
    cmd.args(["-o", "json", "topology"])
        .args(args)
        .env_remove("RKV_SENTINEL_PASSWORD")
        .env_remove("RKV_PASSWORD")
        .timeout(Duration::from_secs(30));
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["sentinels"].as_array().cloned().unwrap_or_default()
}

#[test]
fn sentinel_password_reaches_a_sentinel_with_requirepass() {
    let m = redis_server(&[]);
    let s = sentinel_with_password(m.port, "sent-pw");
    let addr = m.addr();
    // The Sentinel is found from the master's hello channel once it has published there.
    wait_until(
        Duration::from_secs(30),
        "the Sentinel answers with the password",
        || {
            sentinels(&[&addr, "--sentinel-password", "sent-pw"], None)
                .iter()
                .any(|r| {
                    r["addr"] == s.addr()
                        && r["reachable"] == true
                        && r["master_name"] == "mymaster"
                })
        },
    );
    let rows = sentinels(&[&addr], Some(("RKV_SENTINEL_PASSWORD", "sent-pw")));
    assert!(rows.iter().any(|r| r["reachable"] == true), "{rows:?}");

    let rows = sentinels(&[&addr, "--sentinel-password", "bad-sentinel-pw"], None);
    let row = rows.iter().find(|r| r["addr"] == s.addr()).unwrap();
    assert_eq!(row["reachable"], false, "{rows:?}");
    let e = row["error"].as_str().unwrap();
    assert!(e.starts_with("authentication failed on"), "{e}");
    assert!(!e.contains("bad-sentinel-pw"), "{e}");
}
