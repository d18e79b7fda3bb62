//! `rkv sentinel monitor` / `remove` against three fresh redis-sentinel processes and a Debian
//! redis-server master with two replicas and a password: the Sentinels end up monitoring it
//! with the settings asked for, logged in (they read INFO and find the replicas), aware of
//! each other; the password is never printed; `remove` undoes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sentinel_support;

use assert_cmd::Command;
use common::{ServerGuard, redis_server, wait_until};
use sentinel_support::{master_fields, sentinel};
use std::time::Duration;

const PW: &str = "s3cret-pw";

fn rkv(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_OUTPUT")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn monitor_sets_up_three_fresh_sentinels_and_remove_undoes_it() {
    let m = redis_server(&["--requirepass", PW, "--repl-diskless-sync-delay", "0"]);
    let target = format!("127.0.0.1 {}", m.port);
    let _r1 = redis_server(&["--replicaof", &target, "--masterauth", PW]);
    let _r2 = redis_server(&["--replicaof", &target, "--masterauth", PW]);
    wait_until(Duration::from_secs(15), "replicas online", || {
        let mut c = m.client();
        redis::cmd("AUTH").arg(PW).exec(&mut c).unwrap();
        let i: String = redis::cmd("INFO").arg("replication").query(&mut c).unwrap();
        i.matches("state=online").count() == 2
    });
    let s: Vec<ServerGuard> = (0..3).map(|_| sentinel(None)).collect();
    let mut args = vec![
        "-a".to_string(),
        PW.to_string(),
        "sentinel".into(),
        "monitor".into(),
        "mymaster".into(),
        m.addr(),
        "--quorum".into(),
        "2".into(),
        "--down-after".into(),
        "3s".into(),
        "--failover-timeout".into(),
        "20s".into(),
        "--parallel-syncs".into(),
        "2".into(),
    ];
    for g in &s {
        args.push("--sentinel".into());
        args.push(g.addr());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = rkv(&argv);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(!out.contains(PW) && !err.contains(PW), "password shown");
    assert!(out.contains("auth-pass ***"), "{out}");
    for g in &s {
        let f = master_fields(g, "mymaster");
        assert_eq!(f["ip"], "127.0.0.1");
        assert_eq!(f["port"], m.port.to_string());
        assert_eq!(f["quorum"], "2");
        assert_eq!(f["down-after-milliseconds"], "3000");
        assert_eq!(f["failover-timeout"], "20000");
        assert_eq!(f["parallel-syncs"], "2");
        assert_eq!(f["num-other-sentinels"], "2", "{f:?}");
        // The replicas are only known from the master's INFO: the Sentinels logged in.
        assert_eq!(f["num-slaves"], "2", "{f:?}");
        assert_eq!(f["flags"], "master");
    }

    // Again: already monitoring the same master is fine.
    let (code, out, err) = rkv(&argv);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("already monitoring this master"), "{out}");

    // A quorum larger than the Sentinels is refused as bad usage.
    let mut bad = argv.clone();
    let q = bad.iter().position(|a| *a == "--quorum").unwrap();
    bad[q + 1] = "4";
    let (code, _, err) = rkv(&bad);
    assert_eq!(code, 2, "{err}");

    let mut rm = vec!["sentinel".to_string(), "remove".into(), "mymaster".into()];
    for g in &s {
        rm.push("--sentinel".into());
        rm.push(g.addr());
    }
    let rm: Vec<&str> = rm.iter().map(String::as_str).collect();
    let (code, out, err) = rkv(&rm);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    for g in &s {
        assert!(master_fields(g, "mymaster").is_empty());
    }
    let (code, out, _) = rkv(&rm);
    assert_eq!(code, 0);
    assert!(out.contains("was not monitoring it"), "{out}");
}
