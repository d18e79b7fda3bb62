//! Questions to the operator, behind a small trait so the commands can be driven by a script
//! in tests; the real one uses dialoguer on the terminal (stderr). The rule of the CLI
//! contract lives here too: without a terminal we never ask — `--yes` or exit 2.

use crate::ExitError;
use std::io::IsTerminal;

/// Asking the operator.
pub trait Prompter {
    /// Yes or no (default no).
    fn confirm(&mut self, question: &str) -> anyhow::Result<bool>;
    /// A line of text.
    fn input(&mut self, question: &str) -> anyhow::Result<String>;
    /// One of `items` (index).
    fn select(&mut self, question: &str, items: &[String]) -> anyhow::Result<usize>;
}

/// dialoguer on the terminal.
#[derive(Debug, Default)]
pub struct Terminal;

impl Prompter for Terminal {
    fn confirm(&mut self, question: &str) -> anyhow::Result<bool> {
        Ok(dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()?)
    }

    fn input(&mut self, question: &str) -> anyhow::Result<String> {
        Ok(dialoguer::Input::<String>::new()
            .with_prompt(question)
            .allow_empty(true)
            .interact_text()?)
    }

    fn select(&mut self, question: &str, items: &[String]) -> anyhow::Result<usize> {
        Ok(dialoguer::Select::new()
            .with_prompt(question)
            .items(items)
            .default(0)
            .interact()?)
    }
}

/// The prompter to use: `Ok(None)` with `--yes`; the terminal when stdin is one; else exit 2
/// saying to pass `--yes`.
pub fn prompter(yes: bool, what: &str) -> anyhow::Result<Option<Terminal>> {
    if yes {
        return Ok(None);
    }
    if !std::io::stdin().is_terminal() {
        return Err(ExitError::usage(format!(
            "{what} needs a confirmation and stdin is not a terminal: pass --yes to go ahead without asking"
        )));
    }
    Ok(Some(Terminal))
}

/// The terminal prompt for an encrypted SSH key's passphrase, when stdin and stderr are a
/// terminal (else nobody can be asked, and such a key is skipped with its reason).
pub fn ssh_passphrase() -> Option<crate::transport::AskPassphrase> {
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return None;
    }
    Some(crate::transport::AskPassphrase(std::sync::Arc::new(
        |path: &std::path::Path, wrong: bool| {
            if wrong {
                eprintln!("rkv: wrong passphrase for {}", path.display());
            }
            dialoguer::Password::new()
                .with_prompt(format!("Passphrase for {}", path.display()))
                .allow_empty_password(true)
                .interact()
                .ok()
        },
    )))
}
