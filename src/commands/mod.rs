//! One module per subcommand. Each gathers what it needs, decides with pure code from the
//! core modules, acts, and renders; none holds logic worth testing on its own.

pub mod docs;

use crate::cli::{Cli, Command};

/// Run the subcommand named on the command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let Cli { global, command } = cli;
    match command {
        Command::Serve(args) => crate::server::run_blocking(&global, args),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(dir),
    }
}
