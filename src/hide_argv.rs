//! Keep passwords given to `rkv serve` out of the process list.
//!
//! `/proc/PID/cmdline` is readable by every user of the host, so `rkv serve --requirepass S`
//! would show S in `ps` for as long as the server runs. redis-server overwrites its argv in
//! place; we cannot (the crate forbids `unsafe`, and Rust gives no safe handle on the argv
//! memory), so we re-execute ourselves, once, at the very start: the same binary and the same
//! arguments minus the secret options, whose values travel in environment variables
//! (`RKV_REQUIREPASS`, `RKV_MASTERAUTH`) that clap reads back. A process's environment
//! (`/proc/PID/environ`) is readable only by its own user and root. The PID stays the same
//! (exec, not spawn), so supervisors and tests see one process.

use std::ffi::{OsStr, OsString};

/// The options of `rkv serve` whose value is a secret, and the variable each moves to.
pub const SECRET_OPTIONS: &[(&str, &str)] = &[
    ("--requirepass", "RKV_REQUIREPASS"),
    ("--masterauth", "RKV_MASTERAUTH"),
];

/// The arguments without the secret options, and the (variable, value) pairs they became.
/// Options after a bare `--` are left alone. Pure, for tests.
pub fn split_secrets(args: &[OsString]) -> (Vec<OsString>, Vec<(&'static str, OsString)>) {
    let mut kept = Vec::with_capacity(args.len());
    let mut moved = Vec::new();
    let mut i = 0;
    let mut done = false;
    while i < args.len() {
        let a = &args[i];
        if done {
            kept.push(a.clone());
            i += 1;
            continue;
        }
        if a == OsStr::new("--") {
            done = true;
            kept.push(a.clone());
            i += 1;
            continue;
        }
        let text = a.to_string_lossy();
        let hit = SECRET_OPTIONS.iter().find_map(|(opt, var)| {
            if text == *opt {
                Some((*var, None))
            } else {
                text.strip_prefix(opt)
                    .and_then(|r| r.strip_prefix('='))
                    .map(|v| (*var, Some(OsString::from(v))))
            }
        });
        match hit {
            Some((var, Some(v))) => {
                moved.push((var, v));
                i += 1;
            }
            Some((var, None)) if i + 1 < args.len() => {
                moved.push((var, args[i + 1].clone()));
                i += 2;
            }
            // A secret option without its value: leave it for clap to report.
            _ => {
                kept.push(a.clone());
                i += 1;
            }
        }
    }
    (kept, moved)
}

/// When this is `rkv serve` with a secret on the command line, re-execute without it. Returns
/// only when there is nothing to hide, or when the exec failed (then we go on with argv as it
/// is, after a warning: refusing to start would be worse).
pub fn reexec_without_secrets() {
    let args: Vec<OsString> = std::env::args_os().collect();
    if !args.iter().skip(1).any(|a| a == OsStr::new("serve")) {
        return;
    }
    let (kept, moved) = split_secrets(&args);
    if moved.is_empty() {
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("rkv: warning: cannot hide the password from the process list: {e}");
            return;
        }
    };
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(exe);
    if let Some(arg0) = kept.first() {
        cmd.arg0(arg0);
    }
    cmd.args(kept.iter().skip(1));
    for (var, value) in moved {
        cmd.env(var, value);
    }
    let err = cmd.exec();
    eprintln!("rkv: warning: cannot hide the password from the process list: {err}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn both_forms_move_and_the_rest_stays_in_order() {
        let (kept, moved) = split_secrets(&os(&[
            "rkv",
            "serve",
            "--port",
            "7000",
            "--requirepass",
            "S3cret",
            "--masterauth=m@ster",
            "--dir",
            "/d",
        ]));
        assert_eq!(kept, os(&["rkv", "serve", "--port", "7000", "--dir", "/d"]));
        assert_eq!(
            moved,
            vec![
                ("RKV_REQUIREPASS", OsString::from("S3cret")),
                ("RKV_MASTERAUTH", OsString::from("m@ster"))
            ]
        );
    }

    #[test]
    fn nothing_to_move_and_a_missing_value_is_left_for_clap() {
        let a = os(&["rkv", "serve", "--port", "1"]);
        assert_eq!(split_secrets(&a), (a.clone(), vec![]));
        let a = os(&["rkv", "serve", "--requirepass"]);
        assert_eq!(split_secrets(&a), (a.clone(), vec![]));
        let a = os(&["rkv", "serve", "--", "--requirepass", "x"]);
        assert_eq!(split_secrets(&a), (a.clone(), vec![]));
    }
}
