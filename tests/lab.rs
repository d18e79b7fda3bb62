//! `rkv lab` end to end: the real binary starts a master and replicas, prints the topology and
//! what to try, answers operator commands, and stops cleanly on Ctrl-C (SIGINT).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn lab_starts_a_synced_group_and_stops_on_ctrl_c() {
    let base = common::free_port_run(3);
    let mut child = Command::new(common::rkv_bin())
        .args([
            "lab",
            "--replicas",
            "2",
            "--port",
            &base.to_string(),
            "--no-color",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = String::new();
    while !seen.contains("Press Ctrl-C") {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("lab did not get ready; stderr so far:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
    }
    assert!(seen.contains(&format!(
        "rkv failover 127.0.0.1:{base} --to 127.0.0.1:{}",
        base + 1
    )));

    // Every command the lab prints works as printed, typed into a shell in the same folder
    // (rkv is not on this PATH, so it must print the binary's path).
    let printed: Vec<String> = seen
        .lines()
        .filter_map(|l| l.trim_start().split("   # ").next())
        .map(|c| c.trim().to_string())
        .filter(|c| c.contains(" verify ") || c.contains(" topology ") || c.ends_with("--dry-run"))
        .collect();
    assert_eq!(printed.len(), 3, "{seen}");
    for cmd in &printed {
        let out = Command::new("sh")
            .args(["-c", cmd])
            .env("PATH", "/usr/bin:/bin")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{cmd}: {out:?}");
    }

    // The lab's nodes answer the operator commands like any Redis nodes.
    let out = Command::new(common::rkv_bin())
        .args([
            "verify",
            &format!("127.0.0.1:{base}"),
            "--max-lag-bytes",
            "0",
            "--wait",
            "5s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = Command::new(common::rkv_bin())
        .args(["topology", &format!("127.0.0.1:{base}"), "--output", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    assert_eq!(
        nodes
            .iter()
            .filter(|n| n["role"] == "replica" && n["link"] == "up")
            .count(),
        2
    );

    // Ctrl-C stops it with exit 0 and its data directory is removed.
    let pid = child.id();
    Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    let status = common_wait(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    let stdout = {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut s).unwrap();
        s
    };
    assert!(stdout.contains("1 group, 3 nodes, 0 problems"), "{stdout}");
    assert!(!std::env::temp_dir().join(format!("rkv-lab-{pid}")).exists());
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", base)).is_err(),
        "master still listening"
    );
}

fn common_wait(child: &mut std::process::Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(std::time::Instant::now() < deadline, "lab did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn lab_refuses_a_port_range_that_does_not_fit() {
    let out = Command::new(common::rkv_bin())
        .args(["lab", "--replicas", "3", "--port", "65534"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
