//! `rkv failover`, as a pipeline of small steps: gather (discover, complete the group with a
//! stopped run's fence group, confirm an unreachable master with retries), hand off to the
//! Sentinel path when Sentinels watch, plan (pure, plus what stopped runs left), confirm
//! (ranking, plan, ask), execute (with a journal), probe (history, resync counters, clients
//! left), judge (pure, [`crate::failover::judge`]), then render and exit.

use super::out::Out;
use super::topology::{Setup, check_seeds_reachable, color, finish, resolve_arg, runtime};
use crate::ExitError;
use crate::cli::{FailoverArgs, GlobalArgs, OutputFormat};
use crate::failover::execute::{self, FenceReport, Nodes, RunOutcome, Status, StepResult};
use crate::failover::journal::{self, Journal};
use crate::failover::judge::{self, Problem, ProblemKind, ResyncDelta};
use crate::failover::plan::{self, Candidate, Kind, Plan, Refusal, Step};
use crate::failover::probe::{self, HistoryProof, SyncStats};
use crate::failover::sentinel;
use crate::inventory::InventoryNode;
use crate::node::client::resolve;
use crate::node::{NodeAddr, Role, Transport, parse_node};
use crate::persist_role::{self, PersistMethod, PersistOutcome};
use crate::render;
use crate::render::prompt::Prompter;
use crate::topology::{HealthOptions, Seed, Snapshot, discover, health};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

/// How long we listen on `__sentinel__:hello` when nothing else showed a Sentinel (they
/// publish every 2 s).
const HELLO_LISTEN: Duration = Duration::from_millis(2500);

/// Tries and window to confirm that a master is really unreachable.
const CONFIRM_TRIES: u32 = 3;
const CONFIRM_WINDOW: Duration = Duration::from_secs(1);

/// What the command's steps read: the global options, the command's own, how to reach the
/// nodes, and where its output goes.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub global: &'a GlobalArgs,
    pub args: &'a FailoverArgs,
    pub setup: &'a Setup,
    pub out: &'a Out,
}

/// The proof and report after a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// How long writes were held on the old master (measured); before Redis 6.2, where the
    /// plan demotes instead of pausing, how long they were refused (fence to promotion).
    pub write_pause_ms: Option<f64>,
    /// The old master's offset when the candidate was promoted.
    pub final_offset: Option<i64>,
    /// The candidate's offset when it was promoted.
    pub promoted_at: Option<i64>,
    /// Whether the new master continues the old master's history.
    pub history: Option<HistoryProof>,
    /// Resync counters that moved.
    pub resyncs: Vec<ResyncDelta>,
    /// True when no full resync happened.
    pub partial_only: bool,
    /// Ordinary clients still connected to the old master.
    pub old_master_clients: Option<usize>,
    /// Per node: "config file rewritten" or "not persisted: no config file".
    pub persisted: BTreeMap<String, String>,
    /// Per node, in detail: method (`config_rewrite`, `ssh_edit`, `local_edit`,
    /// `not_persisted`), path, backup, notes.
    pub persistence: Vec<PersistOutcome>,
    /// Unplanned failover: what fencing the old master did, or what must be done.
    pub fencing: Option<FenceReport>,
    /// Remarks that are not problems (a full resync that could not be avoided, and why).
    pub notes: Vec<String>,
}

/// `rkv failover --output json`.
#[derive(Debug, Serialize)]
pub struct FailoverDoc {
    /// switchover, failover or resume.
    pub kind: Kind,
    /// The master replaced.
    pub old_master: NodeAddr,
    /// The replica promoted.
    pub candidate: NodeAddr,
    /// True when nothing was run.
    pub dry_run: bool,
    /// Where the journal is.
    pub journal: Option<String>,
    /// Every replica considered, best first.
    pub ranking: Vec<Candidate>,
    /// Every step with its status.
    pub steps: Vec<StepResult>,
    /// What the operator must know.
    pub warnings: Vec<String>,
    /// What went wrong or is not healthy.
    pub problems: Vec<Problem>,
    /// Proof and report (null on a dry run).
    pub report: Option<Report>,
    /// What to run next when the run stopped midway.
    pub next: Option<String>,
}

/// The `-o json` document of a failover that ran nothing (refused, exit 1; or `nothing_to_do`,
/// exit 0): the fields of [`FailoverDoc`], null or empty where no plan was made, and the
/// refusal's kind for scripts.
#[derive(Debug, Serialize)]
struct RefusedDoc {
    kind: Option<Kind>,
    old_master: Option<NodeAddr>,
    candidate: Option<NodeAddr>,
    dry_run: bool,
    journal: Option<String>,
    ranking: Vec<Candidate>,
    steps: Vec<StepResult>,
    warnings: Vec<String>,
    problems: Vec<Problem>,
    report: Option<Report>,
    next: Option<String>,
    /// [`Refusal::kind`].
    refusal: &'static str,
}

/// The error a refusal ends the run with; with `-o json|tsv` its document is printed first,
/// so a script reads the reason on stdout as the contract promises (`problems`).
pub(crate) fn refused(
    global: &GlobalArgs,
    out: &Out,
    snap: &Snapshot,
    to: Option<&NodeAddr>,
    dry_run: bool,
    r: &Refusal,
    seen: Option<&str>,
) -> anyhow::Error {
    let message = match (r, seen) {
        (Refusal::SentinelWatching(_), Some(why)) => format!("{r} (seen: {why})"),
        _ => r.to_string(),
    };
    if global.output != OutputFormat::Table {
        let problem = Problem {
            kind: ProblemKind::Refused,
            node: r.node().map(ToString::to_string),
            message: message.clone(),
        };
        if let Err(e) = print_refusal(out, snap, to, dry_run, r, Vec::new(), vec![problem]) {
            return e;
        }
    }
    anyhow::anyhow!("refused: {message}")
}

/// Print the [`RefusedDoc`] of `r` on stdout.
fn print_refusal(
    out: &Out,
    snap: &Snapshot,
    to: Option<&NodeAddr>,
    dry_run: bool,
    r: &Refusal,
    warnings: Vec<String>,
    problems: Vec<Problem>,
) -> anyhow::Result<()> {
    let doc = RefusedDoc {
        kind: None,
        old_master: live_master(snap).cloned(),
        candidate: to.cloned(),
        dry_run,
        journal: None,
        ranking: Vec::new(),
        steps: Vec::new(),
        warnings,
        problems,
        report: None,
        next: None,
        refusal: r.kind(),
    };
    out.doc(&doc)
}

/// `rkv failover [NODE…]`.
pub fn run(global: &GlobalArgs, args: &FailoverArgs) -> anyhow::Result<()> {
    run_to(global, args, &Out::stdout())
}

/// `rkv failover`, written to `out` (a playbook's `failover` step runs this).
pub(crate) fn run_to(global: &GlobalArgs, args: &FailoverArgs, out: &Out) -> anyhow::Result<()> {
    let setup = super::topology::setup(global)?;
    let (seed_list, single) =
        super::topology::seeds_or_sentinels(&args.nodes, &args.sentinels, &setup)?;
    for s in &args.sentinels {
        parse_node(s).map_err(|e| ExitError::usage(format!("--sentinel {s}: {e}")))?;
    }
    let to = args
        .to
        .as_ref()
        .map(|t| resolve_arg(t, &setup).map(|s| s.addr))
        .transpose()?;
    let rt = runtime()?;
    let res = rt.block_on(run_async(global, out, args, &setup, seed_list, single, to));
    finish(rt);
    res
}

/// The snapshot's node that is `to` (same address, or the same socket address).
async fn canonical(snap: &Snapshot, to: &NodeAddr, timeout: Duration) -> NodeAddr {
    if snap.get(to).is_some() {
        return to.clone();
    }
    let Ok(want) = resolve(to, timeout).await else {
        return to.clone();
    };
    for n in &snap.nodes {
        if resolve(&n.addr, timeout).await.ok() == Some(want) {
            return n.addr.clone();
        }
    }
    to.clone()
}

/// The operator's choice for diverged old masters (`--discard-writes-of`, `--carry-over`),
/// with what each diverged old master's backlog holds past the fork, read now.
async fn diverge_choice(
    args: &FailoverArgs,
    snap: &Snapshot,
    setup: &Setup,
    timeout: Duration,
) -> anyhow::Result<plan::DivergeChoice> {
    let mut discard = Vec::new();
    for d in &args.discard_writes_of {
        let a = resolve_arg(d, setup)?.addr;
        let a = canonical(snap, &a, timeout).await;
        // Naming a node that cannot hold divergent writes is a typo, not a choice.
        if !snap
            .get(&a)
            .is_some_and(|n| n.reachable() && n.role == Role::Master)
        {
            return Err(ExitError::usage(format!(
                "--discard-writes-of {d}: {a} is not a reachable master of this group; name the old master whose writes past the fork may be dropped"
            )));
        }
        discard.push(a);
    }
    let reach = crate::failover::carry::Reach {
        transport: &setup.opts.transport,
        creds: &setup.opts.creds,
        timeout,
    };
    let reads = crate::failover::carry::read_stale(snap, reach).await;
    Ok(plan::DivergeChoice {
        discard_writes_of: discard,
        carry_over: args.carry_over,
        reads,
    })
}

/// What the Fence step will do for `node`, in words for the plan (no I/O).
fn fence_how(transport: &Transport, node: &NodeAddr, inv: Option<&InventoryNode>) -> String {
    let routed = match transport {
        Transport::Ssh(ssh) => ssh.route(node).is_some(),
        Transport::Direct => false,
    };
    let Some(inv) = inv.filter(|_| routed) else {
        return "no ssh route in the inventory: print what must be done before it returns".into();
    };
    let mut parts = Vec::new();
    if let Some(c) = &inv.config {
        parts.push(format!(
            "if its host answers ssh, edit {} (backup beside it)",
            c.display()
        ));
        if let Some(r) = &inv.restart {
            parts.push(format!("then run `{r}`"));
        } else if let Some(st) = &inv.stop {
            parts.push(format!("(`{st}` if the edit fails)"));
        }
    } else if let Some(st) = &inv.stop {
        parts.push(format!("no config path: run `{st}` over ssh"));
    } else {
        parts.push("no config path nor stop command in the inventory".into());
    }
    parts.push("else print what must be done before it returns".into());
    parts.join(", ")
}

/// The nodes the run that fenced a node of `snap` named (its journaled `fence_group`) and
/// `snap` does not have.
fn fence_group_missing(snap: &Snapshot, journal_dir: &std::path::Path) -> Vec<NodeAddr> {
    let mut out: Vec<NodeAddr> = Vec::new();
    for n in snap.nodes.iter().filter(|n| {
        n.min_replicas_to_write
            .is_some_and(|v| v >= crate::failover::fence::FENCE_REPLICAS as i64)
    }) {
        let Some(list) = journal::find_latest(journal_dir, "fence_group", &n.addr.to_string())
        else {
            continue;
        };
        for a in list.split(',').filter(|a| !a.is_empty()) {
            if let Ok(addr) = crate::node::addr::parse_node(a).map(|s| s.addr)
                && snap.get(&addr).is_none()
                && !out.contains(&addr)
            {
                out.push(addr);
            }
        }
    }
    out
}

/// The reachable nodes whose latest journaled persist is still pending: an earlier run
/// changed their role and stopped before writing it to their config
/// ([`execute::PERSIST_EVENT`]).
fn unpersisted_nodes(snap: &Snapshot, journal_dir: &std::path::Path) -> Vec<NodeAddr> {
    snap.nodes
        .iter()
        .filter(|n| n.reachable())
        .filter(|n| {
            journal::find_latest(journal_dir, execute::PERSIST_EVENT, &n.addr.to_string())
                .is_some_and(|r| r == execute::PERSIST_PENDING)
        })
        .map(|n| n.addr.clone())
        .collect()
}

/// The reachable replicas whose priority a killed Sentinel-coordinated run left at 0: the
/// newest journaled [`sentinel::PRIORITY_EVENT`] says lowered, and the node still reads 0
/// (any other value was set since, by the operator or a later run: it is left alone). Each
/// with the setting's name and its own value; then those whose setting could not be read.
async fn lowered_priorities(
    nodes: &mut Nodes<'_>,
    snap: &Snapshot,
    journal_dir: &std::path::Path,
) -> (
    Vec<(NodeAddr, String, String)>,
    Vec<(NodeAddr, String, String)>,
) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for n in snap
        .nodes
        .iter()
        .filter(|n| n.reachable() && n.role == Role::Replica)
    {
        let Some(mark) =
            journal::find_latest(journal_dir, sentinel::PRIORITY_EVENT, &n.addr.to_string())
                .and_then(|t| sentinel::PriorityMark::parse(&t))
                .filter(|m| m.lowered && m.value != "0")
        else {
            continue;
        };
        let read = retry_fast(&n.addr, async || {
            nodes.send(&n.addr, &["CONFIG", "GET", &mark.name]).await
        })
        .await;
        let now = match read.map(|v| {
            redis::from_redis_value::<Vec<String>>(v)
                .ok()
                .and_then(|v| v.get(1).cloned())
        }) {
            Ok(Some(now)) => now,
            // A reply that is not `[name, value]` says no more than no reply.
            Ok(None) => {
                tracing::warn!("{}: CONFIG GET {} gave no value", n.addr, mark.name);
                unknown.push((n.addr.clone(), mark.name, mark.value));
                continue;
            }
            Err(e) => {
                // Not left unsaid: a priority left at 0 keeps Sentinel from ever promoting it.
                tracing::warn!(
                    "{}: cannot read its {} (an earlier run lowered it to 0; its own value is {}): {e}",
                    n.addr,
                    mark.name,
                    mark.value
                );
                unknown.push((n.addr.clone(), mark.name, mark.value));
                continue;
            }
        };
        if now == "0" {
            out.push((n.addr.clone(), mark.name, mark.value));
        }
    }
    (out, unknown)
}

/// What to say of each replica whose lowered priority could not be read.
fn priority_unknown_words(left: &Leftovers) -> Vec<String> {
    left.priority_unknown
        .iter()
        .map(|(n, name, value)| {
            format!(
                "{n}: its {name} could not be read, and an earlier run set it to 0: check CONFIG GET {name} there and set it back to {value}"
            )
        })
        .collect()
}

/// A read that failed at once is tried again on a fresh connection, at most 3 times: a
/// Sentinel reconfiguring the node kills its normal clients (CLIENT KILL TYPE normal), and a
/// setting misread because of a dropped connection would leave a stopped run's fence or
/// lowered priority in place. A node that hangs has used its timeout already: it is not
/// waited for again.
async fn retry_fast<T, E: std::fmt::Display>(
    node: &NodeAddr,
    mut read: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let started = std::time::Instant::now();
        match read().await {
            Err(e) if attempt < 3 && started.elapsed() < Duration::from_millis(500) => {
                tracing::debug!("{node}: read failed at once, trying again: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// The reachable nodes whose `min-replicas-to-write` is rkv's fence (left by a stopped run),
/// and those whose settings could not be read at all (whether they carry one is unknown).
async fn fenced_nodes(nodes: &mut Nodes<'_>, snap: &Snapshot) -> (Vec<NodeAddr>, Vec<NodeAddr>) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for n in snap.nodes.iter().filter(|n| n.reachable()) {
        // A fence read as "none" because of a dropped connection would be left in place by a
        // run that reports nothing to do (see `retry_fast`).
        match retry_fast(&n.addr, async || nodes.fence_settings(&n.addr).await).await {
            Ok(o) if o.is_fence() => out.push(n.addr.clone()),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("{}: cannot tell whether it is fenced: {e}", n.addr);
                unknown.push(n.addr.clone());
            }
        }
    }
    (out, unknown)
}

/// Full resyncs a re-run cannot avoid, each with why: a node it re-points whose offset went
/// past the fork (the new master's `second_repl_offset` − 1) can only resync in full. That
/// happens when the old master stayed a (fenced) master after the promotion: its replication
/// PINGs move its offset and its replicas'. Divergent writes are another matter: the fence
/// refuses plain writes, and their detection is the divergence check's.
async fn unavoidable_full_resyncs(
    nodes: &mut Nodes<'_>,
    plan: &Plan,
    snap: &Snapshot,
) -> Vec<String> {
    if plan.kind != Kind::Resume {
        return Vec::new();
    }
    let Some(second) = nodes
        .info(&plan.candidate, "replication")
        .await
        .ok()
        .and_then(|i| i.second_repl_offset)
    else {
        return Vec::new();
    };
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::Follow { node, .. } => snap.get(node),
            _ => None,
        })
        .filter_map(|n| {
            let o = n.offset?;
            let why = match (&n.role, &n.master) {
                (Role::Master, _) => "replication PINGs it sent while it stayed a master".to_string(),
                (_, Some(m)) => format!("replication PINGs from {m} while it stayed a master"),
                _ => "its history went on".to_string(),
            };
            (o >= second).then(|| {
                format!(
                    "{} needed a full resync: its offset {o} went past the fork at {} ({why}), so a partial resync was impossible",
                    n.addr,
                    second - 1
                )
            })
        })
        .collect()
}

/// The one reachable master, if exactly one.
fn live_master(snap: &Snapshot) -> Option<&NodeAddr> {
    let live: Vec<&NodeAddr> = snap
        .nodes
        .iter()
        .filter(|n| n.role == Role::Master && n.reachable())
        .map(|n| &n.addr)
        .collect();
    match live.as_slice() {
        [m] => Some(m),
        _ => None,
    }
}

/// Print `text` where this output format shows human text: stdout for a table, stderr (unless
/// quiet) when stdout carries the JSON/TSV document.
fn show(global: &GlobalArgs, out: &Out, text: &str) -> anyhow::Result<()> {
    if global.output == OutputFormat::Table {
        out.text(text)
    } else {
        if !global.quiet {
            eprint!("{text}");
        }
        Ok(())
    }
}

/// The group as `rkv failover` plans on it: discovered from the seeds (and the candidate),
/// completed with the nodes a fencing run named, and with an unreachable master confirmed.
struct Gathered {
    snap: Snapshot,
    /// The seeds discovery started from (the topology after the run starts there too).
    seed_list: Vec<Seed>,
    /// `--to`, as the snapshot names it.
    to: Option<NodeAddr>,
    /// The journal's directory, where stopped runs left their marks.
    journal_dir: Option<std::path::PathBuf>,
}

/// Step 1, gather: discover the group, add the nodes of a stopped run's fence group that
/// answer, and make sure over a short window that a master nobody reaches is really gone.
async fn gather(
    global: &GlobalArgs,
    args: &FailoverArgs,
    setup: &Setup,
    mut seed_list: Vec<Seed>,
    single: bool,
    to: Option<NodeAddr>,
) -> anyhow::Result<Gathered> {
    // The candidate belongs to the group even when its master no longer lists it (an
    // interrupted run promoted it): crawl from it too.
    if let Some(t) = &to
        && !seed_list.iter().any(|s| &s.addr == t)
    {
        seed_list.push(Seed {
            addr: t.clone(),
            creds: None,
        });
    }
    let inventory = setup.inventory.as_ref();
    let mut snap = discover(seed_list.clone(), &setup.opts, inventory, single).await;
    check_seeds_reachable(&snap)?;
    // A fence left by a stopped run: that run journaled its group, and a node of it may be
    // listed by nobody right now (a demoted old master disconnects its replicas): crawl from
    // those too.
    let journal_dir = args
        .journal
        .clone()
        .unwrap_or_else(|| journal::default_path("failover"))
        .parent()
        .map(std::path::Path::to_path_buf);
    let missing = journal_dir
        .as_deref()
        .map(|d| fence_group_missing(&snap, d))
        .unwrap_or_default();
    // Only those that answer: one that died since (a dead candidate the operator left out)
    // would only be reported as unreachable.
    let mut answering = Vec::new();
    for addr in missing {
        let open = crate::node::NodeClient::open(
            &setup.opts.transport,
            &addr,
            &setup.opts.creds,
            global.timeout,
        );
        if open.await.is_ok() {
            answering.push(addr);
        }
    }
    if !answering.is_empty() {
        tracing::info!("adding {} node(s) the fencing run named", answering.len());
        seed_list.extend(answering.into_iter().map(|addr| Seed { addr, creds: None }));
        snap = discover(seed_list.clone(), &setup.opts, inventory, single).await;
    }
    // A master nobody can reach: make sure over a short window before calling it dead.
    if live_master(&snap).is_none() {
        let named: Vec<NodeAddr> = snap
            .nodes
            .iter()
            .filter(|n| !n.reachable() && n.role != Role::Replica)
            .filter(|n| {
                snap.nodes
                    .iter()
                    .any(|r| r.master.as_ref() == Some(&n.addr))
            })
            .map(|n| n.addr.clone())
            .collect();
        for m in named {
            let creds = &setup.opts.creds;
            if probe::reachable_within(&m, creds, global.timeout, CONFIRM_TRIES, CONFIRM_WINDOW)
                .await
            {
                tracing::warn!("{m} answered on a retry; discovering again");
                snap = discover(seed_list.clone(), &setup.opts, inventory, single).await;
                break;
            }
        }
    }
    let to = match to {
        Some(t) => Some(canonical(&snap, &t, global.timeout).await),
        None => None,
    };
    Ok(Gathered {
        snap,
        seed_list,
        to,
        journal_dir,
    })
}

/// The run's journal (disabled on a dry run), its path shown on stderr.
fn open_journal(global: &GlobalArgs, args: &FailoverArgs) -> anyhow::Result<Journal> {
    if args.dry_run {
        return Ok(Journal::disabled());
    }
    super::open_journal(global, args.journal.as_deref(), "failover")
}

/// What stopped runs left behind, read from the nodes and the journal: the plan finishes it.
struct Leftovers {
    /// Nodes that still carry rkv's fence (a re-run lifts it).
    fenced: Vec<NodeAddr>,
    /// Nodes whose min-replicas settings could not be read.
    fence_unknown: Vec<NodeAddr>,
    /// Nodes whose role changed but was not written to their config.
    unpersisted: Vec<NodeAddr>,
    /// Replicas whose priority a killed Sentinel-coordinated run left at 0.
    lowered: Vec<(NodeAddr, String, String)>,
    /// Replicas such a run lowered whose priority could not be read now (name, own value).
    priority_unknown: Vec<(NodeAddr, String, String)>,
}

async fn leftovers(
    nodes: &mut Nodes<'_>,
    snap: &Snapshot,
    journal_dir: Option<&std::path::Path>,
) -> Leftovers {
    let (fenced, fence_unknown) = fenced_nodes(nodes, snap).await;
    let unpersisted = journal_dir
        .map(|d| unpersisted_nodes(snap, d))
        .unwrap_or_default();
    let (lowered, priority_unknown) = match journal_dir {
        Some(d) => lowered_priorities(nodes, snap, d).await,
        None => (Vec::new(), Vec::new()),
    };
    Leftovers {
        fenced,
        fence_unknown,
        unpersisted,
        lowered,
        priority_unknown,
    }
}

/// Step 2, plan (pure): the planner's plan, plus the steps that finish what stopped runs left.
fn plan_with(snap: &Snapshot, req: &plan::Request, left: &Leftovers) -> Result<Plan, Refusal> {
    plan::with_priority_restores(
        plan::with_pending_persists(
            plan::with_fence_lifts(plan::plan(snap, req), snap, &left.fenced),
            snap,
            &left.unpersisted,
        ),
        snap,
        &left.lowered,
    )
}

/// Fill in the plan's words for persisting roles and for fencing (no I/O).
fn describe(plan: &mut Plan, setup: &Setup) {
    let transport = &setup.opts.transport;
    let inv = |n: &NodeAddr| setup.inventory.as_ref().and_then(|i| i.by_addr(n));
    plan.describe_persistence(
        |n| persist_role::plan_persist(transport, n, inv(n)),
        |n| fence_how(transport, n, inv(n)),
    );
}

/// End a run the planner found nothing to do for: exit 0 with the reason (one document with
/// `-o json|tsv`), unless a fence or a lowered priority could not be read, which is not a
/// success to report (exit 1, naming each).
fn nothing_to_do(
    global: &GlobalArgs,
    out: &Out,
    args: &FailoverArgs,
    g: &Gathered,
    left: &Leftovers,
    r: Refusal,
) -> anyhow::Result<()> {
    // Not a success to report: a fence left there would go on refusing writes, and a priority
    // left at 0 keeps Sentinel from ever promoting that replica.
    let mut unknown: Vec<String> = Vec::new();
    if !left.fence_unknown.is_empty() {
        let names: Vec<String> = left.fence_unknown.iter().map(ToString::to_string).collect();
        unknown.push(format!(
            "the min-replicas settings of {} could not be read, so whether an earlier run left its fence there is not known: check CONFIG GET min-replicas-to-write there",
            names.join(", ")
        ));
    }
    unknown.extend(priority_unknown_words(left));
    if !unknown.is_empty() {
        anyhow::bail!(
            "nothing else to do, but {}; then run the same command again",
            unknown.join("; ")
        );
    }
    // A re-run that finds nothing left to do has succeeded.
    let msg = r.to_string();
    if global.output == OutputFormat::Table {
        return out.text(&format!("{msg}\n"));
    }
    // Exit 0 with one document, as every run prints: `refusal` says why nothing ran.
    print_refusal(
        out,
        &g.snap,
        g.to.as_ref(),
        args.dry_run,
        &r,
        vec![msg.clone()],
        Vec::new(),
    )?;
    if !global.quiet {
        eprintln!("rkv: {msg}");
    }
    Ok(())
}

/// Step 3, confirm: show the ranking and the plan, let the operator choose among several
/// eligible candidates, print the dry run's document, and ask. `None` when nothing is to run
/// (a dry run, printed); an error when the operator said no.
fn confirm(
    cx: Ctx<'_>,
    prompt: Option<&mut render::prompt::Terminal>,
    mut the_plan: Plan,
    replan: &dyn Fn(&plan::Request) -> anyhow::Result<Plan>,
    mut req: plan::Request,
) -> anyhow::Result<Option<Plan>> {
    let Ctx {
        global,
        args,
        setup,
        out,
    } = cx;
    let style = render::table::Style {
        color: color(global),
        width: None,
    };
    if !the_plan.ranking.is_empty() {
        let ranking = render::plan::ranking(&the_plan.ranking, Some(&the_plan.candidate), style);
        show(global, out, &ranking)?;
    }
    let mut prompt = prompt;
    // Several eligible candidates and no --to: the operator chooses.
    if let Some(p) = prompt.as_mut()
        && req.to.is_none()
        && the_plan.kind != Kind::Resume
    {
        let eligible: Vec<&Candidate> = the_plan.ranking.iter().filter(|c| c.eligible()).collect();
        if eligible.len() > 1 {
            let items: Vec<String> = eligible
                .iter()
                .map(|c| {
                    format!(
                        "{} (offset {}, priority {})",
                        c.addr,
                        c.offset.map_or("?".into(), |o| o.to_string()),
                        c.priority.map_or("?".into(), |o| o.to_string())
                    )
                })
                .collect();
            let i = p.select("Which replica should become the master?", &items)?;
            req.to = eligible.get(i).map(|c| c.addr.clone());
            the_plan = replan(&req)?;
            describe(&mut the_plan, setup);
        }
    }
    if args.ignore_sentinel && the_plan.kind != Kind::Resume {
        the_plan.warnings.push(format!(
            "--ignore-sentinel: Sentinels watching {} will go on naming it as the master (and send their clients there) until reconfigured, and may fail over against this change",
            the_plan.old_master
        ));
    }
    show(global, out, &render::plan::plan(&the_plan))?;
    if args.dry_run {
        let steps = StepResult::pending(&the_plan);
        let doc = document(&the_plan, steps, None, Vec::new(), None, true, None);
        if global.output == OutputFormat::Table {
            out.text("dry run: nothing was changed\n")?;
        } else {
            out.doc(&doc)?;
        }
        return Ok(None);
    }
    if let Some(p) = prompt {
        let go = match the_plan.kind {
            Kind::Failover => {
                let typed = p.input(&format!(
                    "The master {} is unreachable; writes may be lost. Type its address to confirm",
                    the_plan.old_master
                ))?;
                typed.trim() == the_plan.old_master.to_string()
            }
            Kind::Switchover | Kind::Resume => {
                p.confirm(&format!("Run this plan ({} steps)?", the_plan.steps.len()))?
            }
        };
        if !go {
            return Err(ExitError::aborted("stopped: nothing was changed"));
        }
    }
    Ok(Some(the_plan))
}

/// What is read just before running, for the judgement afterwards.
struct Before {
    /// The reachable nodes (read again after the run).
    all: Vec<NodeAddr>,
    /// Their INFO stats.
    stats: BTreeMap<NodeAddr, SyncStats>,
    /// Unplanned: re-pointed replicas behind the candidate's backlog.
    beyond_backlog: i64,
    /// The replid the new master's history must continue (the old master's, or the
    /// candidate's while it still replicates).
    old_replid: Option<String>,
    /// Full resyncs a re-run cannot avoid, with why.
    unavoidable: Vec<String>,
}

async fn read_before(nodes: &mut Nodes<'_>, the_plan: &Plan, snap: &Snapshot) -> Before {
    let all: Vec<NodeAddr> = snap
        .nodes
        .iter()
        .filter(|n| n.reachable())
        .map(|n| n.addr.clone())
        .collect();
    let stats = probe::sync_stats(nodes, &all).await;
    // Unplanned: the stream has stopped, so whoever is behind the candidate's backlog now
    // needs a full resync from it whatever rkv does. Count them, so those full resyncs are
    // not reported as problems (a lag past a 1 MB default backlog is common under load).
    let beyond_backlog = if the_plan.kind == Kind::Failover {
        let backlog = nodes
            .info(&the_plan.candidate, "replication")
            .await
            .ok()
            .filter(|i| i.repl_backlog_active == Some(true))
            .and_then(|i| i.repl_backlog_first_byte_offset.zip(i.repl_backlog_histlen));
        the_plan
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Follow { node, .. } => snap.get(node).and_then(|n| n.offset),
                _ => None,
            })
            .filter(|&o| probe::needs_full_resync(o, backlog))
            .count() as i64
    } else {
        0
    };
    let old_replid = snap
        .get(&the_plan.old_master)
        .and_then(|m| m.replid.clone())
        .or_else(|| {
            snap.get(&the_plan.candidate)
                .filter(|c| c.role == Role::Replica)
                .and_then(|c| c.replid.clone())
        });
    let unavoidable = unavoidable_full_resyncs(nodes, the_plan, snap).await;
    Before {
        all,
        stats,
        beyond_backlog,
        old_replid,
        unavoidable,
    }
}

/// Step 5, probe: the new master's history proof (none on a resume, or when the candidate is
/// not a master), read right after the run.
async fn history_after(
    nodes: &mut Nodes<'_>,
    the_plan: &Plan,
    outcome: &RunOutcome,
    before: &Before,
) -> Option<HistoryProof> {
    if the_plan.kind == Kind::Resume {
        return None;
    }
    let final_offset = match the_plan.kind {
        Kind::Switchover => outcome.final_offset,
        _ => outcome.promoted_at,
    };
    match nodes.info(&the_plan.candidate, "replication").await {
        Ok(info) if info.role == Role::Master => Some(probe::history_proof(
            &the_plan.candidate,
            &info,
            outcome
                .final_replid
                .as_deref()
                .or(before.old_replid.as_deref()),
            final_offset,
        )),
        _ => None,
    }
}

/// Whether the Sentinel path took the run over.
enum Watch {
    /// It ran (or refused) the whole job.
    Handled,
    /// The plain path goes on, with the evidence that Sentinels watch, if any (the planner
    /// then refuses unless `--ignore-sentinel`).
    Plain(Option<String>),
}

/// Look for Sentinels (`--sentinel`, their clients on the master, its hello channel's
/// subscribers, a hello message) and, when they watch or the master is gone, hand the run to
/// the Sentinel-coordinated path (src/commands/failover_sentinel.rs).
async fn sentinel_hand_off(
    cx: Ctx<'_>,
    g: &Gathered,
    nodes: &mut Nodes<'_>,
    prompt: &mut Option<render::prompt::Terminal>,
    journal_path: Option<&str>,
) -> anyhow::Result<Watch> {
    let args = cx.args;
    // Sentinel: its clients, its hello channel's subscribers, or a hello message.
    let mut sentinel_why: Option<String> =
        (!args.sentinels.is_empty()).then(|| format!("--sentinel {}", args.sentinels.join(", ")));
    if sentinel_why.is_none()
        && !args.ignore_sentinel
        && let Some(m) = live_master(&g.snap).cloned()
    {
        sentinel_why = probe::sentinel_evidence(nodes, &m, HELLO_LISTEN).await;
    }
    // Sentinels watch the master (or may watch a master that is gone: they subscribe on the
    // replicas too): switch over with them (src/failover/sentinel.rs).
    if (sentinel_why.is_some() || live_master(&g.snap).is_none())
        && !args.ignore_sentinel
        && super::failover_sentinel::run(
            cx,
            &g.snap,
            g.to.clone(),
            prompt
                .as_mut()
                .map(|p| p as &mut dyn render::prompt::Prompter),
            journal_path.map(std::path::Path::new),
        )
        .await?
        .is_some()
    {
        return Ok(Watch::Handled);
    }
    Ok(Watch::Plain(sentinel_why))
}

/// What is read right after running, for the judgement.
struct After {
    /// The new master's history proof.
    history: Option<HistoryProof>,
    /// INFO stats of the nodes read before.
    stats: BTreeMap<NodeAddr, SyncStats>,
    /// Ordinary clients still on the old master (a switchover that changed roles).
    old_master_clients: Option<usize>,
}

/// Step 5, probe: the history proof, the resync counters again, the clients left behind.
async fn probe_after(
    nodes: &mut Nodes<'_>,
    the_plan: &Plan,
    outcome: &RunOutcome,
    before: &Before,
) -> After {
    let history = history_after(nodes, the_plan, outcome, before).await;
    let stats = probe::sync_stats(nodes, &before.all).await;
    let nothing_changed = outcome.failure.as_ref().is_some_and(|f| !f.changed);
    let old_master_clients = if the_plan.kind == Kind::Failover
        || nothing_changed
        || the_plan.old_master == the_plan.candidate
    {
        // After an abort nothing changed for the clients of the old master: not a remark.
        None
    } else {
        probe::clients_left(nodes, &the_plan.old_master).await
    };
    After {
        history,
        stats,
        old_master_clients,
    }
}

async fn run_async(
    global: &GlobalArgs,
    out: &Out,
    args: &FailoverArgs,
    setup: &Setup,
    seed_list: Vec<Seed>,
    single: bool,
    to: Option<NodeAddr>,
) -> anyhow::Result<()> {
    // Never ask without a terminal: settle that before touching anything.
    let mut prompt = if args.dry_run {
        None
    } else {
        render::prompt::prompter(args.yes, "rkv failover")?
    };
    let g = gather(global, args, setup, seed_list, single, to).await?;
    let mut journal = open_journal(global, args)?;
    let journal_path = (!args.dry_run).then(|| journal.path().display().to_string());
    let mut nodes = Nodes::new(
        execute::Options {
            creds: setup.opts.creds.clone(),
            timeout: global.timeout,
            transport: setup.opts.transport.clone(),
            verify_timeout: args.wait_timeout,
            inventory: setup.inventory.clone(),
        },
        &mut journal,
    );

    let cx = Ctx {
        global,
        args,
        setup,
        out,
    };
    let sentinel_why =
        match sentinel_hand_off(cx, &g, &mut nodes, &mut prompt, journal_path.as_deref()).await? {
            Watch::Handled => return Ok(()),
            Watch::Plain(why) => why,
        };
    let req = plan::Request {
        to: g.to.clone(),
        sentinel_watching: sentinel_why.is_some(),
        ignore_sentinel: args.ignore_sentinel,
        max_write_pause: args.max_write_pause,
        diverge: diverge_choice(args, &g.snap, setup, global.timeout).await?,
    };
    let left = leftovers(&mut nodes, &g.snap, g.journal_dir.as_deref()).await;
    let refuse = |r: Refusal| {
        let why = sentinel_why.as_deref();
        refused(global, out, &g.snap, g.to.as_ref(), args.dry_run, &r, why)
    };
    let replan = |req: &plan::Request| plan_with(&g.snap, req, &left).map_err(refuse);
    let mut the_plan = match plan_with(&g.snap, &req, &left) {
        Err(r @ Refusal::NothingToDo(_)) => return nothing_to_do(global, out, args, &g, &left, r),
        Err(r) => return Err(refuse(r)),
        Ok(p) => p,
    };
    describe(&mut the_plan, setup);
    for n in &left.fence_unknown {
        the_plan.warnings.push(format!(
            "{n}: its min-replicas settings could not be read, so a fence an earlier run may have left there is not lifted by this run"
        ));
    }
    for w in priority_unknown_words(&left) {
        the_plan.warnings.push(w);
    }
    let Some(mut the_plan) = confirm(cx, prompt.as_mut(), the_plan, &replan, req)? else {
        return Ok(());
    };

    // Step 4, execute, between the reads the judgement compares.
    let before = read_before(&mut nodes, &the_plan, &g.snap).await;
    let mut progress =
        render::progress::StepProgress::new(std::io::stderr().is_terminal(), global.quiet);
    let outcome = execute::run(&the_plan, &mut nodes, &mut |e| progress.event(&e)).await;
    let after = probe_after(&mut nodes, &the_plan, &outcome, &before).await;
    drop(nodes);

    // The topology now, judged by the health rules.
    let now = topology_after(setup, &g, &the_plan.candidate, single).await;
    let health = health::problems(&health::check(&now, &HealthOptions::default()));
    // Step 6, judge (pure, src/failover/judge.rs).
    let mut j = judge::judge(&judge::Evidence {
        plan: &the_plan,
        outcome: &outcome,
        snap: &g.snap,
        history: after.history.as_ref(),
        before: &before.stats,
        after: &after.stats,
        beyond_backlog: before.beyond_backlog,
        unavoidable: &before.unavoidable,
        health: &health,
    });
    the_plan.warnings.extend(std::mem::take(&mut j.warnings));
    let problems = std::mem::take(&mut j.problems);
    let report = report(&outcome, after, j);
    // Step 7, render and exit.
    let end = End {
        the_plan,
        outcome,
        report,
        problems,
        now,
        journal_path,
    };
    finish_run(global, out, args, setup, end)
}

/// The group after the run, discovered from the seeds and the new master.
async fn topology_after(
    setup: &Setup,
    g: &Gathered,
    candidate: &NodeAddr,
    single: bool,
) -> Snapshot {
    let mut seeds = g.seed_list.clone();
    seeds.push(Seed {
        addr: candidate.clone(),
        creds: None,
    });
    discover(seeds, &setup.opts, setup.inventory.as_ref(), single).await
}

/// The report of a run: what the executor measured, what was probed after, what the
/// judgement found (its problems and warnings taken already).
fn report(outcome: &RunOutcome, after: After, j: judge::Judgement) -> Report {
    Report {
        write_pause_ms: outcome.write_pause_ms,
        final_offset: outcome.final_offset,
        promoted_at: outcome.promoted_at,
        history: after.history,
        resyncs: j.resyncs,
        partial_only: j.partial_only,
        old_master_clients: after.old_master_clients,
        persisted: persisted_notes(outcome),
        persistence: outcome.persisted.clone(),
        fencing: outcome.fencing.clone(),
        notes: j.notes,
    }
}

/// Per node, what its Persist step said it did ("config file rewritten", …).
fn persisted_notes(outcome: &RunOutcome) -> BTreeMap<String, String> {
    outcome
        .steps
        .iter()
        .filter_map(|s| match (&s.step, &s.note) {
            (Step::Persist { node, .. }, Some(n)) if s.status == Status::Done => {
                Some((node.to_string(), n.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Everything a finished run renders.
struct End {
    the_plan: Plan,
    outcome: RunOutcome,
    report: Report,
    problems: Vec<Problem>,
    /// The topology after the run.
    now: Snapshot,
    journal_path: Option<String>,
}

/// Step 7: print the document (or the human report and the topology now) and end with the
/// exit code: 0 when nothing went wrong, 1 with the problems, or the failed step's error with
/// the state and the command that finishes.
fn finish_run(
    global: &GlobalArgs,
    out: &Out,
    args: &FailoverArgs,
    setup: &Setup,
    end: End,
) -> anyhow::Result<()> {
    let End {
        mut the_plan,
        outcome,
        report,
        problems,
        now,
        journal_path,
    } = end;
    let creds_used = setup.opts.creds.password.is_some();
    // The candidate died after its promotion: re-plan among the live nodes, the most
    // advanced one first (the fenced old master, usually: it has every acknowledged write).
    let dead_candidate = outcome.failure.as_ref().is_some_and(|f| f.changed)
        && !now
            .get(&the_plan.candidate)
            .is_some_and(crate::topology::model::NodeState::reachable);
    let next = outcome.failure.as_ref().map(|f| {
        if f.interrupted && !f.changed {
            // Stopped by a signal with nothing changed: there is no cause to fix.
            let cmd = next_command(global, args, &the_plan, true, creds_used);
            let cmd = cmd.split("   (").next().unwrap_or_default().to_string();
            format!("{cmd}   (nothing was changed: it starts over)")
        } else if dead_candidate {
            live_replan(global, args, &now, creds_used)
        } else {
            next_command(global, args, &the_plan, f.changed, creds_used)
        }
    });
    let human_out = global.output == OutputFormat::Table;
    // Not fencing the old master does not undo the failover: it is a warning with the exact
    // instructions, shown whatever the output format.
    if let Some(f) = outcome.fencing.as_ref().filter(|f| !f.fenced) {
        the_plan.warnings.extend(f.instructions.iter().cloned());
        if !human_out && !global.quiet {
            eprintln!("BEFORE THE OLD MASTER {} RETURNS:", f.node);
            for l in &f.instructions {
                eprintln!("  - {l}");
            }
        }
    }
    let steps = outcome.steps.clone();
    let doc = document(
        &the_plan,
        steps,
        Some(report),
        problems,
        journal_path,
        false,
        next,
    );
    if human_out {
        let style = render::table::Style {
            color: color(global),
            width: None,
        };
        let mut s = report_text(&doc, &outcome);
        s.push_str("\nTopology now:\n");
        s.push_str(&super::topology::render(&now, OutputFormat::Table, style)?);
        out.text(&s)?;
    } else {
        out.doc(&doc)?;
    }
    match &outcome.failure {
        None if doc.problems.is_empty() => Ok(()),
        None => {
            if !global.quiet {
                for p in &doc.problems {
                    eprintln!("problem: {}", p.message);
                }
            }
            Err(ExitError::silent_failure())
        }
        Some(f) => {
            let state = if dead_candidate {
                format!(
                    "{} was promoted, then stopped answering (dead or unreachable): no node was pointed at it after that; the topology above is the state now",
                    the_plan.candidate
                )
            } else if f.changed {
                format!(
                    "{} was promoted but the run stopped at step {}; the topology above is the state now",
                    the_plan.candidate, f.step
                )
            } else {
                "nothing was changed".to_string()
            };
            Err(anyhow::anyhow!(
                "failover stopped at step {}: {}\n{state}\nnext: {}",
                f.step,
                f.message,
                doc.next.clone().unwrap_or_default()
            ))
        }
    }
}

/// A node or Sentinel argument as a `next:` command may show it: a URL's password dropped
/// (`redis://user:pw@h:p` becomes `redis://user@h:p`); and whether a password was dropped
/// (the command then says "with the same credentials"). Not yet quoted for the shell.
fn shown_arg(arg: &str) -> (String, bool) {
    let (shown, dropped) = match arg.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                let dropped = userinfo.contains(':');
                let at = if user.is_empty() { "" } else { "@" };
                (format!("{scheme}://{user}{at}{host}"), dropped)
            }
            None => (arg.to_string(), false),
        },
        None => (arg.to_string(), false),
    };
    (shown, dropped)
}

/// A word for the shell: as is when it is plain, else in single quotes.
fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=,+%".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The options of this run that a re-run needs to reach the same nodes the same way and do
/// the same thing (inventory, user, TLS, Sentinels, a non-default pause budget or timeout),
/// each with a leading space. Never a password: [`next_command`] says "with the same
/// credentials" instead.
pub(crate) fn rerun_options(global: &GlobalArgs, args: &FailoverArgs) -> String {
    let mut out = String::new();
    let mut opt = |name: &str, value: Option<String>| {
        out.push(' ');
        out.push_str(name);
        if let Some(v) = value {
            out.push(' ');
            out.push_str(&shell_word(&v));
        }
    };
    if let Some(i) = &global.inventory {
        opt("-i", Some(i.display().to_string()));
    }
    if let Some(u) = &global.user {
        opt("--user", Some(u.clone()));
    }
    if global.tls {
        opt("--tls", None);
    }
    for (name, path) in [
        ("--cacert", &global.cacert),
        ("--cacertdir", &global.cacertdir),
        ("--cert", &global.cert),
        ("--key", &global.key),
    ] {
        if let Some(p) = path {
            opt(name, Some(p.display().to_string()));
        }
    }
    if let Some(sni) = &global.sni {
        opt("--sni", Some(sni.clone()));
    }
    if global.insecure {
        opt("--insecure", None);
    }
    if let Some(u) = &global.sentinel_user {
        opt("--sentinel-user", Some(u.clone()));
    }
    for sn in &args.sentinels {
        opt("--sentinel", Some(shown_arg(sn).0));
    }
    if global.timeout != Duration::from_secs(2) {
        opt(
            "--timeout",
            Some(format!("{}ms", global.timeout.as_millis())),
        );
    }
    if args.max_write_pause != Duration::from_secs(5) {
        opt(
            "--max-write-pause",
            Some(format!("{}ms", args.max_write_pause.as_millis())),
        );
    }
    // The re-run finds what this run saved (fence, priorities, pending persists) in the
    // journal's directory: the same file (appended to) keeps it there.
    if let Some(j) = &args.journal {
        opt("--journal", Some(j.display().to_string()));
    }
    out
}

/// The command that re-plans among the live nodes of `now`, the most advanced first (its
/// offset; a master before a replica at the same offset).
fn live_replan(
    global: &GlobalArgs,
    args: &FailoverArgs,
    now: &Snapshot,
    creds_used: bool,
) -> String {
    let live: Vec<&crate::topology::model::NodeState> =
        now.nodes.iter().filter(|n| n.reachable()).collect();
    let best = live
        .iter()
        .max_by_key(|n| (n.offset.unwrap_or(-1), n.role == Role::Master))
        .map(|n| n.addr.to_string());
    let mut cmd = String::from("rkv failover");
    for n in &live {
        cmd.push(' ');
        cmd.push_str(&n.addr.to_string());
    }
    if let Some(b) = best {
        cmd.push_str(&format!(" --to {b}"));
    }
    cmd.push_str(" --yes");
    if args.ignore_sentinel {
        cmd.push_str(" --ignore-sentinel");
    }
    cmd.push_str(&rerun_options(global, args));
    if creds_used {
        cmd.push_str(" (with the same credentials)");
    }
    format!("{cmd}   (among the live nodes, the most advanced first)")
}

/// What to run after a run stopped midway: the same command, which converges.
fn next_command(
    global: &GlobalArgs,
    args: &FailoverArgs,
    plan: &Plan,
    changed: bool,
    creds_used: bool,
) -> String {
    let mut cmd = String::from("rkv failover");
    let mut creds_used = creds_used;
    for n in &args.nodes {
        let (shown, dropped) = shown_arg(n);
        creds_used |= dropped;
        cmd.push(' ');
        cmd.push_str(&shell_word(&shown));
    }
    cmd.push_str(&format!(" --to {} --yes", plan.candidate));
    if args.ignore_sentinel {
        cmd.push_str(" --ignore-sentinel");
    }
    cmd.push_str(&rerun_options(global, args));
    creds_used |= args.sentinels.iter().any(|s| shown_arg(s).1);
    if creds_used {
        // Never echo the secret itself.
        cmd.push_str(" (with the same credentials)");
    }
    if changed {
        format!(
            "{cmd}   (it sees {} as master and finishes what is left)",
            plan.candidate
        )
    } else {
        format!("fix the cause above, then: {cmd}")
    }
}

fn document(
    plan: &Plan,
    steps: Vec<StepResult>,
    report: Option<Report>,
    problems: Vec<Problem>,
    journal: Option<String>,
    dry_run: bool,
    next: Option<String>,
) -> FailoverDoc {
    FailoverDoc {
        kind: plan.kind,
        old_master: plan.old_master.clone(),
        candidate: plan.candidate.clone(),
        dry_run,
        journal,
        ranking: plan.ranking.clone(),
        steps,
        warnings: plan.warnings.clone(),
        problems,
        report,
        next,
    }
}

/// The human report after a run.
fn report_text(doc: &FailoverDoc, outcome: &RunOutcome) -> String {
    let mut s = String::new();
    let Some(r) = &doc.report else {
        return s;
    };
    s.push_str("\nReport:\n");
    if let Some(ms) = r.write_pause_ms {
        let demoted = doc
            .steps
            .iter()
            .any(|st| matches!(st.step, crate::failover::plan::Step::Demote { .. }));
        if demoted {
            s.push_str(&format!(
                "  writes refused on {} from the fence to the promotion: {ms:.1} ms\n",
                doc.old_master
            ));
        } else {
            s.push_str(&format!(
                "  writes paused on {}: {ms:.1} ms\n",
                doc.old_master
            ));
        }
    }
    if let Some(h) = r.history.as_ref().filter(|h| !h.available) {
        s.push_str(&format!(
            "  history: proof not available on this version ({} has no replid: PSYNC1, so its replicas full-resync)\n",
            h.new_master
        ));
    } else if let Some(h) = &r.history {
        s.push_str(&format!(
            "  history: {} {} the old history (replid2 {}, second_repl_offset {}, old final offset {})\n",
            h.new_master,
            if h.continues { "continues" } else { "does NOT continue" },
            render::table::short_id(h.replid2.as_deref()),
            h.second_repl_offset.map_or("-".into(), |o| o.to_string()),
            h.old_final_offset.map_or("-".into(), |o| o.to_string()),
        ));
    }
    if r.resyncs.is_empty() {
        s.push_str("  resyncs: none served yet\n");
    }
    for d in &r.resyncs {
        s.push_str(&format!(
            "  resyncs served by {}: {} partial, {} full\n",
            d.node, d.sync_partial_ok, d.sync_full
        ));
    }
    if let Some(c) = r.old_master_clients {
        s.push_str(&format!(
            "  clients still connected to {}: {c}{}\n",
            doc.old_master,
            if c > 0 {
                " (they now get READONLY for writes: point them at the new master)"
            } else {
                ""
            }
        ));
    }
    if r.persistence.is_empty() {
        for (n, note) in &r.persisted {
            s.push_str(&format!("  {n}: {note}\n"));
        }
    }
    for p in &r.persistence {
        let line = match &p.method {
            PersistMethod::ConfigRewrite => format!("{}: persisted (CONFIG REWRITE)", p.node),
            _ => p.to_string(),
        };
        s.push_str(&format!("  persist {line}\n"));
    }
    if let Some(f) = &r.fencing {
        s.push_str(&format!("  fencing: {}\n", execute::fence_note(f)));
        if let Some(c) = &f.command {
            s.push_str(&format!(
                "    `{}` ({}): exit {}\n",
                c.command,
                c.which,
                c.status.map_or("?".into(), |v| v.to_string())
            ));
            for l in c.output.lines().take(10) {
                s.push_str(&format!("      {l}\n"));
            }
        }
        if !f.instructions.is_empty() {
            s.push_str("  BEFORE THE OLD MASTER RETURNS:\n");
            for l in &f.instructions {
                s.push_str(&format!("    - {l}\n"));
            }
        }
    }
    for n in &r.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    if outcome.failure.is_none() && doc.problems.is_empty() {
        s.push_str(&format!(
            "  {} is the master; every node follows it\n",
            doc.candidate
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;

    #[test]
    fn a_rerun_names_the_options_that_reach_the_same_nodes_and_no_secret() {
        use clap::Parser;
        let parse = |argv: &[&str]| {
            let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
            match cli.command {
                crate::cli::Command::Failover(a) => (cli.global, a),
                other => panic!("{other:?}"),
            }
        };
        let (g, a) = parse(&["rkv", "failover", "10.0.0.1:6379"]);
        assert_eq!(rerun_options(&g, &a), "");
        let (g, a) = parse(&[
            "rkv",
            "-i",
            "/etc/rkv/my group.toml",
            "--user",
            "ops",
            "-a",
            "s3cret",
            "--tls",
            "--cacert",
            "/etc/ca.pem",
            "--timeout",
            "5s",
            "failover",
            "10.0.0.1:6379",
            "--sentinel",
            "10.0.0.9:26379",
            "--sentinel",
            "10.0.0.8:26379",
            "--max-write-pause",
            "2s",
        ]);
        let opts = rerun_options(&g, &a);
        assert_eq!(
            opts,
            " -i '/etc/rkv/my group.toml' --user ops --tls --cacert /etc/ca.pem --sentinel 10.0.0.9:26379 --sentinel 10.0.0.8:26379 --timeout 5000ms --max-write-pause 2000ms"
        );
        assert!(!opts.contains("s3cret"));
        let (g, a) = parse(&[
            "rkv",
            "failover",
            "redis://ops:s3cret@10.0.0.1:6379",
            "--sentinel",
            "redis://:s3cret@10.0.0.9:26379",
            "--journal",
            "/var/lib/rkv/j.jsonl",
        ]);
        assert_eq!(
            rerun_options(&g, &a),
            " --sentinel redis://10.0.0.9:26379 --journal /var/lib/rkv/j.jsonl"
        );
        assert_eq!(
            shown_arg("redis://ops:s3cret@10.0.0.1:6379"),
            ("redis://ops@10.0.0.1:6379".to_string(), true)
        );
        assert_eq!(
            shown_arg("10.0.0.1:6379"),
            ("10.0.0.1:6379".to_string(), false)
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn fence_plans_name_the_file_and_the_command() {
        let inv = Inventory::parse(
            "[[nodes]]\naddr = \"10.0.0.5:6379\"\nssh = \"ops@10.0.0.5\"\nconfig = \"/etc/redis/redis.conf\"\nrestart = \"systemctl restart redis\"\n[[nodes]]\naddr = \"10.0.0.6:6379\"\nssh = \"ops@10.0.0.6\"\nstop = \"systemctl stop redis\"\n",
            "i",
        )
        .unwrap();
        let t = Transport::Ssh(
            crate::inventory::from_inventory(Some(&inv), Duration::from_secs(1), false).unwrap(),
        );
        let a = NodeAddr::new("10.0.0.5", 6379);
        assert_eq!(
            fence_how(&t, &a, inv.by_addr(&a)),
            "if its host answers ssh, edit /etc/redis/redis.conf (backup beside it), then run `systemctl restart redis`, else print what must be done before it returns"
        );
        let b = NodeAddr::new("10.0.0.6", 6379);
        assert!(
            fence_how(&t, &b, inv.by_addr(&b))
                .starts_with("no config path: run `systemctl stop redis` over ssh")
        );
        assert!(fence_how(&Transport::Direct, &a, inv.by_addr(&a)).starts_with("no ssh route"));
    }
}
