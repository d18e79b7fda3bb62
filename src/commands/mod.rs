//! One module per subcommand. Each gathers what it needs, decides with pure code from the
//! core modules, acts, and renders; none holds logic worth testing on its own.

pub mod docs;
pub mod failover;
pub mod failover_sentinel;
pub mod info;
pub mod lab;
pub(crate) mod out;
pub mod playbook;
pub mod promote;
pub mod replicate;
pub mod sentinel;
pub mod serve;
pub mod topology;
pub mod verify;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::failover::journal::{self, Journal};

/// Open the journal of a command that changes roles: `--journal` when given, else the
/// default path for `what`; where it is goes to stderr (unless `--quiet`), before anything
/// is changed, so an operator whose run is cut short knows where to look.
pub(crate) fn open_journal(
    global: &GlobalArgs,
    given: Option<&std::path::Path>,
    what: &str,
) -> anyhow::Result<Journal> {
    let path = given.map_or_else(|| journal::default_path(what), std::path::Path::to_path_buf);
    let j = Journal::open(&path)?;
    if !global.quiet {
        eprintln!("rkv: journal: {}", path.display());
    }
    Ok(j)
}

/// Run the subcommand named on the command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let Cli { global, command } = cli;
    match command {
        Command::Serve(args) => serve::run(args),
        Command::Lab(args) => lab::run(&global, &args),
        Command::Info(args) => info::run(&global, &args),
        Command::Topology(args) => topology::run(&global, &args),
        Command::Verify(args) => verify::run(&global, &args),
        Command::Replicate(args) => replicate::run(&global, &args),
        Command::Promote(args) => promote::run(&global, &args),
        Command::Failover(args) => failover::run(&global, &args),
        Command::Playbook(args) => playbook::run(&global, &args),
        Command::Sentinel(args) => sentinel::run(&global, &args),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(dir),
    }
}
