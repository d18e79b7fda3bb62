//! The append-only file: every write command as a RESP multibulk array, replayed at startup.
//!
//! The format is Redis's single-file AOF (before 7.0's multi-part manifest): RESP arrays of
//! bulk strings, one per command. Replay follows Redis with `aof-load-truncated yes`: a file
//! that ends in the middle of a command (a crash during a write) is cut back to the start of
//! that command and loading succeeds; anything malformed before the tail is corruption and
//! stops the load. A `MULTI` … `EXEC` block is applied only once its `EXEC` has been read, and
//! a block the file ends inside is cut off whole, as Redis does.
//!
//! `SELECT 0` (Redis writes one first) is accepted and not passed on; `SELECT` of any other
//! database is corruption, since `rkv` has one database. A file starting with an RDB preamble
//! (`REDIS…`, what Redis writes with `aof-use-rdb-preamble yes`) is loaded with the RDB reader
//! and its keys are handed to `apply` as commands (`SET`, `RPUSH`, `HSET`, `SADD`, `ZADD`,
//! `PEXPIREAT`), then the RESP tail follows.

use super::rdb;
use crate::store::Value;
use bytes::Bytes;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Largest bulk string accepted in an AOF (Redis's default `proto-max-bulk-len`).
pub const MAX_BULK_LEN: u64 = 512 * 1024 * 1024;
/// Most arguments accepted in one command.
pub const MAX_ARGS: u64 = 1024 * 1024;
/// Arguments per command when turning an RDB preamble's collections into commands.
pub const PREAMBLE_CHUNK: usize = 1024;

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
    file: File,
    policy: FsyncPolicy,
    /// File length after the last complete append: a failed write is cut back to it, so a
    /// half-written command never stays in the middle of the file.
    len: u64,
    buf: Vec<u8>,
}

/// Append one command as a RESP array of bulk strings.
pub fn encode_command(out: &mut Vec<u8>, argv: &[Bytes]) {
    out.push(b'*');
    out.extend_from_slice(argv.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

impl AofWriter {
    /// Open (creating) the file for appending.
    pub fn open(path: &Path, policy: FsyncPolicy) -> std::io::Result<AofWriter> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let len = file.metadata()?.len();
        Ok(AofWriter {
            file,
            policy,
            len,
            buf: Vec::new(),
        })
    }

    /// The fsync policy the file was opened with (the caller runs the timer or fsyncs
    /// before acknowledging, accordingly).
    pub fn policy(&self) -> FsyncPolicy {
        self.policy
    }

    /// Append commands (RESP arrays) with one write; does not fsync.
    pub fn append(&mut self, cmds: &[Vec<Bytes>]) -> std::io::Result<()> {
        if cmds.is_empty() {
            return Ok(());
        }
        self.buf.clear();
        for argv in cmds {
            encode_command(&mut self.buf, argv);
        }
        match self.file.write_all(&self.buf) {
            Ok(()) => {
                self.len += self.buf.len() as u64;
                // Do not keep a large buffer around after a big command.
                if self.buf.capacity() > 1 << 20 {
                    self.buf = Vec::new();
                }
                Ok(())
            }
            Err(e) => {
                // Best effort, as Redis: remove the partial command so later appends do not
                // follow garbage.
                let _ = self.file.set_len(self.len);
                Err(e)
            }
        }
    }

    /// fsync what has been appended.
    pub fn fsync(&mut self) -> std::io::Result<()> {
        self.file.sync_data()
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

/// Why parsing one command stopped.
enum Stop {
    /// The file ended inside the command.
    Eof,
    /// Malformed content.
    Bad(String),
    /// Reading failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Self {
        Stop::Io(e)
    }
}

/// A bounded RESP command reader that tracks its byte offset.
struct Parser<R: Read> {
    r: BufReader<R>,
    off: u64,
    size: u64,
}

impl<R: Read> Parser<R> {
    fn byte(&mut self) -> Result<Option<u8>, Stop> {
        let buf = loop {
            match self.r.fill_buf() {
                Ok(b) => break b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::Io(e)),
            }
        };
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.r.consume(1);
        self.off += 1;
        Ok(Some(b))
    }

    fn need(&mut self) -> Result<u8, Stop> {
        self.byte()?.ok_or(Stop::Eof)
    }

    /// A decimal number terminated by CRLF (at most 20 digits).
    fn number(&mut self) -> Result<u64, Stop> {
        let mut v: u64 = 0;
        let mut digits = 0;
        loop {
            match self.need()? {
                c @ b'0'..=b'9' => {
                    digits += 1;
                    if digits > 20 {
                        return Err(Stop::Bad("number too long".into()));
                    }
                    v = v
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(u64::from(c - b'0')))
                        .ok_or_else(|| Stop::Bad("number out of range".into()))?;
                }
                b'\r' => {
                    if self.need()? != b'\n' {
                        return Err(Stop::Bad("expected LF after CR".into()));
                    }
                    if digits == 0 {
                        return Err(Stop::Bad("empty number".into()));
                    }
                    return Ok(v);
                }
                c => return Err(Stop::Bad(format!("unexpected byte {c:#04x} in a number"))),
            }
        }
    }

    /// One command, `Ok(None)` at a clean end of file.
    fn command(&mut self) -> Result<Option<Vec<Bytes>>, Stop> {
        let Some(first) = self.byte()? else {
            return Ok(None);
        };
        if first != b'*' {
            return Err(Stop::Bad(format!(
                "expected '*' starting a command, found {first:#04x}"
            )));
        }
        let argc = self.number()?;
        if argc == 0 || argc > MAX_ARGS {
            return Err(Stop::Bad(format!("invalid argument count {argc}")));
        }
        let mut argv = Vec::with_capacity(argc.min(64) as usize);
        for _ in 0..argc {
            match self.need()? {
                b'$' => {}
                c => {
                    return Err(Stop::Bad(format!(
                        "expected '$' starting an argument, found {c:#04x}"
                    )));
                }
            }
            let len = self.number()?;
            if len > MAX_BULK_LEN {
                return Err(Stop::Bad(format!(
                    "bulk length {len} over the 512 MiB limit"
                )));
            }
            if self.off + len + 2 > self.size {
                // The file ends before this argument does: a torn write.
                return Err(Stop::Eof);
            }
            let mut data = vec![0u8; len as usize];
            self.r.read_exact(&mut data).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Stop::Eof,
                _ => Stop::Io(e),
            })?;
            self.off += len;
            if self.need()? != b'\r' || self.need()? != b'\n' {
                return Err(Stop::Bad("bulk string not followed by CRLF".into()));
            }
            argv.push(Bytes::from(data));
        }
        Ok(Some(argv))
    }
}

fn corrupt(offset: u64, message: impl Into<String>) -> AofError {
    AofError::Corrupt {
        offset,
        message: message.into(),
    }
}

/// Replay `path` (missing file: nothing to do), calling `apply` for each command in order.
pub fn replay<E: std::fmt::Display>(
    path: &Path,
    apply: &mut dyn FnMut(Vec<Bytes>) -> Result<(), E>,
) -> Result<ReplayReport, AofError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ReplayReport::default()),
        Err(e) => return Err(e.into()),
    };
    let size = file.metadata()?.len();
    let mut report = ReplayReport::default();

    let mut magic = [0u8; 5];
    let mut start = 0u64;
    if size >= 5 {
        file.read_exact(&mut magic)?;
        if &magic == b"REDIS" {
            file.seek(SeekFrom::Start(0))?;
            let (db, _aux, used) = rdb::read_rdb_buffered(&mut BufReader::new(&mut file))
                .map_err(|e| corrupt(0, format!("rdb preamble: {e}")))?;
            for (key, entry) in db.iter() {
                for argv in value_commands(key, &entry.value, entry.expire_at_ms) {
                    apply(argv).map_err(|m| corrupt(0, format!("rdb preamble key: {m}")))?;
                    report.commands += 1;
                }
            }
            start = used;
        }
        file.seek(SeekFrom::Start(start))?;
    }

    let mut p = Parser {
        r: BufReader::with_capacity(64 * 1024, file),
        off: start,
        size,
    };
    // A MULTI block is held until its EXEC: (offset of MULTI, commands).
    let mut pending: Option<(u64, Vec<Vec<Bytes>>)> = None;
    loop {
        let at = p.off;
        let argv = match p.command() {
            Ok(Some(argv)) => argv,
            Ok(None) => break,
            Err(Stop::Eof) => {
                report.truncated_at = Some(at);
                break;
            }
            Err(Stop::Bad(m)) => return Err(corrupt(at, m)),
            Err(Stop::Io(e)) => return Err(e.into()),
        };
        let name = &argv[0];
        if name.eq_ignore_ascii_case(b"SELECT") {
            if argv.len() == 2 && &argv[1][..] == b"0" {
                continue;
            }
            return Err(corrupt(at, "SELECT of a database other than 0"));
        }
        if name.eq_ignore_ascii_case(b"MULTI") {
            if pending.is_some() {
                return Err(corrupt(at, "nested MULTI"));
            }
            pending = Some((at, vec![argv]));
            continue;
        }
        if let Some((_, block)) = pending.as_mut() {
            let exec = name.eq_ignore_ascii_case(b"EXEC");
            block.push(argv);
            if exec && let Some((_, block)) = pending.take() {
                for cmd in block {
                    apply(cmd).map_err(|m| corrupt(at, format!("command failed: {m}")))?;
                    report.commands += 1;
                }
            }
            continue;
        }
        apply(argv).map_err(|m| corrupt(at, format!("command failed: {m}")))?;
        report.commands += 1;
    }
    if let Some((multi_at, _)) = pending {
        report.truncated_at = Some(multi_at);
    }
    if let Some(at) = report.truncated_at {
        tracing::warn!(
            offset = at,
            size,
            "aof ends in the middle of a command: truncating it there (aof-load-truncated)"
        );
        OpenOptions::new().write(true).open(path)?.set_len(at)?;
    }
    Ok(report)
}

/// The commands that recreate one key (used for an RDB preamble). Collections are split into
/// commands of at most [`PREAMBLE_CHUNK`] elements so no single command is huge.
pub fn value_commands(key: &Bytes, value: &Value, expire_at_ms: Option<u64>) -> Vec<Vec<Bytes>> {
    let mut out = Vec::new();
    let word = Bytes::from_static;
    match value {
        Value::Str(s) => out.push(vec![word(b"SET"), key.clone(), s.clone()]),
        Value::List(l) => {
            let items: Vec<&Bytes> = l.iter().collect();
            for chunk in items.chunks(PREAMBLE_CHUNK) {
                let mut argv = vec![word(b"RPUSH"), key.clone()];
                argv.extend(chunk.iter().map(|b| (*b).clone()));
                out.push(argv);
            }
        }
        Value::Set(s) => {
            let items: Vec<&Bytes> = s.iter().collect();
            for chunk in items.chunks(PREAMBLE_CHUNK) {
                let mut argv = vec![word(b"SADD"), key.clone()];
                argv.extend(chunk.iter().map(|b| (*b).clone()));
                out.push(argv);
            }
        }
        Value::Hash(h) => {
            let items: Vec<(&Bytes, &Bytes)> = h.iter().collect();
            for chunk in items.chunks(PREAMBLE_CHUNK / 2) {
                let mut argv = vec![word(b"HSET"), key.clone()];
                for (f, v) in chunk {
                    argv.push((*f).clone());
                    argv.push((*v).clone());
                }
                out.push(argv);
            }
        }
        Value::ZSet(z) => {
            let items: Vec<(&Bytes, f64)> = z.iter().collect();
            for chunk in items.chunks(PREAMBLE_CHUNK / 2) {
                let mut argv = vec![word(b"ZADD"), key.clone()];
                for (m, s) in chunk {
                    argv.push(Bytes::from(s.to_string()));
                    argv.push((*m).clone());
                }
                out.push(argv);
            }
        }
        Value::Stream(s) => out.extend(crate::store::stream::stream_commands(key, s)),
    }
    if let (Some(at), false) = (expire_at_ms, out.is_empty()) {
        out.push(vec![
            word(b"PEXPIREAT"),
            key.clone(),
            Bytes::from(at.to_string()),
        ]);
    }
    out
}
