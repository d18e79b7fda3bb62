//! Failover: the pure planner, the executor that runs its steps, and the journal.

pub mod plan;
