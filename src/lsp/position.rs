//! Byte offsets in a text ↔ LSP positions (line and UTF-16 code unit, as the protocol
//! counts by default).

use lsp_types::{Position, Range};

/// The line starts of one text, to place offsets without rescanning it.
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { line_starts }
    }

    /// The position of a byte offset (clamped to the text, moved back to a character
    /// boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of a position; a position past the end of its line is the end of
    /// the line, a line past the end of the text is the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |next| next - 1);
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_code_units() {
        let text = "ab\n\"é𝄞x\"\r\nlast";
        let index = LineIndex::new(text);
        // `x` follows `"` (1), `é` (1) and `𝄞` (2 UTF-16 units).
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x), Position::new(1, 4));
        assert_eq!(index.offset(text, Position::new(1, 4)), x);
        assert_eq!(index.position(text, text.len()), Position::new(2, 4));
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        // Inside a surrogate pair: the character that holds it.
        let clef = text.find('𝄞').unwrap();
        assert_eq!(index.offset(text, Position::new(1, 3)), clef + 4);
        for offset in 0..=text.len() {
            let back = index.offset(text, index.position(text, offset));
            assert!(back <= offset, "{offset}");
        }
    }
}
