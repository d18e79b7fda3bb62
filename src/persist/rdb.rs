//! The RDB snapshot format (Redis 7.0 compatible). CONTRACT STUB: the persistence helper
//! replaces the bodies; the signatures are what other modules call.

use crate::store::Db;
use std::io::{Read, Write};
use std::path::Path;

/// Auxiliary fields we read and write besides the keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RdbAux {
    /// `repl-id`: the replication ID the snapshot's data belongs to.
    pub repl_id: Option<String>,
    /// `repl-offset`: the replication offset the snapshot was taken at.
    pub repl_offset: Option<u64>,
}

/// Why an RDB file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RdbError {
    /// An I/O error.
    #[error("i/o error")]
    Io(#[from] std::io::Error),
    /// The bytes are not a valid RDB file we support.
    #[error("invalid rdb: {0}")]
    Invalid(String),
}

/// Write a whole RDB file for `db` to `w`.
pub fn write_rdb<W: Write>(_w: &mut W, _db: &Db, _aux: &RdbAux) -> Result<(), RdbError> {
    Err(RdbError::Invalid("not implemented yet".into()))
}

/// Read a whole RDB file from `r`.
pub fn read_rdb<R: Read>(_r: &mut R) -> Result<(Db, RdbAux), RdbError> {
    Err(RdbError::Invalid("not implemented yet".into()))
}

/// Save atomically: write a temp file in the same directory, fsync, rename over `path`,
/// fsync the directory.
pub fn save_atomic(_path: &Path, _db: &Db, _aux: &RdbAux) -> Result<(), RdbError> {
    Err(RdbError::Invalid("not implemented yet".into()))
}

/// Load `path`; `Ok(None)` when it does not exist.
pub fn load_file(_path: &Path) -> Result<Option<(Db, RdbAux)>, RdbError> {
    Ok(None)
}
