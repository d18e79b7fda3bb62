//! Failover: the pure planner ([`plan`]), the executor that runs its steps against live
//! nodes ([`execute`]) and its lossless demotion before Redis 6.2 ([`demote`]), the reads
//! around a run and their interpretation ([`probe`]), what a run's outcome means
//! ([`judge`]), and the JSON-lines journal of every command sent ([`journal`]); whether an
//! old master diverged from the new one ([`diverge`]) and carrying its divergent writes over
//! ([`carry`]); the Sentinel-coordinated switchover ([`sentinel`]), the write fence
//! ([`fence`]) and the fault tests' failpoints ([`failpoint`]).

pub mod carry;
pub mod demote;
// Judging a diverged old master is the topology's (its health rules use it); failover's path
// stays.
pub use crate::topology::diverge;
pub mod execute;
pub mod failpoint;
pub mod fence;
pub mod journal;
pub mod judge;
pub mod plan;
pub mod probe;
pub mod sentinel;
