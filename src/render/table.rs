//! Human views: the topology as one tree-shaped table per group with a summary and the problems
//! listed, the checks of `verify`, and one node's key/value table. Colour only when the caller
//! says so (the command decides from `--no-color` and whether stdout is a terminal).

use super::tree;
use crate::node::Role;
use crate::topology::Check;
use crate::topology::model::{Link, NodeJson, ProblemJson, Snapshot};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

/// Options for the human views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// Fixed width (None: no limit, columns never wrap).
    pub width: Option<u16>,
}

fn new_table(style: Style) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    t.set_content_arrangement(ContentArrangement::Disabled);
    if let Some(w) = style.width {
        t.set_width(w);
    }
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

fn cell(text: impl ToString, color: Option<Color>, style: Style) -> Cell {
    let c = Cell::new(text.to_string());
    match color {
        Some(col) if style.color => c.fg(col),
        _ => c,
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The first 8 characters of a replication ID.
pub fn short_id(id: Option<&str>) -> String {
    id.map_or_else(|| "-".into(), |s| s.chars().take(8).collect())
}

fn flags(n: &NodeJson, snap: &Snapshot) -> String {
    let NodeJson {
        addr,
        error,
        role,
        read_only,
        priority,
        ..
    } = n;
    let mut f: Vec<String> = Vec::new();
    if let Some(e) = error {
        f.push(format!("unreachable: {e}"));
    }
    let state = snap.nodes.iter().find(|s| s.addr.to_string() == *addr);
    if let Some(s) = state {
        if s.sync_in_progress {
            f.push("syncing".into());
        }
        // The master's view of this replica when it is not simply online.
        for m in &snap.nodes {
            for l in &m.listed {
                if l.addr == s.addr
                    && let Some(st) = l.entry.state.as_deref()
                    && st != "online"
                {
                    f.push(format!("state={st}"));
                }
            }
        }
    }
    if *role == Role::Replica && *read_only == Some(false) {
        f.push("writable".into());
    }
    if *role == Role::Replica && *priority == Some(0) {
        f.push("no-promote".into());
    }
    f.join(", ")
}

/// The topology: one table per group, a summary line, then the problems.
pub fn topology(snap: &Snapshot, problems: &[ProblemJson], style: Style) -> String {
    let groups = snap.groups();
    let mut out = String::new();
    for (gi, g) in groups.iter().enumerate() {
        if groups.len() > 1 {
            if gi > 0 {
                out.push('\n');
            }
            out.push_str(&format!("group {} of {}\n", gi + 1, groups.len()));
        }
        let mut t = new_table(style);
        t.set_header(vec![
            "NODE", "ROLE", "LINK", "OFFSET", "LAG B", "LAG S", "PRIO", "REPLID", "VERSION",
            "FLAGS",
        ]);
        let depths: Vec<usize> = g.rows.iter().map(|(_, d)| *d).collect();
        let prefixes = tree::prefixes(&depths);
        for ((i, _), prefix) in g.rows.iter().zip(prefixes) {
            let n = snap.node_json(*i);
            let f = flags(&n, snap);
            let NodeJson {
                addr,
                name,
                reachable,
                role,
                link,
                offset,
                lag_bytes,
                lag_seconds,
                priority,
                replid,
                version,
                ..
            } = n;
            let label = match name {
                Some(name) => format!("{prefix}{addr} ({name})"),
                None => format!("{prefix}{addr}"),
            };
            let role_color = match (reachable, role) {
                (false, _) => Some(Color::Red),
                (true, Role::Master) => Some(Color::Green),
                (true, Role::Replica) => Some(Color::Cyan),
                (true, Role::Unknown) => Some(Color::Yellow),
            };
            let link_color = match link {
                Some(Link::Up) => Some(Color::Green),
                Some(Link::Down) => Some(Color::Red),
                None => None,
            };
            let lag_color = lag_bytes.filter(|l| *l > 0).map(|_| Color::Yellow);
            t.add_row(vec![
                cell(label, None, style),
                cell(
                    if reachable { role.as_str() } else { "?" },
                    role_color,
                    style,
                ),
                cell(opt(link.map(Link::as_str)), link_color, style),
                cell(opt(offset), None, style),
                cell(opt(lag_bytes), lag_color, style),
                cell(opt(lag_seconds), None, style),
                cell(opt(priority), None, style),
                cell(short_id(replid.as_deref()), None, style),
                cell(opt(version), None, style),
                cell(f, (!reachable).then_some(Color::Red), style),
            ]);
        }
        out.push_str(&t.trim_fmt());
        out.push('\n');
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    out.push('\n');
    out.push_str(&format!(
        "{}, {}, {}\n",
        plural(groups.len(), "group"),
        plural(snap.nodes.len(), "node"),
        plural(problems.len(), "problem")
    ));
    out.push_str(&problem_lines(problems, style));
    out
}

/// The problems as aligned lines (`kind  node  message`), or nothing when there are none.
pub fn problem_lines(problems: &[ProblemJson], style: Style) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let mut t = new_table(style);
    for p in problems {
        t.add_row(vec![
            cell(p.kind.as_str(), Some(Color::Red), style),
            cell(&p.node, None, style),
            cell(&p.message, None, style),
        ]);
    }
    let mut s = t.trim_fmt();
    s.push('\n');
    s
}

/// The checks of `verify`: one line each, then a verdict.
pub fn checks(checks: &[Check], style: Style) -> String {
    let mut t = new_table(style);
    t.set_header(vec!["", "CHECK", "NODE", "DETAIL"]);
    for c in checks {
        let Check {
            name,
            node,
            ok,
            detail,
            ..
        } = c;
        t.add_row(vec![
            cell(
                if *ok { "ok" } else { "FAIL" },
                Some(if *ok { Color::Green } else { Color::Red }),
                style,
            ),
            cell(name, None, style),
            cell(node, None, style),
            cell(detail, None, style),
        ]);
    }
    let mut s = t.trim_fmt();
    s.push('\n');
    s
}

/// One node as a key/value table: the contract's fields, then extra INFO details.
pub fn node_details(n: &NodeJson, extra: &[(&str, String)], style: Style) -> String {
    let NodeJson {
        addr,
        name,
        reachable,
        error,
        role,
        master,
        link,
        offset,
        lag_bytes,
        lag_seconds,
        replid,
        replid2,
        priority,
        read_only,
        replicas,
        version,
        diverged_bytes,
        diverged_commands,
        min_replicas_to_write,
    } = n;
    let mut t = new_table(style);
    let rows: Vec<(&str, String)> = vec![
        ("addr", addr.clone()),
        ("name", opt(name.as_ref())),
        ("reachable", reachable.to_string()),
        ("error", opt(error.as_ref())),
        ("role", role.as_str().to_string()),
        ("master", opt(master.as_ref())),
        ("link", opt(link.map(Link::as_str))),
        ("offset", opt(*offset)),
        ("lag_bytes", opt(*lag_bytes)),
        ("lag_seconds", opt(*lag_seconds)),
        ("replid", opt(replid.as_ref())),
        ("replid2", opt(replid2.as_ref())),
        ("priority", opt(*priority)),
        ("read_only", opt(*read_only)),
        (
            "replicas",
            if replicas.is_empty() {
                "-".into()
            } else {
                replicas.join(", ")
            },
        ),
        ("version", opt(version.as_ref())),
        ("diverged_bytes", opt(*diverged_bytes)),
        ("diverged_commands", opt(*diverged_commands)),
        ("min_replicas_to_write", opt(*min_replicas_to_write)),
    ];
    for (k, v) in rows.iter().chain(extra.iter()) {
        t.add_row(vec![
            cell(k, Some(Color::Blue), style),
            cell(v, None, style),
        ]);
    }
    let mut s = t.trim_fmt();
    s.push('\n');
    s
}
