//! RDB interoperability with Debian's redis-server 7.0: files we write pass `redis-check-rdb`
//! and load into Redis with identical content; dumps Redis writes (compact and large
//! encodings, with and without compression, with expiry) read back into the same data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use rkv::persist::rdb::{self, RdbAux};
use rkv::store::{Db, Value, ZSet};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::process::Command;

fn b(s: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(s.as_ref())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Read a key's value from a live server, as an rkv `Value`.
fn fetch_value(con: &mut redis::Connection, key: &[u8]) -> Value {
    let t: String = redis::cmd("TYPE").arg(key).query(con).unwrap();
    match t.as_str() {
        "string" => {
            let v: Vec<u8> = redis::cmd("GET").arg(key).query(con).unwrap();
            Value::Str(Bytes::from(v))
        }
        "list" => {
            let v: Vec<Vec<u8>> = redis::cmd("LRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query(con)
                .unwrap();
            Value::List(v.into_iter().map(Bytes::from).collect())
        }
        "hash" => {
            let v: HashMap<Vec<u8>, Vec<u8>> = redis::cmd("HGETALL").arg(key).query(con).unwrap();
            Value::Hash(
                v.into_iter()
                    .map(|(f, x)| (Bytes::from(f), Bytes::from(x)))
                    .collect(),
            )
        }
        "set" => {
            let v: HashSet<Vec<u8>> = redis::cmd("SMEMBERS").arg(key).query(con).unwrap();
            Value::Set(v.into_iter().map(Bytes::from).collect())
        }
        "zset" => {
            let v: Vec<(Vec<u8>, String)> = redis::cmd("ZRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES")
                .query(con)
                .unwrap();
            let mut z = ZSet::new();
            for (m, s) in v {
                z.insert(Bytes::from(m), s.parse::<f64>().unwrap());
            }
            Value::ZSet(z)
        }
        other => panic!(
            "unexpected type {other} for key {:?}",
            String::from_utf8_lossy(key)
        ),
    }
}

/// Every key of a live server with its value and absolute expiry (PEXPIRETIME).
fn fetch_all(con: &mut redis::Connection) -> HashMap<Bytes, (Value, Option<u64>)> {
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(con).unwrap();
    keys.into_iter()
        .map(|k| {
            let v = fetch_value(con, &k);
            let at: i64 = redis::cmd("PEXPIRETIME").arg(&k).query(con).unwrap();
            (Bytes::from(k), (v, u64::try_from(at).ok()))
        })
        .collect()
}

fn db_map(db: &Db) -> HashMap<Bytes, (Value, Option<u64>)> {
    db.iter()
        .map(|(k, e)| (k.clone(), (e.value.clone(), e.expire_at_ms)))
        .collect()
}

fn assert_same(
    ours: &HashMap<Bytes, (Value, Option<u64>)>,
    theirs: &HashMap<Bytes, (Value, Option<u64>)>,
) {
    assert_eq!(ours.len(), theirs.len(), "key counts differ");
    for (k, (v, at)) in ours {
        let (tv, tat) = theirs
            .get(k)
            .unwrap_or_else(|| panic!("key {:?} missing", String::from_utf8_lossy(k)));
        assert!(
            v == tv,
            "value of {:?} differs ({} vs {})",
            String::from_utf8_lossy(k),
            v.type_name(),
            tv.type_name()
        );
        assert_eq!(at, tat, "expiry of {:?}", String::from_utf8_lossy(k));
    }
}

fn check_rdb(path: &Path) {
    let out = Command::new("redis-check-rdb").arg(path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "redis-check-rdb failed:\n{text}");
    assert!(
        text.contains("RDB looks OK"),
        "redis-check-rdb said:\n{text}"
    );
}

/// A keyspace with every type at small and large sizes and the string encodings' edge cases.
fn sample_db() -> Db {
    let mut db = Db::new();
    let strings: &[&[u8]] = &[
        b"",
        b"0",
        b"-1",
        b"127",
        b"128",
        b"-128",
        b"-129",
        b"32767",
        b"-32768",
        b"32768",
        b"2147483647",
        b"-2147483648",
        b"2147483648",
        b"-2147483649",
        b"9223372036854775807",
        b"-9223372036854775808",
        b"007",
        b"+5",
        b"-0",
        b"1.5",
        b" 1",
        b"12345678901",
        b"hello world",
    ];
    for (i, s) in strings.iter().enumerate() {
        db.insert_entry(b(format!("str:{i}")), Value::Str(b(s)), None);
    }
    db.insert_entry(b("str:lzf"), Value::Str(b("abcdefgh".repeat(2000))), None);
    db.insert_entry(
        b("str:lzf-short"),
        Value::Str(b("aaaaaaaaaaaaaaaaaaaaaaaaa")),
        None,
    );
    let binary: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    db.insert_entry(b("str:binary"), Value::Str(Bytes::from(binary)), None);
    let mut x = 1u64;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    db.insert_entry(b("str:noise"), Value::Str(Bytes::from(noise)), None);
    db.insert_entry(b(b"key\x00with\xffbytes"), Value::Str(b("v")), None);
    db.insert_entry(
        b("str:expiring"),
        Value::Str(b("soon")),
        Some(now_ms() + 3_600_000),
    );

    db.insert_entry(
        b("list:small"),
        Value::List(VecDeque::from(vec![b("a"), b(""), b("42"), b("-7")])),
        None,
    );
    let big: VecDeque<Bytes> = (0..10_000)
        .map(|i| {
            if i % 3 == 0 {
                b(i.to_string())
            } else {
                b(format!("item-{i}"))
            }
        })
        .collect();
    db.insert_entry(b("list:big"), Value::List(big), Some(now_ms() + 7_200_000));
    db.insert_entry(
        b("list:hugeitem"),
        Value::List(VecDeque::from(vec![b("x".repeat(20_000)), b("y")])),
        None,
    );
    db.insert_entry(b("list:empty"), Value::List(VecDeque::new()), None);

    let small_hash: HashMap<Bytes, Bytes> = [
        (b("f1"), b("v1")),
        (b("n"), b("12")),
        (b(""), b("empty-field")),
    ]
    .into();
    db.insert_entry(b("hash:small"), Value::Hash(small_hash), None);
    let big_hash: HashMap<Bytes, Bytes> = (0..1000)
        .map(|i| (b(format!("field:{i}")), b(format!("value-{}", i * 7))))
        .collect();
    db.insert_entry(b("hash:big"), Value::Hash(big_hash), None);
    let long_val: HashMap<Bytes, Bytes> = [(b("f"), b("z".repeat(10_000)))].into();
    db.insert_entry(b("hash:longvalue"), Value::Hash(long_val), None);

    let small_set: HashSet<Bytes> = [b("a"), b("b"), b("c")].into();
    db.insert_entry(b("set:small"), Value::Set(small_set), None);
    let int_set: HashSet<Bytes> = [b("-5"), b("0"), b("70000"), b("5000000000")].into();
    db.insert_entry(b("set:ints"), Value::Set(int_set), None);
    let big_set: HashSet<Bytes> = (0..600).map(|i| b(format!("member-{i}"))).collect();
    db.insert_entry(b("set:big"), Value::Set(big_set), None);
    let big_int_set: HashSet<Bytes> = (0..600)
        .map(|i| b((i * 1000 - 300_000).to_string()))
        .collect();
    db.insert_entry(b("set:bigints"), Value::Set(big_int_set), None);

    let mut z = ZSet::new();
    for (m, s) in [
        ("a", 1.0),
        ("b", -2.5),
        ("c", f64::INFINITY),
        ("d", f64::NEG_INFINITY),
        ("e", std::f64::consts::PI),
        ("f", 1e-300),
        ("g", 1.5e300),
        ("h", 0.0),
    ] {
        z.insert(b(m), s);
    }
    db.insert_entry(b("zset:small"), Value::ZSet(z), None);
    let mut z = ZSet::new();
    for i in 0..200 {
        z.insert(
            b(format!("{}-{i}", "long-member-name".repeat(5))),
            f64::from(i) * 0.5 - 20.0,
        );
    }
    db.insert_entry(b("zset:big"), Value::ZSet(z), None);
    db
}

#[test]
fn our_rdb_passes_redis_check_rdb_and_loads_into_redis_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.rdb");
    let db = sample_db();
    let aux = RdbAux {
        repl_id: Some("8f2c6b1e0a9d4c3b2a1f0e9d8c7b6a5f4e3d2c1b".into()),
        repl_offset: Some(12345),
    };
    rdb::save_atomic(&path, &db, &aux).unwrap();
    check_rdb(&path);

    let dir_s = dir.path().to_str().unwrap();
    let g = common::redis_server(&["--dir", dir_s, "--dbfilename", "dump.rdb"]);
    let mut con = g.client();
    let theirs = fetch_all(&mut con);
    let mut ours = db_map(&db);
    ours.remove(&b("list:empty")); // empty collections are not written
    assert_same(&ours, &theirs);
    let pttl: i64 = redis::cmd("PTTL")
        .arg("str:expiring")
        .query(&mut con)
        .unwrap();
    assert!(pttl > 3_500_000, "pttl {pttl}");

    // And we read our own file back unchanged.
    let (back, back_aux) = rdb::load_file(&path).unwrap().unwrap();
    assert_eq!(back_aux, aux);
    assert_same(&ours, &db_map(&back));
}

fn populate(con: &mut redis::Connection) {
    let mut q = |args: &[&[u8]]| {
        let mut c = redis::cmd(std::str::from_utf8(args[0]).unwrap());
        for a in &args[1..] {
            c.arg(*a);
        }
        c.query::<redis::Value>(con).unwrap();
    };
    q(&[b"SET", b"s:int", b"12345"]);
    q(&[b"SET", b"s:neg", b"-99999"]);
    q(&[b"SET", b"s:big", b"9223372036854775807"]);
    q(&[b"SET", b"s:small", b"7"]);
    q(&[b"SET", b"s:text", b"hello"]);
    q(&[b"SET", b"s:empty", b""]);
    q(&[b"SET", b"s:lzf", "xyz".repeat(5000).as_bytes()]);
    let bin: Vec<u8> = (0..=255u8).collect();
    q(&[b"SET", b"s:bin", &bin]);
    q(&[b"SET", b"s:exp", b"v", b"PX", b"100000"]);
    q(&[b"HSET", b"h:small", b"a", b"1", b"b", b"two", b"c", b"-3"]);
    for chunk in (0..1000).collect::<Vec<i32>>().chunks(100) {
        let mut args: Vec<Vec<u8>> = vec![b"HSET".to_vec(), b"h:big".to_vec()];
        for i in chunk {
            args.push(format!("f{i}").into_bytes());
            args.push(format!("{}", i * 3).into_bytes());
        }
        let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        q(&refs);
    }
    q(&[b"SADD", b"set:small", b"x", b"y", b"z"]);
    q(&[
        b"SADD",
        b"set:ints",
        b"-5",
        b"0",
        b"70000",
        b"5000000000",
        b"-9223372036854775808",
    ]);
    for i in 0..600 {
        q(&[b"SADD", b"set:big", format!("m{i}").as_bytes()]);
        q(&[b"SADD", b"set:bigints", (i * 7).to_string().as_bytes()]);
    }
    q(&[
        b"ZADD", b"z:small", b"1", b"a", b"2.5", b"b", b"-inf", b"c", b"+inf", b"d", b"100000",
        b"e",
    ]);
    for i in 0..200 {
        let m = format!("{}{i}", "a-rather-long-member-name-".repeat(4));
        q(&[
            b"ZADD",
            b"z:big",
            (f64::from(i) / 3.0).to_string().as_bytes(),
            m.as_bytes(),
        ]);
    }
    q(&[b"RPUSH", b"l:small", b"a", b"1", b"-300", b"", b"70000"]);
    for chunk in (0..10_000).collect::<Vec<i32>>().chunks(500) {
        let mut args: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"l:big".to_vec()];
        for i in chunk {
            args.push(
                if i % 2 == 0 {
                    i.to_string()
                } else {
                    format!("item{i}")
                }
                .into_bytes(),
            );
        }
        let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        q(&refs);
    }
    q(&[b"RPUSH", b"l:long", "q".repeat(10_000).as_bytes(), b"short"]);
    q(&[b"PEXPIRE", b"l:big", b"500000"]);
    q(&[b"PEXPIRE", b"h:big", b"500000"]);
}

fn save_and_read(g: &common::ServerGuard, con: &mut redis::Connection) -> Db {
    // Right after a replica's sync, Redis's fork for it may still be running; SAVE then
    // answers "Background save already in progress" until it ends.
    common::wait_until(
        std::time::Duration::from_secs(30),
        "SAVE accepted",
        || match redis::cmd("SAVE").query::<()>(con) {
            Ok(()) => true,
            Err(e) if e.to_string().contains("already in progress") => false,
            Err(e) => panic!("SAVE failed: {e}"),
        },
    );
    let (db, _aux) = rdb::load_file(&g.path().join("dump.rdb")).unwrap().unwrap();
    db
}

#[test]
fn redis_dumps_read_back_identically() {
    // Compressed quicklist nodes (list-compress-depth) exercise LZF blobs inside lists.
    let g = common::redis_server(&["--list-compress-depth", "1"]);
    let mut con = g.client();
    populate(&mut con);
    let theirs = fetch_all(&mut con);
    assert!(theirs.len() >= 20);

    let db = save_and_read(&g, &mut con);
    assert_same(&db_map(&db), &theirs);
    check_rdb(&g.path().join("dump.rdb"));

    redis::cmd("CONFIG")
        .arg("SET")
        .arg("rdbcompression")
        .arg("no")
        .query::<()>(&mut con)
        .unwrap();
    let db = save_and_read(&g, &mut con);
    assert_same(&db_map(&db), &theirs);
}

#[test]
fn redis_replication_id_is_read_from_aux_fields() {
    let g = common::redis_server(&[]);
    let mut con = g.client();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut con)
        .unwrap();
    // A replica attaching creates the backlog, after which SAVE records repl-id/offset.
    let r = common::redis_server(&["--replicaof", "127.0.0.1", &g.port.to_string()]);
    let mut rcon = r.client();
    common::wait_until(
        std::time::Duration::from_secs(30),
        "replica in sync",
        || {
            let info: String = redis::cmd("INFO")
                .arg("replication")
                .query(&mut rcon)
                .unwrap();
            info.contains("master_link_status:up")
        },
    );
    let db = save_and_read(&g, &mut con);
    assert_eq!(db.len(), 1);
    let info: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut con)
        .unwrap();
    let replid = info
        .lines()
        .find_map(|l| l.strip_prefix("master_replid:"))
        .unwrap()
        .trim()
        .to_string();
    let (_, aux) = rdb::load_file(&g.path().join("dump.rdb")).unwrap().unwrap();
    assert_eq!(aux.repl_id.as_deref(), Some(replid.as_str()));
    assert!(aux.repl_offset.is_some());
}

#[test]
fn function_libraries_are_skipped_and_streams_load_from_redis_dumps() {
    let g = common::redis_server(&[]);
    let mut con = g.client();
    redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg("#!lua name=mylib\nredis.register_function('f', function() return 1 end)")
        .query::<String>(&mut con)
        .unwrap();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut con)
        .unwrap();
    let db = save_and_read(&g, &mut con);
    assert_eq!(
        db.len(),
        1,
        "the function library is skipped, the key loads"
    );

    redis::cmd("XADD")
        .arg("events")
        .arg("*")
        .arg("f")
        .arg("v")
        .query::<String>(&mut con)
        .unwrap();
    redis::cmd("SAVE").query::<()>(&mut con).unwrap();
    let (db, _) = rdb::load_file(&g.path().join("dump.rdb")).unwrap().unwrap();
    match db.get(b"events").map(|e| &e.value) {
        Some(Value::Stream(s)) => assert_eq!(s.len(), 1),
        other => panic!("events: {other:?}"),
    }
}

#[test]
fn keys_outside_database_zero_are_refused() {
    let g = common::redis_server(&[]);
    let mut con = g.client();
    redis::cmd("SELECT").arg(2).query::<()>(&mut con).unwrap();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut con)
        .unwrap();
    redis::cmd("SAVE").query::<()>(&mut con).unwrap();
    let err = rdb::load_file(&g.path().join("dump.rdb")).unwrap_err();
    assert!(err.to_string().contains("database 2"), "{err}");
}
