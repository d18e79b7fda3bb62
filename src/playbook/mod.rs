//! Playbooks: replication runbooks as TOML files that `rkv playbook` checks and runs.
//!
//! - [`model`]: the file format (serde, unknown fields denied, positions kept).
//! - [`check`]: pure validation with `FILE:LINE:COL` positions, and resolution of variables
//!   into concrete steps.
//!
//! The runner is `rkv playbook run` (`src/commands/playbook/run.rs`): it runs each step
//! through the same function as the command the step names, so it sits with the commands.
//!
//! The shipped playbooks (top-level `playbooks/`) are embedded in the binary so an installed
//! rkv can run them by name.

pub mod check;
pub mod model;

/// The shipped playbooks: (name, text).
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "setup-replication",
        include_str!("../../playbooks/setup-replication.toml"),
    ),
    (
        "switchover",
        include_str!("../../playbooks/switchover.toml"),
    ),
    (
        "replace-failed-master",
        include_str!("../../playbooks/replace-failed-master.toml"),
    ),
    (
        "add-replica",
        include_str!("../../playbooks/add-replica.toml"),
    ),
    (
        "rolling-restart",
        include_str!("../../playbooks/rolling-restart.toml"),
    ),
    (
        "failover-drill",
        include_str!("../../playbooks/failover-drill.toml"),
    ),
];

/// The shipped playbook named `name`.
pub fn shipped(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
