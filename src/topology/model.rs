//! The replication graph as plain data. [`Snapshot`] is what discovery saw (one
//! [`NodeState`] per node, already keyed by its canonical address); [`Snapshot::groups`] splits
//! it into connected components and orders each as a tree. The JSON documents of the CLI
//! contract are their own types ([`TopologyDoc`], [`NodeJson`], [`ProblemJson`]) so that
//! internal changes do not break scripts.

use crate::node::{ListedReplica, NodeAddr, Role};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A replica's link to its master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// `master_link_status:up`.
    Up,
    /// Anything else.
    Down,
}

impl Link {
    /// `up` or `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Up => "up",
            Link::Down => "down",
        }
    }
}

/// A replica as its master lists it, with the listed address mapped to a canonical node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedLink {
    /// The canonical address of the listed replica.
    pub addr: NodeAddr,
    /// What the master reported.
    pub entry: ListedReplica,
}

/// How discovery came to a node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Given as a seed (argument or inventory).
    pub seed: bool,
    /// Listed by some master's `slaveN`.
    pub listed: bool,
    /// Named as master by some replica.
    pub named_master: bool,
}

/// Everything known about one node, at the moment discovery read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeState {
    /// Canonical address (for replicas listed by a master: the ip/port it lists).
    pub addr: NodeAddr,
    /// Inventory name.
    pub name: Option<String>,
    /// Why the node could not be read; `None` when it was.
    pub error: Option<String>,
    /// Replication role.
    pub role: Role,
    /// A replica's master (canonical address).
    pub master: Option<NodeAddr>,
    /// A replica's link state.
    pub link: Option<Link>,
    /// Replication offset (a replica's processed offset; a master's master_repl_offset).
    pub offset: Option<i64>,
    /// `master_sync_in_progress`.
    pub sync_in_progress: bool,
    /// `master_link_down_since_seconds`.
    pub link_down_since: Option<i64>,
    /// The link has never been up since the replica started (see
    /// [`crate::node::ReplicationInfo::master_link_never_up`]).
    pub link_never_up: bool,
    /// `sync_full` (INFO stats) when discovery read it.
    pub sync_full: Option<i64>,
    /// Full syncs this master served between two reads, and the milliseconds between them
    /// (read only where a full-sync loop is suspected; see `discover`).
    pub full_sync_growth: Option<(i64, u64)>,
    /// `master_replid`.
    pub replid: Option<String>,
    /// `master_replid2` (None when all zeros).
    pub replid2: Option<String>,
    /// `second_repl_offset` (None: -1 or absent): the first offset not shared with the
    /// history named by replid2.
    pub second_repl_offset: Option<i64>,
    /// `min-replicas-to-write` (CONFIG GET; None when refused or not read).
    pub min_replicas_to_write: Option<i64>,
    /// Replicas that count for it (`min_slaves_good_slaves`, reported only while the
    /// min-replicas settings are in force).
    pub good_replicas: Option<i64>,
    /// A stale master's stream past the fork, as read from its backlog (see
    /// [`crate::topology::diverge`]); None when not read.
    pub divergent_read: Option<Result<crate::topology::diverge::ReadSummary, String>>,
    /// `slave_priority` / `replica_priority`.
    pub priority: Option<i64>,
    /// `slave_read_only` / `replica_read_only`.
    pub read_only: Option<bool>,
    /// Replicas this node lists.
    pub listed: Vec<ListedLink>,
    /// Server version.
    pub version: Option<String>,
    /// `expect_replicas` from the inventory.
    pub expect_replicas: Option<u32>,
    /// A command from its master this replica could not apply (rkv serve reports it).
    pub apply_error: Option<String>,
    /// How discovery reached it.
    pub found: Found,
}

impl NodeState {
    /// A node we know the address of and nothing else yet.
    pub fn new(addr: NodeAddr) -> NodeState {
        NodeState {
            addr,
            name: None,
            error: None,
            role: Role::Unknown,
            master: None,
            link: None,
            offset: None,
            sync_in_progress: false,
            link_down_since: None,
            link_never_up: false,
            sync_full: None,
            full_sync_growth: None,
            replid: None,
            replid2: None,
            second_repl_offset: None,
            min_replicas_to_write: None,
            good_replicas: None,
            divergent_read: None,
            priority: None,
            read_only: None,
            listed: Vec::new(),
            version: None,
            expect_replicas: None,
            apply_error: None,
            found: Found::default(),
        }
    }

    /// Whether the node answered.
    pub fn reachable(&self) -> bool {
        self.error.is_none()
    }
}

/// Everything discovery found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Every node, in no particular order.
    pub nodes: Vec<NodeState>,
    /// True when the seeds came from an inventory: they are meant to form one group.
    pub single_group_expected: bool,
}

/// A connected component of the graph, in tree order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `(index into Snapshot::nodes, depth)` in depth-first order from the roots.
    pub rows: Vec<(usize, usize)>,
}

impl Snapshot {
    /// Index of the node with this canonical address.
    pub fn index(&self, addr: &NodeAddr) -> Option<usize> {
        self.nodes.iter().position(|n| &n.addr == addr)
    }

    /// The node with this canonical address.
    pub fn get(&self, addr: &NodeAddr) -> Option<&NodeState> {
        self.nodes.iter().find(|n| &n.addr == addr)
    }

    /// What a node hangs under in the tree: the master it follows, or (if it did not answer)
    /// the master that lists it.
    pub fn parent(&self, i: usize) -> Option<usize> {
        let n = &self.nodes[i];
        if let Some(m) = &n.master {
            return self.index(m).filter(|p| *p != i);
        }
        if n.reachable() {
            return None;
        }
        self.nodes
            .iter()
            .position(|m| m.listed.iter().any(|l| l.addr == n.addr))
            .filter(|p| *p != i)
    }

    /// How many bytes replica `i` is behind its master: master offset − replica offset, when
    /// both were read (clamped at 0: the two INFO reads are not simultaneous).
    pub fn lag_bytes(&self, i: usize) -> Option<i64> {
        let n = &self.nodes[i];
        if n.role != Role::Replica {
            return None;
        }
        let m = self.get(n.master.as_ref()?)?;
        if !m.reachable() {
            return None;
        }
        Some((m.offset? - n.offset?).max(0))
    }

    /// Seconds since node `i` last acknowledged, as its master lists it.
    pub fn lag_seconds(&self, i: usize) -> Option<i64> {
        let n = &self.nodes[i];
        if n.role != Role::Replica {
            return None;
        }
        let m = self.get(n.master.as_ref()?)?;
        m.listed
            .iter()
            .find(|l| l.addr == n.addr)
            .and_then(|l| l.entry.lag)
    }

    /// Undirected edges: follows (replica → master) and lists (master → replica).
    fn neighbours(&self) -> Vec<BTreeSet<usize>> {
        let mut adj = vec![BTreeSet::new(); self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            let mut link = |j: usize| {
                if j != i {
                    adj[i].insert(j);
                    adj[j].insert(i);
                }
            };
            if let Some(j) = n.master.as_ref().and_then(|m| self.index(m)) {
                link(j);
            }
            for l in &n.listed {
                if let Some(j) = self.index(&l.addr) {
                    link(j);
                }
            }
        }
        adj
    }

    /// Connected components, each as a tree: roots (masters first, then by address) with
    /// their followers indented under them. A cycle is broken at its smallest address.
    pub fn groups(&self) -> Vec<Group> {
        let adj = self.neighbours();
        let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..self.nodes.len() {
            if let Some(p) = self.parent(i) {
                children.entry(p).or_default().push(i);
            }
        }
        for c in children.values_mut() {
            c.sort_by(|a, b| self.nodes[*a].addr.cmp(&self.nodes[*b].addr));
        }
        let mut seen = vec![false; self.nodes.len()];
        let mut comps: Vec<Vec<usize>> = Vec::new();
        for start in 0..self.nodes.len() {
            if seen[start] {
                continue;
            }
            let mut comp = Vec::new();
            let mut stack = vec![start];
            seen[start] = true;
            while let Some(i) = stack.pop() {
                comp.push(i);
                for &j in &adj[i] {
                    if !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
            comps.push(comp);
        }
        let key = |i: usize| {
            let n = &self.nodes[i];
            (n.role != Role::Master, n.addr.clone())
        };
        let mut groups: Vec<Group> = comps
            .into_iter()
            .map(|mut comp| {
                comp.sort_by_key(|i| key(*i));
                let mut placed = vec![false; self.nodes.len()];
                let mut rows = Vec::new();
                // Roots: nodes without a parent, then anything left (cycles) in key order.
                let roots: Vec<usize> = comp
                    .iter()
                    .copied()
                    .filter(|i| self.parent(*i).is_none())
                    .collect();
                let mut order = roots;
                order.extend(comp.iter().copied());
                for r in order {
                    if placed[r] {
                        continue;
                    }
                    let mut stack = vec![(r, 0usize)];
                    while let Some((i, d)) = stack.pop() {
                        if placed[i] {
                            continue;
                        }
                        placed[i] = true;
                        rows.push((i, d));
                        if let Some(cs) = children.get(&i) {
                            for &c in cs.iter().rev() {
                                if !placed[c] {
                                    stack.push((c, d + 1));
                                }
                            }
                        }
                    }
                }
                Group { rows }
            })
            .collect();
        groups.sort_by_key(|g| g.rows.first().map(|(i, _)| key(*i)));
        groups
    }

    /// The contract's JSON record of node `i`.
    pub fn node_json(&self, i: usize) -> NodeJson {
        let n = &self.nodes[i];
        let mut replicas: Vec<String> = self
            .nodes
            .iter()
            .filter(|r| r.master.as_ref() == Some(&n.addr))
            .map(|r| r.addr.to_string())
            .collect();
        for l in &n.listed {
            let s = l.addr.to_string();
            if !replicas.contains(&s) {
                replicas.push(s);
            }
        }
        replicas.sort();
        NodeJson {
            addr: n.addr.to_string(),
            name: n.name.clone(),
            reachable: n.reachable(),
            error: n.error.clone(),
            role: n.role,
            master: n.master.as_ref().map(ToString::to_string),
            link: n.link,
            offset: n.offset,
            lag_bytes: self.lag_bytes(i),
            lag_seconds: self.lag_seconds(i),
            replid: n.replid.clone(),
            replid2: n.replid2.clone(),
            priority: n.priority,
            read_only: n.read_only,
            replicas,
            version: n.version.clone(),
            diverged_bytes: self.diverged_bytes(i),
            diverged_commands: match &n.divergent_read {
                Some(Ok(r)) => Some(r.commands),
                _ => None,
            },
            min_replicas_to_write: n.min_replicas_to_write,
        }
    }

    /// For a stale master (another master continues its history): bytes it wrote past the
    /// fork, an upper bound on its writes there (see [`crate::topology::diverge`]); `None`
    /// for other nodes and when the fork cannot be read.
    pub fn diverged_bytes(&self, i: usize) -> Option<i64> {
        let addr = &self.nodes[i].addr;
        crate::topology::diverge::stale_masters(self)
            .into_iter()
            .find(|(n, _)| n == addr)
            .and_then(|(_, v)| v.diverged_bytes())
    }

    /// Every node's JSON record, in group/tree order.
    pub fn nodes_json(&self) -> Vec<NodeJson> {
        self.groups()
            .iter()
            .flat_map(|g| g.rows.iter().map(|(i, _)| self.node_json(*i)))
            .collect()
    }
}

/// A node as the JSON contract shows it. Absent values are `null`, never omitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeJson {
    /// `HOST:PORT`.
    pub addr: String,
    /// Inventory name.
    pub name: Option<String>,
    /// Whether it answered.
    pub reachable: bool,
    /// Why not.
    pub error: Option<String>,
    /// `master`, `replica` or `unknown`.
    pub role: Role,
    /// A replica's master.
    pub master: Option<String>,
    /// `up`, `down`, or null for masters.
    pub link: Option<Link>,
    /// Replication offset.
    pub offset: Option<i64>,
    /// Master offset − this replica's offset.
    pub lag_bytes: Option<i64>,
    /// Seconds since the last ACK, as the master lists it.
    pub lag_seconds: Option<i64>,
    /// `master_replid`.
    pub replid: Option<String>,
    /// `master_replid2`.
    pub replid2: Option<String>,
    /// Failover priority.
    pub priority: Option<i64>,
    /// Whether it refuses writes.
    pub read_only: Option<bool>,
    /// Addresses of its replicas (following it or listed by it).
    pub replicas: Vec<String>,
    /// Server version.
    pub version: Option<String>,
    /// A stale master (another master continues its history): bytes of its replication
    /// stream past the fork, which the new master lacks (an upper bound on its writes: PINGs
    /// count too); 0 when it stopped at the fork; null for other nodes.
    pub diverged_bytes: Option<i64>,
    /// Data commands among those bytes, when its backlog could be read; null otherwise.
    pub diverged_commands: Option<usize>,
    /// `min-replicas-to-write` (CONFIG GET); null when not read (CONFIG refused or renamed).
    pub min_replicas_to_write: Option<i64>,
}

/// What kind of problem a health rule found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The node did not answer.
    Unreachable,
    /// The node answered but refused our password or user (AUTH failed).
    AuthFailed,
    /// A replica's link to its master is down.
    LinkDown,
    /// A replica is behind its master by more than allowed.
    Lagging,
    /// A replica is in a full sync.
    SyncInProgress,
    /// More than one master where one was expected (split brain).
    MultipleMasters,
    /// A replica's replication ID differs from its master's.
    ReplidMismatch,
    /// A replica's master cannot be read.
    MasterUnreachable,
    /// A master lists a replica at an address rkv cannot reach.
    AnnounceMismatch,
    /// A replica accepts writes.
    WritableReplica,
    /// No replica could be promoted.
    NoFailoverCandidate,
    /// Replicas follow each other in a circle.
    ReplicationCycle,
    /// A master has another number of replicas than the inventory expects.
    ReplicaCount,
    /// A master whose history another master continues (its replid is that master's
    /// replid2): an old master back after a failover, taking writes nobody will see.
    StaleMaster,
    /// A replica could not apply a command from its master: its data may differ.
    ApplyError,
    /// A Sentinel names a node that is not the actual master.
    SentinelDisagrees,
    /// Fewer Sentinels answer than the quorum, or than a majority of those known.
    SentinelQuorumAtRisk,
    /// A Sentinel's replica list differs from the master's.
    SentinelReplicasDiffer,
    /// A Sentinel flags the master subjectively or objectively down.
    SentinelMasterDown,
    /// A Sentinel is running a failover.
    SentinelFailoverInProgress,
    /// A master keeps serving full syncs (`sync_full` grows between two reads): a replica
    /// that cannot load its snapshot (e.g. an RDB version newer than its own) retries forever.
    FullSyncLoop,
    /// `min-replicas-to-write` at rkv's fence value or above (≥ 1000000): a write fence an
    /// interrupted rkv run left in place.
    FenceLeft,
    /// A master whose `min-replicas-to-write` exceeds its good replicas: it refuses writes.
    MinReplicasUnmet,
}

impl ProblemKind {
    /// The snake_case name used in JSON and TSV.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Unreachable => "unreachable",
            ProblemKind::AuthFailed => "auth_failed",
            ProblemKind::LinkDown => "link_down",
            ProblemKind::Lagging => "lagging",
            ProblemKind::SyncInProgress => "sync_in_progress",
            ProblemKind::MultipleMasters => "multiple_masters",
            ProblemKind::ReplidMismatch => "replid_mismatch",
            ProblemKind::MasterUnreachable => "master_unreachable",
            ProblemKind::AnnounceMismatch => "announce_mismatch",
            ProblemKind::WritableReplica => "writable_replica",
            ProblemKind::NoFailoverCandidate => "no_failover_candidate",
            ProblemKind::ReplicationCycle => "replication_cycle",
            ProblemKind::ReplicaCount => "replica_count",
            ProblemKind::StaleMaster => "stale_master",
            ProblemKind::ApplyError => "apply_error",
            ProblemKind::SentinelDisagrees => "sentinel_disagrees",
            ProblemKind::SentinelQuorumAtRisk => "sentinel_quorum_at_risk",
            ProblemKind::SentinelReplicasDiffer => "sentinel_replicas_differ",
            ProblemKind::SentinelMasterDown => "sentinel_master_down",
            ProblemKind::SentinelFailoverInProgress => "sentinel_failover_in_progress",
            ProblemKind::FullSyncLoop => "full_sync_loop",
            ProblemKind::FenceLeft => "fence_left",
            ProblemKind::MinReplicasUnmet => "min_replicas_unmet",
        }
    }
}

/// One problem, as the JSON contract shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProblemJson {
    /// What kind.
    pub kind: ProblemKind,
    /// The node it is about.
    pub node: String,
    /// A sentence for the operator.
    pub message: String,
}

/// A Sentinel watching a group (see [`super::sentinel`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentinelJson {
    /// `HOST:PORT`.
    pub addr: String,
    /// Whether it answered.
    pub reachable: bool,
    /// Why not.
    pub error: Option<String>,
    /// The name it monitors the master under.
    pub master_name: Option<String>,
    /// The master it names.
    pub master: Option<String>,
    /// Its quorum.
    pub quorum: Option<u32>,
    /// Its flags for the master.
    pub flags: Option<String>,
    /// Other Sentinels it knows.
    pub num_other_sentinels: Option<u32>,
    /// Replicas it knows.
    pub num_replicas: Option<u32>,
    /// Its config epoch.
    pub config_epoch: Option<u64>,
}

/// `rkv topology --output json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopologyDoc {
    /// Every node.
    pub nodes: Vec<NodeJson>,
    /// Every problem.
    pub problems: Vec<ProblemJson>,
    /// Sentinels watching the graph (empty when none were found).
    pub sentinels: Vec<SentinelJson>,
}
