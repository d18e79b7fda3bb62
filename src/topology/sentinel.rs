//! The Sentinels watching a replication group: finding them, reading what each one believes,
//! and the pure rules that compare those beliefs with the graph discovery found.
//!
//! Finding them ([`discover_sentinels`], the only I/O here): every Sentinel subscribes to
//! `__sentinel__:hello` on each instance it watches and publishes its address there every 2 s,
//! so a node with subscribers on that channel is watched; we listen there (at most
//! [`HELLO_LISTEN`], less once every subscriber has spoken). Sentinels named with `--sentinel`
//! or in the inventory's `[[sentinels]]` are asked too, and `SENTINEL SENTINELS <name>` of
//! each one found leads to the rest. Each Sentinel's view is `SENTINEL MASTERS` (the entries
//! about this graph's nodes or names) and `SENTINEL REPLICAS <name>`.
//!
//! The rules ([`checks`]) are plain functions over a [`Snapshot`] and the views.

use super::discover::DiscoverOptions;
use super::health::Check;
use super::model::{ProblemKind, SentinelJson, Snapshot};
use crate::node::{NodeAddr, NodeClient, Role};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The channel Sentinels announce themselves on, through every instance they watch.
pub const HELLO_CHANNEL: &str = "__sentinel__:hello";
/// Longest we listen for hellos (Sentinels publish every 2 s).
pub const HELLO_LISTEN: Duration = Duration::from_millis(2500);
/// Most Sentinels we contact (a bound against a runaway SENTINEL SENTINELS chain).
pub const MAX_SENTINELS: usize = 64;

/// One `__sentinel__:hello` message:
/// `ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The Sentinel's announced address.
    pub addr: NodeAddr,
    /// Its run id.
    pub runid: String,
    /// Its current epoch.
    pub epoch: u64,
    /// The master name it watches the instance under.
    pub master_name: String,
    /// The master it names.
    pub master: NodeAddr,
    /// That master's config epoch.
    pub master_config_epoch: u64,
}

/// Parse a hello payload; `None` when it is not one.
pub fn parse_hello(text: &str) -> Option<Hello> {
    let f: Vec<&str> = text.trim().split(',').collect();
    if f.len() != 8 {
        return None;
    }
    Some(Hello {
        addr: NodeAddr::new(f[0], f[1].parse().ok()?),
        runid: f[2].to_string(),
        epoch: f[3].parse().ok()?,
        master_name: f[4].to_string(),
        master: NodeAddr::new(f[5], f[6].parse().ok()?),
        master_config_epoch: f[7].parse().ok()?,
    })
}

/// A replica as one Sentinel lists it (`SENTINEL REPLICAS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelReplica {
    /// `ip:port`.
    pub addr: NodeAddr,
    /// Its flags (`slave`, `s_down`, `disconnected`, …).
    pub flags: String,
    /// `slave-priority` as the Sentinel last read it.
    pub priority: Option<i64>,
}

/// What one Sentinel believes about one master name (or why it could not be read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentinelView {
    /// The Sentinel.
    pub addr: Option<NodeAddr>,
    /// Why it could not be read.
    pub error: Option<String>,
    /// The master name.
    pub master_name: Option<String>,
    /// The master it names.
    pub master: Option<NodeAddr>,
    /// Its quorum for that master.
    pub quorum: Option<u32>,
    /// Its flags for the master (`master`, `s_down`, `o_down`, `failover_in_progress`, …).
    pub flags: Option<String>,
    /// Other Sentinels it knows for that master.
    pub num_other_sentinels: Option<u32>,
    /// Replicas it knows.
    pub num_replicas: Option<u32>,
    /// The master's config epoch.
    pub config_epoch: Option<u64>,
    /// `failover-state` (`none` when idle).
    pub failover_state: Option<String>,
    /// The replicas it lists.
    pub replicas: Vec<SentinelReplica>,
}

impl SentinelView {
    /// True when the Sentinel answered.
    pub fn reachable(&self) -> bool {
        self.error.is_none()
    }

    /// The contract's JSON row.
    pub fn json(&self) -> SentinelJson {
        SentinelJson {
            addr: self
                .addr
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            reachable: self.reachable(),
            error: self.error.clone(),
            master_name: self.master_name.clone(),
            master: self.master.as_ref().map(ToString::to_string),
            quorum: self.quorum,
            flags: self.flags.clone(),
            num_other_sentinels: self.num_other_sentinels,
            num_replicas: self.num_replicas,
            config_epoch: self.config_epoch,
        }
    }

    fn has_flag(&self, flag: &str) -> bool {
        self.flags
            .as_deref()
            .is_some_and(|f| f.split(',').any(|x| x == flag))
    }
}

/// A reply of field/value pairs (a flat array in RESP2, a map in RESP3) as a map.
pub fn fields(v: &redis::Value) -> BTreeMap<String, String> {
    let text = |v: &redis::Value| -> Option<String> {
        match v {
            redis::Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
            redis::Value::SimpleString(s) => Some(s.clone()),
            redis::Value::Int(i) => Some(i.to_string()),
            _ => None,
        }
    };
    let mut out = BTreeMap::new();
    match v {
        redis::Value::Array(items) => {
            for pair in items.chunks(2) {
                if let [k, v] = pair
                    && let (Some(k), Some(v)) = (text(k), text(v))
                {
                    out.insert(k, v);
                }
            }
        }
        redis::Value::Map(pairs) => {
            for (k, v) in pairs {
                if let (Some(k), Some(v)) = (text(k), text(v)) {
                    out.insert(k, v);
                }
            }
        }
        _ => {}
    }
    out
}

/// The entries of an array reply whose items are field/value lists (SENTINEL MASTERS,
/// REPLICAS, SENTINELS).
pub fn entries(v: &redis::Value) -> Vec<BTreeMap<String, String>> {
    match v {
        redis::Value::Array(items) => items.iter().map(fields).collect(),
        _ => Vec::new(),
    }
}

fn entry_addr(e: &BTreeMap<String, String>) -> Option<NodeAddr> {
    Some(NodeAddr::new(e.get("ip")?, e.get("port")?.parse().ok()?))
}

/// A view from one `SENTINEL MASTER(S)` entry.
pub fn view_from_master(sentinel: &NodeAddr, e: &BTreeMap<String, String>) -> SentinelView {
    let num = |k: &str| e.get(k).and_then(|v| v.parse().ok());
    SentinelView {
        addr: Some(sentinel.clone()),
        error: None,
        master_name: e.get("name").cloned(),
        master: entry_addr(e),
        quorum: num("quorum"),
        flags: e.get("flags").cloned(),
        num_other_sentinels: num("num-other-sentinels"),
        num_replicas: num("num-slaves"),
        config_epoch: e.get("config-epoch").and_then(|v| v.parse().ok()),
        failover_state: e.get("failover-state").cloned(),
        replicas: Vec::new(),
    }
}

/// The replicas of a `SENTINEL REPLICAS` reply.
pub fn replicas_from(v: &redis::Value) -> Vec<SentinelReplica> {
    entries(v)
        .iter()
        .filter_map(|e| {
            Some(SentinelReplica {
                addr: entry_addr(e)?,
                flags: e.get("flags").cloned().unwrap_or_default(),
                priority: e.get("slave-priority").and_then(|p| p.parse().ok()),
            })
        })
        .collect()
}

fn check(name: &'static str, kind: ProblemKind, node: &str, ok: bool, detail: String) -> Check {
    Check {
        name,
        node: node.to_string(),
        ok,
        detail,
        kind,
    }
}

/// The Sentinel rules, over the graph and every view.
///
/// Per Sentinel and master name: it names the actual master (`sentinel_disagrees`), it does
/// not flag it down (`sentinel_master_down`), no failover is running
/// (`sentinel_failover_in_progress`), and it lists exactly the replicas that master lists
/// (`sentinel_replicas_differ`). Per master name: enough Sentinels answer for the quorum and
/// for a majority (`sentinel_quorum_at_risk`). An unreachable Sentinel is `unreachable`.
pub fn checks(snap: &Snapshot, views: &[SentinelView]) -> Vec<Check> {
    let mut out = Vec::new();
    for v in views {
        view_checks(snap, v, &mut out);
    }
    quorum_checks(views, &mut out);
    out
}

/// One Sentinel's checks: it answers, it names the actual master, the master is not flagged
/// down, no failover runs, it lists the master's replicas.
fn view_checks(snap: &Snapshot, v: &SentinelView, out: &mut Vec<Check>) {
    let who = v.addr.as_ref().map(ToString::to_string).unwrap_or_default();
    if let Some(err) = &v.error {
        out.push(check(
            "sentinel_reachable",
            ProblemKind::Unreachable,
            &who,
            false,
            format!("Sentinel did not answer: {err}"),
        ));
        return;
    }
    let (Some(name), Some(master)) = (&v.master_name, &v.master) else {
        return;
    };
    let named = snap.get(master);
    let (ok, detail) = match named {
        Some(n) if n.reachable() && n.role == Role::Master => {
            (true, format!("names {master} as master of {name}"))
        }
        Some(n) if n.reachable() => (
            false,
            format!(
                "names {master} as master of {name}, but it is a {}{}",
                n.role.as_str(),
                n.master
                    .as_ref()
                    .map(|m| format!(" of {m}"))
                    .unwrap_or_default()
            ),
        ),
        Some(n) => (
            false,
            format!(
                "names {master} as master of {name}, which did not answer ({})",
                n.error.as_deref().unwrap_or("?")
            ),
        ),
        None => (
            false,
            format!("names {master} as master of {name}, which is not in this topology"),
        ),
    };
    out.push(check(
        "sentinel_agrees",
        ProblemKind::SentinelDisagrees,
        &who,
        ok,
        detail,
    ));
    let down: Vec<&str> = ["s_down", "o_down"]
        .into_iter()
        .filter(|f| v.has_flag(f))
        .collect();
    out.push(check(
        "sentinel_master_up",
        ProblemKind::SentinelMasterDown,
        &who,
        down.is_empty(),
        if down.is_empty() {
            format!("{name}: master {master} not flagged down")
        } else {
            format!(
                "{name}: flags master {master} {} (flags {})",
                down.join(" and "),
                v.flags.as_deref().unwrap_or("")
            )
        },
    ));
    let failing = v.has_flag("failover_in_progress")
        || v.failover_state.as_deref().is_some_and(|s| s != "none");
    out.push(check(
        "sentinel_no_failover",
        ProblemKind::SentinelFailoverInProgress,
        &who,
        !failing,
        if failing {
            format!(
                "{name}: a failover is in progress (state {})",
                v.failover_state.as_deref().unwrap_or("?")
            )
        } else {
            format!("{name}: no failover in progress")
        },
    ));
    if let Some(m) = named.filter(|n| n.reachable() && n.role == Role::Master) {
        let real: BTreeSet<&NodeAddr> = m.listed.iter().map(|l| &l.addr).collect();
        let seen: BTreeSet<&NodeAddr> = v.replicas.iter().map(|r| &r.addr).collect();
        let missing: Vec<String> = real.difference(&seen).map(|a| a.to_string()).collect();
        let extra: Vec<String> = seen.difference(&real).map(|a| a.to_string()).collect();
        let ok = missing.is_empty() && extra.is_empty();
        let mut detail = format!("{name}: lists {} replica(s)", seen.len());
        if !missing.is_empty() {
            detail.push_str(&format!("; does not list {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            detail.push_str(&format!(
                "; lists {} which {master} does not",
                extra.join(", ")
            ));
        }
        out.push(check(
            "sentinel_replicas",
            ProblemKind::SentinelReplicasDiffer,
            &who,
            ok,
            detail,
        ));
    }
}

/// Per master name: how many Sentinels answer against the quorum and the majority.
fn quorum_checks(views: &[SentinelView], out: &mut Vec<Check>) {
    let mut names: BTreeMap<&str, Vec<&SentinelView>> = BTreeMap::new();
    for v in views {
        if let Some(n) = &v.master_name {
            names.entry(n.as_str()).or_default().push(v);
        }
    }
    for (name, vs) in names {
        let answering: Vec<&&SentinelView> = vs.iter().filter(|v| v.reachable()).collect();
        let reachable = answering.len();
        let addrs: BTreeSet<String> = vs
            .iter()
            .filter_map(|v| v.addr.as_ref().map(ToString::to_string))
            .collect();
        let known = answering
            .iter()
            .filter_map(|v| v.num_other_sentinels.map(|n| n as usize + 1))
            .max()
            .unwrap_or(0)
            .max(addrs.len());
        let quorum = answering.iter().filter_map(|v| v.quorum).max();
        let majority = known / 2 + 1;
        let node = answering
            .iter()
            .find_map(|v| v.master.as_ref().map(ToString::to_string))
            .unwrap_or_else(|| name.to_string());
        let mut why = Vec::new();
        if let Some(q) = quorum
            && reachable < q as usize
        {
            why.push(format!("fewer than the quorum {q}"));
        }
        if reachable < majority {
            why.push(format!("fewer than a majority ({majority}) of {known}"));
        }
        out.push(check(
            "sentinel_quorum",
            ProblemKind::SentinelQuorumAtRisk,
            &node,
            why.is_empty(),
            format!(
                "{name}: {reachable} of {known} Sentinel(s) answer, quorum {}{}",
                quorum.map_or_else(|| "?".to_string(), |q| q.to_string()),
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", why.join(" and "))
                }
            ),
        ));
    }
}

/// Subscribe to the hello channel on `node` and collect hellos until `want` distinct
/// Sentinels spoke or `listen` passed.
async fn listen_hello(
    node: &NodeAddr,
    opts: &DiscoverOptions,
    want: usize,
    listen: Duration,
) -> Result<Vec<Hello>, String> {
    use futures_util::StreamExt;
    let creds = &opts.creds;
    let sock = opts
        .transport
        .endpoint(node, opts.timeout)
        .await
        .map_err(|e| e.to_string())?;

    let deadline = tokio::time::Instant::now() + listen;
    let mut ps = subscribe_hello(sock, creds, deadline).await?;
    let mut stream = ps.on_message();
    let mut out: Vec<Hello> = Vec::new();
    let mut runids = BTreeSet::new();
    while runids.len() < want {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(msg)) => {
                let payload: String = msg.get_payload().unwrap_or_default();
                if let Some(h) = parse_hello(&payload) {
                    runids.insert(h.runid.clone());
                    out.push(h);
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    Ok(out)
}

/// A connection to `sock` subscribed to Sentinel's hello channel, set up before `deadline`:
/// the one pub/sub setup that discovery and the failover's Sentinel probe share. Errors are
/// worded for the operator, with any password scrubbed.
pub async fn subscribe_hello(
    sock: std::net::SocketAddr,
    creds: &crate::node::Credentials,
    deadline: tokio::time::Instant,
) -> Result<redis::aio::PubSub, String> {
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    let mut ps = crate::node::client::open_pubsub(sock, creds, left)
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::timeout_at(deadline, ps.subscribe(HELLO_CHANNEL))
        .await
        .map_err(|_| "timed out subscribing".to_string())?
        .map_err(|e| creds.scrub(&e.to_string()))?;
    Ok(ps)
}

/// Hellos heard on every reachable node that has subscribers on the hello channel.
async fn hellos(snap: &Snapshot, opts: &DiscoverOptions) -> Vec<Hello> {
    let nodes: Vec<NodeAddr> = snap
        .nodes
        .iter()
        .filter(|n| n.reachable())
        .map(|n| n.addr.clone())
        .collect();
    let work = nodes.iter().map(|addr| async move {
        let mut c = NodeClient::open(&opts.transport, addr, &opts.creds, opts.timeout)
            .await
            .ok()?;
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("NUMSUB").arg(HELLO_CHANNEL);
        let v: redis::Value = c.query(&cmd, "PUBSUB NUMSUB").await.ok()?;
        let n = match &v {
            redis::Value::Array(items) => match items.get(1) {
                Some(redis::Value::Int(n)) => usize::try_from(*n).unwrap_or(0),
                _ => 0,
            },
            redis::Value::Map(pairs) => match pairs.first() {
                Some((_, redis::Value::Int(n))) => usize::try_from(*n).unwrap_or(0),
                _ => 0,
            },
            _ => 0,
        };
        if n == 0 {
            return None;
        }
        match listen_hello(addr, opts, n, HELLO_LISTEN).await {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::debug!("listening on {HELLO_CHANNEL} at {addr}: {e}");
                None
            }
        }
    });
    futures_util::future::join_all(work)
        .await
        .into_iter()
        .flatten()
        .flatten()
        .collect()
}

/// Read one Sentinel: its entries about this graph (by master name or by a node address of
/// the graph), with their replicas, and the other Sentinels it knows for those names.
async fn read_sentinel(
    addr: &NodeAddr,
    snap: &Snapshot,
    names: &BTreeSet<String>,
    opts: &DiscoverOptions,
) -> Result<(Vec<SentinelView>, Vec<NodeAddr>), String> {
    // Sentinels rarely share the data nodes' password: they have their own credentials.
    let creds = &opts.sentinel_creds;
    let mut c = NodeClient::open(&opts.transport, addr, creds, opts.timeout)
        .await
        .map_err(|e| e.to_string())?;
    let mut cmd = redis::cmd("SENTINEL");
    cmd.arg("MASTERS");
    let v: redis::Value = c
        .query(&cmd, "SENTINEL MASTERS")
        .await
        .map_err(|e| e.to_string())?;
    let mut views = Vec::new();
    let mut others = Vec::new();
    for e in entries(&v) {
        let view = view_from_master(addr, &e);
        let ours = view.master_name.as_ref().is_some_and(|n| names.contains(n))
            || view.master.as_ref().is_some_and(|m| snap.get(m).is_some());
        let Some(name) = view.master_name.clone().filter(|_| ours) else {
            continue;
        };
        let mut view = view;
        // SENTINEL REPLICAS is 5.0+; 2.8–4.0 know only SENTINEL SLAVES (same reply).
        for sub in ["REPLICAS", "SLAVES"] {
            let mut cmd = redis::cmd("SENTINEL");
            cmd.arg(sub).arg(&name);
            if let Ok(r) = c.query::<redis::Value>(&cmd, "SENTINEL REPLICAS").await {
                view.replicas = replicas_from(&r);
                break;
            }
        }
        let mut cmd = redis::cmd("SENTINEL");
        cmd.arg("SENTINELS").arg(&name);
        if let Ok(r) = c.query::<redis::Value>(&cmd, "SENTINEL SENTINELS").await {
            others.extend(entries(&r).iter().filter_map(entry_addr));
        }
        views.push(view);
    }
    Ok((views, others))
}

/// The masters the given Sentinels watch (`SENTINEL MASTERS` of each), for discovering a
/// group from its Sentinels when no data node is named. Err when no Sentinel answered: the
/// errors, one per Sentinel.
pub async fn watched_masters(
    sentinels: &[NodeAddr],
    opts: &DiscoverOptions,
) -> Result<Vec<NodeAddr>, String> {
    let mut masters: Vec<NodeAddr> = Vec::new();
    let mut errors = Vec::new();
    let mut answered = false;
    for addr in sentinels {
        let got = async {
            let mut c = NodeClient::open(&opts.transport, addr, &opts.sentinel_creds, opts.timeout)
                .await
                .map_err(|e| e.to_string())?;
            let mut cmd = redis::cmd("SENTINEL");
            cmd.arg("MASTERS");
            c.query::<redis::Value>(&cmd, "SENTINEL MASTERS")
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        match got {
            Ok(v) => {
                answered = true;
                for m in entries(&v).iter().filter_map(entry_addr) {
                    if !masters.contains(&m) {
                        masters.push(m);
                    }
                }
            }
            Err(e) => errors.push(format!("{addr}: {e}")),
        }
    }
    if answered {
        Ok(masters)
    } else {
        Err(errors.join("; "))
    }
}

/// Find the Sentinels watching the graph (hellos, `seeds`, then SENTINEL SENTINELS) and read
/// each one's view. A Sentinel that watches nothing of this graph is listed with no master.
pub async fn discover_sentinels(
    snap: &Snapshot,
    seeds: &[NodeAddr],
    opts: &DiscoverOptions,
) -> Vec<SentinelView> {
    let started = Instant::now();
    let heard = hellos(snap, opts).await;
    tracing::debug!(
        hellos = heard.len(),
        "listened on {HELLO_CHANNEL} in {:?}",
        started.elapsed()
    );
    let mut names: BTreeSet<String> = heard.iter().map(|h| h.master_name.clone()).collect();
    let mut hello_name: BTreeMap<NodeAddr, String> = BTreeMap::new();
    let mut queue: Vec<NodeAddr> = seeds.to_vec();
    for h in &heard {
        hello_name.insert(h.addr.clone(), h.master_name.clone());
        queue.push(h.addr.clone());
    }
    let mut done: BTreeSet<NodeAddr> = BTreeSet::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < queue.len() && done.len() < MAX_SENTINELS {
        let addr = queue[i].clone();
        i += 1;
        if !done.insert(addr.clone()) {
            continue;
        }
        match read_sentinel(&addr, snap, &names, opts).await {
            Ok((views, others)) => {
                if views.is_empty() {
                    out.push(SentinelView {
                        addr: Some(addr.clone()),
                        ..SentinelView::default()
                    });
                }
                for v in views {
                    if let Some(n) = &v.master_name {
                        names.insert(n.clone());
                    }
                    out.push(v);
                }
                queue.extend(others);
            }
            Err(e) => out.push(SentinelView {
                addr: Some(addr.clone()),
                error: Some(e),
                master_name: hello_name.get(&addr).cloned(),
                ..SentinelView::default()
            }),
        }
    }
    out.sort_by(|a, b| (&a.master_name, &a.addr).cmp(&(&b.master_name, &b.addr)));
    out
}

/// The human view: one line per Sentinel, for under the trees.
pub fn lines(views: &[SentinelView]) -> String {
    let mut s = String::new();
    if views.is_empty() {
        return s;
    }
    s.push_str("sentinels:\n");
    for v in views {
        let who = v.addr.as_ref().map(ToString::to_string).unwrap_or_default();
        if let Some(e) = &v.error {
            s.push_str(&format!("  {who}  unreachable: {e}\n"));
            continue;
        }
        let (Some(name), Some(master)) = (&v.master_name, &v.master) else {
            s.push_str(&format!("  {who}  watches no master of this topology\n"));
            continue;
        };
        s.push_str(&format!(
            "  {who}  {name} -> {master}  quorum {}  flags {}  {} other sentinel(s)  {} replica(s)  epoch {}\n",
            v.quorum.map_or_else(|| "?".into(), |q| q.to_string()),
            v.flags.as_deref().unwrap_or("?"),
            v.num_other_sentinels.map_or_else(|| "?".into(), |q| q.to_string()),
            v.num_replicas.map_or_else(|| "?".into(), |q| q.to_string()),
            v.config_epoch.map_or_else(|| "?".into(), |q| q.to_string()),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::ListedReplica;
    use crate::topology::model::{ListedLink, NodeState};

    fn a(port: u16) -> NodeAddr {
        NodeAddr::new("127.0.0.1", port)
    }

    fn node(port: u16, role: Role, master: Option<u16>, replicas: &[u16]) -> NodeState {
        let mut n = NodeState::new(a(port));
        n.role = role;
        n.master = master.map(a);
        n.listed = replicas
            .iter()
            .enumerate()
            .map(|(i, p)| ListedLink {
                addr: a(*p),
                entry: ListedReplica {
                    index: u32::try_from(i).unwrap(),
                    ip: "127.0.0.1".into(),
                    port: Some(*p),
                    state: Some("online".into()),
                    offset: Some(0),
                    lag: Some(0),
                    kind: None,
                },
            })
            .collect();
        n
    }

    fn snap() -> Snapshot {
        Snapshot {
            nodes: vec![
                node(6379, Role::Master, None, &[6380, 6381]),
                node(6380, Role::Replica, Some(6379), &[]),
                node(6381, Role::Replica, Some(6379), &[]),
            ],
            single_group_expected: false,
        }
    }

    fn view(port: u16, master: u16, replicas: &[u16]) -> SentinelView {
        SentinelView {
            addr: Some(a(port)),
            error: None,
            master_name: Some("mymaster".into()),
            master: Some(a(master)),
            quorum: Some(2),
            flags: Some("master".into()),
            num_other_sentinels: Some(2),
            num_replicas: Some(u32::try_from(replicas.len()).unwrap()),
            config_epoch: Some(0),
            failover_state: Some("none".into()),
            replicas: replicas
                .iter()
                .map(|p| SentinelReplica {
                    addr: a(*p),
                    flags: "slave".into(),
                    priority: Some(100),
                })
                .collect(),
        }
    }

    fn failed(checks: &[Check]) -> Vec<(ProblemKind, String)> {
        checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| (c.kind, c.node.clone()))
            .collect()
    }

    fn three() -> Vec<SentinelView> {
        (26379..26382)
            .map(|p| view(p, 6379, &[6380, 6381]))
            .collect()
    }

    #[test]
    fn hello_messages_parse() {
        let h = parse_hello("127.0.0.1,26379,abc,3,mymaster,127.0.0.1,6379,2").unwrap();
        assert_eq!(h.addr, a(26379));
        assert_eq!(h.epoch, 3);
        assert_eq!(h.master_name, "mymaster");
        assert_eq!(h.master, a(6379));
        assert_eq!(h.master_config_epoch, 2);
        assert!(parse_hello("1,2,3").is_none());
        assert!(parse_hello("127.0.0.1,x,abc,3,m,127.0.0.1,6379,2").is_none());
    }

    #[test]
    fn master_entries_and_replicas_parse() {
        let kv = |pairs: &[(&str, &str)]| {
            redis::Value::Array(
                pairs
                    .iter()
                    .flat_map(|(k, v)| {
                        [
                            redis::Value::BulkString(k.as_bytes().to_vec()),
                            redis::Value::BulkString(v.as_bytes().to_vec()),
                        ]
                    })
                    .collect(),
            )
        };
        let m = kv(&[
            ("name", "mymaster"),
            ("ip", "127.0.0.1"),
            ("port", "6379"),
            ("flags", "master,s_down"),
            ("num-slaves", "2"),
            ("num-other-sentinels", "2"),
            ("quorum", "2"),
            ("config-epoch", "5"),
            ("failover-state", "none"),
        ]);
        let v = view_from_master(&a(26379), &fields(&m));
        assert_eq!(v.master, Some(a(6379)));
        assert_eq!(v.quorum, Some(2));
        assert_eq!(v.config_epoch, Some(5));
        assert!(v.has_flag("s_down") && !v.has_flag("o_down"));
        let r = redis::Value::Array(vec![kv(&[
            ("ip", "127.0.0.1"),
            ("port", "6380"),
            ("flags", "slave"),
            ("slave-priority", "0"),
        ])]);
        let reps = replicas_from(&r);
        assert_eq!(reps.len(), 1);
        assert_eq!(reps[0].priority, Some(0));
        let j = v.json();
        assert_eq!(j.master.as_deref(), Some("127.0.0.1:6379"));
        assert_eq!(j.num_replicas, Some(2));
    }

    #[test]
    fn agreeing_sentinels_pass_every_rule() {
        let c = checks(&snap(), &three());
        assert!(failed(&c).is_empty(), "{c:?}");
        assert!(c.iter().any(|c| c.name == "sentinel_quorum"));
    }

    #[test]
    fn a_sentinel_naming_a_replica_disagrees() {
        let mut vs = three();
        vs[2] = view(26381, 6380, &[]);
        let f = failed(&checks(&snap(), &vs));
        assert!(
            f.contains(&(ProblemKind::SentinelDisagrees, "127.0.0.1:26381".into())),
            "{f:?}"
        );
        let mut vs = three();
        vs[0].master = Some(a(7000));
        let f = failed(&checks(&snap(), &vs));
        assert!(f.contains(&(ProblemKind::SentinelDisagrees, "127.0.0.1:26379".into())));
    }

    #[test]
    fn quorum_at_risk_when_too_few_answer() {
        let mut vs = three();
        vs[1] = SentinelView {
            addr: Some(a(26380)),
            error: Some("connection refused".into()),
            master_name: Some("mymaster".into()),
            ..SentinelView::default()
        };
        // 2 of 3 answer: quorum 2 and majority 2 are met; the silent one is unreachable.
        let f = failed(&checks(&snap(), &vs));
        assert_eq!(
            f,
            vec![(ProblemKind::Unreachable, "127.0.0.1:26380".into())]
        );
        vs[2].error = Some("timeout".into());
        let f = failed(&checks(&snap(), &vs));
        assert!(f.contains(&(ProblemKind::SentinelQuorumAtRisk, "127.0.0.1:6379".into())));
        // Quorum 1 met by 1, but 1 of 3 is no majority.
        let mut one = vec![view(26379, 6379, &[6380, 6381])];
        one[0].quorum = Some(1);
        let c = checks(&snap(), &one);
        let q = c.iter().find(|c| c.name == "sentinel_quorum").unwrap();
        assert!(!q.ok && q.detail.contains("majority"), "{q:?}");
    }

    #[test]
    fn replica_lists_are_compared_both_ways() {
        let mut vs = three();
        vs[0] = view(26379, 6379, &[6380, 7777]);
        let c = checks(&snap(), &vs);
        let r = c
            .iter()
            .find(|c| c.name == "sentinel_replicas" && c.node == "127.0.0.1:26379")
            .unwrap();
        assert!(!r.ok);
        assert!(
            r.detail.contains("does not list 127.0.0.1:6381"),
            "{}",
            r.detail
        );
        assert!(r.detail.contains("lists 127.0.0.1:7777"), "{}", r.detail);
    }

    #[test]
    fn down_flags_and_failovers_are_problems() {
        let mut vs = three();
        vs[0].flags = Some("master,s_down,o_down".into());
        vs[1].flags = Some("master,failover_in_progress".into());
        vs[2].failover_state = Some("wait_promotion".into());
        let f = failed(&checks(&snap(), &vs));
        assert!(f.contains(&(ProblemKind::SentinelMasterDown, "127.0.0.1:26379".into())));
        assert!(f.contains(&(
            ProblemKind::SentinelFailoverInProgress,
            "127.0.0.1:26380".into()
        )));
        assert!(f.contains(&(
            ProblemKind::SentinelFailoverInProgress,
            "127.0.0.1:26381".into()
        )));
    }
}
