//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

use crate::resp::Frame;
use crate::server::client::{Call, Client, Outcome};
use crate::server::cmd::{self, Handler};
use crate::server::exec::{Origin, apply, err, unknown_command_error};
use crate::server::state::{ClientKind, Shared, State};
use bytes::Bytes;
use std::sync::Arc;

/// MULTI.
pub fn multi(c: Call<'_>) -> Outcome {
    let Call { state, client, .. } = c;
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

/// EXEC.
pub fn exec_command(c: Call<'_>) -> Outcome {
    exec(c.shared, c.state, c.client)
}

/// DISCARD.
pub fn discard(c: Call<'_>) -> Outcome {
    let Call { state, client, .. } = c;
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

/// WATCH key [key …].
pub fn watch(c: Call<'_>) -> Outcome {
    let Call {
        state,
        client,
        argv,
        ..
    } = c;
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

/// UNWATCH.
pub fn unwatch(c: Call<'_>) -> Outcome {
    c.client.unwatch_all(c.state);
    Outcome::Reply(Frame::ok())
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
                replies.push(apply(state, spec, f, &argv, Origin::Transaction));
                inner.append(&mut state.scratch);
            }
            Handler::Server(f) => match f(Call {
                shared,
                state,
                client,
                spec,
                argv,
            }) {
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
    // As Redis 7.0: a transaction that propagates one command propagates it alone; MULTI …
    // EXEC only wraps two or more.
    if inner.len() == 1 {
        state.propagate(inner);
    } else if !inner.is_empty() {
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
