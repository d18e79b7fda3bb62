//! The command line, as clap types only. This is the contract in
//! `shared/design/cli-contract.md`; keep the two in step.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Set up, check and change Redis-protocol replication; run a Redis-compatible store node.
#[derive(Debug, Parser)]
#[command(name = "rkv", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every subcommand; accepted before or after it. They are listed under
/// their own headings, after each subcommand's own options.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Password for AUTH on every node contacted.
    #[arg(
        short = 'a',
        long,
        global = true,
        env = "RKV_PASSWORD",
        hide_env_values = true
    )]
    pub password: Option<String>,

    /// ACL user name for AUTH (none: AUTH with the password alone).
    #[arg(short = 'u', long, global = true, env = "RKV_USER")]
    pub user: Option<String>,

    /// TOML inventory of nodes.
    #[arg(
        short = 'i',
        long,
        global = true,
        env = "RKV_INVENTORY",
        value_name = "FILE"
    )]
    pub inventory: Option<PathBuf>,

    /// Output format: a human table, one JSON document, or tab-separated rows.
    #[arg(short = 'o', long, global = true, env = "RKV_OUTPUT", value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Per-node connect and command timeout, e.g. 500ms, 2s.
    #[arg(long, global = true, value_parser = parse_duration, default_value = "2s", value_name = "DURATION")]
    pub timeout: Duration,

    /// No ANSI colour (also off when stdout is not a terminal).
    #[arg(long, global = true, env = "NO_COLOR", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_color: bool,

    /// Print less on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Add an SSH host's key to known_hosts when none is recorded yet (like ssh's
    /// accept-new); a changed key is still refused.
    #[arg(long, global = true)]
    pub accept_new_host_key: bool,

    /// Speak TLS to every node and Sentinel contacted (as redis-cli --tls).
    #[arg(long, global = true, env = "RKV_TLS", value_parser = clap::builder::FalseyValueParser::new(), help_heading = "Global TLS options")]
    pub tls: bool,

    /// CA certificate file to verify servers with (implies --tls).
    #[arg(
        long,
        global = true,
        env = "RKV_TLS_CACERT",
        value_name = "FILE",
        help_heading = "Global TLS options"
    )]
    pub cacert: Option<PathBuf>,

    /// Directory of hashed CA certificates to verify servers with (implies --tls).
    #[arg(
        long,
        global = true,
        env = "RKV_TLS_CACERTDIR",
        value_name = "DIR",
        help_heading = "Global TLS options"
    )]
    pub cacertdir: Option<PathBuf>,

    /// Client certificate for servers with tls-auth-clients (implies --tls).
    #[arg(
        long,
        global = true,
        env = "RKV_TLS_CERT",
        value_name = "FILE",
        help_heading = "Global TLS options"
    )]
    pub cert: Option<PathBuf>,

    /// Private key of the client certificate (implies --tls).
    #[arg(
        long,
        global = true,
        env = "RKV_TLS_KEY",
        value_name = "FILE",
        help_heading = "Global TLS options"
    )]
    pub key: Option<PathBuf>,

    /// Server name to send in the TLS handshake (SNI).
    #[arg(
        long,
        global = true,
        env = "RKV_TLS_SNI",
        value_name = "NAME",
        help_heading = "Global TLS options"
    )]
    pub sni: Option<String>,

    /// Do not verify servers' certificates (as redis-cli --insecure).
    #[arg(long, global = true, env = "RKV_TLS_INSECURE", value_parser = clap::builder::FalseyValueParser::new(), help_heading = "Global TLS options")]
    pub insecure: bool,

    /// Password for AUTH on Sentinels (they often differ from the nodes').
    #[arg(
        long,
        global = true,
        env = "RKV_SENTINEL_PASSWORD",
        hide_env_values = true,
        value_name = "PW"
    )]
    pub sentinel_password: Option<String>,

    /// ACL user for AUTH on Sentinels.
    #[arg(long, global = true, env = "RKV_SENTINEL_USER", value_name = "NAME")]
    pub sentinel_user: Option<String>,
}

impl GlobalArgs {
    /// TLS from the flags: Some when `--tls` or any TLS file option is given.
    pub fn tls(&self) -> Option<crate::transport::tls::TlsSettings> {
        let any = self.tls
            || self.cacert.is_some()
            || self.cacertdir.is_some()
            || self.cert.is_some()
            || self.key.is_some()
            || self.insecure;
        any.then(|| crate::transport::tls::TlsSettings {
            cacert: self.cacert.clone(),
            cacertdir: self.cacertdir.clone(),
            cert: self.cert.clone(),
            key: self.key.clone(),
            sni: self.sni.clone(),
            insecure: self.insecure,
        })
    }

    /// Whether the password came from the command line itself (not the environment): then
    /// it is visible to every user of the host in `ps`, and we say so as redis-cli does.
    pub fn password_on_command_line(&self) -> bool {
        self.password.is_some() && std::env::var_os("RKV_PASSWORD").is_none_or(|v| v.is_empty())
    }

    /// The password from `--password`, else `RKV_PASSWORD` (clap), else `REDISCLI_AUTH`.
    pub fn effective_password(&self) -> Option<String> {
        self.password.clone().or_else(|| {
            std::env::var("REDISCLI_AUTH")
                .ok()
                .filter(|p| !p.is_empty())
        })
    }
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A human table.
    Table,
    /// One JSON document.
    Json,
    /// Tab-separated rows, for cut and awk.
    Tsv,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once at start; boxing would only add noise at every match"
)]
pub enum Command {
    /// Run a store node speaking RESP: a Redis-compatible server.
    Serve(ServeArgs),
    /// Run a master and N replicas of `rkv serve` on loopback, in this process, to try rkv.
    Lab(LabArgs),
    /// Show one node's replication state, parsed (or raw with --raw).
    Info(InfoArgs),
    /// Discover the master/replica graph from seed nodes (or the inventory) and show it.
    Topology(TopologyArgs),
    /// Check every link and offset; exit 0 only when all is healthy.
    Verify(VerifyArgs),
    /// Make REPLICA a replica of MASTER (link credentials set too), then wait for the sync.
    Replicate(ReplicateArgs),
    /// Low-level: make one replica a master (REPLICAOF NO ONE), with checks.
    Promote(PromoteArgs),
    /// Guided promotion: choose a candidate, show the plan, confirm, switch, re-point, verify.
    Failover(FailoverArgs),
    /// Replication runbooks as files: check, run, list and show playbooks.
    Playbook(PlaybookArgs),
    /// Set up (or remove) Redis Sentinel monitoring of a master on every Sentinel.
    Sentinel(SentinelArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (to DIR, default: the current directory).
    Man {
        /// Where to write rkv.1 and one page per subcommand.
        dir: Option<PathBuf>,
    },
}

/// `rkv lab` options.
#[derive(Debug, Clone, Args)]
pub struct LabArgs {
    /// How many replicas to start.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(0..=64))]
    pub replicas: u16,

    /// The master's port; replicas take the ports after it.
    #[arg(long, default_value_t = 7000)]
    pub port: u16,
}

/// `rkv serve` options. Every option is also a key of the `--config` TOML file, named like the
/// redis.conf directive; a flag wins over the file.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// TCP port to listen on (0: pick a free one and log it).
    #[arg(long)]
    pub port: Option<u16>,

    /// Address to bind (repeatable). Default 127.0.0.1.
    #[arg(long = "bind", value_name = "ADDR")]
    pub bind: Vec<String>,

    /// Replicate from this master at start.
    #[arg(long, value_name = "HOST:PORT")]
    pub replicaof: Option<String>,

    /// Password of the default user. Given on the command line it is moved out of the
    /// process list at once (rkv re-executes itself with it in RKV_REQUIREPASS).
    #[arg(
        long,
        value_name = "PW",
        env = "RKV_REQUIREPASS",
        hide_env_values = true,
        conflicts_with = "requirepass_file"
    )]
    pub requirepass: Option<String>,

    /// Read the default user's password from this file (its first line).
    #[arg(long, value_name = "FILE")]
    pub requirepass_file: Option<PathBuf>,

    /// ACL user this node authenticates as on its master.
    #[arg(long, value_name = "USER")]
    pub masteruser: Option<String>,

    /// Password this node authenticates with on its master (moved out of the process list
    /// like --requirepass, to RKV_MASTERAUTH).
    #[arg(
        long,
        value_name = "PW",
        env = "RKV_MASTERAUTH",
        hide_env_values = true
    )]
    pub masterauth: Option<String>,

    /// Priority as a failover candidate (0: never).
    #[arg(long, value_name = "N")]
    pub replica_priority: Option<u32>,

    /// Directory for dump.rdb and the append-only file.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Log every write to an append-only file and replay it at start.
    #[arg(long)]
    pub appendonly: bool,

    /// TLS port to listen on (with --port 0: TLS only).
    #[arg(long, value_name = "PORT", help_heading = "TLS")]
    pub tls_port: Option<String>,

    /// Certificate (PEM) for the TLS port, also the client certificate of our replication link.
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub tls_cert_file: Option<String>,

    /// Private key of --tls-cert-file.
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub tls_key_file: Option<String>,

    /// CA certificate to verify clients and our master with.
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub tls_ca_cert_file: Option<String>,

    /// Directory of hashed CA certificates to verify clients and our master with.
    #[arg(long, value_name = "DIR", help_heading = "TLS")]
    pub tls_ca_cert_dir: Option<String>,

    /// yes (default): clients must present a certificate; optional: verified when given; no.
    #[arg(long, value_name = "yes|no|optional", help_heading = "TLS")]
    pub tls_auth_clients: Option<String>,

    /// yes: our link to a master uses TLS.
    #[arg(long, value_name = "yes|no", help_heading = "TLS")]
    pub tls_replication: Option<String>,

    /// TLS versions to accept, e.g. "TLSv1.2 TLSv1.3" (default both).
    #[arg(long, value_name = "LIST", help_heading = "TLS")]
    pub tls_protocols: Option<String>,

    /// TOML configuration file (keys named like redis.conf directives); CONFIG REWRITE writes it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// When the AOF is fsynced: always, everysec (default) or no.
    #[arg(long, value_name = "POLICY")]
    pub appendfsync: Option<String>,

    /// Save points as redis.conf writes them, e.g. "3600 1 300 100" ("" for none, the default).
    #[arg(long, value_name = "POINTS")]
    pub save: Option<String>,

    /// Most simultaneous clients (default 10000).
    #[arg(long, value_name = "N")]
    pub maxclients: Option<u64>,

    /// yes/no: refuse non-loopback clients while the default user has no password.
    #[arg(long, value_name = "yes|no")]
    pub protected_mode: Option<String>,

    /// Largest query buffer per client, e.g. 1gb (default).
    #[arg(long, value_name = "SIZE")]
    pub client_query_buffer_limit: Option<String>,
}

/// `rkv info` options.
#[derive(Debug, Clone, Args)]
pub struct InfoArgs {
    /// The node to read (an address, a redis:// URL or an inventory name).
    #[arg(
        value_name = "NODE",
        help = "The node: HOST:PORT, HOST, [IPv6]:PORT, redis://… URL, or an inventory name"
    )]
    pub node: String,

    /// Print INFO replication exactly as the node sent it.
    #[arg(long)]
    pub raw: bool,
}

/// `rkv topology` options.
#[derive(Debug, Clone, Args)]
pub struct TopologyArgs {
    /// Seed nodes (default: every node of the inventory).
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,

    /// A Sentinel to ask about the group (repeatable; others are found from it and from the
    /// masters' __sentinel__:hello channel).
    #[arg(long = "sentinel", value_name = "ADDR")]
    pub sentinels: Vec<String>,
}

/// `rkv verify` options.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Seed nodes (default: every node of the inventory).
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,

    /// Most bytes a replica may be behind its master (default: not checked).
    #[arg(long, value_name = "N")]
    pub max_lag_bytes: Option<u64>,

    /// Most seconds since a replica last acknowledged (default: not checked).
    #[arg(long, value_name = "S")]
    pub max_lag_seconds: Option<u64>,

    /// Keep checking (every 500 ms) until healthy or this much time has passed, e.g. 30s.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub wait: Option<Duration>,

    /// A Sentinel to check too (repeatable; others are found from it and from the masters'
    /// __sentinel__:hello channel).
    #[arg(long = "sentinel", value_name = "ADDR")]
    pub sentinels: Vec<String>,
}

/// `rkv replicate` options.
#[derive(Debug, Clone, Args)]
pub struct ReplicateArgs {
    /// The node to re-point (its data and its own replicas' data will be replaced).
    #[arg(value_name = "REPLICA")]
    pub replica: String,

    /// The master it must follow.
    #[arg(long, value_name = "MASTER")]
    pub to: String,

    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Return once the node accepted REPLICAOF, without waiting for the sync.
    #[arg(long)]
    pub no_wait: bool,

    /// How long to wait for the link and the sync, e.g. 60s.
    #[arg(long, value_parser = parse_duration, default_value = "60s", value_name = "DURATION")]
    pub wait_timeout: Duration,

    /// Done when the replica is at most this many bytes behind the master offset read just
    /// before it (0: it reached that offset).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_lag_bytes: u64,

    /// Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
}

/// `rkv promote` options.
#[derive(Debug, Clone, Args)]
pub struct PromoteArgs {
    /// The replica to promote.
    #[arg(value_name = "REPLICA")]
    pub replica: String,

    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Promote even though its master is alive (two masters: use `rkv failover` instead).
    #[arg(long)]
    pub force: bool,

    /// Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
}

/// `rkv failover` options.
#[derive(Debug, Clone, Args)]
pub struct FailoverArgs {
    /// Seed nodes (default: every node of the inventory).
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,

    /// The replica to promote (default: the best eligible one).
    #[arg(long, value_name = "CANDIDATE")]
    pub to: Option<String>,

    /// Do not ask; without --to, pick the best candidate.
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Print the ranking and the plan, change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Sentinels watching the group (others are found from the master's __sentinel__:hello);
    /// when Sentinels watch, the switchover is done through them (SENTINEL FAILOVER).
    #[arg(long = "sentinel", value_name = "ADDR")]
    pub sentinels: Vec<String>,

    /// Switch over without the Sentinels watching the master (they will go on naming the old
    /// master, and may fight the change).
    #[arg(long)]
    pub ignore_sentinel: bool,

    /// Longest time writes may be held on the master while the candidate catches up.
    #[arg(long, value_parser = parse_duration, default_value = "5s", value_name = "DURATION")]
    pub max_write_pause: Duration,

    /// Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,

    /// How long the final verification waits for every link to come up.
    #[arg(long, value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub wait_timeout: Duration,

    /// An old master that wrote past the point where the new master forked from it (a split):
    /// drop those writes and re-point it anyway (repeatable). Without this or --carry-over
    /// such a node is refused and left as it is, keeping its writes.
    #[arg(long = "discard-writes-of", value_name = "NODE")]
    pub discard_writes_of: Vec<String>,

    /// Replay an old master's writes past the fork on the new master (read from its backlog
    /// as a replica would, shown, then applied in one MULTI/EXEC with its writes paused)
    /// before re-pointing it.
    #[arg(long)]
    pub carry_over: bool,
}

/// `rkv playbook` options.
#[derive(Debug, Clone, Args)]
pub struct PlaybookArgs {
    /// What to do with playbooks.
    #[command(subcommand)]
    pub command: PlaybookCommand,
}

/// `rkv playbook` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum PlaybookCommand {
    /// Parse and validate a playbook (errors as FILE:LINE:COL, exit 2); with --inventory,
    /// node names must be in it.
    Check {
        /// A playbook file, or the name of a shipped one.
        #[arg(value_name = "FILE|NAME")]
        playbook: String,
    },
    /// Resolve the variables, show the topology and the plan, ask once, run the steps.
    Run(PlaybookRunArgs),
    /// List the shipped playbooks.
    List,
    /// Print a shipped playbook (to copy and adapt).
    Show {
        /// Its name, as `rkv playbook list` shows it.
        #[arg(value_name = "NAME")]
        name: String,
    },
}

/// `rkv playbook run` options.
#[derive(Debug, Clone, Args)]
pub struct PlaybookRunArgs {
    /// A playbook file, or the name of a shipped one.
    #[arg(value_name = "FILE|NAME")]
    pub playbook: String,

    /// A variable's value (repeatable); `nodes` variables take a comma-separated list.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,

    /// Do not ask for confirmation (needed without a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Print the topology and the plan, change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Start at this step of the plan (as numbered in it): resume a stopped run.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub from_step: usize,

    /// Where to write the JSON-lines journal (default: under $XDG_STATE_HOME/rkv/journal).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
}

/// Parse `NAME=VALUE`.
pub fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

/// `rkv sentinel` subcommands.
#[derive(Debug, Clone, Args)]
pub struct SentinelArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: SentinelAction,
}

/// `rkv sentinel monitor` / `remove`.
#[derive(Debug, Clone, Subcommand)]
pub enum SentinelAction {
    /// Make every Sentinel monitor MASTER under NAME (SENTINEL MONITOR and SENTINEL SET, with
    /// the link credentials), then wait until each sees the others and every replica.
    Monitor(SentinelMonitorArgs),
    /// Stop monitoring NAME on every Sentinel (SENTINEL REMOVE).
    Remove(SentinelRemoveArgs),
}

/// `rkv sentinel monitor` options.
#[derive(Debug, Clone, Args)]
pub struct SentinelMonitorArgs {
    /// The master name Sentinels and their clients use.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The master to monitor (address or inventory name).
    #[arg(value_name = "MASTER")]
    pub master: String,

    /// Sentinels that must agree the master is down before a failover.
    #[arg(long, value_name = "N")]
    pub quorum: u32,

    /// A Sentinel to configure (repeatable; default: the inventory's [[sentinels]]).
    #[arg(long = "sentinel", value_name = "ADDR")]
    pub sentinels: Vec<String>,

    /// down-after-milliseconds: how long the master may be silent before it is down.
    #[arg(long, value_parser = parse_duration, default_value = "5s", value_name = "DURATION")]
    pub down_after: Duration,

    /// failover-timeout.
    #[arg(long, value_parser = parse_duration, default_value = "60s", value_name = "DURATION")]
    pub failover_timeout: Duration,

    /// parallel-syncs: replicas re-pointed at once after a failover.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub parallel_syncs: u32,

    /// How long to wait until every Sentinel sees the others and every replica.
    #[arg(long, value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub wait_timeout: Duration,
}

/// `rkv sentinel remove` options.
#[derive(Debug, Clone, Args)]
pub struct SentinelRemoveArgs {
    /// The master name to forget.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// A Sentinel to change (repeatable; default: the inventory's [[sentinels]]).
    #[arg(long = "sentinel", value_name = "ADDR")]
    pub sentinels: Vec<String>,
}

/// Parse a human duration such as `500ms`, `2s`, `1m30s`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("invalid duration {s:?}: {e}"))
}
