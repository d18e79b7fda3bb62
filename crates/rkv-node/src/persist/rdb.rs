//! The RDB snapshot format, compatible with Redis 7.0: what `rkv serve` saves to disk and what
//! a master sends a replica in a full sync, in both directions (rkv ↔ Redis).
//!
//! # Writing
//! We write RDB version 10 (Redis 7.0's `RDB_VERSION`) with the simplest value encodings 7.0
//! loads, letting the loading Redis choose its compact in-memory encodings itself:
//! strings (type 0; integer encodings and LZF exactly where Redis would use them), lists as
//! `RDB_TYPE_LIST` (1), sets as `RDB_TYPE_SET` (2), hashes as `RDB_TYPE_HASH` (4) and sorted
//! sets as `RDB_TYPE_ZSET_2` (5, binary doubles, highest score first as Redis writes them so
//! its skiplist inserts stay O(1)). We do not write listpack/intset blobs: Redis checks those
//! only shallowly on load by default (`sanitize-dump-payload no`), so a subtle encoder bug
//! would load and crash it later, while these encodings are validated element by element.
//! Keys whose collection is empty are not written (Redis
//! would skip them with a warning). Expired-but-present keys are written, as Redis does: the
//! loader decides. The file ends with `EOF` and the CRC64 (Jones) of everything before it.
//!
//! ## Older versions, for replicas of older Redis
//! [`write_rdb_version`] writes any version from [`MIN_WRITE_VERSION`] (6, Redis 2.8) to
//! [`RDB_VERSION`]: a Redis replica refuses a snapshot newer than its own format ("Can't handle
//! RDB format version N") and retries the full sync forever, so `rkv serve` sends its replicas
//! the oldest version that can hold the data ([`oldest_version_for`], or the
//! `repl-rdb-version` setting). Every type rkv holds exists in RDB 6 (redis 2.8's `rdbLoad`
//! reads types 0–4 and the encoded 9–13); what changes with the version is only:
//! - before 7 (3.2) there are no `AUX` or `RESIZEDB` opcodes: 2.8 reads them as an unknown
//!   object type and refuses the file, so none are written;
//! - before 8 (4.0) sorted sets are type 3 with text scores (one length byte, 253/254/255 for
//!   NaN/+inf/-inf), which we write in Rust's shortest round-trip exponent form so `strtod`
//!   reads back the very double;
//! - `aof-base` is a 7.0 (RDB 10) aux field and is written from 10 on only.
//!
//! # Reading
//! Every type and encoding Redis 7.0 writes or still loads, plus 7.2's set listpack (20);
//! versions 1 to 11. Decisions where Redis gives us a choice:
//! - keys in a database other than 0 are an error (`rkv` has one database; silently dropping
//!   data during a sync would be worse than refusing it);
//! - function libraries (opcodes 0xF5/0xF6) are skipped with a warning: `rkv` has no
//!   scripting, and the keys are still wanted;
//! - module data (opcode 0xF7, types 6 and 7) are errors naming the type and the key;
//! - streams (15, 19, 21) are read with their groups (see `rdb_stream.rs`) and written as
//!   type 15 at RDB 9 or type 19 from RDB 10 on;
//! - empty collections are skipped (Redis does the same), duplicate keys or members are errors;
//! - expired keys are kept: the caller (a replica must keep them) decides;
//! - LRU/LFU hints are read and ignored; a zero CRC disables the check, as in Redis.
//!
//! Robustness: the input is untrusted. Nothing panics on bad input, lengths are capped
//! (512 MiB per string), buffers grow with the bytes actually read rather than the length a
//! file claims, and an LZF length is accepted only when the compressed bytes could expand to
//! it.
//!
//! `read_rdb` buffers and may read past the end of the RDB payload; `read_rdb_buffered`
//! consumes exactly the RDB's bytes from a `BufRead`, leaving what follows for the caller.

use super::listpack;
use super::lzf;
#[path = "rdb_stream.rs"]
mod rdb_stream;
use super::ziplist;
use crate::store::{Db, Value, ZSet};
use bytes::Bytes;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
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

/// The RDB version we write (Redis 7.0's `RDB_VERSION`).
pub const RDB_VERSION: u32 = 10;
/// The oldest RDB version we can write (Redis 2.8's).
pub const MIN_WRITE_VERSION: u32 = 6;
/// The first RDB version with streams (type 15, Redis 5.0).
pub const STREAM_MIN_VERSION: u32 = 9;
/// The first RDB version with type 19 streams (Redis 7.0).
pub const STREAM_V2_MIN_VERSION: u32 = 10;
/// The newest RDB version we read (Redis 7.2 writes 11).
pub const MAX_READ_VERSION: u32 = 11;
/// The `redis-ver` aux field we write: the version whose format we follow.
pub const REDIS_VER: &str = "7.0.15";
/// Longest string we accept (Redis's default `proto-max-bulk-len`).
pub const MAX_STRING_LEN: u64 = 512 * 1024 * 1024;
/// The most an LZF stream can expand: a 3-byte back reference yields at most 264 bytes.
const LZF_MAX_RATIO: u64 = 88;

const TYPE_STRING: u8 = 0;
const TYPE_LIST: u8 = 1;
const TYPE_SET: u8 = 2;
const TYPE_ZSET: u8 = 3;
const TYPE_HASH: u8 = 4;
const TYPE_ZSET_2: u8 = 5;
const TYPE_MODULE: u8 = 6;
const TYPE_MODULE_2: u8 = 7;
const TYPE_HASH_ZIPMAP: u8 = 9;
const TYPE_LIST_ZIPLIST: u8 = 10;
const TYPE_SET_INTSET: u8 = 11;
const TYPE_ZSET_ZIPLIST: u8 = 12;
const TYPE_HASH_ZIPLIST: u8 = 13;
const TYPE_LIST_QUICKLIST: u8 = 14;
const TYPE_STREAM_LISTPACKS: u8 = 15;
const TYPE_HASH_LISTPACK: u8 = 16;
const TYPE_ZSET_LISTPACK: u8 = 17;
const TYPE_LIST_QUICKLIST_2: u8 = 18;
const TYPE_STREAM_LISTPACKS_2: u8 = 19;
const TYPE_SET_LISTPACK: u8 = 20;
const TYPE_STREAM_LISTPACKS_3: u8 = 21;

const OP_FUNCTION2: u8 = 0xF5;
const OP_FUNCTION_PRE_GA: u8 = 0xF6;
const OP_MODULE_AUX: u8 = 0xF7;
const OP_IDLE: u8 = 0xF8;
const OP_FREQ: u8 = 0xF9;
const OP_AUX: u8 = 0xFA;
const OP_RESIZEDB: u8 = 0xFB;
const OP_EXPIRETIME_MS: u8 = 0xFC;
const OP_EXPIRETIME: u8 = 0xFD;
const OP_SELECTDB: u8 = 0xFE;
const OP_EOF: u8 = 0xFF;

const ENC_INT8: u64 = 0;
const ENC_INT16: u64 = 1;
const ENC_INT32: u64 = 2;
const ENC_LZF: u64 = 3;

const QUICKLIST_PLAIN: u64 = 1;
const QUICKLIST_PACKED: u64 = 2;

/// Size of the write and read buffers.
const BUF_SIZE: usize = 64 * 1024;

fn invalid(msg: impl Into<String>) -> RdbError {
    RdbError::Invalid(msg.into())
}

/// A key as it appears in error messages: lossy UTF-8, at most 64 characters.
fn show_key(key: &[u8]) -> String {
    let s = String::from_utf8_lossy(key);
    if s.chars().count() > 64 {
        format!("{}…", s.chars().take(64).collect::<String>())
    } else {
        s.into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Buffers output and keeps the running CRC64 of everything written.
struct Sink<'a, W: Write> {
    w: &'a mut W,
    buf: Vec<u8>,
    crc: u64,
}

impl<W: Write> Sink<'_, W> {
    fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= BUF_SIZE {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> std::io::Result<()> {
        self.crc = crc64::crc64(self.crc, &self.buf);
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// Append an RDB length (6-bit, 14-bit, 32-bit or 64-bit big-endian form).
fn put_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push((len & 0xff) as u8);
    } else if len <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// The integer a string spells when Redis would store it integer-encoded: canonical decimal
/// (what `string2ll` accepts and `ll2string` prints back) within i32.
fn int_encodable(s: &[u8]) -> Option<i32> {
    // Canonical means: optional '-', then digits with no leading zero (except "0" itself),
    // and not "-0"; "+1", "01" or " 1" would load back as different text.
    let digits = s.strip_prefix(b"-").unwrap_or(s);
    let canonical = !digits.is_empty()
        && digits.len() <= 10
        && digits.iter().all(u8::is_ascii_digit)
        && (digits[0] != b'0' || (digits.len() == 1 && digits.len() == s.len()));
    if !canonical {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        v = v * 10 + i64::from(d - b'0');
    }
    if digits.len() != s.len() {
        v = -v;
    }
    i32::try_from(v).ok()
}

/// Append a string as Redis's `rdbSaveRawString` does: integer encoding when it round-trips,
/// LZF when the string is over 20 bytes and compresses by more than 4 bytes, else raw.
fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    if let Some(v) = int_encodable(s) {
        if let Ok(b) = i8::try_from(v) {
            out.push(0xC0);
            out.push(b as u8);
        } else if let Ok(h) = i16::try_from(v) {
            out.push(0xC1);
            out.extend_from_slice(&h.to_le_bytes());
        } else {
            out.push(0xC2);
            out.extend_from_slice(&v.to_le_bytes());
        }
        return;
    }
    if s.len() > 20
        && let Some(c) = lzf::compress(s, s.len() - 4)
    {
        out.push(0xC3);
        put_len(out, c.len() as u64);
        put_len(out, s.len() as u64);
        out.extend_from_slice(&c);
        return;
    }
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

fn put_aux(out: &mut Vec<u8>, key: &str, val: &str) {
    out.push(OP_AUX);
    put_string(out, key.as_bytes());
    put_string(out, val.as_bytes());
}

fn is_empty_collection(v: &Value) -> bool {
    match v {
        Value::Str(_) => false,
        Value::List(l) => l.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::ZSet(z) => z.is_empty(),
        // An empty stream is a key like any other (it keeps its last ID and groups).
        Value::Stream(_) => false,
    }
}

/// A rough memory estimate for the `used-mem` aux field (Redis only logs it); O(1) per key so
/// the counting pass stays cheap for large collections.
fn approx_size(key: &[u8], v: &Value) -> u64 {
    let body = match v {
        Value::Str(s) => s.len(),
        Value::List(l) => l.len() * 32,
        Value::Hash(h) => h.len() * 64,
        Value::Set(s) => s.len() * 40,
        Value::ZSet(z) => z.len() * 64,
        Value::Stream(s) => s.len() * 96,
    };
    (key.len() + body + 64) as u64
}

/// The oldest RDB version that can hold every value of `db`. Strings, lists, hashes, sets
/// and sorted sets have an RDB 6 form ([`MIN_WRITE_VERSION`]); a stream needs RDB 9 (type 15,
/// Redis 5.0) or, when it carries 7.0's counters (entries added, max deleted ID, a group read
/// counter other than the one a 6.2 loader derives), RDB 10 (type 19). The match is
/// exhaustive so that a new value type must decide here.
pub fn oldest_version_for(db: &Db) -> u32 {
    db.iter()
        .map(|(_, e)| match &e.value {
            Value::Str(_) | Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => {
                MIN_WRITE_VERSION
            }
            Value::Stream(s) if rdb_stream::fits_type_15(s) => STREAM_MIN_VERSION,
            Value::Stream(_) => STREAM_V2_MIN_VERSION,
        })
        .max()
        .unwrap_or(MIN_WRITE_VERSION)
}

/// Append a score as RDB type 3 does (`rdbSaveDoubleValue`): one length byte then the text,
/// or 253/254/255 for NaN/+inf/-inf.
fn put_text_double(out: &mut Vec<u8>, score: f64) {
    if score.is_nan() {
        out.push(253);
    } else if score == f64::INFINITY {
        out.push(254);
    } else if score == f64::NEG_INFINITY {
        out.push(255);
    } else {
        // `{:e}` is the shortest text that parses back to the same double (at most ~24
        // bytes), which `strtod` reads as well; plain `{}` would spell 1e300 in 301 digits.
        let text = format!("{score:e}");
        out.push(text.len() as u8);
        out.extend_from_slice(text.as_bytes());
    }
}

/// Write a whole RDB file for `db` to `w`, in our own version ([`RDB_VERSION`]).
pub fn write_rdb<W: Write>(w: &mut W, db: &Db, aux: &RdbAux) -> Result<(), RdbError> {
    write_rdb_version(w, db, aux, RDB_VERSION)
}

/// Write a whole RDB file for `db` to `w` in RDB `version` ([`MIN_WRITE_VERSION`] to
/// [`RDB_VERSION`]), for a loader that knows no newer one (see the module docs).
pub fn write_rdb_version<W: Write>(
    w: &mut W,
    db: &Db,
    aux: &RdbAux,
    version: u32,
) -> Result<(), RdbError> {
    if !(MIN_WRITE_VERSION..=RDB_VERSION).contains(&version) {
        return Err(invalid(format!(
            "cannot write rdb version {version} (only {MIN_WRITE_VERSION} to {RDB_VERSION})"
        )));
    }
    let (mut keys, mut expires, mut mem) = (0u64, 0u64, 0u64);
    for (k, e) in db.iter() {
        if is_empty_collection(&e.value) {
            continue;
        }
        keys += 1;
        expires += u64::from(e.expire_at_ms.is_some());
        mem += approx_size(k, &e.value);
    }
    let ctime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);

    let mut sink = Sink {
        w,
        buf: Vec::with_capacity(BUF_SIZE + 1024),
        crc: 0,
    };
    let out = &mut sink.buf;
    out.extend_from_slice(format!("REDIS{version:04}").as_bytes());
    // AUX and RESIZEDB came with RDB 7 (3.2); 2.8 would refuse them as unknown types.
    let has_aux = version >= 7;
    if has_aux {
        put_aux(out, "redis-ver", REDIS_VER);
        put_aux(out, "redis-bits", "64");
        put_aux(out, "ctime", &ctime.to_string());
        put_aux(out, "used-mem", &mem.to_string());
        if let Some(id) = &aux.repl_id {
            put_aux(out, "repl-stream-db", "0");
            put_aux(out, "repl-id", id);
            put_aux(
                out,
                "repl-offset",
                &aux.repl_offset.unwrap_or(0).to_string(),
            );
        }
        if version >= 10 {
            put_aux(out, "aof-base", "0");
        }
    }
    if keys > 0 {
        out.push(OP_SELECTDB);
        put_len(out, 0);
        if has_aux {
            out.push(OP_RESIZEDB);
            put_len(out, keys);
            put_len(out, expires);
        }
    }
    for (key, entry) in db.iter() {
        if is_empty_collection(&entry.value) {
            continue;
        }
        let out = &mut sink.buf;
        if let Some(at) = entry.expire_at_ms {
            out.push(OP_EXPIRETIME_MS);
            out.extend_from_slice(&(at.min(i64::MAX as u64)).to_le_bytes());
        }
        match &entry.value {
            Value::Str(s) => {
                out.push(TYPE_STRING);
                put_string(out, key);
                put_string(out, s);
            }
            Value::List(l) => {
                out.push(TYPE_LIST);
                put_string(out, key);
                put_len(out, l.len() as u64);
                for item in l {
                    put_string(&mut sink.buf, item);
                    sink.flush_if_full()?;
                }
            }
            Value::Set(s) => {
                out.push(TYPE_SET);
                put_string(out, key);
                put_len(out, s.len() as u64);
                for m in s {
                    put_string(&mut sink.buf, m);
                    sink.flush_if_full()?;
                }
            }
            Value::Hash(h) => {
                out.push(TYPE_HASH);
                put_string(out, key);
                put_len(out, h.len() as u64);
                for (f, v) in h {
                    put_string(&mut sink.buf, f);
                    put_string(&mut sink.buf, v);
                    sink.flush_if_full()?;
                }
            }
            Value::ZSet(z) => {
                // Binary scores (type 5) came with RDB 8 (4.0).
                let binary = version >= 8;
                out.push(if binary { TYPE_ZSET_2 } else { TYPE_ZSET });
                put_string(out, key);
                put_len(out, z.len() as u64);
                for (m, score) in z.iter().rev() {
                    put_string(&mut sink.buf, m);
                    if binary {
                        sink.buf.extend_from_slice(&score.to_le_bytes());
                    } else {
                        put_text_double(&mut sink.buf, score);
                    }
                    sink.flush_if_full()?;
                }
            }
            Value::Stream(s) => {
                if version < STREAM_MIN_VERSION {
                    return Err(invalid(format!(
                        "key '{}' holds a stream, which rdb version {version} cannot hold (streams need {STREAM_MIN_VERSION})",
                        show_key(key)
                    )));
                }
                rdb_stream::write_stream(&mut sink, key, s, version >= STREAM_V2_MIN_VERSION)?;
            }
        }
        sink.flush_if_full()?;
    }
    sink.buf.push(OP_EOF);
    sink.flush_buf()?;
    let crc = sink.crc;
    sink.w.write_all(&crc.to_le_bytes())?;
    sink.w.flush()?;
    Ok(())
}

/// Save atomically: write a temp file in the same directory, fsync, rename over `path`,
/// fsync the directory.
pub fn save_atomic(path: &Path, db: &Db, aux: &RdbAux) -> Result<(), RdbError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    // Unique per process and call, so two saves never share a temp file.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!("temp-{}-{seq}.rdb", std::process::id()));
    let result = (|| -> Result<(), RdbError> {
        let mut file = std::fs::File::create(&tmp)?;
        write_rdb(&mut file, db, aux)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Reads through a `BufRead`, keeping the CRC64 of what it has consumed and the offset, so a
/// short file is reported with its position. Bytes are released to the underlying reader
/// (`consume`) a buffer at a time, and the CRC is computed over each released run, so neither
/// costs per byte; at the end exactly the RDB's bytes have been consumed.
struct Src<R: BufRead> {
    inner: R,
    /// Bytes of the current `fill_buf` slice already read but not yet released.
    pos: usize,
    /// CRC of every released byte.
    crc: u64,
    /// Bytes released so far.
    base: u64,
}

impl<R: BufRead> Src<R> {
    fn new(inner: R) -> Self {
        Src {
            inner,
            pos: 0,
            crc: 0,
            base: 0,
        }
    }

    /// Offset of the next byte.
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn fill(&mut self) -> Result<&[u8], RdbError> {
        loop {
            match self.inner.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        // The loop above cannot return the borrowed slice itself; this second call only
        // returns what is buffered (it reads again only at end of input).
        Ok(self.inner.fill_buf()?)
    }

    /// Release what has been read of the current buffer, adding it to the CRC.
    fn release(&mut self) -> Result<(), RdbError> {
        if self.pos > 0 {
            let n = self.pos;
            // The buffer still holds these bytes: fill_buf does no I/O while it is not empty.
            let crc = self.crc;
            let buf = self.fill()?;
            self.crc = crc64::crc64(crc, &buf[..n]);
            self.inner.consume(n);
            self.base += n as u64;
            self.pos = 0;
        }
        Ok(())
    }

    /// The unread bytes of the current buffer, refilling when it is exhausted; empty at the
    /// end of input.
    fn avail(&mut self) -> Result<&[u8], RdbError> {
        let len = self.fill()?.len();
        if self.pos >= len {
            self.release()?;
        }
        let pos = self.pos;
        Ok(&self.fill()?[pos..])
    }

    fn eof_error(&self) -> RdbError {
        invalid(format!("unexpected end of file at byte {}", self.offset()))
    }

    fn u8(&mut self) -> Result<u8, RdbError> {
        let first = self.avail()?.first().copied();
        let b = first.ok_or_else(|| self.eof_error())?;
        self.pos += 1;
        Ok(b)
    }

    fn exact(&mut self, out: &mut [u8]) -> Result<(), RdbError> {
        let mut filled = 0;
        while filled < out.len() {
            let a = self.avail()?;
            if a.is_empty() {
                return Err(self.eof_error());
            }
            let n = a.len().min(out.len() - filled);
            out[filled..filled + n].copy_from_slice(&a[..n]);
            self.pos += n;
            filled += n;
        }
        Ok(())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut a = [0u8; N];
        self.exact(&mut a)?;
        Ok(a)
    }

    /// Read `n` bytes into a vector that grows with the bytes actually present, so a length
    /// claimed by a hostile file cannot make us allocate more than the file holds.
    fn bytes(&mut self, n: u64) -> Result<Vec<u8>, RdbError> {
        if n > MAX_STRING_LEN {
            return Err(invalid(format!(
                "string of {n} bytes at byte {} exceeds the 512 MiB limit",
                self.offset()
            )));
        }
        let n = n as usize;
        let mut v = Vec::with_capacity(n.min(BUF_SIZE));
        while v.len() < n {
            let want = n - v.len();
            let a = self.avail()?;
            if a.is_empty() {
                return Err(self.eof_error());
            }
            let k = a.len().min(want);
            v.extend_from_slice(&a[..k]);
            self.pos += k;
        }
        Ok(v)
    }

    /// The CRC64 of every byte consumed so far.
    fn checksum(&mut self) -> Result<u64, RdbError> {
        self.release()?;
        Ok(self.crc)
    }

    /// A length, or `(encoding, true)` for the special string encodings.
    fn len_or_enc(&mut self) -> Result<(u64, bool), RdbError> {
        let b = self.u8()?;
        Ok(match b >> 6 {
            0 => (u64::from(b & 0x3f), false),
            1 => ((u64::from(b & 0x3f) << 8) | u64::from(self.u8()?), false),
            3 => (u64::from(b & 0x3f), true),
            _ => match b {
                0x80 => (u64::from(u32::from_be_bytes(self.array()?)), false),
                0x81 => (u64::from_be_bytes(self.array()?), false),
                _ => {
                    return Err(invalid(format!(
                        "unknown length encoding {b:#04x} at byte {}",
                        self.offset() - 1
                    )));
                }
            },
        })
    }

    fn len(&mut self) -> Result<u64, RdbError> {
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            (_, true) => Err(invalid(format!(
                "expected a length at byte {}, found a string encoding",
                self.offset() - 1
            ))),
        }
    }

    fn string(&mut self) -> Result<Bytes, RdbError> {
        let (n, encoded) = self.len_or_enc()?;
        if !encoded {
            return Ok(Bytes::from(self.bytes(n)?));
        }
        let v: i64 = match n {
            ENC_INT8 => i64::from(self.u8()? as i8),
            ENC_INT16 => i64::from(i16::from_le_bytes(self.array()?)),
            ENC_INT32 => i64::from(i32::from_le_bytes(self.array()?)),
            ENC_LZF => {
                let at = self.offset();
                let clen = self.len()?;
                let ulen = self.len()?;
                if ulen > MAX_STRING_LEN || ulen > clen.saturating_mul(LZF_MAX_RATIO) {
                    return Err(invalid(format!(
                        "lzf string at byte {at} claims {ulen} bytes from {clen} compressed"
                    )));
                }
                let compressed = self.bytes(clen)?;
                let plain = lzf::decompress(&compressed, ulen as usize)
                    .map_err(|e| invalid(format!("lzf string at byte {at}: {e}")))?;
                return Ok(Bytes::from(plain));
            }
            other => {
                return Err(invalid(format!(
                    "unknown string encoding {other} at byte {}",
                    self.offset()
                )));
            }
        };
        Ok(Bytes::from(v.to_string()))
    }

    /// A score in the old text form (RDB type 3).
    fn text_double(&mut self) -> Result<f64, RdbError> {
        match self.u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let b = self.bytes(u64::from(n))?;
                parse_score(&b).ok_or_else(|| invalid("unparsable score in a sorted set"))
            }
        }
    }
}

fn parse_score(b: &[u8]) -> Option<f64> {
    std::str::from_utf8(b).ok()?.trim().parse::<f64>().ok()
}

/// What a key's value turned into: a value, or nothing (an empty collection, skipped).
type Loaded = Option<Value>;

fn list_from(items: Vec<Bytes>) -> Loaded {
    (!items.is_empty()).then(|| Value::List(VecDeque::from(items)))
}

fn set_from(members: Vec<Bytes>, key: &[u8]) -> Result<Loaded, RdbError> {
    let mut set = HashSet::with_capacity(members.len());
    for m in members {
        if !set.insert(m) {
            return Err(invalid(format!(
                "duplicate set member in key '{}'",
                show_key(key)
            )));
        }
    }
    Ok((!set.is_empty()).then_some(Value::Set(set)))
}

fn hash_from_pairs(flat: Vec<Bytes>, key: &[u8]) -> Result<Loaded, RdbError> {
    if !flat.len().is_multiple_of(2) {
        return Err(invalid(format!(
            "hash '{}' has an odd number of elements",
            show_key(key)
        )));
    }
    let mut h = HashMap::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(f), Some(v)) = (it.next(), it.next()) {
        if h.insert(f, v).is_some() {
            return Err(invalid(format!(
                "duplicate hash field in key '{}'",
                show_key(key)
            )));
        }
    }
    Ok((!h.is_empty()).then_some(Value::Hash(h)))
}

fn zset_insert(z: &mut ZSet, member: Bytes, score: f64, key: &[u8]) -> Result<(), RdbError> {
    if score.is_nan() {
        return Err(invalid(format!(
            "NaN score in sorted set '{}'",
            show_key(key)
        )));
    }
    if !z.insert(member, score) {
        return Err(invalid(format!(
            "duplicate member in sorted set '{}'",
            show_key(key)
        )));
    }
    Ok(())
}

fn zset_from_pairs(flat: Vec<Bytes>, key: &[u8]) -> Result<Loaded, RdbError> {
    if !flat.len().is_multiple_of(2) {
        return Err(invalid(format!(
            "sorted set '{}' has an odd number of elements",
            show_key(key)
        )));
    }
    let mut z = ZSet::new();
    let mut it = flat.into_iter();
    while let (Some(m), Some(s)) = (it.next(), it.next()) {
        let score = parse_score(&s).ok_or_else(|| {
            invalid(format!(
                "unparsable score in sorted set '{}'",
                show_key(key)
            ))
        })?;
        zset_insert(&mut z, m, score, key)?;
    }
    Ok((!z.is_empty()).then_some(Value::ZSet(z)))
}

fn blob_err(what: &str, key: &[u8], e: String) -> RdbError {
    invalid(format!("{what} of key '{}': {e}", show_key(key)))
}

fn read_object<R: BufRead>(src: &mut Src<R>, t: u8, key: &[u8]) -> Result<Loaded, RdbError> {
    Ok(match t {
        TYPE_STRING => Some(Value::Str(src.string()?)),
        TYPE_LIST => {
            let n = src.len()?;
            let mut l = VecDeque::with_capacity(n.min(1024) as usize);
            for _ in 0..n {
                l.push_back(src.string()?);
            }
            (!l.is_empty()).then_some(Value::List(l))
        }
        TYPE_SET => {
            let n = src.len()?;
            let mut s = HashSet::with_capacity(n.min(1024) as usize);
            for _ in 0..n {
                if !s.insert(src.string()?) {
                    return Err(invalid(format!(
                        "duplicate set member in key '{}'",
                        show_key(key)
                    )));
                }
            }
            (!s.is_empty()).then_some(Value::Set(s))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = src.len()?;
            let mut z = ZSet::new();
            for _ in 0..n {
                let m = src.string()?;
                let score = if t == TYPE_ZSET_2 {
                    f64::from_le_bytes(src.array()?)
                } else {
                    src.text_double()?
                };
                zset_insert(&mut z, m, score, key)?;
            }
            (!z.is_empty()).then_some(Value::ZSet(z))
        }
        TYPE_HASH => {
            let n = src.len()?;
            let mut h = HashMap::with_capacity(n.min(1024) as usize);
            for _ in 0..n {
                let f = src.string()?;
                let v = src.string()?;
                if h.insert(f, v).is_some() {
                    return Err(invalid(format!(
                        "duplicate hash field in key '{}'",
                        show_key(key)
                    )));
                }
            }
            (!h.is_empty()).then_some(Value::Hash(h))
        }
        TYPE_HASH_ZIPMAP => {
            let blob = src.string()?;
            let flat = ziplist::zipmap_pairs(&blob).map_err(|e| blob_err("zipmap", key, e))?;
            hash_from_pairs(flat, key)?
        }
        TYPE_LIST_ZIPLIST => {
            let blob = src.string()?;
            list_from(ziplist::ziplist_entries(&blob).map_err(|e| blob_err("ziplist", key, e))?)
        }
        TYPE_SET_INTSET => {
            let blob = src.string()?;
            let members = ziplist::intset_members(&blob).map_err(|e| blob_err("intset", key, e))?;
            set_from(members, key)?
        }
        TYPE_ZSET_ZIPLIST => {
            let blob = src.string()?;
            let flat = ziplist::ziplist_entries(&blob).map_err(|e| blob_err("ziplist", key, e))?;
            zset_from_pairs(flat, key)?
        }
        TYPE_HASH_ZIPLIST => {
            let blob = src.string()?;
            let flat = ziplist::ziplist_entries(&blob).map_err(|e| blob_err("ziplist", key, e))?;
            hash_from_pairs(flat, key)?
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = src.len()?;
            let mut l = VecDeque::new();
            for _ in 0..nodes {
                let container = if t == TYPE_LIST_QUICKLIST_2 {
                    src.len()?
                } else {
                    QUICKLIST_PACKED
                };
                let blob = src.string()?;
                if blob.is_empty() {
                    return Err(invalid(format!(
                        "empty quicklist node in key '{}'",
                        show_key(key)
                    )));
                }
                match container {
                    QUICKLIST_PLAIN => l.push_back(blob),
                    QUICKLIST_PACKED if t == TYPE_LIST_QUICKLIST => l.extend(
                        ziplist::ziplist_entries(&blob).map_err(|e| blob_err("ziplist", key, e))?,
                    ),
                    QUICKLIST_PACKED => l.extend(
                        listpack::entries(&blob).map_err(|e| blob_err("listpack", key, e))?,
                    ),
                    other => {
                        return Err(invalid(format!(
                            "unknown quicklist container {other} in key '{}'",
                            show_key(key)
                        )));
                    }
                }
            }
            (!l.is_empty()).then_some(Value::List(l))
        }
        TYPE_HASH_LISTPACK => {
            let blob = src.string()?;
            let flat = listpack::entries(&blob).map_err(|e| blob_err("listpack", key, e))?;
            hash_from_pairs(flat, key)?
        }
        TYPE_ZSET_LISTPACK => {
            let blob = src.string()?;
            let flat = listpack::entries(&blob).map_err(|e| blob_err("listpack", key, e))?;
            zset_from_pairs(flat, key)?
        }
        TYPE_SET_LISTPACK => {
            let blob = src.string()?;
            let members = listpack::entries(&blob).map_err(|e| blob_err("listpack", key, e))?;
            set_from(members, key)?
        }
        TYPE_MODULE | TYPE_MODULE_2 => {
            return Err(invalid(format!(
                "module value (type {t}) in key '{}': modules are not supported",
                show_key(key)
            )));
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 | TYPE_STREAM_LISTPACKS_3 => {
            Some(rdb_stream::read_stream(src, t, key)?)
        }
        other => {
            return Err(invalid(format!(
                "unknown value type {other} for key '{}' at byte {}",
                show_key(key),
                src.offset()
            )));
        }
    })
}

/// Read a whole RDB file from `r`. This buffers, so it may read past the end of the RDB: use
/// [`read_rdb_buffered`] when more data follows the payload in the same stream.
pub fn read_rdb<R: Read>(r: &mut R) -> Result<(Db, RdbAux), RdbError> {
    let (db, aux, _) = read_rdb_buffered(&mut BufReader::with_capacity(BUF_SIZE, r))?;
    Ok((db, aux))
}

/// Read an RDB from a buffered reader, consuming exactly its bytes (magic through checksum):
/// whatever follows stays in `r` (the replication stream after a full-sync payload, the
/// commands after an AOF's RDB preamble). Also returns the RDB's length in bytes.
pub fn read_rdb_buffered<R: BufRead>(r: &mut R) -> Result<(Db, RdbAux, u64), RdbError> {
    let mut src = Src::new(r);
    let magic: [u8; 9] = src.array().map_err(|e| match e {
        RdbError::Invalid(_) => invalid("file too short for the REDIS magic"),
        other => other,
    })?;
    if &magic[..5] != b"REDIS" {
        return Err(invalid("wrong signature: not an RDB file"));
    }
    let version: u32 = std::str::from_utf8(&magic[5..])
        .ok()
        .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("unreadable RDB version"))?;
    if !(1..=MAX_READ_VERSION).contains(&version) {
        return Err(invalid(format!(
            "can't handle RDB format version {version}"
        )));
    }

    let mut db = Db::new();
    let mut aux = RdbAux::default();
    let mut dbid = 0u64;
    let mut expire: Option<u64> = None;
    let mut skipped_empty = 0u64;
    let mut scratch: Vec<u8> = Vec::new();
    loop {
        let t = src.u8()?;
        match t {
            OP_EXPIRETIME => {
                let secs = i32::from_le_bytes(src.array()?);
                expire = Some(u64::try_from(secs).unwrap_or(0) * 1000);
            }
            OP_EXPIRETIME_MS => {
                let ms = i64::from_le_bytes(src.array()?);
                expire = Some(u64::try_from(ms).unwrap_or(0));
            }
            OP_FREQ => {
                src.u8()?;
            }
            OP_IDLE => {
                src.len()?;
            }
            OP_EOF => break,
            OP_SELECTDB => dbid = src.len()?,
            OP_RESIZEDB => {
                let keys = src.len()?;
                src.len()?;
                // A hint from the file: cap it so a hostile header cannot make us reserve
                // memory for keys that are not there.
                db.reserve(usize::try_from(keys.min(1 << 24)).unwrap_or(0));
            }
            OP_AUX => {
                let k = src.string()?;
                let v = src.string()?;
                if k.eq_ignore_ascii_case(b"repl-id") {
                    if v.len() == 40 {
                        aux.repl_id = std::str::from_utf8(&v).ok().map(str::to_owned);
                    }
                } else if k.eq_ignore_ascii_case(b"repl-offset") {
                    aux.repl_offset = std::str::from_utf8(&v)
                        .ok()
                        .and_then(|s| s.trim().parse::<u64>().ok());
                }
            }
            OP_MODULE_AUX => {
                return Err(invalid(format!(
                    "module aux data (opcode 0xF7) at byte {}: modules are not supported",
                    src.offset() - 1
                )));
            }
            OP_FUNCTION2 => {
                src.string()?;
                tracing::warn!("rdb contains a function library: skipped (rkv has no scripting)");
            }
            OP_FUNCTION_PRE_GA => {
                src.string()?; // name
                src.string()?; // engine
                if src.len()? != 0 {
                    src.string()?; // description
                }
                src.string()?; // code
                tracing::warn!("rdb contains a function library: skipped (rkv has no scripting)");
            }
            _ => {
                let key = src.string()?;
                let value = read_object(&mut src, t, &key)?;
                if dbid != 0 {
                    return Err(invalid(format!(
                        "key '{}' is in database {dbid}: rkv serves only database 0",
                        show_key(&key)
                    )));
                }
                match value {
                    Some(v) => {
                        // Keep a copy of the name in a reused buffer rather than cloning the
                        // key: cloning a `Bytes` made from a `Vec` allocates a shared header.
                        scratch.clear();
                        scratch.extend_from_slice(&key);
                        let before = db.len();
                        db.insert_entry(key, v, expire);
                        if db.len() == before {
                            return Err(invalid(format!(
                                "duplicated key '{}'",
                                show_key(&scratch)
                            )));
                        }
                    }
                    None => skipped_empty += 1,
                }
                expire = None;
            }
        }
    }
    if version >= 5 {
        let computed = src.checksum()?;
        let stored = u64::from_le_bytes(src.array()?);
        if stored != 0 && stored != computed {
            return Err(invalid(format!(
                "wrong checksum: file says {stored:016x}, content gives {computed:016x}"
            )));
        }
    }
    if skipped_empty > 0 {
        tracing::warn!(
            skipped_empty,
            "rdb had empty keys; skipped them as redis does"
        );
    }
    src.release()?;
    Ok((db, aux, src.offset()))
}

/// Load `path`; `Ok(None)` when it does not exist.
pub fn load_file(path: &Path) -> Result<Option<(Db, RdbAux)>, RdbError> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    read_rdb(&mut file).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build an RDB file of `version` around `body` (opcodes and keys), with a real CRC.
    fn file(version: u32, body: &[u8]) -> Vec<u8> {
        let mut f = format!("REDIS{version:04}").into_bytes();
        f.extend_from_slice(body);
        f.push(OP_EOF);
        let crc = crc64::crc64(0, &f);
        f.extend_from_slice(&crc.to_le_bytes());
        f
    }

    fn key(t: u8, k: &str) -> Vec<u8> {
        let mut v = vec![t];
        put_string(&mut v, k.as_bytes());
        v
    }

    fn blob(body: &mut Vec<u8>, b: &[u8]) {
        put_len(body, b.len() as u64);
        body.extend_from_slice(b);
    }

    fn load(f: &[u8]) -> Result<(Db, RdbAux), RdbError> {
        read_rdb(&mut &f[..])
    }

    fn get(db: &Db, k: &str) -> Value {
        db.iter()
            .find(|(kk, _)| kk.as_ref() == k.as_bytes())
            .map(|(_, e)| e.value.clone())
            .unwrap_or_else(|| panic!("no key {k}"))
    }

    fn strs(items: &[&str]) -> Vec<Bytes> {
        items
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    fn ziplist(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        for it in items {
            let start = body.len();
            body.push(prev as u8);
            body.push(it.len() as u8); // 6-bit string length
            body.extend_from_slice(it);
            prev = body.len() - start;
        }
        let total = 10 + body.len() + 1;
        let mut zl = (total as u32).to_le_bytes().to_vec();
        zl.extend_from_slice(&0u32.to_le_bytes());
        zl.extend_from_slice(&(items.len() as u16).to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xFF);
        zl
    }

    #[test]
    fn int_encoding_only_for_canonical_i32_text() {
        for (s, enc) in [
            ("0", true),
            ("-128", true),
            ("2147483647", true),
            ("2147483648", false),
            ("007", false),
            ("+5", false),
            ("-0", false),
            ("", false),
            (" 1", false),
        ] {
            assert_eq!(int_encodable(s.as_bytes()).is_some(), enc, "{s:?}");
        }
        let mut v = Vec::new();
        put_string(&mut v, b"-300");
        assert_eq!(v, [0xC1, 0xd4, 0xfe]);
    }

    #[test]
    fn lengths_use_every_width() {
        for (n, bytes) in [
            (5u64, vec![5u8]),
            (300, vec![0x41, 0x2c]),
            (70_000, vec![0x80, 0, 1, 0x11, 0x70]),
            (1 << 33, vec![0x81, 0, 0, 0, 2, 0, 0, 0, 0]),
        ] {
            let mut v = Vec::new();
            put_len(&mut v, n);
            assert_eq!(v, bytes);
            let mut src = Src::new(&v[..]);
            assert_eq!(src.len().unwrap(), n);
        }
    }

    /// Keys in every legacy and compact encoding, and the opcodes around them.
    fn legacy_body() -> Vec<u8> {
        let mut body = Vec::new();
        // Type 3: zset with text scores, including the inf markers.
        body.extend(key(TYPE_ZSET, "z3"));
        put_len(&mut body, 3);
        put_string(&mut body, b"a");
        body.extend_from_slice(b"\x031.5");
        put_string(&mut body, b"b");
        body.push(254);
        put_string(&mut body, b"c");
        body.push(255);
        // Type 9: zipmap hash.
        body.extend(key(TYPE_HASH_ZIPMAP, "zm"));
        blob(&mut body, b"\x01\x01f\x01\x00v\xff");
        // Type 10: ziplist list.
        body.extend(key(TYPE_LIST_ZIPLIST, "zl"));
        blob(&mut body, &ziplist(&[b"x", b"y"]));
        // Type 11: intset.
        body.extend(key(TYPE_SET_INTSET, "is"));
        let mut is = 2u32.to_le_bytes().to_vec();
        is.extend_from_slice(&2u32.to_le_bytes());
        is.extend_from_slice(&(-1i16).to_le_bytes());
        is.extend_from_slice(&5i16.to_le_bytes());
        blob(&mut body, &is);
        // Type 12: zset ziplist.
        body.extend(key(TYPE_ZSET_ZIPLIST, "zz"));
        blob(&mut body, &ziplist(&[b"m", b"2.5"]));
        // Type 13: hash ziplist.
        body.extend(key(TYPE_HASH_ZIPLIST, "hz"));
        blob(&mut body, &ziplist(&[b"f", b"v"]));
        // Type 14: quicklist of ziplists.
        body.extend(key(TYPE_LIST_QUICKLIST, "ql"));
        put_len(&mut body, 2);
        blob(&mut body, &ziplist(&[b"1", b"2"]));
        blob(&mut body, &ziplist(&[b"3"]));
        // Type 16/17/20: listpacks.
        body.extend(key(TYPE_HASH_LISTPACK, "hl"));
        blob(&mut body, &listpack::encode_strings(&[b"f", b"v"]));
        body.extend(key(TYPE_ZSET_LISTPACK, "zlp"));
        blob(&mut body, &listpack::encode_strings(&[b"m", b"-inf"]));
        body.extend(key(TYPE_SET_LISTPACK, "slp"));
        blob(&mut body, &listpack::encode_strings(&[b"a", b"b"]));
        // Type 18: quicklist 2 with a plain node and a packed node.
        body.extend(key(TYPE_LIST_QUICKLIST_2, "q2"));
        put_len(&mut body, 2);
        put_len(&mut body, QUICKLIST_PLAIN);
        blob(&mut body, b"big");
        put_len(&mut body, QUICKLIST_PACKED);
        blob(&mut body, &listpack::encode_strings(&[b"p", b"q"]));
        // Key-specific hints and an expiry in seconds.
        body.push(OP_IDLE);
        put_len(&mut body, 1000);
        body.push(OP_FREQ);
        body.push(5);
        body.push(OP_EXPIRETIME);
        body.extend_from_slice(&2_000_000_000i32.to_le_bytes());
        body.extend(key(TYPE_STRING, "old"));
        put_string(&mut body, b"v");
        // A function library is skipped; an empty list key is skipped.
        body.push(OP_FUNCTION2);
        put_string(
            &mut body,
            b"#!lua name=x\nredis.register_function('f', function() end)",
        );
        body.extend(key(TYPE_LIST, "empty"));
        put_len(&mut body, 0);
        body
    }

    #[test]
    fn reads_legacy_and_compact_encodings() {
        let (db, _) = load(&file(11, &legacy_body())).unwrap();
        assert_eq!(db.len(), 12);
        let Value::ZSet(z) = get(&db, "z3") else {
            panic!()
        };
        assert_eq!(z.score(b"a"), Some(1.5));
        assert_eq!(z.score(b"b"), Some(f64::INFINITY));
        assert_eq!(z.score(b"c"), Some(f64::NEG_INFINITY));
        assert_eq!(
            get(&db, "zm"),
            Value::Hash([(Bytes::from("f"), Bytes::from("v"))].into())
        );
        assert_eq!(get(&db, "zl"), Value::List(strs(&["x", "y"]).into()));
        assert_eq!(
            get(&db, "is"),
            Value::Set(strs(&["-1", "5"]).into_iter().collect())
        );
        let Value::ZSet(z) = get(&db, "zz") else {
            panic!()
        };
        assert_eq!(z.score(b"m"), Some(2.5));
        assert_eq!(
            get(&db, "hz"),
            Value::Hash([(Bytes::from("f"), Bytes::from("v"))].into())
        );
        assert_eq!(get(&db, "ql"), Value::List(strs(&["1", "2", "3"]).into()));
        assert_eq!(
            get(&db, "hl"),
            Value::Hash([(Bytes::from("f"), Bytes::from("v"))].into())
        );
        let Value::ZSet(z) = get(&db, "zlp") else {
            panic!()
        };
        assert_eq!(z.score(b"m"), Some(f64::NEG_INFINITY));
        assert_eq!(
            get(&db, "slp"),
            Value::Set(strs(&["a", "b"]).into_iter().collect())
        );
        assert_eq!(get(&db, "q2"), Value::List(strs(&["big", "p", "q"]).into()));
        let old = db.iter().find(|(k, _)| k.as_ref() == b"old").unwrap().1;
        assert_eq!(old.expire_at_ms, Some(2_000_000_000_000));
    }

    fn err_of(f: &[u8]) -> String {
        match load(f) {
            Err(RdbError::Invalid(m)) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn refuses_what_rkv_cannot_hold() {
        // A stream whose length disagrees with its nodes: 0 nodes, length 5.
        let mut stream = key(TYPE_STREAM_LISTPACKS_2, "events");
        stream.extend([0, 5, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(err_of(&file(10, &stream)).contains("stream in key 'events': length 5"));
        let mut module = key(TYPE_MODULE_2, "m");
        module.push(0);
        assert!(err_of(&file(10, &module)).contains("module value (type 7) in key 'm'"));
        assert!(err_of(&file(10, &[OP_MODULE_AUX, 1, 2, 3])).contains("module aux"));

        let mut other_db = vec![OP_SELECTDB, 3];
        other_db.extend(key(TYPE_STRING, "k"));
        put_string(&mut other_db, b"v");
        assert!(err_of(&file(10, &other_db)).contains("database 3"));

        let mut dup = key(TYPE_STRING, "k");
        put_string(&mut dup, b"1");
        dup.extend(key(TYPE_STRING, "k"));
        put_string(&mut dup, b"2");
        assert!(err_of(&file(10, &dup)).contains("duplicated key 'k'"));

        let mut dup_member = key(TYPE_SET, "s");
        put_len(&mut dup_member, 2);
        put_string(&mut dup_member, b"a");
        put_string(&mut dup_member, b"a");
        assert!(err_of(&file(10, &dup_member)).contains("duplicate set member"));

        let mut nan = key(TYPE_ZSET_2, "z");
        put_len(&mut nan, 1);
        put_string(&mut nan, b"a");
        nan.extend_from_slice(&f64::NAN.to_le_bytes());
        assert!(err_of(&file(10, &nan)).contains("NaN"));

        assert!(err_of(&file(12, &[])).contains("version 12"));
        assert!(err_of(b"REDIX0010").contains("signature"));
        let mut unknown = key(99, "k");
        unknown.push(0);
        assert!(err_of(&file(10, &unknown)).contains("unknown value type 99"));
    }

    #[test]
    fn checksum_rules() {
        let mut body = key(TYPE_STRING, "k");
        put_string(&mut body, b"v");
        let good = file(10, &body);
        assert!(load(&good).is_ok());
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(err_of(&bad).contains("wrong checksum"));
        bad[n - 8..].fill(0);
        assert!(load(&bad).is_ok(), "a zero checksum disables the check");
        // Versions before 5 have no checksum at all.
        let mut old = b"REDIS0004".to_vec();
        old.extend_from_slice(&body);
        old.push(OP_EOF);
        assert!(load(&old).is_ok());
        // Truncation anywhere is an error, never a panic.
        for cut in 0..good.len() {
            assert!(load(&good[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn hostile_lengths_are_refused_without_allocating() {
        // A 4 GiB string claimed by a tiny file.
        let mut body = key(TYPE_STRING, "k");
        body.extend_from_slice(&[0x80, 0xff, 0xff, 0xff, 0xff]);
        assert!(err_of(&file(10, &body)).contains("512 MiB"));
        // An LZF string claiming a huge expansion of 2 compressed bytes.
        let mut body = key(TYPE_STRING, "k");
        body.push(0xC3);
        put_len(&mut body, 2);
        put_len(&mut body, 100_000_000);
        body.extend_from_slice(&[0, b'a']);
        assert!(err_of(&file(10, &body)).contains("lzf string"));
        // A list claiming 2^60 elements.
        let mut body = key(TYPE_LIST, "l");
        put_len(&mut body, 1 << 60);
        err_of(&file(10, &body));
        let mut f = file(10, &body);
        f.truncate(f.len() - 9);
        assert!(err_of(&f).contains("unexpected end of file"));
    }

    #[test]
    fn writes_the_header_and_aux_fields_redis_expects() {
        let mut db = Db::new();
        db.insert_entry(Bytes::from("k"), Value::Str(Bytes::from("v")), Some(1));
        let mut out = Vec::new();
        write_rdb(&mut out, &db, &RdbAux::default()).unwrap();
        assert!(out.starts_with(b"REDIS0010\xfa\x09redis-ver\x067.0.15"));
        assert!(!out.windows(7).any(|w| w == b"repl-id"));
        let crc = u64::from_le_bytes(out[out.len() - 8..].try_into().unwrap());
        assert_eq!(crc, crc64::crc64(0, &out[..out.len() - 8]));
        assert_eq!(out[out.len() - 9], OP_EOF);
    }

    #[test]
    fn every_write_version_round_trips_and_old_ones_have_no_aux() {
        let mut db = Db::new();
        db.insert_entry(Bytes::from("s"), Value::Str(Bytes::from("12345")), Some(99));
        db.insert_entry(
            Bytes::from("l"),
            Value::List(strs(&["a", "b", "7"]).into()),
            None,
        );
        db.insert_entry(
            Bytes::from("h"),
            Value::Hash([(Bytes::from("f"), Bytes::from("v"))].into()),
            None,
        );
        db.insert_entry(
            Bytes::from("set"),
            Value::Set(strs(&["1", "x"]).into_iter().collect()),
            None,
        );
        let mut z = ZSet::default();
        let scores = [
            0.1,
            -2.5,
            1e300,
            -1e-300,
            0.0,
            3.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for (i, score) in scores.into_iter().enumerate() {
            z.insert(Bytes::from(format!("m{i}")), score);
        }
        db.insert_entry(Bytes::from("z"), Value::ZSet(z), None);
        assert_eq!(oldest_version_for(&db), MIN_WRITE_VERSION);
        for version in MIN_WRITE_VERSION..=RDB_VERSION {
            let aux = RdbAux {
                repl_id: Some("a".repeat(40)),
                repl_offset: Some(7),
            };
            let mut out = Vec::new();
            write_rdb_version(&mut out, &db, &aux, version).unwrap();
            assert!(out.starts_with(format!("REDIS{version:04}").as_bytes()));
            let (back, back_aux) = load(&out).unwrap();
            assert_eq!(back.len(), db.len(), "version {version}");
            for (k, e) in db.iter() {
                let b = back.iter().find(|(bk, _)| *bk == k).unwrap().1;
                assert_eq!(b.value, e.value, "version {version} key {k:?}");
                assert_eq!(b.expire_at_ms, e.expire_at_ms);
            }
            if version < 7 {
                // 2.8 reads any other opcode as an object type and refuses the file.
                assert_eq!(out[9], OP_SELECTDB);
                assert_eq!(back_aux, RdbAux::default());
            } else {
                assert_eq!(out[9], OP_AUX);
                assert_eq!(back_aux, aux);
            }
            let zset_type = if version < 8 { TYPE_ZSET } else { TYPE_ZSET_2 };
            assert!(out.windows(3).any(|w| w == [zset_type, 1, b'z']));
        }
        assert!(write_rdb_version(&mut Vec::new(), &db, &RdbAux::default(), 5).is_err());
        assert!(write_rdb_version(&mut Vec::new(), &db, &RdbAux::default(), 11).is_err());
    }

    #[test]
    fn save_atomic_replaces_the_file_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.rdb");
        assert!(load_file(&path).unwrap().is_none());
        let mut db = Db::new();
        db.insert_entry(Bytes::from("a"), Value::Str(Bytes::from("1")), None);
        save_atomic(&path, &db, &RdbAux::default()).unwrap();
        db.insert_entry(Bytes::from("b"), Value::Str(Bytes::from("2")), None);
        save_atomic(&path, &db, &RdbAux::default()).unwrap();
        assert_eq!(load_file(&path).unwrap().unwrap().0.len(), 2);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["dump.rdb"]);
        let missing_dir = dir.path().join("no/such/dir/dump.rdb");
        assert!(matches!(
            save_atomic(&missing_dir, &db, &RdbAux::default()),
            Err(RdbError::Io(_))
        ));
    }

    #[test]
    fn buffered_read_consumes_exactly_the_rdb() {
        let mut db = Db::new();
        for i in 0..500 {
            db.insert_entry(
                Bytes::from(format!("key:{i}")),
                Value::Str(Bytes::from("x".repeat(i))),
                None,
            );
        }
        let mut data = Vec::new();
        write_rdb(&mut data, &db, &RdbAux::default()).unwrap();
        let rdb_len = data.len() as u64;
        data.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        for cap in [1, 7, 64, 100_000] {
            let mut r = BufReader::with_capacity(cap, &data[..]);
            let (back, _, used) = read_rdb_buffered(&mut r).unwrap();
            assert_eq!(back.len(), 500);
            assert_eq!(used, rdb_len);
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n", "buffer capacity {cap}");
        }
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            #[test]
            fn mutated_legacy_encodings_never_panic(
                edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            ) {
                let mut f = file(11, &legacy_body());
                let n = f.len();
                f[n - 8..].fill(0); // no checksum: the mutated content is parsed through
                for (at, byte) in edits {
                    f[9 + at.index(n - 17)] = byte;
                }
                let _ = load(&f);
            }

            #[test]
            fn blob_decoders_never_panic(data in prop::collection::vec(any::<u8>(), 0..300), len in 0usize..2000) {
                let _ = listpack::entries(&data);
                let _ = ziplist::ziplist_entries(&data);
                let _ = ziplist::intset_members(&data);
                let _ = ziplist::zipmap_pairs(&data);
                let _ = lzf::decompress(&data, len);
                // With plausible headers, so the entry parsers run.
                let mut lp = ((data.len() + 7) as u32).to_le_bytes().to_vec();
                lp.extend_from_slice(&[0xff, 0xff]);
                lp.extend_from_slice(&data);
                lp.push(0xff);
                let _ = listpack::entries(&lp);
                let mut zl = ((data.len() + 11) as u32).to_le_bytes().to_vec();
                zl.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff]);
                zl.extend_from_slice(&data);
                zl.push(0xff);
                let _ = ziplist::ziplist_entries(&zl);
            }
        }
    }
}
