//! Administration: INFO, CONFIG, COMMAND, ACL, TIME, DEBUG.

use crate::resp::Frame;
use crate::server::client::{Call, Outcome};
use crate::server::cmd::{self, CommandSpec, flags};
use crate::server::exec::{err, lower, text};
use crate::server::persistence::start_aof;
use crate::server::state::State;
use bytes::Bytes;

/// INFO [section …].
pub fn info(c: Call<'_>) -> Outcome {
    let args: Vec<String> = c.argv[1..].iter().map(|a| text(a)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let s = crate::server::info::info(c.state, c.shared, &args);
    Outcome::Reply(Frame::Verbatim("txt".into(), Bytes::from(s)))
}

/// CONFIG GET/SET/RESETSTAT/REWRITE.
pub fn config(c: Call<'_>) -> Outcome {
    config_command(c.state, &c.argv)
}

/// COMMAND [COUNT | INFO | DOCS | LIST …].
pub fn command(c: Call<'_>) -> Outcome {
    command_command(&c.argv)
}

/// ACL and its subcommands.
pub fn acl_command(c: Call<'_>) -> Outcome {
    acl(c.state, &c.argv)
}

/// TIME.
pub fn time(_c: Call<'_>) -> Outcome {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Outcome::Reply(Frame::Array(vec![
        Frame::bulk(now.as_secs().to_string()),
        Frame::bulk(now.subsec_micros().to_string()),
    ]))
}

/// DEBUG: only SLEEP (the test suites use it).
pub fn debug(c: Call<'_>) -> Outcome {
    match lower(&c.argv[1]).as_str() {
        "sleep" if c.argv.len() == 3 => {
            let secs: f64 = text(&c.argv[2]).parse().unwrap_or(0.0);
            // NaN would panic in from_secs_f64; treat it as no sleep.
            let secs = if secs.is_finite() {
                secs.clamp(0.0, 60.0)
            } else {
                0.0
            };
            std::thread::sleep(std::time::Duration::from_secs_f64(secs));
            Outcome::Reply(Frame::ok())
        }
        _ => err("ERR DEBUG subcommand not supported by rkv (supported: SLEEP seconds)"),
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
    let mut cats = vec![Frame::Simple(format!("@{}", spec.group).into())];
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
