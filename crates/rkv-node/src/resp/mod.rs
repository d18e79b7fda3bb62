//! RESP, the Redis serialization protocol: frames, a bounded parser and an encoder.
//!
//! The parser is written by hand rather than taken from a crate because the server needs
//! precise control over limits (bulk length, array length, nesting, inline length) and over
//! Redis's exact protocol error texts; the `redis` crate's parser is client-side and
//! allocates past what we would accept.
//!
//! - [`request`]: what clients send. [`RequestParser`] is incremental (one per connection: it
//!   takes complete arguments off the read buffer as they arrive); [`parse_request`] is the
//!   stateless form that reports the bytes a request used (a replica's offset needs them).
//! - [`frame`]: any RESP2/RESP3 reply, for the client side (replication, tests).
//! - [`mod@encode`]: a [`Frame`] onto a buffer for protocol 2 or 3.

pub mod encode;
pub mod frame;
pub mod request;

pub use encode::{Protocol, encode};
pub use frame::{FrameError, FrameLimits, parse_frame};
pub use request::{Limits, ProtocolError, RequestParser, parse_request};

use bytes::Bytes;

/// One RESP value, covering RESP2 and the RESP3 types the server emits.
///
/// Replies are built as RESP3 frames; the encoder downgrades them for RESP2 connections
/// (maps flatten to arrays, doubles become bulk strings, null becomes `$-1`), as Redis does.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+OK`. Borrowed for the fixed replies (OK, QUEUED, PONG): no allocation per reply on
    /// the hot path.
    Simple(std::borrow::Cow<'static, str>),
    /// `-ERR …` (the text includes the error code, e.g. `ERR unknown command`).
    Error(String),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`
    Bulk(Bytes),
    /// `*N` followed by N frames.
    Array(Vec<Frame>),
    /// RESP2 `$-1` / RESP3 `_`.
    Null,
    /// RESP2 `*-1` / RESP3 `_`: the null array some commands return (e.g. EXEC aborted).
    NullArray,
    /// RESP3 `,1.5`; a bulk string on RESP2.
    Double(f64),
    /// RESP3 `#t`; an integer 1/0 on RESP2.
    Boolean(bool),
    /// RESP3 `%N` key/value pairs; a flat array on RESP2.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~N`; an array on RESP2.
    Set(Vec<Frame>),
    /// RESP3 `>N` out-of-band push (pub/sub); an array on RESP2.
    Push(Vec<Frame>),
    /// RESP3 `=N txt:…` verbatim string; a bulk string on RESP2.
    Verbatim(String, Bytes),
}

impl Frame {
    /// `+OK`, the most common reply.
    pub fn ok() -> Frame {
        Frame::Simple(std::borrow::Cow::Borrowed("OK"))
    }

    /// An error reply; `msg` starts with the error code (`ERR`, `WRONGTYPE`, …).
    pub fn error(msg: impl Into<String>) -> Frame {
        Frame::Error(msg.into())
    }

    /// A bulk string from anything byte-like.
    pub fn bulk(b: impl Into<Bytes>) -> Frame {
        Frame::Bulk(b.into())
    }
}

#[cfg(test)]
mod proptests;
