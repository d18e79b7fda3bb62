//! Secrets of `rkv serve`: a password given on the command line is not in the process list
//! (`/proc/PID/cmdline`), still works for AUTH, and `--requirepass-file` reads one from a file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ServerGuard, rkv_serve};

fn cmdline(g: &ServerGuard) -> String {
    let raw = std::fs::read(format!("/proc/{}/cmdline", g.child.id())).unwrap();
    String::from_utf8_lossy(&raw).replace('\0', " ")
}

fn auth(g: &ServerGuard, pw: &str) -> Result<String, String> {
    let mut c = g.client();
    redis::cmd("AUTH")
        .arg(pw)
        .query::<String>(&mut c)
        .map_err(|e| e.to_string())
}

#[test]
fn a_password_on_the_command_line_is_not_in_the_process_list() {
    let g = rkv_serve(&["--requirepass", "Xy-s3cret-pw", "--masterauth=Other-s3cret"]);
    let line = cmdline(&g);
    assert!(line.contains("serve"), "{line}");
    assert!(line.contains("--port"), "{line}");
    assert!(!line.contains("Xy-s3cret-pw"), "{line}");
    assert!(!line.contains("Other-s3cret"), "{line}");
    // The same process (exec, not a child), and the password works.
    assert_eq!(auth(&g, "Xy-s3cret-pw").as_deref(), Ok("OK"));
    let e = auth(&g, "wrong").unwrap_err();
    assert!(e.contains("WRONGPASS"), "{e}");
    let mut c = g.client();
    redis::cmd("AUTH").arg("Xy-s3cret-pw").exec(&mut c).unwrap();
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("masterauth")
        .query(&mut c)
        .unwrap();
    assert_eq!(v[1], "Other-s3cret");
}

#[test]
fn requirepass_file_reads_the_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pw");
    std::fs::write(&f, "from-a-file\nignored\n").unwrap();
    let g = rkv_serve(&["--requirepass-file", &f.display().to_string()]);
    assert_eq!(auth(&g, "from-a-file").as_deref(), Ok("OK"));
    assert!(!cmdline(&g).contains("from-a-file"));
}

#[test]
fn failed_auth_is_in_acl_log_and_logged_rate_limited() {
    let g = rkv_serve(&["--requirepass", "good-pw"]);
    let mut c = g.client();
    for _ in 0..200 {
        let r: Result<String, _> = redis::cmd("AUTH").arg("bad-pw").query(&mut c);
        assert!(r.is_err());
    }
    redis::cmd("AUTH").arg("good-pw").exec(&mut c).unwrap();
    let v: redis::Value = redis::cmd("ACL").arg("LOG").query(&mut c).unwrap();
    let text = format!("{v:?}");
    assert!(text.contains("auth") && text.contains("default"), "{text}");
    let redis::Value::Array(entries) = &v else {
        panic!("{text}")
    };
    assert_eq!(entries.len(), 1, "{text}");
    let redis::Value::Array(fields) = &entries[0] else {
        panic!("{text}")
    };
    // Redis 7.0's fields, in its order, the count first.
    assert_eq!(
        fields[0],
        redis::Value::BulkString(b"count".to_vec()),
        "{text}"
    );
    assert_eq!(fields[1], redis::Value::Int(200), "{text}");
    for f in [
        "reason",
        "context",
        "object",
        "username",
        "age-seconds",
        "client-info",
        "entry-id",
        "timestamp-created",
        "timestamp-last-updated",
    ] {
        assert!(text.contains(f), "{f} in {text}");
    }
    assert!(!text.contains("bad-pw"), "{text}");
    // 200 failures within a second or two: a handful of log lines, not 200.
    let log = common::server_log(&g);
    let lines = log.matches("failed AUTH for user 'default'").count();
    assert!((1..=5).contains(&lines), "{lines} lines:\n{log}");
    assert!(!log.contains("bad-pw"));
    let ok: String = redis::cmd("ACL")
        .arg("LOG")
        .arg("RESET")
        .query(&mut c)
        .unwrap();
    assert_eq!(ok, "OK");
    let v: Vec<redis::Value> = redis::cmd("ACL").arg("LOG").query(&mut c).unwrap();
    assert!(v.is_empty());
}
