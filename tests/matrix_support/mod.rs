//! The version matrix: real builds of every Redis from 2.8 to 7.2 and Valkey 8, found in
//! `$RKV_REDIS_MATRIX` or `../shared/redis-matrix` beside the repository (CI runs in a fresh
//! clone with a copy of `shared/` beside it). A missing build is a test failure, never a skip:
//! `.ci/run` builds the matrix with `scripts/build-redis-matrix.sh` when the directory is absent.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{ServerGuard, free_port, wait_ready};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// One build of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// Its directory name, e.g. `redis-2.8.24`.
    pub dir: &'static str,
    /// `(major, minor)` of the Redis it is (Valkey 8 has Redis 7.2's capabilities).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// True for Valkey.
    pub valkey: bool,
}

/// Every build, oldest first.
pub const ALL: [Version; 8] = [
    v("redis-2.8.24", 2, 8),
    v("redis-3.2.13", 3, 2),
    v("redis-4.0.14", 4, 0),
    v("redis-5.0.14", 5, 0),
    v("redis-6.0.20", 6, 0),
    v("redis-6.2.16", 6, 2),
    v("redis-7.2.6", 7, 2),
    Version {
        dir: "valkey-8.0.1",
        major: 8,
        minor: 0,
        valkey: true,
    },
];

const fn v(dir: &'static str, major: u32, minor: u32) -> Version {
    Version {
        dir,
        major,
        minor,
        valkey: false,
    }
}

/// The build named `dir` (panics on an unknown name: a typo in a test).
pub fn version(dir: &str) -> Version {
    *ALL.iter()
        .find(|v| v.dir == dir)
        .unwrap_or_else(|| panic!("no version {dir} in the matrix"))
}

impl Version {
    /// The version text as the server reports it (`2.8.24`, Valkey's `8.0.1`).
    pub fn number(&self) -> &'static str {
        self.dir.split_once('-').map_or(self.dir, |(_, n)| n)
    }

    /// What `rkv` shows as its version: `2.8.24` or `valkey 8.0.1`.
    pub fn shown(&self) -> String {
        if self.valkey {
            format!("valkey {}", self.number())
        } else {
            self.number().to_string()
        }
    }

    /// 2.8 and 3.x speak PSYNC1 (no replid).
    pub fn psync1(&self) -> bool {
        self.major < 4
    }

    /// The server binary.
    pub fn server_bin(&self) -> PathBuf {
        let name = if self.valkey {
            "valkey-server"
        } else {
            "redis-server"
        };
        let path = matrix_dir().join(self.dir).join(name);
        assert!(
            path.is_file(),
            "matrix build {} is missing ({}): run scripts/build-redis-matrix.sh with RKV_REDIS_MATRIX set",
            self.dir,
            path.display()
        );
        path
    }

    /// Start it on a free loopback port with no persistence; `master` makes it a replica
    /// (`--slaveof`, which every version knows; 2.8–4.0 do not know `--replicaof`).
    pub fn start(&self, master: Option<u16>, extra: &[&str]) -> ServerGuard {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = Command::new(self.server_bin());
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--dir")
            .arg(dir.path())
            .arg("--daemonize")
            .arg("no")
            .arg("--logfile")
            .arg(dir.path().join("redis.log"));
        if let Some(m) = master {
            cmd.arg("--slaveof").arg("127.0.0.1").arg(m.to_string());
        }
        // 7.x and Valkey wait 5 s before a diskless sync: start it at once.
        if self.major >= 6 {
            cmd.arg("--repl-diskless-sync-delay").arg("0");
        }
        cmd.args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.dir));
        wait_ready(port, Duration::from_secs(10));
        ServerGuard { child, port, dir }
    }

    /// A Sentinel of this version on a free port (the server binary with `--sentinel`),
    /// watching `name` at `master_port` with `quorum`.
    pub fn sentinel(&self, name: &str, master_port: u16, quorum: u32) -> ServerGuard {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = format!(
            "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {}\nlogfile {}\n\
             sentinel monitor {name} 127.0.0.1 {master_port} {quorum}\n\
             sentinel down-after-milliseconds {name} 2000\n\
             sentinel failover-timeout {name} 10000\n",
            dir.path().display(),
            dir.path().join("sentinel.log").display()
        );
        let path = dir.path().join("sentinel.conf");
        std::fs::write(&path, conf).unwrap();
        let child = Command::new(self.server_bin())
            .arg(&path)
            .arg("--sentinel")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {} sentinel: {e}", self.dir));
        wait_ready(port, Duration::from_secs(10));
        ServerGuard { child, port, dir }
    }
}

/// Where the builds are: `$RKV_REDIS_MATRIX`, else `../shared/redis-matrix` beside the
/// repository. Panics naming both when neither exists.
pub fn matrix_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("RKV_REDIS_MATRIX").filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        assert!(
            d.is_dir(),
            "RKV_REDIS_MATRIX={} is not a directory",
            d.display()
        );
        return d;
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/redis-matrix");
    assert!(
        beside.is_dir(),
        "the Redis version matrix is missing: neither RKV_REDIS_MATRIX nor {} exists \
         (scripts/build-redis-matrix.sh builds it)",
        beside.display()
    );
    beside
}

/// `INFO` (every default section) as text, or empty when the node does not answer.
pub fn info(port: u16) -> String {
    let Ok(c) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else {
        return String::new();
    };
    let Ok(mut c) = c.get_connection_with_timeout(Duration::from_secs(2)) else {
        return String::new();
    };
    let _ = c.set_read_timeout(Some(Duration::from_secs(10)));
    redis::cmd("INFO").query(&mut c).unwrap_or_default()
}

/// One `key:value` field of INFO text.
pub fn field(info: &str, key: &str) -> Option<String> {
    info.lines()
        .filter_map(|l| l.trim_end_matches('\r').split_once(':'))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
}
