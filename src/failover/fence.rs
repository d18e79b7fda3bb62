//! The write fence of a planned switchover: from the point of no return on, the old master
//! refuses writes by itself, even if rkv vanishes and every CLIENT PAUSE has expired.
//!
//! # Mechanism
//! `min-replicas-to-write` (`min-slaves-to-write` before Redis 5.0) raised to [`FENCE_REPLICAS`],
//! with `min-replicas-max-lag` above 0 (the check is off at 0). A master then answers every
//! write with `-NOREPLICAS`: no replica count can ever reach a million. It is the server's own
//! state, so it holds with no client connected: rkv may be killed, its terminal hung up, the
//! pause may lapse, and the old master still cannot acknowledge a plain write as a second
//! master. It is set in the same MULTI/EXEC as the pause that is extended over the promotion
//! (before 6.2, with no pause, alone: the old master is then demoted before the promotion),
//! so there is no instant with neither, and it is recognisable afterwards (`CONFIG GET` says
//! 1000000) by `topology`/`verify` and by a re-run, which lifts it.
//!
//! On a replica the setting is inert (Redis checks it only while `masterhost` is unset, and the
//! replication stream from its own master is never refused), so the old master may keep it
//! while it becomes a replica of the new one; it is put back to the saved originals once it
//! follows with its link up, because it would bite again the day that node is promoted.
//!
//! # What it does not cover, and what the plan does there
//! - A write inside EVAL gets through `min-replicas-to-write` up to Redis 5.0 (6.0 checks it in
//!   scripts; `rkv serve` refuses scripts too), and so does the EXEC of a transaction queued
//!   before the fence went up, up to 6.0. From 6.2 the write pause holds them. Before 6.2 the
//!   plan demotes the old master before the promotion (`Step::Demote`): the fence alone does
//!   not keep it from acknowledging those, a replica does.
//! - The server's own writes: key expiry and eviction still run on a fenced master and
//!   propagate DELs (they are nobody's acknowledged writes, but they move its offset: a
//!   re-run sees them as history past the fork, see the divergence check).
//! - PUBLISH is not a write: messages published to a fenced master still reach its subscribers.
//! - A restart: CONFIG SET lives in memory. When the node has a config file the executor also
//!   runs CONFIG REWRITE right after fencing (see `Step::FenceWrites`), so that a node restarted
//!   before rkv re-pointed it comes back fenced, not as a writable second master; the undo
//!   rewrites the file again.
//! - An operator's CONFIG SET that lowers it by hand. That is an explicit act.

use std::fmt;

/// The `min-replicas-to-write` value of a fence. NOREPLICAS on every Redis since 2.8 and on
/// `rkv serve`; no replica count can reach it; recognisable by `topology`, `verify` and a
/// re-run of `rkv failover` as a fence rkv left in place.
pub const FENCE_REPLICAS: u64 = 1_000_000;

/// The `min-replicas-max-lag` a fence uses when the node's own is 0 (the check is off at 0).
pub const FENCE_MAX_LAG: u64 = 10;

/// Redis's defaults, put back when a fence is lifted whose originals are nowhere to be found.
pub const DEFAULT_TO_WRITE: &str = "0";
/// See [`DEFAULT_TO_WRITE`].
pub const DEFAULT_MAX_LAG: &str = "10";

/// The directive names a server knows: `min-replicas-*` from Redis 5.0, `min-slaves-*` before
/// (rkv serve accepts both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// `min-replicas-to-write`, `min-replicas-max-lag`.
    Replicas,
    /// `min-slaves-to-write`, `min-slaves-max-lag` (Redis < 5.0).
    Slaves,
}

impl Names {
    /// The `…-to-write` directive.
    pub fn to_write(self) -> &'static str {
        match self {
            Names::Replicas => "min-replicas-to-write",
            Names::Slaves => "min-slaves-to-write",
        }
    }

    /// The `…-max-lag` directive.
    pub fn max_lag(self) -> &'static str {
        match self {
            Names::Replicas => "min-replicas-max-lag",
            Names::Slaves => "min-slaves-max-lag",
        }
    }
}

/// The node's own settings, saved before the fence is raised and put back when it is lifted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Originals {
    /// Which names the node answered to.
    pub names: Names,
    /// `min-replicas-to-write` as CONFIG GET gave it.
    pub to_write: String,
    /// `min-replicas-max-lag` as CONFIG GET gave it.
    pub max_lag: String,
}

impl fmt::Display for Originals {
    /// `min-replicas-to-write=0 min-replicas-max-lag=10`: the journal's form, read back by
    /// [`Originals::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={} {}={}",
            self.names.to_write(),
            self.to_write,
            self.names.max_lag(),
            self.max_lag
        )
    }
}

/// Why a reply could not be read as the fence settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FenceError {
    /// CONFIG GET did not name the directive (a server that knows neither name).
    #[error("CONFIG GET {0} gave no value: the server does not know this setting")]
    Unknown(&'static str),
    /// A value that is not a number.
    #[error("{0} is {1:?}, not a number")]
    NotANumber(&'static str, String),
}

/// The value of `name` in a CONFIG GET reply given as `[name, value, …]` pairs.
pub fn config_value(pairs: &[String], name: &'static str) -> Result<String, FenceError> {
    pairs
        .chunks(2)
        .find(|p| p.len() == 2 && p[0].eq_ignore_ascii_case(name))
        .map(|p| p[1].clone())
        .ok_or(FenceError::Unknown(name))
}

impl Originals {
    /// Read both settings from the CONFIG GET replies of `to_write` and `max_lag` under
    /// `names`.
    pub fn from_replies(
        names: Names,
        to_write: &[String],
        max_lag: &[String],
    ) -> Result<Originals, FenceError> {
        let tw = config_value(to_write, names.to_write())?;
        let ml = config_value(max_lag, names.max_lag())?;
        for (n, v) in [(names.to_write(), &tw), (names.max_lag(), &ml)] {
            if v.trim().parse::<u64>().is_err() {
                return Err(FenceError::NotANumber(n, v.clone()));
            }
        }
        Ok(Originals {
            names,
            to_write: tw,
            max_lag: ml,
        })
    }

    /// Read back the journal's form ([`fmt::Display`]).
    pub fn parse(text: &str) -> Option<Originals> {
        let mut names = None;
        let (mut tw, mut ml) = (None, None);
        for part in text.split_whitespace() {
            let (k, v) = part.split_once('=')?;
            for n in [Names::Replicas, Names::Slaves] {
                if k == n.to_write() {
                    names = Some(n);
                    tw = Some(v.to_string());
                } else if k == n.max_lag() {
                    ml = Some(v.to_string());
                }
            }
        }
        Some(Originals {
            names: names?,
            to_write: tw?,
            max_lag: ml?,
        })
    }

    /// Redis's defaults under `names`, for a fence whose originals were lost.
    pub fn defaults(names: Names) -> Originals {
        Originals {
            names,
            to_write: DEFAULT_TO_WRITE.into(),
            max_lag: DEFAULT_MAX_LAG.into(),
        }
    }

    /// True when these "originals" are in fact a fence (read from a node an earlier run
    /// fenced): they must not be saved as what to put back.
    pub fn is_fence(&self) -> bool {
        is_fence_value(&self.to_write)
    }
}

/// True for a `min-replicas-to-write` value that is rkv's fence.
pub fn is_fence_value(v: &str) -> bool {
    v.trim().parse::<u64>().is_ok_and(|n| n >= FENCE_REPLICAS)
}

/// The CONFIG SET commands that raise the fence, in order: the lag first when it is 0 (else
/// the check stays off), then the count.
pub fn raise_commands(orig: &Originals) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if orig.max_lag.trim().parse::<u64>().is_ok_and(|l| l == 0) {
        out.push(config_set(orig.names.max_lag(), &FENCE_MAX_LAG.to_string()));
    }
    out.push(config_set(
        orig.names.to_write(),
        &FENCE_REPLICAS.to_string(),
    ));
    out
}

/// The CONFIG SET commands that lift the fence: the count back first (the node accepts
/// writes from then on, as it did before), then the lag.
pub fn lift_commands(orig: &Originals) -> Vec<Vec<String>> {
    vec![
        config_set(orig.names.to_write(), &orig.to_write),
        config_set(orig.names.max_lag(), &orig.max_lag),
    ]
}

fn config_set(name: &str, value: &str) -> Vec<String> {
    vec!["CONFIG".into(), "SET".into(), name.into(), value.into()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn originals_are_read_from_config_get_and_round_trip_through_the_journal() {
        let o = Originals::from_replies(
            Names::Replicas,
            &v(&["min-replicas-to-write", "2"]),
            &v(&["min-replicas-max-lag", "10"]),
        )
        .unwrap();
        assert_eq!(o.to_write, "2");
        assert_eq!(
            o.to_string(),
            "min-replicas-to-write=2 min-replicas-max-lag=10"
        );
        assert_eq!(Originals::parse(&o.to_string()), Some(o.clone()));
        let old = Originals::defaults(Names::Slaves);
        assert_eq!(Originals::parse(&old.to_string()), Some(old));
        assert_eq!(Originals::parse("garbage"), None);
        // A server that knows neither name answers an empty array.
        assert_eq!(
            Originals::from_replies(Names::Replicas, &[], &[]),
            Err(FenceError::Unknown("min-replicas-to-write"))
        );
        assert!(matches!(
            Originals::from_replies(
                Names::Replicas,
                &v(&["min-replicas-to-write", "x"]),
                &v(&["min-replicas-max-lag", "10"])
            ),
            Err(FenceError::NotANumber(..))
        ));
    }

    #[test]
    fn raising_sets_a_lag_only_when_the_check_would_be_off() {
        let o = Originals::defaults(Names::Replicas);
        assert_eq!(
            raise_commands(&o),
            vec![v(&["CONFIG", "SET", "min-replicas-to-write", "1000000"])]
        );
        let off = Originals {
            max_lag: "0".into(),
            ..Originals::defaults(Names::Slaves)
        };
        assert_eq!(
            raise_commands(&off),
            vec![
                v(&["CONFIG", "SET", "min-slaves-max-lag", "10"]),
                v(&["CONFIG", "SET", "min-slaves-to-write", "1000000"]),
            ]
        );
        assert_eq!(
            lift_commands(&off),
            vec![
                v(&["CONFIG", "SET", "min-slaves-to-write", "0"]),
                v(&["CONFIG", "SET", "min-slaves-max-lag", "0"]),
            ]
        );
    }

    #[test]
    fn a_fence_is_recognised_and_never_saved_as_an_original() {
        assert!(is_fence_value("1000000"));
        assert!(!is_fence_value("3"));
        assert!(!is_fence_value(""));
        let f = Originals {
            to_write: "1000000".into(),
            ..Originals::defaults(Names::Replicas)
        };
        assert!(f.is_fence());
    }
}
