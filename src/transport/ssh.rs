//! One SSH session on its own thread: connect, verify the host key, authenticate, then pump
//! every tunnel of the session in one non-blocking loop and run remote commands between turns.
//!
//! The async side talks to the thread through a channel of requests and waits on tokio
//! one-shots, always under a timeout, so no runtime worker ever blocks in libssh2. Dropping
//! the last handle closes the request channel; the thread then closes its tunnels and ends.

use super::hostkey;
use super::{SshError, SshSettings, SshTarget};
use crate::addr::{NodeAddr, Secret};
use ssh2::{Channel, ErrorCode, Session};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};

/// libssh2's "would block" code.
const EAGAIN: i32 = -37;

/// Bytes buffered per direction per tunnel before we stop reading that side.
const TUNNEL_BUF: usize = 64 * 1024;

/// Most output we keep from a remote command, per stream.
pub const MAX_EXEC_OUTPUT: usize = 4 << 20;

/// Longest idle sleep of the pump loop: the added latency of a request through a tunnel.
const MAX_IDLE_SLEEP: Duration = Duration::from_millis(2);

/// Seconds between SSH keepalives on an idle session.
const KEEPALIVE_SECS: u32 = 15;

/// Longest a session start may take when a passphrase may be typed at a terminal.
const PROMPT_WAIT: Duration = Duration::from_secs(300);

/// What a remote command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit status (None when the command was ended by a signal).
    pub status: Option<i32>,
    /// Standard output (at most [`MAX_EXEC_OUTPUT`] bytes).
    pub stdout: Vec<u8>,
    /// Standard error (at most [`MAX_EXEC_OUTPUT`] bytes).
    pub stderr: Vec<u8>,
    /// True when either stream was cut at [`MAX_EXEC_OUTPUT`].
    pub truncated: bool,
}

impl ExecOutput {
    /// True when the command exited with status 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// Standard error as text, trimmed, for messages.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_string()
    }
}

type Ready = Option<Result<(), SshError>>;

enum Request {
    Forward {
        listener: TcpListener,
        dest: NodeAddr,
    },
    Exec {
        command: String,
        input: Option<Vec<u8>>,
        timeout: Duration,
        reply: oneshot::Sender<Result<ExecOutput, String>>,
    },
}

/// The async side's handle on one session thread. Cheap to clone.
#[derive(Clone)]
pub struct SessionHandle {
    target: SshTarget,
    timeout: Duration,
    /// Someone may be asked for a passphrase, so the session may wait on a human.
    interactive: bool,
    tx: Sender<Request>,
    ready: watch::Receiver<Ready>,
    forwards: Arc<Mutex<HashMap<NodeAddr, SocketAddr>>>,
}

impl SessionHandle {
    /// Start the session thread for `target`. Connecting begins at once; [`Self::ready`]
    /// waits for it.
    pub fn start(target: SshTarget, settings: SshSettings) -> SessionHandle {
        let (tx, rx) = std::sync::mpsc::channel();
        let (ready_tx, ready) = watch::channel(None);
        let timeout = settings.timeout;
        let interactive = settings.passphrase.is_some();
        let t = target.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("ssh {target}"))
            .spawn(move || run(t, settings, rx, ready_tx));
        if let Err(e) = spawned {
            // The receiver went with the failed closure; report through a fresh channel.
            let (ready_tx, ready) = watch::channel(Some(Err(SshError::Closed {
                target: target.to_string(),
                reason: format!("cannot start the session thread: {e}"),
            })));
            drop(ready_tx);
            return SessionHandle {
                target,
                timeout,
                interactive,
                tx,
                ready,
                forwards: Arc::default(),
            };
        }
        SessionHandle {
            target,
            timeout,
            interactive,
            tx,
            ready,
            forwards: Arc::default(),
        }
    }

    /// Wait until the session is up (or failed), bounded: connect and handshake are each
    /// bounded by the timeout on the thread, authentication by [`auth_timeout`]; a passphrase prompt at a
    /// terminal gets longer.
    pub async fn ready(&self) -> Result<(), SshError> {
        let mut rx = self.ready.clone();
        let bound = if self.interactive {
            PROMPT_WAIT
        } else {
            // Connect and two handshakes (a known_hosts retry) at the timeout, then the
            // authentication at its own (see `auth_timeout`).
            self.timeout * 3 + auth_timeout(self.timeout) + Duration::from_secs(1)
        };
        let waited = tokio::time::timeout(bound, rx.wait_for(Option::is_some)).await;
        match waited {
            Err(_) => Err(SshError::Timeout {
                target: self.target.to_string(),
                timeout: bound,
                what: "starting the session".into(),
            }),
            Ok(Err(_)) => Err(self.closed("the session thread ended")),
            Ok(Ok(v)) => match &*v {
                Some(r) => r.clone(),
                None => Err(self.closed("the session thread ended")),
            },
        }
    }

    fn closed(&self, reason: &str) -> SshError {
        SshError::Closed {
            target: self.target.to_string(),
            reason: reason.into(),
        }
    }

    /// The local forwarder for `dest` (created on first use; one per node, many connections).
    pub fn forward(&self, dest: &NodeAddr) -> Result<SocketAddr, SshError> {
        let mut forwards = match self.forwards.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(a) = forwards.get(dest) {
            return Ok(*a);
        }
        let local_err = |e: std::io::Error| SshError::Remote {
            target: self.target.to_string(),
            what: format!("local forwarder for {dest}"),
            reason: e.to_string(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").map_err(local_err)?;
        listener.set_nonblocking(true).map_err(local_err)?;
        let local = listener.local_addr().map_err(local_err)?;
        self.tx
            .send(Request::Forward {
                listener,
                dest: dest.clone(),
            })
            .map_err(|_| self.closed("the session thread ended"))?;
        forwards.insert(dest.clone(), local);
        tracing::debug!("ssh {}: {local} forwards to {dest}", self.target);
        Ok(local)
    }

    /// Run `command` on the host, feeding `input` on its stdin; bounded by `timeout`.
    pub async fn exec(
        &self,
        command: String,
        input: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<ExecOutput, SshError> {
        let (reply, rx) = oneshot::channel();
        let what = command.split_whitespace().next().unwrap_or("").to_string();
        self.tx
            .send(Request::Exec {
                command,
                input,
                timeout,
                reply,
            })
            .map_err(|_| self.closed("the session thread ended"))?;
        // The thread enforces `timeout`; the extra second covers a turn of its loop.
        match tokio::time::timeout(timeout + Duration::from_secs(1), rx).await {
            Err(_) => Err(SshError::Timeout {
                target: self.target.to_string(),
                timeout,
                what: format!("running {what}"),
            }),
            Ok(Err(_)) => Err(self.closed("the session thread ended")),
            Ok(Ok(r)) => r.map_err(|reason| SshError::Remote {
                target: self.target.to_string(),
                what: format!("running {what}"),
                reason,
            }),
        }
    }
}

fn would_block(e: &ssh2::Error) -> bool {
    e.code() == ErrorCode::Session(EAGAIN)
}

/// The session thread.
fn run(
    target: SshTarget,
    settings: SshSettings,
    rx: Receiver<Request>,
    ready: watch::Sender<Ready>,
) {
    let sess = match connect(&target, &settings) {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!("{e}");
            ready.send_replace(Some(Err(e)));
            return;
        }
    };
    ready.send_replace(Some(Ok(())));
    sess.set_blocking(false);
    // Keepalives so a firewall or NAT does not drop the session while a failover waits.
    sess.set_keepalive(false, KEEPALIVE_SECS);
    let mut next_keepalive = Instant::now() + Duration::from_secs(u64::from(KEEPALIVE_SECS));
    let mut pump = Pump::default();
    let mut idle = Duration::ZERO;
    let mut waited: Option<Request> = None;
    loop {
        let mut progress = false;
        loop {
            let next = match waited.take() {
                Some(r) => Ok(r),
                None => rx.try_recv(),
            };
            match next {
                Ok(Request::Forward { listener, dest }) => {
                    pump.listeners.push((listener, dest));
                    progress = true;
                }
                Ok(Request::Exec {
                    command,
                    input,
                    timeout,
                    reply,
                }) => {
                    let r = exec(&sess, &mut pump, &command, input.as_deref(), timeout);
                    let _ = reply.send(r);
                    progress = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    let _ = sess.disconnect(None, "rkv done", None);
                    return;
                }
            }
        }
        if Instant::now() >= next_keepalive {
            // Non-blocking: "would block" just means it goes out on a later turn.
            let wait = match sess.keepalive_send() {
                Ok(w) => u64::from(w.max(1)),
                // Half sent: it must be repeated before anything else goes out.
                Err(e) if would_block(&e) => 0,
                Err(_) => u64::from(KEEPALIVE_SECS),
            };
            next_keepalive = Instant::now() + Duration::from_secs(wait);
        }
        match pump.step(&sess, true) {
            Ok(p) => progress |= p,
            Err(reason) => {
                tracing::warn!("ssh {target}: session lost: {reason}");
                ready.send_replace(Some(Err(SshError::Closed {
                    target: target.to_string(),
                    reason,
                })));
                return;
            }
        }
        if progress {
            idle = Duration::ZERO;
        } else {
            // Idle: wait for a request (answered at once) or the next turn, whichever first.
            idle = (idle * 2).clamp(Duration::from_micros(50), MAX_IDLE_SLEEP);
            match rx.recv_timeout(idle) {
                Ok(r) => waited = Some(r),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = sess.disconnect(None, "rkv done", None);
                    return;
                }
            }
        }
    }
}

/// OpenSSH's own preference, so the key we are shown is the one `ssh` recorded.
const HOST_KEY_ALGORITHMS: &str = "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-rsa";

/// Connect, handshake, check the host key and authenticate, all in blocking mode with the
/// settings' timeout on each libssh2 call (authentication's at least [`AUTH_MIN`]). When known_hosts records the host only under other
/// key types, connect once more asking for those (as OpenSSH does).
fn connect(target: &SshTarget, settings: &SshSettings) -> Result<Session, SshError> {
    let sess = handshake(target, settings, HOST_KEY_ALGORITHMS)?;
    let sess = match hostkey::verify(&sess, target, settings)? {
        hostkey::Checked::Trusted => sess,
        hostkey::Checked::RetryWith(algs) => {
            let _ = sess.disconnect(None, "host key type", None);
            let again = handshake(target, settings, &algs)?;
            match hostkey::verify(&again, target, settings)? {
                hostkey::Checked::Trusted => again,
                hostkey::Checked::RetryWith(_) => {
                    return Err(SshError::Handshake {
                        target: target.to_string(),
                        reason: format!(
                            "known_hosts records this host only with key types ({algs}) the server does not offer"
                        ),
                    });
                }
            }
        }
    };
    // Authentication gets longer than a command: the server answered the handshake, so it is
    // alive, and a public-key check (a signature, sshd's privilege-separated child) can take
    // seconds on a loaded host. It failed a CI run at 2 s ("Timed out waiting on socket").
    sess.set_timeout(millis(auth_timeout(settings.timeout)));
    let authed = authenticate(&sess, target, settings);
    sess.set_timeout(millis(settings.timeout));
    authed?;
    Ok(sess)
}

/// The least time authentication is given, whatever `--timeout` says.
const AUTH_MIN: Duration = Duration::from_secs(10);

/// How long each libssh2 call of the authentication may take.
fn auth_timeout(timeout: Duration) -> Duration {
    timeout.max(AUTH_MIN)
}

/// A timeout as libssh2 takes it (milliseconds, at least 1: 0 means none).
fn millis(t: Duration) -> u32 {
    u32::try_from(t.as_millis()).unwrap_or(u32::MAX).max(1)
}

/// TCP connect and SSH handshake asking for these host key algorithms.
fn handshake(target: &SshTarget, settings: &SshSettings, algs: &str) -> Result<Session, SshError> {
    let t = target.to_string();
    let conn_err = |reason: String| SshError::Connect {
        target: t.clone(),
        reason,
    };
    let addrs: Vec<SocketAddr> = (target.addr.host(), target.addr.port())
        .to_socket_addrs()
        .map_err(|e| conn_err(e.to_string()))?
        .collect();
    let mut last = "no addresses".to_string();
    let mut tcp = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, settings.timeout) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                return Err(SshError::Timeout {
                    target: t.clone(),
                    timeout: settings.timeout,
                    what: "connecting".into(),
                });
            }
            Err(e) => last = e.to_string(),
        }
    }
    let tcp = tcp.ok_or_else(|| conn_err(last))?;
    let _ = tcp.set_nodelay(true);
    let mut sess = Session::new().map_err(|e| conn_err(e.message().to_string()))?;
    sess.set_tcp_stream(tcp);
    sess.set_blocking(true);
    sess.set_timeout(millis(settings.timeout));
    // Unknown names are dropped by libssh2; a failure leaves its defaults, still verified.
    let _ = sess.method_pref(ssh2::MethodType::HostKey, algs);
    sess.handshake().map_err(|e| {
        if e.code() == ErrorCode::Session(-9) {
            SshError::Timeout {
                target: t.clone(),
                timeout: settings.timeout,
                what: "handshake".into(),
            }
        } else {
            SshError::Handshake {
                target: t.clone(),
                reason: e.message().to_string(),
            }
        }
    })?;
    Ok(sess)
}

/// The agent first, then the identity file (or the usual default files).
fn authenticate(
    sess: &Session,
    target: &SshTarget,
    settings: &SshSettings,
) -> Result<(), SshError> {
    let user = target.user.as_str();
    let mut tried: Vec<String> = Vec::new();
    if std::env::var_os("SSH_AUTH_SOCK").is_some() {
        match try_agent(sess, user) {
            Ok(true) => return Ok(()),
            Ok(false) => tried.push("agent: no key accepted".into()),
            Err(e) => tried.push(format!("agent: {e}")),
        }
    }
    let files: Vec<PathBuf> = match &settings.identity {
        Some(p) => vec![super::expand_tilde(p)],
        None => ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"]
            .iter()
            .map(|p| super::expand_tilde(std::path::Path::new(p)))
            .filter(|p| p.exists())
            .collect(),
    };
    for path in &files {
        let shown = path.display();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                tried.push(format!("{shown}: {e}"));
                continue;
            }
        };
        if !hostkey::key_is_encrypted(&text) {
            match sess.userauth_pubkey_file(user, None, path, None) {
                Ok(()) if sess.authenticated() => return Ok(()),
                Ok(()) => tried.push(format!("{shown}: not accepted")),
                Err(e) => tried.push(format!("{shown}: {}", e.message())),
            }
            continue;
        }
        if auth_encrypted(sess, user, path, settings.passphrase.as_ref(), &mut tried)? {
            return Ok(());
        }
    }
    if tried.is_empty() {
        tried.push("no agent and no identity file (set [ssh] identity in the inventory)".into());
    }
    Err(SshError::Auth {
        target: target.to_string(),
        reason: format!("as {user}: {}", tried.join("; ")),
    })
}

/// Passphrases typed during this run, by identity file, so a second SSH host using the same
/// key does not ask again. The lock is held while asking, so two session threads never
/// prompt at the same time.
static PASSPHRASES: Mutex<Vec<(PathBuf, Secret)>> = Mutex::new(Vec::new());

/// Most passphrase attempts per identity, as ssh allows.
const PASSPHRASE_ATTEMPTS: usize = 3;

/// libssh2's code when it cannot read the private key (here: a wrong passphrase).
const ERROR_FILE: i32 = -16;

/// Authenticate with an encrypted identity: a passphrase typed earlier in this run, else
/// asked at the terminal (up to three times). Ok(false): not accepted (reasons in `tried`).
fn auth_encrypted(
    sess: &Session,
    user: &str,
    path: &std::path::Path,
    ask: Option<&super::AskPassphrase>,
    tried: &mut Vec<String>,
) -> Result<bool, SshError> {
    let shown = path.display();
    let mut cache = match PASSPHRASES.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    let mut known = cache
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, s)| s.clone());
    let mut asked = 0;
    let mut wrong = false;
    loop {
        let pass = match known.take() {
            Some(p) => p,
            None if ask.is_none() => {
                tried.push(format!(
                    "{shown} is encrypted and there is no terminal to ask for its passphrase (load it into ssh-agent)"
                ));
                return Ok(false);
            }
            None if asked == PASSPHRASE_ATTEMPTS => {
                tried.push(format!("{shown}: {asked} wrong passphrases"));
                return Ok(false);
            }
            None => {
                asked += 1;
                let given = ask.and_then(|a| (a.0)(path, wrong));
                match given {
                    Some(p) => Secret::new(p),
                    None => {
                        tried.push(format!("{shown}: no passphrase given"));
                        return Ok(false);
                    }
                }
            }
        };
        match sess.userauth_pubkey_file(user, None, path, Some(pass.expose())) {
            Ok(()) if sess.authenticated() => {
                cache.retain(|(p, _)| p != path);
                cache.push((path.to_path_buf(), pass));
                return Ok(true);
            }
            Ok(()) => {
                tried.push(format!("{shown}: not accepted"));
                return Ok(false);
            }
            Err(e) if e.code() == ErrorCode::Session(ERROR_FILE) => {
                cache.retain(|(p, _)| p != path);
                wrong = true;
            }
            Err(e) => {
                tried.push(format!("{shown}: {}", e.message()));
                return Ok(false);
            }
        }
    }
}

fn try_agent(sess: &Session, user: &str) -> Result<bool, String> {
    let mut agent = sess.agent().map_err(|e| e.message().to_string())?;
    agent.connect().map_err(|e| e.message().to_string())?;
    agent
        .list_identities()
        .map_err(|e| e.message().to_string())?;
    let ids = agent.identities().map_err(|e| e.message().to_string())?;
    for id in ids {
        if agent.userauth(user, &id).is_ok() && sess.authenticated() {
            let _ = agent.disconnect();
            return Ok(true);
        }
    }
    let _ = agent.disconnect();
    Ok(false)
}

/// Tunnels and forwarders of one session.
#[derive(Default)]
struct Pump {
    listeners: Vec<(TcpListener, NodeAddr)>,
    /// Accepted connections waiting for their channel (opened one at a time: libssh2 keeps one
    /// channel-open state per session).
    pending: Vec<(TcpStream, NodeAddr, Instant)>,
    tunnels: Vec<Tunnel>,
    /// Finished tunnels whose channel is still being closed. A non-blocking libssh2 call that
    /// said "would block" may have left a packet half sent, and the session sends nothing
    /// else until that same call is repeated; so we never drop a channel mid-call.
    closing: Vec<(Tunnel, Instant)>,
    timeout: Duration,
}

struct Tunnel {
    sock: TcpStream,
    ch: Channel,
    up: Vec<u8>,
    down: Vec<u8>,
    sock_eof: bool,
    eof_sent: bool,
    ch_eof: bool,
    write_shut: bool,
    /// The last channel write said "would block" (it must be repeated before the channel
    /// goes away).
    write_blocked: bool,
}

/// libssh2 codes that mean the session itself is gone.
fn fatal(e: &ssh2::Error) -> bool {
    matches!(e.code(), ErrorCode::Session(-7 | -13 | -14 | -43))
}

impl Pump {
    /// One turn over every forwarder and tunnel. `open` is false while a command is being
    /// started (its channel-open must not be interleaved with ours). Returns whether anything
    /// moved; an error means the session is lost.
    fn step(&mut self, sess: &Session, open: bool) -> Result<bool, String> {
        let mut progress = false;
        if self.timeout.is_zero() {
            self.timeout = Duration::from_secs(u64::from(sess.timeout() / 1000).max(1));
        }
        for (l, dest) in &self.listeners {
            loop {
                match l.accept() {
                    Ok((s, _)) => {
                        let _ = s.set_nonblocking(true);
                        let _ = s.set_nodelay(true);
                        self.pending.push((s, dest.clone(), Instant::now()));
                        progress = true;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => {
                        tracing::debug!("forwarder for {dest}: accept failed: {e}");
                        break;
                    }
                }
            }
        }
        if open && let Some((_, dest, since)) = self.pending.first() {
            match sess.channel_direct_tcpip(dest.host(), dest.port(), None) {
                Ok(ch) => {
                    let (sock, _, _) = self.pending.remove(0);
                    self.tunnels.push(Tunnel {
                        sock,
                        ch,
                        up: Vec::new(),
                        down: Vec::new(),
                        sock_eof: false,
                        eof_sent: false,
                        ch_eof: false,
                        write_shut: false,
                        write_blocked: false,
                    });
                    progress = true;
                }
                Err(e) if would_block(&e) => {
                    if since.elapsed() > self.timeout {
                        tracing::debug!("tunnel to {dest}: channel open timed out");
                        self.pending.remove(0);
                        progress = true;
                    }
                }
                Err(e) if fatal(&e) => return Err(e.message().to_string()),
                Err(e) => {
                    // The SSH host could not reach the node: close the local side so the
                    // client sees a refused connection at once.
                    tracing::debug!("tunnel to {dest}: {}", e.message());
                    self.pending.remove(0);
                    progress = true;
                }
            }
        }
        let mut i = 0;
        while i < self.tunnels.len() {
            match self.tunnels[i].step() {
                Ok((p, done)) => {
                    progress |= p;
                    if done {
                        let t = self.tunnels.remove(i);
                        self.closing.push((t, Instant::now()));
                        continue;
                    }
                }
                Err(e) => {
                    if fatal(&e) {
                        return Err(e.message().to_string());
                    }
                    let t = self.tunnels.remove(i);
                    self.closing.push((t, Instant::now()));
                    progress = true;
                    continue;
                }
            }
            i += 1;
        }
        let timeout = self.timeout;
        self.closing.retain_mut(|(t, since)| {
            if since.elapsed() > timeout {
                return false;
            }
            if t.write_blocked {
                // Finish the half-sent write first; the data itself has nowhere to go.
                match t.ch.write(&t.up) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                    _ => t.write_blocked = false,
                }
            }
            match t.ch.close() {
                Err(e) if would_block(&e) => true,
                _ => {
                    progress = true;
                    false
                }
            }
        });
        Ok(progress)
    }
}

impl Tunnel {
    /// Move bytes both ways. Returns (progress, finished).
    fn step(&mut self) -> Result<(bool, bool), ssh2::Error> {
        let mut progress = false;
        let mut buf = [0u8; 16 * 1024];
        // Local socket → channel.
        if !self.sock_eof && self.up.len() < TUNNEL_BUF {
            match self.sock.read(&mut buf) {
                Ok(0) => {
                    self.sock_eof = true;
                    progress = true;
                }
                Ok(n) => {
                    self.up.extend_from_slice(&buf[..n]);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return Ok((true, true)),
            }
        }
        while !self.up.is_empty() {
            match self.ch.write(&self.up) {
                Ok(0) => break,
                Ok(n) => {
                    self.write_blocked = false;
                    self.up.drain(..n);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.write_blocked = true;
                    break;
                }
                Err(_) => {
                    self.write_blocked = false;
                    return Ok((true, true));
                }
            }
        }
        if self.sock_eof && self.up.is_empty() && !self.eof_sent {
            match self.ch.send_eof() {
                Ok(()) => {
                    self.eof_sent = true;
                    progress = true;
                }
                Err(e) if would_block(&e) => {}
                Err(e) => return Err(e),
            }
        }
        // Channel → local socket.
        if !self.ch_eof && self.down.len() < TUNNEL_BUF {
            match self.ch.read(&mut buf) {
                Ok(0) => {
                    if self.ch.eof() {
                        self.ch_eof = true;
                        progress = true;
                    }
                }
                Ok(n) => {
                    self.down.extend_from_slice(&buf[..n]);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if self.ch.eof() {
                        self.ch_eof = true;
                        progress = true;
                    }
                }
                Err(_) => return Ok((true, true)),
            }
        }
        while !self.down.is_empty() {
            match self.sock.write(&self.down) {
                Ok(0) => break,
                Ok(n) => {
                    self.down.drain(..n);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => return Ok((true, true)),
            }
        }
        if self.ch_eof && self.down.is_empty() && !self.write_shut {
            let _ = self.sock.shutdown(std::net::Shutdown::Write);
            self.write_shut = true;
            progress = true;
        }
        let done = self.ch_eof && self.down.is_empty() && self.sock_eof && self.eof_sent;
        Ok((progress, done))
    }
}

/// Retry a non-blocking libssh2 call until it stops saying "would block", keeping the
/// tunnels moving meanwhile (without opening channels), until the deadline.
fn retry<T>(
    sess: &Session,
    pump: &mut Pump,
    deadline: Instant,
    what: &str,
    mut f: impl FnMut() -> Result<T, ssh2::Error>,
) -> Result<T, String> {
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if would_block(&e) => {
                if Instant::now() > deadline {
                    return Err(format!("timed out {what}"));
                }
                let moved = pump.step(sess, false)?;
                if !moved {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
            Err(e) => return Err(format!("{what}: {}", e.message())),
        }
    }
}

/// Run one command over a fresh session channel, non-blocking, under `timeout`.
fn exec(
    sess: &Session,
    pump: &mut Pump,
    command: &str,
    input: Option<&[u8]>,
    timeout: Duration,
) -> Result<ExecOutput, String> {
    let deadline = Instant::now() + timeout;
    let mut ch = retry(sess, pump, deadline, "opening a channel", || {
        sess.channel_session()
    })?;
    retry(sess, pump, deadline, "starting the command", || {
        ch.exec(command)
    })?;
    if let Some(data) = input {
        let mut off = 0;
        while off < data.len() {
            match ch.write(&data[off..]) {
                Ok(n) => off += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if Instant::now() > deadline {
                        return Err("timed out writing the command's input".into());
                    }
                    if !pump.step(sess, false)? {
                        std::thread::sleep(Duration::from_micros(200));
                    }
                }
                Err(e) => return Err(format!("writing the command's input: {e}")),
            }
        }
    }
    retry(sess, pump, deadline, "closing the command's input", || {
        ch.send_eof()
    })?;
    let mut out = ExecOutput {
        status: None,
        stdout: Vec::new(),
        stderr: Vec::new(),
        truncated: false,
    };
    let mut buf = [0u8; 16 * 1024];
    loop {
        let mut moved = false;
        for (stream, sink) in [(0, &mut out.stdout), (1, &mut out.stderr)] {
            match ch.stream(stream).read(&mut buf) {
                Ok(0) => {}
                Ok(n) => {
                    let room = MAX_EXEC_OUTPUT.saturating_sub(sink.len());
                    sink.extend_from_slice(&buf[..n.min(room)]);
                    out.truncated |= n > room;
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(format!("reading the command's output: {e}")),
            }
        }
        if !moved && ch.eof() {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "timed out after {timeout:?} waiting for the command"
            ));
        }
        if !moved && !pump.step(sess, false)? {
            std::thread::sleep(Duration::from_micros(500));
        }
    }
    retry(sess, pump, deadline, "closing the channel", || ch.close())?;
    retry(sess, pump, deadline, "waiting for the exit status", || {
        ch.wait_close()
    })?;
    out.status = ch.exit_status().ok().filter(|_| {
        ch.exit_signal()
            .map(|s| s.exit_signal.is_none())
            .unwrap_or(true)
    });
    Ok(out)
}
