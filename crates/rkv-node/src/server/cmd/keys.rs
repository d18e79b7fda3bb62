//! Keyspace commands (Redis's `generic` group): DEL, EXISTS, TYPE, the EXPIRE family, TTL,
//! KEYS, SCAN, RENAME, RANDOMKEY, COPY, OBJECT, TOUCH, DBSIZE and the FLUSH commands.
//!
//! Texts and propagation follow Redis 7.0's db.c, expire.c and object.c: a relative expiry is
//! propagated as an absolute `PEXPIREAT`, an expiry already in the past as `DEL`, and a write
//! that changed nothing is not propagated at all.

use super::ExecCtx;
use super::data::{
    expire_if_needed, int_arg, is, lookup_read, not_int, parse_i64, prepare_write, syntax,
};
use crate::resp::Frame;
use crate::store::Value;
use crate::store::glob::glob_match;
use bytes::Bytes;

/// `DEL key [key …]`
pub fn del(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let mut n = 0;
    for key in &argv[1..] {
        prepare_write(ctx, key);
        if ctx.db.remove(key).is_some() {
            n += 1;
        }
    }
    if n > 0 {
        *ctx.dirty += n as u64;
        ctx.propagate_verbatim(argv);
    }
    Frame::Integer(n)
}

/// `UNLINK key [key …]`: DEL (we free synchronously; values are dropped off the hot map).
pub fn unlink(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    del(ctx, argv)
}

/// `EXISTS key [key …]`: counts repeats, as Redis does.
pub fn exists(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let mut n = 0;
    for key in &argv[1..] {
        if lookup_read(ctx, key).is_some() {
            n += 1;
        }
    }
    Frame::Integer(n)
}

/// `TOUCH key [key …]`: counts existing keys.
pub fn touch(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    exists(ctx, argv)
}

/// TYPE key
pub fn type_(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let name = lookup_read(ctx, &argv[1]).map_or("none", Value::type_name);
    Frame::Simple(name.into())
}

#[derive(Clone, Copy)]
enum Unit {
    Seconds,
    Millis,
}

fn expire_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], absolute: bool, unit: Unit) -> Frame {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &argv[3..] {
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if is(opt, "gt") {
            gt = true;
        } else if is(opt, "lt") {
            lt = true;
        } else {
            return Frame::error(format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(opt)
            ));
        }
    }
    if nx && (xx || gt || lt) {
        return Frame::error("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return Frame::error("ERR GT and LT options at the same time are not compatible");
    }
    let Some(mut when) = parse_i64(&argv[2]) else {
        return not_int();
    };
    let bad_time = || Frame::error(format!("ERR invalid expire time in '{name}' command"));
    if let Unit::Seconds = unit {
        match when.checked_mul(1000) {
            Some(ms) => when = ms,
            None => return bad_time(),
        }
    }
    let base = if absolute { 0 } else { ctx.now_ms as i64 };
    match when.checked_add(base) {
        Some(w) => when = w,
        None => return bad_time(),
    }
    let key = &argv[1];
    prepare_write(ctx, key);
    if !ctx.db.contains(key) {
        return Frame::Integer(0);
    }
    let current = ctx.db.expire_at(key);
    if nx && current.is_some() {
        return Frame::Integer(0);
    }
    if xx && current.is_none() {
        return Frame::Integer(0);
    }
    if gt && current.is_none_or(|c| when <= c as i64) {
        return Frame::Integer(0);
    }
    if lt && current.is_some_and(|c| when >= c as i64) {
        return Frame::Integer(0);
    }
    *ctx.dirty += 1;
    if ctx.is_master && when <= ctx.now_ms as i64 {
        ctx.db.remove(key);
        ctx.propagate
            .push(vec![Bytes::from_static(b"DEL"), key.clone()]);
    } else {
        ctx.db.set_expire(key, Some(when.max(0) as u64));
        let mut out = argv.to_vec();
        out[0] = Bytes::from_static(b"PEXPIREAT");
        out[2] = Bytes::from(when.to_string());
        ctx.propagate.push(out);
    }
    Frame::Integer(1)
}

/// `EXPIRE key seconds [NX|XX|GT|LT]`
pub fn expire(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, false, Unit::Seconds)
}
/// `PEXPIRE key ms [NX|XX|GT|LT]`
pub fn pexpire(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, false, Unit::Millis)
}
/// `EXPIREAT key unix-seconds [NX|XX|GT|LT]`
pub fn expireat(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, true, Unit::Seconds)
}
/// `PEXPIREAT key unix-ms [NX|XX|GT|LT]`
pub fn pexpireat(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, true, Unit::Millis)
}

fn ttl_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], ms: bool, absolute: bool) -> Frame {
    let key = &argv[1];
    if lookup_read(ctx, key).is_none() {
        return Frame::Integer(-2);
    }
    let Some(at) = ctx.db.expire_at(key) else {
        return Frame::Integer(-1);
    };
    let at = at as i64;
    let t = if absolute { at } else { at - ctx.now_ms as i64 }.max(0);
    Frame::Integer(if ms { t } else { t.saturating_add(500) / 1000 })
}

/// TTL key
pub fn ttl(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, argv, false, false)
}
/// PTTL key
pub fn pttl(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, argv, true, false)
}
/// EXPIRETIME key
pub fn expiretime(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, argv, false, true)
}
/// PEXPIRETIME key
pub fn pexpiretime(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, argv, true, true)
}

/// PERSIST key
pub fn persist(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    prepare_write(ctx, key);
    if ctx.db.expire_at(key).is_some() {
        ctx.db.set_expire(key, None);
        *ctx.dirty += 1;
        ctx.propagate_verbatim(argv);
        Frame::Integer(1)
    } else {
        Frame::Integer(0)
    }
}

/// KEYS pattern: expired keys are skipped (not deleted), as Redis 7.0 does.
pub fn keys(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let pat = &argv[1];
    let all = pat.as_ref() == b"*";
    let now = ctx.now_ms;
    let out: Vec<Frame> = ctx
        .db
        .iter()
        .filter(|(k, e)| e.expire_at_ms.is_none_or(|t| t > now) && (all || glob_match(pat, k)))
        .map(|(k, _)| Frame::Bulk(k.clone()))
        .collect();
    Frame::Array(out)
}

/// Options of the SCAN family.
pub(crate) struct ScanOpts {
    pub count: usize,
    pub pattern: Option<Bytes>,
    pub type_name: Option<Bytes>,
}

/// Parse a SCAN cursor as Redis does (an unsigned 64-bit decimal).
pub(crate) fn parse_cursor(b: &[u8]) -> Result<u64, Frame> {
    std::str::from_utf8(b)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| Frame::error("ERR invalid cursor"))
}

/// Parse `[MATCH p] [COUNT n] [TYPE t]` from `argv[from..]`; TYPE only when `allow_type`.
pub(crate) fn parse_scan_opts(
    argv: &[Bytes],
    from: usize,
    allow_type: bool,
) -> Result<ScanOpts, Frame> {
    let mut o = ScanOpts {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = from;
    while i < argv.len() {
        let has_arg = i + 1 < argv.len();
        if is(&argv[i], "count") && has_arg {
            let n = int_arg(&argv[i + 1])?;
            if n < 1 {
                return Err(syntax());
            }
            // Bounded: a huge COUNT would only make one step longer.
            o.count = n.min(1 << 20) as usize;
        } else if is(&argv[i], "match") && has_arg {
            let p = argv[i + 1].clone();
            o.pattern = if p.as_ref() == b"*" { None } else { Some(p) };
        } else if allow_type && is(&argv[i], "type") && has_arg {
            o.type_name = Some(argv[i + 1].clone());
        } else {
            return Err(syntax());
        }
        i += 2;
    }
    Ok(o)
}

/// The `[cursor, [items…]]` reply of the SCAN family.
pub(crate) fn scan_reply(cursor: u64, items: Vec<Frame>) -> Frame {
    Frame::Array(vec![
        Frame::Bulk(Bytes::from(cursor.to_string())),
        Frame::Array(items),
    ])
}

/// SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]. See `store::db` for the guarantee.
pub fn scan(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let cursor = match parse_cursor(&argv[1]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let opts = match parse_scan_opts(argv, 2, true) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let (next, keys) = ctx.db.scan(cursor, opts.count);
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        if let Some(p) = &opts.pattern
            && !glob_match(p, &k)
        {
            continue;
        }
        if expire_if_needed(ctx, &k) {
            continue;
        }
        if let Some(t) = &opts.type_name {
            let ty = ctx.db.get(&k).map(|e| e.value.type_name());
            if !ty.is_some_and(|ty| t.eq_ignore_ascii_case(ty.as_bytes())) {
                continue;
            }
        }
        out.push(Frame::Bulk(k));
    }
    scan_reply(next, out)
}

fn rename_generic(ctx: &mut ExecCtx<'_>, argv: &[Bytes], nx: bool) -> Frame {
    let (src, dst) = (&argv[1], &argv[2]);
    prepare_write(ctx, src);
    if !ctx.db.contains(src) {
        return Frame::error("ERR no such key");
    }
    if src == dst {
        return if nx { Frame::Integer(0) } else { Frame::ok() };
    }
    prepare_write(ctx, dst);
    if nx && ctx.db.contains(dst) {
        return Frame::Integer(0);
    }
    let Some(entry) = ctx.db.remove(src) else {
        return Frame::error("ERR no such key");
    };
    ctx.db.remove(dst);
    ctx.db.set(dst.clone(), entry.value, entry.expire_at_ms);
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    if nx { Frame::Integer(1) } else { Frame::ok() }
}

/// RENAME key newkey
pub fn rename(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    rename_generic(ctx, argv, false)
}
/// RENAMENX key newkey
pub fn renamenx(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    rename_generic(ctx, argv, true)
}

/// RANDOMKEY: a master reclaims expired keys it draws; a replica gives up after 100 draws of
/// expired keys and returns one, as Redis does (to avoid looping when every key is stale).
pub fn randomkey(ctx: &mut ExecCtx<'_>, _argv: &[Bytes]) -> Frame {
    for _ in 0..100 {
        let Some(k) = ctx.db.random_key() else {
            return Frame::Null;
        };
        if !expire_if_needed(ctx, &k) {
            return Frame::Bulk(k);
        }
        if !ctx.is_master {
            continue;
        }
    }
    match ctx.db.random_key() {
        Some(k) if !ctx.is_master || !ctx.db.is_expired(&k, ctx.now_ms) => Frame::Bulk(k),
        _ => Frame::Null,
    }
}

/// DBSIZE (counts keys past expiry not yet reclaimed, as Redis does).
pub fn dbsize(ctx: &mut ExecCtx<'_>, _argv: &[Bytes]) -> Frame {
    Frame::Integer(ctx.db.len() as i64)
}

fn flush(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match argv.len() {
        1 => {}
        2 if is(&argv[1], "sync") || is(&argv[1], "async") => {}
        _ => return syntax(),
    }
    *ctx.dirty += ctx.db.len() as u64 + 1;
    ctx.db.clear();
    ctx.propagate_verbatim(argv);
    Frame::ok()
}

/// `FLUSHDB [ASYNC|SYNC]`: always propagated, as Redis forces it.
pub fn flushdb(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    flush(ctx, argv)
}
/// `FLUSHALL [ASYNC|SYNC]` (one database: the same as FLUSHDB).
pub fn flushall(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    flush(ctx, argv)
}

/// `COPY source destination [DB 0] [REPLACE]`
pub fn copy(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let (src, dst) = (&argv[1], &argv[2]);
    let mut replace = false;
    let mut i = 3;
    while i < argv.len() {
        if is(&argv[i], "replace") {
            replace = true;
            i += 1;
        } else if is(&argv[i], "db") && i + 1 < argv.len() {
            match parse_i64(&argv[i + 1]) {
                Some(0) => {}
                Some(_) => return Frame::error("ERR DB index is out of range"),
                None => return not_int(),
            }
            i += 2;
        } else {
            return syntax();
        }
    }
    if src == dst {
        return Frame::error("ERR source and destination objects are the same");
    }
    prepare_write(ctx, src);
    let Some(entry) = ctx.db.get(src).cloned() else {
        return Frame::Integer(0);
    };
    prepare_write(ctx, dst);
    if ctx.db.contains(dst) {
        if !replace {
            return Frame::Integer(0);
        }
        ctx.db.remove(dst);
    }
    ctx.db.set(dst.clone(), entry.value, entry.expire_at_ms);
    *ctx.dirty += 1;
    ctx.propagate_verbatim(argv);
    Frame::Integer(1)
}

/// The encoding Redis 7.0 would report for a value of this shape.
pub fn encoding_of(v: &Value) -> &'static str {
    match v {
        Value::Str(s) => {
            if s.len() <= 20 && parse_i64(s).is_some() {
                "int"
            } else if s.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
        // Redis 7.0 keeps every list in a quicklist (listpack lists came in 7.2).
        Value::List(_) => "quicklist",
        Value::Hash(h) => {
            if h.len() <= 128 && h.iter().all(|(f, v)| f.len() <= 64 && v.len() <= 64) {
                "listpack"
            } else {
                "hashtable"
            }
        }
        Value::Set(s) => {
            if s.len() <= 512 && s.iter().all(|m| parse_i64(m).is_some()) {
                "intset"
            } else {
                "hashtable"
            }
        }
        Value::ZSet(z) => {
            if z.len() <= 128 && z.iter().all(|(m, _)| m.len() <= 64) {
                "listpack"
            } else {
                "skiplist"
            }
        }
        Value::Stream(_) => "stream",
    }
}

/// OBJECT ENCODING|REFCOUNT|IDLETIME|HELP key
pub fn object(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
    if sub == "help" {
        return Frame::Array(
            [
                "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
                "HELP",
                "    Print this help.",
            ]
            .iter()
            .map(|s| Frame::Simple(std::borrow::Cow::Borrowed(*s)))
            .collect(),
        );
    }
    if !matches!(sub.as_str(), "encoding" | "refcount" | "idletime" | "freq") {
        return Frame::error(format!(
            "ERR unknown subcommand '{}'. Try OBJECT HELP.",
            String::from_utf8_lossy(&argv[1])
        ));
    }
    if argv.len() != 3 {
        return Frame::error(format!(
            "ERR wrong number of arguments for 'object|{sub}' command"
        ));
    }
    let Some(v) = lookup_read(ctx, &argv[2]) else {
        return Frame::Null;
    };
    match sub.as_str() {
        "encoding" => Frame::Bulk(Bytes::from_static(encoding_of(v).as_bytes())),
        "refcount" => Frame::Integer(1),
        "idletime" => Frame::Integer(0),
        _ => Frame::error(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::data::testkit::*;

    #[test]
    fn del_exists_type_and_propagation() {
        let mut h = H::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["RPUSH", "l", "x"]);
        h.prop();
        assert_eq!(h.run(&["EXISTS", "a", "a", "nope"]), i(2));
        assert_eq!(h.run(&["TYPE", "l"]), super::Frame::Simple("list".into()));
        assert_eq!(h.run(&["TYPE", "zz"]), super::Frame::Simple("none".into()));
        assert_eq!(h.run(&["DEL", "nope"]), i(0));
        assert!(
            h.prop().is_empty(),
            "a DEL that removed nothing is not propagated"
        );
        assert_eq!(h.run(&["DEL", "a", "l", "nope"]), i(2));
        assert_eq!(h.prop(), vec!["DEL a l nope"]);
        assert_eq!(h.run(&["DBSIZE"]), i(0));
    }

    #[test]
    fn expire_family_replies_and_propagates_absolute_times() {
        let mut h = H::new();
        let now = h.now_ms;
        h.run(&["SET", "k", "v"]);
        h.prop();
        assert_eq!(h.run(&["TTL", "k"]), i(-1));
        assert_eq!(h.run(&["TTL", "missing"]), i(-2));
        assert_eq!(h.run(&["EXPIRE", "missing", "10"]), i(0));
        assert_eq!(h.run(&["EXPIRE", "k", "10"]), i(1));
        assert_eq!(h.prop(), vec![format!("PEXPIREAT k {}", now + 10_000)]);
        assert_eq!(h.run(&["TTL", "k"]), i(10));
        assert_eq!(h.run(&["PTTL", "k"]), i(10_000));
        assert_eq!(
            h.run(&["EXPIRETIME", "k"]),
            i(((now + 10_000 + 500) / 1000) as i64)
        );
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), i((now + 10_000) as i64));
        assert_eq!(h.run(&["EXPIRE", "k", "5", "NX"]), i(0));
        assert_eq!(h.run(&["EXPIRE", "k", "5", "GT"]), i(0));
        assert_eq!(h.run(&["EXPIRE", "k", "50", "gt"]), i(1));
        assert_eq!(h.prop(), vec![format!("PEXPIREAT k {} gt", now + 50_000)]);
        assert_eq!(h.run(&["PEXPIRE", "k", "100", "LT"]), i(1));
        assert_eq!(
            h.run(&["EXPIRE", "k", "5", "NX", "XX"]),
            err("ERR NX and XX, GT or LT options at the same time are not compatible")
        );
        assert_eq!(
            h.run(&["EXPIRE", "k", "5", "GT", "LT"]),
            err("ERR GT and LT options at the same time are not compatible")
        );
        assert_eq!(
            h.run(&["EXPIRE", "k", "5", "FOO"]),
            err("ERR Unsupported option FOO")
        );
        assert_eq!(
            h.run(&["EXPIRE", "k", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert_eq!(
            h.run(&["EXPIRE", "k", "9223372036854775807"]),
            err("ERR invalid expire time in 'expire' command")
        );
        h.prop();
        assert_eq!(h.run(&["PERSIST", "k"]), i(1));
        assert_eq!(h.run(&["PERSIST", "k"]), i(0));
        assert_eq!(h.prop(), vec!["PERSIST k"]);
        // GT against a key without TTL never applies; LT does.
        assert_eq!(h.run(&["EXPIRE", "k", "5", "GT"]), i(0));
        assert_eq!(h.run(&["EXPIRE", "k", "5", "XX"]), i(0));
        // A time in the past deletes and propagates DEL.
        assert_eq!(h.run(&["EXPIRE", "k", "-1"]), i(1));
        assert_eq!(h.prop(), vec!["DEL k"]);
        assert_eq!(h.run(&["EXISTS", "k"]), i(0));
        h.run(&["SET", "k", "v"]);
        h.prop();
        assert_eq!(h.run(&["PEXPIREAT", "k", "1"]), i(1));
        assert_eq!(h.prop(), vec!["DEL k"]);
    }

    #[test]
    fn passive_expiry_on_master_deletes_and_propagates_before_the_command() {
        let mut h = H::new();
        h.run(&["SET", "k", "v", "PX", "100"]);
        h.prop();
        h.now_ms += 100;
        assert_eq!(h.run(&["GET", "k"]), super::Frame::Null);
        assert_eq!(h.prop(), vec!["DEL k"]);
        assert_eq!(h.db.len(), 0);
        assert_eq!(h.db.stats.expired_keys, 1);
        // A write on an expired key: DEL first, then the command.
        h.run(&["SET", "k", "v", "PX", "100"]);
        h.prop();
        h.now_ms += 200;
        assert_eq!(h.run(&["SADD", "k", "m"]), i(1));
        assert_eq!(h.prop(), vec!["DEL k", "SADD k m"]);
    }

    #[test]
    fn passive_expiry_on_replica_hides_but_keeps() {
        let mut h = H::new();
        h.run(&["SET", "k", "v", "PX", "100"]);
        h.prop();
        h.is_master = false;
        h.now_ms += 100;
        assert_eq!(h.run(&["GET", "k"]), super::Frame::Null);
        assert_eq!(h.run(&["EXISTS", "k"]), i(0));
        assert_eq!(h.run(&["TTL", "k"]), i(-2));
        assert!(h.prop().is_empty());
        assert_eq!(h.run(&["DBSIZE"]), i(1));
        assert_eq!(h.run(&["KEYS", "*"]), arr(&[]));
        // The master's DEL arrives.
        assert_eq!(h.run(&["DEL", "k"]), i(1));
        assert_eq!(h.run(&["DBSIZE"]), i(0));
    }

    #[test]
    fn keys_scan_and_randomkey() {
        let mut h = H::new();
        for k in ["user:1", "user:2", "order:1"] {
            h.run(&["SET", k, "x"]);
        }
        h.run(&["SADD", "user:set", "m"]);
        assert_eq!(
            sorted(h.run(&["KEYS", "user:?"])),
            arr(&["user:1", "user:2"])
        );
        let mut seen = Vec::new();
        let mut cursor = "0".to_string();
        loop {
            let r = h.run(&[
                "SCAN", &cursor, "MATCH", "user:*", "COUNT", "1", "TYPE", "string",
            ]);
            let super::Frame::Array(parts) = r else {
                panic!()
            };
            let super::Frame::Bulk(c) = &parts[0] else {
                panic!()
            };
            let super::Frame::Array(ks) = &parts[1] else {
                panic!()
            };
            seen.extend(ks.iter().cloned());
            cursor = String::from_utf8(c.to_vec()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(
            sorted(super::Frame::Array(seen)),
            arr(&["user:1", "user:2"])
        );
        assert_eq!(h.run(&["SCAN", "x"]), err("ERR invalid cursor"));
        assert_eq!(h.run(&["SCAN", "0", "COUNT", "0"]), err("ERR syntax error"));
        assert_eq!(h.run(&["SCAN", "0", "COUNT"]), err("ERR syntax error"));
        assert_eq!(
            h.run(&["SCAN", "0", "COUNT", "x"]),
            err("ERR value is not an integer or out of range")
        );
        assert!(matches!(h.run(&["RANDOMKEY"]), super::Frame::Bulk(_)));
        h.run(&["FLUSHALL"]);
        assert_eq!(h.run(&["RANDOMKEY"]), super::Frame::Null);
        assert_eq!(h.run(&["FLUSHDB", "LAZY"]), err("ERR syntax error"));
    }

    /// Guards the SCAN command's guarantee end to end: every key present for the whole scan
    /// is returned, while other keys are deleted, expired and created between calls.
    #[test]
    fn scan_command_returns_every_stable_key_under_churn() {
        let mut h = H::new();
        for n in 0..500 {
            h.run(&["SET", &format!("stable:{n}"), "x"]);
            h.run(&[
                "SET",
                &format!("churn:{n}"),
                "x",
                "PX",
                &format!("{}", 1 + n % 50),
            ]);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        for step in 0..10_000 {
            let r = h.run(&["SCAN", &cursor, "COUNT", "7"]);
            let super::Frame::Array(parts) = r else {
                panic!()
            };
            let super::Frame::Bulk(c) = &parts[0] else {
                panic!()
            };
            let super::Frame::Array(ks) = &parts[1] else {
                panic!()
            };
            for k in ks {
                if let super::Frame::Bulk(k) = k {
                    seen.insert(k.clone());
                }
            }
            // Time passes (churn keys expire and get reclaimed by SCAN itself), some churn
            // keys are deleted, new keys arrive.
            h.now_ms += 1;
            h.run(&["DEL", &format!("churn:{}", (step * 7) % 500)]);
            h.run(&["SET", &format!("new:{step}"), "y"]);
            cursor = String::from_utf8(c.to_vec()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(cursor, "0", "the scan completes");
        for n in 0..500 {
            let k = format!("stable:{n}");
            assert!(seen.contains(k.as_bytes()), "missed {k}");
        }
    }

    #[test]
    fn versions_change_on_writes_not_reads() {
        let mut h = H::new();
        let v0 = h.db.version(b"k");
        h.run(&["SET", "k", "1"]);
        let v1 = h.db.version(b"k");
        assert_ne!(v0, v1);
        h.run(&["GET", "k"]);
        h.run(&["EXISTS", "k"]);
        assert_eq!(h.db.version(b"k"), v1, "reads leave the version alone");
        h.run(&["INCR", "k"]);
        let v2 = h.db.version(b"k");
        assert_ne!(v1, v2);
        h.run(&["EXPIRE", "k", "1"]);
        let v3 = h.db.version(b"k");
        assert_ne!(v2, v3);
        h.now_ms += 1000;
        h.run(&["GET", "k"]);
        assert_ne!(h.db.version(b"k"), v3, "expiry changes the version");
    }

    #[test]
    fn extreme_expire_times_do_not_overflow() {
        let mut h = H::new();
        h.run(&["SET", "k", "v"]);
        assert_eq!(h.run(&["PEXPIREAT", "k", "9223372036854775807"]), i(1));
        let left = i64::MAX - h.now_ms as i64;
        assert_eq!(h.run(&["TTL", "k"]), i((left + 500) / 1000));
        assert_eq!(h.run(&["EXPIRETIME", "k"]), i(9_223_372_036_854_775));
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), i(i64::MAX));
    }

    /// Aggregates loaded empty (e.g. from a foreign snapshot) must not make random reads panic.
    #[test]
    fn random_reads_on_empty_loaded_aggregates() {
        let mut h = H::new();
        h.db.insert_entry("h".into(), super::Value::Hash(Default::default()), None);
        h.db.insert_entry("s".into(), super::Value::Set(Default::default()), None);
        assert_eq!(h.run(&["HRANDFIELD", "h", "-3"]), arr(&[]));
        assert_eq!(h.run(&["SRANDMEMBER", "s", "-3"]), arr(&[]));
        assert_eq!(h.run(&["SPOP", "s"]), super::Frame::Null);
        assert_eq!(h.run(&["HRANDFIELD", "h"]), super::Frame::Null);
    }

    #[test]
    fn rename_copy_object() {
        let mut h = H::new();
        assert_eq!(h.run(&["RENAME", "a", "b"]), err("ERR no such key"));
        h.run(&["SET", "a", "12", "EX", "100"]);
        h.prop();
        assert_eq!(h.run(&["RENAME", "a", "b"]), ok());
        assert_eq!(h.prop(), vec!["RENAME a b"]);
        assert_eq!(h.run(&["TTL", "b"]), i(100));
        h.run(&["SET", "c", "x"]);
        assert_eq!(h.run(&["RENAMENX", "b", "c"]), i(0));
        assert_eq!(h.run(&["RENAMENX", "b", "b"]), i(0));
        assert_eq!(h.run(&["RENAME", "b", "b"]), ok());
        assert_eq!(h.run(&["COPY", "b", "c"]), i(0));
        assert_eq!(h.run(&["COPY", "b", "c", "REPLACE"]), i(1));
        assert_eq!(h.run(&["GET", "c"]), b("12"));
        assert_eq!(
            h.run(&["COPY", "b", "b"]),
            err("ERR source and destination objects are the same")
        );
        assert_eq!(h.run(&["OBJECT", "ENCODING", "c"]), b("int"));
        h.run(&["SET", "s", "hello"]);
        assert_eq!(h.run(&["OBJECT", "encoding", "s"]), b("embstr"));
        h.run(&["SADD", "is", "1", "2"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "is"]), b("intset"));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "nokey"]), super::Frame::Null);
        assert_eq!(
            h.run(&["OBJECT", "FOO", "nokey"]),
            err("ERR unknown subcommand 'FOO'. Try OBJECT HELP.")
        );
        assert_eq!(h.run(&["TOUCH", "c", "s", "zz"]), i(2));
    }
}
