//! `rkv serve` under many connections: the listen backlog (`tcp-backlog`), the idle-client
//! `timeout`, and TCP keepalive (`tcp-keepalive`), with Redis's names and defaults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{redis_server, rkv_serve, wait_until};
use redis::cmd;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// CONFIG GET of `name` on a node.
fn config_get(c: &mut redis::Connection, name: &str) -> String {
    let pair: Vec<String> = cmd("CONFIG").arg("GET").arg(name).query(c).unwrap();
    assert_eq!(pair.len(), 2, "CONFIG GET {name}: {pair:?}");
    pair[1].clone()
}

/// One `ss` query's output (iproute2, installed with the base system).
fn ss(args: &[&str]) -> String {
    let out = Command::new("ss")
        .args(args)
        .output()
        .expect("ss (iproute2) must be installed");
    assert!(out.status.success(), "ss {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A counter of /proc/net/netstat's TcpExt line (e.g. ListenOverflows).
fn tcp_ext(name: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/net/netstat").unwrap();
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let names: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let values: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let i = names.iter().position(|n| *n == name).unwrap();
    values[i].parse().unwrap()
}

/// The soft limit on open files of this process.
fn open_files_limit() -> u64 {
    let text = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

#[test]
fn the_defaults_and_names_are_redis_s() {
    let rkv = rkv_serve(&[]);
    let redis = redis_server(&[]);
    let (mut a, mut b) = (rkv.client(), redis.client());
    for name in ["tcp-backlog", "timeout", "tcp-keepalive"] {
        assert_eq!(
            config_get(&mut a, name),
            config_get(&mut b, name),
            "CONFIG GET {name}: rkv serve vs redis-server"
        );
    }
    // tcp-backlog is fixed at start, as in Redis.
    let err = cmd("CONFIG")
        .arg("SET")
        .arg("tcp-backlog")
        .arg("100")
        .query::<()>(&mut a)
        .unwrap_err();
    assert!(err.to_string().contains("immutable"), "{err}");
}

#[test]
fn the_listen_backlog_is_tcp_backlog_and_a_burst_of_2000_connects_is_accepted() {
    let srv = rkv_serve(&[]);
    let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // For a listening socket, ss shows the backlog as Send-Q.
    let listening = ss(&["-Hltn", &format!("sport = :{}", srv.port)]);
    let send_q: u32 = listening
        .split_whitespace()
        .nth(2)
        .unwrap_or_else(|| panic!("no listening socket in ss: {listening}"))
        .parse()
        .unwrap();
    assert_eq!(send_q, 511.min(somaxconn), "ss: {listening}");

    const BURST: usize = 2000;
    let limit = open_files_limit();
    assert!(
        limit > (BURST as u64) + 200,
        "the burst needs {BURST} descriptors; this process may open {limit} (raise ulimit -n)"
    );
    let overflows = tcp_ext("ListenOverflows");
    let port = srv.port;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // 2,000 clients connect as fast as they can, at most IN_FLIGHT of them still waiting for
    // their reply at any moment, and every connection stays open to the end. The kernel
    // queues a connection until the server accepts it; with IN_FLIGHT below the backlog the
    // queue cannot overflow however slowly the server accepts (with the old 128 it did).
    const IN_FLIGHT: usize = 400;
    let answered = rt.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        let clients = (0..BURST).map(|_| {
            let gate = std::sync::Arc::clone(&gate);
            async move {
                let permit = gate.acquire_owned().await.expect("semaphore open");
                let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
                c.write_all(b"PING\r\n").await?;
                let mut buf = [0u8; 7];
                c.read_exact(&mut buf).await?;
                drop(permit);
                Ok::<(bool, tokio::net::TcpStream), std::io::Error>((&buf == b"+PONG\r\n", c))
            }
        });
        let done = futures_util::future::join_all(clients).await;
        done.iter().filter(|r| matches!(r, Ok((true, _)))).count()
    });
    assert_eq!(answered, BURST, "every connection of the burst got +PONG");
    // A connect past a full backlog is dropped by the kernel (ListenOverflows) and the client
    // retries its SYN a second later. The counter is host-wide; no other test bursts.
    assert_eq!(
        tcp_ext("ListenOverflows") - overflows,
        0,
        "listen overflows during the burst"
    );
}

#[test]
fn idle_clients_are_closed_after_timeout_but_subscribers_and_active_ones_stay() {
    let srv = rkv_serve(&[]);
    let mut admin = srv.client();
    let _: () = cmd("CONFIG")
        .arg("SET")
        .arg("timeout")
        .arg("1")
        .query(&mut admin)
        .unwrap();
    let connect = || {
        let s = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    };
    let mut idle = connect();
    idle.write_all(b"PING\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = idle.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"+PONG\r\n");
    let mut subscriber = connect();
    subscriber.write_all(b"SUBSCRIBE news\r\n").unwrap();
    let n = subscriber.read(&mut buf).unwrap();
    assert!(n > 0, "SUBSCRIBE confirmed");

    // The idle client is closed by the server: its next read sees the end of the stream.
    // The admin connection stays active meanwhile (a PING every round), so it must stay open.
    idle.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    wait_until(Duration::from_secs(15), "the idle client closed", || {
        let _: String = cmd("PING").query(&mut admin).unwrap();
        matches!(idle.read(&mut buf), Ok(0))
    });
    // The subscriber is exempt, as in Redis: a PUBLISH still reaches it.
    let n: i64 = cmd("PUBLISH")
        .arg("news")
        .arg("hello")
        .query(&mut admin)
        .unwrap();
    assert_eq!(n, 1, "the subscriber is still connected");
    let n = subscriber.read(&mut buf).unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).contains("hello"),
        "the message arrived"
    );
}

#[test]
fn accepted_connections_have_tcp_keepalive() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    let _: String = cmd("PING").query(&mut c).unwrap();
    // The server side of the connection (source port = the server's) shows a keepalive timer
    // once nothing is left to acknowledge (until then ss shows the retransmission timer).
    let mut est = String::new();
    wait_until(Duration::from_secs(10), "a keepalive timer", || {
        est = ss(&[
            "-Htno",
            "state",
            "established",
            &format!("sport = :{}", srv.port),
        ]);
        est.contains("timer:(keepalive")
    });
    let _ = est;
}
