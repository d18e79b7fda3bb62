//! Persistence: the RDB snapshot (also the full-sync payload) and the append-only file.
//! OWNER: persistence helper. The signatures in `rdb` and `aof` are the contract the server
//! and replication code use; keep them (extend freely).

pub mod aof;
pub mod rdb;
