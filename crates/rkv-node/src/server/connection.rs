//! Connection commands: PING, ECHO, AUTH, HELLO, SELECT, QUIT, RESET, CLIENT, MONITOR.

use crate::resp::{Frame, Protocol};
use crate::server::client::{Call, Client, HandoffConn, Outcome, ReplyMode};
use crate::server::exec::{err, lower, text};
use crate::server::state::{ClientKind, Pause, Shared, State};
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

/// PING, with its pub/sub form for subscribed RESP2 clients.
pub fn ping(c: Call<'_>) -> Outcome {
    if c.argv.len() <= 2
        && let Some(f) = crate::server::pubsub::subscribed_ping(c.client, &c.argv)
    {
        return Outcome::Reply(f);
    }
    match c.argv.len() {
        1 => Outcome::Reply(Frame::Simple("PONG".into())),
        2 => Outcome::Reply(Frame::Bulk(c.argv[1].clone())),
        _ => err(crate::server::exec::arity_error("ping")),
    }
}

/// ECHO.
pub fn echo(c: Call<'_>) -> Outcome {
    Outcome::Reply(Frame::Bulk(c.argv[1].clone()))
}

/// AUTH [user] password.
pub fn auth_command(c: Call<'_>) -> Outcome {
    auth(c.state, c.client, &c.argv)
}

/// HELLO [protover [AUTH user pass] [SETNAME name]].
pub fn hello_command(c: Call<'_>) -> Outcome {
    hello(c.shared, c.state, c.client, &c.argv)
}

/// SELECT: only database 0 exists.
pub fn select(c: Call<'_>) -> Outcome {
    match crate::resp::request::parse_i64(&c.argv[1]) {
        None => err("ERR value is not an integer or out of range"),
        Some(0) => Outcome::Reply(Frame::ok()),
        Some(_) => err("ERR DB index is out of range"),
    }
}

/// QUIT: reply, then close.
pub fn quit(_c: Call<'_>) -> Outcome {
    Outcome::Close(Frame::ok())
}

/// RESET: back to a fresh connection's state.
pub fn reset(c: Call<'_>) -> Outcome {
    let Call { state, client, .. } = c;
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

/// CLIENT and its subcommands.
pub fn client(c: Call<'_>) -> Outcome {
    client_command(c.shared, c.state, c.client, &c.argv)
}

/// MONITOR: the connection becomes a feed of every command.
pub fn monitor(c: Call<'_>) -> Outcome {
    let (tx, rx) = tokio::sync::mpsc::channel(MONITOR_QUEUE);
    c.state.monitors.push((c.client.id, tx));
    Outcome::Handoff(Box::new(move |conn| Box::pin(monitor_loop(conn, rx))))
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
            .map(|s| Frame::Simple(std::borrow::Cow::Borrowed(*s)))
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
