//! The data commands' table and the helpers every command family shares: key lookup with
//! expiry (and its `DEL` propagation), argument parsing with Redis's exact error texts, and
//! number formatting.
//!
//! Each family lives in its own module (keys, strings, hashes, lists, sets, zsets); this file
//! owns [`DATA_COMMANDS`], which the server's dispatcher reads for arity, flags, key positions
//! and the handler. Every handler is wrapped so it re-checks its own arity before running:
//! handlers then index `argv` only within that arity and no input can make them panic.
//!
//! # Where we knowingly differ from Redis 7.0
//! - One database: `COPY … DB n` accepts only 0, FLUSHALL empties the one keyspace.
//! - Replies whose RESP3 shape is a list of pairs (ZRANGE/ZPOPMIN WITHSCORES, HRANDFIELD
//!   WITHVALUES) are built in their flat RESP2 shape: [`ExecCtx`] does not carry the protocol.
//! - HSCAN/SSCAN/ZSCAN return the whole collection in one call with cursor 0 (what Redis does
//!   for small, listpack-encoded collections); std's maps have no stable cursor.
//! - OBJECT ENCODING is derived from the value's shape (Redis 7.0's thresholds), not from its
//!   history: a short string built by APPEND reports `embstr` where Redis says `raw`.
//! - Streams: see `streams.rs` (XREAD's RESP3 top level, XINFO's radix-tree counts); XGROUP
//!   and XINFO carry their subcommands' flags and key position in the table.
//! - A write command that fails (WRONGTYPE after lookup, a non-numeric INCR) or changes nothing
//!   may still bump the key's WATCH version: EXEC then aborts where Redis would not.

use super::flags::{BLOCKING, DENYOOM, FAST, READONLY, WRITE};
use super::{
    CommandSpec, ExecCtx, Handler, bits, blocking, function_min, hashes, keys, lists, sets,
    streams, strings, zsets,
};
use crate::resp::Frame;
use crate::store::{ExpiryCheck, Value};
use bytes::Bytes;
use std::collections::HashMap;

/// `-WRONGTYPE …`, Redis's reply to a command used on a key of another type.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// `-ERR syntax error`.
pub const SYNTAX: &str = "ERR syntax error";
/// Redis's reply to an argument that is not a 64-bit integer.
pub const NOT_INT: &str = "ERR value is not an integer or out of range";
/// Redis's reply to an argument that is not a float.
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
/// Redis's reply to a negative or zero count where a positive one is needed.
pub const NOT_POSITIVE: &str = "ERR value is out of range, must be positive";
/// Largest string value (Redis's default proto-max-bulk-len, 512 MB).
pub const MAX_STRING: usize = 512 * 1024 * 1024;

pub(crate) fn wrongtype() -> Frame {
    Frame::Error(WRONGTYPE.to_string())
}
pub(crate) fn syntax() -> Frame {
    Frame::Error(SYNTAX.to_string())
}
pub(crate) fn not_int() -> Frame {
    Frame::Error(NOT_INT.to_string())
}
pub(crate) fn not_float() -> Frame {
    Frame::Error(NOT_FLOAT.to_string())
}

/// Redis's `string2ll`: an optional `-`, no `+`, no spaces, no leading zeros, fits in i64.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b == b"0" {
        return Some(0);
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !(b'1'..=b'9').contains(&digits[0]) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Redis's `strtold`-based float parsing of arguments: no leading space, the whole string,
/// `inf`/`-inf` accepted, NaN refused.
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    if v.is_nan() { None } else { Some(v) }
}

/// C's `printf("%.17g", v)`: how Redis 7.0 prints a double reply on RESP2 (and RESP3).
pub fn format_g17(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{v:.16e}");
    let Some((mant, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..17).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mant), exp.abs())
    } else {
        let decimals = (16 - exp).max(0) as usize;
        trim(&format!("{v:.decimals$}"))
    }
}

/// Redis 7.0's `d2string`: integers (below 2^52) as integers, else `%.17g`; how scores are
/// stored and shown by ZSCAN.
pub fn format_double_d2string(v: f64) -> String {
    if v.is_finite()
        && v != 0.0
        && v > -4_503_599_627_370_495.0
        && v < 4_503_599_627_370_496.0
        && v == (v as i64) as f64
    {
        return (v as i64).to_string();
    }
    format_g17(v)
}

/// Format an integer reply value as bytes.
pub(crate) fn int_bytes(v: i64) -> Bytes {
    Bytes::from(v.to_string())
}

/// Look a key up for writing-side expiry: on a master, a key past its expiry is deleted and
/// `DEL key` propagated before anything else; on a replica the key stays (its master's DEL or
/// its master's own commands decide). Returns true when the key is now logically missing.
pub(crate) fn expire_if_needed(ctx: &mut ExecCtx<'_>, key: &Bytes) -> bool {
    match ctx.db.check_expiry(key, ctx.now_ms, ctx.is_master) {
        ExpiryCheck::NotExpired => false,
        ExpiryCheck::Hidden => true,
        ExpiryCheck::Deleted => {
            ctx.propagate
                .push(vec![Bytes::from_static(b"DEL"), key.clone()]);
            true
        }
    }
}

/// Read a key as a reading command does: expiry applied (a master's `DEL` propagated), hit
/// or miss counted; one hash lookup.
pub(crate) fn lookup_read<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Option<&'a Value> {
    let (entry, check) = ctx.db.read_live(key, ctx.now_ms, ctx.is_master);
    if check == ExpiryCheck::Deleted {
        ctx.propagate
            .push(vec![Bytes::from_static(b"DEL"), key.clone()]);
    }
    entry.map(|e| &e.value)
}

/// Prepare a key for a write: on a master an expired key is reclaimed first (and its DEL
/// propagated); on a replica an expired key still counts as present, as Redis lets its
/// master's stream see it.
pub(crate) fn prepare_write(ctx: &mut ExecCtx<'_>, key: &Bytes) {
    if ctx.is_master {
        expire_if_needed(ctx, key);
    }
}

/// The live value under `key` for a write (see [`prepare_write`]); stamps the key's version.
/// One hash lookup.
pub(crate) fn lookup_write<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Option<&'a mut Value> {
    let (value, check) = ctx.db.write_live(key, ctx.now_ms, ctx.is_master);
    if check == ExpiryCheck::Deleted {
        ctx.propagate
            .push(vec![Bytes::from_static(b"DEL"), key.clone()]);
    }
    value
}

/// Delete the key if its aggregate value became empty (Redis never keeps empty aggregates).
pub(crate) fn delete_if_empty(ctx: &mut ExecCtx<'_>, key: &Bytes) {
    let empty = match ctx.db.get(key).map(|e| &e.value) {
        Some(Value::List(l)) => l.is_empty(),
        Some(Value::Hash(h)) => h.is_empty(),
        Some(Value::Set(s)) => s.is_empty(),
        Some(Value::ZSet(z)) => z.is_empty(),
        _ => false,
    };
    if empty {
        ctx.db.remove(key);
    }
}

/// A uniformly random index below `n` (`n` > 0).
pub(crate) fn random_index(n: usize) -> usize {
    rand::random_range(0..n.max(1))
}

/// Up to `k` distinct items chosen at random (a partial Fisher–Yates shuffle).
pub(crate) fn sample_distinct<T>(mut items: Vec<T>, k: usize) -> Vec<T> {
    let k = k.min(items.len());
    for i in 0..k {
        let j = i + random_index(items.len() - i);
        items.swap(i, j);
    }
    items.truncate(k);
    items
}

/// Largest number of elements a negative-count random read (HRANDFIELD, SRANDMEMBER,
/// ZRANDMEMBER with repeats) may produce: bounds the reply a single command can build.
pub(crate) const MAX_RANDOM_REPEATS: u64 = 1 << 24;

/// Build an argv from static parts and owned bytes.
pub(crate) fn argv_of(parts: &[&[u8]]) -> Vec<Bytes> {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}

/// True when `arg` equals `word` ignoring ASCII case.
pub(crate) fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// Parse a count/index argument or produce Redis's integer error.
pub(crate) fn int_arg(b: &[u8]) -> Result<i64, Frame> {
    parse_i64(b).ok_or_else(not_int)
}

/// Redis arity check (N exact, -N at least N).
pub(crate) const fn arity_fits(arity: i32, argc: usize) -> bool {
    if arity >= 0 {
        argc == arity as usize
    } else {
        argc >= (-arity) as usize
    }
}

/// Redis's wrong-arity reply.
pub(crate) fn wrong_arity(name: &str) -> Frame {
    Frame::Error(format!(
        "ERR wrong number of arguments for '{name}' command"
    ))
}

macro_rules! spec {
    ($name:literal, $arity:expr, $flags:expr, $fk:expr, $lk:expr, $step:expr, $group:literal, $f:path) => {
        CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $fk,
            last_key: $lk,
            step: $step,
            group: $group,
            handler: Handler::Data({
                fn guarded(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
                    if !arity_fits($arity, argv.len()) {
                        return wrong_arity($name);
                    }
                    $f(ctx, argv)
                }
                guarded
            }),
        }
    };
}

const W: u32 = WRITE;
const WD: u32 = WRITE | DENYOOM;
const WF: u32 = WRITE | FAST;
const WDF: u32 = WRITE | DENYOOM | FAST;
const R: u32 = READONLY;
const RF: u32 = READONLY | FAST;

/// Every data command.
pub static DATA_COMMANDS: &[CommandSpec] = &[
    // keyspace (Redis's "generic" group)
    spec!("del", -2, W, 1, -1, 1, "generic", keys::del),
    spec!("unlink", -2, WF, 1, -1, 1, "generic", keys::unlink),
    spec!("exists", -2, RF, 1, -1, 1, "generic", keys::exists),
    spec!("type", 2, RF, 1, 1, 1, "generic", keys::type_),
    spec!("expire", -3, WF, 1, 1, 1, "generic", keys::expire),
    spec!("pexpire", -3, WF, 1, 1, 1, "generic", keys::pexpire),
    spec!("expireat", -3, WF, 1, 1, 1, "generic", keys::expireat),
    spec!("pexpireat", -3, WF, 1, 1, 1, "generic", keys::pexpireat),
    spec!("ttl", 2, RF, 1, 1, 1, "generic", keys::ttl),
    spec!("pttl", 2, RF, 1, 1, 1, "generic", keys::pttl),
    spec!("expiretime", 2, RF, 1, 1, 1, "generic", keys::expiretime),
    spec!("pexpiretime", 2, RF, 1, 1, 1, "generic", keys::pexpiretime),
    spec!("persist", 2, WF, 1, 1, 1, "generic", keys::persist),
    spec!("keys", 2, R, 0, 0, 0, "generic", keys::keys),
    spec!("scan", -2, R, 0, 0, 0, "generic", keys::scan),
    spec!("rename", 3, W, 1, 2, 1, "generic", keys::rename),
    spec!("renamenx", 3, WF, 1, 2, 1, "generic", keys::renamenx),
    spec!("randomkey", 1, R, 0, 0, 0, "generic", keys::randomkey),
    spec!("copy", -3, WD, 1, 2, 1, "generic", keys::copy),
    // A container command: like Redis, no flags or keys of its own (its subcommands, e.g.
    // OBJECT|ENCODING, are read-only with the key at position 2).
    spec!("object", -2, 0, 0, 0, 0, "generic", keys::object),
    spec!("touch", -2, RF, 1, -1, 1, "generic", keys::touch),
    spec!("dbsize", 1, RF, 0, 0, 0, "server", keys::dbsize),
    spec!("flushdb", -1, W, 0, 0, 0, "server", keys::flushdb),
    spec!("flushall", -1, W, 0, 0, 0, "server", keys::flushall),
    // strings
    spec!("get", 2, RF, 1, 1, 1, "string", strings::get),
    spec!("set", -3, WD, 1, 1, 1, "string", strings::set),
    spec!("setnx", 3, WDF, 1, 1, 1, "string", strings::setnx),
    spec!("setex", 4, WD, 1, 1, 1, "string", strings::setex),
    spec!("psetex", 4, WD, 1, 1, 1, "string", strings::psetex),
    spec!("getset", 3, WDF, 1, 1, 1, "string", strings::getset),
    spec!("getdel", 2, WF, 1, 1, 1, "string", strings::getdel),
    spec!("getex", -2, WF, 1, 1, 1, "string", strings::getex),
    spec!("mget", -2, RF, 1, -1, 1, "string", strings::mget),
    spec!("mset", -3, WD, 1, -1, 2, "string", strings::mset),
    spec!("msetnx", -3, WD, 1, -1, 2, "string", strings::msetnx),
    spec!("incr", 2, WDF, 1, 1, 1, "string", strings::incr),
    spec!("decr", 2, WDF, 1, 1, 1, "string", strings::decr),
    spec!("incrby", 3, WDF, 1, 1, 1, "string", strings::incrby),
    spec!("decrby", 3, WDF, 1, 1, 1, "string", strings::decrby),
    spec!(
        "incrbyfloat",
        3,
        WDF,
        1,
        1,
        1,
        "string",
        strings::incrbyfloat
    ),
    spec!("append", 3, WDF, 1, 1, 1, "string", strings::append),
    spec!("strlen", 2, RF, 1, 1, 1, "string", strings::strlen),
    spec!("getrange", 4, R, 1, 1, 1, "string", strings::getrange),
    spec!("substr", 4, R, 1, 1, 1, "string", strings::getrange),
    spec!("setrange", 4, WD, 1, 1, 1, "string", strings::setrange),
    // hashes
    spec!("hset", -4, WDF, 1, 1, 1, "hash", hashes::hset),
    spec!("hmset", -4, WDF, 1, 1, 1, "hash", hashes::hmset),
    spec!("hsetnx", 4, WDF, 1, 1, 1, "hash", hashes::hsetnx),
    spec!("hget", 3, RF, 1, 1, 1, "hash", hashes::hget),
    spec!("hmget", -3, RF, 1, 1, 1, "hash", hashes::hmget),
    spec!("hdel", -3, WF, 1, 1, 1, "hash", hashes::hdel),
    spec!("hgetall", 2, R, 1, 1, 1, "hash", hashes::hgetall),
    spec!("hkeys", 2, R, 1, 1, 1, "hash", hashes::hkeys),
    spec!("hvals", 2, R, 1, 1, 1, "hash", hashes::hvals),
    spec!("hlen", 2, RF, 1, 1, 1, "hash", hashes::hlen),
    spec!("hexists", 3, RF, 1, 1, 1, "hash", hashes::hexists),
    spec!("hincrby", 4, WDF, 1, 1, 1, "hash", hashes::hincrby),
    spec!(
        "hincrbyfloat",
        4,
        WDF,
        1,
        1,
        1,
        "hash",
        hashes::hincrbyfloat
    ),
    spec!("hstrlen", 3, RF, 1, 1, 1, "hash", hashes::hstrlen),
    spec!("hrandfield", -2, R, 1, 1, 1, "hash", hashes::hrandfield),
    spec!("hscan", -3, R, 1, 1, 1, "hash", hashes::hscan),
    // lists
    spec!("lpush", -3, WDF, 1, 1, 1, "list", lists::lpush),
    spec!("rpush", -3, WDF, 1, 1, 1, "list", lists::rpush),
    spec!("lpushx", -3, WDF, 1, 1, 1, "list", lists::lpushx),
    spec!("rpushx", -3, WDF, 1, 1, 1, "list", lists::rpushx),
    spec!("lpop", -2, WF, 1, 1, 1, "list", lists::lpop),
    spec!("rpop", -2, WF, 1, 1, 1, "list", lists::rpop),
    spec!("lrange", 4, R, 1, 1, 1, "list", lists::lrange),
    spec!("llen", 2, RF, 1, 1, 1, "list", lists::llen),
    spec!("lindex", 3, R, 1, 1, 1, "list", lists::lindex),
    spec!("lset", 4, WD, 1, 1, 1, "list", lists::lset),
    spec!("lrem", 4, W, 1, 1, 1, "list", lists::lrem),
    spec!("ltrim", 4, W, 1, 1, 1, "list", lists::ltrim),
    spec!("linsert", 5, WD, 1, 1, 1, "list", lists::linsert),
    spec!("lpos", -3, R, 1, 1, 1, "list", lists::lpos),
    spec!("lmove", 5, WD, 1, 2, 1, "list", lists::lmove),
    spec!("rpoplpush", 3, WD, 1, 2, 1, "list", lists::rpoplpush),
    // sets
    spec!("sadd", -3, WDF, 1, 1, 1, "set", sets::sadd),
    spec!("srem", -3, WF, 1, 1, 1, "set", sets::srem),
    spec!("smembers", 2, R, 1, 1, 1, "set", sets::smembers),
    spec!("sismember", 3, RF, 1, 1, 1, "set", sets::sismember),
    spec!("smismember", -3, RF, 1, 1, 1, "set", sets::smismember),
    spec!("scard", 2, RF, 1, 1, 1, "set", sets::scard),
    spec!("spop", -2, WF, 1, 1, 1, "set", sets::spop),
    spec!("srandmember", -2, R, 1, 1, 1, "set", sets::srandmember),
    spec!("smove", 4, WF, 1, 2, 1, "set", sets::smove),
    spec!("sinter", -2, R, 1, -1, 1, "set", sets::sinter),
    spec!("sinterstore", -3, WD, 1, -1, 1, "set", sets::sinterstore),
    spec!("sunion", -2, R, 1, -1, 1, "set", sets::sunion),
    spec!("sunionstore", -3, WD, 1, -1, 1, "set", sets::sunionstore),
    spec!("sdiff", -2, R, 1, -1, 1, "set", sets::sdiff),
    spec!("sdiffstore", -3, WD, 1, -1, 1, "set", sets::sdiffstore),
    spec!("sintercard", -3, R, 0, 0, 0, "set", sets::sintercard),
    spec!("sscan", -3, R, 1, 1, 1, "set", sets::sscan),
    // sorted sets
    spec!("zadd", -4, WDF, 1, 1, 1, "sorted-set", zsets::zadd),
    spec!("zrem", -3, WF, 1, 1, 1, "sorted-set", zsets::zrem),
    spec!("zscore", 3, RF, 1, 1, 1, "sorted-set", zsets::zscore),
    spec!("zmscore", -3, RF, 1, 1, 1, "sorted-set", zsets::zmscore),
    spec!("zcard", 2, RF, 1, 1, 1, "sorted-set", zsets::zcard),
    spec!("zincrby", 4, WDF, 1, 1, 1, "sorted-set", zsets::zincrby),
    spec!("zrank", 3, RF, 1, 1, 1, "sorted-set", zsets::zrank),
    spec!("zrevrank", 3, RF, 1, 1, 1, "sorted-set", zsets::zrevrank),
    spec!("zrange", -4, R, 1, 1, 1, "sorted-set", zsets::zrange),
    spec!("zrevrange", -4, R, 1, 1, 1, "sorted-set", zsets::zrevrange),
    spec!(
        "zrangebyscore",
        -4,
        R,
        1,
        1,
        1,
        "sorted-set",
        zsets::zrangebyscore
    ),
    spec!(
        "zrevrangebyscore",
        -4,
        R,
        1,
        1,
        1,
        "sorted-set",
        zsets::zrevrangebyscore
    ),
    spec!(
        "zrangebylex",
        -4,
        R,
        1,
        1,
        1,
        "sorted-set",
        zsets::zrangebylex
    ),
    spec!(
        "zrevrangebylex",
        -4,
        R,
        1,
        1,
        1,
        "sorted-set",
        zsets::zrevrangebylex
    ),
    spec!("zcount", 4, RF, 1, 1, 1, "sorted-set", zsets::zcount),
    spec!("zlexcount", 4, RF, 1, 1, 1, "sorted-set", zsets::zlexcount),
    spec!("zpopmin", -2, WF, 1, 1, 1, "sorted-set", zsets::zpopmin),
    spec!("zpopmax", -2, WF, 1, 1, 1, "sorted-set", zsets::zpopmax),
    spec!(
        "zremrangebyrank",
        4,
        W,
        1,
        1,
        1,
        "sorted-set",
        zsets::zremrangebyrank
    ),
    spec!(
        "zremrangebyscore",
        4,
        W,
        1,
        1,
        1,
        "sorted-set",
        zsets::zremrangebyscore
    ),
    spec!("zscan", -3, R, 1, 1, 1, "sorted-set", zsets::zscan),
    // bits (cmd::bits)
    spec!("setbit", 4, WD, 1, 1, 1, "bitmap", bits::setbit),
    spec!("getbit", 3, RF, 1, 1, 1, "bitmap", bits::getbit),
    spec!("bitcount", -2, R, 1, 1, 1, "bitmap", bits::bitcount),
    spec!("bitpos", -3, R, 1, 1, 1, "bitmap", bits::bitpos),
    spec!("bitop", -4, WD, 2, -1, 1, "bitmap", bits::bitop),
    spec!("bitfield", -2, WD, 1, 1, 1, "bitmap", bits::bitfield),
    spec!("bitfield_ro", -2, RF, 1, 1, 1, "bitmap", bits::bitfield_ro),
    // blocking list / sorted-set pops and their non-blocking forms (cmd::blocking)
    spec!(
        "blpop",
        -3,
        W | BLOCKING,
        1,
        -2,
        1,
        "list",
        blocking::nonblocking
    ),
    spec!(
        "brpop",
        -3,
        W | BLOCKING,
        1,
        -2,
        1,
        "list",
        blocking::nonblocking
    ),
    spec!(
        "brpoplpush",
        4,
        WD | BLOCKING,
        1,
        2,
        1,
        "list",
        blocking::nonblocking
    ),
    spec!(
        "blmove",
        6,
        WD | BLOCKING,
        1,
        2,
        1,
        "list",
        blocking::nonblocking
    ),
    spec!(
        "blmpop",
        -5,
        W | BLOCKING,
        0,
        0,
        0,
        "list",
        blocking::nonblocking
    ),
    spec!("lmpop", -4, W, 0, 0, 0, "list", blocking::nonblocking),
    spec!(
        "bzpopmin",
        -3,
        WF | BLOCKING,
        1,
        -2,
        1,
        "sorted-set",
        blocking::nonblocking
    ),
    spec!(
        "bzpopmax",
        -3,
        WF | BLOCKING,
        1,
        -2,
        1,
        "sorted-set",
        blocking::nonblocking
    ),
    spec!(
        "bzmpop",
        -5,
        W | BLOCKING,
        0,
        0,
        0,
        "sorted-set",
        blocking::nonblocking
    ),
    spec!("zmpop", -4, W, 0, 0, 0, "sorted-set", blocking::nonblocking),
    // streams (XREAD/XREADGROUP name their keys after STREAMS, which first/last/step cannot
    // say). XGROUP and XINFO are containers in Redis 7.0, flagless and keyless themselves;
    // here they carry what all their subcommands share (write / read-only, key at 2), since
    // the table has no subcommand entries.
    spec!("xadd", -5, WDF, 1, 1, 1, "stream", streams::xadd),
    spec!("xlen", 2, RF, 1, 1, 1, "stream", streams::xlen),
    spec!("xrange", -4, R, 1, 1, 1, "stream", streams::xrange),
    spec!("xrevrange", -4, R, 1, 1, 1, "stream", streams::xrevrange),
    spec!("xdel", -3, WF, 1, 1, 1, "stream", streams::xdel),
    spec!("xtrim", -4, W, 1, 1, 1, "stream", streams::xtrim),
    spec!("xread", -4, R | BLOCKING, 0, 0, 0, "stream", streams::xread),
    spec!(
        "xreadgroup",
        -7,
        W | BLOCKING,
        0,
        0,
        0,
        "stream",
        streams::xread
    ),
    spec!("xgroup", -2, WD, 2, 2, 1, "stream", streams::xgroup),
    spec!("xsetid", -3, WDF, 1, 1, 1, "stream", streams::xsetid),
    spec!("xack", -4, WF, 1, 1, 1, "stream", streams::xack),
    spec!("xpending", -3, R, 1, 1, 1, "stream", streams::xpending),
    spec!("xclaim", -6, WF, 1, 1, 1, "stream", streams::xclaim),
    spec!("xautoclaim", -6, WF, 1, 1, 1, "stream", streams::xautoclaim),
    spec!("xinfo", -2, R, 2, 2, 1, "stream", streams::xinfo),
    // scripting: no engine yet (see function_min); a container command like OBJECT
    // (Redis gives FUNCTION itself no flags, only its subcommands)
    spec!(
        "function",
        -2,
        0,
        0,
        0,
        0,
        "scripting",
        function_min::function
    ),
];

/// The spec of a data command by name, any case. A hash lookup over a table built once: the
/// dispatcher calls this for every command, so it must not scan the table.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    type Index = HashMap<&'static [u8], &'static CommandSpec, foldhash::fast::RandomState>;
    static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        DATA_COMMANDS
            .iter()
            .map(|s| (s.name.as_bytes(), s))
            .collect()
    });
    // Command names are short; lower-case on the stack rather than allocate.
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    index.get(&*lower).copied()
}

/// A test harness: a keyspace and the context around it, running commands by argv without
/// sockets.
#[cfg(test)]
pub(crate) mod testkit {
    use super::*;
    use crate::store::Db;

    pub(crate) struct H {
        pub db: Db,
        pub now_ms: u64,
        pub is_master: bool,
        pub prop: Vec<Vec<Bytes>>,
        pub dirty: u64,
    }

    impl H {
        pub fn new() -> H {
            H {
                db: Db::new(),
                now_ms: 1_700_000_000_000,
                is_master: true,
                prop: Vec::new(),
                dirty: 0,
            }
        }

        pub fn run(&mut self, args: &[&str]) -> Frame {
            let argv: Vec<Bytes> = args
                .iter()
                .map(|a| Bytes::copy_from_slice(a.as_bytes()))
                .collect();
            self.run_bytes(&argv)
        }

        pub fn run_bytes(&mut self, argv: &[Bytes]) -> Frame {
            let spec = lookup(&argv[0]).expect("known command");
            let mut ctx = ExecCtx {
                db: &mut self.db,
                now_ms: self.now_ms,
                propagate: &mut self.prop,
                dirty: &mut self.dirty,
                is_master: self.is_master,
                record: true,
            };
            match spec.handler {
                Handler::Data(f) => f(&mut ctx, argv),
                Handler::Server(_) => panic!("not a data command"),
            }
        }

        /// Propagated commands since the last call, as strings.
        pub fn prop(&mut self) -> Vec<String> {
            self.prop
                .drain(..)
                .map(|v| {
                    v.iter()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        }
    }

    pub(crate) fn b(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }
    pub(crate) fn i(n: i64) -> Frame {
        Frame::Integer(n)
    }
    pub(crate) fn ok() -> Frame {
        Frame::ok()
    }
    pub(crate) fn err(s: &str) -> Frame {
        Frame::Error(s.to_string())
    }
    pub(crate) fn arr(v: &[&str]) -> Frame {
        Frame::Array(v.iter().map(|s| b(s)).collect())
    }
    /// Sort an array reply (for unordered collections).
    pub(crate) fn sorted(f: Frame) -> Frame {
        match f {
            Frame::Array(mut v) => {
                v.sort_by_key(|x| format!("{x:?}"));
                Frame::Array(v)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut names = std::collections::HashSet::new();
        for s in DATA_COMMANDS {
            assert!(names.insert(s.name), "duplicate {}", s.name);
            assert_eq!(s.name, s.name.to_ascii_lowercase());
            assert!(
                matches!(s.name, "object" | "function") || s.flags & (WRITE | READONLY) != 0,
                "{} needs WRITE or READONLY",
                s.name
            );
        }
    }

    #[test]
    fn lookup_any_case() {
        assert_eq!(
            lookup(b"ZrAnGeByScOrE").map(|s| s.name),
            Some("zrangebyscore")
        );
        assert!(lookup(b"nosuchcommand").is_none());
        assert!(lookup(&[b'a'; 100]).is_none());
        for s in DATA_COMMANDS {
            assert_eq!(
                lookup(s.name.to_ascii_uppercase().as_bytes()).map(|x| x.name),
                Some(s.name)
            );
        }
    }

    #[test]
    fn wrapper_rejects_wrong_arity_without_panicking() {
        let mut h = H::new();
        assert_eq!(
            h.run(&["GET"]),
            err("ERR wrong number of arguments for 'get' command")
        );
        assert_eq!(
            h.run(&["zadd", "k"]),
            err("ERR wrong number of arguments for 'zadd' command")
        );
    }

    /// Random argument vectors for every command, from tokens that hit option parsers and
    /// edge values: nothing may panic, and after every command the keyspace keeps its
    /// invariants (no empty aggregate stored, the expiry index matches the entries).
    #[test]
    fn random_commands_never_panic_and_keep_invariants() {
        const TOKENS: &[&str] = &[
            "k",
            "k2",
            "h",
            "l",
            "s",
            "z",
            "0",
            "1",
            "2",
            "-1",
            "-2",
            "3",
            "10",
            "a",
            "b",
            "x",
            "+inf",
            "-inf",
            "(1",
            "[a",
            "(b",
            "-",
            "+",
            "NX",
            "XX",
            "GT",
            "LT",
            "CH",
            "INCR",
            "EX",
            "PX",
            "EXAT",
            "PXAT",
            "KEEPTTL",
            "PERSIST",
            "GET",
            "WITHSCORES",
            "WITHVALUES",
            "LIMIT",
            "BYSCORE",
            "BYLEX",
            "REV",
            "COUNT",
            "MATCH",
            "*",
            "TYPE",
            "RANK",
            "MAXLEN",
            "LEFT",
            "RIGHT",
            "BEFORE",
            "AFTER",
            "REPLACE",
            "DB",
            "ENCODING",
            "1.5",
            "1e400",
            "nan",
            "",
            "9223372036854775807",
            "-9223372036854775808",
            "0x10",
            "1e-20",
        ];
        let mut h = H::new();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..400 {
            for spec in DATA_COMMANDS {
                let min = spec.arity.unsigned_abs() as usize;
                let extra = if spec.arity < 0 { next(5) } else { 0 };
                let mut argv = vec![Bytes::from_static(spec.name.as_bytes())];
                for _ in 1..min + extra {
                    argv.push(Bytes::from_static(TOKENS[next(TOKENS.len())].as_bytes()));
                }
                h.is_master = round % 3 != 0;
                h.now_ms += next(3) as u64;
                let _ = h.run_bytes(&argv);
                for (key, e) in h.db.iter() {
                    let empty = match &e.value {
                        Value::List(l) => l.is_empty(),
                        Value::Hash(m) => m.is_empty(),
                        Value::Set(m) => m.is_empty(),
                        Value::ZSet(z) => z.is_empty(),
                        Value::Str(_) | Value::Stream(_) => false,
                    };
                    assert!(!empty, "{:?} left an empty aggregate at {key:?}", argv);
                }
                let with_ttl =
                    h.db.iter()
                        .filter(|(_, e)| e.expire_at_ms.is_some())
                        .count();
                assert_eq!(with_ttl, h.db.expires_count(), "after {argv:?}");
            }
        }
        assert!(
            h.dirty > 1000,
            "the random script changed data ({} changes)",
            h.dirty
        );
    }

    #[test]
    fn integer_and_float_parsing_follow_redis() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"-0"), None);
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(format_g17(1.5), "1.5");
        assert_eq!(format_g17(0.1), "0.10000000000000001");
        assert_eq!(format_g17(1e17), "1e+17");
        assert_eq!(format_g17(123456.0), "123456");
        assert_eq!(format_g17(1e-5), "1.0000000000000001e-05");
        assert_eq!(format_g17(-2.5e-3), "-0.0025000000000000001");
        assert_eq!(format_double_d2string(1e17), "1e+17");
        assert_eq!(format_double_d2string(3.0), "3");
    }
}
