//! Tree prefixes for rows listed depth-first with their depth: `├─ ` for a node with a later
//! sibling, `└─ ` for the last one, and `│  ` where an ancestor's branch continues below.

/// One prefix per row. `depths[i]` is the depth of row `i` in depth-first order (roots 0).
pub fn prefixes(depths: &[usize]) -> Vec<String> {
    // Whether a later row at depth `d` comes before any later row shallower than `d`.
    let has_later_sibling = |i: usize, d: usize| {
        depths[i + 1..]
            .iter()
            .take_while(|x| **x >= d)
            .any(|x| *x == d)
    };
    let mut out = Vec::with_capacity(depths.len());
    // Which ancestor levels still have branches continuing below the current row.
    let mut open: Vec<bool> = Vec::new();
    for (i, &d) in depths.iter().enumerate() {
        open.truncate(d);
        let mut s = String::new();
        if d > 0 {
            for level in 1..d {
                s.push_str(if open.get(level).copied().unwrap_or(false) {
                    "│  "
                } else {
                    "   "
                });
            }
            let later = has_later_sibling(i, d);
            s.push_str(if later { "├─ " } else { "└─ " });
            while open.len() <= d {
                open.push(false);
            }
            open[d] = later;
        } else {
            open.clear();
            open.push(false);
        }
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_branches() {
        let p = prefixes(&[0, 1, 2, 2, 1, 2, 0]);
        assert_eq!(p, vec!["", "├─ ", "│  ├─ ", "│  └─ ", "└─ ", "   └─ ", ""]);
    }

    #[test]
    fn single_and_empty() {
        assert_eq!(prefixes(&[0]), vec![""]);
        assert!(prefixes(&[]).is_empty());
        assert_eq!(
            prefixes(&[0, 1, 2, 3]),
            vec!["", "└─ ", "   └─ ", "      └─ "]
        );
    }
}
