//! Command dispatch and the commands the server layer carries out itself: connection
//! (AUTH, HELLO, SELECT, CLIENT …), transactions (MULTI/EXEC/WATCH) and administration
//! (INFO, CONFIG, COMMAND, SAVE, BGSAVE, SHUTDOWN …).
//!
//! Everything here runs with the state lock held and never waits: a command that has to wait
//! (held by CLIENT PAUSE) is reported back to the connection as [`Outcome::Paused`], which
//! releases the lock, waits, and runs it again.

use crate::resp::{Frame, Protocol};
use crate::server::acl::User;
use crate::server::cmd::{self, CommandSpec, ExecCtx, Handler, flags};
use crate::server::info;
use crate::server::state::{ClientKind, Pause, Shared, State, now_ms, snapshot_db};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lines a MONITOR client may fall behind by before it is dropped.
const MONITOR_QUEUE: usize = 10_000;

/// A MONITOR connection: `+OK`, then every command as a line, until the client leaves (any
/// input other than what we ignore is not processed, as in Redis, where a monitor can only
/// QUIT) or falls too far behind.
async fn monitor_loop(mut conn: HandoffConn, mut rx: tokio::sync::mpsc::Receiver<Bytes>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if conn.stream.write_all(b"+OK\r\n").await.is_err() {
        return;
    }
    let mut sink = [0u8; 1024];
    loop {
        tokio::select! {
            line = rx.recv() => match line {
                Some(l) => {
                    if conn.stream.write_all(&l).await.is_err() {
                        return;
                    }
                }
                None => return,
            },
            r = conn.stream.read(&mut sink) => match r {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            _ = conn.kill.notified() => return,
        }
    }
}

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
    pub stream: Box<dyn crate::node::client::NodeIo>,
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

fn err(msg: impl Into<String>) -> Outcome {
    Outcome::Reply(Frame::Error(msg.into()))
}

fn lower(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_ascii_lowercase()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Redis's unknown-command text (name and args truncated to about 128 bytes).
pub fn unknown_command_error(argv: &[Bytes]) -> String {
    let name: String = text(&argv[0]).chars().take(128).collect();
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let a: String = text(a).chars().take(room).collect();
        args.push('\'');
        args.push_str(&a);
        args.push_str("' ");
    }
    format!("ERR unknown command '{name}', with args beginning with: {args}")
}

fn arity_error(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
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

/// Run one command. `argv` is non-empty.
pub fn execute(
    shared: &Arc<Shared>,
    state: &mut State,
    client: &mut Client,
    argv: Vec<Bytes>,
) -> Outcome {
    let Some(spec) = cmd::lookup(&argv[0]) else {
        if client.multi.is_some() {
            client.multi_error = true;
        }
        return err(unknown_command_error(&argv));
    };
    if !spec.arity_ok(argv.len()) {
        if client.multi.is_some() {
            client.multi_error = true;
        }
        return err(arity_error(spec.name));
    }
    // Borrow the user rather than clone the Arc: every connection shares the default user,
    // and a reference-count bump per command would bounce its cache line between cores.
    match client.user.as_deref() {
        None => {
            if spec.flags & flags::NOAUTH == 0 {
                if client.multi.is_some() {
                    client.multi_error = true;
                }
                return err("NOAUTH Authentication required.");
            }
            return run(shared, state, client, spec, argv);
        }
        Some(user) if !user.may_run(spec) => {
            let msg = format!(
                "NOPERM User {} has no permissions to run the '{}' command",
                user.name, spec.name
            );
            if client.multi.is_some() {
                client.multi_error = true;
            }
            return err(msg);
        }
        Some(_) => {}
    }
    if spec.is_write()
        && state.repl.is_replica()
        && state.config.replica_read_only
        && client.kind != ClientKind::Master
    {
        if client.multi.is_some() {
            client.multi_error = true;
        }
        return err(crate::server::repl::READONLY_ERROR);
    }
    // min-replicas-to-write: checked before queuing, as Redis does, so a write queued in
    // MULTI while refused aborts the EXEC. Scripts count as writes: a script's writes must
    // be held as surely as plain ones (a fence that a write inside EVAL slips through, as
    // on Redis 5.0, is no fence).
    if (spec.is_write() || matches!(spec.name, "eval" | "evalsha" | "fcall"))
        && client.kind != ClientKind::Master
        && crate::server::repl::writes_refused_for_replicas(state)
    {
        if client.multi.is_some() {
            client.multi_error = true;
        }
        return err(crate::server::repl::NOREPLICAS_ERROR);
    }
    if let Some(e) = crate::server::pubsub::restricted(client, spec.name) {
        if client.multi.is_some() {
            client.multi_error = true;
        }
        return err(e);
    }
    if !state.config.replica_serve_stale_data
        && spec.flags & flags::STALE == 0
        && client.kind != ClientKind::Master
        && state.repl.link_down()
    {
        if client.multi.is_some() {
            client.multi_error = true;
        }
        return err(crate::server::repl::MASTERDOWN_ERROR);
    }
    if let Some(queue) = client.multi.as_mut()
        && !matches!(
            spec.name,
            "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
        )
    {
        if spec.flags & flags::NO_MULTI != 0 {
            client.multi_error = true;
            return err("ERR Command not allowed inside a transaction");
        }
        queue.push(argv);
        let n = queue.len();
        if let Some(e) = state.clients.get_mut(&client.id) {
            e.multi = i64::try_from(n).unwrap_or(i64::MAX);
        }
        return Outcome::Reply(Frame::Simple("QUEUED".into()));
    }
    run(shared, state, client, spec, argv)
}

fn is_write_for_pause(spec: &CommandSpec, client: &Client) -> bool {
    if spec.is_write() || matches!(spec.name, "eval" | "evalsha" | "publish" | "pfcount") {
        return true;
    }
    if spec.name == "exec" {
        return client.multi.as_ref().is_some_and(|q| {
            q.iter()
                .any(|a| cmd::lookup(&a[0]).is_some_and(|s| s.is_write()))
        });
    }
    false
}

fn run(
    shared: &Arc<Shared>,
    state: &mut State,
    client: &mut Client,
    spec: &'static CommandSpec,
    argv: Vec<Bytes>,
) -> Outcome {
    if state.pause.is_some() {
        let w = is_write_for_pause(spec, client);
        if let Some(until) = state.paused_until(spec, w, client.kind, Instant::now()) {
            return Outcome::Paused(until, argv);
        }
    }
    state.stats.total_commands_processed += 1;
    if let Some(e) = state.clients.get_mut(&client.id) {
        e.last_cmd = spec.name;
        e.last_active = Instant::now();
    }
    if !state.monitors.is_empty()
        && spec.flags & flags::ADMIN == 0
        && !matches!(spec.name, "auth" | "hello")
    {
        state.feed_monitors(client.id, &argv);
    }
    if spec.flags & flags::BLOCKING != 0 && client.kind != ClientKind::Master {
        return cmd::blocking::command(shared, state, client.id, &argv);
    }
    match spec.handler {
        Handler::Data(f) => Outcome::Reply(run_data(state, client, spec, f, &argv)),
        Handler::Server => server_command(shared, state, client, spec, argv),
    }
}

/// Run a data command and propagate what it changed.
pub fn run_data(
    state: &mut State,
    client: &mut Client,
    spec: &CommandSpec,
    f: fn(&mut ExecCtx<'_>, &[Bytes]) -> Frame,
    argv: &[Bytes],
) -> Frame {
    let is_master = state.expires_keys() && !state.repl.is_replica();
    let record = state.persist.aof.is_some()
        || state.repl.backlog.is_some()
        || !state.watched.is_empty()
        || !state.blocking.is_empty();
    let mut ctx = ExecCtx {
        db: &mut state.db,
        now_ms: now_ms(),
        propagate: &mut state.scratch,
        dirty: &mut state.dirty,
        is_master,
        record,
    };
    let reply = f(&mut ctx, argv);
    if !state.scratch.is_empty() {
        let cmds = std::mem::take(&mut state.scratch);
        state.propagate(cmds);
        client.aof_seq = state.persist.aof_seq;
    }
    if spec.flags & flags::READONLY != 0 && spec.first_key > 0 && spec.first_key == spec.last_key {
        match reply {
            Frame::Null | Frame::NullArray => state.stats.keyspace_misses += 1,
            Frame::Error(_) => {}
            _ => state.stats.keyspace_hits += 1,
        }
    }
    reply
}

/// Apply a command read back from the AOF: data commands only, no propagation.
pub fn apply_replayed(state: &mut State, argv: &[Bytes]) -> Result<(), String> {
    let Some(name) = argv.first() else {
        return Ok(());
    };
    if [&b"multi"[..], b"exec", b"select"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
    {
        return Ok(());
    }
    let spec = cmd::lookup(name).ok_or_else(|| format!("unknown command '{}'", text(name)))?;
    let Handler::Data(f) = spec.handler else {
        return Err(format!("'{}' is not a data command", spec.name));
    };
    if !spec.arity_ok(argv.len()) {
        return Err(arity_error(spec.name));
    }
    let mut discard = Vec::new();
    let mut ctx = ExecCtx {
        db: &mut state.db,
        now_ms: now_ms(),
        propagate: &mut discard,
        dirty: &mut state.dirty,
        is_master: true,
        record: false,
    };
    let _ = f(&mut ctx, argv);
    Ok(())
}

fn server_command(
    shared: &Arc<Shared>,
    state: &mut State,
    client: &mut Client,
    spec: &'static CommandSpec,
    argv: Vec<Bytes>,
) -> Outcome {
    match spec.name {
        "ping"
            if argv.len() <= 2
                && let Some(f) = crate::server::pubsub::subscribed_ping(client, &argv) =>
        {
            Outcome::Reply(f)
        }
        "ping" => match argv.len() {
            1 => Outcome::Reply(Frame::Simple("PONG".into())),
            2 => Outcome::Reply(Frame::Bulk(argv[1].clone())),
            _ => err(arity_error("ping")),
        },
        "echo" => Outcome::Reply(Frame::Bulk(argv[1].clone())),
        "auth" => auth(state, client, &argv),
        "acl" => acl(state, &argv),
        "hello" => hello(shared, state, client, &argv),
        "select" => match crate::resp::request::parse_i64(&argv[1]) {
            None => err("ERR value is not an integer or out of range"),
            Some(0) => Outcome::Reply(Frame::ok()),
            Some(_) => err("ERR DB index is out of range"),
        },
        "quit" => Outcome::Close(Frame::ok()),
        "reset" => {
            client.multi = None;
            client.multi_error = false;
            client.unwatch_all(state);
            crate::server::pubsub::reset(state, client);
            client.proto = Protocol::Resp2;
            client.reply_mode = ReplyMode::On;
            let default = state.default_user();
            client.user = if default.password.is_none() {
                Some(default)
            } else {
                None
            };
            if let Some(e) = state.clients.get_mut(&client.id) {
                e.name = None;
                e.resp = 2;
                e.multi = -1;
                e.user = "default".into();
            }
            Outcome::Reply(Frame::Simple("RESET".into()))
        }
        "client" => client_command(shared, state, client, &argv),
        "multi" => {
            if client.multi.is_some() {
                return err("ERR MULTI calls can not be nested");
            }
            client.multi = Some(Vec::new());
            client.multi_error = false;
            if let Some(e) = state.clients.get_mut(&client.id) {
                e.multi = 0;
            }
            Outcome::Reply(Frame::ok())
        }
        "exec" => exec(shared, state, client),
        "discard" => {
            if client.multi.take().is_none() {
                return err("ERR DISCARD without MULTI");
            }
            client.multi_error = false;
            client.unwatch_all(state);
            if let Some(e) = state.clients.get_mut(&client.id) {
                e.multi = -1;
            }
            Outcome::Reply(Frame::ok())
        }
        "watch" => {
            if client.multi.is_some() {
                return err("ERR WATCH inside MULTI is not allowed");
            }
            for k in &argv[1..] {
                if client.watched.iter().any(|(w, _)| w == k) {
                    continue;
                }
                let e = state.watched.entry(k.clone()).or_default();
                e.refs += 1;
                client.watched.push((k.clone(), e.version));
            }
            Outcome::Reply(Frame::ok())
        }
        "unwatch" => {
            client.unwatch_all(state);
            Outcome::Reply(Frame::ok())
        }
        "info" => {
            let args: Vec<String> = argv[1..].iter().map(|a| text(a)).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let s = info::info(state, shared, &args);
            Outcome::Reply(Frame::Verbatim("txt".into(), Bytes::from(s)))
        }
        "config" => config_command(state, &argv),
        "replicaof" | "slaveof" | "role" | "replconf" | "psync" | "sync" | "wait" | "failover" => {
            crate::server::repl::command(shared, state, client, spec.name, argv)
        }
        "command" => command_command(&argv),
        "publish" | "subscribe" | "psubscribe" | "unsubscribe" | "punsubscribe" | "pubsub" => {
            crate::server::pubsub::command(state, client, spec.name, &argv)
        }
        "time" => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            Outcome::Reply(Frame::Array(vec![
                Frame::bulk(now.as_secs().to_string()),
                Frame::bulk(now.subsec_micros().to_string()),
            ]))
        }
        "lastsave" => Outcome::Reply(Frame::Integer(
            i64::try_from(state.persist.last_save_unix).unwrap_or(i64::MAX),
        )),
        "save" => {
            if state.persist.bgsave_in_progress {
                return err("ERR Background save already in progress");
            }
            match save_now(state) {
                Ok(()) => Outcome::Reply(Frame::ok()),
                Err(e) => {
                    tracing::error!("SAVE failed: {e}");
                    err("ERR")
                }
            }
        }
        "bgsave" => {
            if argv.len() > 2 || (argv.len() == 2 && !argv[1].eq_ignore_ascii_case(b"schedule")) {
                return err("ERR syntax error");
            }
            match start_bgsave(shared, state) {
                Ok(()) => Outcome::Reply(Frame::Simple("Background saving started".into())),
                Err(e) => err(e),
            }
        }
        "shutdown" => {
            let mut save: Option<bool> = None;
            for a in &argv[1..] {
                match lower(a).as_str() {
                    "nosave" => save = Some(false),
                    "save" => save = Some(true),
                    "now" | "force" => {}
                    "abort" => return err("ERR No shutdown in progress."),
                    _ => return err("ERR syntax error"),
                }
            }
            let want = save.unwrap_or(!state.config.save.is_empty());
            if want {
                if let Err(e) = save_now(state) {
                    tracing::error!("error saving before SHUTDOWN: {e}");
                    return err("ERR Errors trying to SHUTDOWN. Check logs.");
                }
                state.persist.last_save_unix = now_ms() / 1000;
            }
            tracing::info!("SHUTDOWN requested by a client, exiting");
            shared.request_shutdown();
            Outcome::Shutdown
        }
        "monitor" => {
            let (tx, rx) = tokio::sync::mpsc::channel(MONITOR_QUEUE);
            state.monitors.push((client.id, tx));
            Outcome::Handoff(Box::new(move |conn| Box::pin(monitor_loop(conn, rx))))
        }
        "debug" => match lower(&argv[1]).as_str() {
            "sleep" if argv.len() == 3 => {
                let secs: f64 = text(&argv[2]).parse().unwrap_or(0.0);
                // NaN would panic in from_secs_f64; treat it as no sleep.
                let secs = if secs.is_finite() {
                    secs.clamp(0.0, 60.0)
                } else {
                    0.0
                };
                std::thread::sleep(Duration::from_secs_f64(secs));
                Outcome::Reply(Frame::ok())
            }
            _ => err("ERR DEBUG subcommand not supported by rkv (supported: SLEEP seconds)"),
        },
        other => err(format!("ERR unknown command '{other}'")),
    }
}

fn auth(state: &mut State, client: &mut Client, argv: &[Bytes]) -> Outcome {
    let (user, pw) = match argv.len() {
        2 => {
            if state.default_user().password.is_none() {
                return err(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                );
            }
            (&b"default"[..], &argv[1][..])
        }
        3 => (&argv[1][..], &argv[2][..]),
        _ => return err("ERR syntax error"),
    };
    match authenticate(state, client, user, pw) {
        Ok(()) => Outcome::Reply(Frame::ok()),
        Err(e) => Outcome::Reply(e),
    }
}

fn authenticate(
    state: &mut State,
    client: &mut Client,
    user: &[u8],
    pw: &[u8],
) -> Result<(), Frame> {
    match state.user(user) {
        Some(u) if u.password_ok(pw) => {
            if let Some(e) = state.clients.get_mut(&client.id) {
                e.user = u.name.clone();
            }
            client.user = Some(u);
            Ok(())
        }
        _ => {
            auth_failed(state, client, user);
            Err(Frame::error(
                "WRONGPASS invalid username-password pair or user is disabled.",
            ))
        }
    }
}

/// A failed AUTH: an `ACL LOG` entry, and a log line at most once a second (a guessing
/// client cannot flood the log; the line says how many were not logged).
fn auth_failed(state: &mut State, client: &Client, user: &[u8]) {
    let now = crate::server::state::now_ms();
    let info = state
        .clients
        .get(&client.id)
        .map(|e| client_line(state, e))
        .unwrap_or_default();
    let addr = state
        .clients
        .get(&client.id)
        .map(|e| e.addr.clone())
        .unwrap_or_default();
    let user = String::from_utf8_lossy(user).into_owned();
    state.acl_log.auth_failed(&user, info, now);
    if let Some(unlogged) = state.acl_log.should_log(now) {
        let more = if unlogged > 0 {
            format!(" ({unlogged} more failed since the last such line)")
        } else {
            String::new()
        };
        tracing::warn!("failed AUTH for user '{user}' from {addr}{more}");
    }
}

/// `ACL LOG [count|RESET]`, the one ACL subcommand rkv has (users come from the config file).
fn acl(state: &mut State, argv: &[Bytes]) -> Outcome {
    let sub = lower(&argv[1]);
    if sub != "log" {
        return err(format!(
            "ERR unknown subcommand '{}'. rkv supports ACL LOG [count|RESET]",
            String::from_utf8_lossy(&argv[1])
        ));
    }
    let mut count = usize::MAX;
    match argv.len() {
        2 => {}
        3 if lower(&argv[2]) == "reset" => {
            state.acl_log.reset();
            return Outcome::Reply(Frame::ok());
        }
        3 => match crate::resp::request::parse_i64(&argv[2]).filter(|n| *n >= 0) {
            Some(n) => count = usize::try_from(n).unwrap_or(usize::MAX),
            None => return err("ERR value is out of range, must be positive"),
        },
        _ => return err("ERR syntax error"),
    }
    let now = crate::server::state::now_ms();
    let s = |t: &str| Frame::Bulk(Bytes::from(t.to_string()));
    let entries = state
        .acl_log
        .entries
        .iter()
        .take(count)
        .map(|e| {
            #[expect(clippy::cast_precision_loss, reason = "ages in ms fit a double")]
            let age = now.saturating_sub(e.created_ms) as f64 / 1000.0;
            Frame::Map(vec![
                (
                    s("count"),
                    Frame::Integer(i64::try_from(e.count).unwrap_or(i64::MAX)),
                ),
                (s("reason"), s(e.reason)),
                (s("context"), s(e.context)),
                (s("object"), s(&e.object)),
                (s("username"), s(&e.username)),
                (s("age-seconds"), Frame::Double(age)),
                (s("client-info"), s(&e.client_info)),
                (
                    s("entry-id"),
                    Frame::Integer(i64::try_from(e.entry_id).unwrap_or(i64::MAX)),
                ),
                (
                    s("timestamp-created"),
                    Frame::Integer(i64::try_from(e.created_ms).unwrap_or(i64::MAX)),
                ),
                (
                    s("timestamp-last-updated"),
                    Frame::Integer(i64::try_from(e.updated_ms).unwrap_or(i64::MAX)),
                ),
            ])
        })
        .collect();
    Outcome::Reply(Frame::Array(entries))
}

fn hello(shared: &Arc<Shared>, state: &mut State, client: &mut Client, argv: &[Bytes]) -> Outcome {
    let mut proto = client.proto;
    let mut i = 1;
    if argv.len() > 1 {
        match crate::resp::request::parse_i64(&argv[1]) {
            None => return err("ERR Protocol version is not an integer or out of range"),
            Some(2) => proto = Protocol::Resp2,
            Some(3) => proto = Protocol::Resp3,
            Some(_) => return err("NOPROTO unsupported protocol version"),
        }
        i = 2;
    }
    let mut setname: Option<Bytes> = None;
    let mut auth: Option<(Bytes, Bytes)> = None;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        let opt = lower(&argv[i]);
        if opt == "auth" && more >= 2 {
            auth = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 3;
        } else if opt == "setname" && more >= 1 {
            setname = Some(argv[i + 1].clone());
            i += 2;
        } else {
            return err(format!(
                "ERR Syntax error in HELLO option '{}'",
                text(&argv[i])
            ));
        }
    }
    if let Some((u, p)) = auth
        && let Err(e) = authenticate(state, client, &u, &p)
    {
        return Outcome::Reply(e);
    }
    if client.user.is_none() {
        return err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        );
    }
    if let Some(name) = setname
        && let Err(e) = set_name(state, client.id, &name)
    {
        return Outcome::Reply(e);
    }
    client.proto = proto;
    if let Some(e) = state.clients.get_mut(&client.id) {
        e.resp = if proto == Protocol::Resp3 { 3 } else { 2 };
    }
    let _ = shared;
    Outcome::Reply(Frame::Map(vec![
        (Frame::bulk("server"), Frame::bulk("redis")),
        (Frame::bulk("version"), Frame::bulk("7.0.15")),
        (
            Frame::bulk("proto"),
            Frame::Integer(if proto == Protocol::Resp3 { 3 } else { 2 }),
        ),
        (
            Frame::bulk("id"),
            Frame::Integer(i64::try_from(client.id).unwrap_or(i64::MAX)),
        ),
        (Frame::bulk("mode"), Frame::bulk("standalone")),
        (Frame::bulk("role"), Frame::bulk("master")),
        (Frame::bulk("modules"), Frame::Array(vec![])),
    ]))
}

fn set_name(state: &mut State, id: u64, name: &[u8]) -> Result<(), Frame> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(Frame::error(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    if let Some(e) = state.clients.get_mut(&id) {
        e.name = if name.is_empty() {
            None
        } else {
            Some(text(name))
        };
    }
    Ok(())
}

fn exec(shared: &Arc<Shared>, state: &mut State, client: &mut Client) -> Outcome {
    let Some(queue) = client.multi.take() else {
        return err("ERR EXEC without MULTI");
    };
    if let Some(e) = state.clients.get_mut(&client.id) {
        e.multi = -1;
    }
    if client.multi_error {
        client.multi_error = false;
        client.unwatch_all(state);
        return err("EXECABORT Transaction discarded because of previous errors.");
    }
    // The node may have become a read-only replica between MULTI and EXEC (a switchover
    // re-points it while the EXEC waits out a CLIENT PAUSE): its writes must not run here,
    // where they would never reach the new master (Redis refuses the same way).
    if state.repl.is_replica()
        && state.config.replica_read_only
        && client.kind != ClientKind::Master
        && queue
            .iter()
            .any(|a| cmd::lookup(&a[0]).is_some_and(|s| s.is_write()))
    {
        client.unwatch_all(state);
        return err(
            "EXECABORT Transaction discarded because of: READONLY You can't write against a read only replica.",
        );
    }
    // Replicas went bad (or a fence was raised) between MULTI and EXEC: Redis aborts the
    // EXEC of a transaction with writes the same way.
    if client.kind != ClientKind::Master
        && crate::server::repl::writes_refused_for_replicas(state)
        && queue.iter().any(|a| {
            cmd::lookup(&a[0])
                .is_some_and(|s| s.is_write() || matches!(s.name, "eval" | "evalsha" | "fcall"))
        })
    {
        client.unwatch_all(state);
        return err(format!(
            "EXECABORT Transaction discarded because of: {}",
            crate::server::repl::NOREPLICAS_ERROR
        ));
    }
    let dirty_watch = client
        .watched
        .iter()
        .any(|(k, v)| state.watched.get(k).is_none_or(|e| e.version != *v));
    client.unwatch_all(state);
    if dirty_watch {
        return Outcome::Reply(Frame::NullArray);
    }
    // Collect the inner commands' propagation and emit it once as MULTI … EXEC, so a replica
    // or the AOF applies the transaction as a unit.
    let aof_before = state.persist.aof_seq;
    let mut replies = Vec::with_capacity(queue.len());
    let mut inner: Vec<Vec<Bytes>> = Vec::new();
    for argv in queue {
        let Some(spec) = cmd::lookup(&argv[0]) else {
            replies.push(Frame::error(unknown_command_error(&argv)));
            continue;
        };
        if let Some(u) = &client.user
            && !u.may_run(spec)
        {
            replies.push(Frame::error(format!(
                "NOPERM User {} has no permissions to run the '{}' command",
                u.name, spec.name
            )));
            continue;
        }
        state.stats.total_commands_processed += 1;
        match spec.handler {
            Handler::Data(f) => {
                let is_master = state.expires_keys() && !state.repl.is_replica();
                let mut ctx = ExecCtx {
                    db: &mut state.db,
                    now_ms: now_ms(),
                    propagate: &mut inner,
                    dirty: &mut state.dirty,
                    is_master,
                    record: true,
                };
                replies.push(f(&mut ctx, &argv));
            }
            Handler::Server => match server_command(shared, state, client, spec, argv) {
                Outcome::Reply(f) | Outcome::Close(f) => replies.push(f),
                Outcome::Replies(v) => replies.extend(v),
                Outcome::NoReply => replies.push(Frame::ok()),
                Outcome::Paused(..)
                | Outcome::Shutdown
                | Outcome::Handoff(_)
                | Outcome::Block(_) => {
                    replies.push(Frame::error("ERR command not allowed in a transaction"));
                }
            },
        }
    }
    if !inner.is_empty() {
        let mut cmds = Vec::with_capacity(inner.len() + 2);
        cmds.push(vec![Bytes::from_static(b"MULTI")]);
        cmds.extend(inner);
        cmds.push(vec![Bytes::from_static(b"EXEC")]);
        state.propagate(cmds);
    }
    if state.persist.aof_seq != aof_before {
        client.aof_seq = state.persist.aof_seq;
    }
    Outcome::Reply(Frame::Array(replies))
}

/// One CLIENT LIST line.
fn client_line(state: &State, e: &crate::server::state::ClientEntry) -> String {
    let flags = match e.kind {
        ClientKind::Normal if e.multi >= 0 => "x",
        ClientKind::Normal => "N",
        ClientKind::Master => "M",
        ClientKind::Replica => "S",
        ClientKind::PubSub => "P",
    };
    let (sub, psub) = state.pubsub.counts(e.id);
    format!(
        "id={} addr={} laddr={} fd=0 name={} age={} idle={} flags={} db=0 sub={sub} psub={psub} ssub=0 multi={} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user={} redir=-1 resp={}",
        e.id,
        e.addr,
        e.laddr,
        e.name.as_deref().unwrap_or(""),
        e.created.elapsed().as_secs(),
        e.last_active.elapsed().as_secs(),
        flags,
        e.multi,
        e.qbuf,
        e.last_cmd,
        e.user,
        e.resp
    )
}

fn parse_kind(s: &str) -> Option<ClientKind> {
    match s {
        "normal" => Some(ClientKind::Normal),
        "master" => Some(ClientKind::Master),
        "replica" | "slave" => Some(ClientKind::Replica),
        "pubsub" => Some(ClientKind::PubSub),
        _ => None,
    }
}

fn client_command(
    shared: &Arc<Shared>,
    state: &mut State,
    client: &mut Client,
    argv: &[Bytes],
) -> Outcome {
    let sub = lower(&argv[1]);
    let n = argv.len();
    let wrong = |s: &str| {
        err(format!(
            "ERR wrong number of arguments for 'client|{s}' command"
        ))
    };
    let _ = shared;
    match sub.as_str() {
        "id" if n == 2 => Outcome::Reply(Frame::Integer(i64::try_from(client.id).unwrap_or(0))),
        "setname" if n == 3 => match set_name(state, client.id, &argv[2]) {
            Ok(()) => Outcome::Reply(Frame::ok()),
            Err(e) => Outcome::Reply(e),
        },
        "getname" if n == 2 => Outcome::Reply(
            state
                .clients
                .get(&client.id)
                .and_then(|e| e.name.clone())
                .map_or(Frame::Null, Frame::bulk),
        ),
        "list" => {
            let mut kind = None;
            let mut ids: Option<Vec<u64>> = None;
            let mut i = 2;
            while i < n {
                match lower(&argv[i]).as_str() {
                    "type" if i + 1 < n => {
                        let t = lower(&argv[i + 1]);
                        match parse_kind(&t) {
                            Some(k) => kind = Some(k),
                            None => {
                                return err(format!(
                                    "ERR Unknown client type '{}'",
                                    text(&argv[i + 1])
                                ));
                            }
                        }
                        i += 2;
                    }
                    "id" if i + 1 < n => {
                        let mut v = Vec::new();
                        for a in &argv[i + 1..] {
                            match crate::resp::request::parse_i64(a) {
                                Some(id) if id > 0 => v.push(id.unsigned_abs()),
                                _ => return err("ERR Invalid client ID"),
                            }
                        }
                        ids = Some(v);
                        i = n;
                    }
                    _ => return err("ERR syntax error"),
                }
            }
            let mut entries: Vec<_> = state.clients.values().collect();
            entries.sort_by_key(|e| e.id);
            let mut out = String::new();
            for e in entries {
                if kind.is_some_and(|k| k != e.kind) {
                    continue;
                }
                if ids.as_ref().is_some_and(|v| !v.contains(&e.id)) {
                    continue;
                }
                out.push_str(&client_line(state, e));
                out.push('\n');
            }
            Outcome::Reply(Frame::Verbatim("txt".into(), Bytes::from(out)))
        }
        "info" if n == 2 => {
            let line = state
                .clients
                .get(&client.id)
                .map(|e| client_line(state, e) + "\n")
                .unwrap_or_default();
            Outcome::Reply(Frame::Verbatim("txt".into(), Bytes::from(line)))
        }
        "kill" => client_kill(state, client, argv),
        "pause" if n == 3 || n == 4 => {
            let Some(ms) = crate::resp::request::parse_i64(&argv[2]) else {
                return err("ERR timeout is not an integer or out of range");
            };
            if ms < 0 {
                return err("ERR timeout is negative");
            }
            let all = if n == 4 {
                match lower(&argv[3]).as_str() {
                    "write" => false,
                    "all" => true,
                    _ => return err("ERR syntax error"),
                }
            } else {
                true
            };
            // A huge timeout must not overflow the clock: cap it at a year.
            let until = Instant::now()
                + Duration::from_millis(ms.unsigned_abs().min(365 * 24 * 3600 * 1000));
            // As Redis: a new pause never shortens or weakens one in force.
            let (until, all) = match state.pause {
                Some(p) if p.until > Instant::now() => (p.until.max(until), p.all || all),
                _ => (until, all),
            };
            state.pause = Some(Pause { until, all });
            shared.pause_changed.send_modify(|v| *v += 1);
            Outcome::Reply(Frame::ok())
        }
        "unblock" if n == 3 || n == 4 => {
            let Some(id) = crate::resp::request::parse_i64(&argv[2]) else {
                return err("ERR value is not an integer or out of range");
            };
            let with_error = match argv.get(3).map(|a| lower(a)).as_deref() {
                None | Some("timeout") => false,
                Some("error") => true,
                Some(_) => {
                    return err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                }
            };
            let done = state.blocking.unblock(id.unsigned_abs(), with_error);
            Outcome::Reply(Frame::Integer(i64::from(done)))
        }
        "unpause" if n == 2 => {
            state.pause = None;
            shared.pause_changed.send_modify(|v| *v += 1);
            Outcome::Reply(Frame::ok())
        }
        // Client libraries announce themselves (Redis 7.2); accepted and not recorded.
        "setinfo" if n == 4 => match lower(&argv[2]).as_str() {
            "lib-name" | "lib-ver" => Outcome::Reply(Frame::ok()),
            _ => err(format!("ERR Unrecognized option '{}'", text(&argv[2]))),
        },
        "no-evict" if n == 3 => match lower(&argv[2]).as_str() {
            "on" | "off" => Outcome::Reply(Frame::ok()),
            _ => err("ERR syntax error"),
        },
        "reply" if n == 3 => match lower(&argv[2]).as_str() {
            "on" => {
                client.reply_mode = ReplyMode::On;
                Outcome::Reply(Frame::ok())
            }
            "off" => {
                client.reply_mode = ReplyMode::Off;
                Outcome::Reply(Frame::ok())
            }
            "skip" => {
                client.reply_mode = ReplyMode::Skip;
                Outcome::Reply(Frame::ok())
            }
            _ => err("ERR syntax error"),
        },
        "help" => Outcome::Reply(Frame::Array(
            [
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "ID",
                "GETNAME",
                "SETNAME <name>",
                "LIST [TYPE normal|master|replica|pubsub] [ID id ...]",
                "INFO",
                "KILL <ip:port> | KILL <option> <value> [<option> <value> ...]",
                "PAUSE <timeout> [WRITE|ALL]",
                "UNPAUSE",
                "NO-EVICT (ON|OFF)",
                "REPLY (ON|OFF|SKIP)",
            ]
            .iter()
            .map(|s| Frame::Simple((*s).to_string()))
            .collect(),
        )),
        "id" | "getname" | "info" | "unpause" => wrong(&sub),
        "setname" | "pause" | "no-evict" | "reply" => wrong(&sub),
        _ => err(format!(
            "ERR unknown subcommand '{}'. Try CLIENT HELP.",
            text(&argv[1])
        )),
    }
}

fn client_kill(state: &mut State, client: &mut Client, argv: &[Bytes]) -> Outcome {
    let n = argv.len();
    if n == 3 {
        // The old form: CLIENT KILL addr:port.
        let addr = text(&argv[2]);
        let Some(e) = state.clients.values().find(|e| e.addr == addr) else {
            return err("ERR No such client");
        };
        e.kill.notify_one();
        return Outcome::Reply(Frame::ok());
    }
    if n < 4 || !n.is_multiple_of(2) {
        return err("ERR syntax error");
    }
    let mut id = None;
    let mut addr = None;
    let mut laddr = None;
    let mut kind = None;
    let mut user = None;
    let mut skipme = true;
    for pair in argv[2..].chunks(2) {
        let v = text(&pair[1]);
        match lower(&pair[0]).as_str() {
            "id" => match v.parse::<u64>() {
                Ok(i) if i > 0 => id = Some(i),
                _ => return err("ERR client-id should be greater than 0"),
            },
            "addr" => addr = Some(v),
            "laddr" => laddr = Some(v),
            "type" => match parse_kind(&v.to_ascii_lowercase()) {
                Some(k) => kind = Some(k),
                None => return err(format!("ERR Unknown client type '{v}'")),
            },
            "user" => {
                if state.user(v.as_bytes()).is_none() {
                    return err(format!("ERR No such user '{v}'"));
                }
                user = Some(v);
            }
            "skipme" => match v.to_ascii_lowercase().as_str() {
                "yes" => skipme = true,
                "no" => skipme = false,
                _ => return err("ERR syntax error"),
            },
            _ => return err("ERR syntax error"),
        }
    }
    let mut killed = 0;
    for e in state.clients.values() {
        if id.is_some_and(|i| i != e.id)
            || addr.as_ref().is_some_and(|a| *a != e.addr)
            || laddr.as_ref().is_some_and(|a| *a != e.laddr)
            || kind.is_some_and(|k| k != e.kind)
            || user.as_ref().is_some_and(|u| *u != e.user)
            || (skipme && e.id == client.id)
        {
            continue;
        }
        e.kill.notify_one();
        killed += 1;
    }
    Outcome::Reply(Frame::Integer(killed))
}

fn config_command(state: &mut State, argv: &[Bytes]) -> Outcome {
    let sub = lower(&argv[1]);
    let n = argv.len();
    match sub.as_str() {
        "get" if n >= 3 => {
            let pats: Vec<&[u8]> = argv[2..].iter().map(|b| &b[..]).collect();
            let pairs = state.config.get_matching(&pats);
            Outcome::Reply(Frame::Map(
                pairs
                    .into_iter()
                    .map(|(k, v)| (Frame::bulk(k), Frame::bulk(v)))
                    .collect(),
            ))
        }
        "set" if n >= 4 && n.is_multiple_of(2) => {
            let owned: Vec<(String, String)> = argv[2..]
                .chunks(2)
                .map(|c| (text(&c[0]), text(&c[1])))
                .collect();
            let pairs: Vec<(&str, &str)> = owned
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let before = state.config.clone();
            if let Err(e) = state.config.set_many(&pairs) {
                return err(format!("ERR {e}"));
            }
            if let Err(e) = apply_config_change(state, &before) {
                state.config = before;
                state.refresh_users();
                return err(format!("ERR CONFIG SET failed - {e}"));
            }
            for (k, _) in &pairs {
                if crate::server::config::is_secret(k) {
                    tracing::info!("CONFIG SET {k} (value hidden)");
                } else {
                    tracing::info!("CONFIG SET {k}");
                }
            }
            Outcome::Reply(Frame::ok())
        }
        "rewrite" if n == 2 => match state.config.rewrite() {
            Ok(()) => Outcome::Reply(Frame::ok()),
            Err(e) => err(format!("ERR {e}")),
        },
        "resetstat" if n == 2 => {
            let ops = state.stats.instantaneous_ops_per_sec;
            state.stats = Default::default();
            state.stats.instantaneous_ops_per_sec = ops;
            Outcome::Reply(Frame::ok())
        }
        "get" | "set" | "rewrite" | "resetstat" => err(format!(
            "ERR wrong number of arguments for 'config|{sub}' command"
        )),
        _ => err(format!(
            "ERR unknown subcommand '{}'. Try CONFIG HELP.",
            text(&argv[1])
        )),
    }
}

/// Carry out what a CONFIG SET means beyond the stored value (users, AOF on/off).
fn apply_config_change(
    state: &mut State,
    before: &crate::server::config::Config,
) -> Result<(), String> {
    if before.requirepass != state.config.requirepass {
        state.refresh_users();
    }
    if before.repl_backlog_size != state.config.repl_backlog_size
        || before.replica_buffer_hard_limit != state.config.replica_buffer_hard_limit
    {
        let size = usize::try_from(state.config.repl_backlog_size).unwrap_or(usize::MAX);
        let hard = usize::try_from(state.config.replica_buffer_hard_limit).unwrap_or(usize::MAX);
        state.repl.set_limits(size, hard);
    }
    if !before.appendonly && state.config.appendonly {
        start_aof(state).map_err(|e| format!("starting the AOF: {e}"))?;
    } else if before.appendonly
        && !state.config.appendonly
        && let Some(mut aof) = state.persist.aof.take()
    {
        let _ = aof.fsync();
    }
    Ok(())
}

/// Turn the AOF on while running: write the dataset as commands to a new file, then append.
pub fn start_aof(state: &mut State) -> std::io::Result<()> {
    use crate::persist::aof::AofWriter;
    let path = state.aof_path();
    let tmp = path.with_extension("aof.rewrite");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut w = AofWriter::open(&tmp, state.config.appendfsync)?;
        let cmds = crate::server::state::dataset_commands(&state.db);
        for chunk in cmds.chunks(256) {
            w.append(chunk)?;
        }
        w.fsync()?;
    }
    std::fs::rename(&tmp, &path)?;
    state.persist.aof = Some(AofWriter::open(&path, state.config.appendfsync)?);
    Ok(())
}

fn command_info(spec: &CommandSpec) -> Frame {
    let mut fl = Vec::new();
    for (bit, name) in [
        (flags::WRITE, "write"),
        (flags::READONLY, "readonly"),
        (flags::DENYOOM, "denyoom"),
        (flags::ADMIN, "admin"),
        (flags::NOAUTH, "no_auth"),
        (flags::STALE, "stale"),
        (flags::FAST, "fast"),
        (flags::PUBSUB, "pubsub"),
        (flags::NO_MULTI, "no_multi"),
        (flags::LOADING, "loading"),
    ] {
        if spec.flags & bit != 0 {
            fl.push(Frame::Simple(name.into()));
        }
    }
    let mut cats = vec![Frame::Simple(format!("@{}", spec.group))];
    for (bit, cat) in [
        (flags::WRITE, "@write"),
        (flags::READONLY, "@read"),
        (flags::ADMIN, "@admin"),
        (flags::FAST, "@fast"),
    ] {
        if spec.flags & bit != 0 {
            cats.push(Frame::Simple(cat.into()));
        }
    }
    if spec.flags & flags::FAST == 0 {
        cats.push(Frame::Simple("@slow".into()));
    }
    Frame::Array(vec![
        Frame::bulk(spec.name),
        Frame::Integer(i64::from(spec.arity)),
        Frame::Set(fl),
        Frame::Integer(i64::from(spec.first_key)),
        Frame::Integer(i64::from(spec.last_key)),
        Frame::Integer(i64::from(spec.step)),
        Frame::Set(cats),
        Frame::Set(vec![]),
        Frame::Array(vec![]),
        Frame::Array(vec![]),
    ])
}

fn command_command(argv: &[Bytes]) -> Outcome {
    if argv.len() == 1 {
        return Outcome::Reply(Frame::Array(
            cmd::all_commands().into_iter().map(command_info).collect(),
        ));
    }
    match lower(&argv[1]).as_str() {
        "count" if argv.len() == 2 => Outcome::Reply(Frame::Integer(
            i64::try_from(cmd::all_commands().len()).unwrap_or(0),
        )),
        "info" => {
            let specs: Vec<Frame> = if argv.len() == 2 {
                cmd::all_commands().into_iter().map(command_info).collect()
            } else {
                argv[2..]
                    .iter()
                    .map(|n| cmd::lookup(n).map_or(Frame::NullArray, command_info))
                    .collect()
            };
            Outcome::Reply(Frame::Array(specs))
        }
        "docs" => {
            let names: Vec<&'static str> = if argv.len() == 2 {
                cmd::all_commands().into_iter().map(|s| s.name).collect()
            } else {
                argv[2..]
                    .iter()
                    .filter_map(|n| cmd::lookup(n).map(|s| s.name))
                    .collect()
            };
            Outcome::Reply(Frame::Map(
                names
                    .into_iter()
                    .map(|n| (Frame::bulk(n), Frame::Map(vec![])))
                    .collect(),
            ))
        }
        "list" => Outcome::Reply(Frame::Array(
            cmd::all_commands()
                .into_iter()
                .map(|s| Frame::bulk(s.name))
                .collect(),
        )),
        "getkeys" if argv.len() >= 3 => {
            let Some(spec) = cmd::lookup(&argv[2]) else {
                return err("ERR Invalid command specified");
            };
            let sub = &argv[2..];
            if !spec.arity_ok(sub.len()) {
                return err("ERR Invalid number of arguments specified for command");
            }
            let positions: Vec<usize> = match spec.name {
                "xread" | "xreadgroup" => cmd::streams::xread_key_positions(sub),
                _ => spec.key_positions(sub.len()).collect(),
            };
            let keys: Vec<Frame> = positions
                .into_iter()
                .filter_map(|i| sub.get(i).cloned().map(Frame::Bulk))
                .collect();
            if keys.is_empty() {
                return err("ERR The command has no key arguments");
            }
            Outcome::Reply(Frame::Array(keys))
        }
        other => err(format!(
            "ERR unknown subcommand '{other}'. Try COMMAND HELP."
        )),
    }
}

/// SAVE: write the snapshot now, under the lock (it blocks the server, as Redis's SAVE does).
/// The replication history a snapshot taken now belongs to (its `repl-id`/`repl-offset`
/// aux fields), so a restart can continue with a partial resync.
fn rdb_aux(state: &State) -> crate::persist::rdb::RdbAux {
    crate::persist::rdb::RdbAux {
        repl_id: Some(state.repl.replid.to_string()),
        repl_offset: Some(state.repl.offset().0),
    }
}

pub fn save_now(state: &mut State) -> Result<(), String> {
    // A background save still writing would rename its older snapshot over ours.
    let deadline = Instant::now() + Duration::from_secs(120);
    while state
        .persist
        .bgsave_writing
        .load(std::sync::atomic::Ordering::Acquire)
    {
        if Instant::now() > deadline {
            return Err("a background save is still writing after 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let path = state.rdb_path();
    let aux = rdb_aux(state);
    crate::persist::rdb::save_atomic(&path, &state.db, &aux)
        .map_err(|e| format!("{}: {e:#}", path.display()))?;
    state.dirty = 0;
    state.persist.last_save_unix = now_ms() / 1000;
    state.persist.rdb_saves += 1;
    tracing::info!("DB saved on disk");
    Ok(())
}

/// BGSAVE: copy the keyspace under the lock and write it on a blocking thread.
pub fn start_bgsave(shared: &Arc<Shared>, state: &mut State) -> Result<(), String> {
    if state.persist.bgsave_in_progress {
        return Err("ERR Background save already in progress".into());
    }
    let copy = snapshot_db(&state.db);
    let aux = rdb_aux(state);
    let dirty_at_start = state.dirty;
    let path = state.rdb_path();
    state.persist.bgsave_in_progress = true;
    state.persist.bgsave_started = Some(Instant::now());
    let shared = Arc::clone(shared);
    let writing = Arc::clone(&state.persist.bgsave_writing);
    writing.store(true, std::sync::atomic::Ordering::Release);
    tracing::info!("Background saving started");
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let result = crate::persist::rdb::save_atomic(&path, &copy, &aux);
        writing.store(false, std::sync::atomic::Ordering::Release);
        let mut st = shared.lock();
        st.persist.bgsave_in_progress = false;
        st.persist.bgsave_started = None;
        st.persist.last_bgsave_secs = i64::try_from(started.elapsed().as_secs()).unwrap_or(0);
        match result {
            Ok(()) => {
                st.dirty = st.dirty.saturating_sub(dirty_at_start);
                st.persist.last_save_unix = now_ms() / 1000;
                st.persist.last_bgsave_ok = true;
                st.persist.rdb_saves += 1;
                tracing::info!("Background saving terminated with success");
            }
            Err(e) => {
                st.persist.last_bgsave_ok = false;
                tracing::error!("Background saving error: {}: {e:#}", path.display());
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_text_matches_redis() {
        let argv = vec![
            Bytes::from_static(b"foo"),
            Bytes::from_static(b"a"),
            Bytes::from_static(b"b"),
        ];
        assert_eq!(
            unknown_command_error(&argv),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        let argv = vec![Bytes::from_static(b"foo")];
        assert_eq!(
            unknown_command_error(&argv),
            "ERR unknown command 'foo', with args beginning with: "
        );
    }
}
