//! rkv-node: the store node behind `rkv serve`, a Redis-compatible RESP server with real
//! replication (PSYNC2, backlog, WAIT, FAILOVER), persistence (RDB, AOF) and AUTH/ACL.
//!
//! It knows nothing of the operator side nor of the command line: the binary turns its flags
//! into directives ([`server::config::Config::from_directives`]) and calls [`server::run_blocking`]
//! or [`server::start_with_config`].
//!
//! # Layout
//! - [`resp`]: RESP frames, the bounded parser and the encoder.
//! - [`store`]: the keyspace and its values.
//! - [`server`]: listener, connections, command dispatch, configuration.
//! - [`persist`]: RDB reader/writer (also the full-sync payload) and AOF.
//! - [`replication`]: the master's stream and backlog, the replica's link, PSYNC.
//! - [`net`]: byte streams to other nodes (TCP, TLS), shared with the operator library.

pub mod net;
pub mod persist;
pub mod replication;
pub mod resp;
pub mod server;
pub mod store;
