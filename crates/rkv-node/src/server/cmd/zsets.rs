//! Sorted-set commands (Redis's t_zset.c): ZADD with every flag, scores, ranks, the ZRANGE
//! family (by rank, score and lex, REV, LIMIT, WITHSCORES), pops and range removals.
//!
//! Scores are returned as [`Frame::Double`] (RESP3 doubles; the encoder prints them as
//! Redis's `%.17g` bulk strings on RESP2). WITHSCORES replies use the flat RESP2 shape
//! `[member, score, …]`: ExecCtx does not say which protocol the client speaks, and RESP2 is
//! what redis-cli, redis-benchmark and most clients use. Every command here is deterministic,
//! so writes propagate as sent when they changed something.

use super::ExecCtx;
use super::data::{
    NOT_POSITIVE, delete_if_empty, format_double_d2string, is, lookup_read, lookup_write,
    not_float, not_int, parse_f64, parse_i64, syntax, wrongtype,
};
use super::keys::{parse_cursor, parse_scan_opts, scan_reply};
use crate::resp::Frame;
use crate::store::glob::glob_match;
use crate::store::{Value, ZSet};
use bytes::Bytes;
use std::ops::Bound;

fn read<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Result<Option<&'a ZSet>, Frame> {
    match lookup_read(ctx, key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(wrongtype()),
    }
}

#[derive(Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

fn zadd_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], f: AddFlags, first: usize) -> Frame {
    let pairs = &argv[first..];
    if pairs.is_empty() || pairs.len() % 2 == 1 {
        return syntax();
    }
    if f.nx && f.xx {
        return Frame::error("ERR XX and NX options at the same time are not compatible");
    }
    if ((f.gt || f.lt) && f.nx) || (f.gt && f.lt) {
        return Frame::error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if f.incr && pairs.len() > 2 {
        return Frame::error("ERR INCR option supports a single increment-element pair");
    }
    let mut scores = Vec::with_capacity(pairs.len() / 2);
    for p in pairs.chunks_exact(2) {
        match parse_f64(&p[0]) {
            Some(s) => scores.push(s),
            None => return not_float(),
        }
    }
    let key = &argv[1];
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0);
    let mut last_score = 0.0;
    let mut nan = false;
    match lookup_write(ctx, key) {
        Some(Value::ZSet(_)) => {}
        Some(_) => return wrongtype(),
        None if f.xx => {}
        None => ctx.db.set(key.clone(), Value::ZSet(ZSet::new()), None),
    }
    if let Some(Value::ZSet(z)) = ctx.db.value_mut(key) {
        for (p, &score) in pairs.chunks_exact(2).zip(&scores) {
            let member = &p[1];
            match z.score(member) {
                Some(cur) => {
                    if f.nx {
                        continue;
                    }
                    let mut new = score;
                    if f.incr {
                        new += cur;
                        if new.is_nan() {
                            nan = true;
                            break;
                        }
                    }
                    if (f.lt && new >= cur) || (f.gt && new <= cur) {
                        continue;
                    }
                    last_score = new;
                    processed += 1;
                    if new != cur {
                        z.insert(member.clone(), new);
                        updated += 1;
                    }
                }
                None => {
                    if f.xx {
                        continue;
                    }
                    z.insert(member.clone(), score);
                    last_score = score;
                    added += 1;
                    processed += 1;
                }
            }
        }
    }
    delete_if_empty(ctx, key);
    if added + updated > 0 {
        *ctx.dirty += (added + updated) as u64;
        ctx.propagate_verbatim(argv);
    }
    if nan {
        return Frame::error("ERR resulting score is not a number (NaN)");
    }
    if f.incr {
        if processed > 0 {
            Frame::Double(last_score)
        } else {
            Frame::Null
        }
    } else {
        Frame::Integer(if f.ch { added + updated } else { added })
    }
}

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member …]`
pub fn zadd(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let mut f = AddFlags::default();
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if is(a, "nx") {
            f.nx = true;
        } else if is(a, "xx") {
            f.xx = true;
        } else if is(a, "ch") {
            f.ch = true;
        } else if is(a, "incr") {
            f.incr = true;
        } else if is(a, "gt") {
            f.gt = true;
        } else if is(a, "lt") {
            f.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    zadd_generic(ctx, argv, f, i)
}

/// ZINCRBY key increment member (ZADD INCR; replies the new score).
pub fn zincrby(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let f = AddFlags {
        incr: true,
        ..AddFlags::default()
    };
    zadd_generic(ctx, argv, f, 2)
}

/// `ZREM key member [member …]`
pub fn zrem(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let n = match lookup_write(ctx, key) {
        None => return Frame::Integer(0),
        Some(Value::ZSet(z)) => argv[2..].iter().filter(|m| z.remove(m)).count(),
        Some(_) => return wrongtype(),
    };
    if n > 0 {
        delete_if_empty(ctx, key);
        *ctx.dirty += n as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(n as i64)
}

/// ZSCORE key member
pub fn zscore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(z) => z
            .and_then(|z| z.score(&argv[2]))
            .map_or(Frame::Null, Frame::Double),
        Err(e) => e,
    }
}

/// `ZMSCORE key member [member …]`
pub fn zmscore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(z) => Frame::Array(
            argv[2..]
                .iter()
                .map(|m| {
                    z.and_then(|z| z.score(m))
                        .map_or(Frame::Null, Frame::Double)
                })
                .collect(),
        ),
        Err(e) => e,
    }
}

/// ZCARD key
pub fn zcard(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(z) => Frame::Integer(z.map_or(0, |z| z.len() as i64)),
        Err(e) => e,
    }
}

fn rank_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], rev: bool) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(Some(z)) => match z.rank(&argv[2]) {
            Some(r) => Frame::Integer(if rev { z.len() - 1 - r } else { r } as i64),
            None => Frame::Null,
        },
        Ok(None) => Frame::Null,
        Err(e) => e,
    }
}

/// ZRANK key member
pub fn zrank(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    rank_generic(ctx, argv, false)
}
/// ZREVRANK key member
pub fn zrevrank(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    rank_generic(ctx, argv, true)
}

/// Redis's zslParseRange item: `(1.5` exclusive, `1.5` inclusive, `-inf`/`+inf`.
fn parse_score_bound(b: &[u8]) -> Option<Bound<f64>> {
    if let Some(rest) = b.strip_prefix(b"(") {
        parse_f64(rest).map(Bound::Excluded)
    } else {
        parse_f64(b).map(Bound::Included)
    }
}

/// Redis's zslParseLexRangeItem: `[a` inclusive, `(a` exclusive, `-` / `+` the extremes.
#[derive(Clone)]
enum Lex {
    Min,
    Max,
    In(Bytes),
    Ex(Bytes),
}

fn parse_lex_bound(b: &Bytes) -> Option<Lex> {
    match b.first() {
        Some(b'[') => Some(Lex::In(b.slice(1..))),
        Some(b'(') => Some(Lex::Ex(b.slice(1..))),
        Some(b'-') if b.len() == 1 => Some(Lex::Min),
        Some(b'+') if b.len() == 1 => Some(Lex::Max),
        _ => None,
    }
}

fn lex_gte_min(m: &[u8], min: &Lex) -> bool {
    match min {
        Lex::Min => true,
        Lex::Max => false,
        Lex::In(x) => m >= x.as_ref(),
        Lex::Ex(x) => m > x.as_ref(),
    }
}

fn lex_lte_max(m: &[u8], max: &Lex) -> bool {
    match max {
        Lex::Min => false,
        Lex::Max => true,
        Lex::In(x) => m <= x.as_ref(),
        Lex::Ex(x) => m < x.as_ref(),
    }
}

fn in_score(s: f64, min: Bound<f64>, max: Bound<f64>) -> bool {
    let lo = match min {
        Bound::Included(m) => s >= m,
        Bound::Excluded(m) => s > m,
        Bound::Unbounded => true,
    };
    let hi = match max {
        Bound::Included(m) => s <= m,
        Bound::Excluded(m) => s < m,
        Bound::Unbounded => true,
    };
    lo && hi
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

/// The shared ZRANGE machinery (zrangeGenericCommand): `preset` and `rev` are what the legacy
/// names (ZREVRANGE, ZRANGEBYSCORE, …) fix in advance; options after the range may set the
/// rest.
fn zrange_generic(
    ctx: &mut ExecCtx<'_>,
    argv: &[Bytes],
    preset: RangeType,
    direction: Option<bool>,
) -> Frame {
    let mut rtype = preset;
    let mut rev: Option<bool> = direction;
    let mut withscores = false;
    let mut offset: i64 = 0;
    let mut limit: Option<i64> = None;
    let mut j = 4;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            match (parse_i64(&argv[j + 1]), parse_i64(&argv[j + 2])) {
                (Some(o), Some(l)) => {
                    offset = o;
                    limit = Some(l);
                }
                _ => return not_int(),
            }
            j += 2;
        } else if rev.is_none() && is(a, "rev") {
            rev = Some(true);
        } else if rtype == RangeType::Auto && is(a, "bylex") {
            rtype = RangeType::Lex;
        } else if rtype == RangeType::Auto && is(a, "byscore") {
            rtype = RangeType::Score;
        } else {
            return syntax();
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    if rtype == RangeType::Auto {
        rtype = RangeType::Rank;
    }
    if limit.is_some() && rtype == RangeType::Rank {
        return Frame::error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
    }
    if withscores && rtype == RangeType::Lex {
        return Frame::error(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        );
    }
    let (mut a, mut b) = (&argv[2], &argv[3]);
    if rev && rtype != RangeType::Rank {
        std::mem::swap(&mut a, &mut b);
    }
    enum Parsed {
        Rank(i64, i64),
        Score(Bound<f64>, Bound<f64>),
        Lex(Lex, Lex),
    }
    let parsed = match rtype {
        RangeType::Rank | RangeType::Auto => match (parse_i64(a), parse_i64(b)) {
            (Some(s), Some(e)) => Parsed::Rank(s, e),
            _ => return not_int(),
        },
        RangeType::Score => match (parse_score_bound(a), parse_score_bound(b)) {
            (Some(lo), Some(hi)) => Parsed::Score(lo, hi),
            _ => return Frame::error("ERR min or max is not a float"),
        },
        RangeType::Lex => match (parse_lex_bound(a), parse_lex_bound(b)) {
            (Some(lo), Some(hi)) => Parsed::Lex(lo, hi),
            _ => return Frame::error("ERR min or max not valid string range item"),
        },
    };
    let z = match read(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return Frame::Array(vec![]),
        Err(e) => return e,
    };
    let items: Vec<(&Bytes, f64)> = match parsed {
        Parsed::Rank(start, end) => {
            let len = z.len() as i64;
            let mut start = if start < 0 {
                len.saturating_add(start)
            } else {
                start
            };
            let mut end = if end < 0 {
                len.saturating_add(end)
            } else {
                end
            };
            if start < 0 {
                start = 0;
            }
            if start > end || start >= len {
                return Frame::Array(vec![]);
            }
            if end >= len {
                end = len - 1;
            }
            let n = (end - start + 1) as usize;
            if rev {
                z.iter().rev().skip(start as usize).take(n).collect()
            } else {
                z.iter().skip(start as usize).take(n).collect()
            }
        }
        Parsed::Score(lo, hi) => {
            if offset < 0 {
                return Frame::Array(vec![]);
            }
            let take = match limit {
                Some(l) if l >= 0 => l as usize,
                _ => usize::MAX,
            };
            let it = z.range_by_score(lo, hi);
            if rev {
                it.rev().skip(offset as usize).take(take).collect()
            } else {
                it.skip(offset as usize).take(take).collect()
            }
        }
        Parsed::Lex(lo, hi) => {
            if offset < 0 {
                return Frame::Array(vec![]);
            }
            let take = match limit {
                Some(l) if l >= 0 => l as usize,
                _ => usize::MAX,
            };
            let ok = |(m, _): &(&Bytes, f64)| lex_gte_min(m, &lo) && lex_lte_max(m, &hi);
            if rev {
                z.iter()
                    .rev()
                    .filter(ok)
                    .skip(offset as usize)
                    .take(take)
                    .collect()
            } else {
                z.iter()
                    .filter(ok)
                    .skip(offset as usize)
                    .take(take)
                    .collect()
            }
        }
    };
    let mut out = Vec::with_capacity(items.len() * if withscores { 2 } else { 1 });
    for (m, s) in items {
        out.push(Frame::Bulk(m.clone()));
        if withscores {
            out.push(Frame::Double(s));
        }
    }
    Frame::Array(out)
}

/// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`
pub fn zrange(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    zrange_generic(ctx, argv, RangeType::Auto, None)
}
/// `ZREVRANGE key start stop [WITHSCORES]`
pub fn zrevrange(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    zrange_generic(ctx, argv, RangeType::Rank, Some(true))
}
/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`
pub fn zrangebyscore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    zrange_generic(ctx, argv, RangeType::Score, Some(false))
}
/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`
pub fn zrevrangebyscore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    zrange_generic(ctx, argv, RangeType::Score, Some(true))
}
/// `ZRANGEBYLEX key min max [LIMIT offset count]`
pub fn zrangebylex(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    zrange_generic(ctx, argv, RangeType::Lex, Some(false))
}
/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`
pub fn zrevrangebylex(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    zrange_generic(ctx, argv, RangeType::Lex, Some(true))
}

/// ZCOUNT key min max
pub fn zcount(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (Some(lo), Some(hi)) = (parse_score_bound(&argv[2]), parse_score_bound(&argv[3])) else {
        return Frame::error("ERR min or max is not a float");
    };
    match read(ctx, &argv[1]) {
        Ok(z) => Frame::Integer(z.map_or(0, |z| z.range_by_score(lo, hi).count() as i64)),
        Err(e) => e,
    }
}

/// ZLEXCOUNT key min max
pub fn zlexcount(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (Some(lo), Some(hi)) = (parse_lex_bound(&argv[2]), parse_lex_bound(&argv[3])) else {
        return Frame::error("ERR min or max not valid string range item");
    };
    match read(ctx, &argv[1]) {
        Ok(z) => Frame::Integer(z.map_or(0, |z| {
            z.iter()
                .filter(|(m, _)| lex_gte_min(m, &lo) && lex_lte_max(m, &hi))
                .count() as i64
        })),
        Err(e) => e,
    }
}

fn pop_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], max: bool) -> Frame {
    if argv.len() > 3 {
        return syntax();
    }
    let count = match argv.get(2) {
        None => 1,
        Some(a) => match parse_i64(a) {
            None => return not_int(),
            Some(n) if n < 0 => return Frame::error(NOT_POSITIVE),
            Some(n) => n as usize,
        },
    };
    let key = &argv[1];
    let popped: Vec<(Bytes, f64)> = match lookup_write(ctx, key) {
        None => return Frame::Array(vec![]),
        Some(Value::ZSet(z)) => (0..count.min(z.len()))
            .filter_map(|_| if max { z.pop_max() } else { z.pop_min() })
            .collect(),
        Some(_) => return wrongtype(),
    };
    if !popped.is_empty() {
        delete_if_empty(ctx, key);
        *ctx.dirty += popped.len() as u64;
        ctx.propagate_verbatim(argv);
    }
    let mut out = Vec::with_capacity(popped.len() * 2);
    for (m, s) in popped {
        out.push(Frame::Bulk(m));
        out.push(Frame::Double(s));
    }
    Frame::Array(out)
}

/// `ZPOPMIN key [count]`
pub fn zpopmin(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    pop_generic(ctx, argv, false)
}
/// `ZPOPMAX key [count]`
pub fn zpopmax(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    pop_generic(ctx, argv, true)
}

fn remove_members(ctx: &mut ExecCtx<'_>, argv: &[Bytes], victims: Vec<Bytes>) -> Frame {
    let key = &argv[1];
    if let Some(Value::ZSet(z)) = ctx.db.value_mut(key) {
        for m in &victims {
            z.remove(m);
        }
    }
    if !victims.is_empty() {
        delete_if_empty(ctx, key);
        *ctx.dirty += victims.len() as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(victims.len() as i64)
}

/// ZREMRANGEBYRANK key start stop
pub fn zremrangebyrank(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (Some(start), Some(end)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
        return not_int();
    };
    let victims: Vec<Bytes> = match read(ctx, &argv[1]) {
        Ok(None) => return Frame::Integer(0),
        Err(e) => return e,
        Ok(Some(z)) => {
            let len = z.len() as i64;
            let mut start = if start < 0 {
                len.saturating_add(start)
            } else {
                start
            };
            let mut end = if end < 0 {
                len.saturating_add(end)
            } else {
                end
            };
            if start < 0 {
                start = 0;
            }
            if start > end || start >= len {
                return Frame::Integer(0);
            }
            if end >= len {
                end = len - 1;
            }
            z.iter()
                .skip(start as usize)
                .take((end - start + 1) as usize)
                .map(|(m, _)| m.clone())
                .collect()
        }
    };
    remove_members(ctx, argv, victims)
}

/// ZREMRANGEBYSCORE key min max
pub fn zremrangebyscore(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (Some(lo), Some(hi)) = (parse_score_bound(&argv[2]), parse_score_bound(&argv[3])) else {
        return Frame::error("ERR min or max is not a float");
    };
    let victims: Vec<Bytes> = match read(ctx, &argv[1]) {
        Ok(None) => return Frame::Integer(0),
        Err(e) => return e,
        Ok(Some(z)) => z
            .range_by_score(lo, hi)
            .filter(|(_, s)| in_score(*s, lo, hi))
            .map(|(m, _)| m.clone())
            .collect(),
    };
    remove_members(ctx, argv, victims)
}

/// `ZSCAN key cursor [MATCH p] [COUNT n]`: one call returns every member and its score as a
/// string (cursor 0), as Redis does for listpack-encoded sorted sets.
pub fn zscan(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    if let Err(e) = parse_cursor(&argv[2]) {
        return e;
    }
    let items: Vec<(Bytes, f64)> = match read(ctx, &argv[1]) {
        Ok(Some(z)) => z.iter().map(|(m, s)| (m.clone(), s)).collect(),
        Ok(None) => return scan_reply(0, vec![]),
        Err(e) => return e,
    };
    let opts = match parse_scan_opts(argv, 3, false) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let mut out = Vec::new();
    for (m, s) in items {
        if opts.pattern.as_ref().is_none_or(|p| glob_match(p, &m)) {
            out.push(Frame::Bulk(m));
            out.push(Frame::Bulk(Bytes::from(format_double_d2string(s))));
        }
    }
    scan_reply(0, out)
}

#[cfg(test)]
mod tests {
    use super::super::data::WRONGTYPE;
    use super::super::data::testkit::*;
    use crate::resp::Frame;

    fn d(x: f64) -> Frame {
        Frame::Double(x)
    }

    #[test]
    fn zadd_flags() {
        let mut h = H::new();
        assert_eq!(h.run(&["ZADD", "z", "1", "a", "2", "b"]), i(2));
        assert_eq!(h.run(&["ZADD", "z", "1", "a"]), i(0));
        assert_eq!(
            h.prop(),
            vec!["ZADD z 1 a 2 b"],
            "a no-op ZADD is not propagated"
        );
        assert_eq!(h.run(&["ZADD", "z", "CH", "5", "a", "3", "c"]), i(2));
        assert_eq!(h.run(&["ZADD", "z", "NX", "9", "a"]), i(0));
        assert_eq!(h.run(&["ZSCORE", "z", "a"]), d(5.0));
        assert_eq!(h.run(&["ZADD", "z", "XX", "9", "new"]), i(0));
        assert_eq!(h.run(&["ZSCORE", "z", "new"]), Frame::Null);
        assert_eq!(h.run(&["ZADD", "z", "GT", "CH", "1", "a"]), i(0));
        assert_eq!(h.run(&["ZADD", "z", "LT", "CH", "1", "a"]), i(1));
        assert_eq!(h.run(&["ZADD", "z", "INCR", "2.5", "a"]), d(3.5));
        assert_eq!(h.run(&["ZADD", "z", "NX", "INCR", "1", "a"]), Frame::Null);
        assert_eq!(
            h.run(&["ZADD", "z", "NX", "XX", "1", "a"]),
            err("ERR XX and NX options at the same time are not compatible")
        );
        assert_eq!(
            h.run(&["ZADD", "z", "GT", "LT", "1", "a"]),
            err("ERR GT, LT, and/or NX options at the same time are not compatible")
        );
        assert_eq!(
            h.run(&["ZADD", "z", "INCR", "1", "a", "2", "b"]),
            err("ERR INCR option supports a single increment-element pair")
        );
        assert_eq!(h.run(&["ZADD", "z", "NX", "1"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["ZADD", "z", "x", "a"]),
            err("ERR value is not a valid float")
        );
        assert_eq!(
            h.run(&["ZADD", "z", "nan", "a"]),
            err("ERR value is not a valid float")
        );
        h.run(&["ZADD", "inf", "inf", "a"]);
        assert_eq!(
            h.run(&["ZINCRBY", "inf", "-inf", "a"]),
            err("ERR resulting score is not a number (NaN)")
        );
        assert_eq!(h.run(&["ZADD", "xx", "XX", "1", "a"]), i(0));
        assert_eq!(h.run(&["EXISTS", "xx"]), i(0));
        assert_eq!(h.run(&["ZINCRBY", "z", "1", "b"]), d(3.0));
        h.run(&["SET", "s", "x"]);
        assert_eq!(h.run(&["ZADD", "s", "1", "a"]), err(WRONGTYPE));
    }

    #[test]
    fn scores_ranks_ranges() {
        let mut h = H::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
        assert_eq!(
            h.run(&["ZMSCORE", "z", "a", "zz"]),
            Frame::Array(vec![d(1.0), Frame::Null])
        );
        assert_eq!(h.run(&["ZCARD", "z"]), i(4));
        assert_eq!(h.run(&["ZRANK", "z", "c"]), i(2));
        assert_eq!(h.run(&["ZREVRANK", "z", "c"]), i(1));
        assert_eq!(h.run(&["ZRANK", "z", "zz"]), Frame::Null);
        assert_eq!(
            h.run(&["ZRANGE", "z", "0", "-1"]),
            arr(&["a", "b", "c", "d"])
        );
        assert_eq!(h.run(&["ZRANGE", "z", "0", "1", "REV"]), arr(&["d", "c"]));
        assert_eq!(
            h.run(&["ZREVRANGE", "z", "0", "0", "WITHSCORES"]),
            Frame::Array(vec![b("d"), d(4.0)])
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "(1", "3", "BYSCORE"]),
            arr(&["b", "c"])
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "3", "(1", "BYSCORE", "REV"]),
            arr(&["c", "b"])
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"]),
            arr(&["b", "c"])
        );
        assert_eq!(h.run(&["ZRANGEBYSCORE", "z", "2", "2"]), arr(&["b"]));
        assert_eq!(h.run(&["ZRANGEBYSCORE", "z", "(2", "(2"]), arr(&[]));
        assert_eq!(h.run(&["ZRANGEBYSCORE", "z", "5", "1"]), arr(&[]));
        assert_eq!(
            h.run(&["ZREVRANGEBYSCORE", "z", "+inf", "3", "WITHSCORES"]),
            Frame::Array(vec![b("d"), d(4.0), b("c"), d(3.0)])
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "[a", "(c", "BYLEX"]),
            arr(&["a", "b"])
        );
        assert_eq!(
            h.run(&["ZRANGEBYLEX", "z", "-", "+", "LIMIT", "0", "1"]),
            arr(&["a"])
        );
        assert_eq!(h.run(&["ZREVRANGEBYLEX", "z", "+", "[c"]), arr(&["d", "c"]));
        assert_eq!(
            h.run(&["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
            err(
                "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
            )
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
            err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "x", "1", "BYSCORE"]),
            err("ERR min or max is not a float")
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "a", "b", "BYLEX"]),
            err("ERR min or max not valid string range item")
        );
        assert_eq!(
            h.run(&["ZRANGEBYSCORE", "z", "0", "1", "REV"]),
            err("ERR syntax error")
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "0", "1", "FOO"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["ZCOUNT", "z", "(1", "+inf"]), i(3));
        assert_eq!(h.run(&["ZLEXCOUNT", "z", "[b", "+"]), i(3));
        assert_eq!(h.run(&["ZRANGE", "none", "0", "-1"]), arr(&[]));
    }

    #[test]
    fn pops_and_removals() {
        let mut h = H::new();
        h.run(&[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ]);
        assert_eq!(h.run(&["ZPOPMIN", "z"]), Frame::Array(vec![b("a"), d(1.0)]));
        assert_eq!(
            h.run(&["ZPOPMAX", "z", "2"]),
            Frame::Array(vec![b("e"), d(5.0), b("d"), d(4.0)])
        );
        assert_eq!(
            h.run(&["ZPOPMIN", "z", "-1"]),
            err("ERR value is out of range, must be positive")
        );
        assert_eq!(h.run(&["ZPOPMIN", "none"]), arr(&[]));
        h.run(&["ZADD", "z", "10", "x", "11", "y"]);
        h.prop();
        assert_eq!(h.run(&["ZREMRANGEBYSCORE", "z", "(10", "+inf"]), i(1));
        assert_eq!(h.prop(), vec!["ZREMRANGEBYSCORE z (10 +inf"]);
        assert_eq!(h.run(&["ZREMRANGEBYRANK", "z", "0", "0"]), i(1));
        assert_eq!(h.run(&["ZRANGE", "z", "0", "-1"]), arr(&["c", "x"]));
        assert_eq!(h.run(&["ZREMRANGEBYRANK", "z", "5", "9"]), i(0));
        assert_eq!(h.run(&["ZREM", "z", "c", "x", "zz"]), i(2));
        assert_eq!(h.run(&["EXISTS", "z"]), i(0));
        h.run(&["ZADD", "s", "1.5", "m", "2", "n"]);
        assert_eq!(
            h.run(&["ZSCAN", "s", "0"]),
            Frame::Array(vec![b("0"), arr(&["m", "1.5", "n", "2"])])
        );
        assert_eq!(
            h.run(&["ZSCAN", "s", "0", "MATCH", "n"]),
            Frame::Array(vec![b("0"), arr(&["n", "2"])])
        );
    }
}
