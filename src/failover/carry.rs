//! Reading a diverged old master's writes from its backlog, and replaying them on the new
//! master: the I/O half of [`super::diverge`].
//!
//! The read is what a replica does (replication.c `masterTryPartialResynchronization`): a
//! connection that sends `PSYNC <old replid> <fork + 1>` gets `+CONTINUE` and the backlog from
//! that offset, as long as the offset lies inside the backlog. Outside it the master answers
//! `+FULLRESYNC` and starts a snapshot, so the backlog bounds are checked first (from INFO) and
//! a `+FULLRESYNC` closes the connection at once. We read exactly up to the
//! `master_repl_offset` INFO showed, then close.
//!
//! While connected the reader is a replica of the old master: Redis counts it as a good
//! replica for `min-replicas-to-write` for up to `min-replicas-max-lag` seconds (it sets
//! `repl_ack_time` on accepting the PSYNC). A fence of 1000000 does not notice one more, but a
//! master that refuses writes for want of exactly one replica would take writes while we
//! read: that read is refused ([`CarryError::WouldOpenFence`]).

use super::diverge::{self, Divergent, StreamCommand, StreamError, Verdict};
use super::execute::Nodes;
use crate::node::client::open_stream;
use crate::node::{Credentials, NodeAddr, NodeClient, NodeError, ReplicationInfo, Role, Transport};
use crate::topology::model::Snapshot;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Why the divergent writes could not be read or replayed.
#[derive(Debug, thiserror::Error)]
pub enum CarryError {
    /// Connecting or a command failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The node is no longer a master on the history that diverged.
    #[error(
        "{node} is no longer a master on history {replid} (it reports role {role}, replid {now})"
    )]
    HistoryMoved {
        /// The old master.
        node: NodeAddr,
        /// The history expected.
        replid: String,
        /// Its role now.
        role: String,
        /// Its replid now.
        now: String,
    },
    /// The backlog no longer holds the divergent bytes.
    #[error(
        "{node}'s backlog holds offsets {first}..={last}, not {want}..={to}: the divergent writes can no longer be read (a larger repl-backlog-size keeps them longer)"
    )]
    NotInBacklog {
        /// The old master.
        node: NodeAddr,
        /// First offset wanted.
        want: i64,
        /// Last offset wanted.
        to: i64,
        /// The backlog's first byte.
        first: i64,
        /// The backlog's last byte.
        last: i64,
    },
    /// Reading as a replica would let writes through a min-replicas-to-write setting.
    #[error(
        "{node} refuses writes for want of {need} good replica(s) (it has {good}): reading its backlog as a replica would count as one and let writes through"
    )]
    WouldOpenFence {
        /// The old master.
        node: NodeAddr,
        /// min-replicas-to-write.
        need: i64,
        /// Good replicas now.
        good: i64,
    },
    /// The master did not answer PSYNC with +CONTINUE.
    #[error("{node} answered PSYNC {replid} {offset} with {reply:?}")]
    Psync {
        /// The old master.
        node: NodeAddr,
        /// The replid asked for.
        replid: String,
        /// The offset asked for.
        offset: i64,
        /// Its answer.
        reply: String,
    },
    /// The socket failed or timed out.
    #[error("reading the replication stream of {node}: {reason}")]
    Io {
        /// The old master.
        node: NodeAddr,
        /// What happened.
        reason: String,
    },
    /// The bytes are not a stream of commands on the expected boundaries.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// More bytes past the fork than rkv reads.
    #[error("{node} holds {bytes} bytes past the fork, more than rkv reads ({max} bytes)")]
    TooLarge {
        /// The old master.
        node: NodeAddr,
        /// Bytes past the fork.
        bytes: i64,
        /// [`MAX_DIVERGENT_BYTES`].
        max: i64,
    },
    /// A command's database is unknown (no SELECT before it in the backlog).
    #[error(
        "the database of {0} divergent command(s) cannot be read from the backlog (no SELECT before them): not replayed"
    )]
    UnknownDatabase(usize),
    /// The new master refused the replay.
    #[error("replaying on {node} failed, nothing was applied: {reason}")]
    Replay {
        /// The new master.
        node: NodeAddr,
        /// Its error.
        reason: String,
    },
}

/// Most bytes past the fork rkv reads into memory (a stale master with more is reported by
/// its byte count only; its writes are neither shown nor carried over).
pub const MAX_DIVERGENT_BYTES: i64 = 64 * 1024 * 1024;

/// What [`inspect`] read.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The old master's offset the read ran to.
    pub to_offset: i64,
    /// What lies past the fork.
    pub divergent: Divergent,
}

/// How to reach a node.
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    /// Direct or through SSH.
    pub transport: &'a Transport,
    /// AUTH and TLS.
    pub creds: &'a Credentials,
    /// Connect and per-read timeout.
    pub timeout: Duration,
}

fn field(text: &str, key: &str) -> Option<i64> {
    text.lines().find_map(|l| {
        l.trim_end()
            .strip_prefix(key)
            .and_then(|r| r.strip_prefix(':'))
            .and_then(|v| v.parse().ok())
    })
}

/// Read the old master `node`'s stream past `fork` on history `replid`, up to its offset now.
pub async fn inspect(
    reach: Reach<'_>,
    node: &NodeAddr,
    replid: &str,
    fork: i64,
) -> Result<Inspection, CarryError> {
    let mut c = NodeClient::open(reach.transport, node, reach.creds, reach.timeout).await?;
    let text = c.info("replication").await?;
    let info = ReplicationInfo::parse(&text);
    if info.role != Role::Master || info.replid() != Some(replid) {
        return Err(CarryError::HistoryMoved {
            node: node.clone(),
            replid: replid.to_string(),
            role: info.role.as_str().to_string(),
            now: info.replid().unwrap_or("?").to_string(),
        });
    }
    let to = info.master_repl_offset.unwrap_or(0);
    if to <= fork {
        return Ok(Inspection {
            to_offset: to,
            divergent: Divergent::default(),
        });
    }
    if to - fork > MAX_DIVERGENT_BYTES {
        return Err(CarryError::TooLarge {
            node: node.clone(),
            bytes: to - fork,
            max: MAX_DIVERGENT_BYTES,
        });
    }
    // INFO shows `min_slaves_good_slaves` only while min-replicas-to-write is on.
    if let Some(good) = field(&text, "min_slaves_good_slaves") {
        let need: Option<i64> = c
            .query::<Vec<String>>(
                redis::cmd("CONFIG").arg("GET").arg("min-replicas-to-write"),
                "CONFIG",
            )
            .await
            .ok()
            .and_then(|v| v.get(1).and_then(|n| n.parse().ok()));
        match need {
            Some(need) if good >= need || good + 1 < need => {}
            Some(need) => {
                return Err(CarryError::WouldOpenFence {
                    node: node.clone(),
                    need,
                    good,
                });
            }
            // Cannot tell how many it needs: do not risk it.
            None => {
                return Err(CarryError::WouldOpenFence {
                    node: node.clone(),
                    need: good + 1,
                    good,
                });
            }
        }
    }
    drop(c);
    let first = info.repl_backlog_first_byte_offset.unwrap_or(0);
    let hist = info.repl_backlog_histlen.unwrap_or(0);
    let last = first + hist - 1;
    if info.repl_backlog_active != Some(true) || first > fork + 1 || last < to {
        return Err(CarryError::NotInBacklog {
            node: node.clone(),
            want: fork + 1,
            to,
            first,
            last,
        });
    }
    let bytes = psync_read(reach, node, replid, fork + 1, to).await?;
    let mut divergent = diverge::classify(&bytes, fork + 1, fork)?;
    if !divergent.dbs_known() && first < fork + 1 && to - first < MAX_DIVERGENT_BYTES {
        // The stream does not repeat SELECT after the fork: find the one in force there by
        // reading from the backlog's start. That start may fall inside a command (the backlog
        // is trimmed by size), and then it does not parse: the databases stay unknown.
        if let Ok(all) = psync_read(reach, node, replid, first, to).await
            && let Ok(d) = diverge::classify(&all, first, fork)
        {
            divergent = d;
        }
    }
    Ok(Inspection {
        to_offset: to,
        divergent,
    })
}

fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend(format!("${}\r\n", a.len()).bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Read one `\r\n`-terminated line into `line`, keeping what follows it in `buf`.
async fn read_line(
    io: &mut dyn crate::node::client::NodeIo,
    buf: &mut Vec<u8>,
    timeout: Duration,
) -> Result<String, String> {
    loop {
        if let Some(p) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&buf[..p]).to_string();
            buf.drain(..p + 2);
            return Ok(line);
        }
        if buf.len() > 64 * 1024 {
            return Err("reply line too long".into());
        }
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(timeout, io.read(&mut chunk))
            .await
            .map_err(|_| format!("no reply within {timeout:?}"))?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// `PSYNC replid from` as a replica would, then the stream's bytes `from..=to`.
pub async fn psync_read(
    reach: Reach<'_>,
    node: &NodeAddr,
    replid: &str,
    from: i64,
    to: i64,
) -> Result<Vec<u8>, CarryError> {
    let io_err = |reason: String| CarryError::Io {
        node: node.clone(),
        reason: reach.creds.scrub(&reason),
    };
    let sock = reach.transport.endpoint(node, reach.timeout).await?;
    let mut io = open_stream(sock, reach.creds, reach.timeout).await?;
    let mut buf = Vec::new();
    if let Some(p) = &reach.creds.password {
        let mut args: Vec<&[u8]> = vec![b"AUTH"];
        if let Some(u) = &reach.creds.user {
            args.push(u.as_bytes());
        }
        args.push(p.expose().as_bytes());
        io.write_all(&resp(&args))
            .await
            .map_err(|e| io_err(e.to_string()))?;
        let line = read_line(io.as_mut(), &mut buf, reach.timeout)
            .await
            .map_err(io_err)?;
        if !line.starts_with('+') {
            return Err(NodeError::Auth(format!("{node}: {}", reach.creds.scrub(&line))).into());
        }
    }
    // `capa psync2` makes the answer `+CONTINUE <replid>`; an old server may refuse REPLCONF
    // capa, which changes nothing.
    io.write_all(&resp(&[b"REPLCONF", b"capa", b"psync2"]))
        .await
        .map_err(|e| io_err(e.to_string()))?;
    read_line(io.as_mut(), &mut buf, reach.timeout)
        .await
        .map_err(io_err)?;
    let off = from.to_string();
    io.write_all(&resp(&[b"PSYNC", replid.as_bytes(), off.as_bytes()]))
        .await
        .map_err(|e| io_err(e.to_string()))?;
    let line = read_line(io.as_mut(), &mut buf, reach.timeout)
        .await
        .map_err(io_err)?;
    if !(line == "+CONTINUE" || line.starts_with("+CONTINUE ")) {
        // A +FULLRESYNC would be followed by a snapshot: hang up now.
        drop(io);
        return Err(CarryError::Psync {
            node: node.clone(),
            replid: replid.to_string(),
            offset: from,
            reply: line,
        });
    }
    let want = usize::try_from(to - from + 1).unwrap_or(0);
    while buf.len() < want {
        let mut chunk = vec![0u8; (want - buf.len()).min(64 * 1024)];
        let n = tokio::time::timeout(reach.timeout, io.read(&mut chunk))
            .await
            .map_err(|_| {
                io_err(format!(
                    "{} of {want} bytes after {:?}",
                    buf.len(),
                    reach.timeout
                ))
            })?
            .map_err(|e| io_err(e.to_string()))?;
        if n == 0 {
            return Err(io_err(format!(
                "connection closed after {} of {want} bytes",
                buf.len()
            )));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.truncate(want);
    Ok(buf)
}

/// Replay `writes` on `node` in one MULTI/EXEC (SELECT where the database changes): all or
/// nothing. Returns how many commands were applied.
pub async fn replay(
    reach: Reach<'_>,
    node: &NodeAddr,
    writes: &[StreamCommand],
) -> Result<usize, CarryError> {
    let unknown = writes.iter().filter(|c| c.db.is_none()).count();
    if unknown > 0 {
        return Err(CarryError::UnknownDatabase(unknown));
    }
    if writes.is_empty() {
        return Ok(0);
    }
    let mut c = NodeClient::open(reach.transport, node, reach.creds, reach.timeout).await?;
    let refused = |reason: String| CarryError::Replay {
        node: node.clone(),
        reason,
    };
    c.query::<redis::Value>(&redis::cmd("MULTI"), "MULTI")
        .await
        .map_err(|e| refused(e.to_string()))?;
    let mut db: Option<i64> = None;
    for w in writes {
        let queued = async {
            if w.db != db {
                c.query::<redis::Value>(redis::cmd("SELECT").arg(w.db), "SELECT")
                    .await?;
                db = w.db;
            }
            let mut cmd = redis::cmd(&w.name());
            for a in w.argv.iter().skip(1) {
                cmd.arg(a.as_ref());
            }
            c.query::<redis::Value>(&cmd, &w.name()).await
        }
        .await;
        if let Err(e) = queued {
            let _ = c
                .query::<redis::Value>(&redis::cmd("DISCARD"), "DISCARD")
                .await;
            return Err(refused(format!("{}: {e}", w.render())));
        }
    }
    let v = c
        .query::<redis::Value>(&redis::cmd("EXEC"), "EXEC")
        .await
        .map_err(|e| refused(e.to_string()))?;
    match v {
        redis::Value::Array(items) => {
            if let Some(e) = items.iter().find_map(|i| match i {
                redis::Value::ServerError(e) => Some(format!("{e:?}")),
                _ => None,
            }) {
                // EXEC ran the others: say so rather than claim nothing was applied.
                return Err(CarryError::Replay {
                    node: node.clone(),
                    reason: format!("a command failed inside EXEC ({e}); the others were applied"),
                });
            }
            Ok(writes.len())
        }
        other => Err(refused(format!(
            "EXEC answered {}",
            super::execute::value_text(&other)
        ))),
    }
}

/// The executor's CarryOver step: with the old master `from`'s writes paused (the step before),
/// read what it wrote past `fork` and replay it on `to`. Every command carried is journaled.
pub async fn run_step(
    nodes: &mut Nodes<'_>,
    from: &NodeAddr,
    to: &NodeAddr,
    replid: &str,
    fork: i64,
) -> Result<String, String> {
    let transport = nodes.transport().clone();
    let creds = nodes.creds().clone();
    let reach = Reach {
        transport: &transport,
        creds: &creds,
        timeout: nodes.command_timeout(),
    };
    let seen = inspect(reach, from, replid, fork)
        .await
        .map_err(|e| e.to_string())?;
    let d = &seen.divergent;
    for w in &d.writes {
        nodes.note(
            "carry_over",
            format!(
                "{from} offset {} db {}: {}",
                w.offset,
                w.db.map_or("?".into(), |d| d.to_string()),
                w.render()
            ),
        );
    }
    let n = replay(reach, to, &d.writes)
        .await
        .map_err(|e| e.to_string())?;
    let summary = diverge::ReadSummary::of(d);
    Ok(format!(
        "carried {n} command(s) on {} key(s) from {from} (offsets {}..={}) to {to}",
        summary.key_count,
        fork + 1,
        seen.to_offset
    ))
}

/// Every reachable master whose history another reachable master continues, and that went on
/// past the fork: what its backlog holds there (or why it could not be read).
pub async fn read_stale(
    snap: &Snapshot,
    reach: Reach<'_>,
) -> Vec<(NodeAddr, Result<diverge::ReadSummary, String>)> {
    let mut out = Vec::new();
    for (old, verdict) in diverge::stale_masters(snap) {
        if let Verdict::Diverged { replid, fork, .. } = verdict {
            let r = inspect(reach, &old, &replid, fork)
                .await
                .map(|i| diverge::ReadSummary::of(&i.divergent))
                .map_err(|e| e.to_string());
            out.push((old, r));
        }
    }
    out
}

/// [`read_stale`], kept on each stale master's record (`divergent_read`) for `topology` and
/// `verify`.
pub async fn annotate_stale(snap: &mut Snapshot, reach: Reach<'_>) {
    for (node, read) in read_stale(snap, reach).await {
        if let Some(i) = snap.index(&node) {
            snap.nodes[i].divergent_read = Some(read);
        }
    }
}
