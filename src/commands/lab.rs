//! `rkv lab`: a master and N replicas of `rkv serve` on loopback, in this one foreground
//! process, for trying rkv without installing Redis. It waits until every replica is in sync,
//! prints the topology and what to try next, and stops everything on Ctrl-C.

use crate::cli::{GlobalArgs, LabArgs, ServeArgs, TopologyArgs};
use crate::server::{Running, start_with_args};
use anyhow::Context;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long the replicas get to finish their first sync.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Run the lab until Ctrl-C (or SIGTERM).
pub fn run(global: &GlobalArgs, args: &LabArgs) -> anyhow::Result<()> {
    let base = args.port;
    let last = u32::from(base) + u32::from(args.replicas);
    if base == 0 || last > u32::from(u16::MAX) {
        return Err(crate::ExitError::usage(format!(
            "--port {base} with --replicas {} does not fit in the port range",
            args.replicas
        )));
    }
    let root = std::env::temp_dir().join(format!("rkv-lab-{}", std::process::id()));
    std::fs::create_dir_all(&root)
        .with_context(|| format!("could not create {}", root.display()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let result = lab(global, args, &root, &rt);
    rt.shutdown_timeout(Duration::from_secs(1));
    // The lab's data lives only as long as the lab.
    let _ = std::fs::remove_dir_all(&root);
    result
}

fn serve_args(port: u16, dir: PathBuf, replicaof: Option<u16>) -> ServeArgs {
    ServeArgs {
        port: Some(port),
        dir: Some(dir),
        replicaof: replicaof.map(|p| format!("127.0.0.1:{p}")),
        ..ServeArgs::default()
    }
}

fn lab(
    global: &GlobalArgs,
    args: &LabArgs,
    root: &std::path::Path,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    let mut nodes: Vec<Running> = Vec::new();
    let started = (|| -> anyhow::Result<()> {
        for i in 0..=args.replicas {
            let port = args.port + i;
            let dir = root.join(port.to_string());
            std::fs::create_dir_all(&dir)?;
            let replicaof = (i > 0).then_some(args.port);
            let node = rt
                .block_on(start_with_args(&serve_args(port, dir, replicaof)))
                .with_context(|| {
                    format!("could not start a node on port {port} (is it in use? pick another base with --port)")
                })?;
            nodes.push(node);
        }
        Ok(())
    })();
    // Replicas first, so none of them logs its master going away.
    let stop_all = |nodes: &[Running]| {
        for n in nodes.iter().rev() {
            n.stop();
        }
    };
    if let Err(e) = started {
        stop_all(&nodes);
        return Err(e);
    }
    eprintln!(
        "rkv lab: master on 127.0.0.1:{} with {} replica(s); waiting for them to sync…",
        args.port, args.replicas
    );
    let deadline = Instant::now() + SYNC_TIMEOUT;
    loop {
        let master_offset = nodes[0].replication_status().1;
        let synced = nodes[1..].iter().all(|n| {
            let (up, off) = n.replication_status();
            up && off == master_offset
        });
        if synced {
            break;
        }
        if Instant::now() > deadline {
            stop_all(&nodes);
            anyhow::bail!("the replicas did not sync within {SYNC_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let master = format!("127.0.0.1:{}", args.port);
    crate::commands::topology::run(
        global,
        &TopologyArgs {
            nodes: vec![master.clone()],
            sentinels: Vec::new(),
        },
    )?;
    let first_replica = format!("127.0.0.1:{}", args.port + 1);
    let tries = [
        (
            format!("redis-cli -p {} set greeting hello", args.port),
            "write to the master",
        ),
        (
            format!("rkv topology {master}"),
            "the whole graph, from any node",
        ),
        (
            format!("rkv verify {master} --max-lag-bytes 0"),
            "a health check for scripts (exit 0 = healthy)",
        ),
        (
            format!("rkv failover {master} --to {first_replica} --dry-run"),
            "the plan of a switchover, changing nothing",
        ),
        (
            format!("rkv failover {master} --to {first_replica}"),
            "do it (asks first)",
        ),
    ];
    let width = tries.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut text = String::from("\nTry, in another terminal:\n");
    for (cmd, what) in &tries {
        text.push_str(&format!("  {cmd:width$}   # {what}\n"));
    }
    text.push_str("Press Ctrl-C to stop the lab (its data is thrown away).");
    eprintln!("{text}");
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("could not install the SIGTERM handler")?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
            _ = term.recv() => {}
        }
        anyhow::Ok(())
    })?;
    eprintln!("rkv lab: stopping");
    stop_all(&nodes);
    Ok(())
}
