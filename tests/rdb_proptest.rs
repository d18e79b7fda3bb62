//! Property tests for the RDB reader and writer: any keyspace survives write → read
//! unchanged, and random or mutated bytes never panic the reader (they load or are refused).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use proptest::prelude::*;
use rkv::persist::rdb::{self, RdbAux};
use rkv::store::{Db, Value, ZSet};
use std::collections::HashMap;

fn bytes_strategy() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        // Arbitrary binary.
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Bytes::from),
        // Integer-looking strings (integer encodings, and near misses such as "007").
        any::<i64>().prop_map(|i| Bytes::from(i.to_string())),
        (0u8..10, 0u32..100_000)
            .prop_map(|(z, n)| Bytes::from(format!("{}{n}", "0".repeat(z as usize % 3)))),
        // Long repetitive strings (LZF).
        (prop::collection::vec(any::<u8>(), 1..6), 5usize..200)
            .prop_map(|(unit, n)| Bytes::from(unit.repeat(n))),
    ]
}

fn score_strategy() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("not NaN", |f| !f.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        (-1000i32..1000).prop_map(f64::from),
    ]
}

fn value_strategy() -> impl Strategy<Value = Value> {
    prop_oneof![
        bytes_strategy().prop_map(Value::Str),
        prop::collection::vec_deque(bytes_strategy(), 1..30).prop_map(Value::List),
        prop::collection::hash_map(bytes_strategy(), bytes_strategy(), 1..30).prop_map(Value::Hash),
        prop::collection::hash_set(bytes_strategy(), 1..30).prop_map(Value::Set),
        prop::collection::vec((bytes_strategy(), score_strategy()), 1..30).prop_map(|pairs| {
            let mut z = ZSet::new();
            for (m, s) in pairs {
                z.insert(m, s);
            }
            Value::ZSet(z)
        }),
    ]
}

fn db_strategy() -> impl Strategy<Value = Vec<(Bytes, Value, Option<u64>)>> {
    prop::collection::vec(
        (
            bytes_strategy(),
            value_strategy(),
            prop::option::of(0u64..=i64::MAX as u64),
        ),
        0..20,
    )
}

fn build(entries: Vec<(Bytes, Value, Option<u64>)>) -> Db {
    let mut db = Db::new();
    for (k, v, e) in entries {
        db.insert_entry(k, v, e);
    }
    db
}

fn as_map(db: &Db) -> HashMap<Bytes, (Value, Option<u64>)> {
    db.iter()
        .map(|(k, e)| (k.clone(), (e.value.clone(), e.expire_at_ms)))
        .collect()
}

fn sample_file() -> Vec<u8> {
    let mut db = Db::new();
    db.insert_entry(
        Bytes::from_static(b"s"),
        Value::Str(Bytes::from("ab".repeat(40))),
        Some(5),
    );
    db.insert_entry(
        Bytes::from_static(b"i"),
        Value::Str(Bytes::from_static(b"-1234")),
        None,
    );
    db.insert_entry(
        Bytes::from_static(b"l"),
        Value::List((0..5).map(|i| Bytes::from(i.to_string())).collect()),
        None,
    );
    let mut z = ZSet::new();
    z.insert(Bytes::from_static(b"m"), 1.5);
    db.insert_entry(Bytes::from_static(b"z"), Value::ZSet(z), None);
    db.insert_entry(
        Bytes::from_static(b"h"),
        Value::Hash([(Bytes::from_static(b"f"), Bytes::from_static(b"v"))].into()),
        None,
    );
    db.insert_entry(
        Bytes::from_static(b"t"),
        Value::Set([Bytes::from_static(b"x")].into()),
        None,
    );
    let mut out = Vec::new();
    rdb::write_rdb(
        &mut out,
        &db,
        &RdbAux {
            repl_id: Some("a".repeat(40)),
            repl_offset: Some(9),
        },
    )
    .unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn write_then_read_is_identity(entries in db_strategy(), offset in any::<u64>()) {
        let db = build(entries);
        let aux = RdbAux { repl_id: Some("0123456789abcdef0123456789abcdef01234567".into()), repl_offset: Some(offset) };
        let mut out = Vec::new();
        rdb::write_rdb(&mut out, &db, &aux).unwrap();
        let (back, back_aux) = rdb::read_rdb(&mut out.as_slice()).unwrap();
        prop_assert_eq!(back_aux, aux);
        prop_assert_eq!(as_map(&back), as_map(&db));
    }

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = rdb::read_rdb(&mut data.as_slice());
        let mut with_magic = b"REDIS0010".to_vec();
        with_magic.extend_from_slice(&data);
        let _ = rdb::read_rdb(&mut with_magic.as_slice());
    }

    #[test]
    fn mutated_files_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        zero_crc in any::<bool>(),
    ) {
        let original = sample_file();
        let mut file = original.clone();
        let n = file.len();
        if zero_crc {
            // A zero checksum disables the check, so the mutated content itself is parsed to
            // the end and may load.
            file[n - 8..].fill(0);
        }
        let mut changed = false;
        for (at, byte) in edits {
            let i = 9 + at.index(n - 17);
            changed |= file[i] != byte;
            file[i] = byte;
        }
        if truncate {
            file.truncate(cut.index(n));
        }
        match rdb::read_rdb(&mut file.as_slice()) {
            // What must hold of a file that loads: what it holds came from its bytes. A mutated
            // length can make the reader see more, smaller entries than were written (so no
            // bound on the count of the sample's keys holds), but every entry takes at least
            // three bytes (a type, a key length, a value), so no file yields more keys than that.
            Ok((db, _)) => {
                prop_assert!(db.len() * 3 <= file.len(), "{} keys from {} bytes", db.len(), file.len());
                // An unchanged, untruncated file (checksum zeroed or not) is the sample itself.
                if !changed && !truncate {
                    prop_assert_eq!(as_map(&db), as_map(&rdb::read_rdb(&mut original.as_slice()).unwrap().0));
                }
            }
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                // Only a change of content or length may make the sample unreadable.
                prop_assert!(changed || truncate, "the unchanged sample was refused: {e}");
            }
        }
        // A valid file cut short never loads: the reader needs the EOF opcode and the checksum.
        if truncate && !changed {
            prop_assert!(rdb::read_rdb(&mut file.as_slice()).is_err());
        }
    }
}

#[test]
fn the_sample_file_itself_loads() {
    let file = sample_file();
    let (db, aux) = rdb::read_rdb(&mut file.as_slice()).unwrap();
    assert_eq!(db.len(), 6);
    assert_eq!(aux.repl_offset, Some(9));
}

#[test]
fn a_flipped_byte_fails_the_checksum() {
    let mut file = sample_file();
    // Change a value byte that keeps the structure valid: the 'v' of hash field "f".
    let pos = file.windows(4).position(|w| w == b"\x01f\x01v").unwrap() + 3;
    file[pos] = b'w';
    let err = rdb::read_rdb(&mut file.as_slice()).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
}
