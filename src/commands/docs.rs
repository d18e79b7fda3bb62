//! `rkv completions` and `rkv man`: generated from the same clap definition as the parser.

use crate::cli::Cli;
use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Print a completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut out = Vec::new();
    completion_script(shell, &mut out);
    std::io::stdout().write_all(&out)?;
    Ok(())
}

/// The completion script for `shell`.
pub fn completion_script(shell: clap_complete::Shell, out: &mut Vec<u8>) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "rkv", out);
}

/// Write `rkv.1` and one page per subcommand (`rkv-serve.1`, …) into `dir`.
pub fn man(dir: Option<PathBuf>) -> anyhow::Result<()> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).with_context(|| format!("failed to create {}", dir.display()))?;
    for (name, page) in man_pages()? {
        let path = dir.join(&name);
        std::fs::write(&path, page)
            .with_context(|| format!("failed to write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Every man page as (file name, roff text).
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let cmd = Cli::command();
    let mut pages = Vec::new();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    pages.push(("rkv.1".to_string(), buf));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let name = format!("rkv-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).display_name(name.clone());
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf)?;
        pages.push((format!("{name}.1"), buf));
    }
    Ok(pages)
}

/// The shells we commit completion scripts for, with their file names under `completions/`.
pub const COMPLETION_FILES: &[(clap_complete::Shell, &str)] = &[
    (clap_complete::Shell::Bash, "rkv.bash"),
    (clap_complete::Shell::Zsh, "_rkv"),
    (clap_complete::Shell::Fish, "rkv.fish"),
    (clap_complete::Shell::Elvish, "rkv.elv"),
    (clap_complete::Shell::PowerShell, "_rkv.ps1"),
];

/// Regenerate `completions/` and `man/` under `root` (used by the staleness test with
/// `RKV_UPDATE_DOCS=1`).
pub fn write_generated(root: &Path) -> anyhow::Result<()> {
    for (shell, file) in COMPLETION_FILES {
        let mut out = Vec::new();
        completion_script(*shell, &mut out);
        std::fs::write(root.join("completions").join(file), out)?;
    }
    for (name, page) in man_pages()? {
        std::fs::write(root.join("man").join(name), page)?;
    }
    Ok(())
}
