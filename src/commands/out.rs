//! Where a command's output goes. Run as `rkv CMD`, a command writes to stdout; run as a
//! playbook step, it writes to an [`Out`] the step keeps, and the step's report gets the
//! command's document itself (the typed document, serialized once), not text to parse back.
//! Either way the command renders exactly as it does on its own: one code path.

use serde::Serialize;
use std::cell::RefCell;
use std::io::Write;

/// Write all of `text` to stdout (a broken pipe surfaces as an io error for main to handle).
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// What a command wrote to a kept [`Out`].
#[derive(Debug, Default)]
pub(crate) struct Kept {
    /// Its human text (tables, plans, messages), as it would have reached stdout.
    pub text: String,
    /// Its JSON document (the last one written: a command writes one).
    pub doc: Option<serde_json::Value>,
}

/// A command's stdout, or a playbook step's keeping of it.
///
/// Shared by reference: a command writes through `&Out` from every function that renders
/// (commands run on one thread, so the cell is never borrowed twice at once).
#[derive(Debug)]
pub(crate) struct Out {
    kept: Option<RefCell<Kept>>,
}

impl Out {
    /// The process's stdout.
    pub(crate) fn stdout() -> Out {
        Out { kept: None }
    }

    /// Keep everything written, for [`Out::into_kept`].
    pub(crate) fn kept() -> Out {
        Out {
            kept: Some(RefCell::new(Kept::default())),
        }
    }

    /// What was kept (empty for stdout).
    pub(crate) fn into_kept(self) -> Kept {
        self.kept.map(RefCell::into_inner).unwrap_or_default()
    }

    /// Human text (or a TSV table): to stdout, or kept.
    pub(crate) fn text(&self, text: &str) -> anyhow::Result<()> {
        match &self.kept {
            Some(k) => {
                k.borrow_mut().text.push_str(text);
                Ok(())
            }
            None => print(text),
        }
    }

    /// The command's JSON document: pretty-printed to stdout, or kept as a value.
    pub(crate) fn doc<T: Serialize>(&self, doc: &T) -> anyhow::Result<()> {
        match &self.kept {
            Some(k) => {
                k.borrow_mut().doc = Some(serde_json::to_value(doc)?);
                Ok(())
            }
            None => print(&crate::render::json::to_string(doc)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_out_keeps_text_and_the_document() {
        let out = Out::kept();
        out.text("a\n").unwrap();
        out.text("b\n").unwrap();
        out.doc(&serde_json::json!({"ok": true})).unwrap();
        let k = out.into_kept();
        assert_eq!(k.text, "a\nb\n");
        assert_eq!(k.doc, Some(serde_json::json!({"ok": true})));
    }

    #[test]
    fn stdout_keeps_nothing() {
        assert!(Out::stdout().into_kept().doc.is_none());
    }
}
