//! Human rendering of diagnostics (miette's graphical handler) and summary lines.

use crate::diag::render::MietteView;
use crate::diag::{Diagnostic, Sources};
use miette::{GraphicalReportHandler, GraphicalTheme};

/// Renders diagnostics the way `chaosc check` shows them to people: each one with its
/// code, message, the source lines it points at, and its help and note, separated by
/// blank lines. `color` turns ANSI colours on; `width` is where text wraps.
pub fn render_human(
    diagnostics: &[Diagnostic],
    sources: &Sources,
    color: bool,
    width: usize,
) -> String {
    if diagnostics.is_empty() {
        return String::new();
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // miette has a single `help` slot; the note gets its own line below it.
        let mut without_note = diagnostic.clone();
        let note = without_note.note.take();
        let view = MietteView::new(&without_note, sources);
        let mut one = String::new();
        if handler.render_report(&mut one, &view).is_err() {
            // miette only fails when the source cannot be read, which cannot happen
            // with an in-memory source; fall back to the one-line form anyway.
            one = crate::diag::render::short(diagnostic, sources);
        }
        out.push_str(one.trim_end());
        out.push('\n');
        if let Some(note) = note {
            let label = super::paint("note:", "\x1b[36m", color);
            out.push_str(&wrap(&format!("  {label} "), "        ", &note, width, 8));
        }
    }
    out
}

/// `text` word-wrapped at `width` columns: the first line after `first` (which takes
/// `first_width` columns), the others after `indent`. Ends with a newline.
fn wrap(first: &str, indent: &str, text: &str, width: usize, first_width: usize) -> String {
    let mut out = String::from(first);
    let mut column = first_width;
    let mut at_line_start = true;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if !at_line_start && column + 1 + len > width {
            out.push('\n');
            out.push_str(indent);
            column = indent.len();
            at_line_start = true;
        }
        if !at_line_start {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += len;
        at_line_start = false;
    }
    out.push('\n');
    out
}

/// `2 errors, 1 warning in 3 files`, or `checked 3 files: no problems`.
pub fn summary(errors: usize, warnings: usize, files: usize) -> String {
    let files = plural(files, "file");
    match (errors, warnings) {
        (0, 0) => format!("checked {files}: no problems"),
        (e, 0) => format!("{} in {files}", plural(e, "error")),
        (0, w) => format!("{} in {files}", plural(w, "warning")),
        (e, w) => format!(
            "{}, {} in {files}",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The width to wrap human output at: `COLUMNS` when it is set to a sane number,
/// otherwise 80.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| (20..=1000).contains(&c))
        .unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};

    #[test]
    fn summaries() {
        assert_eq!(summary(0, 0, 3), "checked 3 files: no problems");
        assert_eq!(summary(0, 0, 1), "checked 1 file: no problems");
        assert_eq!(summary(2, 1, 3), "2 errors, 1 warning in 3 files");
        assert_eq!(summary(1, 0, 1), "1 error in 1 file");
        assert_eq!(summary(0, 2, 1), "2 warnings in 1 file");
    }

    fn sample() -> (Vec<Diagnostic>, Sources) {
        let mut sources = Sources::default();
        let text = "scenario \"x\" {\n  baseline 5\n}\n";
        let id = sources.add("a.chaos", text);
        let start = text.find('5').unwrap();
        let d = Diagnostic::new(
            Code::Syntax,
            id,
            Span::new(start, start + 1),
            "expected a duration",
        )
        .with_label("a number without a unit")
        .with_help("write `5s`");
        (vec![d.clone(), d], sources)
    }

    #[test]
    fn plain_rendering_has_no_escapes_and_shows_everything() {
        let (diagnostics, sources) = sample();
        let text = render_human(&diagnostics, &sources, false, 80);
        assert!(!text.contains('\x1b'), "{text}");
        for part in [
            "E0101",
            "expected a duration",
            "a.chaos:2:12",
            "baseline 5",
            "write `5s`",
        ] {
            assert!(text.contains(part), "missing {part:?} in\n{text}");
        }
        assert_eq!(text.matches("E0101").count(), 2);
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
    }

    #[test]
    fn plain_rendering_snapshot() {
        let (mut diagnostics, mut sources) = sample();
        let text = "const a = 1s\nconst a = 2s\n";
        let id = sources.add("b.chaos", text);
        let second = text.rfind('a').unwrap();
        diagnostics[1] = Diagnostic::new(
            Code::DuplicateDefinition,
            id,
            Span::new(second, second + 1),
            "`a` is defined twice",
        )
        .with_label("defined again here")
        .with_secondary(Span::new(6, 7), "first defined here")
        .with_help("rename one of them")
        .with_note("names in one scope must be unique");
        diagnostics[1].severity = crate::diag::Severity::Warning;
        insta::assert_snapshot!(render_human(&diagnostics, &sources, false, 80));
    }

    #[test]
    fn notes_wrap_under_their_label() {
        let text = wrap("  note: ", "        ", "aaa bbb ccc ddd", 15, 8);
        assert_eq!(text, "  note: aaa bbb\n        ccc ddd\n");
        let text = wrap("  note: ", "        ", "averyveryverylongword x", 15, 8);
        assert_eq!(text, "  note: averyveryverylongword\n        x\n");
    }

    #[test]
    fn colour_rendering_uses_escapes() {
        let (diagnostics, sources) = sample();
        assert!(render_human(&diagnostics, &sources, true, 80).contains('\x1b'));
    }

    #[test]
    fn nothing_to_render() {
        assert_eq!(render_human(&[], &Sources::default(), false, 80), "");
    }
}
