//! Running a resolved playbook: show the topology and the whole plan, ask once, then run the
//! steps in order with a spinner and a duration each, journaled like failover. The first
//! failure stops the run and prints the state and the exact `--from-step N` command.
//!
//! Steps that name a command (`verify`, `replicate`, `promote`, `failover`) call that
//! command's own function with its typed arguments and the playbook's global options: there
//! is no second implementation, and no command line is rebuilt. The command writes to an
//! [`Out`] the step keeps: its table text, or its JSON document as a value, goes into the
//! step's report. The other steps are small actions over the same node client the
//! failover executor uses (so their Redis commands are journaled too), the persistence and
//! inventory-command code of [`crate::persist_role`], and the health rules.

use crate::ExitError;
use crate::cli::{
    FailoverArgs, GlobalArgs, OutputFormat, PromoteArgs, ReplicateArgs, TopologyArgs, VerifyArgs,
};
use crate::commands::out::{Out, print};
use crate::commands::topology::{Setup, finish, resolve_arg, runtime, setup};
use crate::failover::execute::{self, Event, Nodes, follows};
use crate::failover::journal::{self, Entry, Journal};
use crate::inventory::InventoryNode;
use crate::node::conffile::{MasterAuth, RoleEdit};
use crate::node::{NodeAddr, Role};
use crate::persist_role::{NodeCommand, PersistRequest, persist_role, run_node_command};
use crate::playbook::check::{Action, Planned};
use crate::render;
use crate::render::progress::{StepProgress, human_duration};
use crate::render::prompt::{Prompter, Terminal};
use crate::transport::shell_quote;

/// A word for the resume command: as is when a shell reads it unchanged, else quoted.
fn word(w: &str) -> String {
    if !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:=,@+-%".contains(&b))
    {
        w.to_string()
    } else {
        shell_quote(w)
    }
}
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How often a waiting step polls.
const POLL: Duration = Duration::from_millis(100);
/// Default wait for `restart` and `stop`.
const DEFAULT_NODE_WAIT: Duration = Duration::from_secs(60);
/// Most time an inventory command itself may run.
const NODE_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// What `rkv playbook run` was asked.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The FILE or NAME as given (used in the resume command).
    pub label: String,
    /// The playbook's name.
    pub name: String,
    /// The resolved steps.
    pub plan: Vec<Planned>,
    /// `--var` as given, in order (repeated in the resume command).
    pub vars: Vec<(String, String)>,
    /// `--yes`.
    pub yes: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--from-step` (1-based).
    pub from_step: usize,
    /// `--journal`.
    pub journal: Option<PathBuf>,
}

/// One step in the JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// 1-based index.
    pub index: usize,
    /// What the plan showed.
    pub title: String,
    /// The step's kind and its resolved arguments.
    pub action: Action,
    /// The equivalent command.
    pub command: String,
    /// `pending`, `skipped` (before --from-step), `done`, `failed`, `not_run`.
    pub status: &'static str,
    /// How long it took.
    pub duration_ms: Option<f64>,
    /// The command's own output (its JSON document with `--output json`), or the step's.
    pub output: Option<serde_json::Value>,
    /// Warnings the operator must read.
    pub warnings: Vec<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// `rkv playbook run --output json`.
#[derive(Debug, Serialize)]
pub struct RunDoc {
    /// The playbook's name.
    pub playbook: String,
    /// The file or name run.
    pub file: String,
    /// Variables as given.
    pub vars: BTreeMap<String, String>,
    /// True when nothing was run.
    pub dry_run: bool,
    /// The first step run.
    pub from_step: usize,
    /// Where the journal is.
    pub journal: Option<String>,
    /// Every step.
    pub steps: Vec<StepReport>,
    /// True when every step run succeeded.
    pub ok: bool,
    /// The command that resumes a stopped run.
    pub next: Option<String>,
}

/// What a step produced.
#[derive(Debug, Default)]
struct StepOut {
    text: String,
    json: Option<serde_json::Value>,
    warnings: Vec<String>,
}

/// The step's failure.
#[derive(Debug)]
struct StepFail {
    message: String,
    output: StepOut,
}

impl From<anyhow::Error> for StepFail {
    fn from(e: anyhow::Error) -> StepFail {
        StepFail {
            message: format!("{e:#}"),
            output: StepOut::default(),
        }
    }
}

/// A step that names a command: that command's typed arguments, as `Action::command_line`
/// shows them (a test holds the two equal, clap's defaults included).
#[derive(Debug)]
enum CommandStep {
    Verify(VerifyArgs),
    Replicate(ReplicateArgs),
    Promote(PromoteArgs),
    Failover(FailoverArgs),
}

/// The command a step runs; None for the other kinds. `journal`: where a failover step
/// journals (the playbook's own journal, so one file tells the whole run).
fn command_step(action: &Action, journal: Option<&std::path::Path>) -> Option<CommandStep> {
    Some(match action {
        Action::Verify {
            nodes,
            wait,
            max_lag_bytes,
        } => CommandStep::Verify(VerifyArgs {
            nodes: nodes.clone(),
            max_lag_bytes: *max_lag_bytes,
            max_lag_seconds: None,
            wait: *wait,
            sentinels: Vec::new(),
        }),
        Action::Replicate {
            replica,
            to,
            timeout,
            max_lag_bytes,
        } => CommandStep::Replicate(ReplicateArgs {
            replica: replica.clone(),
            to: to.clone(),
            yes: true,
            no_wait: false,
            // clap's defaults of `rkv replicate` (--wait-timeout 60s, --max-lag-bytes 0).
            wait_timeout: timeout.unwrap_or(Duration::from_secs(60)),
            max_lag_bytes: max_lag_bytes.unwrap_or(0),
            journal: None,
        }),
        Action::Promote { replica, force } => CommandStep::Promote(PromoteArgs {
            replica: replica.clone(),
            yes: true,
            force: *force,
            journal: None,
        }),
        Action::Failover {
            nodes,
            to,
            max_write_pause,
            timeout,
        } => CommandStep::Failover(FailoverArgs {
            nodes: nodes.clone(),
            to: to.clone(),
            yes: true,
            dry_run: false,
            sentinels: Vec::new(),
            ignore_sentinel: false,
            // clap's defaults of `rkv failover` (--max-write-pause 5s, --wait-timeout 30s).
            max_write_pause: max_write_pause.unwrap_or(Duration::from_secs(5)),
            journal: journal.map(std::path::Path::to_path_buf),
            wait_timeout: timeout.unwrap_or(Duration::from_secs(30)),
            discard_writes_of: Vec::new(),
            carry_over: false,
        }),
        _ => return None,
    })
}

impl CommandStep {
    /// The subcommand's name.
    fn name(&self) -> &'static str {
        match self {
            CommandStep::Verify(_) => "verify",
            CommandStep::Replicate(_) => "replicate",
            CommandStep::Promote(_) => "promote",
            CommandStep::Failover(_) => "failover",
        }
    }

    /// Run it as `rkv` would, writing to `out`.
    fn run(&self, global: &GlobalArgs, out: &Out) -> anyhow::Result<()> {
        match self {
            CommandStep::Verify(a) => crate::commands::verify::run_to(global, a, out),
            CommandStep::Replicate(a) => crate::commands::replicate::run_to(global, a, out),
            CommandStep::Promote(a) => crate::commands::promote::run_to(global, a, out),
            CommandStep::Failover(a) => crate::commands::failover::run_to(global, a, out),
        }
    }
}

/// Steps that change nothing (a failover after only these can be previewed).
fn read_only(a: &Action) -> bool {
    matches!(
        a,
        Action::Verify { .. }
            | Action::Assert { .. }
            | Action::Reachable { .. }
            | Action::CheckPersistence { .. }
            | Action::Confirm { .. }
            | Action::Fence { .. }
    )
}

/// The exact command that resumes a run at step `n`.
pub fn resume_command(req: &RunRequest, global: &GlobalArgs, n: usize) -> String {
    let mut s = String::from("rkv playbook run ");
    s.push_str(&word(&req.label));
    if let Some(i) = &global.inventory {
        s.push_str(&format!(" -i {}", word(&i.display().to_string())));
    }
    for (k, v) in &req.vars {
        s.push_str(&format!(" --var {}", word(&format!("{k}={v}"))));
    }
    if let Some(j) = &req.journal {
        s.push_str(&format!(" --journal {}", word(&j.display().to_string())));
    }
    s.push_str(&format!(" --yes --from-step {n}"));
    s
}

fn journal_note(journal: &mut Journal, event: &'static str, step: Option<usize>, message: String) {
    let mut e = Entry::new(event);
    e.step = step;
    e.message = Some(message);
    if let Err(err) = journal.write(e) {
        tracing::warn!("{err}");
    }
}

/// Seeds for the topology shown before the plan: the inventory when there is one, else
/// every node the plan names.
fn plan_nodes(plan: &[Planned]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |n: &String| {
        if !out.contains(n) {
            out.push(n.clone());
        }
    };
    for p in plan {
        match &p.action {
            Action::Verify { nodes, .. }
            | Action::Failover { nodes, .. }
            | Action::Reachable { nodes } => nodes.iter().for_each(&mut add),
            Action::Fence { node, nodes, .. } => {
                add(node);
                nodes.iter().for_each(&mut add);
            }
            Action::Replicate { replica, to, .. } => {
                add(replica);
                add(to);
            }
            Action::Promote { replica, .. } => add(replica),
            Action::ConfigSet { node, .. }
            | Action::Assert { node, .. }
            | Action::Restart { node, .. }
            | Action::Stop { node, .. }
            | Action::CheckPersistence { node }
            | Action::PersistRole { node, .. } => add(node),
            Action::Confirm { .. } => {}
        }
    }
    out
}

/// The topology now, rendered (errors as text: it is information, not a step).
fn topology_text(global: &GlobalArgs, seeds: Vec<String>) -> String {
    let mut g = global.clone();
    g.output = OutputFormat::Table;
    let nodes = if global.inventory.is_some() {
        Vec::new()
    } else {
        seeds
    };
    let out = Out::kept();
    let res = crate::commands::topology::run_to(
        &g,
        &TopologyArgs {
            nodes,
            sentinels: Vec::new(),
        },
        &out,
    );
    let text = out.into_kept().text;
    match res {
        Ok(()) => text,
        Err(e) => format!("{text}(topology: {e:#})\n"),
    }
}

/// The plan as shown before asking: each step, its command, and for a failover that nothing
/// before it changes, what `rkv failover --dry-run` shows now (the ranking and the plan).
fn plan_text(global: &GlobalArgs, req: &RunRequest) -> String {
    let total = req.plan.len();
    let mut plan_text = format!("Playbook {} ({total} steps):\n", req.name);
    for p in &req.plan {
        let skipped = if p.index < req.from_step {
            "   (skipped: before --from-step)"
        } else {
            ""
        };
        plan_text.push_str(&format!("  {:>2}. {}{skipped}\n", p.index, p.title));
        let cmd = p.action.command_line();
        if cmd != p.title {
            plan_text.push_str(&format!("      {cmd}\n"));
        }
        // A failover that nothing before it changes is shown as `rkv failover --dry-run`
        // shows it: the ranking and the plan, from the topology now.
        let unchanged_before = req
            .plan
            .iter()
            .filter(|q| q.index >= req.from_step && q.index < p.index)
            .all(|q| read_only(&q.action));
        if p.index >= req.from_step
            && unchanged_before
            && let Some(CommandStep::Failover(mut args)) = command_step(&p.action, None)
        {
            args.yes = false;
            args.dry_run = true;
            let mut g = global.clone();
            g.quiet = true;
            match run_command(&g, &CommandStep::Failover(args), false) {
                Ok(out) => {
                    for l in out.text.lines().filter(|l| !l.starts_with("dry run:")) {
                        plan_text.push_str(&format!("        {l}\n"));
                    }
                }
                Err(f) => plan_text.push_str(&format!(
                    "        (rkv failover --dry-run, now: {})\n",
                    f.message
                )),
            }
        }
    }
    plan_text
}

/// Every step's report before the run: skipped before `--from-step`, else pending (a dry
/// run) or not run yet.
fn initial_reports(req: &RunRequest) -> Vec<StepReport> {
    req.plan
        .iter()
        .map(|p| StepReport {
            index: p.index,
            title: p.title.clone(),
            action: p.action.clone(),
            command: p.action.command_line(),
            status: if p.index < req.from_step {
                "skipped"
            } else if req.dry_run {
                "pending"
            } else {
                "not_run"
            },
            duration_ms: None,
            output: None,
            warnings: Vec::new(),
            error: None,
        })
        .collect()
}

/// How a run ended, for [`end_run`].
struct End {
    doc: RunDoc,
    /// The step that failed, and why.
    failed_at: Option<(usize, String)>,
    /// Where the topology shown after a failure starts.
    seeds: Vec<String>,
    took: Duration,
}

/// Print the run's document (or its summary, or the topology now and the resume command
/// after a failure) and end with its exit status.
fn end_run(
    global: &GlobalArgs,
    req: &RunRequest,
    journal: &mut Journal,
    end: End,
) -> anyhow::Result<()> {
    let End {
        mut doc,
        failed_at,
        seeds,
        took,
    } = end;
    let json = global.output == OutputFormat::Json;
    let total = req.plan.len();
    match failed_at {
        None => {
            doc.ok = true;
            journal_note(
                journal,
                "playbook_done",
                None,
                format!("{} done in {}", req.name, human_duration(took)),
            );
            if json {
                print(&render::json::to_string(&doc)?)?;
            } else {
                print(&format!(
                    "✓ playbook {} done: {} step(s) in {}\n",
                    req.name,
                    total + 1 - req.from_step,
                    human_duration(took)
                ))?;
            }
            Ok(())
        }
        Some((i, m)) => {
            doc.ok = false;
            let next = resume_command(req, global, i);
            doc.next = Some(next.clone());
            journal_note(journal, "playbook_stopped", Some(i), m.clone());
            let state = topology_text(global, seeds);
            if json {
                print(&render::json::to_string(&doc)?)?;
            } else {
                print(&format!("\nTopology now:\n{state}"))?;
            }
            let done = if i > req.from_step {
                format!("steps {} to {} are done", req.from_step, i - 1)
            } else {
                "no step of this run was done".to_string()
            };
            Err(anyhow::anyhow!(
                "playbook {} stopped at step {i}: {m}\n{done}; the topology above is the state now\nresume, after fixing the cause: {next}",
                req.name
            ))
        }
    }
}

/// Record a step's result in its report and the journal, and show it: its output, its
/// warnings, ✓ or ✗. The failed step's index and message, when it failed.
fn record(
    global: &GlobalArgs,
    p: &Planned,
    report: &mut StepReport,
    res: Result<StepOut, StepFail>,
    took: Duration,
    journal: &mut Journal,
    progress: &mut StepProgress,
) -> anyhow::Result<Option<(usize, String)>> {
    let i = p.index;
    let json = global.output == OutputFormat::Json;
    report.duration_ms = Some(took.as_secs_f64() * 1000.0);
    let (out, err) = match res {
        Ok(out) => (out, None),
        Err(f) => (f.output, Some(f.message)),
    };
    report.warnings = out.warnings.clone();
    report.output = out
        .json
        .clone()
        .or_else(|| (!out.text.is_empty()).then(|| serde_json::Value::String(out.text.clone())));
    if !json && !out.text.is_empty() {
        let indented: String = out.text.lines().map(|l| format!("    {l}\n")).collect();
        print(&indented)?;
    }
    for w in &out.warnings {
        eprintln!("warning: step {i}: {w}");
        journal_note(journal, "note", Some(i), format!("warning: {w}"));
    }
    match err {
        None => {
            report.status = "done";
            journal_note(journal, "step_done", Some(i), p.title.clone());
            progress.event(&Event::Done {
                index: i,
                what: p.title.clone(),
                duration: took,
                note: None,
            });
        }
        Some(m) => {
            report.status = "failed";
            report.error = Some(m.clone());
            journal_note(journal, "step_failed", Some(i), m.clone());
            progress.event(&Event::Failed {
                index: i,
                what: p.title.clone(),
                duration: took,
                error: m.clone(),
            });
            return Ok(Some((i, m)));
        }
    }
    Ok(None)
}

/// Run (or with `--dry-run` show) a resolved playbook.
pub fn run(global: &GlobalArgs, req: &RunRequest) -> anyhow::Result<()> {
    let json = global.output == OutputFormat::Json;
    let total = req.plan.len();
    if req.from_step == 0 || req.from_step > total {
        return Err(ExitError::usage(format!(
            "--from-step {}: the plan has steps 1 to {total}",
            req.from_step
        )));
    }
    // Never ask without a terminal: settle that before touching anything.
    let mut prompt = if req.dry_run {
        None
    } else {
        render::prompt::prompter(req.yes, "rkv playbook run")?
    };
    let setup = setup(global)?;
    let quiet = global.quiet;
    let say = |text: &str| -> anyhow::Result<()> {
        if json {
            if !quiet {
                eprint!("{text}");
            }
            Ok(())
        } else {
            print(text)
        }
    };

    let seeds = plan_nodes(&req.plan);
    say(&format!(
        "Topology now:\n{}\n",
        topology_text(global, seeds.clone())
    ))?;
    let plan_text = plan_text(global, req);
    say(&plan_text)?;

    let mut steps = initial_reports(req);
    let mut doc = RunDoc {
        playbook: req.name.clone(),
        file: req.label.clone(),
        vars: req.vars.iter().cloned().collect(),
        dry_run: req.dry_run,
        from_step: req.from_step,
        journal: None,
        steps: Vec::new(),
        ok: true,
        next: None,
    };
    if req.dry_run {
        doc.steps = steps;
        if json {
            print(&render::json::to_string(&doc)?)?;
        } else {
            print("dry run: nothing was changed\n")?;
        }
        return Ok(());
    }
    if let Some(p) = prompt.as_mut() {
        let n = total + 1 - req.from_step;
        if !p.confirm(&format!("Run these {n} step(s) of {}?", req.name))? {
            return Err(ExitError::aborted("stopped: nothing was changed"));
        }
    }

    let journal_path = req
        .journal
        .clone()
        .unwrap_or_else(|| journal::default_path("playbook"));
    let mut journal = Journal::open(&journal_path)?;
    if !quiet {
        eprintln!("rkv: journal: {}", journal_path.display());
    }
    doc.journal = Some(journal_path.display().to_string());
    journal_note(
        &mut journal,
        "playbook",
        None,
        format!(
            "playbook {} from {} (steps {}..{total})",
            req.name, req.label, req.from_step
        ),
    );
    let started_all = Instant::now();
    let mut steps_run = StepsRun {
        setup: &setup,
        journal: &mut journal,
        journal_path: &journal_path,
        prompt: &mut prompt,
    };
    let failed_at = steps_run.run(global, req, &mut steps)?;
    doc.steps = steps;
    let end = End {
        doc,
        failed_at,
        seeds,
        took: started_all.elapsed(),
    };
    end_run(global, req, &mut journal, end)
}

/// What running the steps needs besides the plan: how to reach nodes, the journal, the
/// prompt (for `confirm` steps).
struct StepsRun<'a> {
    setup: &'a Setup,
    journal: &'a mut Journal,
    journal_path: &'a std::path::Path,
    prompt: &'a mut Option<Terminal>,
}

impl StepsRun<'_> {
    /// Run the steps from `--from-step` in order, each shown and recorded in `steps`, up to
    /// the first that fails: its index and message.
    fn run(
        &mut self,
        global: &GlobalArgs,
        req: &RunRequest,
        steps: &mut [StepReport],
    ) -> anyhow::Result<Option<(usize, String)>> {
        let json = global.output == OutputFormat::Json;
        let quiet = global.quiet;
        let total = req.plan.len();
        let tty = std::io::stderr().is_terminal() && !quiet;
        let journal = &mut *self.journal;
        for p in req.plan.iter().filter(|p| p.index >= req.from_step) {
            let i = p.index;
            journal_note(journal, "step_started", Some(i), p.title.clone());
            let is_command = command_step(&p.action, None).is_some();
            // The failover executor's renderer: a spinner on a terminal, else plain lines; none
            // for a command step, which draws its own progress.
            let mut progress = StepProgress::new(tty && !is_command, quiet);
            progress.event(&Event::Started {
                index: i,
                total,
                what: p.title.clone(),
            });
            let t0 = Instant::now();
            let res = run_step(
                global,
                self.setup,
                &p.action,
                journal,
                self.journal_path,
                self.prompt,
                json,
            );
            let took = t0.elapsed();
            progress.clear();
            if let Some(f) = record(
                global,
                p,
                &mut steps[i - 1],
                res,
                took,
                journal,
                &mut progress,
            )? {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }
}

/// Run one step.
fn run_step(
    global: &GlobalArgs,
    setup: &Setup,
    action: &Action,
    journal: &mut Journal,
    journal_path: &std::path::Path,
    prompt: &mut Option<Terminal>,
    json: bool,
) -> Result<StepOut, StepFail> {
    if let Some(step) = command_step(action, Some(journal_path)) {
        return run_command(global, &step, json);
    }
    if let Action::Confirm { message } = action {
        return match prompt.as_mut() {
            Some(p) => {
                eprintln!("{message}");
                if p.confirm("Go on?")? {
                    Ok(StepOut::default())
                } else {
                    Err(StepFail {
                        message: "stopped by the operator".into(),
                        output: StepOut::default(),
                    })
                }
            }
            None => Ok(StepOut {
                text: format!("{message}\n(--yes: going on)"),
                ..StepOut::default()
            }),
        };
    }
    let rt = runtime()?;
    let res = rt.block_on(native(global, setup, action, journal));
    finish(rt);
    res
}

/// Run a command step with the playbook's global options (in the playbook's output format:
/// a table, or JSON documents), keeping what it writes for the step's report.
fn run_command(global: &GlobalArgs, step: &CommandStep, json: bool) -> Result<StepOut, StepFail> {
    let mut g = global.clone();
    g.output = if json {
        OutputFormat::Json
    } else {
        OutputFormat::Table
    };
    let out = Out::kept();
    let res = step.run(&g, &out);
    let kept = out.into_kept();
    let out = StepOut {
        text: kept.text,
        json: kept.doc,
        warnings: Vec::new(),
    };
    match res {
        Ok(()) => Ok(out),
        Err(e) => {
            let m = format!("{e:#}");
            Err(StepFail {
                message: if m.is_empty() {
                    format!("rkv {} failed (reasons above)", step.name())
                } else {
                    m
                },
                output: out,
            })
        }
    }
}

fn fail(message: impl Into<String>) -> StepFail {
    StepFail {
        message: message.into(),
        output: StepOut::default(),
    }
}

fn inventory_node<'a>(setup: &'a Setup, name: &str, addr: &NodeAddr) -> Option<&'a InventoryNode> {
    let inv = setup.inventory.as_ref()?;
    inv.by_name(name).or_else(|| inv.by_addr(addr))
}

/// What a native step runs with: the playbook's setup, the journaled client of the failover
/// executor, and the step's output so far (handed to the failure when it fails).
struct Native<'a, 'j> {
    setup: &'a Setup,
    opts: execute::Options,
    nodes: Nodes<'j>,
    out: StepOut,
}

impl Native<'_, '_> {
    /// A node argument as the playbook gives it (an inventory name or an address).
    fn addr(&self, s: &str) -> Result<NodeAddr, StepFail> {
        Ok(resolve_arg(s, self.setup)?.addr)
    }

    /// [`Action::Reachable`]: every node answers PING with the playbook's credentials.
    async fn reachable(&mut self, list: &[String]) -> Result<(), StepFail> {
        let mut bad = Vec::new();
        for n in list {
            let a = self.addr(n)?;
            match self.nodes.send(&a, &["PING"]).await {
                Ok(_) => self
                    .out
                    .text
                    .push_str(&format!("{n}: reachable, authenticated\n")),
                Err(e) => bad.push(format!("{n}: {e}")),
            }
        }
        if !bad.is_empty() {
            return Err(StepFail {
                message: format!("not reachable: {}", bad.join("; ")),
                output: std::mem::take(&mut self.out),
            });
        }
        Ok(())
    }

    /// [`Action::Assert`]: a node's role, its master (followed with the link up) and its lag are as
    /// the step says.
    async fn assert(
        &mut self,
        action: &Action,
        node: &str,
        role: &Option<String>,
        master: &Option<String>,
        max_lag_bytes: &Option<u64>,
    ) -> Result<(), StepFail> {
        let a = self.addr(node)?;
        let info = self
            .nodes
            .info(&a, "replication")
            .await
            .map_err(|e| fail(format!("cannot read {node}: {e}")))?;
        let mut bad = Vec::new();
        if let Some(r) = role {
            let want = if r == "master" {
                Role::Master
            } else {
                Role::Replica
            };
            if info.role != want {
                bad.push(format!("{node} is a {}, not a {r}", info.role.as_str()));
            }
        }
        if let Some(m) = master {
            let ma = self.addr(m)?;
            if !follows(&info, &ma) {
                bad.push(format!(
                    "{node} does not follow {m} with the link up (role {}, master {}:{}, link {})",
                    info.role.as_str(),
                    info.master_host.as_deref().unwrap_or("-"),
                    info.master_port.map_or("-".into(), |p| p.to_string()),
                    match info.master_link_up {
                        Some(true) => "up",
                        Some(false) => "down",
                        None => "-",
                    }
                ));
            }
        }
        if let Some(limit) = max_lag_bytes {
            let up = info
                .master_host
                .as_deref()
                .zip(info.master_port)
                .map(|(h, p)| NodeAddr::new(h, p));
            let lag = match (up, info.slave_repl_offset) {
                (Some(up), Some(o)) => self
                    .nodes
                    .info(&up, "replication")
                    .await
                    .ok()
                    .and_then(|i| i.master_repl_offset)
                    .map(|m| (m - o).max(0)),
                _ => None,
            };
            match lag {
                Some(l) if l as u64 <= *limit => {
                    self.out.text.push_str(&format!("{node} lags {l} bytes\n"));
                }
                Some(l) => bad.push(format!("{node} lags {l} bytes (limit {limit})")),
                None => bad.push(format!(
                    "{node}: lag unknown (not a replica, or its master did not answer)"
                )),
            }
        }
        if !bad.is_empty() {
            return Err(fail(bad.join("; ")));
        }
        self.out
            .text
            .push_str(&format!("✓ {}\n", action.command_line()));
        Ok(())
    }

    /// [`Action::ConfigSet`]: CONFIG SET on a node, and CONFIG REWRITE when the step persists it.
    async fn config_set(
        &mut self,
        node: &str,
        parameter: &str,
        value: &str,
        persist: &bool,
    ) -> Result<(), StepFail> {
        let a = self.addr(node)?;
        self.nodes
            .send(&a, &["CONFIG", "SET", parameter, value])
            .await
            .map_err(|e| fail(format!("CONFIG SET {parameter} on {node}: {e}")))?;
        self.out
            .text
            .push_str(&format!("{node}: {parameter} = {value}\n"));
        if *persist {
            match self.nodes.send(&a, &["CONFIG", "REWRITE"]).await {
                Ok(_) => self
                    .out
                    .text
                    .push_str(&format!("{node}: CONFIG REWRITE done\n")),
                Err(e) => self.out.warnings.push(format!(
                    "{node}: {parameter} NOT persisted, a restart undoes it (CONFIG REWRITE: {e})"
                )),
            }
        }
        Ok(())
    }

    /// [`Action::CheckPersistence`]: whether a node's data survives a restart (its `save` and
    /// `appendonly` settings); a warning when it persists nothing.
    async fn check_persistence(&mut self, node: &str) -> Result<(), StepFail> {
        let a = self.addr(node)?;
        let get = |v: redis::Value| -> String {
            match v {
                redis::Value::Array(items) => items
                    .get(1)
                    .map(execute::value_text_full)
                    .unwrap_or_default(),
                redis::Value::Map(kv) => kv
                    .first()
                    .map(|(_, v)| execute::value_text_full(v))
                    .unwrap_or_default(),
                _ => String::new(),
            }
        };
        let save = self
            .nodes
            .send(&a, &["CONFIG", "GET", "save"])
            .await
            .map(get)
            .map_err(|e| fail(format!("CONFIG GET save on {node}: {e}")))?;
        let aof = self
            .nodes
            .send(&a, &["CONFIG", "GET", "appendonly"])
            .await
            .map(get)
            .map_err(|e| fail(format!("CONFIG GET appendonly on {node}: {e}")))?;
        self.out.text.push_str(&format!(
            "{node}: save {:?}, appendonly {aof}\n",
            save.trim()
        ));
        if save.trim().is_empty() && aof.trim() != "yes" {
            self.out.warnings.push(format!(
                "{node} persists nothing (no RDB save points, no AOF): if it restarts it comes back empty and its replicas copy the empty data set; set `save` or `appendonly yes` on it"
            ));
        }
        Ok(())
    }

    /// [`Action::PersistRole`]: write a node's role to its config (CONFIG REWRITE, or the file over
    /// SSH).
    async fn persist_role(&mut self, node: &str, master: &Option<String>) -> Result<(), StepFail> {
        let a = self.addr(node)?;
        let m = master.as_deref().map(|m| self.addr(m)).transpose()?;
        let creds = self.setup.opts.creds.clone();
        let auth = m
            .as_ref()
            .and(creds.password.as_ref())
            .map(|pw| MasterAuth {
                user: creds.user.clone(),
                password: Some(pw.clone()),
            });
        let req = PersistRequest {
            node: &a,
            inventory: inventory_node(self.setup, node, &a),
            edit: RoleEdit { master: m, auth },
            creds: &creds,
        };
        let o = persist_role(
            &self.setup.opts.transport,
            &req,
            self.opts.timeout.max(Duration::from_secs(10)),
        )
        .await;
        self.out.text.push_str(&format!("{o}\n"));
        self.out.json = serde_json::to_value(&o).ok();
        if !o.persisted() {
            self.out.warnings.push(o.to_string());
        }
        Ok(())
    }

    /// [`Action::Fence`]: an old master that must not come back: refuse if it answers as a master,
    /// else print its fencing instructions.
    async fn fence(
        &mut self,
        node: &str,
        master: &Option<String>,
        seeds_from: &[String],
    ) -> Result<(), StepFail> {
        let a = self.addr(node)?;
        let new_master = match master {
            Some(m) => self.addr(m)?,
            None => {
                let (seeds, single) = crate::commands::topology::seeds(seeds_from, self.setup)?;
                let snap = crate::topology::discover(
                    seeds,
                    &self.setup.opts,
                    self.setup.inventory.as_ref(),
                    single,
                )
                .await;
                let live: Vec<NodeAddr> = snap
                    .nodes
                    .iter()
                    .filter(|n| n.role == Role::Master && n.reachable() && n.addr != a)
                    .map(|n| n.addr.clone())
                    .collect();
                match live.as_slice() {
                    [m] => m.clone(),
                    _ => {
                        return Err(fail(format!(
                            "cannot tell the new master: {} reachable master(s) besides {node}",
                            live.len()
                        )));
                    }
                }
            }
        };
        if let Ok(info) = self.nodes.info(&a, "replication").await
            && info.role == Role::Master
        {
            return Err(fail(format!(
                "{node} answers and is a MASTER: there are two masters now; make it a replica of {new_master} (rkv replicate {node} --to {new_master}) before anything else"
            )));
        }
        let lines = crate::persist_role::fencing_instructions(
            &a,
            inventory_node(self.setup, node, &a),
            &new_master,
        );
        for l in &lines {
            self.out.text.push_str(l);
            self.out.text.push('\n');
        }
        self.out.warnings.push(format!(
            "{node} must not come back as a master: follow the fencing instructions of step output"
        ));
        Ok(())
    }

    /// [`Action::Restart`]: run the inventory's `restart` command, then wait until the node answers
    /// (and follows its master).
    async fn restart(
        &mut self,
        node: &str,
        master: &Option<String>,
        timeout: &Option<Duration>,
    ) -> Result<(), StepFail> {
        let a = self
            .run_inventory_command(node, NodeCommand::Restart, "restart")
            .await?;
        let wait = timeout.unwrap_or(DEFAULT_NODE_WAIT);
        let deadline = Instant::now() + wait;
        let master_addr = master.as_deref().map(|m| self.addr(m)).transpose()?;
        let mut last: String;
        loop {
            match fresh_info(&self.opts, &a).await {
                Ok(info) => match &master_addr {
                    None => break,
                    Some(m) if follows(&info, m) && info.master_sync_in_progress != Some(true) => {
                        self.out.text.push_str(&format!(
                            "{node} answers and follows {m} with the link up\n"
                        ));
                        break;
                    }
                    Some(m) => {
                        last = format!(
                            "{node} answers but does not follow {m} with the link up yet (role {})",
                            info.role.as_str()
                        );
                    }
                },
                Err(e) => last = format!("{node}: {e}"),
            }
            if Instant::now() >= deadline {
                return Err(StepFail {
                    message: format!("after the restart, within {}: {last}", human_duration(wait)),
                    output: std::mem::take(&mut self.out),
                });
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }

    /// Run a node's inventory command (`restart` or `stop`, named `what`) on its host, its
    /// output added to the step's; a failure when it cannot run or exits non-zero. The node's
    /// address, to wait on.
    async fn run_inventory_command(
        &mut self,
        node: &str,
        which: NodeCommand,
        what: &str,
    ) -> Result<NodeAddr, StepFail> {
        let a = self.addr(node)?;
        let inv = inventory_node(self.setup, node, &a).ok_or_else(|| {
            fail(format!(
                "{node} is not in the inventory: no `{what}` command"
            ))
        })?;
        let transport = &self.setup.opts.transport;
        let ran = run_node_command(transport, &a, inv, which, NODE_COMMAND_TIMEOUT)
            .await
            .map_err(|e| fail(format!("{what} {node}: {e}")))?;
        self.out.text.push_str(&exec_text(node, what, &ran));
        if ran.status != Some(0) {
            return Err(StepFail {
                message: format!("the {what} command of {node} exited with {:?}", ran.status),
                output: std::mem::take(&mut self.out),
            });
        }
        Ok(a)
    }

    /// [`Action::Stop`]: run the inventory's `stop` command, then wait until the node no longer
    /// answers.
    async fn stop(&mut self, node: &str, timeout: &Option<Duration>) -> Result<(), StepFail> {
        let a = self
            .run_inventory_command(node, NodeCommand::Stop, "stop")
            .await?;
        let wait = timeout.unwrap_or(DEFAULT_NODE_WAIT);
        let deadline = Instant::now() + wait;
        while fresh_info(&self.opts, &a).await.is_ok() {
            if Instant::now() >= deadline {
                return Err(StepFail {
                    message: format!(
                        "{node} still answers {} after its stop command",
                        human_duration(wait)
                    ),
                    output: std::mem::take(&mut self.out),
                });
            }
            tokio::time::sleep(POLL).await;
        }
        self.out
            .text
            .push_str(&format!("{node} no longer answers\n"));
        Ok(())
    }
}

/// Run a step that is not a command of its own (reachable, assert, config_set, restart, …).
async fn native(
    global: &GlobalArgs,
    setup: &Setup,
    action: &Action,
    journal: &mut Journal,
) -> Result<StepOut, StepFail> {
    let opts = execute::Options {
        creds: setup.opts.creds.clone(),
        timeout: global.timeout,
        transport: setup.opts.transport.clone(),
        verify_timeout: Duration::from_secs(30),
        inventory: setup.inventory.clone(),
    };
    let mut n = Native {
        setup,
        nodes: Nodes::new(opts.clone(), journal),
        opts,
        out: StepOut::default(),
    };
    match action {
        Action::Reachable { nodes: list } => n.reachable(list).await?,
        Action::Assert {
            node,
            role,
            master,
            max_lag_bytes,
        } => n.assert(action, node, role, master, max_lag_bytes).await?,
        Action::ConfigSet {
            node,
            parameter,
            value,
            persist,
        } => n.config_set(node, parameter, value, persist).await?,
        Action::CheckPersistence { node } => n.check_persistence(node).await?,
        Action::PersistRole { node, master } => n.persist_role(node, master).await?,
        Action::Fence {
            node,
            master,
            nodes: seeds_from,
        } => n.fence(node, master, seeds_from).await?,
        Action::Restart {
            node,
            master,
            timeout,
        } => n.restart(node, master, timeout).await?,
        Action::Stop { node, timeout } => n.stop(node, timeout).await?,
        Action::Confirm { .. }
        | Action::Verify { .. }
        | Action::Replicate { .. }
        | Action::Promote { .. }
        | Action::Failover { .. } => {
            return Err(fail("internal: a command step reached the native runner"));
        }
    }
    Ok(n.out)
}

/// INFO replication over a new connection: a node being restarted may leave a cached
/// connection broken in ways the client does not drop (polls are not journaled).
async fn fresh_info(
    opts: &execute::Options,
    node: &NodeAddr,
) -> Result<crate::node::ReplicationInfo, crate::node::NodeError> {
    let mut quiet = Journal::disabled();
    let mut nodes = Nodes::new(opts.clone(), &mut quiet);
    nodes.info(node, "replication").await
}

fn exec_text(node: &str, what: &str, ran: &crate::transport::ExecOutput) -> String {
    let mut s = format!("{node}: `{what}` exited with {:?}\n", ran.status);
    for (name, bytes) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        let t = String::from_utf8_lossy(bytes);
        if !t.trim().is_empty() {
            s.push_str(&format!("{name}: {}\n", t.trim_end()));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `argv` words of a command line with no quoting (test node names have no spaces).
    fn parsed(line: &str) -> crate::cli::Command {
        use clap::Parser;
        crate::cli::Cli::try_parse_from(line.split_whitespace())
            .unwrap()
            .command
    }

    /// What a step runs is what the plan shows: the typed arguments equal clap's parse of
    /// `Action::command_line`, defaults included.
    #[test]
    fn command_steps_run_what_their_command_line_says() {
        let d = Duration::from_secs;
        let actions = [
            Action::Verify {
                nodes: vec!["a".into(), "h:2".into()],
                wait: Some(d(7)),
                max_lag_bytes: Some(10),
            },
            Action::Verify {
                nodes: Vec::new(),
                wait: None,
                max_lag_bytes: None,
            },
            Action::Replicate {
                replica: "r".into(),
                to: "m".into(),
                timeout: Some(d(9)),
                max_lag_bytes: Some(3),
            },
            Action::Replicate {
                replica: "r".into(),
                to: "m".into(),
                timeout: None,
                max_lag_bytes: None,
            },
            Action::Promote {
                replica: "r".into(),
                force: true,
            },
            Action::Promote {
                replica: "r".into(),
                force: false,
            },
            Action::Failover {
                nodes: vec!["h:1".into()],
                to: Some("h:2".into()),
                max_write_pause: Some(d(2)),
                timeout: Some(d(40)),
            },
            Action::Failover {
                nodes: Vec::new(),
                to: None,
                max_write_pause: None,
                timeout: None,
            },
        ];
        for a in &actions {
            let step = command_step(a, None).unwrap();
            let want = match (parsed(&a.command_line()), &step) {
                (crate::cli::Command::Verify(x), CommandStep::Verify(_)) => CommandStep::Verify(x),
                (crate::cli::Command::Replicate(x), CommandStep::Replicate(_)) => {
                    CommandStep::Replicate(x)
                }
                (crate::cli::Command::Promote(x), CommandStep::Promote(_)) => {
                    CommandStep::Promote(x)
                }
                (crate::cli::Command::Failover(x), CommandStep::Failover(_)) => {
                    CommandStep::Failover(x)
                }
                (c, _) => panic!("{a:?} shows as {c:?}"),
            };
            assert_eq!(
                format!("{step:?}"),
                format!("{want:?}"),
                "{}",
                a.command_line()
            );
        }
        // A failover step journals into the playbook's journal.
        let Some(CommandStep::Failover(f)) =
            command_step(&actions[6], Some(std::path::Path::new("/tmp/j.jsonl")))
        else {
            panic!("not a failover")
        };
        assert!(f.yes);
        assert_eq!(f.to.as_deref(), Some("h:2"));
        assert_eq!(f.max_write_pause, d(2));
        assert_eq!(f.journal, Some(PathBuf::from("/tmp/j.jsonl")));
        assert!(
            command_step(
                &Action::Confirm {
                    message: "x".into()
                },
                None
            )
            .is_none()
        );
    }

    #[test]
    fn resume_words_are_quoted_only_when_needed() {
        assert_eq!(word("m=10.0.0.1:6379,h:2"), "m=10.0.0.1:6379,h:2");
        assert_ne!(word("name=two words"), "name=two words");
        assert_ne!(word("x=$(rm)"), "x=$(rm)");
    }
}
