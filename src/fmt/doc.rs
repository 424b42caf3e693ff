//! A small document printer in the style of Wadler's "prettier printer".
//!
//! A [`Doc`] describes text with possible line breaks; [`Printer`] lays it out within
//! a width. A [`Doc::Group`] is printed flat (its [`Doc::Line`]s as spaces) when it fits
//! on the rest of the line, and broken (every line of the group on its own line)
//! otherwise; groups are tried outermost first, so nested groups break only when
//! their parent's break was not enough.
//!
//! Newlines are lazy: a line break is only a request, written out (with the
//! indentation of the latest request) when the next text comes. Requests merge by
//! maximum, so a blank line is never doubled and no line ends in blanks.
//!
//! Comments have their own elements so that the printer can keep them where they
//! were: [`Doc::LineSuffix`] (a `//` comment that ends a line), [`Doc::InlineComment`]
//! (a `/* */` comment between tokens) and [`Doc::OwnLine`] (a comment on its own line).

use std::borrow::Cow;

/// The width the formatter fills.
pub const WIDTH: usize = 100;
/// Spaces per indentation level.
const INDENT: usize = 2;

#[derive(Debug, Clone)]
pub enum Doc<'a> {
    /// Text without line breaks.
    Text(Cow<'a, str>),
    /// A space when flat, a line break when broken.
    Line,
    /// Nothing when flat, a line break when broken.
    SoftLine,
    /// A line break, always; breaks the enclosing groups.
    HardLine,
    /// A blank line (two line breaks), always; breaks the enclosing groups.
    BlankLine,
    /// The parts in order; `bool`: some part forces a break.
    Concat(Vec<Doc<'a>>, bool),
    /// The contents one level deeper when they break onto new lines.
    Indent(Box<Doc<'a>>),
    /// Printed flat when it fits; `bool`: the contents force a break.
    Group(Box<Doc<'a>>, bool),
    /// Text printed only when the enclosing group is broken (a trailing comma).
    IfBreak(&'static str),
    /// A `//` comment at the end of the current line: written just before the next
    /// line break, and a line break comes before any further code. Breaks groups.
    LineSuffix(&'a str),
    /// A comment on a line of its own; `blank_after`: a blank line follows it.
    /// Breaks groups.
    OwnLine { text: &'a str, blank_after: bool },
    /// A `/* */` comment between tokens, separated by spaces; `bool`: it spans
    /// several lines (which breaks groups).
    InlineComment(&'a str, bool),
}

impl<'a> Doc<'a> {
    pub fn text(s: impl Into<Cow<'a, str>>) -> Doc<'a> {
        Doc::Text(s.into())
    }

    pub fn space() -> Doc<'a> {
        Doc::Text(Cow::Borrowed(" "))
    }

    /// The parts in order.
    pub fn concat(parts: Vec<Doc<'a>>) -> Doc<'a> {
        let breaks = parts.iter().any(Doc::breaks);
        Doc::Concat(parts, breaks)
    }

    pub fn indent(doc: Doc<'a>) -> Doc<'a> {
        Doc::Indent(Box::new(doc))
    }

    pub fn group(doc: Doc<'a>) -> Doc<'a> {
        let breaks = doc.breaks();
        Doc::Group(Box::new(doc), breaks)
    }

    /// Whether this document always contains a line break.
    pub fn breaks(&self) -> bool {
        match self {
            Doc::Text(_) | Doc::Line | Doc::SoftLine | Doc::IfBreak(_) => false,
            Doc::HardLine | Doc::BlankLine | Doc::LineSuffix(_) | Doc::OwnLine { .. } => true,
            Doc::Concat(_, b) | Doc::Group(_, b) | Doc::InlineComment(_, b) => *b,
            Doc::Indent(d) => d.breaks(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// Display width of a piece of text (characters, not bytes).
fn width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Lays documents out into a string. Several documents can be printed one after
/// the other (the formatter prints one top-level item at a time).
pub struct Printer<'a> {
    out: String,
    width: usize,
    /// Column of the end of `out`.
    col: usize,
    /// Line breaks requested and not yet written: 1 a line break, 2 a blank line.
    pending_newlines: usize,
    /// The indentation of the line after the pending line breaks.
    pending_indent: usize,
    /// Whether the current line has anything but indentation.
    line_has_content: bool,
    /// `//` comments to write at the end of the current line.
    suffix: Vec<&'a str>,
    /// An inline comment was just written: the next token is separated by a space.
    space_after_comment: bool,
}

impl<'a> Printer<'a> {
    pub fn new(width: usize, capacity: usize) -> Printer<'a> {
        Printer {
            out: String::with_capacity(capacity),
            width,
            col: 0,
            pending_newlines: 0,
            pending_indent: 0,
            line_has_content: false,
            suffix: Vec::new(),
            space_after_comment: false,
        }
    }

    /// Requests `n` line breaks (1, or 2 for a blank line) at the outermost level.
    pub fn newlines(&mut self, n: usize) {
        self.request(n, 0);
    }

    /// Line breaks requested and not yet written.
    pub fn pending_newlines(&self) -> usize {
        self.pending_newlines
    }

    /// The text printed so far, ending with exactly one newline unless empty.
    pub fn finish(mut self) -> String {
        self.flush_suffix();
        self.trim_line_end();
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    /// Prints text laid out elsewhere (it may hold line breaks).
    pub fn raw(&mut self, text: &str) {
        self.text(text, 0);
    }

    /// Prints `doc` after what was printed so far.
    pub fn print(&mut self, doc: &Doc<'a>) {
        let mut stack: Vec<(usize, Mode, &Doc<'a>)> = vec![(0, Mode::Break, doc)];
        let mut scratch = Vec::new();
        while let Some((indent, mode, doc)) = stack.pop() {
            match doc {
                Doc::Text(s) => self.text(s, indent),
                Doc::Concat(parts, _) => {
                    stack.extend(parts.iter().rev().map(|d| (indent, mode, d)));
                }
                Doc::Indent(d) => stack.push((indent + INDENT, mode, d)),
                Doc::Group(d, forced) => {
                    let mode = if mode == Mode::Flat {
                        Mode::Flat
                    } else if *forced {
                        Mode::Break
                    } else {
                        // Where the group starts: a pending line break, or a `//`
                        // comment that ends this line, moves it to the next line.
                        let start = if self.pending_newlines > 0 {
                            self.pending_indent
                        } else if !self.suffix.is_empty() {
                            indent
                        } else {
                            self.col
                        };
                        let room = self.width as isize - start as isize;
                        let line = if self.pending_newlines > 0 || !self.suffix.is_empty() {
                            LineEnd::default()
                        } else {
                            LineEnd {
                                suffix: false,
                                space_after_comment: self.space_after_comment
                                    && self.line_has_content,
                                trailing_blanks: self.out.len()
                                    - self.out.trim_end_matches(' ').len(),
                            }
                        };
                        if fits(d, &stack, room, line, &mut scratch) {
                            Mode::Flat
                        } else {
                            Mode::Break
                        }
                    };
                    stack.push((indent, mode, d));
                }
                Doc::Line => match mode {
                    Mode::Flat => self.text(" ", indent),
                    Mode::Break => self.request(1, indent),
                },
                Doc::SoftLine => {
                    if mode == Mode::Break {
                        self.request(1, indent);
                    }
                }
                Doc::HardLine => self.request(1, indent),
                Doc::BlankLine => self.request(2, indent),
                Doc::IfBreak(s) => {
                    if mode == Mode::Break {
                        self.text(s, indent);
                    }
                }
                Doc::LineSuffix(s) => {
                    if self.pending_newlines > 0
                        || !self.line_has_content
                        || !self.suffix.is_empty()
                    {
                        // Nothing on this line to trail after, or a `//` comment
                        // already ends it.
                        self.own_line(s, false, indent);
                    } else {
                        self.suffix.push(s);
                    }
                }
                Doc::OwnLine { text, blank_after } => self.own_line(text, *blank_after, indent),
                Doc::InlineComment(s, _) => self.inline_comment(s, indent),
            }
        }
    }

    fn request(&mut self, n: usize, indent: usize) {
        if self.out.is_empty() && !self.line_has_content {
            return; // no line breaks at the start of the output
        }
        self.pending_newlines = self.pending_newlines.max(n);
        self.pending_indent = indent;
    }

    fn trim_line_end(&mut self) {
        let kept = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(kept);
    }

    fn flush_suffix(&mut self) {
        if self.suffix.is_empty() {
            return;
        }
        self.trim_line_end();
        for s in std::mem::take(&mut self.suffix) {
            self.out.push(' ');
            self.out.push_str(s);
        }
    }

    /// Writes the pending line breaks and the indentation of the new line.
    fn materialize(&mut self) {
        self.flush_suffix();
        self.trim_line_end();
        if !self.out.is_empty() {
            for _ in 0..self.pending_newlines.min(2) {
                self.out.push('\n');
            }
        }
        for _ in 0..self.pending_indent {
            self.out.push(' ');
        }
        self.col = self.pending_indent;
        self.pending_newlines = 0;
        self.line_has_content = false;
        self.space_after_comment = false;
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
        match s.rfind('\n') {
            Some(i) => self.col = width(&s[i + 1..]),
            None => self.col += width(s),
        }
        self.line_has_content = true;
    }

    fn text(&mut self, s: &str, indent: usize) {
        if s.is_empty() {
            return;
        }
        let blank = s.bytes().all(|b| b == b' ');
        if self.pending_newlines == 0 && !self.suffix.is_empty() {
            // Code after a `//` comment goes to the next line; a comma may stay.
            if blank {
                return;
            }
            if s != "," {
                self.request(1, indent);
            }
        }
        if self.pending_newlines > 0 {
            if blank {
                return;
            }
            self.materialize();
        } else if self.space_after_comment
            && !s.starts_with([',', ')', ']', '}', ':', ' '])
            && self.line_has_content
        {
            self.out.push(' ');
            self.col += 1;
        }
        self.space_after_comment = false;
        self.push(s);
    }

    fn own_line(&mut self, text: &str, blank_after: bool, indent: usize) {
        if self.pending_newlines == 0 && (self.line_has_content || !self.suffix.is_empty()) {
            self.request(1, indent);
        }
        if self.pending_newlines > 0 {
            self.pending_indent = indent;
            self.materialize();
        }
        self.push(text);
        self.space_after_comment = false;
        self.request(if blank_after { 2 } else { 1 }, indent);
    }

    fn inline_comment(&mut self, s: &str, indent: usize) {
        if self.pending_newlines > 0 || !self.suffix.is_empty() || !self.line_has_content {
            // It cannot stay on the line of the token before it: it gets a line of
            // its own, as it will be read next time.
            self.own_line(s, false, indent);
            return;
        }
        if !self.out.ends_with(' ') {
            self.out.push(' ');
            self.col += 1;
        }
        self.push(s);
        self.space_after_comment = true;
    }
}

/// What [`fits`] needs to know about the end of the line being measured, to count
/// the columns the way [`Printer`] writes them.
#[derive(Debug, Clone, Copy, Default)]
struct LineEnd {
    /// A `//` comment waits to end the line.
    suffix: bool,
    /// An inline comment was just written: the next token gets a space before it.
    space_after_comment: bool,
    /// Spaces at the end of the line (a `//` comment replaces them by one).
    trailing_blanks: usize,
}

/// Whether `doc`, printed flat, and what follows it up to the end of its line
/// (`rest`, in the modes already chosen) fit in `room` columns.
///
/// The count follows [`Printer`] column for column: a `//` comment that ends the
/// line counts (one space and the comment), and so does a comma that the printer
/// keeps before it; an inline comment counts with the space before it, and the
/// space after it only when the printer writes one (not before `,` `)` `]` `}` `:`).
/// `work` is a scratch buffer, kept between calls to save allocations.
fn fits<'d, 'a>(
    doc: &'d Doc<'a>,
    rest: &[(usize, Mode, &'d Doc<'a>)],
    room: isize,
    line: LineEnd,
    work: &mut Vec<(Mode, &'d Doc<'a>)>,
) -> bool {
    let mut room = room;
    let mut line = line;
    if room < 0 {
        return false;
    }
    work.clear();
    work.push((Mode::Flat, doc));
    let mut rest_index = rest.len();
    loop {
        let (mode, doc) = match work.pop() {
            Some(next) => next,
            None => {
                if rest_index == 0 {
                    return true;
                }
                rest_index -= 1;
                let (_, mode, doc) = rest[rest_index];
                (mode, doc)
            }
        };
        let text = match doc {
            Doc::Text(s) => Some(&**s),
            Doc::Line if mode == Mode::Flat => Some(" "),
            Doc::IfBreak(s) if mode == Mode::Break => Some(*s),
            _ => None,
        };
        if let Some(s) = text {
            if s.is_empty() {
                continue;
            }
            let blank = s.bytes().all(|b| b == b' ');
            if line.suffix {
                // After a `//` comment blanks are dropped and a comma stays on
                // the line; any other code goes to the next line.
                if blank {
                    continue;
                }
                if s != "," {
                    return true;
                }
            } else if line.space_after_comment && !s.starts_with([',', ')', ']', '}', ':', ' ']) {
                room -= 1;
            }
            line.space_after_comment = false;
            room -= width(s) as isize;
            line.trailing_blanks = if blank {
                line.trailing_blanks + s.len()
            } else {
                s.len() - s.trim_end_matches(' ').len()
            };
            if room < 0 {
                return false;
            }
            continue;
        }
        match doc {
            Doc::LineSuffix(s) => {
                if line.suffix {
                    // A second `//` comment goes to a line of its own.
                    return true;
                }
                // The blanks before it make way for one space.
                room -= (1 + width(s)) as isize - line.trailing_blanks as isize;
                line.suffix = true;
                line.space_after_comment = false;
                line.trailing_blanks = 0;
            }
            Doc::Concat(parts, _) => work.extend(parts.iter().rev().map(|d| (mode, d))),
            Doc::Indent(d) => work.push((mode, d)),
            Doc::Group(d, forced) => work.push((if *forced { Mode::Break } else { mode }, d)),
            Doc::Line | Doc::SoftLine => {
                if mode == Mode::Break {
                    return true;
                }
            }
            Doc::HardLine | Doc::BlankLine | Doc::OwnLine { .. } => return true,
            Doc::InlineComment(s, multiline) => {
                if line.suffix {
                    // After a `//` comment it gets a line of its own.
                    return true;
                }
                // A space before it unless there is one; a comment over several
                // lines ends this line with its first line.
                let first = s.split('\n').next().unwrap_or_default();
                let before = usize::from(line.trailing_blanks == 0);
                room -= (before + width(first)) as isize;
                if *multiline {
                    return room >= 0;
                }
                line.space_after_comment = true;
                line.trailing_blanks = 0;
            }
            Doc::Text(_) | Doc::IfBreak(_) => {}
        }
        if room < 0 {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &'static str) -> Doc<'static> {
        Doc::text(s)
    }

    /// `name(a, b, …)` as the formatter builds calls.
    fn call(name: &'static str, args: Vec<Doc<'static>>) -> Doc<'static> {
        let n = args.len();
        let mut inner = vec![Doc::SoftLine];
        for (i, a) in args.into_iter().enumerate() {
            inner.push(a);
            if i + 1 < n {
                inner.push(t(","));
                inner.push(Doc::Line);
            } else {
                inner.push(Doc::IfBreak(","));
            }
        }
        Doc::group(Doc::concat(vec![
            t(name),
            t("("),
            Doc::indent(Doc::concat(inner)),
            Doc::SoftLine,
            t(")"),
        ]))
    }

    fn render(width: usize, doc: &Doc<'static>) -> String {
        let mut p = Printer::new(width, 0);
        p.print(doc);
        p.finish()
    }

    #[test]
    fn a_group_that_fits_exactly_stays_flat() {
        // "f(aaaa, bbbb)" is 13 columns.
        let doc = call("f", vec![t("aaaa"), t("bbbb")]);
        assert_eq!(render(13, &doc), "f(aaaa, bbbb)\n");
        assert_eq!(
            render(12, &doc),
            "f(\n  aaaa,\n  bbbb,\n)\n",
            "one column short: one argument per line, trailing comma"
        );
    }

    #[test]
    fn the_rest_of_the_line_counts() {
        // The group fits alone (13) but not with " for 5s" after it (20).
        let doc = Doc::concat(vec![call("f", vec![t("aaaa"), t("bbbb")]), t(" for 5s")]);
        assert_eq!(render(20, &doc), "f(aaaa, bbbb) for 5s\n");
        assert_eq!(render(19, &doc), "f(\n  aaaa,\n  bbbb,\n) for 5s\n");
    }

    #[test]
    fn the_outermost_group_breaks_first() {
        let inner = call("g", vec![t("x"), t("y")]);
        let doc = call("f", vec![t("a"), inner]);
        // Flat: "f(a, g(x, y))" = 13.
        assert_eq!(render(13, &doc), "f(a, g(x, y))\n");
        assert_eq!(render(12, &doc), "f(\n  a,\n  g(x, y),\n)\n");
        // "  g(x, y)," is 10 wide: with 9 the inner group breaks too.
        assert_eq!(render(9, &doc), "f(\n  a,\n  g(\n    x,\n    y,\n  ),\n)\n");
    }

    #[test]
    fn indentation_counts_toward_the_width() {
        let doc = Doc::concat(vec![
            t("slo {"),
            Doc::indent(Doc::concat(vec![
                Doc::HardLine,
                call("f", vec![t("aaaa"), t("bbbb")]),
            ])),
            Doc::HardLine,
            t("}"),
        ]);
        assert_eq!(render(15, &doc), "slo {\n  f(aaaa, bbbb)\n}\n");
        assert_eq!(
            render(14, &doc),
            "slo {\n  f(\n    aaaa,\n    bbbb,\n  )\n}\n"
        );
    }

    #[test]
    fn a_hard_line_forces_the_group_to_break() {
        let doc = call(
            "f",
            vec![Doc::concat(vec![
                Doc::OwnLine {
                    text: "// c",
                    blank_after: false,
                },
                t("a"),
            ])],
        );
        assert_eq!(render(100, &doc), "f(\n  // c\n  a,\n)\n");
    }

    #[test]
    fn a_line_comment_breaks_its_group_and_ends_its_line() {
        let doc = call(
            "f",
            vec![Doc::concat(vec![t("a"), Doc::LineSuffix("// c")]), t("b")],
        );
        assert_eq!(render(100, &doc), "f(\n  a, // c\n  b,\n)\n");
    }

    #[test]
    fn code_after_a_line_comment_goes_to_the_next_line() {
        let doc = Doc::concat(vec![
            t("at 0s"),
            Doc::LineSuffix("// c"),
            t(" "),
            t("kill()"),
        ]);
        assert_eq!(render(100, &doc), "at 0s // c\nkill()\n");
    }

    #[test]
    fn line_breaks_merge_and_never_leave_trailing_blanks() {
        let doc = Doc::concat(vec![
            t("a "),
            Doc::HardLine,
            Doc::BlankLine,
            Doc::HardLine,
            t("b"),
        ]);
        assert_eq!(render(100, &doc), "a\n\nb\n");
    }

    #[test]
    fn own_line_comments_start_a_line_and_keep_a_blank_after() {
        let doc = Doc::concat(vec![
            t("at 0s "),
            Doc::OwnLine {
                text: "// c",
                blank_after: true,
            },
            t("kill()"),
        ]);
        assert_eq!(render(100, &doc), "at 0s\n// c\n\nkill()\n");
    }

    #[test]
    fn inline_comments_are_spaced() {
        let doc = call(
            "f",
            vec![
                Doc::concat(vec![t("a"), Doc::InlineComment("/* c */", false)]),
                t("b"),
            ],
        );
        // The comment and the space before it count toward the width; there is no
        // space between it and the comma.
        assert_eq!(render(15, &doc), "f(a /* c */, b)\n");
        assert_eq!(render(14, &doc), "f(\n  a /* c */,\n  b,\n)\n");
        // Before a token, the space after it counts too.
        let doc = call(
            "f",
            vec![Doc::concat(vec![
                t("a"),
                Doc::InlineComment("/* c */", false),
                t("b"),
            ])],
        );
        assert_eq!(render(14, &doc), "f(a /* c */ b)\n");
        assert_eq!(render(13, &doc), "f(\n  a /* c */ b,\n)\n");
    }

    #[test]
    fn a_line_comment_after_a_group_counts_toward_the_width() {
        // "f(aaaa, bbbb) // c" is 18 columns.
        let doc = Doc::concat(vec![
            call("f", vec![t("aaaa"), t("bbbb")]),
            Doc::LineSuffix("// c"),
        ]);
        assert_eq!(render(18, &doc), "f(aaaa, bbbb) // c\n");
        assert_eq!(render(17, &doc), "f(\n  aaaa,\n  bbbb,\n) // c\n");
    }

    #[test]
    fn a_comma_kept_before_a_line_comment_counts_wherever_the_comment_was() {
        // The comment before the comma (as `f(…) // c` then `, x` in the source)
        // or after it: the printed line is "f(aaaa, bbbb), // c" (19) either way.
        let before = Doc::concat(vec![
            call("f", vec![t("aaaa"), t("bbbb")]),
            Doc::LineSuffix("// c"),
            t(","),
            t(" "),
            t("x"),
        ]);
        let after = Doc::concat(vec![
            call("f", vec![t("aaaa"), t("bbbb")]),
            t(","),
            Doc::LineSuffix("// c"),
            t(" "),
            t("x"),
        ]);
        for doc in [before, after] {
            assert_eq!(render(19, &doc), "f(aaaa, bbbb), // c\nx\n");
            assert_eq!(render(18, &doc), "f(\n  aaaa,\n  bbbb,\n), // c\nx\n");
        }
    }

    #[test]
    fn width_is_measured_in_characters() {
        let doc = call("f", vec![t("\"été\"")]);
        assert_eq!(render(8, &doc), "f(\"été\")\n");
    }
}
