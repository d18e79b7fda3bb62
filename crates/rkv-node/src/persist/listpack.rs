//! Reading Redis listpacks (the compact encoding of small hashes, sorted sets, 7.2 sets, and
//! of quicklist nodes since 7.0), as they appear inside RDB string blobs.
//!
//! Layout: `total_bytes:u32le num_elements:u16le entry* 0xFF`, each entry being an encoding
//! byte (plus length or integer bytes), the data, and a backwards-encoded entry length. Every
//! access is bounds-checked: a listpack comes from an untrusted file.

use bytes::Bytes;

/// Decode every element of a listpack; integers become their decimal text, as Redis returns
/// them to clients.
pub fn entries(lp: &[u8]) -> Result<Vec<Bytes>, String> {
    if lp.len() < 7 {
        return Err(format!("listpack of {} bytes is too short", lp.len()));
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    if total != lp.len() {
        return Err(format!(
            "listpack header says {total} bytes but the blob has {}",
            lp.len()
        ));
    }
    let declared = u16::from_le_bytes([lp[4], lp[5]]);
    let mut out = Vec::new();
    let mut p = 6usize;
    loop {
        let enc = *lp.get(p).ok_or("listpack ends without a terminator")?;
        if enc == 0xFF {
            if p != lp.len() - 1 {
                return Err("listpack terminator before the end of the blob".into());
            }
            break;
        }
        let (head, data_len, value): (usize, usize, Option<i64>) = if enc & 0x80 == 0 {
            (1, 0, Some(i64::from(enc & 0x7f)))
        } else if enc & 0xC0 == 0x80 {
            (1, usize::from(enc & 0x3f), None)
        } else if enc & 0xE0 == 0xC0 {
            let b = *lp.get(p + 1).ok_or("listpack truncated in an integer")?;
            let u = (u64::from(enc & 0x1f) << 8) | u64::from(b);
            (2, 0, Some(sign_extend(u, 13)))
        } else if enc & 0xF0 == 0xE0 {
            let b = *lp.get(p + 1).ok_or("listpack truncated in a length")?;
            (2, (usize::from(enc & 0x0f) << 8) | usize::from(b), None)
        } else {
            match enc {
                0xF0 => {
                    let l = lp
                        .get(p + 1..p + 5)
                        .ok_or("listpack truncated in a length")?;
                    let len = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                    (5, len, None)
                }
                0xF1 => int_entry(lp, p, 2)?,
                0xF2 => int_entry(lp, p, 3)?,
                0xF3 => int_entry(lp, p, 4)?,
                0xF4 => int_entry(lp, p, 8)?,
                other => {
                    return Err(format!(
                        "listpack has an unknown encoding byte {other:#04x}"
                    ));
                }
            }
        };
        let data_start = p + head;
        let data_end = data_start
            .checked_add(data_len)
            .filter(|&e| e <= lp.len())
            .ok_or("listpack entry runs past the end")?;
        let entry_len = head + data_len;
        let back = backlen_size(entry_len);
        let next = data_end + back;
        if next > lp.len() {
            return Err("listpack entry length runs past the end".into());
        }
        if decode_backlen(&lp[data_end..next]) != Some(entry_len as u64) {
            return Err("listpack entry has a wrong back length".into());
        }
        out.push(match value {
            Some(v) => Bytes::from(v.to_string()),
            None => Bytes::copy_from_slice(&lp[data_start..data_end]),
        });
        p = next;
    }
    if declared != u16::MAX && usize::from(declared) != out.len() {
        return Err(format!(
            "listpack header says {declared} elements but has {}",
            out.len()
        ));
    }
    Ok(out)
}

/// An integer entry of `n` little-endian bytes after the encoding byte: (head size, 0, value).
fn int_entry(lp: &[u8], p: usize, n: usize) -> Result<(usize, usize, Option<i64>), String> {
    let b = lp
        .get(p + 1..p + 1 + n)
        .ok_or("listpack truncated in an integer")?;
    let mut u = 0u64;
    for (i, &x) in b.iter().enumerate() {
        u |= u64::from(x) << (8 * i);
    }
    Ok((1 + n, 0, Some(sign_extend(u, (n * 8) as u32))))
}

fn sign_extend(u: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((u << shift) as i64) >> shift
}

/// Bytes used by the back length of an entry of `l` bytes (as `lpEncodeBacklen`).
fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..16383 => 2,
        16383..2097151 => 3,
        2097151..268435455 => 4,
        _ => 5,
    }
}

/// The back length is stored most significant group first, each byte but the first flagged
/// with the high bit; it is read backwards from its last byte.
fn decode_backlen(b: &[u8]) -> Option<u64> {
    let mut val = 0u64;
    let mut shift = 0;
    for (i, &x) in b.iter().rev().enumerate() {
        val |= u64::from(x & 127) << shift;
        let last = i + 1 == b.len();
        if (x & 128 == 0) != last {
            return None;
        }
        shift += 7;
    }
    Some(val)
}

fn put_backlen(body: &mut Vec<u8>, l: usize) {
    let size = backlen_size(l);
    for i in 0..size {
        let group = (l >> (7 * (size - 1 - i))) & 127;
        body.push(group as u8 | if i == 0 { 0 } else { 128 });
    }
}

/// Redis's `string2ll` test for the integer encoding: an optional `-`, no leading zeros.
fn as_int(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b == b"0" {
        return Some(0);
    }
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if digits.is_empty() || digits[0] == b'0' || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Build a listpack from elements as Redis's `lpAppend` stores them: text that is a
/// canonical 64-bit integer in the smallest integer encoding, anything else as a string.
/// The element count saturates at 65535 as in Redis (the header then means "count them").
pub fn encode(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for it in items {
        let start = body.len();
        if let Some(v) = as_int(it) {
            if (0..=127).contains(&v) {
                body.push(v as u8);
            } else if (-4096..4096).contains(&v) {
                let u = (v as u64) & 0x1fff;
                body.push(0xC0 | (u >> 8) as u8);
                body.push((u & 0xff) as u8);
            } else if i16::try_from(v).is_ok() {
                body.push(0xF1);
                body.extend_from_slice(&(v as i16).to_le_bytes());
            } else if (-(1 << 23)..(1 << 23)).contains(&v) {
                body.push(0xF2);
                body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            } else if i32::try_from(v).is_ok() {
                body.push(0xF3);
                body.extend_from_slice(&(v as i32).to_le_bytes());
            } else {
                body.push(0xF4);
                body.extend_from_slice(&v.to_le_bytes());
            }
        } else {
            let n = it.len();
            if n < 64 {
                body.push(0x80 | n as u8);
            } else if n < 4096 {
                body.push(0xE0 | (n >> 8) as u8);
                body.push((n & 0xff) as u8);
            } else {
                body.push(0xF0);
                body.extend_from_slice(&(n as u32).to_le_bytes());
            }
            body.extend_from_slice(it);
        }
        let l = body.len() - start;
        put_backlen(&mut body, l);
    }
    let total = 6 + body.len() + 1;
    let mut lp = Vec::with_capacity(total);
    lp.extend_from_slice(&(total as u32).to_le_bytes());
    lp.extend_from_slice(&(u16::try_from(items.len()).unwrap_or(u16::MAX)).to_le_bytes());
    lp.extend_from_slice(&body);
    lp.push(0xFF);
    lp
}

/// Build a listpack of string elements only (tests use it to produce what Redis writes).
#[cfg(test)]
pub fn encode_strings(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for it in items {
        let start = body.len();
        let n = it.len();
        if n < 64 {
            body.push(0x80 | n as u8);
        } else if n < 4096 {
            body.push(0xE0 | (n >> 8) as u8);
            body.push((n & 0xff) as u8);
        } else {
            body.push(0xF0);
            body.extend_from_slice(&(n as u32).to_le_bytes());
        }
        body.extend_from_slice(it);
        let l = body.len() - start;
        put_backlen(&mut body, l);
    }
    let total = 6 + body.len() + 1;
    let mut lp = Vec::with_capacity(total);
    lp.extend_from_slice(&(total as u32).to_le_bytes());
    lp.extend_from_slice(&(items.len() as u16).to_le_bytes());
    lp.extend_from_slice(&body);
    lp.push(0xFF);
    lp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_round_trips_integers_and_strings() {
        let items: Vec<&[u8]> = vec![
            b"0",
            b"127",
            b"128",
            b"-1",
            b"4095",
            b"-4096",
            b"30000",
            b"-30000",
            b"8000000",
            b"-8000000",
            b"2000000000",
            b"-9223372036854775808",
            b"9223372036854775807",
            b"007",
            b"-0",
            b"1.5",
            b"",
            b"abc",
        ];
        let big = vec![b'z'; 5000];
        let mut all = items.clone();
        all.push(&big);
        let lp = encode(&all);
        let back = entries(&lp).unwrap();
        assert_eq!(back.len(), all.len());
        for (a, b) in all.iter().zip(&back) {
            assert_eq!(*a, &b[..]);
        }
        // Small integers take their one-byte encoding.
        assert_eq!(encode(&[b"5"]), vec![9, 0, 0, 0, 1, 0, 5, 1, 0xFF]);
    }

    #[test]
    fn decodes_strings_and_every_integer_width() {
        let mut lp = encode_strings(&[b"a", &[b'x'; 100], &[b'y'; 5000]]);
        assert_eq!(
            entries(&lp).unwrap(),
            vec![
                Bytes::from_static(b"a"),
                Bytes::from(vec![b'x'; 100]),
                Bytes::from(vec![b'y'; 5000])
            ]
        );
        // Integers: 7-bit 5, 13-bit -2, int16 -300, int24 100000, int32 -2^31, int64 2^40.
        let ints: Vec<u8> = vec![
            0x05,
            1, // 7bit
            0xC0 | 0x1f,
            0xfe,
            2, // 13bit -2
            0xF1,
            0xd4,
            0xfe,
            3, // -300
            0xF2,
            0xa0,
            0x86,
            0x01,
            4, // 100000
            0xF3,
            0,
            0,
            0,
            0x80,
            5, // i32::MIN
            0xF4,
            0,
            0,
            0,
            0,
            0,
            1,
            0,
            0,
            9, // 2^40
        ];
        let total = 6 + ints.len() + 1;
        lp = (total as u32).to_le_bytes().to_vec();
        lp.extend_from_slice(&6u16.to_le_bytes());
        lp.extend_from_slice(&ints);
        lp.push(0xFF);
        let got: Vec<String> = entries(&lp)
            .unwrap()
            .iter()
            .map(|b| String::from_utf8(b.to_vec()).unwrap())
            .collect();
        assert_eq!(
            got,
            ["5", "-2", "-300", "100000", "-2147483648", "1099511627776"]
        );
    }

    #[test]
    fn rejects_malformed_listpacks() {
        let good = encode_strings(&[b"abc"]);
        for cut in 0..good.len() {
            assert!(entries(&good[..cut]).is_err());
        }
        let mut bad = good.clone();
        bad[6] = 0x80 | 50; // string longer than the blob
        assert!(entries(&bad).is_err());
        let mut bad = good.clone();
        bad[4] = 2; // wrong count
        assert!(entries(&bad).is_err());
        let mut bad = good;
        bad[10] = 9; // wrong backlen
        assert!(entries(&bad).is_err());
    }
}
