//! Playbooks that restart nodes, with a real OpenSSH server (the SSH test fixture): the
//! inventory's `restart`/`stop` commands run over SSH and node connections go through its
//! tunnels. rolling-restart over redis-server nodes (each replica restarted in turn and
//! resynced, switchover, old master restarted as a replica), and failover-drill over
//! `rkv serve` nodes (stop the master, fail over, bring it back as a replica).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ssh_support;

use common::{free_port, rkv_bin, wait_ready, wait_until};
use ssh_support::{Sshd, write_inventory};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Kills the daemon whose pid is in the file, on drop.
struct PidGuard(PathBuf);

impl Drop for PidGuard {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = Command::new("kill").arg("-9").arg(pid.trim()).status();
        }
    }
}

fn pid(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn info(port: u16) -> String {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let Ok(mut conn) = c.get_connection_with_timeout(Duration::from_secs(2)) else {
        return String::new();
    };
    redis::cmd("INFO")
        .arg("replication")
        .query::<String>(&mut conn)
        .unwrap_or_default()
}

fn follows(port: u16, master: u16) -> bool {
    let i = info(port);
    i.contains("role:slave")
        && i.contains(&format!("master_port:{master}\r"))
        && i.contains("master_link_status:up")
}

fn rkv(state: &Path, args: &[&str]) -> Output {
    Command::new(rkv_bin())
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
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

fn sh(cmd: &str) {
    let st = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "{cmd}");
}

/// One node of a group: its port, config file, pid file and inventory commands.
struct Node {
    port: u16,
    conf: PathBuf,
    pidfile: PathBuf,
    start: String,
    stop: String,
    _guard: PidGuard,
}

impl Node {
    fn inventory(&self, name: &str, sshd: &Sshd) -> String {
        format!(
            "[[nodes]]\nname = \"{name}\"\naddr = \"127.0.0.1:{}\"\nssh = \"{}\"\nconfig = \"{}\"\nrestart = '''{}'''\nstop = '''{}'''\n\n",
            self.port,
            sshd.addr(),
            self.conf.display(),
            self.start,
            self.stop
        )
    }
}

/// A daemonized redis-server with its own redis.conf; `restart` stops it (by its pid file,
/// waiting for the file to go) and starts it from the same file.
fn redis_node(dir: &Path, name: &str, master: Option<u16>) -> Node {
    let port = free_port();
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let pidfile = d.join("redis.pid");
    let conf = d.join("redis.conf");
    let mut text = format!(
        "port {port}\nbind 127.0.0.1\ndaemonize yes\npidfile {}\nlogfile {}\ndir {}\nsave \"\"\nappendonly no\nrepl-diskless-sync-delay 0\n",
        pidfile.display(),
        d.join("redis.log").display(),
        d.display()
    );
    if let Some(m) = master {
        text.push_str(&format!("replicaof 127.0.0.1 {m}\n"));
    }
    std::fs::write(&conf, text).unwrap();
    let p = pidfile.display();
    let stop = format!(
        "if [ -f {p} ]; then kill $(cat {p}); for i in $(seq 200); do [ -f {p} ] || break; sleep 0.05; done; fi"
    );
    let start = format!("{stop}; redis-server {}", conf.display());
    sh(&start);
    wait_ready(port, Duration::from_secs(10));
    Node {
        port,
        conf,
        _guard: PidGuard(pidfile.clone()),
        pidfile,
        start,
        stop,
    }
}

#[test]
fn rolling_restart_over_ssh_restarts_every_node_and_keeps_the_data() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n0 = redis_node(d, "n0", None);
    let n1 = redis_node(d, "n1", Some(n0.port));
    let n2 = redis_node(d, "n2", Some(n0.port));
    for r in [&n1, &n2] {
        wait_until(Duration::from_secs(10), "replica link up", || {
            follows(r.port, n0.port)
        });
    }
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{}/", n0.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("kept")
        .arg("yes")
        .query(&mut c)
        .unwrap();
    let pids_before: Vec<String> = [&n0, &n1, &n2].iter().map(|n| pid(&n.pidfile)).collect();
    let kh = d.join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let nodes = format!(
        "{}{}{}",
        n0.inventory("n0", &sshd),
        n1.inventory("n1", &sshd),
        n2.inventory("n2", &sshd)
    );
    let inv = write_inventory(d, &sshd, &kh, &nodes);
    let out = rkv(
        d,
        &[
            "playbook",
            "run",
            "rolling-restart",
            "-i",
            inv.to_str().unwrap(),
            "--var",
            "master=n0",
            "--var",
            "replicas=n1,n2",
            "--var",
            "to=n1",
            "--var",
            "resync_timeout=20s",
            "--yes",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true, "{doc:#}");
    // Every node was restarted: new processes.
    for (n, before) in [&n0, &n1, &n2].iter().zip(&pids_before) {
        let now = pid(&n.pidfile);
        assert!(!now.is_empty() && &now != before, "{now} vs {before}");
    }
    assert!(info(n1.port).contains("role:master"), "{}", info(n1.port));
    for r in [&n0, &n2] {
        wait_until(Duration::from_secs(10), "follows n1", || {
            follows(r.port, n1.port)
        });
    }
    // The old master's file now says it is a replica of n1 (it restarted as one).
    let conf = std::fs::read_to_string(&n0.conf).unwrap();
    assert!(
        conf.contains(&format!("replicaof 127.0.0.1 {}", n1.port)),
        "{conf}"
    );
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{}/", n0.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let v: Option<String> = redis::cmd("GET").arg("kept").query(&mut c).unwrap();
    assert_eq!(v.as_deref(), Some("yes"));
}

/// An `rkv serve` node with a TOML config file, started in the background with its pid in a
/// file; `stop` kills it, `restart` stops it and starts it from the same file.
fn rkv_node(dir: &Path, name: &str, master: Option<u16>) -> Node {
    let port = free_port();
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    let pidfile = d.join("rkv.pid");
    let conf = d.join("rkv.toml");
    let mut text = format!("port = {port}\ndir = \"{}\"\n", d.display());
    if let Some(m) = master {
        text.push_str(&format!("replicaof = \"127.0.0.1 {m}\"\n"));
    }
    std::fs::write(&conf, text).unwrap();
    let p = pidfile.display();
    let stop = format!(
        "if [ -f {p} ]; then kill $(cat {p}); for i in $(seq 200); do kill -0 $(cat {p}) 2>/dev/null || break; sleep 0.05; done; rm -f {p}; fi"
    );
    let start = format!(
        "{stop}; nohup {} serve --config {} >>{} 2>&1 </dev/null & echo $! > {p}",
        rkv_bin().display(),
        conf.display(),
        d.join("rkv.log").display()
    );
    sh(&start);
    wait_ready(port, Duration::from_secs(10));
    Node {
        port,
        conf,
        _guard: PidGuard(pidfile.clone()),
        pidfile,
        start,
        stop,
    }
}

#[test]
fn failover_drill_over_rkv_serve_nodes() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n0 = rkv_node(d, "n0", None);
    let n1 = rkv_node(d, "n1", Some(n0.port));
    let n2 = rkv_node(d, "n2", Some(n0.port));
    for r in [&n1, &n2] {
        wait_until(Duration::from_secs(10), "replica link up", || {
            follows(r.port, n0.port)
        });
    }
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{}/", n0.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("drill")
        .arg("1")
        .query(&mut c)
        .unwrap();
    wait_until(Duration::from_secs(10), "write replicated", || {
        let mut c = redis::Client::open(format!("redis://127.0.0.1:{}/", n1.port))
            .unwrap()
            .get_connection()
            .unwrap();
        redis::cmd("GET")
            .arg("drill")
            .query::<Option<String>>(&mut c)
            .unwrap()
            .is_some()
    });
    let kh = d.join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let nodes = format!(
        "{}{}{}",
        n0.inventory("n0", &sshd),
        n1.inventory("n1", &sshd),
        n2.inventory("n2", &sshd)
    );
    let inv = write_inventory(d, &sshd, &kh, &nodes);
    let out = rkv(
        d,
        &[
            "playbook",
            "run",
            "failover-drill",
            "-i",
            inv.to_str().unwrap(),
            "--var",
            "master=n0",
            "--var",
            "replicas=n1,n2",
            "--var",
            "to=n1",
            "--var",
            "wait_timeout=20s",
            "--yes",
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true, "{doc:#}");
    // The timings: every step has its duration.
    for s in doc["steps"].as_array().unwrap() {
        assert!(s["duration_ms"].as_f64().is_some(), "{s:#}");
    }
    assert_eq!(doc["steps"][3]["output"]["kind"], "failover", "{doc:#}");
    assert!(info(n1.port).contains("role:master"), "{}", info(n1.port));
    for r in [&n0, &n2] {
        wait_until(Duration::from_secs(10), "follows n1", || {
            follows(r.port, n1.port)
        });
    }
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{}/", n0.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let v: Option<String> = redis::cmd("GET").arg("drill").query(&mut c).unwrap();
    assert_eq!(v.as_deref(), Some("1"));
}
