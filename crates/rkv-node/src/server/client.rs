//! One client connection's own state ([`Client`]), what running a command tells the
//! connection to do next ([`Outcome`]), and the call every server command receives ([`Call`]).
//!
//! They live apart from dispatch ([`super::exec`]) so that the command modules (connection,
//! transactions, administration, persistence, replication, pub/sub) depend on this file and
//! on the state, never on each other nor on the dispatcher.

use crate::resp::{Frame, Protocol};
use crate::server::acl::User;
use crate::server::cmd::CommandSpec;
use crate::server::state::{ClientKind, Shared, State};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;

/// Everything a server command runs with: the server, its state (the lock is held), the
/// calling client, its table entry and its arguments (owned: PSYNC and EXEC keep them).
pub struct Call<'a> {
    /// The server (for tasks a command starts: WAIT, BGSAVE, a replica's feed).
    pub shared: &'a Arc<Shared>,
    /// The server state, under its lock.
    pub state: &'a mut State,
    /// The calling connection's own state.
    pub client: &'a mut Client,
    /// The command's table entry.
    pub spec: &'static CommandSpec,
    /// The arguments, the command name first; arity is already checked.
    pub argv: Vec<Bytes>,
}

/// A server command's function, as the command table holds it.
pub type ServerFn = fn(Call<'_>) -> Outcome;

/// CLIENT REPLY mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// No replies.
    Off,
    /// The next command's reply is dropped.
    Skip,
    /// Dropping this command's reply (SKIP was the previous command).
    SkipThis,
}

/// The connection-local state of one client.
pub struct Client {
    /// CLIENT ID.
    pub id: u64,
    /// RESP version.
    pub proto: Protocol,
    /// The authenticated user; `None` until AUTH when the default user has a password.
    pub user: Option<Arc<User>>,
    /// Queued commands while in MULTI.
    pub multi: Option<Vec<Vec<Bytes>>>,
    /// A command failed to queue: EXEC must abort.
    pub multi_error: bool,
    /// Watched keys with the version seen at WATCH time.
    pub watched: Vec<(Bytes, u64)>,
    /// CLIENT REPLY mode.
    pub reply_mode: ReplyMode,
    /// The last AOF sequence this client's writes produced (appendfsync always waits on it).
    pub aof_seq: u64,
    /// Kind of client.
    pub kind: ClientKind,
    /// client-query-buffer-limit as last seen under the lock.
    pub query_buffer_limit: u64,
    /// `REPLCONF listening-port` (a replica's own port).
    pub repl_port: Option<u16>,
    /// `REPLCONF ip-address` (the address a replica wants to be listed at).
    pub repl_ip: Option<String>,
    /// Its pub/sub message queue.
    pub pubsub: crate::server::pubsub::ClientPubSub,
}

/// What the connection must do after a command.
pub enum Outcome {
    /// Send the reply (unless CLIENT REPLY suppresses it) and go on.
    Reply(Frame),
    /// Send the reply, then close the connection.
    Close(Frame),
    /// Held by CLIENT PAUSE until this instant (or UNPAUSE): nothing ran; the command is
    /// handed back to run again later.
    Paused(Instant, Vec<Bytes>),
    /// Stop the server (SHUTDOWN); close without a reply.
    Shutdown,
    /// Send nothing (REPLCONF ACK gets no reply, as in Redis).
    NoReply,
    /// Wait for this future (WAIT), without holding the lock, then send its reply.
    Block(std::pin::Pin<Box<dyn std::future::Future<Output = Frame> + Send>>),
    /// The command takes the connection over (e.g. PSYNC turning it into a replica's feed):
    /// replies so far are flushed, then the handoff owns the socket until it ends.
    Handoff(Handoff),
    /// Send several replies (SUBSCRIBE confirms each channel separately).
    Replies(Vec<Frame>),
}

/// What a connection hands over to a command that takes it over.
pub struct HandoffConn {
    /// The connection (plain TCP or TLS).
    pub stream: Box<dyn crate::net::NodeIo>,
    /// Bytes already read but not yet parsed (e.g. a REPLCONF sent right after PSYNC).
    pub pending_input: bytes::BytesMut,
    /// The client's id (its CLIENT LIST entry stays until the handoff ends).
    pub client_id: u64,
    /// Woken by CLIENT KILL for this client.
    pub kill: Arc<tokio::sync::Notify>,
}

/// The task that runs a taken-over connection.
pub type Handoff = Box<
    dyn FnOnce(HandoffConn) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        + Send,
>;

impl std::fmt::Debug for HandoffConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffConn")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Append a reply to the output buffer, as CLIENT REPLY allows.
pub fn encode_reply(f: &Frame, client: &mut Client, out: &mut bytes::BytesMut) {
    match client.reply_mode {
        ReplyMode::On => crate::resp::encode(f, client.proto, out),
        ReplyMode::Off => {}
        ReplyMode::Skip => client.reply_mode = ReplyMode::SkipThis,
        ReplyMode::SkipThis => client.reply_mode = ReplyMode::On,
    }
}

impl Client {
    /// A new client; authenticated as the default user when it needs no password.
    pub fn new(id: u64, state: &State) -> Client {
        let default = state.default_user();
        Client {
            id,
            proto: Protocol::Resp2,
            user: if default.password.is_none() {
                Some(default)
            } else {
                None
            },
            multi: None,
            multi_error: false,
            watched: Vec::new(),
            reply_mode: ReplyMode::On,
            aof_seq: 0,
            kind: ClientKind::Normal,
            query_buffer_limit: state.config.client_query_buffer_limit,
            repl_port: None,
            repl_ip: None,
            pubsub: crate::server::pubsub::ClientPubSub::default(),
        }
    }

    /// True when the next parse may use the full limits.
    pub fn authenticated(&self) -> bool {
        self.user.is_some()
    }

    /// Forget WATCHes (EXEC, DISCARD, UNWATCH, RESET, disconnect).
    pub fn unwatch_all(&mut self, state: &mut State) {
        for (k, _) in self.watched.drain(..) {
            if let Some(e) = state.watched.get_mut(&k) {
                e.refs = e.refs.saturating_sub(1);
                if e.refs == 0 {
                    state.watched.remove(&k);
                }
            }
        }
    }
}
