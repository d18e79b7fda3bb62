//! The INFO parser against text from every Redis generation (see tests/fixtures/info/README.md
//! for where each file came from), and against a live redis-server's ROLE reply.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rkv::node::Role;
use rkv::node::info::{ReplicationInfo, RoleReply, parse_role};

fn fixture(name: &str) -> ReplicationInfo {
    let path = format!("{}/tests/fixtures/info/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    ReplicationInfo::parse(&text)
}

#[test]
fn redis_2_6_positional_slaves() {
    let r = fixture("redis-2.6.17-master.source.txt");
    assert_eq!(r.role, Role::Master);
    assert_eq!(r.redis_version.as_deref(), Some("2.6.17"));
    assert_eq!(r.connected_slaves, Some(2));
    assert_eq!(r.replicas.len(), 2);
    assert_eq!(r.replicas[1].ip, "10.0.0.3");
    assert_eq!(r.replicas[1].port, Some(6380));
    assert_eq!(r.replicas[1].state.as_deref(), Some("send_bulk"));
    assert_eq!(r.replicas[1].offset, None);
    assert_eq!(r.master_repl_offset, None);
    assert_eq!(r.replid(), None);
}

#[test]
fn redis_2_8_syncing_replica() {
    let r = fixture("redis-2.8.24-replica-syncing.source.txt");
    assert_eq!(r.role, Role::Replica);
    assert_eq!(r.master_host.as_deref(), Some("10.0.0.1"));
    assert_eq!(r.master_port, Some(6379));
    assert_eq!(r.master_link_up, Some(false));
    assert_eq!(r.master_last_io_seconds_ago, None, "-1 means never");
    assert_eq!(r.master_sync_in_progress, Some(true));
    assert_eq!(r.master_sync_left_bytes, Some(18234));
    // Seconds since 1970: this link never came up (<= 6.0 count from 0), shown as "never up".
    assert_eq!(r.master_link_down_since_seconds, None);
    assert!(r.master_link_never_up);
    assert_eq!(r.slave_repl_offset, Some(1));
    assert_eq!(r.offset(), Some(1));
    assert_eq!(r.priority, Some(100));
    assert_eq!(r.read_only, Some(true));
    assert_eq!(r.repl_backlog_active, Some(false));
}

#[test]
fn redis_3_2_master_with_min_slaves() {
    let r = fixture("redis-3.2.13-master.source.txt");
    assert_eq!(r.replicas.len(), 2);
    assert_eq!(r.replicas[0].offset, Some(9871));
    assert_eq!(r.replicas[1].state.as_deref(), Some("wait_bgsave"));
    assert_eq!(r.replicas[1].lag, Some(12));
    assert_eq!(r.offset(), Some(9871));
    assert_eq!(r.repl_backlog_histlen, Some(9870));
}

#[test]
fn redis_4_0_replids_after_failover() {
    let r = fixture("redis-4.0.14-replica-after-failover.source.txt");
    assert_eq!(r.replid(), Some("b1a3c5e7f90214365870a9cbed0f1e2d3c4b5a69"));
    assert_eq!(
        r.replid2(),
        Some("37d3a6a1e9e6fb2c9b1ef0e7b5d1a3f4c2e1d0b9")
    );
    assert_eq!(r.second_repl_offset, Some(50001));
    assert_eq!(r.priority, Some(0));
    assert_eq!(r.master_link_up, Some(true));
    assert_eq!(r.master_last_io_seconds_ago, Some(3));
}

#[test]
fn redis_5_0_ipv6_replica() {
    let r = fixture("redis-5.0.14-master.source.txt");
    assert_eq!(r.replicas[0].ip, "fe80::1");
    assert_eq!(r.replid2(), None, "all zeros means none");
    assert_eq!(r.second_repl_offset, None);
}

#[test]
fn redis_6_0_3_meaningful_offset() {
    let r = fixture("redis-6.0.3-master.source.txt");
    assert_eq!(r.master_repl_meaningful_offset, Some(700));
    assert_eq!(r.master_repl_offset, Some(714));
}

#[test]
fn redis_6_2_diskless_sync_progress() {
    let r = fixture("redis-6.2.14-replica-diskless-sync.source.txt");
    assert_eq!(r.master_sync_total_bytes, Some(-1));
    assert_eq!(r.master_sync_read_bytes, Some(4096));
    assert_eq!(r.master_sync_perc.as_deref(), Some("-0.00"));
    assert_eq!(r.slave_read_repl_offset, Some(1));
    assert_eq!(r.replica_announced, Some(true));
    assert_eq!(r.master_failover_state.as_deref(), Some("no-failover"));
    assert_eq!(r.master_link_down_since_seconds, None);
}

#[test]
fn redis_7_0_live_master_and_replica() {
    let m = fixture("redis-7.0.15-master.live.txt");
    let r = fixture("redis-7.0.15-replica.live.txt");
    assert_eq!(m.role, Role::Master);
    assert_eq!(m.version().as_deref(), Some("7.0.15"));
    assert_eq!(m.replicas.len(), 1);
    assert_eq!(m.replicas[0].state.as_deref(), Some("online"));
    assert_eq!(r.role, Role::Replica);
    assert_eq!(r.master_link_up, Some(true));
    assert_eq!(r.replid(), m.replid());
    assert_eq!(r.offset(), m.offset());
    assert!(m.run_id.is_some() && r.run_id.is_some() && m.run_id != r.run_id);
}

#[test]
fn valkey_8_type_and_bg_transfer() {
    let r = fixture("valkey-8.0.1-master.source.txt");
    assert_eq!(r.version().as_deref(), Some("valkey 8.0.1"));
    assert_eq!(r.server_name.as_deref(), Some("valkey"));
    assert_eq!(r.replicas.len(), 3);
    assert_eq!(r.replicas[0].kind.as_deref(), Some("replica"));
    assert_eq!(r.replicas[1].kind.as_deref(), Some("rdb-channel"));
    assert_eq!(r.replicas[2].state.as_deref(), Some("bg_transfer"));
}

#[test]
fn role_reply_from_live_servers() {
    let m = common::redis_server(&["--repl-diskless-sync-delay", "0"]);
    let target = format!("127.0.0.1 {}", m.port);
    let r = common::redis_server(&["--replicaof", target.as_str()]);
    common::wait_until(
        std::time::Duration::from_secs(15),
        "replica online in ROLE",
        || {
            let v: redis::Value = redis::cmd("ROLE").query(&mut m.client()).unwrap();
            matches!(parse_role(&v), Ok(RoleReply::Master { replicas, .. }) if replicas.len() == 1)
        },
    );
    let v: redis::Value = redis::cmd("ROLE").query(&mut m.client()).unwrap();
    let RoleReply::Master { replicas, .. } = parse_role(&v).unwrap() else {
        panic!("master ROLE: {v:?}");
    };
    assert_eq!(replicas[0].0, "127.0.0.1");
    assert_eq!(replicas[0].1, r.port);
    let v: redis::Value = redis::cmd("ROLE").query(&mut r.client()).unwrap();
    match parse_role(&v).unwrap() {
        RoleReply::Replica { host, port, .. } => {
            assert_eq!(host, "127.0.0.1");
            assert_eq!(port, m.port);
        }
        other => panic!("replica ROLE: {other:?}"),
    }
}
