//! `rkv failover` when Sentinels watch the master: the plan is Sentinel's (SENTINEL FAILOVER
//! with the other replicas made ineligible for the moment), rkv coordinates it and reports.
//! The coordination itself is [`crate::failover::sentinel`]; this edge gathers, confirms and
//! renders.

use super::topology::{Setup, sentinel_seeds};
use crate::cli::{FailoverArgs, GlobalArgs, OutputFormat};
use crate::failover::sentinel;
use crate::node::NodeAddr;
use crate::render::prompt::Prompter;
use crate::topology::Snapshot;
use serde::Serialize;

/// What `rkv failover` prints for a Sentinel-coordinated run.
#[derive(Debug, Serialize)]
pub struct CoordinatedDoc {
    /// `sentinel_switchover` or `sentinel_failover`.
    pub kind: &'static str,
    /// True when nothing was run.
    pub dry_run: bool,
    /// The replica promoted.
    pub candidate: String,
    /// Replicas made ineligible for the moment.
    pub siblings: Vec<String>,
    /// The Sentinels coordinated with.
    pub sentinels: Vec<String>,
    /// The run (null on a dry run).
    pub outcome: Option<sentinel::CoordinatedRun>,
    /// The run's journal (null on a dry run).
    pub journal: Option<String>,
}

/// The hook `rkv failover` calls when Sentinels watch the master and `--ignore-sentinel` was
/// not given. `Ok(None)`: no Sentinel watches this master after all; the caller goes on.
pub(crate) async fn run(
    cx: super::failover::Ctx<'_>,
    snap: &Snapshot,
    to: Option<NodeAddr>,
    prompt: Option<&mut dyn Prompter>,
    journal_path: Option<&std::path::Path>,
) -> anyhow::Result<Option<()>> {
    let super::failover::Ctx {
        global,
        args,
        setup,
        out,
    } = cx;
    let seeds = sentinel_seeds(&args.sentinels, setup)?;
    let views = crate::topology::sentinel::discover_sentinels(snap, &seeds, &setup.opts).await;
    let preq = crate::failover::plan::Request {
        to,
        sentinel_watching: false,
        ignore_sentinel: true,
        max_write_pause: args.max_write_pause,
        diverge: crate::failover::plan::DivergeChoice::default(),
    };
    let plan = match crate::failover::plan::plan(snap, &preq) {
        Ok(p) => p,
        // A diverged old master is a resume's question: the plain path reads its backlog
        // and applies the operator's choice. Nothing to do for Sentinel may still be a fence
        // an earlier, stopped run left (Sentinel finished the failover without rkv): the plain
        // path finds it, lifts it, and calls a re-run with nothing left a success.
        Err(
            crate::failover::plan::Refusal::Diverged { .. }
            | crate::failover::plan::Refusal::CannotCarryOver { .. }
            | crate::failover::plan::Refusal::NothingToDo(_),
        ) => return Ok(None),
        Err(r) => {
            return Err(super::failover::refused(
                global,
                out,
                snap,
                preq.to.as_ref(),
                args.dry_run,
                &r,
                None,
            ));
        }
    };
    // An interrupted earlier run is resumed by the plain path, which knows its journal.
    if plan.kind == crate::failover::plan::Kind::Resume {
        return Ok(None);
    }
    let Some((name, sentinels)) = sentinel::watchers(&views, &plan.old_master) else {
        return Ok(None);
    };
    let planned = plan.kind == crate::failover::plan::Kind::Switchover;
    // Before 6.2 the old master is fenced and made a replica of the candidate before Sentinel
    // is asked to promote it (no write pause to hold writes meanwhile).
    let demote_first = planned
        && plan
            .steps
            .iter()
            .any(|s| matches!(s, crate::failover::plan::Step::Demote { .. }));
    let req = request(
        global,
        args,
        setup,
        snap,
        &plan,
        (name, sentinels),
        demote_first,
    );
    let kind = if planned {
        "sentinel_switchover"
    } else {
        "sentinel_failover"
    };
    let human = global.output == OutputFormat::Table;
    let summary = summary(&plan, &req, kind, demote_first);
    if human {
        out.text(&summary)?;
    } else if !global.quiet {
        eprint!("{summary}");
    }
    let doc = CoordinatedDoc {
        kind,
        dry_run: args.dry_run,
        candidate: plan.candidate.to_string(),
        siblings: req.siblings.iter().map(ToString::to_string).collect(),
        sentinels: req.sentinels.iter().map(ToString::to_string).collect(),
        outcome: None,
        journal: None,
    };
    if args.dry_run {
        if human {
            out.text("dry run: nothing was changed\n")?;
        } else {
            out.doc(&doc)?;
        }
        return Ok(Some(()));
    }
    if let Some(p) = prompt
        && !p.confirm("Run this plan with the Sentinels?")?
    {
        return Err(crate::ExitError::aborted("stopped: nothing was changed"));
    }
    execute(cx, &req, doc, journal_path, planned)
        .await
        .map(Some)
}

/// Run the confirmed plan with the Sentinels (journaled), show its steps and its document,
/// and fail when it failed.
async fn execute(
    cx: super::failover::Ctx<'_>,
    req: &sentinel::Request,
    mut doc: CoordinatedDoc,
    journal_path: Option<&std::path::Path>,
    planned: bool,
) -> anyhow::Result<()> {
    let super::failover::Ctx {
        global, args, out, ..
    } = cx;
    let human = global.output == OutputFormat::Table;
    // The journal the command opened (and named) already, appended to: a re-run finds there
    // the priorities and the fence's originals a killed run leaves.
    let path = journal_path
        .map(std::path::Path::to_path_buf)
        .or_else(|| args.journal.clone())
        .unwrap_or_else(|| crate::failover::journal::default_path("failover"));
    let mut journal = crate::failover::journal::Journal::open(&path)?;
    if journal_path.is_none() && !global.quiet {
        eprintln!("rkv: journal: {}", path.display());
    }
    doc.journal = Some(path.display().to_string());
    let outcome = sentinel::run(req, &mut journal).await;
    let ok = outcome.ok;
    let error = outcome.error.clone();
    if human {
        out.text(&steps_text(&outcome))?;
    }
    doc.outcome = Some(outcome);
    if !human {
        out.doc(&doc)?;
    }
    if ok {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "the Sentinel-coordinated {}: {}",
            if planned {
                "switchover failed"
            } else {
                "failover failed"
            },
            error.unwrap_or_default()
        ))
    }
}

/// The plan of a Sentinel-coordinated run, in words for the operator (pure): what is set on
/// which node, what Sentinel is asked, what rkv waits for.
fn summary(
    plan: &crate::failover::plan::Plan,
    req: &sentinel::Request,
    kind: &str,
    demote_first: bool,
) -> String {
    let planned = plan.kind == crate::failover::plan::Kind::Switchover;
    let name = &req.name;
    let sentinels = &req.sentinels;
    format!(
        "Sentinels watch {} as '{name}' ({}).\nPlan ({kind}): replica-priority 0 on {} until every Sentinel sees it; {}SENTINEL FAILOVER {name}; {}wait until every Sentinel names {}; priorities restored whatever happens.\n",
        plan.old_master,
        sentinels
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        if req.siblings.is_empty() {
            "no other replica".to_string()
        } else {
            req.siblings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        },
        if demote_first {
            format!(
                "fence {m} (no CLIENT PAUSE WRITE before 6.2: its writes are refused, not held, until {c} is promoted), wait for {c} to reach its offset, make {m} a replica of {c} (its clients disconnected) and check {c} has every byte it wrote; ",
                m = plan.old_master,
                c = plan.candidate
            )
        } else if planned {
            format!(
                "CLIENT PAUSE {}ms WRITE on {}, wait for {} to reach its offset; ",
                req.max_write_pause.as_millis(),
                plan.old_master,
                plan.candidate
            )
        } else {
            String::new()
        },
        if demote_first {
            "then re-point the others; ".to_string()
        } else if planned {
            format!(
                "the moment {} is master: REPLICAOF on {} and UNPAUSE, re-point the others; ",
                plan.candidate, plan.old_master
            )
        } else {
            String::new()
        },
        plan.candidate
    )
}

/// The coordinated run's steps with their times, and the write pause, for a terminal.
fn steps_text(outcome: &sentinel::CoordinatedRun) -> String {
    let mut s = String::new();
    for d in &outcome.steps {
        s.push_str(&format!(
            "{:>6} ms  {}  {}: {}\n",
            d.at_ms,
            if d.ok { "ok  " } else { "FAIL" },
            d.step,
            d.detail
        ));
    }
    if let Some(p) = outcome.write_pause_ms {
        s.push_str(&format!("writes paused on the old master for {p} ms\n"));
    }
    s
}

/// What the coordination needs: the master's name at the Sentinels and which Sentinels, the
/// nodes, the budget, how to reach them, and the command a re-run is.
fn request(
    global: &GlobalArgs,
    args: &FailoverArgs,
    setup: &Setup,
    snap: &Snapshot,
    plan: &crate::failover::plan::Plan,
    (name, sentinels): (String, Vec<NodeAddr>),
    demote_first: bool,
) -> sentinel::Request {
    let planned = plan.kind == crate::failover::plan::Kind::Switchover;
    sentinel::Request {
        name,
        old_master: planned.then(|| plan.old_master.clone()),
        candidate: plan.candidate.clone(),
        siblings: sentinel::siblings(snap, &plan.old_master, &plan.candidate),
        sentinels,
        max_write_pause: args.max_write_pause,
        creds: setup.opts.creds.clone(),
        sentinel_creds: setup.opts.sentinel_creds.clone(),
        timeout: global.timeout,
        transport: setup.opts.transport.clone(),
        demote_first,
        rerun: format!(
            "rkv failover {} --to {} --yes{}{}",
            plan.old_master,
            plan.candidate,
            super::failover::rerun_options(global, args),
            if setup.opts.creds.password.is_some() {
                " (with the same credentials)"
            } else {
                ""
            }
        ),
    }
}
