//! The interactive path of `rkv playbook run`, driven through a pseudo-terminal (tmux): the
//! plan is shown and asked for once; yes runs every step with its duration; no exits 3 and
//! changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tty::{Tmux, command, group, role_of};

#[test]
fn switchover_asks_once_then_runs_every_step_with_its_duration() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group();
    let t = Tmux::new("pb-yes");
    t.start(&command(
        state.path(),
        &format!(
            "playbook run switchover --var master={} --var to={}",
            m.addr(),
            r2.addr()
        ),
    ));
    let screen = t.wait_for("Run these 8 step(s) of switchover?");
    assert!(screen.contains("Playbook switchover (8 steps)"), "{screen}");
    assert!(screen.contains("rkv failover"), "{screen}");
    // The failover step is previewed as `rkv failover --dry-run` shows it.
    assert!(screen.contains("Plan: planned switchover"), "{screen}");
    t.keys(&["y"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("✓ [8/8]"), "{screen}");
    assert!(screen.contains("playbook switchover done"), "{screen}");
    assert_eq!(role_of(&r2), "master");
    assert_eq!(role_of(&m), "slave");
}

#[test]
fn declining_the_plan_exits_3_and_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (m, _r1, r2) = group();
    let t = Tmux::new("pb-no");
    t.start(&command(
        state.path(),
        &format!(
            "playbook run switchover --var master={} --var to={}",
            m.addr(),
            r2.addr()
        ),
    ));
    t.wait_for("Run these 8 step(s)");
    t.keys(&["n"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=3"), "{screen}");
    assert_eq!(role_of(&m), "master");
    assert_eq!(role_of(&r2), "slave");
}
