//! Did an old master's history go on past the point where a new master forked from it?
//!
//! Pure: what INFO replication says of the two nodes in, a [`Verdict`] out; and the bytes of
//! the old master's replication stream past the fork in, the commands they hold out
//! ([`classify`]). The I/O that reads those bytes (a PSYNC from the backlog) and replays them is
//! in [`crate::failover::carry`].
//!
//! The facts used (Redis ≥ 4.0, PSYNC2; replication.c `shiftReplicationId`): a replica promoted
//! with `REPLICAOF NO ONE` takes a new replid, keeps the old one as `master_replid2` and sets
//! `second_repl_offset` to its offset + 1, so `second_repl_offset - 1` is the last byte of the
//! history both nodes share (the *fork*). A replica's offset only ever stops at a command
//! boundary (it counts applied commands), so the fork is one too. An old master that still
//! reports the old replid with `master_repl_offset` beyond the fork wrote bytes the new master
//! never had. Not every such byte is a write: with replicas attached a master puts a `PING`
//! (14 bytes) in the stream every `repl-ping-replica-period`, and `REPLCONF GETACK` (WAIT) and
//! `SELECT` appear too; only reading the bytes tells them apart, so the difference of offsets
//! is an upper bound.

use crate::node::{NodeAddr, Role};
use crate::topology::model::{NodeState, Snapshot};
use bytes::Bytes;
use serde::Serialize;

/// What INFO replication says of one node, for [`judge`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History<'a> {
    /// `master_replid` (the run id before 4.0).
    pub replid: Option<&'a str>,
    /// `master_replid2`, `None` when absent or all zeros.
    pub replid2: Option<&'a str>,
    /// `master_repl_offset`.
    pub offset: Option<i64>,
    /// `second_repl_offset` (`None` or `-1`: none).
    pub second_repl_offset: Option<i64>,
    /// The node speaks PSYNC2 (Redis ≥ 4.0, any Valkey, rkv serve); `false` for 2.8/3.x, where
    /// there is no replid2 and a promoted replica's history cannot be linked to its old master's.
    pub psync2: bool,
}

/// How the old master's history relates to the new master's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The new master continues the old master's history and the old master stopped at or
    /// before the fork: re-pointing it loses nothing.
    NotDiverged {
        /// The last offset both share.
        fork: i64,
        /// The old master's offset.
        old_offset: i64,
    },
    /// The old master went on past the fork: `bytes` of its stream the new master never had.
    /// An upper bound on the writes (PINGs, REPLCONF and SELECT count too).
    Diverged {
        /// The history both share (the old master's replid, the new master's replid2).
        replid: String,
        /// The last offset both share.
        fork: i64,
        /// The old master's `master_repl_offset`.
        old_offset: i64,
        /// `old_offset - fork`.
        bytes: i64,
    },
    /// The new master does not continue the old master's history: nothing links the two.
    Unrelated {
        /// Why, in words.
        why: String,
    },
    /// What INFO says cannot prove either way.
    Unknown {
        /// Why, in words.
        why: String,
    },
}

impl Verdict {
    /// Bytes past the fork: 0 when it stopped at the fork, `None` when nothing can be proven.
    pub fn diverged_bytes(&self) -> Option<i64> {
        match self {
            Verdict::Diverged { bytes, .. } => Some(*bytes),
            Verdict::NotDiverged { .. } => Some(0),
            Verdict::Unrelated { .. } | Verdict::Unknown { .. } => None,
        }
    }
}

/// Judge the old master's history against the new master's (see the module doc).
pub fn judge(old: &History, new: &History) -> Verdict {
    if !old.psync2 || !new.psync2 {
        return Verdict::Unknown {
            why: format!(
                "a server older than Redis 4.0 keeps no replid2: where the histories forked cannot be read (old master at offset {}, new master at {})",
                show(old.offset),
                show(new.offset)
            ),
        };
    }
    let Some(old_id) = old.replid else {
        return Verdict::Unknown {
            why: "the old master reports no replid".into(),
        };
    };
    if new.replid2 != Some(old_id) {
        // The two might still share an ancestor (both promoted from the same master: their
        // replid2 agree), but then each went on alone and neither continues the other.
        let why = match (old.replid2, new.replid2) {
            (Some(a), Some(b)) if a == b => format!(
                "both continue history {a} (from offsets {} and {}): two promoted replicas, neither continues the other",
                show(old.second_repl_offset.map(|o| o - 1)),
                show(new.second_repl_offset.map(|o| o - 1))
            ),
            (_, Some(b)) => {
                format!("the new master continues history {b}, not the old master's {old_id}")
            }
            (_, None) => format!(
                "the new master has no previous history (replid2 unset): it never followed {old_id}"
            ),
        };
        return Verdict::Unrelated { why };
    }
    let Some(fork) = new.second_repl_offset.filter(|o| *o > 0).map(|o| o - 1) else {
        return Verdict::Unknown {
            why: format!("the new master names the old history {old_id} but no second_repl_offset"),
        };
    };
    let Some(old_offset) = old.offset else {
        return Verdict::Unknown {
            why: "the old master reports no master_repl_offset".into(),
        };
    };
    if old_offset <= fork {
        Verdict::NotDiverged { fork, old_offset }
    } else {
        Verdict::Diverged {
            replid: old_id.to_string(),
            fork,
            old_offset,
            bytes: old_offset - fork,
        }
    }
}

fn show(o: Option<i64>) -> String {
    o.map_or_else(|| "?".into(), |o| o.to_string())
}

/// One command of the divergent stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamCommand {
    /// Offset of its first byte in the old master's stream.
    pub offset: i64,
    /// The database it applies to (the last SELECT before it), `None` when no SELECT was seen.
    pub db: Option<i64>,
    /// The command and its arguments.
    pub argv: Vec<Bytes>,
}

impl StreamCommand {
    /// The command name, upper case.
    pub fn name(&self) -> String {
        self.argv
            .first()
            .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
            .unwrap_or_default()
    }

    /// The keys it names, for the operator (the usual positions; commands whose keys are
    /// elsewhere show their first argument).
    pub fn keys(&self) -> Vec<Bytes> {
        let args = self.argv.get(1..).unwrap_or_default();
        match self.name().as_str() {
            "DEL" | "UNLINK" | "TOUCH" => args.to_vec(),
            "MSET" | "MSETNX" => args.iter().step_by(2).cloned().collect(),
            "FLUSHDB" | "FLUSHALL" | "SWAPDB" => Vec::new(),
            _ => args.first().cloned().into_iter().collect(),
        }
    }

    /// A short, printable rendering: `SET k1 v1`, long arguments cut, binary escaped.
    pub fn render(&self) -> String {
        self.argv
            .iter()
            .take(6)
            .map(|a| printable(a, 40))
            .collect::<Vec<_>>()
            .join(" ")
            + if self.argv.len() > 6 { " …" } else { "" }
    }
}

/// `b` as text for a terminal: control and non-UTF-8 bytes escaped, at most `max` characters.
pub fn printable(b: &[u8], max: usize) -> String {
    let s: String = b
        .escape_ascii()
        .map(char::from)
        .take(max + 1)
        .collect::<String>();
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}

/// What the divergent part of the stream holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Divergent {
    /// Bytes past the fork that were read and parsed.
    pub bytes: i64,
    /// The data commands (everything but PING, REPLCONF, SELECT, MULTI/EXEC and PUBLISH), in
    /// stream order.
    pub writes: Vec<StreamCommand>,
    /// Replication PINGs past the fork.
    pub pings: usize,
    /// REPLCONF (GETACK) past the fork.
    pub replconf: usize,
    /// Everything else that is not data (SELECT, MULTI, EXEC, PUBLISH) past the fork.
    pub other: usize,
    /// The database selected at the fork (`None`: no SELECT was seen before it).
    pub db_at_fork: Option<i64>,
}

impl Divergent {
    /// Distinct keys the writes touch, in first-seen order.
    pub fn keys(&self) -> Vec<Bytes> {
        let mut out: Vec<Bytes> = Vec::new();
        for k in self.writes.iter().flat_map(StreamCommand::keys) {
            if !out.contains(&k) {
                out.push(k);
            }
        }
        out
    }

    /// True when every write's database is known (the replay needs it).
    pub fn dbs_known(&self) -> bool {
        self.writes.iter().all(|c| c.db.is_some())
    }
}

/// Why the bytes could not be read as a stream of commands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The bytes are not RESP commands.
    #[error("the replication stream does not parse at offset {offset}: {reason}")]
    Parse {
        /// Where.
        offset: i64,
        /// The parser's complaint.
        reason: String,
    },
    /// A command spans the fork: the read did not start at a command boundary.
    #[error(
        "a command spans the fork offset {fork} (it starts at {offset}): the read did not start on a command boundary"
    )]
    SpansFork {
        /// The fork.
        fork: i64,
        /// The command's first byte.
        offset: i64,
    },
    /// The bytes end inside a command.
    #[error("the stream read ends inside a command that starts at offset {offset}")]
    Truncated {
        /// Where the unfinished command starts.
        offset: i64,
    },
    /// The read starts after the fork.
    #[error("the read starts at offset {start}, after the first divergent byte {}", fork + 1)]
    StartsAfterFork {
        /// First offset read.
        start: i64,
        /// The fork.
        fork: i64,
    },
}

/// Parse `buf`, the old master's stream from offset `start` (the offset of `buf[0]`; PSYNC's
/// argument) to its end, and sort what lies past `fork` into writes and the rest. Commands
/// before the fork only tell which database is selected at it.
pub fn classify(buf: &[u8], start: i64, fork: i64) -> Result<Divergent, StreamError> {
    if start > fork + 1 {
        return Err(StreamError::StartsAfterFork { start, fork });
    }
    let limits = crate::resp::request::Limits::default();
    let mut out = Divergent::default();
    let mut db: Option<i64> = None;
    let mut pos = 0usize;
    while pos < buf.len() {
        let at = start + pos as i64;
        // A master's stream is multibulk only; anything else means we are not on a boundary.
        if buf[pos] != b'*' {
            return Err(StreamError::Parse {
                offset: at,
                reason: format!("expected '*', got {:?}", char::from(buf[pos])),
            });
        }
        let (argv, used) = match crate::resp::request::parse_request(&buf[pos..], &limits) {
            Ok(Some(x)) => x,
            Ok(None) => return Err(StreamError::Truncated { offset: at }),
            Err(e) => {
                return Err(StreamError::Parse {
                    offset: at,
                    reason: e.to_string(),
                });
            }
        };
        pos += used;
        let end = start + pos as i64; // offset of the command's last byte + 1
        let past = at > fork;
        if !past && end - 1 > fork {
            return Err(StreamError::SpansFork { fork, offset: at });
        }
        let name = argv
            .first()
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default();
        let is_select = name == b"SELECT";
        if is_select {
            db = argv.get(1).and_then(|d| crate::resp::request::parse_i64(d));
        }
        if !past {
            out.db_at_fork = db;
            continue;
        }
        out.bytes += used as i64;
        match name.as_slice() {
            b"" => out.other += 1,
            b"PING" => out.pings += 1,
            b"REPLCONF" => out.replconf += 1,
            b"SELECT" | b"MULTI" | b"EXEC" | b"PUBLISH" | b"SPUBLISH" => out.other += 1,
            _ => out.writes.push(StreamCommand {
                offset: at,
                db,
                argv,
            }),
        }
    }
    Ok(out)
}

/// What was read of a diverged old master's stream, for the planner and the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// Bytes past the fork that were read.
    pub bytes: i64,
    /// Data commands among them.
    pub commands: usize,
    /// Replication PINGs among them.
    pub pings: usize,
    /// REPLCONF among them.
    pub replconf: usize,
    /// Distinct keys the commands touch (at most [`SHOWN`], printable).
    pub keys: Vec<String>,
    /// How many distinct keys in all.
    pub key_count: usize,
    /// The first commands (at most [`SHOWN`], printable).
    pub sample: Vec<String>,
    /// Whether every command's database is known (the replay needs it).
    pub dbs_known: bool,
}

/// How many keys and commands a summary shows.
pub const SHOWN: usize = 10;

impl ReadSummary {
    /// Summarise what [`classify`] found.
    pub fn of(d: &Divergent) -> ReadSummary {
        let keys = d.keys();
        ReadSummary {
            bytes: d.bytes,
            commands: d.writes.len(),
            pings: d.pings,
            replconf: d.replconf,
            keys: keys.iter().take(SHOWN).map(|k| printable(k, 40)).collect(),
            key_count: keys.len(),
            sample: d
                .writes
                .iter()
                .take(SHOWN)
                .map(StreamCommand::render)
                .collect(),
            dbs_known: d.dbs_known(),
        }
    }

    /// One sentence: `3 command(s) on 2 key(s) (SET k1 v1, DEL k2, …)`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} command(s) on {} key(s)", self.commands, self.key_count);
        if !self.sample.is_empty() {
            s.push_str(&format!(
                " ({}{})",
                self.sample.join(", "),
                if self.commands > self.sample.len() {
                    ", …"
                } else {
                    ""
                }
            ));
        }
        if self.pings + self.replconf > 0 {
            s.push_str(&format!(
                "; besides {} PING(s) and {} REPLCONF that are not writes",
                self.pings, self.replconf
            ));
        }
        s
    }
}

/// What [`diverge::judge`] needs of a node, from its snapshot record.
pub fn history(n: &NodeState) -> History<'_> {
    // PSYNC2 since 4.0; an unknown version is taken to have it (rkv serve does, and a server
    // without it reports no replid2, which judge treats as unrelated or unknown anyway).
    // Valkey is shown as `valkey 8.0.1` (every Valkey has PSYNC2).
    let psync2 = n.version.as_deref().is_none_or(|v| {
        v.starts_with("valkey")
            || v.split('.')
                .next()
                .and_then(|m| m.trim().parse::<u32>().ok())
                .is_none_or(|major| major >= 4)
    });
    History {
        replid: n.replid.as_deref(),
        replid2: n.replid2.as_deref(),
        offset: n.offset,
        second_repl_offset: n.second_repl_offset,
        psync2,
    }
}

/// Pairs (stale master, verdict against the master that continues its history), pure.
pub fn stale_masters(snap: &Snapshot) -> Vec<(NodeAddr, Verdict)> {
    let masters: Vec<&NodeState> = snap
        .nodes
        .iter()
        .filter(|n| n.reachable() && n.role == Role::Master)
        .collect();
    let mut out = Vec::new();
    for m in &masters {
        let Some(id) = m.replid.as_deref() else {
            continue;
        };
        if let Some(heir) = masters
            .iter()
            .find(|h| h.addr != m.addr && h.replid2.as_deref() == Some(id))
        {
            out.push((m.addr.clone(), judge(&history(m), &history(heir))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const C: &str = "cccccccccccccccccccccccccccccccccccccccc";

    fn h<'a>(
        replid: &'a str,
        replid2: Option<&'a str>,
        offset: i64,
        second: Option<i64>,
    ) -> History<'a> {
        History {
            replid: Some(replid),
            replid2,
            offset: Some(offset),
            second_repl_offset: second,
            psync2: true,
        }
    }

    #[test]
    fn judge_table() {
        // (old, new, expected)
        let cases: Vec<(History, History, Verdict)> = vec![
            // A clean switchover: the old master stopped exactly at the fork.
            (
                h(A, None, 100, None),
                h(B, Some(A), 150, Some(101)),
                Verdict::NotDiverged {
                    fork: 100,
                    old_offset: 100,
                },
            ),
            // A hand-made split: the old master wrote 500 bytes after the promotion.
            (
                h(A, None, 600, None),
                h(B, Some(A), 100, Some(101)),
                Verdict::Diverged {
                    replid: A.into(),
                    fork: 100,
                    old_offset: 600,
                    bytes: 500,
                },
            ),
            // A lagging replica promoted: the old master is ahead by what it never sent.
            (
                h(A, None, 120, None),
                h(B, Some(A), 110, Some(101)),
                Verdict::Diverged {
                    replid: A.into(),
                    fork: 100,
                    old_offset: 120,
                    bytes: 20,
                },
            ),
            // The new master continues another history.
            (
                h(A, None, 100, None),
                h(B, Some(C), 100, Some(50)),
                Verdict::Unrelated {
                    why: format!("the new master continues history {C}, not the old master's {A}"),
                },
            ),
            // Never a replica of anything.
            (
                h(A, None, 100, None),
                h(B, None, 100, None),
                Verdict::Unrelated {
                    why: format!(
                        "the new master has no previous history (replid2 unset): it never followed {A}"
                    ),
                },
            ),
            // Two siblings promoted from the same master.
            (
                h(A, Some(C), 300, Some(201)),
                h(B, Some(C), 250, Some(181)),
                Verdict::Unrelated {
                    why: format!(
                        "both continue history {C} (from offsets 200 and 180): two promoted replicas, neither continues the other"
                    ),
                },
            ),
            // replid2 names the old history but no offset came with it.
            (
                h(A, None, 100, None),
                h(B, Some(A), 100, Some(-1)),
                Verdict::Unknown {
                    why: format!(
                        "the new master names the old history {A} but no second_repl_offset"
                    ),
                },
            ),
        ];
        for (i, (old, new, want)) in cases.iter().enumerate() {
            assert_eq!(&judge(old, new), want, "case {i}");
        }
    }

    #[test]
    fn psync2_is_read_from_the_version_as_shown() {
        let mut n = NodeState::new(NodeAddr::new("h", 1));
        for (v, want) in [
            (Some("valkey 8.0.1"), true),
            (Some("7.0.15"), true),
            (Some("4.0.14"), true),
            (Some("3.2.13"), false),
            (Some("2.8.24"), false),
            (None, true),
        ] {
            n.version = v.map(str::to_string);
            assert_eq!(history(&n).psync2, want, "{v:?}");
        }
    }

    #[test]
    fn before_psync2_nothing_can_be_proven() {
        let mut old = h(A, None, 600, None);
        old.psync2 = false;
        let new = h(B, None, 100, None);
        match judge(&old, &new) {
            Verdict::Unknown { why } => {
                assert!(why.contains("older than Redis 4.0"), "{why}");
                assert!(why.contains("offset 600, new master at 100"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        let no_offset = History {
            offset: None,
            ..h(A, None, 0, None)
        };
        assert!(matches!(
            judge(&no_offset, &h(B, Some(A), 1, Some(5))),
            Verdict::Unknown { .. }
        ));
    }

    fn cmd(args: &[&str]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend(format!("${}\r\n{a}\r\n", a.len()).bytes());
        }
        out
    }

    #[test]
    fn pings_and_replconf_are_not_writes() {
        let ping = cmd(&["PING"]);
        assert_eq!(ping.len(), 14, "the replication PING is 14 bytes");
        let mut s = Vec::new();
        s.extend(&ping);
        s.extend(cmd(&["REPLCONF", "GETACK", "*"]));
        s.extend(&ping);
        let d = classify(&s, 101, 100).unwrap();
        assert_eq!(d.bytes, s.len() as i64);
        assert!(d.writes.is_empty());
        assert_eq!((d.pings, d.replconf), (2, 1));
    }

    #[test]
    fn writes_past_the_fork_carry_their_database() {
        let mut s = Vec::new();
        s.extend(cmd(&["SELECT", "0"]));
        s.extend(cmd(&["SET", "before", "x"]));
        let fork = s.len() as i64; // the stream starts at offset 1
        s.extend(cmd(&["SET", "k1", "v1"]));
        s.extend(cmd(&["PING"]));
        s.extend(cmd(&["SELECT", "3"]));
        s.extend(cmd(&["MULTI"]));
        s.extend(cmd(&["DEL", "a", "b"]));
        s.extend(cmd(&["MSET", "c", "1", "d", "2"]));
        s.extend(cmd(&["EXEC"]));
        s.extend(cmd(&["PUBLISH", "ch", "hello"]));
        let d = classify(&s, 1, fork).unwrap();
        assert_eq!(d.db_at_fork, Some(0));
        let got: Vec<(String, Option<i64>)> = d.writes.iter().map(|c| (c.render(), c.db)).collect();
        assert_eq!(
            got,
            vec![
                ("SET k1 v1".into(), Some(0)),
                ("DEL a b".into(), Some(3)),
                ("MSET c 1 d 2".into(), Some(3)),
            ]
        );
        assert_eq!(d.writes[0].offset, fork + 1);
        assert_eq!(d.pings, 1);
        assert_eq!(d.other, 4);
        let keys: Vec<Bytes> = ["k1", "a", "b", "c", "d"]
            .iter()
            .map(|k| Bytes::from(k.to_string()))
            .collect();
        assert_eq!(d.keys(), keys);
        assert_eq!(d.bytes, s.len() as i64 - fork);
        assert!(d.dbs_known());
    }

    #[test]
    fn without_a_select_the_database_is_unknown() {
        let s = cmd(&["SET", "k", "v"]);
        let d = classify(&s, 11, 10).unwrap();
        assert_eq!(d.writes[0].db, None);
        assert!(!d.dbs_known());
    }

    #[test]
    fn bad_boundaries_are_errors_not_guesses() {
        let s = [cmd(&["SET", "k", "v"]), cmd(&["SET", "k2", "v"])].concat();
        let first = cmd(&["SET", "k", "v"]).len() as i64;
        // The fork falls inside the first command.
        assert_eq!(
            classify(&s, 1, 5),
            Err(StreamError::SpansFork { fork: 5, offset: 1 })
        );
        // Cut inside the second.
        assert_eq!(
            classify(&s[..s.len() - 3], 1, first),
            Err(StreamError::Truncated { offset: first + 1 })
        );
        // Starting mid-command.
        assert!(matches!(
            classify(&s[3..], 1, 0),
            Err(StreamError::Parse { .. })
        ));
        assert_eq!(
            classify(&s, 50, 10),
            Err(StreamError::StartsAfterFork {
                start: 50,
                fork: 10
            })
        );
    }

    #[test]
    fn rendering_escapes_and_cuts() {
        let c = StreamCommand {
            offset: 1,
            db: Some(0),
            argv: vec![
                Bytes::from_static(b"SET"),
                Bytes::from_static(b"k\x00\n"),
                Bytes::from(vec![b'x'; 100]),
            ],
        };
        let r = c.render();
        assert!(r.starts_with("SET k\\x00\\n "), "{r}");
        assert!(r.ends_with('…'), "{r}");
    }
}
