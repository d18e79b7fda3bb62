//! Pure health rules: a [`Snapshot`] in, a list of [`Check`]s out. Each rule checks every node
//! (or group) it applies to and records a passing or failing check; the failing ones are the
//! problems `topology` shows and `verify` judges by. No I/O here, so every rule is unit-tested
//! on hand-built snapshots.

use super::model::{Link, NodeState, ProblemJson, ProblemKind, Snapshot};
use crate::node::Role;
use crate::topology::diverge::{self, Verdict};
use serde::Serialize;
use std::collections::BTreeSet;

/// Thresholds for the lag rule; `None` disables that part of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthOptions {
    /// Most bytes a replica may be behind its master.
    pub max_lag_bytes: Option<u64>,
    /// Most seconds since a replica's last ACK.
    pub max_lag_seconds: Option<u64>,
}

/// One check of one rule on one node, passed or failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The rule's check name (e.g. `link_up`).
    pub name: &'static str,
    /// The node checked.
    pub node: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
    /// The problem kind when it failed.
    #[serde(skip)]
    pub kind: ProblemKind,
}

struct Checks(Vec<Check>);

impl Checks {
    fn push(
        &mut self,
        name: &'static str,
        kind: ProblemKind,
        node: &str,
        ok: bool,
        detail: String,
    ) {
        self.0.push(Check {
            name,
            node: node.to_string(),
            ok,
            detail,
            kind,
        });
    }
}

/// Run every rule over the snapshot.
pub fn check(snap: &Snapshot, opts: &HealthOptions) -> Vec<Check> {
    let mut c = Checks(Vec::new());
    reachability(snap, &mut c);
    links(snap, opts, &mut c);
    masters(snap, &mut c);
    full_sync_loops(snap, &mut c);
    fences(snap, &mut c);
    candidates(snap, &mut c);
    cycles(snap, &mut c);
    c.0
}

/// The failing checks as the contract's problems, ordered by node then kind.
pub fn problems(checks: &[Check]) -> Vec<ProblemJson> {
    let mut out: Vec<ProblemJson> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| ProblemJson {
            kind: c.kind,
            node: c.node.clone(),
            message: c.detail.clone(),
        })
        .collect();
    out.sort_by(|a, b| (&a.node, a.kind).cmp(&(&b.node, b.kind)));
    out.dedup();
    out
}

/// Whether a node's error says it refused our credentials (see `NodeError::Auth`): the node
/// is up, the operator's password or user is wrong.
pub fn is_auth_failure(err: &str) -> bool {
    err.starts_with("authentication failed")
}

fn reachability(snap: &Snapshot, c: &mut Checks) {
    for n in &snap.nodes {
        let addr = n.addr.to_string();
        let Some(err) = &n.error else {
            c.push(
                "reachable",
                ProblemKind::Unreachable,
                &addr,
                true,
                "answered".into(),
            );
            continue;
        };
        // Known only because a master lists it: the address it announces is not reachable
        // from here (replica-announce-ip/port, NAT or a container network).
        let listed_only = n.found.listed && !n.found.seed && !n.found.named_master;
        if listed_only {
            let by: Vec<String> = snap
                .nodes
                .iter()
                .filter(|m| m.listed.iter().any(|l| l.addr == n.addr))
                .map(|m| m.addr.to_string())
                .collect();
            c.push(
                "announce",
                ProblemKind::AnnounceMismatch,
                &addr,
                false,
                format!(
                    "listed as a replica by {} but unreachable at that address ({err}); check replica-announce-ip/port",
                    by.join(", ")
                ),
            );
        } else if is_auth_failure(err) {
            c.push(
                "reachable",
                ProblemKind::AuthFailed,
                &addr,
                false,
                err.clone(),
            );
        } else {
            c.push(
                "reachable",
                ProblemKind::Unreachable,
                &addr,
                false,
                err.clone(),
            );
        }
    }
}

fn links(snap: &Snapshot, opts: &HealthOptions, c: &mut Checks) {
    for (i, n) in snap.nodes.iter().enumerate() {
        if !n.reachable() || n.role != Role::Replica {
            continue;
        }
        let addr = n.addr.to_string();
        let master = n
            .master
            .as_ref()
            .map_or_else(|| "?".to_string(), ToString::to_string);
        c.push(
            "applies_stream",
            ProblemKind::ApplyError,
            &addr,
            n.apply_error.is_none(),
            match &n.apply_error {
                Some(e) => format!(
                    "could not apply a command from its master ({e}): its data may differ from the master's"
                ),
                None => "applies its master's stream".into(),
            },
        );
        c.push(
            "read_only",
            ProblemKind::WritableReplica,
            &addr,
            n.read_only != Some(false),
            match n.read_only {
                Some(false) => "replica accepts writes (replica-read-only no)".into(),
                Some(true) => "read-only".into(),
                None => "read-only state not reported".into(),
            },
        );
        let m = n.master.as_ref().and_then(|m| snap.get(m));
        match m {
            Some(m) if !m.reachable() => c.push(
                "master_reachable",
                ProblemKind::MasterUnreachable,
                &addr,
                false,
                format!("its master {master} is unreachable"),
            ),
            Some(_) => c.push(
                "master_reachable",
                ProblemKind::MasterUnreachable,
                &addr,
                true,
                format!("master {master} answered"),
            ),
            None => c.push(
                "master_reachable",
                ProblemKind::MasterUnreachable,
                &addr,
                false,
                "its master is unknown (no master_host reported)".into(),
            ),
        }
        if n.sync_in_progress {
            c.push(
                "sync",
                ProblemKind::SyncInProgress,
                &addr,
                false,
                format!("full sync from {master} in progress"),
            );
            continue;
        }
        if n.link != Some(Link::Up) {
            let since = if n.link_never_up {
                " (never up)".to_string()
            } else {
                n.link_down_since
                    .map(|s| format!(" for {s}s"))
                    .unwrap_or_default()
            };
            c.push(
                "link_up",
                ProblemKind::LinkDown,
                &addr,
                false,
                format!("link to {master} is down{since}"),
            );
            continue;
        }
        c.push(
            "link_up",
            ProblemKind::LinkDown,
            &addr,
            true,
            format!("link to {master} is up"),
        );
        if let Some(m) = m.filter(|m| m.reachable())
            && let (Some(a), Some(b)) = (&n.replid, &m.replid)
        {
            c.push(
                "replid",
                ProblemKind::ReplidMismatch,
                &addr,
                a == b,
                if a == b {
                    "same replication ID as its master".into()
                } else {
                    format!("replication ID {a} differs from its master's {b}")
                },
            );
        }
        lags(snap, i, opts, &addr, &master, c);
    }
}

/// A linked replica's lag rules, when the options ask for them: bytes behind its master, and
/// seconds since it last acknowledged.
fn lags(snap: &Snapshot, i: usize, opts: &HealthOptions, addr: &str, master: &str, c: &mut Checks) {
    if let Some(max) = opts.max_lag_bytes
        && let Some(lag) = snap.lag_bytes(i)
    {
        let ok = u64::try_from(lag).is_ok_and(|l| l <= max);
        c.push(
            "lag_bytes",
            ProblemKind::Lagging,
            addr,
            ok,
            format!("{lag} bytes behind {master} (max {max})"),
        );
    }
    if let Some(max) = opts.max_lag_seconds
        && let Some(lag) = snap.lag_seconds(i)
    {
        let ok = u64::try_from(lag).is_ok_and(|l| l <= max);
        c.push(
            "lag_seconds",
            ProblemKind::Lagging,
            addr,
            ok,
            format!("last acknowledged {lag}s ago (max {max}s)"),
        );
    }
}

/// Full syncs a master may serve within one [`crate::topology::discover::FULL_SYNC_LOOP_WINDOW`]
/// without it being a loop (one replica joining or coming back).
const FULL_SYNCS_ALLOWED_IN_WINDOW: i64 = 1;

/// A master whose `sync_full` grew by more than one between two reads is feeding a replica
/// that fails to load every snapshot and asks again: name it from the master's side, with the
/// replicas it lists as not online (or the replicas found with their link down).
fn full_sync_loops(snap: &Snapshot, c: &mut Checks) {
    for n in snap.nodes.iter().filter(|n| n.reachable()) {
        let Some((grew, ms)) = n.full_sync_growth else {
            continue;
        };
        let addr = n.addr.to_string();
        if grew <= FULL_SYNCS_ALLOWED_IN_WINDOW {
            c.push(
                "no_full_sync_loop",
                ProblemKind::FullSyncLoop,
                &addr,
                true,
                format!("{grew} full sync(s) served in {ms} ms"),
            );
            continue;
        }
        let mut who: Vec<String> = n
            .listed
            .iter()
            .filter(|l| l.entry.state.as_deref() != Some("online"))
            .map(|l| format!("{} ({})", l.addr, l.entry.state.as_deref().unwrap_or("?")))
            .collect();
        let down: Vec<String> = snap
            .nodes
            .iter()
            .filter(|r| r.master.as_ref() == Some(&n.addr) && r.link != Some(Link::Up))
            .map(|r| r.addr.to_string())
            .filter(|a| !who.iter().any(|w| w.starts_with(a.as_str())))
            .collect();
        who.extend(down);
        let who = if who.is_empty() {
            String::new()
        } else {
            format!(" to {}", who.join(", "))
        };
        c.push(
            "no_full_sync_loop",
            ProblemKind::FullSyncLoop,
            &addr,
            false,
            format!(
                "served {grew} full syncs in {ms} ms{who}: a replica fails to load the snapshot and retries forever (an RDB version newer than the replica's own?)"
            ),
        );
    }
}

fn masters(snap: &Snapshot, c: &mut Checks) {
    let groups = snap.groups();
    let mut all_masters = Vec::new();
    for g in &groups {
        let ms: Vec<String> = g
            .rows
            .iter()
            .map(|(i, _)| &snap.nodes[*i])
            .filter(|n| n.reachable() && n.role == Role::Master)
            .map(|n| n.addr.to_string())
            .collect();
        if let Some(first) = ms.first() {
            c.push(
                "single_master",
                ProblemKind::MultipleMasters,
                first,
                ms.len() == 1,
                if ms.len() == 1 {
                    "the only master of its group".into()
                } else {
                    format!(
                        "{} masters in one replication group: {}",
                        ms.len(),
                        ms.join(", ")
                    )
                },
            );
        }
        all_masters.extend(ms);
    }
    if snap.single_group_expected && groups.len() > 1 && all_masters.len() > 1 {
        all_masters.sort();
        c.push(
            "single_master",
            ProblemKind::MultipleMasters,
            &all_masters[0],
            false,
            format!(
                "the inventory's nodes form {} groups with {} masters: {}",
                groups.len(),
                all_masters.len(),
                all_masters.join(", ")
            ),
        );
    }
    // An old master back after a failover: another master continues its history.
    for m in snap
        .nodes
        .iter()
        .filter(|n| n.reachable() && n.role == Role::Master)
    {
        let Some(id) = m.replid.as_deref() else {
            continue;
        };
        let heir = snap.nodes.iter().find(|n| {
            n.addr != m.addr
                && n.reachable()
                && n.role == Role::Master
                && n.replid2.as_deref() == Some(id)
        });
        let detail = match heir {
            None => "no other master continues its history".into(),
            Some(h) => stale_detail(m, h, id),
        };
        c.push(
            "not_stale_master",
            ProblemKind::StaleMaster,
            &m.addr.to_string(),
            heir.is_none(),
            detail,
        );
    }
    for n in &snap.nodes {
        if !n.reachable() || n.role != Role::Master {
            continue;
        }
        let Some(want) = n.expect_replicas else {
            continue;
        };
        let online = n
            .listed
            .iter()
            .filter(|l| l.entry.state.as_deref() == Some("online"))
            .count();
        c.push(
            "replica_count",
            ProblemKind::ReplicaCount,
            &n.addr.to_string(),
            online == want as usize,
            format!("{online} online replicas, inventory expects {want}"),
        );
    }
}

/// What a stale master holds past the fork, and the command that settles it.
fn stale_detail(m: &NodeState, h: &NodeState, id: &str) -> String {
    let verdict = diverge::judge(&diverge::history(m), &diverge::history(h));
    let head = format!(
        "a stale old master: {} took over its history (replid2 {id})",
        h.addr
    );
    let (fork, bytes) = match verdict {
        Verdict::Diverged { fork, bytes, .. } => (fork, bytes),
        Verdict::NotDiverged { .. } => {
            return format!(
                "{head}; it holds nothing past the fork: run `rkv failover {} --to {}` to re-point it",
                m.addr, h.addr
            );
        }
        Verdict::Unrelated { why } | Verdict::Unknown { why } => {
            return format!(
                "{head}; whether it wrote past the fork cannot be proven ({why}): re-pointing it may drop writes"
            );
        }
    };
    let read = match &m.divergent_read {
        Some(Ok(r)) if r.commands == 0 => {
            return format!(
                "{head}; its {bytes} byte(s) past the fork at offset {fork} hold no write ({} PING(s), {} REPLCONF): run `rkv failover {} --to {}` to re-point it",
                r.pings, r.replconf, m.addr, h.addr
            );
        }
        Some(Ok(r)) => format!(": {}", r.describe()),
        Some(Err(e)) => format!(" (an upper bound: its backlog could not be read: {e})"),
        None => " (an upper bound: PINGs count too)".into(),
    };
    format!(
        "{head}; it holds {bytes} byte(s) past the fork at offset {fork} that {} lacks{read}. Re-pointing it drops them: `rkv failover {} --to {} --carry-over` replays them on {} first, `--discard-writes-of {}` drops them",
        h.addr, m.addr, h.addr, h.addr, m.addr
    )
}

/// rkv's write fence is `min-replicas-to-write` at this value or above.
pub const FENCE_MIN_REPLICAS: i64 = 1_000_000;

/// A fence an interrupted rkv run left (any node: a replica keeps it through a promotion),
/// and a master that refuses writes for want of good replicas.
fn fences(snap: &Snapshot, c: &mut Checks) {
    for n in snap.nodes.iter().filter(|n| n.reachable()) {
        let Some(need) = n.min_replicas_to_write else {
            continue;
        };
        let addr = n.addr.to_string();
        let clear = format!(
            "redis-cli -h {} -p {} CONFIG SET min-replicas-to-write 0",
            n.addr.host(),
            n.addr.port()
        );
        let fenced = need >= FENCE_MIN_REPLICAS;
        c.push(
            "no_fence_left",
            ProblemKind::FenceLeft,
            &addr,
            !fenced,
            if !fenced {
                format!("min-replicas-to-write {need}: no rkv fence")
            } else if n.role == Role::Master {
                format!(
                    "min-replicas-to-write is {need}: a write fence left by an interrupted rkv run, so it refuses every write. If it is to stay the master, clear it: `{clear}` (or the value it had before; add your AUTH options); if another master took over, re-point it first (`rkv failover`), then clear it"
                )
            } else {
                format!(
                    "min-replicas-to-write is {need}: a write fence left by an interrupted rkv run; harmless while it is a replica, but it would refuse every write once promoted: `{clear}`"
                )
            }
        );
        if n.role != Role::Master || fenced {
            continue;
        }
        // min_slaves_good_slaves is only reported while the setting is in force.
        let Some(good) = n.good_replicas else {
            continue;
        };
        c.push(
            "min_replicas_met",
            ProblemKind::MinReplicasUnmet,
            &addr,
            good >= need,
            if good >= need {
                format!("{good} good replica(s), min-replicas-to-write {need}")
            } else {
                format!(
                    "refuses writes (NOREPLICAS): min-replicas-to-write is {need} but only {good} replica(s) acknowledged within min-replicas-max-lag"
                )
            },
        );
    }
}

fn candidates(snap: &Snapshot, c: &mut Checks) {
    for m in &snap.nodes {
        if !m.reachable() || m.role != Role::Master {
            continue;
        }
        let mut replicas: BTreeSet<usize> = snap
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.master.as_ref() == Some(&m.addr))
            .map(|(i, _)| i)
            .collect();
        replicas.extend(m.listed.iter().filter_map(|l| snap.index(&l.addr)));
        if replicas.is_empty() {
            continue;
        }
        let eligible: Vec<String> = replicas
            .iter()
            .map(|i| &snap.nodes[*i])
            .filter(|r| {
                r.reachable()
                    && r.role == Role::Replica
                    && r.master.as_ref() == Some(&m.addr)
                    && r.link == Some(Link::Up)
                    && r.priority != Some(0)
            })
            .map(|r| r.addr.to_string())
            .collect();
        c.push(
            "failover_candidate",
            ProblemKind::NoFailoverCandidate,
            &m.addr.to_string(),
            !eligible.is_empty(),
            if eligible.is_empty() {
                format!(
                    "none of its {} replicas can be promoted (down, link down or priority 0)",
                    replicas.len()
                )
            } else {
                format!("candidates: {}", eligible.join(", "))
            },
        );
    }
}

fn cycles(snap: &Snapshot, c: &mut Checks) {
    let next = |i: usize| snap.nodes[i].master.as_ref().and_then(|m| snap.index(m));
    let mut reported: BTreeSet<usize> = BTreeSet::new();
    for start in 0..snap.nodes.len() {
        let mut path = vec![start];
        let mut cur = start;
        while let Some(n) = next(cur) {
            if let Some(pos) = path.iter().position(|p| *p == n) {
                let cycle = &path[pos..];
                let Some(&first) = cycle
                    .iter()
                    .min_by(|a, b| snap.nodes[**a].addr.cmp(&snap.nodes[**b].addr))
                else {
                    break;
                };
                if reported.insert(first) {
                    let mut names: Vec<String> = cycle
                        .iter()
                        .map(|i| snap.nodes[*i].addr.to_string())
                        .collect();
                    names.push(names[0].clone());
                    c.push(
                        "no_cycle",
                        ProblemKind::ReplicationCycle,
                        &snap.nodes[first].addr.to_string(),
                        false,
                        format!(
                            "replicas follow each other in a circle: {}",
                            names.join(" → ")
                        ),
                    );
                }
                break;
            }
            if path.len() > snap.nodes.len() {
                break;
            }
            path.push(n);
            cur = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{ListedReplica, NodeAddr};
    use crate::topology::model::{ListedLink, NodeState};

    fn a(port: u16) -> NodeAddr {
        NodeAddr::new("10.0.0.1", port)
    }

    fn master(port: u16, offset: i64, replicas: &[(u16, i64)]) -> NodeState {
        let mut n = NodeState::new(a(port));
        n.role = Role::Master;
        n.offset = Some(offset);
        n.replid = Some("r1".into());
        n.priority = Some(100);
        n.read_only = Some(false);
        n.found.seed = true;
        n.listed = replicas
            .iter()
            .enumerate()
            .map(|(k, (p, off))| ListedLink {
                addr: a(*p),
                entry: ListedReplica {
                    index: k as u32,
                    ip: "10.0.0.1".into(),
                    port: Some(*p),
                    state: Some("online".into()),
                    offset: Some(*off),
                    lag: Some(0),
                    kind: None,
                },
            })
            .collect();
        n
    }

    fn replica(port: u16, of: u16, offset: i64) -> NodeState {
        let mut n = NodeState::new(a(port));
        n.role = Role::Replica;
        n.master = Some(a(of));
        n.link = Some(Link::Up);
        n.offset = Some(offset);
        n.replid = Some("r1".into());
        n.priority = Some(100);
        n.read_only = Some(true);
        n.found.listed = true;
        n
    }

    fn healthy() -> Snapshot {
        Snapshot {
            nodes: vec![
                master(1, 100, &[(2, 100), (3, 100)]),
                replica(2, 1, 100),
                replica(3, 1, 100),
            ],
            single_group_expected: false,
        }
    }

    fn kinds(s: &Snapshot, o: &HealthOptions) -> Vec<(ProblemKind, String)> {
        problems(&check(s, o))
            .into_iter()
            .map(|p| (p.kind, p.node))
            .collect()
    }

    #[test]
    fn healthy_has_no_problems_and_reports_checks() {
        let s = healthy();
        let checks = check(&s, &HealthOptions::default());
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        assert!(checks.iter().any(|c| c.name == "link_up"));
        assert!(checks.iter().any(|c| c.name == "failover_candidate"));
    }

    #[test]
    fn unreachable_and_master_unreachable() {
        let mut s = healthy();
        s.nodes[0] = NodeState::new(a(1));
        s.nodes[0].error = Some("connection refused".into());
        s.nodes[0].found.named_master = true;
        s.nodes[1].link = Some(Link::Down);
        s.nodes[2].link = Some(Link::Down);
        let k = kinds(&s, &HealthOptions::default());
        assert!(k.contains(&(ProblemKind::Unreachable, "10.0.0.1:1".into())));
        assert!(k.contains(&(ProblemKind::MasterUnreachable, "10.0.0.1:2".into())));
        assert!(k.contains(&(ProblemKind::LinkDown, "10.0.0.1:3".into())));
    }

    #[test]
    fn an_old_master_back_as_master_is_stale_and_a_second_master() {
        // After a failover 3 is master (replid2 = the old history r1) with 2 behind it; the
        // old master 1 came back as a master with its old replid and no replicas.
        let mut s = healthy();
        s.nodes[0].listed.clear();
        s.nodes[2] = master(3, 200, &[(2, 200)]);
        s.nodes[2].replid = Some("r2".into());
        s.nodes[2].replid2 = Some("r1".into());
        s.nodes[1].master = Some(a(3));
        s.nodes[1].replid = Some("r2".into());
        s.nodes[1].offset = Some(200);
        s.single_group_expected = true;
        let k = kinds(&s, &HealthOptions::default());
        assert!(
            k.contains(&(ProblemKind::StaleMaster, "10.0.0.1:1".into())),
            "{k:?}"
        );
        assert!(k.contains(&(ProblemKind::MultipleMasters, "10.0.0.1:1".into())));
        // The new master is not stale.
        assert!(!k.contains(&(ProblemKind::StaleMaster, "10.0.0.1:3".into())));
        // A master that restarted with a fresh history is still a second master.
        s.nodes[0].replid = Some("fresh".into());
        let k = kinds(&s, &HealthOptions::default());
        assert!(!k.iter().any(|(kind, _)| *kind == ProblemKind::StaleMaster));
        assert!(
            k.iter()
                .any(|(kind, _)| *kind == ProblemKind::MultipleMasters)
        );
    }

    #[test]
    fn link_down_vs_sync() {
        let mut s = healthy();
        s.nodes[1].link = Some(Link::Down);
        s.nodes[2].link = Some(Link::Down);
        s.nodes[2].sync_in_progress = true;
        let k = kinds(&s, &HealthOptions::default());
        assert_eq!(
            k,
            vec![
                // Neither replica can take over while its link is down.
                (ProblemKind::NoFailoverCandidate, "10.0.0.1:1".into()),
                (ProblemKind::LinkDown, "10.0.0.1:2".into()),
                (ProblemKind::SyncInProgress, "10.0.0.1:3".into())
            ]
        );
    }

    #[test]
    fn lagging_by_bytes_and_seconds() {
        let mut s = healthy();
        s.nodes[1].offset = Some(40);
        s.nodes[0].listed[1].entry.lag = Some(9);
        assert!(kinds(&s, &HealthOptions::default()).is_empty());
        let o = HealthOptions {
            max_lag_bytes: Some(50),
            max_lag_seconds: Some(5),
        };
        assert_eq!(
            kinds(&s, &o),
            vec![
                (ProblemKind::Lagging, "10.0.0.1:2".into()),
                (ProblemKind::Lagging, "10.0.0.1:3".into())
            ]
        );
        let o = HealthOptions {
            max_lag_bytes: Some(60),
            max_lag_seconds: None,
        };
        assert!(kinds(&s, &o).is_empty());
    }

    #[test]
    fn split_brain_in_one_group_and_across_inventory() {
        // Node 3 was promoted but node 1 still lists it: two masters in one component.
        let mut s = healthy();
        s.nodes[2] = master(3, 5, &[]);
        s.nodes[2].found.listed = true;
        let k = kinds(&s, &HealthOptions::default());
        assert!(
            k.contains(&(ProblemKind::MultipleMasters, "10.0.0.1:1".into())),
            "{k:?}"
        );
        // Two separate groups from one inventory.
        let mut s = healthy();
        s.nodes.push(master(9, 5, &[]));
        assert!(kinds(&s, &HealthOptions::default()).is_empty());
        s.single_group_expected = true;
        assert_eq!(
            kinds(&s, &HealthOptions::default()),
            vec![(ProblemKind::MultipleMasters, "10.0.0.1:1".into())]
        );
    }

    #[test]
    fn replid_mismatch() {
        let mut s = healthy();
        s.nodes[2].replid = Some("other".into());
        assert_eq!(
            kinds(&s, &HealthOptions::default()),
            vec![(ProblemKind::ReplidMismatch, "10.0.0.1:3".into())]
        );
    }

    #[test]
    fn announce_mismatch() {
        let mut s = healthy();
        s.nodes[2] = NodeState::new(a(3));
        s.nodes[2].error = Some("connection refused".into());
        s.nodes[2].found.listed = true;
        let k = kinds(&s, &HealthOptions::default());
        assert_eq!(
            k,
            vec![(ProblemKind::AnnounceMismatch, "10.0.0.1:3".into())]
        );
    }

    #[test]
    fn a_replica_that_could_not_apply_its_stream() {
        let mut s = healthy();
        s.nodes[1].apply_error = Some("unknown command 'xadd'".into());
        assert_eq!(
            kinds(&s, &HealthOptions::default()),
            vec![(ProblemKind::ApplyError, "10.0.0.1:2".into())]
        );
    }

    #[test]
    fn writable_replica() {
        let mut s = healthy();
        s.nodes[1].read_only = Some(false);
        assert_eq!(
            kinds(&s, &HealthOptions::default()),
            vec![(ProblemKind::WritableReplica, "10.0.0.1:2".into())]
        );
    }

    #[test]
    fn no_failover_candidate() {
        let mut s = healthy();
        s.nodes[1].priority = Some(0);
        assert!(kinds(&s, &HealthOptions::default()).is_empty());
        s.nodes[2].priority = Some(0);
        assert_eq!(
            kinds(&s, &HealthOptions::default()),
            vec![(ProblemKind::NoFailoverCandidate, "10.0.0.1:1".into())]
        );
        // A lone master is not a problem.
        let lone = Snapshot {
            nodes: vec![master(1, 0, &[])],
            single_group_expected: false,
        };
        assert!(kinds(&lone, &HealthOptions::default()).is_empty());
    }

    #[test]
    fn replication_cycle() {
        let s = Snapshot {
            nodes: vec![replica(1, 2, 0), replica(2, 1, 0)],
            single_group_expected: false,
        };
        let k = kinds(&s, &HealthOptions::default());
        assert_eq!(
            k,
            vec![(ProblemKind::ReplicationCycle, "10.0.0.1:1".into())]
        );
        // The tree still shows both nodes.
        let g = s.groups();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].rows.len(), 2);
    }

    #[test]
    fn full_sync_loop_from_the_masters_side() {
        let mut s = healthy();
        s.nodes[0].full_sync_growth = Some((1, 2200));
        assert!(kinds(&s, &HealthOptions::default()).is_empty());
        s.nodes[0].full_sync_growth = Some((3300, 2200));
        s.nodes[0].listed[1].entry.state = Some("wait_bgsave".into());
        let checks = check(&s, &HealthOptions::default());
        let bad: Vec<_> = checks.iter().filter(|c| !c.ok).collect();
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].kind, ProblemKind::FullSyncLoop);
        assert_eq!(bad[0].node, "10.0.0.1:1");
        assert!(
            bad[0].detail.contains("10.0.0.1:3 (wait_bgsave)"),
            "{}",
            bad[0].detail
        );
    }

    #[test]
    fn replica_count() {
        let mut s = healthy();
        s.nodes[0].expect_replicas = Some(2);
        assert!(kinds(&s, &HealthOptions::default()).is_empty());
        s.nodes[0].expect_replicas = Some(3);
        assert_eq!(
            kinds(&s, &HealthOptions::default()),
            vec![(ProblemKind::ReplicaCount, "10.0.0.1:1".into())]
        );
    }

    #[test]
    fn groups_are_trees_with_chains() {
        let mut s = healthy();
        s.nodes.push(replica(4, 2, 100));
        s.nodes[1].listed = master(2, 100, &[(4, 100)]).listed;
        s.nodes.push(master(7, 0, &[]));
        let g = s.groups();
        assert_eq!(g.len(), 2);
        let rows: Vec<(u16, usize)> = g[0]
            .rows
            .iter()
            .map(|(i, d)| (s.nodes[*i].addr.port(), *d))
            .collect();
        assert_eq!(rows, vec![(1, 0), (2, 1), (4, 2), (3, 1)]);
        assert_eq!(s.lag_bytes(3), Some(0));
        assert_eq!(s.node_json(0).replicas, vec!["10.0.0.1:2", "10.0.0.1:3"]);
    }
    fn message(s: &Snapshot, kind: ProblemKind) -> Option<String> {
        problems(&check(s, &HealthOptions::default()))
            .into_iter()
            .find(|p| p.kind == kind)
            .map(|p| p.message)
    }

    #[test]
    fn a_stale_master_says_how_much_it_holds_past_the_fork() {
        // 3 was promoted at offset 100 (second_repl_offset 101); 1 went on to 600.
        let mut s = healthy();
        s.nodes[0] = master(1, 600, &[(2, 600)]);
        s.nodes[2] = master(3, 150, &[]);
        s.nodes[2].replid = Some("r2".into());
        s.nodes[2].replid2 = Some("r1".into());
        s.nodes[2].second_repl_offset = Some(101);
        let m = message(&s, ProblemKind::StaleMaster).unwrap();
        assert!(
            m.contains("holds 500 byte(s) past the fork at offset 100"),
            "{m}"
        );
        assert!(m.contains("upper bound"), "{m}");
        assert!(m.contains("--carry-over") && m.contains("--discard-writes-of 10.0.0.1:1"));
        assert_eq!(s.diverged_bytes(0), Some(500));
        assert_eq!(s.diverged_bytes(2), None);
        // With its backlog read.
        s.nodes[0].divergent_read = Some(Ok(crate::topology::diverge::ReadSummary {
            bytes: 500,
            commands: 7,
            pings: 1,
            replconf: 0,
            keys: vec!["k:1".into()],
            key_count: 7,
            sample: vec!["SET k:1 1".into()],
            dbs_known: true,
        }));
        let m = message(&s, ProblemKind::StaleMaster).unwrap();
        assert!(m.contains("7 command(s) on 7 key(s) (SET k:1 1, …)"), "{m}");
        assert_eq!(s.node_json(0).diverged_commands, Some(7));
        // Stopped at the fork: nothing to lose, plain re-pointing.
        s.nodes[0].offset = Some(100);
        s.nodes[0].divergent_read = None;
        let m = message(&s, ProblemKind::StaleMaster).unwrap();
        assert!(m.contains("holds nothing past the fork"), "{m}");
        assert_eq!(s.diverged_bytes(0), Some(0));
    }

    #[test]
    fn fences_left_and_unmet_min_replicas_are_flagged() {
        let mut s = healthy();
        s.nodes[0].min_replicas_to_write = Some(1_000_000);
        let m = message(&s, ProblemKind::FenceLeft).unwrap();
        assert!(
            m.contains("redis-cli -h 10.0.0.1 -p 1 CONFIG SET min-replicas-to-write 0"),
            "{m}"
        );
        assert!(m.contains("refuses every write"), "{m}");
        // On a replica it is flagged too: it would refuse writes once promoted.
        s.nodes[0].min_replicas_to_write = Some(0);
        s.nodes[1].min_replicas_to_write = Some(2_000_000);
        assert!(
            message(&s, ProblemKind::FenceLeft)
                .unwrap()
                .contains("once promoted")
        );
        s.nodes[1].min_replicas_to_write = Some(0);
        assert_eq!(message(&s, ProblemKind::FenceLeft), None);
        // An operator's own setting above the good replicas: writes are refused.
        s.nodes[0].min_replicas_to_write = Some(3);
        s.nodes[0].good_replicas = Some(2);
        let m = message(&s, ProblemKind::MinReplicasUnmet).unwrap();
        assert!(m.contains("min-replicas-to-write is 3 but only 2"), "{m}");
        s.nodes[0].good_replicas = Some(3);
        assert_eq!(message(&s, ProblemKind::MinReplicasUnmet), None);
        // Not in force (INFO shows no good-replica count): not judged.
        s.nodes[0].min_replicas_to_write = Some(3);
        s.nodes[0].good_replicas = None;
        assert_eq!(message(&s, ProblemKind::MinReplicasUnmet), None);
    }
}
