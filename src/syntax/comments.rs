//! A pre-pass over the source that finds comments and measures nesting.
//!
//! The grammar skips comments; this pass keeps them (for `///` docs and for the
//! formatter) and refuses absurd nesting before the recursive-descent parser, the
//! tree builder or the formatter could exhaust the stack on it.

use crate::diag::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …`
    Line,
    /// `/// …`: documentation of the next item.
    Doc,
    /// `/* … */`
    Block,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub kind: CommentKind,
    /// The whole comment, markers included (`// x`, `/* x */`).
    pub text: String,
    pub span: Span,
}

/// How deep brackets, braces, parentheses and block comments may nest.
pub const MAX_NESTING: usize = 64;

pub struct Scan {
    pub comments: Vec<Comment>,
    /// Where nesting first went past [`MAX_NESTING`].
    pub too_deep: Option<usize>,
    /// The start of every line that begins outside brackets, strings and comments:
    /// where a top-level item may start (see `split.rs`).
    pub top_level_lines: Vec<usize>,
}

/// Finds every comment outside strings, and the first place nesting is too deep.
pub fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut depth = 0usize;
    let mut too_deep = None;
    let mut i = 0;
    let mut in_string = false;
    let mut top_level_lines = Vec::new();
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let body = text[i..end].trim_end_matches('\r');
                let is_doc = body.starts_with("///") && !body.starts_with("////");
                comments.push(Comment {
                    kind: if is_doc {
                        CommentKind::Doc
                    } else {
                        CommentKind::Line
                    },
                    text: body.trim_end().to_string(),
                    span: Span::new(i, i + body.len()),
                });
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut level = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        level += 1;
                        if level > MAX_NESTING && too_deep.is_none() {
                            too_deep = Some(i);
                        }
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        level -= 1;
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                let end = i.min(text.len());
                comments.push(Comment {
                    kind: CommentKind::Block,
                    text: text[start..end].to_string(),
                    span: Span::new(start, end),
                });
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING && too_deep.is_none() {
                    too_deep = Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' if depth == 0 => top_level_lines.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    Scan {
        comments,
        too_deep,
        top_level_lines,
    }
}
