//! Stream commands (Redis 7.0's t_stream.c): XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM,
//! XREAD, XREADGROUP, XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID, with Redis's
//! replies and error texts.
//!
//! Propagation follows Redis so replicas and the AOF reach the same state deterministically:
//! XADD goes out with the generated ID in place of `*` / `ms-*`, and an approximate trim
//! (`~`) as `=` with the resulting length or first ID; XREADGROUP, XCLAIM and XAUTOCLAIM are
//! never propagated as sent but as one `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n
//! FORCE JUSTID LASTID id` per pending entry they create or change, plus `XGROUP SETID …
//! ENTRIESREAD n` when a NOACK read moves the group, and `XGROUP CREATECONSUMER` when a NOACK
//! read creates a consumer (`streamPropagateXCLAIM` and friends).
//!
//! Blocking XREAD/XREADGROUP go through `blocking.rs` ([`XRead`] is its operation); inside
//! MULTI/EXEC they do not block.
//!
//! # Where we knowingly differ
//! - Replies built as RESP3 maps in Redis (XINFO) are [`Frame::Map`]s, which RESP2 flattens
//!   as Redis does. XREAD/XREADGROUP's top level is a map for a RESP3 client when run as a
//!   command (the blocking layer knows the client's protocol), but stays the RESP2 array of
//!   `[key, entries]` pairs inside MULTI/EXEC, where the data handler runs without it.
//! - XINFO STREAM's `radix-tree-keys` counts our virtual nodes (see `store/stream.rs`) and
//!   `radix-tree-nodes` is that plus one (exact for 0 or 1 node): we have no radix tree.

use super::ExecCtx;
use super::data::{
    int_bytes, is, lookup_read, lookup_write, not_int, parse_i64, syntax, wrong_arity, wrongtype,
};
use crate::resp::Frame;
use crate::store::Value;
use crate::store::stream::{
    Consumer, ENTRIES_READ_INVALID, Group, NODE_MAX_ENTRIES, Nack, Stream, StreamId, Trim,
};
use bytes::Bytes;
use std::sync::atomic::Ordering;

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";

fn w(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

fn num(n: u64) -> Bytes {
    Bytes::from(n.to_string())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Redis's `string2ull` for ID parts: decimal digits that fit in 64 bits.
fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// `streamGenericParseIDOrReply`: `-`, `+` (unless strict), `ms`, `ms-seq`; with
/// `allow_auto_seq`, `ms-*` too (the bool is then false: sequence not given).
fn parse_id_full(
    b: &[u8],
    missing_seq: u64,
    strict: bool,
    allow_auto_seq: bool,
) -> Result<(StreamId, bool), Frame> {
    let bad = || Frame::error(INVALID_ID);
    if b.len() > 127 {
        return Err(bad());
    }
    if b == b"-" || b == b"+" {
        if strict {
            return Err(bad());
        }
        return Ok((
            if b == b"-" {
                StreamId::MIN
            } else {
                StreamId::MAX
            },
            true,
        ));
    }
    match b.iter().position(|&c| c == b'-') {
        None => Ok((
            StreamId::new(parse_u64(b).ok_or_else(bad)?, missing_seq),
            true,
        )),
        Some(p) => {
            let ms = parse_u64(&b[..p]).ok_or_else(bad)?;
            let rest = &b[p + 1..];
            if allow_auto_seq && rest == b"*" {
                return Ok((StreamId::new(ms, 0), false));
            }
            Ok((StreamId::new(ms, parse_u64(rest).ok_or_else(bad)?), true))
        }
    }
}

fn parse_id(b: &[u8], missing_seq: u64) -> Result<StreamId, Frame> {
    parse_id_full(b, missing_seq, false, false).map(|x| x.0)
}

fn parse_strict_id(b: &[u8]) -> Result<StreamId, Frame> {
    parse_id_full(b, 0, true, false).map(|x| x.0)
}

/// An interval bound with the `(` prefix for exclusive ranges; returns (id, exclusive).
fn parse_interval(b: &[u8], missing_seq: u64) -> Result<(StreamId, bool), Frame> {
    if b.len() > 1 && b[0] == b'(' {
        Ok((parse_id_full(&b[1..], missing_seq, true, false)?.0, true))
    } else {
        Ok((parse_id(b, missing_seq)?, false))
    }
}

fn start_bound(b: &[u8]) -> Result<StreamId, Frame> {
    let (id, ex) = parse_interval(b, 0)?;
    if ex {
        id.incr()
            .ok_or_else(|| Frame::error("ERR invalid start ID for the interval"))
    } else {
        Ok(id)
    }
}

fn end_bound(b: &[u8]) -> Result<StreamId, Frame> {
    let (id, ex) = parse_interval(b, u64::MAX)?;
    if ex {
        id.decr()
            .ok_or_else(|| Frame::error("ERR invalid end ID for the interval"))
    } else {
        Ok(id)
    }
}

fn id_frame(id: StreamId) -> Frame {
    Frame::Bulk(id.to_bytes())
}

fn entry_frame(id: StreamId, fields: &[Bytes]) -> Frame {
    Frame::Array(vec![
        id_frame(id),
        Frame::Array(fields.iter().cloned().map(Frame::Bulk).collect()),
    ])
}

fn nogroup(key: &[u8], group: &[u8]) -> Frame {
    Frame::error(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        text(key),
        text(group)
    ))
}

fn read_stream<'a>(ctx: &'a mut ExecCtx<'_>, key: &Bytes) -> Result<Option<&'a Stream>, Frame> {
    match lookup_read(ctx, key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

fn write_stream<'a>(
    ctx: &'a mut ExecCtx<'_>,
    key: &Bytes,
) -> Result<Option<&'a mut Stream>, Frame> {
    match lookup_write(ctx, key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => Err(wrongtype()),
    }
}

/// The parsed trimming options of XADD/XTRIM.
#[derive(Debug, Default)]
struct TrimArgs {
    strategy: Option<Trim>,
    approx: bool,
    limit: u64,
    /// argv index of the MAXLEN/MINID value (the `~`/`=` is just before it when given).
    arg_idx: usize,
    /// True when `~` or `=` was given (so argv[arg_idx - 1] is the specifier).
    has_specifier: bool,
    no_mkstream: bool,
    /// XADD: the explicit ID and whether its sequence was given.
    id: Option<(StreamId, bool)>,
    /// XADD: the ID's argv index.
    id_pos: usize,
    /// argv index of the LIMIT keyword, when given.
    limit_idx: Option<usize>,
}

/// `streamParseAddOrTrimArgsOrReply`.
fn parse_add_or_trim(argv: &[Bytes], xadd: bool, from_master: bool) -> Result<TrimArgs, Frame> {
    let mut a = TrimArgs::default();
    let mut limit_given = false;
    let mut limit: i64 = 0;
    let argc = argv.len();
    let mut i = 2;
    while i < argc {
        let more = argc - 1 - i;
        let opt = &argv[i];
        if xadd && &opt[..] == b"*" {
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            if a.strategy.is_some() {
                return Err(Frame::error(
                    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            a.approx = false;
            a.has_specifier = false;
            let next = &argv[i + 1][..];
            if more >= 2 && (next == b"~" || next == b"=") {
                a.approx = next == b"~";
                a.has_specifier = true;
                i += 1;
            }
            let v = &argv[i + 1];
            if is(opt, "maxlen") {
                let n = parse_i64(v).ok_or_else(not_int)?;
                if n < 0 {
                    return Err(Frame::error("ERR The MAXLEN argument must be >= 0."));
                }
                a.strategy = Some(Trim::MaxLen(n as u64));
            } else {
                a.strategy = Some(Trim::MinId(parse_strict_id(v)?));
            }
            i += 1;
            a.arg_idx = i;
        } else if is(opt, "limit") && more > 0 {
            limit = parse_i64(&argv[i + 1]).ok_or_else(not_int)?;
            if limit < 0 {
                return Err(Frame::error("ERR The LIMIT argument must be >= 0."));
            }
            limit_given = true;
            a.limit_idx = Some(i);
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            a.no_mkstream = true;
        } else if xadd {
            a.id = Some(parse_id_full(opt, 0, true, true)?);
            break;
        } else {
            return Err(syntax());
        }
        i += 1;
    }
    a.id_pos = i;
    if limit != 0 && a.strategy.is_none() {
        return Err(Frame::error(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.strategy.is_none() {
        return Err(Frame::error(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if from_master {
        a.limit = 0;
    } else if limit_given {
        if !a.approx {
            return Err(Frame::error(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
        a.limit = limit as u64;
    } else if a.approx {
        let l = 100i64.saturating_mul(NODE_MAX_ENTRIES.load(Ordering::Relaxed) as i64);
        a.limit = if l <= 0 {
            10000
        } else {
            l.min(1_000_000) as u64
        };
    }
    Ok(a)
}

/// Propagation of an approximate trim: `~` becomes `=` and the threshold the resulting length
/// (MAXLEN) or first ID (MINID), and LIMIT goes (an exact trim to that threshold is the same
/// change, and `=` with LIMIT is refused by anything not obeying a master, our own AOF
/// replay included).
fn rewrite_approx(out: &mut Vec<Bytes>, a: &TrimArgs, threshold: Bytes) {
    out[a.arg_idx - 1] = w(b"=");
    out[a.arg_idx] = threshold;
    if let Some(l) = a.limit_idx {
        out.drain(l..l + 2);
    }
}

/// The argument that replaces an approximate trim's value in propagation.
fn trim_result_arg(s: &Stream, t: Trim) -> Bytes {
    match t {
        Trim::MaxLen(_) => num(s.len() as u64),
        Trim::MinId(_) => s.first_id().to_bytes(),
    }
}

/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value …`
pub fn xadd(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let a = match parse_add_or_trim(argv, true, !ctx.is_master) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let field_pos = a.id_pos + 1;
    if argv.len() < field_pos + 2 || (argv.len() - field_pos) % 2 == 1 {
        return wrong_arity("xadd");
    }
    if let Some((id, true)) = a.id
        && id.is_zero()
    {
        return Frame::error("ERR The ID specified in XADD must be greater than 0-0");
    }
    let key = argv[1].clone();
    let now = ctx.now_ms;
    let exists = match write_stream(ctx, &key) {
        Err(e) => return e,
        Ok(s) => s.is_some(),
    };
    if !exists {
        if a.no_mkstream {
            return Frame::Null;
        }
        ctx.db
            .set(key.clone(), Value::Stream(Box::new(Stream::new())), None);
    }
    let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
        return wrongtype();
    };
    if s.last_id == StreamId::MAX {
        return Frame::error(
            "ERR The stream has exhausted the last possible ID, unable to add more items",
        );
    }
    let id = match a.id {
        Some((id, true)) => Some(id),
        Some((id, false)) if id.ms == s.last_id.ms => {
            if s.last_id.seq == u64::MAX {
                None
            } else {
                Some(StreamId::new(id.ms, s.last_id.seq + 1))
            }
        }
        Some((id, false)) => Some(id),
        None if now > s.last_id.ms => Some(StreamId::new(now, 0)),
        None => s.last_id.incr(),
    };
    let Some(id) = id.filter(|id| *id > s.last_id) else {
        return Frame::error(
            "ERR The ID specified in XADD is equal or smaller than the target stream top item",
        );
    };
    s.append(id, argv[field_pos..].to_vec());
    let mut rewrite_trim = None;
    if let Some(t) = a.strategy {
        s.trim(t, a.approx, a.limit);
        if a.approx {
            rewrite_trim = Some(trim_result_arg(s, t));
        }
    }
    *ctx.dirty += 1;
    let mut out = argv.to_vec();
    if !matches!(a.id, Some((_, true))) {
        out[a.id_pos] = id.to_bytes();
    }
    if let Some(v) = rewrite_trim {
        rewrite_approx(&mut out, &a, v);
    }
    ctx.propagate.push(out);
    Frame::Bulk(id.to_bytes())
}

/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`
pub fn xtrim(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let a = match parse_add_or_trim(argv, false, !ctx.is_master) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let key = argv[1].clone();
    let s = match write_stream(ctx, &key) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(s)) => s,
    };
    let Some(t) = a.strategy else {
        return syntax();
    };
    let deleted = s.trim(t, a.approx, a.limit);
    if deleted > 0 {
        let mut out = argv.to_vec();
        if a.approx {
            rewrite_approx(&mut out, &a, trim_result_arg(s, t));
        }
        *ctx.dirty += deleted;
        ctx.propagate.push(out);
    }
    Frame::Integer(deleted as i64)
}

/// `XDEL key id [id …]`
pub fn xdel(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = argv[1].clone();
    let s = match write_stream(ctx, &key) {
        Err(e) => return e,
        Ok(None) => return Frame::Integer(0),
        Ok(Some(s)) => s,
    };
    let mut ids = Vec::with_capacity(argv.len() - 2);
    for a in &argv[2..] {
        match parse_strict_id(a) {
            Ok(id) => ids.push(id),
            Err(e) => return e,
        }
    }
    let n = s.delete(&ids);
    if n > 0 {
        *ctx.dirty += n;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(n as i64)
}

/// `XLEN key`
pub fn xlen(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match read_stream(ctx, &argv[1]) {
        Err(e) => e,
        Ok(s) => Frame::Integer(s.map_or(0, |s| s.len() as i64)),
    }
}

fn range_frames(s: &Stream, start: StreamId, end: StreamId, count: usize, rev: bool) -> Vec<Frame> {
    if start > end {
        return Vec::new();
    }
    let r = s.entries.range(start..=end);
    let take = if count == 0 { usize::MAX } else { count };
    if rev {
        r.rev()
            .take(take)
            .map(|(id, f)| entry_frame(*id, f))
            .collect()
    } else {
        r.take(take).map(|(id, f)| entry_frame(*id, f)).collect()
    }
}

fn xrange_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], rev: bool) -> Frame {
    let (sa, ea) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let start = match start_bound(sa) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let end = match end_bound(ea) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if is(&argv[j], "count") && j + 1 < argv.len() {
            match parse_i64(&argv[j + 1]) {
                None => return not_int(),
                Some(c) => count = c.max(0),
            }
            j += 2;
        } else {
            return syntax();
        }
    }
    let s = match read_stream(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Frame::Array(vec![]),
        Ok(Some(s)) => s,
    };
    if count == 0 {
        return Frame::NullArray;
    }
    let count = if count < 0 { 0 } else { count as usize };
    Frame::Array(range_frames(s, start, end, count, rev))
}

/// `XRANGE key start end [COUNT n]`
pub fn xrange(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    xrange_generic(ctx, argv, false)
}

/// `XREVRANGE key end start [COUNT n]`
pub fn xrevrange(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    xrange_generic(ctx, argv, true)
}

/// The `XCLAIM … FORCE JUSTID LASTID` that recreates one pending entry on a replica.
fn xclaim_prop(key: &Bytes, group: &Bytes, g: &Group, id: StreamId, nack: &Nack) -> Vec<Bytes> {
    vec![
        w(b"XCLAIM"),
        key.clone(),
        group.clone(),
        nack.consumer.clone(),
        w(b"0"),
        id.to_bytes(),
        w(b"TIME"),
        num(nack.delivery_time),
        w(b"RETRYCOUNT"),
        num(nack.delivery_count),
        w(b"FORCE"),
        w(b"JUSTID"),
        w(b"LASTID"),
        g.last_id.to_bytes(),
    ]
}

fn setid_prop(key: &Bytes, group: &Bytes, g: &Group) -> Vec<Bytes> {
    vec![
        w(b"XGROUP"),
        w(b"SETID"),
        key.clone(),
        group.clone(),
        g.last_id.to_bytes(),
        w(b"ENTRIESREAD"),
        Bytes::from(g.entries_read.to_string()),
    ]
}

/// Look a consumer up (refreshing its seen-time, as `streamLookupConsumer` does) or create
/// it; true when created.
fn touch_consumer(g: &mut Group, name: &Bytes, now: u64) -> bool {
    match g.consumers.get_mut(name) {
        Some(c) => {
            c.seen_time = now;
            false
        }
        None => {
            g.consumers.insert(
                name.clone(),
                Consumer {
                    seen_time: now,
                    active_time: now,
                    ..Consumer::default()
                },
            );
            true
        }
    }
}

/// One XREAD/XREADGROUP: what to read and how.
#[derive(Debug, Clone)]
pub struct XRead {
    /// The stream keys.
    pub keys: Vec<Bytes>,
    /// Per key: the ID entries must be above (`>` is [`StreamId::MAX`] with a group).
    pub ids: Vec<StreamId>,
    /// Per key: `$` not yet resolved to the stream's last ID.
    pub dollar: Vec<bool>,
    /// COUNT (0: no limit).
    pub count: usize,
    /// GROUP name and consumer.
    pub group: Option<(Bytes, Bytes)>,
    /// NOACK.
    pub noack: bool,
    /// BLOCK given.
    pub block: bool,
}

/// Parse XREAD / XREADGROUP; the timeout (ms, 0 = forever) comes back beside it.
pub fn parse_xread(argv: &[Bytes]) -> Result<(XRead, Option<u64>), Frame> {
    let xreadgroup = is(&argv[0], "xreadgroup");
    let mut timeout: Option<u64> = None;
    let mut count = 0usize;
    let mut group = None;
    let mut noack = false;
    let mut streams_arg = 0;
    let argc = argv.len();
    let mut i = 1;
    while i < argc {
        let more = argc - i - 1;
        let o = &argv[i];
        if is(o, "block") && more > 0 {
            i += 1;
            let t = parse_i64(&argv[i])
                .ok_or_else(|| Frame::error("ERR timeout is not an integer or out of range"))?;
            if t < 0 {
                return Err(Frame::error("ERR timeout is negative"));
            }
            timeout = Some(t as u64);
        } else if is(o, "count") && more > 0 {
            i += 1;
            count = parse_i64(&argv[i]).ok_or_else(not_int)?.max(0) as usize;
        } else if is(o, "streams") && more > 0 {
            streams_arg = i + 1;
            if !(argc - streams_arg).is_multiple_of(2) {
                return Err(Frame::error(
                    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            break;
        } else if is(o, "group") && more >= 2 {
            if !xreadgroup {
                return Err(Frame::error(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 2;
        } else if is(o, "noack") {
            if !xreadgroup {
                return Err(Frame::error(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(syntax());
        }
        i += 1;
    }
    if streams_arg == 0 {
        return Err(syntax());
    }
    if xreadgroup && group.is_none() {
        return Err(Frame::error("ERR Missing GROUP option for XREADGROUP"));
    }
    let n = (argc - streams_arg) / 2;
    let keys = argv[streams_arg..streams_arg + n].to_vec();
    let mut ids = Vec::with_capacity(n);
    let mut dollar = Vec::with_capacity(n);
    for a in &argv[streams_arg + n..] {
        let mut d = false;
        let id = if &a[..] == b"$" {
            if xreadgroup {
                return Err(Frame::error(
                    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
                ));
            }
            d = true;
            StreamId::MIN
        } else if &a[..] == b">" {
            if !xreadgroup {
                return Err(Frame::error(
                    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                ));
            }
            StreamId::MAX
        } else {
            parse_strict_id(a)?
        };
        ids.push(id);
        dollar.push(d);
    }
    Ok((
        XRead {
            keys,
            ids,
            dollar,
            count,
            group,
            noack,
            block: timeout.is_some(),
        },
        timeout,
    ))
}

/// Serve a group read from `start` on (new entries, `streamReplyWithRange` with a group):
/// updates the group and PELs and pushes the XCLAIM / XGROUP SETID propagation.
#[allow(clippy::too_many_arguments)]
fn serve_group_new(
    ctx: &mut ExecCtx<'_>,
    key: &Bytes,
    gname: &Bytes,
    cname: &Bytes,
    start: StreamId,
    count: usize,
    noack: bool,
) -> Vec<Frame> {
    let now = ctx.now_ms;
    let Some(Value::Stream(s)) = ctx.db.value_mut(key) else {
        return Vec::new();
    };
    let take = if count == 0 { usize::MAX } else { count };
    // What the group bookkeeping needs from the stream, computed before borrowing the group.
    let picked: Vec<(StreamId, Vec<Bytes>, bool, i64)> = s
        .entries
        .range(start..)
        .take(take)
        .map(|(id, f)| {
            (
                *id,
                f.clone(),
                s.range_has_tombstones(*id),
                s.estimate_distance(*id),
            )
        })
        .collect();
    let entries_added = s.entries_added;
    let Some(g) = s.groups.get_mut(gname) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(picked.len());
    let mut props = Vec::new();
    let mut moved = false;
    for (id, fields, tomb, est) in picked {
        if id > g.last_id {
            if g.entries_read != ENTRIES_READ_INVALID && !tomb {
                g.entries_read += 1;
            } else if entries_added > 0 {
                g.entries_read = est;
            }
            g.last_id = id;
            moved = true;
        }
        out.push(entry_frame(id, &fields));
        if !noack {
            let prev = g.pel.insert(
                id,
                Nack {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: cname.clone(),
                },
            );
            if let Some(p) = prev
                && p.consumer != *cname
                && let Some(c) = g.consumers.get_mut(&p.consumer)
            {
                c.pel.remove(&id);
            }
            if let Some(c) = g.consumers.get_mut(cname) {
                c.pel.insert(id);
            }
            if let Some(n) = g.pel.get(&id) {
                props.push(xclaim_prop(key, gname, g, id, n));
            }
        }
    }
    if noack && moved {
        props.push(setid_prop(key, gname, g));
    }
    ctx.propagate.extend(props);
    out
}

/// Serve a consumer's history (`streamReplyWithRangeFromConsumerPEL`).
fn serve_history(
    ctx: &mut ExecCtx<'_>,
    key: &Bytes,
    gname: &Bytes,
    cname: &Bytes,
    start: StreamId,
    count: usize,
) -> Vec<Frame> {
    let now = ctx.now_ms;
    let Some(Value::Stream(s)) = ctx.db.value_mut(key) else {
        return Vec::new();
    };
    let Stream {
        entries, groups, ..
    } = &mut **s;
    let Some(g) = groups.get_mut(gname) else {
        return Vec::new();
    };
    let Some(c) = g.consumers.get(cname) else {
        return Vec::new();
    };
    let take = if count == 0 { usize::MAX } else { count };
    let ids: Vec<StreamId> = c.pel.range(start..).take(take).copied().collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match entries.get(&id) {
            Some(f) => {
                out.push(entry_frame(id, f));
                if let Some(n) = g.pel.get_mut(&id) {
                    n.delivery_time = now;
                    n.delivery_count += 1;
                }
            }
            None => out.push(Frame::Array(vec![id_frame(id), Frame::NullArray])),
        }
    }
    out
}

/// Redis's error to a client blocked in XREADGROUP whose group went away.
const NOGROUP_BLOCKED: &str =
    "NOGROUP the consumer group this client was blocked on no longer exists";
/// … and whose key went away.
const UNBLOCKED_DELETED: &str = "UNBLOCKED the stream key no longer exists";
/// The COUNT a blocked read without one is served with (`XREAD_BLOCKED_DEFAULT_COUNT`).
const BLOCKED_DEFAULT_COUNT: usize = 1000;

/// Resolve `$` to each stream's current last ID (done once, when the command arrives).
pub fn resolve_dollar(ctx: &mut ExecCtx<'_>, op: &mut XRead) {
    for i in 0..op.keys.len() {
        if op.dollar[i] {
            let key = op.keys[i].clone();
            op.ids[i] = match read_stream(ctx, &key) {
                Ok(Some(s)) => s.last_id,
                _ => StreamId::MIN,
            };
            op.dollar[i] = false;
        }
    }
}

fn serve_one(
    ctx: &mut ExecCtx<'_>,
    op: &XRead,
    i: usize,
    gt: StreamId,
    history: bool,
    count: usize,
) -> Frame {
    let key = op.keys[i].clone();
    let rows = match &op.group {
        None => {
            let Some(start) = gt.incr() else {
                return Frame::Array(vec![]);
            };
            match read_stream(ctx, &key) {
                Ok(Some(s)) => range_frames(s, start, StreamId::MAX, count, false),
                _ => Vec::new(),
            }
        }
        Some((gname, cname)) => {
            let now = ctx.now_ms;
            let created = match ctx.db.value_mut(&key) {
                Some(Value::Stream(s)) => match s.groups.get_mut(gname) {
                    Some(g) => touch_consumer(g, cname, now),
                    None => false,
                },
                _ => false,
            };
            if created && op.noack {
                ctx.propagate.push(vec![
                    w(b"XGROUP"),
                    w(b"CREATECONSUMER"),
                    key.clone(),
                    gname.clone(),
                    cname.clone(),
                ]);
            }
            *ctx.dirty += 1;
            let start = gt.incr().unwrap_or(StreamId::MAX);
            if history {
                serve_history(ctx, &key, gname, cname, start, count)
            } else {
                serve_group_new(ctx, &key, gname, cname, start, count, op.noack)
            }
        }
    };
    Frame::Array(vec![Frame::Bulk(key), Frame::Array(rows)])
}

/// Carry an XREAD/XREADGROUP out if it can be served now: `Some(reply)` (errors included),
/// `None` when it would block. With `only`, this is a blocked client woken by a change to
/// that key (`serveClientsBlockedOnStreamKey`).
pub fn try_serve_xread(ctx: &mut ExecCtx<'_>, op: &XRead, only: Option<&Bytes>) -> Option<Frame> {
    if let Some(k) = only {
        let i = op.keys.iter().position(|x| x == k)?;
        let key = op.keys[i].clone();
        let (last, group_last) = match lookup_read(ctx, &key) {
            None => {
                return op.group.as_ref().map(|_| Frame::error(UNBLOCKED_DELETED));
            }
            Some(Value::Stream(s)) => {
                let gl = match &op.group {
                    None => None,
                    Some((g, _)) => match s.groups.get(g) {
                        None => return Some(Frame::error(NOGROUP_BLOCKED)),
                        Some(g) => Some(g.last_id),
                    },
                };
                (s.last_id, gl)
            }
            // A stream replaced by another type went away for a group reader, as in Redis
            // (the overwrite signals the deleted stream); a plain XREAD keeps waiting.
            Some(_) => {
                return op.group.as_ref().map(|_| Frame::error(UNBLOCKED_DELETED));
            }
        };
        let gt = group_last.unwrap_or(op.ids[i]);
        if last <= gt {
            return None;
        }
        let count = if op.count == 0 {
            BLOCKED_DEFAULT_COUNT
        } else {
            op.count
        };
        return Some(Frame::Array(vec![serve_one(ctx, op, i, gt, false, count)]));
    }
    // Check every key first, as Redis does before serving anything.
    for key in &op.keys {
        match lookup_read(ctx, key) {
            Some(Value::Stream(s)) => {
                if let Some((g, _)) = &op.group
                    && !s.groups.contains_key(g)
                {
                    return Some(nogroup_readgroup(key, g));
                }
            }
            Some(_) => return Some(wrongtype()),
            None => {
                if let Some((g, _)) = &op.group {
                    return Some(nogroup_readgroup(key, g));
                }
            }
        }
    }
    let mut out = Vec::new();
    for i in 0..op.keys.len() {
        let key = op.keys[i].clone();
        let gt = op.ids[i];
        let plan = match lookup_read(ctx, &key) {
            Some(Value::Stream(s)) => match &op.group {
                Some((g, _)) => {
                    if gt != StreamId::MAX {
                        Some((gt, true))
                    } else {
                        let gl = s.groups.get(g).map(|g| g.last_id).unwrap_or_default();
                        (!s.is_empty() && s.last_valid_id() > gl).then_some((gl, false))
                    }
                }
                None => (!s.is_empty() && s.last_valid_id() > gt).then_some((gt, false)),
            },
            _ => None,
        };
        if let Some((gt, history)) = plan {
            out.push(serve_one(ctx, op, i, gt, history, op.count));
        }
    }
    (!out.is_empty()).then_some(Frame::Array(out))
}

/// Where XREAD/XREADGROUP name their keys (the first half of what follows STREAMS), for
/// COMMAND GETKEYS: the table's first/last/step cannot say it.
pub fn xread_key_positions(argv: &[Bytes]) -> Vec<usize> {
    // Redis's key spec searches for STREAMS from argument 1 (XREAD) or 4 (XREADGROUP, past
    // GROUP g c, so a group named "streams" is not taken for it).
    let from = if argv.first().is_some_and(|n| is(n, "xreadgroup")) {
        4
    } else {
        1
    };
    match argv
        .iter()
        .skip(from)
        .position(|a| is(a, "streams"))
        .map(|p| p + from)
    {
        Some(p) => {
            let n = (argv.len() - p - 1) / 2;
            (p + 1..p + 1 + n).collect()
        }
        None => Vec::new(),
    }
}

/// An XREAD/XREADGROUP reply as Redis sends it to a RESP3 client: a map of key → entries
/// instead of the array of `[key, entries]` pairs (errors and nulls unchanged).
pub fn resp3_reply(f: Frame) -> Frame {
    match f {
        Frame::Array(pairs) => Frame::Map(
            pairs
                .into_iter()
                .filter_map(|p| match p {
                    Frame::Array(mut kv) if kv.len() == 2 => {
                        let v = kv.pop()?;
                        let k = kv.pop()?;
                        Some((k, v))
                    }
                    _ => None,
                })
                .collect(),
        ),
        other => other,
    }
}

fn nogroup_readgroup(key: &[u8], g: &[u8]) -> Frame {
    Frame::error(format!(
        "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
        text(key),
        text(g)
    ))
}

/// XREAD / XREADGROUP as a data command (inside MULTI/EXEC, scripts, or without BLOCK).
pub fn xread(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match parse_xread(argv) {
        Err(e) => e,
        Ok((mut op, _)) => {
            resolve_dollar(ctx, &mut op);
            try_serve_xread(ctx, &op, None).unwrap_or(Frame::NullArray)
        }
    }
}

fn subcommand_error(sub: &[u8], cmd: &str) -> Frame {
    Frame::error(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {cmd} HELP.",
        text(sub)
    ))
}

fn help(lines: &[&str], cmd: &str) -> Frame {
    let mut v = vec![Frame::Simple(
        format!("{cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").into(),
    )];
    v.extend(lines.iter().map(|l| Frame::Simple((*l).to_string().into())));
    v.push(Frame::Simple("HELP".into()));
    v.push(Frame::Simple("    Print this help.".into()));
    Frame::Array(v)
}

/// `XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP …`
pub fn xgroup(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
    let arity_ok = match sub.as_str() {
        "create" | "setid" => argv.len() >= 5,
        "destroy" => argv.len() == 4,
        "createconsumer" | "delconsumer" => argv.len() == 5,
        "help" => argv.len() == 2,
        _ => {
            return Frame::error(format!(
                "ERR unknown subcommand '{}'. Try XGROUP HELP.",
                text(&argv[1])
            ));
        }
    };
    if !arity_ok {
        return wrong_arity(&format!("xgroup|{sub}"));
    }
    if sub == "help" {
        return help(
            &[
                "CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter.",
            ],
            "XGROUP",
        );
    }
    let mut mkstream = false;
    let mut entries_read = ENTRIES_READ_INVALID;
    let mut i = 5;
    while i < argv.len() {
        if sub == "create" && is(&argv[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if (sub == "create" || sub == "setid")
            && is(&argv[i], "entriesread")
            && i + 1 < argv.len()
        {
            match parse_i64(&argv[i + 1]) {
                None => return not_int(),
                Some(v) if v < 0 && v != ENTRIES_READ_INVALID => {
                    return Frame::error("ERR value for ENTRIESREAD must be positive or -1");
                }
                Some(v) => entries_read = v,
            }
            i += 2;
        } else {
            return subcommand_error(&argv[1], "XGROUP");
        }
    }
    let key = argv[2].clone();
    let gname = argv[3].clone();
    let exists = match write_stream(ctx, &key) {
        Err(e) => return e,
        Ok(s) => s.is_some(),
    };
    if !exists && !mkstream {
        return Frame::error(
            "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
        );
    }
    let group_exists = matches!(ctx.db.get(&key).map(|e| &e.value),
        Some(Value::Stream(s)) if s.groups.contains_key(&gname));
    if exists && !group_exists && matches!(sub.as_str(), "setid" | "createconsumer" | "delconsumer")
    {
        return Frame::error(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            text(&gname),
            text(&key)
        ));
    }
    let now = ctx.now_ms;
    let reply = match sub.as_str() {
        "create" if argv.len() <= 8 => {
            let id = if &argv[4][..] == b"$" {
                match ctx.db.get(&key).map(|e| &e.value) {
                    Some(Value::Stream(s)) => s.last_id,
                    _ => StreamId::MIN,
                }
            } else {
                match parse_strict_id(&argv[4]) {
                    Ok(id) => id,
                    Err(e) => return e,
                }
            };
            if !exists {
                ctx.db
                    .set(key.clone(), Value::Stream(Box::new(Stream::new())), None);
            }
            let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
                return wrongtype();
            };
            if s.groups.contains_key(&gname) {
                return Frame::error("BUSYGROUP Consumer Group name already exists");
            }
            s.groups.insert(
                gname,
                Group {
                    last_id: id,
                    entries_read,
                    ..Group::default()
                },
            );
            Frame::ok()
        }
        "setid" if argv.len() == 5 || argv.len() == 7 => {
            let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
                return wrongtype();
            };
            let id = if &argv[4][..] == b"$" {
                s.last_id
            } else {
                match parse_id(&argv[4], 0) {
                    Ok(id) => id,
                    Err(e) => return e,
                }
            };
            if let Some(g) = s.groups.get_mut(&gname) {
                g.last_id = id;
                g.entries_read = entries_read;
            }
            Frame::ok()
        }
        "destroy" => {
            let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
                return wrongtype();
            };
            if s.groups.remove(&gname).is_none() {
                return Frame::Integer(0);
            }
            Frame::Integer(1)
        }
        "createconsumer" => {
            let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
                return wrongtype();
            };
            let Some(g) = s.groups.get_mut(&gname) else {
                return Frame::Integer(0);
            };
            if g.consumers.contains_key(&argv[4]) {
                return Frame::Integer(0);
            }
            touch_consumer(g, &argv[4], now);
            Frame::Integer(1)
        }
        "delconsumer" => {
            let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
                return wrongtype();
            };
            let Some(g) = s.groups.get_mut(&gname) else {
                return Frame::Integer(0);
            };
            let Some(c) = g.consumers.remove(&argv[4]) else {
                return Frame::Integer(0);
            };
            for id in &c.pel {
                g.pel.remove(id);
            }
            Frame::Integer(c.pel.len() as i64)
        }
        _ => return subcommand_error(&argv[1], "XGROUP"),
    };
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    reply
}

/// `XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]`
pub fn xsetid(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let id = match parse_strict_id(&argv[2]) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if is(&argv[i], "entriesadded") && more > 0 {
            match parse_i64(&argv[i + 1]) {
                None => return not_int(),
                Some(v) if v < 0 => return Frame::error("ERR entries_added must be positive"),
                Some(v) => entries_added = v,
            }
            i += 2;
        } else if is(&argv[i], "maxdeletedid") && more > 0 {
            match parse_strict_id(&argv[i + 1]) {
                Err(e) => return e,
                Ok(m) if id < m => {
                    return Frame::error(
                        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                    );
                }
                Ok(m) => max_xdel = m,
            }
            i += 2;
        } else {
            return syntax();
        }
    }
    let s = match write_stream(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => return Frame::error("ERR no such key"),
        Ok(Some(s)) => s,
    };
    if !s.is_empty() {
        if id < s.last_valid_id() {
            return Frame::error(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            );
        }
        if entries_added != -1 && s.len() as i64 > entries_added {
            return Frame::error(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            );
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::ok()
}

/// `XACK key group id [id …]`
pub fn xack(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = argv[1].clone();
    let has_group = match read_stream(ctx, &key) {
        Err(e) => return e,
        Ok(s) => s.is_some_and(|s| s.groups.contains_key(&argv[2])),
    };
    if !has_group {
        return Frame::Integer(0);
    }
    let mut ids = Vec::with_capacity(argv.len() - 3);
    for a in &argv[3..] {
        match parse_strict_id(a) {
            Ok(id) => ids.push(id),
            Err(e) => return e,
        }
    }
    let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
        return Frame::Integer(0);
    };
    let Some(g) = s.groups.get_mut(&argv[2]) else {
        return Frame::Integer(0);
    };
    let mut n = 0;
    for id in ids {
        if let Some(nack) = g.pel.remove(&id) {
            if let Some(c) = g.consumers.get_mut(&nack.consumer) {
                c.pel.remove(&id);
            }
            n += 1;
        }
    }
    if n > 0 {
        *ctx.dirty += n;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(n as i64)
}

/// `XPENDING key group [[IDLE min-idle] start end count [consumer]]`
pub fn xpending(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let argc = argv.len();
    let justinfo = argc == 3;
    if argc != 3 && !(6..=9).contains(&argc) {
        return syntax();
    }
    let mut start = StreamId::MIN;
    let mut end = StreamId::MAX;
    let mut count: i64 = 0;
    let mut minidle: i64 = 0;
    let mut consumer: Option<Bytes> = None;
    if argc >= 6 {
        let mut si = 3;
        if is(&argv[3], "idle") {
            match parse_i64(&argv[4]) {
                None => return not_int(),
                Some(v) => minidle = v,
            }
            if argc < 8 {
                return syntax();
            }
            si += 2;
        }
        match parse_i64(&argv[si + 2]) {
            None => return not_int(),
            Some(v) => count = v.max(0),
        }
        start = match start_bound(&argv[si]) {
            Ok(v) => v,
            Err(e) => return e,
        };
        end = match end_bound(&argv[si + 1]) {
            Ok(v) => v,
            Err(e) => return e,
        };
        if si + 3 < argc {
            consumer = Some(argv[si + 3].clone());
        }
    }
    let now = ctx.now_ms;
    let key = argv[1].clone();
    let s = match read_stream(ctx, &key) {
        Err(e) => return e,
        Ok(s) => s,
    };
    let Some(g) = s.and_then(|s| s.groups.get(&argv[2])) else {
        return nogroup(&key, &argv[2]);
    };
    if justinfo {
        if g.pel.is_empty() {
            return Frame::Array(vec![
                Frame::Integer(0),
                Frame::Null,
                Frame::Null,
                Frame::NullArray,
            ]);
        }
        let first = g.pel.keys().next().copied().unwrap_or_default();
        let last = g.pel.keys().next_back().copied().unwrap_or_default();
        let per: Vec<Frame> = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(n, c)| {
                Frame::Array(vec![
                    Frame::Bulk(n.clone()),
                    Frame::Bulk(int_bytes(c.pel.len() as i64)),
                ])
            })
            .collect();
        return Frame::Array(vec![
            Frame::Integer(g.pel.len() as i64),
            id_frame(first),
            id_frame(last),
            Frame::Array(per),
        ]);
    }
    let mut out = Vec::new();
    if start > end {
        return Frame::Array(out);
    }
    // Only the range asked for is walked (O(log n + k)), not the whole PEL.
    let ids: Box<dyn Iterator<Item = StreamId> + '_> = match &consumer {
        Some(c) => match g.consumers.get(c) {
            None => return Frame::Array(vec![]),
            Some(c) => Box::new(c.pel.range(start..=end).copied()),
        },
        None => Box::new(g.pel.range(start..=end).map(|(id, _)| *id)),
    };
    for id in ids {
        if count == 0 {
            break;
        }
        let Some(n) = g.pel.get(&id) else { continue };
        let idle = (now as i64 - n.delivery_time as i64).max(0);
        if minidle > 0 && idle < minidle {
            continue;
        }
        count -= 1;
        out.push(Frame::Array(vec![
            id_frame(id),
            Frame::Bulk(n.consumer.clone()),
            Frame::Integer(idle),
            Frame::Integer(n.delivery_count as i64),
        ]));
    }
    Frame::Array(out)
}

/// Give pending entry `id` to consumer `name` (creating it): XCLAIM/XAUTOCLAIM's common step.
fn reassign(g: &mut Group, id: StreamId, name: &Bytes, now: u64) {
    touch_consumer(g, name, now);
    let prev = g.pel.get(&id).map(|n| n.consumer.clone());
    if let Some(p) = prev
        && p != *name
        && let Some(c) = g.consumers.get_mut(&p)
    {
        c.pel.remove(&id);
    }
    if let Some(n) = g.pel.get_mut(&id) {
        n.consumer = name.clone();
    }
    if let Some(c) = g.consumers.get_mut(name) {
        c.pel.insert(id);
    }
}

fn opt_i64(b: &[u8], msg: &str) -> Result<i64, Frame> {
    parse_i64(b).ok_or_else(|| Frame::error(format!("ERR {msg}")))
}

/// `XCLAIM key group consumer min-idle-time id [id …] [IDLE ms] [TIME ms] [RETRYCOUNT n]
/// [FORCE] [JUSTID] [LASTID id]`
pub fn xclaim(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = argv[1].clone();
    let gname = argv[2].clone();
    let name = argv[3].clone();
    let has_group = match read_stream(ctx, &key) {
        Err(e) => return e,
        Ok(s) => s.is_some_and(|s| s.groups.contains_key(&gname)),
    };
    if !has_group {
        return nogroup(&key, &gname);
    }
    let minidle = match opt_i64(&argv[4], "Invalid min-idle-time argument for XCLAIM") {
        Ok(v) => v.max(0),
        Err(e) => return e,
    };
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match parse_strict_id(&argv[j]) {
            Ok(id) => ids.push((id, argv[j].clone())),
            Err(_) => break,
        }
        j += 1;
    }
    let now = ctx.now_ms as i64;
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let o = &argv[j];
        if is(o, "force") {
            force = true;
        } else if is(o, "justid") {
            justid = true;
        } else if is(o, "idle") && more > 0 {
            j += 1;
            match opt_i64(&argv[j], "Invalid IDLE option argument for XCLAIM") {
                Ok(v) => deliverytime = now - v,
                Err(e) => return e,
            }
        } else if is(o, "time") && more > 0 {
            j += 1;
            match opt_i64(&argv[j], "Invalid TIME option argument for XCLAIM") {
                Ok(v) => deliverytime = v,
                Err(e) => return e,
            }
        } else if is(o, "retrycount") && more > 0 {
            j += 1;
            match opt_i64(&argv[j], "Invalid RETRYCOUNT option argument for XCLAIM") {
                Ok(v) => retrycount = v,
                Err(e) => return e,
            }
        } else if is(o, "lastid") && more > 0 {
            j += 1;
            match parse_strict_id(&argv[j]) {
                Ok(v) => last_id = v,
                Err(e) => return e,
            }
        } else {
            return Frame::error(format!("ERR Unrecognized XCLAIM option '{}'", text(o)));
        }
        j += 1;
    }
    let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
        return nogroup(&key, &gname);
    };
    let Stream {
        entries, groups, ..
    } = &mut **s;
    let Some(g) = groups.get_mut(&gname) else {
        return nogroup(&key, &gname);
    };
    let mut propagate_last_id = false;
    if last_id > g.last_id {
        g.last_id = last_id;
        propagate_last_id = true;
    }
    if deliverytime != -1 {
        if deliverytime < 0 || deliverytime > now {
            deliverytime = now;
        }
    } else {
        deliverytime = now;
    }
    let mut out = Vec::new();
    let mut props = Vec::new();
    let mut dirty = 0u64;
    let nowu = now as u64;
    for (id, _) in ids {
        let exists = entries.contains_key(&id);
        if !exists {
            if let Some(n) = g.pel.remove(&id) {
                props.push(xclaim_prop(&key, &gname, g, id, &n));
                propagate_last_id = false;
                dirty += 1;
                if let Some(c) = g.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
            }
            continue;
        }
        let mut fresh = false;
        if force && !g.pel.contains_key(&id) {
            g.pel.insert(
                id,
                Nack {
                    delivery_time: nowu,
                    delivery_count: 1,
                    consumer: Bytes::new(),
                },
            );
            fresh = true;
        }
        let Some(n) = g.pel.get(&id) else { continue };
        if !fresh && minidle > 0 {
            let idle = now - n.delivery_time as i64;
            if idle < minidle {
                continue;
            }
        }
        reassign(g, id, &name, nowu);
        if let Some(n) = g.pel.get_mut(&id) {
            n.delivery_time = deliverytime as u64;
            if retrycount >= 0 {
                n.delivery_count = retrycount as u64;
            } else if !justid {
                n.delivery_count += 1;
            }
        }
        if justid {
            out.push(id_frame(id));
        } else if let Some(f) = entries.get(&id) {
            out.push(entry_frame(id, f));
        }
        if let Some(n) = g.pel.get(&id) {
            props.push(xclaim_prop(&key, &gname, g, id, n));
        }
        propagate_last_id = false;
        dirty += 1;
    }
    if propagate_last_id {
        props.push(setid_prop(&key, &gname, g));
        dirty += 1;
    }
    *ctx.dirty += dirty;
    ctx.propagate.extend(props);
    Frame::Array(out)
}

/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]`
pub fn xautoclaim(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = argv[1].clone();
    let gname = argv[2].clone();
    let name = argv[3].clone();
    let minidle = match opt_i64(&argv[4], "Invalid min-idle-time argument for XAUTOCLAIM") {
        Ok(v) => v.max(0),
        Err(e) => return e,
    };
    let start = match start_bound(&argv[5]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(&argv[j], "count") && more > 0 {
            let max_count = i64::MAX / 16;
            match parse_i64(&argv[j + 1]) {
                Some(v) if (1..=max_count).contains(&v) => count = v,
                Some(_) => return Frame::error("ERR COUNT must be > 0"),
                None => return not_int(),
            }
            j += 1;
        } else if is(&argv[j], "justid") {
            justid = true;
        } else {
            return syntax();
        }
        j += 1;
    }
    let has_group = match read_stream(ctx, &key) {
        Err(e) => return e,
        Ok(s) => s.is_some_and(|s| s.groups.contains_key(&gname)),
    };
    if !has_group {
        return nogroup(&key, &gname);
    }
    let now = ctx.now_ms;
    let Some(Value::Stream(s)) = ctx.db.value_mut(&key) else {
        return nogroup(&key, &gname);
    };
    let Stream {
        entries, groups, ..
    } = &mut **s;
    let Some(g) = groups.get_mut(&gname) else {
        return nogroup(&key, &gname);
    };
    let mut attempts = count.saturating_mul(10);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut props = Vec::new();
    let mut dirty = 0u64;
    let mut cursor = start;
    let mut next_id = StreamId::MIN;
    while let Some((&id, _)) = g.pel.range(cursor..).next() {
        if attempts == 0 || count == 0 {
            next_id = id;
            break;
        }
        attempts -= 1;
        cursor = match id.incr() {
            Some(c) => c,
            None => StreamId::MAX,
        };
        if !entries.contains_key(&id) {
            if let Some(n) = g.pel.remove(&id) {
                props.push(xclaim_prop(&key, &gname, g, id, &n));
                if let Some(c) = g.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
            }
            dirty += 1;
            deleted.push(id_frame(id));
            count -= 1;
            if id == StreamId::MAX {
                break;
            }
            continue;
        }
        let idle_ok = g
            .pel
            .get(&id)
            .is_some_and(|n| minidle == 0 || now as i64 - n.delivery_time as i64 >= minidle);
        if idle_ok {
            reassign(g, id, &name, now);
            if let Some(n) = g.pel.get_mut(&id) {
                n.delivery_time = now;
                if !justid {
                    n.delivery_count += 1;
                }
            }
            if justid {
                claimed.push(id_frame(id));
            } else if let Some(f) = entries.get(&id) {
                claimed.push(entry_frame(id, f));
            }
            count -= 1;
            if let Some(n) = g.pel.get(&id) {
                props.push(xclaim_prop(&key, &gname, g, id, n));
            }
            dirty += 1;
        }
        if id == StreamId::MAX {
            break;
        }
    }
    *ctx.dirty += dirty;
    ctx.propagate.extend(props);
    Frame::Array(vec![
        id_frame(next_id),
        Frame::Array(claimed),
        Frame::Array(deleted),
    ])
}

fn kv(k: &'static str, v: Frame) -> (Frame, Frame) {
    (Frame::Bulk(Bytes::from_static(k.as_bytes())), v)
}

fn opt_int(v: Option<i64>) -> Frame {
    v.map_or(Frame::Null, Frame::Integer)
}

fn stream_info(s: &Stream, argv: &[Bytes]) -> Frame {
    let opts = &argv[3..];
    let (full, mut count) = match opts.len() {
        0 => (false, 10i64),
        1 | 3 if is(&opts[0], "full") => {
            if opts.len() == 3 {
                if !is(&opts[1], "count") {
                    return subcommand_error(&argv[1], "XINFO");
                }
                match parse_i64(&opts[2]) {
                    None => return not_int(),
                    Some(c) => (true, c),
                }
            } else {
                (true, 10)
            }
        }
        _ => return subcommand_error(&argv[1], "XINFO"),
    };
    if count < 0 {
        count = 10;
    }
    let count = count as usize;
    let nodes = s.node_count() as i64;
    let mut m = vec![
        kv("length", Frame::Integer(s.len() as i64)),
        kv("radix-tree-keys", Frame::Integer(nodes)),
        // An empty rax has its root node; one key is a compressed node plus the leaf.
        // Beyond that the count depends on rax's splitting, which we do not model.
        kv("radix-tree-nodes", Frame::Integer(nodes + 1)),
        kv("last-generated-id", id_frame(s.last_id)),
        kv("max-deleted-entry-id", id_frame(s.max_deleted_id)),
        kv("entries-added", Frame::Integer(s.entries_added as i64)),
        kv("recorded-first-entry-id", id_frame(s.first_id())),
    ];
    let take = if count == 0 { usize::MAX } else { count };
    if !full {
        m.push(kv("groups", Frame::Integer(s.groups.len() as i64)));
        let first = s.entries.iter().next().map(|(id, f)| entry_frame(*id, f));
        let last = s
            .entries
            .iter()
            .next_back()
            .map(|(id, f)| entry_frame(*id, f));
        m.push(kv("first-entry", first.unwrap_or(Frame::Null)));
        m.push(kv("last-entry", last.unwrap_or(Frame::Null)));
        return Frame::Map(m);
    }
    m.push(kv(
        "entries",
        Frame::Array(range_frames(s, StreamId::MIN, StreamId::MAX, count, false)),
    ));
    let groups = s
        .groups
        .iter()
        .map(|(name, g)| {
            let pending = g
                .pel
                .iter()
                .take(take)
                .map(|(id, n)| {
                    Frame::Array(vec![
                        id_frame(*id),
                        Frame::Bulk(n.consumer.clone()),
                        Frame::Integer(n.delivery_time as i64),
                        Frame::Integer(n.delivery_count as i64),
                    ])
                })
                .collect();
            let consumers = g
                .consumers
                .iter()
                .map(|(cn, c)| {
                    let cp = c
                        .pel
                        .iter()
                        .take(take)
                        .filter_map(|id| {
                            g.pel.get(id).map(|n| {
                                Frame::Array(vec![
                                    id_frame(*id),
                                    Frame::Integer(n.delivery_time as i64),
                                    Frame::Integer(n.delivery_count as i64),
                                ])
                            })
                        })
                        .collect();
                    Frame::Map(vec![
                        kv("name", Frame::Bulk(cn.clone())),
                        kv("seen-time", Frame::Integer(c.seen_time as i64)),
                        kv("pel-count", Frame::Integer(c.pel.len() as i64)),
                        kv("pending", Frame::Array(cp)),
                    ])
                })
                .collect();
            Frame::Map(vec![
                kv("name", Frame::Bulk(name.clone())),
                kv("last-delivered-id", id_frame(g.last_id)),
                kv(
                    "entries-read",
                    opt_int((g.entries_read != ENTRIES_READ_INVALID).then_some(g.entries_read)),
                ),
                kv("lag", opt_int(s.group_lag(g))),
                kv("pel-count", Frame::Integer(g.pel.len() as i64)),
                kv("pending", Frame::Array(pending)),
                kv("consumers", Frame::Array(consumers)),
            ])
        })
        .collect();
    m.push(kv("groups", Frame::Array(groups)));
    Frame::Map(m)
}

/// `XINFO STREAM key [FULL [COUNT n]] | GROUPS key | CONSUMERS key group | HELP`
pub fn xinfo(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
    let arity_ok = match sub.as_str() {
        "stream" => argv.len() >= 3,
        "groups" => argv.len() == 3,
        "consumers" => argv.len() == 4,
        "help" => argv.len() == 2,
        _ => {
            return Frame::error(format!(
                "ERR unknown subcommand '{}'. Try XINFO HELP.",
                text(&argv[1])
            ));
        }
    };
    if !arity_ok {
        return wrong_arity(&format!("xinfo|{sub}"));
    }
    if sub == "help" {
        return help(
            &[
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream.",
            ],
            "XINFO",
        );
    }
    let now = ctx.now_ms;
    let key = argv[2].clone();
    let s = match read_stream(ctx, &key) {
        Err(e) => return e,
        Ok(None) => return Frame::error("ERR no such key"),
        Ok(Some(s)) => s,
    };
    match sub.as_str() {
        "consumers" => {
            let Some(g) = s.groups.get(&argv[3]) else {
                return Frame::error(format!(
                    "NOGROUP No such consumer group '{}' for key name '{}'",
                    text(&argv[3]),
                    text(&key)
                ));
            };
            Frame::Array(
                g.consumers
                    .iter()
                    .map(|(n, c)| {
                        Frame::Map(vec![
                            kv("name", Frame::Bulk(n.clone())),
                            kv("pending", Frame::Integer(c.pel.len() as i64)),
                            kv(
                                "idle",
                                Frame::Integer((now as i64 - c.seen_time as i64).max(0)),
                            ),
                        ])
                    })
                    .collect(),
            )
        }
        "groups" => Frame::Array(
            s.groups
                .iter()
                .map(|(n, g)| {
                    Frame::Map(vec![
                        kv("name", Frame::Bulk(n.clone())),
                        kv("consumers", Frame::Integer(g.consumers.len() as i64)),
                        kv("pending", Frame::Integer(g.pel.len() as i64)),
                        kv("last-delivered-id", id_frame(g.last_id)),
                        kv(
                            "entries-read",
                            opt_int(
                                (g.entries_read != ENTRIES_READ_INVALID).then_some(g.entries_read),
                            ),
                        ),
                        kv("lag", opt_int(s.group_lag(g))),
                    ])
                })
                .collect(),
        ),
        _ => stream_info(s, argv),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_redis_does() {
        assert_eq!(parse_id(b"5", 0).unwrap(), StreamId::new(5, 0));
        assert_eq!(
            parse_id(b"5", u64::MAX).unwrap(),
            StreamId::new(5, u64::MAX)
        );
        assert_eq!(parse_id(b"5-3", 0).unwrap(), StreamId::new(5, 3));
        assert_eq!(parse_id(b"-", 0).unwrap(), StreamId::MIN);
        assert_eq!(parse_id(b"+", 0).unwrap(), StreamId::MAX);
        assert!(parse_strict_id(b"+").is_err());
        assert!(parse_id(b"5-x", 0).is_err());
        assert!(parse_id(b"", 0).is_err());
        assert!(parse_id(b"18446744073709551616", 0).is_err());
        assert_eq!(
            parse_id_full(b"7-*", 0, true, true).unwrap(),
            (StreamId::new(7, 0), false)
        );
        assert!(parse_id_full(b"7-*", 0, true, false).is_err());
        assert_eq!(start_bound(b"(1-1").unwrap(), StreamId::new(1, 2));
        assert_eq!(end_bound(b"(2-0").unwrap(), StreamId::new(1, u64::MAX));
        assert_eq!(end_bound(b"(2").unwrap(), StreamId::new(2, u64::MAX - 1));
        assert!(end_bound(b"(0-0").is_err());
    }

    #[test]
    fn trim_args_follow_redis_rules() {
        let a =
            |v: &[&str]| -> Vec<Bytes> { v.iter().map(|s| Bytes::from(s.to_string())).collect() };
        let e = |r: Result<TrimArgs, Frame>| match r {
            Err(Frame::Error(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(
            e(parse_add_or_trim(&a(&["xtrim", "k"]), false, false)).contains("trimming strategy")
        );
        assert!(
            e(parse_add_or_trim(
                &a(&["xtrim", "k", "maxlen", "1", "limit", "5"]),
                false,
                false
            ))
            .contains("without the special ~")
        );
        assert!(
            e(parse_add_or_trim(
                &a(&["xadd", "k", "maxlen", "1", "minid", "5", "*"]),
                true,
                false
            ))
            .contains("not compatible")
        );
        let ok = parse_add_or_trim(
            &a(&["xadd", "k", "maxlen", "~", "10", "*", "f", "v"]),
            true,
            false,
        )
        .unwrap();
        assert!(ok.approx);
        assert_eq!(ok.limit, 10000);
        assert_eq!(ok.arg_idx, 4);
        assert_eq!(ok.id_pos, 5);
    }

    #[test]
    fn propagation_is_deterministic_as_redis_makes_it() {
        use crate::server::cmd::data::testkit::{H, b};
        let mut h = H::new();
        let now = h.now_ms;
        // `*` and `ms-*` go out as the generated ID.
        assert_eq!(h.run(&["XADD", "s", "*", "f", "v"]), b(&format!("{now}-0")));
        assert_eq!(h.prop(), vec![format!("XADD s {now}-0 f v")]);
        assert_eq!(
            h.run(&["XADD", "s", &format!("{now}-*"), "f", "v"]),
            b(&format!("{now}-1"))
        );
        assert_eq!(h.prop(), vec![format!("XADD s {now}-1 f v")]);
        // `~` goes out as `=` with the resulting length.
        h.run(&["XADD", "s", "MAXLEN", "~", "1", "*", "f", "v"]);
        assert_eq!(h.prop(), vec![format!("XADD s MAXLEN = 3 {now}-2 f v")]);
        // A group read: one XCLAIM per delivered entry, carrying the group's last ID.
        h.run(&["XGROUP", "CREATE", "s", "g", "0"]);
        h.prop();
        h.run(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "COUNT",
            "2",
            "STREAMS",
            "s",
            ">",
        ]);
        assert_eq!(
            h.prop(),
            vec![
                format!(
                    "XCLAIM s g c 0 {now}-0 TIME {now} RETRYCOUNT 1 FORCE JUSTID LASTID {now}-0"
                ),
                format!(
                    "XCLAIM s g c 0 {now}-1 TIME {now} RETRYCOUNT 1 FORCE JUSTID LASTID {now}-1"
                ),
            ]
        );
        // NOACK: the new consumer and the group's new last ID instead.
        h.run(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "d",
            "NOACK",
            "STREAMS",
            "s",
            ">",
        ]);
        assert_eq!(
            h.prop(),
            vec![
                "XGROUP CREATECONSUMER s g d".to_string(),
                format!("XGROUP SETID s g {now}-2 ENTRIESREAD 3"),
            ]
        );
        // Reads without a group, and reads of history, propagate nothing.
        h.run(&["XREAD", "STREAMS", "s", "0"]);
        h.run(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"]);
        assert!(h.prop().is_empty());
        // A replica applying those XCLAIMs reaches the same PEL.
        let mut r = H::new();
        r.is_master = false;
        r.run(&["XADD", "s", &format!("{now}-0"), "f", "v"]);
        r.run(&["XGROUP", "CREATE", "s", "g", "0"]);
        let claim =
            format!("XCLAIM s g c 0 {now}-0 TIME 5 RETRYCOUNT 3 FORCE JUSTID LASTID {now}-0");
        let argv: Vec<&str> = claim.split(' ').collect();
        assert_eq!(r.run(&argv), Frame::Array(vec![b(&format!("{now}-0"))]));
        let Some(Value::Stream(st)) = r.db.get(b"s").map(|e| &e.value) else {
            panic!("stream")
        };
        let g = &st.groups[&Bytes::from_static(b"g")];
        assert_eq!(g.last_id, StreamId::new(now, 0));
        let n = &g.pel[&StreamId::new(now, 0)];
        assert_eq!(
            (n.delivery_time, n.delivery_count, &n.consumer[..]),
            (5, 3, &b"c"[..])
        );
    }
}
