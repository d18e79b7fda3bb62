//! The table of commands the connection and server layer carries out itself (connection,
//! transactions, server administration). Their code lives in `server::exec`; this is only
//! what COMMAND, arity checks, ACL categories and CLIENT PAUSE need to know about them.

use super::{CommandSpec, Handler, flags::*};

const fn spec(name: &'static str, arity: i32, flags: u32, group: &'static str) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        first_key: 0,
        last_key: 0,
        step: 0,
        group,
        handler: Handler::Server,
    }
}

/// Every command handled by the server layer.
pub static SERVER_COMMANDS: &[CommandSpec] = &[
    spec("ping", -1, FAST | STALE | LOADING, "connection"),
    spec("echo", 2, FAST | STALE | LOADING, "connection"),
    spec(
        "auth",
        -2,
        NOAUTH | FAST | STALE | LOADING | NO_MULTI,
        "connection",
    ),
    spec(
        "hello",
        -1,
        NOAUTH | FAST | STALE | LOADING | NO_MULTI,
        "connection",
    ),
    spec("select", 2, FAST | STALE | LOADING, "connection"),
    spec("acl", -2, ADMIN | STALE | LOADING, "server"),
    spec("quit", -1, NOAUTH | FAST | STALE | LOADING, "connection"),
    spec(
        "reset",
        1,
        NOAUTH | FAST | STALE | LOADING | NO_MULTI,
        "connection",
    ),
    spec("client", -2, ADMIN | STALE | LOADING, "connection"),
    spec("multi", 1, FAST | STALE | LOADING | NO_MULTI, "transaction"),
    spec("exec", 1, STALE | LOADING, "transaction"),
    spec("discard", 1, FAST | STALE | LOADING, "transaction"),
    CommandSpec {
        first_key: 1,
        last_key: -1,
        step: 1,
        ..spec(
            "watch",
            -2,
            FAST | STALE | LOADING | NO_MULTI,
            "transaction",
        )
    },
    spec("unwatch", 1, FAST | STALE | LOADING, "transaction"),
    spec("info", -1, STALE | LOADING, "server"),
    spec("config", -2, ADMIN | STALE | LOADING, "server"),
    spec("command", -1, STALE | LOADING, "server"),
    spec("time", 1, FAST | STALE | LOADING, "server"),
    spec("lastsave", 1, FAST | STALE | LOADING, "server"),
    spec("save", 1, ADMIN | NO_MULTI, "server"),
    spec("bgsave", -1, ADMIN, "server"),
    spec("shutdown", -1, ADMIN | NO_MULTI | STALE | LOADING, "server"),
    spec("debug", -2, ADMIN | NO_MULTI, "server"),
    spec("monitor", 1, ADMIN | NO_MULTI | LOADING | STALE, "server"),
    spec("replicaof", 3, ADMIN | STALE, "server"),
    spec("slaveof", 3, ADMIN | STALE, "server"),
    spec("role", 1, FAST | LOADING | STALE, "server"),
    spec("replconf", -1, ADMIN | LOADING | STALE, "server"),
    spec("psync", -3, ADMIN | NO_MULTI, "server"),
    spec("sync", 1, ADMIN | NO_MULTI, "server"),
    spec("wait", 3, 0, "generic"),
    spec("publish", 3, PUBSUB | LOADING | STALE | FAST, "pubsub"),
    spec("subscribe", -2, PUBSUB | LOADING | STALE, "pubsub"),
    spec("psubscribe", -2, PUBSUB | LOADING | STALE, "pubsub"),
    spec("unsubscribe", -1, PUBSUB | LOADING | STALE, "pubsub"),
    spec("punsubscribe", -1, PUBSUB | LOADING | STALE, "pubsub"),
    spec("pubsub", -2, PUBSUB | LOADING | STALE, "pubsub"),
    spec("failover", -1, ADMIN | NO_MULTI | STALE, "server"),
];
