//! The failover planner: a pure function from a topology snapshot and the operator's request to
//! either a plan (numbered steps, each with the check that must hold before the next runs) or a
//! refusal with its reasons. The dry run renders exactly this plan; the executor runs it.
//!
//! It also makes re-running converge: given a snapshot taken after an interrupted run (the
//! candidate already master, the old master or some siblings not yet following it), it plans
//! only what is left.

use super::diverge::{self, ReadSummary, Verdict};
use crate::node::info::ServerVersion;
use crate::node::{NodeAddr, Role};
use crate::topology::model::{Link, NodeState, Snapshot};
use serde::Serialize;
use std::time::Duration;

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct Request {
    /// `--to`: the replica to promote.
    pub to: Option<NodeAddr>,
    /// Sentinels watch the master (found via its clients or `__sentinel__:hello`).
    pub sentinel_watching: bool,
    /// `--ignore-sentinel`.
    pub ignore_sentinel: bool,
    /// `--max-write-pause`: how long writes may be held while the candidate catches up.
    pub max_write_pause: Duration,
    /// What to do with an old master that wrote past the fork (see [`DivergeChoice`]).
    pub diverge: DivergeChoice,
}

/// The operator's choice for an old master whose history went on past the point where the
/// new master forked from it, and what was read of those writes. Without a choice such a node
/// is never re-pointed: re-pointing it would drop writes it acknowledged.
#[derive(Debug, Clone, Default)]
pub struct DivergeChoice {
    /// `--discard-writes-of`: these nodes' divergent writes may be dropped.
    pub discard_writes_of: Vec<NodeAddr>,
    /// `--carry-over`: replay divergent writes on the new master before re-pointing.
    pub carry_over: bool,
    /// What reading each diverged old master's backlog found (or why it could not be read).
    pub reads: Vec<(NodeAddr, Result<ReadSummary, String>)>,
}

impl DivergeChoice {
    fn read(&self, node: &NodeAddr) -> Option<&Result<ReadSummary, String>> {
        self.reads.iter().find(|(n, _)| n == node).map(|(_, r)| r)
    }
}

use super::diverge::history;

/// Planned switchover (the master answers) or unplanned failover (it does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The master is alive: hold its writes, let the candidate catch up, switch; no loss.
    Switchover,
    /// The master is gone: promote the most advanced replica; writes it never sent are lost.
    Failover,
    /// The candidate is already master (an earlier run was interrupted): finish re-pointing.
    Resume,
}

/// How the master's writes are held (CLIENT PAUSE … WRITE needs Redis 6.2+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseMode {
    /// `CLIENT PAUSE ms WRITE`: reads go on.
    Write,
    /// `CLIENT PAUSE ms` (ALL), for servers older than 6.2.
    All,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// Hold writes on the master; the pause lifts by itself after `timeout_ms` even if rkv dies.
    PauseWrites {
        /// The master.
        node: NodeAddr,
        /// The pause's own deadline.
        timeout_ms: u64,
        /// WRITE or ALL.
        mode: PauseMode,
    },
    /// Wait until the candidate has processed every byte the master has written.
    WaitCaughtUp {
        /// The candidate.
        replica: NodeAddr,
        /// The paused master.
        master: NodeAddr,
        /// Give up (unpause, abort, nothing changed) after this long.
        budget_ms: u64,
    },
    /// Raise the write fence on the old master (see [`crate::failover::fence`]):
    /// `min-replicas-to-write` 1000000 and the pause extended over the promotion, in one
    /// MULTI/EXEC, after saving the node's own values in the journal. From here on it refuses
    /// writes (NOREPLICAS) by itself, even if rkv dies and the pause lapses.
    FenceWrites {
        /// The old master.
        node: NodeAddr,
        /// Extend the pause in the same transaction (servers with CLIENT PAUSE … WRITE). Off
        /// before Redis 6.2, where the plan does not pause at all (see [`Step::Demote`]): the
        /// fence then reads the master's offset in its transaction instead.
        extend_pause: bool,
    },
    /// Redis < 6.2 (no CLIENT PAUSE … WRITE): make the fenced old master a replica of the
    /// candidate *before* the candidate is promoted, so that at no instant are two nodes
    /// writable. Its clients are disconnected (`CLIENT KILL TYPE normal`), then `SLAVEOF host
    /// port` and a second kill go in one MULTI/EXEC sent in one write; the last offset it
    /// wrote as a master is read with it, and the candidate must have it before it is
    /// promoted. If it does not (a master drops the stream it has not sent yet when it stops
    /// being one), the old master is made master again, still fenced, and nothing is lost.
    /// Why not CLIENT PAUSE (ALL): it holds rkv's own SLAVEOF too, and the clients it held
    /// run in no set order when it lapses; and before 6.0 a script write is not refused by
    /// `min-slaves-to-write`, so only a demotion stops the old master acknowledging writes.
    Demote {
        /// The old master.
        node: NodeAddr,
        /// The candidate it will follow.
        master: NodeAddr,
    },
    /// `REPLICAOF NO ONE` on the candidate.
    Promote {
        /// The candidate.
        node: NodeAddr,
    },
    /// `REPLICAOF master` (with masterauth/masteruser set first when credentials are used).
    Follow {
        /// The node to re-point.
        node: NodeAddr,
        /// The new master.
        master: NodeAddr,
    },
    /// `CLIENT UNPAUSE` on the old master (its held writes then fail with READONLY).
    Unpause {
        /// The old master.
        node: NodeAddr,
    },
    /// Wait until every node follows the new master with its link up.
    Verify {
        /// The new master.
        master: NodeAddr,
        /// The nodes that must follow it.
        replicas: Vec<NodeAddr>,
    },
    /// Put back the saved `min-replicas-*` values on a node rkv fenced, once it follows
    /// `master` with its link up (None: it stays the master of its group and is lifted now).
    /// Does nothing on a node that carries no fence.
    LiftFence {
        /// The fenced node.
        node: NodeAddr,
        /// The master it must follow first.
        master: Option<NodeAddr>,
    },
    /// Make the new role survive a restart: CONFIG REWRITE, or the node's config file edited
    /// (over SSH, or locally), see [`crate::persist_role`].
    Persist {
        /// The node.
        node: NodeAddr,
        /// The master it should start as a replica of (None: it starts as a master).
        master: Option<NodeAddr>,
        /// How it will be done, in words (the planner says CONFIG REWRITE; the command fills
        /// in what the inventory allows, see [`Plan::describe_persistence`]).
        how: String,
    },
    /// Read what the old master `from` wrote past `fork` (PSYNC from its backlog, with its
    /// writes paused by the step before) and replay it on the new master `to` in one
    /// MULTI/EXEC, before `from` is re-pointed (see [`super::carry`]).
    CarryOver {
        /// The diverged old master.
        from: NodeAddr,
        /// The new master.
        to: NodeAddr,
        /// The history both share (the old master's replid).
        replid: String,
        /// The last offset both share.
        fork: i64,
    },
    /// Unplanned failover: keep the unreachable old master from coming back as a second
    /// master. When its host answers SSH, its config file is rewritten to follow the new
    /// master and its inventory `restart` (or `stop`) command runs; otherwise the run prints
    /// what must be done before it returns. Never fails the run (the promotion is done).
    Fence {
        /// The old master.
        node: NodeAddr,
        /// The new master it must come back as a replica of.
        master: NodeAddr,
        /// How it will be done, in words.
        how: String,
    },
    /// Put back a sibling's own `replica-priority` that a killed Sentinel-coordinated run
    /// left at 0 (it journals the value before lowering it): at 0, Sentinel never promotes it.
    RestorePriority {
        /// The replica.
        node: NodeAddr,
        /// `replica-priority`, or `slave-priority` before Redis 5.0.
        name: String,
        /// Its own value, from the journal.
        value: String,
    },
}

impl Step {
    /// One line saying what the step does.
    pub fn describe(&self) -> String {
        match self {
            Step::PauseWrites {
                node,
                timeout_ms,
                mode,
            } => match mode {
                PauseMode::Write => {
                    format!("pause writes on {node} (CLIENT PAUSE {timeout_ms} WRITE)")
                }
                PauseMode::All => format!("pause clients on {node} (CLIENT PAUSE {timeout_ms})"),
            },
            Step::WaitCaughtUp {
                replica,
                master,
                budget_ms,
            } => {
                format!(
                    "wait until {replica} has all of {master}'s writes (at most {budget_ms} ms)"
                )
            }
            Step::FenceWrites { node, extend_pause } => format!(
                "fence {node}: it refuses writes even if rkv dies (min-replicas-to-write {}, {}, one MULTI/EXEC)",
                super::fence::FENCE_REPLICAS,
                if *extend_pause {
                    "pause extended"
                } else {
                    "offset read"
                }
            ),
            Step::Demote { node, master } => format!(
                "make {node} a replica of {master} before promoting it (CLIENT KILL TYPE normal, then SLAVEOF in one MULTI/EXEC, its last offset read): until the promotion no node takes writes"
            ),
            Step::LiftFence { node, master } => match master {
                Some(m) => format!(
                    "lift the fence on {node} once it follows {m} with link up (min-replicas-* back to its own values)"
                ),
                None => format!(
                    "lift the fence on {node}, the master of its group (min-replicas-* back to its own values)"
                ),
            },
            Step::Promote { node } => format!("promote {node} (REPLICAOF NO ONE)"),
            Step::Follow { node, master } => {
                format!(
                    "make {node} a replica of {master} (REPLICAOF {} {})",
                    master.host(),
                    master.port()
                )
            }
            Step::Unpause { node } => format!("lift the pause on {node} (CLIENT UNPAUSE)"),
            Step::Verify { master, replicas } => {
                format!(
                    "verify {} replica(s) follow {master} with link up",
                    replicas.len()
                )
            }
            Step::Persist { node, master, how } => match master {
                Some(m) => format!("persist {node} as a replica of {m}: {how}"),
                None => format!("persist {node} as a master: {how}"),
            },
            Step::Fence { node, master, how } => {
                format!("fence the old master {node} so it returns as a replica of {master}: {how}")
            }
            Step::CarryOver { from, to, fork, .. } => format!(
                "carry {from}'s writes past offset {fork} over to {to} (read from its backlog, replayed in MULTI/EXEC)"
            ),
            Step::RestorePriority { node, name, value } => format!(
                "put back {node}'s {name} {value}, left at 0 by an earlier Sentinel-coordinated run (CONFIG SET)"
            ),
        }
    }

    /// The check that must hold before the next step runs.
    pub fn check(&self) -> String {
        match self {
            Step::PauseWrites { node, .. } => format!("{node} accepted the pause"),
            Step::WaitCaughtUp {
                replica, master, ..
            } => {
                format!(
                    "offset of {replica} equals the offset of {master}, read again just before promoting"
                )
            }
            Step::FenceWrites { node, extend_pause } => {
                if *extend_pause {
                    format!("{node} accepted the fence and the pause in one transaction")
                } else {
                    format!("{node} accepted the fence and gave its offset in one transaction")
                }
            }
            Step::Demote { node, master } => format!(
                "{master} has every byte {node} wrote as a master (else {node} is made master again: nothing lost)"
            ),
            Step::LiftFence { node, .. } => {
                format!("{node} reports its own min-replicas-to-write again (or carried no fence)")
            }
            Step::Promote { node } => format!("{node} reports role master"),
            Step::Follow { node, master } => format!("{node} reports role replica of {master}"),
            Step::Unpause { node } => format!("{node} accepted CLIENT UNPAUSE"),
            Step::Verify { .. } => "every link up, offsets converging".to_string(),
            Step::Persist { node, .. } => {
                format!("{node}'s config says its new role (or the report says why not)")
            }
            Step::Fence { node, .. } => format!(
                "{node}'s config follows the new master, or the report says what to do before it returns"
            ),
            Step::CarryOver { to, .. } => {
                format!("{to} accepted every command in one EXEC")
            }
            Step::RestorePriority { node, name, value } => {
                format!("{node} reports {name} {value}")
            }
        }
    }

    /// Steps after which the change cannot simply be abandoned: from the promotion on, the
    /// way back is another failover, not an unpause.
    pub fn is_point_of_no_return(&self) -> bool {
        matches!(self, Step::Promote { .. })
    }
}

/// A replica considered for promotion, with why it was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// Its address.
    pub addr: NodeAddr,
    /// Its replication offset.
    pub offset: Option<i64>,
    /// `replica-priority`.
    pub priority: Option<i64>,
    /// Bytes behind the master.
    pub lag_bytes: Option<i64>,
    /// Why it may not be promoted (empty: eligible).
    pub rejected: Vec<String>,
}

impl Candidate {
    /// True when nothing rules it out.
    pub fn eligible(&self) -> bool {
        self.rejected.is_empty()
    }
}

/// A plan to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Switchover, failover or resume.
    pub kind: Kind,
    /// The master being replaced.
    pub old_master: NodeAddr,
    /// The replica being promoted.
    pub candidate: NodeAddr,
    /// Every replica considered, best first, with reasons for rejection.
    pub ranking: Vec<Candidate>,
    /// The steps in order.
    pub steps: Vec<Step>,
    /// What the operator must know (possible loss, fencing, chained replicas left as they are).
    pub warnings: Vec<String>,
    /// Full resyncs that are unavoidable: (the node that may serve one, why). An old master
    /// whose history went on past the fork (its writes dropped or carried over by the
    /// operator's choice), and its replicas that followed it there, cannot partially resync:
    /// the report shows such a resync as a note, not a problem. One entry per resync allowed.
    pub full_resync_expected: Vec<(NodeAddr, String)>,
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Nothing was found to fail over.
    #[error("no master found among the nodes given")]
    NoMaster,
    /// More than one master in the group, none of them the continuation of another.
    #[error("more than one master in this group ({0}); resolve the split brain first")]
    SplitBrain(String),
    /// `--to` names a node that cannot be promoted.
    #[error("{addr} cannot be promoted: {}", reasons.join("; "))]
    Ineligible {
        /// The node.
        addr: NodeAddr,
        /// Why.
        reasons: Vec<String>,
    },
    /// No replica can be promoted.
    #[error("no replica can be promoted: {0}")]
    NoCandidate(String),
    /// Sentinels watch the master and would fight the change.
    #[error(
        "Sentinel watches {0}: it would fight a change made behind its back (use `rkv failover` with --sentinel to coordinate, or --ignore-sentinel)"
    )]
    SentinelWatching(NodeAddr),
    /// The candidate is already master and everything follows it.
    #[error("nothing to do: {0} is already master and every replica follows it")]
    NothingToDo(NodeAddr),
    /// Two nodes replicate from each other and neither carries rkv's fence (so neither is
    /// known to be the old master of a stopped switchover).
    #[error(
        "{0} and {1} replicate from each other and no master is left; neither carries rkv's fence, so which one has every write is not known: make the one with the higher offset master by hand (REPLICAOF NO ONE) and run again"
    )]
    ReplicationLoop(NodeAddr, NodeAddr),
    /// An old master wrote past the fork: re-pointing it would drop those writes, and the
    /// operator has not chosen to drop or carry them over. It is left as it is.
    #[error(
        "{node} holds {bytes} byte(s) of replication stream that {new_master} lacks (its history went on past offset {fork}){}; re-pointing it would drop them. It is left as it is and keeps them. Choose: --carry-over to replay them on {new_master} first, or --discard-writes-of {node} to drop them",
        match read.as_deref() { Some(Ok(r)) => format!(": {}", r.describe()), Some(Err(e)) => format!(" (an upper bound: PINGs count too; the writes could not be read: {e})"), None => " (an upper bound: PINGs count too)".to_string() }
    )]
    Diverged {
        /// The old master.
        node: NodeAddr,
        /// The new master.
        new_master: NodeAddr,
        /// The last offset both share.
        fork: i64,
        /// Bytes past the fork.
        bytes: i64,
        /// What reading them found (boxed: the refusal stays small).
        read: Option<Box<Result<ReadSummary, String>>>,
    },
    /// `--carry-over` was asked for but cannot be done for this node.
    #[error(
        "cannot carry {node}'s divergent writes over: {why}; --discard-writes-of {node} drops them instead"
    )]
    CannotCarryOver {
        /// The old master.
        node: NodeAddr,
        /// Why.
        why: String,
    },
}

impl Refusal {
    /// A stable snake_case name for scripts (`refusal` in `rkv failover -o json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::NoMaster => "no_master",
            Refusal::SplitBrain(_) => "split_brain",
            Refusal::Ineligible { .. } => "ineligible",
            Refusal::NoCandidate(_) => "no_candidate",
            Refusal::SentinelWatching(_) => "sentinel_watching",
            Refusal::NothingToDo(_) => "nothing_to_do",
            Refusal::ReplicationLoop(..) => "replication_loop",
            Refusal::Diverged { .. } => "diverged",
            Refusal::CannotCarryOver { .. } => "cannot_carry_over",
        }
    }

    /// The node the refusal is about, when there is one.
    pub fn node(&self) -> Option<&NodeAddr> {
        match self {
            Refusal::Ineligible { addr, .. } => Some(addr),
            Refusal::SentinelWatching(n)
            | Refusal::NothingToDo(n)
            | Refusal::ReplicationLoop(n, _)
            | Refusal::Diverged { node: n, .. }
            | Refusal::CannotCarryOver { node: n, .. } => Some(n),
            Refusal::NoMaster | Refusal::SplitBrain(_) | Refusal::NoCandidate(_) => None,
        }
    }
}

/// Rank the replicas of `master` (direct replicas only: chained replicas stay behind the
/// replica they follow). `planned` adds the checks that only make sense with a live master.
pub fn rank(snap: &Snapshot, master: &NodeState, planned: bool) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for (i, n) in snap.nodes.iter().enumerate() {
        let follows = n.master.as_ref() == Some(&master.addr);
        let listed = master.listed.iter().any(|l| l.addr == n.addr);
        if n.addr == master.addr || !(follows || listed) {
            continue;
        }
        let mut rejected = Vec::new();
        if !n.reachable() {
            rejected.push(format!(
                "unreachable ({})",
                n.error.as_deref().unwrap_or("no answer")
            ));
        } else {
            if n.role != Role::Replica || !follows {
                rejected.push("does not report itself as a replica of the master".to_string());
            }
            if planned && n.link != Some(Link::Up) {
                rejected.push("link to the master is down".to_string());
            }
            if n.sync_in_progress {
                rejected.push("full sync in progress".to_string());
            }
            if let Some(e) = &n.apply_error {
                rejected.push(format!(
                    "could not apply a command from the master ({e}): its data may differ"
                ));
            }
            if planned && master.replid.is_some() && n.replid.is_some() && n.replid != master.replid
            {
                rejected.push("replication history differs from the master's (replid)".to_string());
            }
            if n.priority == Some(0) {
                rejected.push("replica-priority is 0 (never promote)".to_string());
            }
            // A fresh master with no writes yet has offset 0 and so do its real replicas;
            // a replica at 0 behind a master that has written is not carrying data.
            if n.offset
                .is_none_or(|o| o <= 0 && master.offset.is_some_and(|m| m > 0))
            {
                rejected.push(format!(
                    "has no replication offset (not a data replica): at {} while the master is at {}",
                    n.offset.map_or("?".into(), |o| o.to_string()),
                    master.offset.map_or("?".into(), |o| o.to_string())
                ));
            }
        }
        out.push(Candidate {
            addr: n.addr.clone(),
            offset: n.offset,
            priority: n.priority,
            lag_bytes: snap.lag_bytes(i),
            rejected,
        });
    }
    // Most advanced first; then lower replica-priority (Redis: lower is preferred); then
    // less lag; the address last so the order is stable.
    out.sort_by(|a, b| {
        b.eligible()
            .cmp(&a.eligible())
            .then(b.offset.unwrap_or(-1).cmp(&a.offset.unwrap_or(-1)))
            .then(a.priority.unwrap_or(100).cmp(&b.priority.unwrap_or(100)))
            .then(
                a.lag_bytes
                    .unwrap_or(i64::MAX)
                    .cmp(&b.lag_bytes.unwrap_or(i64::MAX)),
            )
            .then(a.addr.cmp(&b.addr))
    });
    out
}

/// Whether the version (as shown: `7.2.6`, `valkey 8.0.1`) has CLIENT PAUSE … WRITE (Redis
/// 6.2+, every Valkey). Unknown or unreadable versions get WRITE, which an old server refuses
/// cleanly (and the executor then aborts with nothing changed).
fn pause_mode(version: Option<&str>) -> PauseMode {
    match version.and_then(ServerVersion::parse_shown) {
        Some(v) if !v.has_client_pause_write() => PauseMode::All,
        _ => PauseMode::Write,
    }
}

/// What the planner says a Persist step does before the command knows the inventory.
pub const PERSIST_DEFAULT: &str = "CONFIG REWRITE";

/// What the planner says a Fence step does before the command knows the inventory.
pub const FENCE_DEFAULT: &str = "over SSH when its host answers (config rewritten, restart/stop command run), else instructions";

fn persist(node: &NodeAddr, master: Option<&NodeAddr>) -> Step {
    Step::Persist {
        node: node.clone(),
        master: master.cloned(),
        how: PERSIST_DEFAULT.to_string(),
    }
}

impl Plan {
    /// Every node the plan names (its steps and its ranking), each once, in order of mention.
    pub fn nodes(&self) -> Vec<NodeAddr> {
        let mut out: Vec<NodeAddr> = vec![self.old_master.clone(), self.candidate.clone()];
        let mut add = |n: &NodeAddr| {
            if !out.contains(n) {
                out.push(n.clone());
            }
        };
        for s in &self.steps {
            match s {
                Step::PauseWrites { node, .. }
                | Step::FenceWrites { node, .. }
                | Step::Promote { node }
                | Step::Unpause { node }
                | Step::Persist { node, .. } => add(node),
                Step::WaitCaughtUp {
                    replica: a,
                    master: b,
                    ..
                }
                | Step::Demote { node: a, master: b }
                | Step::Follow { node: a, master: b }
                | Step::Fence {
                    node: a, master: b, ..
                }
                | Step::CarryOver { from: a, to: b, .. } => {
                    add(a);
                    add(b);
                }
                Step::LiftFence { node, master } => {
                    add(node);
                    if let Some(m) = master {
                        add(m);
                    }
                }
                Step::RestorePriority { node, .. } => add(node),
                Step::Verify { master, replicas } => {
                    add(master);
                    replicas.iter().for_each(&mut add);
                }
            }
        }
        for c in &self.ranking {
            add(&c.addr);
        }
        out
    }

    /// Fill in how each Persist and Fence step will be done (from the inventory and the
    /// transport; `persist_how` and `fence_how` do no I/O).
    pub fn describe_persistence(
        &mut self,
        persist_how: impl Fn(&NodeAddr) -> String,
        fence_how: impl Fn(&NodeAddr) -> String,
    ) {
        for s in &mut self.steps {
            match s {
                Step::Persist { node, how, .. } => *how = persist_how(node),
                Step::Fence { node, how, .. } => *how = fence_how(node),
                _ => {}
            }
        }
    }
}

/// What [`old_master`] found.
enum Picked<'a> {
    /// The master to replace.
    Master(&'a NodeState),
    /// A stopped switchover's demotion loop, planned whole ([`plan_demotion_loop`]).
    Plan(Result<Plan, Refusal>),
}

/// The master to replace: the one live master, else the one the replicas name (unplanned),
/// else a stopped switchover's demotion loop; several masters is a split brain.
fn old_master<'a>(snap: &'a Snapshot, masters: &[&'a NodeState]) -> Result<Picked<'a>, Refusal> {
    let live: Vec<&NodeState> = masters.iter().copied().filter(|m| m.reachable()).collect();
    Ok(match live.as_slice() {
        [m] => Picked::Master(m),
        [] => {
            // A switchover before 6.2 stopped between demoting the old master and promoting
            // the candidate: the two replicate from each other.
            if let Some(p) = plan_demotion_loop(snap) {
                return Ok(Picked::Plan(p));
            }
            // No live master: the one the replicas name.
            let named: Vec<&NodeAddr> = snap
                .nodes
                .iter()
                .filter(|n| n.role == Role::Replica)
                .filter_map(|n| n.master.as_ref())
                .collect();
            let first = named.first().ok_or(Refusal::NoMaster)?;
            if named.iter().any(|m| m != first) {
                return Err(Refusal::SplitBrain(
                    named
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
            Picked::Master(snap.get(first).ok_or(Refusal::NoMaster)?)
        }
        many => {
            return Err(Refusal::SplitBrain(
                many.iter()
                    .map(|m| m.addr.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
    })
}

/// The candidate: `--to` when it is an eligible replica of `master`, else the best ranked
/// eligible one.
fn choose(ranking: &[Candidate], req: &Request, master: &NodeState) -> Result<Candidate, Refusal> {
    Ok(match &req.to {
        Some(to) => {
            let Some(c) = ranking.iter().find(|c| &c.addr == to) else {
                return Err(Refusal::Ineligible {
                    addr: to.clone(),
                    reasons: vec![format!("not a replica of the master {}", master.addr)],
                });
            };
            if !c.eligible() {
                return Err(Refusal::Ineligible {
                    addr: to.clone(),
                    reasons: c.rejected.clone(),
                });
            }
            c.clone()
        }
        None => match ranking.first().filter(|c| c.eligible()) {
            Some(c) => c.clone(),
            None if ranking.is_empty() => {
                return Err(Refusal::NoCandidate(format!(
                    "{} has no replicas",
                    master.addr
                )));
            }
            None => {
                let why: Vec<String> = ranking
                    .iter()
                    .map(|c| format!("{}: {}", c.addr, c.rejected.join(", ")))
                    .collect();
                return Err(Refusal::NoCandidate(why.join("; ")));
            }
        },
    })
}

/// Before 6.2 (no CLIENT PAUSE … WRITE): fence, wait, demote, promote; what it costs.
fn demote_first_steps(
    master: &NodeState,
    chosen: &Candidate,
    budget_ms: u64,
) -> (Vec<Step>, Vec<String>) {
    let mut steps = Vec::new();
    let mut warnings = Vec::new();
    steps.push(Step::FenceWrites {
        node: master.addr.clone(),
        extend_pause: false,
    });
    steps.push(Step::WaitCaughtUp {
        replica: chosen.addr.clone(),
        master: master.addr.clone(),
        budget_ms,
    });
    steps.push(Step::Demote {
        node: master.addr.clone(),
        master: chosen.addr.clone(),
    });
    steps.push(Step::Promote {
        node: chosen.addr.clone(),
    });
    let version = master.version.as_deref().unwrap_or("?");
    warnings.push(format!(
        "{} runs Redis {version}, which has no CLIENT PAUSE WRITE (6.2+): from the fence to the promotion its writes are refused (NOREPLICAS, then READONLY) instead of held, for a few milliseconds; reads go on. Its clients are disconnected when it becomes a replica, as Sentinel does, so that they find the new master",
        master.addr
    ));
    if master
        .version
        .as_deref()
        .and_then(ServerVersion::parse_shown)
        .is_some_and(|v| !v.at_least(4, 0))
    {
        warnings.push(format!(
            "Redis {version} has no PSYNC2: {} and the other replicas full-resync from {} after the switch",
            master.addr, chosen.addr
        ));
    }
    (steps, warnings)
}

/// 6.2+: pause writes, wait, fence, promote, re-point the old master, unpause.
fn paused_steps(
    master: &NodeState,
    chosen: &Candidate,
    budget_ms: u64,
) -> (Vec<Step>, Vec<String>) {
    let mut steps = Vec::new();
    let mode = pause_mode(master.version.as_deref());
    steps.push(Step::PauseWrites {
        node: master.addr.clone(),
        // The pause outlives the budget by a margin for promote + re-point (milliseconds
        // in practice), and still lifts by itself if rkv is killed.
        timeout_ms: budget_ms + 2_000,
        mode,
    });
    steps.push(Step::WaitCaughtUp {
        replica: chosen.addr.clone(),
        master: master.addr.clone(),
        budget_ms,
    });
    steps.push(Step::FenceWrites {
        node: master.addr.clone(),
        extend_pause: true,
    });
    steps.push(Step::Promote {
        node: chosen.addr.clone(),
    });
    steps.push(Step::Follow {
        node: master.addr.clone(),
        master: chosen.addr.clone(),
    });
    steps.push(Step::Unpause {
        node: master.addr.clone(),
    });
    (steps, Vec::new())
}

/// The master is gone: promote, fence the old master's config; what is lost.
fn unplanned_steps(master: &NodeState, chosen: &Candidate) -> (Vec<Step>, Vec<String>) {
    let mut steps = Vec::new();
    let mut warnings = Vec::new();
    steps.push(Step::Promote {
        node: chosen.addr.clone(),
    });
    // Fence right after the promotion: the sooner the old master's config names the new
    // master, the smaller the window in which a restart brings back a second master.
    steps.push(Step::Fence {
        node: master.addr.clone(),
        master: chosen.addr.clone(),
        how: FENCE_DEFAULT.to_string(),
    });
    let lost = chosen.offset.zip(master.offset).map(|(c, m)| m - c);
    warnings.push(match lost {
        Some(n) if n > 0 => format!(
            "{} is unreachable: at least {n} bytes of its replication stream never reached {}; writes it acknowledged after offset {} are lost",
            master.addr,
            chosen.addr,
            chosen.offset.unwrap_or(0)
        ),
        _ => format!(
            "{} is unreachable: writes it acknowledged that no replica received are lost",
            master.addr
        ),
    });
    warnings.push(format!(
        "{} must not come back as a master: reconfigure it as a replica of {} (replicaof in its config) before restarting it",
        master.addr, chosen.addr
    ));
    (steps, warnings)
}

/// Make the plan.
pub fn plan(snap: &Snapshot, req: &Request) -> Result<Plan, Refusal> {
    let masters: Vec<&NodeState> = snap
        .nodes
        .iter()
        .filter(|n| n.role == Role::Master)
        .collect();

    // Resume: the requested candidate is already a master that continues another master's
    // history (its replid2 is that master's replid), or nothing else is master.
    if let Some(c) = req
        .to
        .as_ref()
        .and_then(|to| snap.get(to))
        .filter(|c| c.role == Role::Master && c.reachable())
    {
        let others: Vec<&NodeState> = masters
            .iter()
            .copied()
            .filter(|m| m.addr != c.addr)
            .collect();
        let continues = |m: &NodeState| m.replid.is_some() && c.replid2 == m.replid;
        if others.iter().all(|m| continues(m)) {
            return plan_resume(snap, c, &others, req);
        }
    }

    let master = match old_master(snap, &masters)? {
        Picked::Master(m) => m,
        Picked::Plan(p) => return p,
    };
    let planned = master.reachable();
    if planned && req.sentinel_watching && !req.ignore_sentinel {
        return Err(Refusal::SentinelWatching(master.addr.clone()));
    }
    // Before 6.2 there is no CLIENT PAUSE … WRITE: the old master is fenced and demoted
    // before the candidate is promoted (see `Step::Demote`), with no pause at all.
    let demote_first = planned && pause_mode(master.version.as_deref()) == PauseMode::All;
    let ranking = rank(snap, master, planned);
    let chosen = choose(&ranking, req, master)?;

    let siblings: Vec<NodeAddr> = ranking
        .iter()
        .filter(|c| c.addr != chosen.addr)
        .filter(|c| snap.get(&c.addr).is_some_and(NodeState::reachable))
        .map(|c| c.addr.clone())
        .collect();
    let budget_ms = req.max_write_pause.as_millis() as u64;
    let (mut steps, mut warnings) = if demote_first {
        demote_first_steps(master, &chosen, budget_ms)
    } else if planned {
        paused_steps(master, &chosen, budget_ms)
    } else {
        unplanned_steps(master, &chosen)
    };
    for s in &siblings {
        steps.push(Step::Follow {
            node: s.clone(),
            master: chosen.addr.clone(),
        });
    }
    let mut followers: Vec<NodeAddr> = siblings.clone();
    if planned {
        followers.insert(0, master.addr.clone());
        steps.push(lift_after_follow(&master.addr, &chosen.addr));
    }
    steps.push(Step::Verify {
        master: chosen.addr.clone(),
        replicas: followers.clone(),
    });
    steps.push(persist(&chosen.addr, None));
    for f in &followers {
        steps.push(persist(f, Some(&chosen.addr)));
    }
    for c in ranking
        .iter()
        .filter(|c| c.addr != chosen.addr && !siblings.contains(&c.addr))
    {
        warnings.push(format!(
            "{} is unreachable and was not re-pointed; point it at {} when it returns",
            c.addr, chosen.addr
        ));
    }
    Ok(Plan {
        kind: if planned {
            Kind::Switchover
        } else {
            Kind::Failover
        },
        old_master: master.addr.clone(),
        candidate: chosen.addr.clone(),
        ranking,
        steps,
        warnings,
        full_resync_expected: Vec::new(),
    })
}

/// Two reachable replicas naming each other, as a switchover on Redis < 6.2 leaves them when
/// it stops after [`Step::Demote`] and before the promotion: the old master (the one carrying
/// rkv's fence) is a replica of the candidate, which still names it; neither takes writes,
/// and neither can sync from the other (a replica without a master link refuses SYNC).
/// When the candidate is known to have every write of the old master (same replid, offset at
/// least as far) the switchover is finished; otherwise (or before 4.0, whose replicas keep no
/// replid) the old master, which has every write, is made master again. `None` when there is
/// no such pair.
fn plan_demotion_loop(snap: &Snapshot) -> Option<Result<Plan, Refusal>> {
    let replicas: Vec<&NodeState> = snap
        .nodes
        .iter()
        .filter(|n| n.reachable() && n.role == Role::Replica)
        .collect();
    let (a, b) = replicas.iter().find_map(|a| {
        let b = replicas
            .iter()
            .find(|b| a.master.as_ref() == Some(&b.addr) && b.master.as_ref() == Some(&a.addr))?;
        Some((*a, *b))
    })?;
    let fenced = |n: &NodeState| {
        n.min_replicas_to_write
            .is_some_and(|v| v >= super::fence::FENCE_REPLICAS as i64)
    };
    let (old, cand) = match (fenced(a), fenced(b)) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => {
            let (x, y) = if a.addr <= b.addr { (a, b) } else { (b, a) };
            return Some(Err(Refusal::ReplicationLoop(
                x.addr.clone(),
                y.addr.clone(),
            )));
        }
    };
    let sibling_states: Vec<&NodeState> = replicas
        .iter()
        .filter(|n| n.addr != old.addr && n.addr != cand.addr)
        .filter(|n| n.master.as_ref() == Some(&old.addr))
        .copied()
        .collect();
    let siblings: Vec<NodeAddr> = sibling_states.iter().map(|n| n.addr.clone()).collect();
    let has_all = old.replid.is_some()
        && cand.replid == old.replid
        && cand.offset.zip(old.offset).is_some_and(|(c, o)| c >= o);
    let stopped = format!(
        "an earlier switchover stopped after making {} a replica of {} and before promoting {}",
        old.addr, cand.addr, cand.addr
    );
    let off = |n: &NodeState| n.offset.map_or("?".into(), |o| o.to_string());
    let mut steps = Vec::new();
    let (new, warning) = if has_all {
        steps.push(Step::Promote {
            node: cand.addr.clone(),
        });
        for s in &siblings {
            steps.push(Step::Follow {
                node: s.clone(),
                master: cand.addr.clone(),
            });
        }
        steps.push(lift_after_follow(&old.addr, &cand.addr));
        (
            cand,
            format!(
                "{stopped}; {} has every write of {} (offset {} >= {}, same replid): finishing it",
                cand.addr,
                old.addr,
                off(cand),
                off(old)
            ),
        )
    } else {
        steps.push(Step::Promote {
            node: old.addr.clone(),
        });
        steps.push(Step::LiftFence {
            node: old.addr.clone(),
            master: None,
        });
        let why = if old.replid.is_none() {
            format!(
                "Redis {} keeps no replication id on a replica, so it cannot be shown that {} has every write",
                old.version.as_deref().unwrap_or("?"),
                cand.addr
            )
        } else {
            format!(
                "{} may lack writes of {} (offset {} against {})",
                cand.addr,
                old.addr,
                off(cand),
                off(old)
            )
        };
        (
            old,
            format!(
                "{stopped}; {why}: {} is made master again with all its writes. Run the switchover again",
                old.addr
            ),
        )
    };
    let followers: Vec<NodeAddr> = [a, b]
        .iter()
        .filter(|n| n.addr != new.addr)
        .map(|n| n.addr.clone())
        .chain(siblings.iter().cloned())
        .collect();
    steps.push(Step::Verify {
        master: new.addr.clone(),
        replicas: followers.clone(),
    });
    steps.push(persist(&new.addr, None));
    for f in &followers {
        steps.push(persist(f, Some(&new.addr)));
    }
    let full_resync_expected = loop_full_resyncs(old, cand, new, &followers, &sibling_states);
    Some(Ok(Plan {
        kind: Kind::Resume,
        old_master: old.addr.clone(),
        candidate: new.addr.clone(),
        ranking: Vec::new(),
        steps,
        warnings: vec![warning],
        full_resync_expected,
    }))
}

/// The full resyncs a demotion loop's resolution cannot avoid, each with why: before 4.0 every
/// follower of an old master made master again; else siblings on a replication id the
/// candidate does not have.
fn loop_full_resyncs(
    old: &NodeState,
    cand: &NodeState,
    new: &NodeState,
    followers: &[NodeAddr],
    sibling_states: &[&NodeState],
) -> Vec<(NodeAddr, String)> {
    // A sibling still on a replication id the candidate no longer has (the old master was
    // made master again, which gave it a new id, and was demoted again before the sibling
    // reconnected to it): the candidate's promotion drops that id too, so it syncs in full.
    let stale: Vec<(NodeAddr, String)> = if new.addr == cand.addr {
        sibling_states
            .iter()
            .filter(|s| s.replid.is_some() && cand.replid.is_some() && s.replid != cand.replid)
            .map(|s| {
                (
                    cand.addr.clone(),
                    format!(
                        "{} is on replication id {}, which {} does not have (it has {})",
                        s.addr,
                        s.replid.as_deref().unwrap_or("?"),
                        cand.addr,
                        cand.replid.as_deref().unwrap_or("?")
                    ),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    // Before 4.0 a master that becomes a replica frees its backlog: every node that follows
    // it again full-resyncs.
    if new.addr == old.addr && old.replid.is_none() {
        followers
            .iter()
            .map(|f| {
                (
                    old.addr.clone(),
                    format!(
                        "{f} follows {} again, which freed its backlog when it was made a replica (Redis {} has no PSYNC2)",
                        old.addr,
                        old.version.as_deref().unwrap_or("?")
                    ),
                )
            })
            .collect()
    } else {
        stale
    }
}

/// Lift the fence on `node` once it follows `master`.
fn lift_after_follow(node: &NodeAddr, master: &NodeAddr) -> Step {
    Step::LiftFence {
        node: node.clone(),
        master: Some(master.clone()),
    }
}

/// Add what a re-run must do about fences an earlier run left in place (`fenced`: the nodes
/// whose `min-replicas-to-write` is rkv's fence, read by the command): a plan that would
/// not lift them gets a [`Step::LiftFence`] each, before its Verify; "nothing to do" becomes
/// a plan of lifts. A fenced node that is a master with no other live master (its candidate
/// died, or the run stopped before the promotion and this is the same master) is lifted
/// where it is; a replica once it follows its master.
pub fn with_fence_lifts(
    planned: Result<Plan, Refusal>,
    snap: &Snapshot,
    fenced: &[NodeAddr],
) -> Result<Plan, Refusal> {
    let candidate = planned.as_ref().ok().map(|p| p.candidate.clone());
    let lift_for = |n: &NodeAddr| -> Option<Step> {
        let st = snap.get(n)?;
        if candidate.as_ref() == Some(n) {
            // Promoted by this plan: it will be the master.
            return Some(Step::LiftFence {
                node: n.clone(),
                master: None,
            });
        }
        match st.role {
            Role::Master => Some(Step::LiftFence {
                node: n.clone(),
                master: None,
            }),
            Role::Replica => Some(Step::LiftFence {
                node: n.clone(),
                master: st.master.clone(),
            }),
            Role::Unknown => None,
        }
    };
    // Replicas still behind a fenced old master that already follows the new one (the run
    // stopped between re-pointing the old master and its siblings): they were siblings, not
    // chained replicas by design, so they are re-pointed too.
    let behind_fenced = |new: &NodeAddr, steps: &[Step]| -> Vec<Step> {
        snap.nodes
            .iter()
            // Not the new master itself: a candidate promoted by this plan may still name
            // the fenced old master it followed (a switchover stopped after the demotion).
            .filter(|n| n.reachable() && n.role == Role::Replica && &n.addr != new)
            .filter(|n| n.master.as_ref().is_some_and(|m| fenced.contains(m)))
            .filter(|n| {
                n.master
                    .as_ref()
                    .and_then(|m| snap.get(m))
                    .is_some_and(|m| m.role == Role::Replica && m.master.as_ref() == Some(new))
            })
            .filter(|n| {
                !steps
                    .iter()
                    .any(|s| matches!(s, Step::Follow { node, .. } if node == &n.addr))
            })
            .map(|n| Step::Follow {
                node: n.addr.clone(),
                master: new.clone(),
            })
            .collect()
    };
    match planned {
        Ok(mut p) => {
            let lifted: Vec<NodeAddr> = p
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::LiftFence { node, .. } => Some(node.clone()),
                    // A switchover re-fences its old master and lifts it at the end.
                    Step::FenceWrites { node, .. } => Some(node.clone()),
                    _ => None,
                })
                .collect();
            let at = p
                .steps
                .iter()
                .position(|s| matches!(s, Step::Verify { .. }))
                .unwrap_or(p.steps.len());
            let extra: Vec<Step> = fenced
                .iter()
                .filter(|n| !lifted.contains(n))
                .filter_map(lift_for)
                .collect();
            let mut extra = extra;
            if p.kind == Kind::Resume {
                let follow = behind_fenced(&p.candidate, &p.steps);
                extra.splice(0..0, follow);
            }
            for (i, s) in extra.into_iter().enumerate() {
                p.steps.insert(at + i, s);
            }
            Ok(p)
        }
        Err(Refusal::NothingToDo(new)) => {
            let mut steps: Vec<Step> = behind_fenced(&new, &[]);
            let repointed: Vec<NodeAddr> = steps
                .iter()
                .filter_map(|s| match s {
                    Step::Follow { node, .. } => Some(node.clone()),
                    _ => None,
                })
                .collect();
            steps.extend(fenced.iter().filter_map(lift_for));
            if !repointed.is_empty() {
                steps.push(Step::Verify {
                    master: new.clone(),
                    replicas: repointed,
                });
            }
            if steps.is_empty() {
                return Err(Refusal::NothingToDo(new));
            }
            let why = format!(
                "{new} is already master and every replica follows it: lifting the fence(s) an earlier run left"
            );
            Ok(tidy_up(&new, steps, why))
        }
        Err(other) => Err(other),
    }
}

/// Add what a re-run must put back of the sibling priorities a killed Sentinel-coordinated run
/// left at 0 (`lowered`: node, setting name, its own value, as the command found them in the
/// journal and on the node): a [`Step::RestorePriority`] each, before the plan's first
/// Persist (whose CONFIG REWRITE then keeps the value), or at the end; "nothing to do"
/// becomes a plan of these.
pub fn with_priority_restores(
    planned: Result<Plan, Refusal>,
    snap: &Snapshot,
    lowered: &[(NodeAddr, String, String)],
) -> Result<Plan, Refusal> {
    let steps = lowered
        .iter()
        .map(|(node, name, value)| Step::RestorePriority {
            node: node.clone(),
            name: name.clone(),
            value: value.clone(),
        });
    // Sentinel rewrote the node's config (SLAVEOF + CONFIG REWRITE) while its priority was
    // 0: a Persist of its role writes the restored value there too.
    let persist_each = |steps: &mut Vec<Step>| {
        for (node, _, _) in lowered {
            let persisted = steps
                .iter()
                .any(|s| matches!(s, Step::Persist { node: n, .. } if n == node));
            if !persisted && let Some(n) = snap.get(node) {
                steps.push(persist(node, n.master.as_ref()));
            }
        }
    };
    match planned {
        Ok(mut p) if !lowered.is_empty() => {
            let at = p
                .steps
                .iter()
                .position(|s| matches!(s, Step::Persist { .. }))
                .unwrap_or(p.steps.len());
            for (i, s) in steps.enumerate() {
                p.steps.insert(at + i, s);
            }
            persist_each(&mut p.steps);
            Ok(p)
        }
        Err(Refusal::NothingToDo(new)) if !lowered.is_empty() => {
            let names: Vec<String> = lowered.iter().map(|(n, _, _)| n.to_string()).collect();
            let why = format!(
                "{new} is already master and every replica follows it, but an earlier Sentinel-coordinated run left the priority of {} at 0: putting it back",
                names.join(", ")
            );
            let mut steps: Vec<Step> = steps.collect();
            persist_each(&mut steps);
            Ok(tidy_up(&new, steps, why))
        }
        other => other,
    }
}

/// A resume of a group whose switch is done (`new` is master, everything follows it) that
/// only tidies up what an earlier run left: `steps`, and `why` as its warning.
fn tidy_up(new: &NodeAddr, steps: Vec<Step>, why: String) -> Plan {
    Plan {
        kind: Kind::Resume,
        old_master: new.clone(),
        candidate: new.clone(),
        ranking: Vec::new(),
        steps,
        warnings: vec![why],
        full_resync_expected: Vec::new(),
    }
}

/// Add what a re-run must do about roles an earlier run changed but did not write to the
/// nodes' configs (`unpersisted`: the nodes whose journaled persist is still pending, read by
/// the command): a node a restart would otherwise bring back in its old role (an old master
/// restarting as a master next to the new one). Each gets a [`Step::Persist`] of the role it
/// has now, unless the plan persists it already; "nothing to do" becomes a plan of persists.
pub fn with_pending_persists(
    planned: Result<Plan, Refusal>,
    snap: &Snapshot,
    unpersisted: &[NodeAddr],
) -> Result<Plan, Refusal> {
    let step_for = |n: &NodeAddr| -> Option<Step> {
        let st = snap.get(n).filter(|st| st.reachable())?;
        match st.role {
            Role::Master => Some(persist(n, None)),
            Role::Replica => st.master.as_ref().map(|m| persist(n, Some(m))),
            Role::Unknown => None,
        }
    };
    match planned {
        Ok(mut p) => {
            let missing: Vec<Step> = unpersisted
                .iter()
                .filter(|n| {
                    !p.steps
                        .iter()
                        .any(|s| matches!(s, Step::Persist { node, .. } if &node == n))
                })
                .filter_map(step_for)
                .collect();
            p.steps.extend(missing);
            Ok(p)
        }
        Err(Refusal::NothingToDo(new)) => {
            let steps: Vec<Step> = unpersisted.iter().filter_map(step_for).collect();
            if steps.is_empty() {
                return Err(Refusal::NothingToDo(new));
            }
            let names: Vec<String> = steps
                .iter()
                .filter_map(|s| match s {
                    Step::Persist { node, .. } => Some(node.to_string()),
                    _ => None,
                })
                .collect();
            let why = format!(
                "{new} is already master and every replica follows it, but an earlier run stopped before writing the new roles of {} to their configs: persisting them, so that a restart does not bring an old role back",
                names.join(", ")
            );
            Ok(tidy_up(&new, steps, why))
        }
        Err(other) => Err(other),
    }
}

/// The candidate is already master: re-point whatever still follows (or is) an old master.
fn plan_resume(
    snap: &Snapshot,
    new: &NodeState,
    old_masters: &[&NodeState],
    req: &Request,
) -> Result<Plan, Refusal> {
    let olds: Vec<&NodeAddr> = old_masters.iter().map(|m| &m.addr).collect();
    let mut steps = Vec::new();
    let mut followers = Vec::new();
    let mut warnings = vec![format!(
        "{} is already master: finishing an earlier run",
        new.addr
    )];
    let mut full_resync_expected = Vec::new();
    for m in old_masters.iter().filter(|m| m.reachable()) {
        let choice = diverged_old_master(m, new, req, &mut warnings)?;
        if let Some(why) = &choice.resync {
            full_resync_expected.push((new.addr.clone(), why.clone()));
        }
        // Its replicas that went on past the fork with it cannot partially resync either.
        if let Some(fork) = choice.fork {
            for r in snap.nodes.iter().filter(|r| {
                r.reachable() && r.master.as_ref() == Some(&m.addr) && r.offset > Some(fork)
            }) {
                let why = format!(
                    "{} followed {} past the fork at offset {fork}",
                    r.addr, m.addr
                );
                // From the new master once re-pointed, or from the old master if it
                // reconnects there first (its history changed when it followed the new one).
                full_resync_expected.push((new.addr.clone(), why.clone()));
                full_resync_expected.push((m.addr.clone(), why));
            }
        }
        if let Some(carry) = choice.carry {
            steps.push(Step::PauseWrites {
                node: m.addr.clone(),
                timeout_ms: req.max_write_pause.as_millis() as u64 + 2_000,
                mode: PauseMode::Write,
            });
            steps.push(carry);
        }
        steps.push(Step::Follow {
            node: m.addr.clone(),
            master: new.addr.clone(),
        });
        steps.push(Step::Unpause {
            node: m.addr.clone(),
        });
        followers.push(m.addr.clone());
    }
    for n in &snap.nodes {
        let behind_old = n.master.as_ref().is_some_and(|m| olds.contains(&m));
        if n.reachable() && n.role == Role::Replica && behind_old && !followers.contains(&n.addr) {
            steps.push(Step::Follow {
                node: n.addr.clone(),
                master: new.addr.clone(),
            });
            followers.push(n.addr.clone());
        }
    }
    if steps.is_empty() {
        return Err(Refusal::NothingToDo(new.addr.clone()));
    }
    // An earlier run fenced the old masters: lift it once they follow (inert where none).
    for m in old_masters.iter().filter(|m| m.reachable()) {
        steps.push(lift_after_follow(&m.addr, &new.addr));
    }
    let all: Vec<NodeAddr> = snap
        .nodes
        .iter()
        .filter(|n| n.reachable() && n.addr != new.addr)
        .filter(|n| n.master.as_ref() == Some(&new.addr) || followers.contains(&n.addr))
        .map(|n| n.addr.clone())
        .collect();
    steps.push(Step::Verify {
        master: new.addr.clone(),
        replicas: all.clone(),
    });
    steps.push(persist(&new.addr, None));
    for f in &followers {
        steps.push(persist(f, Some(&new.addr)));
    }
    Ok(Plan {
        kind: Kind::Resume,
        old_master: old_masters
            .first()
            .map_or_else(|| new.addr.clone(), |m| m.addr.clone()),
        candidate: new.addr.clone(),
        ranking: Vec::new(),
        steps,
        warnings,
        full_resync_expected,
    })
}

/// What [`diverged_old_master`] decided for one old master.
#[derive(Debug, Default)]
struct DivergeStep {
    /// The CarryOver step to run (after pausing it).
    carry: Option<Step>,
    /// Why its re-pointing will need a full resync, when it will.
    resync: Option<String>,
    /// The fork, when it went on past it (its replicas that did too need a full resync).
    fork: Option<i64>,
}

/// An old master about to be re-pointed at `new`: refuse when it wrote past the fork and the
/// operator chose nothing; with `--discard-writes-of` it goes ahead with a warning; with
/// `--carry-over` the step that replays its writes is returned (the caller pauses it first).
fn diverged_old_master(
    m: &NodeState,
    new: &NodeState,
    req: &Request,
    warnings: &mut Vec<String>,
) -> Result<DivergeStep, Refusal> {
    let choice = &req.diverge;
    let discard = choice.discard_writes_of.contains(&m.addr);
    let Verdict::Diverged {
        replid,
        fork,
        bytes,
        ..
    } = diverge::judge(&history(m), &history(new))
    else {
        if discard {
            warnings.push(format!(
                "--discard-writes-of {}: it holds no writes past the fork, nothing is dropped",
                m.addr
            ));
        }
        return Ok(DivergeStep::default());
    };
    let read = choice.read(&m.addr).cloned();
    if let Some(Ok(r)) = &read
        && r.commands == 0
    {
        warnings.push(format!(
            "{} went on {bytes} byte(s) past offset {fork}, but they hold no write ({} PING(s), {} REPLCONF): nothing is dropped",
            m.addr, r.pings, r.replconf
        ));
        return Ok(DivergeStep {
            carry: None,
            fork: Some(fork),
            resync: Some(format!(
                "{} went on past the fork with PINGs only: its offset is past the new master's history",
                m.addr
            )),
        });
    }
    let what = match &read {
        Some(Ok(r)) => r.describe(),
        _ => format!("{bytes} byte(s), an upper bound"),
    };
    if discard {
        warnings.push(format!(
            "--discard-writes-of {}: dropping its writes past offset {fork} (it full-resyncs from {}): {what}",
            m.addr, new.addr
        ));
        return Ok(DivergeStep {
            carry: None,
            fork: Some(fork),
            resync: Some(format!(
                "{}'s writes past offset {fork} were dropped (--discard-writes-of)",
                m.addr
            )),
        });
    }
    if !choice.carry_over {
        return Err(Refusal::Diverged {
            node: m.addr.clone(),
            new_master: new.addr.clone(),
            fork,
            bytes,
            read: read.map(Box::new),
        });
    }
    let cannot = |why: String| Refusal::CannotCarryOver {
        node: m.addr.clone(),
        why,
    };
    if pause_mode(m.version.as_deref()) != PauseMode::Write {
        return Err(cannot(format!(
            "it runs Redis {}, which cannot hold writes while its backlog is read (CLIENT PAUSE WRITE needs 6.2)",
            m.version.as_deref().unwrap_or("?")
        )));
    }
    match &read {
        Some(Ok(r)) if !r.dbs_known => {
            return Err(cannot(
                "the database of its writes cannot be read from its backlog (no SELECT before them)"
                    .into(),
            ));
        }
        Some(Ok(_)) => {}
        Some(Err(e)) => return Err(cannot(e.clone())),
        None => return Err(cannot("its backlog was not read".into())),
    }
    warnings.push(format!(
        "--carry-over: {}'s writes past offset {fork} are replayed on {} before it is re-pointed (it then full-resyncs from {}): {what}",
        m.addr, new.addr, new.addr
    ));
    Ok(DivergeStep {
        carry: Some(Step::CarryOver {
            from: m.addr.clone(),
            to: new.addr.clone(),
            replid,
            fork,
        }),
        fork: Some(fork),
        resync: Some(format!(
            "{}'s writes past offset {fork} were carried over (--carry-over); its own copy is replaced",
            m.addr
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(p: u16) -> NodeAddr {
        NodeAddr::new("127.0.0.1", p)
    }

    fn master(p: u16, offset: i64) -> NodeState {
        let mut n = NodeState::new(addr(p));
        n.role = Role::Master;
        n.offset = Some(offset);
        n.replid = Some("a".repeat(40));
        n.version = Some("7.0.15".into());
        n
    }

    fn replica(p: u16, of: u16, offset: i64, priority: i64) -> NodeState {
        let mut n = NodeState::new(addr(p));
        n.role = Role::Replica;
        n.master = Some(addr(of));
        n.link = Some(Link::Up);
        n.offset = Some(offset);
        n.priority = Some(priority);
        n.replid = Some("a".repeat(40));
        n
    }

    fn down(mut n: NodeState) -> NodeState {
        n.error = Some("connection refused".into());
        n
    }

    fn snap(nodes: Vec<NodeState>) -> Snapshot {
        Snapshot {
            nodes,
            single_group_expected: false,
        }
    }

    fn req(to: Option<u16>) -> Request {
        Request {
            to: to.map(addr),
            sentinel_watching: false,
            ignore_sentinel: false,
            max_write_pause: Duration::from_secs(5),
            diverge: DivergeChoice::default(),
        }
    }

    fn actions(p: &Plan) -> Vec<String> {
        p.steps.iter().map(Step::describe).collect()
    }

    #[test]
    fn planned_switchover_pauses_waits_promotes_then_repoints_everyone() {
        let s = snap(vec![
            master(1, 100),
            replica(2, 1, 100, 100),
            replica(3, 1, 90, 100),
        ]);
        let p = plan(&s, &req(Some(3))).unwrap();
        assert_eq!(p.kind, Kind::Switchover);
        assert_eq!(p.candidate, addr(3));
        assert_eq!(
            p.steps[..8].to_vec(),
            vec![
                Step::PauseWrites {
                    node: addr(1),
                    timeout_ms: 7000,
                    mode: PauseMode::Write
                },
                Step::WaitCaughtUp {
                    replica: addr(3),
                    master: addr(1),
                    budget_ms: 5000
                },
                Step::FenceWrites {
                    node: addr(1),
                    extend_pause: true
                },
                Step::Promote { node: addr(3) },
                Step::Follow {
                    node: addr(1),
                    master: addr(3)
                },
                Step::Unpause { node: addr(1) },
                Step::Follow {
                    node: addr(2),
                    master: addr(3)
                },
                Step::LiftFence {
                    node: addr(1),
                    master: Some(addr(3))
                },
            ]
        );
        assert!(
            matches!(&p.steps[8], Step::Verify { replicas, .. } if replicas == &vec![addr(1), addr(2)])
        );
        // The fence comes before the point of no return and shows in the plan.
        let fence = p
            .steps
            .iter()
            .position(|s| matches!(s, Step::FenceWrites { .. }));
        let promote = p.steps.iter().position(Step::is_point_of_no_return);
        assert!(fence < promote);
        assert!(
            p.steps[2]
                .describe()
                .contains("min-replicas-to-write 1000000")
        );
        assert_eq!(
            p.steps
                .iter()
                .filter(|s| matches!(s, Step::Persist { .. }))
                .count(),
            3
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn without_to_the_most_advanced_then_lowest_priority_wins() {
        let s = snap(vec![
            master(1, 100),
            replica(2, 1, 90, 1),
            replica(3, 1, 100, 100),
            replica(4, 1, 100, 50),
        ]);
        let p = plan(&s, &req(None)).unwrap();
        assert_eq!(p.candidate, addr(4));
        let order: Vec<u16> = p.ranking.iter().map(|c| c.addr.port()).collect();
        assert_eq!(order, vec![4, 3, 2]);
    }

    #[test]
    fn ineligible_candidates_are_refused_with_reasons() {
        let mut lagging_link = replica(3, 1, 100, 100);
        lagging_link.link = Some(Link::Down);
        let mut other_history = replica(5, 1, 100, 100);
        other_history.replid = Some("b".repeat(40));
        let s = snap(vec![
            master(1, 100),
            replica(2, 1, 100, 0),
            lagging_link,
            down(replica(4, 1, 100, 100)),
            other_history,
        ]);
        for (to, why) in [
            (2, "replica-priority is 0"),
            (3, "link to the master is down"),
            (4, "unreachable"),
            (5, "replication history differs"),
            (9, "not a replica of the master"),
        ] {
            match plan(&s, &req(Some(to))) {
                Err(Refusal::Ineligible { reasons, .. }) => {
                    assert!(reasons.iter().any(|r| r.contains(why)), "{to}: {reasons:?}")
                }
                other => panic!("{to}: expected a refusal, got {other:?}"),
            }
        }
        assert!(matches!(plan(&s, &req(None)), Err(Refusal::NoCandidate(_))));
    }

    #[test]
    fn unreachable_master_gives_an_unplanned_failover_with_loss_warning() {
        let s = snap(vec![
            down(master(1, 120)),
            replica(2, 1, 100, 100),
            replica(3, 1, 110, 100),
        ]);
        let p = plan(&s, &req(None)).unwrap();
        assert_eq!(p.kind, Kind::Failover);
        assert_eq!(p.candidate, addr(3));
        assert_eq!(p.steps[0], Step::Promote { node: addr(3) });
        assert_eq!(
            p.steps[1],
            Step::Fence {
                node: addr(1),
                master: addr(3),
                how: FENCE_DEFAULT.into()
            }
        );
        assert_eq!(
            p.steps[2],
            Step::Follow {
                node: addr(2),
                master: addr(3)
            }
        );
        // The new master persists as a master, the sibling as its replica; the old master
        // is fenced, not persisted (it cannot be reached).
        let persists: Vec<&Step> = p
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Persist { .. }))
            .collect();
        assert_eq!(
            persists,
            vec![
                &Step::Persist {
                    node: addr(3),
                    master: None,
                    how: PERSIST_DEFAULT.into()
                },
                &Step::Persist {
                    node: addr(2),
                    master: Some(addr(3)),
                    how: PERSIST_DEFAULT.into()
                }
            ]
        );
        let mut p2 = p.clone();
        p2.describe_persistence(|n| format!("edit {n}.conf"), |n| format!("ssh to {n}"));
        assert!(
            actions(&p2)
                .iter()
                .any(|a| a
                    == "persist 127.0.0.1:2 as a replica of 127.0.0.1:3: edit 127.0.0.1:2.conf"),
            "{:?}",
            actions(&p2)
        );
        assert!(actions(&p2).iter().any(|a| a.starts_with(
            "fence the old master 127.0.0.1:1 so it returns as a replica of 127.0.0.1:3: ssh to 127.0.0.1:1"
        )));
        assert!(!actions(&p).iter().any(|a| a.contains("pause")));
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("must not come back as a master"))
        );
        assert!(
            p.warnings.iter().any(|w| w.contains("10 bytes")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn sentinel_refuses_unless_ignored() {
        let s = snap(vec![master(1, 100), replica(2, 1, 100, 100)]);
        let mut r = req(None);
        r.sentinel_watching = true;
        assert_eq!(plan(&s, &r), Err(Refusal::SentinelWatching(addr(1))));
        r.ignore_sentinel = true;
        assert!(plan(&s, &r).is_ok());
    }

    #[test]
    fn two_live_masters_are_a_split_brain() {
        let mut other = master(2, 50);
        other.replid = Some("c".repeat(40));
        let s = snap(vec![master(1, 100), other, replica(3, 1, 100, 100)]);
        assert!(matches!(plan(&s, &req(None)), Err(Refusal::SplitBrain(_))));
    }

    #[test]
    fn rerun_after_interruption_only_finishes_what_is_left() {
        // The candidate was promoted, then the run stopped: the old master is still master
        // (and paused), the sibling still follows it.
        let mut new = master(3, 150);
        new.replid = Some("d".repeat(40));
        new.replid2 = Some("a".repeat(40));
        let s = snap(vec![master(1, 150), replica(2, 1, 150, 100), new]);
        let p = plan(&s, &req(Some(3))).unwrap();
        assert_eq!(p.kind, Kind::Resume);
        assert_eq!(
            p.steps[..3].to_vec(),
            vec![
                Step::Follow {
                    node: addr(1),
                    master: addr(3)
                },
                Step::Unpause { node: addr(1) },
                Step::Follow {
                    node: addr(2),
                    master: addr(3)
                },
            ]
        );
        assert!(p.steps.contains(&Step::LiftFence {
            node: addr(1),
            master: Some(addr(3))
        }));
        // And once everything follows, there is nothing left to do.
        let mut old = replica(1, 3, 150, 100);
        old.replid = Some("d".repeat(40));
        let mut sib = replica(2, 3, 150, 100);
        sib.replid = Some("d".repeat(40));
        let mut new = master(3, 150);
        new.replid = Some("d".repeat(40));
        let done = snap(vec![old, sib, new]);
        assert_eq!(
            plan(&done, &req(Some(3))),
            Err(Refusal::NothingToDo(addr(3)))
        );
    }

    #[test]
    fn roles_a_stopped_run_did_not_persist_are_persisted_by_the_rerun() {
        let mut old = replica(1, 3, 150, 100);
        old.replid = Some("d".repeat(40));
        let sib = replica(2, 3, 150, 100);
        let mut new = master(3, 150);
        new.replid = Some("d".repeat(40));
        let done = snap(vec![old, sib, new]);
        // Nothing left to re-point, and nothing journaled as unpersisted: nothing to do.
        assert_eq!(
            with_pending_persists(plan(&done, &req(Some(3))), &done, &[]),
            Err(Refusal::NothingToDo(addr(3)))
        );
        // The run stopped before its Persist steps: each node's current role is persisted.
        let p = with_pending_persists(
            plan(&done, &req(Some(3))),
            &done,
            &[addr(3), addr(1), addr(2)],
        )
        .unwrap();
        assert_eq!(p.kind, Kind::Resume);
        assert_eq!(
            p.steps,
            vec![
                persist(&addr(3), None),
                persist(&addr(1), Some(&addr(3))),
                persist(&addr(2), Some(&addr(3))),
            ]
        );
        assert!(
            p.warnings[0].contains("before writing the new roles"),
            "{:?}",
            p.warnings
        );
        // With fences left too: the lifts, then the persists; an unreachable node is skipped.
        let mut gone = done.clone();
        gone.nodes[1].error = Some("connection refused".into());
        let p = with_pending_persists(
            with_fence_lifts(plan(&gone, &req(Some(3))), &gone, &[addr(1)]),
            &gone,
            &[addr(1), addr(2)],
        )
        .unwrap();
        assert_eq!(
            p.steps,
            vec![
                Step::LiftFence {
                    node: addr(1),
                    master: Some(addr(3))
                },
                persist(&addr(1), Some(&addr(3))),
            ]
        );
        // A plan that persists a node already gets no second Persist for it.
        let live = snap(vec![
            master(1, 150),
            replica(2, 1, 150, 100),
            replica(4, 1, 150, 100),
        ]);
        let before = plan(&live, &req(Some(2))).unwrap();
        let p = with_pending_persists(Ok(before.clone()), &live, &[addr(1), addr(2)]).unwrap();
        assert_eq!(p.steps, before.steps);
    }

    #[test]
    fn fences_left_by_a_stopped_run_are_lifted_by_the_rerun() {
        // Everything follows the new master, but the old master still carries the fence.
        let mut old = replica(1, 3, 150, 100);
        old.replid = Some("d".repeat(40));
        let mut new = master(3, 150);
        new.replid = Some("d".repeat(40));
        let done = snap(vec![old, new]);
        let p = with_fence_lifts(plan(&done, &req(Some(3))), &done, &[addr(1)]).unwrap();
        assert_eq!(p.kind, Kind::Resume);
        assert_eq!(
            p.steps,
            vec![Step::LiftFence {
                node: addr(1),
                master: Some(addr(3))
            }]
        );
        // The run stopped before the sibling was re-pointed: it still follows the fenced old
        // master, which follows the new one; it is re-pointed before the lift.
        let mut old = replica(1, 3, 150, 100);
        old.replid = Some("d".repeat(40));
        let chained = replica(2, 1, 150, 100);
        let mut new3 = master(3, 150);
        new3.replid = Some("d".repeat(40));
        let half = snap(vec![old, chained, new3]);
        let p = with_fence_lifts(plan(&half, &req(Some(3))), &half, &[addr(1)]).unwrap();
        assert_eq!(
            p.steps,
            vec![
                Step::Follow {
                    node: addr(2),
                    master: addr(3)
                },
                Step::LiftFence {
                    node: addr(1),
                    master: Some(addr(3))
                },
                Step::Verify {
                    master: addr(3),
                    replicas: vec![addr(2)]
                }
            ]
        );
        // Without a fence it stays "nothing to do".
        assert_eq!(
            with_fence_lifts(plan(&done, &req(Some(3))), &done, &[]),
            Err(Refusal::NothingToDo(addr(3)))
        );
        // The candidate died after its promotion: the fenced old master is still the
        // master of the live nodes, and naming it lifts its fence where it is.
        let s = snap(vec![master(1, 150), replica(2, 1, 150, 100)]);
        let p = with_fence_lifts(plan(&s, &req(Some(1))), &s, &[addr(1)]).unwrap();
        assert_eq!(
            p.steps,
            vec![Step::LiftFence {
                node: addr(1),
                master: None
            }]
        );
        // A switchover of a node fenced by a run stopped before the promotion: its own
        // FenceWrites/LiftFence cover it, no second lift.
        let p = with_fence_lifts(plan(&s, &req(Some(2))), &s, &[addr(1)]).unwrap();
        assert_eq!(
            p.steps
                .iter()
                .filter(|s| matches!(s, Step::LiftFence { .. }))
                .count(),
            1
        );
    }

    #[test]
    fn offset_zero_is_a_data_replica_only_while_the_master_is_at_zero() {
        let fresh = snap(vec![master(1, 0), replica(2, 1, 0, 100)]);
        assert_eq!(plan(&fresh, &req(Some(2))).unwrap().candidate, addr(2));
        let written = snap(vec![master(1, 500), replica(2, 1, 0, 100)]);
        match plan(&written, &req(Some(2))) {
            Err(Refusal::Ineligible { reasons, .. }) => {
                assert!(reasons.iter().any(|r| r.contains("not a data replica")))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let mut unknown = replica(2, 1, 0, 100);
        unknown.offset = None;
        assert!(plan(&snap(vec![master(1, 0), unknown]), &req(Some(2))).is_err());
    }

    #[test]
    fn a_replica_that_could_not_apply_its_stream_is_never_promoted() {
        let mut diverged = replica(2, 1, 100, 100);
        diverged.apply_error = Some("unknown command 'xadd'".into());
        let s = snap(vec![master(1, 100), diverged, replica(3, 1, 90, 100)]);
        match plan(&s, &req(Some(2))) {
            Err(Refusal::Ineligible { reasons, .. }) => {
                assert!(
                    reasons.iter().any(|r| r.contains("could not apply")),
                    "{reasons:?}"
                )
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(plan(&s, &req(None)).unwrap().candidate, addr(3));
    }

    /// The actions of a plan, in order, with the nodes they act on.
    fn shape(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .map(|s| match s {
                Step::PauseWrites { node, .. } => format!("pause {}", node.port()),
                Step::WaitCaughtUp { replica, .. } => format!("wait {}", replica.port()),
                Step::FenceWrites { node, extend_pause } => {
                    format!("fence {} extend={extend_pause}", node.port())
                }
                Step::Demote { node, master } => {
                    format!("demote {}->{}", node.port(), master.port())
                }
                Step::Promote { node } => format!("promote {}", node.port()),
                Step::Follow { node, master } => {
                    format!("follow {}->{}", node.port(), master.port())
                }
                Step::Unpause { node } => format!("unpause {}", node.port()),
                Step::RestorePriority { node, value, .. } => {
                    format!("priority {}={value}", node.port())
                }
                Step::LiftFence { node, master } => format!(
                    "lift {}{}",
                    node.port(),
                    master
                        .as_ref()
                        .map_or(String::new(), |m| format!("->{}", m.port()))
                ),
                Step::Verify { master, replicas } => format!(
                    "verify {}<-{}",
                    master.port(),
                    replicas
                        .iter()
                        .map(|r| r.port().to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Step::Persist { node, master, .. } => format!(
                    "persist {}{}",
                    node.port(),
                    master
                        .as_ref()
                        .map_or(String::new(), |m| format!("->{}", m.port()))
                ),
                Step::CarryOver { from, to, .. } => format!("carry {}->{}", from.port(), to.port()),
                Step::Fence { node, .. } => format!("fence-down {}", node.port()),
            })
            .collect()
    }

    #[test]
    fn old_servers_switch_over_by_demoting_the_master_before_the_promotion() {
        // Before 6.2 nothing can hold writes while reads go on: fence (no pause), wait, make
        // the old master a replica of the candidate, and only then promote. No pause, no
        // unpause, and the old master is not re-pointed after the promotion (it already is).
        let demote_first = [
            "fence 1 extend=false",
            "wait 2",
            "demote 1->2",
            "promote 2",
            "follow 3->2",
            "lift 1->2",
            "verify 2<-1,3",
            "persist 2",
            "persist 1->2",
            "persist 3->2",
        ];
        let with_pause = [
            "pause 1",
            "wait 2",
            "fence 1 extend=true",
            "promote 2",
            "follow 1->2",
            "unpause 1",
            "follow 3->2",
            "lift 1->2",
            "verify 2<-1,3",
            "persist 2",
            "persist 1->2",
            "persist 3->2",
        ];
        for (version, want, psync2_warning) in [
            ("2.8.24", &demote_first[..], true),
            ("3.2.13", &demote_first[..], true),
            ("4.0.14", &demote_first[..], false),
            ("5.0.7", &demote_first[..], false),
            ("6.0.20", &demote_first[..], false),
            ("6.2.16", &with_pause[..], false),
            ("7.2.6", &with_pause[..], false),
            ("valkey 8.0.1", &with_pause[..], false),
        ] {
            let mut m = master(1, 100);
            m.version = Some(version.into());
            let s = snap(vec![m, replica(2, 1, 100, 100), replica(3, 1, 90, 100)]);
            let p = plan(&s, &req(None)).unwrap_or_else(|e| panic!("{version}: {e}"));
            assert_eq!(p.kind, Kind::Switchover, "{version}");
            assert_eq!(shape(&p), want, "{version}");
            let demoting = want == demote_first;
            assert_eq!(
                p.warnings.iter().any(|w| w.contains("NOREPLICAS")),
                demoting,
                "{version}: {:?}",
                p.warnings
            );
            assert_eq!(
                p.warnings.iter().any(|w| w.contains("no PSYNC2")),
                psync2_warning,
                "{version}: {:?}",
                p.warnings
            );
        }
        // With the old master gone, the unplanned failover needs no pause and goes ahead.
        let mut m = master(1, 100);
        m.version = Some("5.0.7".into());
        let gone = snap(vec![down(m), replica(2, 1, 100, 100)]);
        assert_eq!(plan(&gone, &req(None)).unwrap().kind, Kind::Failover);
    }

    /// What a pre-6.2 switchover stopped after Demote leaves: 1 (the old master, fenced) a
    /// replica of 2, 2 still a replica of 1, 3 a replica of 1.
    fn demotion_loop(cand_offset: i64, replid: bool) -> Snapshot {
        let mut old = replica(1, 2, 500, 100);
        old.min_replicas_to_write = Some(1_000_000);
        old.link = Some(Link::Down);
        let mut cand = replica(2, 1, cand_offset, 100);
        cand.link = Some(Link::Down);
        let mut sib = replica(3, 1, 480, 100);
        sib.link = Some(Link::Down);
        for n in [&mut old, &mut cand, &mut sib] {
            n.version = Some(if replid { "5.0.7" } else { "2.8.24" }.into());
            if !replid {
                n.replid = None;
            }
        }
        snap(vec![old, cand, sib])
    }

    #[test]
    fn priorities_left_at_zero_are_put_back_before_persisting() {
        let lowered = vec![(addr(3), "replica-priority".to_string(), "100".to_string())];
        // Nothing else to do: a plan of the restores alone, each then persisted (Sentinel
        // rewrote the config while the priority was 0).
        let done = snap(vec![master(2, 900), replica(3, 2, 900, 0)]);
        let p =
            with_priority_restores(Err(Refusal::NothingToDo(addr(2))), &done, &lowered).unwrap();
        assert_eq!(p.kind, Kind::Resume);
        assert_eq!(p.candidate, addr(2));
        assert_eq!(shape(&p), ["priority 3=100", "persist 3->2"]);
        assert!(p.warnings[0].contains("left the priority of 127.0.0.1:3 at 0"));
        // Nothing lowered: the refusal stands.
        assert_eq!(
            with_priority_restores(Err(Refusal::NothingToDo(addr(2))), &done, &[]),
            Err(Refusal::NothingToDo(addr(2)))
        );
        // With a plan: before its first Persist, so that the rewrite keeps it.
        let s = demotion_loop(500, true);
        let p = with_priority_restores(plan(&s, &req(None)), &s, &lowered).unwrap();
        let at = p
            .steps
            .iter()
            .position(|s| matches!(s, Step::RestorePriority { .. }))
            .unwrap();
        assert!(
            matches!(p.steps[at + 1], Step::Persist { .. }),
            "{:?}",
            p.steps
        );
        assert!(
            !p.steps[..at]
                .iter()
                .any(|s| matches!(s, Step::Persist { .. }))
        );
    }

    #[test]
    fn a_switchover_stopped_after_the_demotion_is_finished_or_undone() {
        // The candidate has every byte of the old master: finish (promote it).
        let p = plan(&demotion_loop(500, true), &req(None)).unwrap();
        assert_eq!(p.kind, Kind::Resume);
        assert_eq!(
            shape(&p),
            [
                "promote 2",
                "follow 3->2",
                "lift 1->2",
                "verify 2<-1,3",
                "persist 2",
                "persist 1->2",
                "persist 3->2"
            ]
        );
        assert!(p.warnings[0].contains("finishing it"), "{:?}", p.warnings);
        assert!(p.full_resync_expected.is_empty());
        // A sibling left on the id the old master had before a demotion retry made it master
        // again (a new id) cannot partially resync from the candidate once promoted.
        let mut s = demotion_loop(500, true);
        s.nodes[2].replid = Some("0ldh1st0ry".into());
        let p = plan(&s, &req(None)).unwrap();
        assert_eq!(
            p.full_resync_expected.len(),
            1,
            "{:?}",
            p.full_resync_expected
        );
        assert_eq!(p.full_resync_expected[0].0, addr(2));
        assert!(p.full_resync_expected[0].1.contains("0ldh1st0ry"));
        // As the command runs it: with the fence the old master carries. Nothing is pointed
        // at itself (the candidate still names the old master, which follows it).
        let s = demotion_loop(500, true);
        let p = with_fence_lifts(plan(&s, &req(None)), &s, &[addr(1)]).unwrap();
        assert_eq!(
            shape(&p),
            [
                "promote 2",
                "follow 3->2",
                "lift 1->2",
                "verify 2<-1,3",
                "persist 2",
                "persist 1->2",
                "persist 3->2"
            ]
        );
        // Short of it, or no replid to prove it (before 4.0): the old master, which has
        // every write, is made master again.
        for s in [demotion_loop(486, true), demotion_loop(500, false)] {
            let p = plan(&s, &req(None)).unwrap();
            assert_eq!(p.kind, Kind::Resume);
            assert_eq!(
                shape(&p),
                [
                    "promote 1",
                    "lift 1",
                    "verify 1<-2,3",
                    "persist 1",
                    "persist 2->1",
                    "persist 3->1"
                ]
            );
            assert!(
                p.warnings[0].contains("made master again"),
                "{:?}",
                p.warnings
            );
            // Only 2.8/3.2 (no replid) lost the backlog: their followers full-resync.
            let no_replid = s.nodes[0].replid.is_none();
            assert_eq!(p.full_resync_expected.len(), if no_replid { 2 } else { 0 });
        }
        // Neither carries the fence: not rkv's doing, and which one has every write is not
        // known.
        let mut s = demotion_loop(500, true);
        s.nodes[0].min_replicas_to_write = Some(0);
        assert_eq!(
            plan(&s, &req(None)),
            Err(Refusal::ReplicationLoop(addr(1), addr(2)))
        );
    }

    #[test]
    fn valkey_has_the_write_pause_whatever_its_numbers() {
        // Valkey is shown as `valkey 8.0.1`: it was once read as no number at all, so as
        // a pre-6.2 Redis, and its switchover refused.
        for (version, mode) in [
            ("valkey 8.0.1", PauseMode::Write),
            ("valkey 7.2.5", PauseMode::Write),
            ("6.2.16", PauseMode::Write),
            ("7.2.6", PauseMode::Write),
            ("6.0.20", PauseMode::All),
            ("2.8.24", PauseMode::All),
        ] {
            assert_eq!(pause_mode(Some(version)), mode, "{version}");
        }
        let mut m = master(1, 100);
        m.version = Some("valkey 8.0.1".into());
        let s = snap(vec![m, replica(2, 1, 100, 100)]);
        assert_eq!(plan(&s, &req(None)).unwrap().kind, Kind::Switchover);
    }

    /// A hand-made split: 3 was promoted by hand at offset 100 (second_repl_offset 101), the
    /// old master 1 went on to 600.
    fn split() -> Snapshot {
        let mut new = master(3, 120);
        new.replid = Some("d".repeat(40));
        new.replid2 = Some("a".repeat(40));
        new.second_repl_offset = Some(101);
        snap(vec![master(1, 600), replica(2, 1, 600, 100), new])
    }

    fn summary(commands: usize) -> ReadSummary {
        ReadSummary {
            bytes: 500,
            commands,
            pings: 2,
            replconf: 0,
            keys: (0..commands).map(|i| format!("k{i}")).collect(),
            key_count: commands,
            sample: (0..commands).map(|i| format!("SET k{i} v")).collect(),
            dbs_known: true,
        }
    }

    #[test]
    fn a_diverged_old_master_is_refused_and_left_alone() {
        let s = split();
        match plan(&s, &req(Some(3))) {
            Err(Refusal::Diverged {
                node,
                new_master,
                fork,
                bytes,
                read: None,
            }) => {
                assert_eq!(
                    (node, new_master, fork, bytes),
                    (addr(1), addr(3), 100, 500)
                );
            }
            other => panic!("expected a divergence refusal, got {other:?}"),
        }
        let mut r = req(Some(3));
        r.diverge.reads = vec![(addr(1), Ok(summary(2)))];
        let e = plan(&s, &r).unwrap_err().to_string();
        assert!(e.contains("500 byte(s)"), "{e}");
        assert!(
            e.contains("2 command(s) on 2 key(s) (SET k0 v, SET k1 v)"),
            "{e}"
        );
        assert!(e.contains("--discard-writes-of 127.0.0.1:1"), "{e}");
        assert!(e.contains("--carry-over"), "{e}");
        // Naming another node changes nothing.
        r.diverge.discard_writes_of = vec![addr(2)];
        assert!(matches!(plan(&s, &r), Err(Refusal::Diverged { .. })));
    }

    #[test]
    fn discard_names_the_node_and_says_what_is_dropped() {
        let mut r = req(Some(3));
        r.diverge.discard_writes_of = vec![addr(1)];
        r.diverge.reads = vec![(addr(1), Ok(summary(3)))];
        let p = plan(&split(), &r).unwrap();
        assert_eq!(p.kind, Kind::Resume);
        assert_eq!(
            p.steps[0],
            Step::Follow {
                node: addr(1),
                master: addr(3)
            }
        );
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("dropping its writes past offset 100 (it full-resyncs from 127.0.0.1:3): 3 command(s)")),
            "{:?}",
            p.warnings
        );
        // The old master and its replica 2, which followed it past the fork, both need a
        // full resync from 3 (or 2 from 1, if it reconnects to 1 first).
        let who: Vec<u16> = p
            .full_resync_expected
            .iter()
            .map(|(n, _)| n.port())
            .collect();
        assert_eq!(who, vec![3, 3, 1], "{:?}", p.full_resync_expected);
        assert!(
            p.full_resync_expected[1]
                .1
                .contains("127.0.0.1:2 followed 127.0.0.1:1 past the fork at offset 100")
        );
    }

    #[test]
    fn carry_over_pauses_replays_then_repoints() {
        let mut r = req(Some(3));
        r.diverge.carry_over = true;
        r.diverge.reads = vec![(addr(1), Ok(summary(3)))];
        let p = plan(&split(), &r).unwrap();
        assert_eq!(
            p.steps[..4].to_vec(),
            vec![
                Step::PauseWrites {
                    node: addr(1),
                    timeout_ms: 7000,
                    mode: PauseMode::Write
                },
                Step::CarryOver {
                    from: addr(1),
                    to: addr(3),
                    replid: "a".repeat(40),
                    fork: 100
                },
                Step::Follow {
                    node: addr(1),
                    master: addr(3)
                },
                Step::Unpause { node: addr(1) },
            ]
        );
        // Without a reading of the backlog, or with unknown databases, it is refused.
        r.diverge.reads = vec![(addr(1), Err("backlog gone".into()))];
        assert!(matches!(
            plan(&split(), &r),
            Err(Refusal::CannotCarryOver { why, .. }) if why == "backlog gone"
        ));
        let mut unknown = summary(1);
        unknown.dbs_known = false;
        r.diverge.reads = vec![(addr(1), Ok(unknown))];
        assert!(matches!(
            plan(&split(), &r),
            Err(Refusal::CannotCarryOver { .. })
        ));
        // A server without CLIENT PAUSE WRITE cannot hold its writes while we read.
        let mut old = split();
        old.nodes[0].version = Some("6.0.20".into());
        r.diverge.reads = vec![(addr(1), Ok(summary(1)))];
        assert!(matches!(
            plan(&old, &r),
            Err(Refusal::CannotCarryOver { why, .. }) if why.contains("6.0.20")
        ));
    }

    #[test]
    fn bytes_that_are_only_pings_are_not_a_divergence() {
        let mut r = req(Some(3));
        r.diverge.reads = vec![(addr(1), Ok(summary(0)))];
        let p = plan(&split(), &r).unwrap();
        assert_eq!(
            p.steps[0],
            Step::Follow {
                node: addr(1),
                master: addr(3)
            }
        );
        assert!(p.warnings.iter().any(|w| w.contains("hold no write")));
        // And an old master that stopped at the fork is re-pointed without a word.
        let mut clean = split();
        clean.nodes[0].offset = Some(100);
        let p = plan(&clean, &req(Some(3))).unwrap();
        assert!(p.full_resync_expected.is_empty());
    }
}
