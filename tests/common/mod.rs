//! Shared fixtures for integration tests: real servers on loopback ports we pick, stopped on
//! drop. Each test file does `mod common;` and uses what it needs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod load;
pub mod running;
pub mod tty;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The ports this test process reserved: the lock on each file is held until the process
/// exits (nextest runs every test in a process of its own, so that is the test's end).
static HELD: std::sync::Mutex<Vec<std::fs::File>> = std::sync::Mutex::new(Vec::new());

/// A free TCP port on 127.0.0.1, reserved for this test alone.
///
/// A port that is bound and released (port 0) can be handed to a concurrent test in between,
/// or become the local port of some client connection, so two tests could end up talking to
/// one server. Instead ports come from below the kernel's ephemeral range (32768–60999, where
/// client connections' ports live), and each is reserved with a lock file that every test
/// process honours; the kernel drops the lock when the process exits, even on a panic.
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let seed = std::hash::RandomState::new();
    for attempt in 0u64..2000 {
        let mut h = seed.build_hasher();
        h.write_u64(attempt);
        let port = 20_000 + (h.finish() % 12_000) as u16;
        if reserve_port(port) {
            return port;
        }
    }
    panic!("no free port in 20000-31999 after 2000 tries");
}

/// The first of `n` consecutive free ports, all reserved for this test ([`reserve_port`]).
pub fn free_port_run(n: u16) -> u16 {
    for _ in 0..200 {
        let base = free_port();
        if base > 31_999 - n {
            continue;
        }
        if (1..n).all(|i| reserve_port(base + i)) {
            return base;
        }
    }
    panic!("no run of {n} free ports");
}

/// Reserve `port` for this test process: true when no other test holds it and nothing listens
/// on it now.
pub fn reserve_port(port: u16) -> bool {
    let dir = std::env::temp_dir().join("rkv-test-ports");
    std::fs::create_dir_all(&dir).expect("create the port-lock directory");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{port}.lock")))
        .expect("open a port-lock file");
    if file.try_lock().is_err() || TcpListener::bind(("127.0.0.1", port)).is_err() {
        return false;
    }
    HELD.lock().unwrap().push(file);
    true
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

    /// The last `lines` lines of its log (`redis.log` in its directory), for a failing
    /// test's message; empty when it logs elsewhere.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
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

/// Stop a process with SIGSTOP and wait until the kernel reports it stopped (state `T` in
/// /proc/PID/stat): `kill` returns once the signal is queued, and a process still running on
/// the other core can answer (an ACK, a reply) in between.
pub fn sigstop(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "kill -STOP {pid}");
    wait_until(Duration::from_secs(10), "the process is stopped", || {
        process_state(pid) == Some('T')
    });
}

/// Resume a process stopped by [`sigstop`] and wait until it no longer reports `T`.
pub fn sigcont(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-CONT", &pid.to_string()])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "kill -CONT {pid}");
    wait_until(Duration::from_secs(10), "the process runs again", || {
        process_state(pid) != Some('T')
    });
}

/// The one-letter state of a process (R, S, D, T, Z …) from /proc/PID/stat.
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name in parentheses may hold spaces: the state follows the last ')'.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// A state directory (`XDG_STATE_HOME`) of this test's own, the same for every call in it:
/// nextest runs each test in its own process, so a stopped run's marks, keyed by address,
/// never reach another test (or a later CI run) that happens to get the same ports.
pub fn own_state_dir(prefix: &str) -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()))
    })
    .clone()
}
