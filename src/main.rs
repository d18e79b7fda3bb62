//! The `rkv` binary: parse the command line, run, and map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything else: a long-running `rkv serve` must not show a password in `ps`.
    rkv::hide_argv::reexec_without_secrets();
    let cli = rkv::cli::Cli::parse();
    rkv::logging::init(
        &cli.global,
        matches!(cli.command, rkv::cli::Command::Lab(_)),
    );
    match rkv::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = rkv::exit_code(&err);
            if rkv::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let text = format!("{err:#}");
            if !text.is_empty() {
                eprintln!("rkv: {text}");
            }
            ExitCode::from(code)
        }
    }
}
