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
pub mod units;

use crate::diag::{Diagnostic, SourceId};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/chaos.pest"]
pub(crate) struct ChaosParser;

/// Reserved words (`docs/language.md` §2.2): never names.
pub const KEYWORDS: &[&str] = &[
    "import",
    "as",
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

/// The result of parsing one file.
pub struct Parsed {
    /// `None` when the text does not follow the grammar.
    pub file: Option<ast::File>,
    /// Every comment, in source order (for the formatter).
    pub comments: Vec<comments::Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one source text.
pub fn parse(text: &str, source: SourceId) -> Parsed {
    let scan = comments::scan(text);
    if let Some(offset) = scan.too_deep {
        return Parsed {
            file: None,
            comments: scan.comments,
            diagnostics: vec![errors::too_deep(source, offset)],
        };
    }
    match <ChaosParser as pest::Parser<Rule>>::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let mut builder = build::Builder::new(text, source, &scan.comments);
            let file = pairs.next().map(|pair| builder.file(pair));
            let diagnostics = builder.diagnostics;
            Parsed {
                file,
                comments: scan.comments,
                diagnostics,
            }
        }
        Err(error) => Parsed {
            file: None,
            comments: scan.comments,
            diagnostics: vec![errors::from_pest(&error, text, source)],
        },
    }
}
