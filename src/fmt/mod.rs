//! The formatter: prints a file in the canonical layout of `docs/language.md` §10,
//! keeping every comment.
//!
//! - `doc`: a small document printer (indentation, groups that break when they do
//!   not fit in [`WIDTH`] columns, lazy line breaks, comment placement);
//! - `print`: syntax tree → document, walking the tree in source order;
//! - `comments`: hands out each comment once, as leading (own line) or trailing
//!   (end of line) to the token it belongs to.
//!
//! The layout, in short:
//!
//! - two-space indentation; blocks (`slo`, `timeline`, bodies, `set` …) always
//!   hold one entry per line, `{}` when empty; `set` entries lose their commas;
//! - calls, lists, maps and template parameters stay on one line when the line
//!   fits in [`WIDTH`] columns, else one element per line with a trailing comma,
//!   the outermost group breaking first; maps print as `{"k": v}`;
//! - the whole printed line counts toward the width, comments included: a `/* */`
//!   comment with its spaces, and a `//` comment that ends the line with the space
//!   before it and the comma kept before it (`], // c`), wherever the source had
//!   the comment (before or after that comma), so that formatting the output again
//!   takes the same decision; only a comment too long on its own (comments are
//!   never wrapped or moved to shorten a line) makes a line wider than [`WIDTH`];
//! - one blank line between top-level items, except in a run of one-line
//!   `import`/`param`/`const`/`service`/`target`/`probe`/`fault` declarations
//!   written without one; inside blocks one blank line is kept where the source
//!   had any, never at the start or end of a block;
//! - numbers, quantities, percentiles and ranges as written; strings from their
//!   decoded parts with the escapes `\"` `\\` `\n` `\t`, `\$` before `{`, and
//!   `\u{hex}` for other control characters;
//! - a comment after code stays at the end of its line (code that followed a `//`
//!   comment moves to the next line); a comment on its own line stays on its own
//!   line before what follows it (or before the closing brace), with one blank
//!   line after it if the source had one; `/* */` comments are kept verbatim.
//!
//! Formatting never changes what a file means (the syntax tree of the output equals
//! the input's) and is idempotent; `tests/fmt.rs` checks both on every `.chaos` file
//! of the repository.

mod comments;
mod doc;
mod print;

pub use print::escape_into;

pub use doc::WIDTH;

use crate::diag::{Diagnostic, SourceId};

/// Formats `text`; returns the syntax diagnostics when it does not parse. A large
/// file is parsed and printed on all cores ([`crate::syntax::threads_for`]).
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    format_on(text, crate::syntax::threads_for(text.len()))
}

/// [`format`] on at most `threads` threads (1: in one go), for tests that show the
/// output does not depend on how the work is shared.
pub fn format_on(text: &str, threads: usize) -> Result<String, Vec<Diagnostic>> {
    let pieces = match threads {
        1 => 1,
        _ => crate::syntax::pieces_for(text.len()).max(threads),
    };
    let parsed = crate::syntax::parse_in_pieces(text, SourceId(0), pieces);
    let Some(file) = parsed.file.as_ref() else {
        return Err(parsed.diagnostics);
    };
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        return Err(parsed.diagnostics);
    }
    // The canonical form has no byte-order mark (`docs/language.md` §10); the errors
    // above are placed in the text as given.
    if let Some(rest) = text.strip_prefix('\u{FEFF}') {
        return format_on(rest, threads);
    }
    // Should the comment list and the tree ever disagree about where the tokens
    // are, the text is left as it is rather than risk changing it.
    let printed = print::file(text, file, &parsed.comments, threads);
    crate::shared::release::drop_off_thread(parsed, text.len());
    Ok(printed.unwrap_or_else(|| text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// Whether the tree walk keeps track of the source of `text`.
    fn in_sync(text: &str) -> bool {
        let parsed = parse(text, SourceId(0));
        let file = parsed.file.as_ref().expect("parses");
        print::file(text, file, &parsed.comments, 1).is_some()
    }

    #[test]
    fn the_walk_keeps_track_of_the_source_with_comments_everywhere() {
        let fixtures = [
            include_str!("../../tests/fmt/canonical/items.chaos"),
            include_str!("../../tests/fmt/canonical/bodies.chaos"),
            include_str!("../../tests/fmt/canonical/values.chaos"),
            include_str!("../../tests/fmt/canonical/comments.chaos"),
            include_str!("../../tests/fmt/canonical/long-lines.chaos"),
        ];
        let comments = [
            " /* c */ ",
            " // c\n",
            "\n// c\n",
            "\n/// d\n",
            "\n\n/* c\n */\n",
        ];
        for text in fixtures {
            assert!(in_sync(text));
            // A comment before a blank, one blank at a time, all along the file.
            let blanks: Vec<usize> = text
                .char_indices()
                .filter(|&(_, c)| c == ' ' || c == '\n')
                .map(|(i, _)| i)
                .collect();
            let step = (blanks.len() / 120).max(1);
            for (n, &at) in blanks.iter().step_by(step).enumerate() {
                let edited = format!(
                    "{}{}{}",
                    &text[..at],
                    comments[n % comments.len()],
                    &text[at..]
                );
                let parsed = parse(&edited, SourceId(0));
                if parsed.file.is_some() && parsed.diagnostics.is_empty() {
                    assert!(in_sync(&edited), "lost track in:\n{edited}");
                }
            }
        }
    }

    #[test]
    fn runs_are_joined_without_falling_back_to_one_go() {
        // Every canonical fixture, with its comments, twice over: the runs must join
        // (not merely fall back to printing in one go) and match the one-go output.
        let one: String = [
            include_str!("../../tests/fmt/canonical/items.chaos"),
            include_str!("../../tests/fmt/canonical/bodies.chaos"),
            include_str!("../../tests/fmt/canonical/comments.chaos"),
        ]
        .join("\n");
        let text = format!("{one}\n{one}");
        let parsed = parse(&text, SourceId(0));
        let file = parsed.file.as_ref().expect("parses");
        let whole = print::file(&text, file, &parsed.comments, 1).expect("prints");
        for threads in 2..=6 {
            let runs = print::runs_of(&text, &file.items, threads);
            assert!(runs.len() > 1);
            let joined = print::file_in_runs(&text, file, &parsed.comments, &runs);
            assert_eq!(joined.as_deref(), Some(whole.as_str()), "{threads} runs");
        }
    }

    #[test]
    fn a_comment_scanner_and_grammar_disagreement_cannot_happen_any_more() {
        // `/*/` used to open a nested comment for the scanner but not for the grammar;
        // both now read it as an unterminated nested comment, so the text does not
        // parse and is never formatted.
        let text = "target db = container(\"postgres\") /* a /*/\ntarget   b = host()\n";
        assert!(format(text).is_err());
    }
}
