//! TLS fixtures: certificates made with the openssl CLI in a temporary directory, and
//! TLS-only redis-server nodes that use them. Each test file does `mod tls_support;` (after
//! `mod common;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{ServerGuard, free_port};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A CA, a server certificate and a client certificate signed by it, and a second CA that
/// signed neither (for the "wrong CA" cases).
pub struct Certs {
    /// Where the files are; removed on drop.
    pub dir: tempfile::TempDir,
}

impl Certs {
    /// A file of the set: `ca.crt`, `server.crt`, `server.key`, `client.crt`, `client.key`,
    /// `other-ca.crt`, `other-client.crt`, `other-client.key`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `p` as a string, for command lines.
    pub fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// The operator flags that reach the TLS nodes: `--tls --cacert … --cert … --key …`.
    pub fn rkv_flags(&self) -> Vec<String> {
        vec![
            "--tls".into(),
            "--cacert".into(),
            self.s("ca.crt"),
            "--cert".into(),
            self.s("client.crt"),
            "--key".into(),
            self.s("client.key"),
        ]
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the openssl CLI must be installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ca(dir: &Path, name: &str) {
    openssl(dir, &["genrsa", "-out", &format!("{name}.key"), "2048"]);
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-nodes",
            "-sha256",
            "-days",
            "2",
            "-subj",
            &format!("/CN=rkv test {name}"),
            "-key",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
        ],
    );
}

fn leaf(dir: &Path, name: &str, ca: &str, ext: &str) {
    openssl(dir, &["genrsa", "-out", &format!("{name}.key"), "2048"]);
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-sha256",
            "-subj",
            &format!("/CN={name}"),
            "-key",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
        ],
    );
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-sha256",
            "-days",
            "2",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.crt"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.crt"),
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

/// Make the certificate set.
pub fn certs() -> Certs {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ca(d, "ca");
    ca(d, "other-ca");
    // Redis uses one certificate for both ends of a replication link: it must be good for
    // server and client authentication.
    let both =
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n";
    leaf(d, "server", "ca", both);
    leaf(d, "client", "ca", "extendedKeyUsage=clientAuth\n");
    leaf(
        d,
        "other-client",
        "other-ca",
        "extendedKeyUsage=clientAuth\n",
    );
    Certs { dir }
}

/// Wait until a TLS server on `port` answers PING through `redis-cli --tls`.
pub fn wait_tls_ready(certs: &Certs, port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if redis_cli(certs, port, &["PING"]).is_some_and(|r| r.trim() == "PONG") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("TLS server on port {port} not ready after {timeout:?}");
}

/// Run redis-cli over TLS with the client certificate; its stdout, or None when it failed.
pub fn redis_cli(certs: &Certs, port: u16, args: &[&str]) -> Option<String> {
    let out = Command::new("redis-cli")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "--tls",
            "--cacert",
        ])
        .arg(certs.path("ca.crt"))
        .arg("--cert")
        .arg(certs.path("client.crt"))
        .arg("--key")
        .arg(certs.path("client.key"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The redis-server TLS directives for `port`, TLS only (`--port 0`), replication over TLS,
/// client certificates required.
pub fn tls_args(certs: &Certs, port: u16) -> Vec<String> {
    vec![
        "--port".into(),
        "0".into(),
        "--tls-port".into(),
        port.to_string(),
        "--tls-replication".into(),
        "yes".into(),
        "--tls-auth-clients".into(),
        "yes".into(),
        "--tls-cert-file".into(),
        certs.s("server.crt"),
        "--tls-key-file".into(),
        certs.s("server.key"),
        "--tls-ca-cert-file".into(),
        certs.s("ca.crt"),
    ]
}

/// Start a TLS-only redis-server with `extra` options; `port` in the guard is its TLS port.
pub fn tls_redis_server(certs: &Certs, extra: &[&str]) -> ServerGuard {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new("redis-server")
        .args(tls_args(certs, port))
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .arg("--logfile")
        .arg(dir.path().join("redis.log"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server must be installed");
    wait_tls_ready(certs, port, Duration::from_secs(10));
    ServerGuard { child, port, dir }
}

/// A TLS-only master and two replicas linked over TLS.
pub fn tls_group(certs: &Certs) -> (ServerGuard, ServerGuard, ServerGuard) {
    let m = tls_redis_server(certs, &[]);
    let of = format!("127.0.0.1 {}", m.port);
    let r1 = tls_redis_server(certs, &["--replicaof", &of]);
    let r2 = tls_redis_server(certs, &["--replicaof", &of]);
    (m, r1, r2)
}

/// Start a TLS-only `rkv serve` (`--port 0 --tls-port P`, client certificates required,
/// replication over TLS) with `extra` flags; `port` in the guard is its TLS port.
pub fn tls_rkv_serve(certs: &Certs, extra: &[&str]) -> ServerGuard {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("rkv.log")).unwrap();
    let child = Command::new(crate::common::rkv_bin())
        .arg("serve")
        .args(tls_args(certs, port))
        .arg("--dir")
        .arg(dir.path())
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn rkv serve");
    wait_tls_ready(certs, port, Duration::from_secs(10));
    ServerGuard { child, port, dir }
}

/// A blocking RESP client over TLS (OpenSSL, with the client certificate), enough for the
/// write load and for reading it back: each reply is read as one line, or a bulk string.
pub struct TlsConn {
    stream: openssl::ssl::SslStream<std::net::TcpStream>,
    buf: Vec<u8>,
}

impl TlsConn {
    /// Connect to 127.0.0.1:`port` with the certificates in `dir` (a [`Certs`] directory).
    pub fn open(dir: &Path, port: u16) -> Option<TlsConn> {
        use openssl::ssl::{SslConnector, SslFiletype, SslMethod};
        let mut b = SslConnector::builder(SslMethod::tls_client()).ok()?;
        b.set_ca_file(dir.join("ca.crt")).ok()?;
        b.set_certificate_chain_file(dir.join("client.crt")).ok()?;
        b.set_private_key_file(dir.join("client.key"), SslFiletype::PEM)
            .ok()?;
        let mut cfg = b.build().configure().ok()?;
        cfg.set_verify_hostname(false);
        let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        tcp.set_read_timeout(Some(Duration::from_secs(15))).ok()?;
        tcp.set_nodelay(true).ok()?;
        let stream = cfg.connect("localhost", tcp).ok()?;
        Some(TlsConn {
            stream,
            buf: Vec::new(),
        })
    }

    fn line(&mut self) -> std::io::Result<String> {
        use std::io::Read;
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::other("closed"));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Send a command; the first reply line (`+OK`, `-READONLY …`, `$3`, `*3` …).
    pub fn command(&mut self, args: &[&str]) -> std::io::Result<String> {
        use std::io::Write;
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.stream.write_all(out.as_bytes())?;
        self.line()
    }

    /// GET: the value, or None for a missing key.
    pub fn get(&mut self, key: &str) -> std::io::Result<Option<String>> {
        let head = self.command(&["GET", key])?;
        if head == "$-1" {
            return Ok(None);
        }
        Ok(Some(self.line()?))
    }

    /// Whether ROLE says master (reads only the reply's first element: use the connection
    /// for nothing else afterwards).
    pub fn is_master(&mut self) -> bool {
        self.command(&["ROLE"]).is_ok_and(|h| h.starts_with('*'))
            && self.line().is_ok_and(|l| l == "$6")
            && self.line().is_ok_and(|l| l == "master")
    }
}

/// The write load of the switchover tests (as tests/common/load.rs, over TLS): `SET k:i i`
/// back to back, recording every acknowledged i; on an error it finds the master again.
pub struct TlsLoad {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: std::thread::JoinHandle<Vec<u64>>,
}

impl TlsLoad {
    /// Start writing to whichever of `ports` is master.
    pub fn start(certs: &Certs, ports: Vec<u16>) -> TlsLoad {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        // The test keeps the Certs (and its directory) alive until after finish().
        let dir = certs.dir.path().to_path_buf();
        let handle = std::thread::spawn(move || {
            let find = || -> Option<TlsConn> {
                for &p in &ports {
                    if TlsConn::open(&dir, p).is_some_and(|mut c| c.is_master()) {
                        return TlsConn::open(&dir, p);
                    }
                }
                None
            };
            let mut acked = Vec::new();
            let mut conn = find().expect("a master to write to");
            let mut i: u64 = 0;
            while !flag.load(Ordering::Relaxed) {
                i += 1;
                let key = format!("k:{i}");
                let val = i.to_string();
                match conn.command(&["SET", &key, &val]) {
                    Ok(r) if r == "+OK" => acked.push(i),
                    _ => {
                        let deadline = Instant::now() + Duration::from_secs(10);
                        loop {
                            if let Some(c) = find() {
                                conn = c;
                                break;
                            }
                            assert!(Instant::now() < deadline, "no master to write to");
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                }
            }
            acked
        });
        TlsLoad { stop, handle }
    }

    /// Stop; the acknowledged writes.
    pub fn finish(self) -> Vec<u64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}
