//! `rkv playbook check|list|show` and the input errors of `run`, through the real binary:
//! every shipped playbook passes `check`; broken playbooks (bad TOML, unknown field, unknown
//! step, undefined variable, wrong variable type, unknown node) are reported as
//! `FILE:LINE:COL: message` with exit 2; `run` refuses bad `--var`s and a missing terminal
//! with exit 2 before contacting any node.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{free_port, rkv_bin};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SHIPPED: &[&str] = &[
    "setup-replication",
    "switchover",
    "replace-failed-master",
    "add-replica",
    "rolling-restart",
    "failover-drill",
];

fn rkv(args: &[&str]) -> Output {
    let state = tempfile::tempdir().unwrap();
    Command::new(rkv_bin())
        .args(args)
        .env("XDG_STATE_HOME", state.path())
        .env_remove("RKV_PASSWORD")
        .env_remove("REDISCLI_AUTH")
        .env_remove("RKV_INVENTORY")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn every_shipped_playbook_passes_check_by_name_and_by_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inv_dir = tempfile::tempdir().unwrap();
    let inv = write(
        inv_dir.path(),
        "inv.toml",
        "[[nodes]]\nname = \"a\"\naddr = \"127.0.0.1:1\"\n",
    );
    for name in SHIPPED {
        let o = rkv(&["playbook", "check", name]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o));
        assert!(
            stderr(&o).contains(&format!("playbooks/{name}.toml: ok")),
            "{}",
            text(&o)
        );
        let file = root.join("playbooks").join(format!("{name}.toml"));
        let o = rkv(&["playbook", "check", file.to_str().unwrap(), "-i", &inv]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o));
    }
}

#[test]
fn list_and_show_the_embedded_playbooks() {
    let o = rkv(&["playbook", "list", "--output", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, SHIPPED);
    let setup = &doc[0];
    assert_eq!(
        setup["vars"],
        serde_json::json!(["master:node", "replicas:nodes", "sync_timeout:duration"])
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in SHIPPED {
        let o = rkv(&["playbook", "show", name]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let file = std::fs::read(root.join("playbooks").join(format!("{name}.toml"))).unwrap();
        assert_eq!(o.stdout, file, "{name}: show prints the shipped file");
    }
    let o = rkv(&["playbook", "show", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

const HEAD: &str = "name = \"t\"\ndescription = \"test\"\n\n[[vars]]\nname = \"master\"\ntype = \"node\"\n\n[[vars]]\nname = \"replicas\"\ntype = \"nodes\"\n\n";

/// Check `body` (after HEAD) and return the stderr lines, asserting exit 2.
fn broken(body: &str, inventory: Option<&str>) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "pb.toml", &format!("{HEAD}{body}"));
    let mut args = vec!["playbook", "check", file.as_str()];
    if let Some(i) = inventory {
        args.extend(["-i", i]);
    }
    let o = rkv(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let lines = stderr(&o).lines().map(str::to_string).collect();
    (file, lines)
}

#[test]
fn broken_playbooks_are_located_and_exit_2() {
    // Bad TOML: an unterminated string on line 13.
    let (f, lines) = broken("[[steps]]\nkind = \"verify\nnodes = \"x\"\n", None);
    assert!(lines[0].starts_with(&format!("{f}:13:")), "{lines:?}");

    // An unknown field (a typo never silently does nothing).
    let (f, lines) = broken(
        "[[steps]]\nkind = \"verify\"\nnodez = \"${master}\"\n",
        None,
    );
    assert!(
        lines[0].starts_with(&format!("{f}:14:1: unknown field `nodez`")),
        "{lines:?}"
    );

    // An unknown step kind, pointing at its value.
    let (f, lines) = broken("[[steps]]\nkind = \"replicat\"\nreplica = \"x:1\"\n", None);
    assert!(
        lines[0].starts_with(&format!("{f}:13:8: unknown step kind `replicat`")),
        "{lines:?}"
    );

    // An undefined variable, pointing at the `$`.
    let (f, lines) = broken(
        "[[steps]]\nkind = \"replicate\"\nreplica = \"${replica}\"\nto = \"${master}\"\n",
        None,
    );
    assert_eq!(
        lines[0],
        format!("{f}:14:12: undefined variable `replica`"),
        "{lines:?}"
    );

    // A variable of the wrong type, and a field a kind does not take.
    let (f, lines) = broken(
        "[[steps]]\nkind = \"promote\"\nreplica = \"${replicas}\"\nmessage = \"hi\"\n",
        None,
    );
    assert_eq!(
        lines[0],
        format!("{f}:14:12: `replica` takes one node, but `replicas` is a nodes variable")
    );
    assert!(lines[1].starts_with(&format!("{f}:15:11: a `promote` step takes no `message`")));

    // An unknown node when an inventory is given.
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "inv.toml",
        "[[nodes]]\nname = \"a\"\naddr = \"127.0.0.1:1\"\n[[nodes]]\nname = \"b\"\naddr = \"127.0.0.1:2\"\n",
    );
    let body = "[[steps]]\nkind = \"verify\"\nnodes = \"a,b,127.0.0.1:9\"\n[[steps]]\nkind = \"assert\"\nnode = \"c\"\nrole = \"master\"\n";
    let (f, lines) = broken(body, Some(&inv));
    assert_eq!(
        lines[0],
        format!("{f}:17:8: `node`: unknown node `c`: not in the inventory"),
        "{lines:?}"
    );
    // The same file is fine without an inventory (a bare name could be a host).
    let dir2 = tempfile::tempdir().unwrap();
    let good = write(dir2.path(), "pb.toml", &format!("{HEAD}{body}"));
    let o = rkv(&["playbook", "check", &good]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn run_refuses_bad_vars_and_no_terminal_with_exit_2() {
    let dead = format!("127.0.0.1:{}", free_port());
    // Missing a required variable.
    let o = rkv(&[
        "playbook",
        "run",
        "switchover",
        "--var",
        &format!("master={dead}"),
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("missing --var to"), "{}", text(&o));
    // A variable the playbook does not take.
    let o = rkv(&[
        "playbook",
        "run",
        "switchover",
        "--var",
        &format!("master={dead}"),
        "--var",
        &format!("to={dead}"),
        "--var",
        "tto=x",
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("--var tto"), "{}", text(&o));
    // A value of the wrong type.
    let o = rkv(&[
        "playbook",
        "run",
        "switchover",
        "--var",
        &format!("master={dead}"),
        "--var",
        &format!("to={dead}"),
        "--var",
        "max_write_pause=soon",
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("--var max_write_pause"), "{}", text(&o));
    // No terminal and no --yes: exit 2 before anything is contacted.
    let o = rkv(&[
        "playbook",
        "run",
        "switchover",
        "--var",
        &format!("master={dead}"),
        "--var",
        &format!("to={dead}"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(stderr(&o).contains("--yes"), "{}", text(&o));
    // --from-step out of range.
    let o = rkv(&[
        "playbook",
        "run",
        "switchover",
        "--var",
        &format!("master={dead}"),
        "--var",
        &format!("to={dead}"),
        "--yes",
        "--from-step",
        "99",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // A node name the inventory does not have.
    let dir = tempfile::tempdir().unwrap();
    let inv = write(
        dir.path(),
        "inv.toml",
        "[[nodes]]\nname = \"a\"\naddr = \"127.0.0.1:1\"\n",
    );
    let o = rkv(&[
        "playbook",
        "run",
        "switchover",
        "-i",
        &inv,
        "--var",
        "master=a",
        "--var",
        "to=zz",
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        stderr(&o).contains("--var to: unknown node `zz`"),
        "{}",
        text(&o)
    );
    // Neither a file nor a shipped name.
    let o = rkv(&["playbook", "run", "no-such-playbook", "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
