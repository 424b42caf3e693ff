//! Source text → syntax tree. Never panics, whatever the input.
//!
//! [`parse`] runs the pest grammar (`grammar/chaos.pest`), turns its pairs into the
//! typed [`ast`] and validates what the grammar lexes loosely (units, escapes,
//! numbers), collecting every such problem. A grammar failure stops at the first
//! syntax error, which is reported with friendly names for what was expected.

pub mod ast;
mod build;
pub mod comments;
mod errors;
mod split;

pub use split::{on_threads, on_workers, pieces_for, threads_for};
pub mod units;

use crate::diag::{Diagnostic, SourceId};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/chaos.pest"]
pub(crate) struct ChaosParser;

/// Reserved words (`docs/language.md` §2.2): never names. The keywords that start a
/// top-level item come first ([`ITEM_KEYWORDS`]).
pub const KEYWORDS: &[&str] = &[
    "import",
    "param",
    "const",
    "service",
    "target",
    "probe",
    "fault",
    "template",
    "scenario",
    "suite",
    "environment",
    "safety",
    "slo",
    "as",
    "timeline",
    "at",
    "then",
    "after",
    "for",
    "within",
    "recover",
    "baseline",
    "steady_state",
    "abort",
    "when",
    "over",
    "warn",
    "during",
    "description",
    "tags",
    "scenarios",
    "allow",
    "confirm",
    "cooldown",
    "max_duration",
    "true",
    "false",
];

/// The keywords that start a top-level item (`item` in `grammar/chaos.pest`).
pub const ITEM_KEYWORDS: &[&str] = KEYWORDS.split_at(13).0;

/// The result of parsing one file.
pub struct Parsed {
    /// `None` when the text does not follow the grammar.
    pub file: Option<ast::File>,
    /// Every comment, in source order (for the formatter).
    pub comments: Vec<comments::Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one source text. A large file is split at top-level items and its pieces
/// parsed on all cores (see `split.rs`); the tree, its spans and the diagnostics are
/// those of parsing the whole file at once.
pub fn parse(text: &str, source: SourceId) -> Parsed {
    parse_in_pieces(text, source, pieces_for(text.len()))
}

/// [`parse`] with the file split in at most `pieces` pieces (1: parsed whole), shared
/// among the cores; tests show the result does not depend on the split.
pub fn parse_in_pieces(text: &str, source: SourceId, pieces: usize) -> Parsed {
    let scan = comments::scan(text);
    if let Some(offset) = scan.too_deep {
        return Parsed {
            file: None,
            comments: scan.comments,
            diagnostics: vec![errors::too_deep(source, offset)],
        };
    }
    let starts = split::piece_starts(text, &scan.top_level_lines, pieces);
    if starts.len() > 1 {
        if let Some((items, diagnostics)) = parse_pieces(text, &starts, source, &scan.comments) {
            return Parsed {
                file: Some(ast::File {
                    items,
                    span: crate::diag::Span::new(0, text.len()),
                }),
                comments: scan.comments,
                diagnostics,
            };
        }
    }
    parse_whole(text, source, scan.comments)
}

/// Parses `text` in one go.
fn parse_whole(text: &str, source: SourceId, comments: Vec<comments::Comment>) -> Parsed {
    match <ChaosParser as pest::Parser<Rule>>::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let mut builder = build::Builder::new(text, 0, source, &comments);
            let file = pairs.next().map(|pair| {
                let span = pair.as_span();
                ast::File {
                    items: builder.items(pair),
                    span: crate::diag::Span::new(span.start(), span.end()),
                }
            });
            let diagnostics = builder.diagnostics;
            Parsed {
                file,
                comments,
                diagnostics,
            }
        }
        Err(error) => Parsed {
            file: None,
            comments,
            diagnostics: vec![errors::from_pest(&error, text, source)],
        },
    }
}

/// The items and diagnostics of `text` parsed piece by piece (pieces start at
/// `starts`), the pieces shared among the cores; `None` when a piece does not parse
/// on its own.
fn parse_pieces(
    text: &str,
    starts: &[usize],
    source: SourceId,
    comments: &[comments::Comment],
) -> Option<(Vec<ast::Item>, Vec<Diagnostic>)> {
    let piece = |k: usize| {
        let start = starts[k];
        let end = starts.get(k + 1).copied().unwrap_or(text.len());
        let mut pairs =
            <ChaosParser as pest::Parser<Rule>>::parse(Rule::file, &text[start..end]).ok()?;
        let mut builder = build::Builder::new(text, start, source, comments);
        let items = builder.items(pairs.next()?);
        Some((items, builder.diagnostics))
    };
    let results = split::on_workers(threads_for(text.len()), starts.len(), piece);
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    for result in results {
        let (piece_items, piece_diagnostics) = result?;
        items.extend(piece_items);
        diagnostics.extend(piece_diagnostics);
    }
    Some((items, diagnostics))
}
