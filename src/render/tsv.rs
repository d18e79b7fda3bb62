//! Tab-separated rows for `cut` and `awk`: a header row, then one row per record. Absent values
//! are empty fields; tabs and newlines inside values become spaces so a row stays one line.

use crate::topology::NodeJson;

/// A TSV field: empty for none, control characters replaced.
pub fn field(v: Option<impl ToString>) -> String {
    v.map(|v| {
        v.to_string()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    })
    .unwrap_or_default()
}

/// Rows to TSV text (each row joined by tabs, ending in a newline).
pub fn rows(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = header.join("\t");
    s.push('\n');
    for r in rows {
        s.push_str(&r.join("\t"));
        s.push('\n');
    }
    s
}

/// The node columns, in header order.
pub const NODE_HEADER: &[&str] = &[
    "addr",
    "name",
    "reachable",
    "role",
    "master",
    "link",
    "offset",
    "lag_bytes",
    "lag_seconds",
    "priority",
    "read_only",
    "replid",
    "replid2",
    "version",
    "replicas",
    "error",
    "diverged_bytes",
    "diverged_commands",
    "min_replicas_to_write",
];

/// One node as a TSV row.
pub fn node_row(n: &NodeJson) -> Vec<String> {
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
    vec![
        field(Some(addr)),
        field(name.as_ref()),
        field(Some(reachable)),
        field(Some(role.as_str())),
        field(master.as_ref()),
        field(link.map(|l| l.as_str())),
        field(*offset),
        field(*lag_bytes),
        field(*lag_seconds),
        field(*priority),
        field(*read_only),
        field(replid.as_ref()),
        field(replid2.as_ref()),
        field(version.as_ref()),
        field(Some(replicas.join(","))),
        field(error.as_ref()),
        field(*diverged_bytes),
        field(*diverged_commands),
        field(*min_replicas_to_write),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_one_line() {
        assert_eq!(field(Some("a\tb\nc")), "a b c");
        assert_eq!(field(None::<String>), "");
        assert_eq!(
            rows(&["a", "b"], &[vec!["1".into(), "".into()]]),
            "a\tb\n1\t\n"
        );
    }
}
