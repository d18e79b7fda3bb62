//! Commands: the table of what the server knows (name, arity, flags, keys) and the context a
//! data command runs in.
//!
//! The data commands (keys, strings, hashes, lists, sets, sorted sets) are pure functions over
//! an [`ExecCtx`]: they read and change the keyspace and push onto `ctx.propagate` the exact
//! commands a replica or the AOF must apply to reach the same state (an EXPIRE becomes an
//! absolute PEXPIREAT, a SPOP an SREM, …). They never touch sockets, so they are unit-tested
//! without a server. Connection and server commands (AUTH, CLIENT, CONFIG, INFO, …) are handled
//! by the connection layer.

pub mod bits;
pub mod blocking;
pub mod data;
pub mod function_min;
pub mod hashes;
pub mod keys;
pub mod lists;
pub mod server;
pub mod sets;
pub mod streams;
pub mod strings;
pub mod tunables;
pub mod zsets;

use crate::resp::Frame;
use crate::store::Db;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Command flags, as Redis's COMMAND INFO reports them.
pub mod flags {
    /// Changes the dataset: refused on read-only replicas, held during CLIENT PAUSE WRITE,
    /// propagated.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory use.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Allowed before AUTH.
    pub const NOAUTH: u32 = 1 << 4;
    /// Allowed while a replica serves stale data / is loading.
    pub const STALE: u32 = 1 << 5;
    /// O(1) or O(log N).
    pub const FAST: u32 = 1 << 6;
    /// Allowed in pub/sub context.
    pub const PUBSUB: u32 = 1 << 7;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 8;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 9;
    /// May block the client (BLPOP, …): at the top level the dispatcher runs it through
    /// `cmd::blocking::command`; inside MULTI/EXEC (and scripts) its data handler does not block.
    pub const BLOCKING: u32 = 1 << 10;
}

/// How a command is carried out.
#[derive(Clone, Copy)]
pub enum Handler {
    /// A pure data command over the keyspace.
    Data(fn(&mut ExecCtx<'_>, &[Bytes]) -> Frame),
    /// A connection or server command, which needs the client and the server, not only the
    /// keyspace.
    Server(crate::server::client::ServerFn),
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Handler::Data(_) => f.write_str("Data"),
            Handler::Server(_) => f.write_str("Server"),
        }
    }
}

/// One entry of the command table.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// Lower-case name.
    pub name: &'static str,
    /// Redis arity: N means exactly N arguments including the name, -N at least N.
    pub arity: i32,
    /// A bitwise or of [`flags`].
    pub flags: u32,
    /// Position of the first key (0: none).
    pub first_key: i32,
    /// Position of the last key (-1: the last argument).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// Redis's command group / ACL category (`string`, `list`, `connection`, …).
    pub group: &'static str,
    /// How it runs.
    pub handler: Handler,
}

impl CommandSpec {
    /// True when the argument count (including the name) fits the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// True when the command changes the dataset.
    pub fn is_write(&self) -> bool {
        self.flags & flags::WRITE != 0
    }
}

/// What a data command runs against.
pub struct ExecCtx<'a> {
    /// The keyspace.
    pub db: &'a mut Db,
    /// The current time in Unix milliseconds, read once per command (so a command sees one
    /// consistent "now", and a replica applying PEXPIREAT agrees with its master).
    pub now_ms: u64,
    /// The commands to propagate to replicas and the AOF, in order, as argument vectors.
    pub propagate: &'a mut Vec<Vec<Bytes>>,
    /// Count of changes since the last save (Redis's `dirty`), for INFO and save points.
    pub dirty: &'a mut u64,
    /// True on a master (or a writable node that expires keys itself): a key found past its
    /// expiry is deleted and a `DEL key` propagated. False on a replica: such a key reads as
    /// missing but stays until the master's DEL arrives, as Redis replicas behave.
    pub is_master: bool,
    /// False when nothing consumes propagation (no AOF, no replication backlog, no WATCH):
    /// then the common verbatim case skips copying the arguments. Rewritten propagation
    /// (PEXPIREAT, SREM for SPOP, …) is still pushed; it is rare and harmless to drop.
    pub record: bool,
}

impl ExecCtx<'_> {
    /// Propagate `argv` unchanged (the common case for a write that changed something).
    pub fn propagate_verbatim(&mut self, argv: &[Bytes]) {
        if !self.record {
            return;
        }
        self.propagate.push(argv.to_vec());
    }
}

/// Every command, server and data, by lower-case name; built once. Looked up once per command
/// on the hot path: a fixed fast hash (the names are ours, not an attacker's), not SipHash.
static TABLE: LazyLock<HashMap<&'static str, &'static CommandSpec, foldhash::fast::FixedState>> =
    LazyLock::new(|| {
        let mut t = HashMap::with_hasher(foldhash::fast::FixedState::default());
        for spec in data::DATA_COMMANDS.iter().chain(server::SERVER_COMMANDS) {
            t.insert(spec.name, spec);
        }
        t
    });

/// Look a command up by name, case-insensitively, without allocating.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let s = std::str::from_utf8(&buf[..name.len()]).ok()?;
    TABLE.get(s).copied()
}

/// Every command, for COMMAND / COMMAND COUNT (sorted by name for a stable order).
pub fn all_commands() -> Vec<&'static CommandSpec> {
    let mut v: Vec<_> = TABLE.values().copied().collect();
    v.sort_by_key(|s| s.name);
    v
}

impl CommandSpec {
    /// The positions of the keys in an argument vector of `argc` entries, from
    /// first_key/last_key/step (a negative last_key counts from the end, -1 the last).
    pub fn key_positions(&self, argc: usize) -> impl Iterator<Item = usize> {
        let argc_i = i64::try_from(argc).unwrap_or(i64::MAX);
        let first = i64::from(self.first_key);
        let end = if self.last_key < 0 {
            argc_i + 1 + i64::from(self.last_key)
        } else {
            i64::from(self.last_key) + 1
        }
        .clamp(0, argc_i);
        let step = usize::try_from(self.step).unwrap_or(1).max(1);
        let (first, end) = if first <= 0 {
            (0, 0)
        } else {
            (first, end.max(first))
        };
        (usize::try_from(first).unwrap_or(0)..usize::try_from(end).unwrap_or(0)).step_by(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(first: i32, last: i32, step: i32) -> CommandSpec {
        CommandSpec {
            name: "x",
            arity: -1,
            flags: 0,
            first_key: first,
            last_key: last,
            step,
            group: "generic",
            handler: Handler::Server(|_| crate::server::client::Outcome::NoReply),
        }
    }

    #[test]
    fn key_positions_follow_first_last_step() {
        let kp = |s: CommandSpec, argc| s.key_positions(argc).collect::<Vec<_>>();
        assert_eq!(kp(spec(1, 1, 1), 3), vec![1]);
        assert_eq!(kp(spec(1, -1, 1), 4), vec![1, 2, 3]);
        assert_eq!(kp(spec(1, -1, 2), 5), vec![1, 3]);
        assert_eq!(kp(spec(1, -2, 1), 4), vec![1, 2]);
        assert_eq!(kp(spec(0, 0, 0), 4), Vec::<usize>::new());
        assert_eq!(kp(spec(1, 1, 1), 1), Vec::<usize>::new());
    }

    #[test]
    fn lookup_ignores_case_and_knows_server_commands() {
        assert_eq!(lookup(b"PiNg").map(|s| s.name), Some("ping"));
        assert!(lookup(b"no-such-command").is_none());
        assert!(lookup(&[b'a'; 40]).is_none());
        assert!(lookup(&[0xff, 0xfe]).is_none());
    }
}
