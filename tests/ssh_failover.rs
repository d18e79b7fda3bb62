//! Fencing the old master in an unplanned `rkv failover`, with a real OpenSSH server and
//! redis-server nodes started from their own config files (the inventory gives `ssh`,
//! `config` and `restart`): when the old master's Redis is down but its host answers SSH, its
//! config is rewritten (backup beside it) and its restart command brings it back as a replica
//! of the new master; when it cannot be fenced, the run says what to do and `topology` /
//! `verify` flag it once it comes back as a second master.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ssh_support;

use common::{free_port, rkv_bin, wait_ready, wait_until};
use ssh_support::{Sshd, write_inventory};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// A redis-server started from its own config file (daemonized, with a pid file); killed by
/// its pid file on drop (also after a restart command started it again).
struct ConfNode {
    port: u16,
    conf: PathBuf,
    pidfile: PathBuf,
}

impl ConfNode {
    fn start(root: &Path, name: &str, replicaof: Option<u16>) -> ConfNode {
        let port = free_port();
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let pidfile = dir.join("redis.pid");
        let conf = dir.join("redis.conf");
        let mut text = format!(
            "# {name}\nport {port}\nbind 127.0.0.1\ndaemonize yes\npidfile {}\nlogfile {}\ndir {}\nsave \"\"\nappendonly no\nrepl-diskless-sync-delay 0\n",
            pidfile.display(),
            dir.join("redis.log").display(),
            dir.display()
        );
        if let Some(m) = replicaof {
            text.push_str(&format!("replicaof 127.0.0.1 {m}\n"));
        }
        std::fs::write(&conf, text).unwrap();
        let n = ConfNode {
            port,
            conf,
            pidfile,
        };
        n.launch();
        n
    }

    /// `redis-server CONF` (it daemonizes).
    fn launch(&self) {
        let st = Command::new("redis-server")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        wait_ready(self.port, Duration::from_secs(10));
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn kill9(&self) {
        if let Ok(pid) = std::fs::read_to_string(&self.pidfile) {
            let _ = Command::new("kill").arg("-9").arg(pid.trim()).status();
        }
        wait_until(Duration::from_secs(10), "node stopped", || {
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err()
        });
        let _ = std::fs::remove_file(&self.pidfile);
    }
}

impl Drop for ConfNode {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.pidfile) {
            let _ = Command::new("kill").arg("-9").arg(pid.trim()).status();
        }
    }
}

fn info(port: u16, section: &str) -> String {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let Ok(mut conn) = c.get_connection_with_timeout(Duration::from_secs(2)) else {
        return String::new();
    };
    redis::cmd("INFO")
        .arg(section)
        .query::<String>(&mut conn)
        .unwrap_or_default()
}

fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim_end().strip_prefix(&format!("{key}:")))
        .map(str::to_string)
}

fn follows(port: u16, master: u16) -> bool {
    let i = info(port, "replication");
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port").as_deref() == Some(&master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

fn rkv(args: &[&str], state: &Path) -> Output {
    Command::new(rkv_bin())
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// A master and two replicas, streaming, each from its own config file.
fn group(root: &Path) -> (ConfNode, ConfNode, ConfNode) {
    let m = ConfNode::start(root, "m", None);
    let r1 = ConfNode::start(root, "r1", Some(m.port));
    let r2 = ConfNode::start(root, "r2", Some(m.port));
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(10), "replica link up", || {
            follows(r.port, m.port)
        });
    }
    let c = redis::Client::open(format!("redis://127.0.0.1:{}/", m.port)).unwrap();
    let mut c = c.get_connection().unwrap();
    for i in 0..50 {
        let _: () = redis::cmd("SET")
            .arg(format!("k:{i}"))
            .arg(i)
            .query(&mut c)
            .unwrap();
    }
    let m_off = field(&info(m.port, "replication"), "master_repl_offset").unwrap();
    for r in [&r1, &r2] {
        wait_until(
            Duration::from_secs(10),
            "the replica has every write",
            || {
                field(&info(r.port, "replication"), "slave_repl_offset").as_deref()
                    == Some(m_off.as_str())
            },
        );
    }
    (m, r1, r2)
}

fn entry(name: &str, n: &ConfNode, sshd: Option<&Sshd>, restart: bool) -> String {
    let mut s = format!("[[nodes]]\nname = \"{name}\"\naddr = \"{}\"\n", n.addr());
    if let Some(sshd) = sshd {
        s.push_str(&format!(
            "ssh = \"{}\"\nconfig = \"{}\"\n",
            sshd.addr(),
            n.conf.display()
        ));
        if restart {
            s.push_str(&format!(
                "restart = \"redis-server {} && echo restarted-by-rkv\"\n",
                n.conf.display()
            ));
        }
    }
    s.push('\n');
    s
}

/// Backups rkv wrote beside `conf`.
fn backups(conf: &Path) -> Vec<PathBuf> {
    let name = conf.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::read_dir(conf.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with(&format!("{name}.rkv-")) && !f.contains("tmp"))
        })
        .collect()
}

fn replicaof_line(conf: &Path) -> Option<String> {
    std::fs::read_to_string(conf)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("replicaof "))
        .map(str::to_string)
}

#[test]
fn old_master_down_but_ssh_up_is_fenced_and_restarts_as_a_replica() {
    let sshd = Sshd::start();
    let root = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group(root.path());
    let kh = root.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let nodes = format!(
        "{}{}{}",
        entry("m", &m, Some(&sshd), true),
        entry("r1", &r1, Some(&sshd), false),
        entry("r2", &r2, Some(&sshd), false)
    );
    let inv = write_inventory(root.path(), &sshd, &kh, &nodes);
    let inv = inv.to_str().unwrap();
    let original = std::fs::read_to_string(&m.conf).unwrap();

    // The plan names the fencing and how each role is persisted.
    m.kill9();
    let out = rkv(&["-i", inv, "failover", "--dry-run"], state.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        plan.contains(&format!("fence the old master {}", m.addr())),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("edit {}", m.conf.display())),
        "{plan}"
    );
    assert!(plan.contains("over ssh root@127.0.0.1:"), "{plan}");

    let journal = state.path().join("j.jsonl");
    let out = rkv(
        &[
            "-i",
            inv,
            "-o",
            "json",
            "failover",
            "--yes",
            "--journal",
            journal.to_str().unwrap(),
        ],
        state.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["kind"], "failover", "{doc:#}");
    let cand = doc["candidate"].as_str().unwrap().to_string();
    let (new, other) = if cand == r1.addr() {
        (&r1, &r2)
    } else {
        (&r2, &r1)
    };
    assert_eq!(cand, new.addr());

    // Fenced: config rewritten over SSH with a backup, restart run, back as a replica.
    let f = &doc["report"]["fencing"];
    assert_eq!(f["fenced"], true, "{doc:#}");
    assert_eq!(f["config"]["method"], "ssh_edit", "{f:#}");
    assert_eq!(f["config"]["changed"], true, "{f:#}");
    let backup = f["config"]["backup"].as_str().unwrap();
    assert_eq!(std::fs::read_to_string(backup).unwrap(), original);
    assert_eq!(backups(&m.conf), vec![PathBuf::from(backup)]);
    assert_eq!(
        replicaof_line(&m.conf).as_deref(),
        Some(format!("replicaof 127.0.0.1 {}", new.port).as_str())
    );
    assert_eq!(f["command"]["which"], "restart", "{f:#}");
    assert_eq!(f["command"]["status"], 0, "{f:#}");
    assert!(
        f["command"]["output"]
            .as_str()
            .unwrap()
            .contains("restarted-by-rkv"),
        "{f:#}"
    );
    assert_eq!(f["came_back_as_replica"], true, "{f:#}");
    assert!(follows(m.port, new.port));
    assert!(follows(other.port, new.port));

    // The other nodes' roles persisted by editing their files over SSH.
    let p = doc["report"]["persistence"].as_array().unwrap();
    assert_eq!(p.len(), 2, "{doc:#}");
    assert!(p.iter().all(|e| e["method"] == "ssh_edit"), "{doc:#}");
    assert_eq!(replicaof_line(&new.conf), None);
    assert_eq!(
        replicaof_line(&other.conf).as_deref(),
        Some(format!("replicaof 127.0.0.1 {}", new.port).as_str())
    );
    assert_eq!(backups(&new.conf).len(), 1);
    assert_eq!(backups(&other.conf).len(), 1);

    // The journal holds the edit and the restart command with its output.
    let j = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<serde_json::Value> = j
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["event"] == "remote_command"
        && l["command"][0] == "restart"
        && l["reply"].as_str().unwrap().contains("restarted-by-rkv")));
    assert_eq!(lines.iter().filter(|l| l["event"] == "persist").count(), 3);

    // The topology is healthy: one master, both others follow it.
    let out = rkv(&["-i", inv, "-o", "json", "verify"], state.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn unfenceable_old_master_gets_instructions_and_is_flagged_when_it_returns() {
    let sshd = Sshd::start();
    let root = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group(root.path());
    let kh = root.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    // The old master has no SSH route: rkv cannot touch its host.
    let nodes = format!(
        "{}{}{}",
        entry("m", &m, None, false),
        entry("r1", &r1, Some(&sshd), false),
        entry("r2", &r2, Some(&sshd), false)
    );
    let inv = write_inventory(root.path(), &sshd, &kh, &nodes);
    let inv = inv.to_str().unwrap();
    m.kill9();
    let out = rkv(
        &["-i", inv, "-o", "json", "failover", "--yes"],
        state.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    let new_port: u16 = doc["candidate"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let f = &doc["report"]["fencing"];
    assert_eq!(f["fenced"], false, "{doc:#}");
    let instructions = f["instructions"].to_string();
    assert!(
        instructions.contains(&format!("replicaof 127.0.0.1 {new_port}")),
        "{instructions}"
    );
    assert!(
        instructions.contains(&format!("rkv replicate {} --to", m.addr())),
        "{instructions}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BEFORE THE OLD MASTER"), "{}", text(&out));
    // Its file was left alone.
    assert!(backups(&m.conf).is_empty());

    // It comes back unchanged: a second master, which topology and verify flag.
    m.launch();
    let out = rkv(&["-i", inv, "-o", "json", "topology"], state.path());
    let doc = json(&out);
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["kind"] == "multiple_masters"),
        "{doc:#}"
    );
    let out = rkv(&["-i", inv, "verify"], state.path());
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("masters"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_partitioned_old_master_that_returns_is_flagged_stale() {
    // No SSH at all: the old master is frozen (a partition, not a crash), so it keeps its
    // replication history, and rkv can neither reach nor fence it.
    let root = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let (m, r1, r2) = group(root.path());
    let pid = std::fs::read_to_string(&m.pidfile).unwrap();
    let pid = pid.trim().to_string();
    struct Cont(String);
    impl Drop for Cont {
        fn drop(&mut self) {
            let _ = Command::new("kill").args(["-CONT", &self.0]).status();
        }
    }
    common::sigstop(pid.parse().unwrap());
    let cont = Cont(pid);
    let out = rkv(
        &[
            "--timeout",
            "1s",
            "-o",
            "json",
            "failover",
            &m.addr(),
            &r1.addr(),
            &r2.addr(),
            "--yes",
        ],
        state.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["kind"], "failover", "{doc:#}");
    assert_eq!(doc["report"]["fencing"]["fenced"], false, "{doc:#}");
    let new = doc["candidate"].as_str().unwrap().to_string();
    // The partition heals: the old master is back, still a master with its old history.
    drop(cont);
    let out = rkv(
        &["-o", "json", "topology", &m.addr(), &r1.addr(), &r2.addr()],
        state.path(),
    );
    let doc = json(&out);
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["kind"] == "stale_master" && p["node"] == m.addr()),
        "{doc:#}"
    );
    // The command that settles it re-runs the failover, which re-points the old master only
    // after checking that it holds nothing past the fork.
    assert!(
        problems.iter().any(|p| p["message"]
            .as_str()
            .unwrap()
            .contains(&format!("rkv failover {} --to {new}", m.addr()))),
        "{doc:#}"
    );
    let out = rkv(&["verify", &m.addr(), &r1.addr(), &r2.addr()], state.path());
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
}
