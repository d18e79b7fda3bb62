//! The interactive path of `rkv failover`, driven through a pseudo-terminal (tmux): the
//! candidate Select, the confirmation, and a declined confirmation (exit 3, nothing changed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tty::{FAST_SYNC, Tmux, command, group, role_of};
use common::{ServerGuard, redis_server, wait_until};
use std::time::Duration;

#[test]
fn operator_chooses_the_candidate_and_confirms_on_a_terminal() {
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group();
    let t = Tmux::new("yes");
    t.start(&command(
        state.path(),
        &format!("failover {} --ignore-sentinel", m.addr()),
    ));
    let screen = t.wait_for("Which replica should become the master?");
    assert!(screen.contains("VERDICT"), "ranking shown first:\n{screen}");
    // The second entry, then Enter.
    t.keys(&["Down"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("Run this plan");
    assert!(screen.contains("check:"), "{screen}");
    t.keys(&["y"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("✓"), "{screen}");
    let masters: Vec<&ServerGuard> = [&m, &r1, &r2]
        .into_iter()
        .filter(|g| role_of(g) == "master")
        .collect();
    assert_eq!(masters.len(), 1);
    assert_ne!(masters[0].port, m.port, "a replica was promoted");
}

#[test]
fn declining_at_the_prompt_exits_3_and_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group();
    let t = Tmux::new("no");
    t.start(&command(
        state.path(),
        &format!("failover {} --to {} --ignore-sentinel", m.addr(), r2.addr()),
    ));
    t.wait_for("Run this plan");
    t.keys(&["n"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=3"), "{screen}");
    assert_eq!(role_of(&m), "master");
    assert_eq!(role_of(&r2), "slave");
}

#[test]
fn unplanned_failover_needs_the_old_master_typed() {
    let state = tempfile::tempdir().unwrap();
    let (mut m, r1, r2) = group();
    let old = m.addr();
    m.kill();
    let t = Tmux::new("typed");
    t.start(&command(
        state.path(),
        &format!("failover {} {} --to {}", r1.addr(), r2.addr(), r1.addr()),
    ));
    let screen = t.wait_for("Type its address to confirm");
    assert!(screen.contains("UNPLANNED"), "{screen}");
    assert!(
        screen.contains("must not come back as a master"),
        "{screen}"
    );
    t.keys(&["-l", &old]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert_eq!(role_of(&r1), "master");
    wait_until(Duration::from_secs(5), "r2 follows r1", || {
        let text: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut r2.client())
            .unwrap();
        text.contains(&format!("master_port:{}", r1.port)) && text.contains("master_link_status:up")
    });
}

#[test]
fn replicate_says_what_is_replaced_and_asks() {
    let state = tempfile::tempdir().unwrap();
    let m = redis_server(FAST_SYNC);
    let s = redis_server(&[]);
    let of = format!("127.0.0.1 {}", s.port);
    let below = redis_server(&["--replicaof", &of]);
    wait_until(Duration::from_secs(10), "s lists its replica", || {
        let text: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut s.client())
            .unwrap();
        text.contains("connected_slaves:1")
    });
    let t = Tmux::new("repl");
    t.start(&command(
        state.path(),
        &format!("replicate {} --to {}", s.addr(), m.addr()),
    ));
    let screen = t.wait_for("a replica of");
    assert!(screen.contains("data will be replaced"), "{screen}");
    assert!(
        screen.contains(&below.addr()),
        "its replicas are named:\n{screen}"
    );
    t.keys(&["y"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("with link up"), "{screen}");
    assert_eq!(role_of(&s), "slave");
}
