//! `rkv replicate REPLICA --to MASTER`: pre-checks (both reachable, MASTER is neither REPLICA
//! nor downstream of it), a confirmation that REPLICA's data and its own replicas' data will
//! be replaced, link credentials, REPLICAOF, then a wait with progress (bytes of a full sync,
//! then offset catch-up) until the link is up and the lag within `--max-lag-bytes`.

use super::out::Out;
use super::topology::{Setup, finish, resolve_arg, runtime, setup};
use crate::ExitError;
use crate::cli::{GlobalArgs, OutputFormat, ReplicateArgs};
use crate::failover::execute::{self, Nodes, follows};
use crate::failover::probe::SyncStats;
use crate::node::client::resolve;
use crate::node::{NodeAddr, Role};
use crate::persist_role::PersistOutcome;
use crate::render;
use crate::render::prompt::Prompter;
use crate::topology::{Seed, Snapshot, discover};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often the sync is polled.
const POLL: Duration = Duration::from_millis(100);

/// One thing done.
#[derive(Debug, Serialize)]
pub struct Done {
    /// What.
    pub action: String,
    /// How long.
    pub duration_ms: f64,
}

/// `rkv replicate --output json`.
#[derive(Debug, Serialize)]
pub struct ReplicateDoc {
    /// The node re-pointed.
    pub replica: NodeAddr,
    /// Its new master.
    pub master: NodeAddr,
    /// Its master before (null: it was a master).
    pub previous_master: Option<NodeAddr>,
    /// Its own replicas (their data follows).
    pub downstream: Vec<NodeAddr>,
    /// What was done.
    pub steps: Vec<Done>,
    /// Whether we waited.
    pub waited: bool,
    /// `up`, `down` or null when not waited for.
    pub link: Option<String>,
    /// Full resyncs the master served meanwhile (a full sync copied the whole data set).
    pub full_syncs: Option<i64>,
    /// Partial resyncs the master served meanwhile.
    pub partial_syncs: Option<i64>,
    /// Bytes behind the master at the end.
    pub lag_bytes: Option<i64>,
    /// Time from REPLICAOF to caught up.
    pub sync_ms: Option<f64>,
    /// How the new role was made to survive a restart (method, path, backup).
    pub persisted: Option<PersistOutcome>,
    /// Where the journal is.
    pub journal: Option<String>,
    /// Problems.
    pub problems: Vec<String>,
}

/// Every node below `root` in the snapshot (following `master` links).
fn downstream(snap: &Snapshot, root: &NodeAddr) -> Vec<NodeAddr> {
    let mut out: Vec<NodeAddr> = Vec::new();
    let mut frontier = vec![root.clone()];
    while let Some(n) = frontier.pop() {
        for (i, c) in snap.nodes.iter().enumerate() {
            let parent = snap.parent(i).map(|p| &snap.nodes[p].addr);
            if parent == Some(&n) && c.addr != *root && !out.contains(&c.addr) {
                out.push(c.addr.clone());
                frontier.push(c.addr.clone());
            }
        }
        if out.len() > crate::topology::discover::MAX_NODES {
            break;
        }
    }
    out
}

/// `rkv replicate REPLICA --to MASTER`.
pub fn run(global: &GlobalArgs, args: &ReplicateArgs) -> anyhow::Result<()> {
    run_to(global, args, &Out::stdout())
}

/// `rkv replicate`, written to `out` (a playbook's `replicate` step runs this).
pub(crate) fn run_to(global: &GlobalArgs, args: &ReplicateArgs, out: &Out) -> anyhow::Result<()> {
    let setup = setup(global)?;
    let replica = resolve_arg(&args.replica, &setup)?.addr;
    let master = resolve_arg(&args.to, &setup)?.addr;
    let prompt = render::prompt::prompter(args.yes, "rkv replicate")?;
    let rt = runtime()?;
    let res = rt.block_on(run_async(global, args, &setup, &replica, &master, prompt));
    finish(rt);
    let doc = res?;
    match global.output {
        OutputFormat::Json => out.doc(&doc)?,
        _ => out.text(&doc_text(&doc))?,
    }
    if doc.problems.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!("{}", doc.problems.join("; ")))
    }
}

/// What the pre-checks found: REPLICA as discovered, and the nodes below it.
struct Checked {
    /// REPLICA's master before (None: it was a master).
    previous_master: Option<NodeAddr>,
    /// Whether its link to that master is up.
    link_up: bool,
    /// Its own replicas, directly or through others (their data follows).
    below: Vec<NodeAddr>,
}

/// The pre-checks: REPLICA reachable, MASTER neither REPLICA itself nor downstream of it.
async fn precheck(
    setup: &Setup,
    replica: &NodeAddr,
    master: &NodeAddr,
    t: Duration,
) -> anyhow::Result<Checked> {
    let master_sock = resolve(master, t).await.ok();
    if master_sock.is_some() && resolve(replica, t).await.ok() == master_sock {
        return Err(ExitError::usage(format!(
            "{replica} cannot replicate from itself"
        )));
    }
    let seeds = vec![Seed {
        addr: replica.clone(),
        creds: None,
    }];
    let snap = discover(seeds, &setup.opts, setup.inventory.as_ref(), false).await;
    let rep_state = snap
        .nodes
        .iter()
        .find(|n| n.found.seed)
        .ok_or_else(|| anyhow::anyhow!("{replica} was not read"))?;
    if let Some(e) = &rep_state.error {
        return Err(anyhow::anyhow!("{replica} is unreachable: {e}"));
    }
    let below = downstream(&snap, &rep_state.addr);
    for b in &below {
        if resolve(b, t)
            .await
            .ok()
            .is_some_and(|a| Some(a) == master_sock)
        {
            return Err(anyhow::anyhow!(
                "refused: {master} is downstream of {replica} (it replicates from it, directly or through others): that would make a replication loop"
            ));
        }
    }
    Ok(Checked {
        previous_master: rep_state.master.clone(),
        link_up: rep_state.link == Some(crate::topology::model::Link::Up),
        below,
    })
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

async fn run_async(
    global: &GlobalArgs,
    args: &ReplicateArgs,
    setup: &Setup,
    replica: &NodeAddr,
    master: &NodeAddr,
    mut prompt: Option<render::prompt::Terminal>,
) -> anyhow::Result<ReplicateDoc> {
    let t = global.timeout;
    let checked = precheck(setup, replica, master, t).await?;
    let mut journal = super::open_journal(global, args.journal.as_deref(), "replicate")?;
    let journal_path = journal.path().display().to_string();
    let mut nodes = Nodes::new(
        execute::Options {
            creds: setup.opts.creds.clone(),
            timeout: t,
            transport: setup.opts.transport.clone(),
            verify_timeout: args.wait_timeout,
            inventory: setup.inventory.clone(),
        },
        &mut journal,
    );
    nodes.note("note", format!("rkv replicate {replica} --to {master}"));
    let minfo = nodes
        .info(master, "replication")
        .await
        .map_err(|e| anyhow::anyhow!("{master} is unreachable: {e}"))?;
    if minfo.role != Role::Master {
        eprintln!("note: {master} is itself a replica: {replica} will be chained behind it");
    }
    if checked.previous_master.as_ref() == Some(master) && checked.link_up {
        eprintln!("note: {replica} already replicates from {master}");
    }
    let mut warn = format!("{replica}'s data will be replaced by a copy of {master}'s");
    if !checked.below.is_empty() {
        let names: Vec<String> = checked.below.iter().map(ToString::to_string).collect();
        warn.push_str(&format!(
            ", and so will the data of its replicas: {}",
            names.join(", ")
        ));
    }
    if !global.quiet {
        eprintln!("{warn}");
    }
    if let Some(p) = prompt.as_mut()
        && !p.confirm(&format!("Make {replica} a replica of {master}?"))?
    {
        return Err(ExitError::aborted("stopped: nothing was changed"));
    }
    let stats_before = nodes
        .info_text(master, "stats")
        .await
        .ok()
        .map(|t| SyncStats::parse(&t));
    let (steps, t0) = link(global, setup, &mut nodes, replica, master).await?;
    // Persist right away (also with --no-wait): a restart must not undo the change.
    let mut steps = steps;
    let tp = Instant::now();
    let persisted = nodes.persist(replica, Some(master)).await;
    if persisted.persisted() {
        steps.push(Done {
            action: format!("persist {persisted}"),
            duration_ms: ms_since(tp),
        });
    }
    let mut doc = ReplicateDoc {
        replica: replica.clone(),
        master: master.clone(),
        previous_master: checked.previous_master,
        downstream: checked.below,
        steps,
        waited: !args.no_wait,
        link: None,
        full_syncs: None,
        partial_syncs: None,
        lag_bytes: None,
        sync_ms: None,
        persisted: Some(persisted),
        journal: Some(journal_path),
        problems: Vec::new(),
    };
    if args.no_wait {
        return Ok(doc);
    }
    let done = wait_synced(global, args, &mut nodes, replica, master, &mut doc).await;
    if let Some(before) = stats_before
        && let Ok(t) = nodes.info_text(master, "stats").await
    {
        let d = before.delta(&SyncStats::parse(&t));
        doc.full_syncs = Some(d.sync_full);
        doc.partial_syncs = Some(d.sync_partial_ok);
    }
    match done {
        Some((lag, up)) => {
            doc.lag_bytes = lag;
            doc.link = Some(if up { "up" } else { "down" }.into());
            doc.sync_ms = Some(ms_since(t0));
        }
        None => doc.problems.push(format!(
            "{replica} did not catch up with {master} within {:?} (link {}, lag {} bytes)",
            args.wait_timeout,
            doc.link.as_deref().unwrap_or("?"),
            doc.lag_bytes.map_or("?".into(), |l| l.to_string())
        )),
    }
    Ok(doc)
}

/// Link REPLICA to MASTER: the link's credentials, TLS when rkv reaches MASTER over TLS, then
/// REPLICAOF (SLAVEOF before 5.0). The steps done, and when REPLICAOF was sent.
async fn link(
    global: &GlobalArgs,
    setup: &Setup,
    nodes: &mut Nodes<'_>,
    replica: &NodeAddr,
    master: &NodeAddr,
) -> anyhow::Result<(Vec<Done>, Instant)> {
    let mut steps = Vec::new();
    let started = Instant::now();
    nodes.set_link_credentials(replica).await?;
    if setup.opts.creds.password.is_some() {
        let user = if setup.opts.creds.user.is_some() {
            "/masteruser"
        } else {
            ""
        };
        steps.push(Done {
            action: format!("set masterauth{user} on {replica}"),
            duration_ms: ms_since(started),
        });
    }
    // We reach the master over TLS, so the replica's link must be TLS too. rkv can turn
    // that on remotely; the replica's own certificate and CA files it cannot provide.
    if setup.opts.creds.tls.is_some() {
        let t = Instant::now();
        nodes
            .send(replica, &["CONFIG", "SET", "tls-replication", "yes"])
            .await
            .map_err(|e| anyhow::anyhow!("cannot set tls-replication on {replica}: {e}"))?;
        steps.push(Done {
            action: format!("set tls-replication yes on {replica}"),
            duration_ms: ms_since(t),
        });
        if !global.quiet {
            eprintln!(
                "note: {replica} now links to {master} over TLS; it uses its own tls-cert-file, tls-key-file and tls-ca-cert-file (rkv cannot install certificate files remotely): they must let {master} verify it (tls-auth-clients) and it verify {master}"
            );
        }
    }
    let t0 = Instant::now();
    let port = master.port().to_string();
    let (sent, _) = nodes.replicaof_named(replica, master.host(), &port).await?;
    steps.push(Done {
        action: format!("{sent} {} {} on {replica}", master.host(), master.port()),
        duration_ms: ms_since(t0),
    });
    Ok((steps, t0))
}

/// Wait, with progress (the full sync's bytes, then the offset catch-up), until REPLICA
/// follows MASTER within `--max-lag-bytes`: `Some((lag, link up))`, or None at the deadline
/// (the doc then holds the last lag and link seen).
async fn wait_synced(
    global: &GlobalArgs,
    args: &ReplicateArgs,
    nodes: &mut Nodes<'_>,
    replica: &NodeAddr,
    master: &NodeAddr,
    doc: &mut ReplicateDoc,
) -> Option<(Option<i64>, bool)> {
    let tty = std::io::stderr().is_terminal() && !global.quiet;
    let bar = tty.then(|| {
        let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(s) =
            ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {bytes}/{total_bytes}")
        {
            b.set_style(s.progress_chars("=> "));
        }
        b.set_message("connecting");
        b.enable_steady_tick(Duration::from_millis(100));
        b
    });
    let deadline = Instant::now() + args.wait_timeout;
    let mut phase = "";
    let done = loop {
        let r = nodes.info(replica, "replication").await;
        let mut caught = false;
        let mut lag = None;
        let mut link_up = false;
        if let Ok(r) = &r {
            link_up = follows(r, master);
            if r.master_sync_in_progress == Some(true) {
                if phase != "sync" && !tty && !global.quiet {
                    eprintln!("full sync from {master} in progress");
                }
                phase = "sync";
                if let Some(b) = &bar {
                    b.set_message("full sync");
                    b.set_length(r.master_sync_total_bytes.unwrap_or(0).max(0) as u64);
                    b.set_position(r.master_sync_read_bytes.unwrap_or(0).max(0) as u64);
                }
            } else if link_up {
                // The master's offset first: if the replica reaches it, it has
                // everything the master had written when we looked.
                let m = nodes
                    .info(master, "replication")
                    .await
                    .ok()
                    .and_then(|i| i.master_repl_offset);
                let o = nodes
                    .info(replica, "replication")
                    .await
                    .ok()
                    .and_then(|i| i.slave_repl_offset);
                if let (Some(m), Some(o)) = (m, o) {
                    lag = Some((m - o).max(0));
                    caught = m - o <= args.max_lag_bytes as i64;
                    if phase != "catch" && !tty && !global.quiet {
                        eprintln!("link up; catching up ({} bytes behind)", (m - o).max(0));
                    }
                    phase = "catch";
                    if let Some(b) = &bar {
                        b.set_message("catching up");
                        b.set_length(m.max(0) as u64);
                        b.set_position(o.max(0) as u64);
                    }
                }
            }
        }
        if caught {
            break Some((lag, link_up));
        }
        if Instant::now() >= deadline {
            doc.lag_bytes = lag;
            doc.link = Some(if link_up { "up" } else { "down" }.into());
            break None;
        }
        tokio::time::sleep(POLL).await;
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    done
}

/// The human report.
fn doc_text(doc: &ReplicateDoc) -> String {
    let mut s = String::new();
    for d in &doc.steps {
        s.push_str(&format!("✓ {} ({:.1} ms)\n", d.action, d.duration_ms));
    }
    if let Some(p) = doc.persisted.as_ref().filter(|p| !p.persisted()) {
        s.push_str(&format!("! {p}\n"));
    }
    if let Some(ms) = doc.sync_ms {
        s.push_str(&format!(
            "✓ {} follows {} with link up, {} bytes behind, after {:.0} ms ({} full sync(s), {} partial served by the master)\n",
            doc.replica,
            doc.master,
            doc.lag_bytes.unwrap_or(0),
            ms,
            doc.full_syncs.map_or("?".into(), |n| n.to_string()),
            doc.partial_syncs.map_or("?".into(), |n| n.to_string()),
        ));
    } else if !doc.waited {
        s.push_str("not waiting for the sync (--no-wait); check with `rkv verify`\n");
    }
    s
}
