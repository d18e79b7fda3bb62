//! End-to-end tests of the real binary for `info`, `topology` and `verify`: exit codes, JSON on
//! stdout only, errors on stderr, usage errors exit 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::time::Duration;

fn rkv() -> Command {
    let mut c = Command::cargo_bin("rkv").unwrap();
    c.env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .timeout(Duration::from_secs(30));
    c
}

#[test]
fn bad_address_exits_2() {
    rkv()
        .args(["topology", "db1:99999"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "invalid port '99999' in 'db1:99999'",
        ));
    rkv()
        .args(["info", "[::1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid host"));
    rkv()
        .args(["verify", "redis://u:topsecret@h:70000"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("invalid port")
                .and(predicate::str::contains("topsecret").not()),
        );
}

#[test]
fn no_seeds_exits_2() {
    rkv()
        .arg("topology")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no nodes given"));
    rkv().arg("verify").assert().code(2);
    // Seeds from Sentinels that do not answer: an operational failure (1) that says so.
    let closed = format!("127.0.0.1:{}", common::free_port());
    rkv()
        .args(["--timeout", "2s", "topology", "--sentinel", &closed])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("no Sentinel answered")
                .and(predicate::str::contains(closed.as_str())),
        );
}

#[test]
fn bad_inventory_exits_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.toml");
    std::fs::write(&inv, "[[nodes]]\naddr = \"127.0.0.1:1\"\nport = 5\n").unwrap();
    rkv()
        .args(["-i", inv.to_str().unwrap(), "topology"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "inv.toml:3:1: unknown field `port`",
        ));
    rkv()
        .args(["-i", "/nonexistent/inv.toml", "topology"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read inventory"));
}

#[test]
fn json_on_stdout_only_and_info_formats() {
    let m = common::redis_server(&[]);
    let out = rkv()
        .args(["info", "-o", "json", &m.addr()])
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["nodes"][0]["role"], "master");
    assert_eq!(v["nodes"][0]["addr"], m.addr());
    assert_eq!(v["problems"], serde_json::json!([]));

    rkv()
        .args(["info", "--raw", &m.addr()])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "# Replication\r\nrole:master\r\n",
        ));
    rkv()
        .args(["info", "--no-color", &m.addr()])
        .assert()
        .success()
        .stdout(predicate::str::contains(" role ").and(predicate::str::contains("master")));
    rkv()
        .args(["info", "-o", "tsv", &m.addr()])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("addr\tname\treachable"));

    // Global options work after the subcommand too; an inventory name is a NODE.
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.toml");
    std::fs::write(
        &inv,
        format!("[[nodes]]\nname = \"main\"\naddr = \"{}\"\n", m.addr()),
    )
    .unwrap();
    let out = rkv()
        .args([
            "info",
            "main",
            "--inventory",
            inv.to_str().unwrap(),
            "--output",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["nodes"][0]["name"], "main");

    // verify of a lone healthy master: exit 0, JSON with checks.
    let out = rkv()
        .args(["verify", "-o", "json", &m.addr()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["healthy"], true);
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );
}

#[test]
fn unreachable_node_exits_1_with_reason_on_stderr() {
    let port = common::free_port();
    let assert = rkv()
        .args([
            "info",
            "-o",
            "json",
            "--timeout",
            "500ms",
            &format!("127.0.0.1:{port}"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("rkv: failed to read INFO from"));
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(v["nodes"][0]["reachable"], false);
    assert!(v["problems"][0]["kind"] == "unreachable");

    let assert = rkv()
        .args([
            "verify",
            "--timeout",
            "500ms",
            "--wait",
            "1200ms",
            &format!("127.0.0.1:{port}"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unreachable"));
    assert!(String::from_utf8_lossy(&assert.get_output().stdout).contains("NOT healthy"));
}

#[test]
fn unresolvable_host_is_unreachable_with_reason() {
    let assert = rkv()
        .args([
            "topology",
            "-o",
            "json",
            "--timeout",
            "2s",
            "no-such-host.invalid:6379",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no seed node is reachable"));
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let e = v["nodes"][0]["error"].as_str().unwrap();
    assert!(
        e.contains("cannot resolve") || e.contains("timed out"),
        "{e}"
    );
}
