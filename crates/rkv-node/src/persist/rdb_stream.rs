//! Streams in RDB (Redis's `rdbLoadObject`/`rdbSaveObject` for `OBJ_STREAM`): types 15
//! (`RDB_TYPE_STREAM_LISTPACKS`, Redis 5.0–6.2), 19 (`_2`, 7.0: first ID, max deleted ID,
//! entries added, each group's entries-read) and 21 (`_3`, 7.2: each consumer's active time).
//!
//! Entries are stored as listpack nodes keyed by their master ID (16 bytes, big-endian).
//! A node is: `count deleted n-master-fields master-field… 0`, then for each entry
//! `flags ms-delta seq-delta [n-fields field value…] | [value…] lp-count`, where flag 1 marks a
//! deleted entry and flag 2 an entry whose fields are the master's (only values stored).
//! We write nodes of at most 100 entries (Redis's default `stream-node-max-entries`), each
//! entry with the same-fields form when it can, and integers in listpack integer encodings,
//! as Redis's `lpAppend` would store them.

use super::{RdbError, Sink, Src, invalid, put_len, put_string, show_key};
use crate::persist::listpack;
use crate::store::Value;
use crate::store::stream::{Consumer, ENTRIES_READ_INVALID, Group, Nack, Stream, StreamId};
use bytes::Bytes;
use std::io::{BufRead, Write};

/// RDB type 15.
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// RDB type 19.
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// RDB type 21.
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;
/// Entries per node we write.
const NODE_ENTRIES: usize = 100;

fn corrupt(key: &[u8], what: &str) -> RdbError {
    invalid(format!("stream in key '{}': {what}", show_key(key)))
}

fn int_of(b: &Bytes, key: &[u8]) -> Result<i64, RdbError> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt(key, "a listpack field that must be an integer is not"))
}

fn count_of(b: &Bytes, key: &[u8]) -> Result<usize, RdbError> {
    usize::try_from(int_of(b, key)?).map_err(|_| corrupt(key, "negative count in a node"))
}

/// Decode one node into `(id, fields)` of its live entries, in order.
fn decode_node(
    master: StreamId,
    lp: &[u8],
    key: &[u8],
) -> Result<Vec<(StreamId, Vec<Bytes>)>, RdbError> {
    let items = listpack::entries(lp).map_err(|e| corrupt(key, &format!("bad listpack: {e}")))?;
    if items.is_empty() {
        return Err(corrupt(key, "empty listpack node"));
    }
    let mut it = items.iter();
    let mut next = || it.next().ok_or_else(|| corrupt(key, "node ends early"));
    let _count = count_of(next()?, key)?;
    let _deleted = count_of(next()?, key)?;
    let nmaster = count_of(next()?, key)?;
    let mut master_fields = Vec::with_capacity(nmaster.min(1024));
    for _ in 0..nmaster {
        master_fields.push(next()?.clone());
    }
    if int_of(next()?, key)? != 0 {
        return Err(corrupt(key, "master entry not terminated by 0"));
    }
    let mut out = Vec::new();
    loop {
        let flags = match it.next() {
            None => break,
            Some(f) => int_of(f, key)?,
        };
        let mut next = || it.next().ok_or_else(|| corrupt(key, "entry ends early"));
        let ms_delta = int_of(next()?, key)?;
        let seq_delta = int_of(next()?, key)?;
        let id = StreamId::new(
            master.ms.wrapping_add(ms_delta as u64),
            master.seq.wrapping_add(seq_delta as u64),
        );
        let mut fields = Vec::new();
        if flags & FLAG_SAMEFIELDS != 0 {
            for f in &master_fields {
                fields.push(f.clone());
                fields.push(next()?.clone());
            }
        } else {
            let n = count_of(next()?, key)?;
            for _ in 0..n {
                fields.push(next()?.clone());
                fields.push(next()?.clone());
            }
        }
        let _lp_count = next()?;
        if flags & FLAG_DELETED == 0 {
            out.push((id, fields));
        }
    }
    Ok(out)
}

fn ms_time<R: BufRead>(src: &mut Src<R>) -> Result<u64, RdbError> {
    // rdbLoadMillisecondTime: an int64, little-endian.
    Ok(i64::from_le_bytes(src.array()?).max(0) as u64)
}

fn id_pair<R: BufRead>(src: &mut Src<R>) -> Result<StreamId, RdbError> {
    Ok(StreamId::new(src.len()?, src.len()?))
}

/// Read a stream value of RDB type `t` (15, 19 or 21).
pub(super) fn read_stream<R: BufRead>(
    src: &mut Src<R>,
    t: u8,
    key: &[u8],
) -> Result<Value, RdbError> {
    let mut s = Stream::new();
    let nodes = src.len()?;
    for _ in 0..nodes {
        let nodekey = src.string()?;
        let raw: [u8; 16] = nodekey[..]
            .try_into()
            .map_err(|_| corrupt(key, "node key is not the size of a stream ID"))?;
        let master = StreamId::from_be_bytes(raw);
        let lp = src.string()?;
        for (id, fields) in decode_node(master, &lp, key)? {
            if !s.is_empty() && id <= s.last_id {
                return Err(corrupt(key, "entries out of order"));
            }
            s.append(id, fields);
        }
    }
    let length = src.len()?;
    if length != s.len() as u64 {
        return Err(corrupt(
            key,
            &format!("length {length} but {} entries", s.len()),
        ));
    }
    s.last_id = id_pair(src)?;
    if s.last_valid_id() > s.last_id {
        return Err(corrupt(key, "an entry is above the last ID"));
    }
    if t >= TYPE_STREAM_LISTPACKS_2 {
        let _first = id_pair(src)?;
        s.max_deleted_id = id_pair(src)?;
        s.entries_added = src.len()?;
    } else {
        s.max_deleted_id = StreamId::MIN;
        s.entries_added = length;
    }
    let ngroups = src.len()?;
    for _ in 0..ngroups {
        let name = src.string()?;
        let last_id = id_pair(src)?;
        let entries_read = if t >= TYPE_STREAM_LISTPACKS_2 {
            // Redis saves SCG_INVALID_ENTRIES_READ (-1) through an unsigned length.
            let v = src.len()?;
            i64::try_from(v).unwrap_or(ENTRIES_READ_INVALID)
        } else {
            s.estimate_distance(last_id)
        };
        let mut g = Group {
            last_id,
            entries_read,
            ..Group::default()
        };
        let npel = src.len()?;
        for _ in 0..npel {
            let id = StreamId::from_be_bytes(src.array()?);
            let delivery_time = ms_time(src)?;
            let delivery_count = src.len()?;
            let nack = Nack {
                delivery_time,
                delivery_count,
                consumer: Bytes::new(),
            };
            if g.pel.insert(id, nack).is_some() {
                return Err(corrupt(key, "duplicated group PEL entry"));
            }
        }
        let nconsumers = src.len()?;
        for _ in 0..nconsumers {
            let cname = src.string()?;
            let seen_time = ms_time(src)?;
            let active_time = if t >= TYPE_STREAM_LISTPACKS_3 {
                ms_time(src)?
            } else {
                seen_time
            };
            let mut c = Consumer {
                seen_time,
                active_time,
                ..Consumer::default()
            };
            let n = src.len()?;
            for _ in 0..n {
                let id = StreamId::from_be_bytes(src.array()?);
                let nack = g
                    .pel
                    .get_mut(&id)
                    .ok_or_else(|| corrupt(key, "consumer entry not found in group PEL"))?;
                nack.consumer = cname.clone();
                if !c.pel.insert(id) {
                    return Err(corrupt(key, "duplicated consumer PEL entry"));
                }
            }
            if g.consumers.insert(cname, c).is_some() {
                return Err(corrupt(key, "duplicated consumer"));
            }
        }
        if g.pel
            .values()
            .any(|n| !g.consumers.contains_key(&n.consumer))
        {
            return Err(corrupt(key, "group PEL entry without a consumer"));
        }
        if s.groups.insert(name, g).is_some() {
            return Err(corrupt(key, "duplicated consumer group"));
        }
    }
    Ok(Value::Stream(Box::new(s)))
}

/// True when RDB type 15 (RDB 9) holds the stream: the 7.0 fields it lacks are the ones a
/// loader derives from it (entries added = length, no max deleted ID, each group's read
/// counter estimated from its last ID). A group whose counter is unknown (-1) fits too: the
/// estimate a loader puts there is the one Redis uses for an unknown counter anyway (its lag
/// is the same), only XINFO's `entries-read` then shows the number instead of nil.
pub fn fits_type_15(s: &Stream) -> bool {
    s.entries_added == s.len() as u64
        && s.max_deleted_id.is_zero()
        && s.groups.values().all(|g| {
            g.entries_read == ENTRIES_READ_INVALID
                || g.entries_read == s.estimate_distance(g.last_id)
        })
}

fn encode_node(chunk: &[(&StreamId, &Vec<Bytes>)]) -> Vec<u8> {
    let (master, first_fields) = (chunk[0].0, chunk[0].1);
    let master_fields: Vec<&Bytes> = first_fields.iter().step_by(2).collect();
    let mut items: Vec<Vec<u8>> = Vec::new();
    let num = |v: i64| v.to_string().into_bytes();
    items.push(num(chunk.len() as i64));
    items.push(num(0));
    items.push(num(master_fields.len() as i64));
    for f in &master_fields {
        items.push(f.to_vec());
    }
    items.push(num(0));
    for (id, fields) in chunk {
        let n = fields.len() / 2;
        let same = n == master_fields.len()
            && fields
                .iter()
                .step_by(2)
                .zip(&master_fields)
                .all(|(a, b)| a == *b);
        items.push(num(if same { FLAG_SAMEFIELDS } else { 0 }));
        items.push(num(id.ms.wrapping_sub(master.ms) as i64));
        items.push(num(id.seq.wrapping_sub(master.seq) as i64));
        if same {
            for v in fields.iter().skip(1).step_by(2) {
                items.push(v.to_vec());
            }
            items.push(num(n as i64 + 3));
        } else {
            items.push(num(n as i64));
            for f in fields.iter() {
                items.push(f.to_vec());
            }
            items.push(num(2 * n as i64 + 4));
        }
    }
    let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
    listpack::encode(&refs)
}

/// Write the type byte, key and body of a stream: type 19 when `v2`, else type 15.
pub(super) fn write_stream<W: Write>(
    sink: &mut Sink<'_, W>,
    key: &[u8],
    s: &Stream,
    v2: bool,
) -> Result<(), RdbError> {
    let out = &mut sink.buf;
    out.push(if v2 {
        TYPE_STREAM_LISTPACKS_2
    } else {
        TYPE_STREAM_LISTPACKS
    });
    put_string(out, key);
    let entries: Vec<(&StreamId, &Vec<Bytes>)> = s.entries.iter().collect();
    put_len(out, entries.len().div_ceil(NODE_ENTRIES) as u64);
    for chunk in entries.chunks(NODE_ENTRIES) {
        put_string(&mut sink.buf, &chunk[0].0.to_be_bytes());
        let lp = encode_node(chunk);
        put_string(&mut sink.buf, &lp);
        sink.flush_if_full()?;
    }
    let out = &mut sink.buf;
    put_len(out, s.len() as u64);
    put_len(out, s.last_id.ms);
    put_len(out, s.last_id.seq);
    if v2 {
        let first = s.first_id();
        put_len(out, first.ms);
        put_len(out, first.seq);
        put_len(out, s.max_deleted_id.ms);
        put_len(out, s.max_deleted_id.seq);
        put_len(out, s.entries_added);
    }
    put_len(out, s.groups.len() as u64);
    for (name, g) in &s.groups {
        let out = &mut sink.buf;
        put_string(out, name);
        put_len(out, g.last_id.ms);
        put_len(out, g.last_id.seq);
        if v2 {
            // -1 goes through as 2^64-1, as Redis's rdbSaveLen((uint64_t)-1) writes it.
            put_len(out, g.entries_read as u64);
        }
        put_len(out, g.pel.len() as u64);
        for (id, nack) in &g.pel {
            sink.buf.extend_from_slice(&id.to_be_bytes());
            sink.buf
                .extend_from_slice(&(nack.delivery_time as i64).to_le_bytes());
            put_len(&mut sink.buf, nack.delivery_count);
            sink.flush_if_full()?;
        }
        put_len(&mut sink.buf, g.consumers.len() as u64);
        for (cname, c) in &g.consumers {
            put_string(&mut sink.buf, cname);
            sink.buf
                .extend_from_slice(&(c.seen_time as i64).to_le_bytes());
            put_len(&mut sink.buf, c.pel.len() as u64);
            for id in &c.pel {
                sink.buf.extend_from_slice(&id.to_be_bytes());
            }
            sink.flush_if_full()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::rdb::{RdbAux, read_rdb, write_rdb_version};
    use crate::store::Db;

    fn sample() -> Stream {
        let mut s = Stream::new();
        let f = |v: &[&str]| {
            v.iter()
                .map(|x| Bytes::from(x.to_string()))
                .collect::<Vec<_>>()
        };
        for i in 1..=230u64 {
            // Same fields mostly (the master-entry form), another shape now and then, numbers
            // of every listpack width, an ID gap that makes a negative sequence delta.
            let fields = if i % 7 == 0 {
                f(&["other", "-70000", "x", ""])
            } else {
                f(&["n", &(i * 1_000_003).to_string(), "tag", "t"])
            };
            s.append_with(StreamId::new(i * 10, 230 - i), fields, 100, 4096);
        }
        s.delete(&[StreamId::new(20, 228), StreamId::new(1500, 80)]);
        let mut g = Group {
            last_id: StreamId::new(40, 226),
            entries_read: 4,
            ..Group::default()
        };
        for (id, c) in [
            (StreamId::new(10, 229), "alice"),
            (StreamId::new(30, 227), "bob"),
        ] {
            g.pel.insert(
                id,
                Nack {
                    delivery_time: 1_700_000_000_123,
                    delivery_count: 2,
                    consumer: Bytes::from(c),
                },
            );
            g.consumers
                .entry(Bytes::from(c))
                .or_default()
                .pel
                .insert(id);
        }
        g.consumers.insert(Bytes::from("idle"), Consumer::default());
        for c in g.consumers.values_mut() {
            c.seen_time = 1_700_000_000_999;
            c.active_time = c.seen_time;
        }
        s.groups.insert(Bytes::from("g"), g);
        s.groups.insert(
            Bytes::from("unread"),
            Group {
                entries_read: ENTRIES_READ_INVALID,
                ..Group::default()
            },
        );
        s
    }

    fn round_trip(s: &Stream, version: u32) -> Stream {
        let mut db = Db::new();
        db.insert_entry(Bytes::from("k"), Value::Stream(Box::new(s.clone())), None);
        let mut out = Vec::new();
        write_rdb_version(&mut out, &db, &RdbAux::default(), version).unwrap();
        let (back, _) = read_rdb(&mut &out[..]).unwrap();
        match back.get(b"k").map(|e| e.value.clone()) {
            Some(Value::Stream(s)) => *s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn streams_round_trip_through_type_19_and_lose_only_7_0_fields_in_type_15() {
        let s = sample();
        let back = round_trip(&s, 10);
        assert_eq!(back.entries, s.entries);
        assert_eq!(
            (back.last_id, back.entries_added, back.max_deleted_id),
            (s.last_id, s.entries_added, s.max_deleted_id)
        );
        assert_eq!(back.groups, s.groups);
        assert!(!fits_type_15(&s));

        let old = round_trip(&s, 9);
        assert_eq!(old.entries, s.entries);
        assert_eq!(old.entries_added, s.len() as u64);
        assert!(old.max_deleted_id.is_zero());
        let g = &old.groups[&Bytes::from("g")];
        assert_eq!(g.pel, s.groups[&Bytes::from("g")].pel);
        assert_eq!(g.entries_read, old.estimate_distance(g.last_id));

        // An empty stream keeps its last ID and groups.
        let mut e = Stream::new();
        e.last_id = StreamId::new(5, 5);
        e.entries_added = 1;
        let back = round_trip(&e, 10);
        assert_eq!(
            (back.len(), back.last_id, back.entries_added),
            (0, e.last_id, 1)
        );
    }

    #[test]
    fn older_rdb_versions_refuse_a_stream() {
        let mut db = Db::new();
        db.insert_entry(Bytes::from("k"), Value::Stream(Box::new(sample())), None);
        let mut out = Vec::new();
        let e = write_rdb_version(&mut out, &db, &RdbAux::default(), 8).unwrap_err();
        assert!(e.to_string().contains("streams need 9"), "{e}");
    }
}
