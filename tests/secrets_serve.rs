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
