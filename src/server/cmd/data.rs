//! The data commands. OWNER: data-commands helper.

use super::CommandSpec;

/// Every data command.
pub static DATA_COMMANDS: &[CommandSpec] = &[];
