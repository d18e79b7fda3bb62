//! rkv: a toolkit for setting up, checking and changing Redis-protocol replication, with its
//! own Redis-compatible store node (`rkv serve`).
//!
//! # Layout
//! - [`cli`]: clap types only (the command-line contract).
//! - [`commands`]: one module per subcommand; gather → decide → act → render.
//! - [`resp`]: RESP frames, the bounded parser and the encoder.
//! - [`store`]: the keyspace and its values.
//! - [`server`]: `rkv serve`: listener, connections, command dispatch, configuration.
//! - [`persist`]: RDB reader/writer (also the full-sync payload) and AOF.
//! - [`addr`]: node addresses and SSH hops as operators type them (the lowest layer).
//! - [`node`]: talking to any Redis-protocol node: client, INFO/ROLE parsing (addresses re-exported).
//! - [`topology`]: the replication graph: model, discovery, health rules, diverged old masters,
//!   what Sentinels see.
//! - [`failover`]: changing roles safely: the pure planner, the executor and its lossless
//!   demotion, the pure judgement of a run, the journal.
//! - [`render`]: tables, JSON, TSV.
//! - [`transport`]: direct TCP or an SSH tunnel (libssh2 on its own threads); remote commands.
//! - [`playbook`]: replication runbooks as TOML files: the format and the checker (the runner
//!   is `rkv playbook run`, in [`commands`], calling the commands' own functions).
//! - [`persist_role`]: make a role change survive a restart (CONFIG REWRITE or the config file over SSH).
//!
//! The operator modules are layered, lowest first: addr, transport, node, inventory, topology
//! and persist_role, failover, playbook, then the binary's cli, render, logging and commands.
//! `tests/layering.rs` fails on a use of a higher layer (or of the same layer's other module).
//!
//! One crate with that test, rather than an `rkv-ops` crate: the operator modules share
//! `ExitError` and one set of types with the binary, and the test checks finer layers (ten
//! of them) than a crate split would, at no cost in build time or in re-exports.

pub mod addr;
pub mod cli;
pub mod commands;
pub mod failover;
pub mod hide_argv;
pub mod inventory;
pub mod logging;
pub mod node;
pub mod persist_role;
pub mod playbook;
pub mod render;
pub mod topology;
pub mod transport;

// The store node lives in its own crate (no clap, no operator code); these paths keep
// `rkv::server::…` and friends working for the binary, the tests and the examples.
pub use rkv_node::{persist, replication, resp, server, store};

use std::fmt;

/// An error that carries the exit code the binary must return (see the CLI contract).
///
/// An empty message means the reasons were already printed (e.g. a health check's problems).
#[derive(Debug)]
pub struct ExitError {
    /// The process exit code: 1 failed, 2 usage or input, 3 stopped by the operator, 4 a
    /// node refused our credentials.
    pub code: u8,
    /// What to print after `rkv: `.
    pub message: String,
}

impl ExitError {
    /// Bad usage, bad input file, or a question that needed a terminal: exit 2.
    pub fn usage(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(ExitError {
            code: 2,
            message: message.into(),
        })
    }

    /// Stopped by the operator at a prompt: exit 3.
    pub fn aborted(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(ExitError {
            code: 3,
            message: message.into(),
        })
    }

    /// A node refused our credentials (AUTH failed): exit 4, so scripts can tell a wrong
    /// password from a node that is down (exit 1).
    pub fn auth(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(ExitError {
            code: 4,
            message: message.into(),
        })
    }

    /// The operation failed or a check found problems whose reasons were already printed: exit 1.
    pub fn silent_failure() -> anyhow::Error {
        anyhow::Error::new(ExitError {
            code: 1,
            message: String::new(),
        })
    }
}

impl fmt::Display for ExitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitError {}

/// The exit code for an error returned by [`run`]: an [`ExitError`] anywhere in the chain
/// decides it (the store node's [`server::ServeError::Usage`] is a usage error, 2), anything else is 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|e| {
            e.downcast_ref::<ExitError>().map(|x| x.code).or_else(|| {
                e.downcast_ref::<server::ServeError>()
                    .filter(|s| matches!(s, server::ServeError::Usage(_)))
                    .map(|_| 2)
            })
        })
        .unwrap_or(1)
}

/// True when the error is a broken pipe on stdout (e.g. `rkv topology | head -1`), which
/// exits 0 quietly like other Unix tools.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Run one parsed command line.
pub fn run(cli: cli::Cli) -> anyhow::Result<()> {
    commands::dispatch(cli)
}
