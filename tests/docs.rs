//! The examples in the documentation are real programs: every ```` ```chaos ```` block
//! of `README.md`, `docs/language.md` and `docs/errors/*.md` parses, except the
//! `## Wrong` examples of syntax errors (E01xx), which must not.
//!
//! Whether the examples also *check* as they claim is tested in `tests/registry.rs`.

use chaosc::diag::{render, SourceId, Sources};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every ```` ```chaos ```` block: (line of the fence, the heading above it, body).
fn chaos_blocks(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        match &mut open {
            Some((start, body)) => {
                if line.trim_end() == "```" {
                    out.push((*start, heading.clone(), std::mem::take(body)));
                    open = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
            None if line.trim_end() == "```chaos" => open = Some((index + 1, String::new())),
            None if line.starts_with('#') => heading = line.to_string(),
            None => {}
        }
    }
    assert!(open.is_none(), "an unclosed ```chaos block");
    out
}

fn parse_errors(body: &str) -> Vec<String> {
    let mut sources = Sources::default();
    let id: SourceId = sources.add("example", body);
    let parsed = chaosc::syntax::parse(body, id);
    parsed
        .diagnostics
        .iter()
        .map(|d| render::short(d, &sources))
        .collect()
}

#[test]
fn documentation_examples_parse() {
    let mut files = vec![root().join("README.md"), root().join("docs/language.md")];
    let mut errors: Vec<PathBuf> = std::fs::read_dir(root().join("docs/errors"))
        .expect("docs/errors exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        // Its one example is the page format, not a program.
        .filter(|p| !p.ends_with("README.md"))
        .collect();
    errors.sort();
    files.extend(errors);
    let mut problems = Vec::new();
    let mut blocks = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // The codes the parser emits (E0106 is the checker's).
        let syntax_page = ["E0101", "E0102", "E0103", "E0104", "E0105"]
            .iter()
            .any(|code| name.starts_with(code));
        for (line, heading, body) in chaos_blocks(&text) {
            blocks += 1;
            let found = parse_errors(&body);
            let must_fail = syntax_page && heading == "## Wrong";
            if must_fail && found.is_empty() {
                problems.push(format!("{name}:{line}: should not parse, but does"));
            } else if !must_fail && !found.is_empty() {
                problems.push(format!("{name}:{line}: {}", found.join("; ")));
            }
        }
    }
    assert!(blocks > 80, "only {blocks} examples found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn blocks_are_found() {
    let text = "# T\n\n## Wrong\n\n```chaos\nconst a = 1\n```\n\n```text\nx\n```\n";
    let blocks = chaos_blocks(text);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].0, 5);
    assert_eq!(blocks[0].1, "## Wrong");
    assert_eq!(blocks[0].2, "const a = 1\n");
}
