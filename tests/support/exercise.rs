//! One input through the whole front end, panicking when a property breaks.
//!
//! Shared, word for word, by `tests/robustness.rs` and the cargo-fuzz target
//! `fuzz/fuzz_targets/parse_check_fmt.rs` (both include this file with `#[path]`),
//! so the robustness test also proves that the fuzz target compiles against the
//! library. Nothing here may depend on test-only crates.
//!
//! Properties, for every valid UTF-8 text:
//! - `syntax::parse`, `check::check` and `fmt::format` return (no panic);
//! - every diagnostic's labels lie inside its source, on character boundaries, and
//!   the renderers (`short`, `json`, miette) accept them;
//! - when `format` succeeds: the text parsed without errors, the output parses to the
//!   same syntax tree (spans ignored), and formatting the output changes nothing.

use chaosc::check::{check, Loader};
use chaosc::diag::{render, Diagnostic, SourceId, Sources};
use std::path::Path;

/// A loader without files: every import other than `std/…` is missing.
pub struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("`{}`: the in-memory loader has no files", path.display()),
        ))
    }
}

/// Runs `text` through parse, check and format and asserts the properties above.
pub fn exercise(text: &str) {
    let parsed = chaosc::syntax::parse(text, SourceId(0));
    let mut sources = Sources::default();
    sources.add("input.chaos", text);
    assert_renderable("parse", &parsed.diagnostics, &sources);
    for comment in &parsed.comments {
        assert_span("comment", comment.span.start, comment.span.end, text);
    }

    let checked = check(Path::new("input.chaos"), text, &NoFiles);
    assert_renderable("check", &checked.diagnostics, &checked.sources);

    let Ok(formatted) = chaosc::fmt::format(text) else {
        return;
    };
    let original = parsed
        .file
        .as_ref()
        .expect("fmt::format succeeded on a text that has no syntax tree");
    assert!(
        !parsed.diagnostics.iter().any(Diagnostic::is_error),
        "fmt::format succeeded on a text with syntax errors"
    );
    let reparsed = chaosc::syntax::parse(&formatted, SourceId(0));
    let errors: Vec<&str> = reparsed
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        errors.is_empty(),
        "the formatted text does not parse: {errors:?}\n--- formatted ---\n{formatted}"
    );
    assert!(
        reparsed.file.as_ref() == Some(original),
        "formatting changed the syntax tree\n--- formatted ---\n{formatted}"
    );
    match chaosc::fmt::format(&formatted) {
        Ok(again) => assert!(
            again == formatted,
            "formatting is not idempotent\n--- once ---\n{formatted}\n--- twice ---\n{again}"
        ),
        Err(diagnostics) => panic!(
            "formatting the formatted text failed: {:?}\n--- formatted ---\n{formatted}",
            diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
        ),
    }
}

/// Every label inside its source and on character boundaries, and every renderer happy.
pub fn assert_renderable(phase: &str, diagnostics: &[Diagnostic], sources: &Sources) {
    for d in diagnostics {
        assert!(
            (d.source.0 as usize) < sources.files.len(),
            "{phase}: diagnostic `{}` names source {:?}, which is not among the {} sources",
            d.message,
            d.source,
            sources.files.len()
        );
        let text = &sources.get(d.source).text;
        for label in &d.labels {
            assert_span(phase, label.span.start, label.span.end, text);
        }
        let _ = render::short(d, sources);
    }
    let _ = render::json(diagnostics, sources, 1);
    // The graphical renderer is slow in debug builds: draw the first few only.
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    for d in diagnostics.iter().take(2) {
        let mut out = String::new();
        let _ = handler.render_report(&mut out, &render::MietteView::new(d, sources));
    }
}

fn assert_span(what: &str, start: usize, end: usize, text: &str) {
    assert!(
        start <= end && end <= text.len(),
        "{what}: span {start}..{end} is outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: span {start}..{end} splits a character"
    );
}
