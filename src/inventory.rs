//! The TOML inventory of nodes (see the CLI contract): defaults for credentials, SSH settings
//! (used by the SSH transport and to persist role changes), the nodes and the Sentinels. Unknown keys are
//! errors, reported with `file:line:col` so a typo is found at once; a bad file exits 2.

use crate::node::{AddrError, NodeAddr, Secret, SshHop, parse_node, parse_ssh_hop};
use crate::transport::tls::TlsSettings;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Largest inventory file we read.
const MAX_INVENTORY_BYTES: u64 = 4 << 20;

/// A parsed inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Defaults for every node.
    #[serde(default)]
    pub defaults: Defaults,
    /// SSH settings for nodes that name an ssh target.
    pub ssh: Option<SshDefaults>,
    /// The nodes.
    #[serde(default)]
    pub nodes: Vec<InventoryNode>,
    /// Known Sentinels.
    #[serde(default)]
    pub sentinels: Vec<InventorySentinel>,
}

/// `[defaults]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// ACL user for AUTH.
    pub user: Option<String>,
    /// Read the password from this environment variable.
    pub password_env: Option<String>,
    /// The password itself (prefer `password_env`).
    pub password: Option<String>,
    /// ACL user for AUTH on Sentinels.
    pub sentinel_user: Option<String>,
    /// Read the Sentinels' password from this environment variable.
    pub sentinel_password_env: Option<String>,
    /// The Sentinels' password itself (prefer `sentinel_password_env`).
    pub sentinel_password: Option<String>,
    /// Speak TLS (`true` also when any of the TLS files below is given).
    pub tls: Option<bool>,
    /// CA certificate file to verify the node with.
    pub cacert: Option<PathBuf>,
    /// Directory of hashed CA certificates.
    pub cacertdir: Option<PathBuf>,
    /// Client certificate for nodes with `tls-auth-clients`.
    pub cert: Option<PathBuf>,
    /// The client certificate's key.
    pub key: Option<PathBuf>,
    /// Server name sent in the TLS handshake.
    pub sni: Option<String>,
    /// Do not verify the node's certificate.
    pub insecure: Option<bool>,
}

/// `[ssh]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshDefaults {
    /// Remote user.
    pub user: Option<String>,
    /// Private key file.
    pub identity: Option<PathBuf>,
    /// known_hosts file (host keys are always verified).
    pub known_hosts: Option<PathBuf>,
}

/// One `[[nodes]]` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryNode {
    /// Short name usable wherever a NODE is taken.
    pub name: Option<String>,
    /// `HOST:PORT` (or any form [`parse_node`] takes).
    pub addr: String,
    /// Reach the node through SSH at this `[USER@]HOST[:PORT]` (port 22).
    pub ssh: Option<String>,
    /// The node's address as its SSH host connects to it (default: `addr`), e.g.
    /// `127.0.0.1:6379` when `addr` is the address the replication group knows it by.
    pub tunnel_to: Option<String>,
    /// Where a role change is persisted over SSH.
    pub config: Option<PathBuf>,
    /// Command that restarts the node over SSH.
    pub restart: Option<String>,
    /// Command that stops the node over SSH.
    pub stop: Option<String>,
    /// How many replicas this node should have when it is a master (checked by verify).
    pub expect_replicas: Option<u32>,
    /// Speak TLS (`true` also when any of the TLS files below is given).
    pub tls: Option<bool>,
    /// CA certificate file to verify the node with.
    pub cacert: Option<PathBuf>,
    /// Directory of hashed CA certificates.
    pub cacertdir: Option<PathBuf>,
    /// Client certificate for nodes with `tls-auth-clients`.
    pub cert: Option<PathBuf>,
    /// The client certificate's key.
    pub key: Option<PathBuf>,
    /// Server name sent in the TLS handshake.
    pub sni: Option<String>,
    /// Do not verify the node's certificate.
    pub insecure: Option<bool>,
}

/// One `[[sentinels]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventorySentinel {
    /// `HOST:PORT` of the Sentinel.
    pub addr: String,
}

/// Why an inventory could not be used.
#[derive(Debug, Error)]
pub enum InventoryError {
    /// The file could not be read.
    #[error("cannot read inventory {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Larger than we accept.
    #[error("inventory {0} is larger than 4 MiB")]
    TooLarge(String),
    /// TOML syntax or schema error, located.
    #[error("{path}:{line}:{col}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// A node's address is malformed.
    #[error("{path}: node {node}: {source}")]
    Addr {
        /// The file.
        path: String,
        /// The node's name or address.
        node: String,
        /// The address error.
        #[source]
        source: AddrError,
    },
    /// Two nodes share a name.
    #[error("{path}: duplicate node name '{0}'", path = .1)]
    DuplicateName(String, String),
    /// `password_env` names a variable that is not set.
    #[error("{path}: password_env names {var}, which is not set")]
    MissingEnv {
        /// The file.
        path: String,
        /// The variable.
        var: String,
    },
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

impl Inventory {
    /// Read and check an inventory file.
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|source| InventoryError::Read {
            path: shown.clone(),
            source,
        })?;
        if meta.len() > MAX_INVENTORY_BYTES {
            return Err(InventoryError::TooLarge(shown));
        }
        let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    /// Parse and check inventory text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Inventory, InventoryError> {
        let inv: Inventory = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            InventoryError::Parse {
                path: path.to_string(),
                line,
                col,
                message: e.message().trim().to_string(),
            }
        })?;
        let mut names = std::collections::HashSet::new();
        for n in &inv.nodes {
            parse_node(&n.addr).map_err(|source| InventoryError::Addr {
                path: path.to_string(),
                node: n.name.clone().unwrap_or_else(|| n.addr.clone()),
                source,
            })?;
            n.ssh_hop()
                .and_then(|_| n.tunnel_dest())
                .map_err(|source| InventoryError::Addr {
                    path: path.to_string(),
                    node: n.name.clone().unwrap_or_else(|| n.addr.clone()),
                    source,
                })?;
            if let Some(name) = &n.name
                && !names.insert(name.clone())
            {
                return Err(InventoryError::DuplicateName(
                    name.clone(),
                    path.to_string(),
                ));
            }
        }
        for s in &inv.sentinels {
            parse_node(&s.addr).map_err(|source| InventoryError::Addr {
                path: path.to_string(),
                node: s.addr.clone(),
                source,
            })?;
        }
        if let Some(var) = &inv.defaults.password_env
            && inv.defaults.password.is_none()
            && std::env::var_os(var).is_none()
        {
            return Err(InventoryError::MissingEnv {
                path: path.to_string(),
                var: var.clone(),
            });
        }
        Ok(inv)
    }

    /// The node with this name, if any.
    pub fn by_name(&self, name: &str) -> Option<&InventoryNode> {
        self.nodes.iter().find(|n| n.name.as_deref() == Some(name))
    }

    /// The node at this address, if any (as parsed, so `h` and `h:6379` match).
    pub fn by_addr(&self, addr: &NodeAddr) -> Option<&InventoryNode> {
        self.nodes
            .iter()
            .find(|n| parse_node(&n.addr).is_ok_and(|s| &s.addr == addr))
    }

    /// The default password: `password`, else the variable `password_env` names.
    pub fn password(&self) -> Option<Secret> {
        if let Some(p) = &self.defaults.password {
            return Some(Secret::new(p.clone()));
        }
        let var = self.defaults.password_env.as_ref()?;
        std::env::var(var).ok().map(Secret::new)
    }
}

/// TLS settings from inventory keys: None when none asks for TLS (`tls = false` turns it off
/// even when files are named).
fn tls_keys(
    tls: Option<bool>,
    cacert: &Option<PathBuf>,
    cacertdir: &Option<PathBuf>,
    cert: &Option<PathBuf>,
    key: &Option<PathBuf>,
    sni: &Option<String>,
    insecure: Option<bool>,
) -> Option<TlsSettings> {
    let files = cacert.is_some() || cacertdir.is_some() || cert.is_some() || key.is_some();
    let on = tls.unwrap_or(files || insecure == Some(true));
    on.then(|| TlsSettings {
        cacert: cacert.as_ref().map(|p| crate::transport::expand_tilde(p)),
        cacertdir: cacertdir
            .as_ref()
            .map(|p| crate::transport::expand_tilde(p)),
        cert: cert.as_ref().map(|p| crate::transport::expand_tilde(p)),
        key: key.as_ref().map(|p| crate::transport::expand_tilde(p)),
        sni: sni.clone(),
        insecure: insecure.unwrap_or(false),
    })
}

impl Defaults {
    /// `[defaults]` TLS keys, if they ask for TLS.
    pub fn tls(&self) -> Option<TlsSettings> {
        tls_keys(
            self.tls,
            &self.cacert,
            &self.cacertdir,
            &self.cert,
            &self.key,
            &self.sni,
            self.insecure,
        )
    }

    /// The Sentinels' password: `sentinel_password`, else the variable
    /// `sentinel_password_env` names.
    pub fn sentinel_password(&self) -> Option<Secret> {
        if let Some(p) = &self.sentinel_password {
            return Some(Secret::new(p.clone()));
        }
        let var = self.sentinel_password_env.as_ref()?;
        std::env::var(var).ok().map(Secret::new)
    }
}

impl InventoryNode {
    /// This node's own TLS keys (None: none set, or `tls = false`), filled from `base` (the
    /// defaults and flags) where unset. `Some(None)`: the node turns TLS off.
    pub fn tls(&self, base: Option<&TlsSettings>) -> Option<Option<TlsSettings>> {
        let own = tls_keys(
            self.tls,
            &self.cacert,
            &self.cacertdir,
            &self.cert,
            &self.key,
            &self.sni,
            self.insecure,
        );
        match (own, self.tls) {
            (Some(t), _) => Some(Some(match base {
                Some(b) => t.or(b),
                None => t,
            })),
            (None, Some(false)) => Some(None),
            (None, _) => None,
        }
    }

    /// The parsed address (checked when the inventory was loaded).
    pub fn node_addr(&self) -> Result<NodeAddr, AddrError> {
        parse_node(&self.addr).map(|s| s.addr)
    }

    /// `tunnel_to`, parsed.
    pub fn tunnel_dest(&self) -> Result<Option<NodeAddr>, AddrError> {
        self.tunnel_to
            .as_deref()
            .map(|t| parse_node(t).map(|s| s.addr))
            .transpose()
    }

    /// The SSH host this node is reached through: its `ssh` key, else an `ssh://` address.
    pub fn ssh_hop(&self) -> Result<Option<SshHop>, AddrError> {
        match &self.ssh {
            Some(s) => parse_ssh_hop(s).map(Some),
            None => parse_node(&self.addr).map(|s| s.via),
        }
    }
}

/// The SSH settings and routes an inventory describes (`[ssh]` and each node's `ssh`), with
/// nobody to ask for a key's passphrase.
pub fn from_inventory(
    inventory: Option<&Inventory>,
    timeout: std::time::Duration,
    accept_new_host_key: bool,
) -> Result<crate::transport::SshTransport, AddrError> {
    from_inventory_with(inventory, timeout, accept_new_host_key, None)
}

/// [`from_inventory`], with a way to ask for passphrases (the binary's terminal prompt).
pub fn from_inventory_with(
    inventory: Option<&Inventory>,
    timeout: std::time::Duration,
    accept_new_host_key: bool,
    passphrase: Option<crate::transport::AskPassphrase>,
) -> Result<crate::transport::SshTransport, AddrError> {
    let mut settings = crate::transport::SshSettings::with_defaults(timeout);
    settings.accept_new_host_key = accept_new_host_key;
    settings.passphrase = passphrase;
    let mut routes = Vec::new();
    if let Some(inv) = inventory {
        if let Some(ssh) = &inv.ssh {
            if let Some(u) = &ssh.user {
                settings.user = u.clone();
            }
            settings.identity = ssh.identity.as_deref().map(crate::transport::expand_tilde);
            if let Some(k) = &ssh.known_hosts {
                settings.known_hosts = crate::transport::expand_tilde(k);
            }
        }
        for n in &inv.nodes {
            if let Some(hop) = n.ssh_hop()? {
                let addr = n.node_addr()?;
                let dest = n.tunnel_dest()?.unwrap_or_else(|| addr.clone());
                routes.push((addr, hop, dest));
            }
        }
    }
    Ok(crate::transport::SshTransport::new(settings, routes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
[defaults]
user = "replication-admin"
password = "pw"

[ssh]
user = "ops"
identity = "~/.ssh/id_ed25519"
known_hosts = "~/.ssh/known_hosts"

[[nodes]]
name = "n1"
addr = "10.10.10.10:6379"
ssh = "10.10.10.10:22"
config = "/etc/redis/redis.conf"
restart = "systemctl restart redis-server"
stop = "systemctl stop redis-server"
expect_replicas = 2

[[nodes]]
name = "n2"
addr = "10.10.10.11"

[[sentinels]]
addr = "10.10.10.20:26379"
"#;

    #[test]
    fn parses_the_contract_example() {
        let inv = Inventory::parse(FULL, "inv.toml").unwrap();
        assert_eq!(inv.defaults.user.as_deref(), Some("replication-admin"));
        assert_eq!(inv.ssh.as_ref().unwrap().user.as_deref(), Some("ops"));
        assert_eq!(inv.nodes.len(), 2);
        assert_eq!(inv.nodes[0].expect_replicas, Some(2));
        assert_eq!(
            inv.nodes[0].stop.as_deref(),
            Some("systemctl stop redis-server")
        );
        assert_eq!(
            inv.by_name("n2").unwrap().node_addr().unwrap().to_string(),
            "10.10.10.11:6379"
        );
        assert_eq!(
            inv.by_addr(&NodeAddr::new("10.10.10.11", 6379))
                .unwrap()
                .name
                .as_deref(),
            Some("n2")
        );
        assert_eq!(inv.sentinels.len(), 1);
        assert_eq!(inv.password().unwrap().expose(), "pw");
    }

    #[test]
    fn unknown_key_located() {
        let text = "[[nodes]]\nname = \"a\"\naddr = \"h:1\"\nadress = \"x\"\n";
        let e = Inventory::parse(text, "inv.toml").unwrap_err().to_string();
        assert!(e.starts_with("inv.toml:4:1: unknown field `adress`"), "{e}");
    }

    #[test]
    fn syntax_error_located() {
        let e = Inventory::parse("[defaults]\nuser = \n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.toml:2:"), "{e}");
    }

    #[test]
    fn bad_addr_and_duplicates() {
        let e = Inventory::parse("[[nodes]]\nname = \"a\"\naddr = \"h:99999\"\n", "i")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "i: node a: invalid port '99999' in 'h:99999'");
        let e = Inventory::parse(
            "[[nodes]]\nname = \"a\"\naddr = \"h:1\"\n[[nodes]]\nname = \"a\"\naddr = \"h:2\"\n",
            "i",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "i: duplicate node name 'a'");
        let e = Inventory::parse("[[nodes]]\naddr = \"h\"\nexpect_replicas = -1\n", "i")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("i:3:"), "{e}");
    }

    #[test]
    fn ssh_hops_checked_and_parsed() {
        let inv = Inventory::parse(FULL, "i").unwrap();
        assert_eq!(
            inv.nodes[0].ssh_hop().unwrap().unwrap().to_string(),
            "10.10.10.10:22"
        );
        assert_eq!(inv.nodes[1].ssh_hop().unwrap(), None);
        let inv = Inventory::parse(
            "[[nodes]]\naddr = \"ssh://ops@bastion:2222/127.0.0.1:6380\"\n",
            "i",
        )
        .unwrap();
        assert_eq!(
            inv.nodes[0].ssh_hop().unwrap().unwrap().to_string(),
            "ops@bastion:2222"
        );
        assert_eq!(
            inv.nodes[0].node_addr().unwrap().to_string(),
            "127.0.0.1:6380"
        );
        let inv = Inventory::parse(
            "[[nodes]]\naddr = \"10.0.0.5:6379\"\nssh = \"10.0.0.5\"\ntunnel_to = \"127.0.0.1\"\n",
            "i",
        )
        .unwrap();
        assert_eq!(
            inv.nodes[0].tunnel_dest().unwrap(),
            Some(NodeAddr::new("127.0.0.1", 6379))
        );
        let e = Inventory::parse("[[nodes]]\naddr = \"h\"\nssh = \"h:0\"\n", "i")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "i: node h: invalid port '0' in 'h:0'");
    }

    #[test]
    fn missing_password_env() {
        let e = Inventory::parse(
            "[defaults]\npassword_env = \"RKV_TEST_SURELY_UNSET_VAR\"\n",
            "i",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "i: password_env names RKV_TEST_SURELY_UNSET_VAR, which is not set"
        );
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 5), (1, 1));
    }
}
