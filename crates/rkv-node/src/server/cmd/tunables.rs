//! Settings Redis 7.0 has that this server accepts and reports through CONFIG GET/SET but
//! that do not change what it does: the encoding thresholds (`*-max-listpack-*`, their old
//! `*-ziplist-*` names, `set-max-intset-entries`, `list-compress-depth`, …), the script time
//! limit, slowlog/latency knobs, `hz`. Redis's test suite sets them before its units (and
//! clients and config-management tools set them in production); refusing them made whole
//! units stop at their first line. Each is validated as Redis validates it (its type and
//! range), so a CONFIG SET that Redis refuses is refused here too.
//!
//! Our encodings do not follow these thresholds (see OBJECT ENCODING in `data.rs`): the values
//! are kept only so CONFIG GET returns what was set. The exception is `stream-node-max-entries`
//! and `stream-node-max-bytes`, which decide what `XADD/XTRIM … ~` may trim.

use crate::server::config::{Config, Param};

/// How a tunable's text is checked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// An integer within [min, max].
    Int(i64, i64),
    /// A byte count (`1mb`, `512`), at most the given maximum.
    Memory(u64),
    /// `yes` / `no`.
    Bool,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// Space-separated non-negative floats (latency-tracking-info-percentiles).
    Floats,
}

/// One tunable: canonical name, Redis's old names, default, kind.
struct Def {
    name: &'static str,
    aliases: &'static [&'static str],
    default: &'static str,
    kind: Kind,
}

const I32: i64 = i32::MAX as i64;

/// Every tunable, in a fixed order (the index is the slot in [`Tunables`]).
static DEFS: &[Def] = &[
    Def {
        name: "hash-max-listpack-entries",
        aliases: &["hash-max-ziplist-entries"],
        default: "128",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "hash-max-listpack-value",
        aliases: &["hash-max-ziplist-value"],
        default: "64",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "zset-max-listpack-entries",
        aliases: &["zset-max-ziplist-entries"],
        default: "128",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "zset-max-listpack-value",
        aliases: &["zset-max-ziplist-value"],
        default: "64",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "list-max-listpack-size",
        aliases: &["list-max-ziplist-size"],
        default: "-2",
        kind: Kind::Int(i32::MIN as i64, I32),
    },
    Def {
        name: "list-compress-depth",
        aliases: &[],
        default: "0",
        kind: Kind::Int(0, I32),
    },
    Def {
        name: "set-max-intset-entries",
        aliases: &[],
        default: "512",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "stream-node-max-entries",
        aliases: &[],
        default: "100",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "stream-node-max-bytes",
        aliases: &[],
        default: "4096",
        kind: Kind::Memory(i64::MAX as u64),
    },
    Def {
        name: "hll-sparse-max-bytes",
        aliases: &[],
        default: "3000",
        kind: Kind::Memory(i64::MAX as u64),
    },
    Def {
        name: "busy-reply-threshold",
        aliases: &["lua-time-limit"],
        default: "5000",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "slowlog-log-slower-than",
        aliases: &[],
        default: "10000",
        kind: Kind::Int(-1, i64::MAX),
    },
    Def {
        name: "slowlog-max-len",
        aliases: &[],
        default: "128",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "latency-monitor-threshold",
        aliases: &[],
        default: "0",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "latency-tracking",
        aliases: &[],
        default: "yes",
        kind: Kind::Bool,
    },
    Def {
        name: "latency-tracking-info-percentiles",
        aliases: &[],
        default: "50 99 99.9",
        kind: Kind::Floats,
    },
    Def {
        name: "hz",
        aliases: &[],
        default: "10",
        kind: Kind::Int(0, I32),
    },
    Def {
        name: "dynamic-hz",
        aliases: &[],
        default: "yes",
        kind: Kind::Bool,
    },
    Def {
        name: "tracking-table-max-keys",
        aliases: &[],
        default: "1000000",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "acllog-max-len",
        aliases: &[],
        default: "128",
        kind: Kind::Int(0, i64::MAX),
    },
    Def {
        name: "loglevel",
        aliases: &[],
        default: "notice",
        kind: Kind::Enum(&["debug", "verbose", "notice", "warning"]),
    },
    Def {
        name: "rdbcompression",
        aliases: &[],
        default: "yes",
        kind: Kind::Bool,
    },
    Def {
        name: "rdbchecksum",
        aliases: &[],
        default: "yes",
        kind: Kind::Bool,
    },
    Def {
        name: "aof-use-rdb-preamble",
        aliases: &[],
        default: "yes",
        kind: Kind::Bool,
    },
    Def {
        name: "auto-aof-rewrite-percentage",
        aliases: &[],
        default: "100",
        kind: Kind::Int(0, I32),
    },
    Def {
        name: "lazyfree-lazy-user-flush",
        aliases: &[],
        default: "no",
        kind: Kind::Bool,
    },
    Def {
        name: "lazyfree-lazy-user-del",
        aliases: &[],
        default: "no",
        kind: Kind::Bool,
    },
    Def {
        name: "activedefrag",
        aliases: &[],
        default: "no",
        kind: Kind::Bool,
    },
];

/// The current values of the tunables, by [`DEFS`] slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunables {
    values: Vec<String>,
}

impl Default for Tunables {
    fn default() -> Self {
        Tunables {
            values: DEFS.iter().map(|d| d.default.to_string()).collect(),
        }
    }
}

impl Tunables {
    fn get(&self, slot: usize) -> String {
        self.values.get(slot).cloned().unwrap_or_default()
    }

    fn set(&mut self, slot: usize, v: &str) -> Result<(), String> {
        let Some(def) = DEFS.get(slot) else {
            return Err("unknown parameter".into());
        };
        let canonical = check(def.kind, v)?;
        // The stream node limits are the two tunables that change behaviour: they decide
        // where approximate trimming can cut (see store/stream.rs), read by the command layer
        // from process-wide atomics because a command's context carries no configuration.
        let limit = match def.name {
            "stream-node-max-entries" => Some(&crate::store::stream::NODE_MAX_ENTRIES),
            "stream-node-max-bytes" => Some(&crate::store::stream::NODE_MAX_BYTES),
            _ => None,
        };
        if let (Some(a), Ok(n)) = (limit, canonical.parse::<u64>()) {
            a.store(n, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(s) = self.values.get_mut(slot) {
            *s = canonical;
        }
        Ok(())
    }
}

/// Validate `v` as Redis does and return the text CONFIG GET will show.
fn check(kind: Kind, v: &str) -> Result<String, String> {
    match kind {
        Kind::Int(min, max) => {
            let n: i64 = v
                .parse()
                .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
            if n < min || n > max {
                return Err(format!(
                    "argument must be between {min} and {max} inclusive"
                ));
            }
            Ok(n.to_string())
        }
        Kind::Memory(max) => {
            let n = crate::server::config::parse_memory(v)?;
            if n > max {
                return Err(format!("argument must be between 0 and {max} inclusive"));
            }
            Ok(n.to_string())
        }
        Kind::Bool => match v.to_ascii_lowercase().as_str() {
            "yes" => Ok("yes".into()),
            "no" => Ok("no".into()),
            _ => Err("argument must be 'yes' or 'no'".into()),
        },
        Kind::Enum(words) => {
            let l = v.to_ascii_lowercase();
            if words.contains(&l.as_str()) {
                Ok(l)
            } else {
                Err(format!(
                    "argument(s) must be one of the following: {}",
                    words.join(", ")
                ))
            }
        }
        Kind::Floats => {
            let mut out = Vec::new();
            for w in v.split_whitespace() {
                match w.parse::<f64>() {
                    Ok(f) if (0.0..=100.0).contains(&f) => out.push(w.to_string()),
                    _ => {
                        return Err(
                            "latency-tracking-info-percentiles must be between 0.0 and 100.0"
                                .into(),
                        );
                    }
                }
            }
            Ok(out.join(" "))
        }
    }
}

/// Build the [`Param`] of slot `$i` (a fn pointer cannot capture the slot, so each is
/// expanded with the slot as a literal).
macro_rules! param {
    ($i:literal) => {
        Param {
            name: DEFS[$i].name,
            get: |c: &Config| c.tunables.get($i),
            set: |c: &mut Config, v: &str| c.tunables.set($i, v),
            mutable: true,
        }
    };
}

/// The tunables as CONFIG parameters, one per [`DEFS`] entry, in the same order.
pub static PARAMS: [Param; 28] = [
    param!(0),
    param!(1),
    param!(2),
    param!(3),
    param!(4),
    param!(5),
    param!(6),
    param!(7),
    param!(8),
    param!(9),
    param!(10),
    param!(11),
    param!(12),
    param!(13),
    param!(14),
    param!(15),
    param!(16),
    param!(17),
    param!(18),
    param!(19),
    param!(20),
    param!(21),
    param!(22),
    param!(23),
    param!(24),
    param!(25),
    param!(26),
    param!(27),
];

/// The tunable called `name` (lower-case; old names accepted).
pub fn find(name: &str) -> Option<&'static Param> {
    DEFS.iter()
        .position(|d| d.name == name || d.aliases.contains(&name))
        .and_then(|i| PARAMS.get(i))
}

/// The old names matching a CONFIG GET pattern, with the canonical parameter each stands for
/// (Redis 7.0 answers `CONFIG GET hash-max-ziplist-entries` under the name asked for).
pub fn aliases_matching(pat: &[u8]) -> Vec<(&'static str, &'static Param)> {
    let mut v = Vec::new();
    for (d, p) in DEFS.iter().zip(PARAMS.iter()) {
        for a in d.aliases {
            if crate::store::glob::glob_match_nocase(pat, a.as_bytes()) {
                v.push((*a, p));
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_def_has_its_param_in_order() {
        assert_eq!(DEFS.len(), PARAMS.len());
        for (d, p) in DEFS.iter().zip(PARAMS.iter()) {
            assert_eq!(d.name, p.name);
        }
    }

    #[test]
    fn tunables_validate_like_redis_and_report_what_was_set() {
        let mut c = Config::default();
        assert_eq!((find("hash-max-ziplist-entries").unwrap().get)(&c), "128");
        (find("hash-max-ziplist-entries").unwrap().set)(&mut c, "16").unwrap();
        assert_eq!((find("hash-max-listpack-entries").unwrap().get)(&c), "16");
        assert!((find("list-compress-depth").unwrap().set)(&mut c, "-1").is_err());
        assert!((find("lua-time-limit").unwrap().set)(&mut c, "x").is_err());
        (find("stream-node-max-bytes").unwrap().set)(&mut c, "1kb").unwrap();
        assert_eq!((find("stream-node-max-bytes").unwrap().get)(&c), "1024");
        assert!((find("loglevel").unwrap().set)(&mut c, "loud").is_err());
        assert!(find("no-such-thing").is_none());
    }
}
