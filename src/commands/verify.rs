//! `rkv verify`: the same discovery and rules as `topology`, judged: exit 0 only when every
//! check passes, else 1 with the problems on stderr (and in the JSON). With `--wait` it keeps
//! checking every 500 ms until healthy or the time is up.

use super::out::Out;
use super::topology::{color, gather, gather_sentinels, setup};
use crate::cli::{GlobalArgs, OutputFormat, VerifyArgs};
use crate::render;
use crate::topology::model::SentinelJson;
use crate::topology::sentinel::{self, SentinelView};
use crate::topology::{Check, HealthOptions, NodeJson, ProblemJson, Snapshot, health};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How often `--wait` checks again.
const POLL: Duration = Duration::from_millis(500);

/// `rkv verify --output json`.
#[derive(Debug, Serialize)]
pub struct VerifyDoc {
    /// True when every check passed.
    pub healthy: bool,
    /// Every node, as in `topology`.
    pub nodes: Vec<NodeJson>,
    /// Every check with its result.
    pub checks: Vec<Check>,
    /// The failed checks.
    pub problems: Vec<ProblemJson>,
    /// The Sentinels found, as in `topology`.
    pub sentinels: Vec<SentinelJson>,
}

fn judge(snap: &Snapshot, sentinels: &[SentinelView], opts: &HealthOptions) -> VerifyDoc {
    let mut checks = health::check(snap, opts);
    checks.extend(sentinel::checks(snap, sentinels));
    let problems = health::problems(&checks);
    // A verify with nothing to check (no node answered) is not healthy.
    if snap.nodes.is_empty() {
        checks.clear();
    }
    VerifyDoc {
        healthy: problems.is_empty() && !snap.nodes.is_empty(),
        nodes: snap.nodes_json(),
        checks,
        problems,
        sentinels: sentinels.iter().map(SentinelView::json).collect(),
    }
}

/// `rkv verify [NODE…]`.
pub fn run(global: &GlobalArgs, args: &VerifyArgs) -> anyhow::Result<()> {
    run_to(global, args, &Out::stdout())
}

/// `rkv verify`, written to `out` (a playbook's `verify` step runs this).
pub(crate) fn run_to(global: &GlobalArgs, args: &VerifyArgs, out: &Out) -> anyhow::Result<()> {
    let setup = setup(global)?;
    let opts = HealthOptions {
        max_lag_bytes: args.max_lag_bytes,
        max_lag_seconds: args.max_lag_seconds,
    };
    let deadline = args.wait.map(|w| Instant::now() + w);
    let (snap, doc) = loop {
        let snap = gather(&args.nodes, &args.sentinels, &setup)?;
        let sentinels = gather_sentinels(&snap, &args.sentinels, &setup)?;
        let doc = judge(&snap, &sentinels, &opts);
        match deadline {
            Some(d) if !doc.healthy && Instant::now() + POLL < d => {
                tracing::info!(
                    problems = doc.problems.len(),
                    "not healthy yet; checking again"
                );
                std::thread::sleep(POLL);
            }
            _ => break (snap, doc),
        }
    };
    let style = render::table::Style {
        color: color(global),
        width: None,
    };
    match global.output {
        OutputFormat::Json => out.doc(&doc)?,
        OutputFormat::Tsv => {
            let rows: Vec<Vec<String>> = doc
                .checks
                .iter()
                .map(|c| {
                    vec![
                        render::tsv::field(Some(c.name)),
                        render::tsv::field(Some(&c.node)),
                        render::tsv::field(Some(if c.ok { "ok" } else { "fail" })),
                        render::tsv::field(Some(&c.detail)),
                    ]
                })
                .collect();
            out.text(&render::tsv::rows(
                &["check", "node", "result", "detail"],
                &rows,
            ))?;
        }
        OutputFormat::Table => {
            let mut s = render::table::checks(&doc.checks, style);
            s.push_str(&format!(
                "\n{} nodes, {} checks, {} failed: {}\n",
                snap.nodes.len(),
                doc.checks.len(),
                doc.problems.len(),
                if doc.healthy {
                    "healthy"
                } else {
                    "NOT healthy"
                }
            ));
            out.text(&s)?;
        }
    }
    if doc.healthy {
        return Ok(());
    }
    if !global.quiet {
        let plain = render::table::Style {
            color: false,
            width: None,
        };
        eprint!("{}", render::table::problem_lines(&doc.problems, plain));
    }
    let n = doc.problems.len();
    if let Some(p) = doc
        .problems
        .iter()
        .find(|p| p.kind == crate::topology::model::ProblemKind::AuthFailed)
    {
        return Err(crate::ExitError::auth(format!(
            "not healthy: {n} problem{} found; {}",
            if n == 1 { "" } else { "s" },
            p.message
        )));
    }
    Err(anyhow::anyhow!(
        "not healthy: {n} problem{} found",
        if n == 1 { "" } else { "s" }
    ))
}
