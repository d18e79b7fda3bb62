//! The stream value type (Redis's t_stream.c data model): entries by ID in order, the
//! stream's counters, and its consumer groups with their pending-entries lists.
//!
//! # Representation
//! Entries live in a `BTreeMap<StreamId, Vec<Bytes>>` (flat field/value pairs), not in
//! Redis's radix tree of listpack nodes. The listpack layout saves memory (entries that share
//! the node's master fields store only values, and small numbers are delta-encoded), roughly
//! 3–5× less than one heap `Vec` of `Bytes` (32 bytes per field plus its allocation) per entry.
//! We take the simpler structure because every operation here (append at the end, range
//! scans both ways, delete by ID, trim at the front) is O(log n) on a B-tree with no node
//! splitting, tombstones or compaction to get right, and RDB's listpacks are rebuilt only
//! when a snapshot is written.
//!
//! What Redis's node boundaries decide is still observable: approximate trimming (`~`)
//! removes whole nodes only, and XINFO reports `radix-tree-keys`. So [`Stream`] keeps a
//! lightweight index of virtual nodes ([`NodeMeta`]) that follows Redis's rules for when an
//! append opens a new node (`stream-node-max-entries`, `stream-node-max-bytes` with an
//! estimate of the listpack's size) and when a node disappears (its last live entry deleted).

use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// `stream-node-max-entries` (CONFIG SET updates it; 0 means no limit).
pub static NODE_MAX_ENTRIES: AtomicU64 = AtomicU64::new(100);
/// `stream-node-max-bytes` (CONFIG SET updates it; 0 means no limit).
pub static NODE_MAX_BYTES: AtomicU64 = AtomicU64::new(4096);

/// A stream entry ID: milliseconds and sequence, ordered as a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The smallest ID, `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// A new ID.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID, or None past the largest.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous ID, or None before `0-0`.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    /// True for `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The 16-byte big-endian form Redis uses as rax keys and in RDB PELs.
    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    /// Read the 16-byte big-endian form.
    pub fn from_be_bytes(b: [u8; 16]) -> StreamId {
        let mut ms = [0u8; 8];
        let mut seq = [0u8; 8];
        ms.copy_from_slice(&b[..8]);
        seq.copy_from_slice(&b[8..]);
        StreamId::new(u64::from_be_bytes(ms), u64::from_be_bytes(seq))
    }

    /// The `ms-seq` text as a reply.
    pub fn to_bytes(self) -> Bytes {
        Bytes::from(self.to_string())
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// A pending entry of a group (Redis's `streamNACK`).
#[derive(Debug, Clone, PartialEq)]
pub struct Nack {
    /// Unix ms of the last delivery.
    pub delivery_time: u64,
    /// How many times it was delivered.
    pub delivery_count: u64,
    /// The consumer that owns it.
    pub consumer: Bytes,
}

/// A consumer of a group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Consumer {
    /// Unix ms the consumer was last seen (any read or claim attempt).
    pub seen_time: u64,
    /// Unix ms of its last successful read or claim (Redis 7.2's field; 7.0 keeps only
    /// seen-time, and we carry it through RDB type 21 files).
    pub active_time: u64,
    /// The IDs it owns; each is also in the group's PEL with the [`Nack`].
    pub pel: BTreeSet<StreamId>,
}

/// Redis's `SCG_INVALID_ENTRIES_READ`: the group's read counter is unknown.
pub const ENTRIES_READ_INVALID: i64 = -1;

/// A consumer group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    /// The last ID delivered to any consumer.
    pub last_id: StreamId,
    /// The logical read counter, or [`ENTRIES_READ_INVALID`].
    pub entries_read: i64,
    /// The group's pending entries.
    pub pel: BTreeMap<StreamId, Nack>,
    /// Its consumers by name (Redis keeps them in a rax: byte order, as here).
    pub consumers: BTreeMap<Bytes, Consumer>,
}

/// One virtual listpack node: its entry count including deleted ones, live entries, and the
/// estimated listpack size (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NodeMeta {
    /// Entries ever appended to the node (live + deleted).
    pub total: u64,
    /// Live entries.
    pub live: u64,
    /// Estimated listpack bytes.
    pub bytes: u64,
}

/// A stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stream {
    /// Entries: ID → flat field/value pairs.
    pub entries: BTreeMap<StreamId, Vec<Bytes>>,
    /// The last ID generated (or set by XSETID).
    pub last_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    /// The largest ID ever deleted by XDEL (0-0: none).
    pub max_deleted_id: StreamId,
    /// Consumer groups by name.
    pub groups: BTreeMap<Bytes, Group>,
    /// Virtual listpack nodes by their first ID (the master ID).
    pub nodes: BTreeMap<StreamId, NodeMeta>,
}

/// Estimated listpack bytes of one element.
fn lp_elem(b: &[u8]) -> u64 {
    let n = b.len() as u64;
    if n <= 12 && b.iter().all(u8::is_ascii_digit) {
        3
    } else if n < 64 {
        n + 2
    } else if n < 4096 {
        n + 4
    } else {
        n + 10
    }
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True with no entries (a stream key may still exist empty, unlike other types).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry's ID, or 0-0 when empty (Redis's `first_id`).
    pub fn first_id(&self) -> StreamId {
        self.entries.keys().next().copied().unwrap_or_default()
    }

    /// The last live entry's ID, or 0-0 when empty (`streamLastValidID`).
    pub fn last_valid_id(&self) -> StreamId {
        self.entries.keys().next_back().copied().unwrap_or_default()
    }

    /// Append an entry with an ID already checked to be above `last_id`; updates the
    /// counters and the node index. Used by XADD and by RDB loading.
    pub fn append(&mut self, id: StreamId, fields: Vec<Bytes>) {
        self.append_with(
            id,
            fields,
            NODE_MAX_ENTRIES.load(Ordering::Relaxed),
            NODE_MAX_BYTES.load(Ordering::Relaxed),
        );
    }

    /// [`Stream::append`] with explicit node limits (0: no limit).
    pub fn append_with(
        &mut self,
        id: StreamId,
        fields: Vec<Bytes>,
        max_entries: u64,
        max_bytes: u64,
    ) {
        let size: u64 = fields.iter().map(|f| lp_elem(f)).sum::<u64>() + 12;
        let fits = self.nodes.values().next_back().is_some_and(|n| {
            (max_entries == 0 || n.total < max_entries)
                && (max_bytes == 0 || n.bytes + size < max_bytes)
        });
        if fits && let Some(n) = self.nodes.values_mut().next_back() {
            n.total += 1;
            n.live += 1;
            n.bytes += size;
        } else {
            // A new node's master entry repeats the field names.
            let master: u64 = fields.iter().step_by(2).map(|f| lp_elem(f)).sum::<u64>() + 16;
            self.nodes.insert(
                id,
                NodeMeta {
                    total: 1,
                    live: 1,
                    bytes: master + size,
                },
            );
        }
        self.entries.insert(id, fields);
        self.last_id = id;
        self.entries_added += 1;
    }

    fn node_of(&self, id: StreamId) -> Option<StreamId> {
        self.nodes.range(..=id).next_back().map(|(k, _)| *k)
    }

    /// Remove one entry (without touching max_deleted_id); true when it existed.
    fn remove_entry(&mut self, id: StreamId) -> bool {
        if self.entries.remove(&id).is_none() {
            return false;
        }
        if let Some(k) = self.node_of(id)
            && let Some(n) = self.nodes.get_mut(&k)
        {
            n.live = n.live.saturating_sub(1);
            if n.live == 0 {
                self.nodes.remove(&k);
            }
        }
        true
    }

    /// XDEL: remove entries, recording the largest deleted ID. Returns how many went.
    pub fn delete(&mut self, ids: &[StreamId]) -> u64 {
        let mut n = 0;
        for id in ids {
            if self.remove_entry(*id) {
                n += 1;
                if *id > self.max_deleted_id {
                    self.max_deleted_id = *id;
                }
            }
        }
        n
    }

    /// Redis's `streamTrim`: remove entries from the front while the stream is longer than
    /// `maxlen` (MAXLEN) or below `minid` (MINID). With `approx` only whole nodes go; `limit`
    /// (0: none) caps the entries removed, counted in whole nodes as Redis does.
    pub fn trim(&mut self, strategy: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        while let Some((&master, &meta)) = self.nodes.iter().next() {
            if let Trim::MaxLen(maxlen) = strategy
                && self.len() as u64 <= maxlen
            {
                break;
            }
            let entries = meta.live;
            if limit > 0 && deleted + entries > limit {
                break;
            }
            let next_master = self.nodes.range(master..).nth(1).map(|(k, _)| *k);
            let node_ids: Vec<StreamId> = match next_master {
                Some(nm) => self.entries.range(master..nm).map(|(k, _)| *k).collect(),
                None => self.entries.range(master..).map(|(k, _)| *k).collect(),
            };
            let remove_node = match strategy {
                Trim::MaxLen(maxlen) => self.len() as u64 - entries >= maxlen,
                Trim::MinId(minid) => node_ids.last().is_some_and(|l| *l < minid),
            };
            if remove_node {
                for id in &node_ids {
                    self.entries.remove(id);
                }
                self.nodes.remove(&master);
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            for id in node_ids {
                let stop = match strategy {
                    Trim::MaxLen(maxlen) => self.len() as u64 <= maxlen,
                    Trim::MinId(minid) => id >= minid,
                };
                if stop {
                    break;
                }
                self.remove_entry(id);
                deleted += 1;
            }
            break;
        }
        deleted
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`,
    /// or [`ENTRIES_READ_INVALID`] when it cannot be known.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return 0;
        }
        if self.is_empty() && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        } else if id > self.last_id {
            return ENTRIES_READ_INVALID;
        }
        let first = self.first_id();
        if self.max_deleted_id.is_zero() || self.max_deleted_id < first {
            if id < first {
                return added - self.len() as i64;
            } else if id == first {
                return added - self.len() as i64 + 1;
            }
        }
        ENTRIES_READ_INVALID
    }

    /// Redis's `streamRangeHasTombstones` from `start` to the end.
    pub fn range_has_tombstones(&self, start: StreamId) -> bool {
        if self.is_empty() || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id() > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id
    }

    /// The group's lag (`streamReplyWithCGLag`), None when it cannot be known.
    pub fn group_lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != ENTRIES_READ_INVALID && !self.range_has_tombstones(g.last_id) {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        let er = self.estimate_distance(g.last_id);
        (er != ENTRIES_READ_INVALID).then(|| self.entries_added as i64 - er)
    }

    /// Number of virtual nodes (XINFO's `radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

/// A trimming strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove entries below this ID.
    MinId(StreamId),
}

/// The commands that rebuild `s` under `key` from nothing, as Redis's AOF rewrite
/// (`rewriteStreamObject`) emits them: the entries as XADD, XSETID for the counters, each
/// group as XGROUP CREATE … ENTRIESREAD, consumers without pending entries as XGROUP
/// CREATECONSUMER, and each pending entry as an idempotent XCLAIM … FORCE JUSTID. (A pending
/// entry whose message was deleted cannot be recreated this way; Redis loses it too.)
pub fn stream_commands(key: &Bytes, s: &Stream) -> Vec<Vec<Bytes>> {
    let w = Bytes::from_static;
    let num = |n: u64| Bytes::from(n.to_string());
    let mut out = Vec::new();
    if s.is_empty() {
        // XADD then trim to nothing creates the key (as Redis does); XSETID below then sets
        // the real last ID and counters. 0-0 is not a valid XADD ID, so an untouched stream
        // (XGROUP CREATE … MKSTREAM) is created at 0-1 and set back to 0-0.
        let id = if s.last_id.is_zero() {
            StreamId::new(0, 1)
        } else {
            s.last_id
        };
        out.push(vec![
            w(b"XADD"),
            key.clone(),
            w(b"MAXLEN"),
            w(b"0"),
            id.to_bytes(),
            w(b"x"),
            w(b"y"),
        ]);
    } else {
        for (id, fields) in &s.entries {
            let mut cmd = vec![w(b"XADD"), key.clone(), id.to_bytes()];
            cmd.extend(fields.iter().cloned());
            out.push(cmd);
        }
    }
    out.push(vec![
        w(b"XSETID"),
        key.clone(),
        s.last_id.to_bytes(),
        w(b"ENTRIESADDED"),
        num(s.entries_added),
        w(b"MAXDELETEDID"),
        s.max_deleted_id.to_bytes(),
    ]);
    for (name, g) in &s.groups {
        out.push(vec![
            w(b"XGROUP"),
            w(b"CREATE"),
            key.clone(),
            name.clone(),
            g.last_id.to_bytes(),
            w(b"ENTRIESREAD"),
            Bytes::from(g.entries_read.to_string()),
        ]);
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                out.push(vec![
                    w(b"XGROUP"),
                    w(b"CREATECONSUMER"),
                    key.clone(),
                    name.clone(),
                    cname.clone(),
                ]);
            }
        }
        for (id, nack) in &g.pel {
            out.push(vec![
                w(b"XCLAIM"),
                key.clone(),
                name.clone(),
                nack.consumer.clone(),
                w(b"0"),
                id.to_bytes(),
                w(b"TIME"),
                num(nack.delivery_time),
                w(b"RETRYCOUNT"),
                num(nack.delivery_count),
                w(b"JUSTID"),
                w(b"FORCE"),
            ]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s_with(n: u64) -> Stream {
        let mut s = Stream::new();
        for i in 1..=n {
            s.append_with(
                StreamId::new(i, 0),
                vec![Bytes::from_static(b"f"), Bytes::from_static(b"v")],
                100,
                4096,
            );
        }
        s
    }

    #[test]
    fn ids_step_and_encode() {
        assert_eq!(StreamId::new(1, u64::MAX).incr(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(StreamId::new(2, 0).decr(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.decr(), None);
        let id = StreamId::new(7, 9);
        assert_eq!(StreamId::from_be_bytes(id.to_be_bytes()), id);
        assert_eq!(id.to_string(), "7-9");
    }

    #[test]
    fn nodes_follow_max_entries_and_approx_trim_removes_whole_nodes() {
        let mut s = s_with(250);
        assert_eq!(s.node_count(), 3);
        // ~ 120: only the first node (100 entries) can go whole.
        assert_eq!(s.trim(Trim::MaxLen(120), true, 0), 100);
        assert_eq!(s.len(), 150);
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(s.first_id(), StreamId::new(131, 0));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(140, 0)), false, 0), 9);
        assert_eq!(s.len(), 111);
    }

    #[test]
    fn delete_tracks_max_deleted_and_node_removal() {
        let mut s = s_with(3);
        assert_eq!(s.delete(&[StreamId::new(2, 0), StreamId::new(9, 0)]), 1);
        assert_eq!(s.max_deleted_id, StreamId::new(2, 0));
        assert_eq!(s.delete(&[StreamId::new(1, 0), StreamId::new(3, 0)]), 2);
        assert_eq!(s.node_count(), 0);
        assert_eq!(s.first_id(), StreamId::MIN);
        assert_eq!(s.entries_added, 3);
    }

    #[test]
    fn lag_and_distance_follow_redis() {
        let mut s = s_with(5);
        let mut g = Group {
            entries_read: ENTRIES_READ_INVALID,
            ..Group::default()
        };
        assert_eq!(s.group_lag(&g), Some(5));
        g.last_id = StreamId::new(3, 0);
        assert_eq!(s.group_lag(&g), None);
        g.entries_read = 3;
        assert_eq!(s.group_lag(&g), Some(2));
        s.delete(&[StreamId::new(4, 0)]);
        assert_eq!(s.group_lag(&g), None);
        assert_eq!(s.estimate_distance(StreamId::new(5, 0)), 5);
    }
}
