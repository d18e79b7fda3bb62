//! The operator code's layers, checked: every top-level module of `src/` may use only the
//! modules of lower layers (and the store node's crate, and the crate root's `ExitError`),
//! so no module reaches up and there are no cycles between modules. The store node
//! (`crates/rkv-node`) is a crate of its own: the compiler keeps it free of clap and of the
//! operator code.
//!
//! Known exceptions are listed with why (none today); the test fails when a listed one is
//! gone, so the list is kept true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. A module may use the modules of strictly lower layers and its own.
const LAYERS: &[&[&str]] = &[
    // Addresses as operators type them; argv hiding (used by main before anything else).
    &["addr", "hide_argv"],
    // Direct TCP, TLS, SSH tunnels and remote commands.
    &["transport"],
    // The client, INFO/ROLE parsing.
    &["node"],
    // The inventory file (nodes, their SSH routes).
    &["inventory"],
    // The replication graph and its health rules; making a role survive a restart.
    &["topology", "persist_role"],
    // Changing roles safely.
    &["failover"],
    // Runbooks.
    &["playbook"],
    // The binary's edge: clap types, rendering, logging setup.
    &["cli", "render"],
    &["logging"],
    // One module per subcommand: clap → request, document → render.
    &["commands"],
];

/// The store node's crate, re-exported at the root (`rkv::server`, …): below everything.
const STORE_NODE: &[&str] = &["resp", "store", "server", "persist", "replication"];

/// Items of the crate root (lib.rs) every layer may use.
const ROOT_ITEMS: &[&str] = &["exit_code"];

/// Known upward uses: (module, what it uses, why).
const KNOWN: &[(&str, &str, &str)] = &[];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of `text` without comments (line comments, doc comments) and string literals,
/// so that a path in prose or in a message is not a use.
fn code_only(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut escaped = false;
        let mut prev = '\0';
        for c in line.chars() {
            if in_str {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_str = false;
                }
                continue;
            }
            if c == '/' && prev == '/' {
                out.pop();
                break;
            }
            if c == '"' {
                in_str = true;
            } else {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// Every `crate::NAME` in `code` (NAME lower-case: a module or a root function).
fn crate_uses(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        // `rkv_node::crate::…` does not exist; `$crate::` is a macro's.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        // `crate::{a::X, b}`: the first segment of each item.
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = module_name(item.trim_start());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
            continue;
        }
        let name = module_name(rest);
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

/// The lower-case path segment `s` starts with.
fn module_name(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        .collect()
}

/// The top-level module a file of `src/` belongs to (None: the crate root or main).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

fn uses_by_module() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(m) = module_of(&src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).expect("a source file is readable");
        let entry = uses.entry(m.clone()).or_default();
        for u in crate_uses(&code_only(&text)) {
            if u != m {
                entry.insert(u);
            }
        }
    }
    uses
}

fn layer_of(m: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&m))
}

#[test]
fn every_module_has_a_layer() {
    let uses = uses_by_module();
    let missing: Vec<&String> = uses.keys().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        missing.is_empty(),
        "modules with no layer in tests/layering.rs: {missing:?}"
    );
}

#[test]
fn no_module_uses_a_higher_layer() {
    let uses = uses_by_module();
    let mut upward = Vec::new();
    let mut known_seen = BTreeSet::new();
    for (m, used) in &uses {
        let Some(lm) = layer_of(m) else { continue };
        for u in used {
            if STORE_NODE.contains(&u.as_str()) || ROOT_ITEMS.contains(&u.as_str()) {
                continue;
            }
            let ok = layer_of(u).is_some_and(|lu| lu < lm);
            if ok {
                continue;
            }
            if KNOWN.iter().any(|(km, ku, _)| km == m && ku == u) {
                known_seen.insert((m.clone(), u.clone()));
                continue;
            }
            upward.push(format!("{m} uses {u}"));
        }
    }
    assert!(
        upward.is_empty(),
        "uses of a module of the same or a higher layer: {upward:?}"
    );
    let stale: Vec<String> = KNOWN
        .iter()
        .filter(|(m, u, _)| !known_seen.contains(&(m.to_string(), u.to_string())))
        .map(|(m, u, why)| format!("{m} -> {u} ({why})"))
        .collect();
    assert!(
        stale.is_empty(),
        "known exceptions that no longer happen (remove them from KNOWN): {stale:?}"
    );
}

#[test]
fn the_scanner_sees_uses_and_skips_prose() {
    let code = code_only(
        "use crate::node::NodeAddr;\n/// see [`crate::failover`]\nlet s = \"crate::cli\"; // crate::render\nf(crate::topology::x);\nuse crate::{inventory::I, ExitError, addr};\n",
    );
    let got: Vec<String> = crate_uses(&code).into_iter().collect();
    assert_eq!(got, vec!["addr", "inventory", "node", "topology"]);
}
