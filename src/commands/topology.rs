//! `rkv topology`: discover the graph from seeds (arguments or the inventory), run the health
//! rules, and show it as trees, JSON or TSV. Problems are shown, not judged: the exit code is 0
//! unless no seed answered at all. Also holds the gathering shared with `verify` and `info`.

use super::out::Out;
use crate::ExitError;
use crate::cli::{GlobalArgs, OutputFormat, TopologyArgs};
use crate::inventory::Inventory;
use crate::node::{Credentials, NodeAddr, Secret, Transport, parse_node};
use crate::render;
use crate::topology::sentinel::{self, SentinelView};
use crate::topology::{
    DiscoverOptions, HealthOptions, Seed, Snapshot, TopologyDoc, discover, health,
};
use anyhow::Context;
use std::io::IsTerminal;

/// What every operator command needs: the inventory (if any) and how to reach nodes.
pub(crate) struct Setup {
    pub inventory: Option<Inventory>,
    pub opts: DiscoverOptions,
}

/// Load the inventory and work out credentials: flags and environment win over the
/// inventory's defaults.
pub(crate) fn setup(global: &GlobalArgs) -> anyhow::Result<Setup> {
    let inventory = match &global.inventory {
        Some(path) => Some(Inventory::load(path).map_err(|e| ExitError::usage(e.to_string()))?),
        None => None,
    };
    let password = global
        .effective_password()
        .map(Secret::new)
        .or_else(|| inventory.as_ref().and_then(Inventory::password));
    let user = global
        .user
        .clone()
        .or_else(|| inventory.as_ref().and_then(|i| i.defaults.user.clone()));
    if global.password_on_command_line() && !global.quiet {
        // As redis-cli: the password is visible to every user of the host in `ps`.
        eprintln!(
            "Warning: Using a password with '-a' or '--password' option on the command line interface may not be safe. Set RKV_PASSWORD in the environment, or password_env in the inventory, instead."
        );
    }
    // Flags and environment win over the inventory's [defaults].
    let tls = global
        .tls()
        .or_else(|| inventory.as_ref().and_then(|i| i.defaults.tls()));
    let sentinel_password = global
        .sentinel_password
        .clone()
        .map(Secret::new)
        .or_else(|| {
            inventory
                .as_ref()
                .and_then(|i| i.defaults.sentinel_password())
        });
    let sentinel_user = global.sentinel_user.clone().or_else(|| {
        inventory
            .as_ref()
            .and_then(|i| i.defaults.sentinel_user.clone())
    });
    // Nodes with an SSH route (inventory `ssh`, `ssh://` addresses) go through tunnels; no
    // session starts unless one is contacted.
    let ssh = crate::inventory::from_inventory_with(
        inventory.as_ref(),
        global.timeout,
        global.accept_new_host_key,
        crate::render::prompt::ssh_passphrase(),
    )
    .map_err(|e| ExitError::usage(e.to_string()))?;
    Ok(Setup {
        inventory,
        opts: DiscoverOptions {
            timeout: global.timeout,
            transport: Transport::Ssh(ssh),
            creds: Credentials {
                user,
                password,
                tls: tls.clone(),
            },
            sentinel_creds: Credentials {
                user: sentinel_user,
                password: sentinel_password,
                tls,
            },
        },
    })
}

/// One NODE argument: an inventory name, else an address or URL (URL credentials win).
pub(crate) fn resolve_arg(arg: &str, setup: &Setup) -> anyhow::Result<Seed> {
    if let Some(n) = setup.inventory.as_ref().and_then(|i| i.by_name(arg)) {
        return inventory_seed(n, setup);
    }
    let spec = parse_node(arg).map_err(|e| ExitError::usage(e.to_string()))?;
    if let (Some(hop), Transport::Ssh(ssh)) = (&spec.via, &setup.opts.transport) {
        ssh.add_route(spec.addr.clone(), hop);
    }
    let creds = (spec.user.is_some() || spec.password.is_some() || spec.tls).then(|| Credentials {
        user: spec.user.clone().or_else(|| setup.opts.creds.user.clone()),
        password: spec
            .password
            .clone()
            .or_else(|| setup.opts.creds.password.clone()),
        // rediss:// turns TLS on with the flags' files (or none: the system's CA store).
        tls: match (&setup.opts.creds.tls, spec.tls) {
            (Some(t), _) => Some(t.clone()),
            (None, true) => Some(crate::transport::tls::TlsSettings::default()),
            (None, false) => None,
        },
    });
    Ok(Seed {
        addr: spec.addr,
        creds,
    })
}

/// An inventory node as a seed: its own TLS keys (over the defaults and flags) when it has
/// any, else the defaults.
fn inventory_seed(n: &crate::inventory::InventoryNode, setup: &Setup) -> anyhow::Result<Seed> {
    let spec = parse_node(&n.addr).map_err(|e| ExitError::usage(e.to_string()))?;
    let own_tls = n.tls(setup.opts.creds.tls.as_ref());
    let creds = match (own_tls, spec.tls) {
        (Some(tls), _) => Some(Credentials {
            tls,
            ..setup.opts.creds.clone()
        }),
        (None, true) if setup.opts.creds.tls.is_none() => Some(Credentials {
            tls: Some(crate::transport::tls::TlsSettings::default()),
            ..setup.opts.creds.clone()
        }),
        (None, _) => None,
    };
    Ok(Seed {
        addr: spec.addr,
        creds,
    })
}

/// Seeds from the arguments, else every inventory node; and whether they are meant to form one
/// group (true for the inventory). Neither → exit 2.
pub(crate) fn seeds(args: &[String], setup: &Setup) -> anyhow::Result<(Vec<Seed>, bool)> {
    if !args.is_empty() {
        let seeds = args
            .iter()
            .map(|a| resolve_arg(a, setup))
            .collect::<anyhow::Result<Vec<_>>>()?;
        return Ok((seeds, false));
    }
    match &setup.inventory {
        Some(inv) if !inv.nodes.is_empty() => {
            let seeds = inv
                .nodes
                .iter()
                .map(|n| inventory_seed(n, setup))
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok((seeds, true))
        }
        Some(_) => Err(ExitError::usage("the inventory lists no nodes")),
        None => Err(ExitError::usage(
            "no nodes given: name one or more seed nodes, or an inventory with --inventory",
        )),
    }
}

/// A small runtime for one command's network work.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

/// Stop the runtime without waiting on a name lookup that outlived its timeout (lookups run
/// on blocking threads that cannot be cancelled).
pub(crate) fn finish(rt: tokio::runtime::Runtime) {
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
}

/// Seeds as [`seeds`] finds them; when neither nodes nor inventory nodes are given but
/// Sentinels are (`--sentinel`, or the inventory's `[[sentinels]]`), the masters those
/// Sentinels watch: `rkv topology --sentinel S` needs no data node's address.
pub(crate) fn seeds_or_sentinels(
    args: &[String],
    sentinels: &[String],
    setup: &Setup,
) -> anyhow::Result<(Vec<Seed>, bool)> {
    let no_nodes = args.is_empty() && setup.inventory.as_ref().is_none_or(|i| i.nodes.is_empty());
    let asked = if no_nodes {
        sentinel_seeds(sentinels, setup)?
    } else {
        Vec::new()
    };
    if asked.is_empty() {
        return seeds(args, setup);
    }
    let rt = runtime()?;
    let found = rt.block_on(sentinel::watched_masters(&asked, &setup.opts));
    finish(rt);
    let shown = || {
        asked
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match found {
        Err(e) => Err(anyhow::anyhow!(
            "no node given and no Sentinel answered to name its masters: {e}"
        )),
        Ok(m) if m.is_empty() => Err(anyhow::anyhow!(
            "no node given, and the Sentinels ({}) watch no master: name a seed node",
            shown()
        )),
        Ok(m) => {
            tracing::info!(
                "seeds from the Sentinels {}: {} master(s)",
                shown(),
                m.len()
            );
            Ok((
                m.into_iter()
                    .map(|addr| Seed { addr, creds: None })
                    .collect(),
                false,
            ))
        }
    }
}

/// Discover from the given seeds (or, with no seed, from the masters the Sentinels watch).
pub(crate) fn gather(
    args: &[String],
    sentinels: &[String],
    setup: &Setup,
) -> anyhow::Result<Snapshot> {
    let (seeds, single) = seeds_or_sentinels(args, sentinels, setup)?;
    let rt = runtime()?;
    let snap = rt.block_on(async {
        let mut snap = discover(seeds, &setup.opts, setup.inventory.as_ref(), single).await;
        // A stale master's backlog says how many of its bytes past the fork are writes.
        let reach = crate::failover::carry::Reach {
            transport: &setup.opts.transport,
            creds: &setup.opts.creds,
            timeout: setup.opts.timeout,
        };
        crate::failover::carry::annotate_stale(&mut snap, reach).await;
        snap
    });
    finish(rt);
    Ok(snap)
}

/// Whether to colour stdout.
pub(crate) fn color(global: &GlobalArgs) -> bool {
    !global.no_color && std::io::stdout().is_terminal()
}

/// Error when no seed answered: the command failed as a whole.
pub(crate) fn check_seeds_reachable(snap: &Snapshot) -> anyhow::Result<()> {
    let seeds: Vec<&NodeAddr> = snap
        .nodes
        .iter()
        .filter(|n| n.found.seed)
        .map(|n| &n.addr)
        .collect();
    let any = snap.nodes.iter().any(|n| n.found.seed && n.reachable());
    if any || seeds.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = snap
        .nodes
        .iter()
        .filter(|n| n.found.seed)
        .map(|n| format!("{}: {}", n.addr, n.error.as_deref().unwrap_or("?")))
        .collect();
    let text = format!("no seed node is reachable ({})", reasons.join("; "));
    let auth = snap.nodes.iter().filter(|n| n.found.seed).all(|n| {
        n.error
            .as_deref()
            .is_some_and(crate::topology::health::is_auth_failure)
    });
    if auth {
        return Err(ExitError::auth(text));
    }
    Err(anyhow::anyhow!(text))
}

/// The contract's JSON document for a snapshot.
pub fn document(snap: &Snapshot, opts: &HealthOptions) -> TopologyDoc {
    document_with(snap, &[], opts)
}

/// The contract's JSON document for a snapshot and the Sentinels watching it.
pub fn document_with(
    snap: &Snapshot,
    sentinels: &[SentinelView],
    opts: &HealthOptions,
) -> TopologyDoc {
    let mut checks = health::check(snap, opts);
    checks.extend(sentinel::checks(snap, sentinels));
    TopologyDoc {
        nodes: snap.nodes_json(),
        problems: health::problems(&checks),
        sentinels: sentinels.iter().map(SentinelView::json).collect(),
    }
}

/// Sentinels to ask: `--sentinel` arguments, then the inventory's `[[sentinels]]`.
pub(crate) fn sentinel_seeds(args: &[String], setup: &Setup) -> anyhow::Result<Vec<NodeAddr>> {
    let inv = setup
        .inventory
        .iter()
        .flat_map(|i| i.sentinels.iter().map(|s| s.addr.clone()));
    let mut out = Vec::new();
    for a in args.iter().cloned().chain(inv) {
        let spec = parse_node(&a).map_err(|e| ExitError::usage(format!("--sentinel {a}: {e}")))?;
        if !out.contains(&spec.addr) {
            out.push(spec.addr);
        }
    }
    Ok(out)
}

/// Find and read the Sentinels watching `snap`.
pub(crate) fn gather_sentinels(
    snap: &Snapshot,
    args: &[String],
    setup: &Setup,
) -> anyhow::Result<Vec<SentinelView>> {
    let seeds = sentinel_seeds(args, setup)?;
    let rt = runtime()?;
    let views = rt.block_on(sentinel::discover_sentinels(snap, &seeds, &setup.opts));
    finish(rt);
    Ok(views)
}

/// Render a snapshot in the chosen format.
pub fn render(
    snap: &Snapshot,
    format: OutputFormat,
    style: render::table::Style,
) -> anyhow::Result<String> {
    render_with(snap, &[], format, style)
}

/// Render a snapshot and its Sentinels in the chosen format (the table view lists the
/// Sentinels under the trees).
pub fn render_with(
    snap: &Snapshot,
    sentinels: &[SentinelView],
    format: OutputFormat,
    style: render::table::Style,
) -> anyhow::Result<String> {
    let doc = document_with(snap, sentinels, &HealthOptions::default());
    Ok(match format {
        OutputFormat::Json => render::json::to_string(&doc)?,
        OutputFormat::Tsv => {
            let rows: Vec<Vec<String>> = doc.nodes.iter().map(render::tsv::node_row).collect();
            render::tsv::rows(render::tsv::NODE_HEADER, &rows)
        }
        OutputFormat::Table => {
            let mut s = render::table::topology(snap, &doc.problems, style);
            let lines = sentinel::lines(sentinels);
            if !lines.is_empty() {
                s.push('\n');
                s.push_str(&lines);
            }
            s
        }
    })
}

/// `rkv topology [NODE…]`.
pub fn run(global: &GlobalArgs, args: &TopologyArgs) -> anyhow::Result<()> {
    run_to(global, args, &Out::stdout())
}

/// `rkv topology`, written to `out`.
pub(crate) fn run_to(global: &GlobalArgs, args: &TopologyArgs, out: &Out) -> anyhow::Result<()> {
    let setup = setup(global)?;
    let snap = gather(&args.nodes, &args.sentinels, &setup)?;
    let sentinels = gather_sentinels(&snap, &args.sentinels, &setup)?;
    let style = render::table::Style {
        color: color(global),
        width: None,
    };
    out.text(&render_with(&snap, &sentinels, global.output, style)?)?;
    check_seeds_reachable(&snap)
}
