//! `rkv failover` killed or signalled at every step boundary of a switchover, and right after
//! the promotion, under a continuous write load; against `rkv serve` and Debian's
//! redis-server, a master and two replicas each.
//!
//! After each stop: once every pause has expired, no two nodes acknowledge a plain write (the
//! fence holds without rkv); then the same command run again converges, exits 0, and every
//! acknowledged write is on the new master. And a candidate killed right after its promotion:
//! no step pointing a node at it is marked done, and the `next:` command recovers the group
//! with no loss.
//!
//! The stops come from the failpoints of src/failover/failpoint.rs (cargo feature
//! `failpoints`, which .ci/run turns on): a binary built without them fails these tests loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::load::start_load;
use common::running::{Running, Sig};
use common::{ServerGuard, redis_server, rkv_bin, rkv_serve_in, wait_until};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Per-command timeout and pause budget: the pauses then end within a few seconds (the
/// longest is 2 × timeout + 1 s, set with the fence), and a busy machine (debug builds, the
/// write load, two shared cores) still answers within the timeout.
const TIMEOUT: &str = "2s";
const MAX_PAUSE: &str = "2s";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Serve,
    Redis,
}

fn conn(port: u16) -> redis::Connection {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    let c = c
        // A busy machine (debug builds, a write load, two cores shared) can take seconds.
        .get_connection_with_timeout(Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("connect to {port}: {e}"));
    // Long enough to outlast any pause: a command held by one returns when it ends.
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    c
}

fn field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim_end().strip_prefix(&format!("{key}:")))
        .map(str::to_string)
}

fn follows(port: u16, master: u16) -> bool {
    let i: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut conn(port))
        .unwrap();
    field(&i, "role").as_deref() == Some("slave")
        && field(&i, "master_port").as_deref() == Some(&master.to_string())
        && field(&i, "master_link_status").as_deref() == Some("up")
}

fn min_replicas_to_write(port: u16) -> String {
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("min-replicas-to-write")
        .query(&mut conn(port))
        .unwrap();
    v.get(1).cloned().unwrap_or_default()
}

/// A node of the group; rkv serve nodes keep a TOML config file (so the fence is also
/// written to a file with CONFIG REWRITE), redis-server runs without one.
fn node(kind: Kind, cfg: &Path, name: &str, master: Option<u16>) -> ServerGuard {
    match kind {
        Kind::Serve => {
            let config = cfg.join(format!("{name}.toml"));
            std::fs::write(&config, format!("# {name}: written by the test\n")).unwrap();
            let config = config.to_str().unwrap().to_string();
            let of = master.map(|p| format!("127.0.0.1:{p}"));
            let mut args: Vec<&str> = vec!["--config", &config];
            if let Some(of) = &of {
                args.extend(["--replicaof", of]);
            }
            rkv_serve_in(tempfile::tempdir().unwrap(), &args)
        }
        // A full resync that cannot be avoided (see the re-run's notes) should not wait for
        // Redis's 5 s diskless-sync delay.
        Kind::Redis => match master {
            Some(p) => redis_server(&[
                "--replicaof",
                &format!("127.0.0.1 {p}"),
                "--repl-diskless-sync-delay",
                "0",
            ]),
            None => redis_server(&["--repl-diskless-sync-delay", "0"]),
        },
    }
}

fn group(kind: Kind, cfg: &Path) -> [ServerGuard; 3] {
    let m = node(kind, cfg, "m", None);
    let r1 = node(kind, cfg, "r1", Some(m.port));
    let r2 = node(kind, cfg, "r2", Some(m.port));
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(15), "replica link up", || {
            follows(r.port, m.port)
        });
    }
    // Streaming, not just linked: each replica has a key written after the link came up
    // (so its offset is past 0 and the planner takes it for a data replica).
    let _: () = redis::cmd("SET")
        .arg("warmup")
        .arg(1)
        .query(&mut conn(m.port))
        .unwrap();
    for r in [&r1, &r2] {
        wait_until(Duration::from_secs(15), "the replica streams", || {
            let v: Option<i64> = redis::cmd("GET")
                .arg("warmup")
                .query(&mut conn(r.port))
                .unwrap();
            v == Some(1)
        });
    }
    [m, r1, r2]
}

fn rkv_cmd(state: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(rkv_bin());
    c.args(args)
        .env("XDG_STATE_HOME", state)
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .env_remove("RKV_FAILPOINT")
        .stdin(Stdio::null());
    c
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The switchover command: every node named (a re-run must find a sibling that is, at
/// that instant, between two masters and listed by neither), the candidate `to`.
fn switchover_args<'a>(m: &'a str, others: &[&'a str], to: &'a str) -> Vec<&'a str> {
    let mut v = vec!["failover", m];
    v.extend(others);
    v.extend([
        "--to",
        to,
        "--yes",
        "--ignore-sentinel",
        "--timeout",
        TIMEOUT,
        "--max-write-pause",
        MAX_PAUSE,
        "--wait-timeout",
        "20s",
    ]);
    v
}

/// How many steps the switchover plan has, and the 1-based index of its promotion (from the
/// dry run, which renders the very plan that runs).
fn plan_steps(state: &Path, m: &str, to: &str) -> (usize, usize) {
    let mut args = switchover_args(m, &[], to);
    args.retain(|a| *a != "--yes");
    args.extend(["--dry-run", "-o", "json"]);
    let o = rkv_cmd(state, &args).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps = doc["steps"].as_array().unwrap();
    assert!(
        steps.iter().any(|s| s["action"] == "fence_writes"),
        "the plan shows the fence: {doc:#}"
    );
    let promote = steps
        .iter()
        .position(|s| s["action"] == "promote")
        .expect("a promote step")
        + 1;
    (steps.len(), promote)
}

fn spawn(state: &Path, args: &[&str], failpoint: &str) -> Running {
    Running::spawn(rkv_cmd(state, args), failpoint)
}

/// Once no pause is in effect on any node (a PUBLISH, held by CLIENT PAUSE … WRITE and
/// never refused by the fence, has come back from each), at most one node acknowledges a
/// plain write. Returns the ports that did.
fn writable_after_pauses(ports: &[u16], tag: &str) -> Vec<u16> {
    for &p in ports {
        let _: i64 = redis::cmd("PUBLISH")
            .arg("rkv-test-probe")
            .arg("x")
            .query(&mut conn(p))
            .unwrap_or_else(|e| panic!("PUBLISH on {p}: {e}"));
    }
    let mut ok = Vec::new();
    for &p in ports {
        let r: redis::RedisResult<()> = redis::cmd("SET")
            .arg(format!("probe:{tag}:{p}"))
            .arg(1)
            .query(&mut conn(p));
        if r.is_ok() {
            ok.push(p);
        }
    }
    ok
}

/// Every acknowledged key is on `port` with its value.
fn all_present(port: u16, acked: &[u64]) {
    let mut c = conn(port);
    for chunk in acked.chunks(1000) {
        let keys: Vec<String> = chunk.iter().map(|i| format!("k:{i}")).collect();
        let vals: Vec<Option<u64>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
        for (i, v) in chunk.iter().zip(vals) {
            assert_eq!(
                v,
                Some(*i),
                "acknowledged write k:{i} missing on port {port}"
            );
        }
    }
}

/// What each node says about itself, and the end of its log, for a failure message.
fn diag(nodes: &[ServerGuard]) -> String {
    let mut out = String::new();
    for n in nodes {
        let info = redis::Client::open(format!("redis://127.0.0.1:{}/", n.port))
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .and_then(|mut c| {
                c.set_read_timeout(Some(Duration::from_secs(2)))?;
                redis::cmd("INFO")
                    .arg("replication")
                    .query::<String>(&mut c)
            })
            .unwrap_or_else(|e| format!("(no answer: {e})"));
        let log = common::server_log(n);
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        out.push_str(&format!(
            "--- {}\n{info}\n--- log tail\n{}\n",
            n.port,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    out
}

/// One scenario: stop rkv at `point` with `sig`, check the fence, run the same command again.
fn scenario(kind: Kind, sig: Sig, point: &str, before_promotion: bool) {
    let what = format!("{kind:?} {sig:?} at {point}");
    let state = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let nodes = group(kind, cfg.path());
    let [m, r1, r2] = &nodes;
    let ports = vec![m.port, r1.port, r2.port];
    let started = std::time::Instant::now();
    let (ma, ra, r2a) = (m.addr(), r1.addr(), r2.addr());
    let load = start_load(ports.clone());
    load.wait_acked(50);

    let args = switchover_args(&ma, &[&ra, &r2a], &ra);
    let mut run = spawn(state.path(), &args, point);
    run.wait_reached(point);
    run.signal(sig);
    let (code, err) = run.wait();
    match sig {
        Sig::Kill => assert_eq!(code, None, "{what}: killed\n{err}"),
        Sig::Term | Sig::Hup => {
            assert_eq!(code, Some(1), "{what}: a stopped run exits 1\n{err}");
            assert!(err.contains("next: "), "{what}: the next command\n{err}");
            if before_promotion {
                assert!(
                    err.contains("nothing was changed"),
                    "{what}: an abort says nothing changed\n{err}"
                );
                assert!(!err.contains("READONLY"), "{what}\n{err}");
            } else {
                assert!(err.contains("was promoted"), "{what}: the state\n{err}");
            }
        }
    }

    // No two nodes acknowledge writes, whatever rkv managed to do.
    let writable = writable_after_pauses(&ports, "stopped");
    assert!(
        writable.len() <= 1,
        "{what}: several nodes acknowledge writes: {writable:?}\n{err}"
    );

    // The same command converges.
    let o = rkv_cmd(state.path(), &args).output().unwrap();
    assert!(
        o.status.success(),
        "{what}: the re-run\n{}\n{}",
        text(&o),
        diag(&nodes)
    );
    for r in [m, r2] {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !follows(r.port, r1.port) {
            assert!(
                std::time::Instant::now() < deadline,
                "{what}: {} does not follow {} 20 s after the re-run\n{}\n{}",
                r.port,
                r1.port,
                text(&o),
                diag(&nodes)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let (acked, _) = load.finish();
    assert!(!acked.is_empty());
    all_present(r1.port, &acked);
    for p in &ports {
        assert!(
            !min_replicas_to_write(*p).starts_with("1000000"),
            "{what}: fence left on {p}"
        );
    }
    assert_eq!(
        writable_after_pauses(&ports, "done"),
        vec![r1.port],
        "{what}: the new master alone takes writes"
    );
    // Whatever the stopped run persisted or not, once the re-run is done every config says
    // the role its node has: a restart brings back no old master.
    if kind == Kind::Serve {
        let replicaof = |name: &str| -> Option<String> {
            let text = std::fs::read_to_string(cfg.path().join(format!("{name}.toml"))).unwrap();
            text.lines()
                .find(|l| l.trim_start().starts_with("replicaof"))
                .and_then(|l| l.split_once('='))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
                .filter(|v| !v.is_empty())
        };
        let want = format!("127.0.0.1:{}", r1.port);
        assert_eq!(replicaof("r1"), None, "{what}: r1's config\n{}", text(&o));
        for name in ["m", "r2"] {
            assert_eq!(
                replicaof(name).map(|v| v.replace(' ', ":")),
                Some(want.clone()),
                "{what}: {name}'s config\n{}",
                text(&o)
            );
        }
    }
    eprintln!("{what}: passed in {:?}", started.elapsed());
}

/// The step boundaries before the point of no return (`before`), or the moment right after
/// the promotion and every boundary after it: each half is a test of its own, so that each
/// stays within the CI's per-test limit.
fn points(kind: Kind, sig: Sig, before: bool) {
    let (n, promote) = {
        let state = tempfile::tempdir().unwrap();
        let cfg = tempfile::tempdir().unwrap();
        let nodes = group(kind, cfg.path());
        plan_steps(state.path(), &nodes[0].addr(), &nodes[1].addr())
    };
    // Pause, wait and fence come before the promotion (the point of no return).
    assert!(promote > 3, "the fence comes before the promotion");
    if before {
        for i in 1..promote {
            scenario(kind, sig, &format!("after-step-{i}"), true);
        }
    } else {
        scenario(kind, sig, "after-promote", false);
        for i in promote..n {
            scenario(kind, sig, &format!("after-step-{i}"), false);
        }
    }
}

#[test]
fn serve_sigkill_before_the_promotion() {
    points(Kind::Serve, Sig::Kill, true);
}

#[test]
fn serve_sigkill_after_the_promotion() {
    points(Kind::Serve, Sig::Kill, false);
}

#[test]
fn serve_sigterm_before_the_promotion() {
    points(Kind::Serve, Sig::Term, true);
}

#[test]
fn serve_sigterm_after_the_promotion() {
    points(Kind::Serve, Sig::Term, false);
}

#[test]
fn serve_sighup_before_the_promotion() {
    points(Kind::Serve, Sig::Hup, true);
}

#[test]
fn serve_sighup_after_the_promotion() {
    points(Kind::Serve, Sig::Hup, false);
}

#[test]
fn redis_sigkill_before_the_promotion() {
    points(Kind::Redis, Sig::Kill, true);
}

#[test]
fn redis_sigkill_after_the_promotion() {
    points(Kind::Redis, Sig::Kill, false);
}

#[test]
fn redis_sigterm_before_the_promotion() {
    points(Kind::Redis, Sig::Term, true);
}

#[test]
fn redis_sigterm_after_the_promotion() {
    points(Kind::Redis, Sig::Term, false);
}

#[test]
fn redis_sighup_before_the_promotion() {
    points(Kind::Redis, Sig::Hup, true);
}

#[test]
fn redis_sighup_after_the_promotion() {
    points(Kind::Redis, Sig::Hup, false);
}

/// The candidate dies right after its promotion: the run says so, marks no step pointing a
/// node at it as done, and its `next:` command recovers the live nodes with no loss.
fn dead_candidate(kind: Kind) {
    let state = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let mut nodes = group(kind, cfg.path());
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    let (ma, ra) = (nodes[0].addr(), nodes[1].addr());
    let load = start_load(ports.clone());
    load.wait_acked(50);
    let go = state.path().join("go");
    let r2a = nodes[2].addr();
    let mut args = switchover_args(&ma, &[&ra, &r2a], &ra);
    args.extend(["-o", "json"]);
    let point = format!("after-promote:hold-until:{}", go.display());
    let mut child = rkv_cmd(state.path(), &args)
        .env("RKV_FAILPOINT", &point)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr until the failpoint, then kill the candidate and let rkv go on.
    let pipe = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if line.contains("failpoint after-promote reached") {
                let _ = tx.send(None);
            }
            all.push_str(&line);
            all.push('\n');
        }
        let _ = tx.send(Some(all));
    });
    match rx.recv_timeout(Duration::from_secs(60)).unwrap() {
        None => {}
        Some(all) => {
            panic!("rkv ended before the failpoint (built with --features failpoints?):\n{all}")
        }
    }
    nodes[1].kill();
    std::fs::write(&go, "").unwrap();
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    let status = child.wait().unwrap();
    let err = loop {
        if let Some(all) = rx.recv_timeout(Duration::from_secs(30)).unwrap() {
            break all;
        }
    };
    let out = format!("exit {:?}\n{stdout}\n{err}", status.code());
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(err.contains("stopped answering"), "it says so: {out}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // No step that points a node at the dead candidate is marked done.
    for s in doc["steps"].as_array().unwrap() {
        if s["action"] == "follow" || s["action"] == "verify" {
            assert_ne!(s["status"], "done", "{s:#}\n{out}");
        }
    }
    let next = doc["next"].as_str().unwrap().to_string();
    let cmd = next.split("   (").next().unwrap();
    assert!(
        !cmd.contains(&ra),
        "the next command leaves the dead node out: {cmd}"
    );
    assert!(
        cmd.contains(&format!("--to {ma}")),
        "the most advanced live node first: {cmd}"
    );
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(words[0], "rkv");
    let o = rkv_cmd(state.path(), &words[1..]).output().unwrap();
    assert!(o.status.success(), "the next command works: {}", text(&o));
    wait_until(Duration::from_secs(20), "the sibling follows", || {
        follows(ports[2], ports[0])
    });
    let (acked, _) = load.finish();
    assert!(!acked.is_empty());
    all_present(ports[0], &acked);
    let live = [ports[0], ports[2]];
    assert_eq!(writable_after_pauses(&live, "after"), vec![ports[0]]);
    assert_eq!(min_replicas_to_write(ports[0]), "0");
}

#[test]
fn serve_dead_candidate_after_promotion() {
    dead_candidate(Kind::Serve);
}

#[test]
fn redis_dead_candidate_after_promotion() {
    dead_candidate(Kind::Redis);
}

/// A clean abort (the candidate cannot catch up within the pause budget: it is stopped) says
/// that nothing changed, and nothing about clients getting READONLY; the fence and the pause
/// are gone, and the old master takes writes as before.
#[test]
fn an_abort_before_the_promotion_changes_nothing_and_says_so() {
    let state = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let nodes = group(Kind::Redis, cfg.path());
    let [m, r1, r2] = &nodes;
    let load = start_load(vec![m.port, r1.port, r2.port]);
    load.wait_acked(50);
    let (ma, ra, r2a) = (m.addr(), r1.addr(), r2.addr());
    let mut args = switchover_args(&ma, &[&ra, &r2a], &ra);
    // A short budget of its own: the candidate, stopped once the pause is on, blows it.
    let i = args.iter().position(|a| *a == "--max-write-pause").unwrap();
    args[i + 1] = "300ms";
    let go = state.path().join("go");
    let out_path = state.path().join("stdout");
    let mut run = Running::spawn_to(
        rkv_cmd(state.path(), &args),
        &format!("after-step-1:hold-until:{}", go.display()),
        std::fs::File::create(&out_path).unwrap().into(),
    );
    run.wait_reached("after-step-1");
    common::sigstop(r1.child.id());
    std::fs::write(&go, "").unwrap();
    let (code, err) = run.wait();
    common::sigcont(r1.child.id());
    let all = format!(
        "exit {code:?}\n--- stdout\n{}\n--- stderr\n{err}",
        std::fs::read_to_string(&out_path).unwrap()
    );
    assert_eq!(code, Some(1), "{all}");
    assert!(all.contains("nothing was changed"), "{all}");
    assert!(!all.contains("READONLY"), "{all}");
    assert!(!all.contains("clients still connected"), "{all}");
    assert!(all.contains("the pause on"), "the pause was lifted: {all}");
    assert_eq!(min_replicas_to_write(m.port), "0");
    wait_until(
        Duration::from_secs(20),
        "the load goes on on the old master",
        || load.acked_count() > 100,
    );
    assert_eq!(
        writable_after_pauses(&[m.port, r1.port, r2.port], "abort"),
        vec![m.port]
    );
    let (acked, _) = load.finish();
    all_present(m.port, &acked);
}

/// rkv killed right after the promotion, then the old master restarted from its config file
/// before anyone re-ran rkv: it comes back fenced (the fence was written there with CONFIG
/// REWRITE), not as a second writable master; the re-run lifts it in the file too.
#[test]
fn a_fenced_old_master_restarted_from_its_config_file_stays_fenced() {
    let state = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let mut nodes = group(Kind::Serve, cfg.path());
    let (ma, ra, r2a) = (nodes[0].addr(), nodes[1].addr(), nodes[2].addr());
    let args = switchover_args(&ma, &[&ra, &r2a], &ra);
    let mut run = spawn(state.path(), &args, "after-promote");
    run.wait_reached("after-promote");
    run.signal(Sig::Kill);
    let _ = run.wait();
    let file = cfg.path().join("m.toml");
    let text_now = std::fs::read_to_string(&file).unwrap();
    assert!(
        text_now.contains("1000000"),
        "the fence is in the file:\n{text_now}"
    );
    // Restart the old master from that file (on a new port: the old one is this test's).
    nodes[0].kill();
    let config = file.to_str().unwrap().to_string();
    let back = rkv_serve_in(tempfile::tempdir().unwrap(), &["--config", &config]);
    assert!(min_replicas_to_write(back.port).starts_with("1000000"));
    let r: redis::RedisResult<()> = redis::cmd("SET")
        .arg("x")
        .arg(1)
        .query(&mut conn(back.port));
    let e = r.expect_err("a restarted fenced master refuses writes");
    assert!(e.to_string().contains("NOREPLICAS"), "{e}");
    // Restarted without its data, it has a history of its own: the re-run refuses it as a
    // second master. Once it is made a replica of the new master, the re-run (naming the
    // node where it now is) puts the node's own values back, in the file as well.
    let ba = back.addr();
    let args = switchover_args(&ba, &[&ra, &r2a], &ra);
    let o = rkv_cmd(state.path(), &args).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // (The sibling, left behind the old master's former address, is re-pointed by hand too:
    // in this test the node came back on another port.)
    for n in [&ba, &r2a] {
        let o = rkv_cmd(state.path(), &["replicate", n, "--to", &ra, "--yes"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = rkv_cmd(state.path(), &args).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(min_replicas_to_write(back.port), "0");
    let text_after = std::fs::read_to_string(&file).unwrap();
    assert!(!text_after.contains("1000000"), "{text_after}");
}
