//! The playbook file format, as serde types that keep every value's position in the file.
//!
//! A playbook is TOML: `name`, `description`, `[[vars]]` (name, type, description, default,
//! required) and ordered `[[steps]]`, each with a `kind` and the fields that kind takes. Every
//! table denies unknown fields, so a typo is an error with its `FILE:LINE:COL`, never a field
//! silently ignored. Step fields are kept as spanned TOML values here; which fields a kind
//! takes, and their types, are checked in [`super::check`], so the errors point at the value.

use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// Largest playbook file we read.
pub const MAX_PLAYBOOK_BYTES: u64 = 1 << 20;
/// Most steps in one playbook (after `each` expansion too).
pub const MAX_STEPS: usize = 1000;
/// Most variables one playbook declares.
pub const MAX_VARS: usize = 100;

/// A parsed playbook, positions kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// Short name (the shipped ones match their file name).
    pub name: Spanned<String>,
    /// What it does, for `rkv playbook list`.
    pub description: Spanned<String>,
    /// The variables it takes.
    #[serde(default)]
    pub vars: Vec<Spanned<VarDecl>>,
    /// The steps, in order.
    #[serde(default)]
    pub steps: Vec<Spanned<RawStep>>,
}

/// The type of a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VarType {
    /// One node: an inventory name or an address.
    Node,
    /// Several nodes, comma-separated.
    Nodes,
    /// Free text.
    String,
    /// A non-negative integer.
    Int,
    /// A duration such as `30s`, `500ms`.
    Duration,
}

impl VarType {
    /// The name used in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            VarType::Node => "node",
            VarType::Nodes => "nodes",
            VarType::String => "string",
            VarType::Int => "int",
            VarType::Duration => "duration",
        }
    }
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[vars]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarDecl {
    /// Its name, referenced as `${name}`.
    pub name: Spanned<String>,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: Spanned<VarType>,
    /// What it is, for the operator.
    #[serde(default)]
    pub description: Option<String>,
    /// Its value when `--var` gives none.
    #[serde(default)]
    pub default: Option<Spanned<toml::Value>>,
    /// Whether `--var` must give it (default: true unless there is a default).
    #[serde(default)]
    pub required: Option<Spanned<bool>>,
}

/// One `[[steps]]` entry as written: the kind and every field any kind takes. Which fields a
/// kind accepts is checked in [`super::check::schema`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// What the step does.
    pub kind: Spanned<String>,
    /// A title for the plan (default: made from the kind and its arguments).
    pub title: Option<Spanned<String>>,
    /// Repeat the step for each node of this list, with `${each}` bound to the node.
    pub each: Option<Spanned<toml::Value>>,
    /// The node acted on.
    pub node: Option<Spanned<toml::Value>>,
    /// Several nodes (seeds for verify/failover, nodes to check).
    pub nodes: Option<Spanned<toml::Value>>,
    /// The replica (replicate, promote).
    pub replica: Option<Spanned<toml::Value>>,
    /// The target (replicate: the master; failover: the candidate).
    pub to: Option<Spanned<toml::Value>>,
    /// The master a node must follow (assert, persist-role, fence).
    pub master: Option<Spanned<toml::Value>>,
    /// A configuration parameter (config-set).
    pub parameter: Option<Spanned<toml::Value>>,
    /// Its value (config-set).
    pub value: Option<Spanned<toml::Value>>,
    /// Also write the change to the node's config file (config-set).
    pub persist: Option<Spanned<toml::Value>>,
    /// The role a node must have (assert): `master` or `replica`.
    pub role: Option<Spanned<toml::Value>>,
    /// Most bytes a replica may be behind.
    pub max_lag_bytes: Option<Spanned<toml::Value>>,
    /// How long to wait.
    pub timeout: Option<Spanned<toml::Value>>,
    /// Longest write pause (failover).
    pub max_write_pause: Option<Spanned<toml::Value>>,
    /// Promote although the master is alive (promote).
    pub force: Option<Spanned<toml::Value>>,
    /// What to tell the operator (confirm).
    pub message: Option<Spanned<toml::Value>>,
}

impl RawStep {
    /// Every field that is set, by its name in the file (kind and title excluded).
    pub fn fields(&self) -> Vec<(&'static str, &Spanned<toml::Value>)> {
        let all: [(&'static str, &Option<Spanned<toml::Value>>); 15] = [
            ("each", &self.each),
            ("node", &self.node),
            ("nodes", &self.nodes),
            ("replica", &self.replica),
            ("to", &self.to),
            ("master", &self.master),
            ("parameter", &self.parameter),
            ("value", &self.value),
            ("persist", &self.persist),
            ("role", &self.role),
            ("max_lag_bytes", &self.max_lag_bytes),
            ("timeout", &self.timeout),
            ("max_write_pause", &self.max_write_pause),
            ("force", &self.force),
            ("message", &self.message),
        ];
        all.into_iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| (n, v)))
            .collect()
    }

    /// The field named `name`, if set.
    pub fn field(&self, name: &str) -> Option<&Spanned<toml::Value>> {
        self.fields()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// A problem found in a playbook, at a byte offset of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte offset in the file.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// A problem located for the operator: `FILE:LINE:COL: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct Located {
    /// The file as named on the command line (or `playbooks/NAME.toml`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Locate a diagnostic in `text`.
pub fn locate(file: &str, text: &str, d: &Diagnostic) -> Located {
    let (line, col) = line_col(text, d.offset);
    Located {
        file: file.to_string(),
        line,
        col,
        message: d.message.clone(),
    }
}

/// Parse playbook text; a syntax or schema error comes back at its position.
pub fn parse(text: &str) -> Result<Playbook, Diagnostic> {
    toml::from_str::<Playbook>(text).map_err(|e| Diagnostic {
        offset: e.span().map_or(0, |s| s.start),
        message: e.message().trim().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é\nx", 1), (1, 1));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn unknown_field_is_located() {
        let text =
            "name = \"x\"\ndescription = \"d\"\n[[steps]]\nkind = \"verify\"\nnodez = \"a\"\n";
        let d = parse(text).unwrap_err();
        assert_eq!(line_col(text, d.offset), (5, 1));
        assert!(d.message.contains("unknown field `nodez`"), "{}", d.message);
    }

    #[test]
    fn spans_of_values() {
        let text = "name = \"x\"\ndescription = \"d\"\n[[vars]]\nname = \"m\"\ntype = \"node\"\n[[steps]]\nkind = \"verify\"\nnodes = \"${m}\"\n";
        let p = parse(text).unwrap();
        assert_eq!(p.vars[0].get_ref().ty.get_ref(), &VarType::Node);
        let f = p.steps[0].get_ref().field("nodes").unwrap();
        assert_eq!(line_col(text, f.span().start), (8, 9));
    }
}
