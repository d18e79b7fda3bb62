//! Command dispatch: look the command up in the one table, check what every command is
//! checked for (arity, AUTH, ACL, READONLY, NOREPLICAS, pub/sub context, stale data, MULTI
//! queuing, CLIENT PAUSE), then call its function. Data commands go through [`run_data`], the
//! one place a data command is applied and its effects propagated; server commands get a
//! [`Call`] (see [`super::client`]).
//!
//! Everything here runs with the state lock held and never waits: a command that has to wait
//! (held by CLIENT PAUSE) is reported back to the connection as [`Outcome::Paused`], which
//! releases the lock, waits, and runs it again.

use crate::resp::Frame;
use crate::server::client::{Call, Client, Outcome};
use crate::server::cmd::{self, CommandSpec, ExecCtx, Handler, flags};
use crate::server::state::{ClientKind, Shared, State};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;

pub(crate) fn err(msg: impl Into<String>) -> Outcome {
    Outcome::Reply(Frame::Error(msg.into()))
}

pub(crate) fn lower(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_ascii_lowercase()
}

pub(crate) fn text(b: &[u8]) -> String {
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

pub(crate) fn arity_error(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
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
    // last_active is set once per batch, when the batch takes the lock (conn.rs).
    if let Some(e) = state.clients.get_mut(&client.id) {
        e.last_cmd = spec.name;
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
        Handler::Server(f) => f(Call {
            shared,
            state,
            client,
            spec,
            argv,
        }),
    }
}

/// Where a data command comes from. It decides how expired keys are treated, whether the
/// command's effects are recorded, and where they go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A client's command at the top level: effects propagate at once.
    Client,
    /// A command inside EXEC: effects are left in `state.scratch` for the caller, which
    /// wraps the transaction's in one MULTI … EXEC.
    Transaction,
    /// Read back from the AOF at start: nothing is propagated, and keys expire as on a master
    /// (the file is replayed as the history of a writable node).
    Aof,
    /// Our master's stream: expired keys stay until the master's DEL arrives; effects go to
    /// the AOF and WATCH (replicas of ours get the master's bytes verbatim).
    Master,
}

/// A data command's function, as the command table holds it.
pub type DataFn = fn(&mut ExecCtx<'_>, &[Bytes]) -> Frame;

/// Apply one data command, whatever its origin: the one place a data command's context is
/// built, its effects propagated and its keyspace hits counted.
pub fn apply(
    state: &mut State,
    spec: &CommandSpec,
    f: DataFn,
    argv: &[Bytes],
    origin: Origin,
) -> Frame {
    let is_master = match origin {
        Origin::Aof => true,
        Origin::Master => false,
        Origin::Client | Origin::Transaction => state.expires_keys() && !state.repl.is_replica(),
    };
    // Copying a write's arguments costs; skip it when nothing would read them. A transaction
    // always records: its propagation is emitted as one unit by EXEC.
    let record = match origin {
        Origin::Aof => false,
        Origin::Transaction | Origin::Master => true,
        Origin::Client => {
            state.persist.aof.is_some()
                || state.repl.backlog.is_some()
                || !state.watched.is_empty()
                || !state.blocking.is_empty()
        }
    };
    let now_ms = state.now_ms();
    let mut ctx = ExecCtx {
        db: &mut state.db,
        now_ms,
        propagate: &mut state.scratch,
        dirty: &mut state.dirty,
        is_master,
        record,
    };
    let reply = f(&mut ctx, argv);
    match origin {
        Origin::Transaction => {}
        Origin::Aof => state.scratch.clear(),
        Origin::Client | Origin::Master => {
            if !state.scratch.is_empty() {
                let cmds = std::mem::take(&mut state.scratch);
                state.propagate(cmds);
            }
        }
    }
    // Keyspace hits and misses, for what clients read (Redis does not count the master's
    // stream nor the AOF replay): a single-key read answers nil for a missing key.
    if matches!(origin, Origin::Client | Origin::Transaction)
        && spec.flags & flags::READONLY != 0
        && spec.first_key > 0
        && spec.first_key == spec.last_key
    {
        match reply {
            Frame::Null | Frame::NullArray => state.stats.keyspace_misses += 1,
            Frame::Error(_) => {}
            _ => state.stats.keyspace_hits += 1,
        }
    }
    reply
}

/// Run a client's data command and propagate what it changed.
pub fn run_data(
    state: &mut State,
    client: &mut Client,
    spec: &CommandSpec,
    f: DataFn,
    argv: &[Bytes],
) -> Frame {
    let aof_before = state.persist.aof_seq;
    let reply = apply(state, spec, f, argv, Origin::Client);
    if state.persist.aof_seq != aof_before {
        client.aof_seq = state.persist.aof_seq;
    }
    reply
}

/// Why a command read back from the AOF or from our master's stream could not be applied.
/// `Display` is what the log, INFO (`last_apply_error`) and the AOF error say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// No such command.
    #[error("unknown command '{0}'")]
    Unknown(String),
    /// A command the AOF may not hold (a server command).
    #[error("'{0}' is not a data command")]
    NotData(&'static str),
    /// A command the master sent that only a client may run here.
    #[error("'{0}' from the master is not a command rkv can apply")]
    NotFromMaster(&'static str),
    /// A wrong number of arguments (the text: Redis's reply, or the bare reason).
    #[error("{0}")]
    Arity(String),
    /// SELECT of a database other than 0.
    #[error("SELECT of a database other than 0: rkv has only database 0")]
    OtherDatabase,
    /// The command ran and replied with an error.
    #[error("'{name}' failed: {reply}")]
    Failed {
        /// The command.
        name: &'static str,
        /// Its error reply.
        reply: String,
    },
}

/// Apply a command read back from the AOF: data commands only, no propagation.
pub fn apply_replayed(state: &mut State, argv: &[Bytes]) -> Result<(), ApplyError> {
    let Some(name) = argv.first() else {
        return Ok(());
    };
    if [&b"multi"[..], b"exec", b"select"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
    {
        return Ok(());
    }
    let spec = cmd::lookup(name).ok_or_else(|| ApplyError::Unknown(text(name)))?;
    let Handler::Data(f) = spec.handler else {
        return Err(ApplyError::NotData(spec.name));
    };
    if !spec.arity_ok(argv.len()) {
        return Err(ApplyError::Arity(arity_error(spec.name)));
    }
    let _ = apply(state, spec, f, argv, Origin::Aof);
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
