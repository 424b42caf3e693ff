//! Edits the server proposes: the formatted document, and the "did you mean" fixes.

use super::documents::Document;
use crate::diag::{self, Span};
use lsp_types::{CodeAction, CodeActionKind, Range, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

/// The canonical form as one edit over the whole document; nothing when the text is
/// already canonical or does not parse.
pub fn format(document: &Document) -> Option<Vec<TextEdit>> {
    let formatted = crate::fmt::format(&document.text).ok()?;
    if formatted == document.text {
        return Some(Vec::new());
    }
    let module = document.module();
    let whole = module.lines.range(&module.text, 0, module.text.len());
    Some(vec![TextEdit::new(whole, formatted)])
}

/// The word a diagnostic's help suggests: `did you mean `X`?`.
pub fn suggestion(d: &diag::Diagnostic) -> Option<&str> {
    let help = d.help.as_deref()?;
    let rest = &help[help.find("did you mean `")? + "did you mean `".len()..];
    let end = rest.find("`?")?;
    Some(&rest[..end])
}

/// The text that replaces the diagnostic's span to apply the suggestion: the word,
/// quoted when the span is a string, without the number when the span is the unit
/// after it (`30sec` → `30s` replaces `sec` by `s`).
pub fn replacement(text: &str, span: Span, suggested: &str) -> Option<String> {
    let written = text.get(span.start..span.end)?;
    if written.starts_with('"') && !suggested.starts_with('"') {
        return Some(format!("\"{suggested}\""));
    }
    let before = &text[..span.start];
    let number_len = suggested
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == '-'))
        .unwrap_or(0);
    if number_len > 0 && before.ends_with(&suggested[..number_len]) {
        return Some(suggested[number_len..].to_string());
    }
    Some(suggested.to_string())
}

/// A quick fix for each diagnostic with a suggestion that touches `range`.
pub fn actions(document: &Document, range: Range) -> Vec<CodeAction> {
    let module = document.module();
    let lines = &module.lines;
    let (from, to) = (
        lines.offset(&module.text, range.start),
        lines.offset(&module.text, range.end),
    );
    document
        .diagnostics
        .iter()
        .filter(|d| {
            let span = d.span();
            span.start <= to && from <= span.end
        })
        .filter_map(|d| {
            let suggested = suggestion(d)?;
            let span = d.span();
            let new_text = replacement(&document.text, span, suggested)?;
            let edit = TextEdit::new(lines.range(&module.text, span.start, span.end), new_text);
            let changes = HashMap::from([(document.uri.clone(), vec![edit])]);
            Some(CodeAction {
                title: format!("replace with `{suggested}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![super::diagnostics::convert(d, &document.uri, module)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Disk;

    impl crate::check::Loader for Disk {
        fn read(&self, path: &std::path::Path) -> std::io::Result<String> {
            std::fs::read_to_string(path)
        }
    }

    /// Every "did you mean" of the UI fixtures, applied as the quick fix does, makes its
    /// diagnostic go away.
    #[test]
    fn every_suggestion_of_the_fixtures_fixes_its_diagnostic() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
        let mut tried = 0;
        let mut failures = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "chaos") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let checked = crate::check::check(&path, &text, &Disk);
            for d in checked.diagnostics.iter().filter(|d| d.source.0 == 0) {
                let Some(suggested) = suggestion(d) else {
                    continue;
                };
                let span = d.span();
                let new_text = replacement(&text, span, suggested).unwrap();
                let fixed = format!("{}{new_text}{}", &text[..span.start], &text[span.end..]);
                let again = crate::check::check(&path, &fixed, &Disk);
                tried += 1;
                let still = again
                    .diagnostics
                    .iter()
                    .any(|e| e.source.0 == 0 && e.code == d.code && e.span().start == span.start);
                if still {
                    failures.push(format!(
                        "{}: {} `{}` → `{new_text}`",
                        path.display(),
                        d.code.as_str(),
                        &text[span.start..span.end]
                    ));
                }
            }
        }
        assert!(tried >= 10, "only {tried} suggestions in the fixtures");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
