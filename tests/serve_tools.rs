//! `rkv serve` driven by Redis's own tools: redis-cli and redis-benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::rkv_serve;
use std::process::Command;

fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
        .expect("redis-cli must be installed");
    assert!(out.status.success(), "redis-cli {args:?} failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn redis_cli_ping_info_config() {
    let srv = rkv_serve(&[]);
    assert_eq!(redis_cli(srv.port, &["ping"]), "PONG\n");
    let info = redis_cli(srv.port, &["info"]);
    assert!(info.contains("redis_version:7.0.15"), "{info}");
    assert!(info.contains(&format!("tcp_port:{}", srv.port)));
    assert_eq!(
        redis_cli(srv.port, &["config", "get", "port"]),
        format!("port\n{}\n", srv.port)
    );
    assert_eq!(redis_cli(srv.port, &["echo", "hi there"]), "hi there\n");
}

#[test]
fn redis_cli_set_get() {
    let srv = rkv_serve(&[]);
    assert_eq!(redis_cli(srv.port, &["set", "k", "v"]), "OK\n");
    assert_eq!(redis_cli(srv.port, &["get", "k"]), "v\n");
}

#[test]
fn redis_benchmark_default_suite_has_no_errors() {
    let srv = rkv_serve(&[]);
    let out = Command::new("redis-benchmark")
        .args(["-p", &srv.port.to_string(), "-n", "2000", "-q"])
        .output()
        .expect("redis-benchmark must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "redis-benchmark failed:\n{stdout}\n{stderr}"
    );
    let all = format!("{stdout}{stderr}");
    assert!(
        !all.contains("ERR") && !all.contains("Error"),
        "redis-benchmark reported errors:\n{all}"
    );
    for test in ["PING_INLINE", "SET", "GET", "INCR", "LPUSH", "MSET"] {
        // Results read `SET: 1234.5 requests per second` or `MSET (10 keys): …`.
        assert!(
            stdout.contains(&format!("{test}:")) || stdout.contains(&format!("{test} (")),
            "no {test} result in:\n{stdout}"
        );
    }
}

#[test]
fn bad_config_file_exits_2_naming_file_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "port = 0\n\nno-such-directive = 1\n").unwrap();
    let out = Command::new(common::rkv_bin())
        .args(["serve", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: unknown key `no-such-directive` (line 3)",
            cfg.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_bad_replicaof_is_a_usage_error() {
    for bad in ["127.0.0.1", "127.0.0.1:0", "127.0.0.1 99999", ":6379"] {
        let out = Command::new(common::rkv_bin())
            .args(["serve", "--port", "0", "--replicaof", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("replicaof"),
            "{bad}: {out:?}"
        );
    }
}
