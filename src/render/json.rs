//! One JSON document, pretty-printed, ending in a newline.

use serde::Serialize;

/// Serialize `doc` as pretty JSON plus a final newline.
pub fn to_string<T: Serialize>(doc: &T) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(doc)?;
    s.push('\n');
    Ok(s)
}
