//! `rkv topology` and `rkv info` through a real OpenSSH server: redis-server nodes on loopback
//! reached only through direct-tcpip channels, and host keys checked the way ssh does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ssh_support;

use common::{redis_server, rkv_bin};
use ssh_support::{Sshd, fingerprint, keygen, keygen_type, write_inventory};
use std::process::{Command, Output};

fn rkv(args: &[&str]) -> Output {
    Command::new(rkv_bin())
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn node_entries(sshd: &Sshd, nodes: &[(&str, u16)]) -> String {
    nodes
        .iter()
        .map(|(name, port)| {
            format!(
                "[[nodes]]\nname = \"{name}\"\naddr = \"127.0.0.1:{port}\"\nssh = \"{}\"\n\n",
                sshd.addr()
            )
        })
        .collect()
}

#[test]
fn topology_and_info_through_the_tunnel() {
    let sshd = Sshd::start();
    let master = redis_server(&[]);
    let mport = master.port.to_string();
    let replica = redis_server(&["--replicaof", &format!("127.0.0.1 {mport}")]);
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let inv = write_inventory(
        dir.path(),
        &sshd,
        &kh,
        &node_entries(&sshd, &[("m", master.port), ("r", replica.port)]),
    );
    let inv = inv.to_str().unwrap();

    common::wait_until(
        std::time::Duration::from_secs(10),
        "replica link up",
        || {
            let out = rkv(&["-i", inv, "-o", "json", "topology"]);
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            doc["nodes"].as_array().is_some_and(|n| {
                n.iter()
                    .any(|n| n["role"] == "replica" && n["link"] == "up")
            })
        },
    );
    let out = rkv(&["-i", inv, "-o", "json", "topology"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{doc:#}");
    let m = nodes.iter().find(|n| n["name"] == "m").unwrap();
    let r = nodes.iter().find(|n| n["name"] == "r").unwrap();
    assert_eq!(m["addr"], master.addr());
    assert_eq!(m["role"], "master");
    assert_eq!(r["role"], "replica");
    assert_eq!(r["master"], master.addr());
    assert_eq!(r["link"], "up");
    assert_eq!(doc["problems"].as_array().unwrap().len(), 0, "{doc:#}");

    let out = rkv(&["-i", inv, "-o", "json", "info", "r"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["nodes"][0]["role"], "replica");
    assert_eq!(doc["nodes"][0]["master"], master.addr());

    // One-off ssh:// address, no inventory routes: the same node through the same server.
    let url = format!("ssh://root@{}/127.0.0.1:{}", sshd.addr(), master.port);
    let kh_s = kh.to_str().unwrap();
    let key = sshd.user_key();
    let one_off = dir.path().join("one-off.toml");
    std::fs::write(
        &one_off,
        format!(
            "[ssh]\nidentity = \"{}\"\nknown_hosts = \"{kh_s}\"\n",
            key.display()
        ),
    )
    .unwrap();
    let out = rkv(&["-i", one_off.to_str().unwrap(), "-o", "json", "info", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["nodes"][0]["role"], "master");

    // Proof the tunnel carried the traffic: sshd opened a channel to each node...
    assert!(sshd.tunnelled_to(master.port), "{}", sshd.log());
    assert!(sshd.tunnelled_to(replica.port), "{}", sshd.log());
    // ...and without sshd the same inventory reaches nothing.
    drop(sshd);
    let out = rkv(&["-i", inv, "-o", "json", "topology"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("ssh root@127.0.0.1:"), "{err}");
}

#[test]
fn unknown_host_key_refused_with_fingerprint_then_accepted() {
    let sshd = Sshd::start();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    let inv = write_inventory(
        dir.path(),
        &sshd,
        &kh,
        &node_entries(&sshd, &[("n", node.port)]),
    );
    let inv = inv.to_str().unwrap();

    let out = rkv(&["-i", inv, "info", "n"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let fp = fingerprint(&sshd.host_pub());
    assert!(err.contains(&fp), "fingerprint {fp} not in: {err}");
    assert!(err.contains("--accept-new-host-key"), "{err}");
    assert!(err.contains(&format!("ssh root@{}", sshd.addr())), "{err}");
    assert!(
        !kh.exists(),
        "known_hosts must not be created without the flag"
    );
    assert!(!sshd.tunnelled_to(node.port));

    let out = rkv(&["-i", inv, "--accept-new-host-key", "info", "n"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let added = std::fs::read_to_string(&kh).unwrap();
    assert_eq!(added, sshd.known_hosts_line());

    // Now known: no flag needed; and still known once the file is hashed like ssh's
    // HashKnownHosts writes it.
    let out = rkv(&["-i", inv, "info", "n"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let st = Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&kh)
        .output()
        .unwrap();
    assert!(st.status.success());
    let hashed = std::fs::read_to_string(&kh).unwrap();
    assert!(hashed.starts_with("|1|"), "{hashed}");
    let out = rkv(&["-i", inv, "info", "n"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn changed_host_key_refused_even_with_accept_new() {
    let sshd = Sshd::start();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    // known_hosts records another key for this host and port.
    keygen(&dir.path().join("other"));
    let other = std::fs::read_to_string(dir.path().join("other.pub")).unwrap();
    let mut parts = other.split_whitespace();
    let line = format!(
        "[127.0.0.1]:{} {} {}\n",
        sshd.port,
        parts.next().unwrap(),
        parts.next().unwrap()
    );
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, &line).unwrap();
    let inv = write_inventory(
        dir.path(),
        &sshd,
        &kh,
        &node_entries(&sshd, &[("n", node.port)]),
    );
    let inv = inv.to_str().unwrap();
    for extra in [&[][..], &["--accept-new-host-key"][..]] {
        let mut args = vec!["-i", inv];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["info", "n"]);
        let out = rkv(&args);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains("HOST KEY CHANGED"), "{err}");
        assert!(err.contains(&fingerprint(&sshd.host_pub())), "{err}");
        assert!(err.contains("ssh-keygen -R"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&kh).unwrap(), line);
    assert!(!sshd.tunnelled_to(node.port));
}

#[test]
fn known_hosts_with_another_key_type_is_not_a_changed_key() {
    // The server offers ed25519 and ECDSA; known_hosts records only its ECDSA key (as an
    // older ssh would have). rkv must ask for ECDSA, not cry "changed".
    let sshd = Sshd::start_with(true);
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    let ecdsa = sshd.dir.path().join("host_key_ecdsa.pub");
    std::fs::write(&kh, sshd.known_hosts_line_for(&ecdsa)).unwrap();
    let inv = write_inventory(
        dir.path(),
        &sshd,
        &kh,
        &node_entries(&sshd, &[("n", node.port)]),
    );
    let inv = inv.to_str().unwrap();
    let out = rkv(&["-i", inv, "info", "n"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(sshd.tunnelled_to(node.port));

    // A different ECDSA key recorded: now it is a changed key, reported with the ECDSA
    // fingerprint the server presented when asked for that type.
    keygen_type(&dir.path().join("other"), "ecdsa");
    std::fs::write(
        &kh,
        sshd.known_hosts_line_for(&dir.path().join("other.pub")),
    )
    .unwrap();
    let out = rkv(&["-i", inv, "--accept-new-host-key", "info", "n"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("HOST KEY CHANGED"), "{err}");
    assert!(err.contains(&fingerprint(&ecdsa)), "{err}");
}

#[test]
fn one_session_carries_many_concurrent_connections_and_large_values() {
    use rkv::node::{Credentials, NodeAddr, NodeClient, Transport};
    use std::time::Duration;
    let sshd = Sshd::start();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let inv = write_inventory(
        dir.path(),
        &sshd,
        &kh,
        &node_entries(&sshd, &[("n", node.port)]),
    );
    let inv = rkv::inventory::Inventory::load(&inv).unwrap();
    let transport = Transport::Ssh(
        rkv::inventory::from_inventory(Some(&inv), Duration::from_secs(5), false).unwrap(),
    );
    let addr = NodeAddr::new("127.0.0.1", node.port);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..16u32 {
            let transport = transport.clone();
            let addr = addr.clone();
            tasks.spawn(async move {
                let mut c = NodeClient::open(
                    &transport,
                    &addr,
                    &Credentials::default(),
                    Duration::from_secs(10),
                )
                .await
                .unwrap();
                // 300 KiB values: several SSH windows and our 64 KiB buffers, both ways.
                let value: Vec<u8> = (0..300 * 1024).map(|j| (j as u32 * 31 + i) as u8).collect();
                let mut set = redis::cmd("SET");
                set.arg(format!("k{i}")).arg(&value);
                let _: () = c.query(&set, "SET").await.unwrap();
                let mut get = redis::cmd("GET");
                get.arg(format!("k{i}"));
                let back: Vec<u8> = c.query(&get, "GET").await.unwrap();
                assert_eq!(back, value, "value {i} came back different");
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
    });
    drop(transport);
    rt.shutdown_timeout(Duration::from_secs(1));
    let log = sshd.log();
    let sessions = log.matches("Accepted publickey").count();
    assert_eq!(sessions, 1, "one SSH session for every connection:\n{log}");
    assert!(log.matches("server_request_direct_tcpip").count() >= 16);
}

#[test]
fn encrypted_identity_passphrase_asked_on_a_terminal_only() {
    let sshd = Sshd::start();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    // The same key, re-encrypted with a passphrase.
    let key = dir.path().join("enc_key");
    std::fs::copy(sshd.user_key(), &key).unwrap();
    let st = Command::new("ssh-keygen")
        .args(["-q", "-p", "-N", "correct horse", "-P", "", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", text(&st.stderr));
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let inv = dir.path().join("inv.toml");
    std::fs::write(
        &inv,
        format!(
            "[ssh]\nuser = \"root\"\nidentity = \"{}\"\nknown_hosts = \"{}\"\n\n{}",
            key.display(),
            kh.display(),
            node_entries(&sshd, &[("n", node.port)])
        ),
    )
    .unwrap();
    let out = rkv(&["-i", inv.to_str().unwrap(), "info", "n"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(
        err.contains("no terminal to ask for its passphrase"),
        "{err}"
    );
    assert!(err.contains("ssh-agent"), "{err}");
    assert!(!err.contains("correct horse"));

    // On a terminal (a pseudo-terminal from util-linux `script`) the passphrase is asked for.
    let cmdline = format!(
        "{} -i {} -o json info n",
        rkv_bin().display(),
        inv.display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &cmdline, "/dev/null"])
        .env_remove("SSH_AUTH_SOCK")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux script");
    // Type the passphrase once the prompt is shown, as an operator would.
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // Wait until `needle` shows up after byte `from`; returns where it ends.
    let wait_for = |seen: &mut Vec<u8>, from: usize, needle: &str| -> usize {
        loop {
            if let Some(i) = text(&seen[from.min(seen.len())..]).find(needle) {
                return from + i + needle.len();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(chunk) => seen.extend(chunk),
                Err(_) => return usize::MAX,
            }
        }
    };
    let mut stdin = child.stdin.take().unwrap();
    // A typo first: told so and asked again, as ssh does.
    let at = wait_for(&mut seen, 0, "Passphrase for");
    assert_ne!(at, usize::MAX, "no prompt: {}", text(&seen));
    // The prompt text comes out just before the terminal is switched to no-echo; type as a
    // person would, a moment later (typed too early, the line would be echoed and mangled).
    let pause = std::time::Duration::from_millis(300);
    std::thread::sleep(pause);
    {
        use std::io::Write;
        stdin.write_all(b"wrong horse\n").unwrap();
    }
    let at = wait_for(&mut seen, at, "wrong passphrase");
    assert_ne!(at, usize::MAX, "no complaint: {}", text(&seen));
    let at = wait_for(&mut seen, at, "Passphrase for");
    assert_ne!(at, usize::MAX, "no second prompt: {}", text(&seen));
    std::thread::sleep(pause);
    {
        use std::io::Write;
        stdin.write_all(b"correct horse\n").unwrap();
    }
    drop(stdin);
    // Bounded wait for the end; a stuck run is killed.
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    reader.join().unwrap();
    seen.extend(rx.try_iter().flatten());
    let out = std::process::Output {
        status,
        stdout: seen,
        stderr: Vec::new(),
    };
    let all = text(&out.stdout);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("Passphrase for"), "{all}");
    assert!(all.contains("\"role\": \"master\""), "{all}");
    assert!(
        !all.contains("correct horse") && !all.contains("wrong horse"),
        "a passphrase was echoed: {all}"
    );
}

#[test]
fn silent_ssh_server_times_out_naming_the_host() {
    // Accepts TCP, never sends a banner.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.toml");
    std::fs::write(
        &inv,
        format!(
            "[ssh]\nknown_hosts = \"{}\"\n[[nodes]]\nname = \"n\"\naddr = \"127.0.0.1:{}\"\nssh = \"127.0.0.1:{port}\"\n",
            dir.path().join("kh").display(),
            node.port
        ),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = rkv(&[
        "-i",
        inv.to_str().unwrap(),
        "--timeout",
        "500ms",
        "info",
        "n",
    ]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(err.contains("timed out"), "{err}");
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    drop(silent);
}

#[test]
fn node_known_by_an_unroutable_address_is_reached_through_its_ssh_host() {
    // The inventory names the node by an address this machine cannot reach (TEST-NET-1,
    // RFC 5737); only its SSH host can, at `tunnel_to`. Success proves the tunnel.
    let sshd = Sshd::start();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let nodes = format!(
        "[[nodes]]\nname = \"n\"\naddr = \"192.0.2.10:6379\"\nssh = \"{}\"\ntunnel_to = \"127.0.0.1:{}\"\n",
        sshd.addr(),
        node.port
    );
    let inv = write_inventory(dir.path(), &sshd, &kh, &nodes);
    let out = rkv(&["-i", inv.to_str().unwrap(), "-o", "json", "info", "n"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["nodes"][0]["addr"], "192.0.2.10:6379");
    assert_eq!(doc["nodes"][0]["role"], "master");
    assert!(sshd.tunnelled_to(node.port));
}

#[test]
fn clients_vanishing_mid_upload_do_not_stall_the_session() {
    use rkv::node::{Credentials, NodeAddr, NodeClient, Transport};
    use std::io::Write;
    use std::time::Duration;
    let sshd = Sshd::start();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let inv = write_inventory(
        dir.path(),
        &sshd,
        &kh,
        &node_entries(&sshd, &[("n", node.port)]),
    );
    let inv = rkv::inventory::Inventory::load(&inv).unwrap();
    let transport = Transport::Ssh(
        rkv::inventory::from_inventory(Some(&inv), Duration::from_secs(5), false).unwrap(),
    );
    let addr = NodeAddr::new("127.0.0.1", node.port);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = rt
        .block_on(transport.endpoint(&addr, Duration::from_secs(5)))
        .unwrap();
    // Eight clients each start a 4 MiB SET and hang up half way.
    let uploads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(local).unwrap();
                let _ = s.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n");
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..32 {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    for u in uploads {
        u.join().unwrap();
    }
    // The session still carries new connections and replies promptly.
    rt.block_on(async {
        for _ in 0..3 {
            let mut c = NodeClient::open(
                &transport,
                &addr,
                &Credentials::default(),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
            let pong: String = c.query(&redis::cmd("PING"), "PING").await.unwrap();
            assert_eq!(pong, "PONG");
        }
    });
}

#[test]
fn agent_key_is_used_when_no_identity_is_configured() {
    let sshd = Sshd::start();
    let node = redis_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("agent.sock");
    // ssh-agent in the foreground (-D) so the test owns it and stops it (on drop).
    struct Agent(std::process::Child);
    impl Drop for Agent {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let agent = Agent(
        Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent (openssh-client)"),
    );
    common::wait_until(std::time::Duration::from_secs(5), "agent socket", || {
        sock.exists()
    });
    let added = Command::new("ssh-add")
        .arg(sshd.user_key())
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", text(&added.stderr));
    let kh = dir.path().join("known_hosts");
    std::fs::write(&kh, sshd.known_hosts_line()).unwrap();
    let inv = dir.path().join("inv.toml");
    std::fs::write(
        &inv,
        format!(
            "[ssh]\nuser = \"root\"\nknown_hosts = \"{}\"\n\n{}",
            kh.display(),
            node_entries(&sshd, &[("n", node.port)])
        ),
    )
    .unwrap();
    // An empty HOME: no ~/.ssh/id_* to fall back on, so only the agent can log in.
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let run = |with_agent: bool| {
        let mut c = Command::new(rkv_bin());
        c.args(["-i", inv.to_str().unwrap(), "info", "n"])
            .env("HOME", &home)
            .env_remove("SSH_AUTH_SOCK");
        if with_agent {
            c.env("SSH_AUTH_SOCK", &sock);
        }
        c.output().unwrap()
    };
    let out = run(true);
    drop(agent);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(false);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("authentication failed"), "{err}");
    assert!(err.contains("no agent and no identity file"), "{err}");
}
