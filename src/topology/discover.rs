//! Discovery, the only I/O of the topology module: from seed nodes, follow INFO replication
//! both ways — a master's `slaveN` entries down, a replica's `master_host:port` up — reading
//! every node of a frontier concurrently, until no new node appears. Unreachable nodes are
//! kept with their reason.
//!
//! Node identity: every address we meet is resolved to a socket address, so `localhost:6379`
//! and `127.0.0.1:6379` are one node. The name we show is the address a master lists for a
//! replica (what the contract promises), else the address we were given first.

use super::model::{Found, Link, ListedLink, NodeState, Snapshot};
use crate::inventory::Inventory;
use crate::node::{Credentials, NodeAddr, NodeClient, ReplicationInfo, Role, Transport};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::task::JoinSet;

/// Most nodes one discovery visits, so a misbehaving node cannot make us crawl forever.
pub const MAX_NODES: usize = 1000;

/// Most nodes read at the same time (file descriptors and the nodes' own connection limits).
pub const MAX_CONCURRENT_READS: usize = 64;

/// A starting point.
#[derive(Debug, Clone)]
pub struct Seed {
    /// Where.
    pub addr: NodeAddr,
    /// Credentials for this node (from a URL), else the defaults.
    pub creds: Option<Credentials>,
}

/// How to discover.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Per-node connect and command timeout.
    pub timeout: Duration,
    /// How nodes are reached.
    pub transport: Transport,
    /// Credentials for every node without its own.
    pub creds: Credentials,
    /// Credentials for Sentinels (their own AUTH; TLS as the nodes').
    pub sentinel_creds: Credentials,
}

/// One node's INFO, read once: the parsed fields, or why it could not be read.
pub type ReadResult = Result<ReplicationInfo, String>;

/// Read `INFO server` + `INFO replication` from one node: the parsed fields and the
/// replication section as the node sent it; errors become reasons.
pub async fn read_node(
    sock: SocketAddr,
    creds: &Credentials,
    opts: &DiscoverOptions,
) -> Result<(ReplicationInfo, String), String> {
    let mut c = NodeClient::connect(sock, creds, opts.timeout)
        .await
        .map_err(|e| e.to_string())?;
    let server = c.info("server").await.map_err(|e| e.to_string())?;
    let repl = c.info("replication").await.map_err(|e| e.to_string())?;
    // `sync_full` shows a replica stuck in a full-sync loop from the master's side; a node
    // that refuses INFO stats (an ACL) is still read.
    let stats = c.info("stats").await.unwrap_or_default();
    let mut info = ReplicationInfo::parse(&format!("{server}\r\n{repl}\r\n{stats}"));
    // A fence rkv left in place shows as min-replicas-to-write (on a replica too: it would
    // refuse writes once promoted); CONFIG may be renamed or refused by an ACL, which only
    // leaves the field unknown.
    {
        // Before 5.0 the name is min-slaves-to-write (CONFIG GET of an unknown name is empty).
        for name in ["min-replicas-to-write", "min-slaves-to-write"] {
            let got: Option<Vec<String>> = c
                .query(redis::cmd("CONFIG").arg("GET").arg(name), "CONFIG")
                .await
                .ok();
            match got {
                Some(v) if v.len() >= 2 => {
                    info.min_replicas_to_write = v[1].parse().ok();
                    break;
                }
                Some(_) => continue,
                None => break,
            }
        }
    }
    Ok((info, repl))
}

/// Where an address leads: its socket address, or (when it does not resolve) itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Sock(SocketAddr),
    /// The address as given, and why it did not resolve.
    Unresolved(NodeAddr, String),
}

struct Entry {
    state: NodeState,
    key: Key,
    creds: Credentials,
    /// Raw links to resolve to canonical addresses once the crawl is done.
    master_raw: Option<NodeAddr>,
    listed_raw: Vec<(NodeAddr, crate::node::ListedReplica)>,
    /// Address given first, and the first address a master listed it under.
    given: NodeAddr,
    listed_as: Option<NodeAddr>,
    /// A master that may be serving a full-sync loop: read `sync_full` again later.
    loop_suspect: bool,
}

struct Pending {
    addr: NodeAddr,
    creds: Option<Credentials>,
    how: Found,
}

/// Resolve every new address of a round concurrently: the socket address each names (the
/// key that tells two names of one node apart), or why it could not be resolved.
async fn resolve_round(
    frontier: &[Pending],
    alias: &HashMap<NodeAddr, usize>,
    opts: &DiscoverOptions,
) -> HashMap<NodeAddr, Key> {
    let mut resolving = JoinSet::new();
    let mut to_resolve: Vec<NodeAddr> = Vec::new();
    for p in frontier {
        if !alias.contains_key(&p.addr) && !to_resolve.contains(&p.addr) {
            to_resolve.push(p.addr.clone());
        }
    }
    for addr in to_resolve {
        let (transport, timeout) = (opts.transport.clone(), opts.timeout);
        resolving.spawn(async move {
            let key = match transport.endpoint(&addr, timeout).await {
                Ok(sock) => Key::Sock(sock),
                Err(e) => Key::Unresolved(addr.clone(), e.to_string()),
            };
            (addr, key)
        });
    }
    let mut keys: HashMap<NodeAddr, Key> = HashMap::new();
    while let Some(res) = resolving.join_next().await {
        if let Ok((addr, key)) = res {
            keys.insert(addr, key);
        }
    }
    keys
}

/// Read every new node of a round concurrently (bounded), and add the nodes each names (its
/// master, the replicas it lists) to the next round.
async fn read_round(
    entries: &mut [Entry],
    new: &[usize],
    opts: &DiscoverOptions,
    frontier: &mut Vec<Pending>,
) {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_READS));
    let mut reading = JoinSet::new();
    for &i in new {
        let e = &entries[i];
        let key = e.key.clone();
        let creds = e.creds.clone();
        let opts = opts.clone();
        let permits = permits.clone();
        reading.spawn(async move {
            // The semaphore is never closed, so acquiring only waits.
            let _permit = permits.acquire_owned().await.ok();
            let res = match key {
                Key::Sock(sock) => read_node(sock, &creds, &opts).await.map(|(r, _)| r),
                Key::Unresolved(_, reason) => Err(reason),
            };
            (i, res)
        });
    }
    while let Some(res) = reading.join_next().await {
        let Ok((i, res)) = res else { continue };
        let e = &mut entries[i];
        match &res {
            Ok(info) => {
                tracing::debug!(node = %e.given, role = info.role.as_str(), "read INFO")
            }
            Err(reason) => tracing::debug!(node = %e.given, %reason, "unreachable"),
        }
        match res {
            Err(reason) => e.state.error = Some(reason),
            Ok(info) => {
                // Nodes found from this one are reached as it was (a `rediss://` seed's
                // TLS, a URL's credentials).
                let inherited = (e.creds != opts.creds).then(|| e.creds.clone());
                apply_info(&mut e.state, &info);
                e.loop_suspect = full_sync_loop_suspect(&info);
                if info.role == Role::Replica
                    && let (Some(h), Some(p)) = (&info.master_host, info.master_port)
                    && p != 0
                {
                    let m = NodeAddr::new(h.clone(), p);
                    e.master_raw = Some(m.clone());
                    frontier.push(Pending {
                        addr: m,
                        creds: inherited.clone(),
                        how: Found {
                            named_master: true,
                            ..Found::default()
                        },
                    });
                }
                for r in &info.replicas {
                    let Some(port) = r.port.filter(|p| *p != 0) else {
                        continue;
                    };
                    let ra = NodeAddr::new(r.ip.clone(), port);
                    e.listed_raw.push((ra.clone(), r.clone()));
                    frontier.push(Pending {
                        addr: ra,
                        creds: inherited.clone(),
                        how: Found {
                            listed: true,
                            ..Found::default()
                        },
                    });
                }
            }
        }
    }
}

/// Canonical names (the address a master lists, else the one we were given first), links by
/// those names, and the inventory's name and expected replicas for each node.
fn name_nodes(
    entries: &mut [Entry],
    alias: &HashMap<NodeAddr, usize>,
    inventory: Option<&Inventory>,
) {
    for e in entries.iter_mut() {
        e.state.addr = e.listed_as.clone().unwrap_or_else(|| e.given.clone());
    }
    let canon: Vec<NodeAddr> = entries.iter().map(|e| e.state.addr.clone()).collect();
    let to_canon = |a: &NodeAddr| {
        alias
            .get(a)
            .map_or_else(|| a.clone(), |i| canon[*i].clone())
    };
    for e in entries.iter_mut() {
        e.state.master = e.master_raw.as_ref().map(to_canon);
        e.state.listed = e
            .listed_raw
            .iter()
            .map(|(a, entry)| ListedLink {
                addr: to_canon(a),
                entry: entry.clone(),
            })
            .collect();
        if let Some(inv) = inventory {
            let node = alias
                .iter()
                .filter(|(_, i)| canon[**i] == e.state.addr)
                .find_map(|(a, _)| inv.by_addr(a))
                .or_else(|| inv.by_addr(&e.state.addr));
            if let Some(n) = node {
                e.state.name = n.name.clone();
                e.state.expect_replicas = n.expect_replicas;
            }
        }
    }
}

/// Look twice at the masters that may serve a full sync in a loop, and record how fast their
/// `sync_full` grows.
async fn watch_sync_loops(entries: &mut [Entry], opts: &DiscoverOptions) {
    // A replica that cannot load its master's snapshot (an RDB version newer than its own)
    // retries the full sync forever; the master's `sync_full` then grows by about one a
    // second (2.8's retry) up to ~1,500 a second (6.2). One INFO cannot show it: read the
    // suspects' counters again after a pause.
    let unhappy_masters: Vec<NodeAddr> = entries
        .iter()
        .filter(|e| e.state.role == Role::Replica)
        .filter(|e| e.state.link != Some(Link::Up) || e.state.sync_in_progress)
        .filter_map(|e| e.state.master.clone())
        .collect();
    for e in entries.iter_mut() {
        if e.state.role == Role::Master && unhappy_masters.contains(&e.state.addr) {
            e.loop_suspect = true;
        }
    }
    let mut suspects: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].loop_suspect && entries[i].state.sync_full.is_some())
        .collect();
    let started = std::time::Instant::now();
    // 2.8 and 3.x retry about once a second, and slower on a busy host: one window may
    // catch a single retry. A master with exactly one more full sync gets a second window;
    // a loop shows at least one more there too, a replica that just joined does not.
    for _ in 0..2 {
        if suspects.is_empty() {
            break;
        }
        tokio::time::sleep(FULL_SYNC_LOOP_WINDOW).await;
        let mut reading = JoinSet::new();
        for &i in &suspects {
            let Key::Sock(sock) = entries[i].key.clone() else {
                continue;
            };
            let creds = entries[i].creds.clone();
            let timeout = opts.timeout;
            reading.spawn(async move {
                let again = async {
                    let mut c = NodeClient::connect(sock, &creds, timeout).await.ok()?;
                    let stats = c.info("stats").await.ok()?;
                    ReplicationInfo::parse(&stats).sync_full
                };
                (i, again.await)
            });
        }
        let mut again = Vec::new();
        while let Some(res) = reading.join_next().await {
            let Ok((i, Some(now))) = res else { continue };
            let st = &mut entries[i].state;
            if let Some(before) = st.sync_full {
                let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                let grew = now - before;
                match st.full_sync_growth {
                    // First window: a single retry is worth a second look.
                    None => {
                        st.full_sync_growth = Some((grew, ms));
                        if grew == 1 {
                            again.push(i);
                        }
                    }
                    // Second window: only more growth makes it a loop.
                    Some(_) if grew >= 2 => st.full_sync_growth = Some((grew, ms)),
                    Some(_) => {}
                }
            }
        }
        suspects = again;
    }
}

/// Crawl from `seeds`. When `inventory` is given, nodes get its names and `expect_replicas`,
/// and its nodes are expected to form one group.
pub async fn discover(
    seeds: Vec<Seed>,
    opts: &DiscoverOptions,
    inventory: Option<&Inventory>,
    single_group_expected: bool,
) -> Snapshot {
    let mut entries: Vec<Entry> = Vec::new();
    let mut by_key: HashMap<Key, usize> = HashMap::new();
    let mut alias: HashMap<NodeAddr, usize> = HashMap::new();
    let mut frontier: Vec<Pending> = seeds
        .into_iter()
        .map(|s| Pending {
            addr: s.addr,
            creds: s.creds,
            how: Found {
                seed: true,
                ..Found::default()
            },
        })
        .collect();

    while !frontier.is_empty() {
        let keys = resolve_round(&frontier, &alias, opts).await;

        // Merge into known nodes or create new ones.
        let mut new: Vec<usize> = Vec::new();
        for p in frontier.drain(..) {
            let idx = match alias.get(&p.addr) {
                Some(i) => Some(*i),
                None => keys.get(&p.addr).and_then(|k| by_key.get(k).copied()),
            };
            let idx = match idx {
                Some(i) => i,
                None => {
                    if entries.len() >= MAX_NODES {
                        tracing::warn!("discovery stopped at {MAX_NODES} nodes");
                        continue;
                    }
                    let key = keys.get(&p.addr).cloned().unwrap_or_else(|| {
                        Key::Unresolved(p.addr.clone(), "resolution did not finish".into())
                    });
                    let i = entries.len();
                    entries.push(Entry {
                        state: NodeState::new(p.addr.clone()),
                        key: key.clone(),
                        creds: p.creds.clone().unwrap_or_else(|| opts.creds.clone()),
                        master_raw: None,
                        listed_raw: Vec::new(),
                        given: p.addr.clone(),
                        listed_as: None,
                        loop_suspect: false,
                    });
                    by_key.insert(key, i);
                    new.push(i);
                    i
                }
            };
            alias.insert(p.addr.clone(), idx);
            let e = &mut entries[idx];
            e.state.found.seed |= p.how.seed;
            e.state.found.named_master |= p.how.named_master;
            if p.how.listed {
                e.state.found.listed = true;
                e.listed_as.get_or_insert(p.addr);
            }
            // A seed's own credentials win; a node found through another inherits the
            // finder's only when it was not known yet (above).
            if let Some(c) = p.creds
                && p.how.seed
            {
                e.creds = c;
            }
        }

        read_round(&mut entries, &new, opts, &mut frontier).await;
    }

    name_nodes(&mut entries, &alias, inventory);
    watch_sync_loops(&mut entries, opts).await;
    Snapshot {
        nodes: entries.into_iter().map(|e| e.state).collect(),
        single_group_expected,
    }
}

/// How long discovery waits before reading a suspect master's `sync_full` again: long enough
/// for 2.8's once-a-second retry to show twice.
pub const FULL_SYNC_LOOP_WINDOW: Duration = Duration::from_millis(2200);

/// A master worth a second look for a full-sync loop (pure): it served full syncs and either
/// lists a replica that is not online, or served one every 10 s on average since it started.
pub fn full_sync_loop_suspect(info: &ReplicationInfo) -> bool {
    let Some(full) = info.sync_full.filter(|n| *n >= 2) else {
        return false;
    };
    info.role == Role::Master
        && (info
            .replicas
            .iter()
            .any(|r| r.state.as_deref().is_some_and(|s| s != "online"))
            || info.uptime_in_seconds.is_some_and(|up| full * 10 >= up))
}

/// Copy the parsed INFO fields into a node record.
pub fn apply_info(n: &mut NodeState, info: &ReplicationInfo) {
    n.role = info.role;
    n.offset = info.offset();
    n.replid = info.replid().map(str::to_string);
    n.replid2 = info.replid2().map(str::to_string);
    n.second_repl_offset = info.second_repl_offset.filter(|o| *o > 0);
    n.min_replicas_to_write = info.min_replicas_to_write;
    n.good_replicas = info.min_slaves_good_slaves;
    n.priority = info.priority;
    n.read_only = info.read_only;
    n.version = info.version();
    n.apply_error = info.apply_error.clone();
    if info.role == Role::Replica {
        n.link = Some(if info.master_link_up == Some(true) {
            Link::Up
        } else {
            Link::Down
        });
        n.sync_in_progress = info.master_sync_in_progress == Some(true);
        n.link_down_since = info.master_link_down_since_seconds;
        n.link_never_up = info.master_link_never_up;
    }
    n.sync_full = info.sync_full;
}

/// Read one node into a [`NodeState`] without crawling (for `rkv info`): the state, the parsed
/// INFO and the raw `INFO replication` text when it answered.
pub async fn read_one(
    addr: &NodeAddr,
    creds: &Credentials,
    opts: &DiscoverOptions,
) -> (NodeState, Option<(ReplicationInfo, String)>) {
    let mut state = NodeState::new(addr.clone());
    state.found.seed = true;
    let res = match opts.transport.endpoint(addr, opts.timeout).await {
        Err(e) => Err(e.to_string()),
        Ok(sock) => read_node(sock, creds, opts).await,
    };
    match res {
        Err(e) => {
            state.error = Some(e);
            (state, None)
        }
        Ok((info, text)) => {
            apply_info(&mut state, &info);
            if info.role == Role::Replica
                && let (Some(h), Some(p)) = (&info.master_host, info.master_port)
            {
                state.master = Some(NodeAddr::new(h.clone(), p));
            }
            state.listed = info
                .replicas
                .iter()
                .filter_map(|r| {
                    Some(ListedLink {
                        addr: NodeAddr::new(r.ip.clone(), r.port?),
                        entry: r.clone(),
                    })
                })
                .collect();
            (state, Some((info, text)))
        }
    }
}
