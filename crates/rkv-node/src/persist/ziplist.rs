//! Reading Redis ziplists (the compact encoding before 7.0: RDB types 10, 12, 13 and the
//! nodes of type 14 quicklists), and the older zipmap (type 9) and the intset (type 11).
//! Every access is bounds-checked: the blobs come from an untrusted file.

use bytes::Bytes;

/// Decode every element of a ziplist; integers become their decimal text.
///
/// Layout: `zlbytes:u32le zltail:u32le zllen:u16le entry* 0xFF`; an entry is the previous
/// entry's length (1 byte, or 0xFE + u32le), an encoding header, and the data.
pub fn ziplist_entries(zl: &[u8]) -> Result<Vec<Bytes>, String> {
    if zl.len() < 11 {
        return Err(format!("ziplist of {} bytes is too short", zl.len()));
    }
    let total = u32::from_le_bytes([zl[0], zl[1], zl[2], zl[3]]) as usize;
    if total != zl.len() {
        return Err(format!(
            "ziplist header says {total} bytes but the blob has {}",
            zl.len()
        ));
    }
    let declared = u16::from_le_bytes([zl[8], zl[9]]);
    let mut out = Vec::new();
    let mut p = 10usize;
    let mut prev_len = 0usize;
    loop {
        let first = *zl.get(p).ok_or("ziplist ends without a terminator")?;
        if first == 0xFF {
            if p != zl.len() - 1 {
                return Err("ziplist terminator before the end of the blob".into());
            }
            break;
        }
        let start = p;
        let stored_prev = if first < 254 {
            p += 1;
            usize::from(first)
        } else {
            let b = zl
                .get(p + 1..p + 5)
                .ok_or("ziplist truncated in a prevlen")?;
            p += 5;
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
        };
        if stored_prev != prev_len {
            return Err("ziplist entry has a wrong previous length".into());
        }
        let enc = *zl.get(p).ok_or("ziplist truncated in an encoding")?;
        let take = |from: usize, n: usize| -> Result<&[u8], String> {
            from.checked_add(n)
                .and_then(|end| zl.get(from..end))
                .filter(|_| from + n < zl.len())
                .ok_or_else(|| "ziplist entry runs past the end".to_string())
        };
        let value = match enc >> 6 {
            0 => {
                let n = usize::from(enc & 0x3f);
                let d = take(p + 1, n)?;
                p += 1 + n;
                Bytes::copy_from_slice(d)
            }
            1 => {
                let b = take(p + 1, 1)?;
                let n = (usize::from(enc & 0x3f) << 8) | usize::from(b[0]);
                let d = take(p + 2, n)?;
                p += 2 + n;
                Bytes::copy_from_slice(d)
            }
            2 => {
                if enc != 0x80 {
                    return Err(format!("ziplist has an unknown encoding byte {enc:#04x}"));
                }
                let b = take(p + 1, 4)?;
                let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                let d = take(p + 5, n)?;
                p += 5 + n;
                Bytes::copy_from_slice(d)
            }
            _ => {
                let (n, v): (usize, i64) = match enc {
                    0xC0 => {
                        let b = take(p + 1, 2)?;
                        (2, i64::from(i16::from_le_bytes([b[0], b[1]])))
                    }
                    0xD0 => {
                        let b = take(p + 1, 4)?;
                        (4, i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                    }
                    0xE0 => {
                        let b = take(p + 1, 8)?;
                        let mut a = [0u8; 8];
                        a.copy_from_slice(b);
                        (8, i64::from_le_bytes(a))
                    }
                    0xF0 => {
                        let b = take(p + 1, 3)?;
                        (3, i64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8))
                    }
                    0xFE => {
                        let b = take(p + 1, 1)?;
                        (1, i64::from(b[0] as i8))
                    }
                    0xF1..=0xFD => (0, i64::from(enc & 0x0f) - 1),
                    other => {
                        return Err(format!("ziplist has an unknown encoding byte {other:#04x}"));
                    }
                };
                take(p + 1, n)?;
                p += 1 + n;
                Bytes::from(v.to_string())
            }
        };
        prev_len = p - start;
        out.push(value);
    }
    if declared != u16::MAX && usize::from(declared) != out.len() {
        return Err(format!(
            "ziplist header says {declared} elements but has {}",
            out.len()
        ));
    }
    Ok(out)
}

/// Decode an intset: `encoding:u32le (2, 4 or 8) length:u32le` then sorted little-endian
/// integers. Members come back as decimal text.
pub fn intset_members(is: &[u8]) -> Result<Vec<Bytes>, String> {
    if is.len() < 8 {
        return Err(format!("intset of {} bytes is too short", is.len()));
    }
    let width = u32::from_le_bytes([is[0], is[1], is[2], is[3]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(format!("intset has an invalid width {width}"));
    }
    let count = u32::from_le_bytes([is[4], is[5], is[6], is[7]]) as usize;
    let body = &is[8..];
    if count.checked_mul(width) != Some(body.len()) {
        return Err(format!(
            "intset of {count} members of {width} bytes does not fit {} bytes",
            body.len()
        ));
    }
    let mut out = Vec::with_capacity(count);
    let mut prev: Option<i64> = None;
    for c in body.chunks_exact(width) {
        let v = match width {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                i64::from_le_bytes(a)
            }
        };
        if prev.is_some_and(|p| p >= v) {
            return Err("intset members are not sorted and unique".into());
        }
        prev = Some(v);
        out.push(Bytes::from(v.to_string()));
    }
    Ok(out)
}

/// Decode a zipmap (Redis 2.x hashes) into field, value, field, value, …
///
/// Layout: `count:u8` then `len field len free value <free bytes>` pairs and 0xFF; a length
/// is one byte below 254, or 254 followed by a u32le.
pub fn zipmap_pairs(zm: &[u8]) -> Result<Vec<Bytes>, String> {
    if zm.len() < 2 || zm[zm.len() - 1] != 0xFF {
        return Err("zipmap is too short or not terminated".into());
    }
    let mut out = Vec::new();
    let mut p = 1usize;
    let read_len = |p: &mut usize| -> Result<usize, String> {
        let b = *zm.get(*p).ok_or("zipmap truncated in a length")?;
        match b {
            0..=253 => {
                *p += 1;
                Ok(usize::from(b))
            }
            254 => {
                let l = zm
                    .get(*p + 1..*p + 5)
                    .ok_or("zipmap truncated in a length")?;
                *p += 5;
                Ok(u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize)
            }
            _ => Err("zipmap ends inside a pair".into()),
        }
    };
    let slice = |from: usize, n: usize| -> Result<&[u8], String> {
        from.checked_add(n)
            .filter(|&end| end < zm.len())
            .map(|end| &zm[from..end])
            .ok_or_else(|| "zipmap entry runs past the end".to_string())
    };
    while zm[p] != 0xFF {
        let klen = read_len(&mut p)?;
        let key = slice(p, klen)?;
        p += klen;
        let vlen = read_len(&mut p)?;
        let free = usize::from(*zm.get(p).ok_or("zipmap truncated")?);
        p += 1;
        let val = slice(p, vlen)?;
        p += vlen;
        slice(p, free)?;
        p += free;
        out.push(Bytes::copy_from_slice(key));
        out.push(Bytes::copy_from_slice(val));
        if p >= zm.len() {
            return Err("zipmap runs past the end".into());
        }
    }
    if p != zm.len() - 1 {
        return Err("zipmap terminator before the end of the blob".into());
    }
    if out.is_empty() {
        return Err("empty zipmap".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ziplist as Redis 6 writes it: "a", 300, -5, 7 (immediate), and a 70-byte string.
    fn sample() -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0u8;
        let mut push = |body: &mut Vec<u8>, entry: &[u8]| {
            let start = body.len();
            body.push(prev);
            body.extend_from_slice(entry);
            prev = (body.len() - start) as u8;
        };
        push(&mut body, &[0x01, b'a']);
        push(&mut body, &[0xC0, 0x2c, 0x01]);
        push(&mut body, &[0xFE, 0xfb]);
        push(&mut body, &[0xF8]);
        let mut long = vec![0x40, 70];
        long.extend_from_slice(&[b'z'; 70]);
        push(&mut body, &long);
        let total = 10 + body.len() + 1;
        let mut zl = (total as u32).to_le_bytes().to_vec();
        zl.extend_from_slice(&0u32.to_le_bytes());
        zl.extend_from_slice(&5u16.to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xFF);
        zl
    }

    #[test]
    fn decodes_a_ziplist() {
        let got = ziplist_entries(&sample()).unwrap();
        assert_eq!(got[0], "a");
        assert_eq!(got[1], "300");
        assert_eq!(got[2], "-5");
        assert_eq!(got[3], "7");
        assert_eq!(got[4], Bytes::from(vec![b'z'; 70]));
        let s = sample();
        for cut in 0..s.len() {
            assert!(ziplist_entries(&s[..cut]).is_err());
        }
    }

    #[test]
    fn decodes_an_intset_and_rejects_bad_ones() {
        let mut is = 2u32.to_le_bytes().to_vec();
        is.extend_from_slice(&3u32.to_le_bytes());
        for v in [-5i16, 1, 300] {
            is.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(intset_members(&is).unwrap(), vec!["-5", "1", "300"]);
        let mut unsorted = is.clone();
        unsorted[8..10].copy_from_slice(&500i16.to_le_bytes());
        assert!(intset_members(&unsorted).is_err());
        assert!(intset_members(&is[..is.len() - 1]).is_err());
    }

    #[test]
    fn decodes_a_zipmap() {
        let zm = b"\x02\x03foo\x03\x00bar\x05hello\x05\x02worldXY\xff";
        assert_eq!(
            zipmap_pairs(zm).unwrap(),
            vec!["foo", "bar", "hello", "world"]
        );
        for cut in 0..zm.len() - 1 {
            assert!(zipmap_pairs(&zm[..cut]).is_err());
        }
    }
}
