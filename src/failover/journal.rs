//! The journal: one JSON object per line for every step event and every command sent to a
//! node, with its reply and timing, so a stopped run can be explained, resumed or rolled back.
//!
//! Secrets never reach the file: [`redact`] blanks the arguments of the commands that carry
//! them (AUTH, HELLO … AUTH, CONFIG SET of a password directive) before anything is written,
//! and the executor scrubs the password from replies and errors as well.

use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// What replaces a secret.
pub const REDACTED: &str = "***";

/// CONFIG SET directives whose value is a secret.
const SECRET_DIRECTIVES: &[&str] = &[
    "masterauth",
    "requirepass",
    "sentinel-pass",
    "tls-key-file-pass",
];

/// Blank the secret arguments of one command (name first, as sent).
pub fn redact(args: &[String]) -> Vec<String> {
    let upper = |i: usize| {
        args.get(i)
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default()
    };
    let mut out: Vec<String> = args.to_vec();
    match upper(0).as_str() {
        "AUTH" => {
            for a in out.iter_mut().skip(1) {
                *a = REDACTED.to_string();
            }
        }
        "HELLO" => {
            // HELLO protover AUTH user pass [SETNAME name]
            if let Some(i) = args.iter().position(|a| a.eq_ignore_ascii_case("AUTH")) {
                for a in out.iter_mut().skip(i + 1).take(2) {
                    *a = REDACTED.to_string();
                }
            }
        }
        "CONFIG" if upper(1) == "SET" => {
            // CONFIG SET k v [k v …] (7.0 takes several pairs).
            let mut i = 2;
            while i + 1 < args.len() {
                if SECRET_DIRECTIVES.contains(&args[i].to_ascii_lowercase().as_str()) {
                    out[i + 1] = REDACTED.to_string();
                }
                i += 2;
            }
        }
        "ACL" if upper(1) == "SETUSER" => {
            // Rules `>pass`, `<pass`, `#hash`, `!hash` carry secrets.
            for a in out.iter_mut().skip(3) {
                if a.starts_with(['>', '<', '#', '!']) {
                    *a = format!("{}{REDACTED}", &a[..1]);
                }
            }
        }
        "MIGRATE" => {
            if let Some(i) = args.iter().position(|a| a.eq_ignore_ascii_case("AUTH"))
                && let Some(a) = out.get_mut(i + 1)
            {
                *a = REDACTED.to_string();
            }
            if let Some(i) = args.iter().position(|a| a.eq_ignore_ascii_case("AUTH2"))
                && let Some(a) = out.get_mut(i + 2)
            {
                *a = REDACTED.to_string();
            }
        }
        _ => {}
    }
    out
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Milliseconds since the Unix epoch.
    pub ts_ms: u128,
    /// `command`, `step_started`, `step_done`, `step_failed`, `note`.
    pub event: &'static str,
    /// Index of the step in the plan (1-based as shown), if any.
    pub step: Option<usize>,
    /// The node the command went to.
    pub node: Option<String>,
    /// The command sent, secrets redacted.
    pub command: Option<Vec<String>>,
    /// The reply (or error) as text, secrets scrubbed.
    pub reply: Option<String>,
    /// How long it took.
    pub duration_ms: Option<f64>,
    /// Free text (the step's description, an error).
    pub message: Option<String>,
}

impl Entry {
    /// An entry of `event` stamped now, everything else empty.
    pub fn new(event: &'static str) -> Entry {
        Entry {
            ts_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis()),
            event,
            step: None,
            node: None,
            command: None,
            reply: None,
            duration_ms: None,
            message: None,
        }
    }
}

/// Why the journal could not be written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Creating its directory or file failed.
    #[error("cannot open the journal {path}: {source}")]
    Open {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Writing failed.
    #[error("cannot write the journal: {0}")]
    Write(#[from] std::io::Error),
}

/// An open journal file; every entry is flushed as it is written (a crash keeps what happened).
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    out: Option<BufWriter<File>>,
}

impl Journal {
    /// Create (append to) the journal at `path`, making its directory.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let open = || -> std::io::Result<File> {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut o = OpenOptions::new();
            o.create(true).append(true);
            // The journal names nodes and the commands sent to them: owner-only,
            // like every state file rkv writes.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let f = o.open(path)?;
            // A journal created earlier with a looser umask is tightened too.
            #[cfg(unix)]
            std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            Ok(f)
        };
        let f = open().map_err(|source| JournalError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Journal {
            path: path.to_path_buf(),
            out: Some(BufWriter::new(f)),
        })
    }

    /// A journal that writes nothing (dry runs, library use).
    pub fn disabled() -> Journal {
        Journal {
            path: PathBuf::new(),
            out: None,
        }
    }

    /// Where it writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one entry; the command (if any) is redacted here as a last line of defence.
    pub fn write(&mut self, mut e: Entry) -> Result<(), JournalError> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        if let Some(c) = e.command.take() {
            e.command = Some(redact(&c));
        }
        serde_json::to_writer(&mut *out, &e).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }
}

/// How many journal files [`find_latest`] reads at most (newest first).
const MAX_JOURNALS_SEARCHED: usize = 200;

/// The `reply` of the newest entry of `event` about `node` among the journals in `dir`
/// (newest file first, by name: the names start with the UTC time). A re-run uses it to find
/// what an earlier, killed run saved (the originals of a fence it raised).
pub fn find_latest(dir: &Path, event: &str, node: &str) -> Option<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files.reverse();
    for f in files.into_iter().take(MAX_JOURNALS_SEARCHED) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        // The newest entry is the last line: read from the end.
        let found = text
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["event"] == event && v["node"] == node)
            .find_map(|v| v["reply"].as_str().map(str::to_string));
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The default journal path: `$XDG_STATE_HOME/rkv/journal/<UTC time>-<what>.jsonl`, falling
/// back to `~/.local/state/rkv/journal/…`, then the temp directory.
pub fn default_path(what: &str) -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local").join("state"))
        })
        .unwrap_or_else(std::env::temp_dir);
    let now = humantime::format_rfc3339_millis(SystemTime::now())
        .to_string()
        .replace(':', "-");
    base.join("rkv")
        .join("journal")
        .join(format!("{now}-{}-{what}.jsonl", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn the_newest_saved_entry_about_a_node_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, entries: &[(&'static str, &str, &str)]| {
            let mut j = Journal::open(&dir.path().join(name)).unwrap();
            for (event, node, reply) in entries {
                let mut e = Entry::new(event);
                e.node = Some(node.to_string());
                e.reply = Some(reply.to_string());
                j.write(e).unwrap();
            }
        };
        write(
            "2026-01-01T00-00-00.000Z-1-failover.jsonl",
            &[("fence_saved", "n1", "old")],
        );
        write(
            "2026-01-02T00-00-00.000Z-2-failover.jsonl",
            &[
                ("fence_saved", "n1", "a"),
                ("fence_saved", "n1", "b"),
                ("command", "n1", "c"),
            ],
        );
        assert_eq!(
            find_latest(dir.path(), "fence_saved", "n1"),
            Some("b".into())
        );
        assert_eq!(find_latest(dir.path(), "fence_saved", "n2"), None);
        assert_eq!(
            find_latest(&dir.path().join("none"), "fence_saved", "n1"),
            None
        );
    }

    #[test]
    fn secrets_are_redacted_and_nothing_else() {
        for (cmd, want) in [
            (v(&["AUTH", "pw"]), v(&["AUTH", "***"])),
            (v(&["auth", "user", "pw"]), v(&["auth", "***", "***"])),
            (
                v(&["CONFIG", "SET", "masterauth", "pw"]),
                v(&["CONFIG", "SET", "masterauth", "***"]),
            ),
            (
                v(&["config", "set", "MASTERUSER", "bob", "requirepass", "pw"]),
                v(&["config", "set", "MASTERUSER", "bob", "requirepass", "***"]),
            ),
            (
                v(&["HELLO", "3", "AUTH", "bob", "pw", "SETNAME", "x"]),
                v(&["HELLO", "3", "AUTH", "***", "***", "SETNAME", "x"]),
            ),
            (
                v(&["MIGRATE", "h", "1", "k", "0", "5", "AUTH2", "u", "pw"]),
                v(&["MIGRATE", "h", "1", "k", "0", "5", "AUTH2", "u", "***"]),
            ),
            (
                v(&["CONFIG", "SET", "replica-priority", "10"]),
                v(&["CONFIG", "SET", "replica-priority", "10"]),
            ),
            (v(&["REPLICAOF", "h", "1"]), v(&["REPLICAOF", "h", "1"])),
            (
                v(&["ACL", "SETUSER", "bob", "on", ">pw", "~*", "+@all"]),
                v(&["ACL", "SETUSER", "bob", "on", ">***", "~*", "+@all"]),
            ),
            (
                v(&["CONFIG", "SET", "masterauth"]),
                v(&["CONFIG", "SET", "masterauth"]),
            ),
        ] {
            assert_eq!(redact(&cmd), want, "{cmd:?}");
        }
    }

    #[test]
    fn journal_lines_are_json_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("j.jsonl");
        let mut j = Journal::open(&path).unwrap();
        let mut e = Entry::new("command");
        e.step = Some(3);
        e.node = Some("127.0.0.1:6379".into());
        e.command = Some(v(&["CONFIG", "SET", "masterauth", "s3cret"]));
        e.reply = Some("OK".into());
        e.duration_ms = Some(0.4);
        j.write(e).unwrap();
        j.write(Entry::new("step_done")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cret"));
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["command"][3], "***");
        assert_eq!(lines[0]["step"], 3);
        assert_eq!(lines[1]["event"], "step_done");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "journal mode {mode:o}");
        }
    }

    #[test]
    fn default_path_is_under_the_state_directory() {
        let p = default_path("failover");
        let s = p.to_string_lossy();
        assert!(s.contains("rkv/journal/"), "{s}");
        assert!(s.ends_with("-failover.jsonl"), "{s}");
    }
}
