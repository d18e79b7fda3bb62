//! Redis's glob matching (`stringmatchlen`): `*`, `?`, `[abc]`, `[^a-z]`, `\x`, on bytes.
//! Used by CONFIG GET patterns (and anything else that takes a Redis pattern).

/// True when `s` matches `pattern`, optionally ignoring ASCII case.
///
/// Iterative, backtracking only to the last `*`: O(len(pattern) × len(s)) whatever the
/// pattern, so a hostile pattern cannot stall the server while it holds the lock.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    // Where to resume after the last `*`: (pattern index after it, string index it took).
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < pattern.len() {
            if pattern[pi] == b'*' {
                while pi < pattern.len() && pattern[pi] == b'*' {
                    pi += 1;
                }
                if pi == pattern.len() {
                    return true;
                }
                star = Some((pi, si));
                continue;
            }
            if let Some(next) = match_one(pattern, pi, s[si], nocase) {
                pi = next;
                si += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < pattern.len() && pattern[pi] == b'*' {
        pi += 1;
    }
    pi == pattern.len()
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Match one character of `s` against the pattern element at `pi` (not `*`); the index of the
/// next pattern element when it matches.
fn match_one(p: &[u8], pi: usize, c: u8, nocase: bool) -> Option<usize> {
    match p[pi] {
        b'?' => Some(pi + 1),
        b'\\' if pi + 1 < p.len() => eq(p[pi + 1], c, nocase).then_some(pi + 2),
        b'[' => {
            let mut i = pi + 1;
            let not = p.get(i) == Some(&b'^');
            if not {
                i += 1;
            }
            let mut matched = false;
            // An unterminated class runs to the end of the pattern, as in Redis.
            while i < p.len() && p[i] != b']' {
                if p[i] == b'\\' && i + 1 < p.len() {
                    matched |= p[i + 1] == c;
                    i += 2;
                } else if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
                    let (mut lo, mut hi) = (p[i], p[i + 2]);
                    if lo > hi {
                        std::mem::swap(&mut lo, &mut hi);
                    }
                    let (lo, hi, ch) = if nocase {
                        (
                            lo.to_ascii_lowercase(),
                            hi.to_ascii_lowercase(),
                            c.to_ascii_lowercase(),
                        )
                    } else {
                        (lo, hi, c)
                    };
                    matched |= ch >= lo && ch <= hi;
                    i += 3;
                } else {
                    matched |= eq(p[i], c, nocase);
                    i += 1;
                }
            }
            let next = (i + 1).min(p.len());
            (matched != not).then_some(next)
        }
        lit => eq(lit, c, nocase).then_some(pi + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn patterns() {
        assert!(glob_match(b"*", b"anything", false));
        assert!(glob_match(b"port", b"port", false));
        assert!(glob_match(b"repl*", b"repl-backlog-size", false));
        assert!(glob_match(b"*max*", b"maxclients", false));
        assert!(glob_match(b"h?llo", b"hello", false));
        assert!(glob_match(b"h[ae]llo", b"hallo", false));
        assert!(!glob_match(b"h[^e]llo", b"hello", false));
        assert!(glob_match(b"h[a-c]llo", b"hbllo", false));
        assert!(glob_match(b"PORT", b"port", true));
        assert!(!glob_match(b"PORT", b"port", false));
        assert!(glob_match(b"a\\*b", b"a*b", false));
        assert!(!glob_match(b"a*b", b"acd", false));
        assert!(glob_match(b"", b"", false));
        assert!(glob_match(b"[abc", b"a", false));
        assert!(glob_match(b"*a*b*c", b"xxaxxbxxc", false));
        assert!(!glob_match(b"*a*b*c", b"xxaxxbxx", false));
        assert!(glob_match(b"a*", b"a", false));
        assert!(!glob_match(b"a?", b"a", false));
    }

    #[test]
    fn hostile_patterns_finish_quickly() {
        let pat = b"*a".repeat(40);
        let s = vec![b'a'; 39];
        let started = std::time::Instant::now();
        assert!(!glob_match(&pat, &s, false));
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }
}
