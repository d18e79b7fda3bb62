//! `rkv failover` when Sentinels watch the master: switch over WITH them, never behind their
//! back (they would go on naming the old master) and never by a bare SENTINEL FAILOVER (the
//! old master keeps accepting writes until Sentinel re-points it, and those writes are lost).
//!
//! Planned switchover (the master answers):
//! 1. the other replicas get `replica-priority 0`, so the operator's candidate is the only one
//!    Sentinel may promote; we wait until every Sentinel's SENTINEL REPLICAS shows it (they
//!    read INFO every 10 s);
//! 2. writes are paused on the old master (CLIENT PAUSE … WRITE, with a deadline); we wait
//!    until the candidate has the master's final offset;
//! 3. SENTINEL FAILOVER through one Sentinel; the moment the candidate reports master, the old
//!    master is re-pointed to it and unpaused (the writes that waited then fail with READONLY
//!    instead of being lost), and the siblings are re-pointed;
//! 4. we wait until every Sentinel names the new master (GET-MASTER-ADDR-BY-NAME).
//!
//! Whatever happens, the pause is lifted and the priorities are put back.
//!
//! Unplanned (the master does not answer): when the Sentinels already failed over, say so and
//! show the result; otherwise ask them (SENTINEL FAILOVER) rather than act behind their back.

use super::fence;
use super::journal::{Entry, Journal};
use crate::node::{Credentials, NodeAddr, NodeClient, NodeError, Role, Transport};
use crate::topology::Snapshot;
use crate::topology::sentinel::{SentinelView, fields, replicas_from};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long we wait for every Sentinel to see the new priorities (INFO every 10 s).
pub const PRIORITY_WAIT: Duration = Duration::from_secs(25);
/// How long we wait for every Sentinel to name the new master.
pub const AGREE_WAIT: Duration = Duration::from_secs(30);
/// Pause time that must be left when SENTINEL FAILOVER is sent: Sentinel promotes within a
/// few hundred ms (its 100 ms timer, then SLAVEOF NO ONE); a pause that ended before the old
/// master is re-pointed would let writes through that the promotion then discards.
pub const PROMOTION_MARGIN: Duration = Duration::from_secs(1);
/// Poll interval while the writes are paused.
const FAST_POLL: Duration = Duration::from_millis(10);
/// Poll interval otherwise.
const POLL: Duration = Duration::from_millis(250);

/// Why a step of a Sentinel-coordinated run failed. Its `Display` is the sentence the
/// operator reads ([`CoordinatedRun::error`], the journal, the step notes), secrets scrubbed
/// wherever a node's reply could carry them.
#[derive(Debug, thiserror::Error)]
pub enum CoordError {
    /// A node or Sentinel could not be reached, or its `INFO` could not be read.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A command failed or the node answered with an error (the text scrubbed of secrets:
    /// an error may echo the arguments, e.g. a password).
    #[error("{0}")]
    Command(String),
    /// A failure on one node, named first. The inner error is part of the text, not a
    /// [`std::error::Error::source`], so a chain printed with its causes does not repeat it.
    #[error("{addr}: {err}")]
    At {
        /// The node.
        addr: NodeAddr,
        /// What failed there.
        err: Box<CoordError>,
    },
    /// A command failed, then failed again on a new connection (Sentinel's reconfigurations
    /// kill normal clients, so one broken connection is not yet a failure).
    #[error("{first}; again: {again}")]
    Again {
        /// The first failure.
        first: Box<CoordError>,
        /// The failure on the new connection.
        again: Box<CoordError>,
    },
    /// A read failed and the connection could not be opened again.
    #[error("{read}; {reopen}")]
    Reopen {
        /// The failed read.
        read: Box<CoordError>,
        /// Why the new connection could not be opened.
        reopen: Box<CoordError>,
    },
    /// No Sentinel accepted SENTINEL FAILOVER.
    #[error("no Sentinel started the failover: {last}")]
    NoFailover {
        /// The last Sentinel's error, as the step notes show it (empty without Sentinels).
        last: String,
    },
    /// A check that did not hold (a priority, an offset missing, too little pause left, the
    /// Sentinels having promoted another node), in words.
    #[error("{0}")]
    Check(String),
    /// A wait's deadline passed before what it waited for happened, in words.
    #[error("{0}")]
    Timeout(String),
    /// The demotion of a pre-6.2 old master failed ([`super::demote::DemoteError::Failed`]);
    /// the text says what the old master may now be.
    #[error("{0}")]
    Demote(String),
    /// The candidate was short on the demotion's last try: the old master is master again.
    #[error("{short}: not switched, nothing lost{}", pre_4_0_note(*.pre_4_0))]
    DemoteShort {
        /// "CANDIDATE is at offset H but OLD wrote up to L".
        short: String,
        /// True when it stopped because the server is older than 4.0.
        pre_4_0: bool,
    },
    /// Short, made master again, and its replicas did not come back to it in time.
    #[error(
        "{short}: {master} was made master again; {} not back on it within --max-write-pause: not switched, nothing lost",
        .missing.join(", ")
    )]
    DemoteNotBack {
        /// As in [`CoordError::DemoteShort`].
        short: String,
        /// The old master.
        master: NodeAddr,
        /// The replicas not back (`ip:port`).
        missing: Vec<String>,
    },
    /// SIGINT, SIGTERM or SIGHUP stopped the run before Sentinel was asked; the text says in
    /// what state it left the old master.
    #[error("{0}")]
    Stopped(String),
}

/// Why a pre-4.0 demotion that found the candidate short is not tried again.
fn pre_4_0_note(pre_4_0: bool) -> &'static str {
    if pre_4_0 {
        " (before Redis 4.0 a demotion is not tried again)"
    } else {
        ""
    }
}

impl CoordError {
    /// `err`, on `addr`.
    fn at(addr: &NodeAddr, err: CoordError) -> CoordError {
        CoordError::At {
            addr: addr.clone(),
            err: Box::new(err),
        }
    }
}

/// Everything a coordinated run needs.
#[derive(Debug, Clone)]
pub struct Request {
    /// The Sentinels' master name.
    pub name: String,
    /// The master (None: it is not reachable, an unplanned failover).
    pub old_master: Option<NodeAddr>,
    /// The replica to promote.
    pub candidate: NodeAddr,
    /// The other replicas of the master.
    pub siblings: Vec<NodeAddr>,
    /// Every Sentinel watching it.
    pub sentinels: Vec<NodeAddr>,
    /// Longest write pause on the old master.
    pub max_write_pause: Duration,
    /// Node credentials.
    pub creds: Credentials,
    /// Sentinel credentials (`--sentinel-user/--sentinel-password`, TLS as the nodes').
    pub sentinel_creds: Credentials,
    /// Per-command timeout.
    pub timeout: Duration,
    /// How to reach nodes.
    pub transport: Transport,
    /// The old master has no CLIENT PAUSE … WRITE (before 6.2): fence it, make it a replica
    /// of the candidate, and only then ask Sentinel to promote (see [`switch_demoting`]).
    pub demote_first: bool,
    /// The command that runs this again, with the options that reach the same nodes (no
    /// secret): what a stopped run names as `next:`.
    pub rerun: String,
}

/// One step done, as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    /// What.
    pub step: String,
    /// Whether it worked.
    pub ok: bool,
    /// Detail.
    pub detail: String,
    /// Milliseconds since the start.
    pub at_ms: u64,
}

/// The result of a coordinated run.
#[derive(Debug, Clone, Serialize)]
pub struct CoordinatedRun {
    /// The master name.
    pub name: String,
    /// The old master.
    pub old_master: Option<String>,
    /// The new master (as every Sentinel names it at the end, if they agree).
    pub new_master: Option<String>,
    /// Steps in order.
    pub steps: Vec<Done>,
    /// How long writes were paused on the old master, measured from PAUSE to UNPAUSE.
    pub write_pause_ms: Option<u64>,
    /// True when it all worked and every Sentinel names the candidate.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
}

/// The master name the Sentinels watch `master` under, and the Sentinels doing so. One that
/// uses the name for another node (misconfigured: `topology` flags it) is left out: it could
/// never agree, and waiting for it would only make the run time out.
pub fn watchers(views: &[SentinelView], master: &NodeAddr) -> Option<(String, Vec<NodeAddr>)> {
    let name = views
        .iter()
        .filter(|v| v.master.as_ref() == Some(master))
        .find_map(|v| v.master_name.clone())?;
    let addrs = views
        .iter()
        .filter(|v| v.reachable())
        .filter(|v| v.master_name.as_deref() == Some(name.as_str()))
        .filter(|v| v.master.as_ref() == Some(master))
        .filter_map(|v| v.addr.clone())
        .collect();
    Some((name, addrs))
}

/// True when a Sentinel's replica list shows priority 0 for every sibling and a non-zero
/// priority for the candidate: only then will its SENTINEL FAILOVER pick the candidate.
pub fn priorities_seen(
    replicas: &[crate::topology::sentinel::SentinelReplica],
    candidate: &NodeAddr,
    siblings: &[NodeAddr],
) -> bool {
    let prio = |a: &NodeAddr| {
        replicas
            .iter()
            .find(|r| &r.addr == a)
            .and_then(|r| r.priority)
    };
    prio(candidate).is_some_and(|p| p > 0) && siblings.iter().all(|s| prio(s) == Some(0))
}

/// `master_repl_offset` (or the replica's processed offset) from INFO replication text.
pub fn offset_of(info: &str) -> Option<i64> {
    let get = |k: &str| {
        info.lines()
            .find_map(|l| l.trim().strip_prefix(k)?.strip_prefix(':'))
            .and_then(|v| v.trim().parse::<i64>().ok())
    };
    get("master_repl_offset").or_else(|| get("slave_repl_offset"))
}

struct Run<'a> {
    req: &'a Request,
    started: Instant,
    steps: Vec<Done>,
    /// Every step, and what a re-run needs to put back (priorities, the fence's originals).
    journal: &'a mut Journal,
}

/// The journal event that records a sibling's priority: `lowered NAME VALUE` before rkv sets
/// it to 0, `restored NAME VALUE` once it is put back. A re-run finds a priority still
/// lowered by a killed run (see [`PriorityMark`]) and puts the node's own value back.
pub const PRIORITY_EVENT: &str = "sibling_priority";

/// A sibling's priority as the journal records it ([`PRIORITY_EVENT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityMark {
    /// True: set to 0 and not yet put back.
    pub lowered: bool,
    /// `replica-priority` or `slave-priority` (before 5.0).
    pub name: String,
    /// The node's own value.
    pub value: String,
}

impl PriorityMark {
    /// Parse `lowered NAME VALUE` or `restored NAME VALUE`.
    pub fn parse(text: &str) -> Option<PriorityMark> {
        let mut w = text.split_whitespace();
        let lowered = match w.next()? {
            "lowered" => true,
            "restored" => false,
            _ => return None,
        };
        let name = w.next()?;
        let value = w.next()?;
        let known = name == "replica-priority" || name == "slave-priority";
        (known && value.parse::<u32>().is_ok() && w.next().is_none()).then(|| PriorityMark {
            lowered,
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

impl std::fmt::Display for PriorityMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.lowered { "lowered" } else { "restored" };
        write!(f, "{what} {} {}", self.name, self.value)
    }
}

impl Run<'_> {
    /// Journal `event` about `node` with `reply` (a failure to write is logged: the run
    /// goes on, as the plain path's does).
    fn journal(&mut self, event: &'static str, node: &NodeAddr, reply: String, message: String) {
        let mut e = Entry::new(event);
        e.node = Some(node.to_string());
        e.reply = Some(reply);
        e.message = Some(message);
        if let Err(err) = self.journal.write(e) {
            tracing::warn!("{err}");
        }
    }

    fn note(&mut self, step: impl Into<String>, ok: bool, detail: impl Into<String>) {
        let step = step.into();
        let detail = detail.into();
        if ok {
            tracing::info!("{step}: {detail}");
        } else {
            tracing::warn!("{step}: {detail}");
        }
        let mut e = Entry::new(if ok { "step_done" } else { "step_failed" });
        e.message = Some(format!("{step}: {detail}"));
        if let Err(err) = self.journal.write(e) {
            tracing::warn!("{err}");
        }
        self.steps.push(Done {
            step,
            ok,
            detail,
            at_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }

    async fn node(&self, addr: &NodeAddr) -> Result<NodeClient, CoordError> {
        Ok(NodeClient::open(&self.req.transport, addr, &self.req.creds, self.req.timeout).await?)
    }

    async fn sentinel(&self, addr: &NodeAddr) -> Result<NodeClient, CoordError> {
        Ok(NodeClient::open(
            &self.req.transport,
            addr,
            &self.req.sentinel_creds,
            self.req.timeout,
        )
        .await?)
    }

    async fn send(&self, c: &mut NodeClient, args: &[&str]) -> Result<redis::Value, CoordError> {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        c.query::<redis::Value>(&cmd, args[0])
            .await
            .map_err(|e| CoordError::Command(self.req.creds.scrub(&e.to_string())))
    }

    /// `args` on an open connection, once more on a new one if that connection broke
    /// (Sentinel's reconfigurations kill normal clients).
    async fn send_again(
        &self,
        c: &mut NodeClient,
        addr: &NodeAddr,
        args: &[&str],
    ) -> Result<redis::Value, CoordError> {
        match self.send(c, args).await {
            Ok(v) => Ok(v),
            Err(first) => match self.node(addr).await {
                Ok(mut fresh) => {
                    let r = self.send(&mut fresh, args).await;
                    *c = fresh;
                    r.map_err(|e| CoordError::Again {
                        first: Box::new(first),
                        again: Box::new(e),
                    })
                }
                Err(_) => Err(first),
            },
        }
    }

    async fn on(&self, addr: &NodeAddr, args: &[&str]) -> Result<redis::Value, CoordError> {
        let mut c = self.node(addr).await?;
        self.send(&mut c, args).await
    }

    /// The candidate's processed offset on `c` (-1 when unread; a broken connection is opened
    /// again). A replica's own offset: before 4.0 its master_repl_offset is not the stream's.
    async fn candidate_offset(&self, c: &mut NodeClient) -> Result<i64, CoordError> {
        match self.info_text(c).await {
            Ok(i) => Ok(crate::node::ReplicationInfo::parse(&i)
                .slave_repl_offset
                .unwrap_or(-1)),
            Err(e) => {
                *c = self
                    .node(&self.req.candidate)
                    .await
                    .map_err(|e2| CoordError::Reopen {
                        read: Box::new(e),
                        reopen: Box::new(e2),
                    })?;
                Ok(-1)
            }
        }
    }

    async fn info_text(&self, c: &mut NodeClient) -> Result<String, CoordError> {
        Ok(c.info("replication").await?)
    }

    /// `addr`'s priority setting: its name (`slave-priority` before Redis 5.0, whose CONFIG GET
    /// of `replica-priority` is empty) and value.
    async fn priority(
        &self,
        addr: &NodeAddr,
    ) -> Result<(&'static str, Option<String>), CoordError> {
        for name in ["replica-priority", "slave-priority"] {
            let v = self
                .on(addr, &["CONFIG", "GET", name])
                .await
                .map_err(|e| CoordError::at(addr, e))?;
            if let Some(val) = fields(&v).get(name) {
                return Ok((name, Some(val.clone())));
            }
        }
        Ok(("replica-priority", None))
    }

    /// Set every sibling's priority to 0, recording the old values in `saved` as it goes.
    async fn lower_priorities(
        &mut self,
        saved: &mut BTreeMap<NodeAddr, (&'static str, String)>,
    ) -> Result<(), CoordError> {
        for s in self.req.siblings.clone() {
            let (name, old) = self.priority(&s).await?;
            let mut old = old.unwrap_or_else(|| "100".into());
            let mut whence = String::new();
            // 0 left by a killed run is not its own value: the journal has that.
            if old == "0"
                && let Some(mark) = self.lowered_by_earlier_run(&s)
            {
                whence = format!(
                    " (0 left by an earlier run; its own {} from the journal)",
                    mark.value
                );
                old = mark.value;
            }
            let mark = PriorityMark {
                lowered: true,
                name: name.to_string(),
                value: old.clone(),
            };
            // Journaled before it is lowered: a run killed from here on leaves the way back.
            self.journal(
                PRIORITY_EVENT,
                &s,
                mark.to_string(),
                format!("{s}'s own {name}, to put back"),
            );
            self.on(&s, &["CONFIG", "SET", name, "0"])
                .await
                .map_err(|e| CoordError::at(&s, e))?;
            self.note(
                format!("CONFIG SET {name} 0 on {s}"),
                true,
                format!("was {old}{whence}"),
            );
            saved.insert(s, (name, old));
        }
        Ok(())
    }

    /// What an earlier run journaled beside this one as `node`'s priority, still lowered.
    fn lowered_by_earlier_run(&self, node: &NodeAddr) -> Option<PriorityMark> {
        let dir = self.journal.path().parent()?;
        if dir.as_os_str().is_empty() {
            return None;
        }
        super::journal::find_latest(dir, PRIORITY_EVENT, &node.to_string())
            .and_then(|t| PriorityMark::parse(&t))
            .filter(|m| m.lowered && m.value != "0")
    }

    async fn restore_priorities(&mut self, saved: &BTreeMap<NodeAddr, (&'static str, String)>) {
        for (s, (name, old)) in saved {
            let r = self.on(s, &["CONFIG", "SET", name, old]).await;
            let ok = r.is_ok();
            if ok {
                let mark = PriorityMark {
                    lowered: false,
                    name: name.to_string(),
                    value: old.clone(),
                };
                self.journal(
                    PRIORITY_EVENT,
                    s,
                    mark.to_string(),
                    format!("{s}'s {name} put back"),
                );
            }
            self.note(
                format!("CONFIG SET {name} {old} on {s}"),
                ok,
                r.map_or_else(|e| e.to_string(), |_| "restored".to_string()),
            );
        }
    }

    async fn wait_priorities_seen(&mut self) -> Result<(), CoordError> {
        let deadline = Instant::now() + PRIORITY_WAIT;
        loop {
            let mut all = true;
            for s in &self.req.sentinels {
                let seen = match self.sentinel(s).await {
                    // SENTINEL REPLICAS came in 5.0; SLAVES is the name before.
                    Ok(mut c) => match match self
                        .send(&mut c, &["SENTINEL", "REPLICAS", &self.req.name])
                        .await
                    {
                        Err(_) => {
                            self.send(&mut c, &["SENTINEL", "SLAVES", &self.req.name])
                                .await
                        }
                        ok => ok,
                    } {
                        Ok(v) => priorities_seen(
                            &replicas_from(&v),
                            &self.req.candidate,
                            &self.req.siblings,
                        ),
                        Err(_) => false,
                    },
                    Err(_) => false,
                };
                all &= seen;
            }
            if all {
                self.note(
                    "wait for every Sentinel to see the priorities",
                    true,
                    format!("after {} ms", self.started.elapsed().as_millis()),
                );
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(CoordError::Timeout(format!(
                    "the Sentinels did not all see the new priorities within {PRIORITY_WAIT:?}"
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn sentinel_failover(&mut self) -> Result<(), CoordError> {
        let mut last = String::new();
        for s in self.req.sentinels.clone() {
            let r = match self.sentinel(&s).await {
                Ok(mut c) => {
                    self.send(&mut c, &["SENTINEL", "FAILOVER", &self.req.name])
                        .await
                }
                Err(e) => Err(e),
            };
            match r {
                Ok(_) => {
                    self.note(
                        format!("SENTINEL FAILOVER {} via {s}", self.req.name),
                        true,
                        "OK",
                    );
                    return Ok(());
                }
                Err(e) => {
                    last = e.to_string();
                    self.note(
                        format!("SENTINEL FAILOVER {} via {s}", self.req.name),
                        false,
                        &last,
                    );
                    // A Sentinel that refuses for lack of a good replica or a failover in
                    // progress would be refused by the others too.
                    if last.contains("NOGOODSLAVE") || last.contains("INPROG") {
                        break;
                    }
                }
            }
        }
        Err(CoordError::NoFailover { last })
    }

    async fn wait_promoted(&mut self, until: Instant) -> Result<(), CoordError> {
        let mut c = self.node(&self.req.candidate).await.ok();
        loop {
            // Sentinel's promotion ends with CLIENT KILL TYPE normal on the candidate: our
            // connection dies with it, so a failed read opens a new one.
            let info = match c.as_mut() {
                Some(conn) => self.info_text(conn).await.ok(),
                None => None,
            };
            if info.is_none() {
                c = self.node(&self.req.candidate).await.ok();
            }
            if let Some(info) = info
                && info.lines().any(|l| l.trim() == "role:master")
            {
                self.note(
                    format!("{} reports master", self.req.candidate),
                    true,
                    "promoted by Sentinel",
                );
                return Ok(());
            }
            if Instant::now() >= until {
                return Err(CoordError::Timeout(format!(
                    "{} was not promoted in time",
                    self.req.candidate
                )));
            }
            tokio::time::sleep(FAST_POLL).await;
        }
    }

    async fn wait_agreement(&mut self) -> Result<(), CoordError> {
        let deadline = Instant::now() + AGREE_WAIT;
        let want = (
            self.req.candidate.host().to_string(),
            self.req.candidate.port().to_string(),
        );
        loop {
            let mut all = true;
            let mut named = Vec::new();
            for s in &self.req.sentinels {
                let got = match self.sentinel(s).await {
                    Ok(mut c) => self
                        .send(
                            &mut c,
                            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &self.req.name],
                        )
                        .await
                        .ok()
                        .and_then(|v| redis::from_redis_value::<Vec<String>>(v).ok()),
                    Err(_) => None,
                };
                let ok = got
                    .as_ref()
                    .is_some_and(|g| g.len() == 2 && g[0] == want.0 && g[1] == want.1);
                named.push(format!(
                    "{s} names {}",
                    got.map_or_else(|| "?".to_string(), |g| g.join(":"))
                ));
                all &= ok;
            }
            if all {
                self.note(
                    "wait for every Sentinel to name the new master",
                    true,
                    named.join(", "),
                );
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(CoordError::Timeout(format!(
                    "not every Sentinel names {} after {AGREE_WAIT:?}: {}",
                    self.req.candidate,
                    named.join(", ")
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Run the coordinated switchover (or unplanned failover) described by `req`, journaling
/// every step in `journal`.
pub async fn run(req: &Request, journal: &mut Journal) -> CoordinatedRun {
    let mut run = Run {
        req,
        started: Instant::now(),
        steps: Vec::new(),
        journal,
    };
    let mut pause_ms = None;
    let result = match &req.old_master {
        Some(m) => planned(&mut run, m, &mut pause_ms).await,
        None => unplanned(&mut run).await,
    };
    let (ok, error) = match result {
        Ok(()) => (true, None),
        Err(e) => (false, Some(e.to_string())),
    };
    CoordinatedRun {
        name: req.name.clone(),
        old_master: req.old_master.as_ref().map(ToString::to_string),
        new_master: ok.then(|| req.candidate.to_string()),
        steps: run.steps,
        write_pause_ms: pause_ms,
        ok,
        error,
    }
}

async fn planned(
    run: &mut Run<'_>,
    master: &NodeAddr,
    pause_ms: &mut Option<u64>,
) -> Result<(), CoordError> {
    let req = run.req;
    if run.priority(&req.candidate).await?.1.as_deref() == Some("0") {
        return Err(CoordError::Check(format!(
            "{} has replica-priority 0: Sentinel will never promote it",
            req.candidate
        )));
    }
    let mut saved = BTreeMap::new();
    let r = match run.lower_priorities(&mut saved).await {
        Ok(()) if req.demote_first => switch_demoting(run, master, pause_ms).await,
        Ok(()) => switch(run, master, pause_ms).await,
        Err(e) => Err(e),
    };
    // Put back whatever was lowered, whatever happened.
    run.restore_priorities(&saved).await;
    r?;
    run.wait_agreement().await
}

/// Steps 1–3 of the planned switchover, with the pause always lifted.
async fn switch(
    run: &mut Run<'_>,
    master: &NodeAddr,
    pause_ms: &mut Option<u64>,
) -> Result<(), CoordError> {
    let req = run.req;
    run.wait_priorities_seen().await?;
    let mut m = run.node(master).await?;
    let pause = req.max_write_pause.as_millis().to_string();
    run.send(&mut m, &["CLIENT", "PAUSE", &pause, "WRITE"])
        .await?;
    let paused_at = Instant::now();
    let until = paused_at + req.max_write_pause;
    run.note(
        format!("CLIENT PAUSE {pause} WRITE on {master}"),
        true,
        "writes held",
    );
    let mut fenced: Option<fence::Originals> = None;
    let mut asked_sentinel = false;
    let r = paused_part(run, &mut m, master, until, &mut fenced, &mut asked_sentinel).await;
    // The fence comes down once the old master follows the candidate, or when Sentinel was
    // never asked to fail over (nothing changed). When Sentinel was asked and the run failed
    // afterwards, Sentinel may still promote the candidate: the old master stays fenced, and
    // `rkv topology` names it (fence_left) with the command that clears it.
    if let Some(orig) = &fenced {
        settle_fence(run, &mut m, master, orig, r.is_ok() || !asked_sentinel).await;
    }
    // Lift the pause whatever happened (on success it was lifted right after REPLICAOF).
    let u = run.send_again(&mut m, master, &["CLIENT", "UNPAUSE"]).await;
    *pause_ms = Some(u64::try_from(paused_at.elapsed().as_millis()).unwrap_or(u64::MAX));
    run.note(
        format!("CLIENT UNPAUSE on {master}"),
        u.is_ok(),
        u.map_or_else(|e| e.to_string(), |_| "writes released".to_string()),
    );
    r?;
    repoint_siblings(run).await;
    Ok(())
}

/// Point every sibling at the candidate (Sentinel would too, one at a time).
async fn repoint_siblings(run: &mut Run<'_>) {
    let req = run.req;
    let port = req.candidate.port().to_string();
    for s in req.siblings.clone() {
        let mut sent = "REPLICAOF";
        let mut r = run.on(&s, &[sent, req.candidate.host(), &port]).await;
        // REPLICAOF came in 5.0; SLAVEOF is known by every version.
        if r.as_ref()
            .is_err_and(|e| e.to_string().contains("unknown command"))
        {
            sent = "SLAVEOF";
            r = run.on(&s, &[sent, req.candidate.host(), &port]).await;
        }
        let ok = r.is_ok();
        run.note(
            format!("{sent} {} on {s}", req.candidate),
            ok,
            r.map_or_else(|e| e.to_string(), |_| "OK".to_string()),
        );
    }
}

/// The planned switchover where the old master has no CLIENT PAUSE … WRITE (before 6.2):
/// fence it (plain writes refused), wait for the candidate, make it a replica of the candidate
/// (its clients disconnected first; see `Step::Demote`), check the candidate has every byte it
/// wrote, and only then ask Sentinel to fail over. At no instant do two nodes take writes;
/// from the fence to the promotion none does (writes are refused, not held). Until Sentinel
/// is asked, a failure, or SIGINT, SIGTERM or SIGHUP, undoes the demotion and the fence:
/// nothing changed. Once Sentinel is asked, a signal no longer stops the run: what is left
/// (the promotion, the fence, the siblings, the Sentinels' agreement) makes the group
/// consistent, and each wait is bounded.
async fn switch_demoting(
    run: &mut Run<'_>,
    master: &NodeAddr,
    gap_ms: &mut Option<u64>,
) -> Result<(), CoordError> {
    let req = run.req;
    // Listened for from here: a signal during the fence is acted on once it is up.
    let mut signals = super::execute::Signals::new();
    let stopped = |sig: &str| format!("stopped by {sig} before Sentinel was asked to fail over");
    tokio::select! {
        r = run.wait_priorities_seen() => r?,
        sig = signals.recv() => {
            return Err(CoordError::Stopped(format!("{}: nothing was changed", stopped(sig))));
        }
    }
    let mut m = run.node(master).await?;
    let fenced_at = Instant::now();
    let until = fenced_at + req.max_write_pause;
    let orig = raise_fence(run, &mut m, master).await?;
    let mut demoted = false;
    let mut signalled = None;
    let r = tokio::select! {
        r = demoted_part(run, &mut m, master, until, &mut demoted) => r,
        sig = signals.recv() => {
            signalled = Some(sig);
            Err(CoordError::Stopped(stopped(sig)))
        }
    };
    // The point of no return: once asked, Sentinel may promote the candidate whatever we do.
    let asked_sentinel = r.is_ok();
    let r = match r {
        Ok(()) => promote_demoted(run, until).await,
        Err(e) => Err(e),
    };
    if asked_sentinel {
        *gap_ms = Some(u64::try_from(fenced_at.elapsed().as_millis()).unwrap_or(u64::MAX));
    }
    let mut master_again = !demoted;
    if r.is_err() && !asked_sentinel && demoted {
        let u = run
            .send_again(&mut m, master, &["SLAVEOF", "NO", "ONE"])
            .await;
        master_again = u.is_ok();
        run.note(
            format!("make {master} master again"),
            u.is_ok(),
            u.map(|_| "nothing was switched".to_string())
                .unwrap_or_else(|e| {
                    format!("{e}: it is a replica with every write; run `rkv failover` again")
                }),
        );
    }
    // A replica ignores the fence; put its own settings back either way.
    let lifted = settle_fence(run, &mut m, master, &orig, r.is_ok() || !asked_sentinel).await;
    if let Some(sig) = signalled {
        let state = match (master_again, lifted) {
            (true, true) => format!(
                "{master} {} and the fence on {master} was lifted; nothing was switched",
                if demoted {
                    "was made master again"
                } else {
                    "was still master"
                }
            ),
            (true, false) => format!(
                "{master} is master but its fence could not be lifted (it refuses writes): CONFIG SET {} {}",
                orig.names.to_write(),
                orig.to_write
            ),
            (false, _) => format!(
                "{master} could not be made master again: it is a replica of {} with every write it took, and nothing is writable",
                req.candidate
            ),
        };
        return Err(CoordError::Stopped(format!(
            "{}: {state}\nnext: {}",
            stopped(sig),
            req.rerun
        )));
    }
    r?;
    repoint_siblings(run).await;
    Ok(())
}

/// The fence after a run: lifted when `lift` (the switch is done, or Sentinel was never asked,
/// so nothing changed), else left, with a note saying so and the command that clears it
/// (Sentinel may still promote the candidate). True when it was lifted.
async fn settle_fence(
    run: &mut Run<'_>,
    m: &mut NodeClient,
    master: &NodeAddr,
    orig: &fence::Originals,
    lift: bool,
) -> bool {
    if lift {
        return lift_fence(run, m, master, orig).await;
    }
    run.note(
        format!("fence left on {master}"),
        false,
        format!(
            "Sentinel was asked to fail over, so {master} keeps refusing writes (NOREPLICAS); once the group is settled: CONFIG SET {} {}",
            orig.names.to_write(),
            orig.to_write
        ),
    );
    false
}

/// Past the point of no return: ask Sentinel, wait for the candidate to be promoted.
async fn promote_demoted(run: &mut Run<'_>, until: Instant) -> Result<(), CoordError> {
    run.sentinel_failover().await?;
    super::failpoint::Failpoints::from_env()
        .hit("after-sentinel-failover")
        .await;
    run.wait_promoted(until + Duration::from_secs(10)).await
}

/// The Sentinel path's I/O for a demotion ([`super::demote`]): its own connections to the old
/// master and the candidate, its steps for the report, the flag its undo reads.
struct SentinelDemote<'a, 'b> {
    run: &'a mut Run<'b>,
    /// The old master's connection.
    m: &'a mut NodeClient,
    /// The candidate's.
    c: NodeClient,
    /// The old master.
    master: &'a NodeAddr,
    /// True while the old master may be a replica (the undo makes it master again).
    demoted: &'a mut bool,
}

// The trait, shared with the plain path, takes its errors as the operator's sentences
// (`String`): at this boundary a `CoordError` becomes its text, which `demoted_part` gets back
// in `DemoteError::Failed` and carries on as `CoordError::Demote`, unchanged.
impl super::demote::DemoteIo for SentinelDemote<'_, '_> {
    async fn caught_up(&mut self, until: Instant) -> Result<i64, String> {
        // The master is not paused (scripts before 6.0 pass the fence), so both are read
        // again every round.
        let candidate = self.run.req.candidate.clone();
        let master = self.master;
        loop {
            let info = self
                .run
                .info_text(self.m)
                .await
                .map_err(|e| e.to_string())?;
            let fin = offset_of(&info).ok_or("the master's INFO has no master_repl_offset")?;
            let at = self
                .run
                .candidate_offset(&mut self.c)
                .await
                .map_err(|e| e.to_string())?;
            if at >= fin {
                self.run.note(
                    format!("{candidate} caught up"),
                    true,
                    format!("offset {at} >= {master}'s {fin}"),
                );
                return Ok(at);
            }
            if Instant::now() >= until {
                return Err(format!(
                    "{candidate} did not reach {master}'s offset {fin} within --max-write-pause (at {at}): nothing was switched"
                ));
            }
            tokio::time::sleep(FAST_POLL).await;
        }
    }

    async fn send(&mut self, args: &[&str]) -> Result<redis::Value, String> {
        self.run.send(self.m, args).await.map_err(|e| e.to_string())
    }

    async fn send_atomic(&mut self, cmds: &[&[&str]]) -> Result<Vec<redis::Value>, String> {
        let mut pipe = redis::pipe();
        pipe.atomic().ignore_errors();
        for args in cmds {
            let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
            cmd.arg(&args[1..]);
            pipe.add_command(cmd);
        }
        *self.demoted = true;
        self.m
            .query_pipe(&pipe, "EXEC")
            .await
            .map_err(|e| self.run.req.creds.scrub(&e.to_string()))
    }

    async fn info(&mut self) -> Result<crate::node::ReplicationInfo, String> {
        let text = self
            .run
            .info_text(self.m)
            .await
            .map_err(|e| e.to_string())?;
        Ok(crate::node::ReplicationInfo::parse(&text))
    }

    async fn candidate_offset(&mut self) -> Option<i64> {
        let text = self.run.info_text(&mut self.c).await.ok()?;
        crate::node::ReplicationInfo::parse(&text).slave_repl_offset
    }

    async fn master_again(&mut self, attempt: u32, short: &str) -> Result<(), String> {
        let master = self.master;
        let back = self
            .run
            .send_again(self.m, master, &["SLAVEOF", "NO", "ONE"])
            .await
            .map_err(|e| e.to_string());
        let attempts = super::demote::DEMOTE_ATTEMPTS;
        self.run.note(
            format!("make {master} master again (try {attempt} of {attempts})"),
            back.is_ok(),
            back.as_ref()
                .map_or_else(Clone::clone, |_| short.to_string()),
        );
        back?;
        *self.demoted = false;
        Ok(())
    }

    fn retrying(&mut self, _short: &str) {}
}

/// Before 6.2: make the fenced old master a replica of the candidate without losing a write
/// ([`super::demote`], as the plain path's demote step), before Sentinel is asked to promote
/// the candidate.
async fn demoted_part(
    run: &mut Run<'_>,
    m: &mut NodeClient,
    master: &NodeAddr,
    until: Instant,
    demoted: &mut bool,
) -> Result<(), CoordError> {
    use super::demote::{DemoteError, DemoteRead};
    let req = run.req;
    let server = m.info("server").await?;
    let read = DemoteRead::for_version(
        crate::node::ReplicationInfo::parse(&server)
            .version()
            .as_deref()
            .and_then(crate::node::ServerVersion::parse_shown),
    );
    let c = run.node(&req.candidate).await?;
    // Its replicas now: made master again, it is demoted again only once they are all back.
    let attached = super::probe::online_replicas(&crate::node::ReplicationInfo::parse(
        &run.info_text(m).await?,
    ));
    let mut io = SentinelDemote {
        run,
        m,
        c,
        master,
        demoted,
    };
    let done = super::demote::demote(&mut io, read, &attached, until, master, &req.candidate).await;
    let d = match done {
        Ok(d) => d,
        Err(DemoteError::Failed(e)) => return Err(CoordError::Demote(e)),
        Err(DemoteError::Short { short, pre_4_0, .. }) => {
            return Err(CoordError::DemoteShort { short, pre_4_0 });
        }
        Err(DemoteError::NotBack { short, missing }) => {
            return Err(CoordError::DemoteNotBack {
                short,
                master: master.clone(),
                missing,
            });
        }
    };
    io.run.note(
        format!("make {master} a replica of {}", req.candidate),
        true,
        format!(
            "SLAVEOF, clients disconnected; {} has all it wrote (offset {} >= {})",
            req.candidate, d.have, d.last
        ),
    );
    super::failpoint::Failpoints::from_env()
        .hit("after-sentinel-demote")
        .await;
    Ok(())
}

/// Raise the write fence on the old master (see [`fence`]): from here on it answers writes
/// with NOREPLICAS by itself, even if rkv dies and the pause lapses while Sentinel promotes the
/// candidate. Its own settings are returned, to be put back.
async fn raise_fence(
    run: &mut Run<'_>,
    m: &mut NodeClient,
    master: &NodeAddr,
) -> Result<fence::Originals, CoordError> {
    let mut found = None;
    for names in [fence::Names::Replicas, fence::Names::Slaves] {
        let tw = run.send(m, &["CONFIG", "GET", names.to_write()]).await?;
        let ml = run.send(m, &["CONFIG", "GET", names.max_lag()]).await?;
        let tw: Vec<String> = redis::from_redis_value(tw).unwrap_or_default();
        let ml: Vec<String> = redis::from_redis_value(ml).unwrap_or_default();
        if let Ok(o) = fence::Originals::from_replies(names, &tw, &ml) {
            found = Some(o);
            break;
        }
    }
    let mut orig = found.ok_or_else(|| {
        CoordError::Check(format!(
            "{master}: CONFIG GET knows neither min-replicas-to-write nor min-slaves-to-write"
        ))
    })?;
    // A fence an earlier run left is not the node's own setting: that run journaled it.
    if orig.is_fence() {
        orig = run
            .journal
            .path()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .and_then(|d| super::journal::find_latest(d, "fence_saved", &master.to_string()))
            .and_then(|t| fence::Originals::parse(&t))
            .filter(|o| !o.is_fence())
            .unwrap_or_else(|| fence::Originals::defaults(orig.names));
    }
    // Saved before the fence goes up, under the plain path's event: a re-run of either path
    // puts these back.
    run.journal(
        "fence_saved",
        master,
        orig.to_string(),
        format!("settings to put back on {master}"),
    );
    for c in fence::raise_commands(&orig) {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        run.send(m, &args).await?;
    }
    run.note(
        format!("fence {master}"),
        true,
        format!(
            "{} {} (its own: {orig}): it refuses writes even if rkv dies",
            orig.names.to_write(),
            fence::FENCE_REPLICAS
        ),
    );
    Ok(orig)
}

/// Put the old master's own settings back.
async fn lift_fence(
    run: &mut Run<'_>,
    m: &mut NodeClient,
    master: &NodeAddr,
    orig: &fence::Originals,
) -> bool {
    let mut result = Ok(());
    for c in fence::lift_commands(orig) {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        if let Err(e) = run.send_again(m, master, &args).await {
            result = Err(e);
            break;
        }
    }
    let ok = result.is_ok();
    run.note(
        format!("lift the fence on {master}"),
        ok,
        result.map_or_else(|e: CoordError| e.to_string(), |()| format!("{orig} again")),
    );
    ok
}

async fn paused_part(
    run: &mut Run<'_>,
    m: &mut NodeClient,
    master: &NodeAddr,
    until: Instant,
    fenced: &mut Option<fence::Originals>,
    asked_sentinel: &mut bool,
) -> Result<(), CoordError> {
    let req = run.req;
    let info = run.info_text(m).await?;
    let fin = offset_of(&info)
        .ok_or_else(|| CoordError::Check("the master's INFO has no master_repl_offset".into()))?;
    let mut c = run.node(&req.candidate).await?;
    loop {
        let at = run.candidate_offset(&mut c).await?;
        if at >= fin {
            run.note(
                format!("{} caught up", req.candidate),
                true,
                format!("offset {at} >= final offset {fin}"),
            );
            break;
        }
        if Instant::now() >= until {
            return Err(CoordError::Timeout(format!(
                "{} did not reach the final offset {fin} during the pause (at {at})",
                req.candidate
            )));
        }
        tokio::time::sleep(FAST_POLL).await;
    }
    let left = until.saturating_duration_since(Instant::now());
    if left < PROMOTION_MARGIN {
        return Err(CoordError::Check(format!(
            "only {} ms of the write pause left, too little for Sentinel to promote (at least {} ms): nothing was switched; raise --max-write-pause",
            left.as_millis(),
            PROMOTION_MARGIN.as_millis()
        )));
    }
    *fenced = Some(raise_fence(run, m, master).await?);
    // The point of no return: once asked, Sentinel may promote the candidate whatever we do.
    *asked_sentinel = true;
    run.sentinel_failover().await?;
    super::failpoint::Failpoints::from_env()
        .hit("after-sentinel-failover")
        .await;
    run.wait_promoted(until + Duration::from_secs(10)).await?;
    let port = req.candidate.port().to_string();
    let r = run
        .send_again(m, master, &["REPLICAOF", req.candidate.host(), &port])
        .await;
    let ok = r.is_ok();
    run.note(
        format!("REPLICAOF {} on {master}", req.candidate),
        ok,
        r.map_or_else(|e| e.to_string(), |_| "OK".to_string()),
    );
    if Instant::now() > until {
        run.note(
            "write pause",
            false,
            "the pause ended before the old master was re-pointed: writes accepted meanwhile may be lost",
        );
    }
    Ok(())
}

async fn unplanned(run: &mut Run<'_>) -> Result<(), CoordError> {
    let req = run.req;
    // Already done by the Sentinels?
    let mut named: Vec<NodeAddr> = Vec::new();
    for s in &req.sentinels {
        if let Ok(mut c) = run.sentinel(s).await
            && let Ok(v) = run
                .send(&mut c, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &req.name])
                .await
            && let Ok(g) = redis::from_redis_value::<Vec<String>>(v)
            && g.len() == 2
            && let Ok(p) = g[1].parse()
        {
            named.push(NodeAddr::new(g[0].clone(), p));
        }
    }
    if let Some(first) = named.first()
        && named.iter().all(|n| n == first)
        && let Ok(mut c) = run.node(first).await
        && let Ok(info) = run.info_text(&mut c).await
        && info.lines().any(|l| l.trim() == "role:master")
    {
        run.note(
            "Sentinel already failed over",
            true,
            format!("every Sentinel names {first}, which is a master"),
        );
        return if *first == req.candidate {
            Ok(())
        } else {
            Err(CoordError::Check(format!(
                "the Sentinels already promoted {first}; re-run with --to {first} or move the role with a planned switchover"
            )))
        };
    }
    let mut saved = BTreeMap::new();
    let r = async {
        run.lower_priorities(&mut saved).await?;
        run.wait_priorities_seen().await?;
        run.sentinel_failover().await?;
        run.wait_promoted(Instant::now() + Duration::from_secs(30))
            .await
    }
    .await;
    run.restore_priorities(&saved).await;
    r?;
    run.wait_agreement().await
}

/// The Request's sibling list: every replica the snapshot shows under `master`, but the
/// candidate.
pub fn siblings(snap: &Snapshot, master: &NodeAddr, candidate: &NodeAddr) -> Vec<NodeAddr> {
    let mut out: Vec<NodeAddr> = snap
        .nodes
        .iter()
        .filter(|n| n.master.as_ref() == Some(master) && n.role == Role::Replica)
        .map(|n| n.addr.clone())
        .filter(|a| a != candidate)
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::sentinel::SentinelReplica;

    #[test]
    fn priority_marks_round_trip_and_refuse_anything_else() {
        for text in ["lowered replica-priority 100", "restored slave-priority 7"] {
            let m = PriorityMark::parse(text).unwrap();
            assert_eq!(m.to_string(), text);
        }
        assert!(
            PriorityMark::parse("lowered replica-priority 100")
                .unwrap()
                .lowered
        );
        assert!(
            !PriorityMark::parse("restored replica-priority 0")
                .unwrap()
                .lowered
        );
        for bad in [
            "",
            "lowered",
            "lowered replica-priority",
            "lowered maxmemory 100",
            "lowered replica-priority ten",
            "lowered replica-priority 100 extra",
            "raised replica-priority 100",
        ] {
            assert_eq!(PriorityMark::parse(bad), None, "{bad:?}");
        }
    }

    fn a(p: u16) -> NodeAddr {
        NodeAddr::new("127.0.0.1", p)
    }

    fn r(p: u16, prio: i64) -> SentinelReplica {
        SentinelReplica {
            addr: a(p),
            flags: "slave".into(),
            priority: Some(prio),
        }
    }

    #[test]
    fn priorities_must_single_out_the_candidate() {
        let sib = [a(2), a(3)];
        assert!(priorities_seen(&[r(1, 100), r(2, 0), r(3, 0)], &a(1), &sib));
        assert!(!priorities_seen(
            &[r(1, 100), r(2, 0), r(3, 100)],
            &a(1),
            &sib
        ));
        assert!(!priorities_seen(&[r(1, 0), r(2, 0), r(3, 0)], &a(1), &sib));
        // A sibling the Sentinel does not list yet is not known to be excluded.
        assert!(!priorities_seen(&[r(1, 100), r(2, 0)], &a(1), &sib));
    }

    #[test]
    fn watchers_are_found_by_the_master_they_name() {
        let v = |s: u16, m: u16| SentinelView {
            addr: Some(a(s)),
            master_name: Some("mm".into()),
            master: Some(a(m)),
            ..SentinelView::default()
        };
        let (name, addrs) = watchers(&[v(10, 1), v(11, 1), v(12, 2)], &a(1)).unwrap();
        assert_eq!(name, "mm");
        assert_eq!(
            addrs,
            vec![a(10), a(11)],
            "not the one naming another master"
        );
        assert!(watchers(&[v(10, 2)], &a(1)).is_none());
    }

    /// The structured variants print exactly the sentences the `format!`s before them did:
    /// the report, the journal and the integration tests read these.
    #[test]
    fn coord_errors_keep_the_old_sentences() {
        let cmd = |t: &str| Box::new(CoordError::Command(t.into()));
        let at = CoordError::at(&a(1), CoordError::Command("CONFIG failed: x".into()));
        assert_eq!(at.to_string(), "127.0.0.1:1: CONFIG failed: x");
        let again = CoordError::Again {
            first: cmd("one"),
            again: cmd("two"),
        };
        assert_eq!(again.to_string(), "one; again: two");
        let reopen = CoordError::Reopen {
            read: cmd("read"),
            reopen: cmd("open"),
        };
        assert_eq!(reopen.to_string(), "read; open");
        let none = CoordError::NoFailover {
            last: "ERR NOGOODSLAVE".into(),
        };
        assert_eq!(
            none.to_string(),
            "no Sentinel started the failover: ERR NOGOODSLAVE"
        );
        for (pre_4_0, why) in [
            (true, " (before Redis 4.0 a demotion is not tried again)"),
            (false, ""),
        ] {
            let short = CoordError::DemoteShort {
                short: "S".into(),
                pre_4_0,
            };
            assert_eq!(
                short.to_string(),
                format!("S: not switched, nothing lost{why}")
            );
        }
        let back = CoordError::DemoteNotBack {
            short: "S".into(),
            master: a(1),
            missing: vec!["10.0.0.1:6379".into(), "10.0.0.2:6379".into()],
        };
        assert_eq!(
            back.to_string(),
            "S: 127.0.0.1:1 was made master again; 10.0.0.1:6379, 10.0.0.2:6379 not back on it within --max-write-pause: not switched, nothing lost"
        );
    }

    #[test]
    fn offsets_read_from_info() {
        assert_eq!(
            offset_of("role:master\r\nmaster_repl_offset:42\r\n"),
            Some(42)
        );
        assert_eq!(offset_of("role:slave\r\nslave_repl_offset:7\r\n"), Some(7));
        assert_eq!(offset_of("role:master\r\n"), None);
    }
}
