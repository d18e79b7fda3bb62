//! `rkv lab`: a master and N replicas of `rkv serve` on loopback, in this one foreground
//! process, for trying rkv without installing Redis. It waits until every replica is in sync,
//! prints the topology and what to try next, and stops everything on Ctrl-C.

use crate::cli::{GlobalArgs, LabArgs, ServeArgs, TopologyArgs};
use crate::server::{Running, start_with_config};
use anyhow::Context;
use std::path::{Path, PathBuf};
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
                .block_on(async {
                    let config = super::serve::config(&serve_args(port, dir, replicaof))?;
                    anyhow::Ok(start_with_config(config).await?)
                })
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
    let rkv = self_invocation();
    let tries = [
        (
            format!("redis-cli -p {} set greeting hello", args.port),
            "write to the master",
        ),
        (
            format!("{rkv} topology {master}"),
            "the whole graph, from any node",
        ),
        (
            format!("{rkv} verify {master} --max-lag-bytes 0"),
            "a health check for scripts (exit 0 = healthy)",
        ),
        (
            format!("{rkv} failover {master} --to {first_replica} --dry-run"),
            "the plan of a switchover, changing nothing",
        ),
        (
            format!("{rkv} failover {master} --to {first_replica}"),
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

/// How to type this very binary in another terminal: `rkv` when that name on the PATH is this
/// executable, its path otherwise (`cargo run -- lab` runs `target/…/rkv`, which a newcomer
/// does not have on the PATH), so every command the lab prints works as printed.
fn self_invocation() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "rkv".to_string();
    };
    let cwd = std::env::current_dir().ok();
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("rkv"))
            .find(|candidate| candidate.is_file())
    });
    invocation(&exe, cwd.as_deref(), on_path.as_deref())
}

/// The pure part of [`self_invocation`]: `rkv` when the PATH's `rkv` is `exe` (after resolving
/// links), else `exe` shown relative to `cwd` (`./target/release/rkv`) when it lies below it,
/// else in full.
fn invocation(exe: &Path, cwd: Option<&Path>, on_path: Option<&Path>) -> String {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if on_path.is_some_and(|p| same(p, exe)) {
        return "rkv".to_string();
    }
    match cwd.and_then(|cwd| exe.strip_prefix(cwd).ok()) {
        Some(rel) => format!("./{}", rel.display()),
        None => exe.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::invocation;
    use std::path::Path;

    #[test]
    fn the_printed_command_names_a_binary_that_exists() {
        let exe = Path::new("/work/rkv/target/release/rkv");
        // Not on the PATH, run from the checkout: a path relative to where the operator is.
        assert_eq!(
            invocation(exe, Some(Path::new("/work/rkv")), None),
            "./target/release/rkv"
        );
        // Run from elsewhere: the full path.
        assert_eq!(
            invocation(exe, Some(Path::new("/tmp")), None),
            "/work/rkv/target/release/rkv"
        );
        // Another rkv on the PATH is not this one: still the path.
        assert_eq!(
            invocation(
                exe,
                Some(Path::new("/tmp")),
                Some(Path::new("/usr/bin/rkv"))
            ),
            "/work/rkv/target/release/rkv"
        );
        // Installed (cargo install): the PATH's rkv is this binary.
        assert_eq!(invocation(exe, None, Some(exe)), "rkv");
    }
}
