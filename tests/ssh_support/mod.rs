//! A real OpenSSH server for the SSH tests: a throwaway host key and user key, an sshd_config
//! in a temporary directory, `sshd -D -e` on a free loopback port, stopped on drop. Its log
//! (LogLevel DEBUG1) records every direct-tcpip channel, which is how the tests prove a node
//! was reached through the tunnel.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::common::free_port;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running sshd.
pub struct Sshd {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Keys, config, log.
    pub dir: tempfile::TempDir,
}

/// `ssh-keygen -t ed25519 -N '' -f PATH`.
pub fn keygen(path: &Path) {
    keygen_type(path, "ed25519");
}

/// `ssh-keygen -t TYPE -N '' -f PATH`.
pub fn keygen_type(path: &Path, kind: &str) {
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", "rkv-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("ssh-keygen must be installed");
    assert!(st.success());
}

/// The `ssh-keygen -lf` SHA256 fingerprint of a public key file.
pub fn fingerprint(pub_path: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pub_path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace()
        .find(|w| w.starts_with("SHA256:"))
        .unwrap()
        .to_string()
}

impl Sshd {
    /// Start sshd with a fresh ed25519 host key; the user key's public half is authorized.
    pub fn start() -> Sshd {
        Self::start_with(false)
    }

    /// Also offer an ECDSA host key (`host_key_ecdsa`), after the ed25519 one.
    pub fn start_with(ecdsa: bool) -> Sshd {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_key"));
        let mut extra = String::new();
        if ecdsa {
            keygen_type(&d.join("host_key_ecdsa"), "ecdsa");
            extra = format!("HostKey {}\n", d.join("host_key_ecdsa").display());
        }
        keygen(&d.join("user_key"));
        std::fs::copy(d.join("user_key.pub"), d.join("authorized_keys")).unwrap();
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nAuthorizedKeysFile {ak}\n\
             PidFile {pid}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nAllowTcpForwarding yes\n\
             PermitRootLogin yes\nLogLevel DEBUG1\nMaxSessions 50\nMaxStartups 50\n{extra}",
            hk = d.join("host_key").display(),
            ak = d.join("authorized_keys").display(),
            pid = d.join("sshd.pid").display(),
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let log = std::fs::File::create(d.join("sshd.log")).unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("openssh-server must be installed (.ci/run installs it)");
        let mut s = Sshd { child, port, dir };
        s.wait_banner();
        s
    }

    fn wait_banner(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("sshd exited with {st}: {}", self.log());
            }
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", self.port)) {
                c.set_read_timeout(Some(Duration::from_secs(2))).ok();
                let mut buf = [0u8; 8];
                if c.read_exact(&mut buf).is_ok() && &buf == b"SSH-2.0-" {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("sshd not ready: {}", self.log());
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The user's private key.
    pub fn user_key(&self) -> PathBuf {
        self.dir.path().join("user_key")
    }

    /// The host's public key file.
    pub fn host_pub(&self) -> PathBuf {
        self.dir.path().join("host_key.pub")
    }

    /// The known_hosts line for this server, as OpenSSH writes it.
    pub fn known_hosts_line(&self) -> String {
        self.known_hosts_line_for(&self.host_pub())
    }

    /// The known_hosts line for this server's host and port with the key in `pub_path`.
    pub fn known_hosts_line_for(&self, pub_path: &Path) -> String {
        let key = std::fs::read_to_string(pub_path).unwrap();
        let mut parts = key.split_whitespace();
        let (kind, b64) = (parts.next().unwrap(), parts.next().unwrap());
        format!("[127.0.0.1]:{} {kind} {b64}\n", self.port)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Whether the log shows a direct-tcpip channel to this port.
    pub fn tunnelled_to(&self, port: u16) -> bool {
        self.log().lines().any(|l| {
            l.contains("server_request_direct_tcpip")
                && l.contains(&format!("target 127.0.0.1 port {port}"))
        })
    }

    /// Stop the server.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        // Per-connection children end when their client disconnects.
        let _ = self.child.wait();
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An inventory file with `[ssh]` settings and the given node entries.
pub fn write_inventory(dir: &Path, sshd: &Sshd, known_hosts: &Path, nodes: &str) -> PathBuf {
    let text = format!(
        "[ssh]\nuser = \"root\"\nidentity = \"{}\"\nknown_hosts = \"{}\"\n\n{nodes}",
        sshd.user_key().display(),
        known_hosts.display()
    );
    let path = dir.join("inventory.toml");
    std::fs::write(&path, text).unwrap();
    path
}
