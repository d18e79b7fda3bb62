//! A full RESP2/RESP3 frame parser, for reading replies (the replication client and tests).
//!
//! Stateless: it parses one frame from the front of a slice, or reports that more bytes are
//! needed. Every length is checked against [`FrameLimits`] before anything is allocated, and
//! capacities are reserved only for what the input can actually hold.

use super::Frame;
use super::request::parse_i64;
use bytes::Bytes;

/// Bounds on a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Longest bulk / verbatim / blob error.
    pub max_bulk_len: usize,
    /// Most elements in one aggregate.
    pub max_elements: usize,
    /// Deepest nesting of aggregates.
    pub max_depth: usize,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            max_bulk_len: 512 * 1024 * 1024,
            max_elements: 1 << 31,
            max_depth: 64,
        }
    }
}

/// Why a frame could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A byte that starts no RESP type.
    #[error("unknown frame type byte {0:#04x}")]
    UnknownType(u8),
    /// A malformed length, integer, double or boolean.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A length over the limits.
    #[error("{0} over the limit")]
    TooLarge(&'static str),
    /// Aggregates nested deeper than allowed.
    #[error("frame nested too deeply")]
    TooDeep,
}

/// Parse one frame from the front of `buf`: `Ok(Some((frame, consumed)))`, `Ok(None)` when
/// the frame is not complete yet.
pub fn parse_frame(buf: &[u8], limits: &FrameLimits) -> Result<Option<(Frame, usize)>, FrameError> {
    let mut pos = 0;
    match parse_at(buf, &mut pos, limits, 0)? {
        Some(f) => Ok(Some((f, pos))),
        None => Ok(None),
    }
}

fn line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let start = *pos;
    let rel = buf[start..].windows(2).position(|w| w == b"\r\n")?;
    *pos = start + rel + 2;
    Some(&buf[start..start + rel])
}

fn len_of(l: &[u8], what: &'static str, max: usize) -> Result<Option<usize>, FrameError> {
    let n = parse_i64(l).ok_or(FrameError::Malformed(what))?;
    if n < 0 {
        return if n == -1 {
            Ok(None)
        } else {
            Err(FrameError::Malformed(what))
        };
    }
    let n = usize::try_from(n).map_err(|_| FrameError::TooLarge(what))?;
    if n > max {
        return Err(FrameError::TooLarge(what));
    }
    Ok(Some(n))
}

fn blob<'a>(buf: &'a [u8], pos: &mut usize, len: usize) -> Option<&'a [u8]> {
    let end = pos.checked_add(len)?.checked_add(2)?;
    if buf.len() < end {
        return None;
    }
    let b = &buf[*pos..*pos + len];
    *pos = end;
    Some(b)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse_at(
    buf: &[u8],
    pos: &mut usize,
    limits: &FrameLimits,
    depth: usize,
) -> Result<Option<Frame>, FrameError> {
    if *pos >= buf.len() {
        return Ok(None);
    }
    if depth > limits.max_depth {
        return Err(FrameError::TooDeep);
    }
    let ty = buf[*pos];
    *pos += 1;
    let Some(l) = line(buf, pos) else {
        return Ok(None);
    };
    let frame = match ty {
        b'+' => Frame::Simple(text(l).into()),
        b'-' => Frame::Error(text(l)),
        b':' => Frame::Integer(parse_i64(l).ok_or(FrameError::Malformed("integer"))?),
        b'(' => Frame::Simple(text(l).into()),
        b'_' => Frame::Null,
        b'#' => match l {
            b"t" => Frame::Boolean(true),
            b"f" => Frame::Boolean(false),
            _ => return Err(FrameError::Malformed("boolean")),
        },
        b',' => Frame::Double(parse_double(l).ok_or(FrameError::Malformed("double"))?),
        b'$' | b'!' | b'=' => {
            let Some(len) = len_of(l, "bulk length", limits.max_bulk_len)? else {
                return Ok(Some(Frame::Null));
            };
            let Some(b) = blob(buf, pos, len) else {
                return Ok(None);
            };
            match ty {
                b'$' => Frame::Bulk(Bytes::copy_from_slice(b)),
                b'!' => Frame::Error(text(b)),
                _ => {
                    if b.len() < 4 || b[3] != b':' {
                        return Err(FrameError::Malformed("verbatim string"));
                    }
                    Frame::Verbatim(text(&b[..3]), Bytes::copy_from_slice(&b[4..]))
                }
            }
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let Some(n) = len_of(l, "aggregate length", limits.max_elements)? else {
                return Ok(Some(if ty == b'*' {
                    Frame::NullArray
                } else {
                    Frame::Null
                }));
            };
            // Each element takes at least 3 bytes, so never reserve more than the input holds.
            let cap = n.min((buf.len() - *pos) / 3 + 1);
            if ty == b'%' || ty == b'|' {
                let mut pairs = Vec::with_capacity(cap / 2);
                for _ in 0..n {
                    let Some(k) = parse_at(buf, pos, limits, depth + 1)? else {
                        return Ok(None);
                    };
                    let Some(v) = parse_at(buf, pos, limits, depth + 1)? else {
                        return Ok(None);
                    };
                    pairs.push((k, v));
                }
                if ty == b'|' {
                    // An attribute annotates the frame that follows; we keep only that frame.
                    return parse_at(buf, pos, limits, depth + 1);
                }
                Frame::Map(pairs)
            } else {
                let mut items = Vec::with_capacity(cap);
                for _ in 0..n {
                    let Some(f) = parse_at(buf, pos, limits, depth + 1)? else {
                        return Ok(None);
                    };
                    items.push(f);
                }
                match ty {
                    b'*' => Frame::Array(items),
                    b'~' => Frame::Set(items),
                    _ => Frame::Push(items),
                }
            }
        }
        other => return Err(FrameError::UnknownType(other)),
    };
    Ok(Some(frame))
}

fn parse_double(l: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(l).ok()?;
    match s {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_and_attribute_chains_are_bounded() {
        let deep = "*1\r\n".repeat(100) + ":1\r\n";
        assert_eq!(
            parse_frame(deep.as_bytes(), &FrameLimits::default()),
            Err(FrameError::TooDeep)
        );
        let attrs = "|1\r\n+a\r\n+b\r\n".repeat(100) + ":1\r\n";
        assert_eq!(
            parse_frame(attrs.as_bytes(), &FrameLimits::default()),
            Err(FrameError::TooDeep)
        );
        let one = "|1\r\n+a\r\n+b\r\n:7\r\n";
        assert_eq!(
            parse_frame(one.as_bytes(), &FrameLimits::default()),
            Ok(Some((Frame::Integer(7), one.len())))
        );
    }

    #[test]
    fn reply_types() {
        let l = FrameLimits::default();
        let p = |s: &str| parse_frame(s.as_bytes(), &l).unwrap().unwrap().0;
        assert_eq!(p("$-1\r\n"), Frame::Null);
        assert_eq!(p("*-1\r\n"), Frame::NullArray);
        assert_eq!(p("_\r\n"), Frame::Null);
        assert_eq!(p(",inf\r\n"), Frame::Double(f64::INFINITY));
        assert_eq!(p("!3\r\nERR\r\n"), Frame::Error("ERR".into()));
        assert_eq!(
            p("=7\r\ntxt:abc\r\n"),
            Frame::Verbatim("txt".into(), Bytes::from_static(b"abc"))
        );
        assert_eq!(
            p("%1\r\n+k\r\n:1\r\n"),
            Frame::Map(vec![(Frame::Simple("k".into()), Frame::Integer(1))])
        );
        assert_eq!(parse_frame(b"$5\r\nab", &l), Ok(None));
        assert!(parse_frame(b"?x\r\n", &l).is_err());
        let small = FrameLimits {
            max_bulk_len: 4,
            ..FrameLimits::default()
        };
        assert_eq!(
            parse_frame(b"$5\r\nabcde\r\n", &small),
            Err(FrameError::TooLarge("bulk length"))
        );
    }
}
