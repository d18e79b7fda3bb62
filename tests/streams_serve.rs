//! Streams in `rkv serve` against real Redis: the same command script on rkv serve and on
//! Debian's redis-server 7.0 with identical replies; blocking XREAD/XREADGROUP; RDB files
//! written by Redis 6.2, 7.0 and 7.2 loaded by rkv; rkv as a replica of a Redis master that
//! holds a stream (the bug of issue 16) and a Redis replica of rkv.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod matrix_support;

use common::{ServerGuard, redis_server, rkv_serve, rkv_serve_in, server_log, wait_until};
use redis::Value as V;
use std::time::Duration;

fn q(con: &mut redis::Connection, args: &[&str]) -> Result<V, String> {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c.query::<V>(con)
        .map_err(|e| format!("{} {}", e.code().unwrap_or("ERR"), e.detail().unwrap_or("")))
}

/// Replace the values that legitimately differ between two servers holding the same stream:
/// times a node stamps itself (`seen-time`, `idle`) and the radix tree's shape.
fn mask(v: V) -> V {
    match v {
        V::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut blank_next = false;
            for it in items {
                if blank_next {
                    out.push(V::Int(0));
                    blank_next = false;
                    continue;
                }
                if let V::BulkString(b) = &it
                    && matches!(
                        &b[..],
                        b"seen-time" | b"idle" | b"radix-tree-keys" | b"radix-tree-nodes"
                    )
                {
                    blank_next = true;
                }
                out.push(mask(it));
            }
            V::Array(out)
        }
        other => other,
    }
}

/// Commands whose replies must be identical (IDs are explicit, so nothing depends on time).
const SCRIPT: &[&str] = &[
    "XADD s 1-1 a 1 b 2",
    "XADD s 1-* a 3",
    "XADD s 1-0 a 1",
    "XADD s 0-0 a 1",
    "XADD s 0 a 1",
    "XADD s 5 c 4",
    "XADD s MAXLEN = 3 6-1 x y",
    "XADD s 7-1 f",
    "XADD s MAXLEN ~ 2 LIMIT 5 8-1 x y",
    "XADD s MAXLEN 2 LIMIT 5 8-2 x y",
    "XADD s MAXLEN -1 8-3 x y",
    "XADD s MAXLEN 1 MINID 5 8-3 x y",
    "XADD s NOMKSTREAM 9-1 x y",
    "XADD s abc x y",
    "XLEN s",
    "XLEN nosuch",
    "XRANGE s - +",
    "XREVRANGE s + - COUNT 1",
    "XRANGE s (1-2 +",
    "XRANGE s - (6-1",
    "XRANGE s (0-0 +",
    "XRANGE s - (0-0",
    "XRANGE s - + COUNT 0",
    "XRANGE s - + COUNT -5",
    "XRANGE s - + COUNT",
    "XRANGE s 1 x",
    "XRANGE nosuch - +",
    "XDEL s 5-0 99-9",
    "XDEL s bad",
    "XGROUP CREATE s g 0",
    "XGROUP CREATE s g 0",
    "XGROUP CREATE s g2 $ ENTRIESREAD 2",
    "XGROUP CREATE s g3 0 ENTRIESREAD -5",
    "XGROUP CREATE nosuch g 0",
    "XGROUP CREATECONSUMER s nog c",
    "XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
    "XREADGROUP GROUP g bob STREAMS s >",
    "XREADGROUP GROUP g bob STREAMS s >",
    "XREADGROUP GROUP g alice STREAMS s 0",
    "XREADGROUP GROUP g alice STREAMS s $",
    "XREADGROUP GROUP nog c STREAMS s >",
    "XREAD GROUP g c STREAMS s >",
    "XREAD STREAMS s >",
    "XREAD STREAMS s",
    "XPENDING s g",
    "XPENDING nosuch g",
    "XPENDING s g - + 10 nosuchconsumer",
    "XPENDING s g IDLE 0 -",
    "XACK s g 6-1 99-1",
    "XACK s nog 6-1",
    "XDEL s 8-2",
    "XCLAIM s g carol 0 8-2",
    "XCLAIM s g carol 0 1-1 JUSTID",
    "XCLAIM s g carol 0 1-1 BOGUS",
    "XCLAIM s g carol x 1-1",
    "XCLAIM s nog carol 0 1-1",
    "XPENDING s g",
    "XAUTOCLAIM s g dave 0 0 COUNT 5 JUSTID",
    "XAUTOCLAIM s g dave 0 0 COUNT 0",
    "XINFO GROUPS s",
    "XINFO CONSUMERS s nog",
    "XINFO STREAM s",
    "XINFO STREAM s FULL",
    "XINFO STREAM s FULL COUNT 1",
    "XINFO STREAM s BOGUS",
    "XINFO STREAM nosuch",
    "XINFO BOGUS s",
    "XGROUP BOGUS s",
    "XGROUP SETID s g $",
    "XGROUP SETID s g 0 ENTRIESREAD 1",
    "XINFO GROUPS s",
    "XGROUP CREATECONSUMER s g eve",
    "XGROUP CREATECONSUMER s g eve",
    "XGROUP DELCONSUMER s g eve",
    "XGROUP DELCONSUMER s g dave",
    "XGROUP DESTROY s g",
    "XGROUP DESTROY s g",
    "XSETID s 1-0",
    "XSETID s 100-1 ENTRIESADDED 1",
    "XSETID s 100-1 ENTRIESADDED 20 MAXDELETEDID 200-0",
    "XSETID s 100-1 ENTRIESADDED 20 MAXDELETEDID 50-0",
    "XSETID nosuch 1-1",
    "XINFO STREAM s",
    "XREAD STREAMS s nosuch 0 0",
    "XREAD COUNT 1 STREAMS s 0",
    "XREAD STREAMS s $",
    "XTRIM s MAXLEN 0",
    "XTRIM s",
    "XTRIM s MINID ~ 0 LIMIT 1",
    "XINFO STREAM s FULL",
    "TYPE s",
    "EXISTS s",
    "XADD n NOMKSTREAM * a 1",
    "EXISTS n",
    "XGROUP CREATE new g $ MKSTREAM",
    "XINFO STREAM new",
    "XINFO STREAM new FULL",
    "XREADGROUP GROUP g c NOACK STREAMS new >",
    "SET str x",
    "XADD str 1-1 a b",
    "XLEN str",
    "XREAD STREAMS str 0",
    "RENAME new renamed",
    "XINFO GROUPS renamed",
    "EXPIRE renamed 100",
    "TTL renamed",
    "PERSIST renamed",
    "DEL renamed",
    "WATCH s2",
    "XADD s2 1-1 a b",
    "MULTI",
    "XLEN s2",
    "EXEC",
    "WATCH s2",
    "MULTI",
    "XADD s2 2-1 c d",
    "XREAD STREAMS s2 0",
    "EXEC",
    "COPY s2 s3",
    "XRANGE s3 - +",
    "OBJECT ENCODING s3",
    "TYPE s3",
    "EXISTS s2 s3",
    "COMMAND GETKEYS XREAD COUNT 2 STREAMS a b 0 0",
    "COMMAND GETKEYS XREADGROUP GROUP streams c STREAMS k >",
    "COMMAND GETKEYS XGROUP CREATE k g $",
    "COMMAND GETKEYS XINFO STREAM k",
    "COMMAND GETKEYS XADD k * f v",
];

fn run_script(con: &mut redis::Connection) -> Vec<(String, Result<V, String>)> {
    let mut out = Vec::new();
    for line in SCRIPT {
        let args: Vec<&str> = line.split(' ').collect();
        out.push((line.to_string(), q(con, &args).map(mask).map(mask_times)));
    }
    // A long stream: nodes of 100 entries decide what `~` trims.
    for i in 1..=250 {
        q(
            con,
            &["XADD", "long", &format!("{i}-1"), "field", &i.to_string()],
        )
        .unwrap();
    }
    for line in [
        "XTRIM long MAXLEN ~ 120",
        "XLEN long",
        "XADD long MINID ~ 240 999-1 f v",
        "XLEN long",
        "XTRIM long MINID 240",
        "XRANGE long - + COUNT 2",
        "XINFO STREAM long",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        out.push((line.to_string(), q(con, &args).map(mask)));
    }
    out
}

#[test]
fn stream_commands_reply_as_redis_does() {
    let r = redis_server(&[]);
    let k = rkv_serve(&[]);
    let theirs = run_script(&mut r.client());
    let ours = run_script(&mut k.client());
    let mut diffs = Vec::new();
    for ((cmd, t), (_, o)) in theirs.iter().zip(&ours) {
        if t != o {
            diffs.push(format!("{cmd}\n  redis: {t:?}\n  rkv:   {o:?}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Block `XREAD`/`XREADGROUP` on one connection, write on another, and return the reply.
fn blocked_reply(
    g: &ServerGuard,
    blocker: &'static [&'static str],
    writes: &[&[&str]],
) -> Result<V, String> {
    let mut setup = g.client();
    q(&mut setup, &["DEL", "bs"]).unwrap();
    q(
        &mut setup,
        &["XGROUP", "CREATE", "bs", "grp", "$", "MKSTREAM"],
    )
    .unwrap();
    let mut bcon = g.client();
    let h = std::thread::spawn(move || q(&mut bcon, blocker));
    wait_until(Duration::from_secs(10), "the reader blocks", || {
        let info: String = redis::cmd("INFO").arg("clients").query(&mut setup).unwrap();
        info.contains("blocked_clients:1")
    });
    for w in writes {
        q(&mut setup, w).unwrap();
    }
    h.join().unwrap()
}

#[test]
fn blocking_reads_are_woken_as_in_redis() {
    let r = redis_server(&[]);
    let k = rkv_serve(&[]);
    let cases: &[(&'static [&'static str], &[&[&str]])] = &[
        (
            &["XREAD", "BLOCK", "0", "STREAMS", "bs", "$"],
            &[&["XADD", "bs", "5-1", "f", "v"]],
        ),
        (
            &[
                "XREADGROUP",
                "GROUP",
                "grp",
                "c1",
                "BLOCK",
                "0",
                "STREAMS",
                "bs",
                ">",
            ],
            &[&["XADD", "bs", "6-1", "f", "v"]],
        ),
        (
            &[
                "XREADGROUP",
                "GROUP",
                "grp",
                "c1",
                "BLOCK",
                "0",
                "STREAMS",
                "bs",
                ">",
            ],
            &[&["XGROUP", "DESTROY", "bs", "grp"]],
        ),
        (
            &[
                "XREADGROUP",
                "GROUP",
                "grp",
                "c1",
                "BLOCK",
                "0",
                "STREAMS",
                "bs",
                ">",
            ],
            &[&["DEL", "bs"]],
        ),
        (
            &[
                "XREADGROUP",
                "GROUP",
                "grp",
                "c1",
                "BLOCK",
                "0",
                "STREAMS",
                "bs",
                ">",
            ],
            &[&["SET", "bs", "now-a-string"]],
        ),
        (
            &[
                "XREADGROUP",
                "GROUP",
                "grp",
                "c1",
                "BLOCK",
                "0",
                "STREAMS",
                "bs",
                ">",
            ],
            &[&["FLUSHALL"]],
        ),
    ];
    for (blocker, writes) in cases {
        let theirs = blocked_reply(&r, blocker, writes);
        let ours = blocked_reply(&k, blocker, writes);
        assert_eq!(ours, theirs, "{blocker:?} then {writes:?}");
    }
    // A timeout answers nil.
    let mut con = k.client();
    assert_eq!(
        q(
            &mut con,
            &["XREAD", "BLOCK", "10", "STREAMS", "nosuch", "$"]
        )
        .unwrap(),
        V::Nil
    );
}

/// A stream with entries, deletions, two groups, consumers with and without pending entries.
fn populate(con: &mut redis::Connection) {
    for i in 1..=150 {
        q(
            con,
            &[
                "XADD",
                "ev",
                &format!("{i}-0"),
                "n",
                &i.to_string(),
                "tag",
                "x",
            ],
        )
        .unwrap();
    }
    q(con, &["XADD", "ev", "151-0", "other", "shape"]).unwrap();
    q(con, &["XDEL", "ev", "3-0", "140-0"]).unwrap();
    q(con, &["XGROUP", "CREATE", "ev", "g1", "0"]).unwrap();
    q(con, &["XGROUP", "CREATE", "ev", "g2", "$"]).unwrap();
    q(
        con,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "alice",
            "COUNT",
            "5",
            "STREAMS",
            "ev",
            ">",
        ],
    )
    .unwrap();
    q(
        con,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "bob",
            "COUNT",
            "3",
            "STREAMS",
            "ev",
            ">",
        ],
    )
    .unwrap();
    q(con, &["XACK", "ev", "g1", "2-0"]).unwrap();
    // A consumer with nothing pending (Redis 5.0 has no CREATECONSUMER: it gets none).
    match q(con, &["XGROUP", "CREATECONSUMER", "ev", "g2", "idle"]) {
        Ok(_) => {}
        Err(e) if e.contains("Unknown subcommand") => {}
        Err(e) => panic!("CREATECONSUMER: {e}"),
    }
    q(con, &["XADD", "empty", "1-1", "a", "b"]).unwrap();
    q(con, &["XDEL", "empty", "1-1"]).unwrap();
    q(con, &["XADD", "plain", "MAXLEN", "0", "2-2", "a", "b"]).unwrap();
}

fn stream_view(con: &mut redis::Connection) -> Vec<Result<V, String>> {
    [
        &["XINFO", "STREAM", "ev", "FULL", "COUNT", "0"][..],
        &["XINFO", "STREAM", "empty", "FULL"],
        &["XINFO", "STREAM", "plain"],
        &["XRANGE", "ev", "-", "+"],
    ]
    .iter()
    .map(|a| q(con, a).map(mask))
    .collect()
}

/// Save `g`'s dataset and start rkv serve over a copy of its dump.
fn rkv_over_dump_of(g: &ServerGuard) -> ServerGuard {
    let mut con = g.client();
    q(&mut con, &["SAVE"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(g.path().join("dump.rdb"), dir.path().join("dump.rdb")).unwrap();
    rkv_serve_in(dir, &[])
}

#[test]
fn redis_7_0_dumps_with_streams_load_with_the_same_xinfo_and_survive_a_restart() {
    let r = redis_server(&[]);
    populate(&mut r.client());
    let want = stream_view(&mut r.client());
    let k = rkv_over_dump_of(&r);
    assert_eq!(stream_view(&mut k.client()), want, "{}", server_log(&k));

    // rkv writes it back (type 19 at RDB 10) and reads its own file after a restart.
    q(&mut k.client(), &["SAVE"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(k.path().join("dump.rdb"), dir.path().join("dump.rdb")).unwrap();
    let again = rkv_serve_in(dir, &[]);
    assert_eq!(stream_view(&mut again.client()), want);

    // And Redis 7.0 loads rkv's file to the same state.
    let rdir = tempfile::tempdir().unwrap();
    std::fs::copy(k.path().join("dump.rdb"), rdir.path().join("dump.rdb")).unwrap();
    let rd = rdir.path().to_str().unwrap().to_string();
    let r2 = redis_server(&["--dir", &rd, "--dbfilename", "dump.rdb"]);
    assert_eq!(stream_view(&mut r2.client()), want);
}

#[test]
fn redis_5_0_6_2_and_7_2_dumps_with_streams_load() {
    for dir in ["redis-5.0.14", "redis-6.2.16", "redis-7.2.6"] {
        let v = matrix_support::version(dir);
        let g = v.start(None, &[]);
        populate(&mut g.client());
        let k = rkv_over_dump_of(&g);
        let mut theirs = g.client();
        let mut ours = k.client();
        for args in [
            &["XRANGE", "ev", "-", "+"][..],
            &["XPENDING", "ev", "g1"],
            &["XPENDING", "ev", "g1", "-", "+", "100", "bob"],
            &["XLEN", "empty"],
            &["XINFO", "GROUPS", "ev"],
        ] {
            // XPENDING's idle column is the time since delivery on each node: mask it.
            let strip_idle = |v: V| match v {
                V::Array(rows) if args.len() > 3 => V::Array(
                    rows.into_iter()
                        .map(|r| match r {
                            V::Array(mut f) if f.len() == 4 => {
                                f[2] = V::Int(0);
                                V::Array(f)
                            }
                            o => o,
                        })
                        .collect(),
                ),
                o => o,
            };
            let t = q(&mut theirs, args).map(strip_idle);
            let o = q(&mut ours, args).map(strip_idle);
            if (dir.starts_with("redis-5") || dir.starts_with("redis-6")) && args[1] == "GROUPS" {
                // 5.0 and 6.2 have no entries-read/lag: compare the fields they have.
                let fields = |r: &Result<V, String>| format!("{r:?}").contains("last-delivered-id");
                assert!(fields(&t) && fields(&o), "{dir} {args:?}: {o:?}");
                continue;
            }
            assert_eq!(o, t, "{dir} {args:?}\n{}", server_log(&k));
        }
    }
}

/// Unix-ms timestamps (PEL delivery times) are each master's own clock: zero them when
/// comparing what two different masters hold.
fn mask_times(v: V) -> V {
    match v {
        V::Int(n) if n > 1_000_000_000_000 => V::Int(0),
        V::Array(items) => V::Array(items.into_iter().map(mask_times).collect()),
        other => other,
    }
}

fn view_no_times(con: &mut redis::Connection) -> Vec<Result<V, String>> {
    stream_view(con)
        .into_iter()
        .map(|r| r.map(mask_times))
        .collect()
}

/// Live writes with explicit IDs, so two masters given them end in the same state: a group
/// read (propagated as XCLAIM), a NOACK read (XGROUP SETID / CREATECONSUMER), claims
/// (including an entry deleted meanwhile), an ack, an approximate trim.
fn live(con: &mut redis::Connection) {
    q(con, &["XADD", "ev", "200-0", "live", "1"]).unwrap();
    q(
        con,
        &["XREADGROUP", "GROUP", "g2", "carol", "STREAMS", "ev", ">"],
    )
    .unwrap();
    q(con, &["XADD", "ev", "201-0", "live", "2"]).unwrap();
    q(
        con,
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "dave",
            "NOACK",
            "COUNT",
            "3",
            "STREAMS",
            "ev",
            ">",
        ],
    )
    .unwrap();
    q(con, &["XDEL", "ev", "4-0"]).unwrap();
    q(con, &["XCLAIM", "ev", "g1", "erin", "0", "1-0", "4-0"]).unwrap();
    q(
        con,
        &["XAUTOCLAIM", "ev", "g1", "frank", "0", "0", "COUNT", "2"],
    )
    .unwrap();
    q(con, &["XACK", "ev", "g1", "5-0"]).unwrap();
    q(con, &["XTRIM", "ev", "MAXLEN", "~", "10"]).unwrap();
    q(
        con,
        &["XADD", "ev", "MAXLEN", "~", "5", "202-0", "live", "3"],
    )
    .unwrap();
}

/// The replication offset `field` of INFO replication (-1 when absent).
fn offset_of(con: &mut redis::Connection, field: &str) -> i64 {
    let text: String = redis::cmd("INFO")
        .arg("replication")
        .query(con)
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| l.trim_end().split_once(':'))
        .find(|(k, _)| *k == field)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(-1)
}

/// The bug of issue 16: a Redis master holding a stream could have no rkv serve replica.
/// Here a Redis master has a Redis replica and an rkv replica, and an rkv master has a Redis
/// replica; both masters get the same writes. rkv's replica must hold what Redis's replica
/// holds (a replica's group read counters are what the propagated XCLAIMs leave, not the
/// master's), and Redis must load and follow rkv's stream the same way.
#[test]
fn streams_replicate_between_redis_and_rkv_serve_in_both_directions() {
    let m = redis_server(&[]);
    let k = rkv_serve(&[]);
    let mut mc = m.client();
    let mut kc = k.client();
    populate(&mut mc);
    populate(&mut kc);
    let r1 = redis_server(&[
        "--replicaof",
        "127.0.0.1",
        &m.port.to_string(),
        "--repl-diskless-sync-delay",
        "0",
    ]);
    let k1 = rkv_serve(&["--replicaof", &format!("127.0.0.1:{}", m.port)]);
    let r2 = redis_server(&["--replicaof", "127.0.0.1", &k.port.to_string()]);
    let (mut r1c, mut k1c, mut r2c) = (r1.client(), k1.client(), r2.client());
    let synced = |r1c: &mut redis::Connection,
                  k1c: &mut redis::Connection,
                  r2c: &mut redis::Connection,
                  mc: &mut redis::Connection| {
        let want = stream_view(mc);
        stream_view(r1c) == want
            && stream_view(k1c) == want
            && view_no_times(r2c) == view_no_times(mc)
    };
    wait_until(
        Duration::from_secs(30),
        "the full syncs bring the streams",
        || synced(&mut r1c, &mut k1c, &mut r2c, &mut mc),
    );
    assert_eq!(view_no_times(&mut kc), view_no_times(&mut mc));
    live(&mut mc);
    live(&mut kc);
    assert_eq!(view_no_times(&mut kc), view_no_times(&mut mc));
    // Caught up by offset, not by comparing the replicas with each other: both could still
    // be at the state from before the live writes, and agree there.
    let mo = offset_of(&mut mc, "master_repl_offset");
    let ko = offset_of(&mut kc, "master_repl_offset");
    wait_until(
        Duration::from_secs(30),
        "the replicas have every live write",
        || {
            offset_of(&mut r1c, "slave_repl_offset") >= mo
                && offset_of(&mut k1c, "slave_repl_offset") >= mo
                && offset_of(&mut r2c, "slave_repl_offset") >= ko
        },
    );
    assert_eq!(stream_view(&mut k1c), stream_view(&mut r1c));
    assert_eq!(view_no_times(&mut r2c), view_no_times(&mut r1c));
    assert_eq!(
        q(&mut k1c, &["XINFO", "GROUPS", "ev"]),
        q(&mut r1c, &["XINFO", "GROUPS", "ev"]),
        "{}",
        server_log(&k1)
    );
}

/// An AOF holds what replicas are sent (XCLAIM for group reads, not XREADGROUP), so a
/// replayed stream is what a replica holds: group read counters may be unknown where the
/// master knew them. rkv's replay must end where Redis 7.0's own AOF replay ends.
#[test]
fn streams_survive_an_aof_replay_as_in_redis() {
    let mut k = rkv_serve(&["--appendonly"]);
    let mut r = redis_server(&["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]);
    for con in [&mut k.client(), &mut r.client()] {
        populate(con);
        live(con);
    }
    k.kill();
    r.kill();
    let kdir = std::mem::replace(&mut k.dir, tempfile::tempdir().unwrap());
    let rdir = std::mem::replace(&mut r.dir, tempfile::tempdir().unwrap());
    let k2 = rkv_serve_in(kdir, &["--appendonly"]);
    let rd = rdir.path().to_str().unwrap().to_string();
    let r2 = redis_server(&["--dir", &rd, "--appendonly", "yes"]);
    let mut kc = k2.client();
    let mut rc = r2.client();
    assert_eq!(
        view_no_times(&mut kc),
        view_no_times(&mut rc),
        "{}",
        server_log(&k2)
    );
    assert_eq!(
        q(&mut kc, &["XINFO", "GROUPS", "ev"]),
        q(&mut rc, &["XINFO", "GROUPS", "ev"])
    );
}

/// rkv serve picks the oldest RDB version that can hold its data: a stream without 7.0-only
/// state goes to a Redis 6.2 replica as RDB 9 (type 15), which 6.2 loads and then follows
/// (6.2 refuses RDB 10, so the sync would never finish otherwise).
#[test]
fn a_redis_6_2_replica_of_rkv_serve_loads_a_type_15_stream() {
    let m = rkv_serve(&[]);
    let mut mc = m.client();
    for i in 1..=120 {
        q(
            &mut mc,
            &["XADD", "ev", &format!("{i}-1"), "n", &i.to_string()],
        )
        .unwrap();
    }
    // A group nobody read from yet: its read counter is unknown, which type 15 holds. (Once
    // read, 7.0 tracks a counter type 15 cannot carry, and rkv sends RDB 10 as Redis 7.0 would.)
    q(&mut mc, &["XGROUP", "CREATE", "ev", "g1", "0"]).unwrap();
    let v = matrix_support::version("redis-6.2.16");
    let rep = v.start(Some(m.port), &[]);
    let mut rc = rep.client();
    let same = |rc: &mut redis::Connection, mc: &mut redis::Connection| {
        ["XRANGE ev - +", "XPENDING ev g1", "XLEN ev"]
            .iter()
            .all(|c| {
                let a: Vec<&str> = c.split(' ').collect();
                q(rc, &a) == q(mc, &a)
            })
    };
    wait_until(
        Duration::from_secs(20),
        "the 6.2 replica loads the stream",
        || same(&mut rc, &mut mc),
    );
    // Live: group reads reach 6.2 as XCLAIM … FORCE JUSTID LASTID, acks as XACK.
    q(&mut mc, &["XADD", "ev", "500-1", "live", "1"]).unwrap();
    let read = [
        "XREADGROUP",
        "GROUP",
        "g1",
        "alice",
        "COUNT",
        "4",
        "STREAMS",
        "ev",
        ">",
    ];
    q(&mut mc, &read).unwrap();
    q(&mut mc, &["XACK", "ev", "g1", "2-1"]).unwrap();
    q(
        &mut mc,
        &["XREADGROUP", "GROUP", "g1", "bob", "STREAMS", "ev", ">"],
    )
    .unwrap();
    wait_until(Duration::from_secs(20), "the 6.2 replica follows", || {
        same(&mut rc, &mut mc)
    });
    assert_eq!(
        q(&mut rc, &["XPENDING", "ev", "g1", "-", "+", "1000", "bob"]).map(|v| match v {
            V::Array(rows) => rows.len(),
            _ => 0,
        }),
        Ok(117)
    );
}

/// CONFIG SET appendonly yes starts the AOF from the dataset as commands, in Redis's AOF
/// rewrite form for streams (XADD…, XSETID, XGROUP CREATE … ENTRIESREAD, CREATECONSUMER,
/// XCLAIM … FORCE JUSTID). A pending entry whose message is gone cannot be written that way
/// (Redis drops it, and a consumer left with nothing else, too), so the reference is Redis
/// 7.0 itself: the same writes, the same switch (without an RDB preamble), the same restart.
#[test]
fn streams_written_into_a_new_aof_as_commands_come_back_as_in_redis() {
    let mut k = rkv_serve(&[]);
    let mut r = redis_server(&["--aof-use-rdb-preamble", "no"]);
    for con in [&mut k.client(), &mut r.client()] {
        populate(con);
        live(con);
        q(con, &["XGROUP", "CREATE", "fresh", "g", "$", "MKSTREAM"]).unwrap();
        q(con, &["CONFIG", "SET", "appendonly", "yes"]).unwrap();
    }
    let mut rc = r.client();
    wait_until(
        Duration::from_secs(20),
        "redis finishes its AOF rewrite",
        || {
            let info: String = redis::cmd("INFO")
                .arg("persistence")
                .query(&mut rc)
                .unwrap();
            info.contains("aof_rewrite_in_progress:0")
                && info.contains("aof_rewrite_scheduled:0")
                && info.contains("aof_last_bgrewrite_status:ok")
                && info.contains("aof_enabled:1")
        },
    );
    k.kill();
    r.kill();
    let kdir = std::mem::replace(&mut k.dir, tempfile::tempdir().unwrap());
    let rdir = std::mem::replace(&mut r.dir, tempfile::tempdir().unwrap());
    let k2 = rkv_serve_in(kdir, &["--appendonly"]);
    let rd = rdir.path().to_str().unwrap().to_string();
    let r2 = redis_server(&["--dir", &rd, "--appendonly", "yes"]);
    let view = |c: &mut redis::Connection| {
        let mut v = view_no_times(c);
        v.push(q(c, &["XINFO", "STREAM", "fresh", "FULL"]).map(mask));
        v
    };
    assert_eq!(
        view(&mut k2.client()),
        view(&mut r2.client()),
        "{}",
        server_log(&k2)
    );
}

/// A raw RESP connection, to see RESP3 frames as sent.
struct Raw {
    s: std::net::TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    fn new(port: u16) -> Raw {
        let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Raw { s, buf: Vec::new() }
    }

    fn send(&mut self, args: &[&str]) {
        use std::io::Write;
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.s.write_all(out.as_bytes()).unwrap();
    }

    fn read(&mut self) -> rkv::resp::Frame {
        use std::io::Read;
        loop {
            if let Some((f, used)) =
                rkv::resp::parse_frame(&self.buf, &rkv::resp::FrameLimits::default()).unwrap()
            {
                self.buf.drain(..used);
                return f;
            }
            let mut chunk = [0u8; 4096];
            let k = self.s.read(&mut chunk).unwrap();
            assert!(k > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..k]);
        }
    }

    fn call(&mut self, args: &[&str]) -> rkv::resp::Frame {
        self.send(args);
        self.read()
    }
}

fn resp3_script(port: u16) -> Vec<rkv::resp::Frame> {
    let mut c = Raw::new(port);
    c.call(&["HELLO", "3"]);
    let mut out = Vec::new();
    for line in [
        "XADD a 1-1 f v",
        "XADD b 2-1 g w",
        "XGROUP CREATE a grp 0",
        "XREAD STREAMS a b 0 0",
        "XREAD STREAMS a b $ $",
        "XREADGROUP GROUP grp c STREAMS a >",
        "XREADGROUP GROUP grp c STREAMS a 0",
        "XINFO STREAM a",
        "XINFO GROUPS a",
        "XREAD BLOCK 5 STREAMS a $",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        out.push(c.call(&args));
    }
    // A blocked read woken by another client's XADD.
    c.send(&["XREAD", "BLOCK", "0", "STREAMS", "b", "$"]);
    let mut w = g_client(port);
    wait_until(Duration::from_secs(10), "the reader blocks", || {
        let info: String = redis::cmd("INFO").arg("clients").query(&mut w).unwrap();
        info.contains("blocked_clients:1")
    });
    q(&mut w, &["XADD", "b", "3-1", "h", "x"]).unwrap();
    out.push(c.read());
    out
}

fn g_client(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(5))
        .unwrap()
}

#[test]
fn resp3_clients_get_redis_s_map_shapes() {
    let r = redis_server(&[]);
    let k = rkv_serve(&[]);
    let ours = resp3_script(k.port);
    assert!(
        matches!(ours[3], rkv::resp::Frame::Map(_)),
        "XREAD is a map in RESP3: {:?}",
        ours[3]
    );
    assert_eq!(ours, resp3_script(r.port));
}

/// `stream-node-max-entries` from the config file (and CONFIG SET) decides where `~` trims,
/// as in Redis.
#[test]
fn stream_node_limits_from_the_config_file_and_config_set_shape_approximate_trims() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rkv.toml"), "stream-node-max-entries = 2\n").unwrap();
    let conf = dir.path().join("rkv.toml").to_str().unwrap().to_string();
    let k = rkv_serve_in(dir, &["--config", &conf]);
    let r = redis_server(&["--stream-node-max-entries", "2"]);
    let run = |con: &mut redis::Connection| {
        let mut out = vec![q(con, &["CONFIG", "GET", "stream-node-max-entries"])];
        for i in 1..=5 {
            q(con, &["XADD", "s", &format!("{i}-1"), "f", "v"]).unwrap();
        }
        out.push(q(con, &["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "1"]));
        out.push(q(con, &["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "3"]));
        out.push(q(con, &["XLEN", "s"]));
        q(con, &["CONFIG", "SET", "stream-node-max-entries", "3"]).unwrap();
        for i in 6..=12 {
            q(con, &["XADD", "s", &format!("{i}-1"), "f", "v"]).unwrap();
        }
        out.push(q(con, &["XTRIM", "s", "MAXLEN", "~", "2"]));
        out.push(q(con, &["XLEN", "s"]));
        out
    };
    assert_eq!(run(&mut k.client()), run(&mut r.client()));
}
