//! INFO: the text sections, with Redis's field names, `# Section` headers and CRLF line ends,
//! so tools written for Redis (including rkv's own node client) read rkv the same way.

use crate::server::state::{Shared, State, now_ms};
use std::fmt::Write;

/// The sections in Redis's order, and whether each is in the default set.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("keyspace", true),
];

/// INFO for the requested sections (`[]`: default; `all`, `default`, `everything`, or names).
pub fn info(state: &State, shared: &Shared, args: &[&str]) -> String {
    let wanted: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
    let include = |name: &str, default: bool| {
        if wanted.is_empty() {
            return default;
        }
        wanted
            .iter()
            .any(|w| w == name || w == "all" || w == "everything" || (w == "default" && default))
    };
    let mut out = String::new();
    for (name, default) in SECTIONS {
        if !include(name, *default) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let body = match *name {
            "server" => info_server(state, shared),
            "clients" => info_clients(state),
            "memory" => info_memory(),
            "persistence" => info_persistence(state),
            "stats" => info_stats(state, shared),
            "replication" => info_replication(state),
            "cpu" => info_cpu(),
            _ => info_keyspace(state),
        };
        out.push_str(&body);
    }
    out
}

fn lines(header: &str, fields: &[(&str, String)]) -> String {
    let mut s = format!("# {header}\r\n");
    for (k, v) in fields {
        let _ = write!(s, "{k}:{v}\r\n");
    }
    s
}

fn info_server(state: &State, shared: &Shared) -> String {
    let uptime = shared.started.elapsed().as_secs();
    let config_file = state
        .config
        .config_file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    lines(
        "Server",
        &[
            ("redis_version", "7.0.15".into()),
            ("rkv_version", env!("CARGO_PKG_VERSION").into()),
            ("redis_git_sha1", "00000000".into()),
            ("redis_git_dirty", "0".into()),
            ("redis_mode", "standalone".into()),
            (
                "os",
                format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            ),
            ("arch_bits", (usize::BITS).to_string()),
            ("multiplexing_api", "tokio".into()),
            ("process_id", std::process::id().to_string()),
            ("process_supervised", "no".into()),
            ("run_id", shared.run_id.clone()),
            (
                "tcp_port",
                shared
                    .port
                    .load(std::sync::atomic::Ordering::Relaxed)
                    .to_string(),
            ),
            ("server_time_usec", (now_ms() * 1000).to_string()),
            ("uptime_in_seconds", uptime.to_string()),
            ("uptime_in_days", (uptime / 86400).to_string()),
            ("hz", "10".into()),
            ("configured_hz", "10".into()),
            (
                "executable",
                std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            ("config_file", config_file),
            ("io_threads_active", "0".into()),
        ],
    )
}

fn info_clients(state: &State) -> String {
    let max_qbuf = state.clients.values().map(|c| c.qbuf).max().unwrap_or(0);
    lines(
        "Clients",
        &[
            ("connected_clients", state.clients.len().to_string()),
            ("cluster_connections", "0".into()),
            ("maxclients", state.config.maxclients.to_string()),
            ("client_recent_max_input_buffer", max_qbuf.to_string()),
            ("client_recent_max_output_buffer", "0".into()),
            ("blocked_clients", state.blocking.count().to_string()),
            ("tracking_clients", "0".into()),
            ("clients_in_timeout_table", "0".into()),
        ],
    )
}

/// Resident set size in bytes, from /proc (0 where unavailable).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

/// Bytes as Redis's bytesToHuman writes them.
pub fn human_bytes(n: u64) -> String {
    let f = n as f64;
    if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{:.2}K", f / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.2}M", f / 1024.0 / 1024.0)
    } else {
        format!("{:.2}G", f / 1024.0 / 1024.0 / 1024.0)
    }
}

fn info_memory() -> String {
    // We have no allocator statistics; used_memory is the resident set size, an upper bound
    // of what the dataset uses.
    let rss = rss_bytes();
    lines(
        "Memory",
        &[
            ("used_memory", rss.to_string()),
            ("used_memory_human", human_bytes(rss)),
            ("used_memory_rss", rss.to_string()),
            ("used_memory_rss_human", human_bytes(rss)),
            ("maxmemory", "0".into()),
            ("maxmemory_human", "0B".into()),
            ("maxmemory_policy", "noeviction".into()),
            ("mem_fragmentation_ratio", "1.00".into()),
            ("mem_allocator", "libc".into()),
        ],
    )
}

fn info_persistence(state: &State) -> String {
    let p = &state.persist;
    let current = p.bgsave_started.map_or(-1, |t| {
        i64::try_from(t.elapsed().as_secs()).unwrap_or(i64::MAX)
    });
    lines(
        "Persistence",
        &[
            ("loading", "0".into()),
            ("async_loading", "0".into()),
            ("rdb_changes_since_last_save", state.dirty.to_string()),
            (
                "rdb_bgsave_in_progress",
                u8::from(p.bgsave_in_progress).to_string(),
            ),
            ("rdb_last_save_time", p.last_save_unix.to_string()),
            (
                "rdb_last_bgsave_status",
                if p.last_bgsave_ok { "ok" } else { "err" }.into(),
            ),
            ("rdb_last_bgsave_time_sec", p.last_bgsave_secs.to_string()),
            ("rdb_current_bgsave_time_sec", current.to_string()),
            ("rdb_saves", p.rdb_saves.to_string()),
            ("aof_enabled", u8::from(p.aof.is_some()).to_string()),
            ("aof_rewrite_in_progress", "0".into()),
            ("aof_rewrite_scheduled", "0".into()),
            ("aof_last_rewrite_time_sec", "-1".into()),
            ("aof_current_rewrite_time_sec", "-1".into()),
            ("aof_last_bgrewrite_status", "ok".into()),
            ("aof_rewrites", "0".into()),
            (
                "aof_last_write_status",
                if p.aof_last_write_failed { "err" } else { "ok" }.into(),
            ),
            ("module_fork_in_progress", "0".into()),
            ("module_fork_last_cow_size", "0".into()),
        ],
    )
}

fn info_stats(state: &State, shared: &Shared) -> String {
    let s = &state.stats;
    let rel = std::sync::atomic::Ordering::Relaxed;
    lines(
        "Stats",
        &[
            (
                "total_connections_received",
                s.total_connections_received.to_string(),
            ),
            (
                "total_commands_processed",
                s.total_commands_processed.to_string(),
            ),
            (
                "instantaneous_ops_per_sec",
                s.instantaneous_ops_per_sec.to_string(),
            ),
            (
                "total_net_input_bytes",
                shared.net_input.load(rel).to_string(),
            ),
            (
                "total_net_output_bytes",
                shared.net_output.load(rel).to_string(),
            ),
            ("rejected_connections", s.rejected_connections.to_string()),
            ("sync_full", state.repl.sync_full.to_string()),
            ("sync_partial_ok", state.repl.sync_partial_ok.to_string()),
            ("sync_partial_err", state.repl.sync_partial_err.to_string()),
            // Redis 7.2's name; counted here for replicas dropped over their buffer limit.
            (
                "client_output_buffer_limit_disconnections",
                state.repl.buffer_limit_disconnections.to_string(),
            ),
            ("expired_keys", s.expired_keys.to_string()),
            ("evicted_keys", "0".into()),
            ("keyspace_hits", s.keyspace_hits.to_string()),
            ("keyspace_misses", s.keyspace_misses.to_string()),
            ("pubsub_channels", "0".into()),
            ("pubsub_patterns", "0".into()),
            ("total_error_replies", s.total_error_replies.to_string()),
        ],
    )
}

/// INFO replication, in Redis 7.0's field names and order (see
/// `replication::master::ReplicationState::info`).
pub fn info_replication(state: &State) -> String {
    let s = state.repl.info(
        state.config.replica_priority,
        state.config.replica_read_only,
        true,
    );
    // Redis prints the good-replica count just before connected_slaves while both
    // min-replicas settings are on.
    if state.config.min_replicas_to_write > 0 && state.config.min_replicas_max_lag > 0 {
        let line = format!(
            "min_slaves_good_slaves:{}\r\n",
            crate::server::repl::good_replicas(state)
        );
        if let Some(at) = s.find("connected_slaves:") {
            let mut out = s;
            out.insert_str(at, &line);
            return out;
        }
    }
    s
}

/// CPU seconds (user, system) of this process, from /proc (clock ticks of 1/100 s).
fn cpu_times() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0.0);
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    (tick(11), tick(12))
}

fn info_cpu() -> String {
    let (user, sys) = cpu_times();
    lines(
        "CPU",
        &[
            ("used_cpu_sys", format!("{sys:.6}")),
            ("used_cpu_user", format!("{user:.6}")),
            ("used_cpu_sys_children", "0.000000".into()),
            ("used_cpu_user_children", "0.000000".into()),
        ],
    )
}

fn info_keyspace(state: &State) -> String {
    let mut s = String::from("# Keyspace\r\n");
    if !state.db.is_empty() {
        let _ = write!(
            s,
            "db0:keys={},expires={},avg_ttl=0\r\n",
            state.db.len(),
            state.db.expires_count()
        );
    }
    s
}
