//! `rkv serve` over raw RESP bytes: pipelining, inline commands, every protocol error closing
//! only its own connection, limits enforced without allocating from declared lengths.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::rkv_serve;
use rkv::resp::{Frame, FrameLimits, parse_frame};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Read exactly `n` replies.
fn read_replies(s: &mut TcpStream, n: usize) -> Vec<Frame> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while out.len() < n {
        while let Some((f, used)) = parse_frame(&buf, &FrameLimits::default()).unwrap() {
            out.push(f);
            buf.drain(..used);
            if out.len() == n {
                return out;
            }
        }
        assert!(Instant::now() < deadline, "timed out; got {out:?}");
        let mut chunk = [0u8; 4096];
        let k = s.read(&mut chunk).unwrap();
        assert!(k > 0, "connection closed after {out:?}");
        buf.extend_from_slice(&chunk[..k]);
    }
    out
}

/// True when the server closed the connection (EOF) within a few seconds.
fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 64];
    match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        // A reset (the server closed with our bytes unread) is a close too; a timeout is not.
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

fn simple(s: &str) -> Frame {
    Frame::Simple(s.to_string().into())
}

#[test]
fn pipelined_commands_get_their_replies_in_order() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    let mut req = Vec::new();
    for i in 0..100 {
        req.extend_from_slice(
            format!("*2\r\n$4\r\nECHO\r\n${}\r\n{i}\r\n", i.to_string().len()).as_bytes(),
        );
    }
    req.extend_from_slice(b"PING\r\n");
    s.write_all(&req).unwrap();
    let replies = read_replies(&mut s, 101);
    for (i, r) in replies[..100].iter().enumerate() {
        assert_eq!(*r, Frame::bulk(i.to_string()));
    }
    assert_eq!(replies[100], simple("PONG"));
}

#[test]
fn inline_commands_with_quotes() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    s.write_all(b"ECHO \"a b\\x41\"\r\nPING\n\r\nPING 'x y'\r\n")
        .unwrap();
    let r = read_replies(&mut s, 3);
    assert_eq!(
        r,
        vec![Frame::bulk("a bA"), simple("PONG"), Frame::bulk("x y")]
    );
}

#[test]
fn each_protocol_error_closes_only_that_connection() {
    let srv = rkv_serve(&[]);
    let mut bystander = connect(srv.port);
    let cases: &[(&[u8], &str)] = &[
        (b"*x\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"),
        (
            b"ECHO \"abc\r\n",
            "ERR Protocol error: unbalanced quotes in request",
        ),
        (
            b"*1\r\n$999999999999\r\n",
            "ERR Protocol error: invalid bulk length",
        ),
    ];
    for (input, text) in cases {
        let mut s = connect(srv.port);
        s.write_all(input).unwrap();
        let r = read_replies(&mut s, 1);
        assert_eq!(
            r[0],
            Frame::Error((*text).into()),
            "for {:?}",
            String::from_utf8_lossy(input)
        );
        assert!(closed(&mut s), "connection must close after {text}");
        bystander.write_all(b"PING\r\n").unwrap();
        assert_eq!(read_replies(&mut bystander, 1)[0], simple("PONG"));
    }
}

#[test]
fn overlong_inline_and_header_lines_are_refused() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    s.write_all(&vec![b'a'; 70 * 1024]).unwrap();
    assert_eq!(
        read_replies(&mut s, 1)[0],
        Frame::error("ERR Protocol error: too big inline request")
    );
    let mut s = connect(srv.port);
    let mut big = b"*".to_vec();
    big.extend(vec![b'1'; 70 * 1024]);
    s.write_all(&big).unwrap();
    assert_eq!(
        read_replies(&mut s, 1)[0],
        Frame::error("ERR Protocol error: too big mbulk count string")
    );
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    let srv = rkv_serve(&[]);
    let pid = srv.child.id();
    let rss = || -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap();
        s.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 4096
    };
    let before = rss();
    // Accepted lengths (below proto-max-bulk-len) but with almost no data behind them: the
    // server must wait for the bytes, not reserve 500 MB per connection up front.
    let mut conns = Vec::new();
    for _ in 0..20 {
        let mut s = connect(srv.port);
        s.write_all(b"*1000000\r\n$500000000\r\nabc").unwrap();
        conns.push(s);
    }
    let mut probe = connect(srv.port);
    probe.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_replies(&mut probe, 1)[0], simple("PONG"));
    let after = rss();
    assert!(
        after < before + 64 * 1024 * 1024,
        "rss grew from {before} to {after}"
    );
}

#[test]
fn unauthenticated_clients_get_small_limits() {
    let srv = rkv_serve(&["--requirepass", "secret"]);
    let mut s = connect(srv.port);
    s.write_all(b"*20\r\n").unwrap();
    assert_eq!(
        read_replies(&mut s, 1)[0],
        Frame::error("ERR Protocol error: invalid multibulk length")
    );
    let mut s = connect(srv.port);
    s.write_all(b"*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n*1\r\n$4\r\nPING\r\n")
        .unwrap();
    assert_eq!(read_replies(&mut s, 2), vec![Frame::ok(), simple("PONG")]);
}

#[test]
fn query_buffer_limit_closes_the_client() {
    let srv = rkv_serve(&["--client-query-buffer-limit", "1mb"]);
    let mut s = connect(srv.port);
    s.write_all(b"*2\r\n$4\r\nECHO\r\n$3000000\r\n").unwrap();
    let chunk = vec![b'x'; 256 * 1024];
    let mut sent = 0;
    while sent < 3_000_000 {
        if s.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert!(
        closed(&mut s) || sent < 3_000_000,
        "client over the limit must be closed"
    );
    let mut probe = connect(srv.port);
    probe.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_replies(&mut probe, 1)[0], simple("PONG"));
    common::wait_until(Duration::from_secs(5), "log line", || {
        common::server_log(&srv).contains("max query buffer length")
    });
}

#[test]
fn unknown_command_and_arity_errors_use_redis_text() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    s.write_all(b"FOO a b\r\nECHO\r\nSELECT 1\r\nSELECT 0\r\n")
        .unwrap();
    let r = read_replies(&mut s, 4);
    assert_eq!(
        r,
        vec![
            Frame::error("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "),
            Frame::error("ERR wrong number of arguments for 'echo' command"),
            Frame::error("ERR DB index is out of range"),
            Frame::ok(),
        ]
    );
}

#[test]
fn maxclients_refuses_extra_connections() {
    let srv = rkv_serve(&["--maxclients", "2"]);
    let mut a = connect(srv.port);
    // The fixture's readiness probes may still be closing: wait until `a` is alone.
    common::wait_until(Duration::from_secs(5), "probe connections gone", || {
        a.write_all(b"INFO clients\r\n").unwrap();
        match &read_replies(&mut a, 1)[0] {
            Frame::Bulk(b) => String::from_utf8_lossy(b).contains("connected_clients:1\r\n"),
            other => panic!("unexpected {other:?}"),
        }
    });
    let mut b = connect(srv.port);
    b.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_replies(&mut b, 1)[0], simple("PONG"));
    let mut c = connect(srv.port);
    assert_eq!(
        read_replies(&mut c, 1)[0],
        Frame::error("ERR max number of clients reached")
    );
    assert!(closed(&mut c));
    let info_stats = {
        a.write_all(b"INFO stats\r\n").unwrap();
        read_replies(&mut a, 1).remove(0)
    };
    let Frame::Bulk(text) = info_stats else {
        panic!()
    };
    assert!(String::from_utf8_lossy(&text).contains("rejected_connections:1\r\n"));
}

#[test]
fn quit_replies_then_closes() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    s.write_all(b"QUIT\r\n").unwrap();
    assert_eq!(read_replies(&mut s, 1)[0], Frame::ok());
    assert!(closed(&mut s));
}

#[test]
fn client_reply_off_and_skip() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    s.write_all(b"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nECHO a\r\nCLIENT REPLY SKIP\r\nECHO b\r\nECHO c\r\n")
        .unwrap();
    // OFF silences itself and PING; SKIP silences itself and the next command.
    assert_eq!(
        read_replies(&mut s, 3),
        vec![Frame::ok(), Frame::bulk("a"), Frame::bulk("c")]
    );
    s.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_replies(&mut s, 1), vec![simple("PONG")]);
}

#[test]
fn resp3_after_hello_3() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    s.write_all(b"HELLO 3\r\nCONFIG GET maxclients\r\n")
        .unwrap();
    let r = read_replies(&mut s, 2);
    assert!(matches!(r[0], Frame::Map(_)), "{r:?}");
    assert_eq!(
        r[1],
        Frame::Map(vec![(Frame::bulk("maxclients"), Frame::bulk("10000"))])
    );
}

#[test]
fn a_deep_pipeline_is_answered_in_full_while_others_are_served() {
    let srv = rkv_serve(&[]);
    let mut s = connect(srv.port);
    let n = 5000;
    let req = b"*1\r\n$4\r\nPING\r\n".repeat(n);
    let writer = {
        let mut w = s.try_clone().unwrap();
        std::thread::spawn(move || w.write_all(&req).unwrap())
    };
    let mut other = connect(srv.port);
    other.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_replies(&mut other, 1)[0], simple("PONG"));
    let replies = read_replies(&mut s, n);
    assert!(replies.iter().all(|r| *r == simple("PONG")));
    writer.join().unwrap();
}

#[test]
fn monitor_streams_other_clients_commands() {
    let srv = rkv_serve(&[]);
    let mut m = connect(srv.port);
    m.write_all(b"MONITOR\r\n").unwrap();
    assert_eq!(read_replies(&mut m, 1)[0], Frame::ok());
    let mut c = connect(srv.port);
    c.write_all(b"*2\r\n$4\r\nECHO\r\n$5\r\nhe\"lo\r\nCONFIG GET port\r\n")
        .unwrap();
    read_replies(&mut c, 2);
    let line = match &read_replies(&mut m, 1)[0] {
        Frame::Simple(l) => l.clone(),
        other => panic!("unexpected {other:?}"),
    };
    assert!(line.ends_with(r#"] "ECHO" "he\"lo""#), "{line}");
    assert!(line.contains(" [0 127.0.0.1:"), "{line}");
    // Admin commands (CONFIG) are not shown; the next line is the next ordinary command.
    c.write_all(b"PING\r\n").unwrap();
    read_replies(&mut c, 1);
    let line = match &read_replies(&mut m, 1)[0] {
        Frame::Simple(l) => l.clone(),
        other => panic!("unexpected {other:?}"),
    };
    assert!(line.ends_with(r#"] "PING""#), "{line}");
    // The monitor is listed until it leaves.
    c.write_all(b"CLIENT LIST\r\n").unwrap();
    let list = read_replies(&mut c, 1).remove(0);
    let Frame::Bulk(list) = list else { panic!() };
    assert!(String::from_utf8_lossy(&list).contains("cmd=monitor"));
}
