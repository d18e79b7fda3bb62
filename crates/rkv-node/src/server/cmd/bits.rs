//! Bit operations on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
//! BITFIELD_RO, with Redis 7.0's bit order (bit 0 is the most significant bit of byte 0),
//! range rules (negative indexes, BYTE/BIT units) and error texts.

use super::ExecCtx;
use super::data::{MAX_STRING, is, lookup_read, parse_i64, prepare_write, syntax, wrongtype};
use crate::resp::Frame;
use crate::store::Value;
use bytes::Bytes;

const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BAD_BIT: &str = "ERR bit is not an integer or out of range";

fn not_int() -> Frame {
    super::data::not_int()
}

/// The string under `key` for reading: Ok(None) when missing.
fn read_str(ctx: &mut ExecCtx<'_>, key: &Bytes) -> Result<Option<Bytes>, Frame> {
    match lookup_read(ctx, key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrongtype()),
    }
}

/// The current string under `key` for a write (expired keys reclaimed first).
fn write_str(ctx: &mut ExecCtx<'_>, key: &Bytes) -> Result<Option<Bytes>, Frame> {
    prepare_write(ctx, key);
    match ctx.db.get(key).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrongtype()),
    }
}

fn bit_offset(b: &[u8]) -> Result<u64, Frame> {
    match parse_i64(b) {
        Some(v) if v >= 0 && (v as u64) < (MAX_STRING as u64) * 8 => Ok(v as u64),
        _ => Err(Frame::error(BAD_OFFSET)),
    }
}

fn get_bit(s: &[u8], pos: u64) -> u8 {
    let byte = (pos >> 3) as usize;
    match s.get(byte) {
        Some(v) => (v >> (7 - (pos & 7))) & 1,
        None => 0,
    }
}

/// `SETBIT key offset 0|1`: the bit's previous value.
pub fn setbit(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let off = match bit_offset(&argv[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let on = match &argv[3][..] {
        b"0" => false,
        b"1" => true,
        _ => return Frame::error(BAD_BIT),
    };
    let key = &argv[1];
    let cur = match write_str(ctx, key) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut buf = cur.map(|s| s.to_vec()).unwrap_or_default();
    let byte = (off >> 3) as usize;
    if buf.len() <= byte {
        buf.resize(byte + 1, 0);
    }
    let mask = 1u8 << (7 - (off & 7));
    let old = u8::from(buf[byte] & mask != 0);
    if on {
        buf[byte] |= mask;
    } else {
        buf[byte] &= !mask;
    }
    ctx.db
        .set_keep_ttl(key.clone(), Value::Str(Bytes::from(buf)));
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(i64::from(old))
}

/// `GETBIT key offset`
pub fn getbit(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let off = match bit_offset(&argv[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    match read_str(ctx, &argv[1]) {
        Err(e) => e,
        Ok(None) => Frame::Integer(0),
        Ok(Some(s)) => Frame::Integer(i64::from(get_bit(&s, off))),
    }
}

/// Normalise a start/end pair against `total` units (Redis's rules); None when empty.
fn norm(mut start: i64, mut end: i64, total: i64) -> Option<(u64, u64)> {
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if total == 0 || start > end {
        return None;
    }
    Some((start as u64, end as u64))
}

/// `BYTE` (false) or `BIT` (true).
fn unit(b: &[u8]) -> Result<bool, Frame> {
    if is(b, "byte") {
        Ok(false)
    } else if is(b, "bit") {
        Ok(true)
    } else {
        Err(syntax())
    }
}

/// Count set bits from bit `first` to bit `last` inclusive.
fn count_bits(s: &[u8], first: u64, last: u64) -> i64 {
    let (fb, lb) = ((first >> 3) as usize, (last >> 3) as usize);
    let mut n: i64 = 0;
    for (i, &byte) in s.iter().enumerate().take(lb + 1).skip(fb) {
        let mut v = byte;
        if i == fb {
            v &= 0xffu8 >> (first & 7);
        }
        if i == lb {
            v &= 0xffu8 << (7 - (last & 7));
        }
        n += i64::from(v.count_ones());
    }
    n
}

/// `BITCOUNT key [start end [BYTE|BIT]]`
pub fn bitcount(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let range = match argv.len() {
        2 => None,
        4 | 5 => {
            let (Some(s), Some(e)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
                return not_int();
            };
            let bit = match argv.get(4).map(|a| unit(a)) {
                None => false,
                Some(Ok(b)) => b,
                Some(Err(e)) => return e,
            };
            Some((s, e, bit))
        }
        _ => return syntax(),
    };
    let s = match read_str(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(s)) => s,
    };
    let bits = (s.len() as u64) * 8;
    let (first, last) = match range {
        None if s.is_empty() => return Frame::Integer(0),
        None => (0, bits - 1),
        Some((a, b, bit)) => {
            let total = if bit { bits as i64 } else { s.len() as i64 };
            match norm(a, b, total) {
                None => return Frame::Integer(0),
                Some((a, b)) if bit => (a, b),
                Some((a, b)) => (a * 8, b * 8 + 7),
            }
        }
    };
    Frame::Integer(count_bits(&s, first, last))
}

/// `BITPOS key bit [start [end [BYTE|BIT]]]`
pub fn bitpos(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let Some(bit) = parse_i64(&argv[2]) else {
        return not_int();
    };
    if bit != 0 && bit != 1 {
        return Frame::error("ERR The bit argument must be 1 or 0.");
    }
    let s = match read_str(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(if bit == 1 { -1 } else { 0 }),
        Ok(Some(s)) => s,
    };
    if argv.len() > 6 {
        return syntax();
    }
    let is_bit = match argv.get(5).map(|a| unit(a)) {
        None => false,
        Some(Ok(b)) => b,
        Some(Err(e)) => return e,
    };
    let total = if is_bit {
        s.len() as i64 * 8
    } else {
        s.len() as i64
    };
    let start = match argv.get(3).map(|a| parse_i64(a)) {
        None => 0,
        Some(Some(v)) => v,
        Some(None) => return not_int(),
    };
    let end_given = argv.len() >= 5;
    let end = match argv.get(4).map(|a| parse_i64(a)) {
        None => total - 1,
        Some(Some(v)) => v,
        Some(None) => return not_int(),
    };
    let Some((a, b)) = norm(start, end, total) else {
        return Frame::Integer(-1);
    };
    let (first, last) = if is_bit { (a, b) } else { (a * 8, b * 8 + 7) };
    let want = bit as u8;
    let mut pos = first;
    while pos <= last {
        // Skip whole bytes that cannot hold the bit.
        if pos & 7 == 0 && pos + 7 <= last {
            let byte = s[(pos >> 3) as usize];
            if (want == 1 && byte == 0) || (want == 0 && byte == 0xff) {
                pos += 8;
                continue;
            }
        }
        if get_bit(&s, pos) == want {
            return Frame::Integer(pos as i64);
        }
        pos += 1;
    }
    // Looking for a clear bit with no end given: the string is taken as padded with zeros.
    if want == 0 && !end_given {
        return Frame::Integer((last + 1) as i64);
    }
    Frame::Integer(-1)
}

/// `BITOP AND|OR|XOR|NOT destkey key [key ...]`
pub fn bitop(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    #[derive(PartialEq)]
    enum Op {
        And,
        Or,
        Xor,
        Not,
    }
    let op = if is(&argv[1], "and") {
        Op::And
    } else if is(&argv[1], "or") {
        Op::Or
    } else if is(&argv[1], "xor") {
        Op::Xor
    } else if is(&argv[1], "not") {
        Op::Not
    } else {
        return syntax();
    };
    if op == Op::Not && argv.len() != 4 {
        return Frame::error("ERR BITOP NOT must be called with a single source key.");
    }
    let mut srcs: Vec<Bytes> = Vec::with_capacity(argv.len() - 3);
    for k in &argv[3..] {
        match read_str(ctx, k) {
            Err(e) => return e,
            Ok(v) => srcs.push(v.unwrap_or_default()),
        }
    }
    let maxlen = srcs.iter().map(Bytes::len).max().unwrap_or(0);
    let mut out = vec![0u8; maxlen];
    for (i, o) in out.iter_mut().enumerate() {
        let at = |s: &Bytes| s.get(i).copied().unwrap_or(0);
        *o = match op {
            Op::Not => !at(&srcs[0]),
            Op::And => srcs.iter().fold(0xff, |acc, s| acc & at(s)),
            Op::Or => srcs.iter().fold(0, |acc, s| acc | at(s)),
            Op::Xor => srcs.iter().fold(0, |acc, s| acc ^ at(s)),
        };
    }
    let dest = &argv[2];
    prepare_write(ctx, dest);
    if maxlen == 0 {
        ctx.db.remove(dest);
    } else {
        ctx.db.set(dest.clone(), Value::Str(Bytes::from(out)), None);
    }
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(maxlen as i64)
}

/// A BITFIELD integer type: signedness and width.
#[derive(Clone, Copy)]
struct FieldType {
    signed: bool,
    bits: u32,
}

fn field_type(b: &[u8]) -> Result<FieldType, Frame> {
    let bad = || {
        Frame::error(
            "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
        )
    };
    let (signed, rest) = match b.first() {
        Some(b'i' | b'I') => (true, &b[1..]),
        Some(b'u' | b'U') => (false, &b[1..]),
        _ => return Err(bad()),
    };
    let bits = std::str::from_utf8(rest)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(bad)?;
    if bits == 0 || (signed && bits > 64) || (!signed && bits > 63) {
        return Err(bad());
    }
    Ok(FieldType { signed, bits })
}

fn field_offset(b: &[u8], t: FieldType) -> Result<u64, Frame> {
    let (mul, num) = match b.first() {
        Some(b'#') => (u64::from(t.bits), &b[1..]),
        _ => (1, b),
    };
    let v = parse_i64(num)
        .filter(|v| *v >= 0)
        .ok_or_else(|| Frame::error(BAD_OFFSET))?;
    let off = (v as u64)
        .checked_mul(mul)
        .ok_or_else(|| Frame::error(BAD_OFFSET))?;
    if off + u64::from(t.bits) > (MAX_STRING as u64) * 8 {
        return Err(Frame::error(BAD_OFFSET));
    }
    Ok(off)
}

fn read_field(s: &[u8], off: u64, t: FieldType) -> i64 {
    let mut v: u64 = 0;
    for i in 0..u64::from(t.bits) {
        v = (v << 1) | u64::from(get_bit(s, off + i));
    }
    if t.signed && t.bits < 64 && v >> (t.bits - 1) & 1 == 1 {
        v |= u64::MAX << t.bits;
    }
    v as i64
}

fn write_field(s: &mut Vec<u8>, off: u64, t: FieldType, v: i64) {
    let need = ((off + u64::from(t.bits) + 7) >> 3) as usize;
    if s.len() < need {
        s.resize(need, 0);
    }
    let v = v as u64;
    for i in 0..u64::from(t.bits) {
        let bit = (v >> (u64::from(t.bits) - 1 - i)) & 1;
        let pos = off + i;
        let mask = 1u8 << (7 - (pos & 7));
        let byte = &mut s[(pos >> 3) as usize];
        if bit == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// `value + incr` (or `incr` alone for SET, with `value` 0) in type `t` under `ov`:
/// None when FAIL refuses it.
fn field_add(value: i64, incr: i64, t: FieldType, ov: Overflow, set: bool) -> Option<i64> {
    let (min, max): (i128, i128) = if t.signed {
        (-(1i128 << (t.bits - 1)), (1i128 << (t.bits - 1)) - 1)
    } else {
        (0, (1i128 << t.bits) - 1)
    };
    let want: i128 = if set {
        i128::from(incr)
    } else {
        i128::from(value) + i128::from(incr)
    };
    if want >= min && want <= max {
        return Some(want as i64);
    }
    match ov {
        Overflow::Fail => None,
        Overflow::Sat => Some(if want > max { max } else { min } as i64),
        Overflow::Wrap => {
            let span = 1i128 << t.bits;
            let mut w = want.rem_euclid(span);
            if t.signed && w > max {
                w -= span;
            }
            Some(w as i64)
        }
    }
}

enum FieldOp {
    Get(FieldType, u64),
    Set(FieldType, u64, i64, Overflow),
    Incr(FieldType, u64, i64, Overflow),
}

fn bitfield_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], read_only: bool) -> Frame {
    let mut ops = Vec::new();
    let mut ov = Overflow::Wrap;
    let mut i = 2;
    while i < argv.len() {
        let sub = &argv[i];
        let left = argv.len() - i - 1;
        if is(sub, "get") && left >= 2 {
            let t = match field_type(&argv[i + 1]) {
                Ok(t) => t,
                Err(e) => return e,
            };
            let off = match field_offset(&argv[i + 2], t) {
                Ok(o) => o,
                Err(e) => return e,
            };
            ops.push(FieldOp::Get(t, off));
            i += 3;
        } else if (is(sub, "set") || is(sub, "incrby")) && left >= 3 {
            if read_only {
                return Frame::error("ERR BITFIELD_RO only supports the GET subcommand");
            }
            let t = match field_type(&argv[i + 1]) {
                Ok(t) => t,
                Err(e) => return e,
            };
            let off = match field_offset(&argv[i + 2], t) {
                Ok(o) => o,
                Err(e) => return e,
            };
            let Some(v) = parse_i64(&argv[i + 3]) else {
                return not_int();
            };
            ops.push(if is(sub, "set") {
                FieldOp::Set(t, off, v, ov)
            } else {
                FieldOp::Incr(t, off, v, ov)
            });
            i += 4;
        } else if is(sub, "overflow") && left >= 1 {
            if read_only {
                return Frame::error("ERR BITFIELD_RO only supports the GET subcommand");
            }
            let w = &argv[i + 1];
            ov = if is(w, "wrap") {
                Overflow::Wrap
            } else if is(w, "sat") {
                Overflow::Sat
            } else if is(w, "fail") {
                Overflow::Fail
            } else {
                return Frame::error("ERR Invalid OVERFLOW type specified");
            };
            i += 2;
        } else {
            return syntax();
        }
    }
    let writes = ops.iter().any(|o| !matches!(o, FieldOp::Get(..)));
    let key = &argv[1];
    let cur = if writes {
        write_str(ctx, key)
    } else {
        read_str(ctx, key)
    };
    let cur = match cur {
        Ok(c) => c,
        Err(e) => return e,
    };
    let existed = cur.is_some();
    let mut buf = cur.map(|s| s.to_vec()).unwrap_or_default();
    let mut replies = Vec::with_capacity(ops.len());
    let mut changed = false;
    for op in &ops {
        match *op {
            FieldOp::Get(t, off) => replies.push(Frame::Integer(read_field(&buf, off, t))),
            FieldOp::Set(t, off, v, ov) => {
                let old = read_field(&buf, off, t);
                match field_add(0, v, t, ov, true) {
                    Some(nv) => {
                        write_field(&mut buf, off, t, nv);
                        changed = true;
                        replies.push(Frame::Integer(old));
                    }
                    None => replies.push(Frame::Null),
                }
            }
            FieldOp::Incr(t, off, v, ov) => {
                let old = read_field(&buf, off, t);
                match field_add(old, v, t, ov, false) {
                    Some(nv) => {
                        write_field(&mut buf, off, t, nv);
                        changed = true;
                        replies.push(Frame::Integer(nv));
                    }
                    None => replies.push(Frame::Null),
                }
            }
        }
    }
    if changed || (writes && !existed && !buf.is_empty()) {
        ctx.db
            .set_keep_ttl(key.clone(), Value::Str(Bytes::from(buf)));
        *ctx.dirty += 1;
        ctx.propagate_verbatim(argv);
    }
    Frame::Array(replies)
}

/// `BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset incr]
/// [OVERFLOW WRAP|SAT|FAIL] ...`
pub fn bitfield(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    bitfield_generic(ctx, argv, false)
}

/// `BITFIELD_RO key [GET type offset] ...`
pub fn bitfield_ro(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    bitfield_generic(ctx, argv, true)
}

#[cfg(test)]
mod tests {
    use super::super::data::testkit::*;
    use crate::resp::Frame;

    #[test]
    fn bits_follow_redis_order_and_ranges() {
        let mut h = H::new();
        assert_eq!(h.run(&["SETBIT", "k", "7", "1"]), Frame::Integer(0));
        assert_eq!(h.run(&["GET", "k"]), b("\x01"));
        assert_eq!(h.run(&["GETBIT", "k", "7"]), Frame::Integer(1));
        assert_eq!(h.run(&["GETBIT", "k", "100"]), Frame::Integer(0));
        h.run(&["SET", "s", "foobar"]);
        assert_eq!(h.run(&["BITCOUNT", "s"]), Frame::Integer(26));
        assert_eq!(h.run(&["BITCOUNT", "s", "1", "1"]), Frame::Integer(6));
        assert_eq!(
            h.run(&["BITCOUNT", "s", "5", "30", "BIT"]),
            Frame::Integer(17)
        );
        h.run(&[
            "BITFIELD", "p", "SET", "u8", "8", "255", "SET", "u8", "16", "240",
        ]);
        assert_eq!(h.run(&["BITPOS", "p", "1"]), Frame::Integer(8));
        assert_eq!(h.run(&["BITPOS", "p", "1", "2"]), Frame::Integer(16));
        assert_eq!(
            h.run(&["BITPOS", "p", "1", "7", "15", "BIT"]),
            Frame::Integer(8)
        );
        h.run(&["BITFIELD", "ones", "SET", "u8", "0", "255"]);
        assert_eq!(h.run(&["BITPOS", "ones", "0"]), Frame::Integer(8));
        assert_eq!(
            h.run(&["BITPOS", "ones", "0", "0", "-1"]),
            Frame::Integer(-1)
        );
        h.run(&["SET", "a", "abc"]);
        h.run(&["SET", "b", "a"]);
        assert_eq!(h.run(&["BITOP", "AND", "d", "a", "b"]), Frame::Integer(3));
        assert_eq!(h.run(&["GET", "d"]), b("a\u{0}\u{0}"));
    }

    #[test]
    fn bitfield_overflow_modes() {
        let mut h = H::new();
        let arr = |v: Vec<Frame>| Frame::Array(v);
        assert_eq!(
            h.run(&["BITFIELD", "f", "SET", "u8", "0", "255", "GET", "u8", "0"]),
            arr(vec![Frame::Integer(0), Frame::Integer(255)])
        );
        assert_eq!(
            h.run(&["BITFIELD", "f", "INCRBY", "u8", "0", "10"]),
            arr(vec![Frame::Integer(9)])
        );
        assert_eq!(
            h.run(&[
                "BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1000"
            ]),
            arr(vec![Frame::Integer(255)])
        );
        assert_eq!(
            h.run(&[
                "BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1000"
            ]),
            arr(vec![Frame::Null])
        );
        assert_eq!(
            h.run(&["BITFIELD", "f", "SET", "i8", "#1", "-1", "GET", "i8", "#1"]),
            arr(vec![Frame::Integer(0), Frame::Integer(-1)])
        );
        assert_eq!(
            h.run(&["BITFIELD_RO", "f", "GET", "u8", "8"]),
            arr(vec![Frame::Integer(255)])
        );
        assert!(matches!(
            h.run(&["BITFIELD_RO", "f", "SET", "u8", "0", "1"]),
            Frame::Error(_)
        ));
    }
}
