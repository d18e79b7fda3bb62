//! `rkv promote REPLICA`: the low-level REPLICAOF NO ONE, with checks: it refuses while the
//! replica's master is alive and reachable (that is a job for `rkv failover`, which keeps
//! writes safe) unless `--force`, and reports the offset it was promoted at and the new
//! replication IDs.

use super::out::Out;
use super::topology::{finish, resolve_arg, runtime, setup};
use crate::ExitError;
use crate::cli::{GlobalArgs, OutputFormat, PromoteArgs};
use crate::failover::execute::{self, Nodes};
use crate::node::{NodeAddr, Role};
use crate::persist_role::PersistOutcome;
use crate::render;
use crate::render::prompt::Prompter;
use serde::Serialize;
use std::time::Duration;

/// `rkv promote --output json`.
#[derive(Debug, Serialize)]
pub struct PromoteDoc {
    /// The node promoted.
    pub node: NodeAddr,
    /// The master it followed.
    pub old_master: Option<NodeAddr>,
    /// Whether that master answered.
    pub old_master_reachable: bool,
    /// Its processed offset when promoted.
    pub promoted_at: Option<i64>,
    /// Its replid after promotion.
    pub replid: Option<String>,
    /// Its replid2 after promotion (the old history).
    pub replid2: Option<String>,
    /// `second_repl_offset` after promotion.
    pub second_repl_offset: Option<i64>,
    /// What was done.
    pub steps: Vec<String>,
    /// How the new role was made to survive a restart (method, path, backup).
    pub persisted: Option<PersistOutcome>,
    /// Where the journal is.
    pub journal: Option<String>,
    /// Problems.
    pub problems: Vec<String>,
}

/// `rkv promote REPLICA`.
pub fn run(global: &GlobalArgs, args: &PromoteArgs) -> anyhow::Result<()> {
    run_to(global, args, &Out::stdout())
}

/// `rkv promote`, written to `out` (a playbook's `promote` step runs this).
pub(crate) fn run_to(global: &GlobalArgs, args: &PromoteArgs, out: &Out) -> anyhow::Result<()> {
    let setup = setup(global)?;
    let node = resolve_arg(&args.replica, &setup)?.addr;
    let mut prompt = render::prompt::prompter(args.yes, "rkv promote")?;
    let rt = runtime()?;
    let res = rt.block_on(async {
        let mut journal = super::open_journal(global, args.journal.as_deref(), "promote")?;
        let journal_path = journal.path().display().to_string();
        let mut nodes = Nodes::new(
            execute::Options {
                creds: setup.opts.creds.clone(),
                timeout: global.timeout,
                transport: setup.opts.transport,
                verify_timeout: Duration::from_secs(10),
                inventory: setup.inventory.clone(),
            },
            &mut journal,
        );
        nodes.note("note", format!("rkv promote {node}"));
        let info = nodes
            .info(&node, "replication")
            .await
            .map_err(|e| anyhow::anyhow!("cannot read {node}: {e}"))?;
        if info.role != Role::Replica {
            return Err(anyhow::anyhow!(
                "{node} is not a replica (role {}): nothing to promote",
                info.role.as_str()
            ));
        }
        let old_master = info
            .master_host
            .as_deref()
            .zip(info.master_port)
            .map(|(h, p)| NodeAddr::new(h, p));
        let reachable = match &old_master {
            Some(m) => nodes.send(m, &["PING"]).await.is_ok(),
            None => false,
        };
        if let Some(m) = old_master.as_ref().filter(|_| reachable) {
            if !args.force {
                return Err(anyhow::anyhow!(
                    "refused: {node}'s master {m} is alive and reachable; promoting now would make two masters and lose writes. Use `rkv failover --to {node}` for a safe switchover, or --force"
                ));
            }
            eprintln!("warning: {m} is alive; after this there are two masters (--force)");
        }
        if let Some(p) = prompt.as_mut()
            && !p.confirm(&format!("Promote {node} to master (REPLICAOF NO ONE)?"))?
        {
            return Err(ExitError::aborted("stopped: nothing was changed"));
        }
        let at = nodes.info(&node, "replication").await?.slave_repl_offset;
        nodes.replicaof(&node, "NO", "ONE").await?;
        let now = nodes.info(&node, "replication").await?;
        if now.role != Role::Master {
            return Err(anyhow::anyhow!("{node} still reports role {}", now.role.as_str()));
        }
        let persisted = nodes.persist(&node, None).await;
        let mut problems = Vec::new();
        if !persisted.persisted() {
            problems.push(persisted.to_string());
        }
        Ok(PromoteDoc {
            node: node.clone(),
            old_master,
            old_master_reachable: reachable,
            promoted_at: at,
            replid: now.master_replid.clone(),
            replid2: now.master_replid2.clone(),
            second_repl_offset: now.second_repl_offset,
            steps: vec![
                format!("REPLICAOF NO ONE on {node}"),
                format!("persist the role of {node}"),
            ],
            persisted: Some(persisted),
            journal: Some(journal_path),
            problems,
        })
    });
    finish(rt);
    let doc = res?;
    match global.output {
        OutputFormat::Json => out.doc(&doc),
        _ => {
            let mut s = format!(
                "✓ {} is a master, promoted at offset {} (replid {}, replid2 {}, continues the old history from offset {})\n",
                doc.node,
                doc.promoted_at.map_or("?".into(), |o| o.to_string()),
                doc.replid.as_deref().unwrap_or("-"),
                doc.replid2.as_deref().unwrap_or("-"),
                doc.second_repl_offset.map_or("?".into(), |o| o.to_string()),
            );
            if let Some(p) = &doc.persisted {
                let mark = if p.persisted() { "✓" } else { "!" };
                s.push_str(&format!("{mark} persist {p}\n"));
            }
            out.text(&s)
        }
    }
}
