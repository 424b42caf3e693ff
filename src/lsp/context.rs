//! Where the cursor is, read from the text before it, which is usually half-written
//! and does not parse: which blocks and calls are open, the words of the statement
//! so far, and the word being typed.

/// Something open before the cursor.
#[derive(Debug, Clone, PartialEq)]
pub enum Open {
    /// `{` of a block, with the word that starts its statement (`timeline`, `slo`,
    /// `scenario`, `environment` …; empty for a map).
    Block(String),
    /// `(` of a call, with its callee (empty for other parentheses).
    Call(String),
    /// `[`.
    List,
}

#[derive(Debug, Clone, Default)]
pub struct Context {
    pub open: Vec<Open>,
    /// The tokens of the current statement (in the innermost block) before the word
    /// being typed.
    pub statement: Vec<String>,
    /// The tokens since the innermost `(` (for the argument being written).
    pub in_call: Vec<String>,
    /// The word being typed and where it starts.
    pub word: String,
    pub word_start: usize,
    /// The offset just after the opening quote when the cursor is inside a string.
    pub string_start: Option<usize>,
}

impl Context {
    /// The innermost block's word (`""` at the top level).
    pub fn block(&self) -> &str {
        self.open
            .iter()
            .rev()
            .find_map(|o| match o {
                Open::Block(word) => Some(word.as_str()),
                _ => None,
            })
            .unwrap_or("")
    }

    pub fn at_top_level(&self) -> bool {
        self.open.is_empty()
    }

    /// The innermost open thing, if it is a call: its callee.
    pub fn call(&self) -> Option<&str> {
        match self.open.last()? {
            Open::Call(callee) if !callee.is_empty() => Some(callee),
            _ => None,
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads `text[..offset]`.
pub fn at(text: &str, offset: usize) -> Context {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let bytes = before.as_bytes();
    let mut cx = Context::default();
    // Per open thing, the statement and call tokens to restore when it closes.
    let mut saved: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    // Comments, found as the parser finds them (nested `/* */` too), are skipped.
    let comments = crate::syntax::comments::scan(before).comments;
    let mut comments = comments.iter().map(|c| c.span).peekable();
    let mut i = 0;
    while i < bytes.len() {
        while comments.peek().is_some_and(|span| span.end <= i) {
            comments.next();
        }
        if let Some(span) = comments.peek().filter(|span| span.start == i) {
            i = span.end.max(i + 1);
            continue;
        }
        let c = bytes[i];
        match c {
            b'"' => {
                let start = i + 1;
                i += 1;
                let mut closed = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                if closed {
                    cx.push("\"…\"");
                } else {
                    cx.string_start = Some(start);
                    return cx;
                }
            }
            b'\n' => {
                // A new line ends a statement, unless a call or list is open.
                if !matches!(cx.open.last(), Some(Open::Call(_) | Open::List)) {
                    cx.statement.clear();
                }
                i += 1;
            }
            b'{' | b'(' | b'[' => {
                let opened = match c {
                    b'{' if matches!(cx.open.last(), Some(Open::Call(_) | Open::List)) => {
                        Open::Block(String::new())
                    }
                    b'{' => Open::Block(cx.statement.first().cloned().unwrap_or_default()),
                    b'(' => Open::Call(
                        cx.statement
                            .last()
                            .filter(|w| {
                                w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                            })
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    _ => Open::List,
                };
                cx.push(&(c as char).to_string());
                saved.push((
                    std::mem::take(&mut cx.statement),
                    std::mem::take(&mut cx.in_call),
                ));
                if !matches!(opened, Open::Block(_)) {
                    // Inside a call, the statement goes on (`at 0s latency(` …).
                    cx.statement = saved.last().map(|s| s.0.clone()).unwrap_or_default();
                }
                cx.open.push(opened);
                i += 1;
            }
            b'}' | b')' | b']' => {
                let was_block = matches!(cx.open.pop(), Some(Open::Block(_)));
                if let Some((statement, in_call)) = saved.pop() {
                    cx.statement = statement;
                    cx.in_call = in_call;
                }
                if was_block {
                    // A closed block ends its statement (`timeline { … }`).
                    cx.statement.clear();
                } else {
                    cx.push(&(c as char).to_string());
                }
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if is_word(c as char) => {
                let start = i;
                while i < bytes.len()
                    && (is_word(bytes[i] as char)
                        || bytes[i] == b'.'
                            && bytes.get(i + 1).is_some_and(|b| is_word(*b as char)))
                {
                    i += 1;
                }
                // A quantity's unit: `10%`, `5/s`, `1MB/s`.
                while i < bytes.len()
                    && (bytes[i] == b'%' || bytes[i] == b'/')
                    && bytes[start].is_ascii_digit()
                {
                    i += 1;
                    while i < bytes.len() && is_word(bytes[i] as char) {
                        i += 1;
                    }
                }
                if i == bytes.len() {
                    cx.word = before[start..].to_string();
                    cx.word_start = start;
                    return cx;
                }
                cx.push(&before[start..i]);
            }
            _ => {
                let start = i;
                i += 1;
                while i < bytes.len() && !before.is_char_boundary(i) {
                    i += 1;
                }
                // `<=`, `>=`, `==`, `!=`, `..`
                if i < bytes.len()
                    && matches!(bytes[i], b'=' | b'.')
                    && !matches!(bytes[start], b',' | b':')
                {
                    i += 1;
                }
                cx.push(&before[start..i]);
            }
        }
    }
    cx.word_start = offset;
    cx
}

impl Context {
    fn push(&mut self, token: &str) {
        self.statement.push(token.to_string());
        self.in_call.push(token.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_blocks_calls_and_the_word() {
        let text = "scenario \"s\" {\n  timeline {\n    at 0s latency(edge, del";
        let cx = at(text, text.len());
        assert_eq!(
            cx.open,
            [
                Open::Block("scenario".into()),
                Open::Block("timeline".into()),
                Open::Call("latency".into())
            ]
        );
        assert_eq!(cx.word, "del");
        assert_eq!(cx.in_call, ["edge", ","]);
        assert_eq!(cx.statement, ["at", "0s", "latency", "(", "edge", ","]);

        let text = "import \"std/fa";
        let cx = at(text, text.len());
        assert_eq!(cx.string_start, Some(8));

        let text = "slo {\n  availability(home) >= 99%\n  warn ";
        let cx = at(text, text.len());
        assert_eq!(cx.block(), "slo");
        assert_eq!(cx.statement, ["warn"]);
        assert_eq!(cx.word, "");

        let text = "/* { ( */ probe p = http(\"x\", every: 30";
        let cx = at(text, text.len());
        assert_eq!(cx.call(), Some("http"));
        assert_eq!(cx.word, "30");
        assert_eq!(cx.in_call, ["\"…\"", ",", "every", ":"]);

        let text = "scenario \"s\" {\n  timeline {\n    at 0s blackhole(edge) for 5s\n  }\n  ";
        let cx = at(text, text.len());
        assert_eq!(cx.block(), "scenario");
        assert!(cx.statement.is_empty());
    }
}
