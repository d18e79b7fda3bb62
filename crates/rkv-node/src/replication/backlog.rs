//! The replication backlog: the most recent stream bytes, by offset.
//!
//! Like Redis 7's shared replication buffer, one buffer serves both purposes: partial resyncs
//! (a returning replica asks for the bytes after its offset) and live feeding (each replica's
//! sender copies from its own position). So we keep at least `size` bytes of history, and more
//! while a connected replica still needs them, up to `hard_limit` past which that replica is
//! dropped (Redis's `client-output-buffer-limit replica` hard limit).

use super::ReplOffset;
use std::collections::VecDeque;

/// A window of the replication stream.
#[derive(Debug)]
pub struct Backlog {
    buf: VecDeque<u8>,
    /// Offset of the byte after the last one in `buf` (= master_repl_offset).
    end: ReplOffset,
    /// History kept for partial resyncs (`repl-backlog-size`).
    size: usize,
}

impl Backlog {
    /// An empty backlog whose stream currently ends at `end`.
    pub fn new(size: usize, end: ReplOffset) -> Backlog {
        Backlog {
            buf: VecDeque::new(),
            end,
            size: size.max(1),
        }
    }

    /// The offset of the last byte written (Redis's `master_repl_offset`).
    pub fn end(&self) -> ReplOffset {
        self.end
    }

    /// The offset of the first byte held, as Redis's `repl_backlog_first_byte_offset` counts
    /// (the offset of the byte itself, i.e. `end - histlen + 1`).
    pub fn first_byte_offset(&self) -> u64 {
        self.end.0 + 1 - self.buf.len() as u64
    }

    /// Bytes of history held (`repl_backlog_histlen`).
    pub fn histlen(&self) -> usize {
        self.buf.len()
    }

    /// The configured history size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Change the history size (CONFIG SET repl-backlog-size).
    pub fn set_size(&mut self, size: usize) {
        self.size = size.max(1);
    }

    /// Append stream bytes. Trimming happens in [`Backlog::trim`], once per batch.
    pub fn append(&mut self, bytes: &[u8]) {
        self.buf.extend(bytes);
        self.end = self.end.advance(bytes.len());
    }

    /// Drop history older than what we must keep: `size` bytes, or back to `keep_from` (the
    /// slowest connected replica's position, if any) when that is further back.
    pub fn trim(&mut self, keep_from: Option<ReplOffset>) {
        let needed_by_replica = keep_from.map_or(0, |o| self.end.0.saturating_sub(o.0) as usize);
        let keep = self.size.max(needed_by_replica);
        if self.buf.len() > keep {
            let drop = self.buf.len() - keep;
            self.buf.drain(..drop);
        }
    }

    /// True when a replica at `offset` (it has every byte before it) can be served from here.
    pub fn covers(&self, offset: ReplOffset) -> bool {
        offset <= self.end && self.end.0 - offset.0 <= self.buf.len() as u64
    }

    /// Copy up to `max` bytes starting at `offset` into `out`; returns how many were copied, or
    /// `None` when `offset` is no longer (or not yet) in the backlog.
    pub fn copy_from(&self, offset: ReplOffset, max: usize, out: &mut Vec<u8>) -> Option<usize> {
        if !self.covers(offset) {
            return None;
        }
        let behind = (self.end.0 - offset.0) as usize;
        let start = self.buf.len() - behind;
        let n = behind.min(max);
        let (a, b) = self.buf.as_slices();
        let end = start + n;
        if start < a.len() {
            out.extend_from_slice(&a[start..end.min(a.len())]);
        }
        if end > a.len() {
            out.extend_from_slice(&b[start.saturating_sub(a.len())..end - a.len()]);
        }
        Some(n)
    }

    /// Forget all history and continue the stream at `end` (a new history after a full sync
    /// from a new master).
    pub fn reset(&mut self, end: ReplOffset) {
        self.buf.clear();
        self.end = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_redis_conventions() {
        let mut b = Backlog::new(8, ReplOffset(100));
        assert_eq!(b.histlen(), 0);
        b.append(b"abcdef");
        assert_eq!(b.end(), ReplOffset(106));
        assert_eq!(b.first_byte_offset(), 101);
        let mut out = Vec::new();
        assert_eq!(b.copy_from(ReplOffset(102), 100, &mut out), Some(4));
        assert_eq!(out, b"cdef");
        assert!(b.covers(ReplOffset(100)));
        assert!(!b.covers(ReplOffset(99)));
        assert!(!b.covers(ReplOffset(107)));
    }

    #[test]
    fn trim_keeps_size_or_what_the_slowest_replica_needs() {
        let mut b = Backlog::new(4, ReplOffset(0));
        b.append(b"0123456789");
        b.trim(Some(ReplOffset(2)));
        assert_eq!(b.histlen(), 8, "replica at 2 still needs 8 bytes");
        b.trim(None);
        assert_eq!(b.histlen(), 4);
        let mut out = Vec::new();
        assert_eq!(b.copy_from(ReplOffset(2), 10, &mut out), None);
        assert_eq!(b.copy_from(ReplOffset(6), 2, &mut out), Some(2));
        assert_eq!(out, b"67");
    }

    #[test]
    fn wraps_across_the_ring_boundary() {
        let mut b = Backlog::new(5, ReplOffset(0));
        for chunk in [&b"abc"[..], b"def", b"ghi", b"jkl"] {
            b.append(chunk);
            b.trim(None);
        }
        let mut out = Vec::new();
        assert_eq!(b.copy_from(ReplOffset(7), 10, &mut out), Some(5));
        assert_eq!(out, b"hijkl");
    }
}
