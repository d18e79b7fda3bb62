//! The replication graph: [`model`] (plain data and the JSON documents), [`discover`](mod@discover) (the
//! only I/O: crawling INFO replication both ways from seeds) and [`health`] (pure rules that
//! turn a snapshot into checks and problems).

pub mod discover;
pub mod diverge;
pub mod health;
pub mod model;
pub mod sentinel;

pub use discover::{DiscoverOptions, Seed, discover};
pub use health::{Check, HealthOptions};
pub use model::{NodeJson, ProblemJson, ProblemKind, Snapshot, TopologyDoc};
