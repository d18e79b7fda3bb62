//! The encoder: writes a [`Frame`] into a `BytesMut` for protocol 2 or 3.
//!
//! Integers and lengths are formatted on the stack (no intermediate `String`), and the whole
//! reply batch of a connection goes into one buffer, so a pipeline costs one write.

use super::Frame;
use bytes::{BufMut, BytesMut};

/// Which protocol a connection speaks (set by HELLO).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default.
    #[default]
    Resp2,
    /// RESP3.
    Resp3,
}

/// Write the decimal form of `v` into `out` without allocating.
pub fn put_int(out: &mut BytesMut, v: i64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    let neg = v < 0;
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if neg {
        out.put_u8(b'-');
    }
    out.put_slice(&tmp[i..]);
}

fn put_header(out: &mut BytesMut, ty: u8, n: usize) {
    out.put_u8(ty);
    put_int(out, i64::try_from(n).unwrap_or(i64::MAX));
    out.put_slice(b"\r\n");
}

/// Simple strings and errors cannot hold CR or LF; Redis replaces them with spaces.
fn put_line(out: &mut BytesMut, ty: u8, s: &str) {
    out.put_u8(ty);
    if s.bytes().any(|b| b == b'\r' || b == b'\n') {
        out.extend(
            s.bytes()
                .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
    } else {
        out.put_slice(s.as_bytes());
    }
    out.put_slice(b"\r\n");
}

/// How a double is written: shortest round-tripping form, `inf`/`-inf`/`nan` as Redis does.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        "nan".to_string()
    } else if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{d}")
    }
}

/// Append the encoding of `frame` for `proto` to `out`.
pub fn encode(frame: &Frame, proto: Protocol, out: &mut BytesMut) {
    let v3 = proto == Protocol::Resp3;
    match frame {
        Frame::Simple(s) => put_line(out, b'+', s),
        Frame::Error(s) => put_line(out, b'-', s),
        Frame::Integer(i) => {
            out.put_u8(b':');
            put_int(out, *i);
            out.put_slice(b"\r\n");
        }
        Frame::Bulk(b) => {
            put_header(out, b'$', b.len());
            out.put_slice(b);
            out.put_slice(b"\r\n");
        }
        Frame::Array(items) => {
            put_header(out, b'*', items.len());
            for f in items {
                encode(f, proto, out);
            }
        }
        Frame::Null => out.put_slice(if v3 { b"_\r\n" } else { b"$-1\r\n" }),
        Frame::NullArray => out.put_slice(if v3 { b"_\r\n" } else { b"*-1\r\n" }),
        Frame::Double(d) => {
            let s = format_double(*d);
            if v3 {
                put_line(out, b',', &s);
            } else {
                put_header(out, b'$', s.len());
                out.put_slice(s.as_bytes());
                out.put_slice(b"\r\n");
            }
        }
        Frame::Boolean(b) => {
            if v3 {
                out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
            } else {
                out.put_slice(if *b { b":1\r\n" } else { b":0\r\n" });
            }
        }
        Frame::Map(pairs) => {
            if v3 {
                put_header(out, b'%', pairs.len());
            } else {
                put_header(out, b'*', pairs.len() * 2);
            }
            for (k, v) in pairs {
                encode(k, proto, out);
                encode(v, proto, out);
            }
        }
        Frame::Set(items) | Frame::Push(items) => {
            let ty = match (v3, frame) {
                (false, _) => b'*',
                (true, Frame::Set(_)) => b'~',
                (true, _) => b'>',
            };
            put_header(out, ty, items.len());
            for f in items {
                encode(f, proto, out);
            }
        }
        Frame::Verbatim(fmt, b) => {
            if v3 {
                put_header(out, b'=', b.len() + 4);
                let tag = fmt.as_bytes();
                let mut t = [b' '; 3];
                for (d, s) in t.iter_mut().zip(tag) {
                    *d = *s;
                }
                out.put_slice(&t);
                out.put_u8(b':');
            } else {
                put_header(out, b'$', b.len());
            }
            out.put_slice(b);
            out.put_slice(b"\r\n");
        }
    }
}

impl Frame {
    /// The encoding of this frame for `proto`, as a fresh buffer (tests and one-off replies).
    pub fn to_bytes(&self, proto: Protocol) -> BytesMut {
        let mut out = BytesMut::new();
        encode(self, proto, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn enc(f: &Frame, p: Protocol) -> String {
        String::from_utf8(f.to_bytes(p).to_vec()).unwrap()
    }

    #[test]
    fn resp2_downgrades() {
        let m = Frame::Map(vec![(Frame::bulk("a"), Frame::Integer(-1))]);
        assert_eq!(enc(&m, Protocol::Resp2), "*2\r\n$1\r\na\r\n:-1\r\n");
        assert_eq!(enc(&m, Protocol::Resp3), "%1\r\n$1\r\na\r\n:-1\r\n");
        assert_eq!(enc(&Frame::Null, Protocol::Resp2), "$-1\r\n");
        assert_eq!(enc(&Frame::NullArray, Protocol::Resp2), "*-1\r\n");
        assert_eq!(enc(&Frame::Null, Protocol::Resp3), "_\r\n");
        assert_eq!(enc(&Frame::Double(1.5), Protocol::Resp2), "$3\r\n1.5\r\n");
        assert_eq!(enc(&Frame::Double(1.5), Protocol::Resp3), ",1.5\r\n");
        assert_eq!(enc(&Frame::Boolean(true), Protocol::Resp2), ":1\r\n");
        assert_eq!(enc(&Frame::Boolean(false), Protocol::Resp3), "#f\r\n");
        let v = Frame::Verbatim("txt".into(), Bytes::from_static(b"hi"));
        assert_eq!(enc(&v, Protocol::Resp2), "$2\r\nhi\r\n");
        assert_eq!(enc(&v, Protocol::Resp3), "=6\r\ntxt:hi\r\n");
    }

    #[test]
    fn integers_and_lines() {
        for v in [0i64, 7, -7, 1234567890, i64::MIN, i64::MAX] {
            assert_eq!(
                enc(&Frame::Integer(v), Protocol::Resp2),
                format!(":{v}\r\n")
            );
        }
        assert_eq!(
            enc(&Frame::error("ERR a\r\nb"), Protocol::Resp2),
            "-ERR a  b\r\n"
        );
    }
}
