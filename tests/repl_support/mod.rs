//! Helpers shared by the replication tests: INFO fields, a comparable dump of a whole
//! dataset, and a write load touching every data type rkv supports.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

/// A connection to a node on 127.0.0.1.
pub fn conn(port: u16) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let con = c
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap();
    con.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    con
}

/// INFO `section` of a node.
pub fn info(port: u16, section: &str) -> String {
    redis::cmd("INFO")
        .arg(section)
        .query(&mut conn(port))
        .unwrap()
}

/// One `key:value` field of an INFO text.
pub fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(|v| v.trim().to_string())
}

/// An INFO replication field (empty string when absent).
pub fn repl(port: u16, key: &str) -> String {
    field(&info(port, "replication"), key).unwrap_or_default()
}

/// An INFO stats counter.
pub fn stat(port: u16, key: &str) -> i64 {
    field(&info(port, "stats"), key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

/// `master_repl_offset`.
pub fn offset(port: u16) -> i64 {
    repl(port, "master_repl_offset").parse().unwrap_or(-1)
}

/// True once a replica's link is up.
pub fn link_up(port: u16) -> bool {
    repl(port, "master_link_status") == "up"
}

/// One key's value, in a form comparable across servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    Set(Vec<Vec<u8>>),
    /// Members with their scores as the server prints them.
    ZSet(Vec<(Vec<u8>, String)>),
    Other(String),
}

/// A key's type, value and whether it has a TTL.
pub type Dump = BTreeMap<Vec<u8>, (Val, bool)>;

/// True when the master on `master` lists the replica listening on `replica_port` as
/// `state=online`. A replica reports its link up a moment before its master counts it online
/// (after a diskless sync, Redis waits for the replica's first ACK), and FAILOVER TO or WAIT
/// need the master's view.
pub fn online_at_master(master: u16, replica_port: u16) -> bool {
    info(master, "replication")
        .lines()
        .filter(|l| l.starts_with("slave"))
        .any(|l| l.contains(&format!(",port={replica_port},")) && l.contains("state=online"))
}

/// Every key of a node (SCAN), with its value and whether it expires.
pub fn dump(port: u16) -> Dump {
    let mut c = conn(port);
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(1000)
            .query(&mut c)
            .unwrap();
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    let mut out = BTreeMap::new();
    // Pipelined in batches: a few round trips per thousand keys, not three per key.
    for batch in keys.chunks(1000) {
        let mut p = redis::pipe();
        for k in batch {
            p.cmd("TYPE").arg(k);
        }
        let types: Vec<String> = p.query(&mut c).unwrap();
        let mut p = redis::pipe();
        for (k, t) in batch.iter().zip(&types) {
            match t.as_str() {
                "string" => p.cmd("GET").arg(k),
                "list" => p.cmd("LRANGE").arg(k).arg(0).arg(-1),
                "hash" => p.cmd("HGETALL").arg(k),
                "set" => p.cmd("SMEMBERS").arg(k),
                "zset" => p.cmd("ZRANGE").arg(k).arg(0).arg(-1).arg("WITHSCORES"),
                _ => p.cmd("PING"),
            };
            p.cmd("PTTL").arg(k);
        }
        let vals: Vec<redis::Value> = p.query(&mut c).unwrap();
        for ((k, t), pair) in batch.iter().zip(&types).zip(vals.chunks(2)) {
            let [v, ttl] = pair else { unreachable!() };
            let conv =
                |v: &redis::Value| -> Vec<Vec<u8>> { redis::from_redis_value(v.clone()).unwrap() };
            let v = match t.as_str() {
                // Expired between SCAN and TYPE.
                "none" => continue,
                "string" => match redis::from_redis_value::<Option<Vec<u8>>>(v.clone()).unwrap() {
                    Some(s) => Val::Str(s),
                    None => continue,
                },
                "list" => Val::List(conv(v)),
                "hash" => {
                    let mut h: Vec<(Vec<u8>, Vec<u8>)> =
                        redis::from_redis_value(v.clone()).unwrap();
                    h.sort();
                    Val::Hash(h)
                }
                "set" => {
                    let mut m = conv(v);
                    m.sort();
                    Val::Set(m)
                }
                "zset" => {
                    let z: Vec<(Vec<u8>, f64)> = redis::from_redis_value(v.clone()).unwrap();
                    Val::ZSet(z.into_iter().map(|(m, s)| (m, format!("{s}"))).collect())
                }
                other => Val::Other(other.to_string()),
            };
            let ttl: i64 = redis::from_redis_value(ttl.clone()).unwrap();
            out.insert(k.clone(), (v, ttl > 0));
        }
    }
    out
}

/// Assert two dumps are equal, naming the first differing key.
pub fn assert_same(what: &str, a: &Dump, b: &Dump) {
    if a == b {
        return;
    }
    let ka: Vec<_> = a.keys().collect();
    let kb: Vec<_> = b.keys().collect();
    if ka != kb {
        let only_a: Vec<_> = a
            .keys()
            .filter(|k| !b.contains_key(*k))
            .take(5)
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect();
        let only_b: Vec<_> = b
            .keys()
            .filter(|k| !a.contains_key(*k))
            .take(5)
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect();
        panic!(
            "{what}: key sets differ ({} vs {} keys); only left: {only_a:?}; only right: {only_b:?}",
            a.len(),
            b.len()
        );
    }
    for (k, v) in a {
        if b.get(k) != Some(v) {
            panic!(
                "{what}: key {:?} differs: {v:?} vs {:?}",
                String::from_utf8_lossy(k),
                b.get(k)
            );
        }
    }
}

/// A write load over every data type, as plain commands (also inside MULTI/EXEC), with TTLs,
/// INCR/INCRBYFLOAT, SPOP (non-deterministic: replicas must get its effect), DEL and EXPIRE.
/// `tag` makes key names distinct per call.
pub fn write_load(port: u16, tag: &str, rounds: usize) {
    let mut c = conn(port);
    for i in 0..rounds {
        let k = |name: &str| format!("{tag}:{name}:{}", i % 17);
        let mut p = redis::pipe();
        p.cmd("SET").arg(k("s")).arg(format!("v{i}")).ignore();
        p.cmd("SET")
            .arg(k("ttl"))
            .arg(i)
            .arg("EX")
            .arg(3600)
            .ignore();
        p.cmd("PSETEX").arg(k("px")).arg(500_000).arg("x").ignore();
        p.cmd("INCR").arg(k("ctr")).ignore();
        p.cmd("INCRBYFLOAT").arg(k("flt")).arg("0.1").ignore();
        p.cmd("APPEND").arg(k("app")).arg("ab").ignore();
        p.cmd("RPUSH").arg(k("l")).arg(i).arg(i + 1).ignore();
        p.cmd("LPUSH").arg(k("l")).arg("head").ignore();
        if i % 3 == 0 {
            p.cmd("LPOP").arg(k("l")).ignore();
        }
        p.cmd("HSET")
            .arg(k("h"))
            .arg(format!("f{}", i % 5))
            .arg(i)
            .ignore();
        p.cmd("HINCRBY").arg(k("h")).arg("n").arg(2).ignore();
        p.cmd("HINCRBYFLOAT")
            .arg(k("h"))
            .arg("fl")
            .arg("1.5")
            .ignore();
        p.cmd("SADD").arg(k("set")).arg(i % 11).arg("m").ignore();
        p.cmd("SADD")
            .arg(k("pop"))
            .arg(i)
            .arg(i + 100)
            .arg(i + 200)
            .ignore();
        p.cmd("SPOP").arg(k("pop")).ignore();
        p.cmd("ZADD")
            .arg(k("z"))
            .arg(i % 13)
            .arg(format!("m{}", i % 7))
            .ignore();
        p.cmd("ZINCRBY").arg(k("z")).arg("2.5").arg("inc").ignore();
        p.cmd("EXPIRE").arg(k("z")).arg(7200).ignore();
        if i % 4 == 0 {
            p.cmd("DEL").arg(k("app")).ignore();
        }
        if i % 5 == 0 {
            p.cmd("PERSIST").arg(k("ttl")).ignore();
        }
        p.query::<()>(&mut c).unwrap();
        if i % 10 == 0 {
            let _: () = redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(format!("{tag}:tx:{i}"))
                .arg("a")
                .ignore()
                .cmd("INCRBY")
                .arg(format!("{tag}:txctr"))
                .arg(5)
                .ignore()
                .cmd("ZADD")
                .arg(format!("{tag}:txz"))
                .arg(i)
                .arg(format!("t{i}"))
                .ignore()
                .cmd("SPOP")
                .arg(k("pop"))
                .ignore()
                .query(&mut c)
                .unwrap();
        }
    }
}

/// Wait until every port reports the same `master_repl_offset` and the same dataset as
/// `master`; returns the master's dump. On timeout, panics naming the first difference.
pub fn converge(master: u16, replicas: &[u16]) -> Dump {
    crate::common::wait_until(Duration::from_secs(15), "offsets converge", || {
        let m = offset(master);
        replicas.iter().all(|p| offset(*p) == m)
    });
    let want = dump(master);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    for p in replicas {
        loop {
            let got = dump(*p);
            if got == want {
                break;
            }
            if std::time::Instant::now() > deadline {
                assert_same(&format!("replica on port {p}"), &want, &got);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    want
}
