//! Making a role change survive a restart. REPLICAOF alone is undone by the next restart when
//! redis.conf still says otherwise, so after every role change the failover executor (and
//! `replicate`, `promote`) calls [`persist_role`], which picks the first way that applies:
//!
//! 1. the node has a `config` path in the inventory and an SSH route: edit that file over SSH
//!    (read it, write a timestamped backup beside it, write the new text to a temporary file
//!    and `mv` it over the old one, read it back to verify);
//! 2. `CONFIG REWRITE` on the node (Redis rewrites its own file from its running state);
//! 3. the node is on this machine (loopback) with a `config` path: edit the file locally the
//!    same way;
//! 4. otherwise the outcome says why nothing was persisted, for the plan and the journal.
//!
//! The text editing itself is pure ([`crate::node::conffile`]); this module is the I/O edge.
//! Editing is idempotent: a file that already says the right thing is left alone (no backup).
//! Also here: running an inventory node's `restart`/`stop` command over its SSH route.

use crate::inventory::InventoryNode;
use crate::node::conffile::{self, Edited, MAX_CONFIG_BYTES, RoleEdit};
use crate::node::{Credentials, NodeAddr, NodeClient, Transport};
use crate::transport::{ExecOutput, SshError, SshTarget, SshTransport, shell_quote};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How long a remote file operation may take (each exec), at least.
const MIN_FILE_OP_TIMEOUT: Duration = Duration::from_secs(10);

/// How a role change was made persistent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum PersistMethod {
    /// `CONFIG REWRITE` succeeded on the node.
    ConfigRewrite,
    /// The config file was edited over SSH.
    SshEdit {
        /// The file on the SSH host.
        path: String,
        /// The backup written beside it (None when the file already said the right thing).
        backup: Option<String>,
        /// Whether the file was changed.
        changed: bool,
    },
    /// The config file was edited on this machine (a loopback node).
    LocalEdit {
        /// The file.
        path: String,
        /// The backup written beside it (None when unchanged).
        backup: Option<String>,
        /// Whether the file was changed.
        changed: bool,
    },
    /// Nothing was persisted: a restart would undo the change.
    NotPersisted {
        /// Why (every way tried, without secrets).
        reason: String,
    },
}

/// The result of [`persist_role`] for one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersistOutcome {
    /// The node.
    pub node: NodeAddr,
    /// What was done.
    #[serde(flatten)]
    pub method: PersistMethod,
    /// Things the operator should know (e.g. an `include` that may override the edit).
    pub notes: Vec<String>,
}

impl PersistOutcome {
    /// True unless nothing was persisted.
    pub fn persisted(&self) -> bool {
        !matches!(self.method, PersistMethod::NotPersisted { .. })
    }
}

impl std::fmt::Display for PersistOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let node = &self.node;
        match &self.method {
            PersistMethod::ConfigRewrite => write!(f, "{node}: persisted with CONFIG REWRITE"),
            PersistMethod::SshEdit {
                path,
                backup: Some(b),
                ..
            } => write!(f, "{node}: {path} edited over ssh (backup {b})"),
            PersistMethod::SshEdit { path, .. } => {
                write!(f, "{node}: {path} already says so (unchanged)")
            }
            PersistMethod::LocalEdit {
                path,
                backup: Some(b),
                ..
            } => write!(f, "{node}: {path} edited (backup {b})"),
            PersistMethod::LocalEdit { path, .. } => {
                write!(f, "{node}: {path} already says so (unchanged)")
            }
            PersistMethod::NotPersisted { reason } => write!(
                f,
                "{node}: NOT persisted, a restart would undo the change ({reason})"
            ),
        }?;
        for n in &self.notes {
            write!(f, "; note: {n}")?;
        }
        Ok(())
    }
}

/// What [`persist_role`] will try for a node, in words for a plan (no I/O).
pub fn plan_persist(
    transport: &Transport,
    node: &NodeAddr,
    inventory: Option<&InventoryNode>,
) -> String {
    let config = inventory
        .and_then(|n| n.config.as_ref())
        .map(|p| p.display().to_string());
    match (config, ssh_route(transport, node)) {
        (Some(path), Some((_, target))) => {
            format!("edit {path} over ssh {target} (timestamped backup beside it)")
        }
        (Some(path), None) if is_loopback(node) => {
            format!("CONFIG REWRITE, else edit {path} on this machine")
        }
        _ => "CONFIG REWRITE (no config path with an ssh route in the inventory)".to_string(),
    }
}

/// What an operator must do before an unreachable old master comes back, so it does not
/// return as a second master: one instruction per line, no secrets.
pub fn fencing_instructions(
    node: &NodeAddr,
    inventory: Option<&InventoryNode>,
    new_master: &NodeAddr,
) -> Vec<String> {
    let directive = format!("replicaof {} {}", new_master.host(), new_master.port());
    let mut out = vec![format!(
        "{node} could not be reached: it must not come back as a master."
    )];
    match inventory.and_then(|n| n.config.as_ref()) {
        Some(path) => out.push(format!(
            "Before it starts again, on its host set `{directive}` in {} (and masterauth/masteruser if the group uses them).",
            path.display()
        )),
        None => out.push(format!(
            "Before it starts again, set `{directive}` in its redis.conf (and masterauth/masteruser if the group uses them)."
        )),
    }
    if let Some(stop) = inventory.and_then(|n| n.stop.as_deref()) {
        out.push(format!(
            "Or keep it stopped until then: `{stop}` on its host."
        ));
    }
    out.push(format!(
        "If it is already back as a master, run `rkv replicate {node} --to {new_master}` before clients write to it; until then `rkv topology` and `rkv verify` report two masters."
    ));
    out
}

/// What to persist for one node.
#[derive(Debug, Clone)]
pub struct PersistRequest<'a> {
    /// The node, as rkv reaches it (its SSH route, if any, is the transport's).
    pub node: &'a NodeAddr,
    /// The node's inventory entry (for `config`), if it has one.
    pub inventory: Option<&'a InventoryNode>,
    /// The role it should start in.
    pub edit: RoleEdit,
    /// Credentials to talk to the node itself (for CONFIG REWRITE).
    pub creds: &'a Credentials,
}

/// The SSH route of a node, if the transport has one.
fn ssh_route(transport: &Transport, node: &NodeAddr) -> Option<(SshTransport, SshTarget)> {
    match transport {
        Transport::Ssh(ssh) => ssh.route(node).map(|r| (ssh.clone(), r.target)),
        Transport::Direct => None,
    }
}

/// Persist `req.edit` for one node (see the module docs for the order of methods).
pub async fn persist_role(
    transport: &Transport,
    req: &PersistRequest<'_>,
    timeout: Duration,
) -> PersistOutcome {
    let config = req
        .inventory
        .and_then(|n| n.config.as_ref())
        .map(|p| p.display().to_string());
    let mut reasons = Vec::new();
    let outcome = |method, notes| PersistOutcome {
        node: req.node.clone(),
        method,
        notes,
    };
    if let Some(path) = &config {
        match ssh_route(transport, req.node) {
            Some((ssh, target)) => {
                return match ssh_edit(&ssh, &target, path, &req.edit, timeout).await {
                    Ok((backup, edited)) => outcome(
                        PersistMethod::SshEdit {
                            path: path.clone(),
                            backup,
                            changed: edited.changed,
                        },
                        edited.notes,
                    ),
                    Err(e) => outcome(
                        PersistMethod::NotPersisted {
                            reason: e.to_string(),
                        },
                        Vec::new(),
                    ),
                };
            }
            None => reasons.push(format!("config {path}: no ssh route to edit it")),
        }
    }
    match config_rewrite(transport, req, timeout).await {
        Ok(()) => return outcome(PersistMethod::ConfigRewrite, Vec::new()),
        Err(e) => reasons.push(format!("CONFIG REWRITE: {e}")),
    }
    if let Some(path) = &config
        && is_loopback(req.node)
    {
        return match local_edit(Path::new(path), &req.edit, SystemTime::now()) {
            Ok((backup, edited)) => outcome(
                PersistMethod::LocalEdit {
                    path: path.clone(),
                    backup,
                    changed: edited.changed,
                },
                edited.notes,
            ),
            Err(e) => {
                reasons.push(format!("{path}: {e}"));
                outcome(
                    PersistMethod::NotPersisted {
                        reason: reasons.join("; "),
                    },
                    Vec::new(),
                )
            }
        };
    }
    if config.is_none() {
        reasons.push("no config path in the inventory".into());
    }
    outcome(
        PersistMethod::NotPersisted {
            reason: reasons.join("; "),
        },
        Vec::new(),
    )
}

fn is_loopback(node: &NodeAddr) -> bool {
    node.host() == "localhost"
        || node
            .host()
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

async fn config_rewrite(
    transport: &Transport,
    req: &PersistRequest<'_>,
    timeout: Duration,
) -> Result<(), String> {
    let mut c = NodeClient::open(transport, req.node, req.creds, timeout)
        .await
        .map_err(|e| e.to_string())?;
    let mut cmd = redis::cmd("CONFIG");
    cmd.arg("REWRITE");
    let reply: redis::Value = c
        .query(&cmd, "CONFIG REWRITE")
        .await
        .map_err(|e| e.to_string())?;
    match reply {
        redis::Value::Okay => Ok(()),
        redis::Value::SimpleString(s) if s.eq_ignore_ascii_case("OK") => Ok(()),
        other => Err(format!("unexpected reply {other:?}")),
    }
}

/// `redis.conf.rkv-20261124T120000`: the UTC time, sortable.
pub fn backup_path(path: &str, now: SystemTime) -> String {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{path}.rkv-{}", utc_stamp(secs))
}

/// `YYYYMMDDTHHMMSS` for seconds since the epoch (UTC; the proleptic Gregorian calendar).
pub fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

fn remote_err(target: &SshTarget, what: &str, reason: String) -> SshError {
    SshError::Remote {
        target: target.to_string(),
        what: what.to_string(),
        reason,
    }
}

/// Read a remote file (bounded), as text.
async fn ssh_read(
    ssh: &SshTransport,
    target: &SshTarget,
    path: &str,
    timeout: Duration,
) -> Result<String, SshError> {
    let what = format!("reading {path}");
    let cmd = format!("head -c {} -- {}", MAX_CONFIG_BYTES + 1, shell_quote(path));
    let out = ssh.exec(target, &cmd, None, timeout).await?;
    if !out.success() {
        return Err(remote_err(target, &what, exit_reason(&out)));
    }
    // Never edit a file we did not read whole.
    if out.truncated || out.stdout.len() > MAX_CONFIG_BYTES {
        return Err(remote_err(
            target,
            &what,
            format!("larger than {MAX_CONFIG_BYTES} bytes"),
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| remote_err(target, &what, "not UTF-8 text".into()))
}

fn exit_reason(out: &ExecOutput) -> String {
    let status = out.status.map_or_else(
        || "killed by a signal".to_string(),
        |s| format!("exit status {s}"),
    );
    let err = out.stderr_text();
    if err.is_empty() {
        status
    } else {
        format!("{status}: {err}")
    }
}

/// Edit a config file over SSH: read, edit, back up, write atomically, verify. Returns the
/// backup path (None when nothing needed changing) and the edit.
pub async fn ssh_edit(
    ssh: &SshTransport,
    target: &SshTarget,
    path: &str,
    edit: &RoleEdit,
    timeout: Duration,
) -> Result<(Option<String>, Edited), SshError> {
    let timeout = timeout.max(MIN_FILE_OP_TIMEOUT);
    let old = ssh_read(ssh, target, path, timeout).await?;
    let edited = conffile::edit_for_path(path, &old, edit);
    if !edited.changed {
        return Ok((None, edited));
    }
    let backup = backup_path(path, SystemTime::now());
    let nonce: u32 = rand::random();
    let tmp = format!("{path}.rkv-tmp-{nonce:08x}");
    // Back up (keeping owner and mode), give the temporary file the original's owner and mode,
    // fill it from stdin, then rename it over the original: a reader sees the old file or the
    // new one, never half of one. A second backup in the same second gets a suffix.
    let script = format!(
        "set -eu; f={f}; b={b}; t={t}; trap 'rm -f -- \"$t\"' EXIT; \
         if [ -e \"$b\" ]; then b=\"$b-$$\"; fi; \
         cp -p -- \"$f\" \"$b\"; cp -p -- \"$f\" \"$t\"; cat > \"$t\"; mv -f -- \"$t\" \"$f\"; \
         printf '%s' \"$b\"",
        f = shell_quote(path),
        b = shell_quote(&backup),
        t = shell_quote(&tmp),
    );
    let what = format!("writing {path}");
    let out = ssh
        .exec(
            target,
            &format!("sh -c {}", shell_quote(&script)),
            Some(edited.text.clone().into_bytes()),
            timeout,
        )
        .await?;
    if !out.success() {
        return Err(remote_err(target, &what, exit_reason(&out)));
    }
    let backup = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let now = ssh_read(ssh, target, path, timeout).await?;
    if now != edited.text {
        return Err(remote_err(
            target,
            &format!("verifying {path}"),
            "the file read back differs from what was written".into(),
        ));
    }
    Ok((Some(backup), edited))
}

/// Edit a local config file the same way (a node on this machine).
pub fn local_edit(
    path: &Path,
    edit: &RoleEdit,
    now: SystemTime,
) -> std::io::Result<(Option<String>, Edited)> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_CONFIG_BYTES as u64 {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_CONFIG_BYTES} bytes"
        )));
    }
    let old = std::fs::read_to_string(path)?;
    let shown = path.display().to_string();
    let edited = conffile::edit_for_path(&shown, &old, edit);
    if !edited.changed {
        return Ok((None, edited));
    }
    let mut backup = backup_path(&shown, now);
    if Path::new(&backup).exists() {
        backup = format!("{backup}-{}", std::process::id());
    }
    std::fs::copy(path, &backup)?;
    let nonce: u32 = rand::random();
    let tmp = format!("{shown}.rkv-tmp-{nonce:08x}");
    let write = || -> std::io::Result<()> {
        std::fs::write(&tmp, edited.text.as_bytes())?;
        std::fs::set_permissions(&tmp, meta.permissions())?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if std::fs::read_to_string(path)? != edited.text {
        return Err(std::io::Error::other(
            "the file read back differs from what was written",
        ));
    }
    Ok((Some(backup), edited))
}

/// Which inventory command to run on a node's host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeCommand {
    /// The inventory's `restart`.
    Restart,
    /// The inventory's `stop`.
    Stop,
}

/// Run a node's inventory `restart` or `stop` command over its SSH route, output captured
/// (for the journal). Errors when the node has no such command or no route.
pub async fn run_node_command(
    transport: &Transport,
    node: &NodeAddr,
    inventory: &InventoryNode,
    which: NodeCommand,
    timeout: Duration,
) -> Result<ExecOutput, SshError> {
    let (name, command) = match which {
        NodeCommand::Restart => ("restart", inventory.restart.as_deref()),
        NodeCommand::Stop => ("stop", inventory.stop.as_deref()),
    };
    let no = |reason: String| SshError::Remote {
        target: node.to_string(),
        what: format!("{name} command"),
        reason,
    };
    let command = command.ok_or_else(|| no("the inventory gives none".into()))?;
    let (ssh, target) =
        ssh_route(transport, node).ok_or_else(|| no("the node has no ssh route".into()))?;
    ssh.exec(&target, command, None, timeout).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;

    #[test]
    fn stamps() {
        assert_eq!(utc_stamp(0), "19700101T000000");
        // 2026-11-24 12:00:00 UTC.
        assert_eq!(utc_stamp(1_795_521_600), "20261124T120000");
        // A leap day.
        assert_eq!(utc_stamp(951_782_400 + 3_661), "20000229T010101");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600);
        assert_eq!(
            backup_path("/etc/redis/redis.conf", t),
            "/etc/redis/redis.conf.rkv-20261124T120000"
        );
    }

    fn inv_node(config: Option<&str>, stop: Option<&str>) -> InventoryNode {
        InventoryNode {
            name: Some("n1".into()),
            addr: "10.0.0.5:6379".into(),
            ssh: Some("10.0.0.5".into()),
            tunnel_to: None,
            config: config.map(Into::into),
            restart: None,
            stop: stop.map(Into::into),
            expect_replicas: None,
            ..InventoryNode::default()
        }
    }

    #[test]
    fn outcome_json_and_text() {
        let o = PersistOutcome {
            node: NodeAddr::new("10.0.0.5", 6379),
            method: PersistMethod::SshEdit {
                path: "/etc/redis/redis.conf".into(),
                backup: Some("/etc/redis/redis.conf.rkv-20261124T120000".into()),
                changed: true,
            },
            notes: vec![],
        };
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            serde_json::json!({
                "node": "10.0.0.5:6379",
                "method": "ssh_edit",
                "path": "/etc/redis/redis.conf",
                "backup": "/etc/redis/redis.conf.rkv-20261124T120000",
                "changed": true,
                "notes": []
            })
        );
        assert_eq!(
            o.to_string(),
            "10.0.0.5:6379: /etc/redis/redis.conf edited over ssh (backup /etc/redis/redis.conf.rkv-20261124T120000)"
        );
        let n = PersistOutcome {
            node: NodeAddr::new("h", 1),
            method: PersistMethod::NotPersisted {
                reason: "CONFIG REWRITE: no config file".into(),
            },
            notes: vec!["x".into()],
        };
        assert!(!n.persisted());
        assert_eq!(
            n.to_string(),
            "h:1: NOT persisted, a restart would undo the change (CONFIG REWRITE: no config file); note: x"
        );
        assert_eq!(serde_json::to_value(&n).unwrap()["method"], "not_persisted");
    }

    #[test]
    fn plans_name_the_method() {
        let inv = Inventory::parse(
            "[[nodes]]\naddr = \"10.0.0.5:6379\"\nssh = \"ops@10.0.0.5\"\nconfig = \"/etc/redis/redis.conf\"\n[[nodes]]\naddr = \"127.0.0.1:7000\"\nconfig = \"/tmp/n.toml\"\n",
            "i",
        )
        .unwrap();
        let t = Transport::Ssh(
            crate::inventory::from_inventory(Some(&inv), Duration::from_secs(1), false).unwrap(),
        );
        let a = NodeAddr::new("10.0.0.5", 6379);
        assert_eq!(
            plan_persist(&t, &a, inv.by_addr(&a)),
            "edit /etc/redis/redis.conf over ssh ops@10.0.0.5:22 (timestamped backup beside it)"
        );
        let b = NodeAddr::new("127.0.0.1", 7000);
        assert_eq!(
            plan_persist(&Transport::Direct, &b, inv.by_addr(&b)),
            "CONFIG REWRITE, else edit /tmp/n.toml on this machine"
        );
        assert!(plan_persist(&Transport::Direct, &a, None).starts_with("CONFIG REWRITE ("));
    }

    #[test]
    fn fencing_says_what_to_do() {
        let node = NodeAddr::new("10.0.0.5", 6379);
        let new = NodeAddr::new("10.0.0.6", 6379);
        let lines = fencing_instructions(
            &node,
            Some(&inv_node(
                Some("/etc/redis/redis.conf"),
                Some("systemctl stop redis"),
            )),
            &new,
        );
        assert_eq!(lines.len(), 4);
        assert!(lines[1].contains("`replicaof 10.0.0.6 6379` in /etc/redis/redis.conf"));
        assert!(lines[2].contains("`systemctl stop redis`"));
        assert!(lines[3].contains("rkv replicate 10.0.0.5:6379 --to 10.0.0.6:6379"));
        let lines = fencing_instructions(&node, None, &new);
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains("in its redis.conf"));
    }

    #[test]
    fn local_edit_backs_up_writes_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        std::fs::write(&path, "port 7000\n# replicaof <masterip> <masterport>\n").unwrap();
        let edit = RoleEdit {
            master: Some(NodeAddr::new("10.0.0.1", 7001)),
            auth: None,
        };
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600);
        let (backup, e) = local_edit(&path, &edit, t).unwrap();
        assert!(e.changed);
        let backup = backup.unwrap();
        assert!(
            backup.ends_with("redis.conf.rkv-20261124T120000"),
            "{backup}"
        );
        assert_eq!(
            std::fs::read_to_string(&backup).unwrap(),
            "port 7000\n# replicaof <masterip> <masterport>\n"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "port 7000\n# replicaof <masterip> <masterport>\nreplicaof 10.0.0.1 7001\n"
        );
        let (again, e) = local_edit(&path, &edit, t).unwrap();
        assert_eq!((again, e.changed), (None, false));
        // Exactly the file and one backup: no temporary file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        assert!(local_edit(&dir.path().join("missing.conf"), &edit, t).is_err());
    }
}
