//! `rkv serve`: a Redis-compatible RESP server. OWNER: server helper.

pub mod cmd;

use crate::cli::{GlobalArgs, ServeArgs};

/// Run the server in the foreground until Ctrl-C, SIGTERM or SHUTDOWN.
pub fn run_blocking(_global: &GlobalArgs, _args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("rkv serve is not built yet")
}
