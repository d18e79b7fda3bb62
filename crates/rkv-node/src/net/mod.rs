//! Byte streams to other nodes, shared by the store node (a replica's link to its master) and the
//! operator library (every command that talks to a node): plain TCP, or TLS over it.

pub mod tls;

/// A byte stream to a node: plain TCP or TLS over it.
pub trait NodeIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> NodeIo for T {}
