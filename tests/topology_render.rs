//! Snapshot tests (insta) of the human table, TSV and JSON for a hand-built topology: two groups,
//! a chained replica, a lagging replica, an unreachable listed replica and a down link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rkv::cli::OutputFormat;
use rkv::commands::topology::render;
use rkv::node::{ListedReplica, NodeAddr, Role};
use rkv::render::table::Style;
use rkv::topology::model::{Found, Link, ListedLink, NodeState, Snapshot};

fn addr(port: u16) -> NodeAddr {
    NodeAddr::new("10.0.0.1", port)
}

fn listed(port: u16, state: &str, offset: i64, lag: i64) -> ListedLink {
    ListedLink {
        addr: addr(port),
        entry: ListedReplica {
            index: 0,
            ip: "10.0.0.1".into(),
            port: Some(port),
            state: Some(state.into()),
            offset: Some(offset),
            lag: Some(lag),
            kind: None,
        },
    }
}

fn node(port: u16, role: Role, master: Option<u16>, offset: i64) -> NodeState {
    let mut n = NodeState::new(addr(port));
    n.role = role;
    n.master = master.map(addr);
    n.link = master.map(|_| Link::Up);
    n.offset = Some(offset);
    n.replid = Some("8f14e45fceea167a5a36dedd4bea2543f7b2a1c9".into());
    n.priority = (role == Role::Replica).then_some(100);
    n.read_only = Some(role == Role::Replica);
    n.version = Some("7.0.15".into());
    n.found = Found {
        seed: port == 6379,
        listed: role == Role::Replica,
        named_master: false,
    };
    n
}

fn sample() -> Snapshot {
    let mut m = node(6379, Role::Master, None, 5000);
    m.name = Some("main".into());
    m.listed = vec![
        listed(6380, "online", 5000, 0),
        listed(6381, "online", 4200, 3),
        listed(6383, "online", 5000, 0),
    ];
    let mut r1 = node(6380, Role::Replica, Some(6379), 5000);
    r1.listed = vec![listed(6382, "online", 5000, 1)];
    let mut r2 = node(6381, Role::Replica, Some(6379), 4200);
    r2.priority = Some(0);
    let mut r3 = node(6382, Role::Replica, Some(6380), 5000);
    r3.link = Some(Link::Down);
    r3.link_down_since = Some(12);
    let mut gone = NodeState::new(addr(6383));
    gone.error = Some("timed out after 500ms (connecting)".into());
    gone.found.listed = true;
    let mut other = node(7000, Role::Master, None, 10);
    other.replid = Some("0000aaaa11112222333344445555666677778888".into());
    other.found.seed = true;
    Snapshot {
        nodes: vec![r3, gone, r2, m, other, r1],
        single_group_expected: false,
    }
}

const PLAIN: Style = Style {
    color: false,
    width: Some(160),
};

#[test]
fn table() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Table, PLAIN).unwrap());
}

#[test]
fn json() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Json, PLAIN).unwrap());
}

#[test]
fn tsv() {
    insta::assert_snapshot!(render(&sample(), OutputFormat::Tsv, PLAIN).unwrap());
}

#[test]
fn colour_only_when_asked() {
    let plain = render(&sample(), OutputFormat::Table, PLAIN).unwrap();
    assert!(!plain.contains('\u{1b}'));
    let coloured = render(
        &sample(),
        OutputFormat::Table,
        Style {
            color: true,
            width: Some(160),
        },
    )
    .unwrap();
    assert!(coloured.contains('\u{1b}'));
}
