//! Pub/sub in `rkv serve`, compared frame for frame with Debian's redis-server: SUBSCRIBE /
//! PSUBSCRIBE / UNSUBSCRIBE / PUNSUBSCRIBE replies, messages, the subscribed-mode restrictions,
//! RESP3 pushes, PUBSUB introspection, CLIENT LIST/KILL of pubsub clients, PUBLISH through
//! replication, and a subscriber that falls too far behind being cut off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{redis_server, rkv_serve, wait_until};
use rkv::resp::{Frame, FrameLimits, parse_frame};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Conn {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn new(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Conn { s, buf: Vec::new() }
    }

    fn send(&mut self, args: &[&str]) {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.s.write_all(out.as_bytes()).unwrap();
    }

    fn read(&mut self, n: usize) -> Vec<Frame> {
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while out.len() < n {
            while out.len() < n
                && let Some((f, used)) = parse_frame(&self.buf, &FrameLimits::default()).unwrap()
            {
                out.push(f);
                self.buf.drain(..used);
            }
            if out.len() == n {
                break;
            }
            assert!(Instant::now() < deadline, "timed out; got {out:?}");
            let mut chunk = [0u8; 4096];
            let k = self.s.read(&mut chunk).unwrap();
            assert!(k > 0, "connection closed after {out:?}");
            self.buf.extend_from_slice(&chunk[..k]);
        }
        out
    }

    fn call(&mut self, args: &[&str], replies: usize) -> Vec<Frame> {
        self.send(args);
        self.read(replies)
    }
}

/// The same script against a server; returns every frame received, in order.
fn script(port: u16) -> Vec<Frame> {
    let mut got = Vec::new();
    let mut sub = Conn::new(port);
    let mut publ = Conn::new(port);
    got.extend(sub.call(&["SUBSCRIBE", "a", "b", "a"], 3));
    got.extend(sub.call(&["PSUBSCRIBE", "n*", "[xy]?"], 2));
    got.extend(sub.call(&["GET", "x"], 1));
    got.extend(sub.call(&["SET", "x", "1"], 1));
    got.extend(sub.call(&["PING"], 1));
    got.extend(sub.call(&["PING", "hi"], 1));
    got.extend(publ.call(&["PUBLISH", "a", "hello"], 1));
    got.extend(publ.call(&["PUBLISH", "news", "n1"], 1));
    got.extend(publ.call(&["PUBLISH", "xz", "both?"], 1));
    got.extend(publ.call(&["PUBLISH", "zz", "nobody"], 1));
    got.extend(sub.read(3));
    got.extend(publ.call(&["PUBSUB", "NUMSUB", "a", "b", "c"], 1));
    got.extend(publ.call(&["PUBSUB", "NUMPAT"], 1));
    got.extend(publ.call(&["PUBSUB", "CHANNELS", "a*"], 1));
    got.extend(publ.call(&["PUBSUB", "CHANNELS", "a", "b"], 1));
    got.extend(publ.call(&["PUBSUB", "NOPE"], 1));
    got.extend(sub.call(&["UNSUBSCRIBE", "a", "zzz"], 2));
    got.extend(sub.call(&["PUNSUBSCRIBE", "n*"], 1));
    got.extend(sub.call(&["UNSUBSCRIBE"], 1));
    got.extend(sub.call(&["PUNSUBSCRIBE"], 1));
    got.extend(sub.call(&["UNSUBSCRIBE"], 1));
    got.extend(sub.call(&["PING"], 1));
    got.extend(sub.call(&["GET", "nokey"], 1));
    // RESP3: pushes, and no restriction on other commands.
    let mut r3 = Conn::new(port);
    let hello = r3.call(&["HELLO", "3"], 1);
    assert!(matches!(hello[0], Frame::Map(_)));
    got.extend(r3.call(&["SUBSCRIBE", "c"], 1));
    got.extend(r3.call(&["GET", "nokey"], 1));
    got.extend(r3.call(&["PING"], 1));
    got.extend(publ.call(&["PUBLISH", "c", "m3"], 1));
    got.extend(r3.read(1));
    got.extend(r3.call(&["RESET"], 1));
    got.extend(publ.call(&["PUBLISH", "c", "gone"], 1));
    got
}

#[test]
fn pubsub_replies_match_redis_frame_for_frame() {
    let redis = redis_server(&[]);
    let rkv = rkv_serve(&[]);
    let want = script(redis.port);
    let got = script(rkv.port);
    assert_eq!(want.len(), got.len());
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "frame {i} differs (redis, rkv)");
    }
}

#[test]
fn resp3_pushes_use_the_push_type() {
    let rkv = rkv_serve(&[]);
    let mut c = Conn::new(rkv.port);
    c.call(&["HELLO", "3"], 1);
    c.send(&["SUBSCRIBE", "ch"]);
    let mut raw = [0u8; 64];
    let n = c.s.read(&mut raw).unwrap();
    assert!(
        raw[..n].starts_with(b">3\r\n$9\r\nsubscribe\r\n"),
        "{:?}",
        &raw[..n]
    );
}

fn client_list_pubsub(c: &mut Conn) -> Vec<String> {
    match &c.call(&["CLIENT", "LIST", "TYPE", "pubsub"], 1)[0] {
        Frame::Bulk(b) | Frame::Verbatim(_, b) => String::from_utf8_lossy(b)
            .lines()
            .map(str::to_string)
            .collect(),
        other => panic!("CLIENT LIST: {other:?}"),
    }
}

#[test]
fn pubsub_clients_in_client_list_and_kill() {
    let rkv = rkv_serve(&[]);
    let mut admin = Conn::new(rkv.port);
    let mut sub = Conn::new(rkv.port);
    sub.call(&["SUBSCRIBE", "a", "b"], 2);
    sub.call(&["PSUBSCRIBE", "p*"], 1);
    let lines = client_list_pubsub(&mut admin);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(" flags=P "), "{}", lines[0]);
    assert!(lines[0].contains(" sub=2 psub=1 "), "{}", lines[0]);
    let killed = admin.call(&["CLIENT", "KILL", "TYPE", "pubsub"], 1);
    assert_eq!(killed[0], Frame::Integer(1));
    let mut b = [0u8; 16];
    assert_eq!(
        sub.s.read(&mut b).unwrap_or(0),
        0,
        "killed subscriber closed"
    );
    wait_until(Duration::from_secs(5), "subscriptions dropped", || {
        admin.call(&["PUBSUB", "NUMSUB", "a"], 1)[0]
            == Frame::Array(vec![Frame::Bulk("a".into()), Frame::Integer(0)])
    });
    assert_eq!(admin.call(&["PUBSUB", "NUMPAT"], 1)[0], Frame::Integer(0));
}

#[test]
fn publish_reaches_subscribers_on_replicas() {
    let master = rkv_serve(&[]);
    let rkv_replica = rkv_serve(&["--replicaof", &format!("127.0.0.1:{}", master.port)]);
    let redis_replica = redis_server(&["--replicaof", &format!("127.0.0.1 {}", master.port)]);
    for port in [rkv_replica.port, redis_replica.port] {
        let mut c = Conn::new(port);
        wait_until(Duration::from_secs(10), "replica linked", || {
            match &c.call(&["ROLE"], 1)[0] {
                Frame::Array(v) => v.get(3) == Some(&Frame::Bulk("connected".into())),
                _ => false,
            }
        });
    }
    let mut s1 = Conn::new(rkv_replica.port);
    let mut s2 = Conn::new(redis_replica.port);
    s1.call(&["SUBSCRIBE", "__sentinel__:hello"], 1);
    s2.call(&["SUBSCRIBE", "__sentinel__:hello"], 1);
    let mut m = Conn::new(master.port);
    assert_eq!(
        m.call(&["PUBLISH", "__sentinel__:hello", "hi"], 1)[0],
        Frame::Integer(0),
        "no subscriber on the master itself"
    );
    let want = Frame::Array(vec![
        Frame::Bulk("message".into()),
        Frame::Bulk("__sentinel__:hello".into()),
        Frame::Bulk("hi".into()),
    ]);
    assert_eq!(s1.read(1)[0], want, "rkv replica subscriber");
    assert_eq!(s2.read(1)[0], want, "redis-server replica subscriber");
    // PUBLISH on a replica reaches that replica's own subscribers only.
    let mut on_replica = Conn::new(rkv_replica.port);
    assert_eq!(
        on_replica.call(&["PUBLISH", "__sentinel__:hello", "local"], 1)[0],
        Frame::Integer(1)
    );
}

#[test]
fn a_subscriber_that_does_not_read_is_cut_off() {
    let rkv = rkv_serve(&[]);
    let mut slow = Conn::new(rkv.port);
    slow.call(&["SUBSCRIBE", "big"], 1);
    let mut admin = Conn::new(rkv.port);
    let payload = "x".repeat(1024 * 1024);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        admin.call(&["PUBLISH", "big", &payload], 1);
        if client_list_pubsub(&mut admin).is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "slow subscriber never cut off");
    }
    // The server goes on serving.
    assert_eq!(admin.call(&["PING"], 1)[0], Frame::Simple("PONG".into()));
    assert_eq!(
        admin.call(&["PUBLISH", "big", "x"], 1)[0],
        Frame::Integer(0)
    );
}
