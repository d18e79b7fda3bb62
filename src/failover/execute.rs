//! The executor: runs a [`Plan`] step by step against live nodes, each step under a deadline,
//! emitting [`Event`]s that the human and JSON renderers both consume, and writing every
//! command and reply to the [`Journal`].
//!
//! Safety rules it keeps (the reasons are in the issue this implements):
//! - The pause on the old master carries its own deadline, so a crash of rkv cannot leave it
//!   paused; until the promotion (the point of no return) any failure, a blown pause budget or
//!   Ctrl-C lifts the pause and aborts with nothing changed.
//! - The candidate is promoted only when its offset equals the paused master's, read again
//!   right before promoting: a master keeps sending its periodic PING during CLIENT PAUSE
//!   WRITE (14 bytes of stream each), and promoting one PING short would force the old master
//!   into a full resync.
//! - Credentials for a replication link (masterauth/masteruser) are set before REPLICAOF on
//!   every node re-pointed; they never appear in events, errors or the journal.

use super::demote::{DemoteError, DemoteIo, DemoteRead, Demoted};
use super::failpoint::Failpoints;
use super::fence::{self, Names, Originals};
use super::journal::{Entry, Journal};
use super::plan::{Kind, PauseMode, Plan, Step};
use crate::inventory::{Inventory, InventoryNode};
use crate::node::conffile::{MasterAuth, RoleEdit};
use crate::node::{
    Credentials, NodeAddr, NodeClient, NodeError, ReplicationInfo, Role, ServerVersion, Transport,
};
use crate::persist_role::{
    self, NodeCommand, PersistMethod, PersistOutcome, PersistRequest, fencing_instructions,
};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often offsets are polled while the master is paused (a pause costs write latency).
const FAST_POLL: Duration = Duration::from_millis(5);

/// How often slower conditions (links coming up) are polled.
const SLOW_POLL: Duration = Duration::from_millis(50);

/// Longest reply text kept in the journal per command.
const MAX_REPLY_TEXT: usize = 4096;

/// How the executor reaches nodes and how long it waits.
#[derive(Debug, Clone)]
pub struct Options {
    /// Credentials for AUTH, and for masterauth/masteruser on re-pointed nodes.
    pub creds: Credentials,
    /// Per-command timeout.
    pub timeout: Duration,
    /// How nodes are reached.
    pub transport: Transport,
    /// How long the Verify step waits for every link to come up.
    pub verify_timeout: Duration,
    /// The inventory (`config`, `restart`, `stop` per node), for Persist and Fence.
    pub inventory: Option<Inventory>,
}

/// What the executor reports while it runs.
#[derive(Debug, Clone)]
pub enum Event {
    /// A step began.
    Started {
        /// 1-based index.
        index: usize,
        /// How many steps in all.
        total: usize,
        /// `Step::describe`.
        what: String,
    },
    /// Something a spinner can show (offsets while waiting).
    Progress {
        /// 1-based index.
        index: usize,
        /// What is happening.
        message: String,
    },
    /// A step finished and its check holds.
    Done {
        /// 1-based index.
        index: usize,
        /// `Step::describe`.
        what: String,
        /// How long it took.
        duration: Duration,
        /// A remark (e.g. "not persisted: no config file").
        note: Option<String>,
    },
    /// A step failed.
    Failed {
        /// 1-based index.
        index: usize,
        /// `Step::describe`.
        what: String,
        /// How long it ran.
        duration: Duration,
        /// Why.
        error: String,
    },
}

/// The state of one step after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Ran and its check held.
    Done,
    /// Ran and failed.
    Failed,
    /// Not run (the run stopped earlier, or this is a dry run).
    NotRun,
}

/// One step of the JSON `steps` array.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    /// 1-based index.
    pub index: usize,
    /// The step itself (`action` and its fields).
    #[serde(flatten)]
    pub step: Step,
    /// What it does.
    pub description: String,
    /// The check that must hold before the next step.
    pub check: String,
    /// How it went.
    pub status: Status,
    /// How long it ran.
    pub duration_ms: Option<f64>,
    /// A remark.
    pub note: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

impl StepResult {
    /// Every step of `plan`, not run yet.
    pub fn pending(plan: &Plan) -> Vec<StepResult> {
        plan.steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepResult {
                index: i + 1,
                step: s.clone(),
                description: s.describe(),
                check: s.check(),
                status: Status::NotRun,
                duration_ms: None,
                note: None,
                error: None,
            })
            .collect()
    }
}

/// How a run stopped early.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The step that failed (1-based).
    pub step: usize,
    /// Why.
    pub message: String,
    /// False when nothing was changed (the run stopped before the promotion and the pause
    /// was lifted); true when roles were already changing.
    pub changed: bool,
    /// Whether the operator interrupted it.
    pub interrupted: bool,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunOutcome {
    /// Every step with its status.
    pub steps: Vec<StepResult>,
    /// Set when the run stopped early.
    pub failure: Option<Failure>,
    /// How long writes were held on the old master, measured from the pause's reply to the
    /// unpause's reply (or to the abort).
    pub write_pause_ms: Option<f64>,
    /// The old master's offset when the candidate was promoted (all its history).
    pub final_offset: Option<i64>,
    /// The old master's replication id when it was demoted ([`Step::Demote`], 4.0+): the
    /// id the new master's history must continue. It differs from the one it had before the
    /// run when a demotion was retried (made master again, it took a new id).
    pub final_replid: Option<String>,
    /// The candidate's offset when it was promoted.
    pub promoted_at: Option<i64>,
    /// What each Persist step did, per node (method, path, backup).
    pub persisted: Vec<PersistOutcome>,
    /// What the Fence step did (unplanned failovers).
    pub fencing: Option<FenceReport>,
}

/// An inventory command run on a node's host (over SSH), for the report and the journal.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteCommand {
    /// `restart` or `stop`.
    pub which: String,
    /// The command line as the inventory gives it.
    pub command: String,
    /// Its exit status (None: killed by a signal, or it could not be run).
    pub status: Option<i32>,
    /// Its standard output and error (bounded, secrets scrubbed), or why it could not run.
    pub output: String,
}

/// What fencing the old master of an unplanned failover did.
#[derive(Debug, Clone, Serialize)]
pub struct FenceReport {
    /// The old master.
    pub node: NodeAddr,
    /// The master it must come back as a replica of.
    pub new_master: NodeAddr,
    /// True when its config file now names the new master (a restart brings it back as a
    /// replica), or it came back as one.
    pub fenced: bool,
    /// The config file edit, when one was tried.
    pub config: Option<PersistOutcome>,
    /// The inventory `restart`/`stop` command, when one ran.
    pub command: Option<RemoteCommand>,
    /// After a restart: whether it came back following the new master with its link up.
    pub came_back_as_replica: Option<bool>,
    /// What the operator must still do (empty when fenced).
    pub instructions: Vec<String>,
}

/// A step's error: a message, and whether Ctrl-C caused it.
#[derive(Debug, Clone)]
pub(crate) struct StepError {
    message: String,
    /// The signal that interrupted it (SIGINT, SIGTERM, SIGHUP).
    interrupted: Option<&'static str>,
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<NodeError> for StepError {
    fn from(e: NodeError) -> Self {
        StepError {
            message: e.to_string(),
            interrupted: None,
        }
    }
}

fn fail(message: impl Into<String>) -> StepError {
    StepError {
        message: message.into(),
        interrupted: None,
    }
}

/// Reply text for the journal: strings as they are, arrays joined, long texts cut.
pub fn value_text(v: &redis::Value) -> String {
    let mut s = match v {
        redis::Value::Nil => "(nil)".to_string(),
        redis::Value::Int(i) => i.to_string(),
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        redis::Value::Okay => "OK".to_string(),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            let parts: Vec<String> = items.iter().map(value_text).collect();
            format!("[{}]", parts.join(", "))
        }
        other => format!("{other:?}"),
    };
    if s.len() > MAX_REPLY_TEXT {
        let mut end = MAX_REPLY_TEXT;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Longest command output kept from an inventory command.
const MAX_COMMAND_OUTPUT: usize = 8192;

/// Open connections to the nodes a run talks to, with every command journaled.
pub struct Nodes<'j> {
    opts: Options,
    conns: HashMap<NodeAddr, NodeClient>,
    journal: &'j mut Journal,
    /// The step the next journal entries belong to.
    step: Option<usize>,
}

impl<'j> Nodes<'j> {
    /// Nothing opened yet.
    pub fn new(opts: Options, journal: &'j mut Journal) -> Nodes<'j> {
        Nodes {
            opts,
            conns: HashMap::new(),
            journal,
            step: None,
        }
    }

    /// The credentials in use.
    pub fn creds(&self) -> &Credentials {
        &self.opts.creds
    }

    /// How nodes are reached.
    pub fn transport(&self) -> &crate::node::Transport {
        &self.opts.transport
    }

    /// Write a free-text journal entry (`event`: `note`, `step_started`, …), secrets scrubbed.
    pub fn note(&mut self, event: &'static str, message: String) {
        let mut e = Entry::new(event);
        e.step = self.step;
        e.message = Some(self.opts.creds.scrub(&message));
        if let Err(err) = self.journal.write(e) {
            tracing::warn!("{err}");
        }
    }

    async fn client(&mut self, node: &NodeAddr) -> Result<&mut NodeClient, NodeError> {
        if !self.conns.contains_key(node) {
            let c = NodeClient::open(
                &self.opts.transport,
                node,
                &self.opts.creds,
                self.opts.timeout,
            )
            .await?;
            self.conns.insert(node.clone(), c);
        }
        self.conns
            .get_mut(node)
            .ok_or_else(|| NodeError::Connect("connection vanished".into()))
    }

    /// Send one command; journal it when `journaled` (polls are not, to keep the journal
    /// readable: their outcome is noted once).
    async fn call(
        &mut self,
        node: &NodeAddr,
        args: &[&str],
        journaled: bool,
    ) -> Result<redis::Value, NodeError> {
        let started = Instant::now();
        let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
        for a in args.iter().skip(1) {
            cmd.arg(*a);
        }
        let name = args.first().copied().unwrap_or("PING").to_ascii_uppercase();
        let res = match self.client(node).await {
            Ok(c) => c.query::<redis::Value>(&cmd, &name).await,
            Err(e) => Err(e),
        };
        if res.as_ref().is_err_and(connection_lost) {
            // Reconnect next time rather than reuse a connection in an unknown state.
            self.conns.remove(node);
        }
        if journaled {
            let mut e = Entry::new("command");
            e.step = self.step;
            e.node = Some(node.to_string());
            e.command = Some(args.iter().map(|a| a.to_string()).collect());
            e.reply = Some(self.opts.creds.scrub(&match &res {
                Ok(v) => value_text(v),
                Err(err) => format!("error: {err}"),
            }));
            e.duration_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
            if let Err(err) = self.journal.write(e) {
                tracing::warn!("{err}");
            }
        }
        res
    }

    /// Send `cmds` as one MULTI/EXEC in a single write and journal it as one entry; the
    /// replies of the commands inside, errors among them as values.
    pub async fn send_atomic(
        &mut self,
        node: &NodeAddr,
        cmds: &[&[&str]],
    ) -> Result<Vec<redis::Value>, NodeError> {
        let started = Instant::now();
        let mut pipe = redis::pipe();
        pipe.atomic().ignore_errors();
        for args in cmds {
            let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
            for a in args.iter().skip(1) {
                cmd.arg(*a);
            }
            pipe.add_command(cmd);
        }
        let res = match self.client(node).await {
            Ok(c) => c.query_pipe::<Vec<redis::Value>>(&pipe, "EXEC").await,
            Err(e) => Err(e),
        };
        if res.as_ref().is_err_and(connection_lost) {
            self.conns.remove(node);
        }
        let mut e = Entry::new("command");
        e.step = self.step;
        e.node = Some(node.to_string());
        let mut words = vec!["MULTI".to_string()];
        for args in cmds {
            words.push(";".into());
            words.extend(args.iter().map(|a| a.to_string()));
        }
        words.extend([";".to_string(), "EXEC".to_string()]);
        e.command = Some(words);
        e.reply = Some(self.opts.creds.scrub(&match &res {
            Ok(v) => value_text(&redis::Value::Array(v.clone())),
            Err(err) => format!("error: {err}"),
        }));
        e.duration_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        if let Err(err) = self.journal.write(e) {
            tracing::warn!("{err}");
        }
        res
    }

    /// Send one command and journal it.
    pub async fn send(
        &mut self,
        node: &NodeAddr,
        args: &[&str],
    ) -> Result<redis::Value, NodeError> {
        self.call(node, args, true).await
    }

    /// `INFO <section>` parsed, not journaled (used for polling).
    pub async fn info(
        &mut self,
        node: &NodeAddr,
        section: &str,
    ) -> Result<ReplicationInfo, NodeError> {
        let v = self.call(node, &["INFO", section], false).await?;
        Ok(ReplicationInfo::parse(&value_text_full(&v)))
    }

    /// `INFO <section>` as raw text, not journaled.
    pub async fn info_text(&mut self, node: &NodeAddr, section: &str) -> Result<String, NodeError> {
        let v = self.call(node, &["INFO", section], false).await?;
        Ok(value_text_full(&v))
    }

    /// The per-command timeout (`--timeout`).
    pub fn command_timeout(&self) -> Duration {
        self.opts.timeout
    }

    /// REPLICAOF, falling back to SLAVEOF on servers older than 5.0.
    pub async fn replicaof(
        &mut self,
        node: &NodeAddr,
        host: &str,
        port: &str,
    ) -> Result<redis::Value, NodeError> {
        self.replicaof_named(node, host, port).await.map(|(_, v)| v)
    }

    /// [`Self::replicaof`], also naming the command that was accepted: `REPLICAOF`, or
    /// `SLAVEOF` on 2.8–4.0, which do not know `REPLICAOF`.
    pub async fn replicaof_named(
        &mut self,
        node: &NodeAddr,
        host: &str,
        port: &str,
    ) -> Result<(&'static str, redis::Value), NodeError> {
        match self.send(node, &["REPLICAOF", host, port]).await {
            Err(NodeError::Command { reason, .. }) if is_unknown_command(&reason) => self
                .send(node, &["SLAVEOF", host, port])
                .await
                .map(|v| ("SLAVEOF", v)),
            other => other.map(|v| ("REPLICAOF", v)),
        }
    }

    fn inventory_node(&self, node: &NodeAddr) -> Option<&InventoryNode> {
        self.opts.inventory.as_ref().and_then(|i| i.by_addr(node))
    }

    /// The `masterauth`/`masteruser` a replica's config should carry (None: leave them).
    fn master_auth(&self) -> Option<MasterAuth> {
        let creds = &self.opts.creds;
        creds.password.as_ref().map(|pw| MasterAuth {
            user: creds.user.clone(),
            password: Some(pw.clone()),
        })
    }

    /// Persist `node`'s role (a replica of `master`, or a master) with
    /// [`persist_role::persist_role`], journaling what was done.
    pub async fn persist(&mut self, node: &NodeAddr, master: Option<&NodeAddr>) -> PersistOutcome {
        let started = Instant::now();
        let edit = RoleEdit {
            master: master.cloned(),
            auth: master.and_then(|_| self.master_auth()),
        };
        let inventory = self.inventory_node(node).cloned();
        let req = PersistRequest {
            node,
            inventory: inventory.as_ref(),
            edit,
            creds: &self.opts.creds,
        };
        let out = persist_role::persist_role(&self.opts.transport, &req, self.opts.timeout).await;
        self.journal_persist(&out, started);
        out
    }

    fn journal_persist(&mut self, out: &PersistOutcome, started: Instant) {
        let mut e = Entry::new("persist");
        e.step = self.step;
        e.node = Some(out.node.to_string());
        e.reply = serde_json::to_string(out)
            .ok()
            .map(|t| self.opts.creds.scrub(&t));
        e.message = Some(self.opts.creds.scrub(&out.to_string()));
        e.duration_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        if let Err(err) = self.journal.write(e) {
            tracing::warn!("{err}");
        }
    }

    /// Run the inventory's `restart` or `stop` command on `node`'s host, output journaled.
    async fn remote_command(
        &mut self,
        node: &NodeAddr,
        inv: &InventoryNode,
        which: NodeCommand,
    ) -> RemoteCommand {
        let started = Instant::now();
        let (name, line) = match which {
            NodeCommand::Restart => ("restart", inv.restart.clone()),
            NodeCommand::Stop => ("stop", inv.stop.clone()),
        };
        // A service restart may take a while; the per-command timeout alone is too short.
        let timeout = self.opts.timeout.max(Duration::from_secs(30));
        let res =
            persist_role::run_node_command(&self.opts.transport, node, inv, which, timeout).await;
        let (status, output) = match &res {
            Ok(out) => {
                let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
                let err = out.stderr_text();
                if !err.is_empty() {
                    if !text.is_empty() && !text.ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(&err);
                }
                (out.status, text)
            }
            Err(e) => (None, format!("could not run: {e}")),
        };
        let mut output = self.opts.creds.scrub(&output);
        if output.len() > MAX_COMMAND_OUTPUT {
            let mut end = MAX_COMMAND_OUTPUT;
            while !output.is_char_boundary(end) {
                end -= 1;
            }
            output.truncate(end);
            output.push('…');
        }
        let line = line.unwrap_or_default();
        let mut e = Entry::new("remote_command");
        e.step = self.step;
        e.node = Some(node.to_string());
        e.command = Some(vec![name.to_string(), line.clone()]);
        e.reply = Some(format!(
            "{}: {output}",
            status.map_or_else(|| "no exit status".to_string(), |s| format!("exit {s}"))
        ));
        e.duration_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        if let Err(err) = self.journal.write(e) {
            tracing::warn!("{err}");
        }
        RemoteCommand {
            which: name.to_string(),
            command: line,
            status,
            output,
        }
    }

    /// Fence the unreachable old master `node` of an unplanned failover (see [`Step::Fence`]).
    pub async fn fence(&mut self, node: &NodeAddr, master: &NodeAddr) -> FenceReport {
        let inv = self.inventory_node(node).cloned();
        let routed = match &self.opts.transport {
            Transport::Ssh(ssh) => ssh.route(node).is_some(),
            Transport::Direct => false,
        };
        let mut report = FenceReport {
            node: node.clone(),
            new_master: master.clone(),
            fenced: false,
            config: None,
            command: None,
            came_back_as_replica: None,
            instructions: Vec::new(),
        };
        let instructions = fencing_instructions(node, inv.as_ref(), master);
        let Some(inv) = inv.filter(|_| routed) else {
            self.note(
                "note",
                format!("{node}: no ssh route in the inventory: it cannot be fenced from here"),
            );
            report.instructions = instructions;
            return report;
        };
        if inv.config.is_some() {
            let out = self.persist(node, Some(master)).await;
            report.fenced = out.persisted();
            report.config = Some(out);
        }
        // Only with its config naming the new master may it be restarted; without, keep
        // it stopped if the inventory says how.
        let which = if report.fenced && inv.restart.is_some() {
            Some(NodeCommand::Restart)
        } else if inv.stop.is_some() && (report.config.is_none() || !report.fenced) {
            Some(NodeCommand::Stop)
        } else {
            None
        };
        if let Some(which) = which {
            // An unreachable host was already found out by the config edit.
            let host_down = report.config.as_ref().is_some_and(|c| !c.persisted());
            if !host_down {
                let cmd = self.remote_command(node, &inv, which).await;
                let ok = cmd.status == Some(0);
                report.command = Some(cmd);
                if which == NodeCommand::Restart && ok {
                    report.came_back_as_replica = Some(self.wait_follows(node, master).await);
                }
            }
        }
        if let Some(true) = report.came_back_as_replica {
            report.fenced = true;
        }
        if !report.fenced {
            report.instructions = instructions;
        }
        report
    }

    /// Poll until `node` follows `master` with its link up, within the verify timeout.
    async fn wait_follows(&mut self, node: &NodeAddr, master: &NodeAddr) -> bool {
        let deadline = Instant::now() + self.opts.verify_timeout;
        loop {
            if let Ok(info) = self.info(node, "replication").await
                && follows(&info, master)
            {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(SLOW_POLL).await;
        }
    }

    /// `CONFIG GET` of a node's `min-replicas-*` settings (`min-slaves-*` on servers older
    /// than 5.0, which answer an empty array for the new names). Journaled.
    pub(crate) async fn fence_settings(&mut self, node: &NodeAddr) -> Result<Originals, StepError> {
        let mut last = None;
        for names in [Names::Replicas, Names::Slaves] {
            let tw = self
                .send(node, &["CONFIG", "GET", names.to_write()])
                .await?;
            let ml = self.send(node, &["CONFIG", "GET", names.max_lag()]).await?;
            match Originals::from_replies(names, &strings(&tw), &strings(&ml)) {
                Ok(o) => return Ok(o),
                Err(e) => last = Some(e),
            }
        }
        Err(fail(format!(
            "{node}: cannot read its min-replicas settings: {}",
            last.map_or_else(|| "no reply".to_string(), |e| e.to_string())
        )))
    }

    /// What to put back on `node` when its settings read as a fence: what an earlier run
    /// saved in a journal beside this one, else Redis's defaults; and where it came from.
    fn saved_originals(&self, node: &NodeAddr, names: Names) -> (Originals, String) {
        let dir = self.journal.path().parent().map(Path::to_path_buf);
        let found = dir
            .filter(|d| !d.as_os_str().is_empty())
            .and_then(|d| super::journal::find_latest(&d, "fence_saved", &node.to_string()))
            .and_then(|t| Originals::parse(&t))
            .filter(|o| !o.is_fence());
        match found {
            Some(o) => (o, "saved by an earlier run's journal".to_string()),
            None => (
                Originals::defaults(names),
                "the originals were not found in any journal: Redis's defaults".to_string(),
            ),
        }
    }

    /// Whether `node` runs with a config file (INFO server `config_file`), so CONFIG REWRITE
    /// can make a setting survive a restart.
    async fn has_config_file(&mut self, node: &NodeAddr) -> bool {
        self.info_text(node, "server").await.is_ok_and(|t| {
            t.lines().any(|l| {
                l.trim_end()
                    .strip_prefix("config_file:")
                    .is_some_and(|v| !v.is_empty())
            })
        })
    }

    /// Put the saved settings back on `node` (and rewrite its config file when it has one,
    /// so the fence that a rewrite made durable goes too). Journaled.
    async fn lift_fence(&mut self, node: &NodeAddr, orig: &Originals) -> Result<String, StepError> {
        for c in fence::lift_commands(orig) {
            let args: Vec<&str> = c.iter().map(String::as_str).collect();
            self.send(node, &args).await?;
        }
        let mut note = format!("{orig} put back");
        if self.has_config_file(node).await {
            match self.send(node, &["CONFIG", "REWRITE"]).await {
                Ok(_) => note.push_str(", config file rewritten"),
                Err(e) => note.push_str(&format!(
                    "; CONFIG REWRITE failed ({e}): its config file may still hold the fence"
                )),
            }
        }
        Ok(note)
    }

    /// Set masterauth (and masteruser) on `node` when credentials are in use, so its link
    /// to the new master can authenticate.
    pub async fn set_link_credentials(&mut self, node: &NodeAddr) -> Result<(), NodeError> {
        let creds = self.opts.creds.clone();
        let Some(pw) = creds.password.as_ref() else {
            return Ok(());
        };
        if let Some(user) = &creds.user {
            self.send(node, &["CONFIG", "SET", "masteruser", user])
                .await?;
        }
        self.send(node, &["CONFIG", "SET", "masterauth", pw.expose()])
            .await?;
        Ok(())
    }
}

/// The strings of an array reply (CONFIG GET's name/value pairs).
fn strings(v: &redis::Value) -> Vec<String> {
    match v {
        redis::Value::Array(items) => items.iter().map(value_text_full).collect(),
        redis::Value::Map(pairs) => pairs
            .iter()
            .flat_map(|(k, v)| [value_text_full(k), value_text_full(v)])
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether an error leaves the connection unusable (reconnect next time): timeouts, failed
/// connects, and I/O errors surfacing as a failed command (a tunnel whose far end closed,
/// a node that restarted).
fn connection_lost(e: &NodeError) -> bool {
    match e {
        NodeError::Timeout(..) | NodeError::Connect(_) => true,
        NodeError::Command { reason, .. } => {
            let r = reason.to_ascii_lowercase();
            [
                "os error",
                "broken pipe",
                "reset by peer",
                "connection",
                "closed",
                "eof",
            ]
            .iter()
            .any(|w| r.contains(w))
        }
        NodeError::Resolve { .. } | NodeError::Auth(_) | NodeError::Tls(_) => false,
    }
}

/// A reply as text without the journal's length cut (INFO, CLIENT LIST: parsed whole).
pub fn value_text_full(v: &redis::Value) -> String {
    match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::VerbatimString { text, .. } => text.clone(),
        redis::Value::SimpleString(s) => s.clone(),
        other => value_text(other),
    }
}

/// True for "unknown command" answers (older servers lack REPLICAOF, CLIENT UNPAUSE, …).
pub fn is_unknown_command(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    // 2.8 and 3.2 answer an unknown CLIENT subcommand with "Syntax error, try CLIENT (LIST |
    // KILL …)".
    r.contains("unknown command")
        || r.contains("unknown subcommand")
        || r.contains("syntax error, try ")
}

/// Whether a replica's INFO says it follows `master` with its link up.
pub fn follows(info: &ReplicationInfo, master: &NodeAddr) -> bool {
    info.role == Role::Replica
        && info.master_link_up == Some(true)
        && info
            .master_host
            .as_deref()
            .zip(info.master_port)
            .is_some_and(|(h, p)| NodeAddr::new(h, p) == *master)
}

/// What is known while a run is under way.
struct RunState {
    /// The paused master and when its pause began.
    paused: Option<(NodeAddr, Instant, PauseMode)>,
    /// When the pause budget runs out.
    budget_deadline: Option<Instant>,
    /// The offset read atomically with a pause of ALL clients (the master cannot be read
    /// while every client is paused).
    paused_offset: Option<i64>,
    promoted: bool,
    write_pause: Option<Duration>,
    final_offset: Option<i64>,
    /// See [`RunOutcome::final_replid`].
    final_replid: Option<String>,
    promoted_at: Option<i64>,
    persisted: Vec<PersistOutcome>,
    fencing: Option<FenceReport>,
    /// The node this run fenced, with the settings to put back.
    fenced: Option<(NodeAddr, Originals)>,
    /// Failpoints armed for this run (fault tests only).
    failpoints: Failpoints,
    /// When the fence went up (the start of the write gap where nothing is paused).
    fence_at: Option<Instant>,
    /// The old master this run made a replica before the promotion ([`Step::Demote`]): an
    /// abort makes it master again.
    demoted: Option<NodeAddr>,
    /// The candidate's offset [`Step::Demote`] saw (it keeps that data, though 2.8 and 3.2
    /// may stop showing the offset).
    demoted_seen: Option<i64>,
    /// Every node the plan names (journaled with the fence).
    group: Vec<NodeAddr>,
}

/// How long, after a signal past the point of no return, the run goes on sending the few
/// commands that make the group consistent (re-point the old master, lift its pause, re-point
/// the siblings) before it stops.
const SIGNAL_GRACE: Duration = Duration::from_millis(1500);

/// SIGINT, SIGTERM and SIGHUP, all handled alike (an operator's Ctrl-C, a service manager's
/// stop, a dropped SSH session).
pub(super) struct Signals {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    pub(super) fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = (|| {
                Some([
                    signal(SignalKind::interrupt()).ok()?,
                    signal(SignalKind::terminate()).ok()?,
                    signal(SignalKind::hangup()).ok()?,
                ])
            })();
            if streams.is_none() {
                tracing::warn!("cannot listen for SIGINT/SIGTERM/SIGHUP");
            }
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next signal's name.
    pub(super) async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            let Some([int, term, hup]) = self.streams.as_mut() else {
                return std::future::pending().await;
            };
            tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
                _ = hup.recv() => "SIGHUP",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// Steps worth finishing after a signal past the point of no return: the commands that make
/// the group consistent (one master, everyone following it), each a round trip or two.
fn finishes_the_switch(step: &Step) -> bool {
    matches!(step, Step::Follow { .. } | Step::Unpause { .. })
}

/// Run `plan`, calling `on_event` as it goes. Stops at the first failure; before the
/// promotion a failure (or SIGINT, SIGTERM, SIGHUP) lifts the fence and the pause and leaves
/// everything as it was. A signal after the promotion lets the run finish, within
/// [`SIGNAL_GRACE`], the steps that make the group consistent ([`finishes_the_switch`]), then
/// stop.
pub async fn run(
    plan: &Plan,
    nodes: &mut Nodes<'_>,
    on_event: &mut dyn FnMut(Event),
) -> RunOutcome {
    let total = plan.steps.len();
    let mut results = StepResult::pending(plan);
    for step in &plan.steps {
        if let Step::Persist { node, .. } = step {
            journal_persist(nodes, node, PERSIST_PENDING);
        }
    }
    let mut st = RunState::new(plan);
    let mut failure = None;
    let mut signals = Signals::new();
    // Set by a signal after the promotion: which one, and until when steps may still run.
    let mut grace: Option<(&'static str, Instant)> = None;
    let mut finished_in_grace: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < total {
        let step = &plan.steps[i];
        let index = i + 1;
        if let Some((sig, until)) = grace
            && (!finishes_the_switch(step) || Instant::now() >= until)
        {
            failure = Some(stopped_in_grace(
                &plan.steps[i..],
                index,
                sig,
                until,
                &finished_in_grace,
            ));
            break;
        }
        nodes.step = Some(index);
        let what = step.describe();
        nodes.note("step_started", what.clone());
        on_event(Event::Started {
            index,
            total,
            what: what.clone(),
        });
        let started = Instant::now();
        let in_grace = grace.map(|g| g.1);
        let res = attempt(step, i, nodes, &mut st, on_event, &mut signals, in_grace).await;
        let duration = started.elapsed();
        let r = &mut results[i];
        r.duration_ms = Some(duration.as_secs_f64() * 1000.0);
        match res {
            Ok(note) => {
                record_done(nodes, r, (index, what, duration), note, on_event);
                if grace.is_some() {
                    finished_in_grace.push(index);
                }
                i += 1;
            }
            Err(e) => {
                let message = record_failed(nodes, r, (index, what, duration), &e, on_event);
                if let Some(sig) = e.interrupted.filter(|_| st.promoted && grace.is_none()) {
                    // Past the point of no return: finish what makes the group consistent,
                    // briefly, then stop. An interrupted Follow or Unpause is sent again (both
                    // are idempotent); anything else is left for the re-run.
                    nodes.step = None;
                    nodes.note(
                        "note",
                        format!(
                            "{sig} after the promotion: finishing the re-pointing for at most {} ms",
                            SIGNAL_GRACE.as_millis()
                        ),
                    );
                    grace = Some((sig, Instant::now() + SIGNAL_GRACE));
                    if !finishes_the_switch(step) {
                        i += 1;
                    }
                    continue;
                }
                let interrupted = e.interrupted.is_some() || grace.is_some();
                failure = Some(stopped(nodes, &mut st, message, index, interrupted).await);
                break;
            }
        }
    }
    if failure.is_none()
        && let Some((sig, _)) = grace
    {
        // Every step left was one that finishes the switch: all done within the grace.
        failure = Some(Failure {
            step: total,
            message: format!(
                "stopped by {sig} after the promotion; every remaining step was finished first"
            ),
            changed: true,
            interrupted: true,
        });
    }
    nodes.step = None;
    RunOutcome {
        steps: results,
        failure,
        write_pause_ms: st.write_pause.map(|d| d.as_secs_f64() * 1000.0),
        final_offset: st.final_offset,
        final_replid: st.final_replid,
        promoted_at: st.promoted_at,
        persisted: st.persisted,
        fencing: st.fencing,
    }
}

/// Record a step that held: its result, its journal line, its event.
fn record_done(
    nodes: &mut Nodes<'_>,
    r: &mut StepResult,
    (index, what, duration): (usize, String, Duration),
    note: Option<String>,
    on_event: &mut dyn FnMut(Event),
) {
    r.status = Status::Done;
    r.error = None;
    r.note = note.clone();
    nodes.note(
        "step_done",
        format!(
            "{what}{}",
            note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
        ),
    );
    on_event(Event::Done {
        index,
        what,
        duration,
        note,
    });
}

/// Record a step that failed: its result, its journal line, its event. The message as
/// recorded (secrets scrubbed).
fn record_failed(
    nodes: &mut Nodes<'_>,
    r: &mut StepResult,
    (index, what, duration): (usize, String, Duration),
    e: &StepError,
    on_event: &mut dyn FnMut(Event),
) -> String {
    let message = nodes.creds().scrub(&e.message);
    r.status = Status::Failed;
    r.error = Some(message.clone());
    nodes.note("step_failed", format!("{what}: {message}"));
    on_event(Event::Failed {
        index,
        what,
        duration,
        error: message.clone(),
    });
    message
}

impl RunState {
    /// The state before the first step of `plan`.
    fn new(plan: &Plan) -> RunState {
        RunState {
            paused: None,
            budget_deadline: None,
            paused_offset: None,
            promoted: plan.kind == Kind::Resume,
            write_pause: None,
            final_offset: None,
            final_replid: None,
            promoted_at: None,
            persisted: Vec::new(),
            fencing: None,
            fenced: None,
            failpoints: Failpoints::from_env(),
            fence_at: None,
            demoted: None,
            demoted_seen: None,
            group: plan.nodes(),
        }
    }
}

/// The failure a run stops with at step `index`: before the promotion, with everything undone
/// (each outcome added to the message); after it, saying that the old master stays paused and
/// fenced until it is re-pointed.
async fn stopped(
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
    mut message: String,
    index: usize,
    interrupted: bool,
) -> Failure {
    if !st.promoted {
        // Nothing changed yet: undo a demotion, lift the fence and the pause, and
        // leave. The demotion first: the fence must stay up while it is master
        // again, until its own settings are put back.
        nodes.step = None;
        undo_before_promotion(nodes, st, &mut message).await;
    }
    if st.promoted
        && let Some((node, since, _)) = &st.paused
    {
        // Not unpaused on purpose: until it follows the new master it must not
        // take writes. The fence holds them off after the pause lapses.
        message.push_str(&format!(
            "; {node} is still a master, paused (for {} ms so far) and fenced: it refuses writes (NOREPLICAS) until it is re-pointed",
            since.elapsed().as_millis()
        ));
    }
    Failure {
        step: index,
        message,
        changed: st.promoted,
        interrupted,
    }
}

/// The failure of a run a signal stopped after the promotion: which steps it still finished
/// and which of `left` (from the step at `index` on) it did not run.
fn stopped_in_grace(
    left: &[Step],
    index: usize,
    sig: &str,
    until: Instant,
    finished_in_grace: &[usize],
) -> Failure {
    let left: Vec<String> = left
        .iter()
        .filter(|s| !finishes_the_switch(s) || Instant::now() >= until)
        .map(Step::describe)
        .collect();
    let finished = if finished_in_grace.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = finished_in_grace.iter().map(ToString::to_string).collect();
        format!(" (finished step(s) {} first)", list.join(", "))
    };
    Failure {
        step: index,
        message: format!(
            "stopped by {sig} after the promotion{finished}; not run: {}",
            left.join("; ")
        ),
        changed: true,
        interrupted: true,
    }
}

/// A run failed before the promotion: nothing changed yet, so undo a demotion, lift the
/// fence and the pause, each outcome added to `message`. The demotion first: the fence must
/// stay up while it is master again, until its own settings are put back.
async fn undo_before_promotion(nodes: &mut Nodes<'_>, st: &mut RunState, message: &mut String) {
    if let Some(node) = st.demoted.take() {
        match nodes.replicaof(&node, "NO", "ONE").await {
            Ok(_) => message.push_str(&format!("; {node} was made master again")),
            Err(err) => message.push_str(&format!(
                "; making {node} master again failed ({err}): it is a replica with every write; run `rkv failover` again to finish or undo the switchover"
            )),
        }
    }
    if let Some((node, orig)) = st.fenced.take() {
        match nodes.lift_fence(&node, &orig).await {
            Ok(_) => message.push_str(&format!("; the fence on {node} was lifted")),
            Err(err) => message.push_str(&format!(
                "; lifting the fence on {node} failed ({}): it refuses writes until `rkv failover` is run again or {orig} is set by hand",
                err.message
            )),
        }
    }
    if let Some((node, since, _)) = st.paused.take() {
        match nodes.send(&node, &["CLIENT", "UNPAUSE"]).await {
            Ok(_) => {
                st.write_pause = Some(since.elapsed());
                message.push_str(&format!("; the pause on {node} was lifted"));
            }
            Err(err) => message.push_str(&format!(
                "; CLIENT UNPAUSE on {node} failed ({err}): its pause lifts by itself at its deadline"
            )),
        }
    }
}

/// Run the step at `i` (0-based) against a signal: the failpoint at its boundary first (not
/// within the grace after a signal), and within that grace when `in_grace` says until when.
async fn attempt(
    step: &Step,
    i: usize,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
    on_event: &mut dyn FnMut(Event),
    signals: &mut Signals,
    in_grace: Option<Instant>,
) -> Result<Option<String>, StepError> {
    let index = i + 1;
    let fp = st.failpoints.clone();
    let boundary = (i > 0 && in_grace.is_none()).then(|| format!("after-step-{i}"));
    let work = async {
        if let Some(b) = &boundary {
            fp.hit(b).await;
        }
        match in_grace {
            Some(until) => tokio::time::timeout(
                until.saturating_duration_since(Instant::now()),
                run_step(step, index, nodes, st, on_event),
            )
            .await
            .unwrap_or_else(|_| Err(fail("not finished within the grace after the signal"))),
            None => run_step(step, index, nodes, st, on_event).await,
        }
    };
    tokio::select! {
        r = work => r,
        sig = signals.recv() => Err(StepError { message: format!("interrupted ({sig})"), interrupted: Some(sig) }),
    }
}

/// Run one step and check its result; `Ok(Some(note))` carries a remark.
async fn run_step(
    step: &Step,
    index: usize,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<String>, StepError> {
    match step {
        Step::PauseWrites {
            node,
            timeout_ms,
            mode,
        } => pause_writes(node, timeout_ms, mode, nodes, st).await,
        Step::WaitCaughtUp {
            replica,
            master,
            budget_ms,
        } => wait_caught_up(replica, master, budget_ms, index, nodes, st, on_event).await,
        Step::FenceWrites { node, extend_pause } => {
            fence_writes(node, extend_pause, nodes, st).await
        }
        Step::LiftFence { node, master } => {
            lift_fence(node, master.as_ref(), index, nodes, st, on_event).await
        }
        Step::Demote { node, master } => demote(node, master, index, nodes, st, on_event).await,
        Step::Promote { node } => promote(node, index, nodes, st, on_event).await,
        Step::Follow { node, master } => follow(node, master, nodes).await,
        Step::Unpause { node } => unpause(node, nodes, st).await,
        Step::Verify { master, replicas } => verify(master, replicas, index, nodes, on_event).await,
        Step::Persist { node, master, .. } => {
            // Not persisting is not a reason to stop re-pointing: it is reported per node.
            let out = nodes.persist(node, master.as_ref()).await;
            let note = persist_note(&out);
            st.persisted.push(out);
            // Tried: whatever the outcome, the report says it; a re-run need not try again.
            journal_persist(nodes, node, PERSIST_DONE);
            Ok(Some(note))
        }
        Step::CarryOver {
            from,
            to,
            replid,
            fork,
        } => super::carry::run_step(nodes, from, to, replid, *fork)
            .await
            .map(Some)
            .map_err(fail),
        Step::Fence { node, master, .. } => {
            let report = nodes.fence(node, master).await;
            let note = fence_note(&report);
            st.fencing = Some(report);
            Ok(Some(note))
        }
        Step::RestorePriority { node, name, value } => {
            restore_priority(node, name, value, nodes).await
        }
    }
}

/// [`Step::PauseWrites`]: hold writes on the old master: CLIENT PAUSE … WRITE (6.2+), or CLIENT
/// PAUSE (all clients) with the offset read in the same transaction.
async fn pause_writes(
    node: &NodeAddr,
    timeout_ms: &u64,
    mode: &PauseMode,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
) -> Result<Option<String>, StepError> {
    let ms = timeout_ms.to_string();
    match mode {
        PauseMode::Write => {
            nodes.send(node, &["CLIENT", "PAUSE", &ms, "WRITE"]).await?;
        }
        PauseMode::All => {
            // Every client (us too) is held once the pause starts: read the offset in
            // the same transaction.
            nodes.send(node, &["MULTI"]).await?;
            nodes.send(node, &["CLIENT", "PAUSE", &ms]).await?;
            nodes.send(node, &["INFO", "replication"]).await?;
            let v = nodes.send(node, &["EXEC"]).await?;
            let info = match &v {
                redis::Value::Array(items) => items
                    .get(1)
                    .map(|i| ReplicationInfo::parse(&value_text_full(i))),
                _ => None,
            };
            st.paused_offset = info.and_then(|i| i.master_repl_offset);
            if st.paused_offset.is_none() {
                return Err(fail(format!(
                    "could not read the offset of {node} with the pause ({})",
                    value_text(&v)
                )));
            }
        }
    }
    st.paused = Some((node.clone(), Instant::now(), *mode));
    Ok(None)
}

/// [`Step::WaitCaughtUp`]: wait until the replica has the master's offset, within the write-pause
/// budget.
async fn wait_caught_up(
    replica: &NodeAddr,
    master: &NodeAddr,
    budget_ms: &u64,
    index: usize,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<String>, StepError> {
    // The budget runs from the pause, or (before 6.2, where nothing is paused) from the
    // fence: writes are refused from then until the promotion.
    let since = st
        .paused
        .as_ref()
        .map(|p| p.1)
        .or(st.fence_at)
        .unwrap_or_else(Instant::now);
    let deadline = since + Duration::from_millis(*budget_ms);
    st.budget_deadline = Some(deadline);
    let (m, r) = wait_equal(
        nodes,
        master,
        replica,
        deadline,
        st.paused_offset,
        index,
        on_event,
    )
    .await?;
    Ok(Some(format!("offsets {m} = {r}")))
}

/// [`Step::FenceWrites`]: raise rkv's fence (min-replicas-to-write past any replica count) on the
/// old master, and journal what it replaces so a re-run can lift it.
async fn fence_writes(
    node: &NodeAddr,
    extend_pause: &bool,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
) -> Result<Option<String>, StepError> {
    let mut orig = nodes.fence_settings(node).await?;
    let mut whence = "its own".to_string();
    if orig.is_fence() {
        // An earlier run fenced it and was stopped before the promotion: what to put
        // back is what that run saved, not the fence itself.
        (orig, whence) = nodes.saved_originals(node, orig.names);
    }
    // Saved before the fence goes up: a run killed from here on leaves the way back
    // in the journal (a re-run finds it there).
    {
        let mut e = Entry::new("fence_saved");
        e.step = nodes.step;
        e.node = Some(node.to_string());
        e.reply = Some(orig.to_string());
        e.message = Some(format!("settings to put back on {node} ({whence})"));
        if let Err(err) = nodes.journal.write(e) {
            tracing::warn!("{err}");
        }
        // And the group: a re-run seeded with this node alone may not find a sibling
        // that is, at that instant, listed by nobody (a demoted master disconnects
        // its replicas and cannot serve them).
        let mut e = Entry::new("fence_group");
        e.step = nodes.step;
        e.node = Some(node.to_string());
        e.reply = Some(
            st.group
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        e.message = Some(format!("the nodes of the group {node} was fenced in"));
        if let Err(err) = nodes.journal.write(e) {
            tracing::warn!("{err}");
        }
    }
    // Fence and pause go in one transaction: no instant with neither, and a failure
    // leaves neither half (still before the point of no return). Once raised, the
    // fence, not the pause, keeps writes off (Redis checks min-replicas before it
    // holds a command for a pause, so new writes get NOREPLICAS at once); the pause,
    // extended here (a later end extends a pause), still holds the writes already
    // waiting on it over the promotion, which takes a couple of round trips.
    // Without a write pause (before 6.2) nothing is held: the fence goes up alone and
    // the offset it went up at is read in the same transaction.
    let extend_ms = (nodes.command_timeout().as_millis() * 2 + 1_000).to_string();
    let raise = fence::raise_commands(&orig);
    nodes.send(node, &["MULTI"]).await?;
    for c in &raise {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        nodes.send(node, &args).await?;
    }
    if *extend_pause {
        nodes
            .send(node, &["CLIENT", "PAUSE", &extend_ms, "WRITE"])
            .await?;
    } else {
        nodes.send(node, &["INFO", "replication"]).await?;
    }
    st.fence_at = Some(Instant::now());
    let v = nodes.send(node, &["EXEC"]).await?;
    let (all_ok, offset) = match &v {
        redis::Value::Array(items) if items.len() == raise.len() + 1 => {
            let raised = items[..raise.len()]
                .iter()
                .all(|i| matches!(i, redis::Value::Okay));
            if *extend_pause {
                (
                    raised && matches!(items[raise.len()], redis::Value::Okay),
                    None,
                )
            } else {
                let info = ReplicationInfo::parse(&value_text_full(&items[raise.len()]));
                (raised, info.master_repl_offset)
            }
        }
        _ => (false, None),
    };
    // Whatever part of it took, it is undone on the way out.
    st.fenced = Some((node.clone(), orig.clone()));
    if !all_ok {
        return Err(fail(format!(
            "{node} did not accept the fence{} ({})",
            if *extend_pause { " and the pause" } else { "" },
            value_text(&v)
        )));
    }
    // With a config file, make the fence survive a restart: a node restarted before
    // rkv re-pointed it would otherwise come back as a writable second master (its
    // file names no master yet). It costs one file write inside the pause; the lift
    // rewrites the file again. A failure is reported, not fatal: the fence holds in
    // memory.
    let mut note = match offset {
        Some(o) => format!("fenced at offset {o}; {orig} saved in the journal"),
        None => format!("fenced; {orig} saved in the journal"),
    };
    if nodes.has_config_file(node).await {
        match nodes.send(node, &["CONFIG", "REWRITE"]).await {
            Ok(_) => note.push_str("; config file rewritten so a restart keeps the fence"),
            Err(e) => note.push_str(&format!(
                "; CONFIG REWRITE failed ({e}): a restart before it is re-pointed would drop the fence"
            )),
        }
    }
    Ok(Some(note))
}

/// [`Step::LiftFence`]: put back the settings the fence replaced, once the node follows the new
/// master (or is the master again).
async fn lift_fence(
    node: &NodeAddr,
    master: Option<&NodeAddr>,
    index: usize,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<String>, StepError> {
    if let Some(m) = master {
        // Only once it follows: until then a fenced master must stay fenced.
        let deadline = Instant::now() + nodes.opts.verify_timeout;
        loop {
            if let Ok(info) = nodes.info(node, "replication").await
                && follows(&info, m)
            {
                break;
            }
            if Instant::now() >= deadline {
                return Err(fail(format!(
                    "{node} does not follow {m} with link up after {:?}: its fence stays (harmless on a replica; a re-run lifts it)",
                    nodes.opts.verify_timeout
                )));
            }
            on_event(Event::Progress {
                index,
                message: format!("waiting for {node} to follow {m}"),
            });
            tokio::time::sleep(SLOW_POLL).await;
        }
    }
    let now = nodes.fence_settings(node).await?;
    if !now.is_fence() {
        if st.fenced.as_ref().is_some_and(|f| &f.0 == node) {
            st.fenced = None;
        }
        return Ok(Some(format!("no fence in place ({now})")));
    }
    let (orig, whence) = match st.fenced.take() {
        Some((n, o)) if &n == node => (o, "saved by this run".to_string()),
        other => {
            st.fenced = other;
            nodes.saved_originals(node, now.names)
        }
    };
    let mut note = nodes.lift_fence(node, &orig).await?;
    if master.is_none() {
        // It stays (or becomes) the master: a pause left by the stopped run goes too.
        match nodes.send(node, &["CLIENT", "UNPAUSE"]).await {
            Ok(_) => note.push_str("; pause lifted"),
            Err(NodeError::Command { reason, .. }) if is_unknown_command(&reason) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Some(format!("{note} ({whence})")))
}

/// [`Step::Promote`]: make the candidate a master and check that it answers as one.
async fn promote(
    node: &NodeAddr,
    index: usize,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<String>, StepError> {
    if let (Some((master, _, _)), Some(deadline)) = (st.paused.clone(), st.budget_deadline) {
        // Read both again right before promoting (the master's PING moves its offset).
        let (m, r) = wait_equal(
            nodes,
            &master,
            node,
            deadline,
            st.paused_offset,
            index,
            on_event,
        )
        .await?;
        st.final_offset = Some(m);
        st.promoted_at = Some(r);
    } else {
        st.promoted_at = nodes
            .info(node, "replication")
            .await?
            .slave_repl_offset
            .max(st.demoted_seen);
        if let (Some(old), Some(need)) = (&st.demoted, st.final_offset)
            && st.promoted_at.is_none_or(|o| o < need)
        {
            // Checked by Demote a moment ago; read again because promoting short of
            // the old master's last byte would drop its writes.
            return Err(fail(format!(
                "{node} is at offset {} but {old} wrote up to {need} as a master: not promoted",
                st.promoted_at.map_or("?".into(), |o| o.to_string())
            )));
        }
    }
    // Which of REPLICAOF / SLAVEOF the node took (2.8–4.0 know only SLAVEOF).
    let sent = match nodes.replicaof_named(node, "NO", "ONE").await {
        Ok((verb, _)) => {
            st.promoted = true;
            if st.demoted.is_some() {
                // Nothing was paused: the write gap ran from the fence to here.
                st.write_pause = st.fence_at.map(|t| t.elapsed());
            }
            st.failpoints.hit("after-promote").await;
            verb
        }
        // The node refused in so many words: nothing changed, the run can still be
        // abandoned (unpaused) safely.
        Err(e) if is_definite_refusal(&e) => return Err(e.into()),
        // No answer: it may have been promoted. Treat it as past the point of no return.
        Err(e) => {
            st.promoted = true;
            return Err(e.into());
        }
    };
    let info = nodes.info(node, "replication").await?;
    if info.role != Role::Master {
        return Err(fail(format!(
            "{node} still reports role {}",
            info.role.as_str()
        )));
    }
    let via = if sent == "REPLICAOF" {
        String::new()
    } else {
        format!(" (sent {sent} NO ONE: no REPLICAOF before Redis 5.0)")
    };
    Ok(st.promoted_at.map(|o| {
        format!(
            "promoted at offset {o}, new replid {}{via}",
            info.master_replid.as_deref().unwrap_or("?")
        )
    }))
}

/// [`Step::Follow`]: point a node at the new master (REPLICAOF, or SLAVEOF before 5.0) and check
/// it.
async fn follow(
    node: &NodeAddr,
    master: &NodeAddr,
    nodes: &mut Nodes<'_>,
) -> Result<Option<String>, StepError> {
    // Never point a node at a dead node: REPLICAOF to a host that does not answer is
    // accepted all the same, and the node would wait for it forever.
    match nodes.info(master, "replication").await {
        Ok(i) if i.role == Role::Master => {}
        Ok(i) => {
            return Err(fail(format!(
                "{master} reports role {}, not master: {node} was not pointed at it",
                i.role.as_str()
            )));
        }
        Err(e) => {
            return Err(fail(format!(
                "{master} does not answer ({e}): {node} was not pointed at a dead node"
            )));
        }
    }
    nodes.set_link_credentials(node).await?;
    let port = master.port().to_string();
    let (sent, _) = nodes.replicaof_named(node, master.host(), &port).await?;
    let info = nodes.info(node, "replication").await?;
    let points = info.role == Role::Replica
        && info
            .master_host
            .as_deref()
            .zip(info.master_port)
            .is_some_and(|(h, p)| NodeAddr::new(h, p) == *master);
    if !points {
        return Err(fail(format!(
            "{node} does not report {master} as its master"
        )));
    }
    // Say what was sent when it is not the REPLICAOF the step names.
    Ok((sent != "REPLICAOF").then(|| {
        format!(
            "sent {sent} {} {port}: no REPLICAOF before Redis 5.0",
            master.host()
        )
    }))
}

/// [`Step::Unpause`]: lift the pause on the old master and measure how long writes were held.
async fn unpause(
    node: &NodeAddr,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
) -> Result<Option<String>, StepError> {
    let since = st.paused.as_ref().filter(|p| &p.0 == node).map(|p| p.1);
    let res = nodes.send(node, &["CLIENT", "UNPAUSE"]).await;
    let note = match res {
        Ok(_) => None,
        Err(NodeError::Command { reason, .. }) if is_unknown_command(&reason) => Some(
            "CLIENT UNPAUSE needs Redis 6.2: the pause lifts by itself at its deadline".to_string(),
        ),
        Err(e) => return Err(e.into()),
    };
    if let Some(since) = since {
        st.write_pause = Some(since.elapsed());
        st.paused = None;
    }
    Ok(note.or_else(|| {
        st.write_pause
            .map(|d| format!("writes were paused for {} ms", d.as_millis()))
    }))
}

/// [`Step::Verify`]: wait until every replica follows the new master with its link up.
async fn verify(
    master: &NodeAddr,
    replicas: &[NodeAddr],
    index: usize,
    nodes: &mut Nodes<'_>,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<String>, StepError> {
    let deadline = Instant::now() + nodes.opts.verify_timeout;
    let mut waiting: Vec<NodeAddr> = replicas.to_vec();
    loop {
        // Following with the link up is not enough: each follower must share the new
        // master's history (same replid) and have caught up to where it was a moment
        // ago, or it silently took a different history.
        let master_info = nodes.info(master, "replication").await.ok();
        let master_off = master_info.as_ref().and_then(|i| i.master_repl_offset);
        let mut still = Vec::new();
        for r in &waiting {
            match nodes.info(r, "replication").await {
                Ok(info)
                    if follows(&info, master)
                        && master_info
                            .as_ref()
                            .is_some_and(|m| super::probe::same_history(m, &info))
                        && info
                            .slave_repl_offset
                            .zip(master_off)
                            .is_some_and(|(r, m)| r >= m) => {}
                _ => still.push(r.clone()),
            }
        }
        waiting = still;
        if waiting.is_empty() {
            return Ok(None);
        }
        if Instant::now() >= deadline {
            let names: Vec<String> = waiting.iter().map(ToString::to_string).collect();
            return Err(fail(format!(
                "not following {master} with link up, the same replid and its offset after {:?}: {}",
                nodes.opts.verify_timeout,
                names.join(", ")
            )));
        }
        on_event(Event::Progress {
            index,
            message: format!("waiting for {} link(s)", waiting.len()),
        });
        tokio::time::sleep(SLOW_POLL).await;
    }
}

/// [`Step::RestorePriority`]: put back a replica priority a killed Sentinel-coordinated run left at
/// 0.
async fn restore_priority(
    node: &NodeAddr,
    name: &str,
    value: &str,
    nodes: &mut Nodes<'_>,
) -> Result<Option<String>, StepError> {
    // Never fatal: a priority not put back must not keep the Persist steps after it
    // from writing the roles (a restart could otherwise bring an old master back).
    let set = nodes.send(node, &["CONFIG", "SET", name, value]).await;
    let now = match set {
        Ok(_) => nodes
            .send(node, &["CONFIG", "GET", name])
            .await
            .map(|v| strings(&v).get(1).cloned()),
        Err(e) => Err(e),
    };
    match now {
        Ok(Some(v)) if v == *value => {}
        other => {
            let why = match other {
                Ok(v) => format!("it reads {v:?}"),
                Err(e) => e.to_string(),
            };
            let msg = format!(
                "{name} not put back on {node} ({why}): run CONFIG SET {name} {value} there"
            );
            nodes.note("warning", msg.clone());
            return Ok(Some(msg));
        }
    }
    let mark = super::sentinel::PriorityMark {
        lowered: false,
        name: name.to_string(),
        value: value.to_string(),
    };
    let mut e = Entry::new(super::sentinel::PRIORITY_EVENT);
    e.step = nodes.step;
    e.node = Some(node.to_string());
    e.reply = Some(mark.to_string());
    e.message = Some(format!("{node}'s {name} put back"));
    if let Err(err) = nodes.journal.write(e) {
        tracing::warn!("{err}");
    }
    Ok(Some(format!("{name} {value} put back")))
}

/// The journal event that tracks whether a node's config says the role a run gave it:
/// `pending` for every node of the plan's Persist steps when the run starts, `done` once its
/// Persist step ran. A run stopped in between (SIGKILL; a signal's grace finishes only the
/// re-pointing) leaves `pending`, and a re-run that finds it persists that node
/// ([`crate::failover::plan::with_pending_persists`]): otherwise a restart could bring an old
/// master back as a master.
pub const PERSIST_EVENT: &str = "persist_state";
/// [`PERSIST_EVENT`]'s reply while not persisted yet.
pub const PERSIST_PENDING: &str = "pending";
/// [`PERSIST_EVENT`]'s reply once the Persist step ran.
pub const PERSIST_DONE: &str = "done";

fn journal_persist(nodes: &mut Nodes<'_>, node: &NodeAddr, state: &str) {
    let mut e = Entry::new(PERSIST_EVENT);
    e.step = nodes.step;
    e.node = Some(node.to_string());
    e.reply = Some(state.to_string());
    e.message = Some(format!("{node}'s config: new role {state}"));
    if let Err(err) = nodes.journal.write(e) {
        tracing::warn!("{err}");
    }
}

/// The plain path's I/O for a demotion ([`super::demote`]): its journaled connections, the
/// run's state (so the undo knows the old master may be a replica), its progress events.
struct PlainDemote<'a, 'b> {
    nodes: &'a mut Nodes<'b>,
    st: &'a mut RunState,
    on_event: &'a mut dyn FnMut(Event),
    /// The old master.
    node: &'a NodeAddr,
    /// The candidate.
    master: &'a NodeAddr,
    index: usize,
}

impl DemoteIo for PlainDemote<'_, '_> {
    async fn caught_up(&mut self, deadline: Instant) -> Result<i64, String> {
        let (node, master, index) = (self.node, self.master, self.index);
        let waited = wait_equal(
            self.nodes,
            node,
            master,
            deadline,
            None,
            index,
            self.on_event,
        );
        waited.await.map(|(_, seen)| seen).map_err(|e| e.message)
    }

    async fn send(&mut self, args: &[&str]) -> Result<redis::Value, String> {
        self.nodes
            .send(self.node, args)
            .await
            .map_err(|e| StepError::from(e).message)
    }

    async fn send_atomic(&mut self, cmds: &[&[&str]]) -> Result<Vec<redis::Value>, String> {
        // From here a failure may have left it a replica: the abort path makes it master.
        self.st.demoted = Some(self.node.clone());
        self.nodes
            .send_atomic(self.node, cmds)
            .await
            .map_err(|e| StepError::from(e).message)
    }

    async fn info(&mut self) -> Result<ReplicationInfo, String> {
        self.nodes
            .info(self.node, "replication")
            .await
            .map_err(|e| StepError::from(e).message)
    }

    async fn candidate_offset(&mut self) -> Option<i64> {
        let info = self.nodes.info(self.master, "replication").await.ok();
        info.and_then(|i| i.slave_repl_offset)
    }

    async fn master_again(&mut self, _attempt: u32, short: &str) -> Result<(), String> {
        self.nodes
            .replicaof(self.node, "NO", "ONE")
            .await
            .map_err(|e| StepError::from(e).message)?;
        self.st.demoted = None;
        let node = self.node;
        self.nodes
            .note("note", format!("{short}: {node} made master again"));
        Ok(())
    }

    fn retrying(&mut self, short: &str) {
        (self.on_event)(Event::Progress {
            index: self.index,
            message: format!("{short}: trying again"),
        });
    }
}

/// [`Step::Demote`]: make the fenced old master `node` a replica of `master` (the candidate, not
/// yet promoted) without losing a write ([`super::demote`]): a transaction that also reads the
/// last offset it wrote as a master and disconnects its clients, then a check that the
/// candidate has that offset; made master again, still fenced, and tried again when it does
/// not.
async fn demote(
    node: &NodeAddr,
    master: &NodeAddr,
    index: usize,
    nodes: &mut Nodes<'_>,
    st: &mut RunState,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<String>, StepError> {
    let deadline = st
        .budget_deadline
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
    // Its link to the candidate will need the credentials once the candidate is master.
    nodes.set_link_credentials(node).await?;
    // Where the last offset it wrote as a master is read (see `DemoteRead`).
    let read = DemoteRead::for_version(
        nodes
            .info(node, "server")
            .await?
            .version()
            .as_deref()
            .and_then(ServerVersion::parse_shown),
    );
    // Its replicas now: should it be made master again, each must have reconnected to it
    // before the next try.
    let attached = nodes
        .info(node, "replication")
        .await
        .map(|i| super::probe::online_replicas(&i))
        .unwrap_or_default();
    let mut io = PlainDemote {
        nodes,
        st,
        on_event,
        node,
        master,
        index,
    };
    match super::demote::demote(&mut io, read, &attached, deadline, node, master).await {
        Ok(d) => {
            st_demoted(io.st, &d);
            let killed = d.killed.map_or(String::new(), |k| {
                format!(", {k} client(s) disconnected to find the new master")
            });
            let tries = if d.attempt > 1 {
                format!(" (attempt {})", d.attempt)
            } else {
                String::new()
            };
            Ok(Some(format!(
                "{node} is a replica of {master}, which has all it wrote (offset {} >= {}){killed}{tries}",
                d.have, d.last
            )))
        }
        Err(DemoteError::Failed(m)) => Err(fail(m)),
        Err(DemoteError::Short {
            short,
            attempt,
            pre_4_0,
        }) => {
            let why = if pre_4_0 {
                " (before Redis 4.0 a demotion is not tried again)"
            } else {
                ""
            };
            Err(fail(format!(
                "{short} after {attempt} attempt(s): {node} was made master again, nothing lost{why}"
            )))
        }
        Err(DemoteError::NotBack { short, missing }) => Err(fail(format!(
            "{short}: {node} was made master again, nothing lost; {} not back on it within the budget, so it was not demoted again",
            missing.join(", ")
        ))),
    }
}

/// What the run keeps of a demotion that kept every write: the history the candidate must
/// continue, and what it was seen to have.
fn st_demoted(st: &mut RunState, d: &Demoted) {
    st.final_offset = Some(d.last);
    st.final_replid = d.replid.clone();
    st.demoted_seen = Some(d.have);
}

/// The short note a Persist step shows (the details are in the outcome).
pub fn persist_note(out: &PersistOutcome) -> String {
    match &out.method {
        PersistMethod::ConfigRewrite => "config file rewritten".into(),
        PersistMethod::NotPersisted { reason }
            if reason.contains("without a config file")
                && reason.contains("no config path in the inventory") =>
        {
            "not persisted: no config file".into()
        }
        _ => out.to_string(),
    }
}

/// The short note a Fence step shows.
pub fn fence_note(r: &FenceReport) -> String {
    let node = &r.node;
    match (r.fenced, r.came_back_as_replica, &r.command) {
        (true, Some(true), _) => {
            format!(
                "{node}: config rewritten and restarted: it follows {} now",
                r.new_master
            )
        }
        (true, Some(false), _) => format!(
            "{node}: config rewritten and restart run, but it does not follow {} yet",
            r.new_master
        ),
        (true, _, Some(c)) => format!(
            "{node}: config rewritten; `{}` ran ({})",
            c.command, c.which
        ),
        (true, _, None) => format!(
            "{node}: config rewritten: it comes back as a replica of {}",
            r.new_master
        ),
        (false, _, Some(c)) if c.status == Some(0) && c.which == "stop" => format!(
            "{node}: stopped with `{}`, but its config was not changed: see the instructions",
            c.command
        ),
        (false, ..) => format!("{node}: NOT fenced: see the instructions in the report"),
    }
}

/// True when a command failed because the node answered with an error (a Redis error code
/// such as `ERR`, `NOPERM`, `READONLY`), not because the answer never came.
fn is_definite_refusal(e: &NodeError) -> bool {
    match e {
        NodeError::Command { reason, .. } => reason
            .split_whitespace()
            .next()
            .is_some_and(|w| w.len() >= 3 && w.bytes().all(|b| b.is_ascii_uppercase())),
        _ => false,
    }
}

/// Poll until the replica's processed offset equals the master's, twice in a row (the second
/// read is the "right before promoting" one), or the deadline passes. With a pause of ALL
/// clients the master cannot be read: its offset read with the pause is used instead.
async fn wait_equal(
    nodes: &mut Nodes<'_>,
    master: &NodeAddr,
    replica: &NodeAddr,
    deadline: Instant,
    fixed_master_offset: Option<i64>,
    index: usize,
    on_event: &mut dyn FnMut(Event),
) -> Result<(i64, i64), StepError> {
    let mut last = (None, None);
    let mut equal_once = false;
    let over = |m: Option<i64>, r: Option<i64>| {
        format!(
            "{replica} did not catch up with {master} within the pause budget ({replica} at offset {}, {master} at {})",
            r.map_or("?".into(), |v| v.to_string()),
            m.map_or("?".into(), |v| v.to_string())
        )
    };
    loop {
        // A node that stops answering must not stretch the pause past the budget.
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let m = match fixed_master_offset {
            Some(o) => Some(o),
            None => {
                tokio::time::timeout(left, nodes.info(master, "replication"))
                    .await
                    .map_err(|_| fail(over(last.0, last.1)))??
                    .master_repl_offset
            }
        };
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let r = tokio::time::timeout(left, nodes.info(replica, "replication"))
            .await
            .map_err(|_| fail(format!("{} ({replica} did not answer)", over(m, last.1))))??
            .slave_repl_offset;
        if let (Some(m), Some(r)) = (m, r)
            && m == r
        {
            if equal_once {
                nodes.note("note", format!("{replica} at offset {r} = {master} at {m}"));
                return Ok((m, r));
            }
            equal_once = true;
            continue;
        }
        equal_once = false;
        if (m, r) != last {
            on_event(Event::Progress {
                index,
                message: format!(
                    "{master} at {}, {replica} at {}",
                    m.map_or("?".into(), |v| v.to_string()),
                    r.map_or("?".into(), |v| v.to_string())
                ),
            });
            last = (m, r);
        }
        if Instant::now() >= deadline {
            let text = over(m, r);
            nodes.note("note", text.clone());
            return Err(fail(text));
        }
        tokio::time::sleep(FAST_POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(p: u16) -> NodeAddr {
        NodeAddr::new("127.0.0.1", p)
    }

    fn outcome(method: PersistMethod) -> PersistOutcome {
        PersistOutcome {
            node: addr(1),
            method,
            notes: Vec::new(),
        }
    }

    #[test]
    fn persist_notes_are_short_where_they_can_be() {
        assert_eq!(
            persist_note(&outcome(PersistMethod::ConfigRewrite)),
            "config file rewritten"
        );
        // Redis without a config file and nothing in the inventory: the short form.
        let none = outcome(PersistMethod::NotPersisted {
            reason: "CONFIG REWRITE: CONFIG failed: ERR The server is running without a config file; no config path in the inventory".into(),
        });
        assert_eq!(persist_note(&none), "not persisted: no config file");
        // Any other reason is shown whole.
        let other = outcome(PersistMethod::NotPersisted {
            reason: "config /etc/redis.conf: no ssh route to edit it; CONFIG REWRITE: ERR The server is running without a config file".into(),
        });
        assert!(persist_note(&other).contains("no ssh route"));
        let edited = outcome(PersistMethod::SshEdit {
            path: "/etc/redis/redis.conf".into(),
            backup: Some("/etc/redis/redis.conf.rkv-20261124T120000".into()),
            changed: true,
        });
        assert_eq!(
            persist_note(&edited),
            "127.0.0.1:1: /etc/redis/redis.conf edited over ssh (backup /etc/redis/redis.conf.rkv-20261124T120000)"
        );
    }

    fn fence(
        fenced: bool,
        back: Option<bool>,
        command: Option<(&str, Option<i32>)>,
    ) -> FenceReport {
        FenceReport {
            node: addr(1),
            new_master: addr(2),
            fenced,
            config: None,
            command: command.map(|(which, status)| RemoteCommand {
                which: which.into(),
                command: format!("systemctl {which} redis"),
                status,
                output: String::new(),
            }),
            came_back_as_replica: back,
            instructions: Vec::new(),
        }
    }

    #[test]
    fn fence_notes_say_what_happened() {
        assert_eq!(
            fence_note(&fence(true, Some(true), Some(("restart", Some(0))))),
            "127.0.0.1:1: config rewritten and restarted: it follows 127.0.0.1:2 now"
        );
        assert!(
            fence_note(&fence(true, Some(false), Some(("restart", Some(0)))))
                .contains("does not follow 127.0.0.1:2 yet")
        );
        assert_eq!(
            fence_note(&fence(true, None, None)),
            "127.0.0.1:1: config rewritten: it comes back as a replica of 127.0.0.1:2"
        );
        assert!(
            fence_note(&fence(false, None, Some(("stop", Some(0)))))
                .contains("stopped with `systemctl stop redis`")
        );
        assert!(fence_note(&fence(false, None, None)).contains("NOT fenced"));
        assert!(fence_note(&fence(false, None, Some(("stop", Some(1))))).contains("NOT fenced"));
    }

    #[test]
    fn io_errors_drop_the_connection_server_errors_do_not() {
        let cmd = |reason: &str| NodeError::Command {
            command: "INFO".into(),
            reason: reason.into(),
        };
        assert!(connection_lost(&cmd("broken pipe")));
        assert!(connection_lost(&cmd(
            "Connection reset by peer (os error 104)"
        )));
        assert!(connection_lost(&NodeError::Connect("refused".into())));
        assert!(connection_lost(&NodeError::Timeout(
            Duration::from_secs(1),
            "waiting for a reply"
        )));
        assert!(!connection_lost(&cmd("ERR unknown command 'REPLICAOF'")));
        assert!(!connection_lost(&cmd(
            "READONLY You can't write against a read only replica."
        )));
        assert!(!connection_lost(&NodeError::Auth("WRONGPASS".into())));
    }
}
