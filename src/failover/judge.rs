//! Judging a run (pure): from what was read before and after it, which full resyncs are
//! problems and which are expected (with the note that says why), whether the new master
//! continues the old history, and which unhealthy nodes the topology may show afterwards.
//! `rkv failover` gathers the evidence, runs the plan, reads the nodes again and renders
//! what [`judge`] returns; every rule here is table-tested below.

use crate::failover::execute::RunOutcome;
use crate::failover::plan::{Kind, Plan};
use crate::failover::probe::{HistoryProof, SyncStats};
use crate::node::NodeAddr;
use crate::topology::Snapshot;
use crate::topology::model::{ProblemJson, ProblemKind as HealthKind};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// What kind of problem a run found. Serialized as the contract's strings: `refused`,
/// `step_failed`, `history`, `full_resync`, or a topology health rule's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The plan was refused (nothing ran).
    Refused,
    /// A step failed and the run stopped there.
    StepFailed,
    /// The new master does not continue the old master's history.
    History,
    /// A node served a full resync that nothing explains.
    FullResync,
    /// A topology health rule failed on the group after the run.
    Topology(HealthKind),
}

impl Serialize for ProblemKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ProblemKind::Refused => s.serialize_str("refused"),
            ProblemKind::StepFailed => s.serialize_str("step_failed"),
            ProblemKind::History => s.serialize_str("history"),
            ProblemKind::FullResync => s.serialize_str("full_resync"),
            // The health rule's own name (`link_down`, `multiple_masters`, …).
            ProblemKind::Topology(k) => k.serialize(s),
        }
    }
}

/// One problem found after (or while) running.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// The node concerned.
    pub node: Option<String>,
    /// A sentence for the operator.
    pub message: String,
}

/// Resync counters that moved on one node during the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResyncDelta {
    /// The node (these count syncs it served as a master).
    pub node: NodeAddr,
    /// Full resyncs served.
    pub sync_full: i64,
    /// Partial resyncs served.
    pub sync_partial_ok: i64,
    /// Partial resyncs refused.
    pub sync_partial_err: i64,
}

/// What was known and read around a run, for [`judge`].
pub struct Evidence<'a> {
    /// The plan that ran.
    pub plan: &'a Plan,
    /// What running it did.
    pub outcome: &'a RunOutcome,
    /// The group before the run.
    pub snap: &'a Snapshot,
    /// The new master's history proof (None on a resume, or when it is not a master).
    pub history: Option<&'a HistoryProof>,
    /// INFO stats per node before the run.
    pub before: &'a BTreeMap<NodeAddr, SyncStats>,
    /// INFO stats per node after it.
    pub after: &'a BTreeMap<NodeAddr, SyncStats>,
    /// Unplanned failover: how many re-pointed replicas were behind the candidate's backlog
    /// before the run (each must full-resync from it, whatever rkv does).
    pub beyond_backlog: i64,
    /// Full resyncs a re-run could not avoid, each a note saying why
    /// (`unavoidable_full_resyncs` in the command).
    pub unavoidable: &'a [String],
    /// The health rules' problems on the group after the run.
    pub health: &'a [ProblemJson],
}

/// What [`judge`] concluded.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// Problems, in the order the report lists them: the failed step, the history, the
    /// unexplained full resyncs, then the topology's.
    pub problems: Vec<Problem>,
    /// Resync counters that moved, per node.
    pub resyncs: Vec<ResyncDelta>,
    /// True when no full resync happened at all.
    pub partial_only: bool,
    /// Remarks for the report (a full resync a re-run could not avoid, and why).
    pub notes: Vec<String>,
    /// Remarks for the plan's warnings (a full resync the plan expected, and why).
    pub warnings: Vec<String>,
}

/// The resync counters that moved between `before` and `after` (a node missing before counts
/// from zero).
pub fn resync_deltas(
    before: &BTreeMap<NodeAddr, SyncStats>,
    after: &BTreeMap<NodeAddr, SyncStats>,
) -> Vec<ResyncDelta> {
    after
        .iter()
        .filter_map(|(n, a)| {
            let d = before.get(n).copied().unwrap_or_default().delta(a);
            (d != SyncStats::default()).then(|| ResyncDelta {
                node: n.clone(),
                sync_full: d.sync_full,
                sync_partial_ok: d.sync_partial_ok,
                sync_partial_err: d.sync_partial_err,
            })
        })
        .collect()
}

/// The run's own problems: a step that failed, a new master that does not continue the old
/// history.
fn run_problems(e: &Evidence<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(f) = &e.outcome.failure {
        problems.push(Problem {
            kind: ProblemKind::StepFailed,
            node: None,
            message: format!("step {}: {}", f.step, f.message),
        });
    }
    if let Some(h) = e.history.filter(|h| h.available && !h.continues) {
        problems.push(Problem {
            kind: ProblemKind::History,
            node: Some(h.new_master.to_string()),
            message: format!(
                "{} does not continue the old history at offset {} (replid2 {}, second_repl_offset {})",
                h.new_master,
                h.old_final_offset.map_or("?".into(), |o| (o + 1).to_string()),
                h.replid2.as_deref().unwrap_or("-"),
                h.second_repl_offset.map_or("-".into(), |o| o.to_string())
            ),
        });
    }
    problems
}

/// The health rules' problems on the topology after the run, but the old master's
/// unreachability after an unplanned failover (expected: the fencing report and the warnings
/// already say what must happen before it returns).
fn health_problems(plan: &Plan, health: &[ProblemJson]) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in health {
        // After an unplanned failover the old master is expected to be down: the fencing
        // report and the warnings already say what must happen before it returns.
        if plan.kind == Kind::Failover
            && p.kind == HealthKind::Unreachable
            && p.node == plan.old_master.to_string()
        {
            continue;
        }
        out.push(Problem {
            kind: ProblemKind::Topology(p.kind),
            node: Some(p.node.clone()),
            message: p.message.clone(),
        });
    }
    out
}

/// Judge a run from its evidence.
pub fn judge(e: &Evidence<'_>) -> Judgement {
    let plan = e.plan;
    let mut problems = run_problems(e);
    let resyncs = resync_deltas(e.before, e.after);
    let partial_only = resyncs.iter().all(|d| d.sync_full == 0);
    // A fenced old master restarted after a crash has lost its replication state and needs a
    // full resync from the new master: expected, so not a problem; any other full resync is.
    let restarted = e
        .outcome
        .fencing
        .as_ref()
        .is_some_and(|f| f.came_back_as_replica.is_some());
    // PSYNC1-era servers (no replid) cannot partially resync a promoted master's siblings:
    // their full resyncs are expected. A resume has no history proof to ask: the master's
    // own replid says it (none before 4.0).
    let psync1 = e.history.is_some_and(|h| !h.available)
        || (e.history.is_none()
            && e.snap
                .get(&plan.candidate)
                .is_some_and(|n| n.reachable() && n.replid.is_none()));
    // An old master whose writes past the fork were dropped or carried over cannot partially
    // resync, nor can its replicas that followed it there: expected, a note saying why.
    let expected = |d: &ResyncDelta| -> Option<Vec<String>> {
        let why: Vec<String> = plan
            .full_resync_expected
            .iter()
            .filter(|(n, _)| n == &d.node)
            .map(|(_, w)| w.clone())
            .collect();
        (!why.is_empty() && d.sync_full <= why.len() as i64).then_some(why)
    };
    let warnings: Vec<String> = resyncs
        .iter()
        .filter(|d| d.sync_full > 0)
        .filter_map(|d| {
            expected(d).map(|why| {
                format!(
                    "note: {} served {} full resync(s), unavoidable: {}",
                    d.node,
                    d.sync_full,
                    why.join("; ")
                )
            })
        })
        .collect();
    // A full resync a re-run could not avoid is a note that says why, not a problem.
    let mut notes = Vec::new();
    let mut excused: i64 = 0;
    if let Some(d) = resyncs
        .iter()
        .find(|d| d.node == plan.candidate && d.sync_full > 0 && expected(d).is_none())
    {
        let n = e
            .unavoidable
            .len()
            .min(usize::try_from(d.sync_full).unwrap_or(0));
        notes.extend(e.unavoidable.iter().take(n).cloned());
        excused = i64::try_from(n).unwrap_or(0);
    }
    // Siblings behind the candidate's backlog, and a restarted old master, must full-resync
    // from the candidate whatever rkv does (counted before the run).
    let expected_full = |d: &ResyncDelta| {
        if d.node == plan.candidate {
            e.beyond_backlog + i64::from(restarted) + excused
        } else {
            0
        }
    };
    for d in resyncs
        .iter()
        .filter(|_| !psync1)
        .filter(|d| d.sync_full > 0)
        .filter(|d| expected(d).is_none())
        .filter(|d| d.sync_full > expected_full(d))
    {
        problems.push(Problem {
            kind: ProblemKind::FullResync,
            node: Some(d.node.to_string()),
            message: format!("{} served {} full resync(s)", d.node, d.sync_full),
        });
    }
    problems.extend(health_problems(plan, e.health));
    Judgement {
        problems,
        resyncs,
        partial_only,
        notes,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failover::execute::{Failure, FenceReport};
    use crate::failover::plan::{self, DivergeChoice, Request};
    use crate::node::Role;
    use crate::topology::model::{Link, NodeState};
    use std::time::Duration;

    fn addr(p: u16) -> NodeAddr {
        NodeAddr::new("127.0.0.1", p)
    }

    fn node(p: u16, of: Option<u16>, replid: Option<&str>) -> NodeState {
        let mut n = NodeState::new(addr(p));
        n.role = if of.is_some() {
            Role::Replica
        } else {
            Role::Master
        };
        n.master = of.map(addr);
        n.link = of.map(|_| Link::Up);
        n.offset = Some(100);
        n.priority = Some(100);
        n.replid = replid.map(str::to_string);
        n.version = Some("7.0.15".into());
        n
    }

    /// Master 1 with replicas 2 and 3 (`replid` on all, or none: PSYNC1-era), master 1 down
    /// when `down`.
    fn group(replid: Option<&str>, down: bool) -> Snapshot {
        let mut m = node(1, None, replid);
        if down {
            m.error = Some("connection refused".into());
        }
        Snapshot {
            nodes: vec![m, node(2, Some(1), replid), node(3, Some(1), replid)],
            single_group_expected: false,
        }
    }

    fn plan_for(s: &Snapshot) -> Plan {
        let req = Request {
            to: Some(addr(3)),
            sentinel_watching: false,
            ignore_sentinel: false,
            max_write_pause: Duration::from_secs(5),
            diverge: DivergeChoice::default(),
        };
        plan::plan(s, &req).expect("a plan")
    }

    fn outcome() -> RunOutcome {
        RunOutcome {
            steps: Vec::new(),
            failure: None,
            write_pause_ms: None,
            final_offset: Some(100),
            final_replid: None,
            promoted_at: Some(100),
            persisted: Vec::new(),
            fencing: None,
        }
    }

    fn proof(available: bool, continues: bool) -> HistoryProof {
        HistoryProof {
            new_master: addr(3),
            replid: Some("b".repeat(40)),
            replid2: Some("a".repeat(40)),
            second_repl_offset: Some(101),
            old_replid: Some("a".repeat(40)),
            old_final_offset: Some(100),
            continues,
            available,
        }
    }

    fn stats(full: &[(u16, i64)]) -> BTreeMap<NodeAddr, SyncStats> {
        full.iter()
            .map(|&(p, f)| {
                (
                    addr(p),
                    SyncStats {
                        sync_full: f,
                        sync_partial_ok: 0,
                        sync_partial_err: 0,
                    },
                )
            })
            .collect()
    }

    /// What a case varies; everything else is a clean switchover of `group`.
    struct Case {
        name: &'static str,
        psync1: bool,
        master_down: bool,
        history: Option<HistoryProof>,
        /// Full resyncs served during the run, per node.
        full: &'static [(u16, i64)],
        beyond_backlog: i64,
        restarted: bool,
        expected: &'static [(u16, &'static str)],
        unavoidable: &'static [&'static str],
        health: &'static [(HealthKind, u16)],
        failed: bool,
        /// The problems' kinds and nodes, in order.
        want: &'static [(&'static str, Option<u16>)],
        want_notes: usize,
        want_warnings: usize,
    }

    const BASE: Case = Case {
        name: "",
        psync1: false,
        master_down: false,
        history: None,
        full: &[],
        beyond_backlog: 0,
        restarted: false,
        expected: &[],
        unavoidable: &[],
        health: &[],
        failed: false,
        want: &[],
        want_notes: 0,
        want_warnings: 0,
    };

    fn run(c: &Case) -> Judgement {
        let replid = "a".repeat(40);
        let s = group((!c.psync1).then_some(replid.as_str()), c.master_down);
        let mut p = plan_for(&s);
        p.full_resync_expected = c
            .expected
            .iter()
            .map(|&(n, why)| (addr(n), why.to_string()))
            .collect();
        let mut o = outcome();
        if c.failed {
            o.failure = Some(Failure {
                step: 2,
                message: "timed out".into(),
                changed: true,
                interrupted: false,
            });
        }
        if c.restarted {
            o.fencing = Some(FenceReport {
                node: addr(1),
                new_master: addr(3),
                fenced: true,
                config: None,
                command: None,
                came_back_as_replica: Some(true),
                instructions: Vec::new(),
            });
        }
        let before = stats(&[(1, 5), (2, 0), (3, 0)]);
        let mut after = before.clone();
        for &(n, f) in c.full {
            if let Some(st) = after.get_mut(&addr(n)) {
                st.sync_full += f;
            }
        }
        let unavoidable: Vec<String> = c.unavoidable.iter().map(|s| s.to_string()).collect();
        let health: Vec<ProblemJson> = c
            .health
            .iter()
            .map(|&(kind, n)| ProblemJson {
                kind,
                node: addr(n).to_string(),
                message: format!("{kind:?}"),
            })
            .collect();
        judge(&Evidence {
            plan: &p,
            outcome: &o,
            snap: &s,
            history: c.history.as_ref(),
            before: &before,
            after: &after,
            beyond_backlog: c.beyond_backlog,
            unavoidable: &unavoidable,
            health: &health,
        })
    }

    // Over 120 lines because it is a table: each case is a few lines of data, and one table
    // shows the whole policy side by side.
    #[test]
    fn which_full_resyncs_and_unhealthy_nodes_are_problems() {
        let cases = [
            Case {
                name: "clean switchover: nothing to report",
                history: Some(proof(true, true)),
                ..BASE
            },
            Case {
                name: "a new master that does not continue the history",
                history: Some(proof(true, false)),
                want: &[("history", Some(3))],
                ..BASE
            },
            Case {
                name: "a planned switchover's full resync is a problem",
                history: Some(proof(true, true)),
                full: &[(3, 1)],
                want: &[("full_resync", Some(3))],
                ..BASE
            },
            Case {
                name: "PSYNC1-era: no history to prove, full resyncs expected",
                psync1: true,
                history: Some(proof(false, false)),
                full: &[(3, 2)],
                ..BASE
            },
            Case {
                name: "PSYNC1-era resume (no proof asked): the candidate's missing replid says it",
                psync1: true,
                full: &[(3, 1)],
                ..BASE
            },
            Case {
                name: "unplanned: siblings behind the backlog must full-resync",
                master_down: true,
                full: &[(3, 1)],
                beyond_backlog: 1,
                ..BASE
            },
            Case {
                name: "unplanned: one more than the backlog explains is a problem",
                master_down: true,
                full: &[(3, 2)],
                beyond_backlog: 1,
                want: &[("full_resync", Some(3))],
                ..BASE
            },
            Case {
                name: "a fenced old master that restarted resyncs in full",
                master_down: true,
                full: &[(3, 1)],
                restarted: true,
                ..BASE
            },
            Case {
                name: "a full resync the plan expected is a warning, not a problem",
                history: Some(proof(true, true)),
                full: &[(2, 1)],
                expected: &[(2, "its writes past the fork were dropped")],
                want_warnings: 1,
                ..BASE
            },
            Case {
                name: "more full resyncs than the plan expected are all a problem",
                history: Some(proof(true, true)),
                full: &[(2, 2)],
                expected: &[(2, "its writes past the fork were dropped")],
                want: &[("full_resync", Some(2))],
                ..BASE
            },
            Case {
                name: "a re-run's unavoidable full resync is a note",
                full: &[(3, 1)],
                unavoidable: &["127.0.0.1:1 went past the fork", "127.0.0.1:2 too"],
                want_notes: 1,
                ..BASE
            },
            Case {
                name: "unplanned: the old master down afterwards is expected",
                master_down: true,
                health: &[(HealthKind::Unreachable, 1), (HealthKind::LinkDown, 2)],
                want: &[("link_down", Some(2))],
                ..BASE
            },
            Case {
                name: "planned: the old master down afterwards is a problem",
                history: Some(proof(true, true)),
                health: &[(HealthKind::Unreachable, 1)],
                want: &[("unreachable", Some(1))],
                ..BASE
            },
            Case {
                name: "the failed step comes first, then history, resyncs, topology",
                history: Some(proof(true, false)),
                full: &[(3, 1)],
                health: &[(HealthKind::MultipleMasters, 1)],
                failed: true,
                want: &[
                    ("step_failed", None),
                    ("history", Some(3)),
                    ("full_resync", Some(3)),
                    ("multiple_masters", Some(1)),
                ],
                ..BASE
            },
        ];
        for c in &cases {
            let j = run(c);
            let got: Vec<(String, Option<String>)> = j
                .problems
                .iter()
                .map(|p| {
                    let kind = serde_json::to_value(p.kind).expect("kind serializes");
                    (
                        kind.as_str().unwrap_or_default().to_string(),
                        p.node.clone(),
                    )
                })
                .collect();
            let want: Vec<(String, Option<String>)> = c
                .want
                .iter()
                .map(|&(k, n)| (k.to_string(), n.map(|n| addr(n).to_string())))
                .collect();
            assert_eq!(got, want, "{}", c.name);
            assert_eq!(
                j.notes.len(),
                c.want_notes,
                "{}: notes {:?}",
                c.name,
                j.notes
            );
            assert_eq!(
                j.warnings.len(),
                c.want_warnings,
                "{}: warnings {:?}",
                c.name,
                j.warnings
            );
            assert_eq!(j.partial_only, c.full.is_empty(), "{}", c.name);
        }
    }

    #[test]
    fn messages_name_what_the_operator_checks() {
        let j = run(&Case {
            history: Some(proof(true, false)),
            full: &[(3, 1)],
            failed: true,
            ..BASE
        });
        let msgs: Vec<&str> = j.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "step 2: timed out",
                &format!(
                    "127.0.0.1:3 does not continue the old history at offset 101 (replid2 {}, second_repl_offset 101)",
                    "a".repeat(40)
                ),
                "127.0.0.1:3 served 1 full resync(s)",
            ]
        );
        let j = run(&Case {
            full: &[(2, 1)],
            expected: &[(2, "its writes were dropped")],
            ..BASE
        });
        assert_eq!(
            j.warnings,
            vec!["note: 127.0.0.1:2 served 1 full resync(s), unavoidable: its writes were dropped"]
        );
    }

    #[test]
    fn deltas_count_only_counters_that_moved_and_a_new_node_from_zero() {
        let before = stats(&[(1, 3), (2, 0)]);
        let after = stats(&[(1, 3), (2, 1), (3, 2)]);
        let d = resync_deltas(&before, &after);
        assert_eq!(
            d.iter()
                .map(|d| (d.node.port(), d.sync_full))
                .collect::<Vec<_>>(),
            vec![(2, 1), (3, 2)]
        );
    }
}
