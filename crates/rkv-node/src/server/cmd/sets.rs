//! Set commands (Redis's t_set.c). SPOP is random, so it propagates what it did: `SREM key
//! members…`, or `DEL key` when it took the whole set.

use super::ExecCtx;
use super::data::{
    MAX_RANDOM_REPEATS, NOT_POSITIVE, delete_if_empty, is, lookup_read, lookup_write, not_int,
    parse_i64, prepare_write, random_index, sample_distinct, syntax, wrongtype,
};
use super::keys::{parse_cursor, parse_scan_opts, scan_reply};
use crate::resp::Frame;
use crate::store::Value;
use crate::store::glob::glob_match;
use bytes::Bytes;
use std::collections::HashSet;

type Set = HashSet<Bytes>;

fn read<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Result<Option<&'a Set>, Frame> {
    match lookup_read(ctx, key) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

fn set_reply(members: impl IntoIterator<Item = Bytes>) -> Frame {
    Frame::Set(members.into_iter().map(Frame::Bulk).collect())
}

/// `SADD key member [member …]`
pub fn sadd(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let added = match lookup_write(ctx, key) {
        Some(Value::Set(s)) => argv[2..].iter().filter(|m| s.insert((*m).clone())).count(),
        Some(_) => return wrongtype(),
        None => {
            let s: Set = argv[2..].iter().cloned().collect();
            let n = s.len();
            ctx.db.set(key.clone(), Value::Set(s), None);
            n
        }
    };
    if added > 0 {
        *ctx.dirty += added as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(added as i64)
}

/// `SREM key member [member …]`
pub fn srem(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let removed = match lookup_write(ctx, key) {
        None => return Frame::Integer(0),
        Some(Value::Set(s)) => argv[2..].iter().filter(|m| s.remove(*m)).count(),
        Some(_) => return wrongtype(),
    };
    if removed > 0 {
        delete_if_empty(ctx, key);
        *ctx.dirty += removed as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(removed as i64)
}

/// SMEMBERS key (a RESP3 set; an array on RESP2).
pub fn smembers(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(s) => set_reply(s.into_iter().flatten().cloned()),
        Err(e) => e,
    }
}

/// SISMEMBER key member
pub fn sismember(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(s) => Frame::Integer(i64::from(s.is_some_and(|s| s.contains(&argv[2])))),
        Err(e) => e,
    }
}

/// `SMISMEMBER key member [member …]`
pub fn smismember(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(s) => Frame::Array(
            argv[2..]
                .iter()
                .map(|m| Frame::Integer(i64::from(s.is_some_and(|s| s.contains(m)))))
                .collect(),
        ),
        Err(e) => e,
    }
}

/// SCARD key
pub fn scard(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(s) => Frame::Integer(s.map_or(0, |s| s.len() as i64)),
        Err(e) => e,
    }
}

/// `SPOP key [count]`
pub fn spop(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() > 3 {
        return syntax();
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match parse_i64(a) {
            None => return not_int(),
            Some(n) if n < 0 => return Frame::error(NOT_POSITIVE),
            Some(n) => Some(n as usize),
        },
    };
    let key = &argv[1];
    let (popped, whole) = match lookup_write(ctx, key) {
        None => {
            return if count.is_some() {
                Frame::Set(vec![])
            } else {
                Frame::Null
            };
        }
        Some(Value::Set(s)) => {
            let want = count.unwrap_or(1);
            if want >= s.len() && count.is_some() {
                (s.drain().collect::<Vec<_>>(), true)
            } else {
                // Sample references, clone only the chosen (a SPOP must not copy the set).
                let chosen: Vec<Bytes> = if want == 1 {
                    s.iter()
                        .nth(random_index(s.len()))
                        .cloned()
                        .into_iter()
                        .collect()
                } else {
                    sample_distinct(s.iter().collect::<Vec<_>>(), want)
                        .into_iter()
                        .cloned()
                        .collect()
                };
                for m in &chosen {
                    s.remove(m);
                }
                (chosen, false)
            }
        }
        Some(_) => return wrongtype(),
    };
    if !popped.is_empty() {
        delete_if_empty(ctx, key);
        *ctx.dirty += popped.len() as u64;
        if whole {
            ctx.propagate
                .push(vec![Bytes::from_static(b"DEL"), key.clone()]);
        } else {
            let mut p = vec![Bytes::from_static(b"SREM"), key.clone()];
            p.extend(popped.iter().cloned());
            ctx.propagate.push(p);
        }
    }
    match count {
        None => popped.into_iter().next().map_or(Frame::Null, Frame::Bulk),
        Some(_) => set_reply(popped),
    }
}

/// `SRANDMEMBER key [count]`
pub fn srandmember(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() > 3 {
        return syntax();
    }
    let Some(count_arg) = argv.get(2) else {
        return match read(ctx, &argv[1]) {
            Ok(Some(s)) if !s.is_empty() => s
                .iter()
                .nth(random_index(s.len()))
                .map_or(Frame::Null, |m| Frame::Bulk(m.clone())),
            Ok(_) => Frame::Null,
            Err(e) => e,
        };
    };
    let Some(count) = parse_i64(count_arg) else {
        return not_int();
    };
    if count < 0 && count.unsigned_abs() > MAX_RANDOM_REPEATS {
        return Frame::error("ERR value is out of range");
    }
    let s = match read(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Frame::Array(vec![]),
        Err(e) => return e,
    };
    let members: Vec<&Bytes> = s.iter().collect();
    if members.is_empty() {
        return Frame::Array(vec![]);
    }
    let chosen: Vec<&Bytes> = if count >= 0 {
        sample_distinct(members, count as usize)
    } else {
        (0..count.unsigned_abs())
            .map(|_| members[random_index(members.len())])
            .collect()
    };
    Frame::Array(chosen.into_iter().map(|m| Frame::Bulk(m.clone())).collect())
}

/// SMOVE source destination member
pub fn smove(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (src, dst, member) = (&argv[1], &argv[2], &argv[3]);
    prepare_write(ctx, src);
    prepare_write(ctx, dst);
    let in_src = match ctx.db.get(src).map(|e| &e.value) {
        None => return Frame::Integer(0),
        Some(Value::Set(s)) => s.contains(member),
        Some(_) => return wrongtype(),
    };
    match ctx.db.get(dst).map(|e| &e.value) {
        None | Some(Value::Set(_)) => {}
        Some(_) => return wrongtype(),
    }
    if src == dst {
        return Frame::Integer(i64::from(in_src));
    }
    if !in_src {
        return Frame::Integer(0);
    }
    if let Some(Value::Set(s)) = ctx.db.value_mut(src) {
        s.remove(member);
    }
    delete_if_empty(ctx, src);
    match ctx.db.value_mut(dst) {
        Some(Value::Set(s)) => {
            s.insert(member.clone());
        }
        _ => {
            let s: Set = std::iter::once(member.clone()).collect();
            ctx.db.set(dst.clone(), Value::Set(s), None);
        }
    }
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(1)
}

#[derive(Clone, Copy)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// Compute an algebra result over `keys`, checking every key's type first as Redis 7.0 does.
fn compute(ctx: &mut ExecCtx<'_>, keys: &[Bytes], op: Op) -> Result<Set, Frame> {
    let mut sets: Vec<Option<Set>> = Vec::with_capacity(keys.len());
    for k in keys {
        sets.push(read(ctx, k)?.cloned());
    }
    Ok(match op {
        Op::Inter => {
            if sets.iter().any(Option::is_none) {
                return Ok(Set::new());
            }
            let mut all: Vec<Set> = sets.into_iter().flatten().collect();
            all.sort_by_key(HashSet::len);
            let mut it = all.into_iter();
            let first = it.next().unwrap_or_default();
            let rest: Vec<Set> = it.collect();
            first
                .into_iter()
                .filter(|m| rest.iter().all(|s| s.contains(m)))
                .collect()
        }
        Op::Union => sets.into_iter().flatten().flatten().collect(),
        Op::Diff => {
            let mut it = sets.into_iter();
            let mut first = it.next().flatten().unwrap_or_default();
            for s in it.flatten() {
                if first.is_empty() {
                    break;
                }
                first.retain(|m| !s.contains(m));
            }
            first
        }
    })
}

fn algebra(ctx: &mut ExecCtx<'_>, argv: &[Bytes], op: Op) -> Frame {
    match compute(ctx, &argv[1..], op) {
        Ok(s) => set_reply(s),
        Err(e) => e,
    }
}

fn algebra_store(ctx: &mut ExecCtx<'_>, argv: &[Bytes], op: Op) -> Frame {
    let result = match compute(ctx, &argv[2..], op) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let dst = &argv[1];
    prepare_write(ctx, dst);
    let n = result.len();
    if result.is_empty() {
        if ctx.db.remove(dst).is_some() {
            *ctx.dirty += 1;
            ctx.propagate_verbatim(argv);
        }
    } else {
        ctx.db.set(dst.clone(), Value::Set(result), None);
        *ctx.dirty += 1;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(n as i64)
}

/// `SINTER key [key …]`
pub fn sinter(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    algebra(ctx, argv, Op::Inter)
}
/// `SUNION key [key …]`
pub fn sunion(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    algebra(ctx, argv, Op::Union)
}
/// `SDIFF key [key …]`
pub fn sdiff(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    algebra(ctx, argv, Op::Diff)
}
/// `SINTERSTORE destination key [key …]`
pub fn sinterstore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    algebra_store(ctx, argv, Op::Inter)
}
/// `SUNIONSTORE destination key [key …]`
pub fn sunionstore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    algebra_store(ctx, argv, Op::Union)
}
/// `SDIFFSTORE destination key [key …]`
pub fn sdiffstore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    algebra_store(ctx, argv, Op::Diff)
}

/// `SINTERCARD numkeys key [key …] [LIMIT limit]`
pub fn sintercard(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let numkeys = match parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as usize,
        _ => return Frame::error("ERR numkeys should be greater than 0"),
    };
    if numkeys > argv.len() - 2 {
        return Frame::error("ERR Number of keys can't be greater than number of args");
    }
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < argv.len() {
        if is(&argv[i], "limit") && i + 1 < argv.len() {
            i += 1;
            match parse_i64(&argv[i]) {
                Some(n) if n >= 0 => limit = n as usize,
                _ => return Frame::error("ERR LIMIT can't be negative"),
            }
        } else {
            return syntax();
        }
        i += 1;
    }
    match compute(ctx, &argv[2..2 + numkeys], Op::Inter) {
        Ok(s) => {
            let n = if limit == 0 {
                s.len()
            } else {
                s.len().min(limit)
            };
            Frame::Integer(n as i64)
        }
        Err(e) => e,
    }
}

/// `SSCAN key cursor [MATCH p] [COUNT n]`: one call returns every member (cursor 0), as Redis
/// does for small sets; std's set offers no stable cursor.
pub fn sscan(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    if let Err(e) = parse_cursor(&argv[2]) {
        return e;
    }
    let members: Vec<Bytes> = match read(ctx, &argv[1]) {
        Ok(Some(s)) => s.iter().cloned().collect(),
        Ok(None) => return scan_reply(0, vec![]),
        Err(e) => return e,
    };
    let opts = match parse_scan_opts(argv, 3, false) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let out = members
        .into_iter()
        .filter(|m| opts.pattern.as_ref().is_none_or(|p| glob_match(p, m)))
        .map(Frame::Bulk)
        .collect();
    scan_reply(0, out)
}

#[cfg(test)]
mod tests {
    use super::super::data::WRONGTYPE;
    use super::super::data::testkit::*;
    use crate::resp::Frame;

    fn sorted_set(f: Frame) -> Frame {
        match f {
            Frame::Set(v) => sorted(Frame::Array(v)),
            other => other,
        }
    }

    #[test]
    fn add_rem_members() {
        let mut h = H::new();
        assert_eq!(h.run(&["SADD", "s", "a", "b", "a"]), i(2));
        assert_eq!(h.prop(), vec!["SADD s a b a"]);
        assert_eq!(h.run(&["SADD", "s", "a"]), i(0));
        assert!(
            h.prop().is_empty(),
            "SADD of existing members propagates nothing"
        );
        assert_eq!(sorted_set(h.run(&["SMEMBERS", "s"])), arr(&["a", "b"]));
        assert_eq!(h.run(&["SISMEMBER", "s", "a"]), i(1));
        assert_eq!(
            h.run(&["SMISMEMBER", "s", "a", "z"]),
            Frame::Array(vec![i(1), i(0)])
        );
        assert_eq!(h.run(&["SCARD", "s"]), i(2));
        assert_eq!(h.run(&["SREM", "s", "a", "z"]), i(1));
        assert_eq!(h.run(&["SREM", "s", "b"]), i(1));
        assert_eq!(h.run(&["EXISTS", "s"]), i(0));
        h.run(&["SET", "str", "x"]);
        assert_eq!(h.run(&["SADD", "str", "x"]), err(WRONGTYPE));
        assert_eq!(h.run(&["SMEMBERS", "str"]), err(WRONGTYPE));
    }

    #[test]
    fn spop_propagates_srem_or_del() {
        let mut h = H::new();
        h.run(&["SADD", "s", "a", "b", "c"]);
        h.prop();
        let Frame::Bulk(m) = h.run(&["SPOP", "s"]) else {
            panic!()
        };
        assert_eq!(
            h.prop(),
            vec![format!("SREM s {}", String::from_utf8_lossy(&m))]
        );
        let Frame::Set(v) = h.run(&["SPOP", "s", "1"]) else {
            panic!()
        };
        assert_eq!(v.len(), 1);
        assert!(h.prop()[0].starts_with("SREM s "));
        let Frame::Set(v) = h.run(&["SPOP", "s", "10"]) else {
            panic!()
        };
        assert_eq!(v.len(), 1);
        assert_eq!(h.prop(), vec!["DEL s"]);
        assert_eq!(h.run(&["SPOP", "s"]), Frame::Null);
        assert_eq!(h.run(&["SPOP", "s", "2"]), Frame::Set(vec![]));
        assert_eq!(
            h.run(&["SPOP", "s", "-1"]),
            err("ERR value is out of range, must be positive")
        );
        assert_eq!(h.run(&["SPOP", "s", "1", "2"]), err("ERR syntax error"));
        assert!(h.prop().is_empty());
    }

    #[test]
    fn srandmember_counts() {
        let mut h = H::new();
        assert_eq!(h.run(&["SRANDMEMBER", "s"]), Frame::Null);
        assert_eq!(h.run(&["SRANDMEMBER", "s", "5"]), arr(&[]));
        h.run(&["SADD", "s", "a", "b", "c"]);
        assert_eq!(
            sorted(h.run(&["SRANDMEMBER", "s", "5"])),
            arr(&["a", "b", "c"])
        );
        let Frame::Array(v) = h.run(&["SRANDMEMBER", "s", "-10"]) else {
            panic!()
        };
        assert_eq!(v.len(), 10);
        let Frame::Array(v) = h.run(&["SRANDMEMBER", "s", "2"]) else {
            panic!()
        };
        assert_eq!(v.len(), 2);
        assert_ne!(v[0], v[1]);
    }

    #[test]
    fn smove_and_algebra() {
        let mut h = H::new();
        h.run(&["SADD", "a", "1", "2", "3"]);
        h.run(&["SADD", "b", "2", "3", "4"]);
        assert_eq!(sorted_set(h.run(&["SINTER", "a", "b"])), arr(&["2", "3"]));
        assert_eq!(
            sorted_set(h.run(&["SUNION", "a", "b", "none"])),
            arr(&["1", "2", "3", "4"])
        );
        assert_eq!(sorted_set(h.run(&["SDIFF", "a", "b"])), arr(&["1"]));
        assert_eq!(h.run(&["SINTER", "a", "none"]), Frame::Set(vec![]));
        assert_eq!(h.run(&["SINTERCARD", "2", "a", "b"]), i(2));
        assert_eq!(h.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]), i(1));
        assert_eq!(
            h.run(&["SINTERCARD", "0", "a"]),
            err("ERR numkeys should be greater than 0")
        );
        assert_eq!(
            h.run(&["SINTERCARD", "3", "a", "b"]),
            err("ERR Number of keys can't be greater than number of args")
        );
        assert_eq!(
            h.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "-1"]),
            err("ERR LIMIT can't be negative")
        );
        assert_eq!(h.run(&["SINTERSTORE", "d", "a", "b"]), i(2));
        h.prop();
        assert_eq!(h.run(&["SDIFFSTORE", "d", "a", "a"]), i(0));
        assert_eq!(h.prop(), vec!["SDIFFSTORE d a a"]);
        assert_eq!(h.run(&["EXISTS", "d"]), i(0));
        assert_eq!(h.run(&["SDIFFSTORE", "d", "a", "a"]), i(0));
        assert!(h.prop().is_empty());
        assert_eq!(h.run(&["SUNIONSTORE", "u", "a", "b"]), i(4));
        h.run(&["SET", "str", "x"]);
        assert_eq!(h.run(&["SUNION", "a", "str"]), err(WRONGTYPE));
        assert_eq!(h.run(&["SMOVE", "a", "b", "1"]), i(1));
        assert_eq!(h.run(&["SMOVE", "a", "b", "1"]), i(0));
        assert_eq!(h.run(&["SMOVE", "a", "a", "2"]), i(1));
        assert_eq!(h.run(&["SMOVE", "a", "str", "2"]), err(WRONGTYPE));
        assert_eq!(h.run(&["SMOVE", "none", "a", "2"]), i(0));
        h.run(&["SREM", "a", "3"]);
        assert_eq!(h.run(&["SMOVE", "a", "c", "2"]), i(1));
        assert_eq!(h.run(&["EXISTS", "a"]), i(0));
        assert_eq!(
            h.run(&["SSCAN", "c", "0"]),
            Frame::Array(vec![b("0"), arr(&["2"])])
        );
    }
}
