//! The server's configuration: the `--config` TOML file (keys named like redis.conf
//! directives), command-line flags over it, and the CONFIG GET / SET / REWRITE table.
//!
//! One table ([`PARAMS`]) names every parameter with how to read it, whether it can change
//! while running, and how to parse a new value, so CONFIG GET, CONFIG SET, the file loader and
//! CONFIG REWRITE cannot disagree about a name.

use crate::persist::aof::FsyncPolicy;
use crate::server::acl::{Rule, User};
use crate::store::glob::glob_match_nocase;
use std::path::{Path, PathBuf};

/// Everything `rkv serve` is configured with. Its Debug form masks the passwords, so no log
/// line can leak them.
#[derive(Clone)]
pub struct Config {
    /// TCP port (0: ephemeral).
    pub port: u16,
    /// Addresses to listen on.
    pub bind: Vec<String>,
    /// The default user's password (None: no password).
    pub requirepass: Option<String>,
    /// Password for our master (used by replication).
    pub masterauth: Option<String>,
    /// ACL user for our master (used by replication).
    pub masteruser: Option<String>,
    /// `host port` of a master to replicate from.
    pub replicaof: Option<String>,
    /// Failover priority (0: never promote).
    pub replica_priority: u32,
    /// Refuse writes from clients while a replica.
    pub replica_read_only: bool,
    /// Where dump.rdb and the AOF live.
    pub dir: PathBuf,
    /// The snapshot file name.
    pub dbfilename: String,
    /// The AOF file name.
    pub appendfilename: String,
    /// AOF on.
    pub appendonly: bool,
    /// When the AOF is fsynced.
    pub appendfsync: FsyncPolicy,
    /// Save points: (seconds, changes).
    pub save: Vec<(u64, u64)>,
    /// Most simultaneous clients.
    pub maxclients: u64,
    /// Refuse non-loopback clients while the default user has no password.
    pub protected_mode: bool,
    /// The listen backlog (`tcp-backlog`, Redis's default 511; the kernel caps it at
    /// `net.core.somaxconn`). Fixed at start.
    pub tcp_backlog: u32,
    /// Close a client idle for this many seconds (`timeout`; 0: never). Replicas, our master,
    /// pub/sub subscribers, MONITORs and clients blocked in a command are exempt, as in Redis.
    pub timeout: u64,
    /// TCP keepalive period in seconds for accepted connections (`tcp-keepalive`, default
    /// 300; 0: off), so a peer that vanished without a FIN is found and its slot freed.
    pub tcp_keepalive: u64,
    /// Longest bulk argument a client may send.
    pub proto_max_bulk_len: i64,
    /// Largest query buffer a client may accumulate before it is disconnected.
    pub client_query_buffer_limit: u64,
    /// Replication backlog size (used by replication).
    pub repl_backlog_size: u64,
    /// Seconds between the master's PINGs to replicas (used by replication).
    pub repl_ping_replica_period: u64,
    /// Seconds a replica waits on its master before giving up (used by replication).
    pub repl_timeout: u64,
    /// `repl-rdb-version`: the RDB version of the snapshot sent to a replica in a full sync;
    /// `None` (`auto`) is the oldest version that can hold the data, which every Redis from
    /// 2.8 on loads (a replica refuses a newer version than its own and retries forever).
    pub repl_rdb_version: Option<u32>,
    /// The address a replica asks its master to list it at (`replica-announce-ip`).
    pub replica_announce_ip: Option<String>,
    /// The port a replica asks its master to list it at (0: its own port).
    pub replica_announce_port: u16,
    /// Serve reads while the link to the master is down.
    pub replica_serve_stale_data: bool,
    /// How far (bytes) a replica may fall behind before it is dropped: the hard limit of
    /// `client-output-buffer-limit replica`.
    pub replica_buffer_hard_limit: u64,
    /// Refuse writes (NOREPLICAS) while fewer than this many replicas are good, that is
    /// online and acknowledged within `min_replicas_max_lag` seconds (0: off). A switchover
    /// raises it above any possible replica count to fence an old master.
    pub min_replicas_to_write: u64,
    /// Seconds since a replica's last acknowledgement for it to count as good (0: the
    /// check is off, as in Redis).
    pub min_replicas_max_lag: u64,
    /// Named ACL users from the config file.
    pub users: Vec<User>,
    /// The file CONFIG REWRITE writes, if any.
    pub config_file: Option<PathBuf>,
    /// TLS port (0: no TLS listener), `tls-port`.
    pub tls_port: u16,
    /// `tls-cert-file`: our certificate (PEM), for the TLS port and as a replica's client
    /// certificate ("" none).
    pub tls_cert_file: String,
    /// `tls-key-file`: its private key.
    pub tls_key_file: String,
    /// `tls-ca-cert-file`: CA to verify clients and our master with.
    pub tls_ca_cert_file: String,
    /// `tls-ca-cert-dir`: directory of hashed CA certificates.
    pub tls_ca_cert_dir: String,
    /// `tls-auth-clients`: yes (a client certificate is required), no, optional.
    pub tls_auth_clients: String,
    /// `tls-replication`: our link to a master uses TLS (replicas reach us on the TLS port
    /// anyway).
    pub tls_replication: bool,
    /// `tls-protocols`: e.g. "TLSv1.2 TLSv1.3" ("" both).
    pub tls_protocols: String,
    /// Settings accepted and reported but without effect here (server::cmd::tunables).
    pub tunables: crate::server::cmd::tunables::Tunables,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".to_string()],
            requirepass: None,
            masterauth: None,
            masteruser: None,
            replicaof: None,
            replica_priority: 100,
            replica_read_only: true,
            dir: PathBuf::from("."),
            dbfilename: "dump.rdb".to_string(),
            appendfilename: "appendonly.aof".to_string(),
            appendonly: false,
            appendfsync: FsyncPolicy::EverySec,
            save: Vec::new(),
            maxclients: 10000,
            protected_mode: true,
            tcp_backlog: 511,
            timeout: 0,
            tcp_keepalive: 300,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            repl_backlog_size: 1024 * 1024,
            repl_ping_replica_period: 10,
            repl_timeout: 60,
            repl_rdb_version: None,
            replica_announce_ip: None,
            replica_announce_port: 0,
            replica_serve_stale_data: true,
            replica_buffer_hard_limit: 256 * 1024 * 1024,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            users: Vec::new(),
            config_file: None,
            tls_port: 0,
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
            tls_ca_cert_file: String::new(),
            tls_ca_cert_dir: String::new(),
            tls_auth_clients: "yes".into(),
            tls_replication: false,
            tls_protocols: String::new(),
            tunables: Default::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Config");
        for p in PARAMS {
            let v = (p.get)(self);
            if is_secret(p.name) && !v.is_empty() {
                d.field(p.name, &"***");
            } else {
                d.field(p.name, &v);
            }
        }
        d.field("users", &self.users.len());
        d.finish_non_exhaustive()
    }
}

/// A configuration problem, worded for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Why CONFIG SET (or a directive) or CONFIG REWRITE failed. `Display` is Redis's text after
/// `ERR `, which clients and Redis's own tests match on.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// No such parameter (CONFIG SET).
    #[error("Unknown option or number of arguments for CONFIG SET - '{0}'")]
    Unknown(String),
    /// No such parameter (a directive or a config file key).
    #[error("unknown parameter '{0}'")]
    UnknownDirective(String),
    /// The same parameter twice in one CONFIG SET.
    #[error("CONFIG SET failed (possibly related to argument '{0}') - duplicate parameter")]
    Duplicate(String),
    /// A parameter only the config file or the command line may set.
    #[error("CONFIG SET failed (possibly related to argument '{0}') - can't set immutable config")]
    Immutable(String),
    /// A value the parameter refuses (CONFIG SET).
    #[error("CONFIG SET failed (possibly related to argument '{name}') - {reason}")]
    Invalid {
        /// The parameter as given.
        name: String,
        /// Redis's words for what is wrong with the value.
        reason: String,
    },
    /// A value the parameter refuses (a directive): only the reason, the caller names it.
    #[error("{0}")]
    InvalidDirective(String),
    /// CONFIG REWRITE with no config file to write.
    #[error("The server is running without a config file")]
    NoConfigFile,
    /// CONFIG REWRITE could not write the file.
    #[error("Rewriting config file: {0}")]
    Rewrite(#[from] std::io::Error),
}

type Getter = fn(&Config) -> String;
/// A parameter's parser: the error is Redis's words for a bad value (the reason of
/// [`SetError::Invalid`]), which only the reply carries.
type Setter = fn(&mut Config, &str) -> Result<(), String>;

/// One configuration parameter.
pub struct Param {
    /// The directive name.
    pub name: &'static str,
    /// Its current value as CONFIG GET shows it.
    pub get: Getter,
    /// How to set it from text.
    pub set: Setter,
    /// True when CONFIG SET may change it while running.
    pub mutable: bool,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".to_string()),
    }
}

/// Parse a memory size as Redis's memtoll: `1gb` (1024³), `1g` (1000³), `10kb`, plain bytes.
pub fn parse_memory(v: &str) -> Result<u64, String> {
    let lower = v.to_ascii_lowercase();
    let (num, mul) = [
        ("gb", 1u64 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1000),
        ("b", 1),
    ]
    .iter()
    .find_map(|(suffix, mul)| lower.strip_suffix(suffix).map(|n| (n.to_string(), *mul)))
    .unwrap_or((lower.clone(), 1));
    let n: u64 = num
        .parse()
        .map_err(|_| "argument must be a memory value".to_string())?;
    n.checked_mul(mul)
        .ok_or_else(|| "argument must be a memory value".to_string())
}

fn parse_num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())
}

/// An integer in `lo..=hi`, with Redis's out-of-range text.
fn parse_int_range(v: &str, lo: u64, hi: u64) -> Result<u64, String> {
    let n: i64 = parse_num(v)?;
    u64::try_from(n)
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| format!("argument must be between {lo} and {hi} inclusive"))
}

fn opt_str(v: &str) -> Option<String> {
    if v.is_empty() {
        None
    } else {
        Some(v.to_string())
    }
}

/// Parse `save` as Redis: `"3600 1 300 100"` pairs, `""` for none.
pub fn parse_save(v: &str) -> Result<Vec<(u64, u64)>, String> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    if !parts.len().is_multiple_of(2) {
        return Err("Invalid save parameters".to_string());
    }
    parts
        .chunks(2)
        .map(|c| {
            let s = c[0]
                .parse()
                .map_err(|_| "Invalid save parameters".to_string())?;
            let n = c[1]
                .parse()
                .map_err(|_| "Invalid save parameters".to_string())?;
            Ok((s, n))
        })
        .collect()
}

fn fsync_name(p: FsyncPolicy) -> &'static str {
    match p {
        FsyncPolicy::Always => "always",
        FsyncPolicy::EverySec => "everysec",
        FsyncPolicy::No => "no",
    }
}

fn parse_fsync(v: &str) -> Result<FsyncPolicy, String> {
    match v.to_ascii_lowercase().as_str() {
        "always" => Ok(FsyncPolicy::Always),
        "everysec" => Ok(FsyncPolicy::EverySec),
        "no" => Ok(FsyncPolicy::No),
        _ => Err("argument(s) must be one of the following: always, everysec, no".to_string()),
    }
}

/// Every parameter, in CONFIG REWRITE order.
pub static PARAMS: &[Param] = &[
    Param {
        name: "port",
        get: |c| c.port.to_string(),
        set: |c, v| {
            c.port = parse_num(v)?;
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "bind",
        get: |c| c.bind.join(" "),
        set: |c, v| {
            c.bind = v.split_whitespace().map(str::to_string).collect();
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "requirepass",
        get: |c| c.requirepass.clone().unwrap_or_default(),
        set: |c, v| {
            c.requirepass = opt_str(v);
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "masterauth",
        get: |c| c.masterauth.clone().unwrap_or_default(),
        set: |c, v| {
            c.masterauth = opt_str(v);
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "masteruser",
        get: |c| c.masteruser.clone().unwrap_or_default(),
        set: |c, v| {
            c.masteruser = opt_str(v);
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "replicaof",
        get: |c| c.replicaof.clone().unwrap_or_default(),
        set: |c, v| {
            c.replicaof = opt_str(v);
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "replica-priority",
        get: |c| c.replica_priority.to_string(),
        set: |c, v| {
            c.replica_priority = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "replica-read-only",
        get: |c| yes_no(c.replica_read_only),
        set: |c, v| {
            c.replica_read_only = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "dir",
        get: |c| c.dir.display().to_string(),
        set: |c, v| {
            c.dir = PathBuf::from(v);
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "dbfilename",
        get: |c| c.dbfilename.clone(),
        set: |c, v| {
            if v.is_empty() || v.contains('/') {
                return Err("dbfilename can't be a path, just a filename".to_string());
            }
            c.dbfilename = v.to_string();
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "appendfilename",
        get: |c| c.appendfilename.clone(),
        set: |c, v| {
            if v.is_empty() || v.contains('/') {
                return Err("appendfilename can't be a path, just a filename".to_string());
            }
            c.appendfilename = v.to_string();
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "appendonly",
        get: |c| yes_no(c.appendonly),
        set: |c, v| {
            c.appendonly = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "appendfsync",
        get: |c| fsync_name(c.appendfsync).to_string(),
        set: |c, v| {
            c.appendfsync = parse_fsync(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "save",
        get: |c| {
            c.save
                .iter()
                .map(|(s, n)| format!("{s} {n}"))
                .collect::<Vec<_>>()
                .join(" ")
        },
        set: |c, v| {
            c.save = parse_save(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "maxclients",
        get: |c| c.maxclients.to_string(),
        set: |c, v| {
            let n: u64 = parse_num(v)?;
            if n == 0 {
                return Err("argument must be between 1 and 4294967295 inclusive".to_string());
            }
            c.maxclients = n;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tcp-backlog",
        get: |c| c.tcp_backlog.to_string(),
        set: |c, v| {
            c.tcp_backlog = parse_num(v)?;
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "timeout",
        get: |c| c.timeout.to_string(),
        set: |c, v| {
            c.timeout = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tcp-keepalive",
        get: |c| c.tcp_keepalive.to_string(),
        set: |c, v| {
            c.tcp_keepalive = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "protected-mode",
        get: |c| yes_no(c.protected_mode),
        set: |c, v| {
            c.protected_mode = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "proto-max-bulk-len",
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v| {
            let n = parse_memory(v)?;
            if n < 1024 * 1024 {
                return Err(
                    "argument must be between 1048576 and 9223372036854775807 inclusive"
                        .to_string(),
                );
            }
            c.proto_max_bulk_len = i64::try_from(n).map_err(|_| "value too large".to_string())?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "client-query-buffer-limit",
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, v| {
            let n = parse_memory(v)?;
            if n < 1024 * 1024 {
                return Err(
                    "argument must be between 1048576 and 9223372036854775807 inclusive"
                        .to_string(),
                );
            }
            c.client_query_buffer_limit = n;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "repl-backlog-size",
        get: |c| c.repl_backlog_size.to_string(),
        set: |c, v| {
            c.repl_backlog_size = parse_memory(v)?.max(16 * 1024);
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "repl-ping-replica-period",
        get: |c| c.repl_ping_replica_period.to_string(),
        set: |c, v| {
            let n: u64 = parse_num(v)?;
            if n == 0 {
                return Err("argument must be between 1 and 2147483647 inclusive".to_string());
            }
            c.repl_ping_replica_period = n;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "repl-timeout",
        get: |c| c.repl_timeout.to_string(),
        set: |c, v| {
            let n: u64 = parse_num(v)?;
            if n == 0 {
                return Err("argument must be between 1 and 2147483647 inclusive".to_string());
            }
            c.repl_timeout = n;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "repl-rdb-version",
        get: |c| {
            c.repl_rdb_version
                .map_or("auto".to_string(), |v| v.to_string())
        },
        set: |c, v| {
            use crate::persist::rdb::{MIN_WRITE_VERSION, RDB_VERSION};
            if v.eq_ignore_ascii_case("auto") {
                c.repl_rdb_version = None;
                return Ok(());
            }
            match v.parse::<u32>() {
                Ok(n) if (MIN_WRITE_VERSION..=RDB_VERSION).contains(&n) => {
                    c.repl_rdb_version = Some(n);
                    Ok(())
                }
                _ => Err(format!(
                    "argument must be 'auto' or an RDB version from {MIN_WRITE_VERSION} to {RDB_VERSION}"
                )),
            }
        },
        mutable: true,
    },
    Param {
        name: "replica-announce-ip",
        get: |c| c.replica_announce_ip.clone().unwrap_or_default(),
        set: |c, v| {
            c.replica_announce_ip = opt_str(v);
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "replica-announce-port",
        get: |c| c.replica_announce_port.to_string(),
        set: |c, v| {
            c.replica_announce_port = parse_num(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "replica-serve-stale-data",
        get: |c| yes_no(c.replica_serve_stale_data),
        set: |c, v| {
            c.replica_serve_stale_data = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "min-replicas-to-write",
        get: |c| c.min_replicas_to_write.to_string(),
        set: |c, v| {
            c.min_replicas_to_write = parse_int_range(v, 0, i32::MAX as u64)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "min-replicas-max-lag",
        get: |c| c.min_replicas_max_lag.to_string(),
        set: |c, v| {
            c.min_replicas_max_lag = parse_int_range(v, 0, i32::MAX as u64)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "client-output-buffer-limit",
        get: |c| {
            format!(
                "normal 0 0 0 replica {} {} 60 pubsub 33554432 8388608 60",
                c.replica_buffer_hard_limit,
                c.replica_buffer_hard_limit / 4
            )
        },
        set: |c, v| {
            // Redis's form: `class hard soft seconds` groups. We honour the replica class's
            // hard limit (how far a replica may fall behind); the other classes are accepted
            // and not enforced.
            let words: Vec<&str> = v.split_whitespace().collect();
            if words.is_empty() || !words.len().is_multiple_of(4) {
                return Err("Wrong number of arguments in buffer limit configuration.".into());
            }
            for g in words.chunks(4) {
                let hard = parse_memory(g[1])?;
                parse_memory(g[2])?;
                g[3].parse::<u64>()
                    .map_err(|_| "Invalid soft limit seconds".to_string())?;
                match g[0].to_ascii_lowercase().as_str() {
                    "replica" | "slave" => c.replica_buffer_hard_limit = hard,
                    "normal" | "pubsub" => {}
                    other => {
                        return Err(format!(
                            "Invalid client class specified in buffer limit configuration: {other}"
                        ));
                    }
                }
            }
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tls-port",
        get: |c| c.tls_port.to_string(),
        set: |c, v| {
            c.tls_port = parse_num(v)?;
            Ok(())
        },
        mutable: false,
    },
    Param {
        name: "tls-cert-file",
        get: |c| c.tls_cert_file.clone(),
        set: |c, v| {
            c.tls_cert_file = v.to_string();
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tls-key-file",
        get: |c| c.tls_key_file.clone(),
        set: |c, v| {
            c.tls_key_file = v.to_string();
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tls-ca-cert-file",
        get: |c| c.tls_ca_cert_file.clone(),
        set: |c, v| {
            c.tls_ca_cert_file = v.to_string();
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tls-ca-cert-dir",
        get: |c| c.tls_ca_cert_dir.clone(),
        set: |c, v| {
            c.tls_ca_cert_dir = v.to_string();
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tls-auth-clients",
        get: |c| c.tls_auth_clients.clone(),
        set: |c, v| {
            let v = v.to_ascii_lowercase();
            if !matches!(v.as_str(), "yes" | "no" | "optional") {
                return Err("argument(s) must be one of the following: no, yes, optional".into());
            }
            c.tls_auth_clients = v;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tls-replication",
        get: |c| yes_no(c.tls_replication),
        set: |c, v| {
            c.tls_replication = parse_bool(v)?;
            Ok(())
        },
        mutable: true,
    },
    Param {
        name: "tls-protocols",
        get: |c| c.tls_protocols.clone(),
        set: |c, v| {
            crate::server::tls::parse_protocols(v)?;
            c.tls_protocols = v.to_string();
            Ok(())
        },
        mutable: true,
    },
];

/// Old names CONFIG GET answers under when asked for them by exact name (Redis 5+ does,
/// and rkv's failover asks an old master for `min-slaves-*`).
const GET_ALIASES: &[(&str, &str)] = &[
    ("min-slaves-to-write", "min-replicas-to-write"),
    ("min-slaves-max-lag", "min-replicas-max-lag"),
    ("slave-priority", "replica-priority"),
    ("slave-read-only", "replica-read-only"),
    ("slaveof", "replicaof"),
];

/// Redis's old names for some directives.
fn canonical(name: &str) -> &str {
    match name {
        "slaveof" => "replicaof",
        "slave-priority" => "replica-priority",
        "slave-read-only" => "replica-read-only",
        "repl-ping-slave-period" => "repl-ping-replica-period",
        "slave-announce-ip" => "replica-announce-ip",
        "slave-announce-port" => "replica-announce-port",
        "slave-serve-stale-data" => "replica-serve-stale-data",
        "min-slaves-to-write" => "min-replicas-to-write",
        "min-slaves-max-lag" => "min-replicas-max-lag",
        other => other,
    }
}

/// The parameter called `name` (case-insensitive, old aliases accepted).
pub fn find_param(name: &str) -> Option<&'static Param> {
    let lower = name.to_ascii_lowercase();
    let name = canonical(&lower);
    PARAMS
        .iter()
        .find(|p| p.name == name)
        .or_else(|| crate::server::cmd::tunables::find(name))
}

/// True for parameters whose values must never be shown in logs.
pub fn is_secret(name: &str) -> bool {
    matches!(name, "requirepass" | "masterauth")
}

impl Config {
    /// CONFIG GET: every (name, value) matching any of the patterns, each once.
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = PARAMS
            .iter()
            .chain(crate::server::cmd::tunables::PARAMS.iter())
            .filter(|p| {
                patterns
                    .iter()
                    .any(|pat| glob_match_nocase(pat, p.name.as_bytes()))
            })
            .map(|p| (p.name, (p.get)(self)))
            .collect();
        for pat in patterns {
            for (alias, p) in crate::server::cmd::tunables::aliases_matching(pat) {
                if !out.iter().any(|(n, _)| *n == alias) {
                    out.push((alias, (p.get)(self)));
                }
            }
        }
        // An old name asked for literally answers under that name; glob patterns list the
        // current names only, so `CONFIG GET *` shows each parameter once.
        for (old, new) in GET_ALIASES {
            let literal = patterns
                .iter()
                .any(|pat| pat.eq_ignore_ascii_case(old.as_bytes()));
            if literal
                && !out.iter().any(|(n, _)| n == old)
                && let Some(p) = PARAMS.iter().find(|p| p.name == *new)
            {
                out.push((old, (p.get)(self)));
            }
        }
        out
    }

    /// CONFIG SET of several pairs: all apply or none do. The error is Redis's text after `ERR `.
    pub fn set_many(&mut self, pairs: &[(&str, &str)]) -> Result<(), SetError> {
        let mut next = self.clone();
        for (i, (name, value)) in pairs.iter().enumerate() {
            let Some(param) = find_param(name) else {
                return Err(SetError::Unknown(name.to_string()));
            };
            if pairs[..i]
                .iter()
                .any(|(n, _)| find_param(n).is_some_and(|p| p.name == param.name))
            {
                return Err(SetError::Duplicate(name.to_string()));
            }
            if !param.mutable {
                return Err(SetError::Immutable(name.to_string()));
            }
            (param.set)(&mut next, value).map_err(|reason| SetError::Invalid {
                name: name.to_string(),
                reason,
            })?;
        }
        *self = next;
        Ok(())
    }

    /// Set one parameter from text, whether or not it may change while running.
    pub fn set_one(&mut self, name: &str, value: &str) -> Result<(), SetError> {
        let param = find_param(name).ok_or_else(|| SetError::UnknownDirective(name.to_string()))?;
        (param.set)(self, value).map_err(SetError::InvalidDirective)
    }

    /// Build the configuration from the optional TOML file and then `directives`, in order
    /// (so a directive given after the file wins, as flags do over `redis.conf`). Each
    /// directive is a Redis name (`port`, `tls-port`, `min-replicas-to-write`, …) and its text
    /// value, set as the config file would set it.
    pub fn from_directives(
        file: Option<&Path>,
        directives: &[(&str, String)],
    ) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
            cfg.apply_toml(&text)
                .map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))?;
            cfg.config_file = Some(path.to_path_buf());
        }
        for (name, value) in directives {
            cfg.set_one(name, value)
                .map_err(|e| ConfigError(format!("--{name}: {e}")))?;
        }
        Ok(cfg)
    }

    /// Apply a TOML document: every key must be a known directive or `user` tables.
    pub fn apply_toml(&mut self, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError(e.to_string().trim().to_string()))?;
        for (key, value) in &table {
            let at = || {
                line_of(text, key)
                    .map(|l| format!(" (line {l})"))
                    .unwrap_or_default()
            };
            if key == "user" {
                let users = value.as_array().ok_or_else(|| {
                    ConfigError(format!("`user` must be [[user]] tables{}", at()))
                })?;
                for u in users {
                    self.users
                        .push(parse_user(u).map_err(|e| ConfigError(format!("{e}{}", at())))?);
                }
                continue;
            }
            let Some(param) = find_param(key) else {
                return Err(ConfigError(format!("unknown key `{key}`{}", at())));
            };
            let text_value = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => yes_no(*b),
                toml::Value::Array(a) if param.name == "bind" => a
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| ConfigError(format!("`bind` must be strings{}", at())))?
                    .join(" "),
                _ => {
                    return Err(ConfigError(format!(
                        "`{key}` must be a string, integer or boolean{}",
                        at()
                    )));
                }
            };
            (param.set)(self, &text_value)
                .map_err(|e| ConfigError(format!("`{key}`: {e}{}", at())))?;
        }
        Ok(())
    }

    /// The TOML text CONFIG REWRITE writes: every parameter plus the users.
    pub fn to_toml(&self) -> String {
        let mut table = toml::Table::new();
        for p in PARAMS {
            let v = (p.get)(self);
            let value = match p.name {
                "port"
                | "tls-port"
                | "replica-priority"
                | "maxclients"
                | "tcp-backlog"
                | "timeout"
                | "tcp-keepalive"
                | "repl-ping-replica-period"
                | "replica-announce-port"
                | "repl-timeout" => v
                    .parse::<i64>()
                    .map(toml::Value::Integer)
                    .unwrap_or(toml::Value::String(v)),
                "bind" => toml::Value::Array(
                    self.bind
                        .iter()
                        .map(|b| toml::Value::String(b.clone()))
                        .collect(),
                ),
                "requirepass"
                | "masterauth"
                | "tls-cert-file"
                | "tls-key-file"
                | "tls-ca-cert-file"
                | "tls-ca-cert-dir"
                | "tls-protocols"
                | "masteruser"
                | "replicaof"
                | "replica-announce-ip"
                    if v.is_empty() =>
                {
                    continue;
                }
                _ => toml::Value::String(v),
            };
            table.insert(p.name.to_string(), value);
        }
        if !self.users.is_empty() {
            let users = self
                .users
                .iter()
                .map(|u| {
                    let mut t = toml::Table::new();
                    t.insert("name".into(), toml::Value::String(u.name.clone()));
                    if let Some(pw) = &u.password {
                        t.insert("password".into(), toml::Value::String(pw.clone()));
                    }
                    t.insert(
                        "commands".into(),
                        toml::Value::Array(
                            u.rules
                                .iter()
                                .map(|r| toml::Value::String(r.to_string()))
                                .collect(),
                        ),
                    );
                    toml::Value::Table(t)
                })
                .collect();
            table.insert("user".into(), toml::Value::Array(users));
        }
        let mut out = String::from("# Written by rkv CONFIG REWRITE.\n");
        out.push_str(&toml::to_string(&table).unwrap_or_default());
        out
    }

    /// CONFIG REWRITE: write the file atomically (temp file, fsync, rename).
    pub fn rewrite(&self) -> Result<(), SetError> {
        let Some(path) = &self.config_file else {
            return Err(SetError::NoConfigFile);
        };
        Ok(write_atomic(path, self.to_toml().as_bytes())?)
    }
}

fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config"),
        std::process::id()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("[[").unwrap_or(l);
            let l = l.trim_start_matches('"');
            l.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.trim_start_matches('"').trim_start();
                rest.starts_with('=') || rest.starts_with("]]")
            })
        })
        .map(|i| i + 1)
}

fn parse_user(v: &toml::Value) -> Result<User, String> {
    let t = v.as_table().ok_or("`user` entries must be tables")?;
    for k in t.keys() {
        if !matches!(k.as_str(), "name" | "password" | "commands") {
            return Err(format!("unknown key `{k}` in [[user]]"));
        }
    }
    let name = t
        .get("name")
        .and_then(|n| n.as_str())
        .ok_or("[[user]] needs a `name`")?
        .to_string();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err("[[user]] name must be a non-empty word".to_string());
    }
    let password = t.get("password").map(|p| {
        p.as_str()
            .map(str::to_string)
            .ok_or("[[user]] password must be a string")
    });
    let password = password.transpose()?;
    let mut rules = Vec::new();
    if let Some(cmds) = t.get("commands") {
        let arr = cmds
            .as_array()
            .ok_or("[[user]] commands must be an array of strings")?;
        for c in arr {
            let s = c.as_str().ok_or("[[user]] commands must be strings")?;
            rules.push(Rule::parse(s)?);
        }
    }
    Ok(User {
        name,
        password,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_masks_passwords() {
        let c = Config {
            requirepass: Some("hunter2".into()),
            masterauth: Some("s3cret".into()),
            ..Config::default()
        };
        let text = format!("{c:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("s3cret"),
            "{text}"
        );
        assert!(text.contains("requirepass: \"***\""), "{text}");
    }

    #[test]
    fn toml_keys_and_unknown_key_line() {
        let mut c = Config::default();
        c.apply_toml(
            "port = 7000\nbind = [\"127.0.0.1\", \"::1\"]\nsave = \"60 10\"\nappendonly = true\n",
        )
        .unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.bind, vec!["127.0.0.1", "::1"]);
        assert_eq!(c.save, vec![(60, 10)]);
        assert!(c.appendonly);
        let err = Config::default()
            .apply_toml("port = 1\n\nbogus = 3\n")
            .unwrap_err();
        assert_eq!(err.0, "unknown key `bogus` (line 3)");
    }

    #[test]
    fn users_parse() {
        let mut c = Config::default();
        c.apply_toml(
            "[[user]]\nname = \"repl\"\npassword = \"pw\"\ncommands = [\"-@all\", \"+psync\", \"+replconf\", \"+ping\"]\n",
        )
        .unwrap();
        assert_eq!(c.users.len(), 1);
        assert_eq!(c.users[0].rules.len(), 4);
        let err = Config::default()
            .apply_toml("[[user]]\nname = \"x\"\ncolor = 1\n")
            .unwrap_err();
        assert!(err.0.contains("unknown key `color`"), "{}", err.0);
    }

    #[test]
    fn config_set_rules() {
        let mut c = Config::default();
        c.set_many(&[("maxclients", "5"), ("save", "10 1")])
            .unwrap();
        assert_eq!(c.maxclients, 5);
        let err = c.set_many(&[("port", "1")]).unwrap_err().to_string();
        assert_eq!(
            err,
            "CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"
        );
        let err = c
            .set_many(&[("maxclients", "9"), ("maxclients", "x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate"));
        assert_eq!(c.maxclients, 5);
        assert!(
            c.set_many(&[("nope", "1")])
                .unwrap_err()
                .to_string()
                .starts_with("Unknown option")
        );
        let got = c.get_matching(&[b"max*", b"maxclients"]);
        assert_eq!(got, vec![("maxclients", "5".to_string())]);
    }

    #[test]
    fn memory_values() {
        assert_eq!(parse_memory("1gb").unwrap(), 1 << 30);
        assert_eq!(parse_memory("2k").unwrap(), 2000);
        assert_eq!(parse_memory("512MB").unwrap(), 512 << 20);
        assert!(parse_memory("x").is_err());
    }

    #[test]
    fn rewrite_round_trips() {
        let mut c = Config::default();
        c.apply_toml("port = 7001\nrequirepass = \"s\"\nsave = \"100 2\"\n[[user]]\nname = \"r\"\npassword = \"p\"\ncommands = [\"+ping\"]\n").unwrap();
        let mut d = Config::default();
        d.apply_toml(&c.to_toml()).unwrap();
        assert_eq!(d.port, 7001);
        assert_eq!(d.requirepass.as_deref(), Some("s"));
        assert_eq!(d.save, vec![(100, 2)]);
        assert_eq!(d.users, c.users);
    }
}
