//! A small YAML tree with positions, built from `yaml-rust2`'s event parser.
//!
//! `serde_yaml`'s values carry no positions, and every diagnostic of the importer must
//! point at a line and column, so the importer reads events (each with the place it
//! starts) and builds this tree itself. Scalars keep their text and whether they were
//! quoted; typing (numbers, booleans, null) is left to the reader, which knows what it
//! expects. Anchors and aliases are resolved by copying, within a node and byte budget.
//!
//! The events are pulled one at a time in a loop (`Parser::load` recurses once per
//! level of nesting, so a file of 30 000 nested `- ` would overflow the stack before
//! any depth check could run); the depth limit stops the loop at the first event
//! nested too deep.

use crate::diag::Span;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Collections nested deeper than this are refused (legacy files nest four levels).
pub const MAX_DEPTH: usize = 64;
/// More nodes than this (after expanding aliases) are refused.
pub const MAX_NODES: usize = 200_000;
/// More bytes of scalar text than this (after expanding aliases) are refused.
pub const MAX_TEXT_BYTES: usize = 64 << 20;

/// One YAML node and where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub span: Span,
    pub kind: Kind,
    /// The key this node is the value of, when it is the value of a map entry.
    pub key: Option<Span>,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// A scalar: its text, and whether it was written without quotes (only plain
    /// scalars can be numbers, booleans or null).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A plain scalar that YAML reads as null (`~`, `null`, or nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What this node is, in words, for "found …" in messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            _ if self.is_null() => "nothing".to_string(),
            Kind::Scalar { text, plain } => {
                let shown: String = text.chars().take(40).collect();
                let shown = shown.replace('`', "'");
                if *plain {
                    format!("`{shown}`")
                } else {
                    format!("the string `{shown}`")
                }
            }
            Kind::Seq(_) => "a list".to_string(),
            Kind::Map(_) => "a map".to_string(),
        }
    }
}

/// Why the text is not (acceptable) YAML, and where.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
}

/// Parses the first document of `text`. An empty document is a null scalar.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    // A byte-order mark is not given to the scanner (it would start the first key);
    // the offsets skip it too, so places stay those of `text`.
    let bom = usize::from(text.starts_with('\u{FEFF}'));
    let offsets = CharOffsets::new(text, bom);
    let mut builder = Builder {
        text,
        offsets: &offsets,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        documents: 0,
        nodes: 0,
        bytes: 0,
        error: None,
    };
    let mut parser = Parser::new(text.chars().skip(bom));
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(e) => {
                let start = offsets.byte(e.marker().index());
                let info = e.info().to_string();
                return Err(YamlError {
                    span: Span::new(start, next_char_end(text, start)),
                    message: format!("not valid YAML: {info}"),
                });
            }
        };
        let end = event == Event::StreamEnd;
        builder.on_event(event, mark);
        if let Some(error) = builder.error {
            return Err(error);
        }
        if end {
            break;
        }
    }
    Ok(builder.root.unwrap_or(Node {
        span: Span::new(0, 0),
        kind: Kind::Scalar {
            text: String::new(),
            plain: true,
        },
        key: None,
    }))
}

/// The end of the character starting at `start`, or `start` at the end of the text.
fn next_char_end(text: &str, start: usize) -> usize {
    text.get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8())
}

/// Character index (what the scanner counts) to byte offset.
struct CharOffsets {
    bytes: Vec<usize>,
    len: usize,
}

impl CharOffsets {
    /// Offsets of the characters of `text` after the first `skip`.
    fn new(text: &str, skip: usize) -> CharOffsets {
        CharOffsets {
            bytes: text.char_indices().skip(skip).map(|(i, _)| i).collect(),
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.bytes.get(char_index).copied().unwrap_or(self.len)
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    text: &'a str,
    offsets: &'a CharOffsets,
    stack: Vec<Frame>,
    /// Anchored nodes by anchor id, with their node and text byte counts.
    anchors: HashMap<usize, (Node, Size)>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
    bytes: usize,
    error: Option<YamlError>,
}

impl Builder<'_> {
    fn fail(&mut self, start: usize, message: String) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                span: Span::new(start, next_char_end(self.text, start)),
                message,
            });
        }
    }

    fn count(&mut self, size: Size, start: usize) -> bool {
        self.nodes = self.nodes.saturating_add(size.nodes);
        self.bytes = self.bytes.saturating_add(size.bytes);
        if self.nodes > MAX_NODES {
            self.fail(
                start,
                format!("the YAML document has more than {MAX_NODES} values"),
            );
            return false;
        }
        if self.bytes > MAX_TEXT_BYTES {
            self.fail(
                start,
                format!(
                    "the YAML document has more than {} MiB of text",
                    MAX_TEXT_BYTES >> 20
                ),
            );
            return false;
        }
        true
    }

    /// Adds a finished node to its parent (or makes it the document).
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            let size = node_size(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let mut node = node;
                    // An empty value (`interval:`) is reported at its key: the
                    // parser places it wherever the next token is.
                    if matches!(&node.kind, Kind::Scalar { text, plain: true } if text.is_empty()) {
                        node.span = k.span;
                    }
                    node.key = Some(k.span);
                    entries.push((k, node))
                }
            },
        }
    }

    /// The end of a scalar that starts at `start`: through the closing quote, or to
    /// the end of a plain scalar on its line.
    fn scalar_end(&self, start: usize, style: TScalarStyle) -> usize {
        let rest = self.text.get(start..).unwrap_or("");
        let len = match style {
            TScalarStyle::DoubleQuoted => {
                let mut escaped = false;
                rest.char_indices()
                    .skip(1)
                    .find(|&(_, c)| {
                        let close = c == '"' && !escaped;
                        escaped = c == '\\' && !escaped;
                        close
                    })
                    .map_or(rest.len(), |(i, _)| i + 1)
            }
            TScalarStyle::SingleQuoted => rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| c == '\'')
                .map_or(rest.len(), |(i, _)| i + 1),
            TScalarStyle::Plain => {
                // Up to the first line end, comment, `: ` or (in a flow collection)
                // `,` `]` `}`, whichever comes first: one pass, however long the line.
                let flow = self.in_flow();
                let bytes = rest.as_bytes();
                let cut = (0..bytes.len())
                    .find(|&i| match bytes[i] {
                        b'\n' => true,
                        b' ' => bytes.get(i + 1) == Some(&b'#'),
                        b':' => bytes.get(i + 1) == Some(&b' '),
                        b',' | b']' | b'}' => flow,
                        _ => false,
                    })
                    .unwrap_or(bytes.len());
                let line = &rest[..cut];
                let line = if bytes.get(cut) == Some(&b':') {
                    line
                } else {
                    line.strip_suffix(':').unwrap_or(line)
                };
                line.trim_end().len()
            }
            _ => rest.split('\n').next().unwrap_or("").trim_end().len(),
        };
        start + len
    }

    fn in_flow(&self) -> bool {
        // Close enough for spans: a flow collection starts with `[` or `{`.
        self.stack.iter().any(|f| {
            let start = match f {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            matches!(self.text.as_bytes().get(start), Some(b'[' | b'{'))
        })
    }
}

/// How much of the budget a node takes: its nodes and the bytes of its scalars.
#[derive(Debug, Clone, Copy)]
struct Size {
    nodes: usize,
    bytes: usize,
}

impl Size {
    fn one(bytes: usize) -> Size {
        Size { nodes: 1, bytes }
    }
}

fn node_size(node: &Node) -> Size {
    let mut size = Size { nodes: 0, bytes: 0 };
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        size.nodes += 1;
        match &n.kind {
            Kind::Scalar { text, .. } => size.bytes += text.len(),
            Kind::Seq(items) => todo.extend(items),
            Kind::Map(entries) => {
                for (k, v) in entries {
                    todo.push(k);
                    todo.push(v);
                }
            }
        }
    }
    size
}

impl Builder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let start = self.offsets.byte(mark.index());
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(
                        start,
                        "the file holds more than one YAML document".to_string(),
                    );
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                if !self.count(Size::one(text.len()), start) {
                    return;
                }
                let end = self.scalar_end(start, style);
                let plain = style == TScalarStyle::Plain;
                self.push(
                    Node {
                        span: Span::new(start, end),
                        kind: Kind::Scalar { text, plain },
                        key: None,
                    },
                    anchor,
                );
            }
            Event::Alias(id) => {
                let Some(&(_, size)) = self.anchors.get(&id) else {
                    self.fail(start, "an alias to an unknown anchor".to_string());
                    return;
                };
                // Counted before it is copied: a bomb is refused before it explodes.
                if !self.count(size, start) {
                    return;
                }
                let Some((mut node, _)) = self.anchors.get(&id).cloned() else {
                    return;
                };
                // The copy is reported where the alias is written.
                node.span = Span::new(start, self.scalar_end(start, TScalarStyle::Plain));
                node.key = None;
                self.push(node, 0);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if !self.count(Size::one(0), start) {
                    return;
                }
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(
                        start,
                        format!("lists and maps are nested more than {MAX_DEPTH} deep"),
                    );
                    return;
                }
                self.stack.push(match event {
                    Event::SequenceStart(..) => Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    },
                    _ => Frame::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    },
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        start,
                        anchor,
                        items,
                    } => (
                        Node {
                            span: Span::new(start, next_char_end(self.text, start)),
                            kind: Kind::Seq(items),
                            key: None,
                        },
                        anchor,
                    ),
                    Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    } => (
                        Node {
                            // A block map is reported at its first key (the parser
                            // marks it at that key's colon).
                            span: match entries.first() {
                                Some((key, _)) if key.span.start <= start => key.span,
                                _ => Span::new(start, next_char_end(self.text, start)),
                            },
                            kind: Kind::Map(entries),
                            key: None,
                        },
                        anchor,
                    ),
                };
                self.push(node, anchor);
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn scalars_keep_their_place() {
        let text = "a: 1\nbé:\n  - \"x y\"  # c\n  - plain text # c\n";
        let root = parse(text).unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("a map")
        };
        assert_eq!(at(text, entries[0].0.span), "a");
        assert_eq!(at(text, entries[0].1.span), "1");
        assert_eq!(at(text, entries[1].0.span), "bé");
        let Kind::Seq(items) = &entries[1].1.kind else {
            panic!("a list")
        };
        assert_eq!(at(text, items[0].span), "\"x y\"");
        assert_eq!(at(text, items[1].span), "plain text");
    }

    #[test]
    fn errors_have_a_place() {
        let text = "a: [1, 2\nb: 3\n";
        let e = parse(text).unwrap_err();
        assert!(e.message.starts_with("not valid YAML"), "{}", e.message);
        assert!(e.span.start <= text.len());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        assert!(parse("a: *nothing\n").is_err());
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_refused() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(&deep).is_err());
        // Block nesting is not limited by the scanner: the depth check must stop it
        // before anything recurses (it used to overflow the stack).
        let deep = format!("scenarios:\n{}x\n", "- ".repeat(30_000));
        let e = parse(&deep).unwrap_err();
        assert!(
            e.message.contains("nested more than 64 deep"),
            "{}",
            e.message
        );
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!(
                "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(parse(&bomb).is_err());
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = "\u{FEFF}a: 1\nb: [x]\n";
        let root = parse(text).unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("a map")
        };
        assert_eq!(at(text, entries[0].0.span), "a");
        assert_eq!(at(text, entries[1].0.span), "b");
    }

    #[test]
    fn empty_text_is_null() {
        assert!(parse("").unwrap().is_null());
        assert!(parse("# only a comment\n").unwrap().is_null());
    }
}
