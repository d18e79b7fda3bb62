//! `rkv info NODE`: one node's replication state, parsed (table, JSON or TSV), or with `--raw`
//! INFO replication exactly as the node sent it. A replica's master is read too, so the lag
//! in bytes can be shown; the master is not otherwise reported.

use super::out::print;
use super::topology::{color, finish, resolve_arg, runtime, setup};
use crate::cli::{GlobalArgs, InfoArgs, OutputFormat};
use crate::node::{ReplicationInfo, Role};
use crate::render;
use crate::topology::discover::read_one;
use crate::topology::{HealthOptions, NodeJson, ProblemJson, Snapshot, health};
use serde::Serialize;

/// `rkv info --output json`.
#[derive(Debug, Serialize)]
pub struct InfoDoc {
    /// The node (one element).
    pub nodes: Vec<NodeJson>,
    /// Problems about this node.
    pub problems: Vec<ProblemJson>,
}

fn extras(info: &ReplicationInfo) -> Vec<(&'static str, String)> {
    let ReplicationInfo {
        role,
        connected_slaves,
        replicas,
        master_last_io_seconds_ago,
        master_sync_in_progress,
        master_sync_total_bytes,
        master_sync_read_bytes,
        master_sync_left_bytes,
        master_sync_perc,
        master_link_down_since_seconds,
        master_link_never_up,
        slave_read_repl_offset,
        replica_announced,
        master_failover_state,
        second_repl_offset,
        repl_backlog_active,
        repl_backlog_size,
        repl_backlog_first_byte_offset,
        repl_backlog_histlen,
        run_id,
        ..
    } = info;
    let mut v: Vec<(&'static str, Option<String>)> = vec![
        (
            "connected_replicas",
            connected_slaves.map(|n| n.to_string()),
        ),
        ("run_id", run_id.clone()),
        (
            "second_repl_offset",
            second_repl_offset.map(|n| n.to_string()),
        ),
        ("failover_state", master_failover_state.clone()),
        ("backlog_active", repl_backlog_active.map(|b| b.to_string())),
        ("backlog_size", repl_backlog_size.map(|n| n.to_string())),
        (
            "backlog_first_byte",
            repl_backlog_first_byte_offset.map(|n| n.to_string()),
        ),
        (
            "backlog_histlen",
            repl_backlog_histlen.map(|n| n.to_string()),
        ),
    ];
    if *role == Role::Replica {
        v.extend([
            (
                "last_io_seconds_ago",
                master_last_io_seconds_ago.map(|n| n.to_string()),
            ),
            (
                "link_down_since_seconds",
                if *master_link_never_up {
                    Some("never up".to_string())
                } else {
                    master_link_down_since_seconds.map(|n| n.to_string())
                },
            ),
            (
                "read_repl_offset",
                slave_read_repl_offset.map(|n| n.to_string()),
            ),
            (
                "sync_in_progress",
                master_sync_in_progress.map(|b| b.to_string()),
            ),
            (
                "replica_announced",
                replica_announced.map(|b| b.to_string()),
            ),
        ]);
        if *master_sync_in_progress == Some(true) {
            v.extend([
                (
                    "sync_total_bytes",
                    master_sync_total_bytes.map(|n| n.to_string()),
                ),
                (
                    "sync_read_bytes",
                    master_sync_read_bytes.map(|n| n.to_string()),
                ),
                (
                    "sync_left_bytes",
                    master_sync_left_bytes.map(|n| n.to_string()),
                ),
                ("sync_perc", master_sync_perc.clone()),
            ]);
        }
    }
    let mut out: Vec<(&'static str, String)> =
        v.into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
    for r in replicas {
        let port = r.port.map_or_else(|| "?".to_string(), |p| p.to_string());
        let mut s = if r.ip.contains(':') {
            format!("[{}]:{port}", r.ip)
        } else {
            format!("{}:{port}", r.ip)
        };
        for (k, val) in [
            ("state", r.state.clone()),
            ("offset", r.offset.map(|n| n.to_string())),
            ("lag", r.lag.map(|n| n.to_string())),
            ("type", r.kind.clone()),
        ] {
            if let Some(val) = val {
                s.push_str(&format!(" {k}={val}"));
            }
        }
        out.push(("listed_replica", s));
    }
    out
}

/// `rkv info NODE [--raw]`.
pub fn run(global: &GlobalArgs, args: &InfoArgs) -> anyhow::Result<()> {
    let setup = setup(global)?;
    let seed = resolve_arg(&args.node, &setup)?;
    let creds = seed
        .creds
        .clone()
        .unwrap_or_else(|| setup.opts.creds.clone());
    let rt = runtime()?;
    let (mut state, read) = rt.block_on(read_one(&seed.addr, &creds, &setup.opts));
    if let Some(inv) = &setup.inventory
        && let Some(n) = inv.by_addr(&seed.addr)
    {
        state.name = n.name.clone();
        state.expect_replicas = n.expect_replicas;
    }
    if args.raw {
        finish(rt);
        return match (&read, &state.error) {
            (Some((_, raw)), _) => {
                let mut raw = raw.clone();
                if !raw.ends_with('\n') {
                    raw.push('\n');
                }
                print(&raw)
            }
            (None, err) => Err(read_error(&seed.addr, err.as_deref())),
        };
    }
    // Read the master too (with the same credentials: one replication set usually shares
    // them), so lag in bytes and the replication ID check have both sides.
    let mut nodes = vec![state.clone()];
    if let Some(m) = &state.master {
        let (mstate, _) = rt.block_on(read_one(m, &creds, &setup.opts));
        nodes.push(mstate);
    }
    finish(rt);
    let snap = Snapshot {
        nodes,
        single_group_expected: false,
    };
    let me = state.addr.to_string();
    let checks = health::check(&snap, &HealthOptions::default());
    let problems: Vec<ProblemJson> = health::problems(&checks)
        .into_iter()
        .filter(|p| p.node == me)
        .collect();
    let node = snap.node_json(0);
    let style = render::table::Style {
        color: color(global),
        width: None,
    };
    let text = match global.output {
        OutputFormat::Json => render::json::to_string(&InfoDoc {
            nodes: vec![node],
            problems: problems.clone(),
        })?,
        OutputFormat::Tsv => {
            render::tsv::rows(render::tsv::NODE_HEADER, &[render::tsv::node_row(&node)])
        }
        OutputFormat::Table => {
            let extra = read.as_ref().map(|(i, _)| extras(i)).unwrap_or_default();
            let mut s = render::table::node_details(&node, &extra, style);
            if !problems.is_empty() {
                s.push('\n');
                s.push_str(&render::table::problem_lines(&problems, style));
            }
            s
        }
    };
    print(&text)?;
    match &state.error {
        Some(e) => Err(read_error(&seed.addr, Some(e))),
        None => Ok(()),
    }
}

/// A node that could not be read: exit 4 when it refused our credentials, else 1.
fn read_error(addr: &crate::node::NodeAddr, err: Option<&str>) -> anyhow::Error {
    let text = format!(
        "failed to read INFO from {addr}: {}",
        err.unwrap_or("no reply")
    );
    match err {
        Some(e) if crate::topology::health::is_auth_failure(e) => crate::ExitError::auth(text),
        _ => anyhow::anyhow!(text),
    }
}
