//! Attaches comments to the tokens the formatter prints.
//!
//! The printer walks the tree in source order and tells [`Comments`] about every
//! source token it prints (or drops, like an optional comma). A moving cursor over
//! the sorted comment list hands out, in one pass over the file:
//!
//! - *leading* comments: those before the next token that are not on the line of
//!   the previous token; each is printed on its own line ([`Doc::OwnLine`]),
//!   keeping one blank line after it when the source had one;
//! - *trailing* comments: those after a token on the same line, which stay at the
//!   end of that line (`//`, [`Doc::LineSuffix`]) or inline (`/* */`,
//!   [`Doc::InlineComment`]).
//!
//! Every comment is handed out exactly once, in source order.

use super::doc::Doc;
use crate::syntax::comments::{Comment, CommentKind};

pub(super) struct Comments<'a> {
    src: &'a str,
    list: &'a [Comment],
    /// The first comment not yet handed out.
    next: usize,
    /// The end of the last token or comment handed out.
    pos: usize,
}

impl<'a> Comments<'a> {
    pub fn new(src: &'a str, list: &'a [Comment]) -> Comments<'a> {
        Comments {
            src,
            list,
            next: 0,
            pos: 0,
        }
    }

    /// The cursor a walk that starts after a token ending at `end` would have: the
    /// comments before `end` and those on the rest of its line handed out.
    pub fn after(src: &'a str, list: &'a [Comment], end: usize) -> Comments<'a> {
        let mut cm = Comments {
            src,
            list,
            next: list.partition_point(|c| c.span.start < end),
            pos: end,
        };
        cm.consume(end);
        cm
    }

    /// The first comment not yet handed out.
    pub fn next(&self) -> usize {
        self.next
    }

    /// The end of the last token or comment handed out.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Where the next token starts: after blanks and comments.
    pub fn next_token_start(&self) -> usize {
        let bytes = self.src.as_bytes();
        let mut at = self.pos;
        let mut next = self.next;
        loop {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            match self.list.get(next) {
                Some(c) if c.span.start == at => {
                    at = c.span.end.max(at + 1);
                    next += 1;
                }
                _ => return at.min(bytes.len()),
            }
        }
    }

    /// Whether the source has a blank line between what was handed out last and
    /// what comes next.
    pub fn blank_before_next(&self) -> bool {
        self.blank_after(self.pos)
    }

    /// Whether the blanks that start at `at` hold a blank line.
    fn blank_after(&self, at: usize) -> bool {
        let mut newlines = 0;
        for b in self.src.as_bytes().get(at..).unwrap_or_default() {
            match b {
                b'\n' => {
                    newlines += 1;
                    if newlines == 2 {
                        return true;
                    }
                }
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
        }
        false
    }

    /// The comments that start before `start` (the next token), each on its own
    /// line. With `at_end` (before a closing brace or the end of the file) no blank
    /// line is kept after the last one.
    pub fn leading(&mut self, start: usize, at_end: bool) -> Vec<Doc<'a>> {
        let mut docs = Vec::new();
        while let Some(c) = self.list.get(self.next) {
            if c.span.start >= start {
                break;
            }
            self.next += 1;
            self.pos = self.pos.max(c.span.end);
            let last = self
                .list
                .get(self.next)
                .is_none_or(|n| n.span.start >= start);
            let blank_after = !(at_end && last) && self.blank_after(c.span.end);
            docs.push(Doc::OwnLine {
                text: &c.text,
                blank_after,
            });
        }
        docs
    }

    /// Records that a token ending at `end` was printed (or dropped) and returns
    /// the comments that follow it on the same line.
    pub fn consume(&mut self, end: usize) -> Vec<Doc<'a>> {
        self.pos = self.pos.max(end);
        let mut docs = Vec::new();
        while let Some(c) = self.list.get(self.next) {
            let same_line = self
                .src
                .get(self.pos..c.span.start)
                .is_some_and(|gap| gap.bytes().all(|b| b == b' ' || b == b'\t'));
            if !same_line {
                break;
            }
            self.next += 1;
            self.pos = c.span.end;
            match c.kind {
                CommentKind::Line | CommentKind::Doc => {
                    docs.push(Doc::LineSuffix(&c.text));
                    break;
                }
                CommentKind::Block => docs.push(Doc::InlineComment(&c.text, c.text.contains('\n'))),
            }
        }
        docs
    }
}
