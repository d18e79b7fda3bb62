//! Redis's glob matcher (`stringmatchlen` in util.c), used by KEYS, SCAN MATCH and the
//! collection SCANs. Ported rule for rule so patterns behave exactly as on Redis: `*`, `?`,
//! `[abc]`, `[^a]`, `[a-z]` (reversed ranges allowed), backslash escapes, an unterminated `[`
//! that matches as far as it goes, and a nesting limit against abusive patterns.

/// True when `string` matches the glob `pattern` (case-sensitive).
pub fn glob_match(pattern: &[u8], string: &[u8]) -> bool {
    let mut skip_longer = false;
    matches(pattern, string, false, &mut skip_longer, 0)
}

/// True when `string` matches `pattern`, ignoring ASCII case.
pub fn glob_match_nocase(pattern: &[u8], string: &[u8]) -> bool {
    let mut skip_longer = false;
    matches(pattern, string, true, &mut skip_longer, 0)
}

fn lower(c: u8, nocase: bool) -> u8 {
    if nocase { c.to_ascii_lowercase() } else { c }
}

fn matches(pat: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: u32) -> bool {
    if nesting > 1000 {
        return false;
    }
    // Positions into the pattern and string; reading past the pattern's end yields 0 like the
    // C original's terminator.
    let at = |i: usize| pat.get(i).copied().unwrap_or(0);
    let mut p = 0usize;
    let mut si = 0usize;
    while p < pat.len() && si < s.len() {
        match pat[p] {
            b'*' => {
                while p < pat.len() && at(p + 1) == b'*' {
                    p += 1;
                }
                if pat.len() - p == 1 {
                    return true;
                }
                while si < s.len() {
                    if matches(&pat[p + 1..], &s[si..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    si += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => si += 1,
            b'[' => {
                p += 1;
                let not = at(p) == b'^';
                if not {
                    p += 1;
                }
                let c = s[si];
                let mut hit = false;
                loop {
                    if at(p) == b'\\' && pat.len().saturating_sub(p) >= 2 {
                        p += 1;
                        if at(p) == c {
                            hit = true;
                        }
                    } else if at(p) == b']' {
                        break;
                    } else if p >= pat.len() {
                        p -= 1;
                        break;
                    } else if pat.len() - p >= 3 && at(p + 1) == b'-' {
                        // C compares `char`, signed on the platforms Redis ships on.
                        let mut start = at(p) as i8 as i32;
                        let mut end = at(p + 2) as i8 as i32;
                        let mut cc = c as i8 as i32;
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = (start as u8).to_ascii_lowercase() as i8 as i32;
                            end = (end as u8).to_ascii_lowercase() as i8 as i32;
                            cc = (cc as u8).to_ascii_lowercase() as i8 as i32;
                        }
                        p += 2;
                        if cc >= start && cc <= end {
                            hit = true;
                        }
                    } else if lower(at(p), nocase) == lower(c, nocase) {
                        hit = true;
                    }
                    p += 1;
                }
                if not {
                    hit = !hit;
                }
                if !hit {
                    return false;
                }
                si += 1;
            }
            ch => {
                let mut ch = ch;
                if ch == b'\\' && pat.len() - p >= 2 {
                    p += 1;
                    ch = pat[p];
                }
                if lower(ch, nocase) != lower(s[si], nocase) {
                    return false;
                }
                si += 1;
            }
        }
        p += 1;
        if si == s.len() {
            while at(p) == b'*' {
                p += 1;
            }
            break;
        }
    }
    p >= pat.len() && si == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes())
    }

    #[test]
    fn redis_glob_rules() {
        assert!(m("*", "anything"));
        assert!(
            !m("*", ""),
            "as in Redis: the loop never runs on an empty string"
        );
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"), "reversed range");
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hello"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("foo*", "foo"));
        assert!(m("foo**", "foo"));
        assert!(!m("", "a"));
        assert!(m("", ""));
        assert!(
            m("[abc", "a"),
            "unterminated class matches as far as it goes"
        );
        assert!(m("user:[0-9]*", "user:42"));
        assert!(glob_match_nocase(b"HeLLo", b"hello"));
        assert!(!m("HeLLo", "hello"));
    }

    #[test]
    fn abusive_pattern_finishes_quickly() {
        let pat = "a*".repeat(30) + "b";
        let s = "a".repeat(60);
        let t = std::time::Instant::now();
        assert!(!m(&pat, &s));
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }
}
