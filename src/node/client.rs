//! The client rkv uses to talk to any Redis-protocol node, over the `redis` crate (async,
//! tokio). Every step — name resolution, connect, AUTH, each command — runs under the
//! operator's `--timeout`, so a node that accepts TCP and never answers times out instead of
//! hanging. Errors become short reasons with the password scrubbed out.
//!
//! A [`Transport`] turns a node's address into the socket address we connect to: the node's
//! own for [`Transport::Direct`], or a local forwarder into an SSH tunnel for nodes routed
//! through SSH ([`Transport::Ssh`]); nothing above this module needs to know which.

use super::addr::{NodeAddr, Secret};
use super::info::{RoleReply, parse_role};
use crate::transport::tls::TlsSettings;
use std::net::SocketAddr;
use std::time::Duration;
use thiserror::Error;

/// How we prove who we are to a node and check who it is: AUTH (a password alone, or an ACL
/// user and password) and TLS (a client certificate is a credential too, and the CA is how we
/// authenticate the node). Kept together because every place that reaches a node needs both,
/// and nodes found by discovery inherit both from the seed they were found from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// ACL user (None: AUTH with the password alone).
    pub user: Option<String>,
    /// Password (None: no AUTH).
    pub password: Option<Secret>,
    /// TLS settings (None: plain TCP).
    pub tls: Option<TlsSettings>,
}

impl Credentials {
    /// Remove the password from a text (error messages from lower layers).
    pub fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) if !p.expose().is_empty() => text.replace(p.expose(), "***"),
            _ => text.to_string(),
        }
    }
}

/// Why talking to a node failed. Messages are short lowercase reasons, without secrets.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum NodeError {
    /// The host name did not resolve.
    #[error("cannot resolve {addr}: {reason}")]
    Resolve {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// TCP connect or handshake (AUTH) failed.
    #[error("connect failed: {0}")]
    Connect(String),
    /// TLS could not be set up or the handshake failed (the text names the node or file).
    #[error("{0}")]
    Tls(String),
    /// The node answered with an authentication error; the text starts with the node.
    #[error("authentication failed on {0}")]
    Auth(String),
    /// No answer within the timeout.
    #[error("timed out after {0:?} ({1})")]
    Timeout(Duration, &'static str),
    /// A command failed.
    #[error("{command} failed: {reason}")]
    Command {
        /// The command name.
        command: String,
        /// The node's error or the transport error.
        reason: String,
    },
}

/// How a node is reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Transport {
    /// Connect straight to the node's address.
    #[default]
    Direct,
    /// Nodes with an SSH route go through a tunnel from their SSH host; others directly.
    Ssh(crate::transport::SshTransport),
}

impl Transport {
    /// Resolve `addr` to the socket address a connection should be opened to, within `timeout`.
    pub async fn endpoint(
        &self,
        addr: &NodeAddr,
        timeout: Duration,
    ) -> Result<SocketAddr, NodeError> {
        match self {
            Transport::Direct => resolve(addr, timeout).await,
            Transport::Ssh(ssh) => match ssh.route(addr) {
                Some(route) => ssh
                    .forward(&route.target, &route.dest)
                    .await
                    .map_err(|e| NodeError::Connect(e.to_string())),
                None => resolve(addr, timeout).await,
            },
        }
    }
}

/// Resolve a node address to one socket address (the first the resolver returns, IPv4 first).
pub async fn resolve(addr: &NodeAddr, timeout: Duration) -> Result<SocketAddr, NodeError> {
    if let Ok(ip) = addr.host().parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, addr.port()));
    }
    let lookup = tokio::net::lookup_host((addr.host().to_string(), addr.port()));
    let found = tokio::time::timeout(timeout, lookup)
        .await
        .map_err(|_| NodeError::Timeout(timeout, "resolving the host name"))?
        .map_err(|e| NodeError::Resolve {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
    let mut all: Vec<SocketAddr> = found.collect();
    all.sort_by_key(|a| !a.is_ipv4());
    all.into_iter().next().ok_or_else(|| NodeError::Resolve {
        addr: addr.to_string(),
        reason: "no addresses".into(),
    })
}

pub use rkv_node::net::NodeIo;

/// Open TCP to `sock` and, when `creds` ask for it, TLS over it, all within `timeout`.
pub async fn open_stream(
    sock: SocketAddr,
    creds: &Credentials,
    timeout: Duration,
) -> Result<Box<dyn NodeIo>, NodeError> {
    let work = async {
        let tcp = tokio::net::TcpStream::connect(sock)
            .await
            .map_err(|e| NodeError::Connect(e.to_string()))?;
        // Small request/reply exchanges: do not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        match &creds.tls {
            None => Ok(Box::new(tcp) as Box<dyn NodeIo>),
            Some(tls) => tls
                .handshake(tcp, &sock.to_string())
                .await
                .map(|s| Box::new(s) as Box<dyn NodeIo>)
                .map_err(|e| NodeError::Tls(e.to_string())),
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| NodeError::Timeout(timeout, "connecting"))?
}

/// The redis crate's AUTH settings for `creds`.
fn redis_settings(creds: &Credentials) -> redis::RedisConnectionInfo {
    let mut settings = redis::RedisConnectionInfo::default().set_skip_set_lib_name();
    if let Some(p) = &creds.password {
        settings = settings.set_password(p.expose());
        if let Some(u) = &creds.user {
            settings = settings.set_username(u);
        }
    }
    settings
}

/// A connect-time error from the redis crate, typed (AUTH failures apart from the rest).
fn classify(
    e: &redis::RedisError,
    sock: SocketAddr,
    creds: &Credentials,
    timeout: Duration,
) -> NodeError {
    let text = creds.scrub(&e.to_string());
    if e.is_timeout() {
        NodeError::Timeout(timeout, "connecting")
    } else if e.kind() == redis::ErrorKind::AuthenticationFailed || is_auth_error(&text) {
        // The crate's own wording is "Password authentication failed - AuthenticationFailed";
        // the server's WRONGPASS text says more when we have it.
        let text = e.detail().map_or(text, |d| creds.scrub(d));
        NodeError::Auth(format!("{sock}: {text}"))
    } else {
        NodeError::Connect(text)
    }
}

/// Open a Pub/Sub connection to `sock` (TLS and AUTH as `creds` say) within `timeout`: for
/// listening to the `__sentinel__:hello` channel.
pub async fn open_pubsub(
    sock: SocketAddr,
    creds: &Credentials,
    timeout: Duration,
) -> Result<redis::aio::PubSub, NodeError> {
    let stream = open_stream(sock, creds, timeout).await?;
    tokio::time::timeout(
        timeout,
        redis::aio::PubSub::new(&redis_settings(creds), stream),
    )
    .await
    .map_err(|_| NodeError::Timeout(timeout, "connecting"))?
    .map_err(|e| classify(&e, sock, creds, timeout))
}

/// An open connection to one node.
pub struct NodeClient {
    conn: redis::aio::MultiplexedConnection,
    timeout: Duration,
    creds: Credentials,
    /// Where we connected (for error messages).
    sock: SocketAddr,
}

impl std::fmt::Debug for NodeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeClient")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn is_auth_error(text: &str) -> bool {
    let t = text.to_ascii_uppercase();
    t.contains("WRONGPASS")
        || t.contains("NOAUTH")
        || t.contains("INVALID PASSWORD")
        || t.contains("INVALID USERNAME")
        || t.contains("AUTH")
            && (t.contains("NO PASSWORD IS SET") || t.contains("CALLED WITHOUT ANY PASSWORD"))
}

impl NodeClient {
    /// Connect to `sock` and authenticate, all within `timeout`.
    pub async fn connect(
        sock: SocketAddr,
        creds: &Credentials,
        timeout: Duration,
    ) -> Result<NodeClient, NodeError> {
        let stream = open_stream(sock, creds, timeout).await?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let (conn, driver) = tokio::time::timeout(
            timeout,
            redis::aio::MultiplexedConnection::new_with_config(
                &redis_settings(creds),
                stream,
                config,
            ),
        )
        .await
        .map_err(|_| NodeError::Timeout(timeout, "connecting"))?
        .map_err(|e| classify(&e, sock, creds, timeout))?;
        tokio::spawn(driver);
        Ok(NodeClient {
            conn,
            timeout,
            creds: creds.clone(),
            sock,
        })
    }

    /// Resolve through `transport`, then [`NodeClient::connect`].
    pub async fn open(
        transport: &Transport,
        addr: &NodeAddr,
        creds: &Credentials,
        timeout: Duration,
    ) -> Result<NodeClient, NodeError> {
        let sock = transport.endpoint(addr, timeout).await?;
        Self::connect(sock, creds, timeout).await
    }

    /// Run one command under the timeout.
    pub async fn query<T: redis::FromRedisValue>(
        &mut self,
        cmd: &redis::Cmd,
        name: &str,
    ) -> Result<T, NodeError> {
        let fut = cmd.query_async::<T>(&mut self.conn);
        let res = tokio::time::timeout(self.timeout, fut).await;
        self.map_reply(res, name)
    }

    /// Run a pipeline under the timeout, sent in one write: with `atomic()`, a MULTI/EXEC
    /// that reaches the server whole, so no other client's command runs between its parts
    /// being queued (only the transaction itself is atomic; this also keeps its round trips
    /// from widening the window before it).
    pub async fn query_pipe<T: redis::FromRedisValue>(
        &mut self,
        pipe: &redis::Pipeline,
        name: &str,
    ) -> Result<T, NodeError> {
        let fut = pipe.query_async::<T>(&mut self.conn);
        let res = tokio::time::timeout(self.timeout, fut).await;
        self.map_reply(res, name)
    }

    fn map_reply<T>(
        &self,
        res: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
        name: &str,
    ) -> Result<T, NodeError> {
        match res {
            Err(_) => Err(NodeError::Timeout(self.timeout, "waiting for a reply")),
            Ok(Err(e)) => {
                let text = self.creds.scrub(&e.to_string());
                if e.is_timeout() {
                    Err(NodeError::Timeout(self.timeout, "waiting for a reply"))
                } else if is_auth_error(&text) {
                    Err(NodeError::Auth(format!("{}: {text}", self.sock)))
                } else {
                    Err(NodeError::Command {
                        command: name.to_string(),
                        reason: text,
                    })
                }
            }
            Ok(Ok(v)) => Ok(v),
        }
    }

    /// `INFO <section>` as the node sent it.
    pub async fn info(&mut self, section: &str) -> Result<String, NodeError> {
        let mut cmd = redis::cmd("INFO");
        cmd.arg(section);
        self.query(&cmd, "INFO").await
    }

    /// `INFO server` and `INFO replication`, concatenated (two commands: multi-section INFO
    /// only exists since 7.0).
    pub async fn replication_info(&mut self) -> Result<String, NodeError> {
        let server = self.info("server").await?;
        let repl = self.info("replication").await?;
        Ok(format!("{server}\r\n{repl}"))
    }

    /// `ROLE` (2.8.12+), typed.
    pub async fn role(&mut self) -> Result<RoleReply, NodeError> {
        let v: redis::Value = self.query(&redis::cmd("ROLE"), "ROLE").await?;
        parse_role(&v).map_err(|e| NodeError::Command {
            command: "ROLE".into(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_password() {
        let c = Credentials {
            user: None,
            password: Some(Secret::new("hunter2")),
            tls: None,
        };
        assert_eq!(c.scrub("bad hunter2 x"), "bad *** x");
        assert_eq!(Credentials::default().scrub("x"), "x");
    }

    #[test]
    fn auth_errors_recognised() {
        assert!(is_auth_error(
            "WRONGPASS invalid username-password pair or user is disabled."
        ));
        assert!(is_auth_error("NOAUTH Authentication required."));
        assert!(!is_auth_error("ERR unknown command"));
    }
}
