//! Renderers that need no terminal: `short` (one line each) and `json`, and the
//! adapter that lets miette draw our diagnostics (the graphical rendering itself is
//! switched on in `src/cli/`).

use super::{Diagnostic, Sources};
use serde::Serialize;

/// `path:line:col: severity[CODE]: message`, then ` (help: HELP)` when the diagnostic
/// has help: one line per diagnostic (a line break in either becomes a space).
pub fn short(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let source = sources.get(diagnostic.source);
    let (line, col) = source.line_col(diagnostic.span().start);
    let mut out = format!(
        "{}:{}:{}: {}[{}]: {}",
        source.name,
        line,
        col,
        diagnostic.severity.as_str(),
        diagnostic.code.as_str(),
        clip_message(&one_line(&diagnostic.message))
    );
    if let Some(help) = &diagnostic.help {
        out.push_str(" (help: ");
        out.push_str(&clip_message(&one_line(help)));
        out.push(')');
    }
    out
}

/// `text` with its line breaks as spaces, for a format of one line per diagnostic.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        text.replace("\r\n", " ").replace(['\n', '\r'], " ").into()
    } else {
        text.into()
    }
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

/// Source lines longer than this many characters are shown clipped around the labels,
/// with `…` where text is left out, so that a 10 MB line is never echoed whole.
pub const SNIPPET_WIDTH: usize = 160;
/// How many characters of a clipped line are kept before each label's start or end.
const SNIPPET_BEFORE: usize = 60;
/// Quoted text (between backticks) longer than this many characters is shortened in
/// messages and help.
const QUOTE_WIDTH: usize = 80;

/// `message` with every backtick-quoted part longer than [`QUOTE_WIDTH`] characters
/// shortened to its start and end around `…`.
pub fn clip_message(message: &str) -> std::borrow::Cow<'_, str> {
    if message.chars().count() <= QUOTE_WIDTH {
        return message.into();
    }
    let mut out = String::with_capacity(QUOTE_WIDTH * 4);
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let n = part.chars().count();
        if i % 2 == 1 && n > QUOTE_WIDTH {
            let head = QUOTE_WIDTH * 3 / 4;
            let tail = QUOTE_WIDTH - head;
            out.extend(part.chars().take(head));
            out.push('…');
            out.extend(part.chars().skip(n - tail));
        } else {
            out.push_str(part);
        }
    }
    out.into()
}

/// A source as miette sees it for one diagnostic: when a line near a label is longer
/// than [`SNIPPET_WIDTH`] (or the file starts with a byte-order mark), the lines
/// around the labels ([`WINDOW_MARGIN`] lines either side) with long lines clipped
/// around the places the labels point at, and the map back to the real text for
/// lines and columns; otherwise the text itself, read through its line index. Either
/// way the work per diagnostic depends on the lines shown, not on the file's size.
pub struct ClippedSource<'a> {
    name: String,
    original: &'a super::Source,
    /// The original text itself when nothing is clipped.
    text: std::borrow::Cow<'a, str>,
    /// Kept pieces: (offset in `text`, offset in the original, length); empty when
    /// nothing was clipped.
    kept: Vec<(usize, usize, usize)>,
}

/// Lines kept around each label when lines are clipped: more than miette's context
/// lines, so that the snippets of two labels far apart never run into each other.
const WINDOW_MARGIN: usize = 3;

impl<'a> ClippedSource<'a> {
    /// Clips `original` around `points` (byte offsets the labels start and end at).
    pub fn new(original: &'a super::Source, points: &[usize]) -> ClippedSource<'a> {
        let text = &original.text;
        let mut clipped = ClippedSource {
            name: original.name.clone(),
            original,
            text: std::borrow::Cow::Borrowed(text),
            kept: Vec::new(),
        };
        let starts = original.line_starts();
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let line_end = |line: usize| starts.get(line + 1).map_or(text.len(), |&s| s);
        let mut points = points.to_vec();
        points.iter_mut().for_each(|p| *p = (*p).min(text.len()));
        points.sort_unstable();
        // The lines shown: windows of lines around the points, merged when they touch.
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for &p in &points {
            let line = line_of(p);
            let (first, last) = (
                line.saturating_sub(WINDOW_MARGIN),
                (line + WINDOW_MARGIN).min(starts.len() - 1),
            );
            match windows.last_mut() {
                Some(w) if first <= w.1 + 1 => w.1 = w.1.max(last),
                _ => windows.push((first, last)),
            }
        }
        let long = |line: usize| {
            let content = text[starts[line]..line_end(line)].trim_end_matches('\n');
            content.len() > SNIPPET_WIDTH && content.chars().count() > SNIPPET_WIDTH
        };
        // A byte-order mark is left out too: miette would give it a column.
        let bom = if text.starts_with('\u{FEFF}') {
            '\u{FEFF}'.len_utf8()
        } else {
            0
        };
        let needs_clipping = original.longest_line() > SNIPPET_WIDTH
            && windows
                .iter()
                .any(|&(first, last)| (first..=last).any(long));
        let shows_bom = bom > 0 && windows.first().is_some_and(|w| w.0 == 0);
        if !needs_clipping && !shows_bom {
            return clipped;
        }
        clipped.text = std::borrow::Cow::Owned(String::new());
        for (first, last) in windows {
            let mut line_start = if first == 0 { bom } else { starts[first] };
            for line in first..=last {
                let end = line_end(line);
                let whole = &text[line_start..end];
                let content = whole.strip_suffix('\n').unwrap_or(whole);
                let content_end = line_start + content.len();
                if !long(line) {
                    clipped.keep(text, line_start, end);
                } else {
                    clipped.clip_line(text, line_start, content_end, &points);
                    clipped.keep(text, content_end, end);
                }
                line_start = end;
            }
        }
        clipped
    }

    /// Keeps windows of [`SNIPPET_WIDTH`] characters of the long line
    /// `line_start..line_end`, each starting [`SNIPPET_BEFORE`] characters before a
    /// point on this line (or at the line's start), with `…` for what is left out.
    fn clip_line(&mut self, text: &str, line_start: usize, line_end: usize, points: &[usize]) {
        let here: Vec<usize> = points
            .iter()
            .copied()
            .filter(|&p| (line_start..=line_end).contains(&p))
            .collect();
        let anchors = if here.is_empty() {
            vec![line_start]
        } else {
            here
        };
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for p in anchors {
            let p = floor_boundary(text, p);
            let from = text[line_start..p]
                .char_indices()
                .rev()
                .nth(SNIPPET_BEFORE - 1)
                .map_or(line_start, |(i, _)| line_start + i);
            let to = text[from..line_end]
                .char_indices()
                .nth(SNIPPET_WIDTH)
                .map_or(line_end, |(i, _)| from + i);
            match windows.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => windows.push((from, to)),
            }
        }
        let mut at = line_start;
        for (from, to) in windows {
            if from > at {
                self.text.to_mut().push('…');
            }
            self.keep(text, from, to);
            at = to;
        }
        if at < line_end {
            self.text.to_mut().push('…');
        }
    }

    fn keep(&mut self, text: &str, from: usize, to: usize) {
        if to > from {
            self.kept.push((self.text.len(), from, to - from));
            self.text.to_mut().push_str(&text[from..to]);
        }
    }

    /// The offset in the clipped text of an offset in the original.
    pub fn to_clipped(&self, offset: usize) -> usize {
        if self.kept.is_empty() {
            return offset.min(self.text.len());
        }
        let i = self.kept.partition_point(|&(_, orig, _)| orig <= offset);
        match i.checked_sub(1).map(|i| self.kept[i]) {
            Some((out, orig, len)) if offset <= orig + len => out + (offset - orig),
            _ => self.kept.get(i).map_or(self.text.len(), |&(out, _, _)| out),
        }
    }

    /// The offset in the original of an offset in the clipped text.
    fn to_original(&self, offset: usize) -> usize {
        let i = self.kept.partition_point(|&(out, _, _)| out <= offset);
        match i.checked_sub(1).map(|i| self.kept[i]) {
            Some((out, orig, len)) => orig + (offset - out).min(len),
            None => 0,
        }
    }

    /// The clipped text (the whole text when no line is too long).
    pub fn text(&self) -> &str {
        &self.text
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl miette::SourceCode for ClippedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        if self.kept.is_empty() {
            return self.read_window(span, context_lines_before, context_lines_after);
        }
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // The clipped text holds only the lines around the labels, some of them
        // clipped: the line and column come from the original.
        let (line, column) = self
            .original
            .line_col(self.to_original(inner.span().offset()));
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line - 1,
            column - 1,
            inner.line_count(),
        )))
    }
}

impl ClippedSource<'_> {
    /// `read_span` on the original text, through its line index: only the lines around
    /// the span are scanned (miette scans from the start of the text, which made
    /// thousands of diagnostics in a large file take minutes).
    fn read_window<'b>(
        &'b self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'b> + 'b>, miette::MietteError> {
        use miette::SourceCode as _;
        let text: &'b str = &self.original.text;
        let starts = self.original.line_starts();
        let start = span.offset().min(text.len());
        let end = (start + span.len()).min(text.len());
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let first = line_of(start).saturating_sub(before);
        // One line more than needed after the span: the window must not end early.
        let last = line_of(end.max(start)) + after + 2;
        let from = starts[first];
        let to = starts.get(last).copied().unwrap_or(text.len());
        let window = &text[from..to];
        let inner = window.read_span(
            &miette::SourceSpan::new((start - from).into(), end - start),
            before,
            after,
        )?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            miette::SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Our diagnostic seen through miette's trait, with its source attached (long lines
/// clipped, see [`ClippedSource`]).
pub struct MietteView<'a> {
    pub diagnostic: &'a Diagnostic,
    pub source: ClippedSource<'a>,
    message: String,
}

impl<'a> MietteView<'a> {
    pub fn new(diagnostic: &'a Diagnostic, sources: &'a Sources) -> Self {
        let source = sources.get(diagnostic.source);
        let points: Vec<usize> = diagnostic
            .labels
            .iter()
            .flat_map(|l| [l.span.start, l.span.end])
            .collect();
        MietteView {
            diagnostic,
            source: ClippedSource::new(source, &points),
            message: clip_message(&diagnostic.message).into_owned(),
        }
    }
}

impl std::fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
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
        let help = self.diagnostic.help.as_deref().map(clip_message);
        let note = self.diagnostic.note.as_deref().map(clip_message);
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
        let original_len = self.source.original.text.len();
        Some(Box::new(self.diagnostic.labels.iter().map(move |l| {
            let start = self.source.to_clipped(l.span.start.min(original_len));
            let end = self.source.to_clipped(l.span.end.min(original_len));
            let len = end.saturating_sub(start);
            let label = (!l.message.is_empty()).then(|| l.message.clone());
            if l.primary {
                miette::LabeledSpan::new_primary_with_span(label, (start, len))
            } else {
                miette::LabeledSpan::new_with_span(label, (start, len))
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};

    #[test]
    fn long_quotes_are_clipped_in_messages() {
        assert_eq!(clip_message("unknown name `a`"), "unknown name `a`");
        let long = format!("unknown name `{}` in `x`", "é".repeat(1000));
        let clipped = clip_message(&long);
        assert!(clipped.starts_with("unknown name `éé"), "{clipped}");
        assert!(clipped.ends_with("éé` in `x`"), "{clipped}");
        assert!(clipped.contains('…'));
        assert!(clipped.chars().count() < 120, "{clipped}");
    }

    #[test]
    fn long_lines_are_clipped_around_the_labels_and_map_back() {
        let mut sources = Sources::default();
        let line = format!("{}HERE{}", "a".repeat(5000), "b".repeat(5000));
        let text = format!("short\n{line}\nlast\n");
        let id = sources.add("x", text.clone());
        let start = text.find("HERE").unwrap();
        let d = Diagnostic::new(Code::Syntax, id, Span::new(start, start + 4), "m");
        let view = MietteView::new(&d, &sources);
        let clipped = view.source.text();
        assert_eq!(clipped.lines().count(), 3);
        assert!(clipped.starts_with("short\n…a"), "{clipped}");
        assert!(clipped.ends_with("b…\nlast\n"), "{clipped}");
        assert!(clipped
            .lines()
            .all(|l| l.chars().count() <= SNIPPET_WIDTH + 10));
        let at = view.source.to_clipped(start);
        assert_eq!(&clipped[at..at + 4], "HERE");
        // miette is told the real column.
        use miette::SourceCode as _;
        let contents = view.source.read_span(&(at, 4).into(), 0, 0).unwrap();
        assert_eq!((contents.line(), contents.column()), (1, 5000));
    }

    #[test]
    fn only_the_lines_around_the_labels_are_copied() {
        let mut sources = Sources::default();
        let text = format!(
            "const a = 1\n{}\n{}HERE\n",
            "const b = 2\n".repeat(10_000),
            "x".repeat(500)
        );
        let id = sources.add("x", text.clone());
        // A long line far from the label: the text itself, nothing copied.
        let d = Diagnostic::new(Code::Syntax, id, Span::new(6, 7), "m");
        let view = MietteView::new(&d, &sources);
        assert!(matches!(view.source.text, std::borrow::Cow::Borrowed(_)));
        // A label on the long line: its few lines are copied, clipped, and miette is
        // told the real line and column.
        let start = text.find("HERE").unwrap();
        let d = Diagnostic::new(Code::Syntax, id, Span::new(start, start + 4), "m");
        let view = MietteView::new(&d, &sources);
        let clipped = view.source.text();
        assert!(clipped.len() < 1_000, "{} bytes copied", clipped.len());
        let at = view.source.to_clipped(start);
        assert_eq!(&clipped[at..at + 4], "HERE");
        use miette::SourceCode as _;
        let contents = view.source.read_span(&(at, 4).into(), 1, 1).unwrap();
        let line = text[..start].matches('\n').count();
        assert_eq!((contents.line(), contents.column()), (line - 1, 0));
        let contents = view.source.read_span(&(at, 4).into(), 0, 0).unwrap();
        assert_eq!((contents.line(), contents.column()), (line, 500));
    }

    #[test]
    fn a_byte_order_mark_is_left_out() {
        let mut sources = Sources::default();
        let id = sources.add("x", "\u{FEFF}const a = 1x\n");
        let d = Diagnostic::new(Code::UnknownUnit, id, Span::new(14, 15), "m");
        let view = MietteView::new(&d, &sources);
        assert_eq!(view.source.text(), "const a = 1x\n");
        assert_eq!(view.source.to_clipped(14), 11);
        use miette::SourceCode as _;
        let contents = view.source.read_span(&(11, 1).into(), 0, 0).unwrap();
        assert_eq!((contents.line(), contents.column()), (0, 11));
    }

    #[test]
    fn the_short_format_keeps_the_help_on_the_line() {
        let mut sources = Sources::default();
        let id = sources.add("a.chaos", "const a = 1sec\n");
        let d = Diagnostic::new(
            Code::UnknownUnit,
            id,
            Span::new(11, 14),
            "unknown unit `sec`",
        );
        assert_eq!(
            short(&d, &sources),
            "a.chaos:1:12: error[E0103]: unknown unit `sec`"
        );
        let d = d.with_help("did you mean `1s`?");
        assert_eq!(
            short(&d, &sources),
            "a.chaos:1:12: error[E0103]: unknown unit `sec` (help: did you mean `1s`?)"
        );
        // One line whatever the texts hold.
        let d = Diagnostic::new(Code::UnknownUnit, id, Span::new(11, 14), "a\nb")
            .with_help("c\r\nd\re");
        assert_eq!(
            short(&d, &sources),
            "a.chaos:1:12: error[E0103]: a b (help: c d e)"
        );
    }

    #[test]
    fn short_lines_are_left_alone() {
        let mut sources = Sources::default();
        let id = sources.add("x", "a\nb\n");
        let d = Diagnostic::new(Code::Syntax, id, Span::new(2, 3), "m");
        let view = MietteView::new(&d, &sources);
        assert_eq!(view.source.text(), "a\nb\n");
        assert_eq!(view.source.to_clipped(2), 2);
    }
}
