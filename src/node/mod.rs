//! Talking to any Redis-protocol node: addresses as operators type them ([`addr`]), the
//! client with a timeout on every step ([`client`]), and pure INFO/ROLE parsing ([`info`]).

// Addresses are their own module below the transport (which needs them to reach a node);
// `node::addr` stays their path for callers.
pub use crate::addr;
pub mod client;
pub mod conffile;
pub mod info;

pub use addr::{AddrError, NodeAddr, NodeSpec, Secret, SshHop, parse_node, parse_ssh_hop};
pub use client::{Credentials, NodeClient, NodeError, Transport};
pub use info::{ListedReplica, ReplicationInfo, Role, ServerVersion};
