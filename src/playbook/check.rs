//! Checking a playbook (pure: no sockets, no files) and resolving it into concrete actions.
//!
//! [`check`] walks a parsed [`Playbook`] and returns every problem at its byte offset: unknown
//! step kinds, fields a kind does not take, missing required fields, values of the wrong type,
//! `${name}` references to undefined variables or of the wrong variable type, and node names
//! missing from the inventory when one is given. [`resolve`] then binds `--var` values,
//! expands `each`, interpolates, and yields the [`Planned`] steps the runner executes.
//!
//! Interpolation has one syntax: `${name}` anywhere inside a string value is replaced by the
//! variable's value (a `nodes` value as its comma-separated text). There is no escape: `${`
//! always starts a reference, and an unterminated one is an error. `${each}` is bound inside a
//! step that has `each = "<nodes>"`, once per node.

use super::model::{Diagnostic, MAX_STEPS, MAX_VARS, Playbook, RawStep, VarType};
use std::collections::BTreeMap;
use std::time::Duration;
use toml::Spanned;

/// The type a step field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// One node.
    Node,
    /// Comma-separated nodes.
    Nodes,
    /// Text (an integer is taken as its text).
    Str,
    /// A non-negative integer.
    Int,
    /// A duration (`30s`).
    Duration,
    /// true/false.
    Bool,
    /// `master` or `replica`.
    Role,
}

/// One field a kind takes.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Its name in the file.
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
    /// Whether the step must give it.
    pub required: bool,
}

/// A [`FieldSpec`] literal (a struct literal, so the tables below are promoted to statics).
macro_rules! f {
    ($name:expr, $ty:expr, $required:expr) => {
        FieldSpec {
            name: $name,
            ty: $ty,
            required: $required,
        }
    };
}

use FieldType as T;

/// Every step kind, with what it does (for `rkv playbook show` and the docs).
pub const KINDS: &[(&str, &str)] = &[
    (
        "verify",
        "rkv verify: every link and offset healthy (timeout: keep checking that long)",
    ),
    (
        "replicate",
        "rkv replicate REPLICA --to MASTER: link credentials, REPLICAOF, wait for the sync",
    ),
    (
        "promote",
        "rkv promote REPLICA: REPLICAOF NO ONE with its checks",
    ),
    (
        "failover",
        "rkv failover: planned switchover or unplanned failover, journaled",
    ),
    (
        "config-set",
        "CONFIG SET on a node, then CONFIG REWRITE when persist = true",
    ),
    (
        "assert",
        "a condition over the topology: role, follows master with link up, lag below N",
    ),
    (
        "confirm",
        "stop and ask the operator (with --yes: print the message and go on)",
    ),
    (
        "restart",
        "run the node's inventory `restart` command over SSH, wait until it answers",
    ),
    (
        "stop",
        "run the node's inventory `stop` command over SSH, wait until it stops answering",
    ),
    (
        "reachable",
        "every node answers PING with the credentials given",
    ),
    (
        "check-persistence",
        "warn when a node persists nothing (no RDB save points, no AOF)",
    ),
    (
        "persist-role",
        "make a node's current role survive a restart (config file or CONFIG REWRITE)",
    ),
    (
        "fence",
        "print what must be done so an unreachable old master does not come back as a master",
    ),
];

/// The fields `kind` takes, or None for an unknown kind.
pub fn schema(kind: &str) -> Option<&'static [FieldSpec]> {
    Some(match kind {
        "verify" => &[
            f!("nodes", T::Nodes, false),
            f!("timeout", T::Duration, false),
            f!("max_lag_bytes", T::Int, false),
        ],
        "replicate" => &[
            f!("replica", T::Node, true),
            f!("to", T::Node, true),
            f!("timeout", T::Duration, false),
            f!("max_lag_bytes", T::Int, false),
        ],
        "promote" => &[f!("replica", T::Node, true), f!("force", T::Bool, false)],
        "failover" => &[
            f!("nodes", T::Nodes, false),
            f!("to", T::Node, false),
            f!("max_write_pause", T::Duration, false),
            f!("timeout", T::Duration, false),
        ],
        "config-set" => &[
            f!("node", T::Node, true),
            f!("parameter", T::Str, true),
            f!("value", T::Str, true),
            f!("persist", T::Bool, false),
        ],
        "assert" => &[
            f!("node", T::Node, true),
            f!("role", T::Role, false),
            f!("master", T::Node, false),
            f!("max_lag_bytes", T::Int, false),
        ],
        "confirm" => &[f!("message", T::Str, true)],
        "restart" => &[
            f!("node", T::Node, true),
            f!("master", T::Node, false),
            f!("timeout", T::Duration, false),
        ],
        "stop" => &[f!("node", T::Node, true), f!("timeout", T::Duration, false)],
        "reachable" => &[f!("nodes", T::Nodes, true)],
        "check-persistence" => &[f!("node", T::Node, true)],
        "persist-role" => &[f!("node", T::Node, true), f!("master", T::Node, false)],
        "fence" => &[
            f!("node", T::Node, true),
            f!("master", T::Node, false),
            f!("nodes", T::Nodes, false),
        ],
        _ => return None,
    })
}

/// What the checker needs to know about the inventory: its node names.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Names of the inventory's nodes; None when no inventory was given.
    pub names: Option<Vec<String>>,
}

impl Names {
    /// Whether `node` is acceptable: an address (has a `:` or is a URL), or any name when
    /// there is no inventory, or an inventory name.
    pub fn knows(&self, node: &str) -> bool {
        let addressish = node.contains(':') || node.contains('/') || node.starts_with('[');
        match &self.names {
            None => true,
            Some(names) => addressish || names.iter().any(|n| n == node),
        }
    }
}

/// One `${name}` reference in a string: its byte offset in the string and the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref<'a> {
    /// Offset of the `$`.
    pub at: usize,
    /// The name between the braces.
    pub name: &'a str,
}

/// Every reference in `s`, or the offset and reason of a malformed one.
pub fn refs(s: &str) -> Result<Vec<Ref<'_>>, (usize, String)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(i) = s[rest..].find("${") {
        let at = rest + i;
        let Some(end) = s[at..].find('}') else {
            return Err((at, "unterminated `${`: write `${name}`".into()));
        };
        let name = &s[at + 2..at + end];
        if !valid_name(name) {
            return Err((at, format!("bad variable reference `${{{name}}}`")));
        }
        out.push(Ref { at, name });
        rest = at + end + 1;
    }
    Ok(out)
}

/// Variable names: a letter or `_`, then letters, digits, `_` or `-`; at most 64 bytes.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.len() <= 64
}

/// Replace every `${name}` in `s` with its value; unknown names are an error naming them.
pub fn interpolate(s: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let found = refs(s).map_err(|(_, m)| m)?;
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for r in found {
        out.push_str(&s[last..r.at]);
        let v = vars
            .get(r.name)
            .ok_or_else(|| format!("undefined variable `{}`", r.name))?;
        out.push_str(v);
        last = r.at + r.name.len() + 3;
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// Split a `nodes` value: comma-separated, blanks dropped.
pub fn split_nodes(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// Check a literal value (after interpolation) against a type; the reason when it does not fit.
pub fn check_literal(ty: FieldType, s: &str, names: &Names) -> Result<(), String> {
    match ty {
        T::Node => {
            if s.trim().is_empty() || s.contains(',') {
                return Err(format!("expected one node, got {s:?}"));
            }
            if !names.knows(s.trim()) {
                return Err(format!("unknown node `{}`: not in the inventory", s.trim()));
            }
        }
        T::Nodes => {
            let list = split_nodes(s);
            if list.is_empty() {
                return Err("expected one or more nodes, comma-separated".into());
            }
            if let Some(n) = list.iter().find(|n| !names.knows(n)) {
                return Err(format!("unknown node `{n}`: not in the inventory"));
            }
        }
        T::Str => {}
        T::Int => {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("expected a non-negative integer, got {s:?}"))?;
        }
        T::Duration => {
            humantime::parse_duration(s.trim())
                .map_err(|e| format!("expected a duration such as 30s, got {s:?}: {e}"))?;
        }
        T::Bool => {
            if !matches!(s, "true" | "false") {
                return Err(format!("expected true or false, got {s:?}"));
            }
        }
        T::Role => {
            if !matches!(s, "master" | "replica") {
                return Err(format!("expected `master` or `replica`, got {s:?}"));
            }
        }
    }
    Ok(())
}

/// Whether a variable of type `var` may fill, alone, a field of type `field`.
fn fits(field: FieldType, var: VarType) -> bool {
    match field {
        T::Node => var == VarType::Node,
        T::Nodes => matches!(var, VarType::Nodes | VarType::Node),
        T::Int => var == VarType::Int,
        T::Duration => var == VarType::Duration,
        T::Str | T::Bool | T::Role => true,
    }
}

/// A TOML value as the text interpolation works on; None for tables, arrays, floats, dates.
fn value_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Offset in the file of byte `i` of a string value whose span starts at `start` (the quote).
fn inner(start: usize, i: usize) -> usize {
    start + 1 + i
}

/// Every problem in `pb`, in file order.
pub fn check(pb: &Playbook, names: &Names) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut diag = |offset: usize, message: String| out.push(Diagnostic { offset, message });
    let mut vars: BTreeMap<String, VarType> = BTreeMap::new();
    if pb.vars.len() > MAX_VARS {
        diag(0, format!("more than {MAX_VARS} variables"));
    }
    if pb.steps.len() > MAX_STEPS {
        diag(0, format!("more than {MAX_STEPS} steps"));
    }
    if pb.steps.is_empty() {
        diag(pb.name.span().start, "the playbook has no steps".into());
    }
    for v in &pb.vars {
        let v = v.get_ref();
        let name = v.name.get_ref();
        let ty = *v.ty.get_ref();
        if !valid_name(name) {
            diag(v.name.span().start, format!("bad variable name {name:?}"));
        } else if name == "each" {
            diag(
                v.name.span().start,
                "`each` is reserved (bound by a step's `each`)".into(),
            );
        } else if vars.insert(name.clone(), ty).is_some() {
            diag(
                v.name.span().start,
                format!("variable `{name}` declared twice"),
            );
        }
        if let (Some(d), Some(r)) = (&v.default, &v.required)
            && *r.get_ref()
        {
            diag(
                d.span().start,
                format!("variable `{name}` is required and has a default: choose one"),
            );
        }
        if let (None, Some(r)) = (&v.default, &v.required)
            && !*r.get_ref()
        {
            diag(
                r.span().start,
                format!("variable `{name}` is not required but has no default: give it one"),
            );
        }
        if let Some(d) = &v.default {
            let fty = match ty {
                VarType::Node => T::Node,
                VarType::Nodes => T::Nodes,
                VarType::String => T::Str,
                VarType::Int => T::Int,
                VarType::Duration => T::Duration,
            };
            match value_text(d.get_ref()) {
                Some(s) if !s.contains("${") => {
                    if let Err(m) = check_literal(fty, &s, names) {
                        diag(d.span().start, format!("default of `{name}`: {m}"));
                    }
                }
                Some(_) => diag(
                    d.span().start,
                    "a default cannot reference variables".into(),
                ),
                None => diag(
                    d.span().start,
                    format!("default of `{name}`: expected a {ty} value"),
                ),
            }
        }
    }
    for step in &pb.steps {
        check_step(step, &vars, names, &mut diag);
    }
    out.sort_by_key(|d| d.offset);
    out
}

fn check_step(
    step: &Spanned<RawStep>,
    vars: &BTreeMap<String, VarType>,
    names: &Names,
    diag: &mut impl FnMut(usize, String),
) {
    let s = step.get_ref();
    let kind = s.kind.get_ref();
    let Some(spec) = schema(kind) else {
        let known: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
        diag(
            s.kind.span().start,
            format!("unknown step kind `{kind}` (known: {})", known.join(", ")),
        );
        return;
    };
    let mut scope = vars.clone();
    if let Some(each) = &s.each {
        check_value(each, T::Nodes, "each", &scope, names, diag);
        scope.insert("each".into(), VarType::Node);
    }
    if let Some(t) = &s.title {
        check_refs_only(t.get_ref(), t.span().start, &scope, diag);
    }
    for (name, value) in s.fields() {
        if name == "each" {
            continue;
        }
        match spec.iter().find(|fs| fs.name == name) {
            Some(fs) => check_value(value, fs.ty, name, &scope, names, diag),
            None => {
                let takes: Vec<&str> = spec.iter().map(|fs| fs.name).collect();
                diag(
                    value.span().start,
                    format!(
                        "a `{kind}` step takes no `{name}` (it takes: {})",
                        takes.join(", ")
                    ),
                );
            }
        }
    }
    for fs in spec.iter().filter(|fs| fs.required) {
        if s.field(fs.name).is_none() {
            diag(
                s.kind.span().start,
                format!("a `{kind}` step needs `{}`", fs.name),
            );
        }
    }
    if kind == "assert" && s.role.is_none() && s.master.is_none() && s.max_lag_bytes.is_none() {
        diag(
            s.kind.span().start,
            "an `assert` step needs at least one of `role`, `master`, `max_lag_bytes`".into(),
        );
    }
}

fn check_refs_only(
    text: &str,
    start: usize,
    scope: &BTreeMap<String, VarType>,
    diag: &mut impl FnMut(usize, String),
) {
    match refs(text) {
        Err((i, m)) => diag(inner(start, i), m),
        Ok(rs) => {
            for r in rs.iter().filter(|r| !scope.contains_key(r.name)) {
                diag(inner(start, r.at), undefined(r.name));
            }
        }
    }
}

fn undefined(name: &str) -> String {
    if name == "each" {
        "`${each}` is only defined in a step with `each = ...`".into()
    } else {
        format!("undefined variable `{name}`")
    }
}

fn check_value(
    value: &Spanned<toml::Value>,
    ty: FieldType,
    field: &str,
    scope: &BTreeMap<String, VarType>,
    names: &Names,
    diag: &mut impl FnMut(usize, String),
) {
    let start = value.span().start;
    let text = match (ty, value.get_ref()) {
        (T::Bool, toml::Value::Boolean(_)) => return,
        (T::Int, toml::Value::Integer(i)) => {
            if *i < 0 {
                diag(start, format!("`{field}` must not be negative"));
            }
            return;
        }
        (T::Str, v) => value_text(v),
        (_, toml::Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let Some(text) = text else {
        let want = match ty {
            T::Node => "a node (string)",
            T::Nodes => "nodes (a comma-separated string)",
            T::Str => "a string",
            T::Int => "an integer",
            T::Duration => "a duration string such as \"30s\"",
            T::Bool => "true or false",
            T::Role => "\"master\" or \"replica\"",
        };
        diag(start, format!("`{field}` must be {want}"));
        return;
    };
    let rs = match refs(&text) {
        Ok(rs) => rs,
        Err((i, m)) => return diag(inner(start, i), m),
    };
    if rs.is_empty() {
        if let Err(m) = check_literal(ty, &text, names) {
            diag(start, format!("`{field}`: {m}"));
        }
        return;
    }
    let alone = rs.len() == 1 && rs[0].at == 0 && rs[0].name.len() + 3 == text.len();
    for r in &rs {
        match scope.get(r.name) {
            None => diag(inner(start, r.at), undefined(r.name)),
            Some(vt) if alone && !fits(ty, *vt) => diag(
                inner(start, r.at),
                format!(
                    "`{field}` takes {}, but `{}` is a {vt} variable",
                    type_words(ty),
                    r.name
                ),
            ),
            Some(vt)
                if !alone
                    && matches!(ty, T::Node | T::Int | T::Duration)
                    && matches!(vt, VarType::Nodes) =>
            {
                diag(
                    inner(start, r.at),
                    format!(
                        "`{}` is a nodes list and cannot be part of `{field}`",
                        r.name
                    ),
                );
            }
            Some(_) => {}
        }
    }
}

fn type_words(ty: FieldType) -> &'static str {
    match ty {
        T::Node => "one node",
        T::Nodes => "nodes",
        T::Str => "a string",
        T::Int => "an int",
        T::Duration => "a duration",
        T::Bool => "a boolean",
        T::Role => "a role",
    }
}

/// What a resolved step does, with every argument concrete.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// `rkv verify`.
    Verify {
        /// Seeds (empty: the inventory).
        nodes: Vec<String>,
        /// Keep checking this long.
        #[serde(with = "opt_duration")]
        wait: Option<Duration>,
        /// Lag limit.
        max_lag_bytes: Option<u64>,
    },
    /// `rkv replicate`.
    Replicate {
        /// The node re-pointed.
        replica: String,
        /// Its master.
        to: String,
        /// How long to wait for the sync.
        #[serde(with = "opt_duration")]
        timeout: Option<Duration>,
        /// Done at this lag.
        max_lag_bytes: Option<u64>,
    },
    /// `rkv promote`.
    Promote {
        /// The replica.
        replica: String,
        /// `--force`.
        force: bool,
    },
    /// `rkv failover`.
    Failover {
        /// Seeds (empty: the inventory).
        nodes: Vec<String>,
        /// The candidate.
        to: Option<String>,
        /// `--max-write-pause`.
        #[serde(with = "opt_duration")]
        max_write_pause: Option<Duration>,
        /// `--wait-timeout`.
        #[serde(with = "opt_duration")]
        timeout: Option<Duration>,
    },
    /// CONFIG SET (and CONFIG REWRITE).
    ConfigSet {
        /// The node.
        node: String,
        /// The parameter.
        parameter: String,
        /// Its value.
        value: String,
        /// CONFIG REWRITE after.
        persist: bool,
    },
    /// A condition over the topology.
    Assert {
        /// The node.
        node: String,
        /// Its role must be this.
        role: Option<String>,
        /// It must follow this master with the link up.
        master: Option<String>,
        /// Its lag behind its master must be at most this.
        max_lag_bytes: Option<u64>,
    },
    /// Ask the operator.
    Confirm {
        /// What to say.
        message: String,
    },
    /// The inventory `restart` command.
    Restart {
        /// The node.
        node: String,
        /// Once it answers, wait until it follows this master, synced.
        master: Option<String>,
        /// How long to wait for it to answer.
        #[serde(with = "opt_duration")]
        timeout: Option<Duration>,
    },
    /// The inventory `stop` command.
    Stop {
        /// The node.
        node: String,
        /// How long to wait for it to stop answering.
        #[serde(with = "opt_duration")]
        timeout: Option<Duration>,
    },
    /// Every node answers.
    Reachable {
        /// The nodes.
        nodes: Vec<String>,
    },
    /// Warn when a node persists nothing.
    CheckPersistence {
        /// The node.
        node: String,
    },
    /// Persist a node's role.
    PersistRole {
        /// The node.
        node: String,
        /// Its master (none: it is a master).
        master: Option<String>,
    },
    /// Fencing instructions for an old master.
    Fence {
        /// The old master.
        node: String,
        /// The new master (none: the one reachable master discovered from `nodes`).
        master: Option<String>,
        /// Where to discover the new master (empty: the inventory).
        nodes: Vec<String>,
    },
}

mod opt_duration {
    use serde::Serializer;
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }
}

/// One step ready to run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Planned {
    /// 1-based position in the resolved plan (what `--from-step` takes).
    pub index: usize,
    /// What the plan shows.
    pub title: String,
    /// What it does.
    pub action: Action,
}

impl Action {
    /// The kind's name in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Verify { .. } => "verify",
            Action::Replicate { .. } => "replicate",
            Action::Promote { .. } => "promote",
            Action::Failover { .. } => "failover",
            Action::ConfigSet { .. } => "config-set",
            Action::Assert { .. } => "assert",
            Action::Confirm { .. } => "confirm",
            Action::Restart { .. } => "restart",
            Action::Stop { .. } => "stop",
            Action::Reachable { .. } => "reachable",
            Action::CheckPersistence { .. } => "check-persistence",
            Action::PersistRole { .. } => "persist-role",
            Action::Fence { .. } => "fence",
        }
    }

    /// The step as the command (or the Redis command) that does the same thing.
    pub fn command_line(&self) -> String {
        let d = |d: &Duration| humantime::format_duration(*d).to_string();
        match self {
            Action::Verify {
                nodes,
                wait,
                max_lag_bytes,
            } => {
                let mut s = String::from("rkv verify");
                for n in nodes {
                    s.push_str(&format!(" {n}"));
                }
                if let Some(w) = wait {
                    s.push_str(&format!(" --wait {}", d(w)));
                }
                if let Some(m) = max_lag_bytes {
                    s.push_str(&format!(" --max-lag-bytes {m}"));
                }
                s
            }
            Action::Replicate {
                replica,
                to,
                timeout,
                max_lag_bytes,
            } => {
                let mut s = format!("rkv replicate {replica} --to {to} --yes");
                if let Some(t) = timeout {
                    s.push_str(&format!(" --wait-timeout {}", d(t)));
                }
                if let Some(m) = max_lag_bytes {
                    s.push_str(&format!(" --max-lag-bytes {m}"));
                }
                s
            }
            Action::Promote { replica, force } => format!(
                "rkv promote {replica} --yes{}",
                if *force { " --force" } else { "" }
            ),
            Action::Failover {
                nodes,
                to,
                max_write_pause,
                timeout,
            } => {
                let mut s = String::from("rkv failover");
                for n in nodes {
                    s.push_str(&format!(" {n}"));
                }
                if let Some(t) = to {
                    s.push_str(&format!(" --to {t}"));
                }
                s.push_str(" --yes");
                if let Some(m) = max_write_pause {
                    s.push_str(&format!(" --max-write-pause {}", d(m)));
                }
                if let Some(t) = timeout {
                    s.push_str(&format!(" --wait-timeout {}", d(t)));
                }
                s
            }
            Action::ConfigSet {
                node,
                parameter,
                value,
                persist,
            } => format!(
                "CONFIG SET {parameter} {value:?} on {node}{}",
                if *persist {
                    ", then CONFIG REWRITE"
                } else {
                    ""
                }
            ),
            Action::Assert {
                node,
                role,
                master,
                max_lag_bytes,
            } => {
                let mut parts = Vec::new();
                if let Some(r) = role {
                    parts.push(format!("{node} is a {r}"));
                }
                if let Some(m) = master {
                    parts.push(format!("{node} follows {m} with the link up"));
                }
                if let Some(l) = max_lag_bytes {
                    parts.push(format!("{node} lags at most {l} bytes"));
                }
                format!("assert {}", parts.join(" and "))
            }
            Action::Confirm { message } => format!("confirm: {message}"),
            Action::Restart { node, master, .. } => match master {
                Some(m) => format!(
                    "inventory `restart` of {node} over ssh; wait until it follows {m}, synced"
                ),
                None => format!("inventory `restart` of {node} over ssh; wait until it answers"),
            },
            Action::Stop { node, .. } => {
                format!("inventory `stop` of {node} over ssh; wait until it no longer answers")
            }
            Action::Reachable { nodes } => {
                format!("PING (authenticated) {}", nodes.join(", "))
            }
            Action::CheckPersistence { node } => {
                format!("CONFIG GET save, appendonly on {node} (warn when neither)")
            }
            Action::PersistRole { node, master } => match master {
                Some(m) => format!("persist `replicaof {m}` for {node}"),
                None => format!("persist the master role of {node}"),
            },
            Action::Fence { node, master, .. } => format!(
                "fencing of {node} (new master {})",
                master.as_deref().unwrap_or("the one discovered")
            ),
        }
    }
}

/// Why a playbook could not be resolved with the given variables (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ResolveError(pub String);

/// Bind `given` (`--var NAME=VALUE`) and defaults, expand `each`, interpolate: the plan.
/// `pb` must have passed [`check`].
pub fn resolve(
    pb: &Playbook,
    given: &[(String, String)],
    names: &Names,
) -> Result<Vec<Planned>, ResolveError> {
    let err = |m: String| ResolveError(m);
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (k, _) in given {
        if !pb.vars.iter().any(|v| v.get_ref().name.get_ref() == k) {
            let known: Vec<&str> = pb
                .vars
                .iter()
                .map(|v| v.get_ref().name.get_ref().as_str())
                .collect();
            return Err(err(format!(
                "--var {k}: this playbook takes no such variable (it takes: {})",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    for v in &pb.vars {
        let v = v.get_ref();
        let name = v.name.get_ref();
        let value = match given.iter().rev().find(|(k, _)| k == name) {
            Some((_, val)) => val.clone(),
            None => match v.default.as_ref().and_then(|d| value_text(d.get_ref())) {
                Some(d) => d,
                None => {
                    return Err(err(format!(
                        "missing --var {name}=… ({}{})",
                        v.ty.get_ref(),
                        v.description
                            .as_deref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    )));
                }
            },
        };
        let fty = match v.ty.get_ref() {
            VarType::Node => T::Node,
            VarType::Nodes => T::Nodes,
            VarType::String => T::Str,
            VarType::Int => T::Int,
            VarType::Duration => T::Duration,
        };
        check_literal(fty, &value, names).map_err(|m| err(format!("--var {name}: {m}")))?;
        let value = if fty == T::Nodes {
            split_nodes(&value).join(",")
        } else {
            value.trim().to_string()
        };
        values.insert(name.clone(), value);
    }
    let mut out = Vec::new();
    for (si, step) in pb.steps.iter().enumerate() {
        let s = step.get_ref();
        let each: Vec<Option<String>> = match &s.each {
            Some(e) => {
                let text = value_text(e.get_ref()).unwrap_or_default();
                split_nodes(&interpolate(&text, &values).map_err(err)?)
                    .into_iter()
                    .map(Some)
                    .collect()
            }
            None => vec![None],
        };
        for item in each {
            let mut scope = values.clone();
            if let Some(i) = &item {
                scope.insert("each".into(), i.clone());
            }
            let action = build(s, &scope, names)
                .map_err(|m| err(format!("step {} ({}): {m}", si + 1, s.kind.get_ref())))?;
            let title = match &s.title {
                Some(t) => interpolate(t.get_ref(), &scope).map_err(err)?,
                None => action.command_line(),
            };
            out.push(Planned {
                index: out.len() + 1,
                title,
                action,
            });
            if out.len() > MAX_STEPS {
                return Err(err(format!("more than {MAX_STEPS} steps once expanded")));
            }
        }
    }
    Ok(out)
}

fn build(s: &RawStep, scope: &BTreeMap<String, String>, names: &Names) -> Result<Action, String> {
    let spec = schema(s.kind.get_ref()).ok_or("unknown kind")?;
    let get = |name: &str| -> Result<Option<String>, String> {
        let Some(v) = s.field(name) else {
            return Ok(None);
        };
        let text = value_text(v.get_ref()).ok_or_else(|| format!("`{name}` has a bad type"))?;
        let text = interpolate(&text, scope)?;
        if let Some(fs) = spec.iter().find(|fs| fs.name == name) {
            check_literal(fs.ty, &text, names).map_err(|m| format!("`{name}`: {m}"))?;
        }
        Ok(Some(text.trim().to_string()))
    };
    let need = |name: &str| -> Result<String, String> {
        get(name)?.ok_or_else(|| format!("`{name}` is missing"))
    };
    let dur = |name: &str| -> Result<Option<Duration>, String> {
        get(name)?
            .map(|t| humantime::parse_duration(&t).map_err(|e| format!("`{name}`: {e}")))
            .transpose()
    };
    let int = |name: &str| -> Result<Option<u64>, String> {
        get(name)?
            .map(|t| t.parse::<u64>().map_err(|e| format!("`{name}`: {e}")))
            .transpose()
    };
    let boolean =
        |name: &str| -> Result<bool, String> { Ok(get(name)?.as_deref() == Some("true")) };
    let list = |name: &str| -> Result<Vec<String>, String> {
        Ok(get(name)?.map(|t| split_nodes(&t)).unwrap_or_default())
    };
    Ok(match s.kind.get_ref().as_str() {
        "verify" => Action::Verify {
            nodes: list("nodes")?,
            wait: dur("timeout")?,
            max_lag_bytes: int("max_lag_bytes")?,
        },
        "replicate" => Action::Replicate {
            replica: need("replica")?,
            to: need("to")?,
            timeout: dur("timeout")?,
            max_lag_bytes: int("max_lag_bytes")?,
        },
        "promote" => Action::Promote {
            replica: need("replica")?,
            force: boolean("force")?,
        },
        "failover" => Action::Failover {
            nodes: list("nodes")?,
            to: get("to")?,
            max_write_pause: dur("max_write_pause")?,
            timeout: dur("timeout")?,
        },
        "config-set" => Action::ConfigSet {
            node: need("node")?,
            parameter: need("parameter")?,
            value: need("value")?,
            persist: boolean("persist")?,
        },
        "assert" => Action::Assert {
            node: need("node")?,
            role: get("role")?,
            master: get("master")?,
            max_lag_bytes: int("max_lag_bytes")?,
        },
        "confirm" => Action::Confirm {
            message: need("message")?,
        },
        "restart" => Action::Restart {
            node: need("node")?,
            master: get("master")?,
            timeout: dur("timeout")?,
        },
        "stop" => Action::Stop {
            node: need("node")?,
            timeout: dur("timeout")?,
        },
        "reachable" => Action::Reachable {
            nodes: list("nodes")?,
        },
        "check-persistence" => Action::CheckPersistence {
            node: need("node")?,
        },
        "persist-role" => Action::PersistRole {
            node: need("node")?,
            master: get("master")?,
        },
        "fence" => Action::Fence {
            node: need("node")?,
            master: get("master")?,
            nodes: list("nodes")?,
        },
        other => return Err(format!("unknown kind `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::super::model::{line_col, parse};
    use super::*;

    const HEAD: &str = "name = \"t\"\ndescription = \"d\"\n[[vars]]\nname = \"m\"\ntype = \"node\"\n[[vars]]\nname = \"rs\"\ntype = \"nodes\"\n";

    fn diags(body: &str, names: &Names) -> Vec<(usize, usize, String)> {
        let text = format!("{HEAD}{body}");
        let pb = parse(&text).unwrap();
        check(&pb, names)
            .into_iter()
            .map(|d| {
                let (l, c) = line_col(&text, d.offset);
                (l, c, d.message)
            })
            .collect()
    }

    #[test]
    fn references() {
        assert_eq!(
            refs("a ${x} b ${y-1}").unwrap(),
            vec![Ref { at: 2, name: "x" }, Ref { at: 9, name: "y-1" }]
        );
        assert!(refs("${x").is_err());
        assert!(refs("${1x}").is_err());
        assert!(refs("$x and $ alone").unwrap().is_empty());
        let vars: BTreeMap<String, String> = [("x".to_string(), "1".to_string())].into();
        assert_eq!(interpolate("a${x}b${x}", &vars).unwrap(), "a1b1");
        assert!(interpolate("${z}", &vars).is_err());
    }

    #[test]
    fn good_playbook_has_no_problems() {
        let d = diags(
            "[[steps]]\nkind = \"replicate\"\neach = \"${rs}\"\nreplica = \"${each}\"\nto = \"${m}\"\ntimeout = \"30s\"\n[[steps]]\nkind = \"verify\"\nnodes = \"${m},${rs}\"\n",
            &Names::default(),
        );
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn problems_are_located() {
        let d = diags(
            "[[steps]]\nkind = \"replicat\"\n[[steps]]\nkind = \"promote\"\nreplica = \"${nope}\"\n[[steps]]\nkind = \"replicate\"\nreplica = \"${rs}\"\nto = \"${each}\"\n[[steps]]\nkind = \"verify\"\nmessage = \"x\"\ntimeout = \"soon\"\n",
            &Names::default(),
        );
        let lines: Vec<(usize, usize)> = d.iter().map(|(l, c, _)| (*l, *c)).collect();
        assert_eq!(
            lines,
            vec![(10, 8), (13, 12), (16, 12), (17, 7), (20, 11), (21, 11)],
            "{d:?}"
        );
        assert!(d[0].2.starts_with("unknown step kind `replicat`"));
        assert_eq!(d[1].2, "undefined variable `nope`");
        assert!(d[2].2.contains("`rs` is a nodes variable"), "{}", d[2].2);
        assert!(d[3].2.contains("only defined in a step with `each"));
        assert!(d[4].2.contains("takes no `message`"));
        assert!(d[5].2.contains("duration"));
    }

    #[test]
    fn unknown_nodes_with_an_inventory() {
        let names = Names {
            names: Some(vec!["a".into(), "b".into()]),
        };
        let d = diags(
            "[[steps]]\nkind = \"verify\"\nnodes = \"a, c, 10.0.0.1:6379\"\n[[steps]]\nkind = \"assert\"\nnode = \"b\"\nrole = \"boss\"\n",
            &names,
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].2.contains("unknown node `c`"));
        assert!(d[1].2.contains("`master` or `replica`"));
    }

    #[test]
    fn resolve_expands_each_and_checks_vars() {
        let text = format!(
            "{HEAD}[[steps]]\nkind = \"replicate\"\neach = \"${{rs}}\"\nreplica = \"${{each}}\"\nto = \"${{m}}\"\n[[steps]]\nkind = \"assert\"\nnode = \"${{m}}\"\nrole = \"master\"\n"
        );
        let pb = parse(&text).unwrap();
        assert!(check(&pb, &Names::default()).is_empty());
        let given = vec![
            ("m".to_string(), "h:1".to_string()),
            ("rs".to_string(), "h:2, h:3".to_string()),
        ];
        let plan = resolve(&pb, &given, &Names::default()).unwrap();
        assert_eq!(plan.len(), 3);
        assert_eq!(plan[1].title, "rkv replicate h:3 --to h:1 --yes");
        assert_eq!(plan[2].index, 3);
        let e = resolve(&pb, &given[..1], &Names::default()).unwrap_err();
        assert!(e.0.starts_with("missing --var rs"), "{e}");
        let bad = vec![
            ("m".to_string(), "h:1,h:2".to_string()),
            ("rs".to_string(), "h:2".to_string()),
        ];
        assert!(
            resolve(&pb, &bad, &Names::default())
                .unwrap_err()
                .0
                .contains("one node")
        );
        let extra = vec![("zz".to_string(), "1".to_string())];
        assert!(
            resolve(&pb, &extra, &Names::default())
                .unwrap_err()
                .0
                .contains("no such variable")
        );
    }
}
