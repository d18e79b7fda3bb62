//! How rkv reaches a node: straight over TCP, or through an SSH tunnel when the node listens
//! on a private interface or loopback behind a firewall.
//!
//! The SSH side uses libssh2 (the `ssh2` crate), which is blocking; none of it runs on the async
//! runtime. Each SSH host gets one session, owned by one dedicated thread ([`ssh`]), reused by
//! every node behind that host. For each node we bind a local forwarder on `127.0.0.1:0`;
//! every connection accepted there becomes a `direct-tcpip` channel to the node's address as
//! the SSH host sees it. The async `redis` client connects to the forwarder and never knows.
//!
//! Why one thread per session rather than one per tunnel: a libssh2 session serialises every
//! call behind one lock, so blocking reads on two channels of one session from two threads
//! would stall each other. The session thread runs it non-blocking and pumps every tunnel in
//! one loop, backing off to a few milliseconds of sleep when idle.
//!
//! Host keys are always verified against known_hosts ([`hostkey`]): an unknown key is refused
//! with its fingerprint unless the operator asked to accept new keys; a changed key is refused.

pub mod hostkey;
pub mod ssh;
pub use rkv_node::net::tls;

use crate::addr::{NodeAddr, SshHop};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;

pub use ssh::ExecOutput;

/// An SSH host with the user we log in as: the key of the session cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SshTarget {
    /// Remote user.
    pub user: String,
    /// Host and port of the SSH server.
    pub addr: NodeAddr,
}

impl fmt::Display for SshTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.user, self.addr)
    }
}

/// How to log in and check hosts: from the inventory's `[ssh]` table and global flags.
#[derive(Debug, Clone)]
pub struct SshSettings {
    /// Default remote user when a host does not name one.
    pub user: String,
    /// Private key file to try after the agent (None: the usual `~/.ssh/id_*` files).
    pub identity: Option<PathBuf>,
    /// The known_hosts file every host key is checked against.
    pub known_hosts: PathBuf,
    /// Add an unknown host's key to known_hosts instead of refusing (never a changed one).
    pub accept_new_host_key: bool,
    /// Bound on TCP connect, handshake, authentication, and each exchange on the session.
    pub timeout: Duration,
    /// How to ask for an encrypted key's passphrase; `None` when nobody can be asked (no
    /// terminal): such a key is then skipped with a reason that says to load it into ssh-agent.
    pub passphrase: Option<AskPassphrase>,
}

/// Asks the operator for the passphrase of an encrypted key file, given the file and whether
/// the last passphrase given for it was wrong; `None` when the operator gives none. The binary
/// provides it (a terminal prompt): the transport itself never reads or writes a terminal.
#[derive(Clone)]
pub struct AskPassphrase(pub Arc<PassphraseFn>);

/// See [`AskPassphrase`].
pub type PassphraseFn = dyn Fn(&std::path::Path, bool) -> Option<String> + Send + Sync;

impl fmt::Debug for AskPassphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AskPassphrase")
    }
}

impl SshSettings {
    /// Settings with the usual defaults: the local user, `~/.ssh/known_hosts`.
    pub fn with_defaults(timeout: Duration) -> SshSettings {
        SshSettings {
            user: local_user(),
            identity: None,
            known_hosts: expand_tilde(std::path::Path::new("~/.ssh/known_hosts")),
            accept_new_host_key: false,
            timeout,
            passphrase: None,
        }
    }

    /// The target for a hop: its own user, else ours.
    pub fn target(&self, hop: &SshHop) -> SshTarget {
        SshTarget {
            user: hop.user.clone().unwrap_or_else(|| self.user.clone()),
            addr: hop.addr.clone(),
        }
    }
}

/// The local user name (`$USER`, else `$LOGNAME`, else `root`).
pub fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "root".into())
}

/// `~/x` → `$HOME/x`; other paths unchanged.
pub fn expand_tilde(path: &std::path::Path) -> PathBuf {
    let Some(s) = path.to_str() else {
        return path.to_path_buf();
    };
    match (s.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ if s == "~" => std::env::var_os("HOME").map_or_else(|| path.to_path_buf(), PathBuf::from),
        _ => path.to_path_buf(),
    }
}

/// Why an SSH operation failed. Every message names the SSH host; none carries a secret.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum SshError {
    /// TCP connect to the SSH server failed.
    #[error("ssh {target}: cannot connect: {reason}")]
    Connect {
        /// The SSH host.
        target: String,
        /// Why.
        reason: String,
    },
    /// The SSH handshake failed.
    #[error("ssh {target}: handshake failed: {reason}")]
    Handshake {
        /// The SSH host.
        target: String,
        /// Why.
        reason: String,
    },
    /// The host key is not in known_hosts and accepting new keys was not asked for.
    #[error(
        "ssh {target}: host key not in {known_hosts} ({key_type} key {fingerprint}); verify the fingerprint with the host's administrator, then rerun with --accept-new-host-key to add it"
    )]
    UnknownHostKey {
        /// The SSH host.
        target: String,
        /// The known_hosts file consulted.
        known_hosts: String,
        /// The key type (`ssh-ed25519`…).
        key_type: String,
        /// `SHA256:…`, as OpenSSH prints it.
        fingerprint: String,
    },
    /// The host presented a key other than the one known_hosts records.
    #[error(
        "ssh {target}: HOST KEY CHANGED: the host now presents {key_type} key {fingerprint}, which does not match {known_hosts}; someone may be intercepting the connection, or the host was reinstalled. Refusing to connect. If the change is expected, remove the old entry with ssh-keygen -R '{entry}' -f {known_hosts} and connect again"
    )]
    HostKeyChanged {
        /// The SSH host.
        target: String,
        /// The known_hosts file consulted.
        known_hosts: String,
        /// The key type.
        key_type: String,
        /// `SHA256:…` of the key presented now.
        fingerprint: String,
        /// The known_hosts host pattern (`host` or `[host]:port`).
        entry: String,
    },
    /// known_hosts could not be read or written.
    #[error("ssh {target}: known_hosts {path}: {reason}")]
    KnownHosts {
        /// The SSH host.
        target: String,
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No authentication method worked.
    #[error("ssh {target}: authentication failed: {reason}")]
    Auth {
        /// The SSH host.
        target: String,
        /// What was tried and why it failed.
        reason: String,
    },
    /// A step did not finish in time.
    #[error("ssh {target}: timed out after {timeout:?} ({what})")]
    Timeout {
        /// The SSH host.
        target: String,
        /// The bound.
        timeout: Duration,
        /// What was being waited for.
        what: String,
    },
    /// The session is gone (the server closed it or the thread stopped).
    #[error("ssh {target}: session closed: {reason}")]
    Closed {
        /// The SSH host.
        target: String,
        /// Why.
        reason: String,
    },
    /// A remote command or file operation failed.
    #[error("ssh {target}: {what}: {reason}")]
    Remote {
        /// The SSH host.
        target: String,
        /// What we tried.
        what: String,
        /// Why.
        reason: String,
    },
}

/// How one node is reached through SSH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The SSH host (and user).
    pub target: SshTarget,
    /// The node's address as the SSH host connects to it (often `127.0.0.1:6379`).
    pub dest: NodeAddr,
}

/// Routes nodes through SSH hosts and keeps one session per host for the life of the value.
/// Cheap to clone (shared).
#[derive(Clone)]
pub struct SshTransport {
    inner: Arc<Inner>,
}

struct Inner {
    settings: SshSettings,
    /// Node address (as the replication group knows it) → how it is reached. Grows when a
    /// command line names an `ssh://` node.
    routes: Mutex<HashMap<NodeAddr, Route>>,
    sessions: Mutex<HashMap<SshTarget, ssh::SessionHandle>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl fmt::Debug for SshTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SshTransport")
            .field("routes", &lock(&self.inner.routes).len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for SshTransport {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for SshTransport {}

impl SshTransport {
    /// A transport for these routes: (node address, SSH hop, the address the SSH host
    /// connects to for it). No session starts until a routed node is contacted.
    pub fn new(settings: SshSettings, routes: Vec<(NodeAddr, SshHop, NodeAddr)>) -> SshTransport {
        let routes: HashMap<NodeAddr, Route> = routes
            .into_iter()
            .map(|(n, hop, dest)| {
                let target = settings.target(&hop);
                (n, Route { target, dest })
            })
            .collect();
        SshTransport {
            inner: Arc::new(Inner {
                settings,
                routes: Mutex::new(routes),
                sessions: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Route one more node (an `ssh://` address given on the command line); the SSH host
    /// connects to the same address.
    pub fn add_route(&self, addr: NodeAddr, hop: &SshHop) {
        let target = self.inner.settings.target(hop);
        let dest = addr.clone();
        lock(&self.inner.routes).insert(addr, Route { target, dest });
    }

    /// The SSH host a node is reached through, if any: its own route, else — when every
    /// route uses one and the same SSH host (a bastion) — that host, so replicas discovered
    /// through a master's INFO are reached the way the master was. With routes through two
    /// or more hosts an unlisted node's host is ambiguous and it is reached directly.
    pub fn route(&self, addr: &NodeAddr) -> Option<Route> {
        let routes = lock(&self.inner.routes);
        if let Some(r) = routes.get(addr) {
            return Some(r.clone());
        }
        let mut hosts = routes.values().map(|r| &r.target);
        let first = hosts.next()?;
        hosts.all(|t| t == first).then(|| Route {
            target: first.clone(),
            dest: addr.clone(),
        })
    }

    /// The settings in use.
    pub fn settings(&self) -> &SshSettings {
        &self.inner.settings
    }

    /// The session for a target, started (on its own thread) if this is the first use.
    fn session(&self, target: &SshTarget) -> ssh::SessionHandle {
        lock(&self.inner.sessions)
            .entry(target.clone())
            .or_insert_with(|| {
                ssh::SessionHandle::start(target.clone(), self.inner.settings.clone())
            })
            .clone()
    }

    /// A local address that leads to `addr` through `target`'s session.
    pub async fn forward(
        &self,
        target: &SshTarget,
        addr: &NodeAddr,
    ) -> Result<SocketAddr, SshError> {
        let s = self.session(target);
        s.ready().await?;
        s.forward(addr)
    }

    /// Run a command on `target` (stdin fed from `input`), bounded by `timeout`.
    pub async fn exec(
        &self,
        target: &SshTarget,
        command: &str,
        input: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<ExecOutput, SshError> {
        let s = self.session(target);
        s.ready().await?;
        s.exec(command.to_string(), input, timeout).await
    }
}

/// Quote a word for a POSIX shell (remote commands we build from paths).
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'/' | b'.' | b'-' | b'_' | b'+' | b':' | b'@' | b',')
        })
    {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::parse_ssh_hop;

    fn settings() -> SshSettings {
        SshSettings {
            user: "me".into(),
            identity: None,
            known_hosts: PathBuf::from("/nonexistent"),
            accept_new_host_key: false,
            passphrase: None,
            timeout: Duration::from_secs(1),
        }
    }

    fn n(host: &str, port: u16) -> NodeAddr {
        NodeAddr::new(host, port)
    }

    #[test]
    fn routes_and_bastion_fallback() {
        let hop = |s: &str| parse_ssh_hop(s).unwrap();
        let t = SshTransport::new(
            settings(),
            vec![
                (n("127.0.0.1", 6379), hop("b"), n("127.0.0.1", 6379)),
                (n("127.0.0.1", 6380), hop("me@b:22"), n("127.0.0.1", 6380)),
            ],
        );
        let r = t.route(&n("127.0.0.1", 6379)).unwrap();
        assert_eq!(r.target.to_string(), "me@b:22");
        // One host for every route: unknown nodes (found through INFO) go the same way.
        let other = t.route(&n("10.0.0.9", 1)).unwrap();
        assert_eq!((other.target, other.dest), (r.target, n("10.0.0.9", 1)));
        t.add_route(n("10.0.0.9", 1), &hop("x"));
        assert_eq!(
            t.route(&n("10.0.0.9", 1)).unwrap().target.to_string(),
            "me@x:22"
        );
        assert_eq!(t.route(&n("10.0.0.10", 1)), None);

        // Two hosts, each with its node on its own loopback.
        let t = SshTransport::new(
            settings(),
            vec![
                (n("10.0.0.1", 6379), hop("a"), n("127.0.0.1", 6379)),
                (n("10.0.0.2", 6379), hop("ops@b"), n("127.0.0.1", 6379)),
            ],
        );
        let r = t.route(&n("10.0.0.2", 6379)).unwrap();
        assert_eq!(r.target.to_string(), "ops@b:22");
        assert_eq!(r.dest, n("127.0.0.1", 6379));
        let r = t.route(&n("10.0.0.1", 6379)).unwrap();
        assert_eq!(r.target.to_string(), "me@a:22");
        // Two hosts: an unlisted node's host is ambiguous, so it is reached directly.
        assert_eq!(t.route(&n("10.0.0.9", 1)), None);
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(
            shell_quote("/etc/redis/redis.conf"),
            "/etc/redis/redis.conf"
        );
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn tilde() {
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(
                expand_tilde(std::path::Path::new("~/.ssh/x")),
                PathBuf::from(home).join(".ssh/x")
            );
        }
        assert_eq!(
            expand_tilde(std::path::Path::new("/a/~/b")),
            PathBuf::from("/a/~/b")
        );
    }
}
