//! Node addresses as operators type them: `HOST:PORT`, `HOST`, `[IPv6]:PORT`,
//! `redis://[USER[:PASSWORD]@]HOST[:PORT]`, and `ssh://[USER@]BASTION[:22]/HOST:PORT` for a node
//! reached through an SSH tunnel (HOST:PORT as the SSH host sees it). Parsing is pure so every form is unit-tested; a
//! password found in a URL is kept in a [`Secret`] that never prints.

use std::fmt;
use std::net::IpAddr;
use thiserror::Error;

/// The port a bare `HOST` means.
pub const DEFAULT_PORT: u16 = 6379;

/// Longest address text we accept (a DNS name is at most 253 bytes; URLs carry credentials).
const MAX_ADDR_LEN: usize = 1024;

/// A node's network address. Displayed as `HOST:PORT`, with IPv6 hosts in brackets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeAddr {
    host: String,
    port: u16,
}

impl NodeAddr {
    /// An address from a host (name, IPv4 or IPv6 without brackets) and a port.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        let host: String = host.into();
        // Normalise IP literals ("::0001" and "::1" are one node).
        let host = match host.parse::<IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) => host.to_ascii_lowercase(),
        };
        NodeAddr { host, port }
    }

    /// The host part, without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Display for NodeAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl serde::Serialize for NodeAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A secret (a password) that shows as `***` in Debug and is never Display-ed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for AUTH and for scrubbing error texts.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// An address as given on the command line, with any credentials a URL carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Where the node is.
    pub addr: NodeAddr,
    /// ACL user from a URL.
    pub user: Option<String>,
    /// Password from a URL.
    pub password: Option<Secret>,
    /// The SSH host to tunnel through (`ssh://` form), if any.
    pub via: Option<SshHop>,
    /// A `rediss://` address: the node speaks TLS.
    pub tls: bool,
}

/// The port a bare SSH host means.
pub const DEFAULT_SSH_PORT: u16 = 22;

/// An SSH host a node is reached through: `[USER@]HOST[:PORT]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SshHop {
    /// Remote user (None: the inventory's `[ssh] user`, else the local user).
    pub user: Option<String>,
    /// The SSH host and port.
    pub addr: NodeAddr,
}

impl fmt::Display for SshHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        self.addr.fmt(f)
    }
}

/// Parse an SSH host as the inventory's `ssh` key takes it: `[USER@]HOST[:PORT]` (port 22).
pub fn parse_ssh_hop(input: &str) -> Result<SshHop, AddrError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(AddrError::Empty);
    }
    if s.len() > MAX_ADDR_LEN {
        return Err(AddrError::TooLong(s.len()));
    }
    let (user, hostport) = match s.rsplit_once('@') {
        Some((u, h)) => {
            // SSH passwords are not supported: keys or the agent only. Never echo one back.
            if u.contains(':') {
                return Err(AddrError::SshPassword(redact_ssh_user(s)));
            }
            let ok = !u.is_empty()
                && u.len() <= 64
                && u.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
            if !ok {
                return Err(AddrError::InvalidHost {
                    host: u.to_string(),
                    input: s.to_string(),
                });
            }
            (Some(u.to_string()), h)
        }
        None => (None, s),
    };
    let mut addr = parse_host_port(hostport, s)?;
    let explicit_port = if hostport.starts_with('[') {
        hostport.contains("]:")
    } else {
        hostport.matches(':').count() == 1
    };
    if !explicit_port {
        addr = NodeAddr::new(addr.host().to_string(), DEFAULT_SSH_PORT);
    }
    Ok(SshHop { user, addr })
}

/// `ssh://user:pw@host/…` with the password part masked.
fn redact_ssh_user(s: &str) -> String {
    match s.rsplit_once('@') {
        Some((creds, host)) => {
            let (scheme, creds) = match creds.split_once("://") {
                Some((sc, c)) => (format!("{sc}://"), c),
                None => (String::new(), creds),
            };
            let user = creds.split_once(':').map_or(creds, |(u, _)| u);
            format!("{scheme}{user}:***@{host}")
        }
        None => s.to_string(),
    }
}

/// `ssh://[USER@]BASTION[:PORT]/HOST:PORT` after the scheme.
fn parse_ssh_url(rest: &str, whole: &str) -> Result<NodeSpec, AddrError> {
    let Some((hop, node)) = rest.split_once('/') else {
        return Err(AddrError::Path(redact_ssh_user(whole)));
    };
    if hop.contains(':')
        && hop.contains('@')
        && hop.split_once('@').is_some_and(|(u, _)| u.contains(':'))
    {
        return Err(AddrError::SshPassword(redact_ssh_user(whole)));
    }
    let via = parse_ssh_hop(hop)?;
    let node = node.trim_end_matches('/');
    if node.is_empty() {
        return Err(AddrError::Path(whole.to_string()));
    }
    let addr = parse_host_port(node, whole)?;
    Ok(NodeSpec {
        addr,
        user: None,
        password: None,
        via: Some(via),
        tls: false,
    })
}

impl fmt::Display for NodeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.addr.fmt(f)
    }
}

/// Why an address could not be parsed. Messages quote the input with any password removed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AddrError {
    /// Nothing was given.
    #[error("empty node address")]
    Empty,
    /// Longer than we accept.
    #[error("node address too long ({0} bytes, at most 1024)")]
    TooLong(usize),
    /// The port is not a number in 1..=65535.
    #[error("invalid port '{port}' in '{input}'")]
    InvalidPort {
        /// The port text.
        port: String,
        /// The whole input, credentials removed.
        input: String,
    },
    /// The host part is empty or has characters no host has.
    #[error("invalid host '{host}' in '{input}'")]
    InvalidHost {
        /// The host text.
        host: String,
        /// The whole input, credentials removed.
        input: String,
    },
    /// A URL scheme other than `redis://` and `ssh://`.
    #[error("unsupported scheme in '{0}' (only redis://, rediss:// and ssh:// are supported)")]
    Scheme(String),
    /// An SSH password in an address (keys and the agent only).
    #[error("no password may be given for ssh in '{0}': use a key or the ssh agent")]
    SshPassword(String),
    /// A URL path other than empty, `/` or a database number.
    #[error("unexpected path in '{0}'")]
    Path(String),
}

/// Parse `HOST:PORT`, `HOST`, `[IPv6]:PORT`, a bare IPv6 literal, or a `redis://` URL.
pub fn parse_node(input: &str) -> Result<NodeSpec, AddrError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(AddrError::Empty);
    }
    if s.len() > MAX_ADDR_LEN {
        return Err(AddrError::TooLong(s.len()));
    }
    if let Some((scheme, rest)) = s.split_once("://") {
        if scheme.eq_ignore_ascii_case("ssh") {
            return parse_ssh_url(rest, s);
        }
        if scheme.eq_ignore_ascii_case("rediss") {
            return parse_url(rest, s).map(|n| NodeSpec { tls: true, ..n });
        }
        if !scheme.eq_ignore_ascii_case("redis") {
            return Err(AddrError::Scheme(scrub(s)));
        }
        return parse_url(rest, s);
    }
    let addr = parse_host_port(s, s)?;
    Ok(NodeSpec {
        addr,
        user: None,
        password: None,
        via: None,
        tls: false,
    })
}

/// The input with a URL's password replaced, for error messages.
fn scrub(input: &str) -> String {
    if let Some((scheme, rest)) = input.split_once("://") {
        let (authority, tail) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if let Some((creds, host)) = authority.rsplit_once('@') {
            let user = creds.split_once(':').map_or(creds, |(u, _)| u);
            let masked = if creds.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            return format!("{scheme}://{masked}@{host}{tail}");
        }
    }
    input.to_string()
}

fn parse_url(rest: &str, whole: &str) -> Result<NodeSpec, AddrError> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    // A database number is allowed (and ignored: replication state is per server).
    if !path.is_empty() && path.parse::<u32>().is_err() {
        return Err(AddrError::Path(scrub(whole)));
    }
    let (creds, hostport) = match authority.rsplit_once('@') {
        Some((c, h)) => (Some(c), h),
        None => (None, authority),
    };
    let (user, password) = match creds {
        None => (None, None),
        Some(c) => {
            let (u, p) = match c.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (c, None),
            };
            let user = (!u.is_empty()).then(|| percent_decode(u));
            let password = p
                .filter(|p| !p.is_empty())
                .map(|p| Secret(percent_decode(p)));
            (user, password)
        }
    };
    let addr = parse_host_port(hostport, &scrub(whole))?;
    Ok(NodeSpec {
        addr,
        user,
        password,
        via: None,
        tls: false,
    })
}

/// Decode `%XX` escapes (URL credentials may escape `@` and `:`); bad escapes stay literal.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_port(port: &str, input: &str) -> Result<u16, AddrError> {
    match port.parse::<u16>() {
        Ok(p) if p != 0 && port.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => Err(AddrError::InvalidPort {
            port: port.to_string(),
            input: input.to_string(),
        }),
    }
}

fn check_host(host: &str, input: &str) -> Result<(), AddrError> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(AddrError::InvalidHost {
            host: host.to_string(),
            input: input.to_string(),
        })
    }
}

/// `HOST:PORT`, `HOST`, `[V6]:PORT`, `[V6]` or a bare IPv6 literal.
fn parse_host_port(s: &str, input: &str) -> Result<NodeAddr, AddrError> {
    if let Some(rest) = s.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(AddrError::InvalidHost {
                host: s.to_string(),
                input: input.to_string(),
            });
        };
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(AddrError::InvalidHost {
                host: host.to_string(),
                input: input.to_string(),
            });
        }
        let port = match after {
            "" => DEFAULT_PORT,
            _ => match after.strip_prefix(':') {
                Some(p) => parse_port(p, input)?,
                None => {
                    return Err(AddrError::InvalidHost {
                        host: s.to_string(),
                        input: input.to_string(),
                    });
                }
            },
        };
        return Ok(NodeAddr::new(host, port));
    }
    // Two or more colons without brackets: a bare IPv6 literal, default port.
    if s.matches(':').count() > 1 {
        return match s.parse::<std::net::Ipv6Addr>() {
            Ok(ip) => Ok(NodeAddr::new(ip.to_string(), DEFAULT_PORT)),
            Err(_) => Err(AddrError::InvalidHost {
                host: s.to_string(),
                input: input.to_string(),
            }),
        };
    }
    let (host, port) = match s.split_once(':') {
        Some((h, p)) => (h, parse_port(p, input)?),
        None => (s, DEFAULT_PORT),
    };
    check_host(host, input)?;
    Ok(NodeAddr::new(host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> String {
        parse_node(s).unwrap().addr.to_string()
    }

    #[test]
    fn plain_forms() {
        assert_eq!(addr("10.0.0.5:6380"), "10.0.0.5:6380");
        assert_eq!(addr("db1"), "db1:6379");
        assert_eq!(addr("DB1.example.com:7000"), "db1.example.com:7000");
        assert_eq!(addr(" 127.0.0.1 "), "127.0.0.1:6379");
    }

    #[test]
    fn ipv6_forms() {
        assert_eq!(addr("[::1]:6380"), "[::1]:6380");
        assert_eq!(addr("[::1]"), "[::1]:6379");
        assert_eq!(addr("::1"), "[::1]:6379");
        assert_eq!(addr("[0:0::1]:7"), "[::1]:7");
        assert!(parse_node("[::1:6380").is_err());
        assert!(parse_node("[nothex]:1").is_err());
    }

    #[test]
    fn bad_ports_are_named() {
        let e = parse_node("db1:99999").unwrap_err();
        assert_eq!(e.to_string(), "invalid port '99999' in 'db1:99999'");
        assert!(matches!(
            parse_node("db1:0"),
            Err(AddrError::InvalidPort { .. })
        ));
        assert!(matches!(
            parse_node("db1:"),
            Err(AddrError::InvalidPort { .. })
        ));
        assert!(matches!(
            parse_node("db1:+5"),
            Err(AddrError::InvalidPort { .. })
        ));
        assert!(matches!(
            parse_node(":6379"),
            Err(AddrError::InvalidHost { .. })
        ));
        assert!(matches!(
            parse_node("a b:1"),
            Err(AddrError::InvalidHost { .. })
        ));
        assert_eq!(parse_node(""), Err(AddrError::Empty));
        assert!(matches!(
            parse_node(&"a".repeat(2000)),
            Err(AddrError::TooLong(_))
        ));
    }

    #[test]
    fn urls_with_credentials() {
        let n = parse_node("redis://admin:s3cr%40t@10.0.0.5:6380/0").unwrap();
        assert_eq!(n.addr.to_string(), "10.0.0.5:6380");
        assert_eq!(n.user.as_deref(), Some("admin"));
        assert_eq!(n.password.as_ref().map(Secret::expose), Some("s3cr@t"));
        let n = parse_node("redis://:pw@host").unwrap();
        assert_eq!(n.user, None);
        assert_eq!(n.addr.to_string(), "host:6379");
        let n = parse_node("redis://[::1]:7000").unwrap();
        assert_eq!(n.addr.to_string(), "[::1]:7000");
        assert!(!n.tls);
        let n = parse_node("rediss://:pw@host:6380").unwrap();
        assert!(n.tls);
        assert_eq!(n.addr.to_string(), "host:6380");
    }

    #[test]
    fn ssh_forms() {
        let s = parse_node("ssh://ops@bastion/10.0.0.5:6379").unwrap();
        assert_eq!(s.addr.to_string(), "10.0.0.5:6379");
        let via = s.via.unwrap();
        assert_eq!(via.user.as_deref(), Some("ops"));
        assert_eq!(via.addr.to_string(), "bastion:22");
        let s = parse_node("ssh://bastion:2222/127.0.0.1").unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:6379");
        assert_eq!(s.via.as_ref().unwrap().to_string(), "bastion:2222");
        let s = parse_node("SSH://[::1]:2200/[::1]:7000").unwrap();
        assert_eq!(s.via.unwrap().addr.to_string(), "[::1]:2200");
        assert_eq!(s.addr.to_string(), "[::1]:7000");
        assert!(matches!(
            parse_node("ssh://bastion"),
            Err(AddrError::Path(_))
        ));
        assert!(matches!(
            parse_node("ssh://bastion/"),
            Err(AddrError::Path(_))
        ));
        let e = parse_node("ssh://ops:hunter2@bastion/h:1")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("ops:***@bastion"), "{e}");
        assert!(parse_node("ssh://bastion:0/h:1").is_err());
        assert!(parse_node("ssh://ba stion/h:1").is_err());
    }

    #[test]
    fn ssh_hops() {
        let h = parse_ssh_hop("10.0.0.1").unwrap();
        assert_eq!(
            (h.user, h.addr.to_string()),
            (None, "10.0.0.1:22".to_string())
        );
        let h = parse_ssh_hop("root@127.0.0.1:2022").unwrap();
        assert_eq!(h.to_string(), "root@127.0.0.1:2022");
        assert_eq!(parse_ssh_hop("[::1]").unwrap().addr.port(), 22);
        assert_eq!(parse_ssh_hop("::1").unwrap().addr.port(), 22);
        assert!(parse_ssh_hop("@h").is_err());
        assert!(parse_ssh_hop("a b@h").is_err());
        let e = parse_ssh_hop("u:pw@h").unwrap_err().to_string();
        assert!(!e.contains("pw@"), "{e}");
    }

    #[test]
    fn password_never_printed() {
        let n = parse_node("redis://u:hunter2@h:1").unwrap();
        assert!(!format!("{n:?}").contains("hunter2"));
        assert!(!n.to_string().contains("hunter2"));
        let e = parse_node("redis://u:hunter2@h:99999").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(e.to_string().contains("invalid port '99999'"));
        let e = parse_node("rediss://u:hunter2@h:99999").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = parse_node("rediss2://u:hunter2@h:1").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = parse_node("redis://u:hunter2@h:1/x").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_round_trips(s in "\\PC{0,80}") {
            if let Ok(n) = parse_node(&s) {
                // What we display parses back to the same address.
                let again = parse_node(&n.addr.to_string()).unwrap();
                proptest::prop_assert_eq!(again.addr, n.addr);
            }
        }

        #[test]
        fn valid_addresses_round_trip(
            host in "[a-z0-9][a-z0-9.-]{0,30}",
            v6 in proptest::array::uniform8(0u16..),
            port in 1u16..,
        ) {
            let a = parse_node(&format!("{host}:{port}")).unwrap().addr;
            proptest::prop_assert_eq!((a.host(), a.port()), (host.as_str(), port));
            let ip = std::net::Ipv6Addr::from(v6);
            let b = parse_node(&format!("[{ip}]:{port}")).unwrap().addr;
            proptest::prop_assert_eq!(parse_node(&b.to_string()).unwrap().addr, b.clone());
            proptest::prop_assert_eq!(b.host().parse::<std::net::Ipv6Addr>().unwrap(), ip);
        }
    }
}
