//! The replication state of a node, master side and replica side together, as plain data with
//! the operations the server calls under its lock: feeding the stream, answering PSYNC,
//! tracking replicas' acknowledgements, switching history on promotion, and rendering INFO
//! replication and ROLE. No sockets here: the server's replica feeders and the replica link
//! (`replica.rs`) do the I/O.

use super::psync::{MasterHistory, PsyncDecision, decide};
use super::replica::LinkState;
use super::{Backlog, ReplId, ReplOffset};
use crate::resp::Frame;
use bytes::Bytes;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

/// Where a connected replica is in its life (INFO's `state=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaPhase {
    /// Its snapshot is being produced.
    WaitBgsave,
    /// Its snapshot is being sent.
    SendBulk,
    /// Streaming.
    Online,
}

impl ReplicaPhase {
    /// INFO's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaPhase::WaitBgsave => "wait_bgsave",
            ReplicaPhase::SendBulk => "send_bulk",
            ReplicaPhase::Online => "online",
        }
    }
}

/// A replica connected to us.
#[derive(Debug, Clone)]
pub struct ReplicaEntry {
    /// The address it is listed at (`REPLCONF ip-address`, else its socket peer).
    pub ip: String,
    /// Its listening port (`REPLCONF listening-port`).
    pub port: u16,
    /// Phase.
    pub phase: ReplicaPhase,
    /// The offset it has acknowledged (`REPLCONF ACK`).
    pub ack_offset: u64,
    /// When it last acknowledged.
    pub last_ack: Instant,
    /// The stream position its feeder has sent up to (kept in the backlog until sent).
    pub sent: ReplOffset,
}

/// The master this node follows.
#[derive(Debug, Clone)]
pub struct MasterLink {
    /// Master host.
    pub host: String,
    /// Master port.
    pub port: u16,
    /// Link state.
    pub state: LinkState,
    /// Last byte received from the master.
    pub last_io: Option<Instant>,
    /// When the link went down (None while up).
    pub down_since: Option<Instant>,
    /// When the current sync started.
    pub sync_started: Option<Instant>,
}

/// The FAILOVER command's state (`master_failover_state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailoverState {
    /// No FAILOVER running.
    None,
    /// Writes paused; waiting for the target to acknowledge our offset.
    WaitingForSync,
    /// Becoming a replica of the target.
    InProgress,
}

/// A parsed `FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | ABORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailoverArgs {
    /// `FAILOVER ABORT`.
    Abort,
    /// Start a failover.
    Start {
        /// `TO host port`: the replica to hand over to (else the first one caught up).
        target: Option<(String, u16)>,
        /// `FORCE`: on timeout, fail over anyway instead of aborting.
        force: bool,
        /// `TIMEOUT ms` (None: wait for ever).
        timeout_ms: Option<u64>,
    },
}

/// Parse FAILOVER's arguments (after the command name) with Redis 7's rules and error texts.
pub fn parse_failover(args: &[&[u8]]) -> Result<FailoverArgs, String> {
    if args.len() == 1 && args[0].eq_ignore_ascii_case(b"abort") {
        return Ok(FailoverArgs::Abort);
    }
    let not_int = || "ERR value is not an integer or out of range".to_string();
    let int = |b: &[u8]| {
        std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(not_int)
    };
    let mut target = None;
    let mut force = false;
    let mut timeout_ms: Option<u64> = None;
    let mut j = 0;
    while j < args.len() {
        let a = args[j];
        if a.eq_ignore_ascii_case(b"timeout") && j + 1 < args.len() && timeout_ms.is_none() {
            let t = int(args[j + 1])?;
            if t <= 0 {
                return Err("ERR FAILOVER timeout must be greater than 0".into());
            }
            timeout_ms = Some(t.unsigned_abs());
            j += 2;
        } else if a.eq_ignore_ascii_case(b"to") && j + 2 < args.len() && target.is_none() {
            let port = int(args[j + 2])?;
            // Redis takes any long here and then finds no replica on a port out of range.
            let port = u16::try_from(port).unwrap_or(0);
            target = Some((String::from_utf8_lossy(args[j + 1]).into_owned(), port));
            j += 3;
        } else if a.eq_ignore_ascii_case(b"force") && !force {
            force = true;
            j += 1;
        } else {
            return Err("ERR syntax error".into());
        }
    }
    if force && (timeout_ms.is_none() || target.is_none()) {
        return Err(
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.".into(),
        );
    }
    Ok(FailoverArgs::Start {
        target,
        force,
        timeout_ms,
    })
}

/// A FAILOVER in progress (Redis's failover_* server fields).
#[derive(Debug, Clone)]
pub struct FailoverJob {
    /// The replica we hand over to, once known.
    pub target: Option<(String, u16)>,
    /// Fail over on timeout rather than abort.
    pub force: bool,
    /// When the wait for the target ends.
    pub deadline: Option<Instant>,
    /// The stream offset before the `REPLCONF GETACK` we sent when starting: a replica that
    /// acknowledges it has every write (the GETACK itself changes no data).
    pub getack_from: u64,
    /// The CLIENT PAUSE in force before the failover paused writes (`until`, `all`), restored
    /// when it ends.
    pub prior_pause: Option<(Instant, bool)>,
}

/// Replication state of one node.
#[derive(Debug)]
pub struct ReplicationState {
    /// Current history.
    pub replid: ReplId,
    /// Previous history (zero when none).
    pub replid2: ReplId,
    /// First offset not part of `replid2`'s history.
    pub second_offset: Option<u64>,
    /// Offset when there is no backlog yet (a backlog's end is the offset otherwise).
    offset: ReplOffset,
    /// The backlog, created when the first replica attaches (as Redis) or when following a
    /// master (a replica keeps one too, for chained replicas and for PSYNC after promotion).
    pub backlog: Option<Backlog>,
    /// `repl-backlog-size`.
    pub backlog_size: usize,
    /// Hard cap on history kept for a slow replica (`client-output-buffer-limit replica`).
    pub buffer_hard_limit: usize,
    /// Connected replicas by client id.
    pub replicas: BTreeMap<u64, ReplicaEntry>,
    /// The master we follow, when we are a replica.
    pub master: Option<MasterLink>,
    /// Emit `SELECT 0` before the next propagated command (a new stream head).
    select_needed: bool,
    /// FAILOVER progress.
    pub failover: FailoverState,
    /// The FAILOVER being run, if any.
    pub failover_job: Option<FailoverJob>,
    /// INFO stats.
    pub sync_full: u64,
    /// INFO stats.
    pub sync_partial_ok: u64,
    /// INFO stats.
    pub sync_partial_err: u64,
    /// Replicas dropped for falling behind by more than `client-output-buffer-limit replica`.
    pub buffer_limit_disconnections: u64,
    /// A command from our master we could not apply (shown in INFO; never silent).
    pub last_apply_error: Option<String>,
    /// Scratch buffer for encoding commands.
    scratch: Vec<u8>,
}

/// Length of `*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n` in the stream.
pub const GETACK_LEN: usize = 37;

/// Append `argv` as a RESP multibulk array.
pub fn encode_multibulk(argv: &[Bytes], out: &mut Vec<u8>) {
    let mut num = itoa_buf();
    out.push(b'*');
    out.extend_from_slice(fmt_usize(&mut num, argv.len()));
    out.extend_from_slice(b"\r\n");
    for a in argv {
        out.push(b'$');
        out.extend_from_slice(fmt_usize(&mut num, a.len()));
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

fn fmt_usize(buf: &mut [u8; 20], mut n: usize) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

impl ReplicationState {
    /// A fresh master history.
    pub fn new(backlog_size: usize, buffer_hard_limit: usize) -> ReplicationState {
        ReplicationState {
            replid: ReplId::random(),
            replid2: ReplId::zero(),
            second_offset: None,
            offset: ReplOffset(0),
            backlog: None,
            backlog_size,
            buffer_hard_limit,
            replicas: BTreeMap::new(),
            master: None,
            select_needed: true,
            failover: FailoverState::None,
            failover_job: None,
            sync_full: 0,
            sync_partial_ok: 0,
            sync_partial_err: 0,
            buffer_limit_disconnections: 0,
            last_apply_error: None,
            scratch: Vec::new(),
        }
    }

    /// `master_repl_offset`.
    pub fn offset(&self) -> ReplOffset {
        self.backlog.as_ref().map_or(self.offset, Backlog::end)
    }

    /// True when we follow a master.
    pub fn is_replica(&self) -> bool {
        self.master.is_some()
    }

    /// True when we follow a master and the link is not streaming.
    pub fn link_down(&self) -> bool {
        self.master
            .as_ref()
            .is_some_and(|m| m.state != LinkState::Connected)
    }

    fn ensure_backlog(&mut self) {
        if self.backlog.is_none() {
            self.backlog = Some(Backlog::new(self.backlog_size, self.offset));
        }
    }

    /// Feed commands this node applied on its own authority (a master's writes) into the
    /// stream. Does nothing on a replica (its stream is its master's, fed by [`Self::feed_raw`])
    /// and nothing while no replica ever attached: like Redis, a master without a backlog does
    /// not advance its offset.
    pub fn feed_commands(&mut self, cmds: &[Vec<Bytes>]) {
        if self.is_replica() || self.backlog.is_none() || cmds.is_empty() {
            return;
        }
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        if self.select_needed {
            encode_multibulk(
                &[Bytes::from_static(b"SELECT"), Bytes::from_static(b"0")],
                &mut buf,
            );
            self.select_needed = false;
        }
        for c in cmds {
            encode_multibulk(c, &mut buf);
        }
        self.append(&buf);
        self.scratch = buf;
    }

    /// Feed raw stream bytes received from our master (verbatim, so chained replicas see the
    /// same bytes and offsets).
    pub fn feed_raw(&mut self, raw: &[u8]) {
        if self.backlog.is_none() {
            self.offset = self.offset.advance(raw.len());
            return;
        }
        self.append(raw);
    }

    fn append(&mut self, bytes: &[u8]) {
        let hard = self.buffer_hard_limit;
        let slowest = self.replicas.values().map(|r| r.sent).min();
        let Some(b) = self.backlog.as_mut() else {
            return;
        };
        b.append(bytes);
        // Keep what the slowest replica still needs, but never more than the hard limit: a
        // replica further behind than that is dropped by its feeder (it finds its offset gone).
        // A hard limit of 0 means no limit (Redis's `client-output-buffer-limit replica 0 0 0`).
        let floor = if hard == 0 {
            0
        } else {
            b.end().0.saturating_sub(hard as u64)
        };
        let keep_from = slowest.map(|s| ReplOffset(s.0.max(floor)));
        b.trim(keep_from);
    }

    /// Answer `PSYNC id offset`.
    pub fn psync(&mut self, requested_id: &str, requested_offset: i64) -> PsyncDecision {
        let hist = MasterHistory {
            replid: &self.replid,
            replid2: &self.replid2,
            second_offset: self.second_offset,
        };
        let d = decide(&hist, self.backlog.as_ref(), requested_id, requested_offset);
        match &d {
            PsyncDecision::Continue(_) => self.sync_partial_ok += 1,
            PsyncDecision::Full(_) => {
                self.sync_full += 1;
                if requested_id != "?" {
                    self.sync_partial_err += 1;
                }
                // A full sync starts a new stream head for the new replica.
                self.select_needed = true;
            }
        }
        self.ensure_backlog();
        d
    }

    /// Register a replica that will be fed from `from`.
    pub fn add_replica(
        &mut self,
        id: u64,
        ip: String,
        port: u16,
        phase: ReplicaPhase,
        from: ReplOffset,
    ) {
        self.replicas.insert(
            id,
            ReplicaEntry {
                ip,
                port,
                phase,
                ack_offset: 0,
                last_ack: Instant::now(),
                sent: from,
            },
        );
    }

    /// A replica acknowledged `offset`.
    pub fn ack(&mut self, id: u64, offset: u64) {
        if let Some(r) = self.replicas.get_mut(&id) {
            r.ack_offset = r.ack_offset.max(offset);
            r.last_ack = Instant::now();
        }
    }

    /// How many online replicas acknowledged at least `offset`.
    pub fn acked(&self, offset: u64) -> usize {
        self.replicas
            .values()
            .filter(|r| r.phase == ReplicaPhase::Online && r.ack_offset >= offset)
            .count()
    }

    /// The replica a failover can hand over to now: the target if it is online and caught
    /// up, or (no target) the first such replica. Caught up: it acknowledged our offset, or
    /// the offset before the GETACK we sent, with nothing but that GETACK after it (Redis
    /// replicas acknowledge a GETACK with the offset before it).
    pub fn failover_candidate(&self) -> Option<(String, u16)> {
        let job = self.failover_job.as_ref()?;
        let end = self.offset().0;
        let getack_len = GETACK_LEN as u64;
        let caught_up = |r: &ReplicaEntry| {
            r.phase == ReplicaPhase::Online
                && (r.ack_offset >= end
                    || (r.ack_offset == job.getack_from && job.getack_from + getack_len == end))
        };
        self.replicas
            .values()
            .filter(|r| match &job.target {
                Some((h, p)) => r.ip.eq_ignore_ascii_case(h) && r.port == *p,
                None => true,
            })
            .find(|r| caught_up(r))
            .map(|r| (r.ip.clone(), r.port))
    }

    /// Promotion (REPLICAOF NO ONE, or becoming master in a failover): the old history
    /// becomes replid2 up to the current offset, and a new history starts, so former siblings
    /// can continue from us with a partial resync.
    pub fn shift_replid(&mut self) {
        self.replid2 = self.replid.clone();
        self.second_offset = Some(self.offset().0 + 1);
        self.replid = ReplId::random();
        self.select_needed = true;
    }

    /// Adopt a new history after a full sync from our master: its id and offset; the backlog
    /// restarts there (our own replicas must resync in full: the caller drops them).
    pub fn reset_history(&mut self, replid: ReplId, offset: ReplOffset) {
        self.replid = replid;
        self.replid2 = ReplId::zero();
        self.second_offset = None;
        self.offset = offset;
        match self.backlog.as_mut() {
            Some(b) => b.reset(offset),
            None => self.backlog = Some(Backlog::new(self.backlog_size, offset)),
        }
    }

    /// Our master continued our history under a new id (it was promoted): remember the old
    /// one as replid2, like Redis's `replicationDiscardCachedMaster`/`shiftReplicationId` path.
    pub fn adopt_master_replid(&mut self, new: ReplId) {
        self.replid2 = self.replid.clone();
        self.second_offset = Some(self.offset().0 + 1);
        self.replid = new;
    }

    /// Apply CONFIG SET repl-backlog-size / client-output-buffer-limit. A hard limit of 0
    /// means no limit, as in Redis.
    pub fn set_limits(&mut self, backlog_size: usize, buffer_hard_limit: usize) {
        self.backlog_size = backlog_size;
        self.buffer_hard_limit = buffer_hard_limit;
        if let Some(b) = self.backlog.as_mut() {
            b.set_size(backlog_size);
        }
    }

    /// A master restarted from its snapshot: the snapshot's history becomes our previous one
    /// (replid2, valid up to its offset) under a fresh ID, as Redis does for a master. Replicas
    /// that have exactly the snapshot's data continue partially; one that had received more
    /// than the snapshot holds (writes the master lost in the restart) cannot, and resyncs in
    /// full instead of keeping bytes the master no longer has.
    pub fn restore_as_master(&mut self, replid: ReplId, offset: ReplOffset) {
        self.replid2 = replid;
        self.second_offset = Some(offset.0 + 1);
        self.offset = offset;
        // An empty backlog at the snapshot's offset, so a replica holding exactly the
        // snapshot's data continues without a full sync.
        self.backlog = Some(Backlog::new(self.backlog_size, offset));
    }

    /// Set the restored history (from the RDB aux fields at start).
    pub fn restore(&mut self, replid: ReplId, offset: ReplOffset) {
        self.replid = replid;
        self.offset = offset;
        self.backlog = Some(Backlog::new(self.backlog_size, offset));
    }

    /// The `# Replication` section of INFO, in Redis 7's field names.
    pub fn info(&self, priority: u32, read_only: bool, announced: bool) -> String {
        let mut s = String::from("# Replication\r\n");
        let now = Instant::now();
        let offset = self.offset().0;
        match &self.master {
            Some(m) => {
                let _ = write!(
                    s,
                    "role:slave\r\nmaster_host:{}\r\nmaster_port:{}\r\n",
                    m.host, m.port
                );
                let up = m.state == LinkState::Connected;
                let _ = write!(
                    s,
                    "master_link_status:{}\r\n",
                    if up { "up" } else { "down" }
                );
                let last_io = m
                    .last_io
                    .map_or(-1, |t| now.duration_since(t).as_secs() as i64);
                let _ = write!(s, "master_last_io_seconds_ago:{last_io}\r\n");
                let syncing = matches!(m.state, LinkState::Sync { .. });
                let _ = write!(s, "master_sync_in_progress:{}\r\n", u8::from(syncing));
                let _ = write!(
                    s,
                    "slave_read_repl_offset:{offset}\r\nslave_repl_offset:{offset}\r\n"
                );
                if let LinkState::Sync { total, read } = &m.state {
                    let total_i = total.map_or(-1, |t| t as i64);
                    let left = total.map_or(-1, |t| t.saturating_sub(*read) as i64);
                    let perc = total.map_or(0.0, |t| {
                        if t == 0 {
                            0.0
                        } else {
                            *read as f64 * 100.0 / t as f64
                        }
                    });
                    let since = m
                        .sync_started
                        .map_or(0, |t| now.duration_since(t).as_secs());
                    let _ = write!(
                        s,
                        "master_sync_total_bytes:{total_i}\r\nmaster_sync_read_bytes:{read}\r\nmaster_sync_left_bytes:{left}\r\nmaster_sync_perc:{perc:.2}\r\nmaster_sync_last_io_seconds_ago:{}\r\n",
                        last_io.max(0)
                    );
                    let _ = since;
                }
                if !up {
                    let down = m
                        .down_since
                        .map_or(-1, |t| now.duration_since(t).as_secs() as i64);
                    let _ = write!(s, "master_link_down_since_seconds:{down}\r\n");
                }
                let _ = write!(
                    s,
                    "slave_priority:{priority}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
                    u8::from(read_only),
                    u8::from(announced)
                );
            }
            None => s.push_str("role:master\r\n"),
        }
        let _ = write!(s, "connected_slaves:{}\r\n", self.replicas.len());
        for (i, r) in self.replicas.values().enumerate() {
            let lag = now.duration_since(r.last_ack).as_secs();
            let _ = write!(
                s,
                "slave{i}:ip={},port={},state={},offset={},lag={lag}\r\n",
                r.ip,
                r.port,
                r.phase.as_str(),
                r.ack_offset
            );
        }
        let fo = match self.failover {
            FailoverState::None => "no-failover",
            FailoverState::WaitingForSync => "waiting-for-sync",
            FailoverState::InProgress => "failover-in-progress",
        };
        let _ = write!(s, "master_failover_state:{fo}\r\n");
        let _ = write!(
            s,
            "master_replid:{}\r\nmaster_replid2:{}\r\n",
            self.replid, self.replid2
        );
        let second = self.second_offset.map_or(-1, |o| o as i64);
        let _ = write!(
            s,
            "master_repl_offset:{offset}\r\nsecond_repl_offset:{second}\r\n"
        );
        match &self.backlog {
            Some(b) => {
                let _ = write!(
                    s,
                    "repl_backlog_active:1\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
                    b.size(),
                    b.first_byte_offset(),
                    b.histlen()
                );
            }
            None => {
                let _ = write!(
                    s,
                    "repl_backlog_active:0\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n",
                    self.backlog_size
                );
            }
        }
        if let Some(e) = &self.last_apply_error {
            let _ = write!(
                s,
                "rkv_last_apply_error:{}\r\n",
                e.replace(['\r', '\n'], " ")
            );
        }
        s
    }

    /// The ROLE reply.
    pub fn role(&self) -> Frame {
        let offset = self.offset().0 as i64;
        match &self.master {
            Some(m) => {
                let state = match m.state {
                    LinkState::Connect => "connect",
                    LinkState::Handshake => "handshake",
                    LinkState::Sync { .. } => "sync",
                    LinkState::Connected => "connected",
                };
                Frame::Array(vec![
                    Frame::bulk(Bytes::from_static(b"slave")),
                    Frame::bulk(Bytes::from(m.host.clone())),
                    Frame::Integer(i64::from(m.port)),
                    Frame::bulk(Bytes::from_static(state.as_bytes())),
                    Frame::Integer(offset),
                ])
            }
            None => {
                let replicas = self
                    .replicas
                    .values()
                    .filter(|r| r.phase == ReplicaPhase::Online)
                    .map(|r| {
                        Frame::Array(vec![
                            Frame::bulk(Bytes::from(r.ip.clone())),
                            Frame::bulk(Bytes::from(r.port.to_string())),
                            Frame::bulk(Bytes::from(r.ack_offset.to_string())),
                        ])
                    })
                    .collect();
                Frame::Array(vec![
                    Frame::bulk(Bytes::from_static(b"master")),
                    Frame::Integer(offset),
                    Frame::Array(replicas),
                ])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn fo(args: &str) -> Result<FailoverArgs, String> {
        let v: Vec<&[u8]> = args.split_whitespace().map(str::as_bytes).collect();
        parse_failover(&v)
    }

    #[test]
    fn failover_arguments_follow_redis() {
        assert_eq!(fo("abort"), Ok(FailoverArgs::Abort));
        assert_eq!(
            fo(""),
            Ok(FailoverArgs::Start {
                target: None,
                force: false,
                timeout_ms: None
            })
        );
        assert_eq!(
            fo("TO 10.0.0.1 6380 FORCE TIMEOUT 500"),
            Ok(FailoverArgs::Start {
                target: Some(("10.0.0.1".into(), 6380)),
                force: true,
                timeout_ms: Some(500)
            })
        );
        assert_eq!(
            fo("force"),
            Err(
                "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
                    .into()
            )
        );
        assert_eq!(
            fo("timeout 0"),
            Err("ERR FAILOVER timeout must be greater than 0".into())
        );
        assert_eq!(
            fo("timeout x"),
            Err("ERR value is not an integer or out of range".into())
        );
        assert_eq!(fo("abort timeout 5"), Err("ERR syntax error".into()));
        assert_eq!(fo("to h"), Err("ERR syntax error".into()));
        assert_eq!(fo("timeout 5 timeout 6"), Err("ERR syntax error".into()));
    }

    #[test]
    fn failover_candidate_is_caught_up_after_the_getack() {
        let mut r = ReplicationState::new(1024, 1 << 20);
        assert!(matches!(r.psync("?", -1), PsyncDecision::Full(_)));
        r.add_replica(
            1,
            "127.0.0.1".into(),
            7001,
            ReplicaPhase::Online,
            ReplOffset(0),
        );
        r.add_replica(
            2,
            "127.0.0.1".into(),
            7002,
            ReplicaPhase::Online,
            ReplOffset(0),
        );
        r.feed_commands(&[vec![b("SET"), b("k"), b("v")]]);
        let before = r.offset().0;
        r.feed_commands(&[vec![b("REPLCONF"), b("GETACK"), b("*")]]);
        assert_eq!(r.offset().0, before + GETACK_LEN as u64);
        r.failover_job = Some(FailoverJob {
            target: Some(("127.0.0.1".into(), 7002)),
            force: false,
            deadline: None,
            getack_from: before,
            prior_pause: None,
        });
        assert_eq!(r.failover_candidate(), None);
        r.ack(1, before);
        assert_eq!(r.failover_candidate(), None, "not the target");
        r.ack(2, before - 1);
        assert_eq!(r.failover_candidate(), None, "behind");
        r.ack(2, before);
        assert_eq!(r.failover_candidate(), Some(("127.0.0.1".into(), 7002)));
        if let Some(j) = r.failover_job.as_mut() {
            j.target = None;
        }
        assert_eq!(r.failover_candidate(), Some(("127.0.0.1".into(), 7001)));
    }

    #[test]
    fn stream_starts_with_select_and_offsets_count_bytes() {
        let mut r = ReplicationState::new(1024, 1 << 20);
        r.feed_commands(&[vec![b("SET"), b("k"), b("v")]]);
        assert_eq!(
            r.offset().0,
            0,
            "no backlog, no replica: nothing is counted"
        );
        assert!(matches!(r.psync("?", -1), PsyncDecision::Full(_)));
        r.add_replica(
            7,
            "127.0.0.1".into(),
            6380,
            ReplicaPhase::WaitBgsave,
            r.offset(),
        );
        r.feed_commands(&[vec![b("SET"), b("k"), b("v")]]);
        let want = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
        assert_eq!(r.offset().0, want.len() as u64);
        let mut out = Vec::new();
        r.backlog
            .as_ref()
            .unwrap()
            .copy_from(ReplOffset(0), 1000, &mut out);
        assert_eq!(out, want);
        assert_eq!(r.sync_full, 1);
        assert_eq!(r.sync_partial_err, 0);
    }

    #[test]
    fn promotion_keeps_the_old_history_reachable() {
        let mut r = ReplicationState::new(1024, 1 << 20);
        let _ = r.psync("?", -1);
        r.feed_commands(&[vec![b("INCR"), b("x")]]);
        let old = r.replid.clone();
        let end = r.offset().0;
        r.shift_replid();
        assert_eq!(r.replid2, old);
        assert_eq!(r.second_offset, Some(end + 1));
        // A former sibling that had everything continues partially.
        assert_eq!(
            r.psync(old.as_str(), (end + 1) as i64),
            PsyncDecision::Continue(ReplOffset(end))
        );
        assert_eq!(r.sync_partial_ok, 1);
    }

    #[test]
    fn info_and_role_use_redis_field_names() {
        let mut r = ReplicationState::new(1024, 1 << 20);
        let _ = r.psync("?", -1);
        r.add_replica(1, "10.0.0.2".into(), 6380, ReplicaPhase::Online, r.offset());
        r.ack(1, 42);
        let info = r.info(100, true, true);
        assert!(info.starts_with("# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"));
        assert!(info.contains("slave0:ip=10.0.0.2,port=6380,state=online,offset=42,lag=0\r\n"));
        assert!(info.contains("master_failover_state:no-failover\r\n"));
        assert!(info.contains("repl_backlog_active:1\r\n"));
        assert!(matches!(r.role(), Frame::Array(ref v) if v.len() == 3));
        r.master = Some(MasterLink {
            host: "10.0.0.1".into(),
            port: 6379,
            state: LinkState::Connected,
            last_io: Some(Instant::now()),
            down_since: None,
            sync_started: None,
        });
        let info = r.info(100, true, true);
        assert!(info.contains(
            "role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:up\r\n"
        ));
        assert!(info.contains("slave_priority:100\r\n"));
    }

    #[test]
    fn a_slow_replica_holds_history_up_to_the_hard_limit() {
        let mut r = ReplicationState::new(8, 32);
        let _ = r.psync("?", -1);
        r.add_replica(1, "a".into(), 1, ReplicaPhase::Online, r.offset());
        for _ in 0..10 {
            r.feed_raw(b"0123456789");
        }
        let b = r.backlog.as_ref().unwrap();
        assert_eq!(
            b.histlen(),
            32,
            "kept for the replica, capped at the hard limit"
        );
        assert!(
            !b.covers(ReplOffset(0)),
            "the replica's position is gone: its feeder drops it"
        );
    }
}
