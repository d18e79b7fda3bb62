//! Hash commands (Redis's t_hash.c). HINCRBYFLOAT propagates as `HSET key field value` so
//! replicas store the master's exact text; an emptied hash deletes its key.

use super::ExecCtx;
use super::data::{
    MAX_RANDOM_REPEATS, delete_if_empty, lookup_read, lookup_write, not_float, not_int, parse_i64,
    random_index, sample_distinct, syntax, wrong_arity, wrongtype,
};
use super::keys::{parse_cursor, parse_scan_opts, scan_reply};
use super::strings::add_long_double;
use crate::resp::Frame;
use crate::store::Value;
use crate::store::glob::glob_match;
use bytes::Bytes;
use std::collections::HashMap;

type Hash = HashMap<Bytes, Bytes>;

/// Read the hash under `key`: Ok(None) when missing, Err(WRONGTYPE) for another type.
fn read<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Result<Option<&'a Hash>, Frame> {
    match lookup_read(ctx, key) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(wrongtype()),
    }
}

/// The hash under `key` for writing, created empty when missing.
fn write_or_create<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Result<&'a mut Hash, Frame> {
    match lookup_write(ctx, key) {
        Some(Value::Hash(_)) => {}
        Some(_) => return Err(wrongtype()),
        None => ctx.db.set(key.clone(), Value::Hash(Hash::new()), None),
    }
    match ctx.db.value_mut(key) {
        Some(Value::Hash(h)) => Ok(h),
        _ => Err(wrongtype()),
    }
}

fn hset_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], name: &str) -> Frame {
    if argv.len() % 2 == 1 {
        return wrong_arity(name);
    }
    let h = match write_or_create(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let mut created = 0;
    for pair in argv[2..].chunks_exact(2) {
        if h.insert(pair[0].clone(), pair[1].clone()).is_none() {
            created += 1;
        }
    }
    *ctx.dirty += (argv.len() as u64 - 2) / 2;
    ctx.propagate_verbatim(argv);
    if name == "hset" {
        Frame::Integer(created)
    } else {
        Frame::ok()
    }
}

/// `HSET key field value [field value …]`
pub fn hset(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    hset_generic(ctx, argv, "hset")
}
/// `HMSET key field value [field value …]`
pub fn hmset(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    hset_generic(ctx, argv, "hmset")
}

/// HSETNX key field value
pub fn hsetnx(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    match lookup_write(ctx, key) {
        Some(Value::Hash(h)) => {
            if h.contains_key(&argv[2]) {
                return Frame::Integer(0);
            }
            h.insert(argv[2].clone(), argv[3].clone());
        }
        Some(_) => return wrongtype(),
        None => {
            let mut h = Hash::new();
            h.insert(argv[2].clone(), argv[3].clone());
            ctx.db.set(key.clone(), Value::Hash(h), None);
        }
    }
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(1)
}

/// HGET key field
pub fn hget(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => h
            .and_then(|h| h.get(&argv[2]))
            .map_or(Frame::Null, |v| Frame::Bulk(v.clone())),
        Err(e) => e,
    }
}

/// `HMGET key field [field …]`
pub fn hmget(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => Frame::Array(
            argv[2..]
                .iter()
                .map(|f| {
                    h.and_then(|h| h.get(f))
                        .map_or(Frame::Null, |v| Frame::Bulk(v.clone()))
                })
                .collect(),
        ),
        Err(e) => e,
    }
}

/// `HDEL key field [field …]`
pub fn hdel(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let n = match lookup_write(ctx, key) {
        None => return Frame::Integer(0),
        Some(Value::Hash(h)) => argv[2..].iter().filter(|f| h.remove(*f).is_some()).count(),
        Some(_) => return wrongtype(),
    };
    if n > 0 {
        delete_if_empty(ctx, key);
        *ctx.dirty += n as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(n as i64)
}

/// HGETALL key (a RESP3 map; a flat array on RESP2).
pub fn hgetall(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => Frame::Map(
            h.into_iter()
                .flatten()
                .map(|(f, v)| (Frame::Bulk(f.clone()), Frame::Bulk(v.clone())))
                .collect(),
        ),
        Err(e) => e,
    }
}

/// HKEYS key
pub fn hkeys(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => Frame::Array(
            h.into_iter()
                .flat_map(|h| h.keys())
                .map(|f| Frame::Bulk(f.clone()))
                .collect(),
        ),
        Err(e) => e,
    }
}

/// HVALS key
pub fn hvals(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => Frame::Array(
            h.into_iter()
                .flat_map(|h| h.values())
                .map(|v| Frame::Bulk(v.clone()))
                .collect(),
        ),
        Err(e) => e,
    }
}

/// HLEN key
pub fn hlen(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => Frame::Integer(h.map_or(0, |h| h.len() as i64)),
        Err(e) => e,
    }
}

/// HEXISTS key field
pub fn hexists(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => Frame::Integer(i64::from(h.is_some_and(|h| h.contains_key(&argv[2])))),
        Err(e) => e,
    }
}

/// HSTRLEN key field
pub fn hstrlen(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(h) => Frame::Integer(
            h.and_then(|h| h.get(&argv[2]))
                .map_or(0, |v| v.len() as i64),
        ),
        Err(e) => e,
    }
}

/// HINCRBY key field increment
pub fn hincrby(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let Some(by) = parse_i64(&argv[3]) else {
        return not_int();
    };
    let h = match write_or_create(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let cur = match h.get(&argv[2]) {
        None => 0,
        Some(v) => match parse_i64(v) {
            Some(n) => n,
            None => return Frame::error("ERR hash value is not an integer"),
        },
    };
    let Some(new) = cur.checked_add(by) else {
        return Frame::error("ERR increment or decrement would overflow");
    };
    h.insert(argv[2].clone(), Bytes::from(new.to_string()));
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(new)
}

/// HINCRBYFLOAT key field increment (propagated as HSET with the result), in emulated long
/// double like Redis.
pub fn hincrbyfloat(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    use crate::store::ldouble::{Parsed, parse};
    match parse(&argv[3]) {
        None => return not_float(),
        Some(Parsed::Infinite) => return Frame::error("ERR value is NaN or Infinity"),
        Some(Parsed::Finite(_)) => {}
    }
    let key = &argv[1];
    let cur = match lookup_write(ctx, key) {
        None => Bytes::from_static(b"0"),
        Some(Value::Hash(h)) => h.get(&argv[2]).cloned().unwrap_or(Bytes::from_static(b"0")),
        Some(_) => return wrongtype(),
    };
    let text = match add_long_double(&cur, &argv[3], "ERR hash value is not a float") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let h = match write_or_create(ctx, key) {
        Ok(h) => h,
        Err(e) => return e,
    };
    h.insert(argv[2].clone(), text.clone());
    *ctx.dirty += 1;
    ctx.propagate.push(vec![
        Bytes::from_static(b"HSET"),
        key.clone(),
        argv[2].clone(),
        text.clone(),
    ]);
    Frame::Bulk(text)
}

/// `HRANDFIELD key [count [WITHVALUES]]`
pub fn hrandfield(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() == 2 {
        return match read(ctx, &argv[1]) {
            Ok(Some(h)) if !h.is_empty() => {
                let i = random_index(h.len());
                h.keys()
                    .nth(i)
                    .map_or(Frame::Null, |f| Frame::Bulk(f.clone()))
            }
            Ok(_) => Frame::Null,
            Err(e) => e,
        };
    }
    let Some(count) = parse_i64(&argv[2]) else {
        return not_int();
    };
    let with_values = match argv.get(3) {
        None => false,
        Some(a) if argv.len() == 4 && a.eq_ignore_ascii_case(b"withvalues") => true,
        Some(_) => return syntax(),
    };
    if count < 0 && count.unsigned_abs() > MAX_RANDOM_REPEATS {
        return Frame::error("ERR value is out of range");
    }
    let h = match read(ctx, &argv[1]) {
        Ok(Some(h)) => h,
        Ok(None) => return Frame::Array(vec![]),
        Err(e) => return e,
    };
    let pairs: Vec<(&Bytes, &Bytes)> = h.iter().collect();
    if pairs.is_empty() {
        return Frame::Array(vec![]);
    }
    let chosen: Vec<(&Bytes, &Bytes)> = if count >= 0 {
        sample_distinct(pairs, count as usize)
    } else {
        (0..count.unsigned_abs())
            .map(|_| pairs[random_index(pairs.len())])
            .collect()
    };
    let mut out = Vec::with_capacity(chosen.len() * if with_values { 2 } else { 1 });
    for (f, v) in chosen {
        out.push(Frame::Bulk(f.clone()));
        if with_values {
            out.push(Frame::Bulk(v.clone()));
        }
    }
    Frame::Array(out)
}

/// `HSCAN key cursor [MATCH p] [COUNT n]`: like Redis on small hashes, one call returns every
/// field (cursor 0), which trivially keeps the SCAN guarantee (std's map has no stable cursor).
pub fn hscan(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    if let Err(e) = parse_cursor(&argv[2]) {
        return e;
    }
    let h = match read(ctx, &argv[1]) {
        Ok(Some(h)) => h,
        Ok(None) => return scan_reply(0, vec![]),
        Err(e) => return e,
    };
    let h: Vec<(Bytes, Bytes)> = h.iter().map(|(f, v)| (f.clone(), v.clone())).collect();
    let opts = match parse_scan_opts(argv, 3, false) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let mut out = Vec::new();
    for (f, v) in h {
        if opts.pattern.as_ref().is_none_or(|p| glob_match(p, &f)) {
            out.push(Frame::Bulk(f));
            out.push(Frame::Bulk(v));
        }
    }
    scan_reply(0, out)
}

#[cfg(test)]
mod tests {
    use super::super::data::WRONGTYPE;
    use super::super::data::testkit::*;
    use crate::resp::Frame;

    #[test]
    fn hash_basics() {
        let mut h = H::new();
        assert_eq!(h.run(&["HSET", "h", "a", "1", "b", "2"]), i(2));
        assert_eq!(h.run(&["HSET", "h", "a", "9", "c", "3"]), i(1));
        assert_eq!(
            h.run(&["HSET", "h", "a"]),
            err("ERR wrong number of arguments for 'hset' command")
        );
        assert_eq!(h.run(&["HMSET", "h", "a", "1"]), ok());
        assert_eq!(h.run(&["HSETNX", "h", "a", "x"]), i(0));
        assert_eq!(h.run(&["HSETNX", "h", "d", "4"]), i(1));
        assert_eq!(h.run(&["HGET", "h", "a"]), b("1"));
        assert_eq!(h.run(&["HGET", "h", "zz"]), Frame::Null);
        assert_eq!(
            h.run(&["HMGET", "h", "a", "zz"]),
            Frame::Array(vec![b("1"), Frame::Null])
        );
        assert_eq!(
            h.run(&["HMGET", "none", "a"]),
            Frame::Array(vec![Frame::Null])
        );
        assert_eq!(h.run(&["HLEN", "h"]), i(4));
        assert_eq!(h.run(&["HEXISTS", "h", "a"]), i(1));
        assert_eq!(h.run(&["HSTRLEN", "h", "a"]), i(1));
        assert_eq!(sorted(h.run(&["HKEYS", "h"])), arr(&["a", "b", "c", "d"]));
        assert_eq!(sorted(h.run(&["HVALS", "h"])), arr(&["1", "2", "3", "4"]));
        let Frame::Map(m) = h.run(&["HGETALL", "h"]) else {
            panic!()
        };
        assert_eq!(m.len(), 4);
        assert_eq!(h.run(&["HGETALL", "none"]), Frame::Map(vec![]));
        h.prop();
        assert_eq!(h.run(&["HDEL", "h", "a", "b", "zz"]), i(2));
        assert_eq!(h.prop(), vec!["HDEL h a b zz"]);
        assert_eq!(h.run(&["HDEL", "h", "zz"]), i(0));
        assert!(h.prop().is_empty());
        h.run(&["HDEL", "h", "c", "d"]);
        assert_eq!(h.run(&["EXISTS", "h"]), i(0), "an emptied hash is deleted");
        h.run(&["SET", "s", "x"]);
        assert_eq!(h.run(&["HGET", "s", "a"]), err(WRONGTYPE));
        assert_eq!(h.run(&["HSET", "s", "a", "b"]), err(WRONGTYPE));
    }

    #[test]
    fn hash_counters() {
        let mut h = H::new();
        assert_eq!(h.run(&["HINCRBY", "h", "n", "5"]), i(5));
        assert_eq!(
            h.run(&["HINCRBY", "h", "n", "x"]),
            err("ERR value is not an integer or out of range")
        );
        h.run(&["HSET", "h", "s", "abc"]);
        assert_eq!(
            h.run(&["HINCRBY", "h", "s", "1"]),
            err("ERR hash value is not an integer")
        );
        h.run(&["HSET", "h", "m", "9223372036854775807"]);
        assert_eq!(
            h.run(&["HINCRBY", "h", "m", "1"]),
            err("ERR increment or decrement would overflow")
        );
        h.prop();
        assert_eq!(h.run(&["HINCRBYFLOAT", "h", "f", "10.5"]), b("10.5"));
        assert_eq!(h.run(&["HINCRBYFLOAT", "h", "f", "0.1"]), b("10.6"));
        assert_eq!(h.prop(), vec!["HSET h f 10.5", "HSET h f 10.6"]);
        assert_eq!(
            h.run(&["HINCRBYFLOAT", "h", "s", "1"]),
            err("ERR hash value is not a float")
        );
        assert_eq!(
            h.run(&["HINCRBYFLOAT", "h", "f", "x"]),
            err("ERR value is not a valid float")
        );
        assert_eq!(
            h.run(&["HINCRBYFLOAT", "h", "f", "inf"]),
            err("ERR value is NaN or Infinity")
        );
    }

    #[test]
    fn hrandfield_and_hscan() {
        let mut h = H::new();
        assert_eq!(h.run(&["HRANDFIELD", "h"]), Frame::Null);
        assert_eq!(h.run(&["HRANDFIELD", "h", "3"]), Frame::Array(vec![]));
        h.run(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
        assert!(matches!(h.run(&["HRANDFIELD", "h"]), Frame::Bulk(_)));
        assert_eq!(
            sorted(h.run(&["HRANDFIELD", "h", "10"])),
            arr(&["a", "b", "c"])
        );
        let Frame::Array(v) = h.run(&["HRANDFIELD", "h", "-7", "WITHVALUES"]) else {
            panic!()
        };
        assert_eq!(v.len(), 14);
        assert_eq!(
            h.run(&["HRANDFIELD", "h", "2", "FOO"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["HRANDFIELD", "h", "0"]), Frame::Array(vec![]));
        let r = h.run(&["HSCAN", "h", "0", "MATCH", "a*"]);
        assert_eq!(r, Frame::Array(vec![b("0"), arr(&["a", "1"])]));
        assert_eq!(
            h.run(&["HSCAN", "h", "0", "TYPE", "string"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["HSCAN", "none", "0"]),
            Frame::Array(vec![b("0"), arr(&[])])
        );
    }
}
