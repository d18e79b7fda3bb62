//! Renderers: they take data and return Strings, never print. [`tree`] draws the `├─`/`└─`
//! prefixes, [`table`] the human views (comfy-table, colour only when asked), [`tsv`]
//! tab-separated rows, [`json`] one pretty document.

pub mod json;
pub mod plan;
pub mod progress;
pub mod prompt;
pub mod table;
pub mod tree;
pub mod tsv;
