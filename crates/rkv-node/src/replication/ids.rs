//! Replication IDs and offsets as newtypes, so an offset is never mixed up with a port or a
//! count, and an ID is always 40 hex characters.

use std::fmt;

/// A replication ID: 40 lower-case hex characters naming one history of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReplId(String);

impl ReplId {
    /// The ID Redis uses for "no ID" (`master_replid2` when there is no previous history).
    pub fn zero() -> ReplId {
        ReplId("0".repeat(40))
    }

    /// A fresh random ID, as Redis makes one at start and on each promotion.
    pub fn random() -> ReplId {
        let mut bytes = [0u8; 20];
        rand::fill(&mut bytes);
        ReplId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Parse a 40-hex-character ID (any case); `None` otherwise.
    pub fn parse(s: &str) -> Option<ReplId> {
        (s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| ReplId(s.to_ascii_lowercase()))
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the all-zeros "no ID".
    pub fn is_zero(&self) -> bool {
        self.0.bytes().all(|b| b == b'0')
    }
}

impl fmt::Display for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A replication offset: the number of stream bytes since the history began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ReplOffset(pub u64);

impl ReplOffset {
    /// The offset after `n` more stream bytes.
    pub fn advance(self, n: usize) -> ReplOffset {
        ReplOffset(self.0 + n as u64)
    }
}

impl fmt::Display for ReplOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_40_hex_and_parse_round_trips() {
        let id = ReplId::random();
        assert_eq!(id.as_str().len(), 40);
        assert_eq!(ReplId::parse(id.as_str()), Some(id.clone()));
        assert_ne!(ReplId::random(), id);
        assert!(ReplId::zero().is_zero());
        assert_eq!(ReplId::parse("?"), None);
        assert_eq!(ReplId::parse(&"g".repeat(40)), None);
    }
}
