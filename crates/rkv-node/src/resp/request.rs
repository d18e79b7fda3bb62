//! The request parser: turns the bytes a client sends into argument vectors.
//!
//! It accepts what Redis's `processMultibulkBuffer` and `processInlineBuffer` accept, with the
//! same limits and the same error texts (networking.c, Redis 7.0). It is incremental: complete
//! arguments are taken off the buffer as they arrive, so a large MSET arriving slowly is not
//! rescanned from the start on every read, and nothing is allocated from a declared length
//! beyond what has actually arrived.

use bytes::{Buf, Bytes, BytesMut};

/// Longest inline command, and longest `*N` / `$N` header line (Redis's PROTO_INLINE_MAX_SIZE).
pub const INLINE_MAX: usize = 64 * 1024;
/// Before authentication a client may only send this many arguments (as Redis).
pub const UNAUTH_MAX_ARGS: i64 = 10;
/// Before authentication a client may only send bulks this long (as Redis).
pub const UNAUTH_MAX_BULK: i64 = 16384;
/// Arguments at least this long are split off the read buffer instead of copied.
const SPLIT_THRESHOLD: usize = 64 * 1024;
/// Most capacity we reserve up front for an argument vector, whatever `*N` claims (32 KB of
/// `Bytes` handles); beyond it the vector grows as arguments actually arrive.
const ARGV_PREALLOC: usize = 1024;

/// Limits the parser applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `proto-max-bulk-len`: the longest bulk argument (512 MB by default).
    pub max_bulk_len: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: 512 * 1024 * 1024,
        }
    }
}

/// A protocol error: the client is sent `-ERR Protocol error: …` and disconnected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A `*N` header that is not a number or is too large.
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// A `$N` header that is not a number, negative, or over the bulk limit.
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// Something other than `$` where a bulk header should start.
    #[error("Protocol error: expected '$', got '{0}'")]
    ExpectedDollar(char),
    /// An inline command line longer than 64 KB.
    #[error("Protocol error: too big inline request")]
    TooBigInline,
    /// A `*N` header line longer than 64 KB.
    #[error("Protocol error: too big mbulk count string")]
    TooBigMbulkCount,
    /// A `$N` header line longer than 64 KB.
    #[error("Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// An inline command with an unterminated quote.
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
}

/// Incremental request parser; one per connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    limits: Limits,
    /// Arguments still expected for the multibulk being read (0: between requests).
    remaining: i64,
    /// The arguments read so far.
    argv: Vec<Bytes>,
    /// The length of the bulk whose `$N` header has been consumed, if any.
    bulk_len: Option<usize>,
}

impl RequestParser {
    /// A parser with these limits.
    pub fn new(limits: Limits) -> RequestParser {
        RequestParser {
            limits,
            ..RequestParser::default()
        }
    }

    /// Change the limits (CONFIG SET proto-max-bulk-len).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// True when part of a request has been consumed but not yet completed.
    pub fn in_progress(&self) -> bool {
        self.remaining > 0
    }

    /// Take the next complete request off `buf`. `Ok(None)`: more bytes are needed (what has
    /// been consumed so far is kept in the parser). An empty inline line or `*0` yields an
    /// empty vector, which the caller skips. `authenticated` lowers the limits as Redis does
    /// for clients that have not authenticated yet.
    pub fn next(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
    ) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        if self.remaining == 0 {
            if buf.is_empty() {
                return Ok(None);
            }
            if buf[0] != b'*' {
                return parse_inline(buf);
            }
            let Some(nl) = find_crlf(buf) else {
                if buf.len() > INLINE_MAX {
                    return Err(ProtocolError::TooBigMbulkCount);
                }
                return Ok(None);
            };
            let n = parse_i64(&buf[1..nl]).ok_or(ProtocolError::InvalidMultibulkLength)?;
            if n > i64::from(i32::MAX) || (!authenticated && n > UNAUTH_MAX_ARGS) {
                return Err(ProtocolError::InvalidMultibulkLength);
            }
            buf.advance(nl + 2);
            if n <= 0 {
                return Ok(Some(Vec::new()));
            }
            self.remaining = n;
            let cap = usize::try_from(n)
                .unwrap_or(ARGV_PREALLOC)
                .min(ARGV_PREALLOC);
            self.argv = Vec::with_capacity(cap);
            self.bulk_len = None;
        }
        // Arguments are taken off the buffer by one `advance` per call, not two per argument
        // (`advance` showed in the profile of pipelined SETs): `pos` is how far this call
        // has consumed, and every return below gives those bytes up.
        let mut pos = 0;
        let result = loop {
            if self.remaining == 0 {
                break Ok(Some(std::mem::take(&mut self.argv)));
            }
            let rest = &buf[pos..];
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    let Some(nl) = find_crlf(rest) else {
                        if rest.len() > INLINE_MAX {
                            break Err(ProtocolError::TooBigBulkCount);
                        }
                        break Ok(None);
                    };
                    if rest[0] != b'$' {
                        break Err(ProtocolError::ExpectedDollar(char::from(rest[0])));
                    }
                    let Some(len) = parse_i64(&rest[1..nl]) else {
                        break Err(ProtocolError::InvalidBulkLength);
                    };
                    if len < 0
                        || len > self.limits.max_bulk_len
                        || (!authenticated && len > UNAUTH_MAX_BULK)
                    {
                        break Err(ProtocolError::InvalidBulkLength);
                    }
                    pos += nl + 2;
                    let Ok(len) = usize::try_from(len) else {
                        break Err(ProtocolError::InvalidBulkLength);
                    };
                    self.bulk_len = Some(len);
                    len
                }
            };
            if buf.len() - pos < len + 2 {
                // Let the buffer grow towards the bulk as bytes arrive, never ahead of them.
                break Ok(None);
            }
            let arg = if len >= SPLIT_THRESHOLD {
                // A large argument is split off without a copy: first give up what this call
                // consumed before it, so that the split starts at the argument.
                buf.advance(pos);
                pos = 0;
                buf.split_to(len).freeze()
            } else {
                let a = Bytes::copy_from_slice(&buf[pos..pos + len]);
                pos += len;
                a
            };
            // Redis does not check the two bytes after a bulk either; it skips them.
            pos += 2;
            self.argv.push(arg);
            self.bulk_len = None;
            self.remaining -= 1;
        };
        buf.advance(pos);
        result
    }
}

/// Parse one request from the front of `buf` without consuming it: `Ok(Some((argv, consumed)))`
/// when a whole request is there, `Ok(None)` when more bytes are needed (nothing is allocated
/// then). Same grammar, limits and errors as [`RequestParser`] for an authenticated client.
///
/// This is the form for a caller that must count bytes, such as a replica applying its
/// master's stream (the replication offset advances by `consumed`). It rescans from the start
/// on each call, so connections use the incremental [`RequestParser`] instead.
pub fn parse_request(
    buf: &[u8],
    limits: &Limits,
) -> Result<Option<(Vec<Bytes>, usize)>, ProtocolError> {
    if buf.is_empty() {
        return Ok(None);
    }
    if buf[0] != b'*' {
        let limit = buf.len().min(INLINE_MAX + 1);
        let Some(nl) = memchr(b'\n', &buf[..limit]) else {
            if buf.len() > INLINE_MAX {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(None);
        };
        let end = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let args = split_args(&buf[..end]).ok_or(ProtocolError::UnbalancedQuotes)?;
        return Ok(Some((args, nl + 1)));
    }
    let Some(nl) = find_crlf(buf) else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::TooBigMbulkCount);
        }
        return Ok(None);
    };
    let n = parse_i64(&buf[1..nl]).ok_or(ProtocolError::InvalidMultibulkLength)?;
    if n > i64::from(i32::MAX) {
        return Err(ProtocolError::InvalidMultibulkLength);
    }
    let mut pos = nl + 2;
    if n <= 0 {
        return Ok(Some((Vec::new(), pos)));
    }
    // First find the extent without allocating, then copy the arguments out.
    let mut spans = Vec::with_capacity(usize::try_from(n).unwrap_or(0).min(ARGV_PREALLOC));
    for _ in 0..n {
        let rest = &buf[pos..];
        let Some(nl) = find_crlf(rest) else {
            if rest.len() > INLINE_MAX {
                return Err(ProtocolError::TooBigBulkCount);
            }
            return Ok(None);
        };
        if rest[0] != b'$' {
            return Err(ProtocolError::ExpectedDollar(char::from(rest[0])));
        }
        let len = parse_i64(&rest[1..nl]).ok_or(ProtocolError::InvalidBulkLength)?;
        if len < 0 || len > limits.max_bulk_len {
            return Err(ProtocolError::InvalidBulkLength);
        }
        let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?;
        let start = pos + nl + 2;
        if buf.len() < start + len + 2 {
            return Ok(None);
        }
        spans.push((start, len));
        pos = start + len + 2;
    }
    let argv = spans
        .into_iter()
        .map(|(s, l)| Bytes::copy_from_slice(&buf[s..s + l]))
        .collect();
    Ok(Some((argv, pos)))
}

/// Position of the first `\r\n` (Redis looks for `\r` and requires `\n` after it).
fn find_crlf(buf: &[u8]) -> Option<usize> {
    let limit = buf.len().min(INLINE_MAX + 2);
    let pos = memchr(b'\r', &buf[..limit])?;
    if pos + 1 < buf.len() { Some(pos) } else { None }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Parse a decimal integer strictly as Redis's string2ll: optional `-`, digits, no spaces,
/// no leading `+`, no leading zeros except `0`, fits in i64.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || neg)) {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = i64::from(d - b'0');
        v = if neg {
            v.checked_mul(10)?.checked_sub(digit)?
        } else {
            v.checked_mul(10)?.checked_add(digit)?
        };
    }
    Some(v)
}

fn parse_inline(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let limit = buf.len().min(INLINE_MAX + 1);
    let Some(nl) = memchr(b'\n', &buf[..limit]) else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::TooBigInline);
        }
        return Ok(None);
    };
    let mut end = nl;
    if end > 0 && buf[end - 1] == b'\r' {
        end -= 1;
    }
    let args = split_args(&buf[..end]).ok_or(ProtocolError::UnbalancedQuotes)?;
    buf.advance(nl + 1);
    Ok(Some(args))
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c)
}

/// Split a line into arguments like Redis's `sdssplitargs`: spaces separate, `"…"` supports
/// `\n \r \t \b \a \\ \" \xHH` escapes, `'…'` supports `\'`; a closing quote must be followed
/// by a space or the end. `None` on unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Bytes>> {
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut cur = Vec::new();
        let mut inq = false;
        let mut insq = false;
        loop {
            if inq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && hex_val(line[i + 2]).is_some()
                    && hex_val(line[i + 3]).is_some()
                {
                    let hi = hex_val(line[i + 2]).unwrap_or(0);
                    let lo = hex_val(line[i + 3]).unwrap_or(0);
                    cur.push(hi * 16 + lo);
                    i += 3;
                } else if line[i] == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        c => c,
                    });
                } else if line[i] == b'"' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else if insq {
                if i >= n {
                    return None;
                }
                if line[i] == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if line[i] == b'\'' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(line[i]);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    c if is_space(c) => break,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    c => cur.push(c),
                }
            }
            i += 1;
        }
        args.push(Bytes::from(cur));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Bytes>>, ProtocolError> {
        let mut p = RequestParser::new(Limits::default());
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(argv) = p.next(&mut buf, true)? {
            out.push(argv);
        }
        Ok(out)
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn multibulk_and_pipelining() {
        let got = parse_all(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n").unwrap();
        assert_eq!(got, vec![vec![b("PING")], vec![b("ECHO"), b("hi")]]);
    }

    #[test]
    fn byte_at_a_time_gives_the_same_result() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\nPING\r\n";
        let mut p = RequestParser::new(Limits::default());
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for &c in input.iter() {
            buf.extend_from_slice(&[c]);
            while let Some(argv) = p.next(&mut buf, true).unwrap() {
                out.push(argv);
            }
        }
        assert_eq!(
            out,
            vec![vec![b("SET"), b("k"), b("value")], vec![b("PING")]]
        );
    }

    #[test]
    fn inline_with_quotes() {
        let got = parse_all(b"set k \"a b\\x41\\n\" 'it\\'s'\r\nPING\n\r\n").unwrap();
        assert_eq!(
            got,
            vec![
                vec![b("set"), b("k"), b("a bA\n"), b("it's")],
                vec![b("PING")],
                Vec::<Bytes>::new()
            ]
        );
    }

    #[test]
    fn error_texts_are_redis_texts() {
        let cases: &[(&[u8], &str)] = &[
            (b"*x\r\n", "Protocol error: invalid multibulk length"),
            (
                b"*3000000000\r\n",
                "Protocol error: invalid multibulk length",
            ),
            (b"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"),
            (b"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"),
            (
                b"*1\r\n$999999999999\r\n",
                "Protocol error: invalid bulk length",
            ),
            (b"*1\r\nx3\r\n", "Protocol error: expected '$', got 'x'"),
            (
                b"set \"k\r\n",
                "Protocol error: unbalanced quotes in request",
            ),
            (
                b"set \"k\"x\r\n",
                "Protocol error: unbalanced quotes in request",
            ),
        ];
        for (input, text) in cases {
            let err = parse_all(input).unwrap_err();
            assert_eq!(
                err.to_string(),
                *text,
                "input {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn overlong_lines_are_refused() {
        let mut inline = vec![b'a'; INLINE_MAX + 10];
        assert_eq!(parse_all(&inline).unwrap_err(), ProtocolError::TooBigInline);
        inline[0] = b'*';
        assert_eq!(
            parse_all(&inline).unwrap_err(),
            ProtocolError::TooBigMbulkCount
        );
        let mut bulk = b"*1\r\n$".to_vec();
        bulk.extend(std::iter::repeat_n(b'1', INLINE_MAX + 10));
        assert_eq!(
            parse_all(&bulk).unwrap_err(),
            ProtocolError::TooBigBulkCount
        );
    }

    #[test]
    fn unauthenticated_limits() {
        let mut p = RequestParser::new(Limits::default());
        let mut buf = BytesMut::from(&b"*11\r\n"[..]);
        assert_eq!(
            p.next(&mut buf, false).unwrap_err(),
            ProtocolError::InvalidMultibulkLength
        );
        let mut p = RequestParser::new(Limits::default());
        let mut buf = BytesMut::from(&b"*1\r\n$16385\r\n"[..]);
        assert_eq!(
            p.next(&mut buf, false).unwrap_err(),
            ProtocolError::InvalidBulkLength
        );
    }

    #[test]
    fn huge_declared_bulk_allocates_nothing_ahead() {
        let mut p = RequestParser::new(Limits::default());
        let mut buf = BytesMut::from(&b"*1000000\r\n$500000000\r\nab"[..]);
        assert_eq!(p.next(&mut buf, true).unwrap(), None);
        assert!(p.argv.capacity() <= ARGV_PREALLOC);
        assert!(buf.capacity() < 1024);
    }

    #[test]
    fn empty_multibulk_is_skipped() {
        assert_eq!(
            parse_all(b"*0\r\n*-1\r\n").unwrap(),
            vec![Vec::<Bytes>::new(), Vec::new()]
        );
    }

    #[test]
    fn integers_parse_strictly() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"01",
            b"-0",
            b"+1",
            b" 1",
            b"1 ",
            b"9223372036854775808",
        ] {
            assert_eq!(parse_i64(bad), None, "{bad:?}");
        }
    }
}
