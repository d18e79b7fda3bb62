//! `rkv serve`: a Redis-compatible RESP server.
//!
//! # Shape
//! - [`config`]: the configuration (TOML file, flags, CONFIG GET/SET/REWRITE table).
//! - [`state`]: the keyspace and server-wide state behind one mutex, and
//!   [`state::State::propagate`], the one place every change leaves the node (AOF today,
//!   and the replicas).
//! - [`conn`]: one task per connection; pipelined commands run under one lock acquisition and
//!   their replies go out in one write.
//! - [`cmd`]: the one command table: every command, data and server, is an entry with its
//!   function, arity, flags and key positions; the data commands' code lives beside it.
//! - [`exec`]: dispatch (the checks every command gets, MULTI queuing, CLIENT PAUSE) and
//!   [`exec::run_data`], where a data command is applied and its effects propagated.
//! - [`client`]: a connection's own state, [`client::Outcome`] and the [`client::Call`] a
//!   server command receives.
//! - The server commands by concern: [`connection`] (PING, AUTH, HELLO, CLIENT, MONITOR …),
//!   [`multi`] (MULTI/EXEC/WATCH), [`admin`] (INFO, CONFIG, COMMAND, ACL, DEBUG),
//!   [`persistence`] (SAVE, BGSAVE, SHUTDOWN), [`repl`] (REPLICAOF, PSYNC, WAIT, FAILOVER),
//!   [`pubsub`].
//! - [`info`]: INFO; [`acl`]: users and protected mode (Redis patterns are
//!   [`crate::store::glob`]).
//!
//! # Persistence choices
//! - `save` is empty (no automatic snapshots) unless the config file, `--save` or CONFIG SET
//!   sets save points. `dump.rdb` in `dir` is still loaded at start when it exists, and it is
//!   written on SHUTDOWN, SIGTERM and Ctrl-C when `save` is non-empty (or on SHUTDOWN SAVE).
//! - With `appendonly`, the AOF is replayed at start instead of `dump.rdb` (as Redis does),
//!   and every propagated command is appended. `appendfsync always` holds a write's reply until
//!   an fsync covers it; one task fsyncs for all waiting connections (group commit).
//!   `everysec` fsyncs from the 100 ms timer once a second.
//! - The fsync uses our own descriptor on the AOF file: fsync flushes the file, whichever
//!   descriptor wrote it, so the lock is never held across a disk flush.

pub mod acl;
pub mod admin;
pub mod client;
pub mod cmd;
pub mod config;
pub mod conn;
pub mod connection;
pub mod exec;
pub mod info;
pub mod multi;
pub mod persistence;
pub mod pubsub;
pub mod repl;
pub mod state;
pub mod tls;

use crate::persist::aof::{AofWriter, FsyncPolicy};
use config::Config;
use state::{Shared, State, now_ms};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// Keys the active expiry cycle may delete per 100 ms tick.
const EXPIRE_PER_TICK: usize = 200;

/// Why the store node could not start, or could not stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A configuration the node cannot start with (a bad `replicaof`, a `dir` that is not a
    /// directory, a certificate that does not load). The binary maps it to its usage exit
    /// code, so a script can tell bad input from a node that failed while running.
    #[error("{0}")]
    Usage(String),
    /// A step of starting or stopping failed (listening, loading the data, the signal
    /// handlers): which, with its cause as the error's source.
    #[error("{what}")]
    Failed {
        /// The step, for the operator ("could not listen on 127.0.0.1:6379").
        what: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The data could not be saved before exiting.
    #[error("could not save before exiting: {0}")]
    Save(String),
}

/// `?` with the step that failed, as a [`ServeError::Failed`].
trait Step<T> {
    fn step(self, what: impl FnOnce() -> String) -> Result<T, ServeError>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Step<T> for Result<T, E> {
    fn step(self, what: impl FnOnce() -> String) -> Result<T, ServeError> {
        self.map_err(|e| ServeError::Failed {
            what: what(),
            source: Box::new(e),
        })
    }
}

/// Run the server in the foreground until Ctrl-C, SIGTERM or SHUTDOWN.
pub fn run_blocking(config: Config) -> Result<(), ServeError> {
    let replicaof = match &config.replicaof {
        Some(spec) => Some(parse_replicaof(spec).map_err(ServeError::Usage)?),
        None => None,
    };
    if !config.dir.is_dir() {
        return Err(ServeError::Usage(format!(
            "dir {}: not a directory",
            config.dir.display()
        )));
    }
    // The keyspace sits behind one lock, so more worker threads mostly contend for it (futex
    // wake-ups cost more than the commands). RKV_THREADS overrides for measurement.
    let threads = std::env::var("RKV_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .step(|| "could not start the async runtime".into())?;
    let result = runtime.block_on(run(config, replicaof));
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

/// Load the dataset: the AOF when appendonly is on, else dump.rdb when present.
fn load(state: &mut State) -> Result<(), ServeError> {
    if state.config.appendonly {
        let path = state.aof_path();
        let report =
            crate::persist::aof::replay(&path, &mut |argv| exec::apply_replayed(state, &argv))
                .step(|| format!("could not replay the AOF {}", path.display()))?;
        if let Some(at) = report.truncated_at {
            tracing::warn!(
                "the AOF {} ended in the middle of a command: truncated at byte {at}, the incomplete command was dropped",
                path.display()
            );
        }
        tracing::info!(
            "DB loaded from append only file: {} commands, {} keys",
            report.commands,
            state.db.len()
        );
        state.persist.aof = Some(
            AofWriter::open(&path, state.config.appendfsync)
                .step(|| format!("could not open the AOF {}", path.display()))?,
        );
        state.dirty = 0;
        return Ok(());
    }
    let path = state.rdb_path();
    match crate::persist::rdb::load_file(&path) {
        Ok(Some((db, aux))) => {
            state.db = db;
            // The history this snapshot belongs to: a restarted replica (or master) can then
            // continue with a partial resync instead of a full one.
            if let (Some(id), Some(off)) = (
                aux.repl_id
                    .as_deref()
                    .and_then(crate::replication::ReplId::parse),
                aux.repl_offset,
            ) {
                let off = crate::replication::ReplOffset(off);
                if state.config.replicaof.is_some() {
                    state.repl.restore(id, off);
                } else {
                    state.repl.restore_as_master(id, off);
                }
            }
            tracing::info!("DB loaded from disk: {} keys", state.db.len());
        }
        Ok(None) => {}
        Err(e) => {
            return Err(e).step(|| format!("could not load {}", path.display()));
        }
    }
    Ok(())
}

/// `host port` (as redis.conf writes it) or `host:port`.
fn parse_replicaof(spec: &str) -> Result<(String, u16), String> {
    let spec = spec.trim();
    let (host, port) = match spec.split_once(' ') {
        Some((h, p)) => (h.trim(), p.trim()),
        None => spec
            .rsplit_once(':')
            .ok_or_else(|| format!("replicaof {spec:?}: expected \"HOST PORT\" or HOST:PORT"))?,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("replicaof {spec:?}: invalid port {port:?}"))?;
    if host.is_empty() {
        return Err(format!("replicaof {spec:?}: missing host"));
    }
    Ok((host.to_string(), port))
}

/// A server started in this process (by `rkv serve`, or several by `rkv lab`).
pub struct Running {
    /// Its shared state.
    pub shared: Arc<Shared>,
    /// The port it listens on.
    pub port: u16,
}

impl Running {
    /// The node's replication state: (is a replica with its link up, master_repl_offset).
    pub fn replication_status(&self) -> (bool, u64) {
        let st = self.shared.lock();
        let up = st
            .repl
            .master
            .as_ref()
            .is_some_and(|m| m.state == crate::replication::replica::LinkState::Connected);
        (up, st.repl.offset().0)
    }

    /// Stop it (no final save).
    pub fn stop(&self) {
        {
            let mut st = self.shared.lock();
            repl::stop_link_for_shutdown(&mut st);
        }
        self.shared.request_shutdown();
    }
}

/// Build a server from a configuration, load its data, bind, and start its tasks on the
/// current runtime. Returns once it accepts connections.
pub async fn start_with_config(config: Config) -> Result<Running, ServeError> {
    let replicaof = match &config.replicaof {
        Some(spec) => Some(parse_replicaof(spec).map_err(ServeError::Usage)?),
        None => None,
    };
    start(config, replicaof).await
}

/// Load, bind and start the server's tasks on the current runtime.
async fn start(config: Config, replicaof: Option<(String, u16)>) -> Result<Running, ServeError> {
    let mut state = State::new(config);
    load(&mut state)?;
    let binds = state.config.bind.clone();
    let mut port = state.config.port;
    let mut tls_port = state.config.tls_port;
    // The acceptor is built before we listen, so a bad certificate stops the start with the
    // file named.
    let tls = (tls_port != 0)
        .then(|| {
            let settings = tls::ServerTls::of(&state.config);
            settings
                .acceptor()
                .map(|a| (settings, Arc::new(a)))
                .map_err(ServeError::Usage)
        })
        .transpose()?;
    // `port 0` with a TLS port: TLS only, as Redis; without one, port 0 picks a free port.
    let plain = port != 0 || tls.is_none();
    let backlog = state.config.tcp_backlog;
    warn_if_somaxconn_caps(backlog);
    let shared = Shared::new(state);
    let mut tls_listeners = Vec::new();
    if tls.is_some() {
        for b in &binds {
            let l = listen(b, tls_port, backlog)
                .await
                .step(|| format!("could not listen on {b}:{tls_port} (tls-port)"))?;
            let addr = l.local_addr().step(|| "listener address".into())?;
            tls_port = addr.port();
            tracing::info!("listening on {addr} (TLS)");
            tls_listeners.push(l);
        }
    }
    let mut listeners = Vec::new();
    for b in binds.iter().filter(|_| plain) {
        let l = listen(b, port, backlog)
            .await
            .step(|| format!("could not listen on {b}:{port}"))?;
        let addr = l.local_addr().step(|| "listener address".into())?;
        port = addr.port();
        tracing::info!("listening on {addr}");
        listeners.push(l);
    }
    // The port we tell a master we listen on: the TLS one when that is all we have.
    let announced = if plain { port } else { tls_port };
    shared.port.store(u64::from(announced), Ordering::Relaxed);
    // CONFIG GET port reports the port actually bound (useful with --port 0).
    {
        let mut st = shared.lock();
        if plain {
            st.config.port = port;
        }
        st.config.tls_port = tls_port;
    }
    for l in listeners {
        tokio::spawn(accept_loop(Arc::clone(&shared), l));
    }
    if let Some(first) = tls {
        let cache = Arc::new(std::sync::Mutex::new(first));
        for l in tls_listeners {
            tokio::spawn(accept_loop_tls(Arc::clone(&shared), l, Arc::clone(&cache)));
        }
    }
    let port = announced;
    if let Some((host, port)) = replicaof {
        let mut st = shared.lock();
        repl::start_replication(&shared, &mut st, host, port);
    }
    tokio::spawn(cron(Arc::clone(&shared)));
    tokio::spawn(fsync_task(Arc::clone(&shared)));
    tracing::info!("Ready to accept connections");
    Ok(Running { shared, port })
}

async fn run(config: Config, replicaof: Option<(String, u16)>) -> Result<(), ServeError> {
    let Running { shared, .. } = start(config, replicaof).await?;

    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .step(|| "could not install the SIGTERM handler".into())?;
    let mut shutdown = shared.shutdown.subscribe();
    let by_signal = tokio::select! {
        _ = tokio::signal::ctrl_c() => { tracing::info!("Received SIGINT scheduling shutdown..."); true }
        _ = sigterm.recv() => { tracing::info!("Received SIGTERM scheduling shutdown..."); true }
        _ = shutdown.changed() => false,
    };
    let mut failed = None;
    {
        let mut st = shared.lock();
        if by_signal && !st.config.save.is_empty() {
            tracing::info!("Saving the final RDB snapshot before exiting.");
            if let Err(e) = persistence::save_now(&mut st) {
                tracing::error!("error trying to save the DB: {e}");
                failed = Some(e);
            }
        }
        if let Some(aof) = st.persist.aof.as_mut()
            && let Err(e) = aof.fsync()
        {
            tracing::error!("could not fsync the AOF: {e}");
        }
    }
    shared.request_shutdown();
    tracing::info!("rkv is now ready to exit, bye bye...");
    match failed {
        Some(e) => Err(ServeError::Save(e.to_string())),
        None => Ok(()),
    }
}

/// Listen on `host:port` (each address it resolves to, first that binds) with `backlog`
/// pending connections: tokio's `TcpListener::bind` fixes the backlog at 1024 and std's at 128,
/// and a burst of connects beyond it is dropped by the kernel and retried by clients a second
/// later.
async fn listen(host: &str, port: u16, backlog: u32) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        let sock = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        sock.set_reuseaddr(true)?;
        if let Err(e) = sock.bind(addr) {
            last = Some(e);
            continue;
        }
        match sock.listen(backlog) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            "no address to listen on",
        )
    }))
}

/// Redis's start-up warning when the kernel's `somaxconn` is below `tcp-backlog`.
fn warn_if_somaxconn_caps(backlog: u32) {
    let Ok(text) = std::fs::read_to_string("/proc/sys/net/core/somaxconn") else {
        return;
    };
    if let Ok(max) = text.trim().parse::<u32>()
        && max < backlog
    {
        tracing::warn!(
            "the TCP backlog setting of {backlog} cannot be enforced because \
             /proc/sys/net/core/somaxconn is set to the lower value of {max}"
        );
    }
}

/// Turn on TCP keepalive with Redis's timings for `tcp-keepalive` seconds (0: off): probes
/// start after that idle time, every third of it, three of them.
fn set_keepalive(stream: &tokio::net::TcpStream, secs: u64) {
    if secs == 0 {
        return;
    }
    let idle = Duration::from_secs(secs);
    let ka = socket2::TcpKeepalive::new()
        .with_time(idle)
        .with_interval(Duration::from_secs((secs / 3).max(1)))
        .with_retries(3);
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&ka) {
        tracing::debug!("tcp-keepalive: {e}");
    }
}

/// Close clients idle for longer than `timeout` (Redis's clientsCronHandleTimeout): replicas,
/// our master, subscribers, MONITORs and clients blocked in a command are never idle-closed.
fn close_idle_clients(st: &mut State, now: Instant) {
    let limit = Duration::from_secs(st.config.timeout);
    if limit.is_zero() {
        return;
    }
    for e in st.clients.values() {
        if e.kind == state::ClientKind::Normal
            && now.saturating_duration_since(e.last_active) > limit
            && !st.blocking.is_blocked(e.id)
            && !st.monitors.iter().any(|(id, _)| *id == e.id)
        {
            tracing::debug!("closing idle client {} ({})", e.id, e.addr);
            e.kill.notify_one();
        }
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    set_keepalive(&stream, shared.lock().config.tcp_keepalive);
                    tokio::spawn(conn::handle(Arc::clone(&shared), stream, peer));
                }
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// The TLS acceptor in use and the settings it was built from.
type AcceptorCache = Arc<std::sync::Mutex<(tls::ServerTls, Arc<openssl::ssl::SslAcceptor>)>>;

/// Longest a TLS handshake may take before we drop the connection.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The acceptor for the current settings: rebuilt after a CONFIG SET tls-…; when the new
/// files do not work, the previous acceptor stays (and the reason is logged once per change).
fn current_acceptor(shared: &Shared, cache: &AcceptorCache) -> Arc<openssl::ssl::SslAcceptor> {
    let now = tls::ServerTls::of(&shared.lock().config);
    let mut c = match cache.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    if c.0 != now {
        match now.acceptor() {
            Ok(a) => *c = (now, Arc::new(a)),
            Err(e) => {
                tracing::warn!(
                    "TLS settings changed but cannot be used, keeping the previous ones: {e}"
                );
                c.0 = now;
            }
        }
    }
    Arc::clone(&c.1)
}

async fn accept_loop_tls(shared: Arc<Shared>, listener: TcpListener, cache: AcceptorCache) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    set_keepalive(&stream, shared.lock().config.tcp_keepalive);
                    let acceptor = current_acceptor(&shared, &cache);
                    tokio::spawn(tls_connection(Arc::clone(&shared), acceptor, stream, peer));
                }
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Handshake, then serve as any connection. A client that does not speak TLS, or presents a
/// certificate we do not trust, is disconnected with one log line (as Redis's "Error
/// accepting a client connection"); nobody else notices.
async fn tls_connection(
    shared: Arc<Shared>,
    acceptor: Arc<openssl::ssl::SslAcceptor>,
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
) {
    let _ = stream.set_nodelay(true);
    let local = stream
        .local_addr()
        .unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
    let ssl = match openssl::ssl::Ssl::new(acceptor.context()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("TLS setup failed for {peer}: {e}");
            return;
        }
    };
    let mut tls = match tokio_openssl::SslStream::new(ssl, stream) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("TLS setup failed for {peer}: {e}");
            return;
        }
    };
    let hs =
        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, std::pin::Pin::new(&mut tls).accept()).await;
    match hs {
        Ok(Ok(())) => conn::handle_stream(shared, tls, peer, local).await,
        Ok(Err(e)) => {
            let verify = tls.ssl().verify_result();
            let why = if verify == openssl::x509::X509VerifyResult::OK {
                tls::accept_reason(&e)
            } else {
                format!("client certificate: {}", verify.error_string())
            };
            tracing::warn!(
                "Error accepting a client connection: {why} (addr={peer} laddr={local})"
            );
        }
        Err(_) => tracing::warn!(
            "Error accepting a client connection: no TLS handshake within {TLS_HANDSHAKE_TIMEOUT:?} (addr={peer} laddr={local})"
        ),
    }
}

/// The 100 ms timer: active expiry, ops/sec, save points, pause expiry, AOF everysec.
async fn cron(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shutdown = shared.shutdown.subscribe();
    let mut samples = [0u64; 16];
    let mut sample_i = 0usize;
    let mut last_cmds = 0u64;
    let mut last_at = Instant::now();
    let mut last_fsync = Instant::now();
    let mut last_bgsave_try = Instant::now() - Duration::from_secs(60);
    let mut synced_seq = 0u64;
    let mut last_ping = Instant::now();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        let mut fsync_path = None;
        {
            let mut st = shared.lock();
            // During a CLIENT PAUSE the dataset must not change, so that replicas can catch up
            // to a fixed offset (a failover waits for that): expiry waits too, as in Redis 7.
            let paused = st.pause.is_some_and(|p| p.until > Instant::now());
            // A replica never expires keys itself: its master's DELs do (as in Redis).
            let dead = if paused || st.repl.is_replica() {
                Vec::new()
            } else {
                st.db.expire_cycle(now_ms(), EXPIRE_PER_TICK)
            };
            if !dead.is_empty() {
                st.stats.expired_keys += u64::try_from(dead.len()).unwrap_or(0);
                let cmds = dead
                    .into_iter()
                    .map(|k| vec![bytes::Bytes::from_static(b"DEL"), k])
                    .collect();
                st.propagate(cmds);
            }
            let now = Instant::now();
            if now.duration_since(last_ping).as_secs() >= st.config.repl_ping_replica_period {
                last_ping = now;
                repl::ping_replicas(&mut st);
            }
            repl::drop_silent_replicas(&mut st, now);
            close_idle_clients(&mut st, now);
            repl::failover_tick(&shared, &mut st);
            let total = st.stats.total_commands_processed;
            let ms = now.duration_since(last_at).as_millis().max(1);
            samples[sample_i % samples.len()] =
                u64::try_from(u128::from(total.saturating_sub(last_cmds)) * 1000 / ms).unwrap_or(0);
            sample_i += 1;
            last_cmds = total;
            last_at = now;
            st.stats.instantaneous_ops_per_sec = samples.iter().sum::<u64>() / 16;
            if st.pause.is_some_and(|p| p.until <= now) {
                st.pause = None;
                shared.pause_changed.send_modify(|v| *v += 1);
            }
            let since_save = (now_ms() / 1000).saturating_sub(st.persist.last_save_unix);
            let due =
                st.config.save.iter().any(|&(secs, changes)| {
                    st.dirty >= changes && since_save >= secs && changes > 0
                });
            let retry_ok =
                st.persist.last_bgsave_ok || last_bgsave_try.elapsed() > Duration::from_secs(5);
            if due && !st.persist.bgsave_in_progress && retry_ok {
                last_bgsave_try = Instant::now();
                tracing::info!("{} changes since the last save: saving", st.dirty);
                let _ = persistence::start_bgsave(&shared, &mut st);
            }
            if st.aof_policy() == Some(FsyncPolicy::EverySec)
                && last_fsync.elapsed() >= Duration::from_secs(1)
                && st.persist.aof_seq > synced_seq
            {
                last_fsync = Instant::now();
                synced_seq = st.persist.aof_seq;
                fsync_path = Some(st.aof_path());
            }
        }
        if let Some(path) = fsync_path {
            let r = tokio::task::spawn_blocking(move || fsync_file(&path)).await;
            if let Ok(Err(e)) = r {
                tracing::error!("AOF fsync failed: {e}");
            }
        }
    }
}

fn fsync_file(path: &std::path::Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)?
        .sync_data()
}

/// Group commit for appendfsync always: one fsync covers every append made before it.
async fn fsync_task(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = shared.fsync_request.notified() => {}
            _ = shutdown.changed() => return,
        }
        let (seq, path) = {
            let st = shared.lock();
            (st.persist.aof_seq, st.aof_path())
        };
        if seq <= *shared.fsync_done.borrow() {
            continue;
        }
        match tokio::task::spawn_blocking(move || fsync_file(&path)).await {
            Ok(Ok(())) => {
                shared.fsync_done.send_replace(seq);
            }
            Ok(Err(e)) => {
                // As Redis with appendfsync always: a write we cannot make durable must not be
                // acknowledged, so we stop.
                tracing::error!(
                    "can't persist the AOF (fsync failed: {e}) with appendfsync always: exiting"
                );
                shared.request_shutdown();
                return;
            }
            Err(_) => return,
        }
    }
}
