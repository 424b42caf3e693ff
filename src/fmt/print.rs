//! Syntax tree → [`Doc`]: the canonical layout of `docs/language.md` §10.
//!
//! The tree is walked in source order and every source token printed goes through
//! [`Comments`], which hands out the comments around it. Keywords and punctuation
//! have no span in the tree; their place is found in the source, as the next
//! token after the last one consumed.

use super::comments::Comments;
use super::doc::{Doc, Printer, WIDTH};
use crate::syntax::ast::*;
use crate::syntax::comments::Comment;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Prints a whole file; `None` if the walk lost track of the source (which only
/// happens when the comment list and the tree disagree about where tokens are).
/// With `threads` > 1 the items are printed in that many runs at once (see
/// [`file_in_runs`]).
pub(super) fn file<'a>(
    src: &'a str,
    file: &'a File,
    comments: &'a [Comment],
    threads: usize,
) -> Option<String> {
    let runs = runs_of(src, &file.items, threads);
    if runs.len() > 1 {
        if let Some(text) = file_in_runs(src, file, comments, &runs) {
            return Some(text);
        }
    }
    let mut run = Run::new(src, Comments::new(src, comments));
    run.items(&file.items, true);
    run.finish(true).map(|printed| printed.text)
}

/// One run of consecutive top-level items printed by one printer.
struct Run<'a> {
    b: Builder<'a>,
    printer: Printer<'a>,
    /// Where the comment cursor started (next comment, position).
    start: (usize, usize),
    /// How the first item joins the item before it: whether it is a declaration
    /// printed on one line, and whether the source has a blank line before it.
    first: (bool, bool),
    /// Whether the last item printed was a declaration printed on one line.
    previous_one_line: bool,
}

/// What a run printed, and what the run after it needs to know.
struct Printed {
    text: String,
    start: (usize, usize),
    /// Where the comment cursor ended (next comment, position).
    end: (usize, usize),
    /// Line breaks requested after the last item and not written.
    pending_newlines: usize,
    first: (bool, bool),
    last_one_line: bool,
}

impl<'a> Run<'a> {
    fn new(src: &'a str, cm: Comments<'a>) -> Run<'a> {
        Run {
            start: (cm.next(), cm.pos()),
            b: Builder {
                src,
                cm,
                lost: false,
            },
            printer: Printer::new(WIDTH, src.len() + src.len() / 8 + 16),
            first: (false, false),
            previous_one_line: false,
        }
    }

    /// Prints `items`; `at_start` when they are the first of the file.
    fn items(&mut self, items: &'a [Item], at_start: bool) {
        let b = &mut self.b;
        let printer = &mut self.printer;
        for (i, item) in items.iter().enumerate() {
            let blank_in_source = b.cm.blank_before_next();
            let lead = b.leading(item.span.start);
            let doc = b.item(item);
            // A fresh printer drops line breaks before its first text, so the first
            // item of a later run asks for them too; the join writes them.
            let not_first = i > 0 || !at_start;
            if is_declaration(item) {
                // Rendered apart to learn whether it takes one line: a run of one-line
                // declarations written without blank lines stays together.
                let mut alone = Printer::new(WIDTH, 128);
                alone.print(&doc);
                let text = alone.finish();
                let text = text.trim_end_matches('\n');
                let one_line = !text.contains('\n');
                if i == 0 {
                    self.first = (one_line, blank_in_source);
                }
                if not_first {
                    let together = self.previous_one_line && one_line && !blank_in_source;
                    printer.newlines(if together { 1 } else { 2 });
                }
                printer.print(&Doc::concat(lead));
                printer.raw(text);
                self.previous_one_line = one_line;
            } else {
                if i == 0 {
                    self.first = (false, blank_in_source);
                }
                if not_first {
                    printer.newlines(2);
                }
                printer.print(&Doc::concat(lead));
                printer.print(&doc);
                self.previous_one_line = false;
            }
        }
    }

    /// What was printed; with `at_end`, after the comments at the end of the file.
    fn finish(mut self, at_end: bool) -> Option<Printed> {
        let end = (self.b.cm.next(), self.b.cm.pos());
        let pending_newlines = self.printer.pending_newlines();
        if at_end {
            let blank = self.b.cm.blank_before_next();
            let rest = self.b.cm.leading(self.b.src.len(), true);
            if !rest.is_empty() {
                self.printer.newlines(if blank { 2 } else { 1 });
                self.printer.print(&Doc::concat(rest));
            }
        }
        if self.b.lost {
            return None;
        }
        Some(Printed {
            text: self.printer.finish(),
            start: self.start,
            end,
            pending_newlines,
            first: self.first,
            last_one_line: self.previous_one_line,
        })
    }
}

/// The items of each of about `runs` runs of similar size in the source (index ranges).
pub(super) fn runs_of(src: &str, items: &[Item], runs: usize) -> Vec<std::ops::Range<usize>> {
    let runs = runs.max(1);
    let mut bounds = vec![0];
    for k in 1..runs {
        let target = src.len() / runs * k;
        let at = items.partition_point(|item| item.span.start < target);
        if at > *bounds.last().expect("starts with 0") && at < items.len() {
            bounds.push(at);
        }
    }
    bounds.push(items.len());
    bounds.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Prints runs of items on several threads and joins them. A run after the first
/// starts with a fresh printer and the comment cursor where the run before should
/// leave it: just after its last item and the comments on that item's last line. The
/// join writes the line breaks between runs, which depend on the last item before.
/// This is the sequential printing exactly when every run left the cursor where the
/// next one started and no line break pending (a fresh printer starts at column 0 on
/// a new line, as the sequential one does after the line breaks between items); when
/// not, `None`, and the caller prints the file in one go.
pub(super) fn file_in_runs<'a>(
    src: &'a str,
    file: &'a File,
    comments: &'a [Comment],
    runs: &[std::ops::Range<usize>],
) -> Option<String> {
    let last = runs.len() - 1;
    let print = |k: usize| {
        let range = runs[k].clone();
        let cm = match range.start.checked_sub(1) {
            None => Comments::new(src, comments),
            Some(before) => Comments::after(src, comments, file.items[before].span.end),
        };
        let mut run = Run::new(src, cm);
        run.items(&file.items[range], k == 0);
        run.finish(k == last)
    };
    let printed: Vec<Option<Printed>> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..runs.len())
            .map(|k| scope.spawn(move || print(k)))
            .collect();
        let mut printed = vec![print(0)];
        printed.extend(others.into_iter().map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
        printed
    });
    let printed: Vec<Printed> = printed.into_iter().collect::<Option<_>>()?;
    let mut out = String::with_capacity(printed.iter().map(|p| p.text.len() + 1).sum());
    for (k, run) in printed.iter().enumerate() {
        if let Some(before) = k.checked_sub(1).map(|k| &printed[k]) {
            if before.end != run.start || before.pending_newlines != 0 {
                return None;
            }
            let (one_line, blank_in_source) = run.first;
            if !(before.last_one_line && one_line && !blank_in_source) {
                out.push('\n'); // a blank line; the run before ends with a newline
            }
        }
        out.push_str(&run.text);
    }
    Some(out)
}

/// Items that, in a run of one-line ones, may be written without blank lines between them.
fn is_declaration(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Import(_) | ItemKind::Param(_) | ItemKind::Const(_) | ItemKind::Decl(_)
    )
}

/// A string literal with canonical escapes.
fn string_text<'a>(s: &StringLit, raw: &'a str) -> Cow<'a, str> {
    let plain = s.parts.iter().all(|p| matches!(p, StringPart::Text(_)));
    if plain && !raw.contains('\\') && !raw.chars().any(char::is_control) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len() + 2);
    out.push('"');
    for part in &s.parts {
        match part {
            StringPart::Text(t) => escape_into(&mut out, t),
            StringPart::Interpolation(p) => {
                out.push_str("${");
                if let Some(ns) = &p.namespace {
                    out.push_str(&ns.name);
                    out.push('.');
                }
                out.push_str(&p.name.name);
                out.push('}');
            }
        }
    }
    out.push('"');
    Cow::Owned(out)
}

struct Builder<'a> {
    src: &'a str,
    cm: Comments<'a>,
    /// A token was not where the walk expected it.
    lost: bool,
}

fn sp<'a>() -> Doc<'a> {
    Doc::space()
}

fn cat(parts: Vec<Doc<'_>>) -> Doc<'_> {
    Doc::concat(parts)
}

impl<'a> Builder<'a> {
    fn slice(&self, span: crate::diag::Span) -> &'a str {
        let src = self.src;
        src.get(span.start..span.end).unwrap_or_default()
    }

    /// The source token at `start..end`, printed as `text`, with its comments.
    fn token(&mut self, start: usize, end: usize, text: impl Into<Cow<'a, str>>) -> Doc<'a> {
        let (mut lead, text, trail) = self.token_parts(start, end, text);
        if lead.is_empty() && trail.is_empty() {
            return text;
        }
        lead.push(text);
        lead.extend(trail);
        cat(lead)
    }

    /// Like [`token`](Self::token), with the leading comments, the text and the
    /// trailing comments apart.
    fn token_parts(
        &mut self,
        start: usize,
        end: usize,
        text: impl Into<Cow<'a, str>>,
    ) -> (Vec<Doc<'a>>, Doc<'a>, Vec<Doc<'a>>) {
        let lead = self.leading(start);
        let trail = self.cm.consume(end);
        (lead, Doc::text(text), trail)
    }

    /// The comments before a token that starts at `start`.
    fn leading(&mut self, start: usize) -> Vec<Doc<'a>> {
        let lead = self.cm.leading(start, false);
        if self.cm.pos() > start {
            self.lost = true; // a comment covers the token
        }
        lead
    }

    /// Where the keyword or punctuation `word` starts when it is the next token.
    fn find(&mut self, word: &str) -> Option<usize> {
        let start = self.cm.next_token_start();
        let found = self.src.get(start..).is_some_and(|s| s.starts_with(word));
        self.lost |= !found;
        found.then_some(start)
    }

    /// A keyword or punctuation, the next token of the source.
    fn fixed(&mut self, word: &'static str) -> Doc<'a> {
        match self.find(word) {
            Some(start) => self.token(start, start + word.len(), word),
            None => Doc::text(word),
        }
    }

    /// A closing delimiter: its text and its trailing comments (its leading
    /// comments were taken before).
    fn closing(&mut self, word: &'static str) -> (Doc<'a>, Vec<Doc<'a>>) {
        match self.find(word) {
            Some(start) => {
                let (mut lead, text, trail) = self.token_parts(start, start + word.len(), word);
                if lead.is_empty() {
                    return (text, trail);
                }
                lead.push(text);
                (cat(lead), trail)
            }
            None => (Doc::text(word), Vec::new()),
        }
    }

    /// The comma after an element when the source has one, printed as `printed`
    /// (the canonical layout drops or adds some). Comments on their own lines before
    /// it are moved after it, so that the comma stays with its element. `at_end`:
    /// the comma is the last token before a closing delimiter.
    fn comma(&mut self, printed: Option<&'static str>, at_end: bool) -> Option<Doc<'a>> {
        let start = self.cm.next_token_start();
        if !self.src.get(start..).is_some_and(|s| s.starts_with(',')) {
            return None;
        }
        let lead = self.cm.leading(start, at_end);
        let trail = self.cm.consume(start + 1);
        let text = printed.map(Doc::text);
        if lead.is_empty() && trail.is_empty() {
            return Some(text.unwrap_or(Doc::Text(Cow::Borrowed(""))));
        }
        let mut v = Vec::with_capacity(lead.len() + trail.len() + 1);
        if trail.is_empty() {
            v.extend(text);
            v.extend(lead);
        } else {
            v.extend(lead);
            v.extend(text);
            v.extend(trail);
        }
        Some(cat(v))
    }

    fn ident(&mut self, id: &'a Ident) -> Doc<'a> {
        self.token(id.span.start, id.span.end, id.name.as_str())
    }

    fn path(&mut self, p: &'a Path) -> Doc<'a> {
        let text = self.slice(p.span);
        self.token(p.span.start, p.span.end, text)
    }

    fn string(&mut self, s: &'a StringLit) -> Doc<'a> {
        let text = string_text(s, self.slice(s.span));
        self.token(s.span.start, s.span.end, text)
    }

    // ───────────────────────── items ─────────────────────────

    fn item(&mut self, item: &'a Item) -> Doc<'a> {
        match &item.kind {
            ItemKind::Import(i) => {
                let mut v = vec![self.fixed("import"), sp(), self.string(&i.path)];
                if let Some(alias) = &i.alias {
                    v.extend([sp(), self.fixed("as"), sp(), self.ident(alias)]);
                }
                cat(v)
            }
            ItemKind::Param(p) => {
                let mut v = vec![
                    self.fixed("param"),
                    sp(),
                    self.ident(&p.name),
                    self.fixed(":"),
                    sp(),
                    self.ident(&p.ty),
                ];
                if let Some(default) = &p.default {
                    v.extend([sp(), self.fixed("="), sp(), self.expr(default)]);
                }
                cat(v)
            }
            ItemKind::Const(c) => self.const_(c),
            ItemKind::Decl(d) => self.decl(d),
            ItemKind::Template(t) => {
                let mut v = vec![self.fixed("template"), sp(), self.ident(&t.name)];
                v.push(self.delimited("(", ")", &t.params, Self::template_param));
                self.base_and_body(&mut v, t.base.as_ref(), t.body.as_ref());
                cat(v)
            }
            ItemKind::Scenario(s) => {
                let mut v = vec![self.fixed("scenario"), sp(), self.string(&s.name)];
                self.base_and_body(&mut v, s.base.as_ref(), s.body.as_ref());
                cat(v)
            }
            ItemKind::Suite(s) => cat(vec![
                self.fixed("suite"),
                sp(),
                self.ident(&s.name),
                sp(),
                self.block(&s.entries, Self::suite_entry),
            ]),
            ItemKind::Environment(e) => cat(vec![
                self.fixed("environment"),
                sp(),
                self.ident(&e.name),
                sp(),
                self.block(&e.entries, Self::env_entry),
            ]),
            ItemKind::Slo(s) => self.slo(s),
            ItemKind::Safety(s) => self.safety(s),
        }
    }

    fn const_(&mut self, c: &'a Const) -> Doc<'a> {
        cat(vec![
            self.fixed("const"),
            sp(),
            self.ident(&c.name),
            sp(),
            self.fixed("="),
            sp(),
            self.expr(&c.value),
        ])
    }

    fn decl(&mut self, d: &'a Decl) -> Doc<'a> {
        cat(vec![
            self.fixed(d.kind.keyword()),
            sp(),
            self.ident(&d.name),
            sp(),
            self.fixed("="),
            sp(),
            self.call(&d.call),
        ])
    }

    fn template_param(&mut self, p: &'a TemplateParam) -> Doc<'a> {
        let mut v = vec![
            self.ident(&p.name),
            self.fixed(":"),
            sp(),
            self.ident(&p.ty),
        ];
        if let Some(default) = &p.default {
            v.extend([sp(), self.fixed("="), sp(), self.expr(default)]);
        }
        cat(v)
    }

    fn base_and_body(
        &mut self,
        v: &mut Vec<Doc<'a>>,
        base: Option<&'a Call>,
        body: Option<&'a Body>,
    ) {
        if let Some(base) = base {
            v.extend([sp(), self.fixed("="), sp(), self.call(base)]);
        }
        if let Some(body) = body {
            v.extend([sp(), self.block(&body.entries, Self::body_entry)]);
        }
    }

    fn suite_entry(&mut self, e: &'a SuiteEntry) -> Doc<'a> {
        match e {
            SuiteEntry::Description(s) => {
                cat(vec![self.fixed("description"), sp(), self.string(s)])
            }
            SuiteEntry::Scenarios(names, _) => cat(vec![
                self.fixed("scenarios"),
                sp(),
                self.delimited("[", "]", names, Self::string),
            ]),
            SuiteEntry::Cooldown(d, _) => cat(vec![self.fixed("cooldown"), sp(), self.expr(d)]),
        }
    }

    fn env_entry(&mut self, e: &'a EnvEntry) -> Doc<'a> {
        match e {
            EnvEntry::Slo(s) => self.slo(s),
            EnvEntry::Allow(names, _) => cat(vec![
                self.fixed("allow"),
                sp(),
                self.delimited("[", "]", names, Self::string),
            ]),
            EnvEntry::Confirm(kinds, _) => cat(vec![
                self.fixed("confirm"),
                sp(),
                self.delimited("[", "]", kinds, Self::ident),
            ]),
            EnvEntry::Set(pairs, _) => cat(vec![
                self.fixed("set"),
                sp(),
                self.block(pairs, Self::set_pair),
            ]),
        }
    }

    /// `name: value` in a `set` block; the optional comma after it is dropped.
    fn set_pair(&mut self, (name, value): &'a (Ident, Expr)) -> Doc<'a> {
        let mut v = vec![self.ident(name), self.fixed(":"), sp(), self.expr(value)];
        v.extend(self.comma(None, false));
        cat(v)
    }

    fn slo(&mut self, s: &'a SloBlock) -> Doc<'a> {
        cat(vec![
            self.fixed("slo"),
            sp(),
            self.block(&s.assertions, Self::assertion),
        ])
    }

    fn safety(&mut self, s: &'a SafetyBlock) -> Doc<'a> {
        cat(vec![
            self.fixed("safety"),
            sp(),
            self.block(&s.entries, Self::safety_entry),
        ])
    }

    fn safety_entry(&mut self, e: &'a SafetyEntry) -> Doc<'a> {
        match e {
            SafetyEntry::MaxDuration(d, _) => {
                cat(vec![self.fixed("max_duration"), sp(), self.expr(d)])
            }
            SafetyEntry::Cooldown(d, _) => cat(vec![self.fixed("cooldown"), sp(), self.expr(d)]),
            SafetyEntry::Confirm(kinds, _) => cat(vec![
                self.fixed("confirm"),
                sp(),
                self.delimited("[", "]", kinds, Self::ident),
            ]),
            SafetyEntry::Abort(a) => self.abort(a),
            SafetyEntry::AllowTargets(globs, _) => cat(vec![
                self.fixed("allow_targets"),
                sp(),
                self.delimited("[", "]", globs, Self::string),
            ]),
        }
    }

    // ───────────────────────── scenario bodies ─────────────────────────

    fn body_entry(&mut self, e: &'a BodyEntry) -> Doc<'a> {
        match &e.kind {
            BodyEntryKind::Description(s) => {
                cat(vec![self.fixed("description"), sp(), self.string(s)])
            }
            BodyEntryKind::Tags(tags) => cat(vec![
                self.fixed("tags"),
                sp(),
                self.delimited("[", "]", tags, Self::ident),
            ]),
            BodyEntryKind::Baseline(d) => cat(vec![self.fixed("baseline"), sp(), self.expr(d)]),
            BodyEntryKind::SteadyState(assertions) => cat(vec![
                self.fixed("steady_state"),
                sp(),
                self.block(assertions, Self::assertion),
            ]),
            BodyEntryKind::Timeline(steps) => cat(vec![
                self.fixed("timeline"),
                sp(),
                self.block(steps, Self::step),
            ]),
            BodyEntryKind::Recover { within, checks } => {
                let mut v = vec![
                    self.fixed("recover"),
                    sp(),
                    self.fixed("within"),
                    sp(),
                    self.expr(within),
                ];
                if let Some(checks) = checks {
                    v.extend([sp(), self.fixed("checks"), sp(), self.expr(checks)]);
                }
                cat(v)
            }
            BodyEntryKind::Slo(s) => self.slo(s),
            BodyEntryKind::Abort(a) => self.abort(a),
            BodyEntryKind::Safety(s) => self.safety(s),
            BodyEntryKind::Const(c) => self.const_(c),
            BodyEntryKind::Decl(d) => self.decl(d),
        }
    }

    fn step(&mut self, s: &'a Step) -> Doc<'a> {
        let mut v = match &s.start {
            StepStart::At(offset) => vec![self.fixed("at"), sp(), self.expr(offset)],
            StepStart::Then(gap) => {
                let mut v = vec![self.fixed("then")];
                if let Some(gap) = gap {
                    v.extend([sp(), self.fixed("after"), sp(), self.expr(gap)]);
                }
                v
            }
        };
        v.push(sp());
        v.push(match &s.fault {
            FaultUse::Call(c) => self.call(c),
            FaultUse::Name(p) => self.path(p),
        });
        if let Some(d) = &s.duration {
            v.extend([sp(), self.fixed("for"), sp(), self.expr(d)]);
        }
        if let Some(alias) = &s.alias {
            v.extend([sp(), self.fixed("as"), sp(), self.ident(alias)]);
        }
        cat(v)
    }

    fn abort(&mut self, a: &'a Abort) -> Doc<'a> {
        let mut v = vec![
            self.fixed("abort"),
            sp(),
            self.fixed("when"),
            sp(),
            self.condition(&a.condition),
        ];
        if let Some(over) = &a.over {
            v.extend([sp(), self.fixed("over"), sp(), self.expr(over)]);
        }
        cat(v)
    }

    fn assertion(&mut self, a: &'a Assertion) -> Doc<'a> {
        let mut v = Vec::with_capacity(8);
        if a.warn {
            v.extend([self.fixed("warn"), sp()]);
        }
        v.push(self.condition(&a.condition));
        if let Some(window) = &a.window {
            v.extend([sp(), self.fixed("during"), sp(), self.ident(window)]);
        }
        cat(v)
    }

    fn condition(&mut self, c: &'a Condition) -> Doc<'a> {
        let mut v = vec![self.ident(&c.metric)];
        if let Some(args) = &c.args {
            v.push(self.delimited("(", ")", args, Self::expr));
        }
        v.extend([
            sp(),
            self.token(c.op_span.start, c.op_span.end, c.op.as_str()),
            sp(),
            self.expr(&c.value),
        ]);
        cat(v)
    }

    // ───────────────────────── layout helpers ─────────────────────────

    /// `{ ENTRY… }` with one entry per line, or `{}` when empty.
    fn block<T>(
        &mut self,
        entries: &'a [T],
        mut entry: impl FnMut(&mut Self, &'a T) -> Doc<'a>,
    ) -> Doc<'a> {
        let open = self.fixed("{");
        let mut inner = Vec::with_capacity(entries.len() * 2 + 2);
        for (i, e) in entries.iter().enumerate() {
            let blank = i > 0 && self.cm.blank_before_next();
            inner.push(if blank { Doc::BlankLine } else { Doc::HardLine });
            inner.push(entry(self, e));
        }
        let blank = !entries.is_empty() && self.cm.blank_before_next();
        let close_start = self.cm.next_token_start();
        let comments = self.cm.leading(close_start, true);
        if !comments.is_empty() {
            inner.push(if blank { Doc::BlankLine } else { Doc::HardLine });
            inner.extend(comments);
        }
        let (close, trail) = self.closing("}");
        let mut v = vec![open];
        if !inner.is_empty() {
            v.push(Doc::indent(cat(inner)));
            v.push(Doc::HardLine);
        }
        v.push(close);
        v.extend(trail);
        cat(v)
    }

    /// `(a, b)`, `[a, b]`, `{"k": v}`: on one line when it fits, else one element
    /// per line with a trailing comma.
    fn delimited<T>(
        &mut self,
        open: &'static str,
        close: &'static str,
        items: &'a [T],
        mut item: impl FnMut(&mut Self, &'a T) -> Doc<'a>,
    ) -> Doc<'a> {
        // Comments before the opening delimiter stay outside the group.
        let (lead, open_doc) = match self.find(open) {
            Some(start) => {
                let (lead, text, trail) = self.token_parts(start, start + open.len(), open);
                let open_doc = if trail.is_empty() {
                    text
                } else {
                    cat([text].into_iter().chain(trail).collect())
                };
                (lead, open_doc)
            }
            None => (Vec::new(), Doc::text(open)),
        };
        let mut inner = Vec::with_capacity(items.len() * 3 + 2);
        inner.push(Doc::SoftLine);
        let n = items.len();
        for (i, it) in items.iter().enumerate() {
            inner.push(item(self, it));
            if i + 1 < n {
                let comma = self.comma(Some(","), false);
                inner.push(comma.unwrap_or(Doc::text(",")));
                inner.push(Doc::Line);
            } else {
                inner.push(Doc::IfBreak(","));
                inner.extend(self.comma(None, true));
            }
        }
        let close_start = self.cm.next_token_start();
        let comments = self.cm.leading(close_start, true);
        let mut v = lead;
        if n == 0 && comments.is_empty() {
            let (close, trail) = self.closing(close);
            v.extend([open_doc, close]);
            v.extend(trail);
            return cat(v);
        }
        inner.extend(comments);
        let (close, trail) = self.closing(close);
        let group = Doc::group(cat(vec![
            open_doc,
            Doc::indent(cat(inner)),
            Doc::SoftLine,
            close,
        ]));
        if v.is_empty() && trail.is_empty() {
            return group;
        }
        v.push(group);
        v.extend(trail);
        cat(v)
    }

    // ───────────────────────── expressions ─────────────────────────

    fn call(&mut self, c: &'a Call) -> Doc<'a> {
        let callee = self.path(&c.callee);
        let args = self.delimited("(", ")", &c.args, Self::arg);
        cat(vec![callee, args])
    }

    fn arg(&mut self, a: &'a Arg) -> Doc<'a> {
        match &a.name {
            Some(name) => cat(vec![
                self.ident(name),
                self.fixed(":"),
                sp(),
                self.expr(&a.value),
            ]),
            None => self.expr(&a.value),
        }
    }

    fn map_pair(&mut self, (key, value): &'a (StringLit, Expr)) -> Doc<'a> {
        cat(vec![
            self.string(key),
            self.fixed(":"),
            sp(),
            self.expr(value),
        ])
    }

    fn expr(&mut self, e: &'a Expr) -> Doc<'a> {
        match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::Percentile(_)
            | ExprKind::Range(..) => {
                let text = self.slice(e.span);
                self.token(e.span.start, e.span.end, text)
            }
            ExprKind::Quantity(q) => self.token(e.span.start, e.span.end, q.text.as_str()),
            ExprKind::String(s) => self.string(s),
            ExprKind::List(items) => self.delimited("[", "]", items, Self::expr),
            ExprKind::Map(pairs) => self.delimited("{", "}", pairs, Self::map_pair),
            ExprKind::Path(p) => self.path(p),
            ExprKind::Call(c) => self.call(c),
        }
    }
}

/// Appends `text` to a string literal being printed, escaping every character the
/// language would read differently (also used by the legacy importer).
pub fn escape_into(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}
