//! Demoting a fenced old master to a replica of the candidate without losing a write: the
//! switchover before Redis 6.2, where no pause holds writes. One algorithm, run by the plain
//! path ([`super::execute`]'s Demote step) and the Sentinel-coordinated one
//! ([`super::sentinel`]), each through its own I/O ([`DemoteIo`]): its own connections and
//! journal, its own words.
//!
//! Each try: wait until the candidate has the old master's offset; disconnect the old
//! master's clients; in one transaction make it a replica (`SLAVEOF`), disconnect them again
//! and read the last offset it wrote as a master ([`DemoteRead`]); then check the candidate
//! has that offset. `SLAVEOF` drops the stream a master had not sent yet, so a candidate that
//! is short means a write went nowhere but the old master: it is made master again (still
//! fenced, nothing lost) and, on 4.0+ once its replicas are back on it, tried again.

use super::failpoint::{DEMOTE_SHORT, Failpoints};
use crate::node::{NodeAddr, ReplicationInfo, ServerVersion};
use std::time::{Duration, Instant};

/// How many times a demotion is tried (each try that finds the candidate short makes the old
/// master master again) before it gives up, within the budget.
pub(crate) const DEMOTE_ATTEMPTS: u32 = 3;

/// How long a demotion waits for the candidate to show the old master's last offset.
pub(crate) const DEMOTE_SETTLE: Duration = Duration::from_millis(250);

/// How often the candidate's offset, and the old master's replicas, are read while waiting.
const POLL: Duration = Duration::from_millis(5);

/// How a demotion learns the last offset the old master wrote as a master. A command in a
/// transaction that is neither read-only nor (from 4.0) admin makes the master propagate
/// `MULTI` to its replicas first; `INFO` is read-only only in 2.8, so elsewhere the offset
/// it reads includes that `MULTI`, which the demotion then keeps from ever being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DemoteRead {
    /// 2.8: `INFO` inside the transaction, before `SLAVEOF` (read-only: nothing propagated
    /// yet; 2.8 resets its offset to 0 when it becomes a replica).
    Inside,
    /// 3.0–3.2: `INFO` inside, less the 15 bytes of the `MULTI` it propagated just before
    /// (those bytes are exactly that `MULTI`; a `SELECT` that might precede it makes the
    /// candidate look short, which only costs a retry).
    InsideAfterMulti,
    /// 4.0+: only admin commands inside (nothing propagated), the offset read afterwards
    /// from the replica it became.
    After,
}

/// `*1\r\n$5\r\nMULTI\r\n`.
pub(crate) const MULTI_BYTES: i64 = 15;

impl DemoteRead {
    /// Which way applies to a server of version `v` (unknown: 4.0+).
    pub(crate) fn for_version(v: Option<ServerVersion>) -> DemoteRead {
        match v {
            Some(v) if !v.at_least(3, 0) => DemoteRead::Inside,
            Some(v) if !v.at_least(4, 0) => DemoteRead::InsideAfterMulti,
            _ => DemoteRead::After,
        }
    }
}

/// The I/O of a demotion, as the path that runs it does it (its connections, its journal).
/// Errors are sentences for the operator, secrets scrubbed.
pub(crate) trait DemoteIo {
    /// Wait until the candidate has the old master's offset, by `deadline`; the candidate's
    /// offset seen then.
    async fn caught_up(&mut self, deadline: Instant) -> Result<i64, String>;
    /// Send one command to the old master.
    async fn send(&mut self, args: &[&str]) -> Result<redis::Value, String>;
    /// Send `cmds` to the old master as one transaction (`MULTI` … `EXEC`): each command's
    /// reply, errors as values. From the moment it is sent the old master may be a replica:
    /// the path's undo makes it master again.
    async fn send_atomic(&mut self, cmds: &[&[&str]]) -> Result<Vec<redis::Value>, String>;
    /// The old master's `INFO replication`.
    async fn info(&mut self) -> Result<ReplicationInfo, String>;
    /// The candidate's processed offset (None when it could not be read).
    async fn candidate_offset(&mut self) -> Option<i64>;
    /// Make the old master master again (still fenced) after try `attempt` found the
    /// candidate `short`; it is no longer in the undo's hands.
    async fn master_again(&mut self, attempt: u32, short: &str) -> Result<(), String>;
    /// A new try starts after `short`.
    fn retrying(&mut self, short: &str);
}

/// A demotion that kept every write.
#[derive(Debug)]
pub(crate) struct Demoted {
    /// The candidate's offset, seen after the demotion.
    pub have: i64,
    /// The last offset the old master wrote as a master (`have` is at least that).
    pub last: i64,
    /// How many clients the transaction disconnected.
    pub killed: Option<i64>,
    /// Which try it was (1-based).
    pub attempt: u32,
    /// The replication id it kept as a replica (4.0+): the history the candidate continues.
    pub replid: Option<String>,
}

/// Why a demotion did not happen.
#[derive(Debug)]
pub(crate) enum DemoteError {
    /// A command failed or answered wrong; the message says what the old master may now be.
    Failed(String),
    /// The candidate was short on the last try (the tries or the budget ran out, or the
    /// server is older than 4.0 and a demotion is not tried again there): the old master is
    /// master again, nothing lost.
    Short {
        /// "CANDIDATE is at offset H but OLD wrote up to L".
        short: String,
        /// How many tries were made.
        attempt: u32,
        /// True when it stopped because the server is older than 4.0.
        pre_4_0: bool,
    },
    /// Short, made master again, and the replicas it had did not come back to it within the
    /// budget (a new try would make them resync in full): nothing lost, not tried again.
    NotBack {
        /// As in [`DemoteError::Short`].
        short: String,
        /// The replicas not back (`ip:port`).
        missing: Vec<String>,
    },
}

/// What the demotion transaction's replies say: whether `SLAVEOF` answered OK, the offset
/// `INFO` read inside it (before 4.0), how many clients `CLIENT KILL` disconnected (pure).
pub(crate) fn read_reply(
    read: DemoteRead,
    items: &[redis::Value],
) -> (bool, Option<i64>, Option<i64>) {
    let (inside, rest) = match items.len() {
        2 if read == DemoteRead::After => (None, items),
        3 if read != DemoteRead::After => (
            ReplicationInfo::parse(&super::execute::value_text_full(&items[0])).master_repl_offset,
            &items[1..],
        ),
        _ => (None, &[][..]),
    };
    let demoted = rest.first().is_some_and(|r| {
        matches!(r, redis::Value::Okay) || super::execute::value_text(r).starts_with("OK")
    });
    let killed = match rest.get(1) {
        Some(redis::Value::Int(n)) => Some(*n),
        _ => None,
    };
    (demoted, inside, killed)
}

/// Demote `old` to a replica of `candidate` by `deadline`, through `io`. `attached` are the
/// replicas online on `old` before (a new try waits for them to be back).
pub(crate) async fn demote(
    io: &mut impl DemoteIo,
    read: DemoteRead,
    attached: &[String],
    deadline: Instant,
    old: &NodeAddr,
    candidate: &NodeAddr,
) -> Result<Demoted, DemoteError> {
    use DemoteError::Failed;
    let port = candidate.port().to_string();
    let mut attempt = 0;
    loop {
        attempt += 1;
        // Again right before: scripts (before 6.0) and transactions queued before the fence
        // still write, and the master's PING moves its offset.
        let seen = io.caught_up(deadline).await.map_err(Failed)?;
        // Disconnect its clients first and wait for the reply: by the time it comes back, the
        // stream of every write that ran before is out of the server (replies and replica
        // output leave in the same event-loop pass), so the SLAVEOF below, which drops
        // whatever a master has not sent yet, drops nothing. The clients that reconnect in
        // the instant before the transaction arrives are disconnected again by it.
        let kill: &[&str] = &["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"];
        io.send(kill).await.map_err(Failed)?;
        // SLAVEOF: every version before 6.2 knows it (REPLICAOF came in 5.0). Its clients
        // would otherwise stay on a replica, reading, their writes refused (READONLY);
        // disconnected, they look for the new master, as after a Sentinel failover.
        let slaveof: &[&str] = &["SLAVEOF", candidate.host(), &port];
        let info: &[&str] = &["INFO", "replication"];
        let cmds: Vec<&[&str]> = if read == DemoteRead::After {
            vec![slaveof, kill]
        } else {
            vec![info, slaveof, kill]
        };
        let items = io.send_atomic(&cmds).await.map_err(Failed)?;
        let shown = || super::execute::value_text(&redis::Value::Array(items.clone()));
        let (demoted, inside, killed) = read_reply(read, &items);
        if !demoted {
            return Err(Failed(format!(
                "{old} did not become a replica of {candidate} ({})",
                shown()
            )));
        }
        // 4.0+ keep, as a replica, the offset and id they had as a master (the cached
        // master they will PSYNC from): read them now, nothing can move them before it syncs.
        let (after, unread) = match read {
            DemoteRead::After => match io.info().await {
                Ok(i) if i.role == crate::node::Role::Replica => (Some(i), None),
                Ok(i) => (None, Some(format!("it reports role {}", i.role.as_str()))),
                // The cause, not only the transaction's replies, is what the operator needs.
                Err(e) => (None, Some(e)),
            },
            _ => (None, None),
        };
        let last = match read {
            DemoteRead::After => after.as_ref().and_then(|i| i.slave_repl_offset),
            DemoteRead::Inside => inside,
            DemoteRead::InsideAfterMulti => inside.map(|o| o - MULTI_BYTES),
        };
        let Some(last) = last else {
            return Err(Failed(format!(
                "{old} became a replica but its last offset could not be read ({}): not promoting",
                unread.unwrap_or_else(shown)
            )));
        };
        let have = candidate_reached(io, seen, last, deadline).await;
        // The fault tests' way to take the retry below (see `failpoint::DEMOTE_SHORT`).
        let forced_short = attempt == 1 && Failpoints::from_env().is_armed(DEMOTE_SHORT);
        if have >= last && !forced_short {
            return Ok(Demoted {
                have,
                last,
                killed,
                attempt,
                replid: after.and_then(|i| i.master_replid),
            });
        }
        // Short: a write the old master took as it became a replica (a script or a
        // transaction that got past the fence before 6.0, from a client that reconnected
        // after the CLIENT KILL) went out with the replica links it dropped. Make it master
        // again (still fenced); nothing is lost, and the candidate catches up.
        let short = format!("{candidate} is at offset {have} but {old} wrote up to {last}");
        io.master_again(attempt, &short).await.map_err(Failed)?;
        // Before 4.0 it is not tried again: made master again, such a server starts its
        // offset over (3.2 was seen at 0) with no backlog, so no later offset comparison with
        // the candidate means anything, and a write it took meanwhile (a script passes the
        // fence before 6.0) could be dropped by the next demotion unseen.
        if attempt >= DEMOTE_ATTEMPTS || Instant::now() >= deadline || read != DemoteRead::After {
            return Err(DemoteError::Short {
                short,
                attempt,
                pre_4_0: read != DemoteRead::After,
            });
        }
        // Master again, it took a new replication id (4.0+): a replica that has not
        // reconnected to it still holds the old one, which the candidate's promotion drops
        // too, so that replica could then only sync in full. Demote again once all are back,
        // within the budget, or stop here (master again, nothing lost).
        replicas_back(io, attached, deadline, short.clone()).await?;
        io.retrying(&short);
    }
}

/// The candidate's processed offset, once it reached `last` or it had a moment to
/// (`DEMOTE_SETTLE`), kept after its link to the old master dropped.
///
/// What it was seen to have (`seen`) counts: it cannot lose data while it follows a node that
/// refuses it a sync, but 2.8 and 3.2 forget the offset (show 1) once their PSYNC to the
/// demoted master is refused. What it had received before its link dropped it applies within
/// moments; it can get nothing more from a replica, so waiting longer would only stretch the
/// gap.
async fn candidate_reached(io: &mut impl DemoteIo, seen: i64, last: i64, deadline: Instant) -> i64 {
    let mut have = seen;
    let settle = (Instant::now() + DEMOTE_SETTLE).min(deadline);
    loop {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        if let Ok(Some(o)) = tokio::time::timeout(left, io.candidate_offset()).await {
            have = have.max(o);
        }
        if have >= last || Instant::now() >= settle {
            return have;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Wait until every replica in `attached` is back on the old master (made master again), or
/// fail with [`DemoteError::NotBack`] at the deadline.
async fn replicas_back(
    io: &mut impl DemoteIo,
    attached: &[String],
    deadline: Instant,
    short: String,
) -> Result<(), DemoteError> {
    loop {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let missing = match tokio::time::timeout(left, io.info()).await {
            Ok(Ok(i)) => super::probe::missing_replicas(attached, &i),
            _ => attached.to_vec(),
        };
        if missing.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(DemoteError::NotBack { short, missing });
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_the_last_offset_is_read_follows_the_version() {
        let v = |s: &str| ServerVersion::parse_shown(s);
        assert_eq!(DemoteRead::for_version(v("2.8.24")), DemoteRead::Inside);
        assert_eq!(
            DemoteRead::for_version(v("3.2.13")),
            DemoteRead::InsideAfterMulti
        );
        assert_eq!(DemoteRead::for_version(v("4.0.14")), DemoteRead::After);
        assert_eq!(
            DemoteRead::for_version(v("valkey 8.0.1")),
            DemoteRead::After
        );
        assert_eq!(DemoteRead::for_version(None), DemoteRead::After);
    }

    #[test]
    fn transaction_replies_are_read_by_position() {
        use redis::Value;
        let info = Value::BulkString(
            b"# Replication\r\nrole:master\r\nmaster_repl_offset:420\r\n".to_vec(),
        );
        // 4.0+: SLAVEOF, CLIENT KILL.
        assert_eq!(
            read_reply(DemoteRead::After, &[Value::Okay, Value::Int(2)]),
            (true, None, Some(2))
        );
        // Before 4.0: INFO first, its offset read inside.
        assert_eq!(
            read_reply(
                DemoteRead::InsideAfterMulti,
                &[info.clone(), Value::Okay, Value::Int(0)]
            ),
            (true, Some(420), Some(0))
        );
        // SLAVEOF refused, or a reply of the wrong shape: not demoted.
        let err = Value::SimpleString("ERR wrong number of arguments".into());
        assert!(!read_reply(DemoteRead::After, &[err, Value::Int(0)]).0);
        assert_eq!(
            read_reply(DemoteRead::Inside, &[Value::Okay]),
            (false, None, None)
        );
        assert!(!read_reply(DemoteRead::After, &[info, Value::Okay, Value::Int(0)]).0);
    }
}
