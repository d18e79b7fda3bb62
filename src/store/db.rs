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
}
