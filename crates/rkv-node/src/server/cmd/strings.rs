//! String commands (Redis's t_string.c): GET/SET and their variants, counters, ranges.
//!
//! Propagation follows Redis 7.0: any relative expiry becomes `SET key value PXAT ms`
//! (SETEX/PSETEX too), GETEX's expiry a `PEXPIREAT`, GETSET a `SET`, GETDEL a `DEL`, and
//! INCRBYFLOAT a `SET key value KEEPTTL` so replicas never redo float arithmetic.

use super::ExecCtx;
use super::data::{
    MAX_STRING, argv_of, int_arg, int_bytes, is, lookup_read, lookup_write, not_float, not_int,
    parse_i64, prepare_write, syntax, wrong_arity, wrongtype,
};
use crate::resp::Frame;
use crate::store::Value;
use bytes::Bytes;

fn too_big() -> Frame {
    Frame::error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
}

/// GET key
pub fn get(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match lookup_read(ctx, &argv[1]) {
        None => Frame::Null,
        Some(Value::Str(s)) => Frame::Bulk(s.clone()),
        Some(_) => wrongtype(),
    }
}

/// Which TTL option a SET/GETEX carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ttl {
    None,
    Ex,
    Px,
    ExAt,
    PxAt,
    Keep,
    Persist,
}

struct SetFlags {
    nx: bool,
    xx: bool,
    get: bool,
    ttl: Ttl,
    expire: Option<Bytes>,
}

/// Redis's parseExtendedStringArgumentsOrReply, rule for rule (a repeated EX is accepted and
/// the last wins; mixing TTL kinds is a syntax error).
fn parse_set_flags(argv: &[Bytes], from: usize, is_set: bool) -> Result<SetFlags, Frame> {
    let mut f = SetFlags {
        nx: false,
        xx: false,
        get: false,
        ttl: Ttl::None,
        expire: None,
    };
    let mut j = from;
    while j < argv.len() {
        let opt = &argv[j];
        let next = argv.get(j + 1);
        let other_ttl = |mine: Ttl| f.ttl != Ttl::None && f.ttl != mine;
        if is_set && is(opt, "nx") && !f.xx {
            f.nx = true;
        } else if is_set && is(opt, "xx") && !f.nx {
            f.xx = true;
        } else if is_set && is(opt, "get") {
            f.get = true;
        } else if is_set && is(opt, "keepttl") && !other_ttl(Ttl::Keep) {
            f.ttl = Ttl::Keep;
        } else if !is_set && is(opt, "persist") && !other_ttl(Ttl::Persist) {
            f.ttl = Ttl::Persist;
        } else if let Some(kind) = [
            ("ex", Ttl::Ex),
            ("px", Ttl::Px),
            ("exat", Ttl::ExAt),
            ("pxat", Ttl::PxAt),
        ]
        .iter()
        .find(|(w, _)| is(opt, w))
        .map(|(_, k)| *k)
            && !other_ttl(kind)
            && next.is_some()
        {
            f.ttl = kind;
            f.expire = next.cloned();
            j += 1;
        } else {
            return Err(syntax());
        }
        j += 1;
    }
    Ok(f)
}

/// Redis's getExpireMillisecondsOrReply: the absolute expiry in ms.
fn expire_ms(ctx: &ExecCtx<'_>, raw: &[u8], ttl: Ttl, cmd: &str) -> Result<u64, Frame> {
    let bad = || Frame::error(format!("ERR invalid expire time in '{cmd}' command"));
    let v = parse_i64(raw).ok_or_else(not_int)?;
    if v <= 0 {
        return Err(bad());
    }
    let ms = match ttl {
        Ttl::Ex | Ttl::ExAt => v.checked_mul(1000).ok_or_else(bad)?,
        _ => v,
    };
    let ms = match ttl {
        Ttl::Ex | Ttl::Px => ms.checked_add(ctx.now_ms as i64).ok_or_else(bad)?,
        _ => ms,
    };
    if ms <= 0 {
        return Err(bad());
    }
    Ok(ms as u64)
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL]`
pub fn set(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let f = match parse_set_flags(argv, 3, true) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let expire = match &f.expire {
        Some(raw) => match expire_ms(ctx, raw, f.ttl, "set") {
            Ok(ms) => Some(ms),
            Err(e) => return e,
        },
        None => None,
    };
    let (key, val) = (&argv[1], &argv[2]);
    let old = if f.get {
        match lookup_read(ctx, key) {
            None => Some(Frame::Null),
            Some(Value::Str(s)) => Some(Frame::Bulk(s.clone())),
            Some(_) => return wrongtype(),
        }
    } else {
        None
    };
    prepare_write(ctx, key);
    let found = (f.nx || f.xx) && ctx.db.contains(key);
    if (f.nx && found) || (f.xx && !found) {
        return old.unwrap_or(Frame::Null);
    }
    let value = Value::Str(val.clone());
    if f.ttl == Ttl::Keep {
        ctx.db.set_keep_ttl(key.clone(), value);
    } else {
        ctx.db.set(key.clone(), value, expire);
    }
    *ctx.dirty += 1;
    if let Some(ms) = expire {
        ctx.propagate.push(vec![
            Bytes::from_static(b"SET"),
            key.clone(),
            val.clone(),
            Bytes::from_static(b"PXAT"),
            Bytes::from(ms.to_string()),
        ]);
    } else if f.get {
        let kept: Vec<Bytes> = argv
            .iter()
            .enumerate()
            .filter(|(j, a)| *j < 3 || !is(a, "get"))
            .map(|(_, a)| a.clone())
            .collect();
        ctx.propagate.push(kept);
    } else {
        ctx.propagate_verbatim(argv);
    }
    old.unwrap_or_else(Frame::ok)
}

/// SETNX key value
pub fn setnx(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    prepare_write(ctx, key);
    if ctx.db.contains(key) {
        return Frame::Integer(0);
    }
    ctx.db.set(key.clone(), Value::Str(argv[2].clone()), None);
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(1)
}

fn setex_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], ttl: Ttl, cmd: &str) -> Frame {
    let ms = match expire_ms(ctx, &argv[2], ttl, cmd) {
        Ok(ms) => ms,
        Err(e) => return e,
    };
    let (key, val) = (&argv[1], &argv[3]);
    prepare_write(ctx, key);
    ctx.db.set(key.clone(), Value::Str(val.clone()), Some(ms));
    *ctx.dirty += 1;
    ctx.propagate.push(vec![
        Bytes::from_static(b"SET"),
        key.clone(),
        val.clone(),
        Bytes::from_static(b"PXAT"),
        Bytes::from(ms.to_string()),
    ]);
    Frame::ok()
}

/// SETEX key seconds value
pub fn setex(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    setex_generic(ctx, argv, Ttl::Ex, "setex")
}
/// PSETEX key ms value
pub fn psetex(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    setex_generic(ctx, argv, Ttl::Px, "psetex")
}

/// GETSET key value (propagated as SET).
pub fn getset(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let old = match lookup_read(ctx, key) {
        None => Frame::Null,
        Some(Value::Str(s)) => Frame::Bulk(s.clone()),
        Some(_) => return wrongtype(),
    };
    ctx.db.set(key.clone(), Value::Str(argv[2].clone()), None);
    *ctx.dirty += 1;
    ctx.propagate.push(vec![
        Bytes::from_static(b"SET"),
        key.clone(),
        argv[2].clone(),
    ]);
    old
}

/// GETDEL key (propagated as DEL).
pub fn getdel(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let old = match lookup_read(ctx, key) {
        None => return Frame::Null,
        Some(Value::Str(s)) => s.clone(),
        Some(_) => return wrongtype(),
    };
    ctx.db.remove(key);
    *ctx.dirty += 1;
    ctx.propagate
        .push(vec![Bytes::from_static(b"DEL"), key.clone()]);
    Frame::Bulk(old)
}

/// `GETEX key [EX s|PX ms|EXAT ts|PXAT ts|PERSIST]`
pub fn getex(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let f = match parse_set_flags(argv, 2, false) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let expire = match &f.expire {
        Some(raw) => match expire_ms(ctx, raw, f.ttl, "getex") {
            Ok(ms) => Some(ms),
            Err(e) => return e,
        },
        None => None,
    };
    let key = &argv[1];
    let val = match lookup_read(ctx, key) {
        None => return Frame::Null,
        Some(Value::Str(s)) => s.clone(),
        Some(_) => return wrongtype(),
    };
    let absolute = matches!(f.ttl, Ttl::ExAt | Ttl::PxAt);
    if let Some(ms) = expire {
        *ctx.dirty += 1;
        if absolute && ctx.is_master && ms <= ctx.now_ms {
            ctx.db.remove(key);
            ctx.propagate
                .push(vec![Bytes::from_static(b"DEL"), key.clone()]);
        } else {
            ctx.db.set_expire(key, Some(ms));
            ctx.propagate.push(vec![
                Bytes::from_static(b"PEXPIREAT"),
                key.clone(),
                Bytes::from(ms.to_string()),
            ]);
        }
    } else if f.ttl == Ttl::Persist && ctx.db.expire_at(key).is_some() {
        ctx.db.set_expire(key, None);
        *ctx.dirty += 1;
        ctx.propagate
            .push(vec![Bytes::from_static(b"PERSIST"), key.clone()]);
    }
    Frame::Bulk(val)
}

/// `MGET key [key …]`: a non-string reads as nil.
pub fn mget(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let out = argv[1..]
        .iter()
        .map(|k| match lookup_read(ctx, k) {
            Some(Value::Str(s)) => Frame::Bulk(s.clone()),
            _ => Frame::Null,
        })
        .collect();
    Frame::Array(out)
}

fn mset_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], nx: bool) -> Frame {
    if argv.len().is_multiple_of(2) {
        return wrong_arity(if nx { "msetnx" } else { "mset" });
    }
    if nx {
        for pair in argv[1..].chunks_exact(2) {
            prepare_write(ctx, &pair[0]);
            if ctx.db.contains(&pair[0]) {
                return Frame::Integer(0);
            }
        }
    }
    for pair in argv[1..].chunks_exact(2) {
        prepare_write(ctx, &pair[0]);
        ctx.db
            .set(pair[0].clone(), Value::Str(pair[1].clone()), None);
    }
    *ctx.dirty += (argv.len() as u64 - 1) / 2;
    ctx.propagate_verbatim(argv);
    if nx { Frame::Integer(1) } else { Frame::ok() }
}

/// `MSET key value [key value …]`
pub fn mset(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    mset_generic(ctx, argv, false)
}
/// `MSETNX key value [key value …]`
pub fn msetnx(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    mset_generic(ctx, argv, true)
}

fn incr_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], by: i64) -> Frame {
    let key = &argv[1];
    let cur = match lookup_write(ctx, key) {
        None => 0,
        Some(Value::Str(s)) => match parse_i64(s) {
            Some(v) => v,
            None => return not_int(),
        },
        Some(_) => return wrongtype(),
    };
    let Some(new) = cur.checked_add(by) else {
        return Frame::error("ERR increment or decrement would overflow");
    };
    ctx.db.set_keep_ttl(key.clone(), Value::Str(int_bytes(new)));
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(new)
}

/// INCR key
pub fn incr(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    incr_generic(ctx, argv, 1)
}
/// DECR key
pub fn decr(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    incr_generic(ctx, argv, -1)
}
/// INCRBY key n
pub fn incrby(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match int_arg(&argv[2]) {
        Ok(n) => incr_generic(ctx, argv, n),
        Err(e) => e,
    }
}
/// DECRBY key n
pub fn decrby(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match int_arg(&argv[2]) {
        Ok(i64::MIN) => Frame::error("ERR decrement would overflow"),
        Ok(n) => incr_generic(ctx, argv, -n),
        Err(e) => e,
    }
}

/// Add two long-double texts as Redis does: `Err` carries the error reply.
pub(crate) fn add_long_double(cur: &[u8], by: &[u8], cur_err: &str) -> Result<Bytes, Frame> {
    use crate::store::ldouble::{Parsed, parse};
    let by = parse(by).ok_or_else(not_float)?;
    let cur = parse(cur).ok_or_else(|| Frame::error(cur_err))?;
    let nan_inf = || Frame::error("ERR increment would produce NaN or Infinity");
    match (cur, by) {
        (Parsed::Finite(a), Parsed::Finite(b)) => {
            let sum = a.add(&b);
            if sum.overflows() {
                return Err(nan_inf());
            }
            Ok(Bytes::from(sum.to_human()))
        }
        _ => Err(nan_inf()),
    }
}

/// INCRBYFLOAT key incr (propagated as `SET key value KEEPTTL`). The sum is computed in
/// emulated x87 long double, exactly as Redis does (see `store::ldouble`).
pub fn incrbyfloat(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let cur = match lookup_write(ctx, key) {
        None => Bytes::from_static(b"0"),
        Some(Value::Str(s)) => s.clone(),
        Some(_) => return wrongtype(),
    };
    // Redis checks the stored value first, then the increment; both fail the same way.
    if crate::store::ldouble::parse(&cur).is_none() {
        return not_float();
    }
    let text = match add_long_double(&cur, &argv[2], super::data::NOT_FLOAT) {
        Ok(t) => t,
        Err(e) => return e,
    };
    ctx.db.set_keep_ttl(key.clone(), Value::Str(text.clone()));
    *ctx.dirty += 1;
    let mut p = argv_of(&[b"SET"]);
    p.extend([key.clone(), text.clone(), Bytes::from_static(b"KEEPTTL")]);
    ctx.propagate.push(p);
    Frame::Bulk(text)
}

/// APPEND key value
pub fn append(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let add = &argv[2];
    let new = match lookup_write(ctx, key) {
        None => add.clone(),
        Some(Value::Str(s)) => {
            if s.len() + add.len() > MAX_STRING {
                return too_big();
            }
            let mut v = Vec::with_capacity(s.len() + add.len());
            v.extend_from_slice(s);
            v.extend_from_slice(add);
            Bytes::from(v)
        }
        Some(_) => return wrongtype(),
    };
    let len = new.len() as i64;
    ctx.db.set_keep_ttl(key.clone(), Value::Str(new));
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(len)
}

/// STRLEN key
pub fn strlen(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match lookup_read(ctx, &argv[1]) {
        None => Frame::Integer(0),
        Some(Value::Str(s)) => Frame::Integer(s.len() as i64),
        Some(_) => wrongtype(),
    }
}

/// GETRANGE key start end (also SUBSTR)
pub fn getrange(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (mut start, mut end) = match (parse_i64(&argv[2]), parse_i64(&argv[3])) {
        (Some(s), Some(e)) => (s, e),
        _ => return not_int(),
    };
    let s = match lookup_read(ctx, &argv[1]) {
        None => return Frame::Bulk(Bytes::new()),
        Some(Value::Str(s)) => s.clone(),
        Some(_) => return wrongtype(),
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Frame::Bulk(Bytes::new());
    }
    if start < 0 {
        start = len.saturating_add(start);
    }
    if end < 0 {
        end = len.saturating_add(end);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Frame::Bulk(Bytes::new());
    }
    Frame::Bulk(s.slice(start as usize..=end as usize))
}

/// SETRANGE key offset value
pub fn setrange(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let Some(offset) = parse_i64(&argv[2]) else {
        return not_int();
    };
    if offset < 0 {
        return Frame::error("ERR offset is out of range");
    }
    let key = &argv[1];
    let val = &argv[3];
    let offset = offset as u64;
    prepare_write(ctx, key);
    let cur = match ctx.db.get(key).map(|e| &e.value) {
        None => None,
        Some(Value::Str(s)) => Some(s.clone()),
        Some(_) => return wrongtype(),
    };
    if val.is_empty() {
        return Frame::Integer(cur.map_or(0, |s| s.len() as i64));
    }
    if offset + val.len() as u64 > MAX_STRING as u64 {
        return too_big();
    }
    let offset = offset as usize;
    let mut buf = cur.map(|s| s.to_vec()).unwrap_or_default();
    if buf.len() < offset + val.len() {
        buf.resize(offset + val.len(), 0);
    }
    buf[offset..offset + val.len()].copy_from_slice(val);
    let len = buf.len() as i64;
    ctx.db
        .set_keep_ttl(key.clone(), Value::Str(Bytes::from(buf)));
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(len)
}

#[cfg(test)]
mod tests {
    use super::super::data::testkit::*;
    use crate::resp::Frame;

    #[test]
    fn set_options_replies_and_errors() {
        let mut h = H::new();
        assert_eq!(h.run(&["SET", "k", "v"]), ok());
        assert_eq!(h.run(&["GET", "k"]), b("v"));
        assert_eq!(h.run(&["SET", "k", "w", "NX"]), Frame::Null);
        assert_eq!(h.run(&["SET", "n", "w", "XX"]), Frame::Null);
        assert_eq!(h.run(&["SET", "k", "w", "XX", "GET"]), b("v"));
        assert_eq!(h.run(&["SET", "new", "w", "GET"]), Frame::Null);
        assert_eq!(
            h.run(&["SET", "k", "v", "NX", "XX"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SET", "k", "v", "EX", "1", "PX", "1"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["SET", "k", "v", "EX", "1", "KEEPTTL"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["SET", "k", "v", "EX"]), err("ERR syntax error"));
        assert_eq!(h.run(&["SET", "k", "v", "FOO"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["SET", "k", "v", "EX", "0"]),
            err("ERR invalid expire time in 'set' command")
        );
        assert_eq!(
            h.run(&["SET", "k", "v", "PX", "-5"]),
            err("ERR invalid expire time in 'set' command")
        );
        assert_eq!(
            h.run(&["SET", "k", "v", "EX", "9223372036854775807"]),
            err("ERR invalid expire time in 'set' command")
        );
        assert_eq!(
            h.run(&["SET", "k", "v", "EX", "x"]),
            err("ERR value is not an integer or out of range")
        );
        h.run(&["LPUSH", "l", "a"]);
        assert_eq!(
            h.run(&["SET", "l", "v", "GET"]),
            err(super::super::data::WRONGTYPE)
        );
        assert_eq!(h.run(&["GET", "l"]), err(super::super::data::WRONGTYPE));
        assert_eq!(h.run(&["SET", "l", "v"]), ok(), "SET overwrites any type");
    }

    #[test]
    fn set_propagation_rewrites_relative_expiry_and_drops_get() {
        let mut h = H::new();
        let now = h.now_ms;
        h.run(&["SET", "k", "v", "EX", "10", "NX"]);
        assert_eq!(h.prop(), vec![format!("SET k v PXAT {}", now + 10_000)]);
        h.run(&["SET", "k", "w", "GET", "KEEPTTL"]);
        assert_eq!(h.prop(), vec!["SET k w KEEPTTL"]);
        assert_eq!(h.run(&["PTTL", "k"]), i(10_000));
        h.run(&["SET", "k", "w", "NX"]);
        assert!(
            h.prop().is_empty(),
            "a SET NX that did nothing is not propagated"
        );
        h.run(&["SETEX", "s", "5", "v"]);
        h.run(&["PSETEX", "p", "5", "v"]);
        assert_eq!(
            h.prop(),
            vec![
                format!("SET s v PXAT {}", now + 5000),
                format!("SET p v PXAT {}", now + 5)
            ]
        );
        assert_eq!(
            h.run(&["SETEX", "s", "0", "v"]),
            err("ERR invalid expire time in 'setex' command")
        );
        h.run(&["GETSET", "k", "z"]);
        assert_eq!(h.prop(), vec!["SET k z"]);
        assert_eq!(h.run(&["TTL", "k"]), i(-1), "GETSET clears the TTL");
        assert_eq!(h.run(&["GETDEL", "k"]), b("z"));
        assert_eq!(h.prop(), vec!["DEL k"]);
        assert_eq!(h.run(&["GETDEL", "k"]), Frame::Null);
        assert!(h.prop().is_empty());
        assert_eq!(h.dirty, 6);
    }

    #[test]
    fn getex_variants() {
        let mut h = H::new();
        let now = h.now_ms;
        h.run(&["SET", "k", "v"]);
        h.prop();
        assert_eq!(h.run(&["GETEX", "k"]), b("v"));
        assert!(h.prop().is_empty());
        assert_eq!(h.run(&["GETEX", "k", "EX", "10"]), b("v"));
        assert_eq!(h.prop(), vec![format!("PEXPIREAT k {}", now + 10_000)]);
        assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), b("v"));
        assert_eq!(h.prop(), vec!["PERSIST k"]);
        assert_eq!(
            h.run(&["GETEX", "k", "PERSIST", "EX", "1"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["GETEX", "k", "KEEPTTL"]), err("ERR syntax error"));
        assert_eq!(h.run(&["GETEX", "k", "PXAT", "1"]), b("v"));
        assert_eq!(h.prop(), vec!["DEL k"]);
        assert_eq!(h.run(&["GETEX", "k"]), Frame::Null);
    }

    #[test]
    fn mget_mset_msetnx() {
        let mut h = H::new();
        assert_eq!(h.run(&["MSET", "a", "1", "b", "2"]), ok());
        assert_eq!(
            h.run(&["MSET", "a", "1", "b"]),
            err("ERR wrong number of arguments for 'mset' command")
        );
        h.run(&["SADD", "s", "x"]);
        assert_eq!(
            h.run(&["MGET", "a", "b", "s", "zz"]),
            Frame::Array(vec![b("1"), b("2"), Frame::Null, Frame::Null])
        );
        assert_eq!(h.run(&["MSETNX", "a", "9", "c", "3"]), i(0));
        assert_eq!(h.run(&["MSETNX", "c", "3", "d", "4"]), i(1));
        assert_eq!(h.run(&["GET", "d"]), b("4"));
    }

    #[test]
    fn counters() {
        let mut h = H::new();
        assert_eq!(h.run(&["INCR", "c"]), i(1));
        assert_eq!(h.run(&["INCRBY", "c", "10"]), i(11));
        assert_eq!(h.run(&["DECR", "c"]), i(10));
        assert_eq!(h.run(&["DECRBY", "c", "20"]), i(-10));
        assert_eq!(
            h.run(&["INCRBY", "c", "x"]),
            err("ERR value is not an integer or out of range")
        );
        h.run(&["SET", "c", "9223372036854775807"]);
        assert_eq!(
            h.run(&["INCR", "c"]),
            err("ERR increment or decrement would overflow")
        );
        assert_eq!(
            h.run(&["DECRBY", "c", "-9223372036854775808"]),
            err("ERR decrement would overflow")
        );
        h.run(&["SET", "c", " 1"]);
        assert_eq!(
            h.run(&["INCR", "c"]),
            err("ERR value is not an integer or out of range")
        );
        h.run(&["SET", "t", "5", "EX", "100"]);
        h.run(&["INCR", "t"]);
        assert_eq!(h.run(&["TTL", "t"]), i(100), "INCR keeps the TTL");
        h.prop();
        assert_eq!(h.run(&["INCRBYFLOAT", "f", "10.5"]), b("10.5"));
        assert_eq!(h.run(&["INCRBYFLOAT", "f", "0.1"]), b("10.6"));
        // Redis 7.0.15 prints the long-double sum exactly so.
        assert_eq!(
            h.run(&["INCRBYFLOAT", "f", "5.0e3"]),
            b("5010.60000000000000009")
        );
        assert_eq!(h.prop()[0], "SET f 10.5 KEEPTTL");
        assert_eq!(
            h.run(&["INCRBYFLOAT", "f", "x"]),
            err("ERR value is not a valid float")
        );
        assert_eq!(
            h.run(&["INCRBYFLOAT", "f", "inf"]),
            err("ERR increment would produce NaN or Infinity")
        );
        h.run(&["SET", "f", "abc"]);
        assert_eq!(
            h.run(&["INCRBYFLOAT", "f", "1"]),
            err("ERR value is not a valid float")
        );
    }

    #[test]
    fn append_strlen_ranges() {
        let mut h = H::new();
        assert_eq!(h.run(&["APPEND", "s", "Hello"]), i(5));
        assert_eq!(h.run(&["APPEND", "s", " World"]), i(11));
        assert_eq!(h.run(&["STRLEN", "s"]), i(11));
        assert_eq!(h.run(&["STRLEN", "none"]), i(0));
        assert_eq!(h.run(&["GETRANGE", "s", "0", "4"]), b("Hello"));
        assert_eq!(h.run(&["GETRANGE", "s", "-5", "-1"]), b("World"));
        assert_eq!(h.run(&["GETRANGE", "s", "-1", "-5"]), b(""));
        assert_eq!(h.run(&["GETRANGE", "s", "5", "1"]), b(""));
        assert_eq!(h.run(&["GETRANGE", "s", "0", "100"]), b("Hello World"));
        assert_eq!(h.run(&["SUBSTR", "none", "0", "1"]), b(""));
        assert_eq!(h.run(&["SETRANGE", "s", "6", "Redis"]), i(11));
        assert_eq!(h.run(&["GET", "s"]), b("Hello Redis"));
        assert_eq!(h.run(&["SETRANGE", "z", "3", "ab"]), i(5));
        assert_eq!(
            h.run(&["GET", "z"]),
            Frame::Bulk(bytes::Bytes::from_static(b"\0\0\0ab"))
        );
        assert_eq!(h.run(&["SETRANGE", "e", "3", ""]), i(0));
        assert_eq!(h.run(&["EXISTS", "e"]), i(0));
        assert_eq!(
            h.run(&["SETRANGE", "s", "-1", "x"]),
            err("ERR offset is out of range")
        );
        assert_eq!(
            h.run(&["SETRANGE", "s", "536870911", "xx"]),
            err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        );
    }
}
