//! AOF append and replay: round trips, a torn tail cut back like Redis's aof-load-truncated,
//! corruption before the tail reported with its offset, MULTI blocks, an RDB preamble, and
//! files written by a real redis-server 7.0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use rkv::persist::aof::{self, AofError, AofWriter, FsyncPolicy};
use rkv::persist::rdb::{self, RdbAux};
use rkv::store::{Db, Value, ZSet};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::time::Duration;

fn argv(parts: &[&[u8]]) -> Vec<Bytes> {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}

fn collect(path: &Path) -> (Vec<Vec<Bytes>>, aof::ReplayReport) {
    let mut got = Vec::new();
    let report = aof::replay::<String>(path, &mut |a| {
        got.push(a);
        Ok(())
    })
    .unwrap();
    (got, report)
}

fn encoded(cmds: &[Vec<Bytes>]) -> Vec<u8> {
    let mut v = Vec::new();
    for c in cmds {
        aof::encode_command(&mut v, c);
    }
    v
}

fn sample() -> Vec<Vec<Bytes>> {
    vec![
        argv(&[b"SET", b"k", b"v"]),
        argv(&[b"SET", b"bin\x00\r\n", b"", b"PXAT", b"99999999999999"]),
        argv(&[b"RPUSH", b"l", b"a", b"b", b"c"]),
        argv(&[b"DEL", b"k"]),
    ]
}

#[test]
fn appended_commands_replay_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendonly.aof");
    let cmds = sample();
    let mut w = AofWriter::open(&path, FsyncPolicy::Always).unwrap();
    assert_eq!(w.policy(), FsyncPolicy::Always);
    w.append(&[argv(&[b"SELECT", b"0"])]).unwrap();
    w.append(&cmds[..1]).unwrap();
    w.append(&cmds[1..]).unwrap();
    w.fsync().unwrap();
    drop(w);
    let (got, report) = collect(&path);
    assert_eq!(
        got, cmds,
        "SELECT 0 is consumed, the rest comes back in order"
    );
    assert_eq!(report.commands, 4);
    assert_eq!(report.truncated_at, None);

    // Reopening appends after what is there.
    let mut w = AofWriter::open(&path, FsyncPolicy::EverySec).unwrap();
    w.append(&[argv(&[b"INCR", b"n"])]).unwrap();
    drop(w);
    assert_eq!(collect(&path).0.len(), 5);
}

#[test]
fn missing_file_is_an_empty_replay() {
    let dir = tempfile::tempdir().unwrap();
    let (got, report) = collect(&dir.path().join("nope.aof"));
    assert!(got.is_empty());
    assert_eq!(report, aof::ReplayReport::default());
}

#[test]
fn torn_tail_is_cut_at_the_start_of_the_last_command_at_every_cut_point() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendonly.aof");
    let cmds = sample();
    let good = encoded(&cmds[..3]);
    let last = encoded(&cmds[3..]);
    for cut in 1..last.len() {
        let mut bytes = good.clone();
        bytes.extend_from_slice(&last[..cut]);
        std::fs::write(&path, &bytes).unwrap();
        let (got, report) = collect(&path);
        assert_eq!(got, cmds[..3].to_vec(), "cut at {cut}");
        assert_eq!(report.truncated_at, Some(good.len() as u64), "cut at {cut}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good.len() as u64);
        // The file is usable again: a second replay is clean, and appends follow.
        assert_eq!(collect(&path).1.truncated_at, None);
    }
    let mut w = AofWriter::open(&path, FsyncPolicy::No).unwrap();
    w.append(&cmds[3..]).unwrap();
    drop(w);
    assert_eq!(collect(&path).0, cmds);
}

#[test]
fn bulk_length_past_the_end_of_file_is_a_truncation_and_over_the_cap_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.aof");
    let mut bytes = encoded(&sample()[..1]);
    let keep = bytes.len() as u64;
    bytes.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$100000\r\nabc");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(collect(&path).1.truncated_at, Some(keep));

    let mut bytes = encoded(&sample()[..1]);
    bytes.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$999999999999\r\nabc\r\n");
    std::fs::write(&path, &bytes).unwrap();
    let err = aof::replay::<String>(&path, &mut |_| Ok(())).unwrap_err();
    assert!(
        matches!(err, AofError::Corrupt { offset, .. } if offset == keep),
        "{err}"
    );
}

#[test]
fn garbage_before_the_tail_is_corruption_with_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendonly.aof");
    let cmds = sample();
    let mut bytes = encoded(&cmds[..2]);
    let bad_at = bytes.len() as u64;
    bytes.extend_from_slice(b"+OK\r\n");
    bytes.extend_from_slice(&encoded(&cmds[2..]));
    std::fs::write(&path, &bytes).unwrap();
    let mut applied = 0;
    let err = aof::replay::<String>(&path, &mut |_| {
        applied += 1;
        Ok(())
    })
    .unwrap_err();
    match err {
        AofError::Corrupt { offset, message } => {
            assert_eq!(offset, bad_at);
            assert!(message.contains("expected '*'"), "{message}");
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(applied, 2);
    // Corruption does not truncate anything.
    assert_eq!(std::fs::metadata(&path).unwrap().len(), bytes.len() as u64);

    // A bad byte inside a command is corruption too.
    let mut bytes = encoded(&cmds[..1]);
    bytes.extend_from_slice(b"*1\r\n$3\r\nabcXX*1\r\n$4\r\nPING\r\n");
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        aof::replay::<String>(&path, &mut |_| Ok(())),
        Err(AofError::Corrupt { .. })
    ));
    // And so is SELECT of another database.
    std::fs::write(&path, encoded(&[argv(&[b"SELECT", b"3"])])).unwrap();
    assert!(matches!(
        aof::replay::<String>(&path, &mut |_| Ok(())),
        Err(AofError::Corrupt { offset: 0, .. })
    ));
}

#[test]
fn apply_errors_stop_the_replay_as_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendonly.aof");
    std::fs::write(&path, encoded(&sample())).unwrap();
    let first_len = encoded(&sample()[..1]).len() as u64;
    let mut n = 0;
    let err = aof::replay::<String>(&path, &mut |_| {
        n += 1;
        if n == 2 {
            Err("ERR unknown command".into())
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert!(
        matches!(&err, AofError::Corrupt { offset, message } if *offset == first_len && message.contains("unknown command")),
        "{err}"
    );
}

#[test]
fn an_unfinished_multi_block_is_cut_off_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendonly.aof");
    let mut cmds = vec![argv(&[b"SET", b"a", b"1"])];
    let full_tx = vec![argv(&[b"MULTI"]), argv(&[b"INCR", b"a"]), argv(&[b"EXEC"])];
    cmds.extend(full_tx.clone());
    let mut bytes = encoded(&cmds);
    let cut_at = bytes.len() as u64;
    bytes.extend_from_slice(&encoded(&[argv(&[b"MULTI"]), argv(&[b"INCR", b"a"])]));
    std::fs::write(&path, &bytes).unwrap();
    let (got, report) = collect(&path);
    assert_eq!(
        got, cmds,
        "the complete transaction is applied, the open one is not"
    );
    assert_eq!(report.truncated_at, Some(cut_at));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), cut_at);
}

/// Rebuild a keyspace from the commands an RDB preamble is turned into.
fn apply_simple(
    db: &mut HashMap<Bytes, (Value, Option<u64>)>,
    a: Vec<Bytes>,
) -> Result<(), String> {
    let name = String::from_utf8_lossy(&a[0]).to_ascii_uppercase();
    let key = a[1].clone();
    match name.as_str() {
        "SET" => {
            db.insert(key, (Value::Str(a[2].clone()), None));
        }
        "RPUSH" => {
            let e = db
                .entry(key)
                .or_insert((Value::List(VecDeque::new()), None));
            let Value::List(l) = &mut e.0 else {
                return Err("type".into());
            };
            l.extend(a[2..].iter().cloned());
        }
        "SADD" => {
            let e = db.entry(key).or_insert((Value::Set(HashSet::new()), None));
            let Value::Set(s) = &mut e.0 else {
                return Err("type".into());
            };
            s.extend(a[2..].iter().cloned());
        }
        "HSET" => {
            let e = db.entry(key).or_insert((Value::Hash(HashMap::new()), None));
            let Value::Hash(h) = &mut e.0 else {
                return Err("type".into());
            };
            for p in a[2..].chunks(2) {
                h.insert(p[0].clone(), p[1].clone());
            }
        }
        "ZADD" => {
            let e = db.entry(key).or_insert((Value::ZSet(ZSet::new()), None));
            let Value::ZSet(z) = &mut e.0 else {
                return Err("type".into());
            };
            for p in a[2..].chunks(2) {
                let s: f64 = std::str::from_utf8(&p[0]).unwrap().parse().unwrap();
                z.insert(p[1].clone(), s);
            }
        }
        "PEXPIREAT" => {
            let at: u64 = std::str::from_utf8(&a[2]).unwrap().parse().unwrap();
            db.get_mut(&key).ok_or("no key")?.1 = Some(at);
        }
        other => return Err(format!("unexpected {other}")),
    }
    Ok(())
}

#[test]
fn an_rdb_preamble_is_loaded_then_the_tail_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appendonly.aof");
    let mut db = Db::new();
    db.insert_entry(
        Bytes::from_static(b"s"),
        Value::Str(Bytes::from_static(b"x")),
        Some(4_000_000_000_000),
    );
    db.insert_entry(
        Bytes::from_static(b"l"),
        Value::List((0..3000).map(|i| Bytes::from(i.to_string())).collect()),
        None,
    );
    let mut z = ZSet::new();
    z.insert(Bytes::from_static(b"m"), f64::NEG_INFINITY);
    z.insert(Bytes::from_static(b"n"), 2.5);
    db.insert_entry(Bytes::from_static(b"z"), Value::ZSet(z), None);
    let h: HashMap<Bytes, Bytes> = (0..700)
        .map(|i| (Bytes::from(format!("f{i}")), Bytes::from(format!("v{i}"))))
        .collect();
    db.insert_entry(Bytes::from_static(b"h"), Value::Hash(h), None);
    let st: HashSet<Bytes> = (0..10).map(|i| Bytes::from(format!("m{i}"))).collect();
    db.insert_entry(Bytes::from_static(b"st"), Value::Set(st), None);
    rdb::save_atomic(&path, &db, &RdbAux::default()).unwrap();
    let mut w = AofWriter::open(&path, FsyncPolicy::No).unwrap();
    w.append(&[argv(&[b"SET", b"after", b"1"])]).unwrap();
    drop(w);

    let mut rebuilt = HashMap::new();
    let report = aof::replay::<String>(&path, &mut |a| apply_simple(&mut rebuilt, a)).unwrap();
    assert_eq!(report.truncated_at, None);
    let mut expected: HashMap<Bytes, (Value, Option<u64>)> = db
        .iter()
        .map(|(k, e)| (k.clone(), (e.value.clone(), e.expire_at_ms)))
        .collect();
    expected.insert(
        Bytes::from_static(b"after"),
        (Value::Str(Bytes::from_static(b"1")), None),
    );
    assert_eq!(rebuilt, expected);
}

fn find_file(dir: &Path, suffix: &str) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {}", dir.display()))
}

#[test]
fn aof_files_written_by_redis_replay() {
    let g = common::redis_server(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut con = g.client();
    redis::cmd("SET")
        .arg("a")
        .arg("1")
        .query::<()>(&mut con)
        .unwrap();
    redis::cmd("RPUSH")
        .arg("l")
        .arg("x")
        .arg("")
        .query::<()>(&mut con)
        .unwrap();
    redis::cmd("HSET")
        .arg("h")
        .arg("f")
        .arg(b"\x00\xff".as_slice())
        .query::<()>(&mut con)
        .unwrap();
    redis::cmd("ZADD")
        .arg("z")
        .arg(1.5)
        .arg("m")
        .query::<()>(&mut con)
        .unwrap();
    redis::cmd("SADD")
        .arg("s")
        .arg(7)
        .query::<()>(&mut con)
        .unwrap();
    redis::cmd("PEXPIREAT")
        .arg("a")
        .arg(4_000_000_000_000u64)
        .query::<()>(&mut con)
        .unwrap();
    let aofdir = g.path().join("appendonlydir");
    let incr = find_file(&aofdir, ".incr.aof");
    let (got, report) = collect(&incr);
    assert_eq!(report.truncated_at, None);
    assert_eq!(
        got,
        vec![
            argv(&[b"SET", b"a", b"1"]),
            argv(&[b"RPUSH", b"l", b"x", b""]),
            argv(&[b"HSET", b"h", b"f", b"\x00\xff"]),
            argv(&[b"ZADD", b"z", b"1.5", b"m"]),
            argv(&[b"SADD", b"s", b"7"]),
            argv(&[b"PEXPIREAT", b"a", b"4000000000000"]),
        ]
    );

    // After a rewrite the base file is an RDB preamble holding the same keyspace.
    redis::cmd("BGREWRITEAOF").query::<()>(&mut con).unwrap();
    common::wait_until(Duration::from_secs(10), "aof rewrite done", || {
        let info: String = redis::cmd("INFO")
            .arg("persistence")
            .query(&mut con)
            .unwrap();
        info.contains("aof_rewrite_in_progress:0")
            && info.contains("aof_last_bgrewrite_status:ok")
            && std::fs::read_dir(&aofdir).unwrap().any(|e| {
                let p = e.unwrap().path();
                p.to_string_lossy().ends_with(".base.rdb")
            })
    });
    let base = find_file(&aofdir, ".base.rdb");
    let mut rebuilt = HashMap::new();
    aof::replay::<String>(&base, &mut |a| apply_simple(&mut rebuilt, a)).unwrap();
    assert_eq!(rebuilt.len(), 5);
    assert_eq!(
        rebuilt[&Bytes::from_static(b"a")].1,
        Some(4_000_000_000_000)
    );
    assert_eq!(
        rebuilt[&Bytes::from_static(b"l")].0,
        Value::List(VecDeque::from(vec![Bytes::from_static(b"x"), Bytes::new()]))
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn command_strategy() -> impl Strategy<Value = Vec<Bytes>> {
        prop::collection::vec(
            prop::collection::vec(any::<u8>(), 0..30).prop_map(Bytes::from),
            1..6,
        )
        .prop_filter("not SELECT/MULTI/EXEC, which replay handles itself", |a| {
            let n = &a[0];
            !(n.eq_ignore_ascii_case(b"SELECT")
                || n.eq_ignore_ascii_case(b"MULTI")
                || n.eq_ignore_ascii_case(b"EXEC"))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

        #[test]
        fn appended_commands_come_back_and_any_cut_is_a_clean_truncation(
            cmds in prop::collection::vec(command_strategy(), 1..10),
            cut in any::<prop::sample::Index>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.aof");
            let mut w = AofWriter::open(&path, FsyncPolicy::No).unwrap();
            w.append(&cmds).unwrap();
            drop(w);
            let (got, report) = collect(&path);
            prop_assert_eq!(&got, &cmds);
            prop_assert_eq!(report.truncated_at, None);

            let bytes = std::fs::read(&path).unwrap();
            let at = cut.index(bytes.len());
            std::fs::write(&path, &bytes[..at]).unwrap();
            let (got, report) = collect(&path);
            // What survives is a prefix of the commands, and the file ends where it ends.
            prop_assert!(got.len() <= cmds.len());
            prop_assert_eq!(&got[..], &cmds[..got.len()]);
            let len = std::fs::metadata(&path).unwrap().len();
            prop_assert_eq!(len, encoded(&got).len() as u64);
            prop_assert_eq!(report.truncated_at.is_some(), at != len as usize);
        }

        #[test]
        fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..600), star in any::<bool>()) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.aof");
            let mut data = data;
            if star {
                data.insert(0, b'*');
            }
            std::fs::write(&path, &data).unwrap();
            let _ = aof::replay::<String>(&path, &mut |_| Ok(()));
        }
    }
}
