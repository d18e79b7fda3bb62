//! Replication, as Redis does it on the wire (PSYNC2): replication IDs and offsets, the
//! backlog that serves partial resyncs and feeds replicas, the master's PSYNC decision, and the
//! replica's link to its master.
//!
//! The pure parts (ids, backlog, psync decision, stream accounting) are unit-tested without
//! sockets; `master` and `replica` hold the I/O.

pub mod backlog;
pub mod ids;
pub mod master;
pub mod psync;
pub mod replica;

pub use backlog::Backlog;
pub use ids::{ReplId, ReplOffset};
