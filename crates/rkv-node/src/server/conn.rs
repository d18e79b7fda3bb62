//! One client connection: read, parse every complete command, execute them under one lock
//! acquisition, and send all the replies with one write.

use crate::persist::aof::FsyncPolicy;
use crate::resp::{self, Frame, Limits, ProtocolError, RequestParser};
use crate::server::acl::{DENIED, protected_mode_denies};
use crate::server::client::{self, Client, Outcome};
use crate::server::exec;
use crate::server::state::{ClientEntry, ClientKind, Shared, State};
use bytes::{Bytes, BytesMut};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, watch};

/// Read size per syscall.
const READ_CHUNK: usize = 16 * 1024;
/// An output buffer that grew past this is released after a flush.
const OUT_KEEP: usize = 1024 * 1024;

/// Most commands run under one lock acquisition: a client with a deep pipeline then lets
/// the others in, and its output buffer stays bounded.
const BATCH_MAX: usize = 1024;

/// How a batch of commands ended.
enum Batch {
    /// Everything complete in the buffer ran.
    Done,
    /// [`BATCH_MAX`] commands ran; more are waiting in the buffer.
    Yield,
    /// A command is held by CLIENT PAUSE until this instant or a pause change.
    Paused(Instant, watch::Receiver<u64>),
    /// Send what is buffered, then close (QUIT, CLIENT KILL of ourselves, SHUTDOWN).
    Close,
    /// A protocol error: send it, then close.
    Protocol(ProtocolError),
    /// The query buffer passed client-query-buffer-limit: close.
    QueryBufferLimit,
    /// A command (WAIT) must wait for this reply, without the lock; then the batch goes on.
    Block(std::pin::Pin<Box<dyn std::future::Future<Output = Frame> + Send>>),
    /// A command takes the connection over.
    Handoff(client::Handoff),
}

/// Serve one accepted plain TCP connection until it closes.
pub async fn handle(shared: Arc<Shared>, stream: tokio::net::TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let local = stream
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    handle_stream(shared, stream, peer, local).await;
}

/// Serve one connection (plain TCP, or TLS once its handshake is done) until it closes.
/// Generic, so the plain path pays nothing for TLS.
pub async fn handle_stream<S>(
    shared: Arc<Shared>,
    mut stream: S,
    peer: SocketAddr,
    local: SocketAddr,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let id = shared.client_id();
    let kill = Arc::new(Notify::new());
    let admitted = {
        let mut st = shared.lock();
        st.stats.total_connections_received += 1;
        let has_password = st.default_user().password.is_some();
        if protected_mode_denies(st.config.protected_mode, has_password, peer.ip()) {
            Err(DENIED.to_string())
        } else if u64::try_from(st.clients.len()).unwrap_or(u64::MAX) >= st.config.maxclients {
            st.stats.rejected_connections += 1;
            Err("ERR max number of clients reached".to_string())
        } else {
            let now = Instant::now();
            st.clients.insert(
                id,
                ClientEntry {
                    id,
                    addr: peer.to_string(),
                    laddr: local.to_string(),
                    name: None,
                    user: "default".into(),
                    created: now,
                    last_active: now,
                    last_cmd: "NULL",
                    kind: ClientKind::Normal,
                    resp: 2,
                    multi: -1,
                    qbuf: 0,
                    kill: Arc::clone(&kill),
                },
            );
            Ok(Client::new(id, &st))
        }
    };
    let mut client = match admitted {
        Ok(c) => c,
        Err(msg) => {
            if msg.starts_with("DENIED") {
                tracing::warn!("refused a connection from {peer}: protected mode");
            }
            let out = Frame::Error(msg).to_bytes(resp::Protocol::Resp2);
            let _ = stream.write_all(&out).await;
            return;
        }
    };
    if let Some((handoff, pending_input)) =
        serve(&shared, &mut stream, &mut client, &kill, &peer).await
    {
        handoff(client::HandoffConn {
            stream: Box::new(stream),
            pending_input,
            client_id: id,
            kill: Arc::clone(&kill),
        })
        .await;
    }
    let mut st = shared.lock();
    client.unwatch_all(&mut st);
    st.pubsub.forget(id);
    st.clients.remove(&id);
    // A PSYNC that registered this connection as a replica but never got to run its feeder
    // (the flush before the handoff failed) must not stay listed, pinning the backlog.
    if st.repl.replicas.remove(&id).is_some() {
        st.repl_ack.notify_waiters();
    }
}

async fn flush<S: AsyncWrite + Unpin>(shared: &Shared, stream: &mut S, out: &mut BytesMut) -> bool {
    if out.is_empty() {
        return true;
    }
    let ok = stream.write_all(out).await.is_ok();
    shared
        .net_output
        .fetch_add(u64::try_from(out.len()).unwrap_or(0), Ordering::Relaxed);
    if out.capacity() > OUT_KEEP {
        *out = BytesMut::with_capacity(READ_CHUNK);
    } else {
        out.clear();
    }
    ok
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Arc<Shared>,
    stream: &mut S,
    client: &mut Client,
    kill: &Notify,
    peer: &SocketAddr,
) -> Option<(client::Handoff, BytesMut)> {
    let mut rbuf = BytesMut::with_capacity(READ_CHUNK);
    let mut out = BytesMut::with_capacity(READ_CHUNK);
    let mut parser = RequestParser::new(Limits::default());
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        return None;
    }
    let mut pending: Option<Vec<Bytes>> = None;
    loop {
        if rbuf.capacity() - rbuf.len() < READ_CHUNK / 4 {
            rbuf.reserve(READ_CHUNK);
        }
        tokio::select! {
            r = stream.read_buf(&mut rbuf) => match r {
                Ok(0) | Err(_) => return None,
                Ok(n) => {
                    shared.net_input.fetch_add(u64::try_from(n).unwrap_or(0), Ordering::Relaxed);
                }
            },
            msg = client.pubsub.recv() => {
                // None: the registry cut this subscriber off (too far behind).
                let f = msg?;
                client::encode_reply(&f, client, &mut out);
                client.pubsub.drain(client.proto, &mut out);
                // A subscriber that stopped reading is cut off by PUBLISH (kill): the write
                // it is stuck in must not outlive that.
                tokio::select! {
                    ok = flush(shared, stream, &mut out) => if !ok { return None },
                    _ = kill.notified() => return None,
                }
                continue;
            }
            _ = kill.notified() => return None,
            _ = shutdown.changed() => return None,
        }
        let mut fsync_policy = None;
        loop {
            match process_batch(
                shared,
                client,
                &mut parser,
                &mut rbuf,
                &mut out,
                &mut pending,
                &mut fsync_policy,
            ) {
                Batch::Done => break,
                Batch::Handoff(h) => {
                    if !wait_fsync(shared, client, fsync_policy).await
                        || !flush(shared, stream, &mut out).await
                    {
                        return None;
                    }
                    return Some((h, std::mem::take(&mut rbuf)));
                }
                Batch::Yield => {
                    if !wait_fsync(shared, client, fsync_policy).await
                        || !flush(shared, stream, &mut out).await
                    {
                        return None;
                    }
                    tokio::task::yield_now().await;
                }
                Batch::Close => {
                    wait_fsync(shared, client, fsync_policy).await;
                    flush(shared, stream, &mut out).await;
                    return None;
                }
                Batch::Protocol(e) => {
                    tracing::debug!("protocol error from {peer}: {e}");
                    client::encode_reply(&Frame::error(format!("ERR {e}")), client, &mut out);
                    // Replies to writes earlier in the batch still wait for their fsync.
                    wait_fsync(shared, client, fsync_policy).await;
                    flush(shared, stream, &mut out).await;
                    return None;
                }
                Batch::QueryBufferLimit => {
                    tracing::warn!(
                        "closing client that reached max query buffer length: id={} addr={peer} (qbuf={})",
                        client.id,
                        rbuf.len()
                    );
                    return None;
                }
                Batch::Block(fut) => {
                    if !wait_fsync(shared, client, fsync_policy).await
                        || !flush(shared, stream, &mut out).await
                    {
                        return None;
                    }
                    let reply = tokio::select! {
                        f = fut => f,
                        _ = kill.notified() => return None,
                        _ = shutdown.changed() => return None,
                    };
                    client::encode_reply(&reply, client, &mut out);
                }
                Batch::Paused(until, mut changed) => {
                    if !wait_fsync(shared, client, fsync_policy).await
                        || !flush(shared, stream, &mut out).await
                    {
                        return None;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep_until(until.into()) => {}
                        _ = changed.changed() => {}
                        _ = kill.notified() => return None,
                        _ = shutdown.changed() => return None,
                    }
                }
            }
        }
        if !wait_fsync(shared, client, fsync_policy).await || !flush(shared, stream, &mut out).await
        {
            return None;
        }
    }
}

/// With appendfsync always, hold the replies until the fsync covers this client's writes.
async fn wait_fsync(shared: &Shared, client: &Client, policy: Option<FsyncPolicy>) -> bool {
    if policy != Some(FsyncPolicy::Always) {
        return true;
    }
    let mut done = shared.fsync_done.subscribe();
    if *done.borrow_and_update() >= client.aof_seq {
        return true;
    }
    shared.fsync_request.notify_one();
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        if *done.borrow_and_update() >= client.aof_seq {
            return true;
        }
        tokio::select! {
            r = done.changed() => if r.is_err() { return false },
            _ = shutdown.changed() => return false,
        }
    }
}

/// Run every complete command in `rbuf`, taking the lock once for the batch.
fn process_batch(
    shared: &Arc<Shared>,
    client: &mut Client,
    parser: &mut RequestParser,
    rbuf: &mut BytesMut,
    out: &mut BytesMut,
    pending: &mut Option<Vec<Bytes>>,
    fsync_policy: &mut Option<FsyncPolicy>,
) -> Batch {
    let mut guard: Option<std::sync::MutexGuard<'_, State>> = None;
    let batch = run_batch(
        shared,
        client,
        parser,
        rbuf,
        out,
        pending,
        fsync_policy,
        &mut guard,
    );
    // The batch's time ends with the batch: whoever takes the lock next reads the clock.
    if let Some(g) = guard.as_mut() {
        g.batch_ms = None;
    }
    batch
}

/// [`process_batch`]'s work, with the lock (once taken) left in `guard` for the caller.
#[allow(clippy::too_many_arguments)]
fn run_batch<'a>(
    shared: &'a Arc<Shared>,
    client: &mut Client,
    parser: &mut RequestParser,
    rbuf: &mut BytesMut,
    out: &mut BytesMut,
    pending: &mut Option<Vec<Bytes>>,
    fsync_policy: &mut Option<FsyncPolicy>,
    guard: &mut Option<std::sync::MutexGuard<'a, State>>,
) -> Batch {
    let mut ran = 0usize;
    loop {
        if ran == BATCH_MAX {
            return Batch::Yield;
        }
        ran += 1;
        let argv = match pending.take() {
            Some(a) => a,
            None => match parser.next(rbuf, client.authenticated()) {
                Ok(Some(a)) => a,
                Ok(None) => break,
                Err(e) => return Batch::Protocol(e),
            },
        };
        if argv.is_empty() {
            continue;
        }
        let st = match guard.as_mut() {
            Some(g) => g,
            None => {
                let mut g = shared.lock();
                parser.set_limits(Limits {
                    max_bulk_len: g.config.proto_max_bulk_len,
                });
                *fsync_policy = g.aof_policy();
                g.batch_ms = Some(crate::server::state::now_ms());
                if let Some(e) = g.clients.get_mut(&client.id) {
                    e.qbuf = rbuf.len();
                    e.last_active = Instant::now();
                }
                guard.insert(g)
            }
        };
        // Messages published before this command go out before its reply.
        client.pubsub.drain(client.proto, out);
        // A bug in a command must cost its client, not the server: the panic is caught here,
        // the client gets an error and is closed, and every other connection goes on.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            exec::execute(shared, st, client, argv)
        }));
        // Keys this command (or its EXEC) changed may serve blocked clients: served now,
        // before the next command, as Redis does after each command.
        if !st.blocking.is_empty() {
            crate::server::cmd::blocking::serve_ready(st);
        }
        let outcome = match outcome {
            Ok(o) => o,
            Err(_) => {
                tracing::error!(
                    "internal error running a command for client {}: closing it",
                    client.id
                );
                client::encode_reply(&Frame::error("ERR internal error"), client, out);
                return Batch::Close;
            }
        };
        match outcome {
            Outcome::Reply(f) => {
                if matches!(f, Frame::Error(_)) {
                    st.stats.total_error_replies += 1;
                }
                client::encode_reply(&f, client, out);
            }
            Outcome::Replies(v) => {
                for f in &v {
                    client::encode_reply(f, client, out);
                }
            }
            Outcome::Close(f) => {
                client::encode_reply(&f, client, out);
                return Batch::Close;
            }
            Outcome::Paused(until, argv) => {
                *pending = Some(argv);
                let rx = shared.pause_changed.subscribe();
                return Batch::Paused(until, rx);
            }
            Outcome::Shutdown => return Batch::Close,
            Outcome::Handoff(h) => return Batch::Handoff(h),
            Outcome::NoReply => {}
            Outcome::Block(fut) => return Batch::Block(fut),
        }
    }
    if let Some(g) = guard.as_ref() {
        client.query_buffer_limit = g.config.client_query_buffer_limit;
    }
    if u64::try_from(rbuf.len()).unwrap_or(u64::MAX) > client.query_buffer_limit {
        return Batch::QueryBufferLimit;
    }
    Batch::Done
}
