//! The append-only file. CONTRACT STUB: the persistence helper replaces the bodies.

use bytes::Bytes;
use std::path::Path;

/// When the AOF is fsynced (`appendfsync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Before a write is acknowledged.
    Always,
    /// Once a second, by a timer.
    EverySec,
    /// Left to the operating system.
    No,
}

/// Appends commands to the AOF.
#[derive(Debug)]
pub struct AofWriter {
    _policy: FsyncPolicy,
}

impl AofWriter {
    /// Open (creating) the file for appending.
    pub fn open(_path: &Path, policy: FsyncPolicy) -> std::io::Result<AofWriter> {
        Ok(AofWriter { _policy: policy })
    }

    /// Append commands (RESP arrays) with one write; does not fsync.
    pub fn append(&mut self, _cmds: &[Vec<Bytes>]) -> std::io::Result<()> {
        Ok(())
    }

    /// fsync what has been appended.
    pub fn fsync(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a replay found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayReport {
    /// Commands applied.
    pub commands: u64,
    /// Where an incomplete last command started, if the file ended mid-command (it is cut off
    /// there, as Redis's aof-load-truncated does).
    pub truncated_at: Option<u64>,
}

/// Why the AOF could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum AofError {
    /// An I/O error.
    #[error("i/o error")]
    Io(#[from] std::io::Error),
    /// Bad content before the tail (not a truncation).
    #[error("corrupt aof at byte {offset}: {message}")]
    Corrupt {
        /// Byte offset of the bad command.
        offset: u64,
        /// What was wrong.
        message: String,
    },
}

/// Replay `path` (missing file: nothing to do), calling `apply` for each command in order.
pub fn replay(
    _path: &Path,
    _apply: &mut dyn FnMut(Vec<Bytes>) -> Result<(), String>,
) -> Result<ReplayReport, AofError> {
    Ok(ReplayReport::default())
}
