//! `rkv serve` speaking TLS with Redis's directives: TLS-only (`--port 0 --tls-port P`),
//! replication over TLS with Debian's redis-server in both directions, and clean
//! disconnects (with a log line) for a plaintext client or an untrusted certificate while
//! other clients carry on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tls_support;

use common::{server_log, wait_until};
use std::io::{Read, Write};
use std::time::Duration;
use tls_support::{certs, redis_cli, tls_redis_server, tls_rkv_serve};

fn get(c: &tls_support::Certs, port: u16, key: &str) -> Option<String> {
    redis_cli(c, port, &["GET", key]).map(|s| s.trim().to_string())
}

#[test]
fn rkv_serve_is_a_tls_master_of_a_tls_redis_server_replica() {
    let c = certs();
    let m = tls_rkv_serve(&c, &[]);
    assert_eq!(
        redis_cli(&c, m.port, &["SET", "before", "1"])
            .unwrap()
            .trim(),
        "OK"
    );
    let of = format!("127.0.0.1 {}", m.port);
    let r = tls_redis_server(&c, &["--replicaof", &of]);
    wait_until(Duration::from_secs(30), "the replica has the key", || {
        get(&c, r.port, "before").as_deref() == Some("1")
    });
    assert_eq!(
        redis_cli(&c, m.port, &["SET", "after", "2"])
            .unwrap()
            .trim(),
        "OK"
    );
    wait_until(
        Duration::from_secs(30),
        "the stream reaches the replica",
        || get(&c, r.port, "after").as_deref() == Some("2"),
    );
    let info = redis_cli(&c, m.port, &["INFO", "replication"]).unwrap();
    assert!(info.contains("connected_slaves:1"), "{info}");
    // CONFIG GET answers with Redis's directive names.
    let cfg = redis_cli(&c, m.port, &["CONFIG", "GET", "tls-*"]).unwrap();
    for k in [
        "tls-port",
        "tls-cert-file",
        "tls-auth-clients",
        "tls-replication",
        "tls-protocols",
    ] {
        assert!(cfg.contains(k), "{cfg}");
    }
}

#[test]
fn rkv_serve_is_a_tls_replica_of_a_tls_redis_server_master() {
    let c = certs();
    let m = tls_redis_server(&c, &["--repl-diskless-sync-delay", "0"]);
    assert_eq!(
        redis_cli(&c, m.port, &["SET", "before", "1"])
            .unwrap()
            .trim(),
        "OK"
    );
    let of = format!("127.0.0.1:{}", m.port);
    let r = tls_rkv_serve(&c, &["--replicaof", &of]);
    wait_until(
        Duration::from_secs(30),
        "the rkv replica has the key",
        || get(&c, r.port, "before").as_deref() == Some("1"),
    );
    assert_eq!(
        redis_cli(&c, m.port, &["SET", "after", "2"])
            .unwrap()
            .trim(),
        "OK"
    );
    wait_until(Duration::from_secs(30), "the stream reaches rkv", || {
        get(&c, r.port, "after").as_deref() == Some("2")
    });
    let info = redis_cli(&c, m.port, &["INFO", "replication"]).unwrap();
    assert!(
        info.contains("connected_slaves:1") && info.contains("state=online"),
        "{info}"
    );
}

#[test]
fn plaintext_and_untrusted_clients_are_dropped_and_logged() {
    let c = certs();
    let g = tls_rkv_serve(&c, &[]);
    // A TLS client that stays connected through all of it.
    assert_eq!(
        redis_cli(&c, g.port, &["SET", "k", "v"]).unwrap().trim(),
        "OK"
    );

    // Plain RESP on the TLS port: the connection is closed, nothing is answered.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", g.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(
        !buf[..n].starts_with(b"+PONG"),
        "a plaintext PING was answered"
    );

    // A client certificate from another CA.
    let out = std::process::Command::new("redis-cli")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &g.port.to_string(),
            "--tls",
            "--cacert",
        ])
        .arg(c.path("ca.crt"))
        .arg("--cert")
        .arg(c.path("other-client.crt"))
        .arg("--key")
        .arg(c.path("other-client.key"))
        .arg("PING")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("PONG"));

    wait_until(Duration::from_secs(15), "two log lines", || {
        server_log(&g)
            .matches("Error accepting a client connection")
            .count()
            >= 2
    });
    let log = server_log(&g);
    assert!(log.contains("client certificate"), "{log}");
    assert_eq!(get(&c, g.port, "k").as_deref(), Some("v"));
}

#[test]
fn redis_sentinel_watches_a_tls_rkv_serve() {
    let c = certs();
    let m = tls_rkv_serve(&c, &[]);
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let conf = format!(
        "port 0\ntls-port {port}\nbind 127.0.0.1\ndaemonize no\ndir {d}\nlogfile {d}/sentinel.log\n\
         tls-cert-file {cert}\ntls-key-file {key}\ntls-ca-cert-file {ca}\ntls-replication yes\n\
         sentinel monitor mymaster 127.0.0.1 {mport} 1\nsentinel down-after-milliseconds mymaster 2000\n",
        d = dir.path().display(),
        cert = c.s("server.crt"),
        key = c.s("server.key"),
        ca = c.s("ca.crt"),
        mport = m.port
    );
    let path = dir.path().join("sentinel.conf");
    std::fs::write(&path, conf).unwrap();
    let _s = common::ServerGuard {
        child: std::process::Command::new("redis-sentinel")
            .arg(&path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-sentinel must be installed"),
        port,
        dir,
    };
    tls_support::wait_tls_ready(&c, port, Duration::from_secs(10));
    // The Sentinel reads INFO over TLS and sees the master up (no s_down), and rkv serve sees
    // the Sentinel's hello messages on its __sentinel__:hello channel.
    wait_until(
        Duration::from_secs(30),
        "the Sentinel sees a healthy master",
        || {
            redis_cli(&c, port, &["SENTINEL", "MASTER", "mymaster"]).is_some_and(|t| {
                let l: Vec<&str> = t.lines().collect();
                l.windows(2).any(|w| w[0] == "flags" && w[1] == "master")
                    && l.windows(2)
                        .any(|w| w[0] == "role-reported" && w[1] == "master")
            })
        },
    );
    wait_until(Duration::from_secs(30), "hello messages reach rkv", || {
        redis_cli(&c, m.port, &["PUBSUB", "NUMSUB", "__sentinel__:hello"])
            .is_some_and(|t| t.lines().nth(1).is_some_and(|n| n.trim() == "1"))
    });
}
