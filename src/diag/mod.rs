//! Diagnostics: one owned [`Diagnostic`] type, the [`Code`] registry, "did you mean"
//! suggestions and the renderers (human, short, json).
//!
//! Wording rules (see `docs/errors/README.md`): one lowercase sentence, no trailing
//! period, user input in backticks, advice in `help`.

mod code;
pub mod render;
pub mod suggest;

pub use code::{Code, Severity};

/// A byte range in one source file.
///
/// Equality deliberately ignores the offsets: syntax trees that differ only in
/// layout compare equal (the formatter's "never changes meaning" test relies on it).
/// Use [`Span::same_place`] to compare positions.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn same_place(&self, other: &Span) -> bool {
        self.start == other.start && self.end == other.end
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both.
    pub fn to(&self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Which loaded source a diagnostic points into (an index into [`Sources`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// One loaded source text and the name to show for it.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
    /// Byte offsets of the line starts, computed on first use, so that placing many
    /// diagnostics in a large file does not rescan it for each one.
    line_starts: std::sync::OnceLock<Vec<usize>>,
    /// The length in bytes of the longest line, computed on first use.
    longest_line: std::sync::OnceLock<usize>,
}

impl Source {
    /// Byte offsets at which the lines start (the first is 0).
    pub fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The length in bytes of the longest line, without its line break.
    pub fn longest_line(&self) -> usize {
        *self.longest_line.get_or_init(|| {
            let starts = self.line_starts();
            let ends = starts
                .iter()
                .skip(1)
                .map(|s| s - 1)
                .chain([self.text.len()]);
            starts
                .iter()
                .zip(ends)
                .map(|(s, e)| e - s)
                .max()
                .unwrap_or(0)
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = &self.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts[line.saturating_sub(1)];
        let col = text[line_start..offset].chars().count() + 1;
        (line, col - bom_before(text, line, offset))
    }
}

/// Every source a compilation touched, so renderers can show any diagnostic.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<Source>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> SourceId {
        self.files.push(Source {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
            longest_line: std::sync::OnceLock::new(),
        });
        SourceId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: SourceId) -> &Source {
        &self.files[id.0 as usize]
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: SourceId, offset: usize) -> (usize, usize) {
        self.get(id).line_col(offset)
    }
}

/// 1-based line and column (in characters) of a byte offset in `text` (one scan of
/// the text; [`Source::line_col`] indexes the lines once for many lookups).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col - bom_before(text, line, offset))
}

/// 1 when a byte-order mark starts the text and lies before `offset` on line 1: it
/// takes no column (editors do not show it).
fn bom_before(text: &str, line: usize, offset: usize) -> usize {
    usize::from(line == 1 && text.starts_with('\u{FEFF}') && offset >= '\u{FEFF}'.len_utf8())
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A labelled span inside a diagnostic.
#[derive(Debug, Clone)]
pub struct Label {
    pub span: Span,
    pub message: String,
    /// The primary label is the place the diagnostic is about.
    pub primary: bool,
}

/// A problem found in a program.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub source: SourceId,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub note: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's severity and a primary label at `span`.
    pub fn new(code: Code, source: SourceId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            source,
            labels: vec![Label {
                span,
                message: String::new(),
                primary: true,
            }],
            help: None,
            note: None,
        }
    }

    /// Sets the text of the primary label.
    pub fn with_label(mut self, message: impl Into<String>) -> Self {
        if let Some(label) = self.labels.iter_mut().find(|l| l.primary) {
            label.message = message.into();
        }
        self
    }

    /// Adds a secondary label (e.g. "first defined here").
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The span of the primary label.
    pub fn span(&self) -> Span {
        self.labels
            .iter()
            .find(|l| l.primary)
            .map_or(Span::default(), |l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into source order (by file, then offset), keeping the
/// emission order for diagnostics at the same place.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.source, d.span().start));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_line_col_agrees_with_the_scan() {
        let mut sources = Sources::default();
        let text = "ab\né€\n\n  x\r\nlast";
        let id = sources.add("a", text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                sources.line_col(id, offset),
                line_col(text, offset),
                "{offset}"
            );
        }
        assert_eq!(sources.get(id).longest_line(), "é€".len());
        let empty = sources.add("b", "");
        assert_eq!(sources.line_col(empty, 5), (1, 1));
        assert_eq!(sources.get(empty).longest_line(), 0);
        // A byte-order mark takes no column.
        let bom = sources.add("c", "\u{FEFF}ab\nc");
        assert_eq!(sources.line_col(bom, 3), (1, 1));
        assert_eq!(sources.line_col(bom, 4), (1, 2));
        assert_eq!(line_col("\u{FEFF}ab\nc", 4), (1, 2));
        assert_eq!(sources.line_col(bom, 7), (2, 2));
        assert_eq!(sources.line_col(bom, 6), (2, 1));
        assert_eq!(line_col("\u{FEFF}ab\nc", 6), (2, 1));
    }
}
