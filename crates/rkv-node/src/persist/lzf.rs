//! LZF compression, the format Redis uses for compressed strings in RDB files
//! (`RDB_ENC_LZF`) and compressed quicklist nodes.
//!
//! Hand-written rather than taken from a crate: the `lzf` crate is deprecated, `lzf-rust` is a
//! young single-maintainer crate with a larger API than we need, and we want a decompressor that
//! writes into a buffer whose size the caller has already bounded, with typed errors and no
//! `unsafe`. The format is small (three token kinds) and both directions are checked against
//! real Redis in the interop tests (`redis-check-rdb` and `redis-server` load what we compress;
//! we decompress what Redis wrote).
//!
//! Token format (from liblzf):
//! - `000LLLLL` + L+1 literal bytes (1..=32)
//! - `LLLooooo oooooooo`: back reference of L+2 bytes (L in 1..=6), offset o+1 (1..=8192)
//! - `111ooooo LLLLLLLL oooooooo`: back reference of L+9 bytes

/// Longest literal run in one token.
const MAX_LIT: usize = 32;
/// Farthest back a reference may point (offset - 1 must be below this).
const MAX_OFF: usize = 1 << 13;
/// Longest back reference.
const MAX_REF: usize = (1 << 8) + (1 << 3);
/// log2 of the largest hash table the compressor uses (smaller inputs get smaller tables, so
/// compressing a million short strings does not clear a large table a million times).
const MAX_HLOG: u32 = 14;

/// Why LZF data could not be decompressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LzfError {
    /// The data decompresses to more bytes than announced.
    #[error("lzf output longer than the announced length")]
    OutputOverflow,
    /// A token runs past the end of the compressed input.
    #[error("lzf input ends inside a token")]
    Truncated,
    /// A back reference points before the start of the output.
    #[error("lzf back reference before the start of the output")]
    BadReference,
    /// The data decompresses to fewer bytes than announced.
    #[error("lzf output shorter than the announced length")]
    OutputShort,
}

fn hash3(a: u8, b: u8, c: u8, hlog: u32) -> usize {
    let v = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
    (v.wrapping_mul(2_654_435_761) >> (32 - hlog)) as usize
}

/// Compress `input`; `None` when the result would not be shorter than `max_out` bytes (the
/// caller then stores the data raw, as Redis does when compression does not pay).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    if input.is_empty() || max_out == 0 {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(input.len() + input.len() / 32 + 1));
    // Positions + 1 (0 = empty slot) of the last occurrence of each 3-byte hash.
    let hlog = input
        .len()
        .next_power_of_two()
        .trailing_zeros()
        .clamp(4, MAX_HLOG);
    let mut table = vec![0u32; 1 << hlog];
    let mut lit_start = 0usize; // index in `input` where the pending literal run starts
    let mut ip = 0usize;
    let n = input.len();

    // Flush literals input[lit_start..end] as runs of at most MAX_LIT bytes.
    fn flush_literals(out: &mut Vec<u8>, lits: &[u8]) {
        for chunk in lits.chunks(MAX_LIT) {
            out.push((chunk.len() - 1) as u8);
            out.extend_from_slice(chunk);
        }
    }

    while ip + 2 < n {
        let h = hash3(input[ip], input[ip + 1], input[ip + 2], hlog);
        let candidate = table[h] as usize;
        table[h] = (ip + 1) as u32;
        if candidate != 0 {
            let r = candidate - 1;
            let off = ip - r - 1;
            if off < MAX_OFF && input[r..r + 3] == input[ip..ip + 3] {
                let maxlen = (n - ip).min(MAX_REF);
                let mut len = 3;
                while len < maxlen && input[r + len] == input[ip + len] {
                    len += 1;
                }
                flush_literals(&mut out, &input[lit_start..ip]);
                let l = len - 2;
                if l < 7 {
                    out.push(((off >> 8) as u8) | ((l as u8) << 5));
                } else {
                    out.push(((off >> 8) as u8) | (7 << 5));
                    out.push((l - 7) as u8);
                }
                out.push((off & 0xff) as u8);
                if out.len() >= max_out {
                    return None;
                }
                // Index the positions inside the match so later data can refer to them.
                let end = ip + len;
                let mut p = ip + 1;
                while p < end && p + 2 < n {
                    table[hash3(input[p], input[p + 1], input[p + 2], hlog)] = (p + 1) as u32;
                    p += 1;
                }
                ip = end;
                lit_start = ip;
                continue;
            }
        }
        ip += 1;
        // Account for the literal's bytes early so incompressible data stops soon.
        if out.len() + (ip - lit_start) + (ip - lit_start).div_ceil(MAX_LIT) >= max_out {
            return None;
        }
    }
    flush_literals(&mut out, &input[lit_start..]);
    if out.len() >= max_out {
        return None;
    }
    Some(out)
}

/// Decompress `input`, which must expand to exactly `out_len` bytes. The caller bounds
/// `out_len` before calling (it comes from the file).
pub fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, LzfError> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            if out.len() + run > out_len {
                return Err(LzfError::OutputOverflow);
            }
            let lits = input.get(ip..ip + run).ok_or(LzfError::Truncated)?;
            out.extend_from_slice(lits);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(ip).ok_or(LzfError::Truncated)?);
                ip += 1;
            }
            let low = usize::from(*input.get(ip).ok_or(LzfError::Truncated)?);
            ip += 1;
            let back = ((ctrl & 0x1f) << 8) + low + 1;
            let len = len + 2;
            if out.len() + len > out_len {
                return Err(LzfError::OutputOverflow);
            }
            let start = out.len().checked_sub(back).ok_or(LzfError::BadReference)?;
            if start + len <= out.len() {
                out.extend_from_within(start..start + len);
            } else {
                // Overlapping copy: a run that repeats the last `back` bytes.
                for i in 0..len {
                    let b = out[start + i];
                    out.push(b);
                }
            }
        }
    }
    if out.len() != out_len {
        return Err(LzfError::OutputShort);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        if let Some(c) = compress(data, data.len()) {
            assert!(c.len() < data.len());
            assert_eq!(decompress(&c, data.len()).unwrap(), data);
        }
    }

    #[test]
    fn compresses_repetitive_data_and_round_trips() {
        let data = b"abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc".repeat(100);
        let c = compress(&data, data.len()).unwrap();
        assert!(c.len() < data.len() / 10, "{} bytes", c.len());
        assert_eq!(decompress(&c, data.len()).unwrap(), data);
        round_trip(&[b'a'; 100_000]);
        round_trip(b"hello hello hello hello hello");
    }

    #[test]
    fn incompressible_data_is_refused() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let data: Vec<u8> = (0..1000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        assert!(compress(&data, data.len() - 4).is_none());
    }

    #[test]
    fn decompress_rejects_hostile_input() {
        assert_eq!(decompress(&[5, b'a'], 6), Err(LzfError::Truncated));
        assert_eq!(decompress(&[0xe0], 100), Err(LzfError::Truncated));
        assert_eq!(decompress(&[0x20, 0x00], 3), Err(LzfError::BadReference));
        assert_eq!(
            decompress(&[0, b'a', 0x20, 0x00], 2),
            Err(LzfError::OutputOverflow)
        );
        assert_eq!(decompress(&[0, b'a'], 2), Err(LzfError::OutputShort));
        assert_eq!(decompress(&[0, b'a', 0x20, 0x00], 4).unwrap(), b"aaaa");
    }

    #[test]
    fn long_matches_and_far_offsets() {
        let mut data = Vec::new();
        for i in 0..20_000u32 {
            data.extend_from_slice(&(i % 9000).to_le_bytes());
        }
        round_trip(&data);
        let mut data2 = vec![7u8; 300];
        data2.extend((0..9000u32).map(|i| (i * 31 % 251) as u8));
        data2.extend(vec![7u8; 300]);
        round_trip(&data2);
    }
}
