//! Shared fixtures for integration tests: real servers on loopback ports we pick, stopped on
//! drop. Each test file does `mod common;` and uses what it needs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod load;
pub mod tty;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound then released; good enough on a test machine).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    l.local_addr().expect("local addr").port()
}

/// Wait until something accepts TCP connections on the port and answers PING.
pub fn wait_ready(port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_millis(500))).ok();
            if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok() {
                let mut buf = [0u8; 64];
                if let Ok(n) = s.read(&mut buf)
                    && n > 0
                    && (buf[0] == b'+' || buf[0] == b'-')
                {
                    return;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("server on port {port} not ready after {timeout:?}");
}

/// A server process that is killed when dropped.
pub struct ServerGuard {
    /// The child process.
    pub child: Child,
    /// The port it listens on.
    pub port: u16,
    /// Its working directory (dump.rdb, logs); kept until drop.
    pub dir: tempfile::TempDir,
}

impl ServerGuard {
    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A `redis` crate client connection.
    pub fn client(&self) -> redis::Connection {
        let c = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).unwrap();
        c.get_connection_with_timeout(Duration::from_secs(5))
            .unwrap()
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Stop the process (SIGKILL) and wait for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Start Debian's `redis-server` on a free port with no persistence unless `extra` says
/// otherwise. `extra` are redis-server command-line options such as `["--replicaof", "127.0.0.1 7000"]`.
pub fn redis_server(extra: &[&str]) -> ServerGuard {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new("redis-server");
    cmd.arg("--port")
        .arg(port.to_string())
        .arg("--bind")
        .arg("127.0.0.1")
        .arg("--dir")
        .arg(dir.path())
        .arg("--save")
        .arg("")
        .arg("--appendonly")
        .arg("no")
        .arg("--daemonize")
        .arg("no")
        .arg("--logfile")
        .arg(dir.path().join("redis.log"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = cmd
        .spawn()
        .expect("redis-server must be installed (.ci/run installs it)");
    wait_ready(port, Duration::from_secs(10));
    ServerGuard { child, port, dir }
}

/// Path of the `rkv` binary built for this test run.
pub fn rkv_bin() -> PathBuf {
    // Integration tests get the binary cargo built for them; examples (benchmarks) use the
    // release build next to them.
    option_env!("CARGO_BIN_EXE_rkv").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/rkv"),
        PathBuf::from,
    )
}

/// Start `rkv serve` on a free port in a fresh directory, with extra flags.
pub fn rkv_serve(extra: &[&str]) -> ServerGuard {
    let dir = tempfile::tempdir().unwrap();
    rkv_serve_in(dir, extra)
}

/// Start `rkv serve` on a free port in `dir` (e.g. to restart over the same data).
pub fn rkv_serve_in(dir: tempfile::TempDir, extra: &[&str]) -> ServerGuard {
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("rkv.log")).unwrap();
    let child = Command::new(rkv_bin())
        .arg("serve")
        .arg("--port")
        .arg(port.to_string())
        .arg("--dir")
        .arg(dir.path())
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn rkv serve");
    wait_ready(port, Duration::from_secs(10));
    ServerGuard { child, port, dir }
}

/// The server's log so far (rkv.log or redis.log in its directory), for assertion messages.
pub fn server_log(g: &ServerGuard) -> String {
    for name in ["rkv.log", "redis.log"] {
        if let Ok(f) = std::fs::File::open(g.path().join(name)) {
            let mut s = String::new();
            for line in BufReader::new(f).lines().map_while(Result::ok) {
                s.push_str(&line);
                s.push('\n');
            }
            return s;
        }
    }
    String::new()
}

/// Poll `f` every 20 ms until it returns true or `timeout` passes; panics with `what`.
pub fn wait_until(timeout: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {timeout:?} waiting for: {what}");
}
