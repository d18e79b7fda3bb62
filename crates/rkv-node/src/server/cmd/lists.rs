//! List commands (Redis's t_list.c), non-blocking ones. All are deterministic, so they
//! propagate as sent when they changed something; an emptied list deletes its key.

use super::ExecCtx;
use super::data::{
    NOT_POSITIVE, delete_if_empty, is, lookup_read, lookup_write, not_int, parse_i64, syntax,
    wrong_arity, wrongtype,
};
use crate::resp::Frame;
use crate::store::Value;
use bytes::Bytes;
use std::collections::VecDeque;

type List = VecDeque<Bytes>;

fn read<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Result<Option<&'a List>, Frame> {
    match lookup_read(ctx, key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(wrongtype()),
    }
}

fn push_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], left: bool, only_existing: bool) -> Frame {
    let key = &argv[1];
    let len = match lookup_write(ctx, key) {
        Some(Value::List(l)) => {
            for e in &argv[2..] {
                if left {
                    l.push_front(e.clone());
                } else {
                    l.push_back(e.clone());
                }
            }
            l.len()
        }
        Some(_) => return wrongtype(),
        None if only_existing => return Frame::Integer(0),
        None => {
            let mut l = List::with_capacity(argv.len() - 2);
            for e in &argv[2..] {
                if left {
                    l.push_front(e.clone());
                } else {
                    l.push_back(e.clone());
                }
            }
            let n = l.len();
            ctx.db.set(key.clone(), Value::List(l), None);
            n
        }
    };
    *ctx.dirty += argv.len() as u64 - 2;
    ctx.propagate_verbatim(argv);
    Frame::Integer(len as i64)
}

/// `LPUSH key element [element …]`
pub fn lpush(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    push_generic(ctx, argv, true, false)
}
/// `RPUSH key element [element …]`
pub fn rpush(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    push_generic(ctx, argv, false, false)
}
/// `LPUSHX key element [element …]`
pub fn lpushx(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    push_generic(ctx, argv, true, true)
}
/// `RPUSHX key element [element …]`
pub fn rpushx(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    push_generic(ctx, argv, false, true)
}

fn pop_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], left: bool) -> Frame {
    if argv.len() > 3 {
        return wrong_arity(if left { "lpop" } else { "rpop" });
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
    let popped: Vec<Bytes> = match lookup_write(ctx, key) {
        None => {
            return if count.is_some() {
                Frame::NullArray
            } else {
                Frame::Null
            };
        }
        Some(Value::List(l)) => {
            let n = count.unwrap_or(1).min(l.len());
            (0..n)
                .filter_map(|_| if left { l.pop_front() } else { l.pop_back() })
                .collect()
        }
        Some(_) => return wrongtype(),
    };
    if !popped.is_empty() {
        delete_if_empty(ctx, key);
        *ctx.dirty += popped.len() as u64;
        ctx.propagate_verbatim(argv);
    }
    match count {
        None => popped.into_iter().next().map_or(Frame::Null, Frame::Bulk),
        Some(_) => Frame::Array(popped.into_iter().map(Frame::Bulk).collect()),
    }
}

/// `LPOP key [count]`
pub fn lpop(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    pop_generic(ctx, argv, true)
}
/// `RPOP key [count]`
pub fn rpop(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    pop_generic(ctx, argv, false)
}

/// Redis's start/stop normalisation for LRANGE/LTRIM: Some((start, end)) inclusive, or None
/// for an empty range.
fn norm_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
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
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

/// LRANGE key start stop
pub fn lrange(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (Some(start), Some(end)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
        return not_int();
    };
    match read(ctx, &argv[1]) {
        Ok(Some(l)) => match norm_range(start, end, l.len()) {
            Some((s, e)) => Frame::Array(l.range(s..=e).map(|x| Frame::Bulk(x.clone())).collect()),
            None => Frame::Array(vec![]),
        },
        Ok(None) => Frame::Array(vec![]),
        Err(e) => e,
    }
}

/// LLEN key
pub fn llen(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read(ctx, &argv[1]) {
        Ok(l) => Frame::Integer(l.map_or(0, |l| l.len() as i64)),
        Err(e) => e,
    }
}

fn index_of(idx: i64, len: usize) -> Option<usize> {
    let i = if idx < 0 {
        (len as i64).checked_add(idx)?
    } else {
        idx
    };
    if i < 0 || i >= len as i64 {
        None
    } else {
        Some(i as usize)
    }
}

/// LINDEX key index
pub fn lindex(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let Some(idx) = parse_i64(&argv[2]) else {
        return not_int();
    };
    match read(ctx, &argv[1]) {
        Ok(Some(l)) => index_of(idx, l.len())
            .and_then(|i| l.get(i))
            .map_or(Frame::Null, |x| Frame::Bulk(x.clone())),
        Ok(None) => Frame::Null,
        Err(e) => e,
    }
}

/// LSET key index element
pub fn lset(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let Some(idx) = parse_i64(&argv[2]) else {
        return not_int();
    };
    match lookup_write(ctx, &argv[1]) {
        None => return Frame::error("ERR no such key"),
        Some(Value::List(l)) => match index_of(idx, l.len()) {
            Some(i) => l[i] = argv[3].clone(),
            None => return Frame::error("ERR index out of range"),
        },
        Some(_) => return wrongtype(),
    }
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::ok()
}

/// LREM key count element
pub fn lrem(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let Some(count) = parse_i64(&argv[2]) else {
        return not_int();
    };
    let key = &argv[1];
    let elem = &argv[3];
    let removed = match lookup_write(ctx, key) {
        None => return Frame::Integer(0),
        Some(Value::List(l)) => {
            let limit = if count == 0 {
                usize::MAX
            } else {
                count.unsigned_abs() as usize
            };
            // One pass that keeps what survives: O(n) however many elements go.
            let mut removed = 0usize;
            let old = std::mem::take(l);
            let mut kept: Vec<Bytes> = Vec::with_capacity(old.len());
            if count >= 0 {
                for x in old {
                    if removed < limit && x == *elem {
                        removed += 1;
                    } else {
                        kept.push(x);
                    }
                }
            } else {
                for x in old.into_iter().rev() {
                    if removed < limit && x == *elem {
                        removed += 1;
                    } else {
                        kept.push(x);
                    }
                }
                kept.reverse();
            }
            *l = kept.into();
            removed
        }
        Some(_) => return wrongtype(),
    };
    if removed > 0 {
        delete_if_empty(ctx, key);
        *ctx.dirty += removed as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(removed as i64)
}

/// LTRIM key start stop
pub fn ltrim(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (Some(start), Some(end)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
        return not_int();
    };
    let key = &argv[1];
    let trimmed = match lookup_write(ctx, key) {
        None => return Frame::ok(),
        Some(Value::List(l)) => {
            let before = l.len();
            match norm_range(start, end, l.len()) {
                Some((s, e)) => {
                    l.truncate(e + 1);
                    l.drain(..s);
                }
                None => l.clear(),
            }
            before - l.len()
        }
        Some(_) => return wrongtype(),
    };
    if trimmed > 0 {
        delete_if_empty(ctx, key);
        *ctx.dirty += trimmed as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::ok()
}

/// LINSERT key BEFORE|AFTER pivot element
pub fn linsert(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let after = if is(&argv[2], "after") {
        true
    } else if is(&argv[2], "before") {
        false
    } else {
        return syntax();
    };
    let len = match lookup_write(ctx, &argv[1]) {
        None => return Frame::Integer(0),
        Some(Value::List(l)) => match l.iter().position(|x| *x == argv[3]) {
            None => return Frame::Integer(-1),
            Some(p) => {
                l.insert(if after { p + 1 } else { p }, argv[4].clone());
                l.len()
            }
        },
        Some(_) => return wrongtype(),
    };
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(len as i64)
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`
pub fn lpos(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let mut rank: i64 = 1;
    let mut count: Option<usize> = None;
    let mut maxlen: usize = 0;
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if is(&argv[j], "rank") && more {
            j += 1;
            match parse_i64(&argv[j]) {
                None => return not_int(),
                Some(i64::MIN) => {
                    return Frame::error(format!(
                        "ERR value is out of range, value must between {} and {}",
                        -i64::MAX,
                        i64::MAX
                    ));
                }
                Some(0) => {
                    return Frame::error(
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                    );
                }
                Some(r) => rank = r,
            }
        } else if is(&argv[j], "count") && more {
            j += 1;
            match parse_i64(&argv[j]) {
                None => return not_int(),
                Some(n) if n < 0 => return Frame::error("ERR COUNT can't be negative"),
                Some(n) => count = Some(n as usize),
            }
        } else if is(&argv[j], "maxlen") && more {
            j += 1;
            match parse_i64(&argv[j]) {
                None => return not_int(),
                Some(n) if n < 0 => return Frame::error("ERR MAXLEN can't be negative"),
                Some(n) => maxlen = n as usize,
            }
        } else {
            return syntax();
        }
        j += 1;
    }
    let l = match read(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => {
            return if count.is_some() {
                Frame::Array(vec![])
            } else {
                Frame::Null
            };
        }
        Err(e) => return e,
    };
    let elem = &argv[2];
    let want = match count {
        Some(0) => usize::MAX,
        Some(n) => n,
        None => 1,
    };
    let mut skip = rank.unsigned_abs() - 1;
    let limit = if maxlen == 0 {
        l.len()
    } else {
        maxlen.min(l.len())
    };
    let mut found = Vec::new();
    let positions: Box<dyn Iterator<Item = usize>> = if rank > 0 {
        Box::new(0..l.len())
    } else {
        Box::new((0..l.len()).rev())
    };
    for i in positions.take(limit) {
        if l[i] == *elem {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            found.push(i);
            if found.len() >= want {
                break;
            }
        }
    }
    match count {
        Some(_) => Frame::Array(
            found
                .into_iter()
                .map(|i| Frame::Integer(i as i64))
                .collect(),
        ),
        None => found
            .first()
            .map_or(Frame::Null, |&i| Frame::Integer(i as i64)),
    }
}

fn lmove_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], from_left: bool, to_left: bool) -> Frame {
    let (src, dst) = (&argv[1], &argv[2]);
    match lookup_write(ctx, src) {
        None => return Frame::Null,
        Some(Value::List(_)) => {}
        Some(_) => return wrongtype(),
    }
    match lookup_write(ctx, dst) {
        None | Some(Value::List(_)) => {}
        Some(_) => return wrongtype(),
    }
    let elem = match ctx.db.value_mut(src) {
        Some(Value::List(l)) => {
            if from_left {
                l.pop_front()
            } else {
                l.pop_back()
            }
        }
        _ => None,
    };
    let Some(elem) = elem else {
        return Frame::Null;
    };
    match ctx.db.value_mut(dst) {
        Some(Value::List(l)) => {
            if to_left {
                l.push_front(elem.clone());
            } else {
                l.push_back(elem.clone());
            }
        }
        _ => {
            let mut l = List::new();
            l.push_back(elem.clone());
            ctx.db.set(dst.clone(), Value::List(l), None);
        }
    }
    delete_if_empty(ctx, src);
    *ctx.dirty += 2;
    ctx.propagate_verbatim(argv);
    Frame::Bulk(elem)
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub fn lmove(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let side = |a: &[u8]| {
        if is(a, "left") {
            Some(true)
        } else if is(a, "right") {
            Some(false)
        } else {
            None
        }
    };
    match (side(&argv[3]), side(&argv[4])) {
        (Some(from), Some(to)) => lmove_generic(ctx, argv, from, to),
        _ => syntax(),
    }
}

/// RPOPLPUSH source destination
pub fn rpoplpush(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    lmove_generic(ctx, argv, false, true)
}

#[cfg(test)]
mod tests {
    use super::super::data::WRONGTYPE;
    use super::super::data::testkit::*;
    use crate::resp::Frame;

    #[test]
    fn push_pop_range() {
        let mut h = H::new();
        assert_eq!(h.run(&["RPUSH", "l", "a", "b", "c"]), i(3));
        assert_eq!(h.run(&["LPUSH", "l", "z"]), i(4));
        assert_eq!(
            h.run(&["LRANGE", "l", "0", "-1"]),
            arr(&["z", "a", "b", "c"])
        );
        assert_eq!(h.run(&["LRANGE", "l", "-2", "100"]), arr(&["b", "c"]));
        assert_eq!(h.run(&["LRANGE", "l", "3", "1"]), arr(&[]));
        assert_eq!(
            h.run(&["LRANGE", "l", "a", "1"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(h.run(&["LPUSHX", "none", "a"]), i(0));
        assert_eq!(h.run(&["LPOP", "l"]), b("z"));
        assert_eq!(h.run(&["RPOP", "l", "2"]), arr(&["c", "b"]));
        assert_eq!(h.run(&["LPOP", "l", "0"]), arr(&[]));
        assert_eq!(
            h.run(&["LPOP", "l", "-1"]),
            err("ERR value is out of range, must be positive")
        );
        assert_eq!(h.run(&["LPOP", "none"]), Frame::Null);
        assert_eq!(h.run(&["LPOP", "none", "2"]), Frame::NullArray);
        h.prop();
        assert_eq!(h.run(&["RPOP", "l", "5"]), arr(&["a"]));
        assert_eq!(h.prop(), vec!["RPOP l 5"]);
        assert_eq!(h.run(&["EXISTS", "l"]), i(0));
        assert_eq!(h.run(&["LLEN", "l"]), i(0));
        h.run(&["SET", "s", "x"]);
        assert_eq!(h.run(&["LPUSH", "s", "x"]), err(WRONGTYPE));
        assert_eq!(h.run(&["LRANGE", "s", "0", "1"]), err(WRONGTYPE));
    }

    #[test]
    fn index_set_rem_trim_insert() {
        let mut h = H::new();
        h.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
        assert_eq!(h.run(&["LINDEX", "l", "-1"]), b("a"));
        assert_eq!(h.run(&["LINDEX", "l", "10"]), Frame::Null);
        assert_eq!(h.run(&["LSET", "l", "1", "B"]), ok());
        assert_eq!(
            h.run(&["LSET", "l", "10", "B"]),
            err("ERR index out of range")
        );
        assert_eq!(h.run(&["LSET", "none", "0", "B"]), err("ERR no such key"));
        assert_eq!(h.run(&["LREM", "l", "-2", "a"]), i(2));
        assert_eq!(h.run(&["LRANGE", "l", "0", "-1"]), arr(&["a", "B", "c"]));
        assert_eq!(h.run(&["LINSERT", "l", "BEFORE", "c", "x"]), i(4));
        assert_eq!(h.run(&["LINSERT", "l", "after", "c", "y"]), i(5));
        assert_eq!(h.run(&["LINSERT", "l", "after", "nope", "y"]), i(-1));
        assert_eq!(
            h.run(&["LINSERT", "l", "middle", "c", "y"]),
            err("ERR syntax error")
        );
        assert_eq!(h.run(&["LINSERT", "none", "after", "c", "y"]), i(0));
        h.prop();
        assert_eq!(h.run(&["LTRIM", "l", "0", "-1"]), ok());
        assert!(h.prop().is_empty(), "a no-op LTRIM is not propagated");
        assert_eq!(h.run(&["LTRIM", "l", "1", "2"]), ok());
        assert_eq!(h.run(&["LRANGE", "l", "0", "-1"]), arr(&["B", "x"]));
        assert_eq!(h.run(&["LTRIM", "l", "5", "1"]), ok());
        assert_eq!(h.run(&["EXISTS", "l"]), i(0));
    }

    #[test]
    fn lpos_options() {
        let mut h = H::new();
        h.run(&["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"]);
        assert_eq!(h.run(&["LPOS", "l", "c"]), i(2));
        assert_eq!(h.run(&["LPOS", "l", "c", "RANK", "2"]), i(6));
        assert_eq!(h.run(&["LPOS", "l", "c", "RANK", "-1"]), i(7));
        assert_eq!(
            h.run(&["LPOS", "l", "c", "COUNT", "0"]),
            Frame::Array(vec![i(2), i(6), i(7)])
        );
        assert_eq!(
            h.run(&["LPOS", "l", "c", "COUNT", "2", "RANK", "-1"]),
            Frame::Array(vec![i(7), i(6)])
        );
        assert_eq!(h.run(&["LPOS", "l", "c", "MAXLEN", "2"]), Frame::Null);
        assert_eq!(h.run(&["LPOS", "l", "zz"]), Frame::Null);
        assert_eq!(
            h.run(&["LPOS", "none", "zz", "COUNT", "1"]),
            Frame::Array(vec![])
        );
        assert_eq!(
            h.run(&["LPOS", "l", "c", "RANK", "0"]),
            err(
                "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
            )
        );
        assert_eq!(
            h.run(&["LPOS", "l", "c", "COUNT", "-1"]),
            err("ERR COUNT can't be negative")
        );
        assert_eq!(h.run(&["LPOS", "l", "c", "FOO"]), err("ERR syntax error"));
    }

    #[test]
    fn lmove_and_rpoplpush() {
        let mut h = H::new();
        h.run(&["RPUSH", "a", "1", "2", "3"]);
        assert_eq!(h.run(&["LMOVE", "a", "b", "LEFT", "RIGHT"]), b("1"));
        assert_eq!(h.run(&["RPOPLPUSH", "a", "b"]), b("3"));
        assert_eq!(h.run(&["LRANGE", "b", "0", "-1"]), arr(&["3", "1"]));
        assert_eq!(
            h.run(&["RPOPLPUSH", "a", "a"]),
            b("2"),
            "rotation of a one-element list"
        );
        assert_eq!(h.run(&["LMOVE", "none", "b", "LEFT", "RIGHT"]), Frame::Null);
        assert_eq!(
            h.run(&["LMOVE", "a", "b", "UP", "RIGHT"]),
            err("ERR syntax error")
        );
        h.run(&["SET", "s", "x"]);
        assert_eq!(h.run(&["LMOVE", "a", "s", "LEFT", "RIGHT"]), err(WRONGTYPE));
        assert_eq!(
            h.run(&["LRANGE", "a", "0", "-1"]),
            arr(&["2"]),
            "nothing popped on WRONGTYPE"
        );
        h.prop();
        h.run(&["LMOVE", "a", "b", "LEFT", "LEFT"]);
        assert_eq!(h.prop(), vec!["LMOVE a b LEFT LEFT"]);
        assert_eq!(h.run(&["EXISTS", "a"]), i(0));
    }
}
