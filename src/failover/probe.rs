//! Reads the executor needs around a run, and their pure interpretation: is a Sentinel
//! watching the master, the resync counters before and after, the clients still on the old
//! master, and the proof that the new master continues the old one's history.

use super::execute::{Nodes, value_text_full};
use crate::node::info::InfoDoc;
use crate::node::{Credentials, NodeAddr, NodeClient, Transport};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The channel every Sentinel publishes its hello on, through each monitored master.
pub const HELLO_CHANNEL: &str = "__sentinel__:hello";

/// Client names and flags from CLIENT LIST text: `(name, flags, id)` per line.
pub fn client_list(text: &str) -> Vec<BTreeMap<String, String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Whether CLIENT LIST shows a Sentinel (it names its connections `sentinel-<id>-cmd` and
/// `sentinel-<id>-pubsub`).
pub fn sentinel_in_client_list(text: &str) -> bool {
    client_list(text)
        .iter()
        .any(|c| c.get("name").is_some_and(|n| n.starts_with("sentinel-")))
}

/// Ordinary clients in CLIENT LIST: not replicas (`S`), not the master link (`M`), not
/// pub/sub-only Sentinel links, and not the connection with id `own_id` (ours).
pub fn ordinary_clients(text: &str, own_id: Option<i64>) -> usize {
    client_list(text)
        .iter()
        .filter(|c| {
            let flags = c.get("flags").map_or("", String::as_str);
            let id = c.get("id").and_then(|i| i.parse::<i64>().ok());
            !flags.contains('S')
                && !flags.contains('M')
                && !c.get("name").is_some_and(|n| n.starts_with("sentinel-"))
                && (own_id.is_none() || id != own_id)
        })
        .count()
}

/// Why we think a Sentinel watches a master, if we do.
pub async fn sentinel_evidence(
    nodes: &mut Nodes<'_>,
    master: &NodeAddr,
    listen: Duration,
) -> Option<String> {
    if let Ok(v) = nodes.send(master, &["CLIENT", "LIST"]).await
        && sentinel_in_client_list(&value_text_full(&v))
    {
        return Some(format!("{master} has clients named sentinel-…"));
    }
    if let Ok(redis::Value::Array(items)) = nodes
        .send(master, &["PUBSUB", "NUMSUB", HELLO_CHANNEL])
        .await
        && let Some(redis::Value::Int(n)) = items.get(1)
        && *n > 0
    {
        return Some(format!("{n} subscriber(s) to {HELLO_CHANNEL} on {master}"));
    }
    if listen.is_zero() {
        return None;
    }
    let creds = nodes.creds().clone();
    match hello_within(master, &creds, listen).await {
        Ok(true) => Some(format!("a message on {HELLO_CHANNEL} from {master}")),
        Ok(false) => None,
        Err(e) => {
            tracing::debug!("listening on {HELLO_CHANNEL}: {e}");
            None
        }
    }
}

/// Subscribe to the hello channel on `master` and wait at most `listen` for one message.
async fn hello_within(
    master: &NodeAddr,
    creds: &Credentials,
    listen: Duration,
) -> Result<bool, String> {
    use futures_util::StreamExt;
    let sock = Transport::Direct
        .endpoint(master, listen)
        .await
        .map_err(|e| e.to_string())?;

    let work = async {
        let deadline = tokio::time::Instant::now() + listen;
        let mut ps = crate::topology::sentinel::subscribe_hello(sock, creds, deadline).await?;
        let mut stream = ps.on_message();
        Ok::<bool, String>(stream.next().await.is_some())
    };
    match tokio::time::timeout(listen, work).await {
        Ok(r) => r,
        Err(_) => Ok(false),
    }
}

/// Resync counters of one node (INFO stats): they count syncs this node served as a master.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncStats {
    /// `sync_full`.
    pub sync_full: i64,
    /// `sync_partial_ok`.
    pub sync_partial_ok: i64,
    /// `sync_partial_err`.
    pub sync_partial_err: i64,
}

impl SyncStats {
    /// Parse from INFO stats text.
    pub fn parse(text: &str) -> SyncStats {
        let doc = InfoDoc::parse(text);
        let int = |k: &str| doc.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        SyncStats {
            sync_full: int("sync_full"),
            sync_partial_ok: int("sync_partial_ok"),
            sync_partial_err: int("sync_partial_err"),
        }
    }

    /// `after - self`.
    pub fn delta(&self, after: &SyncStats) -> SyncStats {
        SyncStats {
            sync_full: after.sync_full - self.sync_full,
            sync_partial_ok: after.sync_partial_ok - self.sync_partial_ok,
            sync_partial_err: after.sync_partial_err - self.sync_partial_err,
        }
    }
}

/// Read INFO stats from each node (unreadable nodes are left out).
pub async fn sync_stats(
    nodes: &mut Nodes<'_>,
    addrs: &[NodeAddr],
) -> BTreeMap<NodeAddr, SyncStats> {
    let mut out = BTreeMap::new();
    for a in addrs {
        if let Ok(t) = nodes.info_text(a, "stats").await {
            out.insert(a.clone(), SyncStats::parse(&t));
        }
    }
    out
}

/// Ordinary clients still connected to `node` (ours excluded).
pub async fn clients_left(nodes: &mut Nodes<'_>, node: &NodeAddr) -> Option<usize> {
    let own = match nodes.send(node, &["CLIENT", "ID"]).await {
        Ok(redis::Value::Int(i)) => Some(i),
        _ => None,
    };
    let v = nodes.send(node, &["CLIENT", "LIST"]).await.ok()?;
    Some(ordinary_clients(&value_text_full(&v), own))
}

/// Try to reach `node` `tries` times over `window`: true when it answered PING once.
pub async fn reachable_within(
    node: &NodeAddr,
    creds: &Credentials,
    timeout: Duration,
    tries: u32,
    window: Duration,
) -> bool {
    let gap = window / tries.max(1);
    for i in 0..tries.max(1) {
        if i > 0 {
            tokio::time::sleep(gap).await;
        }
        if let Ok(mut c) = NodeClient::open(
            &Transport::Direct,
            node,
            creds,
            timeout.min(gap.max(Duration::from_millis(200))),
        )
        .await
            && c.query::<redis::Value>(&redis::cmd("PING"), "PING")
                .await
                .is_ok()
        {
            return true;
        }
    }
    false
}

/// The replicas a master lists as `online` (`ip:port`), to tell later whether they all came
/// back (see [`missing_replicas`]).
pub fn online_replicas(info: &crate::node::ReplicationInfo) -> Vec<String> {
    info.replicas
        .iter()
        .filter(|r| r.state.as_deref() == Some("online"))
        .filter(|r| r.kind.as_deref().is_none_or(|k| k == "replica"))
        .filter_map(|r| r.port.map(|p| format!("{}:{p}", r.ip)))
        .collect()
}

/// Which of the replicas `before` (from [`online_replicas`]) the master does not list online
/// now. A master made master again after a demotion took a new replication id: a replica
/// that has not reconnected to it since still holds the old id, and once the master is
/// demoted again it can only sync in full from whichever node is promoted.
pub fn missing_replicas(before: &[String], now: &crate::node::ReplicationInfo) -> Vec<String> {
    let now = online_replicas(now);
    before
        .iter()
        .filter(|r| !now.contains(r))
        .cloned()
        .collect()
}

/// Whether a replica at `offset` must full-resync from a master whose backlog is `backlog`
/// (`(repl_backlog_first_byte_offset, repl_backlog_histlen)`, None when inactive): the PSYNC
/// asks for `offset + 1`, which Redis serves partially only from inside the backlog
/// (replication.c, `masterTryPartialResynchronization`).
pub fn needs_full_resync(offset: i64, backlog: Option<(i64, i64)>) -> bool {
    let Some((first, histlen)) = backlog else {
        return true;
    };
    let want = offset + 1;
    want < first || want > first + histlen
}

/// Whether the new master continues the old master's history at its final offset: its
/// replid2 is the old replid and its second_repl_offset is the old final offset + 1.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryProof {
    /// The new master.
    pub new_master: NodeAddr,
    /// Its replid now.
    pub replid: Option<String>,
    /// Its replid2 (should be the old master's replid).
    pub replid2: Option<String>,
    /// Its second_repl_offset (should be the old final offset + 1).
    pub second_repl_offset: Option<i64>,
    /// The old master's replid.
    pub old_replid: Option<String>,
    /// The old master's final offset.
    pub old_final_offset: Option<i64>,
    /// True when both match.
    pub continues: bool,
    /// False on PSYNC1-era servers (2.8, 3.x): they have no replid, so there is no history to
    /// prove; a promoted one cannot serve its siblings a partial resync and full resyncs are
    /// expected.
    pub available: bool,
}

/// Whether a replica shares its master's history as far as the version can tell: the same
/// replid, or (PSYNC1-era servers, where no replid exists) neither reports one.
pub fn same_history(
    master: &crate::node::ReplicationInfo,
    replica: &crate::node::ReplicationInfo,
) -> bool {
    match (&master.master_replid, &replica.master_replid) {
        (Some(m), Some(r)) => m == r,
        (None, None) => master.psync1() && replica.psync1(),
        _ => false,
    }
}

/// Judge the proof from the new master's INFO (pure).
pub fn history_proof(
    new_master: &NodeAddr,
    info: &crate::node::ReplicationInfo,
    old_replid: Option<&str>,
    old_final_offset: Option<i64>,
) -> HistoryProof {
    let replid2 = info
        .master_replid2
        .clone()
        .filter(|r| r.bytes().any(|b| b != b'0'));
    let available = !info.psync1();
    let continues = available
        && old_replid.is_some()
        && replid2.as_deref() == old_replid
        && match old_final_offset {
            Some(o) => info.second_repl_offset == Some(o + 1),
            None => info.second_repl_offset.is_some(),
        };
    HistoryProof {
        new_master: new_master.clone(),
        replid: info.master_replid.clone(),
        replid2,
        second_repl_offset: info.second_repl_offset,
        old_replid: old_replid.map(str::to_string),
        old_final_offset,
        continues,
        available,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_missing_after_a_role_change() {
        let info = |text: &str| crate::node::ReplicationInfo::parse(text);
        let before = online_replicas(&info(
            "role:master\r\nconnected_slaves:3\r\n\
             slave0:ip=127.0.0.1,port=7001,state=online,offset=10,lag=0\r\n\
             slave1:ip=127.0.0.1,port=7002,state=online,offset=10,lag=0\r\n\
             slave2:ip=127.0.0.1,port=7003,state=wait_bgsave,offset=0,lag=0\r\n",
        ));
        assert_eq!(before, ["127.0.0.1:7001", "127.0.0.1:7002"]);
        // One back, one still syncing, and one that was not online before is not waited for.
        let now = info(
            "role:master\r\nconnected_slaves:2\r\n\
             slave0:ip=127.0.0.1,port=7002,state=online,offset=12,lag=0\r\n\
             slave1:ip=127.0.0.1,port=7001,state=send_bulk,offset=0,lag=0\r\n",
        );
        assert_eq!(missing_replicas(&before, &now), ["127.0.0.1:7001"]);
        let all = info(
            "role:master\r\nconnected_slaves:2\r\n\
             slave0:ip=127.0.0.1,port=7002,state=online,offset=12,lag=0\r\n\
             slave1:ip=127.0.0.1,port=7001,state=online,offset=12,lag=0\r\n",
        );
        assert!(missing_replicas(&before, &all).is_empty());
        // Valkey 8's rdb-channel connection is not a replica of its own.
        let valkey = info(
            "role:master\r\nconnected_slaves:1\r\n\
             slave0:ip=127.0.0.1,port=7001,state=online,offset=12,lag=0,type=rdb-channel\r\n",
        );
        assert!(online_replicas(&valkey).is_empty());
    }

    #[test]
    fn full_resync_needed_only_outside_the_backlog() {
        // A backlog holding bytes 1001..=2000 (first byte 1001, 1000 bytes).
        let b = Some((1001, 1000));
        assert!(!needs_full_resync(1000, b), "asks for 1001, the first byte");
        assert!(
            !needs_full_resync(2000, b),
            "asks for 2001, just past: nothing to send"
        );
        assert!(needs_full_resync(999, b), "1000 left the backlog");
        assert!(needs_full_resync(2001, b), "ahead of the master");
        assert!(needs_full_resync(1500, None), "no backlog");
    }

    const LIST: &str = "id=3 addr=127.0.0.1:50 laddr=127.0.0.1:6379 fd=8 name=sentinel-1a2b3c4d-cmd age=3 idle=0 flags=N db=0\n\
id=4 addr=127.0.0.1:51 fd=9 name= age=3 idle=0 flags=S db=0\n\
id=5 addr=127.0.0.1:52 fd=10 name= age=3 idle=0 flags=N db=0\n\
id=6 addr=127.0.0.1:53 fd=11 name=app age=3 idle=0 flags=N db=0\n";

    #[test]
    fn sentinel_and_ordinary_clients_are_told_apart() {
        assert!(sentinel_in_client_list(LIST));
        assert!(!sentinel_in_client_list(
            "id=5 addr=127.0.0.1:52 fd=10 name=app flags=N db=0\n"
        ));
        // 5 is us, 4 a replica, 3 a sentinel: only 6 is left.
        assert_eq!(ordinary_clients(LIST, Some(5)), 1);
        assert_eq!(ordinary_clients(LIST, None), 2);
        assert_eq!(ordinary_clients("", None), 0);
    }

    #[test]
    fn sync_stats_deltas() {
        let a = SyncStats::parse(
            "# Stats\r\nsync_full:1\r\nsync_partial_ok:2\r\nsync_partial_err:0\r\n",
        );
        let b = SyncStats::parse("sync_full:1\nsync_partial_ok:4\nsync_partial_err:1\n");
        assert_eq!(
            a.delta(&b),
            SyncStats {
                sync_full: 0,
                sync_partial_ok: 2,
                sync_partial_err: 1
            }
        );
    }

    #[test]
    fn history_proof_needs_replid2_and_next_offset() {
        let a = NodeAddr::new("127.0.0.1", 1);
        let mut info = crate::node::ReplicationInfo {
            master_replid: Some("b".repeat(40)),
            master_replid2: Some("a".repeat(40)),
            second_repl_offset: Some(101),
            ..Default::default()
        };
        let old = "a".repeat(40);
        assert!(history_proof(&a, &info, Some(&old), Some(100)).continues);
        assert!(!history_proof(&a, &info, Some(&old), Some(114)).continues);
        assert!(!history_proof(&a, &info, Some(&"c".repeat(40)), Some(100)).continues);
        info.master_replid2 = Some("0".repeat(40));
        let p = history_proof(&a, &info, Some(&old), Some(100));
        assert!(!p.continues);
        assert_eq!(p.replid2, None);
    }
}
