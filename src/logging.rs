//! Logging to stderr with `tracing`, its level from `-q`/`-v` or `RUST_LOG`.

use crate::cli::GlobalArgs;
use tracing_subscriber::EnvFilter;

/// Install the global subscriber. Logs go to stderr so stdout carries data only.
/// `quiet_servers`: in-process servers (`rkv lab`) log only warnings unless `-v`.
pub fn init(global: &GlobalArgs, quiet_servers: bool) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) if quiet_servers => "warn",
        (false, 0) => "warn,rkv_node=info",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = !global.no_color && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}
