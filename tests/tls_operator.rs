//! The operator commands over TLS against TLS-only Debian redis-server nodes (`--port 0
//! --tls-port P --tls-replication yes --tls-auth-clients yes`), with certificates made in the
//! test: discovery, verify, the errors for a wrong CA and a missing client certificate, and
//! AUTH failures told apart from unreachable nodes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tls_support;

use assert_cmd::Command;
use common::{redis_server, wait_until};
use serde_json::Value;
use std::time::Duration;
use tls_support::{certs, redis_cli, tls_group};

fn rkv(args: &[String]) -> (i32, String, String) {
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(args)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn topology_and_verify_over_tls_find_all_three_nodes() {
    let c = certs();
    let (m, r1, r2) = tls_group(&c);
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(30), "TLS replica link up", || {
            redis_cli(&c, r.port, &["INFO", "replication"])
                .is_some_and(|i| i.contains("master_link_status:up"))
        });
    }
    let mut a = c.rkv_flags();
    a.extend(args(&["-o", "json", "topology", &m.addr()]));
    let (code, out, err) = rkv(&a);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{out}");
    assert!(nodes.iter().all(|n| n["reachable"] == true), "{out}");
    let replicas: Vec<_> = nodes.iter().filter(|n| n["role"] == "replica").collect();
    assert_eq!(replicas.len(), 2, "{out}");

    // verify, seeded from a replica, with the flags after the subcommand and from the
    // environment this time.
    let (code, out, err) = {
        let o = Command::cargo_bin("rkv")
            .unwrap()
            .args(["verify", &r1.addr(), "--wait", "20s", "--tls"])
            .env("RKV_TLS_CACERT", c.path("ca.crt"))
            .env("RKV_TLS_CERT", c.path("client.crt"))
            .env("RKV_TLS_KEY", c.path("client.key"))
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains(&r2.addr()), "{out}");
}

#[test]
fn a_wrong_ca_names_the_node_and_the_file() {
    let c = certs();
    let g = tls_support::tls_redis_server(&c, &[]);
    let a = args(&[
        "--cacert",
        &c.s("other-ca.crt"),
        "--cert",
        &c.s("client.crt"),
        "--key",
        &c.s("client.key"),
        "info",
        &g.addr(),
    ]);
    let (code, _, err) = rkv(&a);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&g.addr()), "{err}");
    assert!(err.contains("not trusted"), "{err}");
    assert!(err.contains(&c.s("other-ca.crt")), "{err}");
}

#[test]
fn a_missing_or_foreign_client_certificate_is_named() {
    let c = certs();
    let g = tls_support::tls_redis_server(&c, &[]);
    let (code, _, err) = rkv(&args(&["--cacert", &c.s("ca.crt"), "info", &g.addr()]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&g.addr()), "{err}");
    assert!(err.contains("requires a client certificate"), "{err}");

    let (code, _, err) = rkv(&args(&[
        "--cacert",
        &c.s("ca.crt"),
        "--cert",
        &c.s("other-client.crt"),
        "--key",
        &c.s("other-client.key"),
        "info",
        &g.addr(),
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&g.addr()), "{err}");
    assert!(err.contains("refused the client certificate"), "{err}");
    assert!(err.contains(&c.s("other-client.crt")), "{err}");

    // A file that does not exist is named before any connection.
    let (code, _, err) = rkv(&args(&[
        "--cacert",
        "/nonexistent/ca.pem",
        "info",
        &g.addr(),
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("/nonexistent/ca.pem"), "{err}");

    // Plain TCP to the TLS port is not mistaken for a working node.
    let (code, _, _) = rkv(&args(&["--timeout", "1s", "info", &g.addr()]));
    assert_ne!(code, 0);
}

#[test]
fn rediss_addresses_and_inventory_keys_turn_tls_on() {
    let c = certs();
    let (m, _r1, _r2) = tls_group(&c);
    let url = format!("rediss://{}", m.addr());
    let a = args(&[
        "--cacert",
        &c.s("ca.crt"),
        "--cert",
        &c.s("client.crt"),
        "--key",
        &c.s("client.key"),
        "-o",
        "json",
        "info",
        &url,
    ]);
    let (code, out, err) = rkv(&a);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"master\""), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.toml");
    std::fs::write(
        &inv,
        format!(
            "[defaults]\ntls = true\ncacert = \"{}\"\ncert = \"{}\"\nkey = \"{}\"\n\n[[nodes]]\nname = \"m\"\naddr = \"{}\"\n",
            c.s("ca.crt"),
            c.s("client.crt"),
            c.s("client.key"),
            m.addr()
        ),
    )
    .unwrap();
    let (code, out, err) = rkv(&args(&[
        "-i",
        &inv.display().to_string(),
        "-o",
        "json",
        "topology",
    ]));
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    // The inventory names one node; the two replicas are found from it and inherit its TLS.
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{out}");
    assert!(nodes.iter().all(|n| n["reachable"] == true), "{out}");
}

#[test]
fn a_wrong_password_is_not_unreachable() {
    let g = redis_server(&["--requirepass", "right-one"]);
    let (code, out, err) = rkv(&args(&[
        "-o",
        "json",
        "-a",
        "wrong-one",
        "verify",
        &g.addr(),
    ]));
    assert_eq!(code, 4, "{out}\n{err}");
    assert!(!out.contains("wrong-one") && !err.contains("wrong-one"));
    let doc: Value = serde_json::from_str(&out).unwrap();
    let kinds: Vec<&str> = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert_eq!(kinds, vec!["auth_failed"], "{out}");
    assert!(
        err.contains(&format!("authentication failed on {}", g.addr())),
        "{err}"
    );
    // redis-cli's warning for a password on the command line.
    assert!(err.contains("may not be safe"), "{err}");

    let (code, _, err) = rkv(&args(&["info", &g.addr()]));
    assert_eq!(code, 4, "{err}");

    // A node that is down: exit 1, kind unreachable.
    let port = common::free_port();
    let (code, out, _) = rkv(&args(&[
        "-o",
        "json",
        "verify",
        &format!("127.0.0.1:{port}"),
    ]));
    assert_eq!(code, 1);
    assert!(out.contains("\"unreachable\""), "{out}");
}

#[test]
fn planned_switchover_under_tls_write_load_loses_no_write() {
    let c = certs();
    let (m, r1, r2) = tls_group(&c);
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(30), "TLS replica link up", || {
            redis_cli(&c, r.port, &["INFO", "replication"])
                .is_some_and(|i| i.contains("master_link_status:up"))
        });
    }
    // Up is not yet streaming: wait until a write has reached both replicas.
    redis_cli(&c, m.port, &["SET", "warmup", "1"]).unwrap();
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(30), "the replica streams", || {
            redis_cli(&c, r.port, &["GET", "warmup"]).is_some_and(|v| v.trim() == "1")
        });
    }
    let state = tempfile::tempdir().unwrap();
    let load = tls_support::TlsLoad::start(&c, vec![m.port, r1.port, r2.port]);
    std::thread::sleep(Duration::from_millis(300));
    let mut a = c.rkv_flags();
    a.extend(args(&[
        "failover",
        &m.addr(),
        "--to",
        &r2.addr(),
        "--yes",
        "-o",
        "json",
        "--journal",
        &state.path().join("j.jsonl").display().to_string(),
    ]));
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(&a)
        .env("XDG_STATE_HOME", state.path())
        .env_remove("RKV_PASSWORD")
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let acked = load.finish();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "switchover", "{text}");
    assert!(
        acked.len() > 100,
        "only {} writes acknowledged",
        acked.len()
    );
    // r2 is the master now, and has every acknowledged write.
    let mut conn = tls_support::TlsConn::open(c.dir.path(), r2.port).unwrap();
    for i in &acked {
        let v = conn.get(&format!("k:{i}")).unwrap();
        assert_eq!(v, Some(i.to_string()), "acknowledged write k:{i} lost");
    }
    assert!(
        tls_support::TlsConn::open(c.dir.path(), r2.port)
            .unwrap()
            .is_master()
    );
}

#[test]
fn replicate_over_tls_turns_on_tls_replication_and_says_what_it_cannot_set() {
    let c = certs();
    let m = tls_support::tls_redis_server(&c, &["--repl-diskless-sync-delay", "0"]);
    let r = tls_support::tls_redis_server(&c, &["--tls-replication", "no"]);
    let state = tempfile::tempdir().unwrap();
    let mut a = c.rkv_flags();
    a.extend(args(&[
        "replicate",
        &r.addr(),
        "--to",
        &m.addr(),
        "--yes",
        "--wait-timeout",
        "30s",
        "--journal",
        &state.path().join("j.jsonl").display().to_string(),
    ]));
    let out = Command::cargo_bin("rkv")
        .unwrap()
        .args(&a)
        .env("XDG_STATE_HOME", state.path())
        .env_remove("RKV_PASSWORD")
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("tls-cert-file"), "{err}");
    let v = redis_cli(&c, r.port, &["CONFIG", "GET", "tls-replication"]).unwrap();
    assert!(v.contains("yes"), "{v}");
    let i = redis_cli(&c, r.port, &["INFO", "replication"]).unwrap();
    assert!(i.contains("master_link_status:up"), "{i}");
}
