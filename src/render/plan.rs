//! Human views of a failover: the candidate ranking (with the reason for every rejected
//! replica), the numbered plan with the check after each step, and the report afterwards.

use super::table::Style;
use crate::failover::plan::{Candidate, Kind, Plan};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The ranking, best first: a table with one row per replica considered.
pub fn ranking(
    cands: &[Candidate],
    chosen: Option<&crate::node::NodeAddr>,
    style: Style,
) -> String {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    t.set_content_arrangement(ContentArrangement::Disabled);
    if style.color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(vec!["#", "REPLICA", "OFFSET", "PRIORITY", "LAG", "VERDICT"]);
    for (i, c) in cands.iter().enumerate() {
        let Candidate {
            addr,
            offset,
            priority,
            lag_bytes,
            rejected,
        } = c;
        let verdict = if rejected.is_empty() {
            if chosen == Some(addr) {
                "chosen".to_string()
            } else {
                "eligible".to_string()
            }
        } else {
            format!("rejected: {}", rejected.join("; "))
        };
        let color = if rejected.is_empty() {
            Color::Green
        } else {
            Color::Red
        };
        let v = Cell::new(verdict);
        let v = if style.color { v.fg(color) } else { v };
        t.add_row(vec![
            Cell::new(i + 1),
            Cell::new(addr),
            Cell::new(opt(*offset)),
            Cell::new(opt(*priority)),
            Cell::new(opt(*lag_bytes)),
            v,
        ]);
    }
    let mut s = t.to_string();
    s.push('\n');
    s
}

/// The plan: a title, the numbered steps each with its check, and the warnings.
pub fn plan(p: &Plan) -> String {
    let kind = match p.kind {
        Kind::Switchover => "planned switchover",
        Kind::Failover => "UNPLANNED failover (the master is unreachable)",
        Kind::Resume => "resume an interrupted failover",
    };
    let mut s = format!("Plan: {kind}: {} → {}\n", p.old_master, p.candidate);
    for (i, step) in p.steps.iter().enumerate() {
        let mark = if step.is_point_of_no_return() {
            "   (point of no return)"
        } else {
            ""
        };
        s.push_str(&format!("  {:>2}. {}{mark}\n", i + 1, step.describe()));
        s.push_str(&format!("      check: {}\n", step.check()));
    }
    for w in &p.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failover::plan::Step;
    use crate::node::NodeAddr;

    #[test]
    fn plan_and_ranking_render_every_step_check_and_reason() {
        let a = |p| NodeAddr::new("127.0.0.1", p);
        let p = Plan {
            kind: Kind::Switchover,
            old_master: a(1),
            candidate: a(2),
            ranking: vec![
                Candidate {
                    addr: a(2),
                    offset: Some(10),
                    priority: Some(100),
                    lag_bytes: Some(0),
                    rejected: vec![],
                },
                Candidate {
                    addr: a(3),
                    offset: Some(10),
                    priority: Some(0),
                    lag_bytes: Some(0),
                    rejected: vec!["replica-priority is 0 (never promote)".into()],
                },
            ],
            steps: vec![Step::Promote { node: a(2) }],
            warnings: vec!["careful".into()],
            full_resync_expected: Vec::new(),
        };
        let text = plan(&p);
        assert!(
            text.contains("1. promote 127.0.0.1:2 (REPLICAOF NO ONE)   (point of no return)"),
            "{text}"
        );
        assert!(
            text.contains("check: 127.0.0.1:2 reports role master"),
            "{text}"
        );
        assert!(text.contains("warning: careful"));
        let style = Style {
            color: false,
            width: None,
        };
        let r = ranking(&p.ranking, Some(&a(2)), style);
        assert!(r.contains("chosen"), "{r}");
        assert!(r.contains("rejected: replica-priority is 0"), "{r}");
    }
}
