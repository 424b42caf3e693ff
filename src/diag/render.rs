//! Renderers that need no terminal: `short` (one line each) and `json`, and the
//! adapter that lets miette draw our diagnostics (the graphical rendering itself is
//! switched on in `src/cli/`).

use super::{Diagnostic, Sources};
use serde::Serialize;

/// `path:line:col: severity[CODE]: message`, one line per diagnostic.
pub fn short(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let source = sources.get(diagnostic.source);
    let (line, col) = source.line_col(diagnostic.span().start);
    format!(
        "{}:{}:{}: {}[{}]: {}",
        source.name,
        line,
        col,
        diagnostic.severity.as_str(),
        diagnostic.code.as_str(),
        diagnostic.message
    )
}

/// The `--format json` document: stable, documented in `docs/cli.md`.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    /// Bumped only when a field changes meaning or disappears.
    pub version: u32,
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
    pub summary: JsonSummary,
}

#[derive(Serialize)]
pub struct JsonSummary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: &'a str,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offsets into the file.
    pub start: usize,
    pub end: usize,
    pub labels: Vec<JsonLabel<'a>>,
    pub help: Option<&'a str>,
    pub note: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonLabel<'a> {
    pub message: &'a str,
    pub primary: bool,
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
}

/// Builds the `--format json` document for diagnostics over `files` checked files.
pub fn json<'a>(
    diagnostics: &'a [Diagnostic],
    sources: &'a Sources,
    files: usize,
) -> JsonReport<'a> {
    let mut out = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        let source = sources.get(d.source);
        let span = d.span();
        let (line, column) = source.line_col(span.start);
        let (end_line, end_column) = source.line_col(span.end);
        out.push(JsonDiagnostic {
            code: d.code.as_str(),
            severity: d.severity.as_str(),
            message: &d.message,
            file: &source.name,
            line,
            column,
            end_line,
            end_column,
            start: span.start,
            end: span.end,
            labels: d
                .labels
                .iter()
                .map(|l| {
                    let (line, column) = source.line_col(l.span.start);
                    JsonLabel {
                        message: &l.message,
                        primary: l.primary,
                        line,
                        column,
                        start: l.span.start,
                        end: l.span.end,
                    }
                })
                .collect(),
            help: d.help.as_deref(),
            note: d.note.as_deref(),
        });
    }
    JsonReport {
        version: 1,
        summary: JsonSummary {
            files,
            errors: diagnostics.iter().filter(|d| d.is_error()).count(),
            warnings: diagnostics.iter().filter(|d| !d.is_error()).count(),
        },
        diagnostics: out,
    }
}

/// Our diagnostic seen through miette's trait, with its source attached.
pub struct MietteView<'a> {
    pub diagnostic: &'a Diagnostic,
    pub source: miette::NamedSource<String>,
}

impl<'a> MietteView<'a> {
    pub fn new(diagnostic: &'a Diagnostic, sources: &Sources) -> Self {
        let source = sources.get(diagnostic.source);
        MietteView {
            diagnostic,
            source: miette::NamedSource::new(source.name.clone(), source.text.clone()),
        }
    }
}

impl std::fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            super::Severity::Error => miette::Severity::Error,
            super::Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        let help = self.diagnostic.help.as_deref();
        let note = self.diagnostic.note.as_deref();
        match (help, note) {
            (None, None) => None,
            (Some(h), None) => Some(Box::new(h)),
            (None, Some(n)) => Some(Box::new(format!("note: {n}"))),
            (Some(h), Some(n)) => Some(Box::new(format!("{h}\nnote: {n}"))),
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let text_len = self.source.inner().len();
        Some(Box::new(self.diagnostic.labels.iter().map(move |l| {
            let start = l.span.start.min(text_len);
            let len = l.span.end.min(text_len).saturating_sub(start);
            let label = (!l.message.is_empty()).then(|| l.message.clone());
            if l.primary {
                miette::LabeledSpan::new_primary_with_span(label, (start, len))
            } else {
                miette::LabeledSpan::new_with_span(label, (start, len))
            }
        })))
    }
}
