//! The interactive path of `rkv playbook run`, driven through a pseudo-terminal (tmux): the
//! plan is shown and asked for once; yes runs every step with its duration; no exits 3 and
//! changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

/// A master starts a full sync at once (7.0 waits 5 s for more replicas by default).
const FAST_SYNC: &[&str] = &["--repl-diskless-sync-delay", "0"];

use common::{ServerGuard, redis_server, rkv_bin, wait_until};
use std::process::Command;
use std::time::Duration;

/// A private tmux server (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("rkv-test-{tag}-{}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux must be installed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start(&self, shell_cmd: &str) {
        self.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "200",
            "-y",
            "50",
            shell_cmd,
        ]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t", "-S", "-200"])
    }

    fn wait_for(&self, what: &str) -> String {
        let mut last = String::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            last = self.screen();
            if last.contains(what) {
                return last;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{what:?} never appeared; screen:\n{last}");
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn role_of(g: &ServerGuard) -> String {
    let text: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut g.client())
        .unwrap();
    text.lines()
        .find_map(|l| l.trim_end().strip_prefix("role:"))
        .unwrap()
        .to_string()
}

fn group() -> (ServerGuard, ServerGuard, ServerGuard) {
    let m = redis_server(FAST_SYNC);
    let of = format!("127.0.0.1 {}", m.port);
    let r1 = redis_server(&["--replicaof", &of, "--repl-diskless-sync-delay", "0"]);
    let r2 = redis_server(&["--replicaof", &of, "--repl-diskless-sync-delay", "0"]);
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "link up", || {
            let t: String = redis::cmd("INFO")
                .arg("replication")
                .query(&mut r.client())
                .unwrap();
            t.contains("master_link_status:up")
        });
    }
    (m, r1, r2)
}

fn command(state: &std::path::Path, args: &str) -> String {
    format!(
        "env XDG_STATE_HOME={} {} {args}; echo EXIT=$?; sleep 30",
        state.display(),
        rkv_bin().display()
    )
}

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
