//! `rkv serve` through the `redis` crate: authentication and ACL users, HELLO, CLIENT,
//! CLIENT PAUSE, transactions, INFO, CONFIG, protected mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{rkv_serve, wait_until};
use redis::{Value, cmd};
use std::time::{Duration, Instant};

fn err_text(e: redis::RedisError) -> String {
    // The crate splits `-CODE rest`; join them back to compare with Redis's full text.
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_string(),
        _ => e.to_string(),
    }
}

fn open(port: u16, user: Option<&str>, pw: Option<&str>) -> redis::Connection {
    let url = match (user, pw) {
        (Some(u), Some(p)) => format!("redis://{u}:{p}@127.0.0.1:{port}/"),
        (None, Some(p)) => format!("redis://:{p}@127.0.0.1:{port}/"),
        _ => format!("redis://127.0.0.1:{port}/"),
    };
    redis::Client::open(url)
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap()
}

#[test]
fn auth_noauth_and_wrongpass() {
    let srv = rkv_serve(&["--requirepass", "s3cret"]);
    let mut c = srv.client();
    let e = cmd("PING").query::<String>(&mut c).unwrap_err();
    assert_eq!(err_text(e), "NOAUTH Authentication required.");
    let e = cmd("AUTH").arg("nope").query::<String>(&mut c).unwrap_err();
    assert_eq!(
        err_text(e),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    let ok: String = cmd("AUTH").arg("s3cret").query(&mut c).unwrap();
    assert_eq!(ok, "OK");
    let pong: String = cmd("PING").query(&mut c).unwrap();
    assert_eq!(pong, "PONG");
    // The password never reaches the log.
    assert!(!common::server_log(&srv).contains("s3cret"));

    let free = rkv_serve(&[]);
    let mut c = free.client();
    let e = cmd("AUTH").arg("x").query::<String>(&mut c).unwrap_err();
    assert_eq!(
        err_text(e),
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
    );
}

#[test]
fn acl_user_limited_to_replication_commands() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("rkv.toml");
    std::fs::write(
        &cfg,
        "requirepass = \"adminpw\"\n[[user]]\nname = \"repl\"\npassword = \"replpw\"\ncommands = [\"-@all\", \"+psync\", \"+replconf\", \"+ping\"]\n",
    )
    .unwrap();
    let srv = rkv_serve(&["--config", cfg.to_str().unwrap()]);
    let mut c = open(srv.port, Some("repl"), Some("replpw"));
    let pong: String = cmd("PING").query(&mut c).unwrap();
    assert_eq!(pong, "PONG");
    let e = cmd("CONFIG")
        .arg("GET")
        .arg("port")
        .query::<Value>(&mut c)
        .unwrap_err();
    assert_eq!(
        err_text(e),
        "NOPERM User repl has no permissions to run the 'config' command"
    );
    let e = cmd("INFO").query::<Value>(&mut c).unwrap_err();
    assert!(err_text(e).starts_with("NOPERM"));
    let mut admin = open(srv.port, None, Some("adminpw"));
    let _: String = cmd("INFO").query(&mut admin).unwrap();
    let r = redis::Client::open(format!("redis://repl:bad@127.0.0.1:{}/", srv.port))
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(5));
    assert!(r.is_err(), "a wrong password must not connect");
}

#[test]
fn hello_3_replies_with_a_map() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    let v: Value = cmd("HELLO").arg(3).query(&mut c).unwrap();
    let Value::Map(pairs) = v else {
        panic!("HELLO 3 must reply with a map, got {v:?}");
    };
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| matches!(key, Value::BulkString(b) if b == k.as_bytes()))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("server"), Value::BulkString(b"redis".to_vec()));
    assert_eq!(get("proto"), Value::Int(3));
    assert_eq!(get("mode"), Value::BulkString(b"standalone".to_vec()));
    assert_eq!(get("role"), Value::BulkString(b"master".to_vec()));
    assert!(matches!(get("id"), Value::Int(_)));
    let e = cmd("HELLO").arg(4).query::<Value>(&mut c).unwrap_err();
    assert_eq!(err_text(e), "NOPROTO unsupported protocol version");
}

#[test]
fn client_setname_list_and_kill() {
    let srv = rkv_serve(&[]);
    let mut a = srv.client();
    let mut b = srv.client();
    let _: () = cmd("CLIENT")
        .arg("SETNAME")
        .arg("victim")
        .query(&mut b)
        .unwrap();
    let name: String = cmd("CLIENT").arg("GETNAME").query(&mut b).unwrap();
    assert_eq!(name, "victim");
    let b_id: i64 = cmd("CLIENT").arg("ID").query(&mut b).unwrap();
    let list: String = cmd("CLIENT").arg("LIST").query(&mut a).unwrap();
    let line = list
        .lines()
        .find(|l| l.contains("name=victim"))
        .unwrap_or_else(|| panic!("no victim in {list}"));
    assert!(line.starts_with(&format!("id={b_id} addr=127.0.0.1:")));
    let e = cmd("CLIENT")
        .arg("SETNAME")
        .arg("a b")
        .query::<()>(&mut a)
        .unwrap_err();
    assert_eq!(
        err_text(e),
        "ERR Client names cannot contain spaces, newlines or special characters."
    );
    let killed: i64 = cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(b_id)
        .query(&mut a)
        .unwrap();
    assert_eq!(killed, 1);
    wait_until(
        Duration::from_secs(5),
        "victim gone from CLIENT LIST",
        || {
            let l: String = cmd("CLIENT").arg("LIST").query(&mut a).unwrap();
            !l.contains("name=victim")
        },
    );
    assert!(cmd("PING").query::<String>(&mut b).is_err());
    // The old form, and SKIPME.
    let mut c = srv.client();
    let info: String = cmd("CLIENT").arg("INFO").query(&mut c).unwrap();
    let addr = info
        .split(' ')
        .find_map(|f| f.strip_prefix("addr="))
        .unwrap()
        .to_string();
    let ok: String = cmd("CLIENT").arg("KILL").arg(&addr).query(&mut a).unwrap();
    assert_eq!(ok, "OK");
    // Every other normal client goes (how many depends on closings still in flight), but
    // SKIPME yes is the default: the caller stays.
    let mut d = srv.client();
    let d_id: i64 = cmd("CLIENT").arg("ID").query(&mut d).unwrap();
    let killed: i64 = cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query(&mut a)
        .unwrap();
    assert!(killed >= 1);
    wait_until(Duration::from_secs(5), "only the caller left", || {
        let l: String = cmd("CLIENT").arg("LIST").query(&mut a).unwrap();
        l.lines().count() == 1 && !l.contains(&format!("id={d_id} "))
    });
    let e = cmd("CLIENT")
        .arg("KILL")
        .arg("1.2.3.4:5")
        .query::<String>(&mut a)
        .unwrap_err();
    assert_eq!(err_text(e), "ERR No such client");
}

#[test]
fn client_pause_write_holds_set_but_not_get() {
    let srv = rkv_serve(&[]);
    let mut admin = srv.client();
    let mut reader = srv.client();
    let _: () = cmd("SET").arg("k").arg("v0").query(&mut admin).unwrap();
    let _: () = cmd("CLIENT")
        .arg("PAUSE")
        .arg(20000)
        .arg("WRITE")
        .query(&mut admin)
        .unwrap();
    let port = srv.port;
    let writer = std::thread::spawn(move || {
        let mut w = open(port, None, None);
        let started = Instant::now();
        let _: () = cmd("SET").arg("k").arg("v1").query(&mut w).unwrap();
        started.elapsed()
    });
    std::thread::sleep(Duration::from_millis(300));
    let v: String = cmd("GET").arg("k").query(&mut reader).unwrap();
    assert_eq!(v, "v0", "the SET must still be held");
    let pong: String = cmd("PING").query(&mut reader).unwrap();
    assert_eq!(pong, "PONG");
    let _: String = cmd("INFO").query(&mut reader).unwrap();
    let _: () = cmd("CLIENT").arg("UNPAUSE").query(&mut admin).unwrap();
    let waited = writer.join().unwrap();
    assert!(
        waited >= Duration::from_millis(250),
        "SET returned after {waited:?}"
    );
    assert!(waited < Duration::from_secs(10));
    let v: String = cmd("GET").arg("k").query(&mut reader).unwrap();
    assert_eq!(v, "v1");
}

#[test]
fn client_pause_ends_by_itself() {
    let srv = rkv_serve(&[]);
    let mut admin = srv.client();
    let _: () = cmd("CLIENT")
        .arg("PAUSE")
        .arg(300)
        .query(&mut admin)
        .unwrap();
    let started = Instant::now();
    let mut other = srv.client();
    let pong: String = cmd("PING").query(&mut other).unwrap();
    assert_eq!(pong, "PONG");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "ALL pauses PING too"
    );
}

#[test]
fn multi_exec_discard_and_watch() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    let mut other = srv.client();
    let r: Vec<Value> = redis::pipe()
        .atomic()
        .cmd("SET")
        .arg("a")
        .arg("1")
        .cmd("GET")
        .arg("a")
        .query(&mut c)
        .unwrap();
    assert_eq!(r, vec![Value::Okay, Value::BulkString(b"1".to_vec())]);

    // A queued error aborts EXEC.
    let _: () = cmd("MULTI").query(&mut c).unwrap();
    let q: String = cmd("SET").arg("a").arg("2").query(&mut c).unwrap();
    assert_eq!(q, "QUEUED");
    assert!(cmd("NOSUCHCMD").query::<Value>(&mut c).is_err());
    let e = cmd("EXEC").query::<Value>(&mut c).unwrap_err();
    assert_eq!(
        err_text(e),
        "EXECABORT Transaction discarded because of previous errors."
    );
    let v: String = cmd("GET").arg("a").query(&mut c).unwrap();
    assert_eq!(v, "1");

    // WATCH: another client's write makes EXEC return null.
    let _: () = cmd("WATCH").arg("a").query(&mut c).unwrap();
    let _: () = cmd("SET").arg("a").arg("other").query(&mut other).unwrap();
    let _: () = cmd("MULTI").query(&mut c).unwrap();
    let _: String = cmd("SET").arg("a").arg("mine").query(&mut c).unwrap();
    let r: Value = cmd("EXEC").query(&mut c).unwrap();
    assert_eq!(r, Value::Nil);
    let v: String = cmd("GET").arg("a").query(&mut c).unwrap();
    assert_eq!(v, "other");

    let _: () = cmd("MULTI").query(&mut c).unwrap();
    let _: () = cmd("DISCARD").query(&mut c).unwrap();
    let e = cmd("EXEC").query::<Value>(&mut c).unwrap_err();
    assert_eq!(err_text(e), "ERR EXEC without MULTI");
}

#[test]
fn info_sections_parse() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    let info: String = cmd("INFO").query(&mut c).unwrap();
    assert!(info.contains("\r\n"));
    let fields: std::collections::HashMap<&str, &str> = info
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .collect();
    assert_eq!(fields["redis_version"], "7.0.15");
    assert_eq!(fields["tcp_port"], srv.port.to_string());
    assert_eq!(fields["role"], "master");
    assert_eq!(fields["master_replid"].len(), 40);
    assert_eq!(fields["run_id"].len(), 40);
    assert_eq!(fields["master_replid2"], "0".repeat(40));
    assert_eq!(fields["second_repl_offset"], "-1");
    assert_eq!(fields["master_failover_state"], "no-failover");
    assert!(fields["connected_clients"].parse::<u64>().unwrap() >= 1);
    assert!(fields["total_commands_processed"].parse::<u64>().is_ok());
    assert_eq!(fields["aof_enabled"], "0");
    for section in [
        "# Server",
        "# Clients",
        "# Memory",
        "# Persistence",
        "# Stats",
        "# Replication",
        "# CPU",
        "# Keyspace",
    ] {
        assert!(info.contains(section), "missing {section}");
    }
    let repl: String = cmd("INFO").arg("replication").query(&mut c).unwrap();
    assert!(repl.starts_with("# Replication\r\nrole:master\r\n"));
    assert!(!repl.contains("# Server"));
}

#[test]
fn config_get_set_rewrite_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("rkv.toml");
    std::fs::write(&cfg, "maxclients = 500\n").unwrap();
    let srv = rkv_serve(&["--config", cfg.to_str().unwrap()]);
    let mut c = srv.client();
    let v: Vec<String> = cmd("CONFIG")
        .arg("GET")
        .arg("maxclients")
        .arg("port")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        v,
        vec![
            "port".to_string(),
            srv.port.to_string(),
            "maxclients".into(),
            "500".into()
        ]
    );
    let _: () = cmd("CONFIG")
        .arg("SET")
        .arg("maxclients")
        .arg("123")
        .arg("replica-priority")
        .arg("7")
        .query(&mut c)
        .unwrap();
    let v: Vec<String> = cmd("CONFIG")
        .arg("GET")
        .arg("replica-pri*")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec!["replica-priority", "7"]);
    let e = cmd("CONFIG")
        .arg("SET")
        .arg("port")
        .arg("1")
        .query::<()>(&mut c)
        .unwrap_err();
    assert_eq!(
        err_text(e),
        "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"
    );
    let _: () = cmd("CONFIG").arg("REWRITE").query(&mut c).unwrap();
    let text = std::fs::read_to_string(&cfg).unwrap();
    let mut back = rkv::server::config::Config::default();
    back.apply_toml(&text).unwrap();
    assert_eq!(back.maxclients, 123);
    assert_eq!(back.replica_priority, 7);

    let plain = rkv_serve(&[]);
    let mut c = plain.client();
    let e = cmd("CONFIG")
        .arg("REWRITE")
        .query::<()>(&mut c)
        .unwrap_err();
    assert_eq!(
        err_text(e),
        "ERR The server is running without a config file"
    );
}

#[test]
fn config_set_requirepass_takes_effect() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    let _: () = cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("newpw")
        .query(&mut c)
        .unwrap();
    let mut fresh = srv.client();
    let e = cmd("PING").query::<String>(&mut fresh).unwrap_err();
    assert_eq!(err_text(e), "NOAUTH Authentication required.");
    let mut authed = open(srv.port, None, Some("newpw"));
    let pong: String = cmd("PING").query(&mut authed).unwrap();
    assert_eq!(pong, "PONG");
}

/// A non-loopback address of this machine, if it has one.
fn lan_ip() -> Option<std::net::IpAddr> {
    let out = std::process::Command::new("hostname")
        .arg("-I")
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|s| s.parse::<std::net::IpAddr>().ok())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
}

#[test]
fn protected_mode_refuses_non_loopback_without_password() {
    let srv = rkv_serve(&["--bind", "0.0.0.0"]);
    let mut c = srv.client();
    let pong: String = cmd("PING").query(&mut c).unwrap();
    assert_eq!(pong, "PONG", "loopback clients are always allowed");
    // The decision itself is unit-tested in server::acl; here we also try a real
    // non-loopback peer when the machine has one.
    if let Some(ip) = lan_ip() {
        use std::io::Read;
        let mut s = std::net::TcpStream::connect((ip, srv.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        assert!(
            text.starts_with("-DENIED Redis is running in protected mode"),
            "got {text:?}"
        );
        let with_pw = rkv_serve(&["--bind", "0.0.0.0", "--requirepass", "pw"]);
        let mut s = std::net::TcpStream::connect((ip, with_pw.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        std::io::Write::write_all(&mut s, b"PING\r\n").unwrap();
        let mut b = [0u8; 64];
        let n = s.read(&mut b).unwrap();
        assert!(String::from_utf8_lossy(&b[..n]).starts_with("-NOAUTH"));
    } else {
        eprintln!("no non-loopback address here: only the loopback half ran");
    }
}

#[test]
fn active_expiry_removes_keys_and_counts_them() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    for i in 0..20 {
        let _: () = cmd("SET")
            .arg(format!("e{i}"))
            .arg("v")
            .arg("PX")
            .arg(50)
            .query(&mut c)
            .unwrap();
    }
    let _: () = cmd("SET").arg("keep").arg("v").query(&mut c).unwrap();
    // Nothing reads the keys: only the 100 ms expiry cycle can remove them.
    wait_until(Duration::from_secs(5), "expired keys reclaimed", || {
        let ks: String = cmd("INFO").arg("keyspace").query(&mut c).unwrap();
        ks.contains("db0:keys=1,expires=0")
    });
    let stats: String = cmd("INFO").arg("stats").query(&mut c).unwrap();
    assert!(stats.contains("expired_keys:20"), "{stats}");
}

#[test]
fn client_pause_write_also_holds_active_expiry() {
    let srv = rkv_serve(&[]);
    let mut c = srv.client();
    let _: () = cmd("SET")
        .arg("e")
        .arg("v")
        .arg("PX")
        .arg(100)
        .query(&mut c)
        .unwrap();
    let _: () = cmd("CLIENT")
        .arg("PAUSE")
        .arg(1500)
        .arg("WRITE")
        .query(&mut c)
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let ks: String = cmd("INFO").arg("keyspace").query(&mut c).unwrap();
    assert!(
        ks.contains("db0:keys=1"),
        "expiry must wait for the pause: {ks}"
    );
    let v: Option<String> = cmd("GET").arg("e").query(&mut c).unwrap();
    assert_eq!(v, None, "an expired key reads as missing");
    let ks: String = cmd("INFO").arg("keyspace").query(&mut c).unwrap();
    assert!(
        ks.contains("db0:keys=1"),
        "a read during the pause must not delete: {ks}"
    );
    let _: () = cmd("CLIENT").arg("UNPAUSE").query(&mut c).unwrap();
    wait_until(
        Duration::from_secs(5),
        "expired key reclaimed after the pause",
        || {
            let ks: String = cmd("INFO").arg("keyspace").query(&mut c).unwrap();
            !ks.contains("db0:")
        },
    );
}

/// Keyspace hits and misses are counted the same way at the top level and inside MULTI/EXEC,
/// as redis-server counts them (the same commands on both, the INFO stats compared).
#[test]
fn keyspace_hits_count_inside_transactions_as_redis_does() {
    fn stats(c: &mut redis::Connection) -> (u64, u64) {
        let info: String = redis::cmd("INFO").arg("stats").query(c).unwrap();
        let field = |name: &str| -> u64 {
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in INFO stats:\n{info}"))
        };
        (field("keyspace_hits"), field("keyspace_misses"))
    }
    fn run(c: &mut redis::Connection) -> (u64, u64) {
        let _: Option<String> = redis::cmd("GET").arg("absent").query(c).unwrap();
        let _: () = redis::cmd("SET").arg("k").arg("v").query(c).unwrap();
        let _: Option<String> = redis::cmd("GET").arg("k").query(c).unwrap();
        let _: (Option<String>, Option<String>, i64) = redis::pipe()
            .atomic()
            .cmd("GET")
            .arg("k")
            .cmd("GET")
            .arg("absent2")
            .cmd("STRLEN")
            .arg("k")
            .query(c)
            .unwrap();
        stats(c)
    }
    let rkv = common::rkv_serve(&[]);
    let redis = common::redis_server(&[]);
    let got = run(&mut rkv.client());
    let want = run(&mut redis.client());
    assert_eq!(got, want, "rkv serve (hits, misses) vs redis-server");
    assert!(
        want.0 >= 2 && want.1 >= 2,
        "the sequence reads hits and misses: {want:?}"
    );
}
