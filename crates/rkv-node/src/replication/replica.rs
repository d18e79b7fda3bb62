//! The replica side of a replication link: connect to the master, hand-shake as Redis does,
//! take a full or partial resync, apply the command stream in order, and acknowledge the
//! processed offset every second. On any failure the link goes down and is retried after a
//! second (as Redis's replicationCron does), until it is stopped.
//!
//! The node the link runs in is reached through [`LinkHost`], so this module owns only the
//! protocol; the server owns the keyspace and its own replication state.

use super::{ReplId, ReplOffset};
use crate::persist::rdb::read_rdb;
use crate::resp::{Frame, FrameLimits, parse_frame};
use crate::store::Db;
use bytes::{Buf, Bytes, BytesMut};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
/// The write half of the link (plain TCP or TLS).
type OwnedWriteHalf = tokio::io::WriteHalf<Box<dyn crate::net::NodeIo>>;
use tokio::sync::watch;

/// Where and how to connect to the master.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Master host name or address.
    pub host: String,
    /// Master port.
    pub port: u16,
    /// ACL user for AUTH (`masteruser`).
    pub user: Option<String>,
    /// Password for AUTH (`masterauth`); never logged.
    pub password: Option<String>,
    /// The port we tell the master we listen on (`replica-announce-port` or our own port).
    pub listening_port: u16,
    /// The address we tell the master to list us at (`replica-announce-ip`).
    pub announce_ip: Option<String>,
    /// Timeout for the connect and each handshake reply.
    pub handshake_timeout: Duration,
    /// The link is declared down after this long without a byte from the master
    /// (`repl-timeout`, 60 s by default).
    pub repl_timeout: Duration,
    /// FAILOVER handover: the first PSYNC says `FAILOVER` (the target takes our role and
    /// continues our history); its outcome goes to [`LinkHost::failover_result`].
    pub failover: bool,
    /// TLS to the master (`tls-replication yes`), with our certificate as the client's.
    pub tls: Option<crate::net::tls::TlsSettings>,
}

/// The link's state, as INFO replication and ROLE report it.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    /// Not connected; will connect (ROLE `connect`).
    Connect,
    /// TCP connect or handshake under way (ROLE `connecting` / `handshake`).
    Handshake,
    /// Receiving the full-sync payload (ROLE `sync`).
    Sync {
        /// Payload size, when the master sent it up front (`None`: diskless EOF form).
        total: Option<u64>,
        /// Bytes received so far.
        read: u64,
    },
    /// Streaming (ROLE `connected`, `master_link_status:up`).
    Connected,
}

/// What the link needs from the node it runs in.
pub trait LinkHost: Send + Sync + 'static {
    /// The history we can continue: our master's replid and our processed offset, or `None`
    /// for a fresh replica (`PSYNC ? -1`).
    fn psync_position(&self) -> Option<(ReplId, ReplOffset)>;
    /// Replace the whole dataset with the master's snapshot, whose history is
    /// `(replid, offset)`.
    fn full_sync(&self, replid: ReplId, offset: ReplOffset, db: Db) -> Result<(), String>;
    /// The master continues our history; `new_replid` is its ID when it differs from the one
    /// we asked for (it was promoted: our old ID becomes our replid2).
    fn partial_sync(&self, new_replid: Option<ReplId>);
    /// Apply one command of the stream; `raw` is its exact bytes, which advance our offset
    /// and go on verbatim to our own replicas.
    fn apply(&self, argv: Vec<Bytes>, raw: &[u8]) -> Result<(), String>;
    /// Our processed offset (what we acknowledge).
    fn processed_offset(&self) -> ReplOffset;
    /// Record the link state (for INFO and ROLE).
    fn set_link_state(&self, state: LinkState);
    /// Note that a byte arrived from the master (for `master_last_io_seconds_ago`).
    fn touch_io(&self);
    /// A connection to the master is being made: list it among the node's clients (CLIENT
    /// LIST, CLIENT KILL TYPE master) and return what wakes when it is killed.
    fn link_opened(&self) -> Arc<tokio::sync::Notify>;
    /// That connection ended.
    fn link_closed(&self);
    /// A FAILOVER handover's PSYNC was accepted (true) or the attempt failed (false).
    fn failover_result(&self, handed_over: bool);
}

/// Why one connection attempt ended.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Network error.
    #[error("i/o error talking to the master")]
    Io(#[from] std::io::Error),
    /// No reply or no data in time.
    #[error("timed out {0}")]
    Timeout(&'static str),
    /// The master answered something we cannot go on from.
    #[error("{0}")]
    Protocol(String),
    /// The master closed the connection.
    #[error("connection closed by the master")]
    Closed,
}

/// Run the link until `stop` turns true (REPLICAOF NO ONE, another REPLICAOF, shutdown).
pub async fn run_link(
    host: Arc<dyn LinkHost>,
    mut cfg: LinkConfig,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        host.set_link_state(LinkState::Handshake);
        let kill = host.link_opened();
        let result = tokio::select! {
            r = session(&*host, &cfg) => r,
            _ = kill.notified() => Err(LinkError::Protocol("connection killed (CLIENT KILL)".into())),
            _ = stop.changed() => {
                host.link_closed();
                return;
            }
        };
        host.link_closed();
        host.set_link_state(LinkState::Connect);
        if cfg.failover {
            // Only the first attempt hands over; if it did not get through, the failover is
            // aborted (a no-op when it already succeeded).
            cfg.failover = false;
            host.failover_result(false);
        }
        match result {
            Ok(()) => tracing::warn!("connection with master {}:{} lost", cfg.host, cfg.port),
            Err(e) => tracing::warn!(
                "replication link with master {}:{} failed: {e:#}",
                cfg.host,
                cfg.port
            ),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// A buffered connection to the master.
struct Conn {
    read: tokio::io::ReadHalf<Box<dyn crate::net::NodeIo>>,
    write: OwnedWriteHalf,
    buf: BytesMut,
}

impl Conn {
    async fn fill(&mut self, timeout: Duration, what: &'static str) -> Result<(), LinkError> {
        self.buf.reserve(64 * 1024);
        let n = tokio::time::timeout(timeout, self.read.read_buf(&mut self.buf))
            .await
            .map_err(|_| LinkError::Timeout(what))??;
        if n == 0 {
            return Err(LinkError::Closed);
        }
        Ok(())
    }

    /// Read one line reply (without CRLF), skipping the bare `\n` keep-alives a master sends
    /// while it prepares a full sync.
    async fn line(&mut self, timeout: Duration, what: &'static str) -> Result<String, LinkError> {
        let deadline = Instant::now() + timeout;
        loop {
            while self.buf.first() == Some(&b'\n') {
                self.buf.advance(1);
            }
            if let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
                let line = self.buf.split_to(nl + 1);
                let text = String::from_utf8_lossy(&line[..nl]);
                return Ok(text.trim_end_matches('\r').to_string());
            }
            if self.buf.len() > 64 * 1024 {
                return Err(LinkError::Protocol("reply line too long".into()));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            self.fill(left, what).await?;
        }
    }

    async fn send(&mut self, argv: &[&[u8]]) -> Result<(), LinkError> {
        let mut out = Vec::new();
        encode_command(argv, &mut out);
        self.write.write_all(&out).await?;
        Ok(())
    }

    async fn command(
        &mut self,
        argv: &[&[u8]],
        timeout: Duration,
        what: &'static str,
    ) -> Result<String, LinkError> {
        self.send(argv).await?;
        self.line(timeout, what).await
    }
}

/// Encode a command as a RESP multibulk array (what masters send and what we send them).
pub fn encode_command(argv: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// One connection: handshake, sync, then stream until an error.
async fn session(host: &dyn LinkHost, cfg: &LinkConfig) -> Result<(), LinkError> {
    let t = cfg.handshake_timeout;
    let stream = tokio::time::timeout(t, TcpStream::connect((cfg.host.as_str(), cfg.port)))
        .await
        .map_err(|_| LinkError::Timeout("connecting to the master"))??;
    stream.set_nodelay(true)?;
    let stream: Box<dyn crate::net::NodeIo> = match &cfg.tls {
        None => Box::new(stream),
        Some(tls) => {
            let name = format!("master {}:{}", cfg.host, cfg.port);
            let s = tokio::time::timeout(t, tls.handshake(stream, &name))
                .await
                .map_err(|_| LinkError::Timeout("the TLS handshake with the master"))?
                .map_err(|e| LinkError::Protocol(e.to_string()))?;
            Box::new(s)
        }
    };
    let (read, write) = tokio::io::split(stream);
    let mut c = Conn {
        read,
        write,
        buf: BytesMut::with_capacity(64 * 1024),
    };
    tracing::info!("connecting to master {}:{}", cfg.host, cfg.port);

    let pong = c.command(&[b"PING"], t, "waiting for PING reply").await?;
    // A master that needs AUTH answers -NOAUTH; that still proves it is alive.
    if pong.starts_with('-') && !pong.starts_with("-NOAUTH") && !pong.starts_with("-NOPERM") {
        return Err(LinkError::Protocol(format!(
            "master replied to PING: {pong}"
        )));
    }
    if let Some(pw) = &cfg.password {
        let reply = match &cfg.user {
            Some(u) => {
                c.command(
                    &[b"AUTH", u.as_bytes(), pw.as_bytes()],
                    t,
                    "waiting for AUTH",
                )
                .await?
            }
            None => {
                c.command(&[b"AUTH", pw.as_bytes()], t, "waiting for AUTH")
                    .await?
            }
        };
        if reply.starts_with('-') {
            return Err(LinkError::Protocol(format!("master refused AUTH: {reply}")));
        }
    }
    let port = cfg.listening_port.to_string();
    let reply = c
        .command(
            &[b"REPLCONF", b"listening-port", port.as_bytes()],
            t,
            "waiting for REPLCONF",
        )
        .await?;
    if reply.starts_with('-') {
        tracing::warn!("master did not accept REPLCONF listening-port: {reply}");
    }
    if let Some(ip) = &cfg.announce_ip {
        let reply = c
            .command(
                &[b"REPLCONF", b"ip-address", ip.as_bytes()],
                t,
                "waiting for REPLCONF",
            )
            .await?;
        if reply.starts_with('-') {
            tracing::warn!("master did not accept REPLCONF ip-address: {reply}");
        }
    }
    let reply = c
        .command(
            &[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"],
            t,
            "waiting for REPLCONF",
        )
        .await?;
    if reply.starts_with('-') {
        tracing::warn!("master did not accept REPLCONF capa: {reply}");
    }

    let (asked_id, asked_offset) = match host.psync_position() {
        Some((id, off)) => (id.to_string(), (off.0 + 1).to_string()),
        None => ("?".to_string(), "-1".to_string()),
    };
    tracing::info!("trying a partial resynchronization (PSYNC {asked_id} {asked_offset})");
    // The master may take a while to start a full sync (it sends `\n` keep-alives meanwhile).
    let mut psync: Vec<&[u8]> = vec![b"PSYNC", asked_id.as_bytes(), asked_offset.as_bytes()];
    if cfg.failover {
        psync.push(b"FAILOVER");
    }
    let reply = c
        .command(&psync, cfg.repl_timeout, "waiting for the PSYNC reply")
        .await?;
    let mut words = reply.split_whitespace();
    let first = words.next();
    if cfg.failover && matches!(first, Some("+FULLRESYNC" | "+CONTINUE")) {
        host.failover_result(true);
    }
    match first {
        Some("+FULLRESYNC") => {
            let replid = words.next().and_then(ReplId::parse);
            let offset = words.next().and_then(|o| o.parse::<u64>().ok());
            let (Some(replid), Some(offset)) = (replid, offset) else {
                return Err(LinkError::Protocol(format!(
                    "bad FULLRESYNC reply: {reply}"
                )));
            };
            tracing::info!("full resync from master: {replid}:{offset}");
            // The snapshot is parsed while it arrives (off the runtime's threads: it is CPU
            // work), so loading overlaps the transfer instead of following it.
            let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(PAYLOAD_CHUNKS_IN_FLIGHT);
            let parser = tokio::task::spawn_blocking(move || {
                read_rdb(&mut ChunkReader {
                    rx,
                    cur: Bytes::new(),
                })
            });
            let received = read_payload(&mut c, host, cfg, &tx).await;
            drop(tx);
            let parsed = parser
                .await
                .map_err(|e| LinkError::Protocol(format!("loading the snapshot failed: {e}")))?;
            // A transfer error explains a parse error (the parser saw the stream cut short).
            let len = received?;
            let db = parsed
                .map_err(|e| {
                    LinkError::Protocol(format!("the master's snapshot could not be loaded: {e:#}"))
                })?
                .0;
            host.full_sync(replid, ReplOffset(offset), db)
                .map_err(LinkError::Protocol)?;
            tracing::info!("MASTER <-> REPLICA sync: finished with success ({len} bytes)");
        }
        Some("+CONTINUE") => {
            let new_id = words.next().and_then(ReplId::parse);
            let changed = new_id.filter(|id| id.as_str() != asked_id);
            tracing::info!("successful partial resynchronization with master");
            host.partial_sync(changed);
        }
        _ => {
            return Err(LinkError::Protocol(format!(
                "unexpected reply to PSYNC: {reply}"
            )));
        }
    }
    host.set_link_state(LinkState::Connected);
    // Acknowledge at once, so a master waiting for our offset (WAIT, FAILOVER) need not
    // wait for the first periodic ACK.
    send_ack(&mut c.write, host.processed_offset()).await?;
    stream_loop(&mut c, host, cfg).await
}

async fn send_ack(w: &mut OwnedWriteHalf, offset: ReplOffset) -> Result<(), LinkError> {
    let off = offset.0.to_string();
    let mut out = Vec::new();
    encode_command(&[b"REPLCONF", b"ACK", off.as_bytes()], &mut out);
    w.write_all(&out).await?;
    Ok(())
}

/// Chunks of a full-sync payload queued for the parser: bounded, so a parser slower than
/// the network holds the socket back rather than buffering the whole payload.
const PAYLOAD_CHUNKS_IN_FLIGHT: usize = 64;

/// A blocking reader over the payload chunks the link task receives.
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    cur: Bytes,
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(b) => self.cur = b,
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.cur.len());
        out[..n].copy_from_slice(&self.cur[..n]);
        self.cur.advance(n);
        Ok(n)
    }
}

/// Hand a payload chunk to the parser; a parser that stopped (bad data) ends the transfer,
/// and its own error says why.
async fn forward(tx: &tokio::sync::mpsc::Sender<Bytes>, chunk: Bytes) -> Result<(), LinkError> {
    if chunk.is_empty() {
        return Ok(());
    }
    tx.send(chunk)
        .await
        .map_err(|_| LinkError::Protocol("the snapshot parser stopped early".into()))
}

/// Receive the full-sync payload, `$<len>\r\n<bytes>` or `$EOF:<40 bytes>\r\n<bytes><mark>`,
/// passing its bytes to `tx` as they arrive; returns its length.
async fn read_payload(
    c: &mut Conn,
    host: &dyn LinkHost,
    cfg: &LinkConfig,
    tx: &tokio::sync::mpsc::Sender<Bytes>,
) -> Result<u64, LinkError> {
    let header = c
        .line(cfg.repl_timeout, "waiting for the sync payload")
        .await?;
    let Some(spec) = header.strip_prefix('$') else {
        return Err(LinkError::Protocol(format!(
            "bad sync payload header: {header:.64}"
        )));
    };
    if let Some(mark) = spec.strip_prefix("EOF:") {
        let mark = mark.as_bytes().to_vec();
        if mark.len() != 40 {
            return Err(LinkError::Protocol("bad EOF mark in sync payload".into()));
        }
        // The last 40 bytes received may be the start of the mark: hold them back until
        // more arrives. Whatever follows the mark is already the command stream: it stays
        // in the buffer.
        let mut read_total = 0u64;
        loop {
            read_total += c.buf.len() as u64;
            host.set_link_state(LinkState::Sync {
                total: None,
                read: read_total,
            });
            if let Some(at) = c.buf.windows(40).position(|w| w == &mark[..]) {
                let after = c.buf.len() - at - 40;
                let data = c.buf.split_to(at).freeze();
                c.buf.advance(40);
                forward(tx, data).await?;
                return Ok(read_total - 40 - after as u64);
            }
            if c.buf.len() > 40 {
                let data = c.buf.split_to(c.buf.len() - 40).freeze();
                forward(tx, data).await?;
            }
            // What is left (at most 40 bytes) was counted already.
            read_total -= c.buf.len() as u64;
            c.fill(cfg.repl_timeout, "receiving the sync payload")
                .await?;
            host.touch_io();
        }
    }
    let len: u64 = spec
        .parse()
        .map_err(|_| LinkError::Protocol(format!("bad sync payload length: {spec:.32}")))?;
    let mut got = 0u64;
    while got < len {
        if c.buf.is_empty() {
            c.fill(cfg.repl_timeout, "receiving the sync payload")
                .await?;
            host.touch_io();
        }
        let want = (len - got).min(c.buf.len() as u64) as usize;
        let data = c.buf.split_to(want).freeze();
        got += want as u64;
        host.set_link_state(LinkState::Sync {
            total: Some(len),
            read: got,
        });
        forward(tx, data).await?;
    }
    Ok(len)
}

/// Apply the stream: every complete command in order; ACK once a second and on GETACK.
async fn stream_loop(c: &mut Conn, host: &dyn LinkHost, cfg: &LinkConfig) -> Result<(), LinkError> {
    let limits = FrameLimits::default();
    let mut ack = tokio::time::interval(Duration::from_secs(1));
    ack.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_io = tokio::time::Instant::now();
    loop {
        // Apply everything complete in the buffer.
        loop {
            let parsed = parse_frame(&c.buf, &limits).map_err(|e| {
                LinkError::Protocol(format!("bad data in the replication stream: {e}"))
            })?;
            let Some((frame, used)) = parsed else { break };
            let raw = c.buf.split_to(used);
            let argv = match frame {
                Frame::Array(items) => items
                    .into_iter()
                    .map(|f| match f {
                        Frame::Bulk(b) => Ok(b),
                        other => Err(LinkError::Protocol(format!(
                            "unexpected element in the replication stream: {other:?}"
                        ))),
                    })
                    .collect::<Result<Vec<Bytes>, _>>()?,
                other => {
                    return Err(LinkError::Protocol(format!(
                        "unexpected frame in the replication stream: {other:?}"
                    )));
                }
            };
            let is_getack = argv.len() >= 2
                && argv[0].eq_ignore_ascii_case(b"replconf")
                && argv[1].eq_ignore_ascii_case(b"getack");
            if is_getack {
                // Redis answers GETACK with the offset processed before the GETACK itself.
                send_ack(&mut c.write, host.processed_offset()).await?;
            }
            host.apply(argv, &raw).map_err(LinkError::Protocol)?;
        }
        tokio::select! {
            r = c.read.read_buf(&mut c.buf) => {
                if r? == 0 {
                    return Err(LinkError::Closed);
                }
                last_io = tokio::time::Instant::now();
                host.touch_io();
            }
            _ = ack.tick() => send_ack(&mut c.write, host.processed_offset()).await?,
            _ = tokio::time::sleep_until(last_io + cfg.repl_timeout) => return Err(LinkError::Timeout("waiting for data from the master")),
        }
        c.buf.reserve(16 * 1024);
    }
}
