//! Failpoints for the fault tests: places in a switchover where a test can stop rkv, to
//! kill it or signal it there and prove that the group stays safe without it.
//!
//! They exist only in builds with the cargo feature `failpoints` (off by default: a release
//! build carries none, so no environment variable can ever hold a production switchover
//! half-way). `.ci/run` builds the test binaries with it. In such a build,
//! `RKV_FAILPOINT=<point>[:<action>]` names one point:
//! - `after-step-N`: between steps N and N+1 of the plan (1-based as shown);
//! - `after-promote`: inside the promotion, right after the candidate accepted
//!   `REPLICAOF NO ONE` and before anything else is sent;
//! - `after-sentinel-demote`: in the Sentinel-coordinated switchover before 6.2, right after
//!   the old master was made a replica of the candidate and the candidate was seen to have
//!   every byte it wrote, before `SENTINEL FAILOVER` is sent;
//! - `after-sentinel-failover`: in the Sentinel-coordinated switchover, right after a
//!   Sentinel accepted `SENTINEL FAILOVER`;
//! - `demote-short`: not a stop but a fault: the first demotion of the old master (Redis
//!   before 6.2, plain or Sentinel path) is judged short, as when the candidate lacks the
//!   last bytes the old master wrote, so that it is made master again and demoted again (its
//!   action is ignored).
//!
//! and what happens there:
//! - `hold` (the default): print `rkv: failpoint <point> reached` on stderr and wait forever
//!   (signals are still handled: SIGTERM there is a signal at that point);
//! - `hold-until:<path>`: the same, until the file `<path>` exists, then go on;
//! - `exit`: print the line and exit at once with code 99, nothing cleaned up (like a crash).

use std::path::PathBuf;
use std::time::Duration;

/// The environment variable naming the failpoint.
pub const ENV: &str = "RKV_FAILPOINT";

/// The fault point that makes the first demotion look short (see the module's doc).
pub const DEMOTE_SHORT: &str = "demote-short";

/// What a failpoint does when reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Wait forever.
    Hold,
    /// Wait until the file exists.
    HoldUntil(PathBuf),
    /// Exit at once (code 99).
    Exit,
}

/// Why a failpoint spec was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Not `after-step-N`, `after-promote`, `after-sentinel-demote`,
    /// `after-sentinel-failover` or `demote-short`.
    #[error(
        "unknown failpoint {0:?} (after-step-N, after-promote, after-sentinel-demote, after-sentinel-failover or demote-short)"
    )]
    Point(String),
    /// Not `hold`, `hold-until:PATH` or `exit`.
    #[error("unknown failpoint action {0:?} (hold, hold-until:PATH or exit)")]
    Action(String),
}

/// Parse `<point>[:<action>]`.
pub fn parse(spec: &str) -> Result<(String, Action), SpecError> {
    let (point, action) = match spec.split_once(':') {
        Some((p, a)) => (p, Some(a)),
        None => (spec, None),
    };
    let valid_point = point == "after-promote"
        || point == "after-sentinel-demote"
        || point == "after-sentinel-failover"
        || point == DEMOTE_SHORT
        || point
            .strip_prefix("after-step-")
            .is_some_and(|n| n.parse::<usize>().is_ok());
    if !valid_point {
        return Err(SpecError::Point(point.to_string()));
    }
    let action = match action {
        None | Some("hold") => Action::Hold,
        Some("exit") => Action::Exit,
        Some(a) => match a.strip_prefix("hold-until:") {
            Some(path) if !path.is_empty() => Action::HoldUntil(PathBuf::from(path)),
            _ => return Err(SpecError::Action(a.to_string())),
        },
    };
    Ok((point.to_string(), action))
}

/// The failpoint this run was asked to stop at, read once per run.
#[derive(Debug, Clone, Default)]
pub struct Failpoints {
    armed: Option<(String, Action)>,
}

impl Failpoints {
    /// From [`ENV`]: in builds without the feature, a set variable is only warned about.
    pub fn from_env() -> Failpoints {
        let spec = std::env::var(ENV).ok().filter(|s| !s.is_empty());
        let Some(spec) = spec else {
            return Failpoints::default();
        };
        if !cfg!(feature = "failpoints") {
            eprintln!(
                "rkv: {ENV} is set but this build has no failpoints (build with --features failpoints)"
            );
            return Failpoints::default();
        }
        match parse(&spec) {
            Ok(armed) => Failpoints { armed: Some(armed) },
            Err(e) => {
                eprintln!("rkv: {ENV}: {e}");
                Failpoints::default()
            }
        }
    }

    /// Whether `name` is the armed point (for the fault points, which change what rkv sees
    /// rather than stop it).
    pub fn is_armed(&self, name: &str) -> bool {
        self.armed.as_ref().is_some_and(|(p, _)| p == name)
    }

    /// Reach the point `name`: nothing unless it is the armed one.
    pub async fn hit(&self, name: &str) {
        let Some((point, action)) = &self.armed else {
            return;
        };
        if point != name {
            return;
        }
        eprintln!("rkv: failpoint {name} reached");
        match action {
            Action::Hold => std::future::pending::<()>().await,
            Action::HoldUntil(path) => {
                while !path.exists() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                eprintln!("rkv: failpoint {name} released");
            }
            Action::Exit => std::process::exit(99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_a_point_and_an_action() {
        assert_eq!(
            parse("after-step-3"),
            Ok(("after-step-3".into(), Action::Hold))
        );
        assert_eq!(
            parse("after-promote:exit"),
            Ok(("after-promote".into(), Action::Exit))
        );
        assert_eq!(
            parse("after-promote:hold-until:/tmp/go"),
            Ok((
                "after-promote".into(),
                Action::HoldUntil(PathBuf::from("/tmp/go"))
            ))
        );
        assert_eq!(
            parse("after-sentinel-demote"),
            Ok(("after-sentinel-demote".into(), Action::Hold))
        );
        assert_eq!(
            parse("demote-short"),
            Ok(("demote-short".into(), Action::Hold))
        );
        assert!(matches!(parse("after-step-x"), Err(SpecError::Point(_))));
        assert!(matches!(parse("before-lunch"), Err(SpecError::Point(_))));
        assert!(matches!(
            parse("after-step-1:explode"),
            Err(SpecError::Action(_))
        ));
        assert!(matches!(
            parse("after-step-1:hold-until:"),
            Err(SpecError::Action(_))
        ));
    }
}
