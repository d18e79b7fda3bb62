//! Driving the real binary through a pseudo-terminal (a private tmux server) for the
//! interactive paths, and the small redis-server group those tests switch over.

use super::{ServerGuard, redis_server, rkv_bin, wait_until};
use std::process::Command;
use std::time::Duration;

/// A master starts a full sync at once (7.0 waits 5 s for more replicas by default).
pub const FAST_SYNC: &[&str] = &["--repl-diskless-sync-delay", "0"];

/// A private tmux server (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("rkv-test-{tag}-{}", std::process::id()),
        }
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux must be installed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn start(&self, shell_cmd: &str) {
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

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t", "-S", "-200"])
    }

    pub fn wait_for(&self, what: &str) -> String {
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

    pub fn keys(&self, keys: &[&str]) {
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

/// The `role:` a node reports in INFO replication.
pub fn role_of(g: &ServerGuard) -> String {
    let text: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut g.client())
        .unwrap();
    text.lines()
        .find_map(|l| l.trim_end().strip_prefix("role:"))
        .unwrap()
        .to_string()
}

/// A Debian redis-server master with two replicas, links up.
pub fn group() -> (ServerGuard, ServerGuard, ServerGuard) {
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

/// The shell line a tmux pane runs: `rkv ARGS` with its journal under `state`, then the
/// exit code, then a pause so the screen can be read.
pub fn command(state: &std::path::Path, args: &str) -> String {
    format!(
        "env XDG_STATE_HOME={} {} {args}; echo EXIT=$?; sleep 30",
        state.display(),
        rkv_bin().display()
    )
}
