//! The state every connection shares: the keyspace and server-wide state behind ONE mutex, so
//! a command's effect and its propagation happen in one critical section and in one order.
//!
//! The lock is a `std::sync::Mutex`: it is held only for the synchronous execution of
//! commands and never across an `.await`. Whatever must wait (CLIENT PAUSE, an fsync for
//! `appendfsync always`, a background save) waits outside it, on the channels in [`Shared`].

use crate::persist::aof::{AofWriter, FsyncPolicy};
use crate::replication::master::ReplicationState;
use crate::server::acl::User;
use crate::server::cmd::{self, CommandSpec};
use crate::server::config::Config;
use crate::store::{Db, Value};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{Notify, watch};

/// The current time in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A random 40-hex-digit identifier (run IDs, replication IDs).
pub fn random_hex40() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// What kind of client a connection is (CLIENT LIST `flags`, CLIENT KILL TYPE, PAUSE ALL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// An ordinary client.
    Normal,
    /// Our master's link (replication).
    Master,
    /// A replica's link (replication).
    Replica,
    /// A client in pub/sub mode.
    PubSub,
}

/// What CLIENT LIST and CLIENT KILL need to know about a connection.
#[derive(Debug)]
pub struct ClientEntry {
    /// CLIENT ID.
    pub id: u64,
    /// The peer, `ip:port`.
    pub addr: String,
    /// Our end, `ip:port`.
    pub laddr: String,
    /// CLIENT SETNAME.
    pub name: Option<String>,
    /// The authenticated user.
    pub user: String,
    /// When it connected.
    pub created: Instant,
    /// When it last sent a command.
    pub last_active: Instant,
    /// The last command's name.
    pub last_cmd: &'static str,
    /// Its kind.
    pub kind: ClientKind,
    /// RESP version.
    pub resp: u8,
    /// Queued commands in MULTI, or -1.
    pub multi: i64,
    /// Bytes in its query buffer at the last read.
    pub qbuf: usize,
    /// Woken to close the connection (CLIENT KILL).
    pub kill: Arc<Notify>,
}

/// Counters for INFO stats.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted.
    pub total_connections_received: u64,
    /// Connections refused (maxclients).
    pub rejected_connections: u64,
    /// Commands executed.
    pub total_commands_processed: u64,
    /// Keys deleted by active expiry.
    pub expired_keys: u64,
    /// Single-key reads that found their key.
    pub keyspace_hits: u64,
    /// Single-key reads that did not.
    pub keyspace_misses: u64,
    /// Error replies sent.
    pub total_error_replies: u64,
    /// Operations per second over the last samples.
    pub instantaneous_ops_per_sec: u64,
}

/// An active CLIENT PAUSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// When it ends.
    pub until: Instant,
    /// ALL (true) or WRITE (false).
    pub all: bool,
}

/// Persistence status for INFO and save points.
#[derive(Debug)]
pub struct PersistState {
    /// Unix seconds of the last successful save (or start).
    pub last_save_unix: u64,
    /// A BGSAVE is running.
    pub bgsave_in_progress: bool,
    /// True while a BGSAVE thread is writing the file; cleared before it takes the lock, so a
    /// SAVE (holding the lock) can wait for it rather than have an older snapshot renamed over
    /// its newer one.
    pub bgsave_writing: Arc<std::sync::atomic::AtomicBool>,
    /// When the running BGSAVE started.
    pub bgsave_started: Option<Instant>,
    /// Outcome of the last BGSAVE.
    pub last_bgsave_ok: bool,
    /// Duration of the last BGSAVE in seconds (-1: none yet).
    pub last_bgsave_secs: i64,
    /// Successful saves since start.
    pub rdb_saves: u64,
    /// The AOF writer when appendonly is on.
    pub aof: Option<AofWriter>,
    /// Sequence number of the last AOF append (group commit).
    pub aof_seq: u64,
    /// The last AOF write failed.
    pub aof_last_write_failed: bool,
}

/// A watched key: how many clients watch it and its version.
#[derive(Debug, Default)]
pub struct WatchEntry {
    /// Clients watching.
    pub refs: usize,
    /// Bumped on every change.
    pub version: u64,
}

/// Everything behind the lock.
pub struct State {
    /// The keyspace.
    pub db: Db,
    /// The configuration (CONFIG SET changes it).
    pub config: Config,
    /// The users: default first, then the named ones.
    pub users: Vec<Arc<User>>,
    /// Changes since the last save.
    pub dirty: u64,
    /// INFO stats.
    pub stats: Stats,
    /// Connected clients by id.
    /// Every connection by id. Looked up per batch on the hot path: a fast hash (ids are
    /// ours, sequential, not chosen by clients).
    pub clients: HashMap<u64, ClientEntry, foldhash::fast::FixedState>,
    /// The Unix time in ms that a batch of a client's commands runs at: read once when the
    /// batch takes the lock rather than once per command (a clock read per command was 4% of
    /// a pipelined SET's time). `None` outside a batch. Redis too runs each command, a script
    /// and a transaction at one cached time.
    pub batch_ms: Option<u64>,
    /// Replication: identity, backlog, replicas, and the link to our master.
    pub repl: ReplicationState,
    /// Stops the running link to our master (REPLICAOF changes, NO ONE, shutdown).
    pub link_stop: Option<watch::Sender<bool>>,
    /// Bumped each time a new link is started, so callbacks from an older one are ignored.
    pub link_gen: u64,
    /// The CLIENT LIST id of the connection to our master, while there is one.
    pub link_client: Option<u64>,
    /// Wakes replica feeders when the stream grows.
    pub repl_feed: Arc<Notify>,
    /// Wakes WAIT and FAILOVER when a replica acknowledges.
    pub repl_ack: Arc<Notify>,
    /// Persistence status.
    pub persist: PersistState,
    /// Watched keys.
    pub watched: HashMap<Bytes, WatchEntry>,
    /// CLIENT PAUSE in force.
    pub pause: Option<Pause>,
    /// Reused propagation buffer for data commands.
    pub scratch: Vec<Vec<Bytes>>,
    /// MONITOR clients: (client id, where its lines go).
    pub monitors: Vec<(u64, tokio::sync::mpsc::Sender<Bytes>)>,
    /// Pub/sub subscriptions.
    pub pubsub: crate::server::pubsub::Registry,
    /// `ACL LOG`: failed AUTH attempts.
    pub acl_log: crate::server::acl::AclLog,
    /// Clients blocked in BLPOP & co. and the keys that may now serve them.
    pub blocking: crate::server::cmd::blocking::Blocking,
}

/// The shared handle: the state plus the channels waits happen on.
pub struct Shared {
    /// The lock.
    pub state: Mutex<State>,
    /// Set to true to stop the server.
    pub shutdown: watch::Sender<bool>,
    /// Bumped whenever a pause ends or changes.
    pub pause_changed: watch::Sender<u64>,
    /// Wakes the AOF fsync task (appendfsync always).
    pub fsync_request: Notify,
    /// The highest AOF sequence number known to be on disk.
    pub fsync_done: watch::Sender<u64>,
    /// Next CLIENT ID.
    pub next_client_id: AtomicU64,
    /// When the server started.
    pub started: Instant,
    /// INFO run_id.
    pub run_id: String,
    /// The port actually bound.
    pub port: AtomicU64,
    /// Bytes read from clients.
    pub net_input: AtomicU64,
    /// Bytes written to clients.
    pub net_output: AtomicU64,
}

impl Shared {
    /// Build the shared handle around a state.
    pub fn new(state: State) -> Arc<Shared> {
        Arc::new(Shared {
            state: Mutex::new(state),
            shutdown: watch::channel(false).0,
            pause_changed: watch::channel(0).0,
            fsync_request: Notify::new(),
            fsync_done: watch::channel(0).0,
            next_client_id: AtomicU64::new(1),
            started: Instant::now(),
            run_id: random_hex40(),
            port: AtomicU64::new(0),
            net_input: AtomicU64::new(0),
            net_output: AtomicU64::new(0),
        })
    }

    /// Take the lock. A panic while holding it cannot leave the keyspace half-changed in a
    /// way later commands would trip on any more than the panic itself did, so a poisoned
    /// lock is taken over rather than propagating the panic to every connection.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ask every task to stop.
    pub fn request_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Allocate a client id.
    pub fn client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }
}

impl State {
    /// The time commands run at now: the batch's time inside a batch, else the clock.
    pub fn now_ms(&self) -> u64 {
        self.batch_ms.unwrap_or_else(now_ms)
    }

    /// A fresh state for `config` with an empty keyspace.
    pub fn new(config: Config) -> State {
        let users = build_users(&config);
        let repl = ReplicationState::new(
            usize::try_from(config.repl_backlog_size).unwrap_or(usize::MAX),
            usize::try_from(config.replica_buffer_hard_limit).unwrap_or(usize::MAX),
        );
        State {
            db: Db::new(),
            config,
            users,
            dirty: 0,
            stats: Stats::default(),
            clients: HashMap::default(),
            batch_ms: None,
            repl,
            link_stop: None,
            link_gen: 0,
            link_client: None,
            repl_feed: Arc::new(Notify::new()),
            repl_ack: Arc::new(Notify::new()),
            persist: PersistState {
                last_save_unix: now_ms() / 1000,
                bgsave_in_progress: false,
                bgsave_writing: Arc::new(std::sync::atomic::AtomicBool::new(false)),
                bgsave_started: None,
                last_bgsave_ok: true,
                last_bgsave_secs: -1,
                rdb_saves: 0,
                aof: None,
                aof_seq: 0,
                aof_last_write_failed: false,
            },
            watched: HashMap::new(),
            pause: None,
            scratch: Vec::new(),
            monitors: Vec::new(),
            pubsub: crate::server::pubsub::Registry::default(),
            acl_log: crate::server::acl::AclLog::default(),
            blocking: Default::default(),
        }
    }

    /// Rebuild the users after a config change (requirepass).
    pub fn refresh_users(&mut self) {
        self.users = build_users(&self.config);
    }

    /// The default user.
    pub fn default_user(&self) -> Arc<User> {
        self.users
            .first()
            .cloned()
            .unwrap_or_else(|| Arc::new(User::default_user(None)))
    }

    /// A user by name.
    pub fn user(&self, name: &[u8]) -> Option<Arc<User>> {
        self.users
            .iter()
            .find(|u| u.name.as_bytes() == name)
            .cloned()
    }

    /// The single place every change leaves the node: called with the lock held, right after
    /// the change, so the order here is the order of application. It invalidates WATCHes,
    /// feeds the AOF, and (on a master) the replication stream.
    pub fn propagate(&mut self, cmds: Vec<Vec<Bytes>>) {
        if cmds.is_empty() {
            return;
        }
        if !self.watched.is_empty() {
            for c in &cmds {
                self.touch_keys_of(c);
            }
        }
        if !self.blocking.is_empty() {
            for c in &cmds {
                self.blocking.signal_keys_of(c);
            }
        }
        if let Some(aof) = self.persist.aof.as_mut() {
            match aof.append(&cmds) {
                Ok(()) => {
                    self.persist.aof_seq += 1;
                    self.persist.aof_last_write_failed = false;
                }
                Err(e) => {
                    if !self.persist.aof_last_write_failed {
                        tracing::error!("writing the AOF failed: {e}");
                    }
                    self.persist.aof_last_write_failed = true;
                }
            }
        }
        self.repl.feed_commands(&cmds);
        if !self.repl.replicas.is_empty() {
            self.repl_feed.notify_waiters();
        }
    }

    fn touch_keys_of(&mut self, argv: &[Bytes]) {
        let Some(name) = argv.first() else { return };
        if name.eq_ignore_ascii_case(b"flushall") || name.eq_ignore_ascii_case(b"flushdb") {
            for e in self.watched.values_mut() {
                e.version += 1;
            }
            return;
        }
        let Some(spec) = cmd::lookup(name) else {
            return;
        };
        for i in spec.key_positions(argv.len()) {
            if let Some(e) = argv.get(i).and_then(|k| self.watched.get_mut(k)) {
                e.version += 1;
            }
        }
    }

    /// True when a CLIENT PAUSE holds `spec` for a client of `kind`; clears an expired pause.
    pub fn paused_until(
        &mut self,
        spec: &CommandSpec,
        is_write: bool,
        kind: ClientKind,
        now: Instant,
    ) -> Option<Instant> {
        let p = self.pause?;
        if p.until <= now {
            self.pause = None;
            return None;
        }
        if kind == ClientKind::Replica || kind == ClientKind::Master {
            return None;
        }
        let _ = spec;
        if p.all || is_write {
            Some(p.until)
        } else {
            None
        }
    }

    /// True when this node deletes keys it finds expired (and propagates the DEL): not during
    /// a CLIENT PAUSE, when an expired key reads as missing but stays, as on a replica.
    pub fn expires_keys(&self) -> bool {
        self.pause.is_none_or(|p| p.until <= Instant::now())
    }

    /// The path of the snapshot file.
    pub fn rdb_path(&self) -> std::path::PathBuf {
        self.config.dir.join(&self.config.dbfilename)
    }

    /// The path of the append-only file.
    pub fn aof_path(&self) -> std::path::PathBuf {
        self.config.dir.join(&self.config.appendfilename)
    }

    /// The AOF fsync policy when the AOF is on.
    pub fn aof_policy(&self) -> Option<FsyncPolicy> {
        self.persist.aof.as_ref().map(|_| self.config.appendfsync)
    }
}

fn build_users(config: &Config) -> Vec<Arc<User>> {
    let mut users = vec![Arc::new(User::default_user(config.requirepass.clone()))];
    users.extend(
        config
            .users
            .iter()
            .filter(|u| u.name != "default")
            .cloned()
            .map(Arc::new),
    );
    // A `[[user]] name = "default"` entry refines the default user's rules.
    if let Some(d) = config.users.iter().find(|u| u.name == "default") {
        let mut d = d.clone();
        if config.requirepass.is_some() {
            d.password = config.requirepass.clone();
        }
        users[0] = Arc::new(d);
    }
    users
}

/// A copy of the keyspace for a background save (values are cheap to clone: `Bytes` is
/// reference-counted).
pub fn snapshot_db(db: &Db) -> Db {
    // A table copy, not a rebuild: with a million keys, rehashing every key under the lock
    // took a third of a second; values share their bytes (reference counts).
    db.clone()
}

/// The commands that rebuild `db` from nothing (used to start an AOF while running).
pub fn dataset_commands(db: &Db) -> Vec<Vec<Bytes>> {
    const CHUNK: usize = 64;
    let b = |s: &'static str| Bytes::from_static(s.as_bytes());
    let mut out = Vec::new();
    for (k, e) in db.iter() {
        match &e.value {
            Value::Str(v) => out.push(vec![b("SET"), k.clone(), v.clone()]),
            Value::List(items) => {
                let items: Vec<&Bytes> = items.iter().collect();
                for c in items.chunks(CHUNK) {
                    let mut cmd = vec![b("RPUSH"), k.clone()];
                    cmd.extend(c.iter().map(|x| (*x).clone()));
                    out.push(cmd);
                }
            }
            Value::Hash(h) => {
                let pairs: Vec<_> = h.iter().collect();
                for c in pairs.chunks(CHUNK) {
                    let mut cmd = vec![b("HSET"), k.clone()];
                    for (f, v) in c {
                        cmd.push((*f).clone());
                        cmd.push((*v).clone());
                    }
                    out.push(cmd);
                }
            }
            Value::Set(s) => {
                let members: Vec<_> = s.iter().collect();
                for c in members.chunks(CHUNK) {
                    let mut cmd = vec![b("SADD"), k.clone()];
                    cmd.extend(c.iter().map(|x| (*x).clone()));
                    out.push(cmd);
                }
            }
            Value::ZSet(z) => {
                let members: Vec<_> = z.iter().collect();
                for c in members.chunks(CHUNK) {
                    let mut cmd = vec![b("ZADD"), k.clone()];
                    for (m, s) in c {
                        cmd.push(Bytes::from(crate::resp::encode::format_double(*s)));
                        cmd.push((*m).clone());
                    }
                    out.push(cmd);
                }
            }
            Value::Stream(s) => out.extend(crate::store::stream::stream_commands(k, s)),
        }
        if let Some(at) = e.expire_at_ms {
            out.push(vec![b("PEXPIREAT"), k.clone(), Bytes::from(at.to_string())]);
        }
    }
    out
}

/// A MONITOR line as Redis writes it: `+1700000000.123456 [0 127.0.0.1:5555] "SET" "k"`.
pub fn monitor_line(addr: &str, argv: &[Bytes]) -> Bytes {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut line = format!("+{}.{:06} [0 {addr}]", now.as_secs(), now.subsec_micros());
    for a in argv {
        line.push_str(" \"");
        for &c in a.iter() {
            match c {
                b'\\' => line.push_str("\\\\"),
                b'"' => line.push_str("\\\""),
                b'\n' => line.push_str("\\n"),
                b'\r' => line.push_str("\\r"),
                b'\t' => line.push_str("\\t"),
                0x07 => line.push_str("\\a"),
                0x08 => line.push_str("\\b"),
                c if c.is_ascii_graphic() || c == b' ' => line.push(char::from(c)),
                c => line.push_str(&format!("\\x{c:02x}")),
            }
        }
        line.push('"');
    }
    line.push_str("\r\n");
    Bytes::from(line)
}

impl State {
    /// Send a command to every MONITOR client; a monitor that cannot keep up is dropped.
    pub fn feed_monitors(&mut self, client_id: u64, argv: &[Bytes]) {
        let addr = self
            .clients
            .get(&client_id)
            .map_or_else(String::new, |e| e.addr.clone());
        let line = monitor_line(&addr, argv);
        self.monitors
            .retain(|(_, tx)| tx.try_send(line.clone()).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_lines_escape_like_sdscatrepr() {
        let argv = [
            Bytes::from_static(b"SET"),
            Bytes::from_static(b"a\"b\\c"),
            Bytes::from_static(b"\x01\n\xff"),
        ];
        let line = monitor_line("127.0.0.1:5", &argv);
        let line = std::str::from_utf8(&line).unwrap();
        assert!(line.starts_with('+'));
        assert!(
            line.ends_with("[0 127.0.0.1:5] \"SET\" \"a\\\"b\\\\c\" \"\\x01\\n\\xff\"\r\n"),
            "{line}"
        );
    }

    #[test]
    fn dataset_commands_rebuild_every_type() {
        let mut db = Db::new();
        db.insert_entry(
            Bytes::from_static(b"s"),
            Value::Str(Bytes::from_static(b"v")),
            Some(99),
        );
        db.insert_entry(
            Bytes::from_static(b"l"),
            Value::List((0..100).map(|i| Bytes::from(i.to_string())).collect()),
            None,
        );
        let cmds = dataset_commands(&db);
        let names: Vec<&[u8]> = cmds.iter().map(|c| &c[0][..]).collect();
        assert!(names.contains(&&b"SET"[..]));
        assert!(names.contains(&&b"PEXPIREAT"[..]));
        let pushed: usize = cmds
            .iter()
            .filter(|c| &c[0][..] == b"RPUSH")
            .map(|c| c.len() - 2)
            .sum();
        assert_eq!(pushed, 100);
        assert!(cmds.iter().all(|c| c.len() <= 66), "chunked");
    }
}
