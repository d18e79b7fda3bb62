//! Pure editing of a node's configuration file so a role change survives a restart: the
//! `replicaof`/`slaveof`, `masterauth` and `masteruser` directives of a `redis.conf`, and the
//! same keys in the TOML file `rkv serve --config` reads (its keys are redis.conf names).
//!
//! The editors change only the directive lines they own and leave every comment, blank line
//! and other directive as it was, so an operator's diff against the backup shows exactly the
//! role change. They are idempotent: applying the same edit to their own output changes
//! nothing, which is what makes a resumed or repeated failover safe. No I/O here: the edge
//! reads and writes the file (locally or over SSH).

use super::addr::{NodeAddr, Secret};

/// Largest configuration file we edit (Debian's annotated redis.conf is about 100 KiB).
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// The role a node's configuration should give it at its next start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleEdit {
    /// `Some(master)`: start as a replica of it; `None`: start as a master (no `replicaof`).
    pub master: Option<NodeAddr>,
    /// The credentials the replica uses on its master: `Some` sets (or, for `None` parts,
    /// removes) `masteruser`/`masterauth`; `None` leaves those lines as they are.
    pub auth: Option<MasterAuth>,
}

/// `masteruser` and `masterauth` as they should be written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MasterAuth {
    /// ACL user the replica authenticates as (None: the line is removed).
    pub user: Option<String>,
    /// Password (None: the line is removed).
    pub password: Option<Secret>,
}

/// The result of an edit: the new text, whether it differs, and things the operator should
/// know (for example, an `include` that may override what we wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The whole new file.
    pub text: String,
    /// False when the file already said what the edit asks (nothing to write).
    pub changed: bool,
    /// Warnings worth showing, without secrets.
    pub notes: Vec<String>,
}

/// One line split into its content and its line ending (kept byte for byte).
fn split_lines(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find('\n') {
            Some(i) => {
                let (line, tail) = rest.split_at(i + 1);
                let body = line.trim_end_matches(['\n', '\r']);
                out.push((body, &line[body.len()..]));
                rest = tail;
            }
            None => {
                out.push((rest, ""));
                rest = "";
            }
        }
    }
    out
}

/// The line ending the file mostly uses (CRLF files stay CRLF).
fn eol_of(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// The directive a redis.conf line sets (lowercased), or None for comments and blanks.
fn directive(line: &str) -> Option<String> {
    let t = line.trim_start();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    t.split_whitespace().next().map(str::to_ascii_lowercase)
}

/// A redis.conf argument, quoted the way Redis's `sdssplitargs` reads it back when needed.
pub fn redis_conf_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\'));
    if plain {
        return value.to_string();
    }
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for b in value.bytes() {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b' ' => s.push(' '),
            b if b.is_ascii_graphic() => s.push(b as char),
            b => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// What one directive (with its aliases) should become.
enum Want {
    /// Exactly one active line with this value.
    Set(String),
    /// No active line.
    Remove,
}

/// Apply one directive change to the lines. `names` are the directive and its aliases (the
/// first is the canonical name used when we must add a line and the file gives no hint).
fn apply_directive(lines: &mut Vec<String>, names: &[&str], want: &Want) {
    let active: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| directive(l).is_some_and(|d| names.contains(&d.as_str())))
        .map(|(i, _)| i)
        .collect();
    match want {
        Want::Remove => {
            for i in active.into_iter().rev() {
                lines.remove(i);
            }
        }
        Want::Set(value) => {
            if let Some(&last) = active.last() {
                // Keep the keyword the file already uses (`slaveof` for Redis before 5.0).
                let keyword = lines[last]
                    .split_whitespace()
                    .next()
                    .unwrap_or(names[0])
                    .to_string();
                let indent: String = lines[last]
                    .chars()
                    .take_while(|c| c.is_whitespace())
                    .collect();
                lines[last] = format!("{indent}{keyword} {value}");
                // Earlier lines were overridden by the last one anyway: drop them so the
                // file states the role once.
                for &i in active[..active.len() - 1].iter().rev() {
                    lines.remove(i);
                }
                return;
            }
            // No active line: put ours under the commented template Debian's and Redis's
            // shipped files have (`# replicaof <masterip> <masterport>`), else at the end.
            let template = lines.iter().rposition(|l| {
                let t = l.trim_start();
                t.strip_prefix('#').is_some_and(|rest| {
                    let mut words = rest.split_whitespace();
                    let first = words.next().map(str::to_ascii_lowercase);
                    let second = words.next();
                    first.is_some_and(|w| names.contains(&w.as_str()))
                        && second.is_some_and(|w| w.starts_with('<'))
                })
            });
            match template {
                Some(i) => {
                    let keyword = lines[i]
                        .trim_start()
                        .trim_start_matches('#')
                        .split_whitespace()
                        .next()
                        .map_or_else(|| names[0].to_string(), str::to_ascii_lowercase);
                    lines.insert(i + 1, format!("{keyword} {value}"));
                }
                None => {
                    if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                        lines.push(String::new());
                    }
                    lines.push(format!("{} {value}", names[0]));
                }
            }
        }
    }
}

/// Edit redis.conf text so the node starts in the role `edit` describes.
pub fn edit_redis_conf(text: &str, edit: &RoleEdit) -> Edited {
    let eol = eol_of(text);
    let mut lines: Vec<String> = split_lines(text)
        .into_iter()
        .map(|(b, _)| b.to_string())
        .collect();
    let replicaof = match &edit.master {
        Some(m) => Want::Set(format!("{} {}", redis_conf_quote(m.host()), m.port())),
        None => Want::Remove,
    };
    apply_directive(&mut lines, &["replicaof", "slaveof"], &replicaof);
    if let Some(auth) = &edit.auth {
        let user = match &auth.user {
            Some(u) => Want::Set(redis_conf_quote(u)),
            None => Want::Remove,
        };
        let pass = match &auth.password {
            Some(p) => Want::Set(redis_conf_quote(p.expose())),
            None => Want::Remove,
        };
        apply_directive(&mut lines, &["masteruser"], &user);
        apply_directive(&mut lines, &["masterauth"], &pass);
    }
    let mut out = lines.join(eol);
    if text.is_empty() || text.ends_with('\n') {
        out.push_str(eol);
    }
    let mut notes = Vec::new();
    if lines
        .iter()
        .any(|l| directive(l).is_some_and(|d| d == "include"))
    {
        notes.push(
            "the file has include directives: an included file may still set replicaof".into(),
        );
    }
    Edited {
        changed: out != text,
        text: out,
        notes,
    }
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => s.push_str(&format!("\\u{:04X}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// The bare key a TOML line assigns in the root table, if it is one.
fn toml_key(line: &str) -> Option<String> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with('[') {
        return None;
    }
    let (k, _) = t.split_once('=')?;
    let k = k.trim().trim_matches('"');
    (!k.is_empty()).then(|| k.to_ascii_lowercase())
}

/// Edit the TOML configuration of `rkv serve` (`replicaof = "HOST PORT"`, `masteruser`,
/// `masterauth` in the root table) the same way as [`edit_redis_conf`].
pub fn edit_serve_toml(text: &str, edit: &RoleEdit) -> Edited {
    let eol = eol_of(text);
    let mut lines: Vec<String> = split_lines(text)
        .into_iter()
        .map(|(b, _)| b.to_string())
        .collect();
    let set = |lines: &mut Vec<String>, names: &[&str], want: Want| {
        // Only the root table: it ends at the first `[table]` header.
        let root_end = lines
            .iter()
            .position(|l| l.trim_start().starts_with('['))
            .unwrap_or(lines.len());
        let active: Vec<usize> = (0..root_end)
            .filter(|&i| toml_key(&lines[i]).is_some_and(|k| names.contains(&k.as_str())))
            .collect();
        match want {
            Want::Remove => {
                for i in active.into_iter().rev() {
                    lines.remove(i);
                }
            }
            Want::Set(v) => {
                let line = format!("{} = {v}", names[0]);
                if let Some(&first) = active.first() {
                    lines[first] = line;
                    // TOML forbids a key twice; keep one.
                    for &i in active[1..].iter().rev() {
                        lines.remove(i);
                    }
                } else {
                    // After the last non-blank line of the root table.
                    let at = (0..root_end)
                        .rev()
                        .find(|&i| !lines[i].trim().is_empty())
                        .map_or(0, |i| i + 1);
                    lines.insert(at, line);
                }
            }
        }
    };
    let replicaof = match &edit.master {
        Some(m) => Want::Set(toml_string(&format!("{} {}", m.host(), m.port()))),
        None => Want::Remove,
    };
    set(&mut lines, &["replicaof", "slaveof"], replicaof);
    if let Some(auth) = &edit.auth {
        let user = auth
            .user
            .as_deref()
            .map_or(Want::Remove, |u| Want::Set(toml_string(u)));
        let pass = auth
            .password
            .as_ref()
            .map_or(Want::Remove, |p| Want::Set(toml_string(p.expose())));
        set(&mut lines, &["masteruser"], user);
        set(&mut lines, &["masterauth"], pass);
    }
    let mut out = lines.join(eol);
    if text.is_empty() || text.ends_with('\n') {
        out.push_str(eol);
    }
    Edited {
        changed: out != text,
        text: out,
        notes: Vec::new(),
    }
}

/// Which editor a configuration path calls for: TOML for `rkv serve`, else redis.conf.
pub fn edit_for_path(path: &str, text: &str, edit: &RoleEdit) -> Edited {
    if path.to_ascii_lowercase().ends_with(".toml") {
        edit_serve_toml(text, edit)
    } else {
        edit_redis_conf(text, edit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica_of(host: &str, port: u16) -> RoleEdit {
        RoleEdit {
            master: Some(NodeAddr::new(host, port)),
            auth: None,
        }
    }

    fn master() -> RoleEdit {
        RoleEdit {
            master: None,
            auth: None,
        }
    }

    /// Debian's shipped redis.conf (copied from /etc/redis/redis.conf of redis-server 7.0.15).
    const DEBIAN: &str = include_str!("../../tests/fixtures/conf/debian-redis.conf");

    fn active(text: &str, name: &str) -> Vec<String> {
        text.lines()
            .filter(|l| directive(l).is_some_and(|d| d == name))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn debian_file_gets_replicaof_under_its_template() {
        let e = edit_redis_conf(DEBIAN, &replica_of("10.0.0.5", 6379));
        assert!(e.changed);
        assert_eq!(active(&e.text, "replicaof"), ["replicaof 10.0.0.5 6379"]);
        let lines: Vec<&str> = e.text.lines().collect();
        let i = lines
            .iter()
            .position(|l| *l == "replicaof 10.0.0.5 6379")
            .unwrap();
        assert_eq!(lines[i - 1], "# replicaof <masterip> <masterport>");
        // Everything else is untouched: one line more, same lines otherwise.
        let mut before: Vec<&str> = DEBIAN.lines().collect();
        before.insert(i, "replicaof 10.0.0.5 6379");
        assert_eq!(lines, before);
        assert_eq!(e.notes, Vec::<String>::new());
    }

    #[test]
    fn edits_are_idempotent() {
        for edit in [
            replica_of("10.0.0.5", 6379),
            master(),
            RoleEdit {
                master: Some(NodeAddr::new("m", 7000)),
                auth: Some(MasterAuth {
                    user: Some("repl".into()),
                    password: Some(Secret::new("p w\"x")),
                }),
            },
        ] {
            let once = edit_redis_conf(DEBIAN, &edit);
            let twice = edit_redis_conf(&once.text, &edit);
            assert!(!twice.changed, "{edit:?}");
            assert_eq!(once.text, twice.text);
            let t1 = edit_serve_toml("port = 7000\n", &edit);
            let t2 = edit_serve_toml(&t1.text, &edit);
            assert!(!t2.changed);
        }
        // The shipped file has no replicaof: making it a master changes nothing.
        assert!(!edit_redis_conf(DEBIAN, &master()).changed);
    }

    #[test]
    fn repoint_replaces_in_place_and_keeps_slaveof_keyword() {
        let text = "port 6380\n# comment\nslaveof 10.0.0.1 6379\ndaemonize no\n";
        let e = edit_redis_conf(text, &replica_of("10.0.0.2", 6379));
        assert_eq!(
            e.text,
            "port 6380\n# comment\nslaveof 10.0.0.2 6379\ndaemonize no\n"
        );
        let text = "replicaof a 1\nport 1\nREPLICAOF b 2\n";
        let e = edit_redis_conf(text, &replica_of("c", 3));
        assert_eq!(e.text, "port 1\nREPLICAOF c 3\n");
    }

    #[test]
    fn promotion_removes_every_replicaof_and_keeps_comments() {
        let text = "# replicaof <masterip> <masterport>\nreplicaof 10.0.0.1 6379\n  slaveof x 1\n# keep me\nmasterauth secret\n";
        let e = edit_redis_conf(text, &master());
        assert_eq!(
            e.text,
            "# replicaof <masterip> <masterport>\n# keep me\nmasterauth secret\n"
        );
    }

    #[test]
    fn credentials_set_and_removed() {
        let text = "# masterauth <master-password>\n# masteruser <username>\nmasteruser old\n";
        let e = edit_redis_conf(
            text,
            &RoleEdit {
                master: Some(NodeAddr::new("h", 1)),
                auth: Some(MasterAuth {
                    user: None,
                    password: Some(Secret::new("s3cr#t x")),
                }),
            },
        );
        assert_eq!(
            e.text,
            "# masterauth <master-password>\nmasterauth \"s3cr#t x\"\n# masteruser <username>\n\nreplicaof h 1\n"
        );
    }

    #[test]
    fn appends_when_no_template_and_keeps_crlf_and_missing_final_newline() {
        let e = edit_redis_conf("port 1\r\nbind 127.0.0.1", &replica_of("::1", 7000));
        assert_eq!(e.text, "port 1\r\nbind 127.0.0.1\r\n\r\nreplicaof ::1 7000");
        assert_eq!(
            edit_redis_conf("", &replica_of("h", 1)).text,
            "replicaof h 1\n"
        );
    }

    #[test]
    fn include_is_noted() {
        let e = edit_redis_conf("include /etc/redis/extra.conf\n", &master());
        assert_eq!(e.notes.len(), 1);
    }

    #[test]
    fn quoting_matches_sdssplitargs() {
        assert_eq!(redis_conf_quote("abc"), "abc");
        assert_eq!(redis_conf_quote("a b"), "\"a b\"");
        assert_eq!(redis_conf_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(redis_conf_quote(""), "\"\"");
        assert_eq!(redis_conf_quote("é"), "\"\\xc3\\xa9\"");
    }

    #[test]
    fn serve_toml_root_table_only() {
        let text = "# rkv serve\nport = 7001\nreplicaof = \"10.0.0.1 7000\"\n\n[log]\nreplicaof = \"not me\"\n";
        let e = edit_serve_toml(text, &replica_of("10.0.0.2", 7000));
        assert_eq!(
            e.text,
            "# rkv serve\nport = 7001\nreplicaof = \"10.0.0.2 7000\"\n\n[log]\nreplicaof = \"not me\"\n"
        );
        let e = edit_serve_toml(text, &master());
        assert_eq!(
            e.text,
            "# rkv serve\nport = 7001\n\n[log]\nreplicaof = \"not me\"\n"
        );
        let e = edit_serve_toml("port = 7001\n\n[x]\n", &replica_of("h", 1));
        assert_eq!(e.text, "port = 7001\nreplicaof = \"h 1\"\n\n[x]\n");
        // The result is valid TOML with the value we meant.
        let v: toml::Table = toml::from_str(&e.text).unwrap();
        assert_eq!(v["replicaof"].as_str(), Some("h 1"));
    }

    #[test]
    fn toml_escapes() {
        let e = edit_serve_toml(
            "",
            &RoleEdit {
                master: Some(NodeAddr::new("h", 1)),
                auth: Some(MasterAuth {
                    user: Some("u".into()),
                    password: Some(Secret::new("a\"b\\c\n")),
                }),
            },
        );
        let v: toml::Table = toml::from_str(&e.text).unwrap();
        assert_eq!(v["masterauth"].as_str(), Some("a\"b\\c\n"));
        assert_eq!(v["masteruser"].as_str(), Some("u"));
    }

    #[test]
    fn path_picks_editor() {
        let e = edit_for_path("/etc/rkv/node.TOML", "", &replica_of("h", 1));
        assert_eq!(e.text, "replicaof = \"h 1\"\n");
        let e = edit_for_path("/etc/redis/redis.conf", "", &replica_of("h", 1));
        assert_eq!(e.text, "replicaof h 1\n");
    }
}
