//! Pure parsers for `INFO` text and the `ROLE` reply, tolerant of every Redis version from 2.6
//! to 7.x and of Valkey 8: every field is optional, unknown keys are ignored, `-1` means
//! "not known", lines split on the first `:` only (values may hold IPv6 addresses), and
//! `slaveN` entries come either as 2.8+ `key=value` lists (extra keys allowed) or as 2.6's
//! positional `ip,port,state`.

use serde::Serialize;

/// Longest INFO text we parse; anything past it is ignored (a real INFO is a few KB).
pub const MAX_INFO_LEN: usize = 1 << 20;

/// Most `slaveN` entries we keep from one master.
pub const MAX_LISTED_REPLICAS: usize = 4096;

/// One INFO reply split into sections of `(key, value)` pairs, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfoDoc {
    /// `(section name lowercased, fields)`; fields before any header go to section "".
    pub sections: Vec<(String, Vec<(String, String)>)>,
}

impl InfoDoc {
    /// Parse INFO text (any sections). Lines without `:` are skipped.
    pub fn parse(text: &str) -> InfoDoc {
        let text = truncate(text, MAX_INFO_LEN);
        let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for line in text.lines() {
            let line = line.trim_end_matches('\r').trim();
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('#') {
                sections.push((name.trim().to_ascii_lowercase(), Vec::new()));
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if sections.is_empty() {
                sections.push((String::new(), Vec::new()));
            }
            if let Some((_, fields)) = sections.last_mut() {
                fields.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        InfoDoc { sections }
    }

    /// The first value of `key` in any section.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.sections
            .iter()
            .flat_map(|(_, f)| f.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every `(key, value)` in every section, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sections
            .iter()
            .flat_map(|(_, f)| f.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A node's replication role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Accepts writes; may have replicas.
    Master,
    /// Follows a master (`slave` or `replica` in INFO/ROLE).
    Replica,
    /// Not reported, or a role we do not know (e.g. `sentinel`).
    #[default]
    Unknown,
}

impl Role {
    /// Parse INFO's `role:` or ROLE's first element.
    pub fn parse(s: &str) -> Role {
        match s.to_ascii_lowercase().as_str() {
            "master" | "primary" => Role::Master,
            "slave" | "replica" => Role::Replica,
            _ => Role::Unknown,
        }
    }

    /// `master`, `replica` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Replica => "replica",
            Role::Unknown => "unknown",
        }
    }
}

/// One `slaveN:` line of a master's INFO.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListedReplica {
    /// The N in `slaveN`.
    pub index: u32,
    /// The address the replica announced (or its socket peer).
    pub ip: String,
    /// Its listening port.
    pub port: Option<u16>,
    /// `wait_bgsave`, `send_bulk`, `online`, Valkey's `bg_transfer`, …
    pub state: Option<String>,
    /// The replica's last acknowledged offset (2.8+).
    pub offset: Option<i64>,
    /// Seconds since its last ACK (2.8+).
    pub lag: Option<i64>,
    /// Valkey 8's `type=` (e.g. `replica` or `rdb-channel`).
    pub kind: Option<String>,
}

/// Parse the value of a `slaveN` line (without the key).
pub fn parse_listed_replica(index: u32, value: &str) -> Option<ListedReplica> {
    let mut r = ListedReplica {
        index,
        ..ListedReplica::default()
    };
    if value.contains('=') {
        for part in value.split(',') {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            match k.trim() {
                "ip" => r.ip = v.to_string(),
                "port" => r.port = v.parse().ok(),
                "state" => r.state = Some(v.to_string()),
                "offset" => r.offset = v.parse().ok(),
                "lag" => r.lag = v.parse().ok(),
                "type" => r.kind = Some(v.to_string()),
                _ => {}
            }
        }
    } else {
        // 2.6: positional `ip,port,state`.
        let mut it = value.split(',');
        r.ip = it.next()?.to_string();
        r.port = it.next().and_then(|p| p.parse().ok());
        r.state = it.next().map(str::to_string);
    }
    (!r.ip.is_empty()).then_some(r)
}

/// Everything rkv reads from `INFO replication` (and the server fields from `INFO server`).
/// Every field is optional because some Redis version lacks it; `-1` sentinels become `None`
/// where they mean "unknown".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReplicationInfo {
    /// `role`.
    pub role: Role,
    /// `connected_slaves`.
    pub connected_slaves: Option<u32>,
    /// `slaveN` entries in N order.
    pub replicas: Vec<ListedReplica>,
    /// `master_host`.
    pub master_host: Option<String>,
    /// `master_port`.
    pub master_port: Option<u16>,
    /// `master_link_status`: true when `up`.
    pub master_link_up: Option<bool>,
    /// `master_last_io_seconds_ago` (`-1`: never).
    pub master_last_io_seconds_ago: Option<i64>,
    /// `master_sync_in_progress`.
    pub master_sync_in_progress: Option<bool>,
    /// `master_sync_total_bytes` (`-1`: unknown, diskless).
    pub master_sync_total_bytes: Option<i64>,
    /// `master_sync_read_bytes`.
    pub master_sync_read_bytes: Option<i64>,
    /// `master_sync_left_bytes`.
    pub master_sync_left_bytes: Option<i64>,
    /// `master_sync_perc` as written (e.g. `-0.00` while diskless).
    pub master_sync_perc: Option<String>,
    /// `master_sync_last_io_seconds_ago`.
    pub master_sync_last_io_seconds_ago: Option<i64>,
    /// `master_link_down_since_seconds` (`-1` in 7.0 before the first link).
    pub master_link_down_since_seconds: Option<i64>,
    /// `slave_repl_offset`.
    pub slave_repl_offset: Option<i64>,
    /// `slave_read_repl_offset` (6.2.6+).
    pub slave_read_repl_offset: Option<i64>,
    /// `slave_priority` or `replica_priority`.
    pub priority: Option<i64>,
    /// `slave_read_only` or `replica_read_only`.
    pub read_only: Option<bool>,
    /// `replica_announced` (6.2.2+).
    pub replica_announced: Option<bool>,
    /// `master_failover_state` (6.2+).
    pub master_failover_state: Option<String>,
    /// `rkv_last_apply_error` (rkv serve): a command from its master this replica could not
    /// apply, so its data may differ from the master's.
    pub apply_error: Option<String>,
    /// `master_replid` (4.0+).
    pub master_replid: Option<String>,
    /// `master_replid2` (4.0+; all zeros when none).
    pub master_replid2: Option<String>,
    /// `master_repl_offset`.
    pub master_repl_offset: Option<i64>,
    /// `second_repl_offset` (`-1`: none).
    pub second_repl_offset: Option<i64>,
    /// `master_repl_meaningful_offset` (6.0.0–6.0.3 only).
    pub master_repl_meaningful_offset: Option<i64>,
    /// `repl_backlog_active`.
    pub repl_backlog_active: Option<bool>,
    /// `repl_backlog_size`.
    pub repl_backlog_size: Option<i64>,
    /// `repl_backlog_first_byte_offset`.
    pub repl_backlog_first_byte_offset: Option<i64>,
    /// `repl_backlog_histlen`.
    pub repl_backlog_histlen: Option<i64>,
    /// `redis_version` (Valkey reports 7.2.4 here for compatibility).
    pub redis_version: Option<String>,
    /// `valkey_version` (Valkey only).
    pub valkey_version: Option<String>,
    /// `server_name` (Valkey: `valkey`).
    pub server_name: Option<String>,
    /// `run_id`.
    pub run_id: Option<String>,
    /// `uptime_in_seconds` (INFO server).
    pub uptime_in_seconds: Option<i64>,
    /// `sync_full` (INFO stats): full syncs this node served as a master.
    pub sync_full: Option<i64>,
    /// The link to the master has never been up since this server started. 6.2+ say so
    /// with `master_link_down_since_seconds:-1`; up to 6.0 they report the seconds since
    /// 1970 (now minus a zero timestamp), which we read as "never up", not as a duration.
    pub master_link_never_up: bool,
    /// `min_slaves_good_slaves`: replicas that count for `min-replicas-to-write` (shown only
    /// while both min-replicas settings are on).
    pub min_slaves_good_slaves: Option<i64>,
    /// `min-replicas-to-write` from `CONFIG GET` (not INFO; filled in by discovery on
    /// masters; `None` when CONFIG is refused or renamed).
    pub min_replicas_to_write: Option<i64>,
}

/// Links down longer than this (ten years) are the ≤6.0 "seconds since 1970" quirk.
const NEVER_UP_SECONDS: i64 = 10 * 365 * 24 * 3600;

/// A server's version and the capabilities rkv relies on. Valkey keeps its own numbers
/// (shown as `valkey 8.0.1`, never read as Redis 8): capability checks use the Redis
/// version it is compatible with (Valkey 7.2 and 8 have Redis 7.2's commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ServerVersion {
    /// Valkey rather than Redis.
    pub valkey: bool,
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
    /// Patch number.
    pub patch: u32,
}

impl ServerVersion {
    /// Parse `7.2.6` (missing minor/patch are 0; anything after a non-digit is ignored, as
    /// in `7.2.6-rc1`). `valkey` says whose numbering it is.
    pub fn parse(text: &str, valkey: bool) -> Option<ServerVersion> {
        let mut nums = text.trim().split('.').map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        });
        let major = nums.next().flatten()?;
        Some(ServerVersion {
            valkey,
            major,
            minor: nums.next().flatten().unwrap_or(0),
            patch: nums.next().flatten().unwrap_or(0),
        })
    }

    /// Parse a version as rkv shows it ([`ReplicationInfo::version`]): `valkey 8.0.1` is
    /// Valkey's 8.0.1, anything else Redis's numbering (`7.2.6`).
    pub fn parse_shown(text: &str) -> Option<ServerVersion> {
        let text = text.trim();
        match text.split_once(' ') {
            Some((name, v)) if name.eq_ignore_ascii_case("valkey") => Self::parse(v, true),
            _ => Self::parse(text, false),
        }
    }

    /// The Redis `(major, minor)` whose commands this server has.
    pub fn redis_equivalent(&self) -> (u32, u32) {
        if self.valkey {
            // Valkey forked from Redis 7.2.4; 7.2.x and 8.x have its command set (and more).
            (7, 2)
        } else {
            (self.major, self.minor)
        }
    }

    /// True when it has Redis `major.minor`'s capabilities.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.redis_equivalent() >= (major, minor)
    }

    /// `CLIENT PAUSE ms WRITE` (6.2+).
    pub fn has_client_pause_write(&self) -> bool {
        self.at_least(6, 2)
    }

    /// `FAILOVER` (6.2+).
    pub fn has_failover(&self) -> bool {
        self.at_least(6, 2)
    }

    /// `REPLICAOF` (5.0+; before it only `SLAVEOF`).
    pub fn has_replicaof(&self) -> bool {
        self.at_least(5, 0)
    }

    /// `CLIENT PAUSE ms` (3.0+, pausing every client before 6.2).
    pub fn has_client_pause(&self) -> bool {
        self.at_least(3, 0)
    }

    /// PSYNC2 (4.0+): a replid and its history survive a promotion, so siblings partially
    /// resync. Before it (PSYNC1) a promoted replica full-resyncs its siblings.
    pub fn has_psync2(&self) -> bool {
        self.at_least(4, 0)
    }
}

impl std::fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.valkey {
            f.write_str("valkey ")?;
        }
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

fn int(v: &str) -> Option<i64> {
    v.parse().ok()
}

/// An int where `-1` means "unknown".
fn known(v: &str) -> Option<i64> {
    int(v).filter(|n| *n >= 0)
}

fn flag(v: &str) -> Option<bool> {
    match v {
        "1" | "yes" => Some(true),
        "0" | "no" => Some(false),
        _ => None,
    }
}

impl ReplicationInfo {
    /// Parse INFO text (the `replication` section, optionally with `server` and others).
    pub fn parse(text: &str) -> ReplicationInfo {
        Self::from_doc(&InfoDoc::parse(text))
    }

    /// Read the fields rkv knows from a parsed INFO document.
    pub fn from_doc(doc: &InfoDoc) -> ReplicationInfo {
        let mut r = ReplicationInfo::default();
        for (k, v) in doc.fields() {
            match k {
                "role" => r.role = Role::parse(v),
                "connected_slaves" => r.connected_slaves = v.parse().ok(),
                "master_host" => r.master_host = Some(v.to_string()).filter(|h| !h.is_empty()),
                "master_port" => r.master_port = v.parse().ok(),
                "master_link_status" => r.master_link_up = Some(v == "up"),
                "master_last_io_seconds_ago" => r.master_last_io_seconds_ago = known(v),
                "master_sync_in_progress" => r.master_sync_in_progress = flag(v),
                "master_sync_total_bytes" => r.master_sync_total_bytes = int(v),
                "master_sync_read_bytes" => r.master_sync_read_bytes = int(v),
                "master_sync_left_bytes" => r.master_sync_left_bytes = int(v),
                "master_sync_perc" => r.master_sync_perc = Some(v.to_string()),
                "master_sync_last_io_seconds_ago" => r.master_sync_last_io_seconds_ago = known(v),
                "master_link_down_since_seconds" => {
                    r.master_link_down_since_seconds = known(v);
                }
                "slave_repl_offset" | "replica_repl_offset" => r.slave_repl_offset = int(v),
                "slave_read_repl_offset" | "replica_read_repl_offset" => {
                    r.slave_read_repl_offset = int(v);
                }
                "slave_priority" | "replica_priority" => r.priority = int(v),
                "slave_read_only" | "replica_read_only" => r.read_only = flag(v),
                "replica_announced" => r.replica_announced = flag(v),
                "master_failover_state" => r.master_failover_state = Some(v.to_string()),
                "rkv_last_apply_error" => r.apply_error = Some(v.to_string()),
                "master_replid" => r.master_replid = Some(v.to_string()),
                "master_replid2" => r.master_replid2 = Some(v.to_string()),
                "master_repl_offset" => r.master_repl_offset = int(v),
                "second_repl_offset" => r.second_repl_offset = known(v),
                "master_repl_meaningful_offset" => r.master_repl_meaningful_offset = int(v),
                "repl_backlog_active" => r.repl_backlog_active = flag(v),
                "repl_backlog_size" => r.repl_backlog_size = int(v),
                "repl_backlog_first_byte_offset" => r.repl_backlog_first_byte_offset = int(v),
                "repl_backlog_histlen" => r.repl_backlog_histlen = int(v),
                "redis_version" => r.redis_version = Some(v.to_string()),
                "valkey_version" => r.valkey_version = Some(v.to_string()),
                "server_name" => r.server_name = Some(v.to_string()),
                "run_id" => r.run_id = Some(v.to_string()),
                "uptime_in_seconds" => r.uptime_in_seconds = int(v),
                "sync_full" => r.sync_full = int(v),
                "min_slaves_good_slaves" => r.min_slaves_good_slaves = int(v),
                _ => {
                    if let Some(n) = k.strip_prefix("slave").and_then(|n| n.parse::<u32>().ok())
                        && r.replicas.len() < MAX_LISTED_REPLICAS
                        && let Some(rep) = parse_listed_replica(n, v)
                    {
                        r.replicas.push(rep);
                    }
                }
            }
        }
        r.replicas.sort_by_key(|x| x.index);
        if r.role == Role::Replica
            && let Some(down) = doc.get("master_link_down_since_seconds").and_then(int)
        {
            let longer_than_uptime = r.uptime_in_seconds.is_some_and(|up| down > up + 60);
            if !(0..NEVER_UP_SECONDS).contains(&down) || longer_than_uptime {
                r.master_link_never_up = r.master_link_up != Some(true);
                r.master_link_down_since_seconds = None;
            }
        }
        r
    }

    /// The server's version: Valkey's own (`valkey_version`, or `redis_version` when only
    /// `server_name:valkey` says it is Valkey), else `redis_version`.
    pub fn server_version(&self) -> Option<ServerVersion> {
        let valkey = self.valkey_version.is_some()
            || self
                .server_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case("valkey"));
        let text = if valkey {
            self.valkey_version.as_ref().or(self.redis_version.as_ref())
        } else {
            self.redis_version.as_ref()
        }?;
        ServerVersion::parse(text, valkey)
    }

    /// True for a PSYNC1-era server (2.8, 3.x): no replid. Known from the version when INFO
    /// server was read, else from INFO replication having offsets but no `master_replid`.
    pub fn psync1(&self) -> bool {
        match self.server_version() {
            Some(v) => !v.has_psync2(),
            None => self.master_replid.is_none() && self.master_repl_offset.is_some(),
        }
    }

    /// The version to show, as the server spells it: `valkey 8.0.1` for Valkey (never its
    /// compatibility `redis_version`), else `redis_version`.
    pub fn version(&self) -> Option<String> {
        let valkey_named = self
            .server_name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case("valkey"));
        match (&self.valkey_version, &self.redis_version) {
            (Some(v), _) => Some(format!("valkey {v}")),
            (None, Some(v)) if valkey_named => Some(format!("valkey {v}")),
            (None, Some(v)) => Some(v.clone()),
            (None, None) => None,
        }
    }

    /// The replication ID that names this node's history, if the version reports one.
    pub fn replid(&self) -> Option<&str> {
        self.master_replid.as_deref()
    }

    /// The secondary replication ID, `None` when absent or all zeros.
    pub fn replid2(&self) -> Option<&str> {
        self.master_replid2
            .as_deref()
            .filter(|id| !id.bytes().all(|b| b == b'0'))
    }

    /// This node's replication offset: a replica's processed offset, else the master's.
    pub fn offset(&self) -> Option<i64> {
        match self.role {
            Role::Replica => self.slave_repl_offset.or(self.master_repl_offset),
            _ => self.master_repl_offset,
        }
    }
}

/// The reply to `ROLE`, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RoleReply {
    /// `["master", offset, [[ip, port, offset], …]]`.
    Master {
        /// The master's replication offset.
        offset: i64,
        /// Connected replicas: (ip, port, acknowledged offset).
        replicas: Vec<(String, u16, i64)>,
    },
    /// `["slave", host, port, state, offset]`.
    Replica {
        /// The master's host.
        host: String,
        /// The master's port.
        port: u16,
        /// `connect`, `connecting`, `sync`, `connected`, `handshake`, …
        state: String,
        /// Offset processed (-1 before the first sync).
        offset: i64,
    },
    /// `["sentinel", [names…]]`.
    Sentinel {
        /// Monitored master names.
        masters: Vec<String>,
    },
}

/// Why a ROLE reply could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unexpected ROLE reply: {0}")]
pub struct RoleError(pub String);

fn v_str(v: &redis::Value) -> Option<String> {
    match v {
        redis::Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        redis::Value::SimpleString(s) => Some(s.clone()),
        redis::Value::VerbatimString { text, .. } => Some(text.clone()),
        redis::Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

fn v_int(v: &redis::Value) -> Option<i64> {
    match v {
        redis::Value::Int(n) => Some(*n),
        other => v_str(other)?.parse().ok(),
    }
}

/// Parse a `ROLE` reply. Ports and offsets come as integers or bulk strings (the master lists
/// its replicas' ports and offsets as bulk strings).
pub fn parse_role(v: &redis::Value) -> Result<RoleReply, RoleError> {
    let bad = || RoleError(format!("{v:?}").chars().take(200).collect());
    let redis::Value::Array(items) = v else {
        return Err(bad());
    };
    let kind = items.first().and_then(v_str).ok_or_else(bad)?;
    match Role::parse(&kind) {
        Role::Master => {
            let offset = items.get(1).and_then(v_int).ok_or_else(bad)?;
            let mut replicas = Vec::new();
            if let Some(redis::Value::Array(list)) = items.get(2) {
                for r in list.iter().take(MAX_LISTED_REPLICAS) {
                    let redis::Value::Array(f) = r else {
                        return Err(bad());
                    };
                    let ip = f.first().and_then(v_str).ok_or_else(bad)?;
                    let port = f
                        .get(1)
                        .and_then(v_int)
                        .and_then(|p| u16::try_from(p).ok())
                        .ok_or_else(bad)?;
                    let off = f.get(2).and_then(v_int).unwrap_or(0);
                    replicas.push((ip, port, off));
                }
            }
            Ok(RoleReply::Master { offset, replicas })
        }
        Role::Replica => {
            let host = items.get(1).and_then(v_str).ok_or_else(bad)?;
            let port = items
                .get(2)
                .and_then(v_int)
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(bad)?;
            let state = items.get(3).and_then(v_str).ok_or_else(bad)?;
            let offset = items.get(4).and_then(v_int).unwrap_or(-1);
            Ok(RoleReply::Replica {
                host,
                port,
                state,
                offset,
            })
        }
        Role::Unknown if kind == "sentinel" => {
            let mut masters = Vec::new();
            if let Some(redis::Value::Array(list)) = items.get(1) {
                masters.extend(list.iter().filter_map(v_str));
            }
            Ok(RoleReply::Sentinel { masters })
        }
        Role::Unknown => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::Value as V;

    fn bulk(s: &str) -> V {
        V::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn splits_on_first_colon_and_sections() {
        let d = InfoDoc::parse(
            "# Server\r\nredis_version:7.0.15\r\n\r\n# Replication\r\nmaster_host:::1\r\njunk\r\n",
        );
        assert_eq!(d.sections.len(), 2);
        assert_eq!(d.sections[1].0, "replication");
        assert_eq!(d.get("master_host"), Some("::1"));
        let r = ReplicationInfo::parse("role:slave\nmaster_host:fe80::1\nmaster_port:6379\n");
        assert_eq!(r.master_host.as_deref(), Some("fe80::1"));
        assert_eq!(r.role, Role::Replica);
    }

    #[test]
    fn slave_lines_both_forms_and_extra_keys() {
        let r = ReplicationInfo::parse(
            "role:master\nslave1:10.0.0.2,6380,online\nslave0:ip=::1,port=7,state=online,offset=5,lag=1,type=replica,future=x\n",
        );
        assert_eq!(r.replicas.len(), 2);
        assert_eq!(r.replicas[0].ip, "::1");
        assert_eq!(r.replicas[0].kind.as_deref(), Some("replica"));
        assert_eq!(r.replicas[0].offset, Some(5));
        assert_eq!(r.replicas[1].ip, "10.0.0.2");
        assert_eq!(r.replicas[1].port, Some(6380));
        assert_eq!(r.replicas[1].offset, None);
        assert!(parse_listed_replica(0, "").is_none());
    }

    #[test]
    fn sentinels_and_unknowns() {
        let r = ReplicationInfo::parse(
            "role:slave\nmaster_last_io_seconds_ago:-1\nsecond_repl_offset:-1\nmaster_link_down_since_seconds:-1\nmaster_replid2:0000000000000000000000000000000000000000\nnew_field:1\nslave_priority:abc\n",
        );
        assert_eq!(r.master_last_io_seconds_ago, None);
        assert_eq!(r.second_repl_offset, None);
        assert_eq!(r.master_link_down_since_seconds, None);
        assert_eq!(r.replid2(), None);
        assert_eq!(r.priority, None);
        assert_eq!(ReplicationInfo::parse("").role, Role::Unknown);
    }

    #[test]
    fn huge_input_is_bounded() {
        let mut s = String::from("role:master\n");
        for i in 0..(MAX_LISTED_REPLICAS + 10) {
            s.push_str(&format!(
                "slave{i}:ip=1.1.1.1,port=1,state=online,offset=0,lag=0\n"
            ));
        }
        assert_eq!(
            ReplicationInfo::parse(&s).replicas.len(),
            MAX_LISTED_REPLICAS
        );
        let big = "é".repeat(MAX_INFO_LEN);
        let _ = InfoDoc::parse(&big);
    }

    #[test]
    fn role_master_replica_sentinel() {
        let m = V::Array(vec![
            bulk("master"),
            V::Int(3129659),
            V::Array(vec![V::Array(vec![
                bulk("127.0.0.1"),
                bulk("9001"),
                bulk("3129242"),
            ])]),
        ]);
        assert_eq!(
            parse_role(&m).unwrap(),
            RoleReply::Master {
                offset: 3129659,
                replicas: vec![("127.0.0.1".into(), 9001, 3129242)]
            }
        );
        let r = V::Array(vec![
            bulk("slave"),
            bulk("127.0.0.1"),
            V::Int(9000),
            bulk("connected"),
            V::Int(3167038),
        ]);
        assert_eq!(
            parse_role(&r).unwrap(),
            RoleReply::Replica {
                host: "127.0.0.1".into(),
                port: 9000,
                state: "connected".into(),
                offset: 3167038
            }
        );
        let s = V::Array(vec![bulk("sentinel"), V::Array(vec![bulk("mymaster")])]);
        assert_eq!(
            parse_role(&s).unwrap(),
            RoleReply::Sentinel {
                masters: vec!["mymaster".into()]
            }
        );
        assert!(parse_role(&V::Int(1)).is_err());
        assert!(parse_role(&V::Array(vec![bulk("slave"), bulk("h"), V::Int(99999)])).is_err());
    }

    /// `(version dir, shown version, psync1, REPLICAOF, CLIENT PAUSE, PAUSE WRITE, FAILOVER)`,
    /// against the INFO each real build of the matrix sent (tests/fixtures/info/*.live.txt).
    const MATRIX: [(&str, &str, bool, bool, bool, bool, bool); 8] = [
        ("redis-2.8.24", "2.8.24", true, false, false, false, false),
        ("redis-3.2.13", "3.2.13", true, false, true, false, false),
        ("redis-4.0.14", "4.0.14", false, false, true, false, false),
        ("redis-5.0.14", "5.0.14", false, true, true, false, false),
        ("redis-6.0.20", "6.0.20", false, true, true, false, false),
        ("redis-6.2.16", "6.2.16", false, true, true, true, true),
        ("redis-7.2.6", "7.2.6", false, true, true, true, true),
        (
            "valkey-8.0.1",
            "valkey 8.0.1",
            false,
            true,
            true,
            true,
            true,
        ),
    ];

    fn live(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/info/{name}.live.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn every_matrix_version_from_its_own_info() {
        for (dir, shown, psync1, replicaof, pause, pause_write, failover) in MATRIX {
            let m = ReplicationInfo::parse(&live(&format!("{dir}-master")));
            let r = ReplicationInfo::parse(&live(&format!("{dir}-replica")));
            let never = ReplicationInfo::parse(&live(&format!("{dir}-replica-never-connected")));
            let v = m.server_version().unwrap();
            assert_eq!(m.version().as_deref(), Some(shown), "{dir}");
            assert_eq!(v.to_string(), shown, "{dir}");
            assert_eq!(m.psync1(), psync1, "{dir}");
            assert_eq!(r.psync1(), psync1, "{dir}");
            assert_eq!(v.has_replicaof(), replicaof, "{dir}");
            assert_eq!(v.has_client_pause(), pause, "{dir}");
            assert_eq!(v.has_client_pause_write(), pause_write, "{dir}");
            assert_eq!(v.has_failover(), failover, "{dir}");
            assert_eq!(v.has_psync2(), !psync1, "{dir}");
            // Master side: one online replica, with its offset (2.8 key=value form).
            assert_eq!(m.role, Role::Master, "{dir}");
            assert_eq!(m.replicas.len(), 1, "{dir}");
            assert_eq!(m.replicas[0].state.as_deref(), Some("online"), "{dir}");
            assert!(m.replicas[0].offset.is_some(), "{dir}");
            assert_eq!(m.replid().is_some(), !psync1, "{dir}");
            // Replica side: `slave` role and slave_* names on every version.
            assert_eq!(r.role, Role::Replica, "{dir}");
            assert_eq!(r.master_link_up, Some(true), "{dir}");
            assert!(!r.master_link_never_up, "{dir}");
            assert!(r.offset().is_some_and(|o| o >= 0), "{dir}");
            assert_eq!(r.priority, Some(100), "{dir}");
            assert_eq!(r.read_only, Some(true), "{dir}");
            // Never connected: 2.8–6.0 say "seconds since 1970", 6.2+ say -1; both mean never.
            assert_eq!(never.master_link_up, Some(false), "{dir}");
            assert!(never.master_link_never_up, "{dir}");
            assert_eq!(never.master_link_down_since_seconds, None, "{dir}");
            // Fields 2.8 lacks stay absent rather than invented.
            if psync1 {
                assert_eq!(r.master_replid, None, "{dir}");
                assert_eq!(r.master_replid2, None, "{dir}");
                assert_eq!(r.second_repl_offset, None, "{dir}");
            }
            if dir == "redis-2.8.24" {
                assert_eq!(r.slave_read_repl_offset, None);
                assert_eq!(r.replica_announced, None);
                assert_eq!(r.master_failover_state, None);
            }
        }
    }

    #[test]
    fn valkey_is_never_read_as_redis_8() {
        let v = ServerVersion::parse("8.0.1", true).unwrap();
        assert_eq!(v.redis_equivalent(), (7, 2));
        assert!(v.has_failover() && v.has_client_pause_write());
        assert_eq!(v.to_string(), "valkey 8.0.1");
        let named = ReplicationInfo::parse("server_name:valkey\nredis_version:7.2.5\n");
        assert_eq!(named.version().as_deref(), Some("valkey 7.2.5"));
        assert_eq!(named.server_version().unwrap().to_string(), "valkey 7.2.5");
        let rc = ServerVersion::parse("7.2.0-rc1", false).unwrap();
        assert_eq!((rc.major, rc.minor, rc.patch), (7, 2, 0));
        assert!(ServerVersion::parse("valkey 8", false).is_none());
        // As shown: Valkey's own numbers, with Redis 7.2's capabilities.
        let shown = ServerVersion::parse_shown("valkey 8.0.1").unwrap();
        assert_eq!(shown, v);
        assert!(shown.has_client_pause_write());
        let shown = ServerVersion::parse_shown("valkey 8").unwrap();
        assert_eq!((shown.valkey, shown.major, shown.minor), (true, 8, 0));
        let redis = ServerVersion::parse_shown("6.0.20").unwrap();
        assert!(!redis.valkey && !redis.has_client_pause_write());
        assert!(ServerVersion::parse_shown("").is_none());
        // A link down for a day on a server up for two is a duration, not "never".
        let r = ReplicationInfo::parse(
            "uptime_in_seconds:172800\nrole:slave\nmaster_link_status:down\nmaster_link_down_since_seconds:86400\n",
        );
        assert_eq!(r.master_link_down_since_seconds, Some(86400));
        assert!(!r.master_link_never_up);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_without_panic(s in "(\\PC{0,40}[:=,\\r\\n#]){0,30}") {
            let r = ReplicationInfo::parse(&s);
            proptest::prop_assert!(r.replicas.len() <= MAX_LISTED_REPLICAS);
        }
    }
}
