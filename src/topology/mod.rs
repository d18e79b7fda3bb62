//! The replication graph: [`model`] (plain data and the JSON documents), [`discover`](mod@discover) (the
//! only I/O: crawling INFO replication both ways from seeds), [`health`] (pure rules that
//! turn a snapshot into checks and problems), [`diverge`] (whether an old master wrote past
//! the fork, pure) and [`sentinel`] (what the Sentinels watching a group see, and its checks).

pub mod discover;
pub mod diverge;
pub mod health;
pub mod model;
pub mod sentinel;

pub use discover::{DiscoverOptions, Seed, discover};
pub use health::{Check, HealthOptions};
pub use model::{NodeJson, ProblemJson, ProblemKind, Snapshot, TopologyDoc};
