//! `rkv playbook check|run|list|show`: load a playbook (a file, or a shipped one by name),
//! check it with positions, resolve `--var`s and hand the plan to the runner.

pub mod run;

use super::out::print;
use crate::ExitError;
use crate::cli::{GlobalArgs, OutputFormat, PlaybookArgs, PlaybookCommand, PlaybookRunArgs};
use crate::inventory::Inventory;
use crate::playbook::check::{self, Names};
use crate::playbook::model::{self, MAX_PLAYBOOK_BYTES, Playbook};
use crate::playbook::{SHIPPED, shipped};
use crate::render;
use run::{RunRequest, run as run_plan};
use serde::Serialize;
use std::path::Path;

/// A playbook's text and how errors name it.
struct Source {
    label: String,
    shown: String,
    text: String,
}

/// Read FILE, else the shipped playbook NAME.
fn load(arg: &str) -> anyhow::Result<Source> {
    let path = Path::new(arg);
    if path.is_file() {
        let len = std::fs::metadata(path)?.len();
        if len > MAX_PLAYBOOK_BYTES {
            return Err(ExitError::usage(format!("{arg}: larger than 1 MiB")));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| ExitError::usage(format!("cannot read {arg}: {e}")))?;
        return Ok(Source {
            label: arg.to_string(),
            shown: arg.to_string(),
            text,
        });
    }
    match shipped(arg) {
        Some(text) => Ok(Source {
            label: arg.to_string(),
            shown: format!("playbooks/{arg}.toml"),
            text: text.to_string(),
        }),
        None => {
            let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
            Err(ExitError::usage(format!(
                "{arg}: no such file, and no shipped playbook of that name (shipped: {})",
                names.join(", ")
            )))
        }
    }
}

/// The inventory's node names, when `--inventory` is given.
fn names(global: &GlobalArgs) -> anyhow::Result<Names> {
    let names = match &global.inventory {
        Some(p) => {
            let inv = Inventory::load(p).map_err(|e| ExitError::usage(e.to_string()))?;
            Some(inv.nodes.iter().filter_map(|n| n.name.clone()).collect())
        }
        None => None,
    };
    Ok(Names { names })
}

/// Parse and check; every problem on stderr as `FILE:LINE:COL: message`, then exit 2.
fn checked(src: &Source, names: &Names) -> anyhow::Result<Playbook> {
    let problems = match model::parse(&src.text) {
        Err(d) => vec![d],
        Ok(pb) => {
            let ds = check::check(&pb, names);
            if ds.is_empty() {
                return Ok(pb);
            }
            ds
        }
    };
    for d in &problems {
        eprintln!("{}", model::locate(&src.shown, &src.text, d));
    }
    Err(anyhow::Error::new(ExitError {
        code: 2,
        message: format!(
            "{}: {} problem{}",
            src.shown,
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ),
    }))
}

/// One line of `rkv playbook list`.
#[derive(Debug, Serialize)]
struct Listed {
    name: String,
    description: String,
    vars: Vec<String>,
}

/// `rkv playbook …`.
pub fn run(global: &GlobalArgs, args: &PlaybookArgs) -> anyhow::Result<()> {
    match &args.command {
        PlaybookCommand::Check { playbook } => {
            let src = load(playbook)?;
            let pb = checked(&src, &names(global)?)?;
            if !global.quiet {
                eprintln!(
                    "{}: ok ({} steps, {} variables)",
                    src.shown,
                    pb.steps.len(),
                    pb.vars.len()
                );
            }
            Ok(())
        }
        PlaybookCommand::List => {
            let mut rows = Vec::new();
            for (name, text) in SHIPPED {
                let pb = model::parse(text).map_err(|d| {
                    anyhow::anyhow!(
                        "{}",
                        model::locate(&format!("playbooks/{name}.toml"), text, &d)
                    )
                })?;
                rows.push(Listed {
                    name: (*name).to_string(),
                    description: pb.description.get_ref().clone(),
                    vars: pb
                        .vars
                        .iter()
                        .map(|v| {
                            let v = v.get_ref();
                            format!("{}:{}", v.name.get_ref(), v.ty.get_ref())
                        })
                        .collect(),
                });
            }
            let text = match global.output {
                OutputFormat::Json => render::json::to_string(&rows)?,
                OutputFormat::Tsv => rows
                    .iter()
                    .map(|r| format!("{}\t{}\t{}\n", r.name, r.vars.join(","), r.description))
                    .collect(),
                OutputFormat::Table => rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{:<22} {}\n{:<22} vars: {}\n",
                            r.name,
                            r.description,
                            "",
                            r.vars.join(", ")
                        )
                    })
                    .collect(),
            };
            print(&text)
        }
        PlaybookCommand::Show { name } => match shipped(name) {
            Some(text) => print(text),
            None => Err(ExitError::usage(format!(
                "no shipped playbook named {name} (see `rkv playbook list`)"
            ))),
        },
        PlaybookCommand::Run(a) => run_one(global, a),
    }
}

fn run_one(global: &GlobalArgs, a: &PlaybookRunArgs) -> anyhow::Result<()> {
    let src = load(&a.playbook)?;
    let names = names(global)?;
    let pb = checked(&src, &names)?;
    let plan = check::resolve(&pb, &a.vars, &names).map_err(|e| ExitError::usage(e.0))?;
    let req = RunRequest {
        label: src.label,
        name: pb.name.get_ref().clone(),
        plan,
        vars: a.vars.clone(),
        yes: a.yes,
        dry_run: a.dry_run,
        from_step: a.from_step,
        journal: a.journal.clone(),
    };
    run_plan(global, &req)
}
