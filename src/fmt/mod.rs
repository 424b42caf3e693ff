//! The formatter: prints a file in the canonical layout of `docs/language.md` §10,
//! keeping every comment.

use crate::diag::{Diagnostic, SourceId};

/// Formats `text`; returns the syntax diagnostics when it does not parse.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::syntax::parse(text, SourceId(0));
    if parsed.file.is_none() || parsed.diagnostics.iter().any(|d| d.is_error()) {
        return Err(parsed.diagnostics);
    }
    // Placeholder until the document printer lands (formatter branch).
    Ok(text.to_string())
}
