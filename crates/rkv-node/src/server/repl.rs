//! Replication inside `rkv serve`: the commands (REPLICAOF/SLAVEOF, PSYNC/SYNC, REPLCONF,
//! ROLE, WAIT), the feeder task that streams to each connected replica, and the link host
//! through which the replica side (`replication::replica`) reaches this node's keyspace.
//!
//! The replication state itself (ids, offsets, backlog, the replicas' acknowledgements) lives
//! in `State::repl` behind the server's one lock, so a write, its place in the stream and its
//! AOF record are ordered together. Feeders copy from the backlog under the lock and write to
//! their socket outside it.

use crate::persist::rdb::{RdbAux, oldest_version_for, write_rdb_version};
use crate::replication::master::{
    FailoverArgs, FailoverJob, FailoverState, GETACK_LEN, MasterLink, ReplicaPhase, parse_failover,
};
use crate::replication::psync::PsyncDecision;
use crate::replication::replica::{LinkConfig, LinkHost, LinkState, run_link};
use crate::replication::{ReplId, ReplOffset};
use crate::resp::{Frame, Limits, RequestParser};
use crate::server::client::{Call, Client, HandoffConn, Outcome};
use crate::server::cmd::{self, Handler};
use crate::server::exec::ApplyError;
use crate::server::state::{ClientEntry, ClientKind, Pause, Shared, State, snapshot_db};
use crate::store::Db;
use bytes::{Bytes, BytesMut};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, watch};

/// Most bytes a feeder copies out of the backlog per lock acquisition.
const FEED_CHUNK: usize = 256 * 1024;

/// The error a client gets writing to a read-only replica (Redis's text).
pub const READONLY_ERROR: &str = "READONLY You can't write against a read only replica.";

/// The error a client gets from a replica whose link is down under
/// `replica-serve-stale-data no` (Redis's text).
pub const MASTERDOWN_ERROR: &str =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/// The error a client gets writing to a master with too few good replicas under
/// `min-replicas-to-write` (Redis's text).
pub const NOREPLICAS_ERROR: &str = "NOREPLICAS Not enough good replicas to write.";

/// Replicas that count for `min-replicas-to-write`: online and acknowledged within
/// `min-replicas-max-lag` seconds (Redis's `repl_good_slaves_count`, computed on demand
/// rather than once a second, so a fence raised by CONFIG SET holds from the next command).
pub fn good_replicas(state: &State) -> u64 {
    let max_lag = state.config.min_replicas_max_lag;
    let now = Instant::now();
    let good = state
        .repl
        .replicas
        .values()
        .filter(|r| {
            r.phase == ReplicaPhase::Online && now.duration_since(r.last_ack).as_secs() <= max_lag
        })
        .count();
    u64::try_from(good).unwrap_or(u64::MAX)
}

/// True when `min-replicas-to-write` refuses writes right now. Off (as in Redis) while
/// either setting is 0, and on a replica, which takes no client writes anyway.
pub fn writes_refused_for_replicas(state: &State) -> bool {
    let need = state.config.min_replicas_to_write;
    need > 0
        && state.config.min_replicas_max_lag > 0
        && !state.repl.is_replica()
        && good_replicas(state) < need
}

fn err(msg: impl Into<String>) -> Outcome {
    Outcome::Reply(Frame::Error(msg.into()))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// REPLICAOF / SLAVEOF host port | NO ONE.
pub fn replicaof_command(c: Call<'_>) -> Outcome {
    replicaof(c.shared, c.state, &c.argv)
}

/// ROLE.
pub fn role(c: Call<'_>) -> Outcome {
    Outcome::Reply(c.state.repl.role())
}

/// REPLCONF (a replica's options and ACKs).
pub fn replconf_command(c: Call<'_>) -> Outcome {
    replconf(c.state, c.client, &c.argv)
}

/// PSYNC replid offset: the connection becomes a replica's feed.
pub fn psync_command(c: Call<'_>) -> Outcome {
    psync(c.shared, c.state, c.client, false, &c.argv)
}

/// SYNC: the pre-2.8 full sync, still sent by some tools.
pub fn sync_command(c: Call<'_>) -> Outcome {
    psync(c.shared, c.state, c.client, true, &c.argv)
}

/// WAIT numreplicas timeout.
pub fn wait_command(c: Call<'_>) -> Outcome {
    wait(c.shared, c.state, &c.argv)
}

/// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms].
pub fn failover_command(c: Call<'_>) -> Outcome {
    failover(c.shared, c.state, &c.argv)
}

fn replicaof(shared: &Arc<Shared>, state: &mut State, argv: &[Bytes]) -> Outcome {
    if state.repl.failover != FailoverState::None {
        return err("ERR REPLICAOF not allowed while failing over.");
    }
    if argv[1].eq_ignore_ascii_case(b"no") && argv[2].eq_ignore_ascii_case(b"one") {
        if state.repl.is_replica() {
            become_master(state);
            tracing::info!("MASTER MODE enabled (user request)");
        }
        return Outcome::Reply(Frame::ok());
    }
    let Some(port) = std::str::from_utf8(&argv[2])
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
        .filter(|p| *p > 0)
    else {
        return err("ERR Invalid master port");
    };
    let host = text(&argv[1]);
    if state
        .repl
        .master
        .as_ref()
        .is_some_and(|m| m.host.eq_ignore_ascii_case(&host) && m.port == port)
    {
        return Outcome::Reply(Frame::Simple(
            "OK Already connected to specified master".into(),
        ));
    }
    start_replication(shared, state, host.clone(), port);
    tracing::info!("REPLICAOF {host}:{port} enabled (user request)");
    Outcome::Reply(Frame::ok())
}

/// Stop following our master and continue as a master of a new history (REPLICAOF NO ONE).
/// Our own replicas are disconnected so they learn the new ID; they resume partially.
pub fn become_master(state: &mut State) {
    stop_link(state);
    state.repl.master = None;
    state.repl.shift_replid();
    state.config.replicaof = None;
    drop_replicas(state);
}

/// Stop the link to our master, if any, as the server shuts down.
pub fn stop_link_for_shutdown(state: &mut State) {
    stop_link(state);
}

fn stop_link(state: &mut State) {
    if let Some(stop) = state.link_stop.take() {
        stop.send_replace(true);
    }
    if let Some(id) = state.link_client.take() {
        state.clients.remove(&id);
    }
    state.link_gen += 1;
    // Clients blocked in BLPOP & co. are released with UNBLOCKED, as Redis does.
    state.blocking.unblock_all_for_role_change();
    // WAIT callers re-check and learn that the role changed.
    state.repl_ack.notify_waiters();
}

/// Disconnect every replica connected to us (their feeders end when woken).
fn drop_replicas(state: &mut State) {
    for e in state.clients.values() {
        if e.kind == ClientKind::Replica {
            e.kill.notify_one();
        }
    }
}

/// Start (or restart) following `host:port`.
pub fn start_replication(shared: &Arc<Shared>, state: &mut State, host: String, port: u16) {
    start_link(shared, state, host, port, false);
}

/// Follow `host:port`; `failover`: our first PSYNC carries the FAILOVER flag, asking the
/// target (our replica until now) to take our role.
fn start_link(shared: &Arc<Shared>, state: &mut State, host: String, port: u16, failover: bool) {
    stop_link(state);
    drop_replicas(state);
    state.config.replicaof = Some(format!("{host} {port}"));
    state.repl.master = Some(MasterLink {
        host: host.clone(),
        port,
        state: LinkState::Connect,
        last_io: None,
        down_since: Some(Instant::now()),
        sync_started: None,
    });
    let (tx, rx) = watch::channel(false);
    state.link_stop = Some(tx);
    let own_port =
        u16::try_from(shared.port.load(std::sync::atomic::Ordering::Relaxed)).unwrap_or(0);
    let cfg = LinkConfig {
        host,
        port,
        user: state.config.masteruser.clone(),
        password: state.config.masterauth.clone(),
        listening_port: if state.config.replica_announce_port > 0 {
            state.config.replica_announce_port
        } else {
            own_port
        },
        announce_ip: state.config.replica_announce_ip.clone(),
        handshake_timeout: Duration::from_secs(state.config.repl_timeout.clamp(1, 10)),
        repl_timeout: Duration::from_secs(state.config.repl_timeout.max(1)),
        failover,
        tls: crate::server::tls::replication_client(&state.config),
    };
    let host = ServerLink {
        shared: Arc::clone(shared),
        generation: state.link_gen,
        transaction: std::sync::Mutex::new(None),
    };
    tokio::spawn(run_link(Arc::new(host), cfg, rx));
}

fn replconf(state: &mut State, client: &mut Client, argv: &[Bytes]) -> Outcome {
    if argv.len().is_multiple_of(2) {
        return err("ERR syntax error");
    }
    for pair in argv[1..].chunks(2) {
        let key = text(&pair[0]).to_ascii_lowercase();
        let val = text(&pair[1]);
        match key.as_str() {
            "listening-port" => match val.parse::<u16>() {
                Ok(p) => client.repl_port = Some(p),
                Err(_) => return err("ERR value is not an integer or out of range"),
            },
            "ip-address" => client.repl_ip = Some(val),
            "ack" | "fack" => {
                // An ACK on a connection that is not (yet) a replica feed: nothing to record,
                // and Redis sends no reply to ACKs.
                if let Ok(off) = val.parse::<u64>() {
                    state.repl.ack(client.id, off);
                }
                return Outcome::NoReply;
            }
            "getack" => return Outcome::NoReply,
            // capa eof/psync2, rdb-only, rdb-filter-only and friends: accepted.
            _ => {}
        }
    }
    Outcome::Reply(Frame::ok())
}

/// What a feeder starts with.
enum Start {
    /// `+FULLRESYNC`: send this snapshot, then stream from `offset`.
    Full {
        replid: ReplId,
        offset: ReplOffset,
        db: Db,
        /// SYNC (the pre-PSYNC protocol) gets no `+FULLRESYNC` line.
        legacy: bool,
        /// `repl-rdb-version` (`None`: the oldest that holds the data).
        rdb_version: Option<u32>,
    },
    /// `+CONTINUE`: stream from `from`.
    Continue { replid: ReplId, from: ReplOffset },
}

fn psync(
    shared: &Arc<Shared>,
    state: &mut State,
    client: &mut Client,
    legacy: bool,
    argv: &[Bytes],
) -> Outcome {
    if client.multi.is_some() {
        return err("ERR Command not allowed inside a transaction");
    }
    // PSYNC … FAILOVER: our master hands its role to us (Redis's FAILOVER TO). Take it, then
    // answer as the new master, which continues its history.
    if !legacy && argv.len() > 3 && argv[3].eq_ignore_ascii_case(b"failover") {
        if argv[1].as_ref() != state.repl.replid.as_str().as_bytes() {
            return err("ERR PSYNC FAILOVER replid must match my replid.");
        }
        if state.repl.is_replica() {
            become_master(state);
        }
        tracing::info!("failover request received for replid {}", text(&argv[1]));
    }
    if state.repl.failover != FailoverState::None {
        return err("NOMASTERLINK Can't SYNC while failing over");
    }
    if let Some(m) = &state.repl.master
        && m.state != LinkState::Connected
    {
        return err("NOMASTERLINK Can't SYNC while not connected with my master");
    }
    let (id, offset) = if legacy || argv.len() < 3 {
        ("?".to_string(), -1)
    } else {
        let off = std::str::from_utf8(&argv[2])
            .ok()
            .and_then(|o| o.parse::<i64>().ok());
        let Some(off) = off else {
            return err("ERR value is not an integer or out of range");
        };
        (text(&argv[1]), off)
    };
    let decision = state.repl.psync(&id, offset);
    let peer_ip = state
        .clients
        .get(&client.id)
        .and_then(|e| e.addr.rsplit_once(':').map(|(ip, _)| ip.to_string()))
        .unwrap_or_default();
    let ip = client.repl_ip.clone().unwrap_or(peer_ip);
    let port = client.repl_port.unwrap_or(0);
    let start = match decision {
        PsyncDecision::Continue(from) => {
            tracing::info!(
                "partial resynchronization request from {ip}:{port} accepted, sending {} bytes of backlog",
                state.repl.offset().0 - from.0
            );
            state
                .repl
                .add_replica(client.id, ip, port, ReplicaPhase::Online, from);
            Start::Continue {
                replid: state.repl.replid.clone(),
                from,
            }
        }
        PsyncDecision::Full(why) => {
            tracing::info!("full resync requested by replica {ip}:{port} ({why})");
            let offset = state.repl.offset();
            state
                .repl
                .add_replica(client.id, ip, port, ReplicaPhase::WaitBgsave, offset);
            Start::Full {
                replid: state.repl.replid.clone(),
                offset,
                db: snapshot_db(&state.db),
                legacy,
                rdb_version: state.config.repl_rdb_version,
            }
        }
    };
    if let Some(e) = state.clients.get_mut(&client.id) {
        e.kind = ClientKind::Replica;
    }
    client.kind = ClientKind::Replica;
    let shared = Arc::clone(shared);
    Outcome::Handoff(Box::new(move |conn| Box::pin(feed(shared, conn, start))))
}

/// Serve one replica until it goes away, is killed, falls too far behind, or the server stops.
async fn feed(shared: Arc<Shared>, conn: HandoffConn, start: Start) {
    let HandoffConn {
        stream,
        pending_input,
        client_id,
        kill,
    } = conn;
    let (read, mut write) = tokio::io::split(stream);
    let reader = tokio::spawn(read_acks(
        Arc::clone(&shared),
        read,
        pending_input,
        client_id,
        Arc::clone(&kill),
    ));
    let mut shutdown = shared.shutdown.subscribe();
    let result = tokio::select! {
        r = feed_inner(&shared, &mut write, start, client_id) => r,
        _ = kill.notified() => Err("killed".to_string()),
        _ = shutdown.changed() => Err("shutting down".to_string()),
    };
    reader.abort();
    let mut st = shared.lock();
    if let Some(r) = st.repl.replicas.remove(&client_id) {
        match result {
            Err(e) if e.contains("buffer limit") => {
                st.repl.buffer_limit_disconnections += 1;
                tracing::warn!("replica {}:{} dropped: {e}", r.ip, r.port);
            }
            Err(e) if e.contains("snapshot") => {
                tracing::warn!("replica {}:{} dropped: {e}", r.ip, r.port);
            }
            _ => tracing::info!("connection with replica {}:{} lost", r.ip, r.port),
        }
    }
    // Ack waiters re-count without this replica.
    st.repl_ack.notify_waiters();
}

async fn feed_inner(
    shared: &Arc<Shared>,
    write: &mut tokio::io::WriteHalf<Box<dyn crate::net::NodeIo>>,
    start: Start,
    client_id: u64,
) -> Result<(), String> {
    let io = |e: std::io::Error| format!("write to replica failed: {e}");
    let feed_notify = Arc::clone(&shared.lock().repl_feed);
    let mut sent = match start {
        Start::Continue { replid, from } => {
            write
                .write_all(format!("+CONTINUE {replid}\r\n").as_bytes())
                .await
                .map_err(io)?;
            from
        }
        Start::Full {
            replid,
            offset,
            db,
            legacy,
            rdb_version,
        } => {
            if !legacy {
                write
                    .write_all(format!("+FULLRESYNC {replid} {offset}\r\n").as_bytes())
                    .await
                    .map_err(io)?;
            }
            let aux = RdbAux {
                repl_id: Some(replid.to_string()),
                repl_offset: Some(offset.0),
            };
            // Serialising the snapshot is CPU work: off the runtime's threads. The master keeps
            // serving meanwhile; writes accumulate in the backlog from `offset` on.
            let mut task = tokio::task::spawn_blocking(move || {
                // The replica may be any Redis from 2.8 on and refuses a format newer than
                // its own (then retries the full sync forever): unless told otherwise we send
                // the oldest version that holds the data.
                let version = rdb_version.unwrap_or_else(|| oldest_version_for(&db));
                let mut out = Vec::new();
                write_rdb_version(&mut out, &db, &aux, version).map(|()| out)
            });
            // A large snapshot takes a while to build: send the bare `\n` keep-alive Redis
            // sends meanwhile, so the replica's repl-timeout does not fire before `$len`.
            let built = loop {
                tokio::select! {
                    r = &mut task => break r,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {
                        write.write_all(b"\n").await.map_err(io)?;
                    }
                }
            };
            let rdb = built
                .map_err(|e| format!("snapshot task failed: {e}"))?
                .map_err(|e| format!("could not produce the snapshot: {e:#}"))?;
            set_phase(shared, client_id, ReplicaPhase::SendBulk);
            write
                .write_all(format!("${}\r\n", rdb.len()).as_bytes())
                .await
                .map_err(io)?;
            write.write_all(&rdb).await.map_err(io)?;
            tracing::info!(
                "synchronization with replica succeeded ({} bytes)",
                rdb.len()
            );
            offset
        }
    };
    set_phase(shared, client_id, ReplicaPhase::Online);
    let mut buf = Vec::with_capacity(FEED_CHUNK);
    loop {
        let notified = feed_notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut st = shared.lock();
            let copied = match st.repl.backlog.as_ref() {
                Some(b) => b.copy_from(sent, FEED_CHUNK, &mut buf),
                None => None,
            };
            match copied {
                Some(n) => {
                    sent = sent.advance(n);
                    if let Some(r) = st.repl.replicas.get_mut(&client_id) {
                        r.sent = sent;
                    }
                }
                None => {
                    return Err(format!(
                        "it fell behind by more than the replication buffer limit (client-output-buffer-limit replica {} bytes)",
                        st.config.replica_buffer_hard_limit
                    ));
                }
            }
        }
        if buf.is_empty() {
            notified.await;
            // Let the connections that woke us finish their turn first: one copy and one
            // write then carry many commands (as Redis writes to a replica once per event-loop
            // pass), instead of a lock round and a syscall per command.
            tokio::task::yield_now().await;
            continue;
        }
        write.write_all(&buf).await.map_err(io)?;
        buf.clear();
    }
}

fn set_phase(shared: &Shared, client_id: u64, phase: ReplicaPhase) {
    let mut st = shared.lock();
    if let Some(r) = st.repl.replicas.get_mut(&client_id) {
        r.phase = phase;
        r.last_ack = Instant::now();
    }
}

/// Read what a replica sends us: `REPLCONF ACK <offset>` once a second and after GETACK.
async fn read_acks(
    shared: Arc<Shared>,
    mut read: tokio::io::ReadHalf<Box<dyn crate::net::NodeIo>>,
    mut buf: BytesMut,
    client_id: u64,
    kill: Arc<Notify>,
) {
    let mut parser = RequestParser::new(Limits::default());
    loop {
        loop {
            match parser.next(&mut buf, true) {
                Ok(Some(argv)) => {
                    let is_ack = argv.len() >= 3
                        && argv[0].eq_ignore_ascii_case(b"replconf")
                        && argv[1].eq_ignore_ascii_case(b"ack");
                    if is_ack
                        && let Some(off) = std::str::from_utf8(&argv[2])
                            .ok()
                            .and_then(|o| o.parse::<u64>().ok())
                    {
                        let mut st = shared.lock();
                        st.repl.ack(client_id, off);
                        st.repl_ack.notify_waiters();
                        failover_tick(&shared, &mut st);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("protocol error from a replica: {e}");
                    kill.notify_one();
                    return;
                }
            }
        }
        buf.reserve(4096);
        match read.read_buf(&mut buf).await {
            Ok(0) | Err(_) => {
                kill.notify_one();
                return;
            }
            Ok(_) => {}
        }
    }
}

fn wait(shared: &Arc<Shared>, state: &mut State, argv: &[Bytes]) -> Outcome {
    if state.repl.is_replica() {
        return err(
            "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.",
        );
    }
    let parse = |b: &Bytes| {
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
    };
    let (Some(want), Some(timeout)) = (parse(&argv[1]), parse(&argv[2])) else {
        return err("ERR value is not an integer or out of range");
    };
    if timeout < 0 {
        return err("ERR timeout is negative");
    }
    let target = state.repl.offset().0;
    let now = state.repl.acked(target);
    if i64::try_from(now).unwrap_or(i64::MAX) >= want {
        return Outcome::Reply(Frame::Integer(i64::try_from(now).unwrap_or(i64::MAX)));
    }
    // Ask every replica for its offset now rather than waiting for its once-a-second ACK.
    request_acks(state);
    let deadline = (timeout > 0)
        .then(|| tokio::time::Instant::now() + Duration::from_millis(timeout.unsigned_abs()));
    let shared = Arc::clone(shared);
    let role_generation = state.link_gen;
    Outcome::Block(Box::pin(async move {
        let ack = Arc::clone(&shared.lock().repl_ack);
        loop {
            let notified = ack.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (n, role_changed) = {
                let st = shared.lock();
                (st.repl.acked(target), st.link_gen != role_generation)
            };
            // The node became a replica meanwhile: release the client, as Redis does.
            if role_changed {
                return Frame::Error(
                    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
                        .into(),
                );
            }
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            if n >= want {
                return Frame::Integer(n);
            }
            match deadline {
                Some(d) => tokio::select! {
                    _ = &mut notified => {}
                    _ = tokio::time::sleep_until(d) => {
                        let n = shared.lock().repl.acked(target);
                        return Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX));
                    }
                },
                None => notified.await,
            }
        }
    }))
}

/// Put `REPLCONF GETACK *` in the stream (as Redis does, it counts in the offsets).
pub fn request_acks(state: &mut State) {
    if state.repl.replicas.is_empty() || state.repl.is_replica() {
        return;
    }
    state.repl.feed_commands(&[vec![
        Bytes::from_static(b"REPLCONF"),
        Bytes::from_static(b"GETACK"),
        Bytes::from_static(b"*"),
    ]]);
    state.repl_feed.notify_waiters();
}

/// The master's periodic PING to its replicas (every `repl-ping-replica-period`), which keeps
/// their link alive and advances the offset by 14 bytes, as Redis's does.
pub fn ping_replicas(state: &mut State) {
    // As Redis 7: no PING during a pause, so offsets stand still and replicas can catch up
    // to a fixed offset (what FAILOVER and a paused switchover wait for).
    let paused = state.pause.is_some_and(|p| p.until > Instant::now());
    if state.repl.replicas.is_empty() || state.repl.is_replica() || paused {
        return;
    }
    state
        .repl
        .feed_commands(&[vec![Bytes::from_static(b"PING")]]);
    state.repl_feed.notify_waiters();
}

/// Disconnect online replicas that have not acknowledged for longer than `repl-timeout` (a
/// blackholed replica would otherwise stay listed and pin the backlog), as Redis's
/// replicationCron does.
pub fn drop_silent_replicas(state: &mut State, now: Instant) {
    let timeout = Duration::from_secs(state.config.repl_timeout.max(1));
    let silent: Vec<u64> = state
        .repl
        .replicas
        .iter()
        .filter(|(_, r)| {
            r.phase == ReplicaPhase::Online && now.duration_since(r.last_ack) > timeout
        })
        .map(|(id, _)| *id)
        .collect();
    for id in silent {
        if let Some(e) = state.clients.get(&id) {
            tracing::warn!("disconnecting timed out replica {}", e.addr);
            e.kill.notify_one();
        }
    }
}

/// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT (Redis 6.2+): pause writes,
/// wait until the target (or any replica) has our whole stream, then hand our role to it with
/// `PSYNC <replid> <offset+1> FAILOVER` and follow it.
fn failover(shared: &Arc<Shared>, state: &mut State, argv: &[Bytes]) -> Outcome {
    let args: Vec<&[u8]> = argv[1..].iter().map(AsRef::as_ref).collect();
    let (target, force, timeout_ms) = match parse_failover(&args) {
        Err(e) => return err(e),
        Ok(FailoverArgs::Abort) => {
            if state.repl.failover == FailoverState::None {
                return err("ERR No failover in progress.");
            }
            abort_failover(shared, state, "Failover manually aborted");
            return Outcome::Reply(Frame::ok());
        }
        Ok(FailoverArgs::Start {
            target,
            force,
            timeout_ms,
        }) => (target, force, timeout_ms),
    };
    if state.repl.failover != FailoverState::None {
        return err("ERR FAILOVER already in progress.");
    }
    if state.repl.is_replica() {
        return err("ERR FAILOVER is not valid when server is a replica.");
    }
    if state.repl.replicas.is_empty() {
        return err("ERR FAILOVER requires connected replicas.");
    }
    match &target {
        Some((h, p)) => {
            let Some(r) = state
                .repl
                .replicas
                .values()
                .find(|r| r.ip.eq_ignore_ascii_case(h) && r.port == *p)
            else {
                return err("ERR FAILOVER target HOST and PORT is not a replica.");
            };
            if r.phase != ReplicaPhase::Online {
                return err("ERR FAILOVER target replica is not online.");
            }
            tracing::info!("FAILOVER requested to {h}:{p}.");
        }
        None => tracing::info!("FAILOVER requested to any replica."),
    }
    let now = Instant::now();
    let prior_pause = state
        .pause
        .filter(|p| p.until > now)
        .map(|p| (p.until, p.all));
    // Writes wait (reads go on) until the failover ends: CLIENT PAUSE WRITE with no end of
    // its own (a year stands for "until cleared").
    let until = now + Duration::from_secs(365 * 24 * 3600);
    state.pause = Some(Pause {
        until: prior_pause.map_or(until, |(u, _)| u.max(until)),
        all: prior_pause.is_some_and(|(_, all)| all),
    });
    // Ask for acknowledgements now instead of waiting for the replicas' once-a-second ACK.
    request_acks(state);
    let getack_from = state.repl.offset().0.saturating_sub(GETACK_LEN as u64);
    state.repl.failover_job = Some(FailoverJob {
        target,
        force,
        deadline: timeout_ms.map(|ms| now + Duration::from_millis(ms)),
        getack_from,
        prior_pause,
    });
    state.repl.failover = FailoverState::WaitingForSync;
    failover_tick(shared, state);
    Outcome::Reply(Frame::ok())
}

/// Move a FAILOVER on: start the handover once the target is caught up, or end it at its
/// timeout. Called on every ACK and from the 100 ms timer.
pub fn failover_tick(shared: &Arc<Shared>, state: &mut State) {
    if state.repl.failover != FailoverState::WaitingForSync {
        return;
    }
    let Some(job) = state.repl.failover_job.clone() else {
        return;
    };
    if job.deadline.is_some_and(|d| d <= Instant::now()) {
        match (&job.target, job.force) {
            (Some((h, p)), true) => {
                tracing::info!("FAILOVER to {h}:{p} time out exceeded, failing over.");
                hand_over(shared, state, h.clone(), *p);
            }
            _ => abort_failover(shared, state, "Replica never caught up before timeout"),
        }
        return;
    }
    if let Some((h, p)) = state.repl.failover_candidate() {
        tracing::info!("Failover target {h}:{p} is synced, failing over.");
        hand_over(shared, state, h, p);
    }
}

fn hand_over(shared: &Arc<Shared>, state: &mut State, host: String, port: u16) {
    state.repl.failover = FailoverState::InProgress;
    if let Some(j) = state.repl.failover_job.as_mut() {
        j.target = Some((host.clone(), port));
    }
    start_link(shared, state, host, port, true);
}

/// End a FAILOVER without handing over; if we had already turned to the target, we are a
/// master again (as Redis's abortFailover).
fn abort_failover(shared: &Arc<Shared>, state: &mut State, why: &str) {
    match state
        .repl
        .failover_job
        .as_ref()
        .and_then(|j| j.target.as_ref())
    {
        Some((h, p)) => tracing::warn!("FAILOVER to {h}:{p} aborted: {why}"),
        None => tracing::warn!("FAILOVER to any replica aborted: {why}"),
    }
    if state.repl.failover == FailoverState::InProgress {
        become_master(state);
    }
    clear_failover(shared, state);
}

/// The failover is over: writes resume (a CLIENT PAUSE that was in force before it goes on).
fn clear_failover(shared: &Arc<Shared>, state: &mut State) {
    let job = state.repl.failover_job.take();
    state.repl.failover = FailoverState::None;
    let now = Instant::now();
    state.pause = job
        .and_then(|j| j.prior_pause)
        .filter(|(until, _)| *until > now)
        .map(|(until, all)| Pause { until, all });
    shared.pause_changed.send_modify(|v| *v += 1);
}

/// The replica side's view of this server.
struct ServerLink {
    shared: Arc<Shared>,
    generation: u64,
    /// The master's MULTI … EXEC being received: each command with its raw bytes, applied
    /// all at once at EXEC under one lock, so a reader never sees half a transaction. The
    /// offset moves at EXEC too, as a Redis replica's does (it does not count a transaction
    /// it has not applied).
    transaction: std::sync::Mutex<Option<Vec<Queued>>>,
}

/// One command of a master's transaction, waiting for EXEC: its arguments and raw bytes.
type Queued = (Vec<Bytes>, Vec<u8>);

impl ServerLink {
    /// The state, unless a newer link replaced this one.
    fn state(&self) -> Option<std::sync::MutexGuard<'_, State>> {
        let st = self.shared.lock();
        (st.link_gen == self.generation).then_some(st)
    }
}

impl LinkHost for ServerLink {
    fn psync_position(&self) -> Option<(ReplId, ReplOffset)> {
        let st = self.state()?;
        // A node with no history yet asks for a full sync outright (`PSYNC ? -1`), as a fresh
        // Redis replica does; one with history (it was a master, or restored its replication
        // ID from its snapshot) offers it, so a partial resync is possible.
        let offset = st.repl.offset();
        (offset.0 > 0).then(|| (st.repl.replid.clone(), offset))
    }

    fn full_sync(&self, replid: ReplId, offset: ReplOffset, db: Db) -> Result<(), String> {
        let Some(mut st) = self.state() else {
            return Err("replication link replaced".into());
        };
        let keys = db.len();
        st.db = db;
        st.repl.reset_history(replid, offset);
        drop_replicas(&mut st);
        for e in st.watched.values_mut() {
            e.version += 1;
        }
        st.dirty += 1;
        if st.config.appendonly
            && let Err(e) = crate::server::persistence::start_aof(&mut st)
        {
            tracing::error!("could not rewrite the AOF after the full sync: {e}");
        }
        tracing::info!("MASTER <-> REPLICA sync: loaded {keys} keys");
        Ok(())
    }

    fn partial_sync(&self, new_replid: Option<ReplId>) {
        let Some(mut st) = self.state() else { return };
        if let Some(id) = new_replid {
            tracing::info!("master replication ID changed to {id}");
            st.repl.adopt_master_replid(id);
            drop_replicas(&mut st);
        }
    }

    fn apply(&self, argv: Vec<Bytes>, raw: &[u8]) -> Result<(), String> {
        let name = &argv[0];
        let queued = {
            let mut tx = match self.transaction.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            if name.eq_ignore_ascii_case(b"multi") {
                // A MULTI inside a MULTI cannot come from a master; start afresh either way.
                *tx = Some(vec![(argv, raw.to_vec())]);
                return Ok(());
            }
            match tx.as_mut() {
                Some(q) if !name.eq_ignore_ascii_case(b"exec") => {
                    q.push((argv, raw.to_vec()));
                    return Ok(());
                }
                Some(_) => tx.take(),
                None => None,
            }
        };
        let Some(mut st) = self.state() else {
            return Err("replication link replaced".into());
        };
        let st = &mut *st;
        for (argv, raw) in queued.into_iter().flatten() {
            apply_one(st, &argv, &raw);
        }
        apply_one(st, &argv, raw);
        if !st.repl.replicas.is_empty() {
            st.repl_feed.notify_waiters();
        }
        Ok(())
    }

    fn failover_result(&self, handed_over: bool) {
        let Some(mut st) = self.state() else { return };
        if st.repl.failover != FailoverState::InProgress {
            return;
        }
        if handed_over {
            tracing::info!("FAILOVER done: following the new master");
            clear_failover(&self.shared, &mut st);
        } else {
            abort_failover(
                &self.shared,
                &mut st,
                "Failover target rejected psync request",
            );
        }
    }

    fn processed_offset(&self) -> ReplOffset {
        self.shared.lock().repl.offset()
    }

    fn set_link_state(&self, state: LinkState) {
        let Some(mut st) = self.state() else { return };
        if let Some(m) = st.repl.master.as_mut() {
            let now = Instant::now();
            match &state {
                LinkState::Connected => m.down_since = None,
                LinkState::Sync { .. } if m.sync_started.is_none() => m.sync_started = Some(now),
                LinkState::Connect | LinkState::Handshake if m.down_since.is_none() => {
                    m.down_since = Some(now);
                }
                _ => {}
            }
            if !matches!(state, LinkState::Sync { .. }) {
                m.sync_started = None;
            }
            m.state = state;
        }
    }

    fn touch_io(&self) {
        if let Some(mut st) = self.state()
            && let Some(m) = st.repl.master.as_mut()
        {
            m.last_io = Some(Instant::now());
        }
    }

    fn link_opened(&self) -> Arc<Notify> {
        let kill = Arc::new(Notify::new());
        let Some(mut st) = self.state() else {
            return kill;
        };
        let id = self.shared.client_id();
        let addr = st
            .repl
            .master
            .as_ref()
            .map(|m| format!("{}:{}", m.host, m.port))
            .unwrap_or_default();
        let now = Instant::now();
        st.clients.insert(
            id,
            ClientEntry {
                id,
                addr,
                laddr: String::new(),
                name: None,
                user: "default".into(),
                created: now,
                last_active: now,
                last_cmd: "NULL",
                kind: ClientKind::Master,
                resp: 2,
                multi: -1,
                qbuf: 0,
                kill: Arc::clone(&kill),
            },
        );
        st.link_client = Some(id);
        kill
    }

    fn link_closed(&self) {
        if let Some(mut st) = self.state()
            && let Some(id) = st.link_client.take()
        {
            st.clients.remove(&id);
        }
    }
}

/// Apply one command of our master's stream and count its bytes in the offset.
fn apply_one(st: &mut State, argv: &[Bytes], raw: &[u8]) {
    let name = &argv[0];
    let control = [&b"ping"[..], b"replconf", b"multi", b"exec"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n));
    // Never silent: a command we cannot apply is still counted in the offset (so the
    // stream stays aligned), but INFO shows it and the log says it loudly.
    if !control && let Err(e) = apply_from_master(st, argv) {
        tracing::error!("could not apply a command from the master: {e}");
        st.repl.last_apply_error = Some(e.to_string());
    }
    st.repl.feed_raw(raw);
}

/// Apply one data command from our master's stream: no READONLY, no ACL, no propagation to
/// replicas (they get the master's bytes verbatim), but the AOF and WATCH see it.
fn apply_from_master(state: &mut State, argv: &[Bytes]) -> Result<(), ApplyError> {
    let name = &argv[0];
    if name.eq_ignore_ascii_case(b"publish") {
        return crate::server::pubsub::publish_from_master(state, argv);
    }
    if name.eq_ignore_ascii_case(b"select") {
        return match argv.get(1).map(|a| a.as_ref()) {
            Some(b"0") => Ok(()),
            _ => Err(ApplyError::OtherDatabase),
        };
    }
    let spec = cmd::lookup(name).ok_or_else(|| ApplyError::Unknown(text(name)))?;
    let Handler::Data(f) = spec.handler else {
        return Err(ApplyError::NotFromMaster(spec.name));
    };
    if !spec.arity_ok(argv.len()) {
        return Err(ApplyError::Arity(format!(
            "wrong number of arguments for '{}'",
            spec.name
        )));
    }
    let reply =
        crate::server::exec::apply(state, spec, f, argv, crate::server::exec::Origin::Master);
    // A push from the master may serve clients blocked on this replica.
    if !state.blocking.is_empty() {
        crate::server::cmd::blocking::serve_ready(state);
    }
    match reply {
        Frame::Error(e) => Err(ApplyError::Failed {
            name: spec.name,
            reply: e.to_string(),
        }),
        _ => Ok(()),
    }
}
