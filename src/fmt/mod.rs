//! The formatter: prints a file in the canonical layout of `docs/language.md` §10,
//! keeping every comment.
//!
//! - [`doc`]: a small document printer (indentation, groups that break when they do
//!   not fit in [`WIDTH`] columns, lazy line breaks, comment placement);
//! - `print`: syntax tree → document, walking the tree in source order;
//! - `comments`: hands out each comment once, as leading (own line) or trailing
//!   (end of line) to the token it belongs to.
//!
//! Formatting never changes what a file means (the syntax tree of the output equals
//! the input's) and is idempotent; `tests/fmt.rs` checks both on every `.chaos` file
//! of the repository.

mod comments;
mod doc;
mod print;

pub use doc::WIDTH;

use crate::diag::{Diagnostic, SourceId};

/// Formats `text`; returns the syntax diagnostics when it does not parse.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::syntax::parse(text, SourceId(0));
    let Some(file) = parsed.file.as_ref() else {
        return Err(parsed.diagnostics);
    };
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        return Err(parsed.diagnostics);
    }
    Ok(print::file(text, file, &parsed.comments))
}
