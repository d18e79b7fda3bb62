//! The keyspace of one database: keys, values and expiry times.
//!
//! OWNER: data-commands helper. The signatures below are the contract other modules use
//! (RDB loading/saving, the server's expiry cycle); extend freely, keep these.

use super::Value;
use bytes::Bytes;
use std::collections::HashMap;

/// A value and its absolute expiry time (Unix milliseconds), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// When the key expires, in Unix milliseconds.
    pub expire_at_ms: Option<u64>,
}

/// One database's keyspace.
#[derive(Debug, Default)]
pub struct Db {
    map: HashMap<Bytes, Entry>,
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

    /// Insert a key as loaded from a snapshot or a full sync (no propagation, no checks).
    pub fn insert_entry(&mut self, key: Bytes, value: Value, expire_at_ms: Option<u64>) {
        self.map.insert(
            key,
            Entry {
                value,
                expire_at_ms,
            },
        );
    }

    /// Every key with its entry, in no particular order (for snapshots).
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Entry)> {
        self.map.iter()
    }

    /// Remove every key.
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// Number of keys with an expiry time (INFO keyspace `expires=`).
    pub fn expires_count(&self) -> usize {
        self.map
            .values()
            .filter(|e| e.expire_at_ms.is_some())
            .count()
    }

    /// Active expiry: sample keys with an expiry and delete those past `now_ms`, at most
    /// `max_keys` deletions; returns the deleted keys so the caller propagates `DEL` for each.
    /// CONTRACT STUB: the data helper implements Redis's adaptive sampling.
    pub fn expire_cycle(&mut self, now_ms: u64, max_keys: usize) -> Vec<Bytes> {
        let dead: Vec<Bytes> = self
            .map
            .iter()
            .filter(|(_, e)| e.expire_at_ms.is_some_and(|t| t <= now_ms))
            .map(|(k, _)| k.clone())
            .take(max_keys)
            .collect();
        for k in &dead {
            self.map.remove(k);
        }
        dead
    }
}
