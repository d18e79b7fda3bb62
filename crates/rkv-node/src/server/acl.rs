//! Users and what they may run: the default user (password from `requirepass`) and named users
//! from the config file, with a small allow/deny model over command names and groups.
//!
//! Rules apply in order and the last one that matches a command decides, as Redis's ACL
//! selectors do; a named user with no rule matching a command may not run it. Enough to give a
//! replication user only PSYNC, REPLCONF and PING.

use crate::server::cmd::{CommandSpec, flags};
use std::fmt;

/// What a rule names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `allcommands` / `@all`.
    All,
    /// `@read`, `@write`, `@admin`, `@fast`, `@slow`, `@dangerous`, or a command group
    /// (`@string`, `@connection`, `@keyspace`, …).
    Category(String),
    /// One command by name.
    Command(String),
}

/// One `+x` or `-x` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `+` (allow) or `-` (deny).
    pub allow: bool,
    /// What it applies to.
    pub target: Target,
}

impl Rule {
    /// Parse `+get`, `-@all`, `+@read`, `allcommands`, `nocommands`.
    pub fn parse(s: &str) -> Result<Rule, String> {
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "allcommands" => {
                return Ok(Rule {
                    allow: true,
                    target: Target::All,
                });
            }
            "nocommands" => {
                return Ok(Rule {
                    allow: false,
                    target: Target::All,
                });
            }
            _ => {}
        }
        let (allow, rest) = match lower.split_at_checked(1) {
            Some(("+", r)) => (true, r),
            Some(("-", r)) => (false, r),
            _ => return Err(format!("command rule `{s}` must start with + or -")),
        };
        let target = match rest.strip_prefix('@') {
            Some("all") => Target::All,
            Some(cat) if !cat.is_empty() => Target::Category(cat.to_string()),
            Some(_) => return Err(format!("command rule `{s}` names no category")),
            None if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
                Target::Command(rest.to_string())
            }
            None => return Err(format!("command rule `{s}` names no command")),
        };
        Ok(Rule { allow, target })
    }

    fn matches(&self, spec: &CommandSpec) -> bool {
        match &self.target {
            Target::All => true,
            Target::Command(c) => c == spec.name,
            Target::Category(cat) => in_category(spec, cat),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.allow { '+' } else { '-' };
        match &self.target {
            Target::All => write!(f, "{sign}@all"),
            Target::Category(c) => write!(f, "{sign}@{c}"),
            Target::Command(c) => write!(f, "{sign}{c}"),
        }
    }
}

/// True when `spec` belongs to ACL category `cat`.
pub fn in_category(spec: &CommandSpec, cat: &str) -> bool {
    match cat {
        "read" => spec.flags & flags::READONLY != 0,
        "write" => spec.flags & flags::WRITE != 0,
        "admin" | "dangerous" => spec.flags & flags::ADMIN != 0,
        "fast" => spec.flags & flags::FAST != 0,
        "slow" => spec.flags & flags::FAST == 0,
        "keyspace" => spec.group == "generic" || spec.group == "keyspace",
        "sortedset" => matches!(spec.group, "sorted_set" | "sortedset" | "sorted-set"),
        other => spec.group == other,
    }
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: String,
    /// Its password; `None`: any password is accepted (`nopass`).
    pub password: Option<String>,
    /// Command rules, in order.
    pub rules: Vec<Rule>,
}

impl User {
    /// The default user: every command, the given password.
    pub fn default_user(password: Option<String>) -> User {
        User {
            name: "default".to_string(),
            password,
            rules: vec![Rule {
                allow: true,
                target: Target::All,
            }],
        }
    }

    /// True when the user may run the command.
    pub fn may_run(&self, spec: &CommandSpec) -> bool {
        self.rules
            .iter()
            .rev()
            .find(|r| r.matches(spec))
            .is_some_and(|r| r.allow)
    }

    /// True when `pw` is this user's password (or the user needs none). Compared without an
    /// early exit so the timing says nothing about how much matched.
    pub fn password_ok(&self, pw: &[u8]) -> bool {
        match &self.password {
            None => true,
            Some(p) => {
                let p = p.as_bytes();
                let mut diff = p.len() ^ pw.len();
                for (i, b) in pw.iter().enumerate() {
                    diff |= usize::from(b ^ p.get(i).copied().unwrap_or(0));
                }
                diff == 0
            }
        }
    }
}

/// Decide whether protected mode refuses a client: on while the default user has no password,
/// for peers that are not loopback (Redis's clientAcceptHandler rule).
pub fn protected_mode_denies(
    protected_mode: bool,
    default_has_password: bool,
    peer: std::net::IpAddr,
) -> bool {
    let loopback = match peer {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    protected_mode && !default_has_password && !loopback
}

/// Redis's reply to a client refused by protected mode.
pub const DENIED: &str = "DENIED Redis is running in protected mode because protected mode is enabled, no bind address was specified, no authentication password is requested to clients. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a bind address or an authentication password. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::cmd::Handler;

    fn spec(name: &'static str, flags: u32, group: &'static str) -> CommandSpec {
        CommandSpec {
            name,
            arity: -1,
            flags,
            first_key: 0,
            last_key: 0,
            step: 0,
            group,
            handler: Handler::Server(|_| crate::server::client::Outcome::NoReply),
        }
    }

    #[test]
    fn replication_user_gets_only_its_commands() {
        let u = User {
            name: "repl".into(),
            password: Some("pw".into()),
            rules: ["-@all", "+psync", "+replconf", "+ping"]
                .iter()
                .map(|r| Rule::parse(r).unwrap())
                .collect(),
        };
        assert!(u.may_run(&spec("psync", flags::ADMIN, "server")));
        assert!(u.may_run(&spec("ping", flags::FAST, "connection")));
        assert!(!u.may_run(&spec("get", flags::READONLY, "string")));
        assert!(!u.may_run(&spec("flushall", flags::WRITE, "server")));
        assert!(u.password_ok(b"pw"));
        assert!(!u.password_ok(b"p"));
        assert!(!u.password_ok(b"pwx"));
    }

    #[test]
    fn categories_and_order() {
        let u = User {
            name: "r".into(),
            password: None,
            rules: vec![Rule::parse("+@read").unwrap(), Rule::parse("-get").unwrap()],
        };
        assert!(u.may_run(&spec("strlen", flags::READONLY, "string")));
        assert!(!u.may_run(&spec("get", flags::READONLY, "string")));
        assert!(!u.may_run(&spec("set", flags::WRITE, "string")));
        assert!(Rule::parse("get").is_err());
        assert_eq!(Rule::parse("+@READ").unwrap().to_string(), "+@read");
    }

    #[test]
    fn protected_mode_decision() {
        let lan: std::net::IpAddr = "10.1.2.3".parse().unwrap();
        let lo: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        let lo6: std::net::IpAddr = "::1".parse().unwrap();
        assert!(protected_mode_denies(true, false, lan));
        assert!(!protected_mode_denies(true, false, lo));
        assert!(!protected_mode_denies(true, false, lo6));
        assert!(!protected_mode_denies(true, true, lan));
        assert!(!protected_mode_denies(false, false, lan));
    }
}

/// Most entries `ACL LOG` keeps (Redis's `acllog-max-len` default).
pub const ACL_LOG_MAX: usize = 128;

/// Entries this close in time with the same reason, context, object and user are one entry
/// with a count, as in Redis (`ACL_LOG_GROUPING_MAX_TIME_DELTA`).
const ACL_LOG_GROUPING_MS: u64 = 60_000;

/// One `ACL LOG` entry, with Redis 7.0's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct AclLogEntry {
    /// How many events this entry stands for.
    pub count: u64,
    /// `auth`, `command`, `key` or `channel` (rkv logs `auth`).
    pub reason: &'static str,
    /// `toplevel`, `multi`, `lua`.
    pub context: &'static str,
    /// The command or key involved (`AUTH` for an authentication failure).
    pub object: String,
    /// The user name given.
    pub username: String,
    /// The client as CLIENT LIST shows it, when the event happened.
    pub client_info: String,
    /// Increasing id.
    pub entry_id: u64,
    /// Unix milliseconds of the first event.
    pub created_ms: u64,
    /// Unix milliseconds of the last event.
    pub updated_ms: u64,
}

/// The ACL log (newest first) and the rate limit of the matching log lines.
#[derive(Debug, Default)]
pub struct AclLog {
    /// Newest first.
    pub entries: std::collections::VecDeque<AclLogEntry>,
    next_id: u64,
    /// Unix ms of the last "failed AUTH" log line, and failures since that were not logged.
    last_line_ms: u64,
    suppressed: u64,
}

/// At most one log line about failed AUTH per this many milliseconds: a password-guessing
/// client cannot flood the log.
const AUTH_LOG_INTERVAL_MS: u64 = 1000;

impl AclLog {
    /// Record a failed AUTH by `username` from the client described by `client_info`.
    pub fn auth_failed(&mut self, username: &str, client_info: String, now_ms: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| {
            e.reason == "auth"
                && e.context == "toplevel"
                && e.username == username
                && now_ms.saturating_sub(e.updated_ms) < ACL_LOG_GROUPING_MS
        }) {
            e.count += 1;
            e.updated_ms = now_ms;
            e.client_info = client_info;
        } else {
            self.entries.push_front(AclLogEntry {
                count: 1,
                reason: "auth",
                context: "toplevel",
                object: "AUTH".into(),
                username: username.to_string(),
                client_info,
                entry_id: self.next_id,
                created_ms: now_ms,
                updated_ms: now_ms,
            });
            self.next_id += 1;
            self.entries.truncate(ACL_LOG_MAX);
        }
    }

    /// Whether to write a log line for a failure now; returns how many earlier failures went
    /// unlogged (to mention in the line).
    pub fn should_log(&mut self, now_ms: u64) -> Option<u64> {
        if now_ms.saturating_sub(self.last_line_ms) >= AUTH_LOG_INTERVAL_MS {
            self.last_line_ms = now_ms;
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed += 1;
            None
        }
    }

    /// `ACL LOG RESET`.
    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod acl_log_tests {
    use super::*;

    #[test]
    fn failures_group_by_user_within_a_minute_and_lines_are_rate_limited() {
        let mut log = AclLog::default();
        log.auth_failed("default", "id=1".into(), 1_000);
        log.auth_failed("default", "id=1".into(), 2_000);
        log.auth_failed("alice", "id=2".into(), 2_500);
        log.auth_failed("default", "id=1".into(), 70_000);
        let users: Vec<(&str, u64)> = log
            .entries
            .iter()
            .map(|e| (e.username.as_str(), e.count))
            .collect();
        assert_eq!(users, vec![("default", 1), ("alice", 1), ("default", 2)]);
        assert_eq!(log.should_log(10_000), Some(0));
        assert_eq!(log.should_log(10_100), None);
        assert_eq!(log.should_log(10_200), None);
        assert_eq!(log.should_log(11_000), Some(2));
    }
}
