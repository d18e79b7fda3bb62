//! The master's answer to `PSYNC <replid> <offset>`: continue from the backlog or resync in
//! full. A pure function of the master's replication state, following Redis's
//! `masterTryPartialResynchronization`: the requested history must be ours (our current ID, or
//! our previous ID up to the point where we switched), and the bytes after the offset must still
//! be in the backlog.

use super::{Backlog, ReplId, ReplOffset};

/// The master's replication identity at the moment of the request.
#[derive(Debug, Clone)]
pub struct MasterHistory<'a> {
    /// Current replication ID.
    pub replid: &'a ReplId,
    /// Previous replication ID (zero when none).
    pub replid2: &'a ReplId,
    /// The first offset that is NOT part of `replid2`'s history (Redis's
    /// `second_replid_offset`), or `None` when there is no previous history.
    pub second_offset: Option<u64>,
}

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsyncDecision {
    /// `+CONTINUE <replid>`: stream from this offset (the replica has every byte before it).
    Continue(ReplOffset),
    /// `+FULLRESYNC <replid> <offset>`, with the reason we could not continue (for the log).
    Full(&'static str),
}

/// Decide for a request `PSYNC requested_id requested_offset` (`?`/-1 for a fresh replica).
/// `requested_offset` is the offset of the first byte the replica wants (its own offset + 1),
/// as the command carries it.
pub fn decide(
    hist: &MasterHistory<'_>,
    backlog: Option<&Backlog>,
    requested_id: &str,
    requested_offset: i64,
) -> PsyncDecision {
    if requested_id == "?" {
        return PsyncDecision::Full("replica asked for a full resync");
    }
    let Ok(first_wanted) = u64::try_from(requested_offset) else {
        return PsyncDecision::Full("invalid offset");
    };
    let have = ReplOffset(first_wanted.saturating_sub(1));
    let ours = requested_id.eq_ignore_ascii_case(hist.replid.as_str());
    let previous = !hist.replid2.is_zero()
        && requested_id.eq_ignore_ascii_case(hist.replid2.as_str())
        && hist.second_offset.is_some_and(|s| first_wanted <= s);
    if !ours && !previous {
        return PsyncDecision::Full("replication id mismatch");
    }
    match backlog {
        Some(b) if first_wanted >= 1 && b.covers(have) => PsyncDecision::Continue(have),
        Some(_) => PsyncDecision::Full("offset not in the backlog"),
        None => PsyncDecision::Full("no backlog"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backlog(first: u64, end: u64) -> Backlog {
        let mut b = Backlog::new((end - first + 1) as usize, ReplOffset(first - 1));
        b.append(&vec![b'x'; (end - first + 1) as usize]);
        b
    }

    #[test]
    fn table() {
        let a = ReplId::parse(&"a".repeat(40)).unwrap();
        let b = ReplId::parse(&"b".repeat(40)).unwrap();
        let z = ReplId::zero();
        let fresh = MasterHistory {
            replid: &a,
            replid2: &z,
            second_offset: None,
        };
        let promoted = MasterHistory {
            replid: &a,
            replid2: &b,
            second_offset: Some(501),
        };
        let bl = backlog(101, 1000);
        let cases: &[(&MasterHistory<'_>, &str, i64, PsyncDecision)] = &[
            (
                &fresh,
                "?",
                -1,
                PsyncDecision::Full("replica asked for a full resync"),
            ),
            (
                &fresh,
                a.as_str(),
                1001,
                PsyncDecision::Continue(ReplOffset(1000)),
            ),
            (
                &fresh,
                a.as_str(),
                101,
                PsyncDecision::Continue(ReplOffset(100)),
            ),
            (
                &fresh,
                a.as_str(),
                100,
                PsyncDecision::Full("offset not in the backlog"),
            ),
            (
                &fresh,
                a.as_str(),
                1002,
                PsyncDecision::Full("offset not in the backlog"),
            ),
            (
                &fresh,
                b.as_str(),
                500,
                PsyncDecision::Full("replication id mismatch"),
            ),
            // The old master's ID is accepted up to the switch point, not past it.
            (
                &promoted,
                b.as_str(),
                501,
                PsyncDecision::Continue(ReplOffset(500)),
            ),
            (
                &promoted,
                b.as_str(),
                502,
                PsyncDecision::Full("replication id mismatch"),
            ),
            (
                &promoted,
                &"B".repeat(40),
                400,
                PsyncDecision::Continue(ReplOffset(399)),
            ),
        ];
        for (hist, id, off, want) in cases {
            assert_eq!(&decide(hist, Some(&bl), id, *off), want, "PSYNC {id} {off}");
        }
        assert_eq!(
            decide(&fresh, None, a.as_str(), 500),
            PsyncDecision::Full("no backlog")
        );
    }
}
