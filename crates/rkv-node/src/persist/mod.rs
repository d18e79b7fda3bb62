//! Persistence: the RDB snapshot (also the full-sync payload) and the append-only file.
//! The signatures in `rdb` and `aof` are what the server and replication code use.
//!
//! - [`rdb`]: the Redis 7.0-compatible snapshot reader and writer.
//! - [`aof`]: the append-only file (RESP commands) and its replay.
//! - [`lzf`], [`listpack`], [`ziplist`]: the compact encodings found inside RDB files, as pure
//!   functions over byte slices so they are tested without files.

pub mod aof;
pub mod listpack;
pub mod lzf;
pub mod rdb;
pub mod ziplist;
