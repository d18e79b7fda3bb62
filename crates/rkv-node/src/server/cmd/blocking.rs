//! The blocking list and sorted-set commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP,
//! BZPOPMIN, BZPOPMAX, BZMPOP) and their non-blocking relatives LMPOP and ZMPOP.
//!
//! Each command is parsed into an [`Op`]; [`try_serve`] carries it out against the keyspace
//! if any of its keys can serve it, through the family's own non-blocking command (LPOP,
//! LMOVE, ZPOPMIN, …), so what is propagated is that command, as Redis rewrites a served
//! BLPOP into LPOP. The table entries are data commands with the non-blocking behaviour
//! (that is what they do inside MULTI/EXEC and scripts, where Redis never blocks); at the
//! top level the dispatcher routes commands flagged BLOCKING to [`command`], which blocks.
//!
//! Blocking never holds the server: a client that must wait registers a [`Waiter`] under
//! each of its keys (FIFO per key) and its connection awaits a oneshot reply without the
//! lock. Every propagated change signals its keys ([`Blocking::signal_keys_of`], called from
//! `State::propagate`, so pushes from clients, EXEC and the master's stream all count); after
//! each top-level command the connection calls [`serve_ready`], which serves the waiters of
//! each signalled key in the order they blocked, each from that key, as Redis's
//! `handleClientsBlockedOnKeys` does. The registry is keyed by bytes and knows nothing of
//! lists: XREAD BLOCK can register the same way with its own [`Op`] later.

use super::data::{self, is, lookup_read, wrongtype};
use super::{ExecCtx, lists, streams, zsets};
use crate::resp::Frame;
use crate::server::state::{Shared, State, now_ms};
use crate::store::Value;
use bytes::Bytes;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Redis's reply to a client unblocked because the node became a replica.
pub const UNBLOCKED_ROLE: &str =
    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";
/// Redis's reply to CLIENT UNBLOCK … ERROR.
pub const UNBLOCKED_CLIENT: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/// What a blocking command does once one of its keys can serve it.
#[derive(Debug, Clone)]
pub enum Op {
    /// BLPOP / BRPOP: one element from the first non-empty list.
    Pop { keys: Vec<Bytes>, left: bool },
    /// BLMOVE / BRPOPLPUSH.
    Move {
        src: Bytes,
        dst: Bytes,
        from_left: bool,
        to_left: bool,
    },
    /// BLMPOP / LMPOP: up to `count` elements.
    MPop {
        keys: Vec<Bytes>,
        left: bool,
        count: u64,
    },
    /// BZPOPMIN / BZPOPMAX.
    ZPop { keys: Vec<Bytes>, min: bool },
    /// BZMPOP / ZMPOP.
    ZMPop {
        keys: Vec<Bytes>,
        min: bool,
        count: u64,
    },
    /// XREAD / XREADGROUP (served by `streams.rs`).
    XRead(Box<streams::XRead>),
}

impl Op {
    fn keys(&self) -> Vec<Bytes> {
        match self {
            Op::Pop { keys, .. }
            | Op::MPop { keys, .. }
            | Op::ZPop { keys, .. }
            | Op::ZMPop { keys, .. } => keys.clone(),
            Op::Move { src, .. } => vec![src.clone()],
            Op::XRead(x) => x.keys.clone(),
        }
    }

    /// The reply when the wait ends without data (timeout, CLIENT UNBLOCK … TIMEOUT).
    fn timeout_reply(&self) -> Frame {
        match self {
            Op::Move { .. } => Frame::Null,
            _ => Frame::NullArray,
        }
    }
}

/// A parsed blocking command: what to do and how long to wait (None: forever).
#[derive(Debug, Clone)]
pub struct Parsed {
    op: Op,
    timeout: Option<Duration>,
}

fn timeout_arg(b: &[u8]) -> Result<Option<Duration>, Frame> {
    let v = data::parse_f64(b)
        .filter(|v| v.is_finite())
        .ok_or_else(|| Frame::error("ERR timeout is not a float or out of range"))?;
    if v < 0.0 {
        return Err(Frame::error("ERR timeout is negative"));
    }
    // Redis rounds to milliseconds; 0 waits forever.
    let ms = (v * 1000.0).round();
    if ms > 1e15 {
        return Err(Frame::error("ERR timeout is out of range"));
    }
    Ok((ms > 0.0).then(|| Duration::from_millis(ms as u64)))
}

fn side(b: &[u8]) -> Result<bool, Frame> {
    if is(b, "left") {
        Ok(true)
    } else if is(b, "right") {
        Ok(false)
    } else {
        Err(data::syntax())
    }
}

/// `numkeys key… WHERE [COUNT n]` of LMPOP/ZMPOP (starting at `argv[at]`).
fn mpop_args(argv: &[Bytes], at: usize, zset: bool) -> Result<(Vec<Bytes>, bool, u64), Frame> {
    let numkeys = data::parse_i64(&argv[at]).ok_or_else(data::not_int)?;
    if numkeys <= 0 {
        return Err(Frame::error("ERR numkeys should be greater than 0"));
    }
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    let first = at + 1;
    if numkeys > argv.len().saturating_sub(first + 1) {
        return Err(data::syntax());
    }
    let keys = argv[first..first + numkeys].to_vec();
    let mut i = first + numkeys;
    let w = &argv[i];
    let left = if zset {
        if is(w, "min") {
            true
        } else if is(w, "max") {
            false
        } else {
            return Err(data::syntax());
        }
    } else {
        side(w)?
    };
    i += 1;
    let mut count: Option<u64> = None;
    while i < argv.len() {
        if is(&argv[i], "count") && i + 1 < argv.len() && count.is_none() {
            let c = data::parse_i64(&argv[i + 1]).ok_or_else(data::not_int)?;
            if c <= 0 {
                return Err(Frame::error("ERR count should be greater than 0"));
            }
            count = Some(c.unsigned_abs());
            i += 2;
        } else {
            return Err(data::syntax());
        }
    }
    Ok((keys, left, count.unwrap_or(1)))
}

/// Parse a blocking (or LMPOP/ZMPOP) command; the name decides the form.
pub fn parse(argv: &[Bytes]) -> Result<Parsed, Frame> {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let n = argv.len();
    let p = match name.as_str() {
        "blpop" | "brpop" => Parsed {
            timeout: timeout_arg(&argv[n - 1])?,
            op: Op::Pop {
                keys: argv[1..n - 1].to_vec(),
                left: name == "blpop",
            },
        },
        "brpoplpush" => Parsed {
            timeout: timeout_arg(&argv[3])?,
            op: Op::Move {
                src: argv[1].clone(),
                dst: argv[2].clone(),
                from_left: false,
                to_left: true,
            },
        },
        "blmove" => {
            let (from_left, to_left) = (side(&argv[3])?, side(&argv[4])?);
            Parsed {
                timeout: timeout_arg(&argv[5])?,
                op: Op::Move {
                    src: argv[1].clone(),
                    dst: argv[2].clone(),
                    from_left,
                    to_left,
                },
            }
        }
        "bzpopmin" | "bzpopmax" => Parsed {
            timeout: timeout_arg(&argv[n - 1])?,
            op: Op::ZPop {
                keys: argv[1..n - 1].to_vec(),
                min: name == "bzpopmin",
            },
        },
        "blmpop" | "bzmpop" => {
            let timeout = timeout_arg(&argv[1])?;
            let zset = name == "bzmpop";
            let (keys, left, count) = mpop_args(argv, 2, zset)?;
            let op = if zset {
                Op::ZMPop {
                    keys,
                    min: left,
                    count,
                }
            } else {
                Op::MPop { keys, left, count }
            };
            Parsed { op, timeout }
        }
        "lmpop" => {
            let (keys, left, count) = mpop_args(argv, 1, false)?;
            Parsed {
                op: Op::MPop { keys, left, count },
                timeout: None,
            }
        }
        "xread" | "xreadgroup" => {
            let (x, ms) = streams::parse_xread(argv)?;
            Parsed {
                op: Op::XRead(Box::new(x)),
                timeout: ms.filter(|m| *m > 0).map(Duration::from_millis),
            }
        }
        "zmpop" => {
            let (keys, min, count) = mpop_args(argv, 1, true)?;
            Parsed {
                op: Op::ZMPop { keys, min, count },
                timeout: None,
            }
        }
        _ => return Err(data::syntax()),
    };
    Ok(p)
}

fn b(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

/// Pairs `[m, s, m, s]` → `[[m, s], [m, s]]` (ZMPOP's reply shape).
fn pairs(flat: Frame) -> Frame {
    match flat {
        Frame::Array(v) => {
            let mut out = Vec::with_capacity(v.len() / 2);
            let mut it = v.into_iter();
            while let (Some(m), Some(s)) = (it.next(), it.next()) {
                out.push(Frame::Array(vec![m, s]));
            }
            Frame::Array(out)
        }
        other => other,
    }
}

/// Carry `op` out if a key can serve it: `Some(reply)` (an error included), or `None` when
/// every key is missing or empty (the command would block). With `only`, just that key is
/// tried and a key of another type is passed over (a waiter is served from the key that
/// became ready, and a waiter of another type is not woken by it), as Redis does.
pub fn try_serve(ctx: &mut ExecCtx<'_>, op: &Op, only: Option<&Bytes>) -> Option<Frame> {
    if let Op::XRead(x) = op {
        return streams::try_serve_xread(ctx, x, only);
    }
    let want_zset = matches!(op, Op::ZPop { .. } | Op::ZMPop { .. });
    for key in op.keys() {
        if only.is_some_and(|o| *o != key) {
            continue;
        }
        let servable = match lookup_read(ctx, &key) {
            None => false,
            Some(Value::List(l)) if !want_zset => !l.is_empty(),
            Some(Value::ZSet(z)) if want_zset => !z.is_empty(),
            Some(_) if only.is_some() => false,
            Some(_) => return Some(wrongtype()),
        };
        if !servable {
            continue;
        }
        let reply = match op {
            Op::Pop { left, .. } => {
                let cmd = if *left { b(b"LPOP") } else { b(b"RPOP") };
                let v = if *left {
                    lists::lpop(ctx, &[cmd, key.clone()])
                } else {
                    lists::rpop(ctx, &[cmd, key.clone()])
                };
                Frame::Array(vec![Frame::Bulk(key), v])
            }
            Op::Move {
                src,
                dst,
                from_left,
                to_left,
            } => {
                let w = |l: bool| if l { b(b"LEFT") } else { b(b"RIGHT") };
                lists::lmove(
                    ctx,
                    &[
                        b(b"LMOVE"),
                        src.clone(),
                        dst.clone(),
                        w(*from_left),
                        w(*to_left),
                    ],
                )
            }
            Op::MPop { left, count, .. } => {
                let c = Bytes::from(count.to_string());
                let v = if *left {
                    lists::lpop(ctx, &[b(b"LPOP"), key.clone(), c])
                } else {
                    lists::rpop(ctx, &[b(b"RPOP"), key.clone(), c])
                };
                Frame::Array(vec![Frame::Bulk(key), v])
            }
            Op::ZPop { min, .. } => {
                let v = if *min {
                    zsets::zpopmin(ctx, &[b(b"ZPOPMIN"), key.clone()])
                } else {
                    zsets::zpopmax(ctx, &[b(b"ZPOPMAX"), key.clone()])
                };
                let mut out = vec![Frame::Bulk(key)];
                if let Frame::Array(v) = v {
                    out.extend(v);
                }
                Frame::Array(out)
            }
            Op::ZMPop { min, count, .. } => {
                let c = Bytes::from(count.to_string());
                let v = if *min {
                    zsets::zpopmin(ctx, &[b(b"ZPOPMIN"), key.clone(), c])
                } else {
                    zsets::zpopmax(ctx, &[b(b"ZPOPMAX"), key.clone(), c])
                };
                Frame::Array(vec![Frame::Bulk(key), pairs(v)])
            }
            // Served above, before the per-key loop.
            Op::XRead(_) => return None,
        };
        return Some(reply);
    }
    None
}

/// The table's handler for every command of this module: the non-blocking behaviour (what
/// Redis does inside MULTI/EXEC and scripts, and what LMPOP/ZMPOP always do).
pub fn nonblocking(ctx: &mut ExecCtx<'_>, argv: &[Bytes]) -> Frame {
    match parse(argv) {
        Err(e) => e,
        Ok(p) => try_serve(ctx, &p.op, None).unwrap_or_else(|| p.op.timeout_reply()),
    }
}

/// One blocked client.
#[derive(Debug)]
pub struct Waiter {
    op: Op,
    tx: oneshot::Sender<Frame>,
}

/// The blocked clients: who waits on which key (FIFO), and which keys changed since the
/// last [`serve_ready`].
#[derive(Debug, Default)]
pub struct Blocking {
    by_key: HashMap<Bytes, VecDeque<u64>>,
    waiters: HashMap<u64, Waiter>,
    ready: VecDeque<Bytes>,
    ready_set: HashSet<Bytes>,
}

impl Blocking {
    /// No client is blocked.
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// INFO `blocked_clients`.
    pub fn count(&self) -> usize {
        self.waiters.len()
    }

    /// True when `id` is blocked here.
    pub fn is_blocked(&self, id: u64) -> bool {
        self.waiters.contains_key(&id)
    }

    /// Note that the keys of a propagated command may now serve a waiter.
    pub fn signal_keys_of(&mut self, argv: &[Bytes]) {
        if self.waiters.is_empty() {
            return;
        }
        let Some(spec) = argv.first().and_then(|n| super::lookup(n)) else {
            return;
        };
        // A flush touches every key: XREADGROUP waiters must learn their stream is gone.
        if matches!(spec.name, "flushall" | "flushdb") {
            let keys: Vec<Bytes> = self.by_key.keys().cloned().collect();
            for k in keys {
                if self.ready_set.insert(k.clone()) {
                    self.ready.push_back(k);
                }
            }
            return;
        }
        for i in spec.key_positions(argv.len()) {
            if let Some(k) = argv.get(i)
                && self.by_key.contains_key(k)
                && self.ready_set.insert(k.clone())
            {
                self.ready.push_back(k.clone());
            }
        }
    }

    fn add(&mut self, id: u64, op: Op, tx: oneshot::Sender<Frame>) {
        for k in op.keys() {
            self.by_key.entry(k).or_default().push_back(id);
        }
        self.waiters.insert(id, Waiter { op, tx });
    }

    /// Take client `id` out of the registry (served, timed out, unblocked, disconnected).
    pub fn remove(&mut self, id: u64) -> Option<Waiter> {
        let w = self.waiters.remove(&id)?;
        for k in w.op.keys() {
            if let Some(q) = self.by_key.get_mut(&k) {
                q.retain(|c| *c != id);
                if q.is_empty() {
                    self.by_key.remove(&k);
                }
            }
        }
        Some(w)
    }

    /// CLIENT UNBLOCK: end `id`'s wait with its timeout reply or the UNBLOCKED error.
    /// True when the client was blocked here.
    pub fn unblock(&mut self, id: u64, with_error: bool) -> bool {
        match self.remove(id) {
            None => false,
            Some(w) => {
                let reply = if with_error {
                    Frame::error(UNBLOCKED_CLIENT)
                } else {
                    w.op.timeout_reply()
                };
                let _ = w.tx.send(reply);
                true
            }
        }
    }

    /// The node became a replica: every blocked client gets Redis's UNBLOCKED error.
    pub fn unblock_all_for_role_change(&mut self) {
        let ids: Vec<u64> = self.waiters.keys().copied().collect();
        for id in ids {
            if let Some(w) = self.remove(id) {
                let _ = w.tx.send(Frame::error(UNBLOCKED_ROLE));
            }
        }
    }
}

/// Run `f` as a data command runs: an [`ExecCtx`] over the state, then propagation.
fn with_ctx<R>(state: &mut State, f: impl FnOnce(&mut ExecCtx<'_>) -> R) -> R {
    let is_master = state.expires_keys() && !state.repl.is_replica();
    let mut ctx = ExecCtx {
        db: &mut state.db,
        now_ms: now_ms(),
        propagate: &mut state.scratch,
        dirty: &mut state.dirty,
        is_master,
        record: true,
    };
    let r = f(&mut ctx);
    if !state.scratch.is_empty() {
        let cmds = std::mem::take(&mut state.scratch);
        state.propagate(cmds);
    }
    r
}

/// Serve the waiters of every key signalled since the last call, in the order the keys were
/// signalled and, per key, in the order the clients blocked. A served command's own writes
/// (BLMOVE's push) signal further keys, served in the same call.
pub fn serve_ready(state: &mut State) {
    while let Some(key) = state.blocking.ready.pop_front() {
        state.blocking.ready_set.remove(&key);
        let queue: Vec<u64> = state
            .blocking
            .by_key
            .get(&key)
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default();
        for id in queue {
            let Some(op) = state.blocking.waiters.get(&id).map(|w| w.op.clone()) else {
                continue;
            };
            let served = with_ctx(state, |ctx| try_serve(ctx, &op, Some(&key)));
            match served {
                Some(reply) => {
                    if let Some(w) = state.blocking.remove(id) {
                        let _ = w.tx.send(reply);
                    }
                }
                // Empty (or now another type): later waiters cannot be served from it either
                // unless they want another type, so go on checking rather than stop.
                None => continue,
            }
        }
    }
}

/// A blocking command at the top level: served now if it can be, else the client waits.
pub fn command(
    shared: &Arc<Shared>,
    state: &mut State,
    client_id: u64,
    argv: &[Bytes],
) -> crate::server::client::Outcome {
    use crate::server::client::Outcome;
    let mut p = match parse(argv) {
        Ok(p) => p,
        Err(e) => return Outcome::Reply(e),
    };
    let served = with_ctx(state, |ctx| {
        if let Op::XRead(x) = &mut p.op {
            streams::resolve_dollar(ctx, x);
        }
        try_serve(ctx, &p.op, None)
    });
    // XREAD/XREADGROUP answer a RESP3 client with a map of key → entries.
    let resp3 =
        matches!(p.op, Op::XRead(_)) && state.clients.get(&client_id).is_some_and(|e| e.resp == 3);
    let shape = move |f: Frame| {
        if resp3 { streams::resp3_reply(f) } else { f }
    };
    if let Some(reply) = served {
        return Outcome::Reply(shape(reply));
    }
    // XREAD/XREADGROUP without BLOCK answer at once.
    if let Op::XRead(x) = &p.op
        && !x.block
    {
        return Outcome::Reply(Frame::NullArray);
    }
    let timeout_reply = p.op.timeout_reply();
    let (tx, rx) = oneshot::channel();
    state.blocking.add(client_id, p.op, tx);
    let shared = Arc::clone(shared);
    let timeout = p.timeout;
    Outcome::Block(Box::pin(async move {
        // The guard takes the client out of the registry if the connection drops the wait
        // (it was killed or the server is stopping), so no waiter outlives its client.
        struct Forget(Arc<Shared>, u64, bool);
        impl Drop for Forget {
            fn drop(&mut self) {
                if !self.2 {
                    self.0.lock().blocking.remove(self.1);
                }
            }
        }
        let mut guard = Forget(Arc::clone(&shared), client_id, false);
        let mut rx = rx;
        let reply = match timeout {
            None => (&mut rx).await.ok(),
            Some(d) => match tokio::time::timeout(d, &mut rx).await {
                Ok(r) => r.ok(),
                Err(_) => {
                    // Timed out: leave the registry, unless a reply was sent meanwhile.
                    let mut st = shared.lock();
                    if st.blocking.remove(client_id).is_some() {
                        None
                    } else {
                        drop(st);
                        rx.try_recv().ok()
                    }
                }
            },
        };
        guard.2 = true;
        reply.map(shape).unwrap_or(timeout_reply)
    }))
}
