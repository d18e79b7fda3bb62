//! Persisting a role change over SSH with a real OpenSSH server: the node's redis.conf (a copy
//! of Debian's) is edited with a backup beside it, the inventory's `restart` command runs over
//! SSH, and the restarted redis-server comes back in its new role; then back to master.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ssh_support;

use common::{free_port, redis_server, wait_ready, wait_until};
use rkv::inventory::Inventory;
use rkv::node::conffile::{MasterAuth, RoleEdit};
use rkv::node::{Credentials, NodeAddr, Secret, Transport};
use rkv::persist_role::{
    NodeCommand, PersistMethod, PersistRequest, persist_role, run_node_command,
};
use ssh_support::{Sshd, write_inventory};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Kills the daemon a `restart` command started, by its pid file, on drop.
struct PidGuard(PathBuf);

impl Drop for PidGuard {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = std::process::Command::new("kill")
                .arg("-9")
                .arg(pid.trim())
                .status();
        }
    }
}

fn info_replication(port: u16) -> String {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let Ok(mut conn) = c.get_connection_with_timeout(Duration::from_secs(2)) else {
        return String::new();
    };
    redis::cmd("INFO")
        .arg("replication")
        .query::<String>(&mut conn)
        .unwrap_or_default()
}

fn stop_by_pidfile(pidfile: &Path, port: u16) {
    let pid = std::fs::read_to_string(pidfile).unwrap();
    std::process::Command::new("kill")
        .arg(pid.trim())
        .status()
        .unwrap();
    wait_until(Duration::from_secs(10), "node stopped", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
    });
}

#[test]
fn config_edited_over_ssh_and_restarted_node_keeps_its_role() {
    let sshd = Sshd::start();
    let master = redis_server(&["--requirepass", "s3cret"]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let pidfile = d.join("node.pid");
    let _guard = PidGuard(pidfile.clone());
    // Debian's file, made to run here: later directives win in redis.conf.
    let conf = d.join("redis.conf");
    let original = format!(
        "{}\n# test overrides\nport {port}\nbind 127.0.0.1\ndaemonize yes\npidfile {}\nlogfile {}\ndir {}\nsave \"\"\nappendonly no\n",
        include_str!("fixtures/conf/debian-redis.conf"),
        pidfile.display(),
        d.join("node.log").display(),
        d.display()
    );
    std::fs::write(&conf, &original).unwrap();
    let kh = d.join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let nodes = format!(
        "[[nodes]]\nname = \"b\"\naddr = \"127.0.0.1:{port}\"\nssh = \"{}\"\nconfig = \"{}\"\nrestart = \"redis-server {} && echo restarted\"\n",
        sshd.addr(),
        conf.display(),
        conf.display()
    );
    let inv_path = write_inventory(d, &sshd, &kh, &nodes);
    let inv = Inventory::load(&inv_path).unwrap();
    let transport = Transport::Ssh(
        rkv::inventory::from_inventory(Some(&inv), Duration::from_secs(5), false).unwrap(),
    );
    let entry = inv.by_name("b").unwrap();
    let node = NodeAddr::new("127.0.0.1", port);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Start it through the inventory's restart command (over SSH): a master.
    let out = rt
        .block_on(run_node_command(
            &transport,
            &node,
            entry,
            NodeCommand::Restart,
            Duration::from_secs(20),
        ))
        .unwrap();
    assert!(out.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "restarted");
    wait_ready(port, Duration::from_secs(10));
    assert!(info_replication(port).contains("role:master"));

    // Persist "replica of the master, with its password".
    let creds = Credentials::default();
    let req = PersistRequest {
        node: &node,
        inventory: Some(entry),
        edit: RoleEdit {
            master: Some(NodeAddr::new("127.0.0.1", master.port)),
            auth: Some(MasterAuth {
                user: None,
                password: Some(Secret::new("s3cret")),
            }),
        },
        creds: &creds,
    };
    let outcome = rt.block_on(persist_role(&transport, &req, Duration::from_secs(5)));
    let PersistMethod::SshEdit {
        path,
        backup: Some(backup),
        changed: true,
    } = &outcome.method
    else {
        panic!("unexpected outcome {outcome:?}");
    };
    assert_eq!(path, &conf.display().to_string());
    let stamp = backup.rsplit(".rkv-").next().unwrap();
    assert_eq!(stamp.len(), "20261124T120000".len(), "{backup}");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), original);
    let edited = std::fs::read_to_string(&conf).unwrap();
    assert!(edited.contains(&format!(
        "# replicaof <masterip> <masterport>\nreplicaof 127.0.0.1 {}\n",
        master.port
    )));
    assert!(edited.contains("\nmasterauth s3cret\n"));
    // Nothing but the three directives changed.
    assert_eq!(edited.lines().count(), original.lines().count() + 2);
    // No temporary file left beside it: the config, its backup, the log, dump, pid.
    let leftovers: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("rkv-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Idempotent: a second run finds nothing to do and writes no backup.
    let again = rt.block_on(persist_role(&transport, &req, Duration::from_secs(5)));
    assert_eq!(
        again.method,
        PersistMethod::SshEdit {
            path: path.clone(),
            backup: None,
            changed: false
        }
    );

    // Restart it with the edited file: it comes back as a replica of the master.
    stop_by_pidfile(&pidfile, port);
    let out = rt
        .block_on(run_node_command(
            &transport,
            &node,
            entry,
            NodeCommand::Restart,
            Duration::from_secs(20),
        ))
        .unwrap();
    assert!(out.success(), "{out:?}");
    wait_ready(port, Duration::from_secs(10));
    wait_until(Duration::from_secs(15), "replica link up", || {
        let info = info_replication(port);
        info.contains("role:slave")
            && info.contains(&format!("master_port:{}", master.port))
            && info.contains("master_link_status:up")
    });

    // And back: persisted as a master, it restarts as one.
    let to_master = PersistRequest {
        edit: RoleEdit {
            master: None,
            auth: None,
        },
        ..req
    };
    let outcome = rt.block_on(persist_role(&transport, &to_master, Duration::from_secs(5)));
    assert!(
        matches!(outcome.method, PersistMethod::SshEdit { changed: true, .. }),
        "{outcome:?}"
    );
    assert!(
        !std::fs::read_to_string(&conf)
            .unwrap()
            .contains("\nreplicaof ")
    );
    stop_by_pidfile(&pidfile, port);
    let out = rt
        .block_on(run_node_command(
            &transport,
            &node,
            entry,
            NodeCommand::Restart,
            Duration::from_secs(20),
        ))
        .unwrap();
    assert!(out.success(), "{out:?}");
    wait_ready(port, Duration::from_secs(10));
    assert!(info_replication(port).contains("role:master"));
}

#[test]
fn remote_command_failure_is_reported_with_stderr() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let big = dir.path().join("big.conf");
    let big_text = "# padding\n".repeat(150_000);
    std::fs::write(&big, &big_text).unwrap();
    let nodes = format!(
        "[[nodes]]\nname = \"b\"\naddr = \"127.0.0.1:1\"\nssh = \"{s}\"\nconfig = \"{}\"\nstop = \"echo out; echo oops >&2; exit 3\"\n\n[[nodes]]\nname = \"c\"\naddr = \"127.0.0.1:2\"\nssh = \"{s}\"\nconfig = \"{}\"\n",
        dir.path().join("missing.conf").display(),
        big.display(),
        s = sshd.addr(),
    );
    let inv = Inventory::load(&write_inventory(dir.path(), &sshd, &kh, &nodes)).unwrap();
    let transport = Transport::Ssh(
        rkv::inventory::from_inventory(Some(&inv), Duration::from_secs(5), false).unwrap(),
    );
    let entry = inv.by_name("b").unwrap();
    let node = NodeAddr::new("127.0.0.1", 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = rt
        .block_on(run_node_command(
            &transport,
            &node,
            entry,
            NodeCommand::Stop,
            Duration::from_secs(10),
        ))
        .unwrap();
    assert_eq!(out.status, Some(3));
    assert_eq!(out.stdout, b"out\n");
    // sshd at LogLevel DEBUG1 also writes its own debug lines to the session's stderr.
    assert!(out.stderr_text().ends_with("oops"), "{out:?}");
    // A config file that does not exist: not persisted, and the reason names the host.
    let creds = Credentials::default();
    let outcome = rt.block_on(persist_role(
        &transport,
        &PersistRequest {
            node: &node,
            inventory: Some(entry),
            edit: RoleEdit {
                master: None,
                auth: None,
            },
            creds: &creds,
        },
        Duration::from_secs(5),
    ));
    let PersistMethod::NotPersisted { reason } = &outcome.method else {
        panic!("{outcome:?}");
    };
    assert!(
        reason.contains(&format!("ssh root@{}", sshd.addr())),
        "{reason}"
    );
    assert!(reason.contains("missing.conf"), "{reason}");

    // A file larger than we edit (1.5 MB): refused, untouched.
    let c = NodeAddr::new("127.0.0.1", 2);
    let outcome = rt.block_on(persist_role(
        &transport,
        &PersistRequest {
            node: &c,
            inventory: inv.by_name("c"),
            edit: RoleEdit {
                master: Some(NodeAddr::new("127.0.0.1", 1)),
                auth: None,
            },
            creds: &creds,
        },
        Duration::from_secs(5),
    ));
    let PersistMethod::NotPersisted { reason } = &outcome.method else {
        panic!("{outcome:?}");
    };
    assert!(reason.contains("larger than"), "{reason}");
    assert_eq!(std::fs::read_to_string(&big).unwrap(), big_text);
}
