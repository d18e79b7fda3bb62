//! The values a key can hold. Shared by the command layer, the RDB reader/writer and AOF.

use bytes::Bytes;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

/// A value stored under a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (also integers, stored as their decimal text as Redis does on the wire).
    Str(Bytes),
    /// A list, head at the front.
    List(VecDeque<Bytes>),
    /// A hash of field → value.
    Hash(HashMap<Bytes, Bytes>),
    /// A set of members.
    Set(HashSet<Bytes>),
    /// A sorted set.
    ZSet(ZSet),
    /// A stream (boxed: it is much larger than the other variants).
    Stream(Box<super::stream::Stream>),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }
}

/// A score with a total order, so it can key a `BTreeSet`. Scores are never NaN (the command
/// layer refuses NaN as Redis does), so `total_cmp` agrees with numeric order except that it
/// orders -0.0 before 0.0, which only affects ties that Redis breaks by member anyway.
#[derive(Debug, Clone, Copy)]
pub struct Score(pub f64);

impl PartialEq for Score {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        // Treat -0.0 and 0.0 as equal, like Redis's double comparison.
        if self.0 == other.0 {
            Ordering::Equal
        } else {
            self.0.total_cmp(&other.0)
        }
    }
}

/// A sorted set: members ordered by (score, member), with O(1) score lookup.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZSet {
    scores: HashMap<Bytes, f64>,
    order: BTreeSet<(Score, Bytes)>,
}

impl ZSet {
    /// An empty sorted set.
    pub fn new() -> ZSet {
        ZSet::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The member's score, if present.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Insert or update a member; returns true when the member is new.
    pub fn insert(&mut self, member: Bytes, score: f64) -> bool {
        match self.scores.insert(member.clone(), score) {
            Some(old) => {
                if Score(old) != Score(score) || old.to_bits() != score.to_bits() {
                    self.order.remove(&(Score(old), member.clone()));
                    self.order.insert((Score(score), member));
                }
                false
            }
            None => {
                self.order.insert((Score(score), member));
                true
            }
        }
    }

    /// Remove a member; returns true when it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.scores.remove_entry(member) {
            Some((m, s)) => {
                self.order.remove(&(Score(s), m));
                true
            }
            None => false,
        }
    }

    /// Members in ascending (score, member) order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Bytes, f64)> {
        self.order.iter().map(|(s, m)| (m, s.0))
    }

    /// The 0-based rank of a member in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let s = self.score(member)?;
        let m = Bytes::copy_from_slice(member);
        Some(self.order.range(..(Score(s), m)).count())
    }

    /// Members whose score lies within the bounds, in ascending order (reverse it for
    /// descending). Uses the ordered index, so the cost is O(log N + M).
    pub fn range_by_score(
        &self,
        min: std::ops::Bound<f64>,
        max: std::ops::Bound<f64>,
    ) -> impl DoubleEndedIterator<Item = (&Bytes, f64)> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let empty = Bytes::new();
        // Lower bound: the smallest (score, member) pair that qualifies.
        let lower: Option<std::ops::Bound<(Score, Bytes)>> = match min {
            Unbounded => Some(Unbounded),
            Included(m) => Some(Included((Score(m), empty.clone()))),
            Excluded(m) if m == f64::INFINITY => None,
            Excluded(m) => Some(Included((Score(m.next_up()), empty.clone()))),
        };
        // Upper bound: (max, "") excluded removes every member scored max, so an inclusive
        // max uses the next representable score.
        let upper: Option<std::ops::Bound<(Score, Bytes)>> = match max {
            Unbounded => Some(Unbounded),
            Included(m) if m == f64::INFINITY => Some(Unbounded),
            Included(m) => Some(Excluded((Score(m.next_up()), empty.clone()))),
            Excluded(m) if m == f64::NEG_INFINITY => None,
            Excluded(m) => Some(Excluded((Score(m), empty))),
        };
        let range = match (lower, upper) {
            (Some(lo), Some(hi)) => {
                let valid = match (&lo, &hi) {
                    (Included(a) | Excluded(a), Included(b) | Excluded(b)) => a < b,
                    _ => true,
                };
                valid.then(|| self.order.range((lo, hi)))
            }
            _ => None,
        };
        range.into_iter().flatten().map(|(s, m)| (m, s.0))
    }

    /// Remove and return the lowest-ranked member.
    pub fn pop_min(&mut self) -> Option<(Bytes, f64)> {
        let (s, m) = self.order.pop_first()?;
        self.scores.remove(&m);
        Some((m, s.0))
    }

    /// Remove and return the highest-ranked member.
    pub fn pop_max(&mut self) -> Option<(Bytes, f64)> {
        let (s, m) = self.order.pop_last()?;
        self.scores.remove(&m);
        Some((m, s.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zset_orders_by_score_then_member_and_updates() {
        let mut z = ZSet::new();
        assert!(z.insert(Bytes::from_static(b"b"), 1.0));
        assert!(z.insert(Bytes::from_static(b"a"), 1.0));
        assert!(z.insert(Bytes::from_static(b"c"), 0.5));
        assert!(!z.insert(Bytes::from_static(b"c"), 2.0));
        let order: Vec<_> = z.iter().map(|(m, s)| (m.clone(), s)).collect();
        assert_eq!(
            order,
            vec![
                (Bytes::from_static(b"a"), 1.0),
                (Bytes::from_static(b"b"), 1.0),
                (Bytes::from_static(b"c"), 2.0)
            ]
        );
        assert_eq!(z.rank(b"c"), Some(2));
        assert_eq!(z.pop_min(), Some((Bytes::from_static(b"a"), 1.0)));
        assert!(z.remove(b"c"));
        assert_eq!(z.len(), 1);
    }
}
