//! The keyspace of one database: keys, values, expiry times, per-key versions and the
//! counters INFO reports.
//!
//! `new/len/is_empty/insert_entry/iter/clear/expires_count/expire_cycle` and [`Entry`] are
//! what other modules use (RDB loading/saving, the server's expiry cycle).
//!
//! # Layout and why
//! The main map is an insertion-ordered hash map ([`IndexMap`]) with a fast non-cryptographic
//! hasher (foldhash, randomly seeded per process, so hash flooding is not predictable from
//! outside). Dense positions give two things a plain hash map cannot:
//! - RANDOMKEY and expiry sampling pick a uniformly random position in O(1);
//! - SCAN walks positions from the end towards the start. Removal is `swap_remove` (the last
//!   key moves into the hole) and insertion appends, so a key never moves from a
//!   not-yet-visited position (below the cursor) to a visited one (at or above it).
//!   **Guarantee: a key present for the whole scan is returned at least once**; keys added
//!   or removed during the scan may or may not be returned, and a key may be returned twice.
//!
//! Keys with a time to live are also kept in a separate ordered set, so the active expiry
//! cycle samples only keys that can expire (as Redis samples its `expires` dict).
//!
//! Versions (for WATCH) come from one per-database clock: every change to a key stamps it
//! with a new clock value, and every removal stamps `last_delete`; a missing key reports
//! `last_delete`. So a key's version changes on every change, creation, deletion and expiry.
//! The price is a false positive: a watched *missing* key looks changed when any other key is
//! removed (EXEC then aborts, which is safe).

use super::Value;
use bytes::Bytes;
use foldhash::fast::RandomState;
use indexmap::{IndexMap, IndexSet};
use std::hash::{BuildHasher, Hasher};

/// A value and its absolute expiry time (Unix milliseconds), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// When the key expires, in Unix milliseconds.
    pub expire_at_ms: Option<u64>,
}

/// Counters INFO's `stats` section reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Reads that found their key.
    pub keyspace_hits: u64,
    /// Reads that did not.
    pub keyspace_misses: u64,
    /// Keys deleted because their time to live passed (passively or by the cycle).
    pub expired_keys: u64,
}

/// What an access found about a key's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryCheck {
    /// The key is absent, or present and not past its expiry.
    NotExpired,
    /// Past its expiry but kept (a replica waits for its master's DEL): reads as missing.
    Hidden,
    /// Past its expiry and deleted now (a master): the caller propagates `DEL key`.
    Deleted,
}

#[derive(Debug, Clone)]
struct Slot {
    entry: Entry,
    version: u64,
}

/// One database's keyspace. Cloning copies the tables as they are (no rehashing): that is
/// how a snapshot for BGSAVE or a full sync is taken under the server's lock.
#[derive(Debug, Clone)]
pub struct Db {
    map: IndexMap<Bytes, Slot, RandomState>,
    expires: IndexSet<Bytes, RandomState>,
    clock: u64,
    last_delete: u64,
    rng: u64,
    /// Hit/miss/expiry counters for INFO.
    pub stats: Stats,
}

impl Default for Db {
    fn default() -> Db {
        // Seed the sampling generator from std's per-process random keys; xorshift must not
        // start at zero.
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            | 1;
        Db {
            map: IndexMap::default(),
            expires: IndexSet::default(),
            clock: 0,
            last_delete: 0,
            rng: seed,
            stats: Stats::default(),
        }
    }
}

impl Db {
    /// An empty keyspace.
    pub fn new() -> Db {
        Db::default()
    }

    /// Number of keys, including ones past their expiry not yet reclaimed.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn random_below(&mut self, n: usize) -> usize {
        // xorshift64*: plenty for sampling, and keeps Db free of a global RNG.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (r % n.max(1) as u64) as usize
    }

    /// Make room for `additional` more keys (a snapshot's RESIZEDB hint), so loading a large
    /// snapshot does not rehash the table over and over.
    pub fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// Insert a key as loaded from a snapshot or a full sync (no propagation, no checks).
    pub fn insert_entry(&mut self, key: Bytes, value: Value, expire_at_ms: Option<u64>) {
        self.set(key, value, expire_at_ms);
    }

    /// Every key with its entry, in no particular order (for snapshots).
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Entry)> {
        self.map.iter().map(|(k, s)| (k, &s.entry))
    }

    /// Every key, in position order (including keys past expiry not yet reclaimed).
    pub fn keys(&self) -> impl Iterator<Item = &Bytes> {
        self.map.keys()
    }

    /// Remove every key.
    pub fn clear(&mut self) {
        self.map.clear();
        self.expires.clear();
        self.last_delete = self.tick();
    }

    /// Number of keys with an expiry time (INFO keyspace `expires=`).
    pub fn expires_count(&self) -> usize {
        self.expires.len()
    }

    /// The entry under `key`, ignoring expiry (callers check [`Db::check_expiry`] first).
    pub fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.map.get(key).map(|s| &s.entry)
    }

    /// The entry under `key` for a reading command, counting a keyspace hit or miss
    /// (callers check [`Db::check_expiry`] first).
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&Entry> {
        match self.map.get(key) {
            Some(s) => {
                self.stats.keyspace_hits += 1;
                Some(&s.entry)
            }
            None => {
                self.stats.keyspace_misses += 1;
                None
            }
        }
    }

    /// One-hash read for a reading command: applies expiry (deleting on a master, hiding on a
    /// replica), counts the hit or miss, and returns the live entry with what expiry did.
    pub fn read_live(
        &mut self,
        key: &[u8],
        now_ms: u64,
        delete: bool,
    ) -> (Option<&Entry>, ExpiryCheck) {
        match self.expire_index(key, now_ms, delete) {
            (Some(i), ExpiryCheck::NotExpired) => {
                self.stats.keyspace_hits += 1;
                (
                    self.map.get_index(i).map(|(_, s)| &s.entry),
                    ExpiryCheck::NotExpired,
                )
            }
            (_, c) => {
                self.stats.keyspace_misses += 1;
                (None, c)
            }
        }
    }

    /// One-hash access for a writing command: on a master (`delete`) an expired key is
    /// reclaimed first; on a replica it still counts as present. Stamps the key's version.
    pub fn write_live(
        &mut self,
        key: &[u8],
        now_ms: u64,
        delete: bool,
    ) -> (Option<&mut Value>, ExpiryCheck) {
        let (idx, check) = self.expire_index(key, now_ms, delete);
        match idx {
            Some(i) => {
                let v = self.tick();
                let value = self.map.get_index_mut(i).map(|(_, s)| {
                    s.version = v;
                    &mut s.entry.value
                });
                (value, ExpiryCheck::NotExpired)
            }
            None => (None, check),
        }
    }

    /// Find `key`'s position and apply expiry: `(Some(i), NotExpired|Hidden)` when stored,
    /// `(None, Deleted)` when just reclaimed, `(None, NotExpired)` when absent.
    fn expire_index(
        &mut self,
        key: &[u8],
        now_ms: u64,
        delete: bool,
    ) -> (Option<usize>, ExpiryCheck) {
        let Some(i) = self.map.get_index_of(key) else {
            return (None, ExpiryCheck::NotExpired);
        };
        let expired = self
            .map
            .get_index(i)
            .and_then(|(_, s)| s.entry.expire_at_ms)
            .is_some_and(|t| t <= now_ms);
        if !expired {
            return (Some(i), ExpiryCheck::NotExpired);
        }
        if !delete {
            return (Some(i), ExpiryCheck::Hidden);
        }
        if let Some((k, _)) = self.map.swap_remove_index(i) {
            self.expires.swap_remove(&k);
        }
        self.last_delete = self.tick();
        self.stats.expired_keys += 1;
        (None, ExpiryCheck::Deleted)
    }

    /// The value under `key` for changing it in place; stamps the key's version, so call it
    /// only when about to change the value.
    pub fn value_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        let v = self.tick();
        self.map.get_mut(key).map(|s| {
            s.version = v;
            &mut s.entry.value
        })
    }

    /// True when the key is stored (expired or not).
    pub fn contains(&self, key: &[u8]) -> bool {
        self.map.contains_key(key)
    }

    /// Store `value` under `key` with the given expiry, replacing any previous value and TTL.
    pub fn set(&mut self, key: Bytes, value: Value, expire_at_ms: Option<u64>) {
        let version = self.tick();
        if expire_at_ms.is_some() {
            self.expires.insert(key.clone());
        }
        let (idx, old) = self.map.insert_full(
            key,
            Slot {
                entry: Entry {
                    value,
                    expire_at_ms,
                },
                version,
            },
        );
        // Only a key that had a TTL can be in the expiry index: skip that hash otherwise.
        if expire_at_ms.is_none()
            && old.is_some_and(|o| o.entry.expire_at_ms.is_some())
            && let Some((k, _)) = self.map.get_index(idx)
        {
            let k = k.clone();
            self.expires.swap_remove(&k);
        }
    }

    /// Store `value` under `key`, keeping the key's current expiry if it has one.
    pub fn set_keep_ttl(&mut self, key: Bytes, value: Value) {
        let version = self.tick();
        match self.map.get_mut(&key) {
            Some(slot) => {
                slot.entry.value = value;
                slot.version = version;
            }
            None => {
                self.map.insert(
                    key,
                    Slot {
                        entry: Entry {
                            value,
                            expire_at_ms: None,
                        },
                        version,
                    },
                );
            }
        }
    }

    /// Remove a key; returns its entry if it was stored.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let slot = self.map.swap_remove(key)?;
        if slot.entry.expire_at_ms.is_some() {
            self.expires.swap_remove(key);
        }
        self.last_delete = self.tick();
        Some(slot.entry)
    }

    /// The key's expiry time, if it is stored and has one.
    pub fn expire_at(&self, key: &[u8]) -> Option<u64> {
        self.map.get(key).and_then(|s| s.entry.expire_at_ms)
    }

    /// Set or clear a stored key's expiry; false when the key is not stored.
    pub fn set_expire(&mut self, key: &[u8], at_ms: Option<u64>) -> bool {
        let version = self.tick();
        let Some((_, k, slot)) = self.map.get_full_mut(key) else {
            return false;
        };
        slot.entry.expire_at_ms = at_ms;
        slot.version = version;
        if at_ms.is_some() {
            let k = k.clone();
            self.expires.insert(k);
        } else {
            self.expires.swap_remove(key);
        }
        true
    }

    /// The key's version for WATCH: changes whenever the key is created, changed, given or
    /// stripped of a TTL, deleted or expired (see the module docs for the one false positive).
    pub fn version(&self, key: &[u8]) -> u64 {
        self.map.get(key).map_or(self.last_delete, |s| s.version)
    }

    /// Whether `key` is past its expiry at `now_ms`; on a master (`delete`) such a key is
    /// removed and counted in `expired_keys`.
    pub fn check_expiry(&mut self, key: &[u8], now_ms: u64, delete: bool) -> ExpiryCheck {
        if self.expires.is_empty() {
            return ExpiryCheck::NotExpired;
        }
        match self.map.get(key).and_then(|s| s.entry.expire_at_ms) {
            Some(t) if t <= now_ms => {
                if delete {
                    self.remove(key);
                    self.stats.expired_keys += 1;
                    ExpiryCheck::Deleted
                } else {
                    ExpiryCheck::Hidden
                }
            }
            _ => ExpiryCheck::NotExpired,
        }
    }

    /// True when `key` is stored and past its expiry at `now_ms`.
    pub fn is_expired(&self, key: &[u8], now_ms: u64) -> bool {
        self.expire_at(key).is_some_and(|t| t <= now_ms)
    }

    /// A uniformly random stored key (expired or not).
    pub fn random_key(&mut self) -> Option<Bytes> {
        if self.map.is_empty() {
            return None;
        }
        let i = self.random_below(self.map.len());
        self.map.get_index(i).map(|(k, _)| k.clone())
    }

    /// One SCAN step: visits up to `count` positions and returns the next cursor (0 when the
    /// walk is complete) and the keys seen. See the module docs for the guarantee.
    pub fn scan(&self, cursor: u64, count: usize) -> (u64, Vec<Bytes>) {
        let len = self.map.len() as u64;
        let start = if cursor == 0 { len } else { cursor.min(len) };
        let count = count.max(1) as u64;
        let end = start.saturating_sub(count);
        let mut keys = Vec::with_capacity((start - end) as usize);
        let mut i = start;
        while i > end {
            i -= 1;
            if let Some((k, _)) = self.map.get_index(i as usize) {
                keys.push(k.clone());
            }
        }
        (end, keys)
    }

    /// Active expiry, Redis-style: sample 20 keys that have a TTL, delete those past `now_ms`,
    /// and repeat while more than a quarter of a sample had expired, stopping after
    /// `max_keys` deletions. Returns the deleted keys so the caller propagates `DEL` for each.
    pub fn expire_cycle(&mut self, now_ms: u64, max_keys: usize) -> Vec<Bytes> {
        const SAMPLE: usize = 20;
        let mut dead = Vec::new();
        while !self.expires.is_empty() && dead.len() < max_keys {
            let mut expired_in_round = 0;
            let samples = SAMPLE.min(self.expires.len());
            for _ in 0..samples {
                if self.expires.is_empty() || dead.len() >= max_keys {
                    break;
                }
                let i = self.random_below(self.expires.len());
                let Some(key) = self.expires.get_index(i).cloned() else {
                    break;
                };
                if self.is_expired(&key, now_ms) {
                    self.remove(&key);
                    self.stats.expired_keys += 1;
                    expired_in_round += 1;
                    dead.push(key);
                }
            }
            if expired_in_round * 4 <= samples {
                break;
            }
        }
        dead
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(Bytes::copy_from_slice(x.as_bytes()))
    }
    fn k(x: &str) -> Bytes {
        Bytes::copy_from_slice(x.as_bytes())
    }

    #[test]
    fn expires_index_follows_set_remove_and_persist() {
        let mut db = Db::new();
        db.set(k("a"), s("1"), Some(100));
        db.set(k("b"), s("2"), None);
        assert_eq!(db.expires_count(), 1);
        db.set(k("a"), s("1"), None);
        assert_eq!(db.expires_count(), 0);
        assert!(db.set_expire(b"b", Some(5)));
        assert_eq!(db.expires_count(), 1);
        db.set_keep_ttl(k("b"), s("3"));
        assert_eq!(db.expire_at(b"b"), Some(5));
        db.remove(b"b");
        assert_eq!(db.expires_count(), 0);
        assert!(!db.set_expire(b"zz", Some(1)));
    }

    #[test]
    fn version_changes_on_every_kind_of_change() {
        let mut db = Db::new();
        let v0 = db.version(b"k");
        db.set(k("k"), s("1"), None);
        let v1 = db.version(b"k");
        assert_ne!(v0, v1);
        db.value_mut(b"k");
        let v2 = db.version(b"k");
        assert_ne!(v1, v2);
        db.set_expire(b"k", Some(10));
        let v3 = db.version(b"k");
        assert_ne!(v2, v3);
        assert_eq!(db.check_expiry(b"k", 10, true), ExpiryCheck::Deleted);
        let v4 = db.version(b"k");
        assert_ne!(v3, v4);
        assert_ne!(v0, v4, "create-then-delete must not look unchanged");
        assert_eq!(db.stats.expired_keys, 1);
    }

    #[test]
    fn replica_check_hides_but_keeps() {
        let mut db = Db::new();
        db.set(k("k"), s("1"), Some(10));
        assert_eq!(db.check_expiry(b"k", 9, false), ExpiryCheck::NotExpired);
        assert_eq!(db.check_expiry(b"k", 10, false), ExpiryCheck::Hidden);
        assert!(db.contains(b"k"));
    }

    #[test]
    fn expire_cycle_reclaims_expired_keys_within_bound() {
        let mut db = Db::new();
        for i in 0..1000 {
            db.set(k(&format!("e{i}")), s("x"), Some(50));
            db.set(k(&format!("p{i}")), s("x"), None);
        }
        let dead = db.expire_cycle(100, 300);
        assert_eq!(dead.len(), 300, "bounded by max_keys");
        let mut total = dead.len();
        for _ in 0..100 {
            total += db.expire_cycle(100, 300).len();
        }
        assert_eq!(
            total, 1000,
            "every sample is expired, so rounds go on until none is left"
        );
        assert_eq!(db.stats.expired_keys, 1000);
        assert_eq!(db.len(), 1000);
        assert_eq!(db.expires_count(), 0);
    }

    #[test]
    fn expire_cycle_stops_when_few_sampled_keys_are_expired() {
        let mut db = Db::new();
        for i in 0..1000 {
            db.set(k(&format!("f{i}")), s("x"), Some(10_000));
        }
        for i in 0..10 {
            db.set(k(&format!("e{i}")), s("x"), Some(50));
        }
        let dead = db.expire_cycle(100, 1000);
        // One round of 20 samples finds at most a few of the 10 expired keys, then stops.
        assert!(dead.len() <= 10);
        assert!(
            dead.iter().all(|k| k.starts_with(b"e")),
            "never takes a live key"
        );
        assert_eq!(db.keys().filter(|k| k.starts_with(b"f")).count(), 1000);
    }

    /// Guards the SCAN guarantee: a key present for the whole scan is returned at least once,
    /// while other keys are deleted and inserted between steps.
    #[test]
    fn scan_returns_every_stable_key_under_concurrent_churn() {
        let mut db = Db::new();
        for i in 0..2000 {
            db.set(k(&format!("stable{i}")), s("x"), None);
            db.set(k(&format!("churn{i}")), s("x"), None);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut step = 0u64;
        loop {
            let (next, keys) = db.scan(cursor, 37);
            seen.extend(keys);
            // Delete some churn keys (anywhere), insert new ones.
            for j in 0..20 {
                let victim = format!("churn{}", (step * 53 + j * 101) % 2000);
                db.remove(victim.as_bytes());
                db.set(k(&format!("new{step}_{j}")), s("y"), None);
            }
            step += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
            assert!(step < 10_000, "scan must terminate");
        }
        for i in 0..2000 {
            assert!(
                seen.contains(format!("stable{i}").as_bytes()),
                "missed stable{i}"
            );
        }
    }

    #[test]
    fn scan_of_empty_and_random_key() {
        let mut db = Db::new();
        assert_eq!(db.scan(0, 10), (0, vec![]));
        assert_eq!(db.random_key(), None);
        db.set(k("only"), s("x"), None);
        assert_eq!(db.random_key(), Some(k("only")));
        assert_eq!(db.scan(0, 10), (0, vec![k("only")]));
    }
}
